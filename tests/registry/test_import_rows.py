"""Import: each kind of bad row is reported with its row number and reason, nothing is dropped
silently, and the error report can be fixed and imported again."""

import pytest
from django.urls import reverse
from django.utils import translation

from fangkong.core.models import Building, Person
from fangkong.registry.ledger.importer import import_people
from tests.factories import id_number

from .ledger_files import HEADER, person_row, read_xlsx, write_xlsx


def run(world, path, **options):
    options.setdefault("report_path", path.with_name("errors.xlsx"))
    return import_people(path, world.community, **options)


def reported(result):
    """{row number: reason} of the error report."""
    rows = read_xlsx(result.error_report)
    return {row[-2]: row[-1] for row in rows[1:]}


def bad_check_digit():
    row = person_row("陈一", 101)
    row[2] = row[2][:17] + ("0" if row[2][17] != "0" else "1")
    return row


def wrong_sex():
    row = person_row("陈一", 101)
    row[1] = "女"  # sequence 101 is odd: a man
    return row


BAD_ROWS = {
    "bad_check_digit": (bad_check_digit, "校验"),
    "sex_mismatch": (wrong_sex, "性别"),
    "unknown_grid": (lambda: person_row("陈一", 101, grid="9"), "9"),
    "unknown_building": (lambda: person_row("陈一", 101, building="999"), "999"),
    "unknown_room": (lambda: person_row("陈一", 101, room="909"), "909"),
    "building_in_other_grid": (lambda: person_row("陈一", 101, grid="2"), "564"),
    "missing_name": (lambda: person_row("", 101), "姓名"),
}

# Issue 11: a row is a person. What does not establish identity only warns: the person is taken,
# the raw value kept in the note, and the warning is in the report with its row.
WARNED_ROWS = {
    "bad_phone": (lambda: person_row("陈一", 101, phone="1380000"), "11", "1380000"),
    "unknown_type": (lambda: person_row("陈一", 101, residency="外星"), "外星", "外星"),
}


@pytest.mark.parametrize("kind", BAD_ROWS)
def test_each_kind_of_bad_row_is_reported_with_its_row_number_and_reason(world, tmp_path, kind):
    make, words = BAD_ROWS[kind]
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈零", 100), make()])
    with translation.override("zh-hans"):
        result = run(world, path)
    assert (result.created, result.reported) == (1, 1), result.summary()
    reasons = reported(result)
    assert list(reasons) == [3]
    assert words in reasons[3]


@pytest.mark.parametrize("kind", WARNED_ROWS)
def test_a_field_that_cannot_be_read_warns_and_the_person_is_taken(world, tmp_path, kind):
    make, words, kept = WARNED_ROWS[kind]
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈零", 100), make()])
    with translation.override("zh-hans"):
        result = run(world, path)
    assert (result.created, result.reported, len(result.warnings)) == (2, 0, 1), result.summary()
    assert result.warnings[0]["row"] == 3 and words in reported(result)[3]
    assert kept in Person.objects.get(name="陈一").note


def test_an_unknown_care_label_is_kept_as_a_free_label_and_listed_once(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈零", 100, tags="會飛、孕妇"),
                                            person_row("陈一", 101, tags="会飞")])
    result = run(world, path)
    assert (result.created, result.reported) == (2, 0)
    assert sorted(result.free_labels) == ["会飞", "會飛"]
    person = Person.objects.get(name="陈零")
    assert person.free_labels == "會飛" and person.tag_codes == ["pregnant"]


def test_a_birth_date_that_does_not_match_the_id_is_reported(world, tmp_path):
    header = [*HEADER, "出生日期"]
    path = write_xlsx(tmp_path / "l.xlsx", [[*person_row("陈一", 101), "1981-01-01"],
                                            [*person_row("陈二", 102), "1980-01-01"]], header=header)
    result = run(world, path)
    assert (result.created, result.reported) == (1, 1)
    assert "1981-01-01" in reported(result)[2]


def test_the_same_id_twice_in_one_file_is_reported_at_the_second_row(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101), person_row("陈二", 102),
                                            person_row("陈一", 101, room="101")])
    with translation.override("en"):
        result = run(world, path)
    assert (result.created, result.reported) == (2, 1)
    assert "row 2" in reported(result)[4]


def test_taken_plus_reported_is_every_data_row_and_the_summary_says_so(world, tmp_path):
    rows = [person_row("陈一", 101), person_row("陈二", 102, building="999"), person_row("张三", 11),
            person_row("陈三", 103, phone="123"), person_row("陈四", 104)]
    path = write_xlsx(tmp_path / "l.xlsx", rows)
    with translation.override("en"):
        result = run(world, path)
        summary = result.summary()
    assert result.rows == 5
    assert result.taken + result.reported == result.rows
    # 陈三's phone "123" only warns (issue 11): taken, with a warning.
    assert (result.created, result.reported, len(result.warnings)) == (3, 1, 1)
    assert "5 rows read: 4 taken + 1 reported." in summary and "1 warning" in summary


def test_the_error_report_repeats_the_header_and_the_row_with_a_reason(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, building="999")])
    result = run(world, path)
    rows = read_xlsx(result.error_report)
    assert rows[0][: len(HEADER)] == tuple(HEADER)
    assert rows[1][:3] == ("陈一", "男", id_number(101))
    assert rows[1][-2] == 2


def test_a_fixed_error_report_imports_cleanly(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101), person_row("陈二", 102, building="9999")])
    first = run(world, path)
    assert first.reported == 1
    import openpyxl

    workbook = openpyxl.load_workbook(first.error_report)
    sheet = workbook.active
    sheet.cell(row=2, column=HEADER.index("楼栋") + 1, value="564")
    fixed = tmp_path / "fixed.xlsx"
    workbook.save(fixed)
    second = run(world, fixed)
    assert (second.rows, second.created, second.reported) == (1, 1, 0), second.summary()
    assert Person.objects.filter(name="陈二", household=world.household_a1).exists()


def test_no_error_report_when_every_row_is_taken(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)])
    assert run(world, path).error_report is None


def test_care_labels_and_their_variants_become_tags(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, tags="独居、慢病，残疾人/低保 透析")])
    run(world, path)
    person = Person.objects.get(id_number=id_number(101))
    assert set(person.tag_codes) == {"elderly_alone", "chronic", "disability", "hardship", "dialysis"}


def test_type_column_sets_resident_or_migrant(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, residency="流动人口"),
                                            person_row("陈二", 102, residency="常住")])
    run(world, path)
    assert Person.objects.get(id_number=id_number(101)).residency == "migrant"
    assert Person.objects.get(id_number=id_number(102)).residency == "resident"


def test_landlord_columns_update_the_building(world, tmp_path):
    header = [*HEADER, "房东", "房东电话"]
    path = write_xlsx(tmp_path / "l.xlsx", [[*person_row("陈一", 101, building="17"), "林房东", "139 0595 0000"]],
                      header=header)
    result = run(world, path)
    assert result.created == 1
    building = Building.objects.get(pk=world.building_b.pk)
    assert (building.landlord_name, building.landlord_phone) == ("林房东", "13905950000")


def test_a_person_without_id_is_added_with_no_document(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("小宝", None, phone="")])
    assert run(world, path).created == 1
    person = Person.objects.get(name="小宝")
    assert (person.id_type, person.id_number) == ("none", "")


def test_a_row_without_type_stays_not_known_instead_of_resident(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, residency="")])
    run(world, path)
    assert Person.objects.get(id_number=id_number(101)).residency == "unknown"


def test_a_row_without_type_takes_the_community_default(world, tmp_path):
    world.community.default_residency = "migrant"
    world.community.save()
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, residency=""),
                                            person_row("张三", 11, residency="")])
    run(world, path)
    assert Person.objects.get(id_number=id_number(101)).residency == "migrant"
    # A person on file keeps what they are: an empty cell never erases.
    assert Person.objects.get(pk=world.person_a.pk).residency == world.person_a.residency


def test_people_of_unknown_type_are_in_neither_the_migrant_nor_the_resident_list(world, login):
    Person.objects.filter(pk=world.person_a.pk).update(residency="unknown")
    client = login(world.users["command_post"])
    for residency in ("migrant", "resident"):
        page = client.get(reverse("person_list"), {"residency": residency})
        assert world.person_a.pk not in [p.pk for p in page.context["page"].object_list]
    unknown = client.get(reverse("person_list"), {"residency": "unknown"})
    assert [p.pk for p in unknown.context["page"].object_list] == [world.person_a.pk]
