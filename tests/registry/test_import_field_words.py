"""Issue 11: ledgers as the field writes them. A row is a person: landlines, the field's own care
labels (traditional characters too), households that come back to life, the --json summary,
and files too big or too odd for a sheet."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fangkong.core.models import Household, HouseholdStatus, Person

from .ledger_files import HEADER, person_row, write_csv, write_xlsx
from .test_import_cli import import_people as cli
from .test_import_rows import run


def test_an_elderly_woman_with_only_a_landline_is_registered_with_it(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈婆", 102, phone="0595-22881234", tags="独居老人")])
    result = run(world, path)
    assert (result.created, result.reported, result.warnings) == (1, 0, [])
    person = Person.objects.get(name="陈婆")
    assert person.phone == "0595-22881234" and person.tag_codes == ["elderly_alone"]


@pytest.mark.parametrize("cell, tags", [
    ("高三學生", ["exam_student"]),
    ("生活困难", ["hardship"]),
    ("獨居老人人員", ["elderly_alone"]),
    ("孕妇、残疾人 / 低保户，慢性病人群", ["chronic", "disability", "hardship", "pregnant"]),
])
def test_the_field_words_for_care_labels_are_understood(world, tmp_path, cell, tags):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, tags=cell)])
    result = run(world, path)
    assert (result.created, result.free_labels) == (1, {})
    assert sorted(Person.objects.get(name="陈一").tag_codes) == tags


def test_people_imported_into_a_vacant_household_make_it_occupied(world, tmp_path):
    household = Household.objects.get(building__door_number="564", room="101")
    Household.objects.filter(pk=household.pk).update(status=HouseholdStatus.VACANT)
    result = run(world, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)]))
    household.refresh_from_db()
    assert household.status == HouseholdStatus.OCCUPIED and result.households_occupied == 1


def test_json_summary_lists_refused_and_warned_rows_with_column_and_code(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101), person_row("", 102),
                                            person_row("陈三", 103, phone="12345")])
    code, out = cli(path, "--community", "xunmei", "--json")
    summary = json.loads(out)
    assert code == 1
    assert (summary["rows"], summary["taken"], summary["refused"], summary["warnings"]) == (3, 2, 1, 1)
    assert summary["refused_rows"][0] == {"row": 3, "column": "姓名", "code": "name.missing",
                                          "message": summary["refused_rows"][0]["message"]}
    assert summary["warned_rows"][0]["row"] == 4 and summary["warned_rows"][0]["column"] == "手机号"


def test_a_csv_cell_over_the_limit_exits_2_and_leaves_nothing(world, tmp_path):
    rows = [person_row("陈一", 101), person_row("陈二", 102)]
    rows[1][-1] = "x" * 140_000
    path = write_csv(tmp_path / "l.csv", rows)
    with pytest.raises(CommandError) as refused:
        call_command("import-people", str(path), "--community", "xunmei")
    assert refused.value.returncode == 2 and "131,072" in str(refused.value)
    assert not (tmp_path / "l.errors.xlsx").exists()
    assert not Person.objects.filter(name="陈一").exists()


def test_a_row_wider_than_a_sheet_is_refused_with_a_message(world, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(person_row("陈一", 101)) + "," * 18_300 + "\n",
                    encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import-people", str(path), "--community", "xunmei")
    assert refused.value.returncode == 2 and "16,384" in str(refused.value)
    assert not Person.objects.filter(name="陈一").exists()
