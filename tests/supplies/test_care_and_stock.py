"""Special-care plans, medical trips, stock never below zero, free meals, and the day's figures."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.actions import NotAllowed
from fangkong.core.errors import ServiceError
from fangkong.core.models import PersonTag
from fangkong.supplies import services
from fangkong.supplies.models import CarePlan, MealPlan, Outcome, StockItem, StockMove

from .conftest import enter


@pytest.fixture
def tagged(world):
    PersonTag.objects.create(person=world.person_a, tag="dialysis")
    PersonTag.objects.create(person=world.person_b, tag="chronic")
    return world


def test_every_tagged_person_gets_a_plan_daily_for_dialysis(tagged):
    world = tagged
    today = dt.date(2026, 3, 1)
    assert services.ensure_care_plans(world.users["command_post"], world.community, today) == 2
    assert services.ensure_care_plans(world.users["command_post"], world.community, today) == 0
    assert CarePlan.objects.get(person=world.person_a).every_days == 1
    assert CarePlan.objects.get(person=world.person_b).every_days == 3


def test_who_was_not_contacted_when_due_and_a_contact_clears_it(tagged):
    world = tagged
    command = world.users["command_post"]
    today = timezone.localdate()
    services.ensure_care_plans(command, world.community, today - dt.timedelta(days=1))
    assert {p.person for p in services.care_due(command, world.community, today)} == {world.person_a, world.person_b}
    plan = CarePlan.objects.get(person=world.person_b)
    services.record_contact(world.users["grid_worker"], plan, "电话, 血压正常")
    plan.refresh_from_db()
    assert plan.due_on == today + dt.timedelta(days=3)
    assert {p.person for p in services.care_due(command, world.community, today)} == {world.person_a}


def test_building_leader_sees_due_contacts_of_own_buildings_only(tagged):
    world = tagged
    services.ensure_care_plans(world.users["command_post"], world.community)
    due = services.care_due(world.users["building_leader"], world.community)
    assert {p.person for p in due} == {world.person_a}


def test_building_leader_cannot_record_a_contact_outside_own_buildings(tagged):
    world = tagged
    services.ensure_care_plans(world.users["command_post"], world.community)
    with pytest.raises(NotAllowed):
        services.record_contact(world.users["building_leader"], CarePlan.objects.get(person=world.person_b))


def test_a_plan_keeps_its_needs_items_and_frequency(tagged):
    world = tagged
    services.ensure_care_plans(world.users["command_post"], world.community)
    plan = CarePlan.objects.get(person=world.person_a)
    services.update_care_plan(world.users["grid_leader"], plan, needs="透析, 隔日", every_days=2,
                              answerable=world.users["grid_worker"], items=[("escort", "120 点对点接送")])
    plan.refresh_from_db()
    assert (plan.every_days, plan.answerable) == (2, world.users["grid_worker"])
    assert plan.items.get().text == "120 点对点接送"
    with pytest.raises(ServiceError) as error:
        services.update_care_plan(world.users["grid_leader"], plan, every_days=0)
    assert error.value.code == "bad_frequency"


def test_dialysis_every_two_days_shows_on_the_days_list(world):
    day = dt.date(2026, 3, 1)
    services.plan_trips(world.users["grid_leader"], world.person_a, day, 2, 5, "透析 市医院",
                        taker=world.users["grid_worker"])
    assert services.figures(world.community, day)["medical_trips_today"] == 1
    assert services.figures(world.community, day + dt.timedelta(days=1))["medical_trips_today"] == 0
    assert services.figures(world.community, day + dt.timedelta(days=8))["medical_trips_today"] == 1
    assert services.figures(world.community, day + dt.timedelta(days=10))["medical_trips_today"] == 0


@pytest.fixture
def rice(world):
    return StockItem.objects.create(community=world.community, name="大米", unit="斤", low_at=100)


def test_a_donation_comes_into_stock(world, rice):
    services.receive_donation(world.users["command_post"], world.community, "某粮油公司", [(rice, 5000)])
    rice.refresh_from_db()
    assert rice.quantity == 5000
    assert StockMove.objects.get().donation.donor == "某粮油公司"


def test_stock_never_goes_below_zero(world, rice):
    command = world.users["command_post"]
    services.move_stock(command, rice, 150)
    with pytest.raises(ServiceError) as error:
        services.move_stock(command, rice, -151, to_whom="3号中转站")
    assert error.value.code == "stock_below_zero"
    assert "150" in error.value.message
    rice.refresh_from_db()
    assert rice.quantity == 150 and StockMove.objects.count() == 1


def test_low_stock_raises_an_alert(world, rice):
    command = world.users["command_post"]
    services.move_stock(command, rice, 150)
    assert services.figures(world.community, timezone.localdate())["stock_alerts"] == 0
    services.move_stock(command, rice, -50)
    assert services.figures(world.community, timezone.localdate())["stock_alerts"] == 1


def test_only_the_command_post_moves_stock(world, rice):
    with pytest.raises(NotAllowed):
        services.move_stock(world.users["grid_leader"], rice, 10)


def test_meals_recorded_twice_for_a_slot_count_once(world):
    plan = MealPlan.objects.create(community=world.community, household=world.household_a1, count=2, diet="无调料")
    day = timezone.localdate()
    services.record_meals(world.users["delivery_volunteer"], plan, day, "11:30")
    services.record_meals(world.users["delivery_volunteer"], plan, day, "11:30")
    services.record_meals(world.users["delivery_volunteer"], plan, day, "17:20")
    assert services.figures(world.community, day)["meals_delivered"] == 4


def test_figures_count_the_day(world, doors):
    command = world.users["command_post"]
    enter(command, world.building_a, [doors["a101"], doors["a201"], doors["a202"]])
    services.run_cutoff(command, world.community)
    station = services.create_station(command, world.community, "站", [world.building_a])
    run = services.plan_run(command, station, world.users["delivery_volunteer"], timezone.now())
    services.record_handover(command, run, doors["a101"], Outcome.DELIVERED, "1")
    services.record_handover(command, run, doors["a201"], Outcome.REFUSED, "2")
    figures = services.figures(world.community, timezone.localdate())
    assert (figures["requests_open"], figures["delivered_today"], figures["failed_today"]) == (1, 1, 1)
    assert services.figures(world.community, timezone.localdate() + dt.timedelta(days=1))["delivered_today"] == 0


def test_care_page_and_stock_page_show_their_lists(tagged, rice, login):
    world = tagged
    services.ensure_care_plans(world.users["command_post"], world.community)
    client = login(world.users["command_post"])
    assert world.person_a.name in client.get("/supplies/care/").content.decode()
    response = client.post("/supplies/stock/", {"item": rice.pk, "delta": "-5"}, follow=True)
    assert response.status_code == 200
    rice.refresh_from_db()
    assert rice.quantity == 0
