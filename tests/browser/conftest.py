"""Browser tests: Playwright's sync API driving the system Chromium against pytest-django's live server.

Playwright never downloads a browser here (there is no internet on the command post's machines nor in
CI): the tests use /usr/bin/chromium, or ``chromium`` on the PATH, and are skipped, with the reason,
when neither exists. Set FANGKONG_REQUIRE_BROWSER=1 (CI does) to turn that skip into a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in the test thread; Django then refuses database
# access from that thread unless told it is safe (it is: nothing else runs in that loop).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPO_ROOT / "test-output"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def chromium_path() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _no_browser(reason: str):
    if os.environ.get("FANGKONG_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}:
        pytest.fail(f"{reason} (FANGKONG_REQUIRE_BROWSER is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        _no_browser("no system Chromium: /usr/bin/chromium and `chromium` on PATH are both missing "
                    "(apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements-dev.txt
        _no_browser("playwright is not installed (pip install -r requirements-dev.txt)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_page(browser):
    """new_page(viewport) -> a page in a fresh context (own cookies), Chinese, in Asia/Shanghai."""
    contexts = []

    def _new_page(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def browser_world(transactional_db):
    """The tests' small world, committed so that the live server's thread sees it."""
    from tests.factories import make_world

    return make_world()


@pytest.fixture(scope="session")
def output_dir():
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR
