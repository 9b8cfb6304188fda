"""The status map's pages: thin views over dashboard/maps.py."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import NotAllowed, allowed
from fangkong.core.models import Building, Community
from fangkong.core.pages import may
from fangkong.core.scope import get_visible_or_404
from fangkong.lib.pdf import pdf_response

from . import maps
from .actions import EDIT_MAP, VIEW_FIGURES, VIEW_MAP
from .models import BuildingShape, ShapeKind


def _community(request, pk) -> Community:
    """A community the user sees (else 404). Whether their role may see or edit its map, the map's
    services decide (dashboard.view_map, dashboard.edit_map: 403 through NotAllowedMiddleware)."""
    return get_visible_or_404(Community.objects, request.user, pk=pk)


def _map_url(community, layer="", building=None) -> str:
    query = {key: value for key, value in (("layer", layer), ("building", building)) if value}
    return reverse("community_map", args=[community.pk]) + ("?" + urlencode(query) if query else "")


@login_required
def map_home(request):
    """The map of the user's community, or the list to choose one from."""
    communities = [c for c in Community.objects.visible_to(request.user).order_by("name")
                   if allowed(request.user, VIEW_MAP, c)]
    if not communities:
        raise PermissionDenied(str(VIEW_MAP.message))
    if len(communities) == 1:
        return redirect("community_map", pk=communities[0].pk)
    return render(request, "dashboard/map/choose.html", {"communities": communities})


@login_required
def map_page(request, pk):
    community = _community(request, pk)
    layers = maps.layers_for(request.user, community)
    wanted = request.GET.get("layer", "status")
    layer = wanted if wanted in {layer.key for layer in layers} else layers[0].key
    data = maps.building_layer(request.user, community, layer)
    plan = maps.plan_of(community)  # layers_for above asked dashboard.view_map
    return render(request, "dashboard/map/map.html", {
        "community": community, "plan": plan, "layers": layers, "layer": layer, "data": data,
        "can_edit": allowed(request.user, EDIT_MAP, community),
        "show_nav": allowed(request.user, VIEW_FIGURES, community),
        "drawn": sum(1 for b in data["buildings"] if b["points"]), "kinds": ShapeKind.choices,
        "focus": request.GET.get("building", ""), "sizes": maps.PAGE_SIZES})


@login_required
def layer_json(request, pk):
    community = _community(request, pk)
    try:
        data = maps.building_layer(request.user, community, request.GET.get("layer", "status"))
    except maps.MapError as error:
        return JsonResponse({"error": error.message, "code": error.code}, status=400)
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def plan_image(request, pk):
    community = _community(request, pk)
    plan = maps.plan_for(request.user, community)
    if plan is None:
        return redirect("community_map", pk=community.pk)
    response = HttpResponse(bytes(plan.image), content_type=plan.content_type)
    # The URL carries the upload time (?v=), so a new plan is a new URL.
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def setup(request, pk):
    """Upload the site plan, import outlines from GeoJSON, download those drawn."""
    community = may(request, EDIT_MAP, _community(request, pk))  # a form page refuses before the upload
    if request.method == "POST":
        try:
            if request.POST.get("what") == "plan":
                upload = request.FILES.get("image")
                if upload is None:
                    raise maps.MapError(_("Site plan: choose an image file."), code="no_file", field="image")
                if upload.size > maps.PLAN_MAX_BYTES:
                    raise maps.MapError(_("Site plan %(name)s: %(mb).1f MB is too large (at most %(max)d MB).")
                                        % {"name": upload.name, "mb": upload.size / 1024 / 1024,
                                           "max": maps.PLAN_MAX_BYTES // 1024 // 1024}, code="too_large")
                plan = maps.upload_plan(request.user, community, upload.read(), upload.name)
                messages.success(request, _("Site plan saved: %(w)d × %(h)d pixels.") % {"w": plan.width,
                                                                                         "h": plan.height})
            elif request.POST.get("what") == "geojson":
                upload = request.FILES.get("file")
                if upload is None:
                    raise maps.MapError(_("GeoJSON: choose a file."), code="no_file", field="file")
                if upload.size > maps.GEOJSON_MAX_BYTES:
                    raise maps.MapError(_("GeoJSON: the file is too large (at most %(max)d MB).")
                                        % {"max": maps.GEOJSON_MAX_BYTES // 1024 // 1024}, code="too_large")
                result = maps.import_geojson(request.user, community, upload.read(),
                                             replace=request.POST.get("replace") == "1")
                messages.success(request, _("Imported: %(new)d buildings drawn, %(replaced)d redrawn.")
                                 % {"new": result.created, "replaced": result.replaced})
            else:
                raise maps.MapError(_("Nothing to do: upload a site plan or a GeoJSON file."), code="bad_form")
            return redirect("community_map_setup", pk=community.pk)
        except (maps.MapError, NotAllowed) as error:
            messages.error(request, str(error))
    plan = maps.plan_of(community)
    buildings = Building.objects.filter(community=community)
    drawn = BuildingShape.objects.filter(community=community).count()
    missing = list(buildings.exclude(map_shape__isnull=False).order_by("door_sort")
                   .values_list("door_number", flat=True)[:300])
    return render(request, "dashboard/map/setup.html", {
        "community": community, "plan": plan, "drawn": drawn, "total": buildings.count(), "missing": missing,
        "max_mb": maps.PLAN_MAX_BYTES // 1024 // 1024}, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def draw(request, pk):
    """One building drawn (corners clicked on the map) or taken off the map."""
    community = _community(request, pk)
    layer = request.POST.get("layer", "")
    building_id = request.POST.get("building", "")
    if not building_id.isdigit():
        messages.error(request, _("Building: choose the building you drew."))
        return redirect(_map_url(community, layer))
    building = get_visible_or_404(Building.objects.filter(community=community), request.user, pk=int(building_id))
    try:
        if request.POST.get("remove"):
            if maps.remove_shape(request.user, building):
                messages.success(request, _("Building %(door)s taken off the map.") % {"door": building.door_number})
        else:
            try:
                points = json.loads(request.POST.get("points") or "[]")
            except ValueError:
                raise maps.MapError(_("Building %(door)s: the corners were not sent; draw it again.")
                                    % {"door": building.door_number}, code="bad_points") from None
            maps.save_shape(request.user, building, request.POST.get("kind", ShapeKind.POLYGON), points,
                            replace=request.POST.get("replace") == "1")
            messages.success(request, _("Building %(door)s drawn on the map.") % {"door": building.door_number})
    except (maps.MapError, NotAllowed) as error:
        messages.error(request, str(error))
    return redirect(_map_url(community, layer, building.pk))


@login_required
def outlines_geojson(request, pk):
    community = _community(request, pk)
    response = HttpResponse(json.dumps(maps.as_geojson(request.user, community), ensure_ascii=False),
                            content_type="application/geo+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="outlines-{community.code}.geojson"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def map_pdf(request, pk):
    community = _community(request, pk)
    layer = request.GET.get("layer", "status")
    size = request.GET.get("size", "A4")
    try:
        content = maps.map_pdf(request.user, community, layer, size)
    except maps.MapError as error:
        messages.error(request, str(error))
        return redirect(_map_url(community))
    if not content:
        raise Http404
    return pdf_response(content, f"map-{community.code}-{layer}-{size}.pdf",
                        f"{community.name}-{_('status map')}-{size}.pdf")


def start_item(request, **kwargs):
    """On the start page of a building leader or delivery volunteer (who have no dashboard): the
    map, to find a door (门牌号跳跃: the house next to 17 may be 564)."""
    from fangkong.core.start import Item, items_html

    user = request.user
    # Whoever may see the map but has no dashboard to reach it from (the declared actions say who).
    if not allowed(user, VIEW_MAP) or allowed(user, VIEW_FIGURES):
        return None
    return items_html(_("Status map"), [Item(title=_("Find a door on the map"), url=reverse("map_home"),
                                             offline=False)])
