"""The status map in a browser, on a desktop and at 360 px: the vendored Leaflet over the site plan
(no tile server), a building outline drawn by clicking its corners, the layers switched, a door
searched for and centred, a tap opening the building's page."""

import io

import pytest
from django.utils import timezone
from PIL import Image

from fangkong.dashboard import maps
from fangkong.dashboard.models import BuildingShape
from fangkong.health.models import Colour, KeyPerson, State

from .conftest import DESKTOP, PHONE
from .test_phone import assert_fits, log_in, open_ok

pytestmark = [pytest.mark.browser]
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def map_world(browser_world):
    w = browser_world
    command = w.users["command_post"]
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 700), (240, 236, 220)).save(buffer, "PNG")
    maps.upload_plan(command, w.community, buffer.getvalue(), "plan.png")
    maps.save_shape(command, w.building_a, "polygon", [[100, 100], [260, 100], [260, 220], [100, 220]])
    maps.save_shape(command, w.building_c, "polygon", [[700, 450], [860, 450], [860, 600], [700, 600]])
    KeyPerson.objects.create(community=w.community, person=w.person_a, state=State.CLOSE_CONTACT,
                             since=timezone.localdate(), colour=Colour.ORANGE)
    return w


def shape(page, building):
    return page.locator(f'#fk-map path[data-building="{building.pk}"]')


def watch_csp(page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_command_post_switches_layers_and_draws_an_outline(map_world, live_server, new_page, viewport,
                                                               output_dir):
    w = map_world
    page = new_page(viewport)
    errors = watch_csp(page)
    log_in(page, live_server, "command")
    open_ok(page, f"{live_server.url}/dashboard/c/{w.community.pk}/map/")
    expect(page.locator("#fk-map")).to_have_attribute("data-ready", "1")
    assert_fits(page, 360 if viewport is PHONE else None)
    # The plan is the uploaded image under Leaflet's simple CRS, no tiles.
    expect(page.locator("#fk-map img.leaflet-image-layer")).to_have_count(1)
    assert page.locator("#fk-map .leaflet-tile").count() == 0
    expect(shape(page, w.building_a)).to_have_attribute("data-cls", "normal")
    # Another layer: 564 holds an orange key person, 800 none.
    page.select_option("#fk-map-layer", "cases")
    expect(page.locator("#fk-map-legend")).to_have_attribute("data-layer", "cases")
    expect(shape(page, w.building_a)).to_have_attribute("data-cls", "orange")
    expect(shape(page, w.building_a)).to_have_attribute("data-n", "1")
    expect(shape(page, w.building_c)).to_have_attribute("data-cls", "none")
    assert "layer=cases" in page.url
    page.screenshot(path=str(output_dir / f"map-{'phone' if viewport is PHONE else 'desktop'}.png"), full_page=True)
    assert "layer=cases" in page.locator(".fk-map-pdf").first.get_attribute("href")
    # Draw building 17: choose it, Start, click three corners on the plan, Save.
    page.select_option("#fk-draw-building", str(w.building_b.pk))
    page.click("#fk-draw-start")
    page.wait_for_timeout(200)  # the map scrolled into view
    box = page.locator("#fk-map").bounding_box()
    for fx, fy in ((0.45, 0.35), (0.6, 0.35), (0.55, 0.55)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    expect(page.locator("#fk-draw-count")).to_contain_text("3")
    expect(page.locator("#fk-draw-save")).to_be_enabled()
    page.locator("#fk-draw-save").scroll_into_view_if_needed()
    with page.expect_navigation():
        page.click("#fk-draw-save")
    drawn = BuildingShape.objects.get(building=w.building_b)
    assert drawn.kind == "polygon" and len(drawn.points) == 3
    assert all(0 <= x <= 1000 and 0 <= y <= 700 for x, y in drawn.points)
    expect(page.locator("#fk-map")).to_have_attribute("data-ready", "1")
    expect(shape(page, w.building_b)).to_have_count(1)
    # Back on the layer it was drawn in, centred on the new building.
    expect(page.locator("#fk-map-legend")).to_have_attribute("data-layer", "cases")
    expect(page.locator("#fk-map")).to_have_attribute("data-found", str(w.building_b.pk))
    assert not [e for e in errors if "Content Security Policy" in e], errors


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_building_leader_finds_a_door_and_taps_it(map_world, live_server, new_page, viewport):
    w = map_world
    page = new_page(viewport)
    errors = watch_csp(page)
    log_in(page, live_server, "buildingleader")
    # From the start page: the map entry, then the door.
    open_ok(page, f"{live_server.url}/start/")
    with page.expect_navigation():
        page.click('a[href="/dashboard/map/"]')
    expect(page.locator("#fk-map")).to_have_attribute("data-ready", "1")
    assert_fits(page, 360 if viewport is PHONE else None)
    search = page.locator("#fk-map-door")
    assert search.bounding_box()["height"] >= 44
    # A door outside their buildings is not on their map.
    search.fill("800")
    page.click("#fk-map-search [type=submit]")
    expect(page.locator("#fk-map-msg")).to_contain_text("800")
    assert page.locator("#fk-map").get_attribute("data-found") is None
    search.fill("５６４")  # typed in full-width digits
    page.click("#fk-map-search [type=submit]")
    expect(page.locator("#fk-map")).to_have_attribute("data-found", str(w.building_a.pk))
    expect(page.locator("#fk-map-msg")).to_contain_text("139****1234")
    page.wait_for_timeout(400)  # the pan
    map_box = page.locator("#fk-map").bounding_box()
    found = shape(page, w.building_a).bounding_box()
    centre_x, centre_y = found["x"] + found["width"] / 2, found["y"] + found["height"] / 2
    assert abs(centre_x - (map_box["x"] + map_box["width"] / 2)) < 30
    assert abs(centre_y - (map_box["y"] + map_box["height"] / 2)) < 30
    # Its label shows the door and the landlord's masked phone.
    expect(page.locator(".fk-map-label-on")).to_contain_text("564")
    expect(page.locator(".fk-map-label-on .fk-map-phone")).to_have_text("139****1234")
    with page.expect_navigation():
        shape(page, w.building_a).click()
    assert page.url.endswith(f"/buildings/{w.building_a.pk}/")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_map_fits_a_phone_and_a_thumb_for_the_building_leader_and_volunteer(map_world, live_server):
    from .test_phone_fit import _measure, _problems

    w = map_world
    path = f"/dashboard/c/{w.community.pk}/map/"
    found = _measure(live_server, w.users["building_leader"].username, [path, "/start/"])
    found.update({f"volunteer {p}": r for p, r in
                  _measure(live_server, w.users["delivery_volunteer"].username, [path]).items()})
    problems = _problems(found)
    assert not problems, "\n".join(problems)
