"""The core pages carry the other apps' blocks: the command post's home page shows what ends
today and what tested positive, a person's file shows their health control and testing, a
household's page its door seal. Each block keeps to the user's scope."""

from datetime import timedelta

from django.utils import timezone

from fangkong.health import services as health
from fangkong.health.models import MeasureKind, SealResult, State
from fangkong.testing import services as testing
from fangkong.testing.models import AntigenResult

DAY = timedelta(days=1)


def test_the_home_page_lists_measures_ending_today_and_positives(world, login):
    command = world.users["command_post"]
    today = timezone.localdate()
    health.start_measure(command, world.person_a, MeasureKind.HOME, today - 6 * DAY, today,
                         state=State.CLOSE_CONTACT, today=today)
    testing.record_antigen(command, {world.person_c: AntigenResult.POSITIVE}, date=today)
    body = login(command).get("/").content.decode()
    assert 'id="health-panel"' in body and 'id="testing-home-panel"' in body
    panel = body[body.index('id="health-panel"'):body.index('id="testing-home-panel"')]
    assert "张三" in panel  # ends today
    testing_panel = body[body.index('id="testing-home-panel"'):]
    assert "王五" in testing_panel  # antigen positive


def test_the_building_leader_home_page_keeps_to_own_buildings(world, login):
    command = world.users["command_post"]
    today = timezone.localdate()
    health.start_measure(command, world.person_c, MeasureKind.HOME, today - 6 * DAY, today,
                         state=State.CLOSE_CONTACT, today=today)
    body = login(world.users["building_leader"]).get("/").content.decode()
    assert 'id="health-panel"' in body and "王五" not in body


def test_a_person_file_shows_health_control_and_testing(world, login):
    command = world.users["command_post"]
    health.set_state(command, world.person_a, State.FEVER)
    body = login(command).get(f"/people/{world.person_a.pk}/").content.decode()
    assert 'id="person-health"' in body and 'id="person-testing"' in body
    block = body[body.index('id="person-health"'):body.index('id="person-testing"')]
    assert "发热" in block  # the state, in Chinese by default


def test_a_household_page_shows_its_door_seal(world, login):
    command = world.users["command_post"]
    seal = health.seal_household(command, world.household_a1)
    health.check_seal(command, seal, SealResult.INTACT)
    body = login(command).get(f"/households/{world.household_a1.pk}/").content.decode()
    assert 'id="household-seal"' in body and "fk-status-sealed" in body
    other = login(command).get(f"/households/{world.household_b1.pk}/").content.decode()
    assert "fk-status-sealed" not in other and 'action="/health/households/' in other  # a button to seal


def test_writers_find_the_ledgers_in_the_top_bar_and_export_what_they_see(world, login):
    client = login(world.users["building_leader"])
    body = client.get("/people/?tag=elderly_alone").content.decode()
    assert 'href="/ledgers/import/"' in body
    assert 'id="export-these" href="/ledgers/export/?download=1&amp;tag=elderly_alone"' in body
    building = client.get(f"/buildings/{world.building_a.pk}/").content.decode()
    assert f"/ledgers/export/?download=1&amp;building={world.building_a.pk}" in building


def test_readers_get_no_ledger_links(world, login):
    body = login(world.users["district_viewer"]).get("/people/").content.decode()
    assert 'href="/ledgers/import/"' not in body and 'id="export-these"' not in body
