"""Importing a people ledger into a community: every row taken or reported, set-based, one
transaction per file.

Step 1. The file is checked by content and its header row found (reader.py); a file that cannot
        be read raises LedgerError before anything touches the database.
Step 2. Each row is parsed and validated on its own (ID check character, birth date and sex
        against the ID, phone shape, known words for type and special care). A row that fails
        is reported with its row number and every reason, in the user's language.
Step 3. Rows are gathered into chunks. Per chunk, a handful of queries: the households of the
        chunk's buildings, the persons with the chunk's ID numbers, the persons with the chunk's
        names in the chunk's households, their tags. Then buildings and households that are
        missing are created (option create_places) or the rows reported; persons are matched
        (by ID number, else by name within the household), compared field by field, and written
        in bulk (new ones with one multi-row INSERT ... RETURNING, changed ones with bulk_update),
        with their tags, residences, audit entries and timeline entries in bulk as well (see
        BulkInsert for why not bulk_create). The number of queries grows with the number of
        chunks, never with the number of rows.
Step 4. Everything runs in one transaction: a crash or a kill leaves the database as it was, and
        running the same file again completes it. A dry run does the same work and rolls back,
        so its report is exactly what the import would do.

An empty cell never erases what is on file, and a masked value (an export's 110105********0021
or 138****5678) means "keep what is on file": a masked export imported back changes nothing.
"""

import datetime as dt
import unicodedata
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.core import services, sql
from fangkong.core.actions import allowed
from fangkong.core.models import (
    WRITING_ROLES,
    AuditAction,
    AuditEntry,
    Building,
    Entrance,
    Estate,
    Grid,
    Household,
    HouseholdStatus,
    IdType,
    Person,
    PersonTag,
    Residence,
    Residency,
    TimelineEntry,
)
from fangkong.core.scope import reaches
from fangkong.core.sql import BulkInsert, values_in
from fangkong.lib import idnumber, sheets, vocab
from fangkong.lib import phone as phone_lib
from fangkong.lib.rooms import floor_of
from fangkong.registry.actions import IMPORT_LEDGER

from . import columns
from .reader import Ledger, LedgerError, open_ledger
from .report import ErrorReport

CHUNK_ROWS = 4000
FIELDS = services.PERSON_FIELDS


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reported: int = 0
    buildings_created: int = 0
    households_created: int = 0
    dry_run: bool = False
    error_report: Path | None = None
    header_row: int = 0
    mapping: dict = field(default_factory=dict)
    ignored: list = field(default_factory=list)
    # Each refused row's reasons and each warning of a row that was taken:
    # {"row", "column", "code", "message"} (column: the header's own words).
    refusals: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    # Care labels no CareTag means, kept on the persons as free labels: label -> rows.
    free_labels: dict = field(default_factory=dict)
    households_occupied: int = 0

    REASON_LINES = 200

    def reason_lines(self) -> list[str]:
        """One line per refused or warned field, by row, for the result page (the first few hundred)."""
        entries = sorted([(r, _("refused")) for r in self.refusals] + [(w, _("warning")) for w in self.warnings],
                         key=lambda pair: pair[0]["row"])
        lines = [_("Row %(row)s, %(column)s (%(kind)s): %(message)s")
                 % {"row": e["row"], "column": e["column"] or "-", "kind": kind, "message": e["message"]}
                 for e, kind in entries[:self.REASON_LINES]]
        if len(entries) > self.REASON_LINES:
            lines.append(_("… and %(count)d more in the report file.") % {"count": len(entries) - self.REASON_LINES})
        return lines

    def as_dict(self) -> dict:
        """The summary as one JSON object (``import-people --json``)."""
        return {"rows": self.rows, "taken": self.taken, "refused": self.reported,
                "warnings": len(self.warnings), "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "buildings_created": self.buildings_created,
                "households_created": self.households_created, "households_occupied": self.households_occupied,
                "dry_run": self.dry_run, "free_labels": sorted(self.free_labels),
                "refused_rows": self.refusals, "warned_rows": self.warnings,
                "error_report": str(self.error_report) if self.error_report else None}

    @property
    def taken(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        lines = [
            ngettext("%(rows)d row read: %(taken)d taken + %(reported)d reported.",
                     "%(rows)d rows read: %(taken)d taken + %(reported)d reported.", self.rows)
            % {"rows": self.rows, "taken": self.taken, "reported": self.reported},
            _("Added %(created)d, changed %(updated)d, unchanged %(unchanged)d.")
            % {"created": self.created, "updated": self.updated, "unchanged": self.unchanged},
        ]
        if self.warnings:
            lines.append(ngettext("%(count)d warning: the person was taken, a field needs fixing.",
                                  "%(count)d warnings: the persons were taken, fields need fixing.",
                                  len(self.warnings)) % {"count": len(self.warnings)})
        if self.free_labels:
            lines.append(_("Labels kept as free labels (map them to a care label): %(labels)s")
                         % {"labels": "、".join(sorted(self.free_labels))})
        if self.buildings_created or self.households_created:
            lines.append(_("New buildings %(buildings)d, new households %(households)d.")
                         % {"buildings": self.buildings_created, "households": self.households_created})
        if self.rows and not self.created and not self.updated and not self.reported:
            lines.append(_("Nothing changed: everything in this file is already on record."))
        if self.dry_run:
            lines.append(_("Dry run: nothing was written."))
        return "\n".join(lines)


class ImportRefused(LedgerError):
    pass


@dataclass(slots=True)
class Row:
    number: int
    cells: list
    name: str = ""
    id_type: str | None = None
    id_number: str = ""
    id_masked: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    values: dict = field(default_factory=dict)  # person fields to set (empty cells left out)
    tags: set | None = None
    grid: str = ""
    building: str = ""
    room: str = ""
    estate: str = ""  # 小区, as written (matched by columns.estate_key)
    entrance: str = ""  # 单元, as written (matched by columns.entrance_key)
    landlord: str = ""
    landlord_phone: str = ""
    household: Household | None = None
    building_obj: Building | None = None
    entrance_obj: Entrance | None = None


def import_people(path, community, user=None, *, name: str = "", dry_run: bool = False,
                  create_places: bool = False, progress=None, report_path=None,
                  chunk_rows: int = CHUNK_ROWS) -> ImportResult:
    """Import a ledger file into ``community`` as ``user`` (None: the command line, all rights).

    ``progress(processed_rows, estimated_total_rows)`` is called between chunks. The error report
    goes to ``report_path`` (a temporary file when None) and only exists if a row was reported.
    Raises LedgerError when the file cannot be read or the user may not import."""
    # The command line without a user runs with all rights. Refused as a LedgerError (not
    # NotAllowed) because every caller of the importer shows LedgerErrors to the user.
    if user is not None and not allowed(user, IMPORT_LEDGER, community):
        raise ImportRefused(_("Your role may not import ledgers into %(community)s.") % {"community": community},
                            code="forbidden")
    ledger = open_ledger(path, name or Path(path).name)
    with ledger:
        importer = _Importer(community, user, ledger, name or Path(path).name, create_places, report_path)
        try:
            result = _import_rows(importer, ledger, dry_run, progress, chunk_rows)
        except Exception as error:
            # A row deep in the file that cannot be read (a cell over the csv limit, a row wider
            # than a sheet, a damaged zip member) makes the whole file unreadable: the
            # transaction is rolled back and no error report is left behind.
            importer.report.discard()
            known = sheets.as_sheet_error(error)
            if known is None or known is error:
                raise
            raise known from error
        result.error_report = importer.report.close()
    if progress:
        progress(result.rows, result.rows)
    return result


def _import_rows(importer, ledger, dry_run, progress, chunk_rows) -> ImportResult:
    result = importer.result
    result.dry_run = dry_run
    result.header_row, result.mapping, result.ignored = ledger.header_row, ledger.mapping, ledger.ignored
    with sql.sqlite_page_cache(Person), transaction.atomic(), sql.CollectAtChunks() as collector:
        chunk = []
        for number, cells in ledger.rows():
            result.rows += 1
            row = importer.parse(number, cells)
            if row is not None:
                chunk.append(row)
            if len(chunk) >= chunk_rows or (progress and result.rows % chunk_rows == 0):
                importer.flush(chunk)
                chunk = []
                collector.chunk_done()
                if progress:
                    fraction = ledger.fraction()
                    progress(result.rows, max(result.rows, round(result.rows / fraction)) if fraction else 0)
        importer.flush(chunk)
        if dry_run:
            transaction.set_rollback(True)
    return result


class RowMap:
    """int -> row number, in two flat arrays with open addressing (linear probing): 12 bytes
    a slot where a dict spends about a hundred an entry."""

    def __init__(self, capacity: int = 1024):
        self.keys = array("Q", bytes(8 * capacity))
        self.rows = array("I", bytes(4 * capacity))
        self.mask = capacity - 1
        self.count = 0

    def _slot(self, key: int) -> tuple[int, int]:
        key = (key & 0xFFFFFFFFFFFFFFFF) or 1
        slot = (key * 0x9E3779B97F4A7C15 >> 20) & self.mask
        keys = self.keys
        while keys[slot] and keys[slot] != key:
            slot = (slot + 1) & self.mask
        return slot, key

    def get(self, key: int) -> int | None:
        slot, key = self._slot(key)
        return self.rows[slot] if self.keys[slot] == key else None

    def __setitem__(self, key: int, row: int):
        slot, key = self._slot(key)
        if not self.keys[slot]:
            self.count += 1
        self.keys[slot], self.rows[slot] = key, row
        if self.count * 2 > self.mask:
            old = [(k, r) for k, r in zip(self.keys, self.rows, strict=True) if k]
            capacity = (self.mask + 1) * 2
            self.keys = array("Q", bytes(8 * capacity))
            self.rows = array("I", bytes(4 * capacity))
            self.mask, self.count = capacity - 1, 0
            for k, r in old:
                self[k] = r


def _id_key(number: str) -> int:
    """An ID number as one integer: the first 17 digits decide an 18-character number (the last
    is their check character); other documents by hash."""
    if len(number) == 18 and number[:17].isdigit():
        return int(number[:17]) + 1
    return hash(number) | (1 << 63)


@lru_cache(maxsize=1024)
def _grid_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


class _Importer:
    def __init__(self, community, user, ledger: Ledger, source_name: str, create_places: bool, report_path):
        self.community = community
        self.user = user
        self.actor = user if getattr(user, "is_authenticated", False) else None
        self.username = getattr(user, "username", "") or _("command line")
        self.mapping = ledger.mapping
        self.create_places = create_places
        self.result = ImportResult()
        self.report = ErrorReport(ledger.header, report_path)
        self.header = list(ledger.header)
        self.reason = (_("Imported from ledger %(file)s") % {"file": source_name})[:300]
        self.now = timezone.now()
        # Places of the community: a few thousand rows at most, read once.
        self.grids: dict[str, Grid] = {}
        for grid in Grid.objects.filter(community=community):
            self.grids[_grid_key(grid.name)] = grid
            self.grids.setdefault(str(grid.number), grid)
        # Estates by key; buildings by (estate id or None, door); a door number without an estate
        # finds the building of that number in no estate, or the only one in any estate.
        self.estates: dict[str, Estate] = {columns.estate_key(e.name): e
                                           for e in Estate.objects.filter(community=community)}
        self.buildings_exact: dict[tuple, Building] = {}
        self.buildings: dict[tuple, Building] = {}
        self.doors: dict[str, list[Building]] = {}
        for building in Building.objects.filter(community=community):
            self._remember_building(building)
        self.entrances: dict[tuple[int, str], Entrance] = {
            (e.building_id, columns.entrance_key(e.number)): e for e in Entrance.objects.filter(community=community)}
        # Scope: None means the whole community.
        self.writable: set[int] | None = None
        self.creatable_grids: set[int] | None = None
        if user is not None and not user.is_superuser:
            own = [r for r in reaches(user) if r.community_id == community.pk and r.role in WRITING_ROLES]
            if not any(r.whole_community for r in own):
                self.writable = set(Building.objects.visible_to(user, write=True)
                                    .filter(community=community).values_list("pk", flat=True))
                self.creatable_grids = set().union(*(r.grid_ids for r in own)) if own else set()
        # The rows seen so far, to report a person given twice: compact maps, not dicts, so that
        # a million-row file costs megabytes here rather than hundreds of them.
        self.seen_ids = RowMap()
        self.seen_new = RowMap()
        self.matched = RowMap()
        self.landlords_done: set[int] = set()
        self.persons = BulkInsert(Person)
        self._new_template: dict | None = None  # a new person's default values (see _insert_new)
        self._new_getters = None
        self.audit = BulkInsert(AuditEntry, ["community", "at", "user", "username", "action", "object_type",
                                             "object_id", "object_repr", "person", "fields", "reason", "changes"])
        self.timeline = BulkInsert(TimelineEntry, ["community", "person", "at", "kind", "text", "actor"])
        self.residences = BulkInsert(Residence, ["community", "person", "household", "moved_in", "moved_out",
                                                 "reason"])
        self.tags = BulkInsert(PersonTag, ["person", "tag"])

    def _remember_building(self, building):
        key = columns.place_key(building.door_number)
        self.buildings_exact[(building.estate_id, building.door_number)] = building
        self.buildings.setdefault((building.estate_id, key), building)
        self.doors.setdefault(key, []).append(building)

    # --- Step 2: one row on its own ---------------------------------------------------------

    def reject(self, number, cells, reasons, refusals=None):
        self.result.reported += 1
        self.result.refusals.extend(refusals if refusals is not None else [
            {"row": number, "column": "", "code": "row", "message": str(reason)} for reason in reasons])
        self.report.add(number, cells, "；".join(str(r) for r in reasons))

    def parse(self, number: int, cells: list) -> Row | None:
        """One row on its own. A row is a person: it is refused only when the person's identity
        cannot be established (no name; an ID number that fails its format or check character or
        lost its digits in Excel; sex or birth date against the ID; no building or room to put
        them in). Anything else that cannot be read is a warning: the person is taken, the raw
        value kept (in the note when no field can hold it), the warning reported by row and column."""
        mapping = self.mapping
        width = len(cells)
        cell_text = columns.cell_text
        # The text of every mapped cell (a missing cell is empty, as cell_text(None) is). The two
        # cells whose raw value matters too (a number that lost digits, a date) are read below.
        text = {name: cell_text(cells[index]) if index < width else "" for name, index in mapping.items()}

        def raw(name):
            index = mapping.get(name)
            return cells[index] if index is not None and index < width else None

        errors = []
        refusals, warnings = [], []
        kept = []  # raw values no field can hold, for the note
        row = Row(number, cells)

        def column(name):
            index = mapping.get(name)
            header = self.header[index] if index is not None and index < len(self.header) else None
            return str(header or columns.FIELD_LABELS[name])

        def bad(name, message, code="invalid"):
            errors.append(f"{columns.FIELD_LABELS[name]}: {message}")
            refusals.append({"row": number, "column": column(name), "code": f"{name}.{code}",
                             "message": str(message)})

        def warn(name, message, code="invalid", keep=None):
            warnings.append({"row": number, "column": column(name), "code": f"{name}.{code}",
                             "message": str(message)})
            if keep:
                kept.append(f"{columns.FIELD_LABELS[name]}?{keep}")

        row.name = " ".join(text["name"].split())
        if not row.name:
            bad("name", _("missing"), "missing")
        elif len(row.name) > 50:
            bad("name", _("longer than 50 characters"), "too_long")
        if text.get("id_type"):
            row.id_type = vocab.look_up(columns.ID_TYPE_FOLDED, text["id_type"])
            if row.id_type is None:
                warn("id_type", _("“%(value)s” is not a known document type") % {"value": text["id_type"]},
                     "unknown", keep=text["id_type"])
        number_text = text.get("id_number", "")
        if number_text and "*" in number_text:
            row.id_masked = idnumber.normalize(number_text)
        elif number_text:
            id_type = row.id_type or IdType.RESIDENT_ID
            if columns.is_numeric_cell(raw("id_number")) and len(number_text) >= 15:
                bad("id_number", _("stored as a number, so Excel lost its last digits: format the column as "
                                   "text and type the number again"), "lost_digits")
            else:
                try:
                    identity = services.check_identity(id_type, number_text)
                except ValidationError as error:
                    bad("id_number", " ".join(error.messages), "invalid")
                else:
                    row.id_type, row.id_number = identity.id_type, identity.id_number
                    row.sex, row.birth_date = identity.sex, identity.birth_date
        elif row.id_type and row.id_type != IdType.NONE:
            warn("id_number", _("missing for the document type given"), "missing")
            row.id_type = None
        if text.get("sex"):
            sex = vocab.look_up(columns.SEX_FOLDED, text["sex"])
            if sex is None:
                warn("sex", _("“%(value)s” is neither 男 nor 女") % {"value": text["sex"]}, "unknown",
                     keep=text["sex"])
            elif row.sex and sex != row.sex:
                bad("sex", _("does not match the ID number (which says %(sex)s)")
                    % {"sex": columns.SEX_LABELS[row.sex]}, "against_id")
            else:
                row.sex = sex
        if raw("birth_date") not in (None, ""):
            try:
                birth = columns.parse_date(raw("birth_date"))
            except ValueError:
                warn("birth_date", _("“%(value)s” is not a date") % {"value": text["birth_date"]}, "unreadable",
                     keep=text["birth_date"])
            else:
                if row.birth_date and birth != row.birth_date:
                    bad("birth_date", _("%(date)s does not match the ID number (which says %(id_date)s)")
                        % {"date": birth.isoformat(), "id_date": row.birth_date.isoformat()}, "against_id")
                row.birth_date = row.birth_date or birth
        values = row.values
        phone_text = text.get("phone", "")
        if phone_text and "*" not in phone_text:
            try:
                values["phone"] = phone_lib.normalize_contact(phone_text)
            except ValidationError as error:
                warn("phone", " ".join(error.messages), "unreadable", keep=phone_text)
        if text.get("residency"):
            residency = vocab.look_up(columns.RESIDENCY_LOOKUP, text["residency"])
            if residency is None:
                warn("residency", _("“%(value)s” is neither 常住 nor 流动") % {"value": text["residency"]},
                     "unknown", keep=text["residency"])
            else:
                values["residency"] = str(residency)
        for name, limit in (("relation", 20), ("occupation", 50), ("workplace", 100), ("note", 200)):
            if text.get(name):
                if len(text[name]) > limit:
                    warn(name, _("longer than %(limit)d characters: cut") % {"limit": limit}, "too_long")
                values[name] = text[name][:limit]
        if text.get("tags"):
            tags, unknown = columns.parse_tags(text["tags"])
            row.tags = tags
            if unknown:
                values["free_labels"] = "、".join(unknown)[:200]
                for label in unknown:
                    self.result.free_labels.setdefault(label, []).append(number)
        row.grid = text.get("grid", "")
        row.building = text.get("building", "")
        row.room = text.get("room", "")
        row.estate = " ".join(columns.simplify(text.get("estate", "")).split())
        row.entrance = text.get("entrance", "").strip()
        if text.get("address") and not (row.building and row.room):
            parsed = columns.parse_address(text["address"])
            if parsed is None:
                bad("address", _("“%(value)s” is not read as an address (write it as 金岸小区3号楼2单元301 or 3-2-301)")
                    % {"value": text["address"][:60]}, "unreadable")
            else:
                estate, row.building, entrance, row.room = parsed
                row.estate = row.estate or estate
                row.entrance = row.entrance or entrance
        community_name = text.get("community", "")
        if community_name and columns.estate_key(community_name) not in columns.estate_key(self.community.name) \
                and columns.estate_key(self.community.name) not in columns.estate_key(community_name):
            bad("community", _("“%(value)s” is not %(community)s: import it into its own community")
                % {"value": community_name[:60], "community": self.community.name}, "other_community")
        if len(row.estate) > 100:
            bad("estate", _("longer than %(limit)d characters") % {"limit": 100}, "too_long")
        if len(row.entrance) > 20:
            bad("entrance", _("longer than %(limit)d characters") % {"limit": 20}, "too_long")
        text.setdefault("building", row.building)
        text.setdefault("room", row.room)
        text["building"], text["room"] = row.building, row.room
        for name in ("building", "room"):
            if not text[name]:
                bad(name, _("missing"), "missing")
            elif len(text[name]) > 40:
                bad(name, _("longer than %(limit)d characters") % {"limit": 40}, "too_long")
        row.landlord = text.get("landlord", "")
        if len(row.landlord) > 50:
            warn("landlord", _("longer than %(limit)d characters: cut") % {"limit": 50}, "too_long")
            row.landlord = row.landlord[:50]
        landlord_phone = text.get("landlord_phone", "")
        if landlord_phone and "*" not in landlord_phone:
            try:
                row.landlord_phone = phone_lib.normalize_contact(landlord_phone)
            except ValidationError as error:
                warn("landlord_phone", " ".join(error.messages), "unreadable")
        if errors:
            self.reject(number, cells, errors, refusals)
            return None
        if warnings:
            self.result.warnings.extend(warnings)
            self.report.add(number, cells, "；".join(_("warning") + f" {w['column']}: {w['message']}"
                                                     for w in warnings))
        if kept:
            note = values.get("note", "")
            values["note"] = "；".join(([note] if note else []) + kept)[:200]
        values["name"] = row.name
        if row.id_number:
            values["id_number"] = row.id_number
            values["id_type"] = row.id_type
        elif row.id_type == IdType.NONE:
            values["id_type"] = IdType.NONE
        if row.sex:
            values["sex"] = row.sex
        if row.birth_date:
            values["birth_date"] = row.birth_date
        return row

    # --- Step 3: a chunk against the database -------------------------------------------------

    def flush(self, rows: list[Row]):
        if not rows:
            return
        rows = self._places(rows)
        if rows:
            self._persons(rows)

    def _places(self, rows):
        """Find (or create) each row's building and household; report rows that have none or
        that lie outside the user's buildings."""
        community = self.community
        kept, new_buildings = [], {}
        for row in rows:
            grid = None
            if row.grid:
                grid = self.grids.get(_grid_key(row.grid))
                if grid is None:
                    digits = "".join(ch for ch in row.grid if ch.isdigit())
                    grid = self.grids.get(str(int(digits))) if digits else None
                if grid is None:
                    self.reject(row.number, row.cells, [_("Grid “%(grid)s” is not in %(community)s.")
                                                        % {"grid": row.grid, "community": community}])
                    continue
            key = columns.place_key(row.building)
            estate = None
            if row.estate:
                estate = self.estates.get(columns.estate_key(row.estate))
                if estate is None:
                    if not self.create_places:
                        self.reject(row.number, row.cells, [
                            _("Estate %(estate)s is not registered in %(community)s (add it first, or import with "
                              "“create missing buildings and households”).") % {"estate": row.estate,
                                                                              "community": community}])
                        continue
                    if self.creatable_grids is not None:
                        self.reject(row.number, row.cells, [
                            _("Estate %(estate)s is new: only the command post adds estates.")
                            % {"estate": row.estate}])
                        continue
                    estate = Estate.objects.create(community=community, name=row.estate)
                    self.estates[columns.estate_key(row.estate)] = estate
                    self._audit_created([estate], "estate", ["name"])
                estate_id = estate.pk
                building = (self.buildings_exact.get((estate_id, row.building)) or self.buildings.get((estate_id, key))
                            or new_buildings.get((estate_id, key)))
            else:
                estate_id = None
                building = (self.buildings_exact.get((None, row.building)) or self.buildings.get((None, key))
                            or new_buildings.get((None, key)))
                if building is None:
                    candidates = self.doors.get(key, [])
                    if len(candidates) > 1:
                        self.reject(row.number, row.cells, [
                            _("Building %(door)s is in more than one estate (%(estates)s): give the estate.")
                            % {"door": row.building, "estates": "、".join(
                                sorted(str(b.estate) for b in candidates if b.estate_id))}])
                        continue
                    building = candidates[0] if candidates else None
            if building is None:
                if not self.create_places:
                    self.reject(row.number, row.cells, [
                        _("Building %(door)s is not registered in %(community)s (add it first, or import with "
                          "“create missing buildings and households”).") % {"door": row.building,
                                                                          "community": community}])
                    continue
                if grid is None:
                    self.reject(row.number, row.cells, [
                        _("Building %(door)s is new: give its grid so that it can be created.")
                        % {"door": row.building}])
                    continue
                if self.creatable_grids is not None and grid.pk not in self.creatable_grids:
                    self.reject(row.number, row.cells, [
                        _("Building %(door)s would be new in %(grid)s, outside your grids.")
                        % {"door": row.building, "grid": grid}])
                    continue
                building = Building(community=community, grid=grid, door_number=key, estate=estate)
                if row.landlord or row.landlord_phone:
                    building.landlord_name, building.landlord_phone = row.landlord, row.landlord_phone
                    building.is_rental = True
                new_buildings[(estate_id, key)] = building
            elif grid is not None and building.grid_id != grid.pk:
                self.reject(row.number, row.cells, [
                    _("Building %(door)s is in %(actual)s, not in %(grid)s.")
                    % {"door": building.door_number, "actual": self._grid_name(building.grid_id), "grid": grid}])
                continue
            elif self.writable is not None and building.pk not in self.writable:
                self.reject(row.number, row.cells, [
                    _("Building %(door)s is outside your buildings.") % {"door": building.door_number}])
                continue
            row.building_obj = building
            kept.append(row)
        if new_buildings:
            created = [b.fill_derived() for b in new_buildings.values()]
            Building.objects.bulk_create(created)
            for building in created:
                self._remember_building(building)
                self.landlords_done.add(building.pk)
            self._audit_created(created, "building", ["door_number", "estate", "grid", "landlord_name",
                                                      "landlord_phone"])
            self.result.buildings_created += len(created)
        self._landlords(kept)
        kept = self._entrances(kept)
        # Households of the chunk, existing and new, by (building, entrance or None, room): rooms
        # are numbered per entrance (3号楼 1单元 301 and 2单元 301 are two flats).
        wanted = {(row.building_obj.pk, columns.place_key(row.room, room=True)) for row in kept}
        rooms = {row.room for row in kept} | {room for _bid, room in wanted}
        households, by_room = {}, {}
        # The conditions in the order the ORM's keyword arguments would give (sorted by name).
        buildings = {b for b, _r in wanted}
        for household in (Household.objects.filter(values_in("building_id", buildings), community=community)
                          .filter(values_in("room", rooms)).order_by("pk")):
            room_key = columns.place_key(household.room, room=True)
            households.setdefault((household.building_id, household.entrance_id, room_key), household)
            by_room.setdefault((household.building_id, room_key), []).append(household)
        missing = {}
        result = []
        for row in kept:
            room_key = columns.place_key(row.room, room=True)
            entrance_id = row.entrance_obj.pk if row.entrance_obj is not None else None
            key = (row.building_obj.pk, entrance_id, room_key)
            household = households.get(key) or missing.get(key)
            if household is None and entrance_id is None:
                # No entrance given: the room of that number in the building's only entrance that has one.
                found = [h for h in by_room.get((row.building_obj.pk, room_key), []) if h.entrance_id]
                if len(found) > 1:
                    self.reject(row.number, row.cells, [
                        _("Room %(room)s of building %(door)s is in more than one entrance (%(entrances)s): "
                          "give the entrance.") % {"room": row.room, "door": row.building_obj.door_number,
                                                   "entrances": "、".join(sorted(str(h.entrance) for h in found))}])
                    continue
                household = found[0] if found else None
            elif household is None:
                # The room on file without an entrance: the ledger tells which entrance it is in.
                bare = households.get((row.building_obj.pk, None, room_key))
                if bare is not None and bare.pk is not None:
                    household = bare
                    household.entrance = row.entrance_obj
                    Household.objects.filter(pk=household.pk).update(entrance=row.entrance_obj)
                    self._audit([(AuditAction.CHANGE, "household", household.pk, self._label(household), None,
                                  ["entrance"], {"entrance": ["", str(row.entrance_obj)]})])
                    del households[(row.building_obj.pk, None, room_key)]
                    households[key] = household
            if household is None:
                if not self.create_places:
                    self.reject(row.number, row.cells, [
                        _("Room %(room)s of building %(door)s is not registered (add it first, or import with "
                          "“create missing buildings and households”).")
                        % {"room": row.room, "door": row.building_obj.door_number}])
                    continue
                household = Household(community=community, building=row.building_obj, room=room_key,
                                      floor=floor_of(room_key), entrance=row.entrance_obj)
                missing[key] = household
                if entrance_id is not None:
                    by_room.setdefault((row.building_obj.pk, room_key), []).append(household)
            row.household = household
            result.append(row)
        if missing:
            created = [h.fill_derived() for h in missing.values()]
            Household.objects.bulk_create(created)
            self._audit_created(created, "household", services.HOUSEHOLD_FIELDS)
            self.result.households_created += len(created)
        self._occupy(result)
        return result

    def _entrances(self, rows):
        """Each row's entrance (单元) in its building, found or (creating places) created; a row
        naming an entrance its building does not have is refused otherwise."""
        kept, new = [], {}
        for row in rows:
            row.entrance_obj = None
            if not row.entrance:
                kept.append(row)
                continue
            key = (row.building_obj.pk, columns.entrance_key(row.entrance))
            entrance = self.entrances.get(key) or new.get(key)
            if entrance is None:
                if not self.create_places:
                    self.reject(row.number, row.cells, [
                        _("Building %(door)s has no entrance %(entrance)s (add it first, or import with "
                          "“create missing buildings and households”).")
                        % {"door": row.building_obj.door_number, "entrance": row.entrance}])
                    continue
                entrance = Entrance(community=self.community, building=row.building_obj, number=key[1])
                new[key] = entrance
            row.entrance_obj = entrance
            kept.append(row)
        if new:
            for entrance in new.values():
                entrance.save()  # a few per building, at most: save() fills the sort key
                self.entrances[(entrance.building_id, entrance.number)] = entrance
            self._audit_created(list(new.values()), "entrance", ["building", "number"])
        return kept

    def _occupy(self, rows):
        """People imported into a household marked vacant or away live there: it is occupied now
        (the occupancy sheet must never send a team past a door where someone lives)."""
        empty = {row.household.pk: row.household for row in rows if row.household.pk
                 and row.household.status in (HouseholdStatus.VACANT, HouseholdStatus.AWAY)}
        if not empty:
            return
        Household.objects.filter(pk__in=list(empty)).update(status=HouseholdStatus.OCCUPIED)
        for household in empty.values():
            services.audit(self.actor, AuditAction.CHANGE, household, fields=["status"],
                           changes={"status": [household.status, HouseholdStatus.OCCUPIED]}, reason=self.reason)
            household.status = HouseholdStatus.OCCUPIED
        self.result.households_occupied += len(empty)

    def _grid_name(self, grid_id):
        return next((str(g) for g in self.grids.values() if g.pk == grid_id), "?")

    def _landlords(self, rows):
        """The first row of the file that names a building's landlord sets it; later rows that
        say otherwise do not flip it back and forth."""
        changed = {}
        for row in rows:
            building = row.building_obj
            if building.pk is None or building.pk in self.landlords_done or not (row.landlord or row.landlord_phone):
                continue
            self.landlords_done.add(building.pk)
            before = {"landlord_name": building.landlord_name, "landlord_phone": building.landlord_phone}
            after = {"landlord_name": row.landlord or building.landlord_name,
                     "landlord_phone": row.landlord_phone or building.landlord_phone}
            diff = services._diff(before, after)
            if diff:
                building.landlord_name, building.landlord_phone = after["landlord_name"], after["landlord_phone"]
                changed[building.pk] = (building, diff)
        if changed:
            Building.objects.bulk_update([b for b, _d in changed.values()], ["landlord_name", "landlord_phone"])
            self._audit([(AuditAction.CHANGE, "building", b.pk, str(b), None, list(diff), diff)
                         for b, diff in changed.values()])

    def _persons(self, rows: list[Row]):
        community = self.community
        result = self.result
        ids = {row.id_number for row in rows if row.id_number}
        by_id = {}
        if ids:
            # No ordering, and the partial unique index's own condition (id_number <> ''): otherwise
            # SQLite walks the (community, name) index for the ordering, the whole community per
            # chunk, and a million-row import slows down as the table grows.
            for person in (Person.objects.filter(community=community).filter(values_in("id_number", ids))
                           .exclude(id_number="")
                           .order_by().select_related("household__building").select_for_update(of=("self",))):
                by_id[person.id_number] = person
        household_ids = {row.household.pk for row in rows if row.household.pk}
        names = {row.name for row in rows}
        by_name: dict[tuple, list] = {}
        if household_ids:
            for person in (Person.objects.filter(community=community)
                           .filter(values_in("household_id", household_ids), values_in("name", names))
                           .order_by().select_related("household__building").select_for_update(of=("self",))):
                by_name.setdefault((person.household_id, person.name), []).append(person)
        matched_pks = {p.pk for p in by_id.values()} | {p.pk for group in by_name.values() for p in group}
        current_tags: dict[int, set] = {}
        tagged = PersonTag.objects.filter(values_in("person_id", matched_pks)).values_list("person_id", "tag")
        for person_id, tag in tagged:
            current_tags.setdefault(person_id, set()).add(tag)

        new, changed, moved, retagged = [], [], [], []
        for row in rows:
            person = self._match(row, by_id, by_name)
            if person is False:
                continue
            if person is None:
                if row.id_masked:
                    self.reject(row.number, row.cells, [_("The ID number is masked and no %(name)s in room %(room)s "
                                                          "matches it: give the whole number.")
                                                        % {"name": row.name, "room": row.room}])
                    continue
                new.append(row)  # inserted as a plain row by _insert_new: no model instance needed
                continue
            if self.writable is not None and (person.household is None
                                              or person.household.building_id not in self.writable):
                # The row's name, not the one on file: the file must not tell who lives elsewhere.
                self.reject(row.number, row.cells, [_("%(name)s is registered in a building outside yours.")
                                                    % {"name": row.name}])
                continue
            before = {name: getattr(person, name) for name in FIELDS}
            for name, value in row.values.items():
                setattr(person, name, value)
            changes = services._diff(before, {name: getattr(person, name) for name in FIELDS})
            if person.household_id != row.household.pk:
                changes["household"] = [str(person.household or ""), f"{row.building_obj.door_number}-{row.room}"]
                person._old_household = person.household_id
                person.household = row.household
                moved.append(person)
            tags_before = current_tags.get(person.pk, set())
            if row.tags is not None and row.tags != tags_before:
                changes["tags"] = [columns.tags_text(tags_before), columns.tags_text(row.tags)]
                person._import_tags = row.tags
                retagged.append(person)
            if changes:
                person._import_changes = changes
                changed.append(person)
            else:
                result.unchanged += 1
        self._write(new, changed, moved, retagged)

    def _match(self, row: Row, by_id, by_name):
        """The person a row is about: a Person, None for a new one, or False when the row was
        reported (a duplicate in the file, or more than one candidate)."""
        person = None
        candidates = by_name.get((row.household.pk, row.name), []) if row.household.pk else []
        if row.id_number:
            id_key = _id_key(row.id_number)
            first = self.seen_ids.get(id_key)
            if first is not None:
                message = _("The same ID number is already in row %(row)d of this file.") % {"row": first}
                # The person service's code for a duplicate ID (DuplicateIdNumber), as the forms
                # and the API answer it.
                self.reject(row.number, row.cells, [message], [
                    {"row": row.number, "column": str(self.header[self.mapping["id_number"]]) if "id_number"
                     in self.mapping else "", "code": services.DuplicateIdNumber.code, "message": message}])
                return False
            self.seen_ids[id_key] = row.number
            person = by_id.get(row.id_number)
            if person is None:
                blank = [p for p in candidates if not p.id_number]
                person = blank[0] if len(blank) == 1 else None
        elif row.id_masked:
            fitting = [p for p in candidates if p.id_number and p.id_number[:6] == row.id_masked[:6]
                       and p.id_number[-4:] == row.id_masked[-4:]]
            person = fitting[0] if len(fitting) == 1 else None
        elif candidates:
            if len(candidates) > 1:
                self.reject(row.number, row.cells, [_("There are %(count)d persons named %(name)s in this room: "
                                                      "give the ID number to tell them apart.")
                                                    % {"count": len(candidates), "name": row.name}])
                return False
            person = candidates[0]
        if person is not None:
            first = self.matched.get(person.pk)
            if first is not None:
                self.reject(row.number, row.cells, [_("Row %(row)d of this file is already about the same person.")
                                                    % {"row": first}])
                return False
            self.matched[person.pk] = row.number
        elif not row.id_number:
            key = hash((row.household.pk, row.name))
            first = self.seen_new.get(key)
            if first is not None:
                self.reject(row.number, row.cells, [_("Row %(row)d of this file already adds %(name)s to this room.")
                                                    % {"row": first, "name": row.name}])
                return False
            self.seen_new[key] = row.number
        return person

    def _write(self, new: list[Row], changed, moved, retagged):
        now = self.now
        result = self.result
        new = self._insert_new(new)
        if changed:
            for person in changed:
                person.version += 1
                person.updated_at = now
                person.fill_derived()
            Person.objects.bulk_update(changed, [*FIELDS, "household", "version", "updated_at", "name_initials",
                                                 "id_last4", "phone_last4"])
            result.updated += len(changed)
        if moved:
            Residence.objects.filter(person__in=moved, moved_out__isnull=True).update(moved_out=now)
        at = self.residences.prepare("moved_in", now)
        reason = self.reason[:200]
        community = self.community.pk
        self.residences.rows([(community, person_id, household_id, at, None, reason)
                              for person_id, household_id, _name, _tags, _changes in new]
                             + [(p.community_id, p.pk, p.household_id, at, None, reason)
                                for p in moved if p.household_id])
        if retagged:
            PersonTag.objects.filter(person__in=retagged).delete()
        self.tags.rows([(person_id, tag) for person_id, _household, _name, tags, _changes in new for tag in tags]
                       + [(p.pk, tag) for p in retagged for tag in sorted(p._import_tags)])
        self._audit([(AuditAction.CREATE, "person", person_id, name, person_id, (), changes)
                     for person_id, _household, name, _tags, changes in new]
                    + [(AuditAction.CHANGE, "person", p.pk, p.name, p.pk, list(p._import_changes), p._import_changes)
                       for p in changed])
        text_new = (_("Imported from ledger: %(reason)s") % {"reason": self.reason})[:300]
        text_changed = (_("Updated from ledger: %(reason)s") % {"reason": self.reason})[:300]
        at = self.timeline.prepare("at", now)
        actor = self.actor.pk if self.actor else None
        self.timeline.rows([(community, person_id, at, "imported", text_new, actor) for person_id, *_rest in new]
                           + [(community, p.pk, at, "imported", text_changed, actor) for p in changed])

    def _insert_new(self, rows: list[Row]) -> list[tuple]:
        """Insert the chunk's new persons as plain rows; return (person id, household id, name,
        sorted tags, audit changes) of each, for the entries written after.

        What a Person(**values) saved through the ORM would hold, without building one model
        instance per row (measured: the instances, their defaults and the value preparation one
        field at a time were about a sixth of a 20,000-row import). Defaults are the model fields' own,
        read once; a person without an ID number gets the document type "none" as before; the
        search keys come from Person.search_keys, the one definition fill_derived uses; the audit
        changes are services._diff of the same values, so they are masked the same way. Created
        and updated times are both the import's time (as the audit and timeline entries are).
        tests/registry/test_import_fastpath.py checks all of it against the ORM's answer."""
        if not rows:
            return []
        table = self.persons
        if self._new_template is None:
            # get_default() is what Person() puts in a field not given: the field's default, else
            # None for a nullable field, else "".
            self._new_template = template = {name: model_field.get_default()
                                             for name, model_field in table.fields.items()}
            template["community"] = self.community.pk
            # A row without 人员类型 does not silently make a registered resident.
            template["residency"] = self.community.default_residency or Residency.UNKNOWN
            template["created_at"] = template["updated_at"] = self.now
            # The columns in the table's order, and the audited fields, picked out in one call.
            self._new_getters = itemgetter(*table.fields), itemgetter(*FIELDS)
        template = self._new_template
        columns_of, fields_of = self._new_getters
        search_keys, diff = Person.search_keys, services._diff
        person_rows, entries = [], []
        for row in rows:
            values = {**template, **row.values}
            values["household"] = household = row.household.pk
            if not values["id_number"]:
                values["id_type"] = IdType.NONE
            values["name_initials"], values["id_last4"], values["phone_last4"] = search_keys(
                values["name"], values["id_number"], values["phone"])
            person_rows.append(columns_of(values))
            entries.append((household, values["name"], sorted(row.tags) if row.tags else (),
                            diff({}, dict(zip(FIELDS, fields_of(values), strict=True)))))
        pks = table.insert_returning(person_rows)
        self.result.created += len(pks)
        return [(pk, *entry) for pk, entry in zip(pks, entries, strict=True)]

    def _audit(self, entries):
        """entries: (action, object type, object id, text, person id, fields, changes)."""
        table = self.audit
        at = table.prepare("at", self.now)
        user = self.actor.pk if self.actor else None
        community, username, reason = self.community.pk, self.username, self.reason
        table.rows([(community, at, user, username, action, object_type, str(object_id), str(text)[:200],
                       person_id, ",".join(fields)[:200], reason, table.json("changes", changes or {}))
                      for action, object_type, object_id, text, person_id, fields, changes in entries])

    def _audit_created(self, objects, object_type, names):
        self._audit([(AuditAction.CREATE, object_type, obj.pk, self._label(obj), None, (),
                      services._diff({}, {name: getattr(obj, name, None) for name in names})) for obj in objects])

    @staticmethod
    def _label(obj):
        if isinstance(obj, Household):
            if obj.entrance_id:
                return f"{obj.building.door_number}-{obj.entrance.number}-{obj.room}"
            return f"{obj.building.door_number}-{obj.room}"
        return str(obj)

