"""On a 360-px phone, in headless Chromium (in a thread of its own, as the screening tests do):
the building leader's key persons and the building's temperatures typed in one go."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from fangkong.core.models import Person
from fangkong.health import services
from fangkong.health.models import HealthReport, KeyPerson, MeasureKind, State
from tests.factories import make_world
from tests.registry.test_screening_browser import in_phone

pytestmark = [pytest.mark.browser]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_building_leader_types_a_buildings_temperatures_on_a_phone(transactional_db, live_server):
    world = make_world()
    command = world.users["command_post"]
    today = timezone.localdate()
    other = Person.objects.create(community=world.community, household=world.household_a1, name="张小明")
    for person in (world.person_a, world.person_b, other):
        services.start_measure(command, person, MeasureKind.HOME, today, today + timedelta(days=6),
                               state=State.CLOSE_CONTACT, today=today)
    OUTPUT.mkdir(exist_ok=True)
    seen = {}

    def steps(page, context, violations):
        page.goto(f"{live_server.url}/health/")
        seen["register"] = page.inner_text("#register")
        seen["register_fits"] = fits(page)
        page.screenshot(path=str(OUTPUT / "health_register_360.png"), full_page=True)
        page.goto(f"{live_server.url}/health/reports/?building={world.building_a.pk}")
        seen["reports_fits"] = fits(page)
        first, second = page.locator("input.fk-temp").all()
        first.fill("365")
        first.press("Enter")  # moves to the next person instead of sending
        seen["focus_moved"] = page.evaluate("document.activeElement.name") == second.get_attribute("name")
        second.fill("376")
        seen["marked"] = "is-invalid" in second.get_attribute("class")
        page.screenshot(path=str(OUTPUT / "health_temperatures_360.png"), full_page=True)
        with page.expect_navigation():
            second.press("Enter")  # the last one sends the screen
        seen["violations"] = list(violations)

    in_phone(live_server, "buildingleader", steps)
    assert "张三" in seen["register"] and "李四" not in seen["register"]
    assert seen["register_fits"] and seen["reports_fits"]
    assert seen["focus_moved"] and seen["marked"] and seen["violations"] == []
    assert HealthReport.objects.count() == 2
    assert KeyPerson.objects.get(person=other).state == State.FEVER
