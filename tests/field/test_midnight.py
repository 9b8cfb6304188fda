"""Writes across midnight: a field write made on the phone at 23:58 and sent from its queue at
00:05 belongs to the day it was made (the phone's time, within core.fieldtime's window), for
every field write: knock, temperatures, seal checks, scans, antigen results (hand-overs:
tests/supplies/test_delivery.py). A phone time outside the window is the server's time."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from fangkong.core import fieldtime
from fangkong.health import services as health
from fangkong.health.models import HealthReport, MeasureKind, SealCheck, State
from fangkong.registry import screening
from fangkong.registry.models import Visit
from fangkong.testing import codes
from fangkong.testing import services as testing
from fangkong.testing.models import AntigenReport, Sample

OUTBOX = {"HTTP_X_FANGKONG_OUTBOX": "1", "HTTP_ACCEPT": "application/json"}
KNOCK_ID = "0b0c3e4e-8f1d-4a57-9c36-0d1b1f1e2a01"
TODAY = timezone.localdate()
TOMORROW = TODAY + dt.timedelta(days=1)


def local(day, hour, minute):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


PHONE = local(TODAY, 23, 58)  # when the write was made on the phone
SERVER = local(TOMORROW, 0, 5)  # when the queue reached the server


@pytest.fixture
def night(world):
    command = world.users["command_post"]
    round_ = screening.create_round(command, world.community, name="第一轮",
                                    starts_at=timezone.now() - dt.timedelta(hours=1))
    health.start_measure(command, world.person_a, MeasureKind.HOME, TODAY, TODAY + dt.timedelta(days=6),
                         state=State.CLOSE_CONTACT, today=TODAY)
    seal = health.seal_household(command, world.household_a1, number="F-1")
    test_round = testing.create_round(command, world.community, name="核酸一轮", pool_size=5)
    return world, round_, seal, test_round


@pytest.fixture
def at_five_past_midnight():
    with mock.patch("django.utils.timezone.now", return_value=SERVER):
        yield


def phone_time(when=PHONE):
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")  # as the outbox sends it


def test_the_trust_window_dates_by_the_phone_within_a_day():
    assert fieldtime.field_day(phone_time(), SERVER) == TODAY
    assert fieldtime.field_day(phone_time(SERVER - dt.timedelta(hours=25)), SERVER) == TOMORROW
    assert fieldtime.field_day(phone_time(SERVER + dt.timedelta(minutes=10)), SERVER) == TOMORROW
    assert fieldtime.field_day("2026-02-30T10:00:00Z", SERVER) == TOMORROW  # impossible: the server's
    assert fieldtime.trusted_time(12345, SERVER) == SERVER  # not a time at all
    assert fieldtime.field_day(None, SERVER) == TOMORROW


@pytest.mark.usefixtures("at_five_past_midnight")
def test_a_knock_queued_before_midnight_is_the_day_before(night, client):
    world, round_, _seal, _test_round = night
    client.force_login(world.users["building_leader"])
    response = client.post(f"/screening/{round_.pk}/visit/", {
        "household": world.household_a1.pk, "outcome": "nobody_home", "client_id": KNOCK_ID, "at": phone_time()},
        **OUTBOX)
    assert response.status_code == 200
    visit = Visit.objects.get(client_id=KNOCK_ID)
    assert visit.at == PHONE and timezone.localdate(visit.at) == TODAY


@pytest.mark.usefixtures("at_five_past_midnight")
def test_temperatures_queued_before_midnight_are_the_day_befores_sheet(night, client):
    world, *_ = night
    client.force_login(world.users["building_leader"])
    response = client.post(f"/health/reports/?building={world.building_a.pk}", {
        f"t{world.person_a.pk}": "36.6", "client_id": "t-1", "at": phone_time()}, **OUTBOX)
    assert response.status_code == 200 and response.json()["ok"]
    assert list(HealthReport.objects.values_list("on", flat=True)) == [TODAY]


@pytest.mark.usefixtures("at_five_past_midnight")
def test_temperatures_with_a_phone_time_out_of_the_window_are_the_servers_day(night, client):
    world, *_ = night
    client.force_login(world.users["building_leader"])
    client.post(f"/health/reports/?building={world.building_a.pk}", {
        f"t{world.person_a.pk}": "36.6", "client_id": "t-2",
        "at": phone_time(SERVER - dt.timedelta(hours=30))}, **OUTBOX)
    assert list(HealthReport.objects.values_list("on", flat=True)) == [TOMORROW]


@pytest.mark.usefixtures("at_five_past_midnight")
def test_a_seal_check_queued_before_midnight_is_the_day_befores_check(night, client):
    world, _round, seal, _test_round = night
    client.force_login(world.users["building_leader"])
    client.post(f"/health/seals/{seal.pk}/check/", {"result": "intact", "client_id": "s-1", "at": phone_time()},
                **OUTBOX)
    check = SealCheck.objects.get(seal=seal)
    assert check.on == TODAY and check.at == PHONE


@pytest.mark.usefixtures("at_five_past_midnight")
def test_a_scan_queued_before_midnight_is_dated_on_the_phone(night, client):
    world, _round, _seal, test_round = night
    client.force_login(world.users["sampler"])
    response = client.post(f"/api/testrounds/{test_round.pk}/scans/", {"scans": [{
        "tube_code": "T1", "person_code": codes.token(codes.code_for(world.person_a)), "client_id": "c-1",
        "at": phone_time()}]}, content_type="application/json", **OUTBOX)
    assert response.status_code == 200, response.content
    sample = Sample.objects.get(person=world.person_a)
    assert sample.at == PHONE and timezone.localdate(sample.at) == TODAY


@pytest.mark.usefixtures("at_five_past_midnight")
def test_an_antigen_result_queued_before_midnight_is_the_day_befores(night, client):
    world, *_ = night
    client.force_login(world.users["building_leader"])
    client.post(f"/testing/antigen/?building={world.building_a.pk}", {
        f"r{world.person_a.pk}": "negative", "client_id": "a-1", "at": phone_time()}, **OUTBOX)
    report = AntigenReport.objects.get(person=world.person_a)
    assert report.date == TODAY and report.at == PHONE
