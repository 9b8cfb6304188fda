"""The supplies API: requests entered, read masked and cancelled through the services; cut-offs,
stations, runs and group purchases; scope (404 outside) and refusals (403 not_allowed, codes)."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.supplies import services
from fangkong.supplies.models import Handover, Request, Status

from .conftest import enter


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def api(client):
    def _as(user):
        client.force_login(user)
        return client
    return _as


def test_a_building_leader_enters_requests_for_two_doors_and_reads_them_masked(world, api, doors):
    world.person_a.name = "张三丰"
    world.person_a.save()
    client = api(world.users["building_leader"])
    response = post(client, "/api/supply-requests/", {"building": world.building_a.pk, "requests": [
        {"household": doors["a101"].pk, "kind": "medicine", "item": "降压药", "urgency": 0,
         "for_person": world.person_a.pk, "client_id": "r1"},
        {"household": doors["a201"].pk, "kind": "gas", "quantity": 2, "client_id": "r2"}]})
    assert response.status_code == 201, response.json()
    rows = response.json()
    assert [r["household"]["room"] for r in rows] == ["101", "201"]
    assert rows[0]["for_person"] != "张三丰" and rows[0]["for_person"].startswith("张")
    assert "id_number" not in str(rows) and world.person_a.phone not in str(rows)
    again = post(client, "/api/supply-requests/", {"building": world.building_a.pk, "requests": [
        {"household": doors["a101"].pk, "kind": "medicine", "client_id": "r1"}]})
    assert again.status_code == 201 and again.json() == [] and Request.objects.count() == 2
    listed = client.get("/api/supply-requests/?status=asked").json()
    assert listed["count"] == 2


def test_one_bad_row_refuses_all_and_a_door_outside_is_not_found(world, api, doors):
    client = api(world.users["building_leader"])
    response = post(client, "/api/supply-requests/", {"building": world.building_a.pk, "requests": [
        {"household": doors["a101"].pk, "kind": "gas"}, {"household": doors["a201"].pk, "kind": "gas",
                                                         "quantity": -1}]})
    assert response.status_code == 400 and response.json()["code"] == "bad_quantity"
    response = post(client, "/api/supply-requests/", {"building": world.building_a.pk, "requests": [
        {"household": world.household_c1.pk, "kind": "gas"}]})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    response = post(client, "/api/supply-requests/", {"building": world.building_c.pk, "requests": [
        {"household": world.household_c1.pk, "kind": "gas"}]})
    assert response.status_code == 400 and "building" in response.json()["fields"]
    assert not Request.objects.exists()


def test_cancelling_needs_a_reason_the_role_and_the_state(world, api, doors):
    [request] = enter(world.users["command_post"], world.building_a, [doors["a101"]])
    client = api(world.users["sampler"])
    assert post(client, f"/api/supply-requests/{request.pk}/cancel/", {"reason": "x"}).status_code == 404
    client = api(world.users["building_leader"])
    assert post(client, f"/api/supply-requests/{request.pk}/cancel/", {}).status_code == 400
    response = post(client, f"/api/supply-requests/{request.pk}/cancel/", {"reason": "买到了"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "买到了"
    response = post(client, f"/api/supply-requests/{request.pk}/cancel/", {"reason": "again"})
    assert response.status_code == 400 and response.json()["code"] == "bad_state"


def test_cutoff_station_run_and_handover_through_the_api(world, api, doors):
    command, volunteer = world.users["command_post"], world.users["delivery_volunteer"]
    enter(command, world.building_a, [doors["a101"], doors["a202"]])
    client = api(world.users["grid_leader"])
    assert post(client, "/api/supply-cutoffs/", {"community": world.community.pk}).status_code == 403
    client = api(command)
    cutoff = post(client, "/api/supply-cutoffs/", {"community": world.community.pk})
    assert cutoff.status_code == 201 and cutoff.json()["n_requests"] == 2
    sums = client.get(f"/api/supply-cutoffs/{cutoff.json()['id']}/sums/").json()
    assert sums["per_building"][0]["quantity"] == 2
    station = post(client, "/api/supply-stations/", {"community": world.community.pk, "name": "东门",
                                                     "buildings": [world.building_a.pk]})
    assert station.status_code == 201
    sid = station.json()["id"]
    assert [d["household"]["room"] for d in client.get(f"/api/supply-stations/{sid}/pick-list/").json()] == \
        ["101", "202"]
    run = post(client, f"/api/supply-stations/{sid}/plan-run/", {"volunteer": volunteer.pk,
                                                                 "departs_at": timezone.now().isoformat()})
    assert run.status_code == 201
    rid = run.json()["id"]
    client = api(volunteer)
    assert [r["id"] for r in client.get("/api/supply-runs/").json()["results"]] == [rid]
    body = {"household": doors["a101"].pk, "outcome": "delivered", "client_id": "h1"}
    assert post(client, f"/api/supply-runs/{rid}/handover/", body).status_code == 201
    assert post(client, f"/api/supply-runs/{rid}/handover/", body).status_code == 200
    assert Handover.objects.count() == 1
    assert Request.objects.get(household=doors["a101"]).status == Status.DELIVERED
    response = post(client, f"/api/supply-runs/{rid}/handover/", {**body, "household": doors["b101"].pk,
                                                                   "client_id": "h2"})
    assert response.status_code == 400


def test_a_volunteer_reads_only_the_requests_of_their_runs(world, api, doors):
    enter(world.users["command_post"], world.building_a, [doors["a101"]])
    client = api(world.users["delivery_volunteer"])
    assert client.get("/api/supply-requests/").json()["count"] == 0
    outsider = api(world.users["outsider"])
    assert outsider.get("/api/supply-requests/").json()["count"] == 0


def test_a_group_purchase_opened_ordered_and_totalled(world, api):
    command = world.users["command_post"]
    point = services.create_supply_point(command, world.community, "永辉超市")
    client = api(command)
    closes = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    response = post(client, "/api/supply-catalogues/", {"supply_point": point.pk, "title": "团购", "closes_at": closes,
                                                        "items": [{"name": "35元爱心菜", "price": "35"}]})
    assert response.status_code == 201
    catalogue = response.json()
    item = catalogue["items"][0]["id"]
    client = api(world.users["building_leader"])
    order = post(client, f"/api/supply-catalogues/{catalogue['id']}/order/",
                 {"household": world.household_a1.pk, "quantities": {str(item): 2}})
    assert order.status_code == 200 and order.json()["amount"] == "70.00"
    outside = post(client, f"/api/supply-catalogues/{catalogue['id']}/order/",
                   {"household": world.household_c1.pk, "quantities": {str(item): 1}})
    assert outside.status_code == 404
    assert client.get(f"/api/supply-catalogues/{catalogue['id']}/totals/").json()[0]["ordered"] == 2
    late = post(client, "/api/supply-catalogues/", {"supply_point": point.pk, "title": "x",
                                                    "closes_at": closes, "items": [{"name": "菜", "price": "1"}]})
    assert late.status_code == 403
