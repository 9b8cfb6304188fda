"""Testing's items on the start page: for a sampler, today's rounds (the scanning page, with the
points); for a building leader, the sampling slots of their buildings today and who is untested."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.models import Role
from fangkong.core.scope import has_role
from fangkong.core.start import Item, items_html

from . import services
from .models import SamplingSlot, TestRound


def start_items(request):
    user = request.user
    today = timezone.localdate()
    rounds = list(TestRound.objects.visible_to(user).filter(date=today, closed_at__isnull=True).distinct()[:5])
    items = []
    for round_ in rounds:
        if has_role(user, Role.SAMPLER, community_id=round_.community_id):
            points = " · ".join(p.strip() for p in round_.sampling_points.splitlines() if p.strip())
            slots = list(SamplingSlot.objects.filter(round=round_).order_by("starts")[:1])
            when = f"{slots[0].starts:%H:%M}" if slots else ""
            items.append(Item(title=_("Sampling: %(round)s") % {"round": round_.name},
                              detail=" · ".join(x for x in (points, when) if x),
                              url=reverse("testround_sampler", args=[round_.pk])))
        staff = (Role.BUILDING_LEADER, Role.GRID_WORKER, Role.GRID_LEADER)
        if has_role(user, *staff, community_id=round_.community_id):
            for slot in (SamplingSlot.objects.visible_to(user).filter(round=round_)
                         .select_related("building").order_by("starts", "building__door_sort")[:20]):
                items.append(Item(
                    title=_("Building %(door)s comes down %(start)s-%(end)s") % {
                        "door": slot.building.door_number, "start": f"{slot.starts:%H:%M}",
                        "end": f"{slot.ends:%H:%M}"},
                    detail=slot.point, url=reverse("testround_schedule", args=[round_.pk]), offline=False))
            untested = sum(len(persons) for _building, persons in services.untested(round_, user))
            if untested:
                items.append(Item(title=_("Untested: %(n)d people") % {"n": untested}, detail=round_.name,
                                  url=reverse("testround_untested", args=[round_.pk])))
    return items_html(_("Testing"), items)
