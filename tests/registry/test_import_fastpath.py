"""The importer's fast paths give the same answers as the slow ones they replace.

New persons are inserted as plain rows (no model instance each), their audit changes come from the
creation branch of services._diff, their pinyin initials from the cached fangkong.lib.pinyin. Each
test here compares with the plain way: the service that creates one person through the ORM, the
general field-by-field diff, lazy_pinyin itself."""

import datetime as dt
import gc

import pytest

from fangkong.core import services
from fangkong.core.models import AuditEntry, Person, PersonTag, Residence, TimelineEntry
from fangkong.core.sql import BulkInsert, CollectAtChunks, values_in
from fangkong.lib import sheets as sheet_reader
from fangkong.lib.pinyin import initials_slow
from fangkong.registry.ledger.importer import import_people
from tests.factories import id_number

from .ledger_files import write_xlsx

HEADER = ["姓名", "性别", "证件类型", "身份证号", "出生日期", "手机号", "网格", "楼栋", "房号", "与户主关系",
          "人员类型", "职业", "工作单位", "特殊人群", "备注"]
SKIP = {"id", "community", "household", "created_at", "updated_at"}


def generic_diff(before, after):
    """services._diff as it was before its creation branch: every field compared with before."""
    return {name: [services._show(name, before.get(name)), services._show(name, after.get(name))]
            for name in after if before.get(name) != after.get(name)}


# (ledger row after the place columns are filled in, what a form would give create_person, tags)
CASES = [
    (["陈一", "", "", id_number(101), "", "13800000101", "1", "564", "101", "户主", "常住", "教师", "某某公司",
      "独居老人", "二楼东"],
     {"name": "陈一", "id_number": id_number(101), "sex": "M", "birth_date": dt.date(1980, 1, 1),
      "phone": "13800000101", "residency": "resident", "relation": "户主", "occupation": "教师",
      "workplace": "某某公司", "note": "二楼东"}, ["elderly_alone"]),
    (["欧阳娜娜", "女", "居民身份证", id_number(102, birth="19991231"), "1999-12-31", "", "1", "564", "101", "", "流动",
      "", "", "孕妇、慢性病", ""],
     {"name": "欧阳娜娜", "id_type": "resident_id", "id_number": id_number(102, birth="19991231"), "sex": "F",
      "birth_date": dt.date(1999, 12, 31), "residency": "migrant"}, ["chronic", "pregnant"]),
    (["小宝", "男", "", "", "2020-06-01", "", "1", "17", "101", "子女", "", "", "", "婴幼儿", ""],
     {"name": "小宝", "id_type": "none", "sex": "M", "birth_date": dt.date(2020, 6, 1), "relation": "子女",
      "residency": "unknown"},
     ["infant"]),
    (["John Smith", "男", "护照", "E12345678", "", "13912340000", "2", "800", "101", "租户", "流动", "", "", "", ""],
     {"name": "John Smith", "id_type": "passport", "id_number": "E12345678", "sex": "M", "phone": "13912340000",
      "relation": "租户", "residency": "migrant"}, []),
    (["曾长江", "", "", id_number(103), "", "", "1", "17", "101", "", "", "", "", "", ""],
     {"name": "曾长江", "id_number": id_number(103), "sex": "M", "birth_date": dt.date(1980, 1, 1),
      "residency": "unknown"}, []),
]


def test_new_persons_are_what_the_orm_service_would_create(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row for row, _data, _tags in CASES], header=HEADER)
    result = import_people(path, world.community, report_path=tmp_path / "errors.xlsx")
    assert (result.created, result.reported) == (len(CASES), 0), result.summary()
    for row, data, tags in CASES:
        imported = Person.objects.get(community=world.community, name=row[0])
        reference = services.create_person(world.users["outsider"], world.other_community, data, tags=tags,
                                           household=world.other_household)
        for model_field in Person._meta.concrete_fields:
            if model_field.name not in SKIP:
                assert getattr(imported, model_field.attname) == getattr(reference, model_field.attname), (
                    row[0], model_field.name)
        assert imported.name_initials == initials_slow(imported.name)
        assert imported.created_at == imported.updated_at
        assert sorted(imported.tag_codes) == sorted(tags)
        # The audit entry: the general diff of the stored values, masked; the same as the service's.
        entry = AuditEntry.objects.get(action="create", object_type="person", person=imported)
        after = {name: getattr(imported, name) for name in services.PERSON_FIELDS}
        assert entry.changes == generic_diff({}, after)
        assert entry.changes == AuditEntry.objects.get(action="create", person=reference).changes
        assert (entry.object_id, entry.object_repr) == (str(imported.pk), imported.name)
        if imported.id_number:
            assert imported.id_number not in str(entry.changes)
        if imported.phone:
            assert imported.phone not in str(entry.changes)
        # Each side entry belongs to its own person (ids returned in the order of the rows).
        assert TimelineEntry.objects.get(person=imported, kind="imported").community_id == world.community.pk
        residence = Residence.objects.get(person=imported)
        assert (residence.household.building.door_number, residence.household.room) == (row[7], row[8])
        assert imported.household_id == residence.household_id


def test_the_same_ledger_imported_again_changes_nothing(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row for row, _data, _tags in CASES], header=HEADER)
    import_people(path, world.community, report_path=tmp_path / "errors.xlsx")
    state = (list(Person.objects.order_by("pk").values()), AuditEntry.objects.count(), PersonTag.objects.count(),
             TimelineEntry.objects.count(), Residence.objects.count())
    again = import_people(path, world.community, report_path=tmp_path / "errors.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(CASES))
    assert state == (list(Person.objects.order_by("pk").values()), AuditEntry.objects.count(),
                     PersonTag.objects.count(), TimelineEntry.objects.count(), Residence.objects.count())


def test_diff_of_a_creation_is_the_general_diff():
    values = [{}, {"name": "张三", "id_number": "350503198001011014", "phone": "13812345678", "birth_date": None,
                   "sex": "", "note": "", "floor": 0, "room": "101", "landlord_phone": "13905951234"},
              {"birth_date": dt.date(1980, 1, 1), "version": 3, "id_number": "E12345678", "phone": "", "x": None}]
    for after in values:
        assert services._diff({}, after) == generic_diff({}, after)
    changed = {"name": "张三", "phone": "13812345678", "birth_date": None}
    assert services._diff({"name": "张三", "phone": "13900000000"}, changed) == generic_diff(
        {"name": "张三", "phone": "13900000000"}, changed)


class SmallStatements(BulkInsert):
    """Three rows a statement, to check that ids come back in order across statements."""

    def _max_params(self):
        return 3 * len(self.fields)


def test_insert_returning_gives_ids_in_row_order_across_statements(world):
    table = SmallStatements(PersonTag, ["person", "tag"])
    persons = [world.person_a, world.person_b, world.person_c]
    rows = [[persons[n % 3].pk, tag] for n, tag in enumerate(["infant", "pregnant", "chronic", "dialysis",
                                                             "disability", "bedridden", "elderly_alone"])]
    pks = table.insert_returning(rows)
    assert len(pks) == len(rows) == len(set(pks))
    assert [(tag.person_id, tag.tag) for tag in (PersonTag.objects.get(pk=pk) for pk in pks)] == [
        tuple(row) for row in rows]


def test_rows_cut_by_split_are_the_rows_of_the_regular_expression():
    sheets = [
        '<worksheet><sheetData><row r="1" spans="1:2"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
        '<row r="2"><c r="A2"><v>1</v></c></row>',
        '<sheetData>\n  <row r="1"/>\n  <row r="2" ht="15"><c r="A2"/></row>\n<row r="3"></row><row>'
        '<c r="B4" t="s"><v>0</v></c></row>',
        '<x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row><x:row r="2"/><x:row r="3">'
        '<x:c r="A3"><x:v>2</x:v></x:c></x:row>',
        '<rowBreaksBefore/><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2" /><row r="3" >'
        '<c r="A3"><v>&lt;row&gt;</v></c></row>',
        '<sheetData><row r="7"><c r="A7"><v>1</v></c></row>',
    ]
    for sheet in sheets:
        end = sheet_reader._last_row_end(sheet)
        assert sheet_reader._split_rows(sheet, end) == sheet_reader._ROW.findall(sheet, 0, end), sheet


def test_the_cycle_collector_is_back_on_after_an_import_and_after_an_error(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row for row, _data, _tags in CASES], header=HEADER)
    assert gc.isenabled()
    import_people(path, world.community, report_path=tmp_path / "errors.xlsx", chunk_rows=2)
    assert gc.isenabled()
    with pytest.raises(RuntimeError), CollectAtChunks() as collector:
        assert not gc.isenabled()
        collector.chunk_done()
        raise RuntimeError
    assert gc.isenabled()


class OneAtATime(BulkInsert):
    """The path for a database without multi-row RETURNING (neither SQLite nor PostgreSQL)."""

    def returns_rows(self):
        return False


def test_insert_returning_without_returning_saves_one_at_a_time(world):
    table = OneAtATime(PersonTag, ["person", "tag"])
    rows = [[world.person_a.pk, "infant"], [world.person_b.pk, "pregnant"], [world.person_a.pk, "chronic"]]
    pks = table.insert_returning(rows)
    assert [(tag.person_id, tag.tag) for tag in (PersonTag.objects.get(pk=pk) for pk in pks)] == [
        tuple(row) for row in rows]


def test_the_importers_in_lists_are_the_orms_in_lists(world):
    from fangkong.core.models import Household

    def sql(queryset):
        compiled, params = queryset.query.get_compiler(queryset.db).as_sql()
        return compiled, tuple(params)

    community = world.community
    ids = {id_number(n) for n in range(1, 300)} | {world.person_a.id_number}
    names = {"张三", "李四", "无名"}
    households = {world.household_a1.pk, world.household_b1.pk, 999999}
    cases = [
        (Person.objects.filter(community=community, id_number__in=ids).exclude(id_number="").order_by()
         .select_related("household__building"),
         Person.objects.filter(community=community).filter(values_in("id_number", ids)).exclude(id_number="").order_by()
         .select_related("household__building")),
        (Person.objects.filter(community=community, household_id__in=households, name__in=names).order_by(),
         Person.objects.filter(community=community)
         .filter(values_in("household_id", households), values_in("name", names)).order_by()),
        (Household.objects.filter(community=community, building_id__in={world.building_a.pk}, room__in={"101", "1"})
         .order_by(),
         Household.objects.filter(values_in("building_id", {world.building_a.pk}), community=community)
         .filter(values_in("room", {"101", "1"})).order_by()),
        (PersonTag.objects.filter(person_id__in={world.person_a.pk, None}).values_list("person_id", "tag"),
         PersonTag.objects.filter(values_in("person_id", {world.person_a.pk, None})).values_list("person_id", "tag")),
    ]
    for orm, importer in cases:
        assert sql(orm) == sql(importer)
        assert list(orm) == list(importer)
    assert list(Person.objects.filter(values_in("id_number", set()))) == []
    assert list(Person.objects.filter(id_number__in=set())) == []
