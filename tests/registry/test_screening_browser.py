"""The knock page in headless Chromium on a 360-px phone: taps go through htmx with a client id
made on the phone, a tap made offline is kept and sent when the network is back, and the page
raises no CSP violation. Skipped (with the reason) when there is no system Chromium, like the
other browser tests; FANGKONG_REQUIRE_BROWSER=1 turns the skip into a failure."""

import os
import shutil

import pytest
from django.utils import timezone

from fangkong.registry import screening
from fangkong.registry.models import Visit
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 360, "height": 740}
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def _skip(reason):
    if os.environ.get("FANGKONG_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    executable = "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else shutil.which("chromium")
    if not executable:
        _skip("no system Chromium (apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip("playwright is not installed")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def phone(chromium, live_server, transactional_db):
    from tests.factories import make_world

    world = make_world()
    round_ = screening.create_round(world.users["command_post"], world.community, name="第一轮",
                                    starts_at=timezone.now() - timezone.timedelta(hours=1))
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", world.users["building_leader"].username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")
    yield world, round_, page, context, violations
    context.close()


def _open_building(page, live_server, round_, building):
    page.goto(f"{live_server.url}/screening/{round_.pk}/knock/?building={building.pk}")
    page.wait_for_load_state("networkidle")


def test_a_tap_on_the_phone_records_the_outcome_with_a_client_id_made_on_the_phone(phone, live_server):
    world, round_, page, _context, violations = phone
    _open_building(page, live_server, round_, world.building_a)
    row = f"#h{world.household_a1.pk}"
    server_id = page.get_attribute(f"{row} form[data-fk-tap] input[name=client_id]", "value")
    page.click(f"{row} button[value=found]")
    page.wait_for_selector(f"{row}[data-outcome=found]")
    visit = Visit.objects.get(round=round_, household=world.household_a1)
    assert visit.outcome == "found" and visit.client_id and visit.client_id != server_id
    # The found door opens its members, each with a toggle.
    page.click(f"{row} li[data-person='{world.person_a.pk}'] button[aria-pressed]")
    page.wait_for_selector(f"{row} li[data-person='{world.person_a.pk}'][data-state=confirmed]")
    assert page.inner_text("#knock-counts [data-count=done]").strip().endswith("1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert violations == []


def test_a_tap_made_without_network_is_sent_when_the_network_is_back(phone, live_server):
    world, round_, page, context, violations = phone
    _open_building(page, live_server, round_, world.building_a)
    row = f"#h{world.household_a1.pk}"
    context.set_offline(True)
    page.click(f"{row} button[value=nobody_home]")
    page.wait_for_selector(f"{row} .fk-tap-note")
    assert not Visit.objects.filter(round=round_).exists()
    assert page.evaluate("JSON.parse(localStorage.getItem('fangkong.screening.queue')).length") == 1
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector(f"{row}[data-outcome=nobody_home]")
    assert Visit.objects.filter(round=round_, household=world.household_a1, outcome="nobody_home").count() == 1
    assert page.evaluate("JSON.parse(localStorage.getItem('fangkong.screening.queue')).length") == 0
    assert violations == []
