"""Supplies objects in both communities for tests/test_scope_matrix.py: a station, a run with its
requests, a cut-off, a group purchase with an order and a care plan, inside and outside each
role's scope."""

import datetime as dt

from django.utils import timezone

from fangkong.core.models import PersonTag
from fangkong.supplies import services
from fangkong.supplies.models import CarePlan, Kind, SupplyPoint


def add_work(world):
    for community, command, building, household, volunteer in [
        (world.community, world.users["command_post"], world.building_a, world.household_a1,
         world.users["delivery_volunteer"]),
        (world.other_community, world.users["outsider"], world.other_building, world.other_household,
         world.users["outsider"]),
    ]:
        services.enter_requests(command, building, [services.RequestRow(household=household, kind=Kind.GAS)])
        services.run_cutoff(command, community)
        station = services.create_station(command, community, "中转站", [building])
        services.plan_run(command, station, volunteer, timezone.now())
        point = SupplyPoint.objects.create(community=community, name="超市")
        catalogue = services.open_catalogue(command, point, "团购", timezone.now() + dt.timedelta(hours=2),
                                            [("35元爱心菜", "份", "35", "")])
        services.place_order(command, catalogue, household, {catalogue.items.get().pk: 1})
        services.save_meal_plan(command, household, 1, "不放调料")
    for person in (world.person_a, world.person_c, world.other_person):
        PersonTag.objects.create(person=person, tag="elderly_alone")
    services.ensure_care_plans(world.users["command_post"], world.community)
    services.ensure_care_plans(world.users["outsider"], world.other_community)
    command_post, outsider = world.users["command_post"], world.users["outsider"]
    for command, person in [(command_post, world.person_a), (command_post, world.person_c),
                            (outsider, world.other_person)]:
        plan = CarePlan.objects.get(person=person)
        services.plan_trips(command, person, timezone.localdate(), 2, 2, "血液透析")
        services.request_counselling(command, plan, "独居, 情绪低落", counsellor=command)
