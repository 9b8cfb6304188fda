"""Spot checks, disinfection and garbage pages: thin, every rule is in ``staff.checks``.

The disinfection and garbage pages are phone pages whose forms post through the field outbox
(``data-fk-outbox``): a write answers JSON to the outbox (``wants_json``) and redirects a plain form.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import NotAllowed
from fangkong.core.addresses import rooms_at
from fangkong.core.middleware import wants_json
from fangkong.core.models import Building, Household

from . import checks
from .models import CheckLevel, CommonArea, GarbageStatus, Post, Worker
from .services import StaffError
from .views import _date, _needs_community

# What a round is usually done with (the field may type another).
AGENTS = ["84消毒液", "含氯消毒剂 500mg/L", "75%酒精", "过氧乙酸"]


def _answer(request, ok_message, error=None, back="staff_home"):
    """The outbox's JSON answer (refusals: 400 with the machine code; not allowed: 403), or the page again."""
    if wants_json(request):
        if error is None:
            return JsonResponse({"ok": True, "message": ok_message})
        status = 403 if isinstance(error, NotAllowed) else 400
        return JsonResponse({"ok": False, "code": error.code, "message": error.message,
                             "field": getattr(error, "field", None)}, status=status)
    if error is None:
        messages.success(request, ok_message)
    else:
        messages.error(request, error.message)
    return redirect(back)


# --- spot checks ---------------------------------------------------------------------------------


@login_required
def spot_checks(request):
    """Record a spot check; the findings and their state, for the 4 p.m. meeting."""
    community = _needs_community(request)
    today = timezone.localdate()
    if request.method == "POST":
        post = request.POST
        door = post.get("door", "").strip()
        building = Building.objects.visible_to(request.user).filter(community=community, door_number=door).first()
        household, found = None, []
        if building is not None and post.get("room", "").strip():
            # Rooms are numbered per entrance: "301" in a building with two 301s is no one room.
            found = list(rooms_at(Household.objects.visible_to(request.user), building, post["room"])[:2])
            household = found[0] if len(found) == 1 else None
        target = {"building": building if household is None else None, "household": household,
                  "post": Post.objects.visible_to(request.user).filter(pk=post.get("post") or 0).first(),
                  "worker": Worker.objects.visible_to(request.user).filter(pk=post.get("worker") or 0).first()}
        try:
            if door and building is None:
                raise StaffError(_("Building: no building with this door number."), code="no_building", field="door")
            if len(found) > 1:
                raise StaffError(_("Room: this building has it in more than one entrance; type the entrance "
                                   "too, as 2-301."), code="ambiguous_room", field="room")
            if post.get("room", "").strip() and household is None:
                raise StaffError(_("Room: no such room in this building."), code="no_household", field="room")
            checks.record_spot_check(
                request.user, community, level=post.get("level", ""), checker_name=post.get("checker_name", ""),
                findings=post.get("findings", "").splitlines(), client_id=post.get("client_id", ""),
                note=post.get("note", ""), due_on=_date(post.get("due_on"), None), **target)
            return _answer(request, _("Spot check recorded."), back="spot_checks")
        except (StaffError, NotAllowed) as error:
            return _answer(request, "", error, back="spot_checks")
    return render(request, "staff/spot_checks.html", {
        "community": community, "today": today, "findings": checks.open_findings(community, today, request.user),
        "levels": CheckLevel.choices, "client_id": uuid.uuid4().hex,
        "posts": Post.objects.visible_to(request.user).filter(community=community),
        "workers": Worker.objects.visible_to(request.user).filter(community=community).order_by("name")})


# --- disinfection ----------------------------------------------------------------------------------


@login_required
def disinfection_page(request):
    """On a phone: every building and common area with today's rounds, the short ones first."""
    community = _needs_community(request)
    today = timezone.localdate()
    return render(request, "staff/disinfection.html", {
        "community": community, "today": today, "agents": AGENTS,
        "board": checks.disinfection_today(request.user, community, today)})


@login_required
@require_POST
def disinfection_log(request):
    community = _needs_community(request)
    post = request.POST
    place_id = post.get("pk") or "0"
    place_id = int(place_id) if place_id.isdigit() else 0
    building = area = None
    if post.get("kind") == "area":
        area = CommonArea.objects.visible_to(request.user).filter(community=community, pk=place_id).first()
    else:
        building = Building.objects.visible_to(request.user).filter(community=community, pk=place_id).first()
    try:
        # The outbox sends the phone's time of the tap: a round logged offline keeps the hour it was done.
        at = parse_datetime(post.get("at", "") or "")
        checks.log_disinfection(request.user, agent=post.get("agent", ""), what=post.get("what", ""),
                                client_id=post.get("client_id", ""), building=building, area=area,
                                at=at if at and timezone.is_aware(at) else None)
        return _answer(request, _("Round logged."), back="disinfection")
    except (StaffError, NotAllowed) as error:
        return _answer(request, "", error, back="disinfection")


@login_required
@require_POST
def disinfection_settings(request):
    community = _needs_community(request)
    rounds = request.POST.get("rounds", "")
    try:
        checks.set_rounds_a_day(request.user, community, int(rounds) if rounds.isdigit() else 0)
        if request.POST.get("area", "").strip():
            checks.add_area(request.user, community, request.POST["area"])
        return _answer(request, _("Saved."), back="disinfection")
    except (StaffError, NotAllowed) as error:
        return _answer(request, "", error, back="disinfection")


# --- garbage -------------------------------------------------------------------------------------------


@login_required
def garbage_page(request):
    """On a phone: the sealed doors of a building, three taps each; every door not collected today."""
    community = _needs_community(request)
    today = timezone.localdate()
    buildings = Building.objects.visible_to(request.user).filter(community=community).order_by("door_sort")
    building_id = request.GET.get("building", "")
    building = buildings.filter(pk=building_id).first() if building_id.isdigit() else None
    return render(request, "staff/garbage.html", {
        "community": community, "today": today, "building": building, "buildings": buildings,
        "board": checks.garbage_today(request.user, community, today, building) if building else None,
        "uncollected": checks.uncollected_households(request.user, community, today),
        "statuses": [(s, label) for s, label in GarbageStatus.choices if s != GarbageStatus.LEFT]})


@login_required
@require_POST
def garbage_log(request):
    community = _needs_community(request)
    household = Household.objects.visible_to(request.user).filter(
        community=community, pk=request.POST.get("household") if str(request.POST.get("household", "")).isdigit()
        else 0).select_related("building").first()
    back = reverse("garbage") + (f"?building={household.building_id}" if household else "")
    try:
        if household is None:
            raise StaffError(_("Household: not one you can see."), code="no_household", field="household")
        checks.log_garbage(request.user, household, request.POST.get("status", ""),
                           request.POST.get("client_id", ""))
        return _answer(request, _("Saved."), back=back)
    except (StaffError, NotAllowed) as error:
        return _answer(request, "", error, back=back)
