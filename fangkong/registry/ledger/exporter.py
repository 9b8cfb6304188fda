"""People out to .xlsx, in the ledger layout the importer reads back.

Exports are masked (110105********0021, 138****5678) unless the user may reveal personal data and
gives a reason; either way the export is written to the audit log (who, how many, which scope,
and for a revealing export the reason and the fields shown whole). Cells that begin with
= + - @ are escaped so that no formula runs when the file is opened in Excel. Rows are written
with openpyxl's write-only mode into a temporary file while the persons are read in chunks, so
memory stays flat whatever the size.
"""

import tempfile
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from fangkong.core import services
from fangkong.core.actions import NotAllowed, allowed, require
from fangkong.core.filtersets import PersonFilterSet
from fangkong.core.models import AuditAction, AuditEntry, Community, Person, PersonTag
from fangkong.lib.idnumber import make
from fangkong.lib.masking import mask_id, mask_phone
from fangkong.registry.actions import EXPORT_PEOPLE

from . import columns
from .report import safe_row

HEADERS = {field: columns.SYNONYMS[field][0] for field in columns.EXPORT_ORDER}
REVEALED_FIELDS = ["id_number", "phone", "landlord_phone"]


class ExportRefused(Exception):
    def __init__(self, message, code="forbidden"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class ExportScope:
    """What to export: the persons the user can see, narrowed like the person list."""

    community_id: int | None = None
    grid_id: int | None = None
    building_id: int | None = None
    household_id: int | None = None
    q: str = ""
    tag: str = ""
    residency: str = ""

    def params(self) -> dict:
        """The scope as the person filter's query parameters (core.filtersets.PersonFilterSet)."""
        return {"community": self.community_id, "grid": self.grid_id, "building": self.building_id,
                "household": self.household_id, "q": self.q, "tag": self.tag, "residency": self.residency}

    def describe(self) -> str:
        parts = [f"{name}={value}" for name, value in vars(self).items() if value not in (None, "")]
        return ", ".join(parts) or _("everything visible")


def exportable_communities(user) -> list[int]:
    """The communities whose people the user may export (a sampler of one community who is grid
    staff in another exports the other's only)."""
    return [c.pk for c in Community.objects.visible_to(user) if allowed(user, EXPORT_PEOPLE, c)]


def persons_for_export(user, scope: ExportScope):
    persons = Person.objects.all() if user is None else Person.objects.visible_to(user)
    if user is not None and not user.is_superuser:
        persons = persons.filter(community_id__in=exportable_communities(user))
    # The one person filter, as the person list and /api/persons/ use it: export what you see.
    persons = PersonFilterSet({k: v for k, v in scope.params().items() if v not in (None, "")}, queryset=persons).qs
    return (persons.select_related("household__building__grid", "household__building__estate", "household__entrance")
            .prefetch_related(Prefetch("tags", queryset=PersonTag.objects.order_by("tag")))
            .order_by("household__building__door_sort", "household__room_sort", "id"))


def export_people(user, scope: ExportScope, *, reveal_reason: str = "", out=None) -> tuple[object, int]:
    """Write the ledger to ``out`` (a path or binary file; a temporary file when None) and
    return (out, number of persons). ``user`` None is the command line: masked only."""
    if user is not None:
        if scope.community_id:
            require(user, EXPORT_PEOPLE, scope.community_id)
        elif not allowed(user, EXPORT_PEOPLE):
            raise NotAllowed(EXPORT_PEOPLE.message, EXPORT_PEOPLE)
    reveal_reason = (reveal_reason or "").strip()
    reveal = bool(reveal_reason)
    if reveal and (user is None or not services.can_reveal(user)):
        raise ExportRefused(_("Your role may not see personal numbers whole."))
    if reveal and len(reveal_reason) < 2:
        raise ExportRefused(_("Say why you need to see it."), code="reason_required")
    if out is None:
        out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the caller
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("People"))
    sheet.append(list(HEADERS.values()))
    count = 0
    community_ids = set()
    for person in persons_for_export(user, scope).iterator(chunk_size=2000):
        count += 1
        community_ids.add(person.community_id)
        sheet.append(safe_row(person_row(person, reveal)))
    workbook.save(out)
    community_id = scope.community_id or (next(iter(community_ids)) if len(community_ids) == 1 else None)
    AuditEntry.objects.create(
        community_id=community_id,
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or _("command line"),
        action=AuditAction.EXPORT, object_type="person", object_repr=(
            _("%(count)d persons (%(scope)s)") % {"count": count, "scope": scope.describe()})[:200],
        fields=",".join(REVEALED_FIELDS) if reveal else "", reason=reveal_reason[:300],
    )
    if hasattr(out, "seek"):
        out.seek(0)
    return out, count


def person_row(person, reveal: bool = False) -> list:
    household = person.household
    building = household.building if household else None
    show_id = person.id_number if reveal else mask_id(person.id_number)
    show_phone = person.phone if reveal else mask_phone(person.phone)
    landlord_phone = ""
    if building and building.landlord_phone:
        landlord_phone = building.landlord_phone if reveal else mask_phone(building.landlord_phone)
    values = {
        "name": person.name,
        "sex": columns.SEX_LABELS.get(person.sex, ""),
        "id_type": columns.ID_TYPE_LABELS.get(person.id_type, ""),
        "id_number": show_id,
        "birth_date": person.birth_date,
        "phone": show_phone,
        "grid": building.grid.name if building else "",
        "estate": building.estate.name if building and building.estate_id else "",
        "building": building.door_number if building else "",
        "entrance": household.entrance.number if household and household.entrance_id else "",
        "room": household.room if household else "",
        "relation": person.relation,
        "residency": columns.RESIDENCY_LABELS.get(person.residency, ""),
        "occupation": person.occupation,
        "workplace": person.workplace,
        "tags": columns.tags_text(tag.tag for tag in person.tags.all()),
        "landlord": building.landlord_name if building else "",
        "landlord_phone": landlord_phone,
        "note": person.note,
    }
    return [values[field] for field in columns.EXPORT_ORDER]


def write_template(out):
    """A blank ledger: the header row and one example row (a made-up person)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("People")
    sheet.append(list(HEADERS.values()))
    example = {
        "name": "张三", "sex": "男", "id_type": "居民身份证", "id_number": make("11010519800101001"),
        "birth_date": None, "phone": "13800138000", "grid": "1", "estate": "", "building": "1", "entrance": "",
        "room": "101",
        "relation": "户主", "residency": "常住", "occupation": "教师", "workplace": "某某小学",
        "tags": "慢性病", "landlord": "", "landlord_phone": "", "note": _("Example row: replace it"),
    }
    sheet.append([example[field] for field in columns.EXPORT_ORDER])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for index, field in enumerate(columns.EXPORT_ORDER):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = 22 if field in ("id_number", "workplace", "note") else 12
        if field in ("id_number", "phone", "landlord_phone", "building", "room"):
            for cell in sheet[letter]:
                cell.number_format = "@"  # text: Excel would turn an ID number into 1.1E+17
    sheet.freeze_panes = "A2"
    workbook.save(out)
    return out
