"""End to end at 360 px, in headless Chromium: a building leader enters the requests of a sealed
building, the cut-off sums them, the volunteer delivers door by door."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.core.models import ControlStatus, Household
from fangkong.supplies import services
from fangkong.supplies.models import Request, Status

from .conftest import PHONE
from .test_phone import assert_fits, log_in, open_ok

pytestmark = [pytest.mark.browser]


def small_targets(page, selector):
    """Tap targets under 44 px high among ``selector``."""
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => e.getBoundingClientRect().height < 43.5).map(e => e.outerHTML.slice(0, 80))")


def test_a_sealed_building_from_request_to_the_door_on_a_phone(browser_world, live_server, new_page, output_dir):
    world = browser_world
    building = world.building_a
    building.control_status = ControlStatus.SEALED
    building.save()
    for room, floor in (("201", 2), ("202", 2), ("301", 3)):
        Household.objects.create(community=world.community, building=building, room=room, floor=floor)

    # The building leader ticks three doors and sends one thing for all of them.
    page = new_page(PHONE)
    log_in(page, live_server, "buildingleader")
    open_ok(page, f"{live_server.url}/supplies/buildings/{building.pk}/requests/")
    assert_fits(page, 360)
    assert small_targets(page, "#request-form .fk-household-tick, #send-requests, .fk-kinds label") == []
    page.check("input[name=kind][value=groceries]")
    page.fill("#item", "蔬菜包")
    page.fill("#quantity", "2")
    for room in ("101", "201", "301"):
        page.check(f"label:has-text('{room}') input[name=household]")
    with page.expect_navigation():
        page.click("#send-requests")
    assert "3" in page.inner_text(".alert-success")
    page.screenshot(path=str(output_dir / "supplies_leader_360.png"), full_page=True)
    assert Request.objects.filter(household__building=building, status=Status.ASKED, quantity=2).count() == 3

    # A negative quantity: the message says so, nothing is written.
    page.fill("#quantity", "-1")
    page.check("label:has-text('202') input[name=household]")
    page.click("#send-requests")
    page.wait_for_selector(".alert-danger")
    assert Request.objects.count() == 3

    # The command post's cut-off sums them per building.
    desk = new_page(PHONE)
    log_in(desk, live_server, "command")
    open_ok(desk, f"{live_server.url}/supplies/")
    with desk.expect_navigation():
        desk.click("#run-cutoff")
    assert "564" in desk.inner_text("#per-building") and "6" in desk.inner_text("#per-building")
    assert_fits(desk, 360)

    # A run from the station; the volunteer delivers door by door on the phone.
    station = services.create_station(world.users["command_post"], world.community, "东门中转站", [building])
    run = services.plan_run(world.users["command_post"], station, world.users["delivery_volunteer"], timezone.now())
    phone = new_page(PHONE)
    log_in(phone, live_server, "volunteer")
    open_ok(phone, f"{live_server.url}/supplies/runs/{run.pk}/")
    assert_fits(phone, 360)
    assert small_targets(phone, "[data-outcome]:is(button)") == []
    doors = phone.locator(".fk-door")
    assert doors.count() == 3
    assert [doors.nth(i).locator(".fw-bold").inner_text() for i in range(3)] == ["101", "201", "301"]
    doors.nth(0).locator("button[data-outcome=delivered]").click()
    phone.wait_for_selector(".fk-door[data-outcome=delivered]")
    doors.nth(1).locator("button[data-outcome=nobody_home]").click()
    phone.wait_for_selector(".fk-door[data-outcome=nobody_home]")
    # The same door tapped again: a new hand-over, still one delivered request.
    doors.nth(0).locator("button[data-outcome=delivered]").click()
    expect(phone.locator(".fk-door[data-state=waiting]")).to_have_count(0)  # the outbox has sent it
    phone.wait_for_selector("#fk-outbox[data-waiting='0']", state="attached")
    phone.screenshot(path=str(output_dir / "supplies_volunteer_360.png"), full_page=True)
    statuses = dict(Request.objects.values_list("household__room", "status"))
    assert statuses == {"101": Status.DELIVERED, "201": Status.FAILED, "301": Status.OUT}
