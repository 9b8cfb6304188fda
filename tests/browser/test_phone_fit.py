"""Every field page a building leader or a sampler opens, on a 360-px phone: no horizontal
overflow, and every tap target (links, buttons, fields, the labels of check boxes) at least
44 x 44 px. The offenders are listed by page, so a failure says what to fix."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from fangkong.health import services as health
from fangkong.health.models import MeasureKind, State
from fangkong.registry import screening
from fangkong.testing import services as testing
from tests.factories import make_world
from tests.registry.test_screening_browser import in_phone

pytestmark = [pytest.mark.browser]
MEASURE = (Path(__file__).parent / "measure_targets.js").read_text()


@pytest.fixture
def fit_world(transactional_db):
    world = make_world()
    command = world.users["command_post"]
    today = timezone.localdate()
    knock = screening.create_round(command, world.community, name="第一轮",
                                   starts_at=timezone.now() - timedelta(hours=1))
    health.start_measure(command, world.person_a, MeasureKind.HOME, today, today + timedelta(days=6),
                         state=State.CLOSE_CONTACT, today=today)
    health.seal_household(command, world.household_a1, number="F-1")
    test_round = testing.create_round(command, world.community, name="核酸一轮", pool_size=5,
                                      sampling_points="村委会广场")
    return world, knock, test_round


def _measure(live_server, username, paths):
    found = {}

    def steps(page, context, violations):
        for path in paths:
            response = page.goto(live_server.url + path)
            page.wait_for_load_state("load")
            found[path] = page.evaluate(MEASURE)
            found[path]["status"] = response.status if response else 0

    in_phone(live_server, username, steps)
    return found


def _problems(found):
    problems = []
    for path, result in found.items():
        if result.get("status", 200) != 200:  # a page that did not open measures nothing
            problems.append(f"{path}: HTTP {result['status']}")
        if result["overflow"] > 360:
            problems.append(f"{path}: {result['overflow']} px wide")
        problems.extend(f"{path}: {item}" for item in result["bad"])
    return problems


def test_building_leaders_field_pages_fit_a_phone_and_a_thumb(fit_world, live_server):
    world, knock, test_round = fit_world
    b = world.building_a.pk
    paths = ["/start/", f"/screening/{knock.pk}/knock/", f"/screening/{knock.pk}/knock/?building={b}",
             "/health/reports/", f"/health/reports/?building={b}", f"/health/seals/?building={b}",
             "/testing/antigen/", f"/testing/antigen/?building={b}", f"/testing/{test_round.pk}/untested/"]
    problems = _problems(_measure(live_server, world.users["building_leader"].username, paths))
    assert not problems, "\n".join(problems)


def test_samplers_and_guards_pages_fit_a_phone_and_a_thumb(fit_world, live_server):
    world, _knock, test_round = fit_world
    found = _measure(live_server, world.users["sampler"].username, ["/start/", f"/testing/{test_round.pk}/sampler/"])
    found.update(_measure(live_server, world.users["guard"].username, ["/start/", "/health/reception/"]))
    problems = _problems(found)
    assert not problems, "\n".join(problems)


def test_every_page_a_building_leader_opens_from_the_menu_fits_a_phone_and_a_thumb(fit_world, live_server):
    """Not only the field pages: what the start page and the menu lead to (the person file, the
    household, the building, the schedule, the key persons, the daily five and my shifts)."""
    from fangkong.health.models import KeyPerson
    from fangkong.staff import services as staff
    from fangkong.staff.models import Worker

    world, knock, test_round = fit_world
    leader = world.users["building_leader"]
    cadre = Worker.objects.create(community=world.community, name="蔡文彬", user=leader, grid=world.grid1)
    staff.assign(world.users["command_post"], cadre, building=world.building_a)
    key = KeyPerson.objects.get(person=world.person_a)
    paths = ["/", "/buildings/", f"/buildings/{world.building_a.pk}/", f"/households/{world.household_a1.pk}/",
             "/people/", f"/people/{world.person_a.pk}/", "/screening/", f"/screening/{knock.pk}/",
             "/testing/", f"/testing/{test_round.pk}/", f"/testing/{test_round.pk}/schedule/", "/health/",
             f"/health/keypersons/{key.pk}/", "/health/reports/everyone/", "/staff/five/", "/staff/my/"]
    problems = _problems(_measure(live_server, leader.username, paths))
    assert not problems, "\n".join(problems)


def test_a_grid_workers_staff_pages_fit_a_phone_and_a_thumb(fit_world, live_server):
    world, _knock, _round = fit_world
    paths = ["/start/", "/staff/tasks/", "/staff/five/", "/staff/my/", f"/grids/{world.grid1.pk}/"]
    problems = _problems(_measure(live_server, world.users["grid_worker"].username, paths))
    assert not problems, "\n".join(problems)
