"""What supplies shows on core's pages (registered in SuppliesConfig.ready, see core/hooks.py)."""

from django.template.loader import render_to_string
from django.utils import timezone

from fangkong.core.models import Building, Community, Role
from fangkong.core.scope import has_role

from . import services
from .models import DeliveryRun, RunStatus


def home_panel(request, **kwargs):
    """For the command post: requests open, delivered and failed today, stock alerts, care
    contacts and counselling calls due."""
    user = request.user
    today = timezone.localdate()
    rows = []
    for community in Community.objects.visible_to(user).order_by("name"):
        if not has_role(user, Role.COMMAND_POST, community_id=community.pk):
            continue
        rows.append({"community": community, "figures": services.figures(community, today),
                     "care_due": services.care_due(user, community, today).count(),
                     "calls_due": services.counselling_due(user, community, today).count()})
    if not rows:
        return None
    return render_to_string("supplies/_home_panel.html", {"rows": rows}, request=request)


def volunteer_runs(request, **kwargs):
    """A delivery volunteer's runs today, on the start page."""
    user = request.user
    if not has_role(user, Role.DELIVERY_VOLUNTEER):
        return None
    start = timezone.make_aware(timezone.datetime.combine(timezone.localdate(), timezone.datetime.min.time()))
    runs = list(DeliveryRun.objects.visible_to(user).filter(volunteer=user, departs_at__gte=start)
                .exclude(status=RunStatus.DONE).select_related("station").order_by("departs_at"))
    if not runs:
        return None
    return render_to_string("supplies/_start_runs.html", {"runs": runs}, request=request)


def leader_requests(request, **kwargs):
    """A building leader's buildings, each a link to enter its requests."""
    user = request.user
    if not has_role(user, Role.BUILDING_LEADER):
        return None
    buildings = list(Building.objects.visible_to(user).order_by("door_sort")[:20])
    if not buildings:
        return None
    return render_to_string("supplies/_start_requests.html", {"buildings": buildings}, request=request)
