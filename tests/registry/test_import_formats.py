"""Import: every file format and encoding offices use, header synonyms, title rows, merged cells,
and files refused by content before anything is read into the database."""

from pathlib import Path

import pytest

from fangkong.core.models import Person
from fangkong.registry.ledger.importer import import_people
from fangkong.registry.ledger.reader import LedgerError, open_ledger
from tests.factories import id_number

from .ledger_files import HEADER, person_row, write_csv, write_excel_style_xlsx, write_xlsx, write_zip_bomb

FIXTURES = Path(__file__).parent / "fixtures"


def run(world, path, **options):
    return import_people(path, world.community, **options)


def test_xlsx_ledger_adds_its_people(world, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", [person_row("陈一", 101), person_row("陈二", 102)])
    result = run(world, path)
    assert (result.rows, result.created, result.reported) == (2, 2, 0)
    person = Person.objects.get(id_number=id_number(101))
    assert (person.name, person.household, person.sex) == ("陈一", world.household_a1, "M")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_ledger_is_read_in_each_office_encoding(world, tmp_path, encoding):
    path = write_csv(tmp_path / "台账.csv", [person_row("陈一", 101, tags="独居老人")], encoding=encoding)
    result = run(world, path)
    assert result.created == 1, result.summary()
    assert Person.objects.get(id_number=id_number(101)).name == "陈一"


def test_csv_with_tabs_is_read(world, tmp_path):
    text = "\t".join(HEADER) + "\n" + "\t".join(person_row("陈一", 101)) + "\n"
    path = tmp_path / "台账.csv"
    path.write_text(text, encoding="utf-8")
    assert run(world, path).created == 1


def test_xls_ledger_with_merged_cells_is_read(world):
    # Made with xlwt (Excel 97-2003): a merged title, then 陈一 and 陈二 sharing merged 564 / 101.
    result = run(world, FIXTURES / "ledger.xls")
    assert (result.rows, result.created, result.reported) == (2, 2, 0), result.summary()
    both = Person.objects.filter(name__in=["陈一", "陈二"])
    assert {p.household_id for p in both} == {world.household_a1.pk}


@pytest.mark.parametrize("header", [
    ["名字", "身份证号码", "联系电话", "楼号", "门牌号"],
    ["*姓名", "证件号码", "手机号码", "栋", "室"],
    ["姓 名", "公民身份号码", "电话", "楼栋", "房号（如101）"],
    ["Name", "ID Number", "Phone", "Building", "Room"],
    ["ｎａｍｅ", "id_number", "phone", "building", "room"],
])
def test_header_synonyms_are_recognised(world, tmp_path, header):
    path = write_xlsx(tmp_path / "l.xlsx", [["陈一", id_number(101), "13800000101", "564", "101"]], header=header)
    with open_ledger(path) as ledger:
        assert set(ledger.mapping) == {"name", "id_number", "phone", "building", "room"}
    assert run(world, path).created == 1


def test_unknown_columns_are_listed_as_ignored(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [["1", "陈一", "汉", "564", "101"]],
                      header=["序号", "姓名", "民族", "楼栋", "房号"])
    with open_ledger(path) as ledger:
        assert ledger.ignored == ["序号", "民族"]


def test_title_rows_above_the_header_and_blank_rows_are_skipped(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101), [None] * 9, person_row("陈二", 102)],
                      title_rows=[["潯美社区实有人口台账"], ["填报单位：第一网格", None, "日期：2022-03-01"], []])
    result = run(world, path)
    assert (result.header_row, result.rows, result.created) == (4, 2, 2)


def test_merged_building_and_room_cells_apply_to_every_family_member(world, tmp_path):
    rows = [person_row("陈一", 101), person_row("陈二", 102, building=None, room=None),
            person_row("陈三", 103, building=None, room=None)]
    path = write_xlsx(tmp_path / "l.xlsx", rows, merges=["F2:F4", "G2:G4"])
    result = run(world, path)
    assert result.created == 3, result.summary()
    assert set(Person.objects.filter(name__startswith="陈").values_list("household", flat=True)) == {
        world.household_a1.pk}


def test_a_file_without_name_building_or_room_columns_is_refused(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [["陈一", id_number(101)]], header=["姓名", "身份证号"])
    with pytest.raises(LedgerError) as refused:
        run(world, path)
    assert refused.value.code in ("missing_columns", "no_header")
    assert Person.objects.count() == 4


def test_a_word_document_renamed_xlsx_is_refused(world, tmp_path):
    import zipfile

    path = tmp_path / "台账.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(LedgerError) as refused:
        run(world, path)
    assert refused.value.code == "renamed"


def test_a_csv_renamed_xlsx_is_refused(world, tmp_path):
    path = write_csv(tmp_path / "台账.xlsx", [person_row()])
    with pytest.raises(LedgerError) as refused:
        run(world, path)
    assert refused.value.code == "renamed"
    assert "台账.xlsx" in refused.value.message


def test_a_picture_renamed_csv_is_refused(world, tmp_path):
    path = tmp_path / "台账.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    with pytest.raises(LedgerError) as refused:
        run(world, path)
    assert refused.value.code == "binary"


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_reading(world, tmp_path):
    path = write_zip_bomb(tmp_path / "台账.xlsx")
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(LedgerError) as refused:
        run(world, path)
    assert refused.value.code == "zip_bomb"
    assert Person.objects.count() == 4


def test_a_file_over_the_size_limit_is_refused(world, tmp_path, settings):
    settings.FANGKONG_IMPORT_MAX_BYTES = 1000
    path = write_csv(tmp_path / "台账.csv", [person_row("陈一", n) for n in range(101, 140)])
    with pytest.raises(LedgerError) as refused:
        run(world, path)
    assert refused.value.code == "too_big"
    assert Person.objects.count() == 4


def test_an_id_number_excel_turned_into_a_number_is_reported_with_the_fix(world, tmp_path):
    row = person_row("陈一", 101)
    row[2] = 350503198001011000
    path = write_xlsx(tmp_path / "l.xlsx", [row])
    result = run(world, path, report_path=tmp_path / "errors.xlsx")
    assert result.reported == 1


@pytest.mark.parametrize("prefix", ["", "x"])
def test_xlsx_written_by_excel_with_shared_strings_reads_as_calamine_reads_it(world, tmp_path, prefix):
    from python_calamine import CalamineWorkbook

    rows = [["潯美社区台账 & 名单"], HEADER, person_row("陈一", 101, tags="独居老人"),
            person_row("欧阳 娜娜", 102, building=None, room=None), person_row("陈三", 103)]
    rows[3][3] = 13800000102  # a phone typed as a number
    path = write_excel_style_xlsx(tmp_path / "excel.xlsx", rows, prefix=prefix, merges=["F3:F4", "G3:G4"])
    with open_ledger(path) as ledger:
        ours = [cells for _number, cells in ledger.rows()]
    theirs = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[2:]
    theirs[1][5:7] = theirs[0][5:7]  # calamine leaves merged cells empty; we fill them
    assert [[c if c not in (None, "") else None for c in row] for row in ours] == [
        [c if c != "" else None for c in row] for row in theirs]
    result = import_people(path, world.community)
    assert (result.created, result.reported) == (3, 0), result.summary()
    assert Person.objects.get(id_number=id_number(102)).name == "欧阳 娜娜"
