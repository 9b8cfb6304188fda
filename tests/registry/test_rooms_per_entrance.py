"""Rooms are numbered per entrance (issue 10 §1b): 3号楼 1单元 301 and 3号楼 2单元 301 are two
flats. The ledger, the places sheet, the API, the form and the database all agree."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from fangkong.core import services
from fangkong.core.models import AuditEntry, Building, Entrance, Estate, Household, Person
from fangkong.registry.ledger.importer import import_people
from fangkong.registry.ledger.places import import_places
from tests.registry.ledger_files import write_csv, write_xlsx


@pytest.fixture
def two_entrances(world):
    one = Entrance.objects.create(community=world.community, building=world.building_a, number="1")
    two = Entrance.objects.create(community=world.community, building=world.building_a, number="2")
    return one, two


def test_the_database_takes_one_room_number_per_entrance_and_refuses_a_true_duplicate(world, two_entrances):
    one, two = two_entrances
    a = Household.objects.create(community=world.community, building=world.building_a, entrance=one, room="301")
    b = Household.objects.create(community=world.community, building=world.building_a, entrance=two, room="301")
    c = Household.objects.create(community=world.community, building=world.building_a, room="301")  # no entrance
    assert len({a.pk, b.pk, c.pk}) == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.create(community=world.community, building=world.building_a, entrance=one, room="301")
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.create(community=world.community, building=world.building_a, room="301")
    # Another building's entrance 1 has its own 301.
    other = Entrance.objects.create(community=world.community, building=world.building_b, number="1")
    Household.objects.create(community=world.community, building=world.building_b, entrance=other, room="301")


def ledger(tmp_path, rows, name="flats.csv"):
    return write_csv(tmp_path / name, [[name_, "第一网格", *rest] for name_, *rest in rows],
                     header=["姓名", "网格", "楼栋", "单元", "房号"])


def test_a_ledger_with_301_in_two_entrances_makes_two_households_and_again_changes_nothing(world, tmp_path):
    path = ledger(tmp_path, [["林一", "3", "1", "301"], ["林二", "3", "2单元", "301"], ["林三", "3", "1", "301"]])
    command = world.users["command_post"]
    result = import_people(path, world.community, command, create_places=True)
    assert (result.created, result.reported, result.households_created) == (3, 0, 2), result.refusals
    households = (Household.objects.filter(community=world.community, building__door_number="3")
                  .select_related("entrance"))
    assert sorted((h.entrance.number, h.room) for h in households) == [("1", "301"), ("2", "301")]
    one = Person.objects.get(name="林一").household
    assert Person.objects.get(name="林三").household == one
    assert Person.objects.get(name="林二").household != one
    audits, count = AuditEntry.objects.count(), Household.objects.count()
    again = import_people(path, world.community, command, create_places=True)
    assert (again.created, again.updated, again.reported, again.households_created) == (0, 0, 0, 0)
    assert (AuditEntry.objects.count(), Household.objects.count()) == (audits, count)


def test_a_ledger_without_the_entrance_for_a_room_in_two_entrances_is_refused(world, two_entrances, tmp_path):
    one, two = two_entrances
    for entrance in (one, two):
        Household.objects.create(community=world.community, building=world.building_a, entrance=entrance, room="301")
    path = ledger(tmp_path, [["周一", "564", "", "301"], ["周二", "564", "2", "301"]])
    result = import_people(path, world.community, world.users["command_post"])
    assert (result.created, result.reported) == (1, 1), result.refusals
    assert "301" in result.refusals[0]["message"]
    assert Person.objects.get(name="周二").household.entrance == two


def test_a_ledger_room_in_another_entrance_is_a_second_flat(world, tmp_path):
    entrance = Entrance.objects.create(community=world.community, building=world.building_a, number="1")
    Household.objects.filter(building=world.building_a, room="101").update(entrance=entrance)
    path = write_csv(tmp_path / "a.csv", [["周一", "564-2-101"]], header=["姓名", "地址"])
    # Not creating places: entrance 2 has no room 101 on file.
    refused = import_people(path, world.community, world.users["command_post"])
    assert (refused.created, refused.reported) == (0, 1)
    result = import_people(path, world.community, world.users["command_post"], create_places=True)
    assert (result.created, result.reported, result.households_created) == (1, 0, 1)
    assert Household.objects.filter(building=world.building_a, room="101").count() == 2
    assert Household.objects.get(pk=world.household_a1.pk).entrance == entrance  # left where it was


# --- the places sheet -----------------------------------------------------------------------


def test_a_places_sheet_with_estate_and_entrance_columns_builds_them(world, tmp_path):
    path = write_xlsx(tmp_path / "places.xlsx", [
        ["第一网格", "金岸小區", "3", "1單元", "301"],
        ["第一网格", "金岸小区", "3", "2", "301"],
        ["第一网格", "金岸", "3", "2", "302"],
        ["第二网格", "龙海佳园小区", "3", "1", "301"],
    ], header=["网格", "小區", "楼栋", "單元", "房号"])
    result = import_places(world.users["command_post"], world.community, path)
    assert result.refused == 0, result.reason_lines()
    assert result.created["estate"] == 2 and result.created["entrance"] == 3 and result.created["household"] == 4
    jinan = Building.objects.get(estate__name="金岸小区", door_number="3")
    assert sorted((h.entrance.number, h.room) for h in jinan.households.select_related("entrance")) == [
        ("1", "301"), ("2", "301"), ("2", "302")]
    assert Building.objects.get(estate__name="龙海佳园小区").grid == world.grid2
    before = (Household.objects.count(), Entrance.objects.count(), Estate.objects.count(), AuditEntry.objects.count())
    again = import_places(world.users["command_post"], world.community, path)
    assert not again.changed_anything, again.summary()
    after = (Household.objects.count(), Entrance.objects.count(), Estate.objects.count(), AuditEntry.objects.count())
    assert after == before


def test_a_places_sheet_without_the_estate_for_a_door_in_two_estates_is_refused(world, tmp_path):
    path = write_xlsx(tmp_path / "places.xlsx", [["第一网格", "金岸小区", "3", "1", "301"],
                                                 ["第二网格", "龙海小区", "3", "1", "301"],
                                                 ["", "", "3", "1", "302"]],
                      header=["网格", "小区", "楼栋", "单元", "房号"])
    result = import_places(world.users["command_post"], world.community, path)
    assert result.refused == 1 and result.refusals[0]["code"] == "estate.ambiguous"


# --- form and service (the API: tests/api/test_places.py) --------------------------------------


def test_the_form_refuses_a_room_twice_in_one_entrance_and_takes_it_in_another(login, world, two_entrances):
    one, two = two_entrances
    client = login(world.users["command_post"])
    url = reverse("household_create", args=[world.building_a.pk])
    page = client.get(url).content.decode()
    assert 'name="entrance"' in page
    data = {"entrance": one.pk, "room": "301", "status": "occupied"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert "room" in again.context["form"].errors
    assert client.post(url, {**data, "entrance": two.pk}).status_code == 302
    assert Household.objects.filter(building=world.building_a, room="301").count() == 2


def test_the_service_refuses_a_duplicate_room_within_one_entrance(world, two_entrances):
    one, _two = two_entrances
    actor = world.users["command_post"]
    services.create_household(actor, world.building_a, {"entrance": one, "room": "301"})
    with pytest.raises(services.ServiceError) as refused:
        services.create_household(actor, world.building_a, {"entrance": one, "room": "301"})
    assert refused.value.field == "room"


# --- finding a room as typed ------------------------------------------------------------------


def test_search_and_the_move_form_tell_the_two_301s_apart(world, two_entrances):
    from fangkong.core.addresses import rooms_at
    from fangkong.core.forms import MoveForm

    one, two = two_entrances
    upstairs = {e: Household.objects.create(community=world.community, building=world.building_a, entrance=e,
                                            room="301") for e in (one, two)}
    people = {e: Person.objects.create(community=world.community, household=h, name=f"住户{e.number}")
              for e, h in upstairs.items()}
    found = set(Person.objects.filter(community=world.community).search("564-2-301"))
    assert found == {people[two]}
    assert list(rooms_at(Household.objects.all(), world.building_a, "2-301")) == [upstairs[two]]
    assert list(rooms_at(Household.objects.all(), world.building_a, "1单元301")) == [upstairs[one]]
    assert set(rooms_at(Household.objects.all(), world.building_a, "301")) == set(upstairs.values())
    buildings = Building.objects.filter(pk=world.building_a.pk)
    ambiguous = MoveForm({"building": world.building_a.pk, "room": "301"}, buildings=buildings)
    assert not ambiguous.is_valid() and "room" in ambiguous.errors
    moved = MoveForm({"building": world.building_a.pk, "room": "2-301"}, buildings=buildings)
    assert moved.is_valid(), moved.errors
    assert moved.cleaned_data["household"] == upstairs[two]
    # The room in no entrance is still found by its number alone.
    plain = MoveForm({"building": world.building_a.pk, "room": "101"}, buildings=buildings)
    assert plain.is_valid() and plain.cleaned_data["household"] == world.household_a1


def test_a_household_in_an_entrance_is_named_as_search_reads_it(world, two_entrances):
    one, _two = two_entrances
    household = Household.objects.create(community=world.community, building=world.building_a, entrance=one,
                                         room="301")
    assert str(household) == "564-1-301"
    assert str(world.household_a1) == "564-101"
