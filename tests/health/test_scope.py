"""Scope of the health rows for every role: the same rows as core's mechanism gives, and a few
sentences a user would say."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.core.scope import ScopedQuerySet
from fangkong.health import services
from fangkong.health.models import ArrivalReport, KeyPerson, Measure, QuarantineSite, RiskArea, Seal

from .scope_work import add_work

ROLES = ["command_post", "grid_leader", "grid_worker", "building_leader", "sampler", "guard",
         "delivery_volunteer", "district_viewer", "outsider", "nobody"]
MODELS = [KeyPerson, Measure, ArrivalReport, Seal, RiskArea, QuarantineSite]


@pytest.mark.parametrize("role", ROLES)
def test_health_rows_in_scope_are_exactly_those_cores_scope_gives(world, role):
    add_work(world)
    for person in (world.person_b, world.person_c):
        services.set_state(world.users["command_post"], person, "close_contact")
    user = world.users[role]
    for model in MODELS:
        for write in (False, True):
            direct = set(model.objects.visible_to(user, write=write).values_list("pk", flat=True))
            core = set(ScopedQuerySet.visible_to(model.objects.all(), user, write=write).values_list("pk", flat=True))
            assert direct == core, f"{role} {model.__name__} write={write}"


def test_grid_worker_sees_key_persons_of_own_grid_only(world):
    command = world.users["command_post"]
    for person in (world.person_a, world.person_b, world.person_c):
        services.set_state(command, person, "fever")
    seen = {k.person for k in services.register(world.users["grid_worker"])}
    assert seen == {world.person_a, world.person_b}


def test_other_community_sees_none_of_ours(world):
    services.set_state(world.users["command_post"], world.person_a, "fever")
    assert not services.register(world.users["outsider"]).exists()


def test_a_key_person_without_a_household_is_seen_by_the_command_post_only(world):
    command = world.users["command_post"]
    world.person_a.household = None
    world.person_a.save()
    services.set_state(command, world.person_a, "fever")
    assert services.register(command).count() == 1
    assert services.register(world.users["grid_leader"]).count() == 0


def test_ending_list_keeps_to_scope(world):
    command = world.users["command_post"]
    today = timezone.localdate()
    for person in (world.person_a, world.person_b):
        services.start_measure(command, person, "home", today - timedelta(days=6), today, today=today)
    assert [m.person for m in services.ending(world.users["building_leader"], today)] == [world.person_a]
