"""The sampler page in headless Chromium on a 360-px phone: a USB barcode scanner types the code and
presses Enter; scans made offline wait in the queue (with a visible count) and are sent when the
network is back. Chromium is found and skipped (with the reason) as tests/browser/conftest.py
does; FANGKONG_REQUIRE_BROWSER=1 turns the skip into a failure.

Each test drives its phone in a thread of its own: Playwright's sync API allows one instance per
thread, and the session browser of tests/browser stays open in the main thread."""

import os
import threading

import pytest

from fangkong.testing import codes, services
from fangkong.testing.models import Sample
from tests.browser.conftest import CHROMIUM_ARGS, PHONE, _no_browser, chromium_path
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def sampler_world(transactional_db):
    from tests.factories import make_world

    world = make_world()
    round_ = services.create_round(world.users["command_post"], world.community, name="第一轮", pool_size=5)
    texts = {p.pk: codes.token(codes.code_for(p)) for p in (world.person_a, world.person_b, world.person_c)}
    return world, round_, texts


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def in_phone(live_server, username, steps):
    """Run ``steps(page)`` in a logged-in 360-px phone, in a thread of its own."""
    executable = chromium_path()
    if executable is None:
        _no_browser("no system Chromium (apt-get install chromium fonts-noto-cjk)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _no_browser("playwright is not installed")
    outcome = {}

    def work():
        from django.db import connections
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                try:
                    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
                    context.set_default_timeout(15_000)
                    page = context.new_page()
                    _login(page, live_server, username)
                    steps(page)
                finally:
                    browser.close()
        except BaseException as error:  # handed to the test's thread below
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, name="sampler-phone")
    thread.start()
    thread.join(timeout=180)
    assert not thread.is_alive(), "the phone did not finish in 3 minutes"
    if "error" in outcome:
        raise outcome["error"]


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) [type=submit]")


def _type_and_enter(page, text):
    """What a USB scanner does: keystrokes, then Enter."""
    page.focus("#sampler-input")
    page.keyboard.type(text, delay=2)
    page.keyboard.press("Enter")


def test_a_usb_scanner_scans_a_tube_then_a_person(sampler_world, live_server):
    world, round_, texts = sampler_world

    def steps(page):
        violations = []
        page.on("console", lambda msg: violations.append(msg.text)
                if "Content Security Policy" in msg.text else None)
        page.goto(f"{live_server.url}/testing/{round_.pk}/sampler/")
        _type_and_enter(page, "T100")
        page.wait_for_selector("#sampler-answer[data-code=tube_set]")
        _type_and_enter(page, texts[world.person_a.pk])
        page.wait_for_selector("#sampler-answer[data-code=accepted]")
        assert "alert-success" in page.get_attribute("#sampler-answer", "class")
        _type_and_enter(page, texts[world.person_a.pk])
        page.wait_for_selector("#sampler-answer[data-code=already_sampled]")
        assert "alert-danger" in page.get_attribute("#sampler-answer", "class")
        assert Sample.objects.filter(round=round_).count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert violations == []

    in_phone(live_server, world.users["sampler"].username, steps)


def test_scans_made_offline_wait_and_drain_when_back_online(sampler_world, live_server):
    world, round_, texts = sampler_world

    def steps(page):
        page.goto(f"{live_server.url}/testing/{round_.pk}/sampler/")
        _type_and_enter(page, "T200")
        page.context.set_offline(True)
        _type_and_enter(page, texts[world.person_a.pk])
        _type_and_enter(page, texts[world.person_b.pk])
        expect(page.locator("#sampler-waiting")).to_have_text("2")
        page.wait_for_selector("#sampler-answer[data-code=queued]")
        assert Sample.objects.filter(round=round_).count() == 0
        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#sampler-waiting")).to_have_text("0")
        assert Sample.objects.filter(round=round_).count() == 2

    in_phone(live_server, world.users["sampler"].username, steps)


def test_the_manual_fallback_samples_a_person_found_by_room(sampler_world, live_server):
    world, round_, _texts = sampler_world

    def steps(page):
        page.goto(f"{live_server.url}/testing/{round_.pk}/sampler/")
        _type_and_enter(page, "T300")
        page.click("#sampler-manual summary")
        page.fill("#sampler-query", "800-101")
        page.click("#sampler-find button[type=submit]")
        page.click(f"#sampler-found [data-person='{world.person_c.pk}']")
        page.wait_for_selector("#sampler-answer[data-code=accepted]")
        assert Sample.objects.get(round=round_).person == world.person_c

    in_phone(live_server, world.users["sampler"].username, steps)
