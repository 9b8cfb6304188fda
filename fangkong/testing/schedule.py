"""Sampling schedule (排班) of a testing round: which building comes down to which sampling point
when, and the notice each building leader pastes into the building's chat group (seed 002: "8:00-
8:30 楼栋 3 下楼"; buildings go down one after another so that the queue at a point stays short).

The command post or a grid leader plans a run of buildings at one point in consecutive slots
(``plan``); a building planned again moves to its new slot. Everyone else reads the schedule
through scope: a building leader sees the slots, and so the notices, of their own buildings.
"""

import datetime as dt

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from fangkong.core import services as core
from fangkong.core.actions import require
from fangkong.core.models import AuditAction, Building
from fangkong.core.operations import operation_buildings

from . import actions as can
from .models import SamplingSlot, TestRound
from .services import TestingError

LONGEST_SLOT = 240  # minutes; a building that needs longer is split by hand into two plans


def slots(round_: TestRound, user):
    """The round's slots the user may see, in time order, then door order (with what a notice reads)."""
    return (SamplingSlot.objects.visible_to(user).filter(round=round_).select_related("building", "round")
            .order_by("starts", "point", "building__door_sort"))


def buildings(round_: TestRound, user):
    """The round's buildings the user may see, in door order: the ones a plan may choose from."""
    return (Building.objects.visible_to(user).filter(pk__in=operation_buildings(round_).values("pk"))
            .order_by("door_sort"))


def unplanned(round_: TestRound, user):
    """The round's buildings (in the user's scope) that have no slot yet, in door order."""
    return buildings(round_, user).exclude(pk__in=SamplingSlot.objects.filter(round=round_).values("building_id"))


@transaction.atomic
def plan(actor, round_: TestRound, buildings, *, point: str, start: dt.time, minutes: int,
         per_slot: int = 1) -> list[SamplingSlot]:
    """Give ``buildings`` (in the order given) consecutive slots of ``minutes`` at ``point`` from
    ``start``, ``per_slot`` buildings at a time. Returns the slots written."""
    point = (point or "").strip()
    buildings = list(buildings)
    # Step 1: the plan must make sense before anything is written.
    require(actor, can.PLAN_SCHEDULE, round_)
    if not round_.is_open:
        raise TestingError(_("This round is closed."), code="round_closed")
    if not point:
        raise TestingError(_("Choose a sampling point."), code="point", field="point")
    if round_.point_list and point not in round_.point_list:
        raise TestingError(_("%(point)s is not one of this round's sampling points.") % {"point": point},
                           code="point", field="point")
    if not 5 <= minutes <= LONGEST_SLOT:
        raise TestingError(_("A slot lasts from 5 to %(most)s minutes.") % {"most": LONGEST_SLOT},
                           code="minutes", field="minutes")
    if per_slot < 1:
        raise TestingError(_("At least one building goes down per slot."), code="per_slot", field="per_slot")
    if not buildings:
        raise TestingError(_("Choose the buildings to plan."), code="buildings", field="buildings")
    covered = set(operation_buildings(round_).filter(pk__in=[b.pk for b in buildings]).values_list("pk", flat=True))
    outside = [b.door_number for b in buildings if b.pk not in covered]
    if outside:
        raise TestingError(_("Not in this round: building %(doors)s.") % {"doors": "、".join(outside)},
                           code="buildings", field="buildings")
    count = -(-len(buildings) // per_slot)
    first = dt.datetime.combine(round_.date, start)
    if (first + dt.timedelta(minutes=minutes * count)).date() != round_.date:
        raise TestingError(_("The last slot would end after midnight: start earlier, or plan fewer buildings."),
                           code="minutes", field="start")
    # Step 2: replace the buildings' slots in two statements.
    SamplingSlot.objects.filter(round=round_, building__in=buildings).delete()
    new = []
    for index, building in enumerate(buildings):
        begins = first + dt.timedelta(minutes=minutes * (index // per_slot))
        new.append(SamplingSlot(community_id=round_.community_id, round=round_, building=building, point=point[:100],
                                starts=begins.time(), ends=(begins + dt.timedelta(minutes=minutes)).time()))
    SamplingSlot.objects.bulk_create(new)
    core.audit(actor, AuditAction.CHANGE, round_, fields=["schedule"],
               changes={"schedule": ["", f"{point} {start:%H:%M} +{minutes}' × {len(buildings)}"]})
    return new


@transaction.atomic
def unplan(actor, round_: TestRound, building) -> int:
    require(actor, can.PLAN_SCHEDULE, round_)
    if not round_.is_open:
        raise TestingError(_("This round is closed."), code="round_closed")
    removed, _detail = SamplingSlot.objects.filter(round=round_, building=building).delete()
    if removed:
        core.audit(actor, AuditAction.CHANGE, round_, fields=["schedule"],
                   changes={"schedule": [str(building.door_number), ""]})
    return removed


def notice(slot: SamplingSlot) -> str:
    """The text a building leader pastes into the building's chat group, in the user's language."""
    building = slot.building
    return _(
        "[Nucleic acid testing] %(date)s %(starts)s-%(ends)s: everyone in building %(door)s, please come "
        "down to %(point)s for testing. Bring your phone or your printed person code, wear a mask and "
        "keep one metre apart. Bedridden or cannot come down? Tell your building leader: the samplers "
        "will come to your door."
    ) % {
        "date": formats.date_format(slot.round.date, "MONTH_DAY_FORMAT"),
        "starts": f"{slot.starts:%H:%M}",
        "ends": f"{slot.ends:%H:%M}",
        "door": building.door_number + (f" {building.name}" if building.name else ""),
        "point": slot.point,
    }
