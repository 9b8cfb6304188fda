"""Work over places (core/operations.py): what an operation covers, who sees it, how its coverage
rolls up, and when a phone's clock is believed."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from fangkong.core.fieldtime import CLOCK_SKEW, TRUSTED_FOR, trusted_time
from fangkong.core.models import Building
from fangkong.core.operations import (
    Tally,
    chosen_places,
    compare,
    operation_buildings,
    refresh_reach,
    roll_up,
)
from fangkong.registry.models import ScreeningRound
from fangkong.testing.models import TestRound


class Knocks(Tally):
    FIELDS = ("doors", "knocked")
    DONE, OF = "knocked", "doors"


def make_round(world, model=ScreeningRound, grids=(), buildings=()):
    round_ = model.objects.create(community=world.community, name="第一轮")
    round_.grids.set(grids)
    round_.buildings.set(buildings)
    refresh_reach(round_)
    return round_


# --- what an operation covers ------------------------------------------------------------------


@pytest.mark.parametrize("model", [ScreeningRound, TestRound])
def test_an_operation_with_no_places_chosen_covers_the_whole_community(world, model):
    round_ = make_round(world, model)
    assert set(operation_buildings(round_)) == {world.building_a, world.building_b, world.building_c}
    assert chosen_places(round_) == (frozenset(), frozenset())


@pytest.mark.parametrize("model", [ScreeningRound, TestRound])
def test_an_operation_covers_its_grids_buildings_and_the_buildings_chosen(world, model):
    round_ = make_round(world, model, grids=[world.grid2], buildings=[world.building_a])
    assert set(operation_buildings(round_)) == {world.building_a, world.building_c}
    assert chosen_places(round_) == (frozenset({world.grid2.pk}), frozenset({world.building_a.pk}))


def test_another_communitys_building_is_never_covered(world):
    round_ = make_round(world)
    assert world.other_building not in set(operation_buildings(round_))


# --- who sees it -------------------------------------------------------------------------------


def test_grid_roles_see_the_operations_that_reach_their_grid(world):
    in_grid2 = make_round(world, buildings=[world.building_c])
    in_grid1 = make_round(world, buildings=[world.building_b])
    whole = make_round(world)
    visible = set(ScreeningRound.objects.visible_to(world.users["grid_worker"]))  # grid 1
    assert visible == {in_grid1, whole} and in_grid2 not in visible
    leader = set(ScreeningRound.objects.visible_to(world.users["building_leader"]))  # building A, grid 1
    assert leader == {in_grid1, whole}


def test_refresh_reach_follows_a_changed_choice(world):
    round_ = make_round(world, buildings=[world.building_c])
    assert set(round_.reach_grids.all()) == {world.grid2}
    round_.buildings.set([world.building_a])
    refresh_reach(round_)
    assert set(round_.reach_grids.all()) == {world.grid1}
    round_.buildings.set([])
    refresh_reach(round_)
    assert set(round_.reach_grids.all()) == {world.grid1, world.grid2}


def test_an_operation_without_its_reach_is_seen_by_community_wide_roles_only(world):
    round_ = ScreeningRound.objects.create(community=world.community, name="手工")  # no refresh_reach
    assert round_ in set(ScreeningRound.objects.visible_to(world.users["command_post"]))
    assert round_ not in set(ScreeningRound.objects.visible_to(world.users["grid_worker"]))


def test_a_closed_operation_is_not_open(world):
    round_ = make_round(world)
    assert round_.is_open
    round_.closed_at = timezone.now()
    assert not round_.is_open


# --- coverage ----------------------------------------------------------------------------------


def test_coverage_rolls_buildings_up_to_grids_and_the_community(world):
    rows = [
        {"building_id": world.building_a.pk, "doors": 10, "knocked": 4},
        {"building_id": world.building_b.pk, "doors": 5, "knocked": 5},
        {"building_id": world.building_c.pk, "doors": 2, "knocked": 0},
    ]
    cover = roll_up(rows, Knocks)
    assert cover.community == Knocks(doors=17, knocked=9)
    assert cover.community.left == 8 and cover.community.percent == 53
    grids = {place.pk: place.tally for place in cover.grids}
    assert grids == {world.grid1.pk: Knocks(doors=15, knocked=9), world.grid2.pk: Knocks(doors=2, knocked=0)}
    assert [place.pk for place in cover.grids] == [world.grid1.pk, world.grid2.pk]  # by grid number
    by_building = {place.pk: place for place in cover.buildings}
    assert by_building[world.building_c.pk].tally.percent == 0
    assert by_building[world.building_a.pk].grid_id == world.grid1.pk


def test_buildings_are_listed_in_door_order(world):
    late = Building.objects.create(community=world.community, grid=world.grid1, door_number="3")
    rows = [{"building_id": b.pk, "doors": 1, "knocked": 1} for b in (world.building_c, late, world.building_a)]
    listed = [place.pk for place in roll_up(rows, Knocks).buildings]
    in_door_order = sorted((world.building_c, late, world.building_a), key=lambda b: (b.door_sort, b.pk))
    assert listed == [b.pk for b in in_door_order]
    assert listed[0] == late.pk  # door 3 before the others, whatever order the rows came in


def test_counts_without_a_building_count_for_the_community_only(world):
    rows = [{"building_id": None, "doors": 3, "knocked": 1}, {"building_id": world.building_a.pk, "doors": 1,
                                                             "knocked": 1}]
    cover = roll_up(rows, Knocks)
    assert cover.community == Knocks(doors=4, knocked=2)
    assert [place.pk for place in cover.buildings] == [world.building_a.pk]
    assert sum(place.tally.doors for place in cover.grids) == 1


def test_nothing_to_do_counts_as_done():
    assert Knocks().percent == 100 and Knocks().left == 0


def test_a_tally_refuses_counts_it_does_not_know():
    with pytest.raises(TypeError):
        Knocks(doors=1, rooms=2)


def test_compare_attaches_the_other_operations_counts_or_zero(world):
    now = roll_up([{"building_id": world.building_a.pk, "doors": 10, "knocked": 8},
                   {"building_id": world.building_c.pk, "doors": 2, "knocked": 2}], Knocks)
    before = roll_up([{"building_id": world.building_a.pk, "doors": 10, "knocked": 3}], Knocks)
    compare(now, before)
    by_building = {place.pk: place.before for place in now.buildings}
    assert by_building == {world.building_a.pk: Knocks(doors=10, knocked=3), world.building_c.pk: Knocks()}
    assert {place.pk: place.before.knocked for place in now.grids} == {world.grid1.pk: 3, world.grid2.pk: 0}


# --- a phone's clock ---------------------------------------------------------------------------


NOW = timezone.make_aware(datetime(2026, 12, 1, 9, 0))


def test_a_tap_queued_a_day_ago_keeps_its_own_time():
    assert trusted_time(NOW - TRUSTED_FOR, NOW) == NOW - TRUSTED_FOR
    assert TRUSTED_FOR == timedelta(hours=24)


def test_a_tap_older_than_a_day_gets_the_time_it_arrived():
    assert trusted_time(NOW - TRUSTED_FOR - timedelta(seconds=1), NOW) == NOW


def test_a_phone_clock_a_little_fast_is_brought_back_to_now():
    assert trusted_time(NOW + CLOCK_SKEW, NOW) == NOW
    assert trusted_time(NOW + CLOCK_SKEW + timedelta(seconds=1), NOW) == NOW


def test_a_phone_time_arrives_as_text_or_without_a_zone():
    assert trusted_time("2026-12-01T08:30:00+08:00", NOW) == NOW - timedelta(minutes=30)
    assert trusted_time(datetime(2026, 12, 1, 8, 30), NOW) == timezone.make_aware(datetime(2026, 12, 1, 8, 30))
    assert trusted_time("not a time", NOW) == NOW
    assert trusted_time(None, NOW) == NOW
