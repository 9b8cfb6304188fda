"""Ledgers with 小区 and 单元 (issue 10 §1b): read as separate columns or as one address cell,
in simplified or traditional characters; two estates may each have a building 3."""

from pathlib import Path

import pytest

from fangkong.core.models import AuditEntry, Building, Entrance, Estate, Household, Person
from fangkong.registry.ledger import columns
from fangkong.registry.ledger.importer import import_people
from fangkong.registry.ledger.reader import LedgerError
from tests.registry.ledger_files import write_csv

FIXTURES = Path(__file__).parent / "fixtures"


def place(person):
    household = Person.objects.select_related("household__building__estate", "household__entrance").get(
        name=person).household
    building = household.building
    return (building.estate.name if building.estate_id else "", building.door_number,
            household.entrance.number if household.entrance_id else "", household.room)


@pytest.mark.parametrize("text, expected", [
    ("金岸小区3号楼2单元301", ("金岸小区", "3", "2", "301")),
    ("金岸小區3號樓2單元301室", ("金岸小区", "3", "2", "301")),
    ("3-2-301", ("", "3", "2", "301")),
    ("3-301", ("", "3", "", "301")),
    ("龙海佳园10-1-502", ("龙海佳园", "10", "1", "502")),
    ("金岸3号楼301", ("金岸", "3", "", "301")),
    ("3号楼 2单元 301", ("", "3", "2", "301")),
    ("幸福路", None),
])
def test_an_address_cell_is_read_into_its_parts(text, expected):
    assert columns.parse_address(text) == expected


def test_traditional_headers_are_known():
    for header, field in [("社區", "community"), ("單元", "entrance"), ("小區", "estate"), ("樓號", "building"),
                          ("房號", "room"), ("身份證號", "id_number"), ("聯系電話", "phone"), ("住址", "address")]:
        assert columns.field_for_header(header) == field, header


def test_estate_and_entrance_columns_make_two_buildings_3_in_two_estates(world):
    result = import_people(FIXTURES / "ledger_estates.xlsx", world.community, world.users["command_post"],
                           create_places=True)
    assert result.reported == 0 and result.created == 5
    assert set(Estate.objects.filter(community=world.community).values_list("name", flat=True)) == {
        "金岸小区", "龙海佳园小区"}
    assert place("林金水") == place("林秀英") == ("金岸小区", "3", "2", "301")
    assert place("陈国平") == ("金岸小区", "3", "1", "102")
    # 龙海佳园 without its 小区 is the same estate; its building 3 is not 金岸's.
    assert place("黄丽华") == ("龙海佳园小区", "3", "1", "301") and place("郑志强")[:3] == ("龙海佳园小区", "3", "1")
    assert Building.objects.filter(community=world.community, door_number="3").count() == 2
    assert Entrance.objects.filter(community=world.community).count() == 3
    assert AuditEntry.objects.filter(object_type="estate").count() == 2
    assert AuditEntry.objects.filter(object_type="entrance").count() == 3


def test_one_address_cell_in_traditional_characters_with_the_community_checked(world):
    import_people(FIXTURES / "ledger_estates.xlsx", world.community, world.users["command_post"],
                  create_places=True)
    result = import_people(FIXTURES / "ledger_address_traditional.csv", world.community,
                           world.users["command_post"], create_places=True)
    assert result.created == 3 and result.reported == 2
    assert place("吳天明") == ("金岸小区", "3", "2", "302")
    assert place("吳美玲") == ("龙海佳园小区", "3", "1", "301")
    # 564-2-101: the existing building 564 (no estate), its room 101 now in entrance 2.
    assert place("許文博") == ("", "564", "2", "101")
    assert Household.objects.get(building=world.building_a, room="101").entrance.number == "2"
    reasons = " ".join(r["message"] for r in result.refusals)
    assert "金沙社區" in reasons and "幸福路" in reasons
    assert not Person.objects.filter(name__in=["蔡明亮", "王小明"]).exists()


def test_a_door_number_in_two_estates_without_the_estate_is_refused(world, tmp_path):
    import_people(FIXTURES / "ledger_estates.xlsx", world.community, world.users["command_post"],
                  create_places=True)
    path = write_csv(tmp_path / "no_estate.csv", [["周一", "3-2-305"]], header=["姓名", "地址"])
    result = import_people(path, world.community, world.users["command_post"], create_places=True)
    assert result.created == 0 and result.reported == 1
    assert "more than one estate" in result.refusals[0]["message"] or "多个小区" in result.refusals[0]["message"]


def test_without_creating_places_an_unknown_estate_or_entrance_is_refused(world, tmp_path):
    path = write_csv(tmp_path / "unknown.csv", [["周一", "新城小区", "564", "", "101"],
                                                ["周二", "", "564", "9", "101"]],
                     header=["姓名", "小区", "楼栋", "单元", "房号"])
    result = import_people(path, world.community, world.users["command_post"])
    assert result.created == 0 and result.reported == 2
    assert not Estate.objects.exists() and not Entrance.objects.exists()


def test_an_address_column_stands_for_the_building_and_room_columns(world, tmp_path):
    path = write_csv(tmp_path / "a.csv", [["周一", "564-101"]], header=["姓名", "家庭住址"])
    assert import_people(path, world.community, world.users["command_post"]).created == 1
    path = write_csv(tmp_path / "b.csv", [["周一", "564"]], header=["姓名", "楼栋"])
    with pytest.raises(LedgerError):
        import_people(path, world.community, world.users["command_post"])


def test_an_export_names_the_estate_and_entrance_and_imports_back_unchanged(world, tmp_path):
    from fangkong.registry.ledger.exporter import ExportScope, export_people

    command = world.users["command_post"]
    import_people(FIXTURES / "ledger_estates.xlsx", world.community, command, create_places=True)
    out, count = export_people(command, ExportScope(community_id=world.community.pk), out=tmp_path / "out.xlsx")
    import openpyxl

    rows = list(openpyxl.load_workbook(tmp_path / "out.xlsx").active.values)
    header = list(rows[0])
    line = next(r for r in rows if r[0] == "黄丽华")
    assert line[header.index("小区")] == "龙海佳园小区" and line[header.index("单元")] == "1"
    again = import_people(tmp_path / "out.xlsx", world.community, command)
    assert again.reported == 0 and again.created == 0 and again.updated == 0
