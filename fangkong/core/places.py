"""Arranging a community's places: its description, zones, grids, units, estates, entrances
and buildings, and moving a building to another grid. The places sheet import builds buildings
and rooms in bulk; these are the hand edits a command post makes on its first day and after.

Every function requires its action first and writes its audit entry in the same transaction.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import setup_actions as acts
from .actions import require
from .errors import ServiceError
from .models import AuditAction, Building, Community, Entrance, Estate, Grid, Role, RoleAssignment, Unit, Zone
from .services import audit

COMMUNITY_FIELDS = ["name", "code", "province", "city", "district", "street"]


def _clean(data: dict, fields) -> dict:
    return {name: (data.get(name) or "").strip() if isinstance(data.get(name, ""), str) else data.get(name)
            for name in fields if name in data}


def _changes(before: dict, after: dict) -> dict:
    return {name: [str(before.get(name) or ""), str(after.get(name) or "")]
            for name in after if before.get(name) != after.get(name)}


def _save_unique(obj, message: str, field: str):
    """Save, turning the database's unique constraint into the user's message (two command-post
    desks adding grid 3 at the same moment must not see a 500)."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ServiceError(message, code="duplicate", field=field) from None
    return obj


# --- communities ----------------------------------------------------------------------------


def _check_community_data(data: dict, exclude_pk=None) -> dict:
    data = _clean(data, COMMUNITY_FIELDS)
    if not data.get("name"):
        raise ServiceError(_("Enter the community's name."), code="required", field="name")
    if "code" in data:
        code = data["code"].lower()
        if not code or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in code):
            raise ServiceError(_("The code is letters, digits and dashes, such as nanqin."), code="invalid",
                               field="code")
        others = Community.objects.filter(code=code).exclude(pk=exclude_pk)
        if others.exists():
            raise ServiceError(_("Another community already has the code %(code)s.") % {"code": code},
                               code="duplicate", field="code")
        data["code"] = code
    return data


@transaction.atomic
def create_community(actor, data: dict, *, acting_from: Community | None) -> Community:
    """A district administrator creates a community from one it already administers
    (``acting_from``), and administers the new one too. The first command-post account is then
    an account like any other (accounts.create_account)."""
    require(actor, acts.COMMUNITY_CREATE, acting_from)
    data = _check_community_data(data)
    for name in ("province", "city", "district"):
        if not data.get(name) and acting_from is not None:
            data[name] = getattr(acting_from, name)
    community = Community.objects.create(**data)
    if not getattr(actor, "is_superuser", False):
        RoleAssignment.objects.create(user=actor, role=Role.DISTRICT_ADMIN, community=community)
    audit(actor, AuditAction.CREATE, community, community=community, changes=_changes({}, data))
    return community


@transaction.atomic
def change_community(actor, community: Community, data: dict) -> Community:
    require(actor, acts.COMMUNITY_CHANGE, community)
    data = _check_community_data({k: v for k, v in data.items() if k != "code"}, exclude_pk=community.pk)
    before = {name: getattr(community, name) for name in data}
    for name, value in data.items():
        setattr(community, name, value)
    changes = _changes(before, data)
    if changes:
        community.save()
        audit(actor, AuditAction.CHANGE, community, fields=list(changes), changes=changes)
    return community


# --- zones, grids, units, estates -----------------------------------------------------------


def _name(data, field="name"):
    value = (data.get(field) or "").strip()
    if not value:
        raise ServiceError(_("Enter the name."), code="required", field=field)
    return value


def _same_community(community, *objs):
    for obj in objs:
        if obj is not None and obj.community_id != community.pk:
            raise ServiceError(_("That belongs to another community."), code="other_community")


@transaction.atomic
def create_zone(actor, community: Community, data: dict) -> Zone:
    require(actor, acts.ZONE_CREATE, community)
    zone = _save_unique(Zone(community=community, name=_name(data)),
                        _("The community already has a zone of this name."), "name")
    audit(actor, AuditAction.CREATE, zone, changes={"name": ["", zone.name]})
    return zone


@transaction.atomic
def change_zone(actor, zone: Zone, data: dict) -> Zone:
    require(actor, acts.ZONE_CHANGE, zone)
    before, zone.name = zone.name, _name(data)
    if before != zone.name:
        _save_unique(zone, _("The community already has a zone of this name."), "name")
        audit(actor, AuditAction.CHANGE, zone, fields=["name"], changes={"name": [before, zone.name]})
    return zone


def _grid_values(community, data) -> dict:
    number = data.get("number")
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise ServiceError(_("The grid's number is a whole number, such as 3."), code="invalid",
                           field="number") from None
    if not 0 < number < 10000:
        raise ServiceError(_("The grid's number is between 1 and 9999."), code="invalid", field="number")
    zone = data.get("zone")
    _same_community(community, zone)
    name = (data.get("name") or "").strip() or _("Grid %(number)s") % {"number": number}
    return {"number": number, "name": name, "zone": zone}


@transaction.atomic
def create_grid(actor, community: Community, data: dict) -> Grid:
    require(actor, acts.GRID_CREATE, community)
    grid = _save_unique(Grid(community=community, **_grid_values(community, data)),
                        _("The community already has a grid with this number."), "number")
    audit(actor, AuditAction.CREATE, grid,
          changes={"number": ["", str(grid.number)], "name": ["", grid.name], "zone": ["", str(grid.zone or "")]})
    return grid


@transaction.atomic
def change_grid(actor, grid: Grid, data: dict) -> Grid:
    require(actor, acts.GRID_CHANGE, grid)
    values = _grid_values(grid.community, data)
    before = {name: getattr(grid, name) for name in values}
    for name, value in values.items():
        setattr(grid, name, value)
    changes = _changes(before, values)
    if changes:
        _save_unique(grid, _("The community already has a grid with this number."), "number")
        audit(actor, AuditAction.CHANGE, grid, fields=list(changes), changes=changes)
    return grid


@transaction.atomic
def create_unit(actor, community: Community, data: dict) -> Unit:
    require(actor, acts.UNIT_CREATE, community)
    grid = data.get("grid")
    if grid is None:
        raise ServiceError(_("Choose the unit's grid."), code="required", field="grid")
    _same_community(community, grid)
    unit = Unit.objects.create(community=community, grid=grid, name=_name(data))
    audit(actor, AuditAction.CREATE, unit, changes={"name": ["", unit.name], "grid": ["", str(grid)]})
    return unit


@transaction.atomic
def change_unit(actor, unit: Unit, data: dict) -> Unit:
    require(actor, acts.UNIT_CHANGE, unit)
    grid = data.get("grid") or unit.grid
    _same_community(unit.community, grid)
    values = {"name": _name(data), "grid": grid}
    before = {"name": unit.name, "grid": unit.grid}
    changes = _changes(before, values)
    if changes:
        unit.name, unit.grid = values["name"], grid
        unit.save()
        # A unit's buildings are in its grid: moving the unit moves them (each audited).
        for building in unit.buildings.exclude(grid=grid):
            _move(actor, building, grid, unit, _("The unit %(unit)s moved to %(grid)s")
                  % {"unit": unit.name, "grid": grid})
        audit(actor, AuditAction.CHANGE, unit, fields=list(changes), changes=changes)
    return unit


@transaction.atomic
def create_estate(actor, community: Community, data: dict) -> Estate:
    require(actor, acts.ESTATE_CREATE, community)
    estate = _save_unique(Estate(community=community, name=_name(data)),
                          _("The community already has an estate of this name."), "name")
    audit(actor, AuditAction.CREATE, estate, changes={"name": ["", estate.name]})
    return estate


@transaction.atomic
def create_entrance(actor, building: Building, number: str) -> Entrance:
    require(actor, acts.ENTRANCE_CREATE, building)
    number = (number or "").strip()
    if not number:
        raise ServiceError(_("Enter the entrance's number."), code="required", field="number")
    entrance = _save_unique(Entrance(community_id=building.community_id, building=building, number=number),
                            _("This building already has this entrance."), "number")
    audit(actor, AuditAction.CREATE, entrance, changes={"number": ["", number]})
    return entrance


@transaction.atomic
def change_entrance(actor, entrance: Entrance, number: str) -> Entrance:
    """Renumber an entrance (单元); its households and the leaders bound to it stay with it."""
    require(actor, acts.ENTRANCE_CHANGE, entrance)
    number = (number or "").strip()
    if not number:
        raise ServiceError(_("Enter the entrance's number."), code="required", field="number")
    if number != entrance.number:
        before = entrance.number
        entrance.number = number
        _save_unique(entrance, _("This building already has this entrance."), "number")
        audit(actor, AuditAction.CHANGE, entrance, fields=["number"], changes={"number": [before, number]})
    return entrance


# --- buildings ------------------------------------------------------------------------------


# What a building says about itself, beyond where it is: the field fills these in (a grid worker
# finds the landlord, a building leader seals the stairwell). Where it is (community, estate, door
# number, grid, unit) is the command post's arrangement.
BUILDING_DETAILS = ["name", "landlord_name", "landlord_phone", "floors", "is_rental", "latitude", "longitude",
                    "outline", "control_status"]
BUILDING_AUDITED = ["door_number", "estate", "grid", "unit", *BUILDING_DETAILS]


def _shown(name, value) -> str:
    """A value as the audit log keeps it: personal numbers masked, related rows by name."""
    from .services import MASKERS

    if value is None:
        return ""
    value = str(value)
    masker = MASKERS.get(name)
    return masker(value) if masker and value else value[:200]


def _building_snapshot(building) -> dict:
    return {name: _shown(name, getattr(building, name)) for name in BUILDING_AUDITED}


def _check_door(community, estate, door, exclude_pk=None) -> str:
    door = (door or "").strip()
    if not door:
        raise ServiceError(_("Enter the door number."), code="required", field="door_number")
    same = Building.objects.filter(community=community, door_number=door, estate=estate).exclude(pk=exclude_pk)
    if same.exists():
        raise ServiceError(_("%(place)s already has a building %(door)s.")
                           % {"place": estate or community, "door": door}, code="duplicate", field="door_number")
    return door


@transaction.atomic
def create_building(actor, community: Community, data: dict) -> Building:
    """A new building in a grid: the command post's set-up, or a grid's own worker adding one
    found on the ground (the action reaches the grid). ``data`` may carry the details too."""
    require(actor, acts.BUILDING_CREATE, community)
    grid, unit, estate = data.get("grid"), data.get("unit"), data.get("estate")
    if grid is None:
        raise ServiceError(_("Choose the building's grid."), code="required", field="grid")
    _same_community(community, grid, unit, estate)
    require(actor, acts.BUILDING_CREATE, grid)
    if unit is not None and unit.grid_id != grid.pk:
        raise ServiceError(_("The unit %(unit)s is in another grid.") % {"unit": unit}, code="unit_grid",
                           field="unit")
    door = _check_door(community, estate, data.get("door_number"))
    building = Building(community=community, grid=grid, unit=unit, estate=estate, door_number=door)
    for name in BUILDING_DETAILS:
        if name in data:
            setattr(building, name, data[name])
    building.name = (building.name or "").strip()
    building = _save_unique(building, _("%(place)s already has a building %(door)s.")
                            % {"place": estate or community, "door": door}, "door_number")
    audit(actor, AuditAction.CREATE, building,
          changes={name: ["", value] for name, value in _building_snapshot(building).items() if value})
    return building


@transaction.atomic
def change_building(actor, building: Building, data: dict) -> Building:
    """Change what a building says about itself (``BUILDING_DETAILS``), and, for the command post,
    its door number or estate. Its grid and unit change through ``move_building``."""
    require(actor, acts.BUILDING_CHANGE, building)
    building = Building.objects.select_for_update().get(pk=building.pk)
    if "community" in data and data["community"] is not None and data["community"].pk != building.community_id:
        raise ServiceError(_("A building cannot move to another community."), code="other_community",
                           field="community")
    before = _building_snapshot(building)
    where = {name: data[name] for name in ("door_number", "estate") if name in data}
    if where and (where.get("door_number", building.door_number) != building.door_number
                  or where.get("estate", building.estate) != building.estate):
        require(actor, acts.BUILDING_RENUMBER, building)
        estate = where.get("estate", building.estate)
        _same_community(building.community, estate)
        building.door_number = _check_door(building.community, estate, where.get("door_number", building.door_number),
                                           exclude_pk=building.pk)
        building.estate = estate
    for name in BUILDING_DETAILS:
        if name in data:
            setattr(building, name, data[name])
    after = _building_snapshot(building)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changes:
        _save_unique(building, _("%(place)s already has a building %(door)s.")
                     % {"place": building.estate or building.community, "door": building.door_number}, "door_number")
        audit(actor, AuditAction.CHANGE, building, fields=list(changes), changes=changes)
    return building


def _move(actor, building, grid, unit, reason):
    before = {"grid": str(building.grid), "unit": str(building.unit or "")}
    building.grid, building.unit = grid, unit
    building.save(update_fields=["grid", "unit"])
    audit(actor, AuditAction.MOVE, building, fields=["grid", "unit"], reason=reason,
          changes={"grid": [before["grid"], str(grid)], "unit": [before["unit"], str(unit or "")]})


@transaction.atomic
def move_building(actor, building: Building, grid: Grid, unit: Unit | None = None, reason: str = "") -> Building:
    """Give a building to another grid (and unit). Its households and people follow by
    themselves: their grid is their building's. Role assignments bound to the building stay."""
    require(actor, acts.BUILDING_MOVE, building)
    if grid is None:
        raise ServiceError(_("Choose the grid."), code="required", field="grid")
    _same_community(building.community, grid, unit)
    if unit is not None and unit.grid_id != grid.pk:
        raise ServiceError(_("The unit %(unit)s is in another grid.") % {"unit": unit}, code="unit_grid",
                           field="unit")
    building = Building.objects.select_for_update().get(pk=building.pk)
    if building.grid_id == grid.pk and building.unit_id == (unit.pk if unit else None):
        return building
    _move(actor, building, grid, unit, (reason or "").strip())
    return building
