"""The day's problems and the 4 p.m. briefing (每日简报): the rules, for pages and the command alike."""

import datetime as dt

from django.apps import apps
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actions import require
from fangkong.core.errors import ServiceError
from fangkong.core.models import AuditAction, Grid
from fangkong.core.services import audit

from . import actions as can
from .figures import daily_figures, places_seen
from .models import Briefing, BriefingJob, JobStatus, Problem, ProblemKind

PROBLEM_MAX = 300


class DashboardError(ServiceError):
    pass


def viewable_figures(user, day, communities=None):
    """The figures the user may see, for a page: read from FiguresCache when younger than
    settings.FANGKONG_FIGURES_MAX_AGE (one community: counted again now when older; several, a
    district: shown as they are and refreshed in the background, each with its "as of")."""
    from .figures import max_age

    several = len(places_seen(user, communities)) > 1
    return daily_figures(user, day, communities, age=max_age(), stale_ok=several, grids=not several)


@transaction.atomic
def add_problem(actor, community, grid: Grid | None, text: str, kind: str = ProblemKind.PROBLEM,
                day: dt.date | None = None) -> Problem:
    """A grid raises a problem (or a need) for the day's meeting. Without a grid: the command post's own."""
    if grid is not None and grid.community_id != community.pk:
        raise DashboardError(_("Grid: not a grid of this community."), code="wrong_grid", field="grid")
    require(actor, can.ADD_PROBLEM, grid if grid is not None else community)
    if grid is None and places_seen(actor, [community]).get(community.pk, frozenset()) is not None:
        # Grid staff raise their grids' problems; the command post's own are the command post's.
        raise DashboardError(_("Grid: choose one of your grids."), code="no_grid", field="grid")
    text = " ".join((text or "").split())
    if not text:
        raise DashboardError(_("Problem: say what the problem or the need is."), code="empty", field="text")
    if len(text) > PROBLEM_MAX:
        raise DashboardError(_("Problem: at most %(n)d characters (this one has %(len)d).")
                             % {"n": PROBLEM_MAX, "len": len(text)}, code="too_long", field="text")
    if kind not in ProblemKind.values:
        raise DashboardError(_("Kind: choose a problem or a need."), code="bad_kind", field="kind")
    problem = Problem.objects.create(community=community, grid=grid, day=day or timezone.localdate(), kind=kind,
                                     text=text, raised_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit(actor, AuditAction.CREATE, problem, community=community, changes={"text": ["", text]})
    return problem


def problems_of(user, community, day):
    return (Problem.objects.visible_to(user).filter(community=community, day=day)
            .select_related("grid").order_by(F("grid__number").asc(nulls_last=True), "at", "pk"))


def _overdue_tasks(community, day) -> list[dict]:
    if not apps.is_installed("fangkong.staff"):
        return []
    from fangkong.staff.models import Task, TaskStatus

    rows = (Task.objects.filter(community=community, status=TaskStatus.OPEN, due_on__lt=day)
            .select_related("grid", "building__grid").order_by("due_on", "pk")[:50])
    tasks = []
    for task in rows:
        grid = task.grid or (task.building.grid if task.building_id else None)
        tasks.append({"title": task.title, "due_on": task.due_on.isoformat(), "grid": str(grid) if grid else "",
                      "grid_id": grid.pk if grid else None})
    return tasks


@transaction.atomic
def issue_briefing(actor, community, day: dt.date | None = None, tomorrow: str = "") -> Briefing:
    """Freeze the day's figures, problems and overdue tasks into the day's briefing.

    ``actor`` None is the scheduler (``fangkong issue-briefing``): it issues for the whole
    community. Issuing again the same day replaces that day's briefing with fresh figures (the
    meeting may ask for them again at 16:30); a past day's briefing stays as it was issued."""
    if actor is not None:
        require(actor, can.ISSUE_BRIEFING, community)
    day = day or timezone.localdate()
    figures = daily_figures(None, day, [community]).as_json()
    before = Briefing.objects.filter(community=community, day__lt=day).order_by("-day").first()
    previous = {}
    if before is not None:
        previous = {"day": before.day.isoformat(),
                    "community": before.figures.get("communities", {}).get(str(community.pk), {}).get("figures", {}),
                    "grids": {gid: g.get("figures", {}) for gid, g in before.figures.get("grids", {}).items()}}
    problems = [{"grid": str(p.grid) if p.grid else "", "grid_id": p.grid_id, "kind": p.kind, "text": p.text}
                for p in Problem.objects.filter(community=community, day=day).select_related("grid")
                .order_by(F("grid__number").asc(nulls_last=True), "at", "pk")]
    values = {"figures": figures, "previous": previous, "problems": problems,
              "overdue": _overdue_tasks(community, day), "tomorrow": (tomorrow or "").strip()[:2000],
              "issued_at": timezone.now(), "issued_by": actor if getattr(actor, "is_authenticated", False) else None}
    briefing, created = Briefing.objects.update_or_create(community=community, day=day, defaults=values)
    audit(actor, AuditAction.CREATE if created else AuditAction.CHANGE, briefing, community=community,
          changes={"briefing": ["", day.isoformat()]})
    return briefing


def ask_briefing(actor, community, tomorrow: str = "", day: dt.date | None = None) -> BriefingJob:
    """The page's "issue today's briefing": refused now if the actor may not, then generated in
    the background (Celery when a broker is set, a thread otherwise; inline in tests)."""
    from fangkong.lib.tasks import enqueue

    from .tasks import issue_briefing as issue_task

    require(actor, can.ISSUE_BRIEFING, community)
    job = BriefingJob.objects.create(community=community, day=day or timezone.localdate(),
                                     tomorrow=(tomorrow or "").strip()[:2000], asked_by=actor)
    enqueue(issue_task, job.pk)
    return job


def run_briefing_job(job_id: int) -> None:
    """The background task's work: issue the job's briefing and say how it went on the job."""
    job = BriefingJob.objects.select_related("community", "asked_by").get(pk=job_id)
    if job.status == JobStatus.DONE:
        return
    BriefingJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    try:
        briefing = issue_briefing(job.asked_by, job.community, job.day, tomorrow=job.tomorrow)
    except Exception as error:  # recorded on the job for the page; the task's log has the rest
        BriefingJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now(),
                                                     message=str(error)[:300])
        raise
    BriefingJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=timezone.now(),
                                                 briefing=briefing)


def briefings_of(user, community):
    return Briefing.objects.visible_to(user).filter(community=community).order_by("-day")


def trend(user, community, key: str) -> list[tuple[str, int]]:
    """A figure of the community over the days of its issued briefings (as each was issued); for
    grid staff, the sum over their grids."""
    seen = places_seen(user, [community]).get(community.pk)
    rows = (Briefing.objects.visible_to(user).filter(community=community).order_by("day")
            .values_list("day", "figures"))
    points = []
    for day, figures in rows:
        if seen is None:
            value = figures.get("communities", {}).get(str(community.pk), {}).get("figures", {}).get(key, 0)
        else:
            value = sum(g.get("figures", {}).get(key, 0) for gid, g in figures.get("grids", {}).items()
                        if int(gid) in seen)
        points.append((day.isoformat(), value))
    return points
