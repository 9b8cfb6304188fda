"""One object of each health model inside the community (in building A, so every role with a
reach there sees it) and one in the other community, for tests/test_scope_matrix.py."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from fangkong.health import services
from fangkong.health.models import Level, MeasureKind, QuarantineSite, SealResult, State


def add_work(world):
    today = timezone.localdate()
    for community, person, household, actor in [
        (world.community, world.person_a, world.household_a1, world.users["command_post"]),
        (world.other_community, world.other_person, world.other_household, world.users["outsider"]),
    ]:
        area = services.get_or_create_area(community, "君诚酒店", "商州区")
        services.record_level(actor, area, Level.HIGH, timezone.now() - timedelta(days=3), "第20号")
        services.ensure_policy(community)
        site = QuarantineSite.objects.create(community=community, name="君诚酒店", rooms=40, capacity=40)
        arrival = services.report_arrival(actor, person, origin_area=area, travel_date=today, arrival_date=today)
        [central, _monitoring] = services.decide_arrival(actor, arrival, today=today)
        services.create_transfer(actor, site, [central], "陕H12345", timezone.now())
        services.set_state(actor, person, State.CLOSE_CONTACT)
        seal = services.seal_household(actor, household)
        services.check_seal(actor, seal, SealResult.INTACT)
        services.record_reports(actor, today, [(person, Decimal("36.5"), [])])
        services.record_violation(actor, person, "擅自外出", "劝返")
        back = services.start_measure(actor, person, MeasureKind.CENTRAL, today - timedelta(days=8),
                                      today - timedelta(days=1))
        services.receive(actor, back)
