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

from fangkong.core.actions import NotAllowed, allowed
from fangkong.core.models import Community, Grid
from fangkong.core.scope import get_visible_or_404
from fangkong.lib.pdf import pdf_response

from . import briefing as render_briefing
from . import services
from .actions import ADD_PROBLEM, VIEW_FIGURES
from .figures import BY_KEY, COVERAGE, GROUPS, figure_url, label, places_seen
from .models import Briefing, BriefingJob, JobStatus, ProblemKind


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
                 "url": reverse("community_dashboard", args=[cid]), "as_of": _clock(c.get("as_of"))}
                for cid, c in figures.communities.items()]
    cid = community_id or next(iter(figures.communities), None)
    rounds = figures.communities[cid]["rounds"] if cid in figures.communities else {}
    return [{"name": g["name"], "figures": g["figures"], "rounds": rounds, "community": cid, "url": "",
             "grid": gid} for gid, g in figures.grids.items() if g["community"] == cid]


def _clock(iso) -> str:
    """An "as of" time as the wall clock shows it (HH:MM:SS, local)."""
    if not iso:
        return ""
    return timezone.localtime(dt.datetime.fromisoformat(iso)).strftime("%H:%M:%S")


def _grid_list_url(key, rounds, community_id, grid_id, wall=False) -> str:
    """The dashboard's own list behind a grid's tile ("" for a figure it has no list of)."""
    figure = BY_KEY.get(key)
    if figure is None or (figure.round_kind and not (rounds or {}).get(figure.round_kind)):
        return ""
    return (reverse("community_figure_list", args=[community_id]) + f"?figure={key}&grid={grid_id}"
            + ("&from=wall" if wall else ""))


def _tiles(figures, values, rounds, community_id, grid_id=None, wall=False) -> list[dict]:
    """The tiles of one column or the total, grouped, each with its list and coverage: a grid's
    tile opens the list of that grid (lists.py), the others the app's own list."""
    groups = []
    for group, title in GROUPS.items():
        tiles = []
        for key in figures.keys:
            figure = BY_KEY.get(key)
            if (figure.group if figure else "supplies") != group:
                continue
            url = (_grid_list_url(key, rounds, community_id, grid_id, wall) if grid_id
                   else figure_url(key, rounds, community_id))
            tile = {"key": key, "label": label(key), "value": values.get(key, 0), "url": url}
            if key in COVERAGE and values.get(COVERAGE[key]):
                tile["percent"] = round(100 * values.get(key, 0) / values[COVERAGE[key]])
            tiles.append(tile)
        if tiles:
            groups.append({"key": group, "title": str(title), "tiles": tiles})
    return groups


def _payload(request, community=None, wall=False) -> dict:
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
    columns = [{"name": column["name"], "url": column["url"], "as_of": column.get("as_of", ""),
                "groups": _tiles(figures, column["figures"], column["rounds"], column["community"],
                                 column.get("grid"), wall)}
               for column in _columns(figures, single)]
    as_of = min((c.get("as_of") or "" for c in figures.communities.values()), default="")
    return {"day": day.isoformat(), "updated": _clock(as_of) or timezone.localtime().strftime("%H:%M:%S"),
            "total": top, "columns": columns, "community": single}


def payload_keys(payload) -> list[str]:
    return [tile["key"] for group in payload["total"]["groups"] for tile in group["tiles"] if tile["key"] in BY_KEY]


def _table(payload) -> list[dict]:
    """The side-by-side table, row by row (a figure, then its cell in each column), built here
    once rather than searched for in the template (100 communities: 40 rows of 100 cells)."""
    cells = [{tile["key"]: tile for group in column["groups"] for tile in group["tiles"]}
             for column in payload["columns"]]
    return [{"title": group["title"],
             "rows": [{"label": tile["label"], "key": tile["key"],
                       "cells": [cells[i].get(tile["key"]) for i in range(len(cells))]} for tile in group["tiles"]]}
            for group in payload["total"]["groups"]]


@login_required
def dashboard(request, pk=None):
    community = _community(request, pk) if pk else None
    payload = _payload(request, community)
    single = Community.objects.get(pk=payload["community"]) if payload["community"] else None
    return render(request, "dashboard/dashboard.html", {
        "payload": payload, "figure_choices": [(key, label(key)) for key in payload_keys(payload)],
        "table": _table(payload),
        "community": single,
        "json_url": reverse("community_figures_json", args=[pk]) if pk else reverse("dashboard_json")})


# The wall's headline tiles and the columns of its board by grid (the rest is on the dashboard).
WALL_KEYS = ["persons", "key_persons", "key_new", "confirmed", "fevers", "central", "home", "sealed",
             "seals_broken", "releases_today", "untested", "positives", "reports_missing", "screen_pending",
             "tasks_overdue"]


@login_required
def wall(request, pk=None):
    """Wall mode: the command post's screen, full screen, large tiles, refreshing by itself."""
    community = _community(request, pk) if pk else None
    payload = _payload(request, community, wall=True)
    shown = [key for key in WALL_KEYS if key in payload_keys(payload)]
    tiles = {tile["key"]: tile for group in payload["total"]["groups"] for tile in group["tiles"]}
    board = []
    for column in payload["columns"]:
        cells = {tile["key"]: tile for group in column["groups"] for tile in group["tiles"]}
        board.append({"name": column["name"], "url": column["url"], "as_of": column["as_of"],
                      "cells": [cells[key] for key in shown if key in cells]})
    pk = payload["community"]
    return render(request, "dashboard/wall.html", {
        "payload": payload, "tiles": [tiles[key] for key in shown], "board": board,
        "board_keys": [(key, label(key)) for key in shown],
        "community": Community.objects.get(pk=pk) if pk else None,
        "json_url": (reverse("community_figures_json", args=[pk]) if pk else reverse("dashboard_json")) + "?wall=1",
        "every": 30})


@login_required
def figures_json(request, pk=None):
    community = _community(request, pk) if pk else None
    response = JsonResponse(_payload(request, community, wall=request.GET.get("wall") == "1"))
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
        # Only who reaches the whole community raises the command post's own problems.
        "for_community": allowed(request.user, ADD_PROBLEM, community)
        and places_seen(request.user, [community]).get(community.pk, frozenset()) is None,
        "problems": services.problems_of(request.user, community, day), "text": request.POST.get("text", "")})


@login_required
def briefing_list(request, pk):
    community = _community(request, pk)
    if request.method == "POST":
        try:
            job = services.ask_briefing(request.user, community, tomorrow=request.POST.get("tomorrow", ""))
            return redirect("briefingjob_detail", pk=job.pk)
        except NotAllowed as error:
            messages.error(request, str(error))
    return render(request, "dashboard/briefing_list.html", {
        "community": community, "briefings": services.briefings_of(request.user, community)[:200]})


@login_required
def briefing_job(request, pk):
    """A briefing being generated in the background: the page refreshes itself until it is
    issued, then opens it."""
    job = get_object_or_404(BriefingJob.objects.visible_to(request.user).select_related("community"), pk=pk)
    if job.status == JobStatus.DONE and job.briefing_id:
        return redirect("briefing_detail", pk=job.briefing_id)
    stalled = job.status in (JobStatus.PENDING, JobStatus.RUNNING) and \
        (timezone.now() - job.asked_at).total_seconds() > 600
    return render(request, "dashboard/briefing_job.html", {"job": job, "community": job.community,
                                                          "stalled": stalled}, status=200)


def _briefing(request, pk) -> Briefing:
    """The briefing as the user may read it: grid staff get their grids only (for_viewer)."""
    briefing = get_object_or_404(Briefing.objects.visible_to(request.user).select_related("community"), pk=pk)
    places = places_seen(request.user, [briefing.community_id])
    if briefing.community_id not in places:  # within reach, but a role without the figures
        raise PermissionDenied(str(VIEW_FIGURES.message))
    return render_briefing.for_viewer(briefing, places[briefing.community_id])


@login_required
def briefing_detail(request, pk):
    briefing = _briefing(request, pk)
    return render(request, "dashboard/briefing_detail.html", {
        "briefing": briefing, "community": briefing.community, "title": render_briefing.title(briefing),
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



@login_required
def figure_list(request, pk):
    """The rows behind a tile (?figure=), for one grid (?grid=) or the whole community (as far
    as the user sees it)."""
    from django.core.paginator import Paginator

    from . import lists
    from .figures import rounds_of

    community = _community(request, pk)
    key = request.GET.get("figure", "")
    if not key:
        return redirect("community_dashboard", pk=community.pk)
    day = _day(request)
    grid = None
    if request.GET.get("grid"):
        seen = places_seen(request.user, [community]).get(community.pk)
        grid = Grid.objects.filter(community=community, pk=request.GET["grid"]).first() \
            if request.GET["grid"].isdigit() else None
        if grid is None or (seen is not None and grid.pk not in seen):
            raise Http404
    rounds = rounds_of(community.pk, day)
    found = lists.rows(key, day, rounds) if key in BY_KEY else None
    if found is None:
        raise Http404
    kind, queryset = found
    queryset = lists.ordered(kind, lists.for_grid(kind, queryset.visible_to(request.user), community.pk,
                                                  grid.pk if grid else None))
    page = Paginator(queryset, 100).get_page(request.GET.get("page"))
    return render(request, "dashboard/figure_list.html", {
        "community": community, "grid": grid, "key": key, "label": label(key), "kind": kind, "page": page,
        "day": day, "app_url": figure_url(key, rounds, community.pk),
        "back": reverse("community_wall" if request.GET.get("from") == "wall" else "community_dashboard",
                        args=[community.pk])})
