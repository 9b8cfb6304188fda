"""Pages for places and people. Each view finds its objects through scope, calls a service and
renders; the rules themselves are in services.py."""

import hashlib
import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import core_actions as can
from . import services
from .actions import allowed
from .filtersets import PersonFilterSet
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
from .pages import CommunityChoice, chosen_community, community_choice, may
from .scope import get_visible_or_404, reaches


def _members_prefetch(user):
    return Prefetch("members", queryset=Person.objects.visible_to(user).prefetch_related("tags").order_by("id"))


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
        "building": building, "households": households,
        "can_write": allowed(request.user, can.CREATE_HOUSEHOLD, building),
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
        "can_write": allowed(request.user, can.UPDATE_HOUSEHOLD, household),
    })


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request, building_pk):
    building = may(request, can.CREATE_HOUSEHOLD, get_visible_or_404(Building.objects.all(), request.user,
                                                                      pk=building_pk))
    form = HouseholdForm(request.POST or None, building=building)
    if request.method == "POST" and form.is_valid():
        household = services.create_household(request.user, building, form.cleaned_data)
        messages.success(request, _("Household %(name)s added.") % {"name": household})
        return redirect(household)
    return render(request, "core/household_form.html", {"form": form, "building": building})


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk):
    household = may(request, can.UPDATE_HOUSEHOLD, get_visible_or_404(Household.objects.select_related("building"),
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
    # The one person filter (core.filtersets), as the export and /api/persons/ use it.
    found = PersonFilterSet(request.GET, queryset=Person.objects.visible_to(request.user)
                            .select_related("household__building"))
    params = found.params()
    persons = found.qs.prefetch_related("tags")
    # Narrowed to a building or a grid (a link from the building page), the list reads as the
    # stairs do: building, then entrance (单元) where there are any, then room.
    by_place = bool(params.get("building") or params.get("grid"))
    if by_place:
        persons = persons.select_related("household__entrance").order_by(
            "household__building__door_sort", "household__building_id",
            F("household__entrance__number_sort").asc(nulls_last=True), "household__room_sort", "name", "pk")
    page = Paginator(persons, 50).get_page(request.GET.get("page"))
    context = {"page": page, "query": params.get("q", ""), "tag": params.get("tag", ""),
               "residency": params.get("residency", ""), "tags": CareTag.choices, "residencies": Residency.choices,
               "by_place": by_place,
               # Narrowings the form has no field for (a link from a building): kept when typing.
               "kept": {k: v for k, v in params.items() if k not in ("q", "tag", "residency")},
               "export_query": urlencode({"download": 1, **params})}
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
        "can_write": allowed(request.user, can.UPDATE_PERSON, person),
        "can_reveal": services.may_reveal(request.user, person),
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
        household = may(request, can.CREATE_PERSON, get_visible_or_404(Household.objects.select_related("building"),
                                                                        request.user, pk=household_pk))
        community = household.community
    else:
        try:
            community = chosen_community(request, can.CREATE_PERSON)
        except CommunityChoice as choice:
            return community_choice(request, choice.choices)
    form = PersonForm(request.POST or None, instance=Person(community=community))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(request.user, community, form.person_data(),
                                            tags=form.cleaned_data["tags"], household=household)
        except services.DuplicateIdNumber as error:
            form.add_error("id_number", ValidationError(_duplicate_message(error), code=error.code))
        else:
            for warning in form.warnings:
                messages.warning(request, warning)
            messages.success(request, _("%(name)s added.") % {"name": person.name})
            return redirect(person)
    return render(request, "core/person_form.html", {"form": form, "household": household, "community": community})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    person = may(request, can.UPDATE_PERSON, get_visible_or_404(Person.objects.select_related("household__building"),
                                                                 request.user, pk=pk))
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.update_person(request.user, person, form.person_data(),
                                            tags=form.cleaned_data["tags"],
                                            expected_version=form.cleaned_data.get("version"))
        except services.DuplicateIdNumber as error:
            form.add_error("id_number", ValidationError(_duplicate_message(error), code=error.code))
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
    person = may(request, can.MOVE_PERSON, get_visible_or_404(Person.objects.select_related("household__building"),
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
    if not services.may_reveal(request.user, person):
        raise PermissionDenied(str(can.REVEAL.message))
    form = RevealForm(request.POST or None)
    value = None
    if request.method == "POST" and form.is_valid():
        value = services.reveal(request.user, person, field, form.cleaned_data["reason"])
    template = "core/_reveal.html" if request.headers.get("HX-Request") else "core/person_reveal.html"
    return render(request, template, {"person": person, "field": field, "label": services.REVEALABLE[field],
                                      "form": form, "value": value})


@login_required
def audit_log(request):
    # The communities whose log the user reads (a command post of one community and grid leader
    # of another reads the first's only).
    readable = [c.pk for c in Community.objects.visible_to(request.user)
                if allowed(request.user, can.READ_AUDIT_LOG, c)]
    if not readable:
        raise PermissionDenied(str(can.READ_AUDIT_LOG.message))
    entries = AuditEntry.objects.visible_to(request.user).filter(community_id__in=readable).select_related("person")
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


# --- the field app: start page, errors, service worker, manifest ------------------------------


@login_required
def start(request):
    """My work today: what each of the user's roles has to do, one tap from its page. The items
    come from the apps (hook "start_item"); the command post, whose day is the community, goes
    to the overview when no app has an item for it."""
    from .hooks import render as render_hooks

    items = render_hooks("start_item", request)
    roles = [reach.role for reach in reaches(request.user)]
    field_roles = set(roles) - {Role.COMMAND_POST, Role.DISTRICT_VIEWER}
    if not field_roles and (Role.COMMAND_POST in roles or Role.DISTRICT_VIEWER in roles or request.user.is_superuser):
        return redirect("home")
    notes = []
    if Role.GUARD in roles:
        notes.append(_("Guard: check people coming back at the checkpoint; the gate pages come with their app."))
    if Role.DELIVERY_VOLUNTEER in roles:
        notes.append(_("Delivery volunteer: find a household's door and floor under People; "
                       "the delivery pages come with their app."))
    return render(request, "core/start.html", {
        "items": items, "notes": notes, "role_names": sorted({Role(r).label for r in roles})})


def _error(request, status, title, message, template):
    from django.http import JsonResponse

    from .middleware import wants_json

    if wants_json(request):
        codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 500: "server_error"}
        return JsonResponse({"ok": False, "code": codes[status], "message": str(message)}, status=status)
    return render(request, template, {"title": title, "message": message, "back": _back(request)}, status=status)


def _back(request) -> str:
    """The page the user came from, when it is one of ours; else the start page."""
    from django.utils.http import url_has_allowed_host_and_scheme

    referer = request.headers.get("Referer", "")
    if referer and referer != request.build_absolute_uri() and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}):
        return referer
    return reverse("start")


def error_400(request, exception=None):
    detail = str(exception) if exception and str(exception) else _("The address could not be read.")
    return _error(request, 400, _("Bad request"), detail, "400.html")


def error_403(request, exception=None):
    detail = str(exception) if exception and str(exception) else _("Your role may not open this page.")
    return _error(request, 403, _("Not allowed"), detail, "403.html")


def error_404(request, exception=None):
    return _error(request, 404, _("Not found"),
                  _("This page does not exist, or it is outside the places you look after."), "404.html")


def error_500(request):
    import sys

    from django.http import HttpResponseServerError, JsonResponse
    from django.template import loader

    from .middleware import database_unavailable, is_database_down, wants_json

    # No database, no user, no context processors: the error may be in any of them. A database
    # that does not answer (even from a middleware, before any view) is a 503 to try again.
    if is_database_down(sys.exc_info()[1]):
        return database_unavailable(request)
    if wants_json(request):
        return JsonResponse({"ok": False, "code": "server_error", "message": _("Server error")}, status=500)
    return HttpResponseServerError(loader.get_template("500.html").render({}))


def csrf_failure(request, reason=""):
    """A form or fetch with a stale CSRF token (the user signed in again since the page was made):
    JSON {"code": "csrf"} tells the outbox to keep the write and try again with the new token."""
    from django.http import JsonResponse

    from .middleware import wants_json

    if wants_json(request):
        return JsonResponse({"ok": False, "code": "csrf", "message": _("The page is older than your sign-in.")},
                            status=403)
    return render(request, "403.html", {
        "title": _("Not allowed"), "back": _back(request),
        "message": _("The page was older than your sign-in. Go back, reload the page and try again.")}, status=403)


def service_worker(request):
    """The service worker, from the site's root so that it may serve every page offline; rendered
    so that the app shell it caches is named with the hashed static URLs of this release."""
    from django.templatetags.static import static

    shell = [static(name) for name in (
        "vendor/bootstrap.min.css", "fangkong/app.css", "vendor/htmx.min.js", "vendor/bootstrap.bundle.min.js",
        "fangkong/outbox.js", "fangkong/scan.js", "fangkong/icon-192.png")]
    version = hashlib.sha256("|".join(shell).encode()).hexdigest()[:12]
    response = render(request, "fangkong/sw.js", {
        "shell": json.dumps(shell), "version": version, "static_url": json.dumps(settings.STATIC_URL),
        "login_url": json.dumps(resolve_url(settings.LOGIN_URL)), "offline_url": json.dumps(reverse("start"))},
        content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


def manifest(request):
    """The web app manifest: "add to home screen" opens the start page, full screen."""
    from django.http import JsonResponse
    from django.templatetags.static import static

    data = {
        "name": _("Fangkong"), "short_name": _("Fangkong"), "start_url": reverse("start"), "scope": "/",
        "display": "standalone", "background_color": "#ffffff", "theme_color": "#b71c1c",
        "lang": request.LANGUAGE_CODE,
        "icons": [{"src": static("fangkong/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                  {"src": static("fangkong/icon-512.png"), "sizes": "512x512", "type": "image/png",
                   "purpose": "any maskable"}],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
