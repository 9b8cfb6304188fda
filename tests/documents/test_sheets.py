"""Printed sheets: the occupancy sheet (实有住户统计表) and the door temperature sheet (体温监测表).

The PDFs are read back with pypdf: the Chinese text must really be in them, set in an embedded
TrueType font, one page per building or household, with the away and vacant cells shaded."""

import io
import logging
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from pypdf import PdfReader
from pypdf.generic import ContentStream

from fangkong.core.models import AuditEntry, Building, Household, Person
from fangkong.documents import sheets
from fangkong.lib import pdf as fonts
from fangkong.lib.masking import mask_id, mask_phone
from tests.factories import id_number

NO_FONT = ("no TrueType Chinese font installed: `apt-get install fonts-wqy-zenhei` (or set FANGKONG_PDF_FONT "
           "to a .ttf/.ttc with TrueType outlines); the sheets would fall back to the unembedded STSong-Light")


@pytest.fixture(autouse=True)
def _fresh_font():
    fonts.reset()
    yield
    fonts.reset()


@pytest.fixture
def truetype_font():
    """The embedded-font path is what these tests check: skip (never pass) without such a font,
    and fail instead where FANGKONG_REQUIRE_PDF_FONT=1 (CI)."""
    font = fonts.sheet_font()
    if not font.embedded:
        if os.environ.get("FANGKONG_REQUIRE_PDF_FONT"):
            pytest.fail(NO_FONT)
        pytest.skip(NO_FONT)
    return font


# --- reading PDFs back ----------------------------------------------------------------------


def read(content: bytes) -> PdfReader:
    assert content.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(content))


def page_texts(content: bytes) -> list[str]:
    return [page.extract_text() for page in read(content).pages]


def font_dicts(reader: PdfReader) -> list:
    found = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            found.append(font)
    return found


def filled_rects(page) -> list[float]:
    """The DeviceGray fill level of every rectangle painted with a fill on ``page``."""
    content = ContentStream(page.get_contents(), page.pdf)
    gray, stack, pending, filled = 0.0, [], [], []
    for operands, operator in content.operations:
        if operator == b"g":
            gray = float(operands[0])
        elif operator == b"q":
            stack.append(gray)
        elif operator == b"Q":
            gray = stack.pop()
        elif operator == b"re":
            pending.append(gray)
        elif operator in (b"f", b"f*", b"F", b"B", b"B*", b"b", b"b*"):
            filled.extend(gray for _ in pending)
            pending = []
        elif operator in (b"S", b"s", b"n"):
            pending = []
    return filled


def add_households(building, rooms, status="occupied", floor=None):
    return [Household.objects.create(community=building.community, building=building, room=room, status=status,
                                     floor=floor) for room in rooms]


# --- occupancy sheet ------------------------------------------------------------------------


def test_occupancy_sheet_has_the_chinese_text_in_an_embedded_truetype_font(world, login, truetype_font):
    client = login(world.users["command_post"])
    response = client.get(f"/sheets/buildings/{world.building_a.pk}/occupancy.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = page_texts(response.content)[0]
    for expected in ("潯美社区", "实有住户统计表", "第一网格", "564", "101", "1人", "打印人"):
        assert expected in text, expected
    reader = read(response.content)
    fonts_used = font_dicts(reader)
    assert fonts_used, "no font in the PDF"
    for font in fonts_used:  # every font is our TrueType one, embedded: no Helvetica, no CID fallback
        assert font["/Subtype"] == "/TrueType"
        assert truetype_font.face_name in str(font["/BaseFont"])
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_occupancy_sheet_is_one_page_per_building_of_the_grid(world, login, truetype_font):
    response = login(world.users["command_post"]).get(f"/sheets/grids/{world.grid1.pk}/occupancy.pdf")
    assert response.status_code == 200
    texts = page_texts(response.content)
    assert len(texts) == 2  # buildings 17 and 564, in door order
    assert "17" in texts[0] and "564" in texts[1]


def test_grid_sheet_holds_only_the_buildings_in_scope(world, login, truetype_font):
    response = login(world.users["building_leader"]).get(f"/sheets/grids/{world.grid1.pk}/occupancy.pdf")
    assert response.status_code == 200
    texts = page_texts(response.content)
    assert len(texts) == 1
    assert "564" in texts[0]


def test_away_and_vacant_cells_are_shaded_and_only_they(world, truetype_font):
    building = world.building_b
    add_households(building, ["102", "103"], floor=1)
    add_households(building, ["201", "202"], status="away", floor=2)
    add_households(building, ["203"], status="vacant", floor=2)
    content = sheets.occupancy_pdf(Building.objects.filter(pk=building.pk), world.users["command_post"])
    fills = filled_rects(read(content).pages[0])
    # Each shade once more for its swatch in the legend.
    assert fills.count(sheets.SHADE_AWAY) == 2 + 1
    assert fills.count(sheets.SHADE_VACANT) == 1 + 1
    text = page_texts(content)[0]
    assert "外出：可略过" in text and "空置：可略过" in text  # the legend

    Household.objects.filter(building=building, room="201").update(status="occupied")
    fills = filled_rects(read(sheets.occupancy_pdf(Building.objects.filter(pk=building.pk),
                                                   world.users["command_post"])).pages[0])
    assert fills.count(sheets.SHADE_AWAY) == 1 + 1


def test_floors_are_printed_top_down_with_rooms_in_columns(world):
    building = world.building_b  # has 101 on floor 1
    add_households(building, ["301", "302", "303"], floor=3)
    add_households(building, ["201", "203"])  # floor inferred from the room number; 202 missing
    households = list(Household.objects.filter(building=building))
    with translation.override("en"):
        rows = sheets.floor_rows(building, households)
    assert [row.label for row in rows] == ["3F", "2F", "1F"]
    rooms = [[h.room if h else None for h in row.slots] for row in rows]
    assert rooms == [["301", "302", "303"], ["201", None, "203"], ["101", None, None]]


def test_rooms_that_do_not_follow_the_floor_stay_in_natural_order(world):
    building = world.building_b
    add_households(building, ["10", "2", "A"], floor=1)
    rows = sheets.floor_rows(building, list(Household.objects.filter(building=building)))
    assert [h.room for h in rows[0].slots] == ["2", "10", "101", "A"]


def test_a_wide_tall_building_still_fits_one_page(world, truetype_font):
    building = Building.objects.create(community=world.community, grid=world.grid1, door_number="900")
    households = [Household(community=world.community, building=building, room=f"{floor}{room:02d}", floor=floor,
                            status="away" if room % 5 == 0 else "occupied").fill_derived()
                  for floor in range(1, 33) for room in range(1, 21)]
    Household.objects.bulk_create(households)
    content = sheets.occupancy_pdf(Building.objects.filter(pk=building.pk), world.users["command_post"])
    reader = read(content)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for room in ("3201", "3220", "101", "120"):
        assert room in text
    assert filled_rects(reader.pages[0]).count(sheets.SHADE_AWAY) == 32 * 4 + 1


def test_occupancy_sheet_queries_do_not_grow_with_the_buildings(world):
    user = world.users["command_post"]

    def queries_for(n):
        for i in range(n):
            building = Building.objects.create(community=world.community, grid=world.grid2, door_number=f"q{n}-{i}")
            add_households(building, ["101", "102"], floor=1)
        buildings = Building.objects.visible_to(user).filter(grid=world.grid2)
        with CaptureQueriesContext(connection) as captured:
            sheets.occupancy_pdf(buildings, user)
        return len(captured)

    assert queries_for(1) == queries_for(6)


def test_occupancy_sheet_in_the_language_the_user_chose(world, login, settings, truetype_font):
    client = login(world.users["command_post"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/sheets/buildings/{world.building_a.pk}/occupancy.pdf")
    text = page_texts(response.content)[0]
    assert "Occupancy sheet" in text and "Away: skip" in text and "潯美社区" in text
    assert 'filename="occupancy-564.pdf"' in response["Content-Disposition"]


# --- door temperature sheet -----------------------------------------------------------------


def test_temperature_sheet_is_one_page_per_household_with_members_by_name_only(world, login, truetype_font):
    building = world.building_a
    extra = add_households(building, ["102", "201"])
    wife = Person.objects.create(community=world.community, household=extra[0], name="林美华",
                                 id_number=id_number(55), phone="13698765432")
    start = timezone.localdate() - timedelta(days=3)
    response = login(world.users["building_leader"]).get(
        f"/sheets/buildings/{building.pk}/temperature.pdf?start={start:%Y-%m-%d}")
    assert response.status_code == 200
    texts = page_texts(response.content)
    assert len(texts) == 3
    assert "体温监测表" in texts[0] and "564-101" in texts[0] and "张三" in texts[0]
    assert "564-102" in texts[1] and "林美华" in texts[1]
    assert "564-201" in texts[2]
    everything = "".join(texts)
    end = start + timedelta(days=13)
    assert f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}" in texts[0]
    position = 0
    for day in (start + timedelta(days=n) for n in range(14)):  # 14 date columns, in order
        position = texts[0].index(f"{day.month}/{day.day}", position)
    for person in (world.person_a, wife):  # name only: no ID number or phone, whole or masked
        for secret in (person.id_number, mask_id(person.id_number), person.phone, mask_phone(person.phone),
                       person.id_number[-4:], person.phone[-4:]):
            assert secret not in everything


def test_household_temperature_sheet_starts_today_by_default(world, login, truetype_font):
    response = login(world.users["command_post"]).get(f"/sheets/households/{world.household_b1.pk}/temperature.pdf")
    assert response.status_code == 200
    texts = page_texts(response.content)
    assert len(texts) == 1
    today = timezone.localdate()
    assert f"{today:%Y-%m-%d}" in texts[0] and "李四" in texts[0] and "17-101" in texts[0]


def test_temperature_sheet_lists_the_householder_first_and_continues_a_big_household(world, truetype_font):
    household = world.household_c1  # 王五 is already there
    for n in range(12):
        Person.objects.create(community=world.community, household=household, name=f"租户{n:02d}")
    Person.objects.create(community=world.community, household=household, name="户主甲", relation="户主")
    content = sheets.temperature_pdf(Household.objects.filter(pk=household.pk), date(2022, 4, 1),
                                     world.users["command_post"])
    texts = page_texts(content)
    assert len(texts) == 2  # 14 members do not fit on one page
    assert "（续）" in texts[1]
    first = texts[0]
    assert first.index("户主甲") < first.index("王五") < first.index("租户00")
    assert "租户11" in texts[1]


@pytest.mark.parametrize("start", ["28/03/2022", "9999-12-31", "2022-02-30"])
def test_bad_start_date_is_refused(world, login, start):
    response = login(world.users["command_post"]).get(
        f"/sheets/households/{world.household_a1.pk}/temperature.pdf?start={start}")
    assert response.status_code == 400


# --- scope, audit, response -----------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "/sheets/buildings/{building_c}/occupancy.pdf",
    "/sheets/buildings/{other_building}/occupancy.pdf",
    "/sheets/grids/{grid2}/occupancy.pdf",
    "/sheets/households/{household_c1}/temperature.pdf",
    "/sheets/households/{other_household}/temperature.pdf",
    "/sheets/buildings/{building_b}/temperature.pdf",
])
def test_building_leader_gets_404_outside_their_buildings(world, login, url):
    url = url.format(building_c=world.building_c.pk, other_building=world.other_building.pk, grid2=world.grid2.pk,
                     household_c1=world.household_c1.pk, other_household=world.other_household.pk,
                     building_b=world.building_b.pk)
    client = login(world.users["building_leader"])
    before = AuditEntry.objects.count()
    assert client.get(url).status_code == 404
    assert AuditEntry.objects.count() == before  # nothing printed, nothing logged


def test_sheets_need_a_login_and_take_only_get(world, client, login):
    url = f"/sheets/buildings/{world.building_a.pk}/occupancy.pdf"
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert login(world.users["command_post"]).post(url).status_code == 405


def test_every_print_writes_one_audit_entry(world, login, truetype_font):
    user = world.users["building_leader"]
    client = login(user)
    cases = [
        (f"/sheets/buildings/{world.building_a.pk}/occupancy.pdf", "building", world.building_a.pk,
         "occupancy_sheet"),
        (f"/sheets/grids/{world.grid1.pk}/occupancy.pdf", "grid", world.grid1.pk, "occupancy_sheet"),
        (f"/sheets/households/{world.household_a1.pk}/temperature.pdf", "household", world.household_a1.pk,
         "temperature_sheet"),
        (f"/sheets/buildings/{world.building_a.pk}/temperature.pdf", "building", world.building_a.pk,
         "temperature_sheet"),
    ]
    for url, object_type, object_id, fields in cases:
        before = AuditEntry.objects.count()
        assert client.get(url).status_code == 200
        assert AuditEntry.objects.count() == before + 1
        entry = AuditEntry.objects.order_by("-id").first()
        assert (entry.action, entry.object_type, entry.object_id, entry.fields) == \
            ("export", object_type, str(object_id), fields)
        assert entry.user == user and entry.community == world.community
    grid_entry = AuditEntry.objects.filter(object_type="grid").get()
    assert grid_entry.changes == {"buildings": ["564"]}  # what the leader could print, no more


def test_pdf_is_inline_with_an_ascii_and_a_utf8_filename(world, login):
    response = login(world.users["command_post"]).get(f"/sheets/buildings/{world.building_a.pk}/occupancy.pdf")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; ")
    assert 'filename="occupancy-564.pdf"' in disposition
    # 实有住户统计表-潯美社区-564.pdf, percent-encoded
    assert "filename*=UTF-8''%E5%AE%9E%E6%9C%89%E4%BD%8F%E6%88%B7%E7%BB%9F%E8%AE%A1%E8%A1%A8-" in disposition
    assert disposition.endswith("-564.pdf")
    assert "no-store" in response["Cache-Control"]


# --- fonts ----------------------------------------------------------------------------------


def test_the_font_named_in_the_environment_is_used(monkeypatch, truetype_font):
    monkeypatch.setenv(fonts.ENV_VAR, truetype_font.path)
    monkeypatch.setattr(fonts, "KNOWN_PATHS", [])
    fonts.reset()
    font = fonts.sheet_font()
    assert font.embedded and font.path == truetype_font.path


def test_without_a_truetype_font_the_sheets_fall_back_to_stsong_and_warn_once(world, monkeypatch, caplog):
    monkeypatch.setenv(fonts.ENV_VAR, "/nonexistent/font.ttf")
    monkeypatch.setattr(fonts, "KNOWN_PATHS", [])
    fonts.reset()
    with caplog.at_level(logging.WARNING, logger="fangkong.pdf"):
        content = sheets.occupancy_pdf(Building.objects.filter(pk=world.building_a.pk), world.users["command_post"])
        sheets.temperature_pdf(Household.objects.filter(pk=world.household_a1.pk), None, world.users["command_post"])
    assert not fonts.sheet_font().embedded
    assert sum("No TrueType Chinese font" in r.getMessage() for r in caplog.records) == 1
    assert any("/nonexistent/font.ttf" in r.getMessage() for r in caplog.records)
    used = font_dicts(read(content))
    assert used and all("STSong-Light" in str(font["/BaseFont"]) for font in used)
    assert all("/FontFile2" not in font.get("/FontDescriptor", {}) for font in used)


@pytest.mark.parametrize("path, why", [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "CFF outlines"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "no Chinese glyphs"),
])
def test_unusable_fonts_are_passed_over(path, why, caplog):
    if not Path(path).is_file():
        pytest.skip(f"{path} is not installed")
    with caplog.at_level(logging.WARNING, logger="fangkong.pdf"):
        assert fonts.load_truetype(path) is None, why
    assert any(path in r.getMessage() for r in caplog.records)


def test_a_building_too_big_for_one_page_continues_with_the_floor_labelled_again():
    rows = [sheets.FloorRow(f"{floor}F", [object()] * 60) for floor in range(80, 0, -1)]
    layout = sheets.layout_occupancy(rows, 480, 600)
    assert len(layout.pages) > 1
    assert layout.cell_width >= sheets.OCC_MIN_CELL_WIDTH and layout.row_height >= sheets.OCC_MIN_ROW_HEIGHT
    printed = [row for page in layout.pages for row in page]
    assert sum(len(chunk) for _label, chunk in printed) == 80 * 60  # every household printed once
    assert all(page[0][0] for page in layout.pages)  # each page starts with a floor label
    assert len(layout.pages[0]) * layout.row_height <= 600


def test_the_temperature_sheet_prints_the_fever_threshold_the_reports_use(world, login, truetype_font):
    from decimal import Decimal

    from fangkong.health import services as health
    from fangkong.lib.fever import FEVER_FROM

    assert sheets.FEVER_FROM is FEVER_FROM and health.FEVER_FROM is FEVER_FROM  # one figure, not two copies
    response = login(world.users["command_post"]).get(f"/sheets/households/{world.household_b1.pk}/temperature.pdf")
    assert f"{FEVER_FROM}" in page_texts(response.content)[0]
    assert health.is_fever(FEVER_FROM, []) and not health.is_fever(FEVER_FROM - Decimal("0.1"), [])
