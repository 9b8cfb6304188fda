"""Garbage from sealed doors on a 360-px phone: a tap per door, through the field outbox."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.health.models import Seal
from fangkong.staff.models import GarbageCollection, GarbageStatus

from .conftest import PHONE
from .test_phone import assert_fits, body_text, log_in, open_ok

pytestmark = [pytest.mark.browser]


def test_a_worker_logs_a_sealed_door_s_garbage_on_a_phone_and_it_leaves_the_uncollected_list(
        browser_world, live_server, new_page):
    world = browser_world
    Seal.objects.create(community=world.community, household=world.household_a1,
                        sealed_on=timezone.localdate() - dt.timedelta(days=1))
    page = new_page(PHONE)
    log_in(page, live_server, "buildingleader")
    open_ok(page, f"{live_server.url}/staff/garbage/?building={world.building_a.pk}")
    assert_fits(page, 360)
    assert "564-101" in page.locator("#uncollected").inner_text()
    collected = page.locator(".fk-door button[value=collected]")
    for button in page.locator(".fk-door button").all():
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, f"a garbage button is {box} px"
    collected.click()
    for _ in range(100):  # the outbox sends in the background (polled here: the CSP forbids page functions)
        if GarbageCollection.objects.exists():
            break
        page.wait_for_timeout(200)
    assert GarbageCollection.objects.get().status == GarbageStatus.COLLECTED
    page.wait_for_timeout(500)  # the outbox reloads the page once nothing of it waits
    page.reload()
    assert "564-101" not in page.locator("#uncollected").inner_text()
    assert page.locator(".fk-door").get_attribute("data-status") == "collected"
    assert_fits(page, 360)
    assert "Every sealed door" in body_text(page) or "垃圾" in body_text(page)
