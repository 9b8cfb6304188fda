"""The daily five on a 360-px phone: a cadre ticks a household's call and visit in a few taps."""

import pytest

from fangkong.staff import services
from fangkong.staff.models import FiveTick, Worker

from .conftest import PHONE
from .test_phone import assert_fits, body_text, log_in, open_ok

pytestmark = [pytest.mark.browser]


def test_a_cadre_ticks_the_daily_five_on_a_phone_and_a_double_tap_counts_once(browser_world, live_server, new_page):
    world = browser_world
    cadre = Worker.objects.create(community=world.community, name="蔡文彬", user=world.users["building_leader"],
                                  grid=world.grid1)
    services.assign(world.users["command_post"], cadre, building=world.building_a)
    page = new_page(PHONE)
    log_in(page, live_server, "buildingleader")
    open_ok(page, f"{live_server.url}/staff/five/")
    assert_fits(page, 360)
    assert "564-101" in body_text(page)
    call = page.locator(".fk-five button[data-item=call]")
    box = call.bounding_box()
    assert box["height"] >= 44, f"the call button is {box['height']} px high"
    with page.expect_navigation():
        call.click()
    assert page.locator(".fk-five button[data-item=call]").is_disabled()
    with page.expect_navigation():
        page.locator(".fk-five button[data-item=visit]").click()
    assert_fits(page, 360)
    ticks = FiveTick.objects.filter(worker=cadre).order_by("item")
    assert [t.item for t in ticks] == ["call", "visit"]
    visit = ticks.get(item="visit")
    assert visit.seal_intact is True and visit.garbage_collected is True
    # Two of four items: the household is not done yet (已完成 0 / 1 户).
    assert "0 / 1" in page.locator("#five-count").inner_text()


def test_a_tick_made_without_a_network_is_kept_and_arrives_once(browser_world, live_server, new_page):
    world = browser_world
    cadre = Worker.objects.create(community=world.community, name="蔡文彬", user=world.users["building_leader"],
                                  grid=world.grid1)
    services.assign(world.users["command_post"], cadre, building=world.building_a)
    page = new_page(PHONE)
    log_in(page, live_server, "buildingleader")
    open_ok(page, f"{live_server.url}/staff/five/")
    page.context.set_offline(True)
    page.locator(".fk-five button[data-item=call]").click()
    page.wait_for_selector("#fk-outbox[data-waiting='1']", timeout=20_000)
    assert FiveTick.objects.filter(worker=cadre).count() == 0
    page.locator(".fk-five button[data-item=call]").click()  # a second tap while waiting
    with page.expect_navigation(timeout=20_000):  # the page is drawn again once the queue is empty
        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
    assert FiveTick.objects.filter(worker=cadre, item="call").count() == 1
    assert FiveTick.objects.filter(worker=cadre).count() == 1
    assert page.locator(".fk-five button[data-item=call]").is_disabled()
