"""The command post's screen at 360 px and on a desktop: tiles that fit, open their list, and
refresh themselves from the JSON (the script is a static file: CSP allows no inline script)."""

import pytest

from fangkong.core.models import Person

from .conftest import DESKTOP, PHONE
from .test_phone import assert_fits, body_text, log_in, open_ok

pytestmark = [pytest.mark.browser]
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_dashboard_fits_refreshes_and_opens_a_list(browser_world, live_server, new_page, viewport):
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
