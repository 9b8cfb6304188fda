"""The demo community's testing round of the day it is built: grid 5 (the controlled grid) tested
10 in 1 at two sampling points, its buildings scheduled one slot after another, the morning's
swabs taken (about two buildings in three done), the first results back with one positive pool
whose people wait for the single-tube retest. Called by ``fangkong.core.demo``.

The swabs are written in two bulk statements (a scan per person would make the demo slow to
build); the round, the schedule and the results go through the services."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangkong.core.models import Grid
from fangkong.core.operations import operation_buildings

from . import schedule, services
from .models import Sample, Tube

POINTS = ["旧村广场", "老人活动中心"]


def add_demo(community, actor, today: dt.date, seed: int) -> None:
    rng = random.Random(seed + 4)
    grid = Grid.objects.get(community=community, number=5)
    round_ = services.create_round(actor, community, name=f"第五网格全员核酸（{today.month}月{today.day}日）",
                                   date=today, pool_size=10, grids=[grid], sampling_points="\n".join(POINTS))
    # Step 1: the schedule, half the buildings at each point, two buildings every 20 minutes from 7:00.
    buildings = list(operation_buildings(round_).order_by("door_sort"))
    half = len(buildings) // 2
    for point, part in zip(POINTS, (buildings[:half], buildings[half:]), strict=True):
        schedule.plan(actor, round_, part, point=point, start=dt.time(7, 0), minutes=20, per_slot=2)

    # Step 2: the morning's swabs, building by building in slot order, ten to a tube.
    sampler = get_user_model().objects.filter(username="sampler").first()
    first_point, second_point = buildings[:half], buildings[half:]
    done = {b.pk for b in first_point[: len(first_point) * 2 // 3] + second_point[: len(second_point) * 2 // 3]}
    persons = [p for p in services.must_test(round_).select_related("household").order_by(
        "household__building__door_sort", "household__room_sort", "pk") if p.household.building_id in done]
    persons = [p for p in persons if rng.random() < 0.93]  # a few were out, or will come later
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(7, 0)))
    tubes, members = [], []
    for number, first in enumerate(range(0, len(persons), round_.pool_size), start=1):
        pool = persons[first:first + round_.pool_size]
        at = start + dt.timedelta(seconds=40 * first)
        point = POINTS[0] if pool[0].household.building_id in {b.pk for b in first_point} else POINTS[1]
        tubes.append(Tube(community=community, round=round_, code=f"DM{today:%y%m%d}{number:05d}",
                          pool_size=round_.pool_size, n=len(pool), point=point, opened_by=sampler, opened_at=at,
                          closed_at=at + dt.timedelta(minutes=5)))
        members.append((pool, at))
    Tube.objects.bulk_create(tubes)
    Sample.objects.bulk_create([
        Sample(community=community, round=round_, tube=tube, person=person, client_id=f"demo-{person.pk}",
               scanned_by=sampler, at=at + dt.timedelta(seconds=20 * index))
        for tube, (pool, at) in zip(tubes, members, strict=True) for index, person in enumerate(pool)])

    # Step 3: the lab's first results: the first three tubes in four, the fifth one positive.
    back = tubes[: len(tubes) * 3 // 4]
    rows = [(index + 2, tube.code, "阳性" if index == 4 else "阴性", start + dt.timedelta(hours=4))
            for index, tube in enumerate(back)]
    services.import_results(actor, round_, rows)
