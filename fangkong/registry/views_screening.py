"""Pages of the screening rounds (摸排). Objects come through scope (404 outside it); the rules are
in registry.screening."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.actions import allowed
from fangkong.core.middleware import wants_json
from fangkong.core.models import Building, Community, Grid, Household, Person
from fangkong.core.operations import compare
from fangkong.core.pages import community_choice, may
from fangkong.core.scope import get_visible_or_404, own_building_ids
from fangkong.core.services import DuplicateIdNumber

from . import actions as can
from . import screening
from .forms_screening import AddPersonForm, CloseForm, MemberForm, RoundForm, VisitForm
from .models import MemberCheck, Outcome, RoundMember, ScreeningRound


def _round(request, pk):
    return get_visible_or_404(ScreeningRound.objects.select_related("community"), request.user, pk=pk)


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _knock_url(round_, building_id, household_id=None):
    url = f"{reverse('round_knock', args=[round_.pk])}?building={building_id}"
    return f"{url}#h{household_id}" if household_id else url


def _writable_household(request, round_, household_pk):
    """A household of the round the user may knock at: 404 outside their scope or the round, 403
    when they may only look."""
    household = get_visible_or_404(Household.objects.select_related("building"), request.user, pk=household_pk)
    if not screening.round_households(round_).filter(pk=household.pk).exists():
        raise Http404
    return may(request, can.RECORD_VISIT, household)


def _new_client_id():
    return uuid.uuid4().hex


@login_required
@require_GET
def round_list(request):
    rounds = ScreeningRound.objects.visible_to(request.user).select_related("community")
    creatable = [c for c in Community.objects.visible_to(request.user) if screening.can_create_round(request.user, c)]
    return render(request, "registry/round_list.html", {"rounds": rounds, "can_create": bool(creatable)})


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request):
    communities = [c for c in Community.objects.visible_to(request.user).order_by("name", "pk")
                   if screening.can_create_round(request.user, c)]
    if not communities:
        raise PermissionDenied(str(can.CREATE_ROUND.message))
    # The community the round is for: the user's only one, or the one they chose (never the first).
    wanted = request.POST.get("community") or request.GET.get("community") or ""
    community = next((c for c in communities if str(c.pk) == wanted), None)
    if community is None:
        if len(communities) > 1 or wanted:
            return community_choice(request, communities)
        community = communities[0]
    command_post = allowed(request.user, can.SCREEN_WHOLE_COMMUNITY, community)
    form = RoundForm(
        request.POST or None,
        initial={"starts_at": timezone.localtime().replace(second=0, microsecond=0)},
        grids=Grid.objects.visible_to(request.user, write=True).filter(community=community),
        buildings=Building.objects.visible_to(request.user, write=True).filter(community=community)
        .order_by("door_sort"),
        whole_community_allowed=command_post,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = screening.create_round(
                request.user, community, name=data["name"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                grids=data["grids"], buildings=data["buildings"])
        except screening.ScreeningError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Screening round %(name)s started.") % {"name": round_.name})
            return redirect(round_)
    return render(request, "registry/round_form.html", {"form": form, "community": community})


@login_required
@require_GET
def round_detail(request, pk):
    round_ = _round(request, pk)
    now = timezone.now()
    cover = screening.coverage(round_, request.user, now=now)
    return render(request, "registry/round_detail.html", {
        "round": round_, "tally": cover.community, "now": now,
        "grids": round_.grids.all(), "buildings": round_.buildings.order_by("door_sort"),
        "can_manage": screening.can_manage_round(request.user, round_),
    })


@login_required
@require_GET
def round_knock(request, pk):
    """Without ?building: my buildings in the round, with done / left. With it: that building,
    floor by floor, one row per household with its outcome buttons."""
    round_ = _round(request, pk)
    now = timezone.now()
    building_id = request.GET.get("building", "")
    if not building_id:
        places = screening.coverage(round_, request.user, write=True, now=now).buildings
        own = own_building_ids(request.user, round_.community_id)
        places.sort(key=lambda p: (p.pk not in own, p.sort, p.pk))
        for place in places:
            place.own = place.pk in own
        return render(request, "registry/knock.html", {"round": round_, "places": places})
    if not building_id.isdigit():
        raise Http404
    building = get_visible_or_404(Building.objects.select_related("grid"), request.user, write=True,
                                  pk=building_id)
    households = screening.floor_order(
        screening.round_households(round_, request.user, write=True).filter(building=building))
    rows = screening.knock_rows(round_, households, request.user, now=now)
    if not rows:
        raise Http404
    revisit_rows = sorted((r for r in rows if r.visit and r.visit.outcome == Outcome.NOBODY_HOME),
                          key=lambda r: r.visit.revisit_due)
    return render(request, "registry/knock_building.html", {
        "round": round_, "building": building, "rows": rows, "revisit_rows": revisit_rows, "now": now,
        "counts": _counts(rows),
    })


def _counts(rows):
    done = sum(1 for r in rows if r.done)
    return {"total": len(rows), "done": done, "left": len(rows) - done,
            "revisit": sum(1 for r in rows if r.visit and r.visit.outcome == Outcome.NOBODY_HOME),
            "overdue": sum(1 for r in rows if r.overdue)}


def _row_response(request, round_, household, error=None):
    """The household's row again (htmx swaps it in place), with the building's counts out of band;
    without htmx, back to the building page at that row."""
    if not _is_htmx(request) and not wants_json(request):
        if error:
            messages.error(request, error)
        return redirect(_knock_url(round_, household.building_id, household.pk))
    now = timezone.now()
    households = screening.round_households(round_, request.user, write=True)
    row = screening.knock_rows(round_, households.filter(pk=household.pk), request.user, now=now)[0]
    tally = screening.coverage(round_, request.user, write=True, now=now,
                               building=household.building).community
    counts = {"total": tally.total, "done": tally.visited, "left": tally.left, "revisit": tally.nobody_home,
              "overdue": tally.overdue}
    return render(request, "registry/_screening_row.html", {
        "round": round_, "row": row, "now": now, "error": error, "counts": counts, "oob": True,
    })


def _refused(request, round_, household, error):
    """A tap the rules refuse: the row with the reason; for the phone's outbox also a 409 with the
    machine code, so that the write leaves its queue and is listed for the user."""
    response = _row_response(request, round_, household, error.message)
    if wants_json(request):
        return JsonResponse({"ok": False, "code": error.code, "message": error.message,
                             "html": response.content.decode()}, status=409)
    return response


@login_required
@require_POST
def round_visit(request, pk):
    round_ = _round(request, pk)
    form = VisitForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The tap could not be read; reload the page."))
    household = _writable_household(request, round_, form.cleaned_data["household"])
    try:
        screening.record_visit(request.user, round_, household, form.cleaned_data["outcome"],
                               client_id=form.cleaned_data["client_id"], at=form.cleaned_data["at"])
    except screening.ScreeningError as error:
        return _refused(request, round_, household, error)
    return _row_response(request, round_, household)


@login_required
@require_POST
def round_member(request, pk):
    """Confirm a member, mark them moved out, or take either back; or confirm everyone at once."""
    round_ = _round(request, pk)
    form = MemberForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The tap could not be read; reload the page."))
    data = form.cleaned_data
    household = _writable_household(request, round_, data["household"])
    try:
        if data["state"] == "confirm_all":
            members = Person.objects.visible_to(request.user, write=True).filter(household=household)
            screening.confirm_members(request.user, round_, household, list(members))
        else:
            person = Person.objects.visible_to(request.user, write=True).filter(pk=data["person"]).first()
            if person is None:
                # Someone this round moved out of this door has no household now, so scope no longer
                # reaches them through it: the round's own mark does.
                mark = (RoundMember.objects.visible_to(request.user, write=True)
                        .filter(round=round_, household=household, person_id=data["person"],
                                status=MemberCheck.MOVED_OUT).select_related("person").first())
                if mark is None:
                    raise Http404
                person = mark.person
            screening.set_member(request.user, round_, household, person, data["state"],
                                 client_id=data["client_id"])
    except screening.ScreeningError as error:
        return _refused(request, round_, household, error)
    return _row_response(request, round_, household)


@login_required
@require_http_methods(["GET", "POST"])
def round_person_add(request, pk):
    round_ = _round(request, pk)
    household_pk = request.GET.get("household") or request.POST.get("household") or ""
    if not household_pk:
        return redirect("round_knock", round_.pk)
    if not str(household_pk).isdigit():
        raise Http404
    household = _writable_household(request, round_, household_pk)
    back = _knock_url(round_, household.building_id, household.pk)
    latest = screening.latest_visit(round_, household)
    if not round_.is_open or latest is None or latest.outcome != Outcome.FOUND:
        messages.info(request, _("Record that somebody was found at this door first."))
        return redirect(back)
    form = AddPersonForm(request.POST or None, instance=Person(community=household.community),
                         initial={"client_id": _new_client_id()})
    if request.method == "POST" and form.is_valid():
        try:
            person, created = screening.add_member(request.user, round_, household, form.person_data(),
                                                   tags=form.cleaned_data["tags"],
                                                   client_id=form.cleaned_data["client_id"])
        except DuplicateIdNumber as error:
            existing = error.existing
            form.add_error("id_number", format_html('{} <a href="{}">{}</a>', error.message,
                                                    existing.get_absolute_url(), existing.name))
        except screening.ScreeningError as error:
            messages.error(request, error.message)
            return redirect(back)
        else:
            for warning in form.warnings:
                messages.warning(request, warning)
            if created:
                messages.success(request, _("%(name)s added.") % {"name": person.name})
            return redirect(back)
    return render(request, "registry/knock_add_person.html", {
        "round": round_, "household": household, "form": form, "back": back})


@login_required
@require_GET
def round_revisits(request, pk):
    round_ = _round(request, pk)
    now = timezone.now()
    visits = screening.revisits(round_, request.user, now=now)
    return render(request, "registry/round_revisits.html", {
        "round": round_, "visits": visits, "now": now,
        "overdue": sum(1 for v in visits if v.overdue),
    })


@login_required
@require_GET
def round_coverage(request, pk):
    round_ = _round(request, pk)
    now = timezone.now()
    cover = screening.coverage(round_, request.user, now=now)
    others = (ScreeningRound.objects.visible_to(request.user).filter(community_id=round_.community_id)
              .exclude(pk=round_.pk))
    against, difference = None, None
    against_pk = request.GET.get("against", "")
    if against_pk:
        if not against_pk.isdigit():
            raise Http404
        against = get_visible_or_404(others, request.user, pk=against_pk)
        compare(cover, screening.coverage(against, request.user, now=now))
        older, newer = sorted([against, round_], key=lambda r: (r.starts_at, r.pk))
        difference = screening.diff(older, newer, request.user)
    return render(request, "registry/round_coverage.html", {
        "round": round_, "cover": cover, "others": others, "against": against, "diff": difference,
    })


@login_required
@require_http_methods(["GET", "POST"])
def round_close(request, pk):
    round_ = _round(request, pk)
    if not screening.can_manage_round(request.user, round_):
        raise PermissionDenied(str(can.CLOSE_ROUND.message))
    left = screening.households_left(round_).count()
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            screening.close_round(request.user, round_, form.cleaned_data["reason"])
        except screening.ScreeningError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            messages.success(request, _("Screening round %(name)s closed.") % {"name": round_.name})
            return redirect(round_)
    return render(request, "registry/round_close.html", {"round": round_, "form": form, "left": left})
