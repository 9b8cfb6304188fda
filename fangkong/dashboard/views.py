"""The command post's screen, the day's problems and the briefings: thin pages over the services."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actions import NotAllowed
from fangkong.core.models import Community, Grid
from fangkong.core.scope import get_visible_or_404
from fangkong.lib.pdf import pdf_response

from . import briefing as render_briefing
from . import services
from .actions import VIEW_FIGURES
from .figures import BY_KEY, COVERAGE, GROUPS, figure_url, label, places_seen
from .models import Briefing, ProblemKind


def _day(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


def _community(request, pk) -> Community:
    """A community whose figures the user sees; one they do not see answers 404."""
    community = get_visible_or_404(Community.objects, request.user, pk=pk)
    if community.pk not in places_seen(request.user, [community]):
        # Their own community, but a role without the figures (a sampler, a guard).
        raise PermissionDenied(str(VIEW_FIGURES.message))
    return community


def _columns(figures, community_id=None) -> list[dict]:
    """The columns side by side: a district's communities, or a community's grids."""
    if community_id is None and len(figures.communities) > 1:
        return [{"name": c["name"], "figures": c["figures"], "rounds": c["rounds"], "community": cid,
                 "url": reverse("community_dashboard", args=[cid])} for cid, c in figures.communities.items()]
    cid = community_id or next(iter(figures.communities), None)
    rounds = figures.communities[cid]["rounds"] if cid in figures.communities else {}
    return [{"name": g["name"], "figures": g["figures"], "rounds": rounds, "community": cid, "url": ""}
            for g in figures.grids_of(cid)]


def _tiles(figures, values, rounds, community_id) -> list[dict]:
    """The tiles of one column or the total, grouped, each with its list and coverage."""
    groups = []
    for group, title in GROUPS.items():
        tiles = []
        for key in figures.keys:
            figure = BY_KEY.get(key)
            if (figure.group if figure else "supplies") != group:
                continue
            tile = {"key": key, "label": label(key), "value": values.get(key, 0),
                    "url": figure_url(key, rounds, community_id)}
            if key in COVERAGE and values.get(COVERAGE[key]):
                tile["percent"] = round(100 * values.get(key, 0) / values[COVERAGE[key]])
            tiles.append(tile)
        if tiles:
            groups.append({"key": group, "title": str(title), "tiles": tiles})
    return groups


def _payload(request, community=None) -> dict:
    day = _day(request)
    figures = services.viewable_figures(request.user, day, [community] if community else None)
    if not figures.communities:
        raise Http404
    single = community.pk if community else (next(iter(figures.communities)) if len(figures.communities) == 1 else None)
    if single is not None:
        info = figures.communities[single]
        top = {"name": info["name"], "groups": _tiles(figures, info["figures"], info["rounds"], single)}
        # A grid leader's "community" is the sum over their grids only.
        if places_seen(request.user, [single]).get(single) is not None:
            top["name"] = _("%(community)s: my grids") % {"community": info["name"]}
    else:
        top = {"name": _("District: %(n)d communities") % {"n": len(figures.communities)},
               "groups": _tiles(figures, figures.total, {}, None)}
    columns = [{"name": column["name"], "url": column["url"],
                "groups": _tiles(figures, column["figures"], column["rounds"], column["community"])}
               for column in _columns(figures, single)]
    return {"day": day.isoformat(), "updated": timezone.localtime().strftime("%H:%M:%S"), "total": top,
            "columns": columns, "community": single}


def payload_keys(payload) -> list[str]:
    return [tile["key"] for group in payload["total"]["groups"] for tile in group["tiles"] if tile["key"] in BY_KEY]


@login_required
def dashboard(request, pk=None):
    community = _community(request, pk) if pk else None
    payload = _payload(request, community)
    single = Community.objects.get(pk=payload["community"]) if payload["community"] else None
    return render(request, "dashboard/dashboard.html", {
        "payload": payload, "figure_choices": [(key, label(key)) for key in payload_keys(payload)],
        "community": single,
        "json_url": reverse("community_figures_json", args=[pk]) if pk else reverse("dashboard_json")})


@login_required
def figures_json(request, pk=None):
    community = _community(request, pk) if pk else None
    response = JsonResponse(_payload(request, community))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def trend_json(request, pk):
    community = _community(request, pk)
    key = request.GET.get("figure", "persons")
    if key not in BY_KEY:
        return JsonResponse({"error": _("No such figure: %(key)s.") % {"key": key}}, status=400)
    points = services.trend(request.user, community, key)
    return JsonResponse({"figure": key, "label": label(key), "days": [d for d, _n in points],
                         "values": [n for _d, n in points]})


@login_required
def problems(request, pk):
    community = _community(request, pk)
    day = timezone.localdate()
    grids = Grid.objects.visible_to(request.user).filter(community=community).order_by("number")
    if request.method == "POST":
        grid = grids.filter(pk=request.POST.get("grid") or 0).first()
        if request.POST.get("grid") and grid is None:
            raise Http404
        try:
            services.add_problem(request.user, community, grid, request.POST.get("text", ""),
                                 request.POST.get("kind", ProblemKind.PROBLEM))
            messages.success(request, _("Added to today's briefing."))
            return redirect("community_problems", pk=community.pk)
        except (services.DashboardError, NotAllowed) as error:
            messages.error(request, str(error))
    return render(request, "dashboard/problems.html", {
        "community": community, "grids": grids, "day": day, "kinds": ProblemKind.choices,
        "problems": services.problems_of(request.user, community, day), "text": request.POST.get("text", "")})


@login_required
def briefing_list(request, pk):
    community = _community(request, pk)
    if request.method == "POST":
        try:
            issued = services.issue_briefing(request.user, community, tomorrow=request.POST.get("tomorrow", ""))
            return redirect("briefing_detail", pk=issued.pk)
        except NotAllowed as error:
            messages.error(request, str(error))
    return render(request, "dashboard/briefing_list.html", {
        "community": community, "briefings": services.briefings_of(request.user, community)[:200]})


def _briefing(request, pk) -> Briefing:
    return get_object_or_404(Briefing.objects.visible_to(request.user).select_related("community"), pk=pk)


@login_required
def briefing_detail(request, pk):
    briefing = _briefing(request, pk)
    return render(request, "dashboard/briefing_detail.html", {
        "briefing": briefing, "title": render_briefing.title(briefing),
        "sections": render_briefing.sections(briefing), "text": render_briefing.as_text(briefing)})


@login_required
def briefing_text(request, pk):
    briefing = _briefing(request, pk)
    return HttpResponse(render_briefing.as_text(briefing), content_type="text/plain; charset=utf-8")


@login_required
def briefing_pdf(request, pk):
    briefing = _briefing(request, pk)
    return pdf_response(render_briefing.as_pdf(briefing), f"briefing-{briefing.day}.pdf",
                        f"{render_briefing.title(briefing)}.pdf")


@login_required
def briefing_xlsx(request, pk):
    briefing = _briefing(request, pk)
    response = HttpResponse(render_briefing.as_xlsx(briefing),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="briefing-{briefing.day}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response

