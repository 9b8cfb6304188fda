from fangkong.core.models import AuditAction, AuditEntry, Building, Entrance, Household, Person
from tests.api.helpers import post


def names(response, key="id"):
    return sorted(row[key] for row in response.json()["results"])


def test_places_are_listed_within_scope(as_user, world):
    client = as_user("building_leader")
    assert names(client.get("/api/communities/")) == [world.community.pk]
    assert names(client.get("/api/grids/")) == [world.grid1.pk]
    assert names(client.get("/api/buildings/"), "door_number") == ["564"]
    assert names(client.get("/api/households/")) == [world.household_a1.pk]
    assert client.get(f"/api/buildings/{world.building_b.pk}/").status_code == 404


def test_zones_and_units_for_grid_worker(as_user, world):
    client = as_user("grid_worker")
    assert len(client.get("/api/zones/").json()["results"]) == 1
    assert [u["name"] for u in client.get("/api/units/").json()["results"]] == ["一单元"]


def test_places_other_than_buildings_and_households_are_read_only(as_user, world):
    response = post(as_user("command_post"), "/api/communities/", {"name": "x", "code": "x"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_building_landlord_phone_is_masked(as_user, world):
    data = as_user("command_post").get(f"/api/buildings/{world.building_a.pk}/").json()
    assert data["landlord_phone"] == "139****1234"


# --- households -------------------------------------------------------------------------------


def test_create_household_through_service_with_audit(as_user, world):
    response = post(as_user("building_leader"), "/api/households/",
                    {"building": world.building_a.pk, "room": "102", "floor": 1})
    assert response.status_code == 201, response.json()
    household = Household.objects.get(pk=response.json()["id"])
    assert household.community == world.community and response.json()["door_number"] == "564"
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="household",
                                     object_id=str(household.pk)).exists()


def test_create_household_in_building_outside_scope_is_refused_naming_building(as_user, world):
    response = post(as_user("building_leader"), "/api/households/", {"building": world.building_b.pk, "room": "9"})
    assert response.status_code == 400
    assert "building" in response.json()["fields"]


def test_create_household_with_taken_room_is_400(as_user, world):
    response = post(as_user("command_post"), "/api/households/", {"building": world.building_a.pk, "room": "101"})
    assert response.status_code == 400
    assert "room" in response.json()["fields"]


def test_the_api_refuses_a_room_twice_in_one_entrance_and_takes_it_in_another(as_user, world):
    one = Entrance.objects.create(community=world.community, building=world.building_a, number="1")
    two = Entrance.objects.create(community=world.community, building=world.building_a, number="2")
    client = as_user("command_post")
    body = {"building": world.building_a.pk, "entrance": one.pk, "room": "301"}
    assert post(client, "/api/households/", body).status_code == 201
    again = post(client, "/api/households/", body)
    assert again.status_code == 400 and "room" in again.json()["fields"]
    other = post(client, "/api/households/", {**body, "entrance": two.pk})
    assert other.status_code == 201, other.json()
    assert other.json()["entrance"] == two.pk
    # Moving the second into the first entrance would make a duplicate.
    moved = post(client, f"/api/households/{other.json()['id']}/", {"entrance": one.pk, "version": 1}, "patch")
    assert moved.status_code == 400 and "room" in moved.json()["fields"]
    # An entrance of another building is refused.
    foreign = Entrance.objects.create(community=world.community, building=world.building_b, number="1")
    response = post(client, "/api/households/", {**body, "room": "401", "entrance": foreign.pk})
    assert response.status_code == 400 and "entrance" in response.json()["fields"]


def test_update_household_with_version(as_user, world):
    client = as_user("grid_worker")
    path = f"/api/households/{world.household_a1.pk}/"
    response = post(client, path, {"status": "away", "version": 1}, "patch")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert AuditEntry.objects.filter(action=AuditAction.CHANGE, object_type="household").exists()
    stale = post(client, path, {"status": "vacant", "version": 1}, "patch")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_edit"


def test_read_only_role_household_write_is_403(as_user, world):
    response = post(as_user("guard"), f"/api/households/{world.household_a1.pk}/", {"note": "x", "version": 1},
                    "patch")
    assert response.status_code == 403


def test_nobody_deletes_a_household_or_a_building_through_the_api(as_user, world):
    client = as_user("command_post")
    empty = Household.objects.create(community=world.community, building=world.building_a, room="909")
    for path in [f"/api/households/{world.household_a1.pk}/", f"/api/households/{empty.pk}/",
                 f"/api/buildings/{world.building_a.pk}/"]:
        response = client.delete(path)
        assert response.status_code == 405, path
        assert response.json()["code"] == "method_not_allowed"
    assert Household.objects.filter(pk__in=[empty.pk, world.household_a1.pk]).count() == 2
    assert not AuditEntry.objects.filter(action=AuditAction.DELETE).exists()


# --- buildings --------------------------------------------------------------------------------


def test_grid_worker_creates_building_in_own_grid(as_user, world):
    response = post(as_user("grid_worker"), "/api/buildings/",
                    {"grid": world.grid1.pk, "door_number": "3", "landlord_phone": "13905950000"})
    assert response.status_code == 201, response.json()
    building = Building.objects.get(pk=response.json()["id"])
    assert building.community == world.community and building.landlord_phone == "13905950000"
    assert response.json()["landlord_phone"] == "139****0000"
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="building")
    assert entry.changes["landlord_phone"] == ["", "139****0000"]


def test_building_in_grid_outside_scope_is_refused(as_user, world):
    response = post(as_user("grid_worker"), "/api/buildings/", {"grid": world.grid2.pk, "door_number": "3"})
    assert response.status_code == 400
    assert "grid" in response.json()["fields"]


def test_building_leader_cannot_add_a_building_he_would_not_see(as_user, world):
    """Adding buildings is the command post's and the grid's own workers' (places.create_building)."""
    response = post(as_user("building_leader"), "/api/buildings/", {"grid": world.grid1.pk, "door_number": "3"})
    assert (response.status_code, response.json()["code"]) == (403, "not_allowed")
    assert not Building.objects.filter(community=world.community, door_number="3").exists()
    assert not AuditEntry.objects.filter(object_type="building").exists()


def test_building_door_number_is_unique_in_community(as_user, world):
    response = post(as_user("command_post"), "/api/buildings/", {"grid": world.grid1.pk, "door_number": "564"})
    assert response.status_code == 400
    assert "door_number" in response.json()["fields"]


def test_update_building(as_user, world):
    response = post(as_user("building_leader"), f"/api/buildings/{world.building_a.pk}/",
                    {"control_status": "sealed"}, "patch")
    assert response.status_code == 200, response.json()
    assert Building.objects.get(pk=world.building_a.pk).control_status == "sealed"
    assert AuditEntry.objects.get(action=AuditAction.CHANGE, object_type="building").fields == "control_status"


def test_read_only_role_building_write_is_403(as_user, world):
    response = post(as_user("district_viewer"), f"/api/buildings/{world.building_a.pk}/", {"name": "x"}, "patch")
    assert response.status_code == 403
    assert post(as_user("sampler"), "/api/buildings/", {"grid": world.grid1.pk, "door_number": "3"}
                ).status_code == 403


def test_persons_list_queries_do_not_grow_with_rows(as_user, world, django_assert_max_num_queries):
    for n in range(30):
        Person.objects.create(community=world.community, household=world.household_a1, name=f"住户{n}")
    client = as_user("command_post")
    with django_assert_max_num_queries(12):
        assert client.get("/api/persons/").status_code == 200


def test_a_building_leader_fills_in_the_landlord_but_the_door_number_is_the_command_posts(as_user, world):
    """Details through places.change_building (audited, the phone masked in the log); where the
    building is (its door number) through places.renumber_building, the command post's."""
    leader = as_user("building_leader")
    response = post(leader, f"/api/buildings/{world.building_a.pk}/", {"landlord_phone": "13905957777"}, "patch")
    assert response.status_code == 200, response.json()
    assert Building.objects.get(pk=world.building_a.pk).landlord_phone == "13905957777"
    entry = AuditEntry.objects.get(action=AuditAction.CHANGE, object_type="building")
    assert entry.changes["landlord_phone"] == ["139****1234", "139****7777"]
    refused = post(leader, f"/api/buildings/{world.building_a.pk}/", {"door_number": "565"}, "patch")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_allowed")
    assert Building.objects.get(pk=world.building_a.pk).door_number == "564"
    moved = post(as_user("command_post"), f"/api/buildings/{world.building_a.pk}/", {"door_number": "565"}, "patch")
    assert moved.status_code == 200 and Building.objects.get(pk=world.building_a.pk).door_number == "565"


def test_door_numbers_repeat_across_estates_not_within_one(as_user, world):
    from fangkong.core.models import Estate

    jinan = Estate.objects.create(community=world.community, name="金岸小区")
    client = as_user("command_post")
    first = post(client, "/api/buildings/", {"grid": world.grid1.pk, "estate": jinan.pk, "door_number": "564"})
    assert first.status_code == 201, first.json()  # 564 outside any estate already exists
    again = post(client, "/api/buildings/", {"grid": world.grid1.pk, "estate": jinan.pk, "door_number": "564"})
    assert again.status_code == 400 and "door_number" in again.json()["fields"]
    assert Building.objects.filter(community=world.community, door_number="564").count() == 2


def test_a_grid_worker_adds_buildings_in_his_grid_only(as_user, world):
    worker = as_user("grid_worker")  # grid 1
    assert post(worker, "/api/buildings/", {"grid": world.grid1.pk, "door_number": "9"}).status_code == 201
    # grid 2 is outside what he sees: the grid is not found (400), nothing is written
    assert post(worker, "/api/buildings/", {"grid": world.grid2.pk, "door_number": "10"}).status_code == 400
    assert not Building.objects.filter(door_number="10").exists()
