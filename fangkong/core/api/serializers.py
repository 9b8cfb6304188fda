"""Core's API serializers: places, households and persons.

Personal data goes out masked (110105********002X, 138****5678), always: the whole value is
only given by ``POST /api/persons/{id}/reveal/``, which writes the audit log. Writes of persons
and households go through ``fangkong.core.services`` (which write the audit log too); the
serializers only turn JSON into the arguments of those functions.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core import places, services
from fangkong.core.models import (
    GB11643_TYPES,
    Building,
    CareTag,
    Community,
    Entrance,
    Estate,
    Grid,
    Household,
    IdType,
    Person,
    Unit,
    Zone,
)
from fangkong.core.rest.serializers import (
    VERSION_HELP,
    MaskedCharField,
    ScopedRelatedField,
    django_errors,
    ensure_writable,
    refuse_change,
    request_user,
    require_version,
)
from fangkong.lib import phone as phones
from fangkong.lib.masking import mask_id, mask_phone

# --- places -----------------------------------------------------------------------------------


class CommunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["id", "name", "code", "district", "area_km2", "control_status"]


class ZoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Zone
        fields = ["id", "community", "name"]


class GridSerializer(serializers.ModelSerializer):
    class Meta:
        model = Grid
        fields = ["id", "community", "zone", "number", "name", "control_status"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "community", "grid", "name"]


class BuildingSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, required=False,
                                   help_text=_("Set on create (or taken from the grid); cannot change."))
    grid = ScopedRelatedField(Grid)
    unit = ScopedRelatedField(Unit, required=False, allow_null=True)
    estate = ScopedRelatedField(Estate, required=False, allow_null=True,
                                help_text=_("The estate (小区) it stands in, if any: door numbers are unique "
                                            "within it."))
    landlord_phone = MaskedCharField(mask_phone, required=False, allow_blank=True, max_length=20,
                                     help_text=_("Masked when read (138****5678); write the whole number."))

    class Meta:
        model = Building
        fields = ["id", "community", "estate", "grid", "unit", "door_number", "name", "landlord_name",
                  "landlord_phone",
                  "floors", "is_rental", "latitude", "longitude", "outline", "control_status"]
        # Uniqueness is checked in validate(), with a message naming the field.
        validators = []

    def validate_landlord_phone(self, value):
        instance = self.instance
        if instance is not None and instance.landlord_phone and value == instance.landlord_phone_masked:
            return instance.landlord_phone  # the masked value sent back unchanged
        if not value:
            return ""
        try:
            return phones.normalize(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(django_errors(exc)) from None

    def validate(self, attrs):
        instance = self.instance
        if instance is not None:
            refuse_change(attrs, instance, ["community"], _("A building cannot move to another community."))
            return attrs
        grid = attrs["grid"]
        attrs["community"] = attrs.get("community") or grid.community
        if grid.community_id != attrs["community"].pk:
            raise serializers.ValidationError({"grid": [_("This grid belongs to another community.")]})
        return attrs

    def create(self, validated_data):
        # Who may, the door number's uniqueness (within its estate) and the audit entry: the service's.
        return places.create_building(request_user(self), validated_data.pop("community"), validated_data)

    def update(self, instance, validated_data):
        user = request_user(self)
        with transaction.atomic():
            if "grid" in validated_data or "unit" in validated_data:  # the command post's move, audited
                instance = places.move_building(user, instance, validated_data.pop("grid", instance.grid),
                                                validated_data.pop("unit", instance.unit))
            return places.change_building(user, instance, validated_data)


# --- households -------------------------------------------------------------------------------



class HouseholdSerializer(serializers.ModelSerializer):
    building = ScopedRelatedField(Building, help_text=_("Set on create; cannot change."))
    door_number = serializers.CharField(source="building.door_number", read_only=True)
    entrance = ScopedRelatedField(Entrance, required=False, allow_null=True,
                                  help_text=_("The building's entrance (单元), if it has them: rooms are numbered "
                                              "per entrance."))
    effective_control_status = serializers.CharField(read_only=True)
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)

    class Meta:
        model = Household
        fields = ["id", "community", "building", "door_number", "entrance", "room", "floor", "status",
                  "control_status", "effective_control_status", "note", "version"]
        read_only_fields = ["community"]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["building"].required = False
        return fields

    def validate(self, attrs):
        instance = self.instance
        require_version(self, attrs)
        if instance is not None:
            refuse_change(attrs, instance, ["building"], _("A household cannot move to another building."))
        building = attrs.get("building", getattr(instance, "building", None))
        room = attrs.get("room", getattr(instance, "room", None))
        entrance = attrs.get("entrance", getattr(instance, "entrance", None))
        if entrance is not None and building is not None and entrance.building_id != building.pk:
            raise serializers.ValidationError({"entrance": [_("This entrance is in another building.")]})
        if building is not None and services.same_room(building, entrance, room,
                                                       getattr(instance, "pk", None)).exists():
            message = (_("This building already has this room.") if entrance is None
                       else _("This entrance already has this room."))
            raise serializers.ValidationError({"room": [message]})
        return attrs

    def create(self, validated_data):
        user = request_user(self)
        building = validated_data.pop("building")
        validated_data.pop("version", None)
        with transaction.atomic():
            household = services.create_household(user, building, validated_data)
            ensure_writable(user, household, "building")
        return household

    def update(self, instance, validated_data):
        version = validated_data.pop("version")
        validated_data.pop("building", None)
        return services.update_household(request_user(self), instance, validated_data,
                                         expected_version=version)


# --- persons ----------------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(
        Community, required=False,
        help_text=_("Taken from the household when one is given; required for a person without one. "
                    "Cannot change."))
    household = ScopedRelatedField(
        Household, required=False, allow_null=True,
        help_text=_("Set on create; later changes go through POST /api/persons/{id}/move/."))
    id_number = MaskedCharField(
        mask_id, required=False, allow_blank=True, max_length=40,
        help_text=_("Always masked when read (110105********002X); write the whole number. Resident IDs and "
                    "residence permits are checked (GB 11643) and give sex and date of birth. Sending the "
                    "masked value back leaves the number unchanged."))
    phone = MaskedCharField(
        mask_phone, required=False, allow_blank=True, max_length=20,
        help_text=_("Always masked when read (138****5678); write an 11-digit mainland mobile number."))
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=CareTag.choices), source="tag_codes", required=False,
        help_text=_("Special-care tags; on change, the whole list."))
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)
    building = serializers.IntegerField(source="household.building_id", read_only=True, allow_null=True)
    door_number = serializers.CharField(source="household.building.door_number", read_only=True,
                                        allow_null=True)
    entrance = serializers.CharField(source="household.entrance.number", read_only=True, allow_null=True,
                                     help_text=_("The entrance (单元) of the household, if its building has them."))
    room = serializers.CharField(source="household.room", read_only=True, allow_null=True)

    class Meta:
        model = Person
        fields = ["id", "community", "household", "building", "door_number", "entrance", "room", "name", "id_type",
                  "id_number", "sex", "birth_date", "phone", "residency", "relation", "occupation",
                  "workplace", "note", "tags", "version", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        # Duplicate ID numbers are the service's to refuse (409 duplicate_id_number).
        validators = []


    def validate_phone(self, value):
        instance = self.instance
        if instance is not None and instance.phone and value == instance.phone_masked:
            return instance.phone
        if not value:
            return ""
        try:
            return phones.normalize(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(django_errors(exc)) from None

    def validate_tags(self, value):
        return sorted(set(value))

    def validate(self, attrs):
        instance = self.instance
        require_version(self, attrs)
        if instance is None:
            household = attrs.get("household")
            community = attrs.get("community")
            if household is not None:
                if community is not None and community.pk != household.community_id:
                    raise serializers.ValidationError(
                        {"community": [_("The household is in another community.")]})
                attrs["community"] = household.community
            elif community is None:
                raise serializers.ValidationError(
                    {"community": [_("Give the household, or the community of a person without one.")]})
        else:
            refuse_change(attrs, instance, ["community"], _("A person cannot change community."))
            refuse_change(attrs, instance, ["household"],
                          _("To move a person, use POST /api/persons/{id}/move/ with a reason."))
        self._check_identity(attrs)
        return attrs

    def _check_identity(self, attrs):
        instance = self.instance
        id_type = attrs.get("id_type", instance.id_type if instance else IdType.RESIDENT_ID)
        number = attrs.get("id_number", instance.id_number if instance else "")
        if instance is not None and number and "*" in number and id_type == instance.id_type:
            # The masked value sent back: the service's rule says whether it fits the stored one.
            try:
                number = attrs["id_number"] = services.check_identity(id_type, number,
                                                                      stored=instance.id_number).id_number
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"id_number": django_errors(exc)}) from None
        if instance is not None and id_type == instance.id_type and number == instance.id_number:
            # Unchanged: kept as it is, even if an old import let a doubtful number in; sex and
            # date of birth still follow a GB 11643 number, not the client.
            if id_type in GB11643_TYPES and number:
                attrs.pop("sex", None)
                attrs.pop("birth_date", None)
            return
        try:
            identity = services.check_identity(id_type, number, stored=instance.id_number if instance else "")
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"id_number": django_errors(exc)}) from None
        attrs["id_type"] = identity.id_type
        attrs["id_number"] = identity.id_number
        if id_type in GB11643_TYPES:
            attrs["sex"] = identity.sex
            attrs["birth_date"] = identity.birth_date

    def create(self, validated_data):
        user = request_user(self)
        tags = validated_data.pop("tag_codes", ())
        household = validated_data.pop("household", None)
        community = validated_data.pop("community")
        validated_data.pop("version", None)
        with transaction.atomic():
            person = services.create_person(user, community, validated_data, tags=tags, household=household)
            ensure_writable(user, person, "household" if household else "community")
        return person

    def update(self, instance, validated_data):
        tags = validated_data.pop("tag_codes", None)
        version = validated_data.pop("version")
        validated_data.pop("community", None)
        validated_data.pop("household", None)
        return services.update_person(request_user(self), instance, validated_data, tags=tags,
                                      expected_version=version)


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[("id_number", _("ID number")), ("phone", _("phone"))])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300,
                                   help_text=_("Why you need to see it; required, written to the audit log."))


class RevealedSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class MoveSerializer(serializers.Serializer):
    household = ScopedRelatedField(Household, allow_null=True,
                                   help_text=_("The new household, or null for none (moved away)."))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    version = serializers.IntegerField(required=False, min_value=1,
                                       help_text=_("The version you last read; optional here."))


