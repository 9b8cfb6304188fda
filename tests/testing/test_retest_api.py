"""POST /api/testrounds/{id}/retest/: a single-tube retest round (单管复核) of a round's retest list."""

from fangkong.testing import scanning, services
from fangkong.testing.models import TestRound


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_the_command_post_starts_a_single_tube_retest_of_the_positive_pools(world, login, test_round, sampler,
                                                                             code_of):
    scanning.scan(test_round, "T1", code_of(world.person_a), "s1", sampler)
    services.import_results(world.users["command_post"], test_round, [(1, "T1", "阳性", "")])
    response = post(login(world.users["command_post"]), f"/api/testrounds/{test_round.pk}/retest/", {})
    body = response.json()
    assert response.status_code == 201 and body["pool_size"] == 1 and body["retest_of"] == test_round.pk
    assert TestRound.objects.get(pk=body["id"]).buildings.get() == world.building_a


def test_a_sampler_may_not_start_a_retest_round(world, login, test_round):
    response = post(login(world.users["sampler"]), f"/api/testrounds/{test_round.pk}/retest/", {})
    assert (response.status_code, response.json()["code"]) == (403, "not_allowed")
    assert TestRound.objects.count() == 1


def test_a_retest_name_too_long_is_400(world, login, test_round):
    response = post(login(world.users["command_post"]), f"/api/testrounds/{test_round.pk}/retest/",
                    {"name": "复" * 101})
    assert response.status_code == 400 and "name" in response.json()["fields"]
