"""The knock page in headless Chromium on a 360-px phone: taps go through the field outbox with a client id
made on the phone, a tap made offline is kept and sent when the network is back, and the page
raises no CSP violation. Skipped (with the reason) when there is no system Chromium, like the
other browser tests; FANGKONG_REQUIRE_BROWSER=1 turns the skip into a failure."""

import os
import shutil
import threading

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


def _executable():
    executable = "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else shutil.which("chromium")
    if not executable:
        _skip("no system Chromium (apt-get install chromium fonts-noto-cjk)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _skip("playwright is not installed")
    return executable


def in_phone(live_server, username, steps):
    """Run ``steps(page, context, violations)`` in a logged-in 360-px phone, in a thread of its own.

    Playwright's sync API allows one instance per thread, and tests/browser keeps its own open in
    the main thread for the whole session: a thread of our own never meets it."""
    executable = _executable()
    outcome = {}

    def work():
        from django.db import connections
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
                try:
                    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
                    context.set_default_timeout(15_000)
                    page = context.new_page()
                    violations = []
                    page.on("console", lambda msg: violations.append(msg.text)
                            if "Content Security Policy" in msg.text else None)
                    page.goto(f"{live_server.url}/accounts/login/")
                    page.fill("input[name=username]", username)
                    page.fill("input[name=password]", PASSWORD)
                    with page.expect_navigation():
                        page.click("form:has(input[name=password]) [type=submit]")
                    steps(page, context, violations)
                finally:
                    browser.close()
        except BaseException as error:  # handed to the test's thread below
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, name="phone")
    thread.start()
    thread.join(timeout=180)
    assert not thread.is_alive(), "the phone did not finish in 3 minutes"
    if "error" in outcome:
        raise outcome["error"]


@pytest.fixture
def knock_world(transactional_db):
    from tests.factories import make_world

    world = make_world()
    round_ = screening.create_round(world.users["command_post"], world.community, name="第一轮",
                                    starts_at=timezone.now() - timezone.timedelta(hours=1))
    return world, round_


def _open_building(page, live_server, round_, building):
    page.goto(f"{live_server.url}/screening/{round_.pk}/knock/?building={building.pk}")
    page.wait_for_load_state("networkidle")


def test_a_tap_on_the_phone_records_the_outcome_with_a_client_id_made_on_the_phone(knock_world, live_server):
    world, round_ = knock_world
    row = f"#h{world.household_a1.pk}"

    def steps(page, _context, violations):
        _open_building(page, live_server, round_, world.building_a)
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

    in_phone(live_server, world.users["building_leader"].username, steps)


def test_a_tap_made_without_network_is_sent_when_the_network_is_back(knock_world, live_server):
    world, round_ = knock_world
    row = f"#h{world.household_a1.pk}"
    queued = "Number(document.querySelector('#fk-outbox').getAttribute('data-waiting'))"

    def steps(page, context, violations):
        _open_building(page, live_server, round_, world.building_a)
        context.set_offline(True)
        page.click(f"{row} button[value=nobody_home]")
        page.wait_for_selector(f"{row} .fk-tap-note")
        page.wait_for_selector("#fk-outbox[data-waiting='1']")
        assert not Visit.objects.filter(round=round_).exists()
        assert page.evaluate(queued) == 1
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_selector(f"{row}[data-outcome=nobody_home]")
        page.wait_for_selector("#fk-outbox[data-waiting='0']")
        assert page.evaluate(queued) == 0
        assert violations == []

    in_phone(live_server, world.users["building_leader"].username, steps)
    assert Visit.objects.filter(round=round_, household=world.household_a1, outcome="nobody_home").count() == 1
