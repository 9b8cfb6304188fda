"""Pages of health control. Objects come through scope (404 outside it); the rules are in
health.services and health.notice."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.actions import allowed
from fangkong.core.fieldtime import field_day, posted_time
from fangkong.core.middleware import wants_json
from fangkong.core.models import Building, Household, Person
from fangkong.core.pages import CommunityChoice, chosen_community, community_choice, may
from fangkong.core.scope import get_visible_or_404

from . import actions as can
from . import services
from .forms import (
    AreaForm,
    ArrivalForm,
    ChangeFormSet,
    EarlyReleaseForm,
    LevelForm,
    MeasureForm,
    NoticeForm,
    OverrideForm,
    PolicyFormSet,
    ReceptionForm,
    SealCheckForm,
    SiteForm,
    StateForm,
    TransferForm,
    ViolationForm,
    parse_temperature,
)
from .models import (
    ArrivalReport,
    ArrivalStatus,
    Colour,
    KeyPerson,
    Measure,
    MeasureKind,
    PolicyStep,
    QuarantineSite,
    RiskArea,
    Seal,
    SealResult,
    State,
    Symptom,
    Transfer,
    TransferStatus,
    Violation,
)
from .notice import parse_notice


def _day(request, name="day"):
    """The day in ?day=YYYY-MM-DD, today without it; an impossible date (2026-02-30) is a 400 that
    says what was wrong, not a 500."""
    raw = (request.GET.get(name, "") or "").strip()
    if not raw:
        return timezone.localdate()
    try:
        day = parse_date(raw)
    except ValueError:
        day = None
    if day is None:
        raise BadRequest(_("%(value)s is not a date: write it as YYYY-MM-DD, for example 2026-02-28.")
                         % {"value": raw[:20]})
    return day


def _buildings(request):
    return Building.objects.visible_to(request.user).order_by("door_sort")


# --- key persons -----------------------------------------------------------------------------


@login_required
@require_GET
def keyperson_list(request):
    today = timezone.localdate()
    services.catch_up(today)
    state, colour, building = (request.GET.get(k, "") for k in ("state", "colour", "building"))
    rows = services.register(request.user, state=state, colour=colour, building=building)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "health/keyperson_list.html", {
        "page": page, "today": today, "state": state, "colour": colour, "building": building,
        "states": State.choices, "colours": Colour.choices[:3], "buildings": _buildings(request),
    })


@login_required
@require_GET
def keyperson_detail(request, pk):
    key = get_visible_or_404(KeyPerson.objects.select_related("person__household__building", "measure__site",
                                                                  "responsible"), request.user, pk=pk)
    return render(request, "health/keyperson_detail.html", {
        "key": key, "today": timezone.localdate(),
        "changes": key.changes.select_related("actor"),
        "measures": Measure.objects.filter(person=key.person).select_related("site").order_by("start", "pk"),
        "reports": key.person.health_reports.order_by("-on")[:14],
        "form": StateForm(initial={"state": key.state}),
        "can_write": allowed(request.user, can.SET_STATE, key.person),
        "can_release": allowed(request.user, can.EARLY_RELEASE, key.person),
    })


@login_required
@require_http_methods(["GET", "POST"])
def person_state(request, person_pk):
    """Make a person a key person, or move them to another state."""
    person = may(request, can.SET_STATE, get_visible_or_404(Person.objects.select_related("household__building"),
                                                             request.user, pk=person_pk))
    form = StateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = services.set_state(request.user, person, form.cleaned_data["state"], on=form.cleaned_data["on"],
                                 reason=form.cleaned_data["reason"])
        messages.success(request, _("%(name)s: %(state)s.") % {"name": person.name, "state": key.get_state_display()})
        return redirect(key)
    return render(request, "health/person_state.html", {"person": person, "form": form})


@login_required
@require_GET
def ending_list(request):
    services.catch_up()
    today = _day(request)
    tomorrow = today + timedelta(days=1)
    return render(request, "health/ending_list.html", {
        "today": today, "tomorrow": tomorrow,
        "ending_today": Paginator(services.ending(request.user, today), 100).get_page(request.GET.get("page")),
        "ending_tomorrow": Paginator(services.ending(request.user, tomorrow), 100).get_page(request.GET.get("page")),
    })


@login_required
@require_GET
def tests_due_list(request):
    """Who has a test today by their measure's test days (a page of its own: it reads every active
    measure with test days, which the ending list must not wait for)."""
    today = _day(request)
    return render(request, "health/tests_due.html", {"today": today,
                                                      "tests_due": services.tests_due(request.user, today)})


@login_required
@require_GET
def violation_list(request):
    violations = (Violation.objects.visible_to(request.user)
                  .select_related("person__household__building", "recorded_by")[:200])
    return render(request, "health/violation_list.html", {"violations": violations})


@login_required
@require_http_methods(["GET", "POST"])
def violation_create(request, person_pk):
    person = may(request, can.RECORD_VIOLATION, get_visible_or_404(Person.objects.all(), request.user, pk=person_pk))
    form = ViolationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.record_violation(request.user, person, form.cleaned_data["what"], form.cleaned_data["action"],
                                  on=form.cleaned_data["on"])
        messages.success(request, _("Violation recorded."))
        return redirect(person)
    return render(request, "health/simple_form.html", {
        "form": form, "title": _("Violation: %(name)s") % {"name": person.name}, "back": person.get_absolute_url()})


# --- arrivals --------------------------------------------------------------------------------


@login_required
@require_GET
def arrival_list(request):
    arrivals = (ArrivalReport.objects.visible_to(request.user)
                .select_related("person__household__building", "origin_area")[:200])
    query = request.GET.get("q", "").strip()
    found = Person.objects.visible_to(request.user, write=True).search(query)[:20] if query else []
    return render(request, "health/arrival_list.html", {"arrivals": arrivals, "query": query, "found": found})


@login_required
@require_http_methods(["GET", "POST"])
def arrival_create(request, person_pk):
    person = may(request, can.REPORT_ARRIVAL, get_visible_or_404(Person.objects.select_related("household__building"),
                                                                  request.user, pk=person_pk))
    form = ArrivalForm(request.POST or None, areas=RiskArea.objects.filter(community_id=person.community_id))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = services.report_arrival(request.user, person, origin_area=data["origin_area"],
                                         origin_text=data["origin_text"].strip(), travel_date=data["travel_date"],
                                         arrival_date=data["arrival_date"], transport=data["transport"],
                                         companions=data["companions"])
        return redirect(report)
    return render(request, "health/arrival_form.html", {"person": person, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def arrival_detail(request, pk):
    report = get_visible_or_404(ArrivalReport.objects.select_related("person__household__building", "origin_area"),
                                request.user, pk=pk)
    proposed = services.proposal(report)
    first = proposed[0] if proposed else None
    form = OverrideForm(request.POST or None, initial={
        "kind": first.kind if first else MeasureKind.HOME, "start": report.arrival_date,
        "end": first.end if first else report.arrival_date + timedelta(days=6),
        "test_days": first.test_days if first else ""})
    if request.method == "POST":
        try:
            if request.POST.get("action") == "confirm":
                services.decide_arrival(request.user, report)
            elif form.is_valid():
                data = form.cleaned_data
                chosen = services.ProposedMeasure(data["kind"], data["start"], data["end"], data["test_days"])
                services.decide_arrival(request.user, report, [chosen], reason=data["reason"])
            else:
                raise services.HealthError(_("Check the measure below."))
        except services.HealthError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Measures started for %(name)s.") % {"name": report.person.name})
            return redirect(report)
    return render(request, "health/arrival_detail.html", {
        "report": report, "proposed": proposed, "form": form,
        "open": report.status in (ArrivalStatus.PROPOSED, ArrivalStatus.NEEDS_DECISION),
        "measures": report.measures.all(), "can_write": allowed(request.user, can.DECIDE_ARRIVAL, report.person),
    })


# --- risk areas, notices, policy -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def area_list(request):
    areas = RiskArea.objects.visible_to(request.user)
    day = _day(request)
    levels = services.levels_on(areas, day)
    rows = list(areas)
    for area in rows:
        area.level_that_day = levels.get(area.pk)
    form = AreaForm(request.POST or None)
    if request.method == "POST":
        try:
            community = chosen_community(request, can.RECORD_LEVEL)
        except CommunityChoice as choice:
            return community_choice(request, choice.choices)
        if form.is_valid():
            data = form.cleaned_data
            change = services.record_area_level(request.user, community, data["name"], data["parent"], data["level"],
                                                data["effective_from"], data["notice_number"])
            messages.success(request, _("%(area)s recorded.") % {"area": change.area})
            return redirect("area_list")
    return render(request, "health/area_list.html", {"areas": rows, "day": day, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def area_detail(request, pk):
    area = get_visible_or_404(RiskArea.objects.all(), request.user, pk=pk)
    form = LevelForm(request.POST or None)
    if request.method == "POST":
        may(request, can.RECORD_LEVEL, area)
        if form.is_valid():
            data = form.cleaned_data
            services.record_level(request.user, area, data["level"], data["effective_from"], data["notice_number"])
            return redirect(area)
    return render(request, "health/area_detail.html", {
        "area": area, "changes": area.changes.select_related("recorded_by"), "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def notice_import(request):
    """Paste a notice, review the proposed changes (edit, untick), confirm."""
    try:
        community = chosen_community(request, can.RECORD_LEVEL)
    except CommunityChoice as choice:
        return community_choice(request, choice.choices)
    parsed, formset = None, None
    if request.method == "POST" and "confirm" in request.POST:
        formset = ChangeFormSet(request.POST)
        if formset.is_valid():
            taken = [f.cleaned_data for f in formset if f.cleaned_data.get("take")]
            services.apply_notice(request.user, community, taken, request.POST.get("number", ""))
            messages.success(request, _("%(count)d changes recorded.") % {"count": len(taken)})
            return redirect("area_list")
        form = NoticeForm(request.POST)
    else:
        form = NoticeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            parsed = parse_notice(form.cleaned_data["text"])
            current = {(a.parent, a.name): a for a in RiskArea.objects.filter(community=community)}
            levels = services.levels_on(current.values(), timezone.localdate())
            initial = []
            for change in parsed.changes:
                area = current.get((change.parent, change.name))
                change.register_level = levels.get(area.pk) if area else None
                # An uncertain change (an exception in brackets, a lift whose level is a guess) is
                # shown but not ticked: a person reads it first.
                initial.append({"take": not change.uncertain, "name": change.name, "parent": change.parent,
                                "new_level": change.new_level,
                                "effective_from": timezone.localtime(change.effective_from)
                                if change.effective_from else None})
            formset = ChangeFormSet(initial=initial)
            for sub, change in zip(formset, parsed.changes, strict=True):
                sub.change = change
    return render(request, "health/notice_import.html", {
        "form": form, "parsed": parsed, "formset": formset,
        "number": parsed.number if parsed else request.POST.get("number", "")})


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request):
    try:
        community = chosen_community(request)
    except CommunityChoice as choice:
        return community_choice(request, choice.choices)
    steps = PolicyStep.objects.filter(community=community)
    initial = [{"level": s.level, "order": s.order, "kind": s.kind, "days": s.days, "test_days": s.test_days}
               for s in steps] or [{"level": level, "order": n, "kind": kind, "days": days, "test_days": test_days}
                                   for level, rows in services.DEFAULT_POLICY.items()
                                   for n, (kind, days, test_days) in enumerate(rows, 1)]
    formset = PolicyFormSet(request.POST or None, initial=initial)
    if request.method == "POST":
        may(request, can.CHANGE_POLICY, community)
        if formset.is_valid():
            rows = [f.cleaned_data for f in formset
                    if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("days")]
            services.save_policy(request.user, community, rows)
            messages.success(request, _("Measure policy saved."))
            return redirect(reverse("policy_edit") + f"?community={community.pk}")
    return render(request, "health/policy_edit.html", {
        "formset": formset, "community": community,
        "can_edit": allowed(request.user, can.CHANGE_POLICY, community)})


@login_required
@require_http_methods(["GET", "POST"])
def colour_edit(request):
    """Which warning colour each state shows; changing one recolours everyone in that state."""
    try:
        community = chosen_community(request)
    except CommunityChoice as choice:
        return community_choice(request, choice.choices)
    mapping = services.colours(community)
    if request.method == "POST":
        may(request, can.CHANGE_COLOURS, community)
        changed = 0
        for state in State.values:
            colour = request.POST.get(state, "")
            if colour in Colour.values and colour != mapping[state]:
                services.set_colour(request.user, community, state, colour)
                changed += 1
        messages.success(request, _("%(count)d colours changed.") % {"count": changed})
        return redirect(reverse("colour_edit") + f"?community={community.pk}")
    return render(request, "health/colour_edit.html", {
        "rows": [(value, label, mapping[value]) for value, label in State.choices], "colours": Colour.choices,
        "community": community, "can_edit": allowed(request.user, can.CHANGE_COLOURS, community)})


# --- quarantine ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def site_list(request):
    form = SiteForm(request.POST or None)
    if request.method == "POST":
        try:
            community = chosen_community(request, can.CREATE_SITE)
        except CommunityChoice as choice:
            return community_choice(request, choice.choices)
        if form.is_valid():
            services.create_site(request.user, community, form.cleaned_data)
            return redirect("site_list")
    return render(request, "health/site_list.html", {
        "sites": services.sites_with_occupancy(request.user),
        "transfers": Transfer.objects.visible_to(request.user).select_related("site")[:30], "form": form})


@login_required
@require_GET
def site_detail(request, pk):
    site = get_visible_or_404(QuarantineSite.objects.all(), request.user, pk=pk)
    today = timezone.localdate()
    occupants = (Measure.objects.visible_to(request.user).filter(site=site, kind=MeasureKind.CENTRAL)
                 .active_on(today).select_related("person__household__building").order_by("room", "person__name"))
    return render(request, "health/site_detail.html", {
        "site": site, "occupants": occupants, "occupied": services.occupancy(site, today), "today": today,
        "can_manage": allowed(request.user, can.ASSIGN_ROOM, site)})


@login_required
@require_POST
def measure_room(request, pk):
    measure = get_visible_or_404(Measure.objects.select_related("person"), request.user, pk=pk)
    if measure.site_id is None:
        raise Http404
    services.set_room(request.user, measure, request.POST.get("room", ""))
    return redirect(measure.site)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_create(request):
    try:
        community = chosen_community(request, can.CREATE_TRANSFER)
    except CommunityChoice as choice:
        return community_choice(request, choice.choices)
    today = timezone.localdate()
    waiting = (Measure.objects.visible_to(request.user).filter(community=community, kind=MeasureKind.CENTRAL,
                                                               transfer__isnull=True, end__gte=today,
                                                               cancelled=False)
               .select_related("person"))
    sites = QuarantineSite.objects.visible_to(request.user).filter(community=community)
    form = TransferForm(request.POST or None, sites=sites, measures=waiting,
                        initial={"departs_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.create_transfer(request.user, data["site"], data["measures"], data["vehicle"],
                                                data["departs_at"])
        except services.HealthError as error:
            form.add_error(None, error.message)
        else:
            return redirect(transfer)
    return render(request, "health/simple_form.html", {"form": form, "title": _("New transfer"),
                                                        "back": reverse("site_list")})


@login_required
@require_http_methods(["GET", "POST"])
def transfer_detail(request, pk):
    """The printable manifest; the command post moves the batch on (in transit, at site)."""
    transfer = get_visible_or_404(Transfer.objects.select_related("site"), request.user, pk=pk)
    if request.method == "POST":
        try:
            services.set_transfer_status(request.user, transfer, request.POST.get("status", ""))
        except services.HealthError as error:
            messages.error(request, error.message)
        return redirect(transfer)
    return render(request, "health/transfer_detail.html", {
        "transfer": transfer, "people": services.manifest(transfer), "statuses": TransferStatus.choices,
        "can_manage": allowed(request.user, can.SET_TRANSFER_STATUS, transfer)})


@login_required
@require_GET
def seal_list(request):
    """Today's seal check, building by building: one row per sealed door, two big buttons."""
    day = _day(request)
    building = request.GET.get("building", "")
    seals = services.seal_rows(request.user, day, building)
    return render(request, "health/seal_list.html", {
        "seals": seals, "day": day, "building": building, "buildings": _buildings(request),
        "is_today": day == timezone.localdate()})


@login_required
@require_POST
def seal_check(request, pk):
    seal = get_visible_or_404(Seal.objects.select_related("household__building"), request.user, pk=pk)
    form = SealCheckForm(request.POST)
    if form.is_valid():
        # The phone's time of the tap dates the check (a queued check sent after midnight is the
        # day before's check).
        at = posted_time(request)
        services.check_seal(request.user, seal, form.cleaned_data["result"], note=form.cleaned_data["note"],
                            on=timezone.localdate(at), at=at)
        if form.cleaned_data["result"] == SealResult.BROKEN:
            messages.warning(request, _("Broken seal at %(door)s reported to the command post.") % {"door": seal})
    return redirect(reverse("seal_list") + f"?building={seal.household.building_id}#s{seal.pk}")


@login_required
@require_POST
def household_seal(request, household_pk):
    household = get_visible_or_404(Household.objects.all(), request.user, pk=household_pk)
    services.seal_household(request.user, household, number=request.POST.get("number", ""))
    messages.success(request, _("%(door)s sealed.") % {"door": household})
    return redirect(reverse("seal_list") + f"?building={household.building_id}")


@login_required
@require_POST
def seal_remove(request, pk):
    seal = get_visible_or_404(Seal.objects.select_related("household"), request.user, pk=pk)
    services.remove_seal(request.user, seal)
    return redirect(reverse("seal_list") + f"?building={seal.household.building_id}")


@login_required
@require_GET
def reception_list(request):
    day = _day(request)
    return render(request, "health/reception_list.html", {
        "day": day, "due": services.due_back(request.user, day), "form": ReceptionForm(),
        "previous": day - timedelta(days=1), "next": day + timedelta(days=1)})


@login_required
@require_POST
def measure_receive(request, pk):
    measure = get_visible_or_404(Measure.objects.select_related("person"), request.user, pk=pk)
    if measure.kind != MeasureKind.CENTRAL:
        raise Http404
    form = ReceptionForm(request.POST)
    if form.is_valid():
        try:
            services.receive(request.user, measure, next_days=form.cleaned_data["next_days"] or 0,
                             note=form.cleaned_data["note"])
        except services.HealthError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(name)s received.") % {"name": measure.person.name})
    return redirect(reverse("reception_list") + f"?day={measure.end + timedelta(days=1):%Y-%m-%d}")


@login_required
@require_http_methods(["GET", "POST"])
def measure_release(request, pk):
    """提前解除集中隔离: the command post lets a person leave central quarantine before its end
    date, with a reason (services.release_early, audited); the gate may then receive them."""
    measure = get_visible_or_404(Measure.objects.select_related("person", "site"), request.user, pk=pk)
    if measure.kind != MeasureKind.CENTRAL or measure.cancelled:
        raise Http404
    may(request, can.EARLY_RELEASE, measure)
    key = KeyPerson.objects.filter(person=measure.person).first()
    back = key.get_absolute_url() if key else measure.person.get_absolute_url()
    today = timezone.localdate()
    form = EarlyReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if measure.end <= today:
            messages.info(request, _("%(name)s's quarantine already ends today.") % {"name": measure.person.name})
            return redirect(back)
        try:
            services.release_early(request.user, measure, form.cleaned_data["reason"], today=today)
        except services.HealthError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(request, _("%(name)s is released early: the gate may receive them today.")
                             % {"name": measure.person.name})
            return redirect(back)
    title = _("Release %(name)s early (central quarantine until %(end)s)") % {
        "name": measure.person.name, "end": f"{measure.end:%Y-%m-%d}"}
    return render(request, "health/simple_form.html", {"form": form, "title": title, "back": back},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def person_measure(request, person_pk):
    """Put a key person (a close contact, a case) under a measure by hand."""
    person = may(request, can.START_MEASURE, get_visible_or_404(Person.objects.all(), request.user, pk=person_pk))
    today = timezone.localdate()
    form = MeasureForm(request.POST or None, initial={"start": today, "end": today + timedelta(days=6)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.start_measure(request.user, person, data["kind"], data["start"], data["end"], data["test_days"])
        except services.HealthError as error:
            form.add_error("end", error.message)
        else:
            return redirect(person)
    return render(request, "health/simple_form.html", {
        "form": form, "title": _("Measure for %(name)s") % {"name": person.name}, "back": person.get_absolute_url()})


# --- daily health reports --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_building(request):
    """One building's people under a measure today on one phone screen; one submit for all.
    Sending it again replaces the day's figures, never adds. A sheet sent from the phone's queue
    is the sheet of the day it was filled on the phone (23:58 sent at 00:05: the day before)."""
    day = field_day(request.POST.get("at")) if request.method == "POST" else timezone.localdate()
    building_id = request.GET.get("building", "")
    buildings = Building.objects.visible_to(request.user, write=True).order_by("door_sort")
    if not building_id:
        return render(request, "health/report_pick.html", {
            "buildings": buildings, "missing": services.missing_reports(request.user, day), "day": day})
    if not building_id.isdigit():
        raise Http404
    building = get_visible_or_404(buildings, request.user, write=True, pk=building_id)
    persons = list(services.to_report(request.user, day, building.pk, write=True)
                   .annotate(reported=Exists(services.HealthReport.objects.filter(person=OuterRef("pk"), on=day))))
    reports = {r.person_id: r for r in services.HealthReport.objects.filter(person__in=persons, on=day)}
    errors = set()
    if request.method == "POST":
        rows = []
        for person in persons:
            raw = request.POST.get(f"t{person.pk}", "")
            temperature = parse_temperature(raw)
            if raw.strip() and temperature is None:
                errors.add(person.pk)
            symptoms = [s for s in request.POST.getlist(f"s{person.pk}") if s in Symptom.values]
            rows.append((person, temperature, symptoms))
        if not errors:
            saved, raised = services.record_reports(request.user, day, rows)
            messages.success(request, _("%(count)d reports saved.") % {"count": saved})
            for person in raised:
                messages.warning(request, _("%(name)s: fever or symptoms, reported to the command post.")
                                 % {"name": person.name})
            if wants_json(request):  # the phone's outbox: the sheet is saved, it shows the page again
                return JsonResponse({"ok": True, "code": "saved", "saved": saved,
                                     "message": _("%(count)d reports saved.") % {"count": saved}})
            return redirect(reverse("report_building") + f"?building={building.pk}")
        if wants_json(request):  # refused for good: listed on the phone with the names to correct
            names = "、".join(p.name for p in persons if p.pk in errors)
            return JsonResponse({"ok": False, "code": "bad_temperature", "message": _(
                "Type a temperature between 34 and 43 °C.") + f" ({names})"}, status=400)
    for person in persons:
        person.report = reports.get(person.pk)
        # A saved fever stays a fever on the sheet: red, with its symptoms shown, never a green tick.
        person.fever = bool(person.report and services.is_fever(person.report.temperature, person.report.symptom_list))
        person.typed = request.POST.get(f"t{person.pk}", "") if request.method == "POST" else ""
        person.error = person.pk in errors
    return render(request, "health/report_building.html", {
        "building": building, "persons": persons, "day": day, "symptoms": Symptom.choices})


@login_required
@require_http_methods(["GET", "POST"])
def report_scopes(request):
    """Where the command post asks everyone (or each household) for a daily temperature: switch a
    building, a grid or the community on, and off again."""
    try:
        community = chosen_community(request)
    except CommunityChoice as choice:
        return community_choice(request, choice.choices)
    from fangkong.core.models import Grid

    from .models import ReportMode, ReportScope

    grids = Grid.objects.filter(community=community).order_by("name")
    buildings = Building.objects.filter(community=community).order_by("door_sort")
    error = None
    if request.method == "POST":
        may(request, can.REQUIRE_REPORTS, community)
        back = reverse("report_scopes") + f"?community={community.pk}"
        if request.POST.get("stop"):
            scope = ReportScope.objects.filter(community=community, pk=request.POST["stop"]).first()
            if scope is None:
                raise Http404
            services.stop_reports(request.user, scope)
            messages.success(request, _("Daily reports switched off for %(place)s.") % {"place": scope})
            return redirect(back)
        place = request.POST.get("place", "")
        grid = building = None
        if place.startswith("g") and place[1:].isdigit():
            grid = grids.filter(pk=place[1:]).first()
        elif place.startswith("b") and place[1:].isdigit():
            building = buildings.filter(pk=place[1:]).first()
        since, until = parse_date_or_none(request.POST.get("since")), parse_date_or_none(request.POST.get("until"))
        if place not in ("", "c") and grid is None and building is None:
            error = _("Place: choose the community, a grid or a building from the list.")
        elif since is False or until is False:
            error = _("Dates: write them as 2026-03-01.")
        else:
            try:
                scope = services.require_reports(request.user, community, grid=grid, building=building,
                                                 mode=request.POST.get("mode", ""), since=since, until=until)
            except services.HealthError as refusal:
                error = refusal.message
            else:
                messages.success(request, _("Daily reports switched on for %(place)s.") % {"place": scope})
                return redirect(back)
    today = timezone.localdate()
    scopes = ReportScope.objects.filter(community=community).select_related("grid", "building")
    for scope in scopes:
        scope.is_active = scope.active_on(today)
    return render(request, "health/report_scopes.html", {
        "community": community, "scopes": scopes, "grids": grids, "buildings": buildings, "today": today,
        "modes": ReportMode.choices, "error": error,
        "can_require": allowed(request.user, can.REQUIRE_REPORTS, community)}, status=400 if error else 200)


def parse_date_or_none(value):
    """None for an empty field, False for one that is not a date (the page says so), else the date."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return parse_date(value) or False
    except ValueError:
        return False
