"""What supplies shows on core's pages (registered in SuppliesConfig.ready, see core/hooks.py)."""

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from fangkong.core.actions import allowed
from fangkong.core.models import Building, Community
from fangkong.core.scope import reaches

from . import actions as can
from . import services
from .models import DeliveryRun, RunStatus


def home_panel(request, **kwargs):
    """For the command post: requests open, delivered and failed today, stock alerts, care
    contacts and counselling calls due."""
    user = request.user
    today = timezone.localdate()
    rows = []
    for community in Community.objects.visible_to(user).order_by("name"):
        if not allowed(user, can.RUN_CUTOFF, community):  # the one who collects the requests
            continue
        rows.append({"community": community, "figures": services.figures(community, today),
                     "care_due": services.care_due(user, community, today).count(),
                     "calls_due": services.counselling_due(user, community, today).count()})
    if not rows:
        return None
    return render_to_string("supplies/_home_panel.html", {"rows": rows}, request=request)


def volunteer_runs(request, **kwargs):
    """The runs today whose volunteer the user is, on the start page."""
    user = request.user
    if not allowed(user, can.RECORD_HANDOVER):
        return None
    start = timezone.make_aware(timezone.datetime.combine(timezone.localdate(), timezone.datetime.min.time()))
    runs = list(DeliveryRun.objects.visible_to(user).filter(volunteer=user, departs_at__gte=start)
                .exclude(status=RunStatus.DONE).select_related("station").order_by("departs_at"))
    if not runs:
        return None
    return render_to_string("supplies/_start_runs.html", {"runs": runs}, request=request)


def leader_requests(request, **kwargs):
    """The buildings the user answers for by name (a building leader's, a volunteer's), each a link
    to enter its requests; staff of a whole grid or community enter them from the supplies pages."""
    user = request.user
    if not allowed(user, can.ENTER_REQUEST):
        return None
    found = reaches(user)
    bound = {pk for reach in found for pk in reach.building_ids}
    entrances = {pk for reach in found for pk in reach.entrance_ids}  # a leader of one 单元
    if not bound and not entrances:
        return None
    buildings = list(Building.objects.visible_to(user).filter(Q(pk__in=bound) | Q(entrances__in=entrances))
                     .distinct().order_by("door_sort")[:20])
    if not buildings:
        return None
    return render_to_string("supplies/_start_requests.html", {"buildings": buildings}, request=request)
