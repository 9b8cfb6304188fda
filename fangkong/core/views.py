"""Pages for places and people. Each view finds its objects through scope, calls a service and
renders; the rules themselves are in services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .forms import HouseholdForm, MoveForm, PersonForm, RevealForm
from .models import (
    AuditEntry,
    Building,
    CareTag,
    Community,
    Grid,
    Household,
    Person,
    Residency,
    Role,
)
from .scope import can_write, get_visible_or_404, has_role, reaches


def _writable(request, obj):
    if not can_write(request.user, obj):
        raise PermissionDenied(_("Your role may look at this but not change it."))
    return obj


def _members_prefetch(user):
    return Prefetch("members", queryset=Person.objects.visible_to(user).prefetch_related("tags").order_by("id"))


def _community_for_new(request):
    """The community a new person or building goes into: the user's only writable one."""
    communities = Community.objects.visible_to(request.user, write=True)
    community = communities.first()
    if community is None:
        raise PermissionDenied(_("Your role may not add people."))
    return community


@login_required
def home(request):
    communities = services.overview(request.user)
    return render(request, "core/home.html", {"communities": communities, "reaches": reaches(request.user)})


@login_required
def grid_detail(request, pk):
    grid = get_visible_or_404(Grid.objects.select_related("community", "zone"), request.user, pk=pk)
    buildings = (
        Building.objects.visible_to(request.user).filter(grid=grid).select_related("unit")
        .annotate(n_households=Count("households", distinct=True),
                  n_persons=Count("households__members", distinct=True))
        .order_by("door_sort")  # Meta.ordering does not apply to grouped queries
    )
    return render(request, "core/grid_detail.html", {"grid": grid, "buildings": buildings})


@login_required
def building_list(request):
    buildings = (
        Building.objects.visible_to(request.user).select_related("grid", "unit")
        .annotate(n_households=Count("households", distinct=True),
                  n_persons=Count("households__members", distinct=True))
        .order_by("door_sort")  # Meta.ordering does not apply to grouped queries
    )
    query = request.GET.get("q", "").strip()
    if query:
        buildings = buildings.filter(Q(door_number__icontains=query) | Q(name__icontains=query)
                                     | Q(landlord_name__icontains=query))
    grid_id = request.GET.get("grid", "")
    if grid_id.isdigit():
        buildings = buildings.filter(grid_id=grid_id)
    return render(request, "core/building_list.html", {
        "buildings": buildings, "query": query,
        "grids": Grid.objects.visible_to(request.user), "grid_id": grid_id,
    })


@login_required
def building_detail(request, pk):
    building = get_visible_or_404(Building.objects.select_related("grid", "unit", "community", "estate"),
                                  request.user, pk=pk)
    households = (
        Household.objects.visible_to(request.user).filter(building=building).select_related("entrance")
        .prefetch_related(_members_prefetch(request.user))
        # By entrance (单元) where the building has them, each entrance's rooms in door order.
        .order_by("entrance__number_sort", "room_sort")
    )
    return render(request, "core/building_detail.html", {
        "building": building, "households": households, "can_write": can_write(request.user, building),
        "n_persons": sum(len(h.members.all()) for h in households),
    })


@login_required
def household_detail(request, pk):
    household = get_visible_or_404(Household.objects.select_related("building__grid"), request.user, pk=pk)
    members = Person.objects.visible_to(request.user).filter(household=household).prefetch_related("tags")
    history = household.residences.select_related("person").filter(
        person__in=Person.objects.visible_to(request.user))[:50]
    return render(request, "core/household_detail.html", {
        "household": household, "members": members, "history": history,
        "can_write": can_write(request.user, household),
    })


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request, building_pk):
    building = _writable(request, get_visible_or_404(Building.objects.all(), request.user, pk=building_pk))
    form = HouseholdForm(request.POST or None, building=building)
    if request.method == "POST" and form.is_valid():
        household = services.create_household(request.user, building, form.cleaned_data)
        messages.success(request, _("Household %(name)s added.") % {"name": household})
        return redirect(household)
    return render(request, "core/household_form.html", {"form": form, "building": building})


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk):
    household = _writable(request, get_visible_or_404(Household.objects.select_related("building"),
                                                      request.user, pk=pk))
    form = HouseholdForm(request.POST or None, instance=household)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.update_household(request.user, household, form.cleaned_data,
                                                  expected_version=form.cleaned_data.get("version"))
        except services.StaleEdit as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Household %(name)s saved.") % {"name": household})
            return redirect(household)
    return render(request, "core/household_form.html", {"form": form, "building": household.building,
                                                         "household": household})


@login_required
def person_list(request):
    persons = Person.objects.visible_to(request.user).select_related("household__building")
    query = request.GET.get("q", "").strip()
    persons = persons.search(query)
    tag = request.GET.get("tag", "")
    if tag in CareTag.values:
        persons = persons.filter(tags__tag=tag)
    residency = request.GET.get("residency", "")
    if residency in Residency.values:
        persons = persons.filter(residency=residency)
    page = Paginator(persons.prefetch_related("tags"), 50).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "tag": tag, "residency": residency,
               "tags": CareTag.choices, "residencies": Residency.choices}
    if request.headers.get("HX-Request"):
        return render(request, "core/_person_rows.html", context)
    return render(request, "core/person_list.html", context)


@login_required
def person_detail(request, pk):
    person = get_visible_or_404(
        Person.objects.select_related("household__building__grid", "community").prefetch_related("tags"),
        request.user, pk=pk,
    )
    return render(request, "core/person_detail.html", {
        "person": person,
        "timeline": person.timeline.select_related("actor")[:100],
        "residences": person.residences.select_related("household__building"),
        "can_write": can_write(request.user, person),
        "can_reveal": services.can_reveal(request.user),
    })


def _duplicate_message(error):
    existing = error.existing
    return format_html('{} <a href="{}">{}</a>', error.message, existing.get_absolute_url(), existing.name)


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    household = None
    household_pk = request.GET.get("household") or request.POST.get("household")
    if household_pk and str(household_pk).isdigit():
        household = _writable(request, get_visible_or_404(Household.objects.select_related("building"),
                                                          request.user, pk=household_pk))
        community = household.community
    else:
        community = _community_for_new(request)
    form = PersonForm(request.POST or None, instance=Person(community=community))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(request.user, community, form.person_data(),
                                            tags=form.cleaned_data["tags"], household=household)
        except services.DuplicateIdNumber as error:
            form.add_error("id_number", _duplicate_message(error))
        else:
            for warning in form.warnings:
                messages.warning(request, warning)
            messages.success(request, _("%(name)s added.") % {"name": person.name})
            return redirect(person)
    return render(request, "core/person_form.html", {"form": form, "household": household})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    person = _writable(request, get_visible_or_404(Person.objects.select_related("household__building"),
                                                   request.user, pk=pk))
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.update_person(request.user, person, form.person_data(),
                                            tags=form.cleaned_data["tags"],
                                            expected_version=form.cleaned_data.get("version"))
        except services.DuplicateIdNumber as error:
            form.add_error("id_number", _duplicate_message(error))
        except services.StaleEdit as error:
            form.add_error(None, error.message)
        else:
            for warning in form.warnings:
                messages.warning(request, warning)
            messages.success(request, _("%(name)s saved.") % {"name": person.name})
            return redirect(person)
    return render(request, "core/person_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def person_move(request, pk):
    person = _writable(request, get_visible_or_404(Person.objects.select_related("household__building"),
                                                   request.user, pk=pk))
    form = MoveForm(request.POST or None, buildings=Building.objects.visible_to(request.user, write=True))
    if request.method == "POST" and form.is_valid():
        person = services.move_person(request.user, person, form.cleaned_data["household"],
                                      reason=form.cleaned_data["reason"])
        messages.success(request, _("%(name)s moved.") % {"name": person.name})
        return redirect(person)
    return render(request, "core/person_move.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def person_reveal(request, pk, field):
    """Show one ID number or phone whole, after the user says why; the reason goes to the audit log."""
    person = get_visible_or_404(Person.objects.all(), request.user, pk=pk)
    if field not in services.REVEALABLE:
        raise PermissionDenied
    if not services.can_reveal(request.user):
        raise PermissionDenied(_("Your role may not see personal numbers whole."))
    form = RevealForm(request.POST or None)
    value = None
    if request.method == "POST" and form.is_valid():
        value = services.reveal(request.user, person, field, form.cleaned_data["reason"])
    template = "core/_reveal.html" if request.headers.get("HX-Request") else "core/person_reveal.html"
    return render(request, template, {"person": person, "field": field, "label": services.REVEALABLE[field],
                                      "form": form, "value": value})


@login_required
def audit_log(request):
    if not has_role(request.user, Role.COMMAND_POST):
        raise PermissionDenied(_("Only the command post reads the audit log."))
    entries = AuditEntry.objects.visible_to(request.user).select_related("person")
    person_id = request.GET.get("person", "")
    person = None
    if person_id.isdigit():
        person = get_visible_or_404(Person.objects.all(), request.user, pk=person_id)
        entries = entries.filter(Q(person=person) | Q(object_type="person", object_id=str(person.pk)))
    username = request.GET.get("user", "").strip()
    if username:
        entries = entries.filter(username=username)
    action = request.GET.get("action", "")
    if action:
        entries = entries.filter(action=action)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    usernames = (User.objects.filter(roles__community__in=Community.objects.visible_to(request.user))
                 .values_list("username", flat=True).distinct().order_by("username"))
    return render(request, "core/audit_log.html", {
        "page": page, "person": person, "username": username, "action": action,
        "usernames": usernames, "actions": AuditEntry._meta.get_field("action").choices,
    })
