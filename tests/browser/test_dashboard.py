"""The command post's screen at 360 px and on a desktop: tiles that fit, open their list, and
refresh themselves from the JSON (the script is a static file: CSP allows no inline script)."""

import pytest

from fangkong.core.models import Person

from .conftest import DESKTOP, PHONE
from .test_phone import assert_fits, body_text, log_in, open_ok

pytestmark = [pytest.mark.browser]
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_dashboard_fits_refreshes_and_opens_a_list(browser_world, live_server, new_page, viewport, settings):
    settings.FANGKONG_FIGURES_MAX_AGE = 0  # count again at each refresh (a minute by default)
    world = browser_world
    page = new_page(viewport)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, live_server, "command")
    open_ok(page, f"{live_server.url}/dashboard/")
    assert_fits(page, 360 if viewport is PHONE else None)
    assert "第一网格" in body_text(page) and "第二网格" in body_text(page)
    persons = page.locator('[data-fk-col="total"] [data-fk-key="persons"]')
    assert persons.locator(".fk-tile-value").inner_text() == "3"
    assert persons.bounding_box()["height"] >= 44
    # A resident is registered meanwhile: the screen shows it on its next refresh.
    Person.objects.create(community=world.community, household=world.household_a1, name="新住户")
    page.evaluate("document.getElementById('fk-dash').dispatchEvent(new Event('fk-refresh'))")
    expect(persons.locator(".fk-tile-value")).to_have_text("4")
    assert page.locator('[data-fk-col="0"][data-fk-key="persons"] .fk-tile-value').inner_text() == "3"
    # The trend over the briefings is drawn by the vendored ECharts (none issued yet: an empty line).
    expect(page.locator("#fk-trend canvas")).to_have_count(1)
    expect(page.locator("#fk-trend")).to_have_attribute("data-points", "0")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    with page.expect_navigation():
        persons.click()
    assert "/people/" in page.url


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_wall_mode_refreshes_and_each_grid_cell_opens_its_list(browser_world, live_server, new_page, viewport,
                                                                settings):
    settings.FANGKONG_FIGURES_MAX_AGE = 0
    world = browser_world
    page = new_page(viewport)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, live_server, "command")
    open_ok(page, f"{live_server.url}/dashboard/")
    with page.expect_navigation():
        page.click("#fk-wall-link")
    assert page.url.endswith(f"/dashboard/c/{world.community.pk}/wall/")
    assert_fits(page, 360 if viewport is PHONE else None)
    assert not page.locator("nav.fk-nav").is_visible()  # the top bar is hidden on the wall
    persons = page.locator('[data-fk-col="total"] [data-fk-key="persons"]')
    big = persons.locator(".fk-tile-value")
    assert big.inner_text() == "3" and big.bounding_box()["height"] >= 30
    expect(page.locator("#fk-wall-full")).to_be_visible()
    Person.objects.create(community=world.community, household=world.household_a1, name="新住户")
    page.evaluate("document.getElementById('fk-dash').dispatchEvent(new Event('fk-refresh'))")
    expect(big).to_have_text("4")
    cell = page.locator('[data-fk-col="0"][data-fk-key="persons"] a')
    expect(cell).to_have_text("3")  # grid 1: 张三, 李四 and the newcomer
    count = cell.inner_text()
    assert cell.bounding_box()["height"] >= 44
    with page.expect_navigation():
        cell.click()
    assert "/list/?figure=persons&grid=" in page.url
    assert page.locator("#fk-list-count").inner_text() == count
    assert page.locator("#fk-list li").count() == int(count)
    assert_fits(page, 360 if viewport is PHONE else None)
    assert not [e for e in errors if "Content Security Policy" in e], errors


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_briefing_is_issued_in_the_background_and_opened(browser_world, live_server, new_page, viewport):
    world = browser_world
    page = new_page(viewport)
    log_in(page, live_server, "command")
    open_ok(page, f"{live_server.url}/dashboard/c/{world.community.pk}/briefings/")
    assert_fits(page, 360 if viewport is PHONE else None)
    page.fill("#b-tomorrow", "继续开展入户摸排")
    with page.expect_navigation():
        page.click("#fk-issue-form [type=submit]")
    # Tests run the task inline: the job is done by the time its page opens, which opens the briefing.
    expect(page.locator("#fk-briefing")).to_be_visible()
    assert "/dashboard/briefings/" in page.url
    text = page.locator("#fk-briefing-text").input_value()
    assert "继续开展入户摸排" in text and "一、总体情况" in text
    assert_fits(page, 360 if viewport is PHONE else None)
