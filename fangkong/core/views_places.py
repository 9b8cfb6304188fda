"""Set-up pages for the command post: its community's description, zones, grids, units,
estates and buildings, and moving a building to another grid. A district administrator creates
communities here. The views find the community among those the user manages and call
core/places.py, which decides who may do what."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import places
from .accounts import district_communities, manageable_communities
from .actions import NotAllowed
from .errors import ServiceError
from .forms_setup import (
    BuildingForm,
    CommunityForm,
    EditBuildingForm,
    EntranceForm,
    GridForm,
    MoveBuildingForm,
    NameForm,
    UnitForm,
)
from .models import Building, Community, Entrance, Estate, Grid, Unit, Zone


def managed_community(request, pk=None) -> Community:
    """The community the page works on: the one asked for, among those the user manages
    (otherwise 404: nobody learns which other communities exist), or the first."""
    communities = manageable_communities(request.user)
    pk = pk or request.GET.get("community") or request.POST.get("community")
    if pk:
        if not str(pk).isdigit():
            raise Http404
        return _visible_then_managed(request, Community, communities, pk)
    community = communities.order_by("name").first()
    if community is None:
        raise PermissionDenied(_("Only the command post arranges the community's places."))
    return community


def _visible_then_managed(request, model, managed, pk):
    """404 for what the user cannot see at all, 403 for what they see but do not manage (a grid
    worker opening their community's set-up page)."""
    found = managed.filter(pk=pk).first()
    if found is not None:
        return found
    if model.objects.visible_to(request.user).filter(pk=pk).exists():
        raise PermissionDenied(_("Only the command post arranges the community's places."))
    raise Http404


def _apply(form, call):
    """Run a service call; its refusal goes to the field it names (or the whole form)."""
    try:
        return call()
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except ServiceError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return None


def _forms(community, data=None, kind=None):
    def bound(name):
        return data if kind == name else None

    return {
        "community_form": CommunityForm(bound("community"), instance=community, prefix="community"),
        "zone_form": NameForm(bound("zone"), prefix="zone"),
        "grid_form": GridForm(bound("grid"), community=community, prefix="grid"),
        "unit_form": UnitForm(bound("unit"), community=community, prefix="unit"),
        "estate_form": NameForm(bound("estate"), prefix="estate"),
        "building_form": BuildingForm(bound("building"), community=community, prefix="building"),
    }


def _page(request, community, forms, status=200):
    grids = (Grid.objects.filter(community=community).select_related("zone")
             .annotate(n_buildings=Count("buildings", distinct=True)).order_by("number"))
    buildings = (Building.objects.filter(community=community).select_related("estate", "grid", "unit")
                 .order_by("estate__name", "door_sort"))
    return render(request, "core/setup_places.html", {
        "community": community, "communities": manageable_communities(request.user).order_by("name"),
        "may_create_communities": district_communities(request.user).exists(),
        "zones": Zone.objects.filter(community=community), "grids": grids,
        "units": Unit.objects.filter(community=community).select_related("grid"),
        "estates": Estate.objects.filter(community=community).annotate(n=Count("buildings")),
        "buildings": buildings, **forms,
    }, status=status)


@login_required
def places_page(request, pk=None):
    community = managed_community(request, pk)
    return _page(request, community, _forms(community))


@login_required
@require_POST
def places_add(request, pk):
    """Add a zone, grid, unit, estate or building, or save the community's description (the
    form says which in ``kind``)."""
    community = managed_community(request, pk)
    kind = request.POST.get("kind", "")
    forms = _forms(community, request.POST, kind)
    form = forms.get(f"{kind}_form")
    if form is None:
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        calls = {
            "community": lambda: places.change_community(request.user, community, data),
            "zone": lambda: places.create_zone(request.user, community, data),
            "grid": lambda: places.create_grid(request.user, community, data),
            "unit": lambda: places.create_unit(request.user, community, data),
            "estate": lambda: places.create_estate(request.user, community, data),
            "building": lambda: places.create_building(request.user, community, data),
        }
        done = _apply(form, calls[kind])
        if done is not None:
            messages.success(request, _("%(thing)s saved.") % {"thing": getattr(done, "address", None) or done})
            return redirect(reverse("community_setup", args=[community.pk]) + f"#{kind}s")
    return _page(request, community, forms, status=400)


def _edit(request, obj, form, call, title):
    if request.method == "POST" and form.is_valid():
        if _apply(form, lambda: call(form.cleaned_data)) is not None:
            messages.success(request, _("%(thing)s saved.") % {"thing": obj})
            return redirect("community_setup", obj.community_id)
    return render(request, "core/setup_edit.html", {"form": form, "title": title, "obj": obj,
                                                    "community": obj.community},
                  status=400 if request.method == "POST" else 200)


def _managed(request, model, pk):
    managed = model.objects.select_related("community").filter(community__in=manageable_communities(request.user))
    return _visible_then_managed(request, model, managed, pk)


@login_required
@require_http_methods(["GET", "POST"])
def zone_edit(request, pk):
    zone = _managed(request, Zone, pk)
    form = NameForm(request.POST or None, initial={"name": zone.name})
    return _edit(request, zone, form, lambda data: places.change_zone(request.user, zone, data), _("Edit zone"))


@login_required
@require_http_methods(["GET", "POST"])
def grid_edit(request, pk):
    grid = _managed(request, Grid, pk)
    form = GridForm(request.POST or None, community=grid.community,
                    initial={"number": grid.number, "name": grid.name, "zone": grid.zone_id})
    return _edit(request, grid, form, lambda data: places.change_grid(request.user, grid, data), _("Edit grid"))


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk):
    unit = _managed(request, Unit, pk)
    form = UnitForm(request.POST or None, community=unit.community, initial={"name": unit.name, "grid": unit.grid_id})
    return _edit(request, unit, form, lambda data: places.change_unit(request.user, unit, data), _("Edit unit"))


@login_required
@require_http_methods(["GET", "POST"])
def building_move(request, pk):
    building = _managed(request, Building, pk)
    form = MoveBuildingForm(request.POST or None, community=building.community,
                            initial={"grid": building.grid_id, "unit": building.unit_id})
    return _edit(request, building, form,
                 lambda data: places.move_building(request.user, building, data["grid"], data.get("unit"),
                                                   data.get("reason", "")),
                 _("Move %(building)s to another grid") % {"building": building.address})


@login_required
@require_http_methods(["GET", "POST"])
def building_edit(request, pk):
    building = _managed(request, Building, pk)
    form = EditBuildingForm(request.POST or None, community=building.community,
                            initial={"estate": building.estate_id, "door_number": building.door_number,
                                     "name": building.name})
    return _edit(request, building, form, lambda data: places.change_building(request.user, building, data),
                 _("Edit %(building)s") % {"building": building.address})


@login_required
@require_http_methods(["GET", "POST"])
def building_entrances(request, pk):
    """A building's entrances (单元): the list, each with its households, and a form to add one."""
    building = _managed(request, Building, pk)
    form = EntranceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        entrance = _apply(form, lambda: places.create_entrance(request.user, building, form.cleaned_data["number"]))
        if entrance is not None:
            messages.success(request, _("%(thing)s saved.") % {"thing": f"{building.address} {entrance}"})
            return redirect("building_entrances", building.pk)
    entrances = building.entrances.annotate(n=Count("households")).order_by("number_sort")
    return render(request, "core/setup_entrances.html", {
        "building": building, "community": building.community, "entrances": entrances, "form": form,
        "without": building.households.filter(entrance__isnull=True).count(),
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def entrance_edit(request, pk):
    entrance = _managed(request, Entrance, pk)
    form = EntranceForm(request.POST or None, initial={"number": entrance.number})
    if request.method == "POST" and form.is_valid():
        if _apply(form, lambda: places.change_entrance(request.user, entrance, form.cleaned_data["number"])):
            messages.success(request, _("%(thing)s saved.") % {"thing": entrance})
            return redirect("building_entrances", entrance.building_id)
    return render(request, "core/setup_edit.html", {
        "form": form, "obj": entrance, "community": entrance.community,
        "title": _("Edit %(entrance)s of %(building)s") % {"entrance": entrance, "building": entrance.building.address},
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def community_create(request):
    acting_from = district_communities(request.user).order_by("name").first()
    if acting_from is None and not request.user.is_superuser:
        raise PermissionDenied(_("Only a district administrator creates communities."))
    form = CommunityForm(request.POST or None, prefix="community",
                         initial={name: getattr(acting_from, name, "") for name in ("province", "city", "district")})
    if request.method == "POST" and form.is_valid():
        community = _apply(form, lambda: places.create_community(request.user, form.cleaned_data,
                                                                 acting_from=acting_from))
        if community is not None:
            messages.success(request, _("%(community)s created. Now create its first command-post account.")
                             % {"community": community})
            return redirect(reverse("account_create") + f"?community={community.pk}&role=command_post")
    return render(request, "core/setup_edit.html", {"form": form, "title": _("New community")},
                  status=400 if request.method == "POST" else 200)
