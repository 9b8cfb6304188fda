"""The demo community's screening round (摸排), half done: the building leader's buildings and grid 5
knocked since the morning, most doors found and their people confirmed, some nobody home (on the
revisit list, one of them overdue), one refused, the vacant flats marked. Through the services, as
the knock-round page would. Called by ``fangkong.core.demo``."""

import datetime as dt
import random

from django.utils import timezone

from fangkong.core.models import Building, Grid, HouseholdStatus, Person

from . import screening
from .models import Outcome

DEMO_DOORS = ("17", "88A", "564")  # the demo building leader's


def add_demo(community, actor, today: dt.date, seed: int) -> None:
    rng = random.Random(seed + 3)
    now = timezone.now()
    grid = Grid.objects.get(community=community, number=5)
    buildings = list(Building.objects.filter(community=community, door_number__in=DEMO_DOORS))
    round_ = screening.create_round(actor, community, name="第二轮敲门摸排", starts_at=now - dt.timedelta(hours=9),
                                    grids=[grid], buildings=buildings)
    households = list(screening.round_households(round_).select_related("building")
                      .order_by("building__door_sort", "room_sort"))
    members: dict[int, list] = {}
    for person in Person.objects.filter(household__in=households).order_by("pk"):
        members.setdefault(person.household_id, []).append(person)
    # Two doors in three knocked so far, the earliest nine hours ago.
    knocked = [h for h in households if rng.random() < 0.67]
    for index, household in enumerate(knocked):
        at = now - dt.timedelta(minutes=540 * (len(knocked) - index) / len(knocked))
        if household.status == HouseholdStatus.VACANT:
            outcome = Outcome.VACANT
        else:
            outcome = rng.choices([Outcome.FOUND, Outcome.NOBODY_HOME, Outcome.REFUSED], weights=[90, 9, 1])[0]
        screening.record_visit(actor, round_, household, outcome, client_id=f"demo-{household.pk}", at=at, now=now)
        if outcome == Outcome.FOUND and members.get(household.pk):
            screening.confirm_members(actor, round_, household, members[household.pk], now=at)
