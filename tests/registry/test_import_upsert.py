"""Import: upsert by ID number (or name within the room), idempotent re-import, dry run, creating
places, audit and timeline in bulk, a constant number of queries, and scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.core.models import AuditEntry, Building, Household, Person, PersonTag, Residence, TimelineEntry
from fangkong.registry.ledger.importer import ImportRefused, import_people
from tests.factories import id_number

from .ledger_files import person_row, read_xlsx, write_xlsx


def run(world, path, **options):
    options.setdefault("report_path", path.with_name("errors.xlsx"))
    return import_people(path, world.community, **options)


def counts():
    return (Person.objects.count(), Household.objects.count(), Building.objects.count(), AuditEntry.objects.count(),
            TimelineEntry.objects.count(), Residence.objects.count(), PersonTag.objects.count())


def test_importing_the_same_file_twice_changes_nothing_the_second_time(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, tags="孕妇"), person_row("张三", 11),
                                            person_row("陈二", None, phone="13800000999")])
    first = run(world, path)
    assert (first.created, first.updated) == (2, 1), first.summary()
    before = counts()
    second = run(world, path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert counts() == before
    assert "Nothing changed" in second.summary() or "没有" in second.summary() or "nothing" in second.summary()


def test_a_changed_phone_updates_the_person_with_one_audit_entry_masked(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("张三", 11, phone="13911112222", residency="流动")])
    result = run(world, path)
    assert (result.updated, result.created) == (1, 0)
    person = Person.objects.get(pk=world.person_a.pk)
    assert (person.phone, person.phone_last4, person.version) == ("13911112222", "2222", 2)
    entry = AuditEntry.objects.get(action="change", person=person)
    assert entry.changes["phone"] == ["138****5678", "139****2222"]
    assert person.timeline.filter(kind="imported").count() == 1


def test_new_people_get_audit_timeline_residence_and_search_keys(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, tags="独居老人")])
    run(world, path)
    person = Person.objects.get(id_number=id_number(101))
    assert person.name_initials == "cy"
    assert person.id_last4 == id_number(101)[-4:]
    assert AuditEntry.objects.get(action="create", person=person).changes["id_number"][1].count("*") == 8
    assert person.timeline.filter(kind="imported").exists()
    assert person.residences.get().household == world.household_a1
    assert person.tag_codes == ["elderly_alone"]


def test_a_person_without_id_is_matched_by_name_within_the_room(world, tmp_path):
    Person.objects.create(community=world.community, household=world.household_a1, name="小宝", id_type="none")
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("小宝", None, phone="13800000888")])
    result = run(world, path)
    assert (result.created, result.updated) == (0, 1)
    assert Person.objects.get(name="小宝").phone == "13800000888"


def test_an_id_number_completes_a_person_known_only_by_name(world, tmp_path):
    Person.objects.create(community=world.community, household=world.household_a1, name="陈一", id_type="none")
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)])
    result = run(world, path)
    assert (result.created, result.updated) == (0, 1)
    assert Person.objects.get(name="陈一").id_number == id_number(101)


def test_a_person_in_another_room_is_moved_and_the_old_residence_closed(world, tmp_path):
    Residence.objects.create(community=world.community, person=world.person_a, household=world.household_a1)
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("张三", 11, building="17", residency="流动")])
    result = run(world, path)
    assert result.updated == 1
    person = Person.objects.get(pk=world.person_a.pk)
    assert person.household == world.household_b1
    assert person.residences.filter(moved_out__isnull=True).get().household == world.household_b1
    assert person.residences.filter(moved_out__isnull=False).count() == 1


def test_an_empty_cell_keeps_what_is_on_file(world, tmp_path):
    run(world, write_xlsx(tmp_path / "full.xlsx", [person_row("陈一", 101, phone="13800000101", tags="孕妇")]))
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, phone="", residency="", tags="")])
    result = run(world, path)
    assert result.unchanged == 1
    person = Person.objects.get(id_number=id_number(101))
    assert (person.phone, person.tag_codes) == ("13800000101", ["pregnant"])


def test_a_dry_run_writes_nothing_and_reports_the_same(world, tmp_path):
    rows = [person_row("陈一", 101), person_row("张三", 11, phone="13911112222"),
            person_row("陈二", 102, building="999", grid="1")]
    path = write_xlsx(tmp_path / "l.xlsx", rows)
    before = counts()
    dry = run(world, path, dry_run=True, create_places=True)
    assert counts() == before
    assert Person.objects.get(pk=world.person_a.pk).phone == "13812345678"
    real = run(world, path, create_places=True)
    assert (dry.created, dry.updated, dry.reported, dry.buildings_created) == (
        real.created, real.updated, real.reported, real.buildings_created) == (2, 1, 0, 1)


def test_with_create_places_missing_buildings_and_households_are_created(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, building="999号", room="1203室", grid="第二网格"),
                                            person_row("陈二", 102, building="999", room="1203", grid="2")])
    result = run(world, path, create_places=True)
    assert (result.created, result.buildings_created, result.households_created) == (2, 1, 1), result.summary()
    building = Building.objects.get(community=world.community, door_number="999")
    assert (building.grid, building.door_sort) == (world.grid2, "0000000999")
    household = Household.objects.get(building=building)
    assert (household.room, household.floor) == ("1203", 12)


def test_without_create_places_rows_of_unknown_buildings_are_reported(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, building="999")])
    result = run(world, path)
    assert (result.created, result.reported) == (0, 1)
    assert not Building.objects.filter(door_number="999").exists()


def test_the_number_of_queries_does_not_grow_with_the_rows(world, tmp_path):
    def queries(n):
        rows = [person_row(f"陈{i}", 200 + i, room="101") for i in range(n)]
        path = write_xlsx(tmp_path / f"l{n}.xlsx", rows)
        with CaptureQueriesContext(connection) as captured:
            result = run(world, path, chunk_rows=5000)
        assert result.created == n
        Person.objects.filter(name__startswith="陈").delete()
        return len(captured.captured_queries)

    # SQLite takes at most 999 parameters a statement, so bulk inserts go in batches of ~50 rows:
    # the count may grow by those batches, never by a query per row.
    assert queries(300) - queries(10) <= 290 // 25


def test_a_building_leader_cannot_import_beyond_their_buildings(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, building="564"),
                                            person_row("陈二", 102, building="17"),
                                            person_row("王五", 33, building="564")])
    result = run(world, path, user=world.users["building_leader"])
    assert (result.created, result.reported) == (1, 2), result.summary()
    assert not Person.objects.filter(name="陈二").exists()
    assert Person.objects.get(pk=world.person_c.pk).household == world.household_c1
    reasons = [row[-1] for row in read_xlsx(result.error_report)[1:]]
    assert len(reasons) == 2


def test_a_building_leader_cannot_create_buildings(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, building="999")])
    result = run(world, path, user=world.users["building_leader"], create_places=True)
    assert (result.created, result.reported, result.buildings_created) == (0, 1, 0)


def test_a_grid_leader_may_create_buildings_in_their_grid_only(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, building="998", grid="1"),
                                            person_row("陈二", 102, building="999", grid="2")])
    result = run(world, path, user=world.users["grid_leader"], create_places=True)
    assert (result.created, result.reported, result.buildings_created) == (1, 1, 1)


@pytest.mark.parametrize("role", ["sampler", "guard", "delivery_volunteer", "district_viewer", "outsider", "nobody"])
def test_only_writing_roles_of_the_community_can_import(world, tmp_path, role):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)])
    with pytest.raises(ImportRefused):
        run(world, path, user=world.users[role])
    assert not Person.objects.filter(name="陈一").exists()


def test_a_report_about_someone_outside_the_leaders_buildings_does_not_tell_their_name(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("某人", 33, building="564")])
    result = run(world, path, user=world.users["building_leader"])
    assert result.reported == 1
    assert "王五" not in str(read_xlsx(result.error_report))
