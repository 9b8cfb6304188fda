"""The command post arranges its places in the pages: zones, grids, units, estates, buildings,
and a building moved to another grid; addresses with estates and entrances, and their search."""

import pytest
from django.db import IntegrityError, transaction

from fangkong.core import places
from fangkong.core.actions import NotAllowed
from fangkong.core.errors import ServiceError
from fangkong.core.models import (
    AuditEntry,
    Building,
    Community,
    Entrance,
    Estate,
    Grid,
    Household,
    Person,
    Role,
    RoleAssignment,
    Zone,
)
from tests.factories import make_user


def test_command_post_adds_a_zone_grid_unit_and_building_in_the_pages(world, login):
    client = login(world.users["command_post"])
    community = world.community
    assert client.get(f"/setup/{community.pk}/").status_code == 200
    assert client.post(f"/setup/{community.pk}/add/", {"kind": "zone", "zone-name": "二片区"}).status_code == 302
    zone = Zone.objects.get(community=community, name="二片区")
    assert client.post(f"/setup/{community.pk}/add/",
                       {"kind": "grid", "grid-number": "7", "grid-name": "", "grid-zone": zone.pk}).status_code == 302
    grid = Grid.objects.get(community=community, number=7)
    assert grid.zone == zone and grid.name  # a name is made from the number
    response = client.post(f"/setup/{community.pk}/add/",
                           {"kind": "unit", "unit-name": "七单元", "unit-grid": grid.pk})
    assert response.status_code == 302
    assert client.post(f"/setup/{community.pk}/add/",
                       {"kind": "building", "building-door_number": "901", "building-grid": grid.pk}).status_code == 302
    assert Building.objects.get(community=community, door_number="901").grid == grid
    kinds = set(AuditEntry.objects.filter(community=community, action="create").values_list("object_type", flat=True))
    assert {"zone", "grid", "unit", "building"} <= kinds


def test_a_second_grid_with_the_same_number_is_refused_with_a_message(world, login):
    client = login(world.users["command_post"])
    response = client.post(f"/setup/{world.community.pk}/add/",
                           {"kind": "grid", "grid-number": "1", "grid-name": "x"})
    assert response.status_code == 400
    assert "already has a grid" in response.content.decode() or "已有" in response.content.decode()
    assert Grid.objects.filter(community=world.community, number=1).count() == 1


def test_moving_a_building_to_another_grid_is_audited_and_its_people_follow(world, login):
    client = login(world.users["command_post"])
    response = client.post(f"/setup/buildings/{world.building_b.pk}/move/",
                           {"grid": world.grid2.pk, "reason": "按街道重新划分"})
    assert response.status_code == 302
    world.building_b.refresh_from_db()
    assert world.building_b.grid == world.grid2
    entry = AuditEntry.objects.get(action="move", object_type="building", object_id=str(world.building_b.pk))
    assert entry.changes["grid"] == [world.grid1.name, world.grid2.name]
    assert entry.reason == "按街道重新划分"
    worker2 = make_user("worker2", Role.GRID_WORKER, world.community, grids=[world.grid2])
    assert Person.objects.visible_to(worker2).filter(pk=world.person_b.pk).exists()


def test_a_unit_of_another_grid_is_refused_when_moving(world):
    other_unit = world.building_a.unit  # in grid 1
    with pytest.raises(ServiceError) as error:
        places.move_building(world.users["command_post"], world.building_c, world.grid2, other_unit)
    assert error.value.code == "unit_grid"


def test_a_grid_worker_may_not_add_grids(world, login):
    client = login(world.users["grid_worker"])
    assert client.get(f"/setup/{world.community.pk}/").status_code == 403
    with pytest.raises(NotAllowed):
        places.create_grid(world.users["grid_worker"], world.community, {"number": 9})
    assert not Grid.objects.filter(number=9).exists()


def test_an_old_building_is_put_into_its_estate_from_the_page_and_its_door_checked_there(world, login):
    from fangkong.core.models import Building, Estate

    jinan = Estate.objects.create(community=world.community, name="金岸小区")
    Building.objects.create(community=world.community, grid=world.grid1, estate=jinan, door_number="3")
    client = login(world.users["command_post"])
    assert client.get(f"/setup/buildings/{world.building_b.pk}/edit/").status_code == 200
    clash = client.post(f"/setup/buildings/{world.building_b.pk}/edit/", {"estate": jinan.pk, "door_number": "3"})
    assert clash.status_code == 400 and Building.objects.get(pk=world.building_b.pk).estate is None
    moved = client.post(f"/setup/buildings/{world.building_b.pk}/edit/", {"estate": jinan.pk, "door_number": "17"})
    assert moved.status_code == 302
    world.building_b.refresh_from_db()
    assert (world.building_b.estate, world.building_b.door_number) == (jinan, "17")
    entry = AuditEntry.objects.get(action="change", object_type="building", object_id=str(world.building_b.pk))
    assert entry.changes["estate"] == ["", "金岸小区"]
    # A building leader may fill in details through the API, never renumber from set-up.
    assert login(world.users["building_leader"]).post(f"/setup/buildings/{world.building_a.pk}/edit/",
                                                      {"door_number": "565"}).status_code in (403, 404)
    assert Building.objects.get(pk=world.building_a.pk).door_number == "564"


def test_another_communitys_command_post_finds_nothing(world, login):
    client = login(world.users["outsider"])
    assert client.get(f"/setup/{world.community.pk}/").status_code == 404
    assert client.post(f"/setup/buildings/{world.building_b.pk}/move/", {"grid": world.grid2.pk}).status_code == 404
    with pytest.raises(NotAllowed):
        places.move_building(world.users["outsider"], world.building_b, world.grid2)


def test_district_admin_creates_a_community_and_its_first_command_post_account(world, login):
    admin = make_user("districtadmin", Role.DISTRICT_ADMIN, world.community)
    client = login(admin)
    response = client.post("/setup/communities/new/", {
        "community-name": "江滨社区", "community-code": "jiangbin", "community-street": "湖滨街道"})
    assert response.status_code == 302
    community = Community.objects.get(code="jiangbin")
    assert RoleAssignment.objects.filter(user=admin, community=community, role=Role.DISTRICT_ADMIN).exists()
    response = client.post(f"/setup/accounts/new/?community={community.pk}",
                           {"full_name": "陈主任", "phone": "13905950001", "role": Role.COMMAND_POST})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(community=community, role=Role.COMMAND_POST,
                                         user__first_name="陈主任").exists()


def test_a_command_post_may_not_create_communities(world, login):
    response = login(world.users["command_post"]).post("/setup/communities/new/", {
        "community-name": "x", "community-code": "x"})
    assert response.status_code == 403
    assert not Community.objects.filter(code="x").exists()


def test_a_district_admin_reads_no_persons_by_that_role(world):
    admin = make_user("districtadmin", Role.DISTRICT_ADMIN, world.community)
    assert not Person.objects.visible_to(admin).exists()


# --- estates and entrances ------------------------------------------------------------------


@pytest.fixture
def estates(world):
    jinan = Estate.objects.create(community=world.community, name="金岸小区")
    longhai = Estate.objects.create(community=world.community, name="龙海佳园小区")
    b3 = Building.objects.create(community=world.community, grid=world.grid1, estate=jinan, door_number="3")
    other3 = Building.objects.create(community=world.community, grid=world.grid2, estate=longhai, door_number="3")
    entrance = Entrance.objects.create(community=world.community, building=b3, number="2")
    room = Household.objects.create(community=world.community, building=b3, entrance=entrance, room="301")
    other_room = Household.objects.create(community=world.community, building=other3, room="301")
    person = Person.objects.create(community=world.community, household=room, name="林小红")
    neighbour = Person.objects.create(community=world.community, household=other_room, name="郑大伟")
    return {"jinan": jinan, "b3": b3, "room": room, "person": person, "neighbour": neighbour}


def test_each_estate_numbers_its_own_buildings(world, estates):
    assert Building.objects.filter(community=world.community, door_number="3").count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Building.objects.create(community=world.community, grid=world.grid1, estate=estates["jinan"], door_number="3")
    with pytest.raises(IntegrityError), transaction.atomic():
        Building.objects.create(community=world.community, grid=world.grid1, door_number="564")  # no estate


def test_the_service_refuses_a_door_number_twice_in_one_estate(world, estates):
    with pytest.raises(ServiceError) as error:
        places.create_building(world.users["command_post"], world.community,
                               {"door_number": "3", "grid": world.grid1, "estate": estates["jinan"]})
    assert error.value.field == "door_number"


def test_an_address_reads_estate_building_entrance_room(estates):
    assert estates["room"].address == "金岸小区 3号楼 2单元 301"


def test_an_address_without_estate_or_entrance_is_door_and_room(world):
    assert world.household_a1.address == "564号楼 101"


@pytest.mark.parametrize("query", ["3-2-301", "金岸3号楼301", "金岸小区3号楼2单元301", "3号楼2单元301"])
def test_search_finds_a_person_by_the_address_as_typed(world, estates, query):
    found = set(Person.objects.filter(community=world.community).search(query))
    assert estates["person"] in found
    assert estates["neighbour"] not in found


def test_search_by_door_and_room_still_works(world):
    assert list(Person.objects.search("564-101")) == [world.person_a]


def test_a_leader_bound_to_an_entrance_sees_its_people_and_no_other_entrance(world, estates):
    b3 = estates["b3"]
    one = Entrance.objects.create(community=world.community, building=b3, number="1")
    downstairs = Household.objects.create(community=world.community, building=b3, entrance=one, room="101")
    other = Person.objects.create(community=world.community, household=downstairs, name="陈一")
    leader = make_user("entranceleader", Role.BUILDING_LEADER, world.community)
    RoleAssignment.objects.get(user=leader).entrances.set([estates["room"].entrance])
    visible = set(Person.objects.visible_to(leader))
    assert visible == {estates["person"]}
    assert other not in visible
    assert set(Building.objects.visible_to(leader)) == {b3}
    assert set(Household.objects.visible_to(leader, write=True)) == {estates["room"]}
    # What require() asks of a reach=True action: does the leader's entrance reach the row?
    from fangkong.core.actions import _reaches_row
    from fangkong.core.scope import reaches

    assert _reaches_row(estates["person"], reaches(leader))
    assert not _reaches_row(other, reaches(leader))


def test_a_pasted_building_leader_can_be_bound_to_an_entrance(world, estates):
    from fangkong.core import accounts

    rows = accounts.create_from_paste(world.users["command_post"], world.community, "王芳\t\t\t楼长\t金岸3号楼2单元")
    assert rows[0].ok, rows[0].errors
    assignment = RoleAssignment.objects.get(user=rows[0].account.user)
    assert list(assignment.entrances.all()) == [estates["room"].entrance]
    assert not assignment.buildings.exists()


def test_a_building_page_groups_its_rooms_by_entrance(world, estates, login):
    b3 = estates["b3"]
    one = Entrance.objects.create(community=world.community, building=b3, number="1")
    Household.objects.create(community=world.community, building=b3, entrance=one, room="502")
    html = login(world.users["command_post"]).get(f"/buildings/{b3.pk}/").content.decode()
    assert "金岸小区 3号楼" in html
    first, second = html.index('data-entrance="1"'), html.index('data-entrance="2"')
    assert first < html.index('data-room="502"') < second < html.index('data-room="301"')
