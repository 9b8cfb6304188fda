"""Printed sheets: the paper that goes up the stairs and onto the doors.

- The occupancy sheet (实有住户统计表, seed 004): one A4 page per building, one cell per
  household laid out like the building (top floor at the top, rooms left to right in natural
  order), room number and persons registered in each cell; away and vacant households shaded so
  the knocker skips them.
- The door temperature sheet (体温监测表): one landscape A4 page per household, members (name
  only) by 14 days, morning and afternoon, and a row for the door-seal check.

Both functions are pure: they take querysets the caller has already scoped, read the related rows
through scope as well, write nothing (the view writes the audit entry) and return the PDF's bytes.
"""

import io
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth

from fangkong.core.models import Building, Household, HouseholdStatus, Person
from fangkong.lib.fever import FEVER_FROM
from fangkong.lib.naturalsort import natural_key
from fangkong.lib.pdf import MARGIN, Sheet, display_name, sheet_font  # noqa: F401 (Sheet is documents' too)
from fangkong.lib.rooms import floor_of

# Fill levels (PDF DeviceGray, 0 black .. 1 white) of the shaded cells. Black text stays readable
# on both (contrast 11:1 and 6:1) and both survive a cheap photocopier.
SHADE_AWAY = 0.75
SHADE_VACANT = 0.55
SHADES = {HouseholdStatus.AWAY: SHADE_AWAY, HouseholdStatus.VACANT: SHADE_VACANT}

TEMPERATURE_DAYS = 14


# --- drawing helpers ------------------------------------------------------------------------


def labelled(label, value) -> str:
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


def _printed_at(printed_at):
    return printed_at or timezone.now()


def _as_queryset(objects, model):
    if isinstance(objects, QuerySet):
        return objects
    return model.objects.filter(pk__in=[obj.pk for obj in objects])


# --- occupancy sheet ------------------------------------------------------------------------


@dataclass
class FloorRow:
    label: str
    slots: list  # Household (with .n_persons) or None for a gap, in column order


@dataclass
class OccupancyLayout:
    columns: int  # cells per printed row
    cell_width: float
    row_height: float
    pages: list = field(default_factory=list)  # per page: [(label or "", [slots])]


def floor_label(floor: int | None) -> str:
    if floor is None:
        return _("Floor ?")
    if floor < 0:
        return _("B%(n)d") % {"n": -floor}
    return _("%(n)dF") % {"n": floor}


def _column_key(household, floor):
    """('1-', '01') for room 1-301 on floor 3: the column it shares with 1-401, 1-501 …"""
    match = re.fullmatch(rf"(.*?){abs(floor)}(\d{{2}})", household.room.strip())
    return (match.group(1), match.group(2)) if match else None


def floor_rows(building: Building, households: list) -> list[FloorRow]:
    """The building's floors, top floor first, each with its households left to right.

    When every room is numbered floor + two digits (301, 302 … 1-301), rooms with the same
    ending stand in the same column, as they do in the building, and a missing room leaves a gap;
    otherwise each floor lists its rooms in natural order."""
    by_floor = defaultdict(list)
    for household in households:
        floor = household.floor if household.floor is not None else floor_of(household.room)
        by_floor[floor].append(household)
    floors = sorted((f for f in by_floor if f is not None), reverse=True)
    if building.floors:  # floors with nobody registered show as empty rows: 不漏一户
        floors = sorted(set(floors) | set(range(1, building.floors + 1)), reverse=True)
    keys = {}
    aligned = bool(floors)
    for floor in floors:
        for household in by_floor.get(floor, []):
            key = _column_key(household, floor)
            if key is None:
                aligned = False
                break
            keys[household.pk] = key
        if not aligned:
            break
    widest = max((len(v) for v in by_floor.values()), default=0)
    columns = sorted(set(keys.values()), key=lambda k: natural_key(k[0] + k[1])) if aligned else []
    if aligned and len(columns) > max(2 * widest, widest + 4):
        aligned = False  # too sparse to be a building's shape
    rows = []
    for floor in floors:
        members = sorted(by_floor.get(floor, []), key=lambda h: h.room_sort)
        if aligned:
            slots = [None] * len(columns)
            index = {key: i for i, key in enumerate(columns)}
            for household in members:
                slots[index[keys[household.pk]]] = household
        else:
            slots = list(members)
        rows.append(FloorRow(floor_label(floor), slots))
    if by_floor.get(None):
        rows.append(FloorRow(floor_label(None), sorted(by_floor[None], key=lambda h: h.room_sort)))
    return rows


OCC_LABEL_WIDTH = 30
OCC_HEADER = 92
OCC_BOTTOM = 62
OCC_MIN_CELL_WIDTH = 24  # "3201" still reads at 8 pt
OCC_COMFORT_CELL_WIDTH = 40  # narrower than this, wrapping a floor onto two rows may read better
OCC_MAX_CELL_WIDTH = 96
OCC_MIN_ROW_HEIGHT = 13
OCC_MAX_ROW_HEIGHT = 54


def layout_occupancy(rows: list[FloorRow], width: float, height: float) -> OccupancyLayout:
    """How many cells per printed row, how big, and which rows on which page.

    A floor keeps all its rooms on one row, the shape of the building, while cells stay at least
    OCC_COMFORT_CELL_WIDTH wide. Otherwise the number of cells per row that gives the most
    legible cells wins: a wide floor then wraps onto several rows. Cells shrink down to
    OCC_MIN_CELL_WIDTH by OCC_MIN_ROW_HEIGHT to stay on one page; only a building that does not
    fit even then goes on to more pages, each floor labelled again where it continues."""
    widest = max((len(r.slots) for r in rows), default=0) or 1

    def shape(columns):
        printed = sum(max(1, math.ceil(len(r.slots) / columns)) for r in rows) or 1
        return min(OCC_MAX_CELL_WIDTH, width / columns), min(OCC_MAX_ROW_HEIGHT, height / printed)

    def fits(columns):
        cell_width, row_height = shape(columns)
        return cell_width >= OCC_MIN_CELL_WIDTH and row_height >= OCC_MIN_ROW_HEIGHT

    def legibility(columns):
        cell_width, row_height = shape(columns)
        return (round(min(cell_width / 2.4, row_height), 3), -columns)  # ties: the wider cells

    fitting = [c for c in range(1, widest + 1) if fits(c)]
    if widest in fitting and shape(widest)[0] >= OCC_COMFORT_CELL_WIDTH:
        choice = widest
    elif fitting:
        choice = max(fitting, key=legibility)
    else:  # does not fit on one page: the smallest legible cells, over several pages
        choice = max(1, min(widest, int(width // OCC_MIN_CELL_WIDTH)))
    cell_width, row_height = shape(choice)
    row_height = max(row_height, OCC_MIN_ROW_HEIGHT)
    per_page = max(1, int(height / row_height + 1e-6))

    pages, page = [], []
    for row in rows:
        chunks = [row.slots[i:i + choice] for i in range(0, len(row.slots), choice)] or [[]]
        for n, chunk in enumerate(chunks):
            if len(page) == per_page:
                pages.append(page)
                page = []
            # The floor's label on its first row, and again at the top of a page it continues on.
            page.append((row.label if n == 0 or not page else "", chunk))
    pages.append(page)
    return OccupancyLayout(choice, cell_width, row_height, pages)


def _occupancy_households(buildings: list, user) -> dict:
    ids = [b.pk for b in buildings]
    households = list(Household.objects.visible_to(user).filter(building_id__in=ids).select_related("entrance")
                      .order_by("room_sort"))
    counts = dict(
        Person.objects.visible_to(user).filter(household__building_id__in=ids, household__isnull=False)
        .order_by().values_list("household_id").annotate(n=Count("pk"))
    ) if households else {}
    by_building = defaultdict(list)
    for household in households:
        household.n_persons = counts.get(household.pk, 0)
        by_building[household.building_id].append(household)
    return by_building


def occupancy_pdf(buildings, user, *, printed_at=None) -> bytes:
    """The occupancy sheets of ``buildings`` (a scoped queryset), one page each, in door order."""
    printed_at = _printed_at(printed_at)
    buildings = list(_as_queryset(buildings, Building).select_related("community", "grid").order_by("door_sort"))
    households = _occupancy_households(buildings, user)
    buffer = io.BytesIO()
    title = _("Occupancy sheet")
    if len(buildings) == 1:
        title = f"{title} {buildings[0].community.name} {buildings[0].door_number}"
    sheet = Sheet(buffer, A4, title, user)
    if not buildings:
        sheet.text(sheet.width / 2, sheet.height / 2, _("No buildings."), 14, anchor="center")
        sheet.canvas.showPage()
    for building in buildings:
        for entrance, part in by_entrance(households.get(building.pk, [])):
            _draw_occupancy(sheet, building, part, printed_at, entrance=entrance)
    sheet.save()
    return buffer.getvalue()


def by_entrance(households: list) -> list[tuple]:
    """[(entrance or None, its households)]: one sheet per entrance (单元) where the building has
    them, in entrance order, the households in no entrance last; one sheet otherwise."""
    groups: dict = {}
    for household in households:
        groups.setdefault(household.entrance_id, (household.entrance, []))[1].append(household)
    if set(groups) <= {None}:
        return [(None, households)]
    return sorted(groups.values(),
                  key=lambda g: (g[0] is None, g[0].number_sort if g[0] else "", g[0].pk if g[0] else 0))


def _draw_occupancy(sheet: Sheet, building: Building, households: list, printed_at, entrance=None) -> None:
    rows = floor_rows(building, households)
    grid_width = sheet.width - 2 * MARGIN - OCC_LABEL_WIDTH
    grid_height = sheet.height - 2 * MARGIN - OCC_HEADER - OCC_BOTTOM
    layout = layout_occupancy(rows, grid_width, grid_height)
    totals = defaultdict(int)
    for household in households:
        totals[household.status] += 1
    persons = sum(h.n_persons for h in households)
    summary = _("%(total)d households: %(occupied)d occupied, %(away)d away, %(vacant)d vacant; "
                "%(persons)d persons registered") % {
        "total": len(households), "occupied": totals[HouseholdStatus.OCCUPIED],
        "away": totals[HouseholdStatus.AWAY], "vacant": totals[HouseholdStatus.VACANT], "persons": persons,
    }
    for number, page in enumerate(layout.pages, start=1):
        _occupancy_header(sheet, building, summary, printed_at, continued=number > 1, entrance=entrance)
        top = sheet.height - MARGIN - OCC_HEADER
        if not households:
            sheet.text(sheet.width / 2, top - 30, _("No households registered in this building."), 12,
                       anchor="center")
        for index, (label, slots) in enumerate(page):
            y = top - (index + 1) * layout.row_height
            if label:
                sheet.canvas.setStrokeGray(0.6)
                sheet.canvas.setLineWidth(0.4)
                sheet.canvas.line(MARGIN, y + layout.row_height, sheet.width - MARGIN, y + layout.row_height)
                sheet.text(MARGIN + 1, y + layout.row_height / 2 - 3.5, label, 9, width=OCC_LABEL_WIDTH - 3)
            if label and not any(slots):
                sheet.text(MARGIN + OCC_LABEL_WIDTH + 4, y + layout.row_height / 2 - 3, _("No household registered"),
                           7.5, gray=0.45)
            for column, household in enumerate(slots):
                if household is not None:
                    x = MARGIN + OCC_LABEL_WIDTH + column * layout.cell_width
                    _draw_cell(sheet, x, y, layout.cell_width, layout.row_height, household)
        _occupancy_legend(sheet)
        sheet.footer(number, len(layout.pages), printed_at,
                     _("Contains personal data: keep it safe and destroy it after use."))
        sheet.canvas.showPage()


def _occupancy_header(sheet: Sheet, building: Building, summary: str, printed_at, continued=False,
                      entrance=None) -> None:
    top = sheet.height - MARGIN
    title = f"{building.community.name} " + _("Occupancy sheet")
    if continued:
        title += _(" (continued)")
    sheet.text(MARGIN, top - 18, title, 17, width=sheet.width - 2 * MARGIN - 110)
    # The door number big in the corner, so a stack of sheets sorts by eye.
    box_w, box_h = 100, 40
    c = sheet.canvas
    c.setStrokeGray(0)
    c.setLineWidth(1.2)
    c.rect(sheet.width - MARGIN - box_w, top - box_h, box_w, box_h, stroke=1, fill=0)
    corner = f"{building.door_number}-{entrance.number}" if entrance is not None else building.door_number
    sheet.text(sheet.width - MARGIN - box_w / 2, top - 29, corner, 24, anchor="center", width=box_w - 8)
    line = "    ".join([
        labelled(_("Grid"), building.grid.name),
        labelled(_("Building"), building),
        *([labelled(_("Entrance"), entrance)] if entrance is not None else []),
        *([labelled(_("Floors"), building.floors)] if building.floors else []),
        labelled(_("Date"), f"{timezone.localtime(printed_at):%Y-%m-%d}"),
    ])
    sheet.text(MARGIN, top - 38, line, 9.5, width=sheet.width - 2 * MARGIN - 110)
    sheet.text(MARGIN, top - 56, summary, 9, width=sheet.width - 2 * MARGIN)
    c.setLineWidth(1)
    c.line(MARGIN, top - 64, sheet.width - MARGIN, top - 64)


def _draw_cell(sheet: Sheet, x, y, w, h, household) -> None:
    c = sheet.canvas
    pad = 1.2
    shade = SHADES.get(household.status)
    c.setLineWidth(0.6)
    c.setStrokeGray(0)
    if shade is not None:
        c.setFillGray(shade)
        c.rect(x + pad, y + pad, w - 2 * pad, h - 2 * pad, stroke=1, fill=1)
    else:
        c.rect(x + pad, y + pad, w - 2 * pad, h - 2 * pad, stroke=1, fill=0)
    inner = w - 2 * pad - 4
    size = min(11.0, h * 0.42)
    count = _("%(n)d p.") % {"n": household.n_persons}
    count_size = min(size * 0.8, 8.5)
    count_w = stringWidth(count, sheet.font.name, count_size)
    room_w = stringWidth(household.room, sheet.font.name, size)
    side_by_side = room_w + count_w + 2 <= inner
    if h >= 24 and side_by_side:  # room and persons on top; below, the status or a line to write on
        text_y = y + h - pad - size - 1
        sheet.text(x + pad + 2, text_y, household.room, size, width=inner - count_w - 2)
        sheet.text(x + w - pad - 2, text_y + 1, count, count_size, anchor="right")
        bottom = y + pad + 3
        if shade is not None:
            status = pgettext("household status", "Away") if household.status == HouseholdStatus.AWAY \
                else pgettext("household status", "Vacant")
            sheet.text(x + w - pad - 2, bottom, status, min(8.0, h * 0.3), anchor="right")
        else:  # persons found at the door
            c.setStrokeGray(0.55)
            c.setLineWidth(0.3)
            c.line(x + pad + 3, bottom, x + w - pad - 3, bottom)
    elif side_by_side or h < 16:  # one line
        baseline = y + (h - size) / 2 + 1
        sheet.text(x + pad + 2, baseline, household.room, size, width=inner - count_w - 2)
        sheet.text(x + w - pad - 2, baseline, count, count_size, anchor="right")
    else:  # narrow: room above, persons below
        size = min(9.0, h * 0.45)
        sheet.text(x + pad + 2, y + h - pad - size, household.room, size, width=inner)
        sheet.text(x + w - pad - 2, y + pad + 1.5, count, min(6.5, h * 0.32), anchor="right")


def _occupancy_legend(sheet: Sheet) -> None:
    c = sheet.canvas
    y = MARGIN + 30
    x = MARGIN
    entries = [
        (None, _("Occupied: knock")),
        (SHADE_AWAY, _("Away: skip")),
        (SHADE_VACANT, _("Vacant: skip")),
    ]
    for shade, label in entries:
        c.setStrokeGray(0)
        c.setLineWidth(0.6)
        if shade is None:
            c.rect(x, y, 16, 10, stroke=1, fill=0)
        else:
            c.setFillGray(shade)
            c.rect(x, y, 16, 10, stroke=1, fill=1)
        sheet.text(x + 20, y + 2, label, 8.5)
        x += 24 + stringWidth(label, sheet.font.name, 8.5) + 14
    sheet.text(x, y + 2, _("In each cell: room, persons registered."), 8, gray=0.25)
    sign = "      ".join(labelled(label, "____________") for label in
                         (_("Screened by"), _("Screening date"), _("Persons found")))
    sheet.text(MARGIN, MARGIN + 10, sign, 9)


# --- door temperature sheet -----------------------------------------------------------------

TEMP_HEADER = 70
TEMP_BOTTOM = 30
TEMP_NAME_WIDTH = 84
TEMP_PART_WIDTH = 30
TEMP_DATE_ROW = 28
TEMP_SUBROW = 17
TEMP_CHECK_ROWS = 2  # door seal, checked by
TEMP_MIN_MEMBERS = 4  # blank rows to write in someone not yet registered
HOUSEHOLDER_RELATIONS = {"户主", "本人", "householder", "self"}

WEEKDAYS = [
    lambda: pgettext("weekday", "Mon"), lambda: pgettext("weekday", "Tue"), lambda: pgettext("weekday", "Wed"),
    lambda: pgettext("weekday", "Thu"), lambda: pgettext("weekday", "Fri"), lambda: pgettext("weekday", "Sat"),
    lambda: pgettext("weekday", "Sun"),
]


def temperature_pdf(households, start_date: date | None, user, *, printed_at=None,
                    days: int = TEMPERATURE_DAYS) -> bytes:
    """Door temperature sheets for ``households`` (a scoped queryset), one page each.

    Members are listed by name only: no ID number, phone or age goes on a sheet posted outside
    a door. ``start_date`` defaults to today in the local time zone (Asia/Shanghai)."""
    printed_at = _printed_at(printed_at)
    start_date = start_date or timezone.localdate()
    households = list(
        _as_queryset(households, Household).select_related("building__community", "building__grid")
        .order_by("building__door_sort", "room_sort")
    )
    members = defaultdict(list)
    for person in (Person.objects.visible_to(user).filter(household__in=[h.pk for h in households])
                   .order_by("household_id", "id").only("id", "name", "relation", "household_id")):
        members[person.household_id].append(person)
    buffer = io.BytesIO()
    title = _("Temperature sheet")
    if len(households) == 1:
        title = f"{title} {households[0]}"
    sheet = Sheet(buffer, landscape(A4), title, user)
    if not households:
        sheet.text(sheet.width / 2, sheet.height / 2, _("No households."), 14, anchor="center")
        sheet.canvas.showPage()
    dates = [start_date + timedelta(days=n) for n in range(days)]
    for household in households:
        people = sorted(members.get(household.pk, []),
                        key=lambda p: (p.relation.strip().lower() not in HOUSEHOLDER_RELATIONS, p.pk))
        _draw_temperature(sheet, household, [p.name for p in people], dates, printed_at)
    sheet.save()
    return buffer.getvalue()


def _draw_temperature(sheet: Sheet, household: Household, names: list[str], dates: list[date],
                      printed_at: datetime) -> None:
    table_height = sheet.height - 2 * MARGIN - TEMP_HEADER - TEMP_BOTTOM - TEMP_DATE_ROW
    per_page = max(1, int((table_height - TEMP_CHECK_ROWS * TEMP_SUBROW) // (2 * TEMP_SUBROW)))
    names = names + [""] * max(0, TEMP_MIN_MEMBERS - len(names))
    # Fill the page with blank rows: nobody left out (不漏一人).
    if len(names) < per_page:
        names = names + [""] * (per_page - len(names))
    chunks = [names[i:i + per_page] for i in range(0, len(names), per_page)]
    for number, chunk in enumerate(chunks, start=1):
        _temperature_header(sheet, household, dates, continued=number > 1)
        _temperature_table(sheet, chunk, dates)
        sheet.footer(number, len(chunks), printed_at,
                     _("Post this sheet outside the door; the building leader checks it daily."))
        sheet.canvas.showPage()


def _temperature_header(sheet: Sheet, household: Household, dates: list[date], continued=False) -> None:
    building = household.building
    top = sheet.height - MARGIN
    title = _("Temperature sheet")
    if continued:
        title += _(" (continued)")
    sheet.text(sheet.width / 2, top - 20, title, 20, anchor="center")
    address = f"{building.door_number}-{household.room}"
    sheet.text(sheet.width - MARGIN, top - 22, address, 22, anchor="right", width=190)
    sheet.text(MARGIN, top - 12, building.community.name, 10, width=220)
    sheet.text(MARGIN, top - 26, labelled(_("Grid"), building.grid.name), 9, width=220)
    period = _("%(start)s to %(end)s") % {"start": f"{dates[0]:%Y-%m-%d}", "end": f"{dates[-1]:%Y-%m-%d}"}
    sheet.text(MARGIN, top - 48, labelled(_("Monitoring period"), period), 10)
    advice = _("Take your temperature every morning and afternoon and write it here; "
               "at %(fever)s ℃ or above tell your building leader at once.") % {"fever": FEVER_FROM}
    sheet.text(MARGIN, top - 62, advice, 9.5, width=sheet.width - 2 * MARGIN)


def _temperature_table(sheet: Sheet, names: list[str], dates: list[date]) -> None:
    c = sheet.canvas
    left = MARGIN
    top = sheet.height - MARGIN - TEMP_HEADER
    width = sheet.width - 2 * MARGIN
    day_width = (width - TEMP_NAME_WIDTH - TEMP_PART_WIDTH) / len(dates)
    first_day = left + TEMP_NAME_WIDTH + TEMP_PART_WIDTH
    rows_height = TEMP_DATE_ROW + (2 * len(names) + TEMP_CHECK_ROWS) * TEMP_SUBROW
    bottom = top - rows_height

    # Date row.
    c.setFillGray(0.92)
    c.rect(left, top - TEMP_DATE_ROW, width, TEMP_DATE_ROW, stroke=0, fill=1)
    sheet.text(left + TEMP_NAME_WIDTH / 2, top - TEMP_DATE_ROW / 2 - 4, _("Name"), 10, anchor="center")
    for n, day in enumerate(dates):
        cx = first_day + (n + 0.5) * day_width
        sheet.text(cx, top - 12, f"{day.month}/{day.day}", 9.5, anchor="center")
        sheet.text(cx, top - 23, WEEKDAYS[day.weekday()](), 7.5, anchor="center", gray=0.25)

    # Members: a morning and an afternoon row each.
    y = top - TEMP_DATE_ROW
    for name in names:
        sheet.text(left + 4, y - TEMP_SUBROW - 4, name, 11, width=TEMP_NAME_WIDTH - 8)
        for part in (_("AM"), _("PM")):
            sheet.text(left + TEMP_NAME_WIDTH + TEMP_PART_WIDTH / 2, y - TEMP_SUBROW + 5, part, 7.5,
                       anchor="center", gray=0.25)
            y -= TEMP_SUBROW
    # The door check rows.
    for label in (_("Door seal intact (√)"), _("Checked by")):
        sheet.text(left + 4, y - TEMP_SUBROW + 5, label, 8.5, width=TEMP_NAME_WIDTH + TEMP_PART_WIDTH - 8)
        y -= TEMP_SUBROW

    # Lines: thin between morning and afternoon, thicker between members.
    c.setStrokeGray(0)
    c.setLineWidth(1)
    c.rect(left, bottom, width, rows_height, stroke=1, fill=0)
    c.line(left, top - TEMP_DATE_ROW, left + width, top - TEMP_DATE_ROW)
    y = top - TEMP_DATE_ROW
    for _name in names:
        c.setLineWidth(0.3)
        c.setStrokeGray(0.5)
        c.line(left + TEMP_NAME_WIDTH, y - TEMP_SUBROW, left + width, y - TEMP_SUBROW)
        y -= 2 * TEMP_SUBROW
        c.setLineWidth(0.7)
        c.setStrokeGray(0)
        c.line(left, y, left + width, y)
    c.setLineWidth(0.3)
    c.line(left, y - TEMP_SUBROW, left + width, y - TEMP_SUBROW)
    c.setLineWidth(0.7)
    c.line(left + TEMP_NAME_WIDTH, top, left + TEMP_NAME_WIDTH, y)
    c.line(first_day, top, first_day, bottom)
    for n in range(1, len(dates)):
        x = first_day + n * day_width
        c.setLineWidth(0.7 if n % 7 == 0 else 0.4)
        c.line(x, top, x, bottom)
