"""What supplies puts on core's pages: the command post's home panel and the start-page items."""

from django.test import RequestFactory
from django.utils import timezone

from fangkong.core import hooks
from fangkong.supplies import panels, services

from .conftest import enter


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_supplies_registers_its_home_panel_and_start_items():
    assert "fangkong.supplies.panels.home_panel" in [h.path for h in hooks.hooks("home_panel")]
    assert {"fangkong.supplies.panels.volunteer_runs", "fangkong.supplies.panels.leader_requests"} <= {
        h.path for h in hooks.hooks("start_item")}


def test_command_post_home_panel_shows_open_requests(world, doors):
    enter(world.users["command_post"], world.building_a, [doors["a101"], doors["a201"]])
    html = panels.home_panel(request_for(world.users["command_post"]))
    assert 'data-figure="requests_open">2<' in html


def test_home_panel_is_for_the_command_post_only(world):
    assert panels.home_panel(request_for(world.users["building_leader"])) is None
    assert panels.home_panel(request_for(world.users["guard"])) is None


def test_volunteer_start_page_lists_their_runs_today(world, doors):
    command = world.users["command_post"]
    assert panels.volunteer_runs(request_for(world.users["delivery_volunteer"])) is None
    enter(command, world.building_a, [doors["a101"]])
    services.run_cutoff(command, world.community)
    station = services.create_station(command, world.community, "东门中转站", [world.building_a])
    run = services.plan_run(command, station, world.users["delivery_volunteer"], timezone.now())
    html = panels.volunteer_runs(request_for(world.users["delivery_volunteer"]))
    assert f"/supplies/runs/{run.pk}/" in html


def test_building_leader_start_page_links_their_buildings(world):
    html = panels.leader_requests(request_for(world.users["building_leader"]))
    assert f"/supplies/buildings/{world.building_a.pk}/requests/" in html
    assert f"/supplies/buildings/{world.building_b.pk}/requests/" not in html


def test_the_start_items_follow_the_declared_actions_not_role_names(world):
    """Entering requests (supplies.enter_request) from the start page: the buildings one answers
    for by name, a building leader's or a volunteer's, including a leader of one entrance; staff of
    a whole grid or community, and roles that may not enter requests, get no item."""
    from fangkong.core.models import Entrance, Role
    from tests.factories import make_user

    volunteer = panels.leader_requests(request_for(world.users["delivery_volunteer"]))  # bound to 564
    assert f"/supplies/buildings/{world.building_a.pk}/requests/" in volunteer
    for key in ("grid_worker", "command_post", "guard", "sampler"):
        assert panels.leader_requests(request_for(world.users[key])) is None, key
    entrance = Entrance.objects.create(community=world.community, building=world.building_c, number="2")
    leader = make_user("entranceleader", Role.BUILDING_LEADER, world.community)
    leader.roles.get().entrances.add(entrance)
    html = panels.leader_requests(request_for(leader))
    assert f"/supplies/buildings/{world.building_c.pk}/requests/" in html
    # The runs' item is for those who hand over (supplies.record_handover): not a building leader.
    assert panels.volunteer_runs(request_for(world.users["building_leader"])) is None
