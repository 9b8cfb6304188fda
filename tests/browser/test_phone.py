"""End to end, in headless Chromium: who sees which buildings, and a person's page on a 360-px phone."""

import re
from urllib.parse import urlsplit

import pytest

from fangkong.lib.masking import mask_id, mask_phone
from tests.factories import PASSWORD

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser]

BUILDING_HREF = re.compile(r"/buildings/(\d+)/$")
PERSON_HREF = re.compile(r"/people/(\d+)/$")


def log_in(page, live_server, username):
    open_ok(page, f"{live_server.url}/accounts/login/")
    assert_fits(page, 360 if page.viewport_size["width"] == 360 else None)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")
    path = urlsplit(page.url).path
    assert not path.startswith("/accounts/login/"), f"login as {username} failed: {body_text(page)[:300]}"
    return path


def body_text(page) -> str:
    return page.inner_text("body")


def linked_ids(page, pattern) -> dict[int, str]:
    """{pk: link text} for every link on the page whose path matches pattern."""
    links = page.eval_on_selector_all(
        "a[href]", "els => els.map(e => [e.getAttribute('href'), e.innerText.trim()])"
    )
    found = {}
    for href, text in links:
        match = pattern.search(urlsplit(href).path)
        if match:
            found.setdefault(int(match.group(1)), "")
            found[int(match.group(1))] += " " + text
    return found


def assert_fits(page, width):
    """No horizontal scrolling: the document is no wider than the screen."""
    if width is None:
        return
    overflow = page_overflow(page, width)
    assert overflow is None, overflow


def page_overflow(page, width) -> str | None:
    """None if the page fits ``width``; else what is too wide, for the failure message."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= width:
        return None
    culprits = page.evaluate(
        """width => [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > width + 0.5)
            .slice(0, 3)
            .map(e => `<${e.tagName.toLowerCase()} class="${e.className}"> right edge at `
                      + `${Math.round(e.getBoundingClientRect().right)} px`)""",
        width,
    )
    return (f"{urlsplit(page.url).path} scrolls sideways at {width} px: scrollWidth is {scroll_width}; "
            f"too wide: {'; '.join(culprits)}")


def open_ok(page, url):
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response.status if response else '?'}"
    return response


def test_building_leader_on_a_phone_sees_only_own_building_and_masked_data(
    browser_world, live_server, new_page, output_dir
):
    world = browser_world
    page = new_page(PHONE)

    log_in(page, live_server, "buildingleader")
    assert_fits(page, 360)  # the home page with the overview

    open_ok(page, f"{live_server.url}/buildings/")
    assert_fits(page, 360)
    page.screenshot(path=str(output_dir / "building_leader_360_buildings.png"), full_page=True)
    buildings = linked_ids(page, BUILDING_HREF)
    assert world.building_a.pk in buildings, f"building 564 missing from the list: {body_text(page)[:500]}"
    assert "564" in buildings[world.building_a.pk]
    assert world.building_b.pk not in buildings, "building 17 (another building of the grid) is listed"
    assert world.building_c.pk not in buildings, "building 800 (another grid) is listed"
    assert world.other_building.pk not in buildings, "a building of another community is listed"
    text = body_text(page)
    assert "李四" not in text and "王五" not in text

    # Another building's page is not reachable by typing its address either.
    response = page.goto(f"{live_server.url}/buildings/{world.building_b.pk}/")
    assert response is not None and response.status in (403, 404), f"building 17: HTTP {response.status}"
    response = page.goto(f"{live_server.url}/people/{world.person_c.pk}/")
    assert response is not None and response.status in (403, 404), f"王五: HTTP {response.status}"

    # Into building 564, its households and members, then 张三's page, following the links.
    open_ok(page, f"{live_server.url}/buildings/")
    with page.expect_navigation():
        page.click(f"a[href$='/buildings/{world.building_a.pk}/']")
    assert urlsplit(page.url).path.endswith(f"/buildings/{world.building_a.pk}/")
    # (its width at 360 px is checked, with the other pages, by the test below)
    people = linked_ids(page, PERSON_HREF)
    assert world.person_a.pk in people, f"张三 is not listed in building 564: {body_text(page)[:500]}"
    assert "张三" in body_text(page)
    with page.expect_navigation():
        page.click(f"a[href$='/people/{world.person_a.pk}/']")
    assert urlsplit(page.url).path.endswith(f"/people/{world.person_a.pk}/")

    person = world.person_a
    assert "张三" in page.inner_text("h1")
    text = body_text(page)
    html = page.content()
    assert mask_id(person.id_number) in text, f"masked ID {mask_id(person.id_number)} not shown"
    assert person.id_number not in text and person.id_number not in html, "the whole ID number is in the page"
    assert mask_phone(person.phone) in text, f"masked phone {mask_phone(person.phone)} not shown"
    assert person.phone not in text and person.phone not in html, "the whole phone number is in the page"
    assert_fits(page, 360)
    page.screenshot(path=str(output_dir / "building_leader_360.png"), full_page=True)


def test_grid_worker_sees_the_buildings_of_their_grid_only(browser_world, live_server, new_page, output_dir):
    world = browser_world
    page = new_page(DESKTOP)

    log_in(page, live_server, "gridworker")
    open_ok(page, f"{live_server.url}/buildings/")
    page.screenshot(path=str(output_dir / "grid_worker_buildings.png"), full_page=True)
    buildings = linked_ids(page, BUILDING_HREF)
    assert world.building_a.pk in buildings and "564" in buildings[world.building_a.pk]
    assert world.building_b.pk in buildings and "17" in buildings[world.building_b.pk]
    assert world.building_c.pk not in buildings, "building 800 (grid 2) is listed for a grid-1 worker"
    assert world.other_building.pk not in buildings, "a building of another community is listed"


def test_every_page_a_building_leader_opens_fits_a_360px_phone(browser_world, live_server, new_page):
    """DESIGN.md: every page a building leader uses works on a 360-px-wide screen."""
    import datetime as dt

    from fangkong.testing import codes, schedule
    from fangkong.testing import services as testing

    world = browser_world
    command = world.users["command_post"]
    round_ = testing.create_round(command, world.community, name="第一轮全员核酸", sampling_points="广场")
    schedule.plan(command, round_, [world.building_a, world.building_b], point="广场", start=dt.time(8, 0),
                  minutes=30)
    page = new_page(PHONE)
    log_in(page, live_server, "buildingleader")
    paths = [
        "/",
        "/buildings/",
        f"/buildings/{world.building_a.pk}/",
        f"/households/{world.household_a1.pk}/",
        "/people/",
        f"/people/{world.person_a.pk}/",
        f"/testing/{round_.pk}/",
        f"/testing/{round_.pk}/schedule/",
        f"/testing/{round_.pk}/untested/",
        f"/testing/{round_.pk}/coverage/",
        f"/testing/code/?person={world.person_a.pk}",
        f"/testing/c/?code={codes.token(codes.code_for(world.person_a))}",
        "/health/",
        "/screening/",
    ]
    too_wide = []
    for path in paths:
        open_ok(page, f"{live_server.url}{path}")
        overflow = page_overflow(page, 360)
        if overflow:
            too_wide.append(overflow)
    assert not too_wide, "\n".join(too_wide)
