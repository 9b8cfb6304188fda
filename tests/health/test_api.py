"""Health control's API: key persons, measures, arrivals, daily reports and seal checks, in the
user's scope (404 outside), masked, refusals as JSON with a code, bad input 400 never 500."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.health import services
from fangkong.health.models import HealthReport, KeyPerson, MeasureKind, SealCheck, SealResult, State
from tests.factories import id_number

# The codes a refused write may carry: today the API's own check (permission_denied), once the
# health services require their actions, the service's refusal (not_allowed).
REFUSED = {"permission_denied", "not_allowed"}


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def keys(world):
    command = world.users["command_post"]
    return [services.set_state(command, person, State.CLOSE_CONTACT)
            for person in (world.person_a, world.person_c)]


@pytest.fixture
def seal(world):
    return services.seal_household(world.users["command_post"], world.household_a1)


def ids_of(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_building_leader_sees_only_key_persons_of_their_buildings(world, login, keys):
    client = login(world.users["building_leader"])
    assert ids_of(client.get("/api/keypersons/")) == {keys[0].pk}
    outside = client.get(f"/api/keypersons/{keys[1].pk}/")
    assert (outside.status_code, outside.json()["code"]) == (404, "not_found")


def test_the_command_post_sees_every_key_person_of_the_community(world, login, keys):
    assert ids_of(login(world.users["command_post"]).get("/api/keypersons/")) == {k.pk for k in keys}


def test_no_whole_id_number_or_phone_in_any_health_answer(world, login, keys, seal):
    command = world.users["command_post"]
    today = timezone.localdate()
    services.start_measure(command, world.person_a, MeasureKind.HOME, today, today + timedelta(days=6))
    services.record_reports(command, today, [(world.person_a, "36.6", [])])
    services.report_arrival(command, world.person_c, travel_date=today, arrival_date=today, origin_text="西安")
    client = login(command)
    bodies = [client.get(f"/api/{name}/").content.decode() for name in
              ("keypersons", "measures", "arrivals", "healthreports", "seals")]
    bodies.append(client.get(f"/api/keypersons/{keys[0].pk}/").content.decode())
    text = "".join(bodies)
    assert "张三" in text and "138****5678" in text
    for person in (world.person_a, world.person_c):
        assert person.id_number not in text and person.phone not in text
    assert id_number(11) not in json.dumps([json.loads(b) for b in bodies], ensure_ascii=False)


def test_making_a_key_person_answers_201_then_200_for_a_new_state(world, login):
    client = login(world.users["grid_worker"])
    first = post(client, "/api/keypersons/", {"person": world.person_a.pk, "state": State.CLOSE_CONTACT})
    assert first.status_code == 201 and first.json()["state"] == State.CLOSE_CONTACT
    again = post(client, "/api/keypersons/", {"person": world.person_a.pk, "state": State.FEVER, "reason": "发热"})
    assert again.status_code == 200 and again.json()["state"] == State.FEVER
    assert KeyPerson.objects.get(person=world.person_a).state == State.FEVER


def test_a_reading_role_may_not_make_a_key_person(world, login):
    response = post(login(world.users["delivery_volunteer"]), "/api/keypersons/",
                    {"person": world.person_a.pk, "state": State.CLOSE_CONTACT})
    assert response.status_code == 403 and response.json()["code"] in REFUSED
    assert not KeyPerson.objects.exists()


def test_a_person_outside_the_write_scope_is_refused_by_field(world, login):
    response = post(login(world.users["building_leader"]), "/api/keypersons/",
                    {"person": world.person_c.pk, "state": State.CLOSE_CONTACT})
    assert response.status_code == 400 and "person" in response.json()["fields"]


def test_a_daily_report_sent_twice_is_one_report(world, login):
    client = login(world.users["building_leader"])
    data = {"person": world.person_a.pk, "temperature": "36.5", "client_id": "r1"}
    assert post(client, "/api/healthreports/", data).status_code == 200
    second = post(client, "/api/healthreports/", {**data, "temperature": "37.8", "symptoms": ["cough"]})
    assert second.status_code == 200 and second.json()["temperature"] == "37.8"
    assert HealthReport.objects.count() == 1
    assert KeyPerson.objects.get(person=world.person_a).state == State.FEVER


@pytest.mark.parametrize("data, field", [
    ({"temperature": "hot"}, "temperature"),
    ({"temperature": "52"}, "temperature"),
    ({"temperature": "36.5", "symptoms": ["sneezing"]}, "symptoms"),
    ({"temperature": "36.5", "on": "2999-01-01"}, "on"),
    ({"temperature": "36.5", "person": "abc"}, "person"),
])
def test_a_bad_daily_report_answers_400_naming_the_field(world, login, data, field):
    response = post(login(world.users["building_leader"]), "/api/healthreports/",
                    {"person": world.person_a.pk, **data})
    body = response.json()
    assert response.status_code == 400 and body["code"] == "invalid" and field in body["fields"]
    assert not HealthReport.objects.exists()


def test_a_seal_check_is_recorded_once_a_day(world, login, seal):
    client = login(world.users["building_leader"])
    assert post(client, f"/api/seals/{seal.pk}/check/", {"result": "intact"}).status_code == 200
    broken = post(client, f"/api/seals/{seal.pk}/check/", {"result": "broken", "note": "封条撕开"})
    assert broken.status_code == 200 and broken.json()["result"] == SealResult.BROKEN
    assert SealCheck.objects.get().result == SealResult.BROKEN


def test_a_reading_role_may_not_check_a_seal(world, login, seal):
    # The volunteer reads no health record (core.scope.READ_ROLES): the seal is not found; the
    # district viewer reads it and is refused the write.
    response = post(login(world.users["delivery_volunteer"]), f"/api/seals/{seal.pk}/check/", {"result": "intact"})
    assert response.status_code == 404
    response = post(login(world.users["district_viewer"]), f"/api/seals/{seal.pk}/check/", {"result": "intact"})
    assert response.status_code == 403 and response.json()["code"] in REFUSED
    assert not SealCheck.objects.exists()


def test_a_seal_outside_scope_is_not_found_and_a_bad_result_is_400(world, login):
    command = world.users["command_post"]
    other = services.seal_household(command, world.household_c1)
    client = login(world.users["building_leader"])
    assert post(client, f"/api/seals/{other.pk}/check/", {"result": "intact"}).status_code == 404
    own = services.seal_household(command, world.household_a1)
    bad = post(client, f"/api/seals/{own.pk}/check/", {"result": "gone"})
    assert bad.status_code == 400 and "result" in bad.json()["fields"]


def test_a_measure_ending_before_it_starts_is_400_with_the_services_code(world, login):
    response = post(login(world.users["command_post"]), "/api/measures/", {
        "person": world.person_a.pk, "kind": MeasureKind.HOME, "start": "2026-03-10", "end": "2026-03-01"})
    assert (response.status_code, response.json()["code"]) == (400, "end_before_start")
    assert response.json()["fields"] == {"end": ["A measure cannot end before it starts."]}


def test_an_arrival_is_reported_then_decided_with_a_reason(world, login):
    client = login(world.users["grid_worker"])
    today = timezone.localdate().isoformat()
    created = post(client, "/api/arrivals/", {"person": world.person_a.pk, "travel_date": today,
                                              "arrival_date": today, "origin_text": "西安市雁塔区"})
    assert created.status_code == 201 and created.json()["status"] == "needs_decision"
    url = f"/api/arrivals/{created.json()['id']}/decide/"
    confirm = post(client, url, {})
    assert (confirm.status_code, confirm.json()["code"]) == (400, "needs_decision")
    chosen = {"measures": [{"kind": MeasureKind.HOME, "start": today, "end": today}]}
    assert post(client, url, chosen).json()["code"] == "reason_required"
    decided = post(client, url, {**chosen, "reason": "来自中风险区"})
    assert decided.status_code == 200 and [m["kind"] for m in decided.json()] == [MeasureKind.HOME]


def test_an_arrival_without_an_origin_is_400(world, login):
    today = timezone.localdate().isoformat()
    response = post(login(world.users["grid_worker"]), "/api/arrivals/",
                    {"person": world.person_a.pk, "travel_date": today, "arrival_date": today})
    assert response.status_code == 400 and "origin_text" in response.json()["fields"]
