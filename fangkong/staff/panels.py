"""What staff adds to core's pages (registered in StaffConfig.ready): the command post's home panel
and the field roles' start items."""

from django.template.loader import render_to_string
from django.utils import timezone

from fangkong.core.models import Role
from fangkong.core.scope import reaches

from . import services
from .models import Duty, Worker


def home_panel(request, **kwargs):
    user = request.user
    if not any(r.role in (Role.COMMAND_POST, Role.GRID_LEADER) for r in reaches(user)) and not user.is_superuser:
        return None
    community_ids = sorted({r.community_id for r in reaches(user)}) or None
    coverage = services.coverage(user, community_ids, shown=0)  # the counts only
    on_duty = services.on_duty_now(user)
    return render_to_string("staff/_home_panel.html", {
        "coverage": coverage, "uncovered_posts": [line for line in on_duty if line["uncovered"]],
        "on_duty": on_duty, "tasks_per_grid": services.open_tasks_per_grid(user)}, request=request)


def my_shifts_item(request, **kwargs):
    worker = Worker.objects.filter(user=request.user).first() if request.user.is_authenticated else None
    if worker is None:
        return None
    upcoming = Duty.objects.filter(worker=worker, ends_at__gt=timezone.now()).select_related("post").first()
    return render_to_string("staff/_start_shifts.html", {"duty": upcoming}, request=request)


def my_five_item(request, **kwargs):
    worker = Worker.objects.filter(user=request.user).first() if request.user.is_authenticated else None
    if worker is None or not worker.assignments.filter(ended_on__isnull=True).exists():
        return None
    return render_to_string("staff/_start_five.html", {}, request=request)
