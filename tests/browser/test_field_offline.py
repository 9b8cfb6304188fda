"""Every field flow through a dropped network and an ended sign-in, in headless Chromium on a
360-px phone: the network is cut in the middle, the phone moves to another page and reloads
without a network (the service worker serves the kept copy, marked with its time), the session
ends (deleted on the server) while writes wait, the network comes back, the user signs in again
on the page, and every write is in the database exactly once."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from fangkong.health import services as health
from fangkong.health.models import HealthReport, MeasureKind, Seal, SealCheck, State
from fangkong.registry import screening
from fangkong.registry.models import Visit
from fangkong.testing import codes
from fangkong.testing import services as testing
from fangkong.testing.models import AntigenReport, Sample
from tests.factories import PASSWORD, make_world
from tests.registry.test_screening_browser import in_phone

pytestmark = [pytest.mark.browser]


def waiting(page, n):
    page.wait_for_selector(f"#fk-outbox[data-waiting='{n}']", timeout=20_000)


def wait_for_worker(page):
    """The service worker controls the page (it caches what is opened from now on)."""
    # Polled from here: wait_for_function compiles its text in the page, which the strict CSP forbids.
    for n in range(100):
        if page.evaluate("() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)"):
            return
        if n % 10 == 9:
            page.reload()  # the next navigation after activation is controlled in any case
        page.wait_for_timeout(200)
    raise AssertionError("the service worker never took control of the page")


def kept(page):
    """The page is in the service worker's cache: a reload without a network shows it."""
    page.wait_for_selector("body[data-fk-kept='1']", state="attached", timeout=20_000)


def end_session():
    # The 30-minute idle end, without waiting 30 minutes: the server forgets every session.
    Session.objects.all().delete()


def sign_in_again(page):
    page.wait_for_selector("#fk-outbox [data-fk-session]:not(.d-none)", timeout=20_000)
    page.fill("#fk-outbox [data-fk-signin] input[name=password]", PASSWORD)
    page.click("#fk-outbox [data-fk-signin] button[type=submit]")


def back_online(context, page):
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")


@pytest.fixture
def field_world(transactional_db):
    world = make_world()
    command = world.users["command_post"]
    today = timezone.localdate()
    round_ = screening.create_round(command, world.community, name="第一轮",
                                    starts_at=timezone.now() - timedelta(hours=1))
    health.start_measure(command, world.person_a, MeasureKind.HOME, today, today + timedelta(days=6),
                         state=State.CLOSE_CONTACT, today=today)
    seal = health.seal_household(command, world.household_a1, number="F-1")
    return world, round_, seal


def test_knocks_made_offline_and_after_the_sign_in_ended_arrive_once(field_world, live_server):
    world, round_, _seal = field_world
    row = f"#h{world.household_a1.pk}"
    knock = f"{live_server.url}/screening/{round_.pk}/knock/?building={world.building_a.pk}"
    seen = {}

    def steps(page, context, violations):
        page.goto(f"{live_server.url}/start/")
        wait_for_worker(page)
        page.goto(knock)  # opened once online: kept for the stairs
        page.goto(f"{live_server.url}/start/")
        context.set_offline(True)
        page.goto(knock)  # moving between pages without a network
        seen["copy"] = page.inner_text("#fk-offline-copy")
        page.click(f"{row} button[value=nobody_home]")
        waiting(page, 1)
        page.reload()  # reloading offline keeps the queue and the page
        waiting(page, 1)
        end_session()
        back_online(context, page)
        page.click("#fk-outbox [data-fk-send-now]")
        sign_in_again(page)
        waiting(page, 0)
        page.wait_for_selector(f"{row}[data-outcome=nobody_home]")
        page.click("#fk-outbox [data-fk-send-now]")  # sending again sends nothing twice
        seen["violations"] = list(violations)

    in_phone(live_server, world.users["building_leader"].username, steps)
    assert seen["copy"].strip(), "the offline copy says how old it is"
    assert Visit.objects.filter(round=round_, household=world.household_a1).count() == 1
    assert seen["violations"] == []


def test_scans_made_after_the_sign_in_ended_are_kept_and_arrive_once(field_world, live_server):
    world, round_, _seal = field_world
    test_round = testing.create_round(world.users["command_post"], world.community, name="核酸一轮", pool_size=5)
    person_code = codes.token(codes.code_for(world.person_a))
    seen = {}

    def steps(page, context, violations):
        page.goto(f"{live_server.url}/testing/{test_round.pk}/sampler/")
        # The first page after signing in never passed through the worker (it was not installed
        # yet): the page asks to be kept, from the browser's copy, and says when it is.
        kept(page)
        page.fill("#sampler-input", "T300")
        page.press("#sampler-input", "Enter")
        page.wait_for_selector("#sampler-answer[data-code=tube_set]")
        end_session()  # the swab is in the tube, the sign-in has ended
        page.fill("#sampler-input", person_code)
        page.press("#sampler-input", "Enter")
        page.wait_for_selector("#sampler-answer[data-code=queued]")
        waiting(page, 1)
        seen["before"] = Sample.objects.filter(round=test_round).count()
        context.set_offline(True)
        page.reload()  # the sampler page from the kept copy; the scan still waits
        waiting(page, 1)
        back_online(context, page)
        sign_in_again(page)
        waiting(page, 0)
        page.wait_for_selector("#sampler-answer[data-code=accepted]")

    in_phone(live_server, world.users["sampler"].username, steps)
    assert seen["before"] == 0
    assert Sample.objects.filter(round=test_round, person=world.person_a).count() == 1


def test_the_first_page_after_signing_in_is_kept_even_if_the_sign_in_ends_at_once(field_world, live_server):
    """The race behind the sampler's lost reload: the first page opened never passed through the
    worker (not installed yet), and once the sign-in has ended the server will not give it again.
    The page is kept from the browser's own copy of what it was served."""
    world, _round, _seal = field_world
    test_round = testing.create_round(world.users["command_post"], world.community, name="核酸一轮", pool_size=5)
    seen = {}

    def steps(page, context, violations):
        page.goto(f"{live_server.url}/testing/{test_round.pk}/sampler/")
        end_session()  # before the worker has had time to keep anything
        page.wait_for_selector("body[data-fk-kept]", state="attached", timeout=20_000)
        seen["kept"] = page.get_attribute("body", "data-fk-kept")
        context.set_offline(True)
        page.reload()
        seen["copy"] = page.get_attribute("body", "data-fk-offline-copy")
        seen["sampler"] = page.locator("#sampler-input").count()

    in_phone(live_server, world.users["sampler"].username, steps)
    assert seen == {"kept": "1", "copy": "1", "sampler": 1}


def test_temperatures_seal_checks_and_antigen_results_survive_a_cut_network(field_world, live_server):
    world, _round, seal = field_world
    building = world.building_a.pk
    seen = {}

    def steps(page, context, violations):
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{live_server.url}/start/")
        wait_for_worker(page)
        for path in (f"/health/reports/?building={building}", f"/health/seals/?building={building}",
                     f"/testing/antigen/?building={building}"):
            page.goto(live_server.url + path)
        context.set_offline(True)
        page.goto(f"{live_server.url}/health/reports/?building={building}")
        page.fill(f"input[name=t{world.person_a.pk}]", "37.6")
        page.click("#report-form button[type=submit]")
        waiting(page, 1)
        page.goto(f"{live_server.url}/health/seals/?building={building}")
        page.click(f"#seal-form-{seal.pk} button[value=broken]")  # asks first (accepted above)
        waiting(page, 2)
        page.goto(f"{live_server.url}/testing/antigen/?building={building}")
        page.click(f"label[for=r{world.person_a.pk}-negative]")
        page.click("#antigen-form button[type=submit]")
        waiting(page, 3)
        end_session()
        back_online(context, page)
        page.click("#fk-outbox [data-fk-send-now]")
        sign_in_again(page)
        waiting(page, 0)
        seen["violations"] = list(violations)

    in_phone(live_server, world.users["building_leader"].username, steps)
    report = HealthReport.objects.get(person=world.person_a)
    assert str(report.temperature) == "37.6"
    assert HealthReport.objects.count() == 1
    assert SealCheck.objects.filter(seal=seal).count() == 1 and SealCheck.objects.get(seal=seal).result == "broken"
    assert AntigenReport.objects.filter(person=world.person_a).count() == 1
    assert Seal.objects.count() == 1
    assert seen["violations"] == []


def test_hand_overs_made_offline_and_after_the_sign_in_ended_arrive_once(field_world, live_server):
    """The volunteer's run page at 360 px: doors tapped without a network, the page left and
    reloaded offline, the sign-in ended, the network back: each hand-over once."""
    from fangkong.core.models import Household
    from fangkong.supplies import services as supplies
    from fangkong.supplies.models import Handover, Outcome, Request, Status

    world, _round, _seal = field_world
    command = world.users["command_post"]
    other = Household.objects.create(community=world.community, building=world.building_a, room="201", floor=2)
    supplies.enter_requests(command, world.building_a, [
        supplies.RequestRow(household=h, kind="groceries", quantity=1, item="蔬菜包")
        for h in (world.household_a1, other)])
    supplies.run_cutoff(command, world.community)
    station = supplies.create_station(command, world.community, "东门中转站", [world.building_a])
    run = supplies.plan_run(command, station, world.users["delivery_volunteer"], timezone.now())
    first, second = f".fk-door[data-household='{world.household_a1.pk}']", f".fk-door[data-household='{other.pk}']"
    run_page = f"{live_server.url}/supplies/runs/{run.pk}/"
    seen = {}

    def steps(page, context, violations):
        page.goto(f"{live_server.url}/start/")
        wait_for_worker(page)
        page.goto(run_page)
        kept(page)
        seen["small"] = page.eval_on_selector_all(
            "button[data-outcome]", "els => els.filter(e => e.getBoundingClientRect().height < 43.5).length")
        seen["overflow"] = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
        context.set_offline(True)
        page.goto(f"{live_server.url}/start/")  # moving away and back without a network
        page.goto(run_page)
        page.click(f"{first} button[data-outcome=delivered]")
        page.click(f"{second} button[data-outcome=nobody_home]")
        waiting(page, 2)
        page.reload()  # the page from the kept copy; the doors say what waits
        waiting(page, 2)
        page.wait_for_selector(f"{first}[data-state=waiting]")
        seen["copy"] = page.get_attribute("body", "data-fk-offline-copy")
        end_session()
        back_online(context, page)
        page.click("#fk-outbox [data-fk-send-now]")
        sign_in_again(page)
        waiting(page, 0)
        page.wait_for_selector(f"{first}[data-outcome=delivered][data-state=sent]")
        page.wait_for_selector(f"{second}[data-outcome=nobody_home]")
        page.click("#fk-outbox [data-fk-send-now]")  # sending again sends nothing twice
        page.reload()
        seen["violations"] = list(violations)

    in_phone(live_server, world.users["delivery_volunteer"].username, steps)
    assert seen["small"] == 0 and seen["overflow"] is False
    assert seen["copy"] == "1"
    assert Handover.objects.filter(run=run).count() == 2
    assert Handover.objects.get(household=world.household_a1).outcome == Outcome.DELIVERED
    assert Handover.objects.get(household=other).outcome == Outcome.NOBODY_HOME
    assert Request.objects.get(household=world.household_a1).status == Status.DELIVERED
    assert Request.objects.get(household=other).status == Status.FAILED
    assert seen["violations"] == []


def test_a_shared_phone_holds_the_first_users_writes_for_them(field_world, live_server):
    """A building leader queues a knock offline; their sign-in ends and someone else signs in on
    the same phone: the knock is not sent as theirs (held, listed as waiting for its maker), and
    it arrives once, as the building leader's, when they sign in again."""
    world, round_, _seal = field_world
    leader, other = world.users["building_leader"], world.users["command_post"]
    row = f"#h{world.household_a1.pk}"
    knock = f"{live_server.url}/screening/{round_.pk}/knock/?building={world.building_a.pk}"
    seen = {}

    def steps(page, context, violations):
        page.goto(f"{live_server.url}/start/")
        wait_for_worker(page)
        page.goto(knock)
        kept(page)
        context.set_offline(True)
        page.click(f"{row} button[value=nobody_home]")
        waiting(page, 1)
        end_session()
        back_online(context, page)
        page.click("#fk-outbox [data-fk-send-now]")
        page.wait_for_selector("#fk-outbox [data-fk-session]:not(.d-none)", timeout=20_000)
        # Someone else signs in on this phone, on the same page.
        page.fill("#fk-outbox [data-fk-signin] input[name=username]", other.username)
        page.fill("#fk-outbox [data-fk-signin] input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("#fk-outbox [data-fk-signin] button[type=submit]")
        seen["now"] = page.get_attribute("body", "data-fk-username")
        page.wait_for_selector("#fk-outbox[data-held='1']", state="attached")
        page.click("#fk-outbox [data-fk-send-now]")
        page.wait_for_timeout(1000)
        seen["held"] = page.inner_text("#fk-outbox [data-fk-held]")
        seen["visits_as_other"] = Visit.objects.filter(round=round_).count()
        # The other user signs out; the building leader signs in again and their knock goes.
        page.evaluate("document.querySelector('form[data-fk-logout]').requestSubmit()")
        page.wait_for_selector("input[name=username]")
        page.fill("input[name=username]", leader.username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("form:has(input[name=password]) [type=submit]")
        waiting(page, 0)
        seen["violations"] = list(violations)

    in_phone(live_server, leader.username, steps)
    assert seen["now"] == other.username
    assert leader.get_full_name() in seen["held"] or leader.username in seen["held"]
    assert seen["visits_as_other"] == 0
    visit = Visit.objects.get(round=round_, household=world.household_a1)
    assert visit.by == leader
    assert seen["violations"] == []
