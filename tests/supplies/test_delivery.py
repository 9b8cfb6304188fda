"""Transfer stations, delivery runs, the pick list in door order and the hand-over at the door."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.core.actions import NotAllowed
from fangkong.core.errors import ServiceError
from fangkong.core.models import AuditEntry, Building, Household, Role
from fangkong.supplies import services
from fangkong.supplies.models import Handover, Outcome, Request, Status
from tests.factories import make_user

from .conftest import at, enter


@pytest.fixture
def station(world):
    return services.create_station(world.users["command_post"], world.community, "东门中转站",
                                   [world.building_a, world.building_b])


@pytest.fixture
def run(world, doors, station):
    command = world.users["command_post"]
    enter(command, world.building_a, [doors["a1001"], doors["a202"], doors["a101"], doors["a201"]])
    enter(command, world.building_b, [doors["b101"]], item="煤气")
    services.run_cutoff(command, world.community)
    return services.plan_run(command, station, world.users["delivery_volunteer"], timezone.now(), cart="3号车")


def test_a_run_takes_the_ordered_requests_of_its_station_and_they_go_out(world, run):
    assert run.requests.count() == 5
    assert set(Request.objects.values_list("status", flat=True)) == {Status.OUT}
    assert set(Request.objects.values_list("out_by", flat=True)) == {world.users["delivery_volunteer"].pk}


def test_a_run_does_not_take_requests_of_buildings_the_station_does_not_serve(world, doors, station):
    command = world.users["command_post"]
    enter(command, world.building_c, [world.household_c1])
    services.run_cutoff(command, world.community)
    run = services.plan_run(command, station, world.users["delivery_volunteer"], timezone.now())
    assert run.requests.count() == 0


def test_only_a_delivery_volunteer_goes_on_a_run(world, station):
    with pytest.raises(ServiceError) as error:
        services.plan_run(world.users["command_post"], station, world.users["guard"], timezone.now())
    assert error.value.code == "not_a_volunteer"


def test_pick_list_is_in_door_order_buildings_then_rooms(world, run, station):
    door_list = services.station_pick_list(world.users["command_post"], station)
    assert [str(d.household) for d in door_list] == ["17-101", "564-101", "564-201", "564-202", "564-1001"]


def test_volunteer_records_a_delivery_and_the_request_is_delivered_by_them(world, run, doors):
    volunteer = world.users["delivery_volunteer"]
    handover, created = services.record_handover(volunteer, run, doors["a202"], Outcome.DELIVERED, "c-1")
    assert created
    request = Request.objects.get(household=doors["a202"])
    assert (request.status, request.done_by) == (Status.DELIVERED, volunteer)
    assert AuditEntry.objects.filter(object_type="handover").count() == 1


def test_a_hand_over_sent_twice_is_harmless(world, run, doors):
    volunteer = world.users["delivery_volunteer"]
    services.record_handover(volunteer, run, doors["a202"], Outcome.DELIVERED, "c-1")
    again, created = services.record_handover(volunteer, run, doors["a202"], Outcome.REFUSED, "c-1")
    assert not created and again.outcome == Outcome.DELIVERED
    assert Handover.objects.count() == 1
    assert Request.objects.get(household=doors["a202"]).status == Status.DELIVERED


def test_nobody_home_fails_with_the_reason_and_a_later_visit_delivers(world, run, doors):
    volunteer = world.users["delivery_volunteer"]
    services.record_handover(volunteer, run, doors["a101"], Outcome.NOBODY_HOME, "c-1")
    request = Request.objects.get(household=doors["a101"])
    assert (request.status, request.failure) == (Status.FAILED, Outcome.NOBODY_HOME)
    services.record_handover(volunteer, run, doors["a101"], Outcome.DELIVERED, "c-2")
    request.refresh_from_db()
    assert (request.status, request.failure) == (Status.DELIVERED, "")


def test_another_volunteer_cannot_record_on_this_run(world, run, doors):
    other = make_user("volunteer2", Role.DELIVERY_VOLUNTEER, world.community)
    with pytest.raises(NotAllowed):
        services.record_handover(other, run, doors["a101"], Outcome.DELIVERED, "c-1")
    assert Handover.objects.count() == 0


def test_a_door_not_on_the_run_is_refused(world, run):
    stranger = Household.objects.create(community=world.community, building=world.building_a, room="301", floor=3)
    with pytest.raises(ServiceError) as error:
        services.record_handover(world.users["command_post"], run, stranger, Outcome.DELIVERED, "c-1")
    assert error.value.code == "not_on_run"


def test_volunteer_sees_only_the_doors_on_their_runs(world, run, doors):
    volunteer = world.users["delivery_volunteer"]
    # A request in the volunteer's own building (their role names it) that is on no run.
    loose = enter(world.users["building_leader"], world.building_a, [doors["a101"]], item="奶粉")[0]
    visible = set(Request.objects.visible_to(volunteer).values_list("pk", flat=True))
    assert loose.pk not in visible
    assert visible == set(run.requests.values_list("pk", flat=True))
    other = make_user("volunteer2", Role.DELIVERY_VOLUNTEER, world.community)
    assert not Request.objects.visible_to(other).exists()


def test_volunteer_phone_page_lists_doors_floor_by_floor(world, run, login):
    response = login(world.users["delivery_volunteer"]).get(f"/supplies/runs/{run.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    room_201 = Household.objects.get(building=world.building_a, room="201").pk
    room_1001 = Household.objects.get(building=world.building_a, room="1001").pk
    assert html.index(f'data-household="{room_201}"') < html.index(f'data-household="{room_1001}"')
    assert "supplies/run.js" in html and "handover.js" not in html  # the one outbox sends the taps


def test_another_volunteers_run_page_is_404(world, run, login):
    other = make_user("volunteer2", Role.DELIVERY_VOLUNTEER, world.community)
    assert login(other).get(f"/supplies/runs/{run.pk}/").status_code == 404


def test_hand_over_posted_as_json_twice_answers_the_same(world, run, doors, login):
    client = login(world.users["delivery_volunteer"])
    payload = json.dumps({"household": doors["a201"].pk, "outcome": "delivered", "client_id": "x-1"})
    first = client.post(f"/supplies/runs/{run.pk}/handover/", payload, content_type="application/json").json()
    second = client.post(f"/supplies/runs/{run.pk}/handover/", payload, content_type="application/json").json()
    assert first["ok"] and first["created"] and second["ok"] and not second["created"]
    assert Handover.objects.count() == 1


def test_hand_over_for_a_door_off_the_run_is_404(world, run, login):
    client = login(world.users["delivery_volunteer"])
    payload = json.dumps({"household": world.household_c1.pk, "outcome": "delivered", "client_id": "x-1"})
    assert client.post(f"/supplies/runs/{run.pk}/handover/", payload,
                       content_type="application/json").status_code == 404


def test_a_bad_outcome_answers_its_code(world, run, doors, login):
    client = login(world.users["delivery_volunteer"])
    payload = json.dumps({"household": doors["a201"].pk, "outcome": "lost", "client_id": "x-1"})
    answer = client.post(f"/supplies/runs/{run.pk}/handover/", payload, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["code"] == "bad_outcome"


def test_pick_list_and_door_labels_print_as_pdf_and_are_audited(world, run, station, login):
    client = login(world.users["command_post"])
    for url in (f"/supplies/stations/{station.pk}/pick-list.pdf", f"/supplies/stations/{station.pk}/labels.pdf"):
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="export", object_type="transferstation").count() == 2


def test_station_page_renders_the_pick_list_in_constant_queries(world, station, login):
    client = login(world.users["command_post"])
    command = world.users["command_post"]

    def queries_for(n):
        for index in range(n):
            Household.objects.get_or_create(community=world.community, building=world.building_a,
                                            room=f"8{index:02d}", defaults={"floor": 8})
        households = list(Household.objects.filter(building=world.building_a))
        enter(command, world.building_a, households)
        services.run_cutoff(command, world.community)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/supplies/stations/{station.pk}/").status_code == 200
        return len(captured)

    assert queries_for(3) == queries_for(25)


def test_station_of_another_community_is_404(world, station, login):
    assert login(world.users["outsider"]).get(f"/supplies/stations/{station.pk}/").status_code == 404
    assert Building.objects.count() == 4


def test_a_hand_over_queued_before_midnight_is_dated_on_the_phone(world, run, doors, login):
    from unittest import mock

    phone = at(23, 58)
    server = at(0, 5, day=timezone.localdate() + dt.timedelta(days=1))
    client = login(world.users["delivery_volunteer"])
    with mock.patch("django.utils.timezone.now", return_value=server):
        client.force_login(world.users["delivery_volunteer"])
        answer = client.post(f"/supplies/runs/{run.pk}/handover/", json.dumps({
            "household": doors["a201"].pk, "outcome": "delivered", "client_id": "m-1",
            "at": phone.astimezone(dt.UTC).isoformat()}), content_type="application/json").json()
        # A phone time that is no time at all: the server's time, not a 500.
        odd = client.post(f"/supplies/runs/{run.pk}/handover/", json.dumps({
            "household": doors["a202"].pk, "outcome": "wrong_door", "client_id": "m-2", "at": [1]}),
            content_type="application/json")
    assert answer["ok"] and odd.status_code == 200
    assert Handover.objects.get(client_id="m-1").at == phone
    assert Handover.objects.get(client_id="m-2").at == server
    request = Request.objects.get(household=doors["a201"])
    assert request.done_at == phone and timezone.localdate(request.done_at) == timezone.localdate()
