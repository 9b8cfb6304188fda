"""The places sheet: grids, units, buildings and rooms before there are people. Every row taken
or refused with its row and machine code; the same file twice changes nothing; a dry run writes
nothing; the command post only; exported with landlords' phones masked unless revealed."""

import json

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from fangkong.core.actions import NotAllowed
from fangkong.core.models import AuditAction, AuditEntry, Building, Grid, Household, Unit
from fangkong.lib.sheets import SheetError
from fangkong.registry.ledger.places import export_places, import_places

from .ledger_files import write_xlsx

HEADER = ["网格", "责任单元", "楼栋", "楼栋名称", "房东", "房东电话", "层数", "房号"]


def sheet(tmp_path, rows, header=HEADER, name="places.xlsx"):
    return write_xlsx(tmp_path / name, rows, header=header)


def counts():
    return (Grid.objects.count(), Unit.objects.count(), Building.objects.count(), Household.objects.count(),
            AuditEntry.objects.count())


def run(world, path, user=None, **options):
    options.setdefault("report_path", path.with_name("errors.xlsx"))
    return import_places(user or world.users["command_post"], world.community, path, **options)


def test_a_new_community_gets_its_grids_units_buildings_and_rooms(world, tmp_path):
    path = sheet(tmp_path, [["第三网格", "东片", "901号", "幸福楼", "蔡建国", "13800138000", "6层", "101"],
                            ["第三网格", "东片", "901", None, None, None, None, "102"],
                            ["第三网格", None, "902", None, None, None, 3, None]])
    result = run(world, path)
    assert (result.rows, result.taken, result.refused) == (3, 3, 0), result.summary()
    building = Building.objects.get(community=world.community, door_number="901")
    assert (building.grid.name, building.grid.number, building.unit.name) == ("第三网格", 3, "东片")
    assert (building.name, building.landlord_name, building.landlord_phone, building.floors) == (
        "幸福楼", "蔡建国", "13800138000", 6)
    assert building.is_rental
    assert sorted(building.households.values_list("room", flat=True)) == ["101", "102"]
    assert result.created == {"grid": 1, "unit": 1, "building": 2, "household": 2, "estate": 0, "entrance": 0}
    assert AuditEntry.objects.filter(object_type="building", action=AuditAction.CREATE).count() == 2


def test_importing_the_same_places_sheet_twice_changes_nothing(world, tmp_path):
    path = sheet(tmp_path, [["第三网格", "东片", "901", "幸福楼", "蔡建国", "13800138000", 6, "101"],
                            ["1", None, "564", None, "王房东", None, None, "0201"]])
    first = run(world, path)
    assert first.changed_anything
    before = counts()
    second = run(world, path)
    assert counts() == before
    assert (second.taken, second.refused, second.changed_anything) == (2, 0, False)


def test_every_row_is_taken_or_refused_with_its_row_and_code(world, tmp_path):
    path = sheet(tmp_path, [["第二网格", None, "564", None, None, None, None, "101"],  # 564 is in grid 1
                            [None, None, "999", None, None, None, None, "1"],  # new, no grid
                            ["1", None, None, None, None, None, None, "1"],  # no door number
                            ["1", None, "17", None, None, "123", "很多", "9"]])  # warnings only
    result = run(world, path)
    assert result.rows == result.taken + result.refused == 4
    codes = {(r["row"], r["code"]) for r in result.refusals}
    assert codes == {(2, "grid.other_grid"), (3, "grid.missing"), (4, "building.missing")}
    assert {(w["row"], w["code"]) for w in result.warnings} == {(5, "landlord_phone.unreadable"),
                                                                (5, "floors.unreadable")}
    assert result.error_report and result.error_report.exists()
    assert not Building.objects.filter(door_number="999").exists()
    assert Household.objects.filter(building=world.building_b, room="9").exists()


def test_a_refused_row_creates_no_grid(world, tmp_path):
    before = Grid.objects.count()
    result = run(world, sheet(tmp_path, [["第九网格", None, "564", None, None, None, None, None]]))
    assert result.refused == 1
    assert Grid.objects.count() == before


def test_a_masked_or_empty_landlord_phone_keeps_the_stored_one(world, tmp_path):
    Building.objects.filter(pk=world.building_b.pk).update(landlord_phone="13912345678", landlord_name="老陈")
    result = run(world, sheet(tmp_path, [["1", None, "17", None, None, "139****5678", None, None],
                                         ["1", None, "17", None, "", "", None, "1"]]))
    assert (result.refused, result.warnings, result.buildings_changed) == (0, [], 0)
    building = Building.objects.get(pk=world.building_b.pk)
    assert (building.landlord_phone, building.landlord_name) == ("13912345678", "老陈")


def test_traditional_headers_are_read(world, tmp_path):
    path = sheet(tmp_path, [["1", "北片", "7", "", "房東甲", "", "5", "301"]],
                 header=["網格", "責任單元", "樓號", "樓棟名稱", "房東", "房東電話", "層數", "房號"])
    result = run(world, path)
    assert result.taken == 1, result.reason_lines()
    building = Building.objects.get(community=world.community, door_number="7")
    assert (building.unit.name, building.floors, building.landlord_name) == ("北片", 5, "房東甲")


def test_a_dry_run_writes_nothing(world, tmp_path):
    before = counts()
    result = run(world, sheet(tmp_path, [["第三网格", None, "901", None, None, None, None, "101"]]), dry_run=True)
    assert result.created["building"] == 1
    assert counts() == before


@pytest.mark.parametrize("role", ["grid_leader", "building_leader", "outsider"])
def test_only_the_command_post_imports_places(world, tmp_path, role):
    before = counts()
    with pytest.raises(NotAllowed) as refused:
        run(world, sheet(tmp_path, [["第三网格", None, "901", None, None, None, None, "101"]]),
            user=world.users[role])
    assert refused.value.code == "not_allowed"
    assert counts() == before


def test_a_file_without_a_header_is_refused_as_unreadable(world, tmp_path):
    with pytest.raises(SheetError) as refused:
        run(world, sheet(tmp_path, [["x", "y"]], header=["甲", "乙"]))
    assert refused.value.code == "no_header"


def test_the_export_masks_landlord_phones_and_reads_back_unchanged(world, tmp_path):
    Building.objects.filter(pk=world.building_b.pk).update(landlord_phone="13912345678", landlord_name="老陈",
                                                           name="=HYPERLINK(1)")
    out = tmp_path / "out.xlsx"
    export_places(world.users["command_post"], world.community, out=out)
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert list(rows[0]) == [*HEADER, "小区", "单元"]
    row_17 = next(r for r in rows if r[2] == "17")
    assert row_17[5] == "139****5678" and row_17[3] == "'=HYPERLINK(1)"
    assert not any("13912345678" in str(cell) for row in rows for cell in row)
    before = counts()
    again = run(world, out)
    assert (again.refused, again.changed_anything) == (0, False), again.reason_lines()
    assert counts() == before


def test_a_revealed_export_needs_the_permission_and_is_audited_with_its_reason(world, tmp_path):
    Building.objects.filter(pk=world.building_b.pk).update(landlord_phone="13912345678")
    out = tmp_path / "out.xlsx"
    export_places(world.users["command_post"], world.community, reveal_reason="通知房东", out=out)
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert any(r[5] == "13912345678" for r in rows)
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="building").latest("pk")
    assert (entry.reason, entry.fields) == ("通知房东", "landlord_phone")
    with pytest.raises(Exception) as refused:
        export_places(world.users["grid_worker"], world.community, reveal_reason="看看", out=out)
    assert refused.value.code == "forbidden"


def test_the_command_prints_json_and_exits_1_when_rows_are_refused(world, tmp_path, capsys):
    path = sheet(tmp_path, [["1", None, None, None, None, None, None, "1"],
                            ["第三网格", None, "901", None, None, None, None, "1"]])
    with pytest.raises(SystemExit) as exit_code:
        call_command("import-places", str(path), "--community", "xunmei", "--json")
    assert exit_code.value.code == 1
    summary = json.loads(capsys.readouterr().out)
    assert (summary["rows"], summary["taken"], summary["refused"]) == (2, 1, 1)
    assert summary["refused_rows"][0]["code"] == "building.missing"


def test_the_page_previews_then_imports_the_same_file(world, login, tmp_path):
    client = login(world.users["command_post"])
    path = sheet(tmp_path, [["第三网格", None, "901", None, None, None, None, "101"]])
    with path.open("rb") as handle:
        preview = client.post(reverse("places_import"), {"file": handle})
    assert preview.status_code == 200 and preview.context["preview"]
    assert not Building.objects.filter(door_number="901").exists()
    done = client.post(reverse("places_import"), {"confirm": "1"})
    assert done.context["result"].taken == 1
    assert Building.objects.filter(community=world.community, door_number="901").exists()


def test_the_places_page_is_refused_to_a_building_leader(world, login):
    assert login(world.users["building_leader"]).get(reverse("places_import")).status_code == 403


def test_the_template_downloads(world, login):
    response = login(world.users["grid_leader"]).get(reverse("places_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
