"""Pages act on the object's community, or ask which one, for a user who runs several (issue 9
§4); the retest round starts from its round's page."""

import pytest
from django.urls import reverse

from fangkong.core.models import Role, RoleAssignment
from fangkong.health.models import QuarantineSite, StateColour
from tests.factories import make_user


@pytest.fixture
def two_posts(world):
    """The command post of both communities."""
    user = make_user("twoposts", Role.COMMAND_POST, world.community)
    RoleAssignment.objects.create(user=user, role=Role.COMMAND_POST, community=world.other_community)
    return user


def test_a_command_post_of_two_communities_is_asked_which_policy_and_colours(world, two_posts, login):
    client = login(two_posts)
    for name in ("policy_edit", "colour_edit", "site_list", "transfer_create", "notice_import"):
        url = reverse(name)
        response = client.get(url) if name not in ("site_list",) else client.post(url, {"name": "酒店"})
        assert response.status_code == 200, name
        body = response.content.decode()
        assert f"community={world.community.pk}" in body and f"community={world.other_community.pk}" in body, name
    assert not QuarantineSite.objects.exists()  # asked, not put in "the first"


def test_a_colour_changed_for_the_chosen_community_changes_that_one_only(world, two_posts, login):
    client = login(two_posts)
    url = reverse("colour_edit") + f"?community={world.other_community.pk}"
    assert client.post(url, {"fever": "red"}).status_code == 302
    assert list(StateColour.objects.values_list("community_id", "state", "colour")) == [
        (world.other_community.pk, "fever", "red")]


def test_a_site_added_for_the_chosen_community_goes_there(world, two_posts, login):
    client = login(two_posts)
    response = client.post(reverse("site_list") + f"?community={world.other_community.pk}",
                           {"name": "君诚酒店", "address": "", "rooms": 10, "capacity": 10, "contact_name": "",
                            "contact_phone": ""})
    assert response.status_code == 302
    assert QuarantineSite.objects.get().community == world.other_community


def test_a_grid_leader_here_and_command_post_there_changes_there_only(world, login):
    user = make_user("mixed", Role.GRID_LEADER, world.community, grids=[world.grid1])
    RoleAssignment.objects.create(user=user, role=Role.COMMAND_POST, community=world.other_community)
    client = login(user)
    assert client.post(reverse("colour_edit") + f"?community={world.community.pk}",
                       {"fever": "red"}).status_code == 403
    assert client.get(reverse("colour_edit") + f"?community={world.other_community.pk}").status_code == 200
    assert not StateColour.objects.exists()


# --- the single-tube retest round, from the round's page ----------------------------------------


@pytest.fixture
def positive_round(world):
    from fangkong.testing import scanning, services

    command = world.users["command_post"]
    round_ = services.create_round(command, world.community, name="第一轮", pool_size=10)
    scanning.scan_person(round_, "T1", world.person_a.pk, "s1", world.users["sampler"])
    scanning.scan_person(round_, "T1", world.person_b.pk, "s2", world.users["sampler"])
    services.import_results(command, round_, [(2, "T1", "positive", None)])
    return round_


def test_the_command_post_starts_the_retest_round_from_the_rounds_page(world, positive_round, login):
    from fangkong.testing import services
    from fangkong.testing.models import TestRound

    client = login(world.users["command_post"])
    url = reverse("testround_retest_round", args=[positive_round.pk])
    assert url in client.get(positive_round.get_absolute_url()).content.decode()
    response = client.post(url)
    retest = TestRound.objects.get(retest_of=positive_round)
    assert response.status_code == 302 and response.url == retest.get_absolute_url()
    assert retest.pool_size == 1
    assert set(services.must_test(retest, world.users["command_post"])) == {world.person_a, world.person_b}


def test_a_sampler_sees_no_retest_button_and_may_not_start_one(world, positive_round, login):
    from fangkong.testing.models import TestRound

    client = login(world.users["sampler"])
    url = reverse("testround_retest_round", args=[positive_round.pk])
    assert url not in client.get(positive_round.get_absolute_url()).content.decode()
    assert client.post(url).status_code == 403
    assert TestRound.objects.count() == 1


def test_a_round_with_nobody_to_retest_offers_no_retest(world, login):
    from fangkong.testing import services

    round_ = services.create_round(world.users["command_post"], world.community, name="无阳性")
    page = login(world.users["command_post"]).get(round_.get_absolute_url()).content.decode()
    assert reverse("testround_retest_round", args=[round_.pk]) not in page
