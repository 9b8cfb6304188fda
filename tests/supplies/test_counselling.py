"""Counselling (温暖你我·公益心理): asked for from a care plan, routed by the command post to a
volunteer counsellor, calls due and made; only the counsellor and the command post read the notes."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.actions import NotAllowed
from fangkong.core.errors import ServiceError
from fangkong.core.models import AuditEntry, PersonTag, Role
from fangkong.supplies import services
from fangkong.supplies.models import CarePlan, Counselling, CounsellingCall
from tests.factories import make_user


@pytest.fixture
def plans(world):
    for person in (world.person_a, world.person_c):
        PersonTag.objects.create(person=person, tag="elderly_alone")
    services.ensure_care_plans(world.users["command_post"], world.community)
    return {"a": CarePlan.objects.get(person=world.person_a), "c": CarePlan.objects.get(person=world.person_c)}


@pytest.fixture
def counsellor(world):
    # A volunteer counsellor: a delivery volunteer's role, bound to another building.
    return make_user("counsellor", Role.DELIVERY_VOLUNTEER, world.community, buildings=[world.building_c])


def test_a_request_is_due_today_and_a_call_moves_it_every_days_on(world, plans, counsellor):
    command, today = world.users["command_post"], timezone.localdate()
    case = services.request_counselling(world.users["building_leader"], plans["a"], "独居, 情绪低落", every_days=3)
    assert case.due_on == today and case.counsellor is None
    assert [c.pk for c in services.counselling_due(command, world.community)] == [case.pk]
    services.route_counselling(command, case, counsellor)
    services.record_counselling_call(counsellor, case, "聊了二十分钟, 睡眠不好")
    case.refresh_from_db()
    assert case.due_on == today + dt.timedelta(days=3)
    assert list(services.counselling_due(command, world.community)) == []
    assert list(services.counselling_due(command, world.community, today + dt.timedelta(days=3))) == [case]


def test_not_reached_is_due_again_tomorrow_and_closing_ends_it(world, plans, counsellor):
    command, today = world.users["command_post"], timezone.localdate()
    case = services.request_counselling(command, plans["a"], "焦虑", every_days=5, counsellor=counsellor)
    services.record_counselling_call(counsellor, case, reached=False)
    case.refresh_from_db()
    assert case.due_on == today + dt.timedelta(days=1)
    services.record_counselling_call(counsellor, case, "好多了", close=True)
    case.refresh_from_db()
    assert case.closed_at is not None
    assert list(services.counselling_due(command, world.community, today + dt.timedelta(days=30))) == []
    with pytest.raises(ServiceError) as refused:
        services.record_counselling_call(counsellor, case, "again")
    assert refused.value.code == "bad_state"


def test_only_the_counsellor_or_the_command_post_records_a_call(world, plans, counsellor):
    case = services.request_counselling(world.users["command_post"], plans["a"], "焦虑", counsellor=counsellor)
    with pytest.raises(NotAllowed):
        services.record_counselling_call(world.users["grid_worker"], case, "我来打")
    with pytest.raises(NotAllowed):  # a leader asks, but only the command post routes
        services.request_counselling(world.users["building_leader"], plans["a"], "x", counsellor=counsellor)
    assert not CounsellingCall.objects.exists()


def test_a_second_open_case_and_bad_input_are_refused(world, plans):
    command = world.users["command_post"]
    with pytest.raises(ServiceError) as refused:
        services.request_counselling(command, plans["a"], "  ")
    assert refused.value.code == "no_reason"
    with pytest.raises(ServiceError) as refused:
        services.request_counselling(command, plans["a"], "焦虑", every_days=0)
    assert refused.value.code == "bad_frequency"
    services.request_counselling(command, plans["a"], "焦虑")
    with pytest.raises(ServiceError) as refused:
        services.request_counselling(command, plans["a"], "焦虑")
    assert refused.value.code == "already_open"
    assert Counselling.objects.count() == 1


def test_the_counsellor_sees_their_case_outside_their_buildings_and_others_do_not(world, plans, counsellor):
    case = services.request_counselling(world.users["command_post"], plans["a"], "焦虑", counsellor=counsellor)
    assert list(Counselling.objects.visible_to(counsellor)) == [case]
    assert not Counselling.objects.visible_to(world.users["delivery_volunteer"]).exists()
    assert not Counselling.objects.visible_to(world.users["outsider"]).exists()


def test_notes_are_read_by_the_counsellor_and_the_command_post_only(world, plans, counsellor, client):
    case = services.request_counselling(world.users["command_post"], plans["a"], "失眠焦虑", counsellor=counsellor)
    services.record_counselling_call(counsellor, case, "提到家庭矛盾")
    url = f"/supplies/care/{plans['a'].pk}/edit/"
    for user, sees in [(counsellor, False), (world.users["command_post"], True), (world.users["grid_worker"], False),
                       (world.users["building_leader"], False)]:
        client.force_login(user)
        response = client.get(url)
        if user == counsellor:  # the care plan is not theirs to read; their case is on the care page
            assert response.status_code == 404
            continue
        assert response.status_code == 200
        assert ("提到家庭矛盾" in response.content.decode()) is sees, user
        assert ("失眠焦虑" in response.content.decode()) is sees, user
    # Nor in the audit log, whoever reads it.
    assert not AuditEntry.objects.filter(changes__icontains="家庭矛盾").exists()


def test_the_care_page_lists_calls_due_and_the_counsellor_records_one(world, plans, counsellor, client):
    case = services.request_counselling(world.users["command_post"], plans["a"], "焦虑", counsellor=counsellor)
    client.force_login(counsellor)
    page = client.get("/supplies/care/").content.decode()
    assert 'id="calls-due"' in page and f"/supplies/counselling/{case.pk}/call/" in page
    response = client.post(f"/supplies/counselling/{case.pk}/call/", {"note": "好", "reached": "1", "back": "care"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.due_on > timezone.localdate() and case.calls.count() == 1
    client.force_login(world.users["command_post"])
    assert ">0 个心理疏导通话待进行<" in client.get("/supplies/").content.decode()


def test_the_command_post_asks_and_routes_from_the_care_plan_page(world, plans, counsellor, client):
    client.force_login(world.users["command_post"])
    response = client.post(f"/supplies/care/{plans['a'].pk}/counselling/", {"reason": "丧亲", "every_days": "2"})
    assert response.status_code == 302
    case = Counselling.objects.get()
    client.post(f"/supplies/counselling/{case.pk}/route/", {"counsellor": counsellor.pk})
    case.refresh_from_db()
    assert case.counsellor == counsellor and case.every_days == 2
    client.force_login(world.users["grid_worker"])  # asks, but does not route
    response = client.post(f"/supplies/counselling/{case.pk}/route/", {"counsellor": world.users["grid_worker"].pk})
    case.refresh_from_db()
    assert case.counsellor == counsellor


def test_the_home_panel_counts_the_calls_due(world, plans, client):
    services.request_counselling(world.users["command_post"], plans["a"], "焦虑")
    client.force_login(world.users["command_post"])
    page = client.get("/").content.decode()
    assert 'data-figure="calls_due">1 个心理疏导通话待进行<' in page
