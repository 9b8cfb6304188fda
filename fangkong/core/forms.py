"""Forms check formats field by field; the rules that span records (duplicates, stale edits,
moves) are in services, whose errors the views attach to the right field."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.lib import phone as phone_lib

from .addresses import rooms_at
from .models import Building, CareTag, Entrance, Household, IdType, Person
from .services import check_identity, room_taken_message


class PersonForm(forms.ModelForm):
    tags = forms.MultipleChoiceField(label=_("Special care"), choices=CareTag.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Person
        fields = ["name", "id_type", "id_number", "sex", "birth_date", "phone", "residency", "relation",
                  "occupation", "workplace", "note"]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "maxlength": 40}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
        }
        help_texts = {
            "sex": _("Taken from the ID number when there is one."),
            "birth_date": _("Taken from the ID number when there is one."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []
        self.fields["sex"].required = False
        if self.instance.pk:
            self.initial["tags"] = self.instance.tag_codes
            self.initial["version"] = self.instance.version
            # Never put the whole ID or phone into a page by default: the field starts empty
            # and an empty field on save keeps the stored value.
            self.fields["id_number"].widget.attrs["placeholder"] = self.instance.id_masked
            self.fields["phone"].widget.attrs["placeholder"] = self.instance.phone_masked
            self.initial["id_number"] = ""
            self.initial["phone"] = ""
            self.fields["id_number"].help_text = _("Leave empty to keep the number on file.")
            self.fields["phone"].help_text = _("Leave empty to keep the number on file.")
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "").strip()
        if not value:
            return self.instance.phone if self.instance.pk else ""
        return phone_lib.normalize(value)

    def clean(self):
        data = super().clean()
        id_type = data.get("id_type") or IdType.RESIDENT_ID
        number = (data.get("id_number") or "").strip()
        if not number and self.instance.pk and id_type == self.instance.id_type:
            number = self.instance.id_number
        try:
            identity = check_identity(id_type, number, stored=self.instance.id_number if self.instance.pk else "")
        except ValidationError as error:
            self.add_error("id_number", error)
            return data
        data["id_number"] = identity.id_number
        if identity.birth_date:
            data["sex"] = identity.sex
            data["birth_date"] = identity.birth_date
        self.warnings = identity.warnings
        return data

    def validate_unique(self):
        # Duplicates are the service's to refuse: it answers with a link to the existing person.
        pass

    def person_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class HouseholdForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Household
        fields = ["entrance", "room", "floor", "status", "control_status", "note"]
        help_texts = {"control_status": _("Empty: as the building."),
                      "entrance": _("Rooms are numbered per entrance: 1单元 301 and 2单元 301 are two flats.")}

    def __init__(self, *args, building=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.building = building or self.instance.building
        entrances = Entrance.objects.filter(building=self.building)
        self.fields["entrance"].queryset = entrances
        if not entrances.exists():
            del self.fields["entrance"]  # a building of one door: nothing to choose
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_room(self):
        room = self.cleaned_data["room"].strip()
        if not room:
            raise ValidationError(_("Enter the room."))
        return room

    def clean(self):
        data = super().clean()
        room = data.get("room")
        if room:
            entrance = data.get("entrance") if "entrance" in self.fields else self.instance.entrance
            message = room_taken_message(self.building, entrance, room, exclude_pk=self.instance.pk)
            if message:
                self.add_error("room", message)
        return data


class MoveForm(forms.Form):
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False,
                                      help_text=_("Empty: moved away from the community."))
    room = forms.CharField(label=_("Room"), max_length=40, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, buildings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings if buildings is not None else Building.objects.none()
        self.fields["building"].widget.attrs["class"] = "form-select"
        self.fields["room"].widget.attrs["class"] = "form-control"
        self.fields["reason"].widget.attrs["class"] = "form-control"

    def clean(self):
        data = super().clean()
        building, room = data.get("building"), (data.get("room") or "").strip()
        data["household"] = None
        if building:
            if not room:
                self.add_error("room", _("Enter the room in building %(door)s.") % {"door": building.door_number})
                return data
            found = list(rooms_at(Household.objects.select_related("entrance"), building, room)[:5])
            household = found[0] if len(found) == 1 else None
            if not found:
                self.add_error("room", _("Building %(door)s has no room %(room)s. Add the household first.")
                               % {"door": building.door_number, "room": room})
            elif household is None:
                self.add_error("room", _("Building %(door)s has a room %(room)s in more than one entrance "
                                         "(%(entrances)s): type the entrance too, as 2-%(room)s.")
                               % {"door": building.door_number, "room": room,
                                  "entrances": "、".join(sorted(str(h.entrance) for h in found))})
            data["household"] = household
        return data


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why do you need to see it?"), min_length=2, max_length=300,
                             widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}))
