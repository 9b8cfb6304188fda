"""A hand-counted day in the test world (tests/factories.py), so each figure can be checked.

Grid 1: building A (household a1, 张三 present) and B (household b1 away, 李四).
Grid 2: building C (household c1, 王五; and an empty household c2, vacant).
"""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.models import Household, HouseholdStatus
from fangkong.health.models import (
    Colour,
    HealthReport,
    KeyPerson,
    Measure,
    MeasureKind,
    Seal,
    SealCheck,
    SealResult,
    State,
)
from fangkong.registry.models import Outcome, ScreeningRound, Visit
from fangkong.staff.models import Task
from fangkong.testing.models import Sample, TestRound, Tube, TubeResult


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def day_world(world, today):
    w = world
    yesterday, tomorrow = today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    Household.objects.filter(pk=w.household_b1.pk).update(status=HouseholdStatus.AWAY)
    Household.objects.create(community=w.community, building=w.building_c, room="102", floor=1,
                             status=HouseholdStatus.VACANT)
    # Key persons: 张三 a close contact since today (orange), 王五 a fever since yesterday (yellow),
    # and one in the other community, which no figure of ours may count.
    KeyPerson.objects.create(community=w.community, person=w.person_a, state=State.CLOSE_CONTACT, since=today,
                             colour=Colour.ORANGE)
    KeyPerson.objects.create(community=w.community, person=w.person_c, state=State.FEVER, since=yesterday,
                             colour=Colour.YELLOW)
    KeyPerson.objects.create(community=w.other_community, person=w.other_person, state=State.CONFIRMED,
                             since=today, colour=Colour.RED)
    # 张三 in central quarantine, released today; 王五 at home, released tomorrow, reported today.
    Measure.objects.create(community=w.community, person=w.person_a, kind=MeasureKind.CENTRAL,
                           start=yesterday, end=today)
    Measure.objects.create(community=w.community, person=w.person_c, kind=MeasureKind.HOME,
                           start=yesterday, end=tomorrow)
    HealthReport.objects.create(community=w.community, person=w.person_c, on=today, temperature="36.6")
    seal = Seal.objects.create(community=w.community, household=w.household_c1, sealed_on=yesterday)
    SealCheck.objects.create(community=w.community, seal=seal, on=today, result=SealResult.BROKEN)
    # Screening: a1 found, b1 nobody home (still to do).
    screening = ScreeningRound.objects.create(community=w.community, name="第二轮摸排")
    Visit.objects.create(community=w.community, round=screening, household=w.household_a1, outcome=Outcome.FOUND)
    Visit.objects.create(community=w.community, round=screening, household=w.household_b1,
                         outcome=Outcome.NOBODY_HOME)
    # Testing: 张三 negative, 李四 positive (single tube), 王五 not sampled.
    testing = TestRound.objects.create(community=w.community, name="第三轮全员核酸", date=today, pool_size=1)
    for code, person, result in (("T1", w.person_a, TubeResult.NEGATIVE), ("T2", w.person_b, TubeResult.POSITIVE)):
        tube = Tube.objects.create(community=w.community, round=testing, code=code, pool_size=1, n=1,
                                   result=result, closed_at=timezone.now(), result_at=timezone.now())
        Sample.objects.create(community=w.community, round=testing, tube=tube, person=person, client_id=code)
    Task.objects.create(community=w.community, title="补录外出人员", grid=w.grid2, due_on=yesterday)
    Task.objects.create(community=w.community, title="核对空置户", grid=w.grid1, due_on=tomorrow)
    w.screening, w.testing = screening, testing
    return w
