import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.models import Household
from fangkong.supplies import services
from fangkong.supplies.models import Kind, SupplyPoint


@pytest.fixture
def doors(world):
    """Building A (564) with rooms 101, 201, 202, 1001 (1001 sorts after 202); building B (17) with 101."""
    a = world.building_a
    extra = {room: Household.objects.create(community=world.community, building=a, room=room, floor=floor)
             for room, floor in (("1001", 10), ("202", 2), ("201", 2))}
    return {"a101": world.household_a1, "a201": extra["201"], "a202": extra["202"], "a1001": extra["1001"],
            "b101": world.household_b1}


@pytest.fixture
def point(world):
    return SupplyPoint.objects.create(community=world.community, name="永辉超市")


def enter(user, building, households, kind=Kind.GROCERIES, quantity=1, item="大米 10斤", **extra):
    return services.enter_requests(user, building, [
        services.RequestRow(household=h, kind=kind, quantity=quantity, item=item, **extra) for h in households])


def at(hour, minute=0, day=None):
    day = day or timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
