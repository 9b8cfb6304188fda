"""The rules for places and people. HTML views, the API, the command line and imports all call
these functions; none of them writes a Person or Household another way.

Every change writes an audit entry in the same transaction, so a change without its record (or a
record of a change that did not happen) cannot exist.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.lib import idnumber
from fangkong.lib.masking import mask_id, mask_phone

from . import core_actions as can
from .actions import NotAllowed, allowed, require
from .errors import ServiceError  # noqa: F401  (re-exported: apps raise core.ServiceError)
from .models import (
    GB11643_TYPES,
    AuditAction,
    AuditEntry,
    Building,
    Community,
    Grid,
    Household,
    IdType,
    Person,
    PersonTag,
    Residence,
    TimelineEntry,
    Unit,
)

# Fields whose values are personal data: audit entries keep them masked.
MASKERS = {"id_number": mask_id, "phone": mask_phone, "landlord_phone": mask_phone}
PERSON_FIELDS = ["name", "id_type", "id_number", "sex", "birth_date", "phone", "residency", "relation",
                 "occupation", "workplace", "note", "free_labels"]
HOUSEHOLD_FIELDS = ["entrance", "room", "floor", "status", "control_status", "note"]


class StaleEdit(ServiceError):
    code = "stale_edit"


class DuplicateIdNumber(ServiceError):
    code = "duplicate_id_number"

    def __init__(self, existing: Person):
        super().__init__(_("Another person in this community already has this ID number."), field="id_number")
        self.existing = existing


# --- audit and timeline ---------------------------------------------------------------------


def audit(user, action, obj, *, community=None, person=None, fields=(), reason="", changes=None):
    community = community or getattr(obj, "community", None)
    if person is None and isinstance(obj, Person):
        person = obj
    return AuditEntry.objects.create(
        community=community,
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or "",
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        person=person,
        fields=",".join(fields)[:200],
        reason=reason[:300],
        changes=changes or {},
    )


def add_timeline(person: Person, kind: str, text: str, actor=None, at=None) -> TimelineEntry:
    return TimelineEntry.objects.create(
        community_id=person.community_id, person=person, kind=kind, text=text[:300],
        actor=actor if getattr(actor, "is_authenticated", False) else None, at=at or timezone.now(),
    )


def _show(field_name, value):
    if value is None:
        return ""
    value = str(value)
    masker = MASKERS.get(field_name)
    return masker(value) if masker and value else value


def _diff(before: dict, after: dict) -> dict:
    """The changes an audit entry keeps: [before, after] for every field of ``after`` that
    differs, shown as text, personal data masked."""
    if not before:
        # A creation: every value that is not None differs from nothing. The same answer as the
        # general case below, without looking up and showing a "before" for each field (ledger
        # imports create tens of thousands of persons at a time).
        changes = {}
        for name, value in after.items():
            if value is not None:
                value = str(value)
                masker = MASKERS.get(name)
                changes[name] = ["", masker(value) if masker and value else value]
        return changes
    return {
        name: [_show(name, before.get(name)), _show(name, after.get(name))]
        for name in after
        if before.get(name) != after.get(name)
    }


# --- identity -------------------------------------------------------------------------------


@dataclass
class Identity:
    id_type: str
    id_number: str
    sex: str = ""
    birth_date: object = None
    warnings: list[str] = field(default_factory=list)


def check_identity(id_type: str, id_number: str, stored: str = "") -> Identity:
    """Validate a document number for its type; GB 11643 numbers also give sex and birth date.

    A masked number (110105********0021, as every page, export and API answer shows it) means
    "keep the stored one": ``stored`` is the person's number on file, and the mask must fit it.
    The forms, the API and the importer all call this, so they accept and refuse the same input.
    Raises django's ValidationError (the forms and the importer show its message by the field)."""
    from django.core.exceptions import ValidationError

    number = idnumber.normalize(id_number or "")
    if "*" in number:
        if stored and mask_id(stored) == number:
            number = stored
        else:
            raise ValidationError(_("This number is masked: give the whole number."), code="masked")
    if id_type == IdType.NONE:
        return Identity(IdType.NONE, "")
    if not number:
        raise ValidationError(_("Enter the document number, or choose \"No document\"."), code="required")
    if id_type in GB11643_TYPES:
        info = idnumber.parse(number)
        return Identity(id_type, info.number, info.sex, info.birth_date, info.warnings)
    return Identity(id_type, number)


def _find_duplicate(community_id, id_number, exclude_pk=None):
    if not id_number:
        return None
    duplicates = Person.objects.filter(community_id=community_id, id_number=id_number)
    if exclude_pk:
        duplicates = duplicates.exclude(pk=exclude_pk)
    return duplicates.first()


def _keep_masked(data: dict) -> dict:
    """A masked value (110105********0021, 138****5678: what every page, export and API answer
    shows) written back means "keep the stored one": the forms, the API and the importer all
    send what they were shown, and none of them may overwrite a number with its mask."""
    return {name: value for name, value in data.items()
            if not (name in MASKERS and isinstance(value, str) and "*" in value)}


# --- people ---------------------------------------------------------------------------------


def _set_tags(person: Person, tags) -> bool:
    wanted = set(tags or [])
    current = set(person.tags.values_list("tag", flat=True))
    if wanted == current:
        return False
    person.tags.filter(tag__in=current - wanted).delete()
    PersonTag.objects.bulk_create([PersonTag(person=person, tag=tag) for tag in sorted(wanted - current)])
    return True


@transaction.atomic
def create_person(actor, community: Community, data: dict, tags=(), household: Household | None = None) -> Person:
    require(actor, can.CREATE_PERSON, household or community)
    duplicate = _find_duplicate(community.pk, data.get("id_number"))
    if duplicate:
        raise DuplicateIdNumber(duplicate)
    person = Person(community=community, household=household, **{k: v for k, v in data.items()
                                                                 if k in PERSON_FIELDS})
    person.save()
    _set_tags(person, tags)
    if household:
        Residence.objects.create(community=community, person=person, household=household, reason=_("Registered"))
    audit(actor, AuditAction.CREATE, person, changes=_diff({}, {k: getattr(person, k) for k in PERSON_FIELDS}))
    add_timeline(person, "registered", _("Registered in %(place)s") % {"place": household or community},
                 actor=actor)
    return person


@transaction.atomic
def update_person(actor, person: Person, data: dict, tags=None, expected_version: int | None = None) -> Person:
    """Change a person's file. ``expected_version`` is the version the editor saw: if someone
    else saved meanwhile the edit is refused rather than silently overwriting theirs."""
    require(actor, can.UPDATE_PERSON, person)
    current = Person.objects.select_for_update().get(pk=person.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(_("Someone else changed this person while you were editing. "
                          "Reload the page to see their change, then edit again."))
    data = _keep_masked(data)
    duplicate = _find_duplicate(current.community_id, data.get("id_number"), exclude_pk=current.pk)
    if duplicate:
        raise DuplicateIdNumber(duplicate)
    before = {k: getattr(current, k) for k in PERSON_FIELDS}
    for name, value in data.items():
        if name in PERSON_FIELDS:
            setattr(current, name, value)
    after = {k: getattr(current, k) for k in PERSON_FIELDS}
    changes = _diff(before, after)
    old_tags = current.get_tags_display()
    tags_changed = tags is not None and _set_tags(current, tags)
    if tags_changed:
        changes["tags"] = [", ".join(old_tags), ", ".join(current.get_tags_display())]
    if not changes:
        return current
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    audit(actor, AuditAction.CHANGE, current, fields=list(changes), changes=changes)
    return current


@transaction.atomic
def move_person(actor, person: Person, household: Household | None, reason: str = "",
                expected_version: int | None = None) -> Person:
    """Move a person to another household (or out of the community's households, with None).
    The old residence is closed, not deleted: moves are kept in history.

    The mover must reach where the person lives now and where they go (someone moved out has no
    household: then the person's community is where they are)."""
    require(actor, can.MOVE_PERSON, person if person.household_id else person.community_id)
    if household is not None:
        require(actor, can.MOVE_PERSON, household)
    current = Person.objects.select_for_update().get(pk=person.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(_("Someone else changed this person while you were editing. "
                          "Reload the page to see their change, then edit again."))
    if household and household.community_id != current.community_id:
        raise ServiceError(_("A person can only move within their community."), code="other_community",
                           field="household")
    if current.household_id == (household.pk if household else None):
        return current
    now = timezone.now()
    old = current.household
    Residence.objects.filter(person=current, moved_out__isnull=True).update(moved_out=now)
    if household:
        Residence.objects.create(community_id=current.community_id, person=current, household=household,
                                 moved_in=now, reason=reason[:200])
    current.household = household
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    audit(actor, AuditAction.MOVE, current, fields=["household"], reason=reason,
          changes={"household": [str(old or ""), str(household or "")]})
    add_timeline(current, "moved", _("Moved from %(old)s to %(new)s") % {"old": old or "-", "new": household or "-"},
                 actor=actor)
    return current


REVEALABLE = {"id_number": _("ID number"), "phone": _("phone")}


def reveal(actor, person: Person, field_name: str, reason: str) -> str:
    """Return one personal value whole, and write who saw it and why. A role that reaches the
    person is not enough: the reveal permission is granted person by person (``can_reveal``).
    The reason is required here so no caller can skip it."""
    require(actor, can.REVEAL, person)
    if not can_reveal(actor):
        raise NotAllowed(can.REVEAL.message, can.REVEAL)
    if field_name not in ("id_number", "phone"):
        raise ServiceError(_("This field cannot be revealed."), code="unknown_field")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ServiceError(_("Say why you need to see it."), code="reason_required", field="reason")
    audit(actor, AuditAction.REVEAL, person, fields=[field_name], reason=reason)
    return getattr(person, field_name)


def can_reveal(user) -> bool:
    return user.has_perm("core.reveal_personal_data")


def may_reveal(user, person: Person) -> bool:
    """Whether to offer "show whole" for this person: the role reaches them and the user holds the
    reveal permission (``reveal`` asks both again)."""
    return can_reveal(user) and allowed(user, can.REVEAL, person)


# --- households and buildings ---------------------------------------------------------------


@transaction.atomic
def same_room(building, entrance, room: str, exclude_pk=None):
    """The households of ``building`` that already have ``room`` in the same entrance (or, with
    no entrance, among the building's rooms in no entrance): rooms are numbered per entrance."""
    others = Household.objects.filter(building=building, room=(room or "").strip())
    others = others.filter(entrance__isnull=True) if entrance is None else others.filter(entrance=entrance)
    return others.exclude(pk=exclude_pk) if exclude_pk else others


def check_household_place(building, entrance, room: str, exclude_pk=None):
    """Refuse an entrance of another building, or a room its entrance (or building) already has."""
    if entrance is not None and entrance.building_id != building.pk:
        raise ServiceError(_("Entrance %(entrance)s is not in building %(door)s.")
                           % {"entrance": entrance, "door": building.door_number}, field="entrance")
    message = room_taken_message(building, entrance, room, exclude_pk)
    if message:
        raise ServiceError(message, code="duplicate_room", field="room")


def room_taken_message(building, entrance, room: str, exclude_pk=None) -> str:
    """What to tell a user giving a room the building (or its entrance) already has; "" if none."""
    if not same_room(building, entrance, room, exclude_pk).exists():
        return ""
    if entrance is None:
        return _("Building %(door)s already has a room %(room)s.") % {"door": building.door_number, "room": room}
    return (_("Building %(door)s, %(entrance)s, already has a room %(room)s.")
            % {"door": building.door_number, "entrance": entrance, "room": room})


def create_household(actor, building: Building, data: dict) -> Household:
    require(actor, can.CREATE_HOUSEHOLD, building)
    household = Household(community_id=building.community_id, building=building,
                          **{k: v for k, v in data.items() if k in HOUSEHOLD_FIELDS})
    check_household_place(building, household.entrance, household.room)
    household.save()
    audit(actor, AuditAction.CREATE, household,
          changes=_diff({}, {k: getattr(household, k) for k in HOUSEHOLD_FIELDS}))
    return household


@transaction.atomic
def update_household(actor, household: Household, data: dict, expected_version: int | None = None) -> Household:
    require(actor, can.UPDATE_HOUSEHOLD, household)
    current = Household.objects.select_for_update().get(pk=household.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(_("Someone else changed this household while you were editing. "
                          "Reload the page to see their change, then edit again."))
    before = {k: getattr(current, k) for k in HOUSEHOLD_FIELDS}
    for name, value in data.items():
        if name in HOUSEHOLD_FIELDS:
            setattr(current, name, value)
    if "room" in data or "entrance" in data:
        check_household_place(current.building, current.entrance, current.room, exclude_pk=current.pk)
    changes = _diff(before, {k: getattr(current, k) for k in HOUSEHOLD_FIELDS})
    if not changes:
        return current
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    audit(actor, AuditAction.CHANGE, current, fields=list(changes), changes=changes)
    return current


# --- overview -------------------------------------------------------------------------------


def overview(user):
    """Counts at each level (zones > grids > units > buildings > households > persons) of what
    the user can see: a handful of grouped queries, whatever the community's size."""
    communities = list(Community.objects.visible_to(user))
    persons = Person.objects.visible_to(user)
    households = Household.objects.visible_to(user)
    buildings = Building.objects.visible_to(user)

    def by(queryset, key):
        return {row[key]: row["n"] for row in queryset.values(key).annotate(n=Count("pk")).order_by()}

    grid_persons = by(persons.filter(household__isnull=False), "household__building__grid_id")
    grid_households = by(households, "building__grid_id")
    grid_buildings = by(buildings, "grid_id")
    community_persons = by(persons, "community_id")
    visible_grid_ids = set(grid_buildings)
    grids = [g for g in Grid.objects.visible_to(user).select_related("zone").order_by("community", "number")
             if g.pk in visible_grid_ids or not grid_buildings]
    for grid in grids:
        grid.n_buildings = grid_buildings.get(grid.pk, 0)
        grid.n_households = grid_households.get(grid.pk, 0)
        grid.n_persons = grid_persons.get(grid.pk, 0)
    for community in communities:
        community.n_persons = community_persons.get(community.pk, 0)
        community.grid_list = [g for g in grids if g.community_id == community.pk]
        community.n_grids = len(community.grid_list)
        community.n_buildings = sum(g.n_buildings for g in community.grid_list)
        community.n_households = sum(g.n_households for g in community.grid_list)
        community.n_zones = len({g.zone_id for g in community.grid_list if g.zone_id})
        community.n_units = Unit.objects.visible_to(user).filter(community=community).count()
        community.n_migrants = persons.filter(community=community, residency="migrant").count()
        community.n_special = persons.filter(community=community, tags__isnull=False).distinct().count()
        zones = {}
        for grid in community.grid_list:
            zones.setdefault(grid.zone, []).append(grid)
        community.zone_list = [
            {"zone": zone, "grids": zone_grids,
             "n_persons": sum(g.n_persons for g in zone_grids),
             "n_buildings": sum(g.n_buildings for g in zone_grids)}
            for zone, zone_grids in zones.items()
        ]
    return communities
