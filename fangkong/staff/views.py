"""Staff pages: thin, every rule is in services. Phones first for my shifts and the daily five."""

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import NotAllowed
from fangkong.core.middleware import wants_json
from fangkong.core.models import Building, Community, Grid, Role
from fangkong.core.scope import get_visible_or_404, reaches

from . import checks, services
from .models import (
    COMMON_SKILLS,
    Availability,
    Duty,
    FiveItem,
    Origin,
    Post,
    SignupStatus,
    Task,
    TaskStatus,
    Team,
    TeamKind,
    VolunteerSignup,
    Worker,
    WorkerHealth,
)
from .services import StaffError


def _community(request) -> Community:
    """The community the page is about: ?community= among the user's, else their first."""
    ids = [r.community_id for r in reaches(request.user)]
    wanted = request.GET.get("community", "")
    if wanted.isdigit() and (int(wanted) in ids or request.user.is_superuser):
        return Community.objects.get(pk=int(wanted)) if Community.objects.filter(pk=int(wanted)).exists() else None
    if ids:
        return Community.objects.get(pk=ids[0])
    return Community.objects.order_by("pk").first() if request.user.is_superuser else None


def _needs_community(request):
    community = _community(request)
    if community is None:
        raise Http404
    return community


def _refused(request, error):
    messages.error(request, error.message if isinstance(error, StaffError) else str(error))


def _date(value, default):
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
def staff_home(request):
    """The command post's page for its people: gaps, who is on duty now, open tasks per grid."""
    community = _needs_community(request)
    today = timezone.localdate()
    return render(request, "staff/home.html", {
        "community": community, "coverage": services.coverage(request.user, [community.pk]),
        "on_duty": services.on_duty_now(request.user), "tasks_per_grid": services.open_tasks_per_grid(request.user),
        "findings_open": sum(1 for t in checks.open_findings(community, today, request.user) if t.status == "open"),
        "rounds_missing": checks.disinfection_today(request.user, community, today)["rounds_missing"],
        "uncollected": len(checks.uncollected_households(request.user, community, today)),
    })


def volunteer_join(request):
    """The public volunteer form (no account). Nothing personal is shown back."""
    community = Community.objects.filter(code=request.GET.get("c", "")).first()
    if community is None:
        raise Http404
    done, error = False, None
    if request.method == "POST":
        address = request.META.get("REMOTE_ADDR", "")
        try:
            services.submit_signup(community, {
                "name": request.POST.get("name", ""), "phone": request.POST.get("phone", ""),
                "building_text": request.POST.get("building_text", ""), "hours": request.POST.get("hours", ""),
                "skills": request.POST.getlist("skills")}, address)
            done = True
        except StaffError as refusal:
            error = refusal
    return render(request, "staff/join.html", {"community": community, "done": done, "error": error,
                                               "skills": COMMON_SKILLS.items()}, status=400 if error else 200)


@login_required
def worker_list(request):
    community = _needs_community(request)
    if request.method == "POST":
        data = {key: request.POST.get(key, "") for key in ("name", "phone", "origin", "unit_name", "availability")}
        data["party_member"] = bool(request.POST.get("party_member"))
        data["skills"] = request.POST.getlist("skills") + request.POST.get("more_skills", "").split(",")
        data["arrived_on"] = _date(request.POST.get("arrived_on"), timezone.localdate())
        grid_id = request.POST.get("grid", "")
        data["grid"] = Grid.objects.filter(pk=grid_id, community=community).first() if grid_id.isdigit() else None
        try:
            worker = services.create_worker(request.user, community, data)
            return redirect("worker_detail", worker.pk)
        except (StaffError, NotAllowed) as error:
            _refused(request, error)
    workers = (Worker.objects.visible_to(request.user).filter(community=community).select_related("grid")
               .order_by("name"))
    return render(request, "staff/worker_list.html", {
        "community": community, "workers": workers, "origins": Origin.choices, "availability": Availability.choices,
        "skills": COMMON_SKILLS.items(), "grids": Grid.objects.visible_to(request.user).filter(community=community),
        "today": timezone.localdate()})


@login_required
def worker_detail(request, pk):
    worker = get_visible_or_404(Worker.objects.select_related("grid"), request.user, pk=pk)
    if request.method == "POST":
        try:
            if "health" in request.POST:
                removed = services.set_worker_health(request.user, worker, request.POST["health"])
                if removed:
                    messages.warning(request, _("%(n)d duties taken off the roster.") % {"n": removed})
            elif "left_on" in request.POST:
                services.update_worker(request.user, worker, {"left_on": _date(request.POST["left_on"], None)})
            return redirect("worker_detail", worker.pk)
        except (StaffError, NotAllowed) as error:
            _refused(request, error)
    return render(request, "staff/worker_detail.html", {
        "worker": worker, "health_choices": WorkerHealth.choices,
        "assignments": worker.assignments.filter(ended_on__isnull=True).select_related(
            "building", "household__building", "person"),
        "duties": worker.duties.filter(ends_at__gt=timezone.now()).select_related("post", "shift")[:30],
        "teams": Team.objects.filter(members__worker=worker)})


@login_required
def team_list(request):
    community = _needs_community(request)
    if request.method == "POST":
        leader = Worker.objects.visible_to(request.user).filter(pk=request.POST.get("leader") or 0).first()
        grid_id = request.POST.get("grid", "")
        grid = Grid.objects.filter(pk=grid_id, community=community).first() if grid_id.isdigit() else None
        try:
            team = services.create_team(request.user, community, request.POST.get("kind", TeamKind.COORDINATION),
                                        request.POST.get("name", ""), grid=grid, leader=leader)
            return redirect("team_detail", team.pk)
        except (StaffError, NotAllowed) as error:
            _refused(request, error)
    teams = Team.objects.visible_to(request.user).filter(community=community).select_related("leader", "grid")
    return render(request, "staff/team_list.html", {
        "community": community, "teams": teams, "kinds": TeamKind.choices,
        "workers": Worker.objects.visible_to(request.user).filter(community=community).order_by("name"),
        "grids": Grid.objects.visible_to(request.user).filter(community=community)})


@login_required
def team_detail(request, pk):
    team = get_visible_or_404(Team.objects.select_related("leader", "grid"), request.user, pk=pk)
    if request.method == "POST":
        worker = Worker.objects.visible_to(request.user).filter(pk=request.POST.get("worker") or 0).first()
        try:
            if worker is None:
                raise StaffError(_("Worker: choose a worker from the list."), code="worker_required", field="worker")
            services.add_member(request.user, team, worker)
            return redirect("team_detail", team.pk)
        except (StaffError, NotAllowed) as error:
            _refused(request, error)
    day = _date(request.GET.get("day"), timezone.localdate() + dt.timedelta(days=1))
    return render(request, "staff/team_detail.html", {
        "team": team, "members": Worker.objects.filter(teams__team=team).order_by("name"),
        "workers": Worker.objects.visible_to(request.user).filter(community=team.community_id).order_by("name"),
        "arrangements": services.arrangements_text(team, day), "day": day})


@login_required
def signup_list(request):
    community = _needs_community(request)
    signups = VolunteerSignup.objects.visible_to(request.user).filter(community=community)
    join_url = request.build_absolute_uri(f"/staff/join/?c={community.code}")
    return render(request, "staff/signup_list.html", {"signups": signups, "join_url": join_url,
                                                      "pending": SignupStatus.PENDING})


@login_required
@require_POST
def signup_decide(request, pk):
    signup = get_visible_or_404(VolunteerSignup.objects.all(), request.user, pk=pk)
    try:
        services.decide_signup(request.user, signup, request.POST.get("decision") == "approve")
    except (StaffError, NotAllowed) as error:
        _refused(request, error)
    return redirect("signup_list")


@login_required
def coverage_page(request):
    community = _needs_community(request)
    return render(request, "staff/coverage.html", {
        "community": community, "coverage": services.coverage(request.user, [community.pk])})


@login_required
def grid_assignments(request, grid_pk):
    grid = get_visible_or_404(Grid.objects.all(), request.user, pk=grid_pk)
    if request.method == "POST":
        worker = Worker.objects.visible_to(request.user).filter(pk=request.POST.get("worker") or 0).first()
        building = (Building.objects.visible_to(request.user)
                    .filter(grid=grid, pk=request.POST.get("building") or 0).first())
        try:
            if worker is None or building is None:
                raise StaffError(_("Choose a worker and a building."), code="target_required", field="worker")
            services.assign(request.user, worker, building=building)
            messages.success(request, _("%(name)s now answers for %(door)s.") % {"name": worker.name,
                                                                               "door": building.door_number})
        except (StaffError, NotAllowed) as error:
            _refused(request, error)
        return redirect("grid_assignments", grid.pk)
    return render(request, "staff/grid_assignments.html", {
        "grid": grid, "lines": services.grid_assignments(grid, request.user),
        "workers": Worker.objects.visible_to(request.user).filter(community=grid.community_id)
        .filter(services.available_q(timezone.localdate())).order_by("name")})


def _roster_context(request):
    community = _needs_community(request)
    monday = services.week_start(_date(request.GET.get("week"), timezone.localdate()))
    return community, monday, services.week_roster(request.user, community, monday)


@login_required
def roster_week(request):
    """Fill a week by taps: pick a worker once, then tap the cells (post, day, shift) they take."""
    community, monday, roster = _roster_context(request)
    if request.method == "POST":
        post = get_visible_or_404(Post.objects.all(), request.user, pk=request.POST.get("post") or 0)
        worker = Worker.objects.visible_to(request.user).filter(pk=request.POST.get("worker") or 0).first()
        shift = next((s for s in roster["shifts"] if str(s.pk) == request.POST.get("shift")), None)
        try:
            if worker is None or shift is None:
                raise StaffError(_("Worker: choose who takes the shift first."), code="worker_required", field="worker")
            _duty, warnings = services.add_duty(request.user, post, worker,
                                                _date(request.POST.get("day"), timezone.localdate()), shift)
            for warning in warnings:
                messages.warning(request, warning)
        except (StaffError, NotAllowed) as error:
            _refused(request, error)
        return redirect(f"{request.path}?week={monday}&worker={request.POST.get('worker', '')}")
    return render(request, "staff/roster_week.html", {
        "community": community, "monday": monday, "roster": roster,
        "previous": monday - dt.timedelta(days=7), "next": monday + dt.timedelta(days=7),
        "chosen": request.GET.get("worker", ""), "tomorrow": timezone.localdate() + dt.timedelta(days=1),
        "workers": Worker.objects.visible_to(request.user).filter(community=community)
        .filter(services.available_q(timezone.localdate())).order_by("name")})


@login_required
@require_POST
def roster_copy(request):
    community = _needs_community(request)
    monday = services.week_start(_date(request.POST.get("week"), timezone.localdate()))
    try:
        copied, skipped = services.copy_week(request.user, community, monday)
        messages.success(request, _("%(n)d duties copied from last week.") % {"n": copied})
        for reason in skipped[:20]:
            messages.warning(request, reason)
    except NotAllowed as error:
        _refused(request, error)
    return redirect(f"/staff/roster/?week={monday}")


@login_required
@require_POST
def duty_remove(request, pk):
    duty = get_visible_or_404(Duty.objects.select_related("post"), request.user, pk=pk)
    try:
        services.remove_duty(request.user, duty)
    except (StaffError, NotAllowed) as error:
        _refused(request, error)
    return redirect(f"/staff/roster/?week={services.week_start(duty.on)}")


@login_required
def roster_pdf(request):
    from .printing import roster_pdf as make_pdf

    community, monday, roster = _roster_context(request)
    response = HttpResponse(make_pdf(community, monday, roster, request.user), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="roster-{monday}.pdf"'
    return response


@login_required
def roster_xlsx(request):
    from .printing import roster_xlsx as make_xlsx

    community, monday, roster = _roster_context(request)
    response = HttpResponse(make_xlsx(community, monday, roster),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="roster-{monday}.xlsx"'
    return response


@login_required
def arrangements_pdf(request):
    """The evening's sheet: tomorrow's duties and tasks per team (?day=, ?team= for one team)."""
    from fangkong.lib.pdf import pdf_response

    from .printing import arrangements_pdf as make_pdf

    community = _needs_community(request)
    day = _date(request.GET.get("day"), timezone.localdate() + dt.timedelta(days=1))
    team = None
    if "team" in request.GET:
        wanted = request.GET["team"]
        team = get_visible_or_404(Team.objects.select_related("leader"), request.user,
                                  pk=int(wanted) if wanted.isdigit() else 0)
        community = team.community
    plans = services.arrangements(request.user, community, day, team=team)
    return pdf_response(make_pdf(community, day, plans, request.user), f"arrangements-{day}.pdf",
                        _("Work arrangements") + f" {day}.pdf")


@login_required
def my_shifts(request):
    now = timezone.now()
    duties = (Duty.objects.filter(worker__user=request.user, ends_at__gt=now - dt.timedelta(hours=12))
              .select_related("post", "shift").order_by("starts_at")[:20])
    return render(request, "staff/my_shifts.html", {"duties": duties, "now": now})


def _sign(request, pk, off):
    duty = get_visible_or_404(Duty.objects.select_related("post", "worker"), request.user, pk=pk)
    try:
        if off:
            services.sign_off(request.user, duty, request.POST.get("note", ""))
        else:
            services.sign_on(request.user, duty)
    except (StaffError, NotAllowed) as error:
        _refused(request, error)
    return redirect("my_shifts")


@login_required
@require_POST
def duty_sign_on(request, pk):
    return _sign(request, pk, off=False)


@login_required
@require_POST
def duty_sign_off(request, pk):
    return _sign(request, pk, off=True)


@login_required
def five_mine(request):
    """The daily five on a phone: each household, four taps."""
    worker = Worker.objects.filter(user=request.user).first()
    day = timezone.localdate()
    lines = services.my_five(worker, day) if worker else []
    # Each button carries a client id made when the page is drawn: a second tap, or the phone
    # sending the same form again, is the same tick (no script needed; the page works under CSP).
    for line in lines:
        line["items"] = [(value, label, uuid.uuid4().hex) for value, label in FiveItem.choices]
    return render(request, "staff/five_mine.html", {
        "worker": worker, "lines": lines, "items": FiveItem.choices, "day": day,
        "n_done": sum(1 for line in lines if line["done"])})


@login_required
@require_POST
def five_tick(request):
    """One tick from the phone (JSON answer for fetch, redirect for a plain form)."""
    worker = Worker.objects.filter(user=request.user).first()
    if worker is None:
        raise Http404
    # A cadre ticks the households they answer for; nothing else is found, whatever the id.
    household = services.households_of(worker).filter(pk=request.POST.get("household") or 0).first()
    if household is None:
        if wants_json(request):  # a definite answer: the outbox lists it instead of sending it forever
            return JsonResponse({"ok": False, "code": "not_found",
                                 "message": _("Household: you do not answer for this household.")}, status=404)
        raise Http404

    def flag(name):
        value = request.POST.get(name, "")
        return None if value == "" else value in ("1", "true", "yes")

    try:
        tick, created = services.tick_five(request.user, household, request.POST.get("item", ""),
                                           request.POST.get("client_id", ""), seal_intact=flag("seal_intact"),
                                           garbage_collected=flag("garbage_collected"))
        answer = {"ok": True, "created": created, "item": tick.item, "household": household.pk}
        status = 200
    except (StaffError, NotAllowed) as error:
        answer, status = {"ok": False, "code": error.code, "message": error.message}, 400
    if wants_json(request):  # the field outbox (or any fetch): a definite answer it can keep or list
        return JsonResponse(answer, status=status)
    if not answer["ok"]:
        messages.error(request, answer["message"])
    return redirect("five_mine")


@login_required
def five_today(request):
    community = _needs_community(request)
    day = timezone.localdate()
    return render(request, "staff/five_today.html", {
        "community": community, "day": day, **services.five_completion(request.user, community, day)})


@login_required
def task_list(request):
    community = _needs_community(request)
    if request.method == "POST":
        worker = Worker.objects.visible_to(request.user).filter(pk=request.POST.get("worker") or 0).first()
        team = Team.objects.visible_to(request.user).filter(pk=request.POST.get("team") or 0).first()
        building = Building.objects.visible_to(request.user).filter(
            community=community, door_number=request.POST.get("door", "").strip()).first()
        try:
            if request.POST.get("door", "").strip() and building is None:
                raise StaffError(_("Building: no building with this door number."), code="no_building", field="door")
            services.create_task(request.user, community, request.POST.get("title", ""), owner_worker=worker,
                                 owner_team=team, due_on=_date(request.POST.get("due_on"), None), building=building)
            return redirect("task_list")
        except (StaffError, NotAllowed) as error:
            _refused(request, error)
    today = timezone.localdate()
    # A missing daily report has no moment it happens: its tasks are raised when the list is read.
    checks.tasks_for_missing_reports(community, today)
    return render(request, "staff/task_list.html", {
        "community": community, "tasks": services.open_tasks(request.user, today),
        "later": Task.objects.visible_to(request.user).filter(status=TaskStatus.OPEN, due_on__gt=today)
        .select_related("owner_worker", "owner_team")[:100],
        "workers": Worker.objects.visible_to(request.user).filter(community=community).order_by("name"),
        "teams": Team.objects.visible_to(request.user).filter(community=community), "today": today,
        "is_leader": any(r.role in (Role.COMMAND_POST, Role.GRID_LEADER) for r in reaches(request.user))})


@login_required
@require_POST
def task_close(request, pk):
    task = get_visible_or_404(Task.objects.all(), request.user, pk=pk)
    try:
        services.close_task(request.user, task)
    except (StaffError, NotAllowed) as error:
        _refused(request, error)
    return redirect("task_list")

