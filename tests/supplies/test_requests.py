"""Requests entered by the building leader, and the cut-off that sums them."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.core.actions import NotAllowed
from fangkong.core.errors import ServiceError
from fangkong.core.models import AuditEntry, Household
from fangkong.supplies import services
from fangkong.supplies.models import Cutoff, CutoffLine, Kind, Request, Settings, Status, Urgency

from .conftest import at, enter


def test_building_leader_enters_one_thing_for_several_doors_at_once(world, doors):
    leader = world.users["building_leader"]
    created = enter(leader, world.building_a, [doors["a101"], doors["a201"], doors["a202"]], quantity=2)
    assert len(created) == 3
    assert {r.household_id for r in created} == {doors["a101"].pk, doors["a201"].pk, doors["a202"].pk}
    assert all(r.status == Status.ASKED and r.asked_by == leader and r.quantity == 2 for r in created)
    assert AuditEntry.objects.filter(object_type="request").count() == 3


def test_a_negative_quantity_refuses_the_lot_and_names_the_door(world, doors):
    leader = world.users["building_leader"]
    rows = [services.RequestRow(household=doors["a101"], kind=Kind.GAS, quantity=1),
            services.RequestRow(household=doors["a202"], kind=Kind.GAS, quantity=-3)]
    with pytest.raises(ServiceError) as error:
        services.enter_requests(leader, world.building_a, rows)
    assert error.value.code == "bad_quantity"
    assert "564-202" in error.value.message
    assert Request.objects.count() == 0


def test_a_quantity_that_is_not_a_number_is_refused(world, doors):
    with pytest.raises(ServiceError) as error:
        enter(world.users["building_leader"], world.building_a, [doors["a101"]], quantity="两")
    assert error.value.code == "bad_quantity"


def test_building_leader_cannot_enter_requests_for_another_building(world, doors):
    with pytest.raises(NotAllowed):
        enter(world.users["building_leader"], world.building_b, [doors["b101"]])
    assert Request.objects.count() == 0


def test_a_household_of_another_building_is_refused(world, doors):
    with pytest.raises(ServiceError) as error:
        enter(world.users["command_post"], world.building_a, [doors["b101"]])
    assert error.value.code == "wrong_building"


@pytest.mark.parametrize("role", ["guard", "sampler", "district_viewer", "outsider"])
def test_roles_without_the_action_cannot_enter_requests(world, doors, role):
    with pytest.raises(NotAllowed):
        enter(world.users[role], world.building_a, [doors["a101"]])


def test_the_same_send_twice_is_one_request(world, doors):
    leader = world.users["building_leader"]
    row = services.RequestRow(household=doors["a101"], kind=Kind.MEDICINE, item="降压药", client_id="t1-5")
    services.enter_requests(leader, world.building_a, [row])
    again = services.enter_requests(leader, world.building_a, [row])
    assert again == []
    assert Request.objects.count() == 1


def test_medical_and_infant_requests_come_first(world, doors):
    leader = world.users["building_leader"]
    enter(leader, world.building_a, [doors["a101"]], kind=Kind.GROCERIES)
    enter(leader, world.building_a, [doors["a201"]], kind=Kind.BABY, urgency=Urgency.INFANT)
    enter(leader, world.building_a, [doors["a202"]], kind=Kind.MEDICINE, urgency=Urgency.MEDICAL)
    assert [r.kind for r in Request.objects.all()] == [Kind.MEDICINE, Kind.BABY, Kind.GROCERIES]


def test_cutoff_orders_every_asked_request_and_tells_households_when(world, doors):
    command = world.users["command_post"]
    enter(world.users["building_leader"], world.building_a, [doors["a101"], doors["a201"]])
    cutoff = services.run_cutoff(command, world.community, at=at(12))
    rows = list(Request.objects.all())
    assert all(r.status == Status.ORDERED and r.ordered_by == command and r.cutoff == cutoff for r in rows)
    assert all(r.expected_at == at(15) for r in rows)  # 3 hours by default
    assert (cutoff.n_requests, cutoff.n_households) == (2, 2)


def test_cutoff_sums_per_building_per_item_and_per_supply_point(world, doors, point):
    leader, command = world.users["building_leader"], world.users["command_post"]
    enter(leader, world.building_a, [doors["a101"], doors["a201"]], quantity=2, item="大米 10斤")
    enter(leader, world.building_a, [doors["a202"]], kind=Kind.GAS, item="")
    enter(command, world.building_b, [doors["b101"]], quantity=5, item="大米 10斤")
    Request.objects.filter(kind=Kind.GAS).update(supply_point=point)
    cutoff = services.run_cutoff(command, world.community, at=at(12))
    sums = services.cutoff_sums(cutoff)
    assert [(r["building__door_number"], r["quantity"], r["n"]) for r in sums["per_building"]] == [
        ("17", 5, 1), ("564", 5, 3)]
    assert {(r["kind"], r["item"]): r["quantity"] for r in sums["per_item"]} == {
        (Kind.GROCERIES, "大米 10斤"): 9, (Kind.GAS, ""): 1}
    assert {r["supply_point__name"]: r["quantity"] for r in sums["per_supply_point"]} == {None: 9, "永辉超市": 1}


def test_a_second_cutoff_takes_only_what_came_after_the_first(world, doors):
    command = world.users["command_post"]
    enter(command, world.building_a, [doors["a101"]])
    services.run_cutoff(command, world.community, at=at(12))
    enter(command, world.building_a, [doors["a201"]])
    second = services.run_cutoff(command, world.community, at=at(18))
    assert second.n_requests == 1


def test_only_the_command_post_runs_the_cutoff(world):
    for role in ("building_leader", "grid_leader", "delivery_volunteer", "outsider"):
        with pytest.raises(NotAllowed):
            services.run_cutoff(world.users[role], world.community)
    assert Cutoff.objects.count() == 0


def test_next_cutoff_is_noon_then_six_then_tomorrow_noon(world):
    day = dt.date(2026, 3, 1)
    assert services.next_cutoff(world.community, at(9, day=day)) == at(12, day=day)
    assert services.next_cutoff(world.community, at(12, day=day)) == at(18, day=day)
    assert services.next_cutoff(world.community, at(19, day=day)) == at(12, day=day + dt.timedelta(days=1))


def test_a_community_sets_its_own_cutoff_times(world):
    Settings.objects.create(community=world.community, cutoffs="10:30, 16:00", delivery_hours=2)
    day = dt.date(2026, 3, 1)
    assert services.next_cutoff(world.community, at(9, day=day)) == at(10, 30, day=day)
    assert services.next_cutoff(world.community, at(11, day=day)) == at(16, day=day)


def test_cutoff_costs_the_same_queries_for_few_and_many_requests(world, doors):
    command = world.users["command_post"]

    def queries_for(n_households):
        Request.objects.all().delete()
        households = list(Household.objects.filter(building=world.building_a))
        for index in range(n_households - len(households)):
            households.append(Household.objects.create(community=world.community, building=world.building_a,
                                                       room=f"9{index:02d}", floor=9))
        enter(command, world.building_a, households, item="菜")
        enter(command, world.building_a, households, kind=Kind.GAS, item="")
        with CaptureQueriesContext(connection) as captured:
            services.run_cutoff(command, world.community)
        return len(captured)

    assert queries_for(4) == queries_for(30)
    assert CutoffLine.objects.filter(cutoff=Cutoff.objects.first()).count() == 2
