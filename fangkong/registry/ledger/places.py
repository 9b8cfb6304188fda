"""The places sheet (场所台账): a command post's grids, units, buildings and rooms, before it has
people. Read the same way as the people ledger (header found by the field's words, traditional
characters too; every row taken or reported with its row, column, machine code and reason; the
same file twice changes nothing; one file, one transaction; a dry run does the work and rolls
back), and written back out as .xlsx in the same layout.

A row is a building, and a room of it when 房号 is given. The first row of the file that gives a
building's name, landlord, landlord's phone or floors sets it; an empty cell never erases what is
on file, and a masked phone (138****5678, as an export writes it) means "keep the stored one".
A building is refused when it cannot be placed (no door number; a new building without a grid;
a building already in another grid); anything else that cannot be read is a warning.

Places sheets are a few thousand rows at most: this is plain ORM work, not the people importer's
set-based fast path.
"""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from fangkong.core import services
from fangkong.core.actions import require
from fangkong.core.models import AuditAction, AuditEntry, Building, Entrance, Estate, Grid, Household, Unit
from fangkong.lib import phone as phone_lib
from fangkong.lib import sheets, vocab
from fangkong.lib.masking import mask_phone
from fangkong.lib.rooms import floor_of
from fangkong.registry.actions import EXPORT_PLACES, IMPORT_PLACES

from . import columns
from .report import ErrorReport

# field -> the header words that mean it (the first is the one exports and the template write).
# 单元 alone is a building's entrance (1单元), not a 责任单元: it is not read as a unit.
SYNONYMS = {
    "grid": ["网格", "所属网格", "网格名称", "网格号", "grid"],
    "unit": ["责任单元", "责任区", "unit"],
    "building": ["楼栋", "楼号", "门牌号", "门牌", "楼栋号", "栋", "building", "door_number", "door number"],
    "building_name": ["楼栋名称", "楼名", "名称", "building_name", "building name"],
    "landlord": ["房东", "房东姓名", "landlord"],
    "landlord_phone": ["房东电话", "房东手机", "房东联系电话", "landlord_phone", "landlord phone"],
    "floors": ["层数", "楼层数", "总层数", "floors"],
    "room": ["房号", "房间号", "室", "户号", "room"],
    # 小区 and 单元, as the people ledger reads them (小區/單元 too): each estate numbers its own
    # buildings, each entrance its own rooms (3号楼 1单元 301 and 2单元 301 are two flats).
    "estate": columns.SYNONYMS["estate"],
    "entrance": columns.SYNONYMS["entrance"],
}
ORDER = list(SYNONYMS)
FIELD_LABELS = {
    "grid": gettext_lazy("grid"), "unit": gettext_lazy("unit"), "building": gettext_lazy("building"),
    "building_name": gettext_lazy("name"), "landlord": gettext_lazy("landlord"),
    "landlord_phone": gettext_lazy("landlord's phone"), "floors": gettext_lazy("floors"),
    "room": gettext_lazy("room"), "estate": gettext_lazy("estate"), "entrance": gettext_lazy("entrance"),
}
HEADER_SEARCH_ROWS = 30
MAX_FLOORS = 200


def _header_key(value) -> str:
    return vocab.simplify(columns.normalize_header(columns.cell_text(value)))


_LOOKUP = {_header_key(word): name for name, words in SYNONYMS.items() for word in words}
_LOOKUP.update({_header_key(word): "report" for words in columns.REPORT_COLUMNS.values() for word in words})


def map_header(cells) -> tuple[dict, list]:
    mapping, ignored = {}, []
    for index, cell in enumerate(cells):
        text = columns.cell_text(cell)
        if not text:
            continue
        name = _LOOKUP.get(_header_key(cell))
        if name is None or name in mapping:
            ignored.append(text)
        elif name != "report":
            mapping[name] = index
    return mapping, ignored


@dataclass
class PlacesResult:
    rows: int = 0
    taken: int = 0
    refused: int = 0
    unchanged: int = 0
    created: dict = field(default_factory=lambda: {"grid": 0, "unit": 0, "building": 0, "household": 0,
                                                   "estate": 0, "entrance": 0})
    buildings_changed: int = 0
    dry_run: bool = False
    header_row: int = 0
    refusals: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    error_report: Path | None = None

    @property
    def changed_anything(self) -> bool:
        return bool(sum(self.created.values()) or self.buildings_changed)

    def summary(self) -> str:
        lines = [_("%(rows)d rows read: %(taken)d taken + %(refused)d refused, %(warnings)d warnings.")
                 % {"rows": self.rows, "taken": self.taken, "refused": self.refused, "warnings": len(self.warnings)},
                 _("New grids %(grid)d, units %(unit)d, buildings %(building)d, rooms %(household)d; "
                   "buildings changed %(changed)d.") % {**self.created, "changed": self.buildings_changed}]
        if self.created["estate"] or self.created["entrance"]:
            lines.append(_("New estates %(estate)d, entrances %(entrance)d.") % self.created)
        if self.rows and not self.changed_anything and not self.refused:
            lines.append(_("Nothing changed: everything in this file is already on record."))
        if self.dry_run:
            lines.append(_("Dry run: nothing was written."))
        return "\n".join(lines)

    def reason_lines(self) -> list[str]:
        entries = sorted([(r, _("refused")) for r in self.refusals] + [(w, _("warning")) for w in self.warnings],
                         key=lambda pair: pair[0]["row"])
        return [_("Row %(row)s, %(column)s (%(kind)s): %(message)s")
                % {"row": e["row"], "column": e["column"] or "-", "kind": kind, "message": e["message"]}
                for e, kind in entries]

    def as_dict(self) -> dict:
        return {"rows": self.rows, "taken": self.taken, "refused": self.refused, "warnings": len(self.warnings),
                "unchanged": self.unchanged, "created": self.created, "buildings_changed": self.buildings_changed,
                "dry_run": self.dry_run, "refused_rows": self.refusals, "warned_rows": self.warnings,
                "error_report": str(self.error_report) if self.error_report else None}


def open_places(path, name: str = ""):
    """(header row number, header, mapping, ignored, rows iterator, source). Raises SheetError."""
    checked = sheets.check_file(path, name or Path(path).name)
    try:
        for source in sheets.open_sources(path, checked):
            rows = iter(source.rows())
            for seen, (number, cells) in enumerate(rows):
                if seen >= HEADER_SEARCH_ROWS:
                    break
                mapping, ignored = map_header(cells)
                if "building" in mapping and len(mapping) >= 2:
                    return number, list(cells), mapping, ignored, rows, source
            source.close()
    except Exception as error:
        known = sheets.as_sheet_error(error)
        if known is None:
            raise
        raise known from error
    raise sheets.SheetError(_("No header row was found: the places sheet needs a row with the column names, "
                              "at least 楼栋 (building) and 网格 (grid) or 房号 (room)."), code="no_header")


def import_places(user, community, path, *, name: str = "", dry_run: bool = False,
                  report_path=None) -> PlacesResult:
    """Import a places sheet into ``community`` as ``user`` (None: the command line, all rights).
    Raises NotAllowed (the role), SheetError (the file cannot be read: nothing written)."""
    if user is not None:
        require(user, IMPORT_PLACES, community)
    name = name or Path(path).name
    number, header, mapping, _ignored, rows, source = open_places(path, name)
    importer = _PlacesImporter(user, community, header, mapping, name, report_path)
    importer.result.header_row, importer.result.dry_run = number, dry_run
    try:
        with transaction.atomic():
            for number, cells in rows:
                if len(cells) > cells.count(None) + cells.count(""):
                    importer.row(number, cells)
            if dry_run:
                transaction.set_rollback(True)
    except Exception as error:
        importer.report.discard()
        known = sheets.as_sheet_error(error)
        if known is None or known is error:
            raise
        raise known from error
    finally:
        source.close()
    importer.result.error_report = importer.report.close()
    return importer.result


def _grid_key(text: str) -> str:
    return vocab.fold(text)


class _PlacesImporter:
    def __init__(self, user, community, header, mapping, source_name, report_path):
        self.actor = user
        self.community = community
        self.header, self.mapping = header, mapping
        self.result = PlacesResult()
        self.report = ErrorReport(header, report_path)
        self.reason = (_("Imported from places sheet %(file)s") % {"file": source_name})[:300]
        self.grids = {}
        for grid in Grid.objects.filter(community=community):
            self.grids[_grid_key(grid.name)] = grid
            self.grids.setdefault(str(grid.number), grid)
        self.units = {(u.grid_id, _grid_key(u.name)): u for u in Unit.objects.filter(community=community)}
        self.estates = {columns.estate_key(e.name): e for e in Estate.objects.filter(community=community)}
        # Buildings by (estate id or None, door); a door without an estate finds the building of
        # that number in no estate, or the only one in any estate (as the people ledger does).
        self.buildings, self.doors = {}, {}
        for building in Building.objects.filter(community=community):
            self._remember(building)
        self.entrances = {(e.building_id, columns.entrance_key(e.number)): e
                          for e in Entrance.objects.filter(community=community)}
        # Rooms by (building, entrance or None, room): rooms are numbered per entrance.
        self.rooms, self.rooms_in_entrances = {}, set()
        for household in Household.objects.filter(community=community):
            room = columns.place_key(household.room, room=True)
            self.rooms[(household.building_id, household.entrance_id, room)] = household
            if household.entrance_id:
                self.rooms_in_entrances.add((household.building_id, room))
        self.building_rows: dict[int, int] = {}  # building pk -> the row that set its fields

    def _remember(self, building):
        key = columns.place_key(building.door_number)
        self.buildings[(building.estate_id, key)] = building
        if building.estate_id:
            self.doors.setdefault(key, []).append(building)

    def _column(self, name):
        index = self.mapping.get(name)
        header = self.header[index] if index is not None and index < len(self.header) else None
        return str(header or FIELD_LABELS[name])

    def row(self, number, cells):
        self.result.rows += 1
        text = {name: columns.cell_text(cells[i]) if i < len(cells) else "" for name, i in self.mapping.items()}
        refusals, warnings = [], []

        def refuse(name, code, message):
            refusals.append({"row": number, "column": self._column(name), "code": f"{name}.{code}",
                             "message": str(message)})

        def warn(name, code, message):
            warnings.append({"row": number, "column": self._column(name), "code": f"{name}.{code}",
                             "message": str(message)})

        door = " ".join(text.get("building", "").split())
        room = " ".join(text.get("room", "").split())
        estate_text = " ".join(columns.simplify(text.get("estate", "")).split())
        entrance_text = text.get("entrance", "").strip()
        if len(estate_text) > 100:
            refuse("estate", "too_long", _("longer than %(limit)d characters") % {"limit": 100})
        if len(entrance_text) > 20:
            refuse("entrance", "too_long", _("longer than %(limit)d characters") % {"limit": 20})
        if not door:
            refuse("building", "missing", _("missing"))
        elif len(door) > 40:
            refuse("building", "too_long", _("longer than %(limit)d characters") % {"limit": 40})
        if len(room) > 40:
            refuse("room", "too_long", _("longer than %(limit)d characters") % {"limit": 40})
        grid_text = " ".join(text.get("grid", "").split())
        if len(grid_text) > 100:
            refuse("grid", "too_long", _("longer than %(limit)d characters") % {"limit": 100})
        values = {}
        for name, model_field, limit in (("building_name", "name", 100), ("landlord", "landlord_name", 50)):
            if text.get(name):
                if len(text[name]) > limit:
                    warn(name, "too_long", _("longer than %(limit)d characters: cut") % {"limit": limit})
                values[model_field] = text[name][:limit]
        phone = text.get("landlord_phone", "")
        if phone and "*" not in phone:  # masked: keep the stored one
            try:
                values["landlord_phone"] = phone_lib.normalize_contact(phone)
            except ValidationError as error:
                warn("landlord_phone", "unreadable", " ".join(error.messages))
        if text.get("floors"):
            floors = text["floors"].removesuffix("层").strip()
            if floors.isdigit() and 0 < int(floors) <= MAX_FLOORS:
                values["floors"] = int(floors)
            else:
                warn("floors", "unreadable", _("“%(value)s” is not a number of floors") % {"value": text["floors"]})
        building = None
        if not refusals:
            building = self._building(door, estate_text, grid_text, text.get("unit", ""), values, number,
                                      refuse, warn)
        if refusals:
            self.result.refused += 1
            self.result.refusals.extend(refusals)
            self.report.add(number, cells, "；".join(f"{r['column']}: {r['message']}" for r in refusals))
            return
        entrance = self._entrance(building, entrance_text) if entrance_text else None
        if room:
            self._room(building, entrance, columns.place_key(room, room=True))
        self.result.taken += 1
        if warnings:
            self.result.warnings.extend(warnings)
            self.report.add(number, cells, "；".join(_("warning") + f" {w['column']}: {w['message']}"
                                                     for w in warnings))

    def _grid(self, grid_text, create=True):
        grid = self.grids.get(_grid_key(grid_text))
        digits = "".join(ch for ch in grid_text if ch.isdigit())
        if grid is None and digits:
            grid = self.grids.get(str(int(digits)))
        if grid is not None or not create:
            return grid
        if digits and int(digits) < 32768:
            grid_number = int(digits)
        else:
            grid_number = max([g.number for g in self.grids.values()], default=0) + 1
        grid = Grid.objects.create(community=self.community, number=grid_number, name=grid_text)
        self._audit_created(grid, ["number", "name"])
        self.grids[_grid_key(grid.name)] = grid
        self.grids.setdefault(str(grid.number), grid)
        self.result.created["grid"] += 1
        return grid

    def _unit(self, grid, unit_text):
        unit_text = " ".join(unit_text.split())[:100]
        key = (grid.pk, _grid_key(unit_text))
        unit = self.units.get(key)
        if unit is None:
            unit = Unit.objects.create(community=self.community, grid=grid, name=unit_text)
            self._audit_created(unit, ["grid", "name"])
            self.units[key] = unit
            self.result.created["unit"] += 1
        return unit

    def _entrance(self, building, entrance_text):
        key = (building.pk, columns.entrance_key(entrance_text))
        entrance = self.entrances.get(key)
        if entrance is None:
            entrance = Entrance.objects.create(community=self.community, building=building, number=key[1])
            self._audit_created(entrance, ["building", "number"])
            self.entrances[key] = entrance
            self.result.created["entrance"] += 1
        return entrance

    def _room(self, building, entrance, room):
        """The room, in its entrance: found, given the entrance it was on file without, or created."""
        entrance_id = entrance.pk if entrance is not None else None
        if (building.pk, entrance_id, room) in self.rooms:
            return
        if entrance is None:
            if (building.pk, room) in self.rooms_in_entrances:
                return  # the room is on file in an entrance: the sheet did not say which
        else:
            bare = self.rooms.pop((building.pk, None, room), None)
            if bare is not None:
                bare.entrance = entrance
                Household.objects.filter(pk=bare.pk).update(entrance=entrance)
                services.audit(self.actor, AuditAction.CHANGE, bare, fields=["entrance"],
                               changes={"entrance": ["", str(entrance)]}, reason=self.reason)
                self.rooms[(building.pk, entrance_id, room)] = bare
                self.rooms_in_entrances.add((building.pk, room))
                return
        household = Household(community=self.community, building=building, entrance=entrance, room=room,
                              floor=floor_of(room))
        household.save()
        self._audit_created(household, services.HOUSEHOLD_FIELDS)
        self.rooms[(building.pk, entrance_id, room)] = household
        if entrance is not None:
            self.rooms_in_entrances.add((building.pk, room))
        self.result.created["household"] += 1

    def _estate(self, estate_text):
        estate = self.estates.get(columns.estate_key(estate_text))
        if estate is None:
            estate = Estate.objects.create(community=self.community, name=estate_text[:100])
            self._audit_created(estate, ["name"])
            self.estates[columns.estate_key(estate_text)] = estate
            self.result.created["estate"] += 1
        return estate

    def _building(self, door, estate_text, grid_text, unit_text, values, number, refuse, warn):
        """The row's building, found or created (with its estate, grid and unit), its fields set by
        the first row that gives them; None when the row is refused."""
        key = columns.place_key(door)
        estate = None
        if estate_text:
            estate = self.estates.get(columns.estate_key(estate_text))
            building = self.buildings.get((estate.pk, key)) if estate is not None else None
        else:
            building = self.buildings.get((None, key))
            if building is None:
                candidates = self.doors.get(key, [])
                if len(candidates) > 1:
                    refuse("estate", "ambiguous",
                           _("Building %(door)s is in more than one estate (%(estates)s): give the estate.")
                           % {"door": door, "estates": "、".join(sorted(str(b.estate) for b in candidates))})
                    return None
                building = candidates[0] if candidates else None
        # An existing building's grid is only looked up: a refused row creates nothing.
        grid = self._grid(grid_text, create=building is None) if grid_text else None
        if building is None:
            if grid is None:
                refuse("grid", "missing", _("Building %(door)s is new: give its grid so that it can be created.")
                       % {"door": door})
                return None
            if estate_text and estate is None:
                estate = self._estate(estate_text)
            building = Building(community=self.community, grid=grid, door_number=key, estate=estate, **values)
            if unit_text:
                building.unit = self._unit(grid, unit_text)
            building.is_rental = bool(building.landlord_name or building.landlord_phone)
            building.save()
            self._audit_created(building, ["door_number", "estate", "grid", "unit", *values])
            self._remember(building)
            self.building_rows[building.pk] = number
            self.result.created["building"] += 1
            return building
        if grid_text and (grid is None or building.grid_id != grid.pk):
            refuse("grid", "other_grid", _("Building %(door)s is in %(actual)s, not in %(grid)s.")
                   % {"door": building.door_number, "actual": building.grid, "grid": grid or grid_text})
            return None
        if unit_text:
            values["unit"] = self._unit(building.grid, unit_text)
        first = self.building_rows.get(building.pk)
        if first is not None:
            # A later row about the same building: its rooms are taken, its other values only
            # checked (the first row set them; the file must not flip them back and forth).
            for name, value in values.items():
                if getattr(building, name) != value:
                    column = {"name": "building_name", "landlord_name": "landlord"}.get(name, name)
                    warn(column, "differs", _("differs from row %(row)d, which is kept") % {"row": first})
            return building
        self.building_rows[building.pk] = number
        before = {name: getattr(building, name) for name in values}
        changes = services._diff({k: str(v) if k == "unit" else v for k, v in before.items()},
                                 {k: str(v) if k == "unit" else v for k, v in values.items()})
        if changes:
            for name, value in values.items():
                setattr(building, name, value)
            if building.landlord_name or building.landlord_phone:
                building.is_rental = True
            building.save()
            services.audit(self.actor, AuditAction.CHANGE, building, fields=list(changes), changes=changes,
                           reason=self.reason)
            self.result.buildings_changed += 1
        return building

    def _audit_created(self, obj, names):
        changes = services._diff({}, {name: None if getattr(obj, name, None) is None else str(getattr(obj, name))
                                      for name in names})
        services.audit(self.actor, AuditAction.CREATE, obj, community=self.community, changes=changes,
                       reason=self.reason)


# --- out ------------------------------------------------------------------------------------

HEADERS = [SYNONYMS[name][0] for name in ORDER]


def places_for_export(user, community):
    buildings = Building.objects.filter(community=community)
    if user is not None:
        buildings = Building.objects.visible_to(user).filter(community=community)
    return (buildings.select_related("grid", "unit", "estate").prefetch_related("households__entrance")
            .order_by("estate__name", "door_sort"))


def export_places(user, community, *, reveal_reason: str = "", out=None):
    """The places sheet of ``community`` (what ``user`` can see) as .xlsx, one row per room (a
    building without rooms: one row). Landlords' phones masked unless revealed with a reason;
    audited either way. Returns (out, rows)."""
    if user is not None:
        require(user, EXPORT_PLACES, community)
    reveal_reason = (reveal_reason or "").strip()
    if reveal_reason and (user is None or not services.can_reveal(user)):
        raise services.ServiceError(_("Your role may not see personal numbers whole."), code="forbidden")
    if out is None:
        out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the caller
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Places"))
    sheet.append(HEADERS)
    count = 0
    for building in places_for_export(user, community):
        phone = building.landlord_phone if reveal_reason else mask_phone(building.landlord_phone)
        start = [building.grid.name, building.unit.name if building.unit else "", building.door_number,
                 building.name, building.landlord_name, phone, building.floors]
        rooms = sorted(building.households.all(), key=lambda h: h.room_sort) or [None]
        for household in rooms:
            entrance = household.entrance.number if household and household.entrance_id else ""
            sheet.append(sheets.safe_row([*start, household.room if household else "",
                                          building.estate.name if building.estate_id else "", entrance]))
            count += 1
    workbook.save(out)
    AuditEntry.objects.create(
        community=community, user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or _("command line"), action=AuditAction.EXPORT,
        object_type="building", object_repr=(_("places sheet, %(count)d rows") % {"count": count})[:200],
        fields="landlord_phone" if reveal_reason else "", reason=reveal_reason[:300])
    if hasattr(out, "seek"):
        out.seek(0)
    return out, count


def write_places_template(out):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Places")
    sheet.append(HEADERS)
    sheet.append(["1", "", "1", "", "", "", 6, "101"])
    sheet.append(["1", "", "2", "", "蔡建国", "13800138000", 3, "201"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in ("C", "F", "H"):
        for cell in sheet[column]:
            cell.number_format = "@"  # text: Excel would turn 0101 into 101
    sheet.freeze_panes = "A2"
    workbook.save(out)
    return out
