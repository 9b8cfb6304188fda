"""The supplies field pages at 360 px in headless Chromium: the meal list (a slot handed over
without a network arrives once), the medical trips of the day, cancelling a request."""

import pytest
from django.utils import timezone

from fangkong.core.models import PersonTag
from fangkong.supplies import services
from fangkong.supplies.models import CarePlan, MealDelivery, MedicalTrip, Request, Status

from .conftest import PHONE
from .test_phone import assert_fits, log_in, open_ok
from .test_supplies_phone import small_targets

pytestmark = [pytest.mark.browser]


def test_meals_handed_over_offline_arrive_once(browser_world, live_server, new_page):
    world = browser_world
    plan = services.save_meal_plan(world.users["command_post"], world.household_a1, 2, "不放调料", "11:30,17:20")
    page = new_page(PHONE)
    log_in(page, live_server, "volunteer")
    open_ok(page, f"{live_server.url}/supplies/meals/")
    assert_fits(page, 360)
    assert small_targets(page, "form[data-fk-outbox=meals] button") == []
    assert "不放调料" in page.inner_text("main")
    page.context.set_offline(True)
    page.locator(f"#meal-{plan.pk}-1 button").click()
    page.wait_for_selector("#fk-outbox[data-waiting='1']", timeout=20_000)
    assert not MealDelivery.objects.exists()
    with page.expect_navigation(timeout=20_000):  # drawn again once the queue is empty
        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
    delivery = MealDelivery.objects.get()
    assert (delivery.slot, delivery.count, delivery.on) == ("11:30", 2, timezone.localdate())
    assert "11:30 ✓" in page.inner_text("main")


def test_the_days_trips_and_a_cancelled_request_on_a_phone(browser_world, live_server, new_page):
    world = browser_world
    PersonTag.objects.create(person=world.person_a, tag="dialysis")
    services.ensure_care_plans(world.users["command_post"], world.community)
    services.plan_trips(world.users["command_post"], world.person_a, timezone.localdate(), 2, 3, "血液透析",
                        kind="ambulance", where="市第一医院")
    trip = MedicalTrip.objects.order_by("on").first()
    page = new_page(PHONE)
    log_in(page, live_server, "gridworker")
    open_ok(page, f"{live_server.url}/supplies/trips/")
    assert_fits(page, 360)
    assert small_targets(page, f"#trip-{trip.pk} button") == []
    with page.expect_navigation(timeout=20_000):
        page.locator(f"#trip-{trip.pk} button[value=done]").click()
    trip.refresh_from_db()
    assert trip.status == "done"
    assert CarePlan.objects.exists()

    [request] = services.enter_requests(world.users["building_leader"], world.building_a, [
        services.RequestRow(household=world.household_a1, kind="gas")])
    leader = new_page(PHONE)
    log_in(leader, live_server, "buildingleader")
    open_ok(leader, f"{live_server.url}/supplies/buildings/{world.building_a.pk}/requests/")
    with leader.expect_navigation():
        leader.click(f"a[href='/supplies/requests/{request.pk}/cancel/']")
    assert_fits(leader, 360)
    leader.fill("#reason", "重复登记")
    with leader.expect_navigation():
        leader.click("#cancel-form button")
    request.refresh_from_db()
    assert (request.status, request.cancel_reason) == (Status.CANCELLED, "重复登记")
    assert Request.objects.count() == 1
