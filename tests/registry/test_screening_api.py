"""The screening rounds' API: rounds in scope, knocks from phones with client ids (the same tap
twice is one visit), coverage; refusals as JSON with a code, bad input 400."""

import pytest

from fangkong.registry import screening
from fangkong.registry.models import Visit

REFUSED = {"permission_denied", "not_allowed"}


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def round_(world):
    return screening.create_round(world.users["command_post"], world.community, name="第一轮摸排")


def test_the_command_post_starts_a_round_for_the_whole_community(world, login):
    response = post(login(world.users["command_post"]), "/api/screeningrounds/",
                    {"community": world.community.pk, "name": "第二轮摸排"})
    assert response.status_code == 201 and response.json()["name"] == "第二轮摸排"


def test_a_grid_worker_may_not_start_a_round(world, login):
    response = post(login(world.users["grid_worker"]), "/api/screeningrounds/",
                    {"grids": [world.grid1.pk], "name": "自己的摸排"})
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"


def test_a_round_without_a_name_is_400(world, login):
    response = post(login(world.users["command_post"]), "/api/screeningrounds/", {"community": world.community.pk})
    assert response.status_code == 400 and "name" in response.json()["fields"]


def test_a_knock_sent_twice_is_one_visit(world, login, round_):
    client = login(world.users["building_leader"])
    data = {"household": world.household_a1.pk, "outcome": "nobody_home", "client_id": "tap-1"}
    first = post(client, f"/api/screeningrounds/{round_.pk}/visits/", data)
    assert first.status_code == 201 and first.json()["revisit_due"]
    again = post(client, f"/api/screeningrounds/{round_.pk}/visits/", data)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Visit.objects.count() == 1


def test_a_building_leader_sees_only_knocks_in_their_buildings(world, login, round_):
    command = world.users["command_post"]
    screening.record_visit(command, round_, world.household_a1, "found", client_id="a")
    screening.record_visit(command, round_, world.household_c1, "vacant", client_id="c")
    rows = login(world.users["building_leader"]).get(f"/api/screeningrounds/{round_.pk}/visits/").json()["results"]
    assert [r["household"] for r in rows] == [world.household_a1.pk]


def test_a_knock_outside_the_write_scope_or_by_a_reading_role_is_refused(world, login, round_):
    data = {"household": world.household_c1.pk, "outcome": "found", "client_id": "x"}
    outside = post(login(world.users["building_leader"]), f"/api/screeningrounds/{round_.pk}/visits/", data)
    assert outside.status_code == 400 and "household" in outside.json()["fields"]
    reader = post(login(world.users["delivery_volunteer"]), f"/api/screeningrounds/{round_.pk}/visits/",
                  {**data, "household": world.household_a1.pk})
    assert reader.status_code == 403 and reader.json()["code"] in REFUSED
    assert not Visit.objects.exists()


@pytest.mark.parametrize("data, field", [
    ({"outcome": "maybe", "client_id": "x"}, "outcome"),
    ({"outcome": "found"}, "client_id"),
    ({"outcome": "found", "client_id": "x", "at": "yesterday"}, "at"),
])
def test_a_bad_knock_is_400_naming_the_field(world, login, round_, data, field):
    response = post(login(world.users["building_leader"]), f"/api/screeningrounds/{round_.pk}/visits/",
                    {"household": world.household_a1.pk, **data})
    assert response.status_code == 400 and field in response.json()["fields"]


def test_a_knock_on_a_closed_round_answers_its_code(world, login, round_):
    screening.close_round(world.users["command_post"], round_, "结束")
    response = post(login(world.users["building_leader"]), f"/api/screeningrounds/{round_.pk}/visits/",
                    {"household": world.household_a1.pk, "outcome": "found", "client_id": "late"})
    assert (response.status_code, response.json()["code"]) == (400, "round_closed")


def test_a_round_of_another_community_is_not_found(world, login):
    other = screening.create_round(world.users["outsider"], world.other_community, name="别处")
    client = login(world.users["building_leader"])
    assert client.get(f"/api/screeningrounds/{other.pk}/coverage/").status_code == 404
    knock = post(client, f"/api/screeningrounds/{other.pk}/visits/",
                 {"household": world.household_a1.pk, "outcome": "found", "client_id": "o"})
    assert (knock.status_code, knock.json()["code"]) == (404, "not_found")


def test_coverage_counts_the_doors_knocked_in_scope(world, login, round_):
    screening.record_visit(world.users["command_post"], round_, world.household_a1, "found", client_id="a")
    body = login(world.users["command_post"]).get(f"/api/screeningrounds/{round_.pk}/coverage/").json()
    assert (body["community"]["total"], body["community"]["visited"]) == (3, 1)
    mine = login(world.users["building_leader"]).get(f"/api/screeningrounds/{round_.pk}/coverage/").json()
    assert [b["id"] for b in mine["buildings"]] == [world.building_a.pk]
