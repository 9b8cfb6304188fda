"""Pages of supplies and care. Objects come through scope (404 outside it); the rules, and who
may do what, are in supplies.services."""

import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.actions import NotAllowed
from fangkong.core.errors import ServiceError
from fangkong.core.models import AuditAction, Building, Community, Household, Role
from fangkong.core.scope import get_visible_or_404
from fangkong.core.services import audit

from . import printing, services
from .models import (
    CarePlan,
    Catalogue,
    Counselling,
    Cutoff,
    DeliveryRun,
    GroupOrder,
    Kind,
    MedicalTrip,
    Outcome,
    Request,
    TransferStation,
    Urgency,
)


def _communities(request):
    return Community.objects.visible_to(request.user).order_by("name")


def _command_post(request, community_id) -> Community:
    community = get_visible_or_404(Community.objects, request.user, pk=community_id)
    return community


@login_required
@require_GET
def index(request):
    """The command post's desk: the day's figures, the cut-off, stations, runs, group buys,
    care contacts due and stock."""
    today = timezone.localdate()
    blocks = []
    for community in _communities(request):
        last = Cutoff.objects.filter(community=community).first()
        blocks.append({
            "community": community,
            "figures": services.figures(community, today),
            "next_cutoff": services.next_cutoff(community),
            "open_asked": Request.objects.visible_to(request.user).filter(community=community, status="asked").count(),
            "last_cutoff": last,
            "sums": services.cutoff_sums(last) if last else None,
            "stations": TransferStation.objects.visible_to(request.user).filter(community=community),
            "runs": DeliveryRun.objects.visible_to(request.user).filter(community=community)
            .select_related("station", "volunteer")[:20],
            "catalogues": Catalogue.objects.visible_to(request.user).filter(community=community)
            .select_related("supply_point")[:10],
            "care_due": services.care_due(request.user, community, today).count(),
            "counselling_due": services.counselling_due(request.user, community, today).count(),
        })
    buildings = Building.objects.visible_to(request.user).order_by("door_sort")[:60]
    return render(request, "supplies/index.html", {"blocks": blocks, "today": today, "buildings": buildings})


# --- requests ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def building_requests(request, building_pk):
    """The building leader's phone page: one thing, ticked for several doors, sent at once."""
    building = get_visible_or_404(Building.objects.select_related("community"), request.user, pk=building_pk)
    households = list(Household.objects.visible_to(request.user).filter(building=building)
                      .order_by("floor", "room_sort"))
    chosen = {"kind": Kind.GROCERIES, "quantity": "1", "item": "", "urgency": str(Urgency.NORMAL), "notes": ""}
    ticked: set[int] = set()
    if request.method == "POST":
        chosen = {key: request.POST.get(key, "").strip() for key in chosen}
        by_pk = {h.pk: h for h in households}
        ticked = {int(v) for v in request.POST.getlist("household") if v.isdigit()}
        unknown = ticked - set(by_pk)
        if unknown:
            # A household of another building, or out of scope: as if it did not exist.
            raise Http404
        token = request.POST.get("token", "")[:40]
        rows = [services.RequestRow(
            household=by_pk[pk], kind=chosen["kind"], quantity=chosen["quantity"], item=chosen["item"],
            urgency=chosen["urgency"] if chosen["urgency"].isdigit() else -1, notes=chosen["notes"],
            client_id=f"{token}-{pk}" if token else "") for pk in sorted(ticked)]
        try:
            created = services.enter_requests(request.user, building, rows)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(n)s requests entered for %(building)s.") % {
                "n": len(created), "building": building})
            return redirect("supplies_building_requests", building.pk)
    open_requests = (Request.objects.visible_to(request.user)
                     .filter(household__building=building, status__in=("asked", "ordered", "out"))
                     .order_by("household__room_sort", "urgency"))
    by_household: dict[int, list] = {}
    for item in open_requests:
        by_household.setdefault(item.household_id, []).append(item)
    floors: list = []
    for household in households:
        household.open_requests = by_household.get(household.pk, [])
        if not floors or floors[-1][0] != household.floor:
            floors.append((household.floor, []))
        floors[-1][1].append(household)
    return render(request, "supplies/building_requests.html", {
        "building": building, "floors": floors, "kinds": Kind.choices, "urgencies": Urgency.choices,
        "chosen": chosen, "ticked": ticked, "token": timezone.now().strftime("%Y%m%d%H%M%S%f"),
        "next_cutoff": services.next_cutoff(building.community),
    })


@login_required
@require_POST
def run_cutoff(request, community_pk):
    community = _command_post(request, community_pk)
    try:
        cutoff = services.run_cutoff(request.user, community)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("supplies_index")
    messages.success(request, _("Cut-off: %(n)s requests of %(h)s households ordered.") % {
        "n": cutoff.n_requests, "h": cutoff.n_households})
    return redirect("cutoff_detail", cutoff.pk)


@login_required
@require_GET
def cutoff_detail(request, pk):
    cutoff = get_visible_or_404(Cutoff.objects, request.user, pk=pk)
    return render(request, "supplies/cutoff.html", {"cutoff": cutoff, "sums": services.cutoff_sums(cutoff)})


# --- stations, runs, the door ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def station_detail(request, pk):
    station = get_visible_or_404(TransferStation.objects, request.user, pk=pk)
    if request.method == "POST":
        volunteer = get_user_model().objects.filter(pk=request.POST.get("volunteer") or 0).first()
        departs = parse_datetime(request.POST.get("departs_at", "")) or timezone.now()
        if timezone.is_naive(departs):
            departs = timezone.make_aware(departs)
        try:
            if volunteer is None:
                raise ServiceError(_("Choose the volunteer."), code="no_volunteer")
            run = services.plan_run(request.user, station, volunteer, departs, request.POST.get("cart", ""))
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Run planned: %(n)s requests.") % {"n": run.requests.count()})
            return redirect("station_detail", station.pk)
    volunteers = get_user_model().objects.filter(
        roles__community_id=station.community_id, roles__role=Role.DELIVERY_VOLUNTEER).distinct()
    door_list = services.station_pick_list(request.user, station)
    return render(request, "supplies/station.html", {
        "station": station, "doors": door_list, "volunteers": volunteers,
        "runs": station.runs.select_related("volunteer")[:10],
        "buildings": station.buildings.order_by("door_sort")})


def _print_audit(request, obj, what):
    audit(request.user, AuditAction.EXPORT, obj, fields=[what])


@login_required
@require_GET
def station_pick_pdf(request, pk):
    station = get_visible_or_404(TransferStation.objects, request.user, pk=pk)
    door_list = services.station_pick_list(request.user, station)
    _print_audit(request, station, "pick_list")
    return printing.pick_list_response(station, door_list, request.user)


@login_required
@require_GET
def station_labels_pdf(request, pk):
    station = get_visible_or_404(TransferStation.objects, request.user, pk=pk)
    door_list = services.station_pick_list(request.user, station)
    _print_audit(request, station, "door_labels")
    return printing.labels_response(station, door_list)


@login_required
@require_GET
def run_page(request, pk):
    """The volunteer's phone page: their doors floor by floor, one tap per hand-over."""
    run = get_visible_or_404(DeliveryRun.objects.select_related("station"), request.user, pk=pk)
    door_list = services.run_doors(request.user, run)
    return render(request, "supplies/run.html", {
        "run": run, "buildings": services.by_floor(door_list), "outcomes": Outcome.choices,
        "n_doors": len(door_list), "n_done": sum(1 for d in door_list if d.outcome == Outcome.DELIVERED)})


@login_required
@require_POST
def run_handover(request, pk):
    """POST {household, outcome, client_id} (JSON or form): one hand-over; the same client id twice
    answers as the first time. Answers JSON with a machine code on refusal."""
    run = get_visible_or_404(DeliveryRun.objects, request.user, pk=pk)
    try:
        data = json.loads(request.body) if request.content_type == "application/json" else request.POST
    except ValueError:
        return JsonResponse({"ok": False, "code": "bad_json", "message": _("The hand-over could not be read.")},
                            status=400)
    household_pk = str(data.get("household", ""))
    household = _run_household(run, household_pk)
    try:
        handover, created = services.record_handover(request.user, run, household, str(data.get("outcome", "")),
                                                     str(data.get("client_id", "")), at=data.get("at"))
    except NotAllowed as error:
        return JsonResponse({"ok": False, "code": error.code, "message": error.message}, status=403)
    except ServiceError as error:
        return JsonResponse({"ok": False, "code": error.code, "message": error.message}, status=400)
    return JsonResponse({"ok": True, "created": created, "outcome": handover.outcome,
                         "label": handover.get_outcome_display()})


def _run_household(run, household_pk):
    """The door is reached through the run (already in scope): a household not on it is 404."""
    request = Request.objects.filter(run=run, household_id=household_pk if household_pk.isdigit() else 0) \
        .select_related("household__building").first()
    if request is None:
        raise Http404
    return request.household


# --- group purchases ---------------------------------------------------------------------------


@login_required
@require_GET
def catalogue_detail(request, pk):
    catalogue = get_visible_or_404(Catalogue.objects.select_related("supply_point"), request.user, pk=pk)
    orders = (GroupOrder.objects.visible_to(request.user).filter(catalogue=catalogue)
              .select_related("household__building").order_by("household__building__door_sort",
                                                                 "household__room_sort"))
    return render(request, "supplies/catalogue.html", {
        "catalogue": catalogue, "items": catalogue.items.all(), "orders": orders,
        "totals": services.order_totals(catalogue),
        "buildings": Building.objects.visible_to(request.user).filter(community=catalogue.community_id)
        .order_by("door_sort")})


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_order(request, pk):
    """?household=<id>: that household's order; without it, the doors one may order for."""
    catalogue = get_visible_or_404(Catalogue.objects, request.user, pk=pk)
    household_pk = request.GET.get("household", "")
    if not household_pk.isdigit():
        households = (Household.objects.visible_to(request.user).filter(community=catalogue.community_id)
                      .select_related("building").order_by("building__door_sort", "room_sort")[:500])
        return render(request, "supplies/order.html", {"catalogue": catalogue, "households": households})
    household = get_visible_or_404(Household.objects.select_related("building"), request.user, pk=household_pk)
    items = list(catalogue.items.all())
    if request.method == "POST":
        quantities = {item.pk: request.POST.get(f"q{item.pk}", "").strip() for item in items}
        try:
            services.place_order(request.user, catalogue, household, quantities)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Order saved for %(door)s.") % {"door": household})
            return redirect("catalogue_detail", catalogue.pk)
    return render(request, "supplies/order.html", {"catalogue": catalogue, "household": household, "items": items})


@login_required
@require_POST
def order_paid(request, pk):
    order = get_visible_or_404(GroupOrder.objects, request.user, pk=pk)
    try:
        services.set_paid(request.user, order, request.POST.get("paid") == "1")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("catalogue_detail", order.catalogue_id)


@login_required
@require_GET
def catalogue_sheet(request, pk):
    catalogue = get_visible_or_404(Catalogue.objects.select_related("supply_point"), request.user, pk=pk)
    content = printing.order_sheet_xlsx(catalogue, GroupOrder.objects.visible_to(request.user))
    _print_audit(request, catalogue, "order_sheet")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="order-sheet-{catalogue.pk}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- care ------------------------------------------------------------------------------------


@login_required
@require_GET
def care_list(request):
    today = timezone.localdate()
    due, plans, calls = [], [], []
    for community in _communities(request):
        due.extend(services.care_due(request.user, community, today))
        calls.extend(services.counselling_due(request.user, community, today))
    for case in calls:
        case.mine = case.counsellor_id == request.user.pk
    mine = (Counselling.objects.filter(counsellor=request.user, closed_at__isnull=True)
            .select_related("plan__person__household__building").order_by("due_on"))
    plans = (CarePlan.objects.visible_to(request.user).select_related("person__household__building", "answerable")
             .prefetch_related("items", "person__tags",
                               Prefetch("counselling", Counselling.objects.filter(closed_at__isnull=True),
                                        to_attr="open_counselling"))
             .order_by("person__household__building__door_sort", "pk")[:300])
    trips = (MedicalTrip.objects.visible_to(request.user).filter(on=today)
             .select_related("person__household__building", "taker"))
    return render(request, "supplies/care.html", {"due": due, "plans": plans, "today": today, "trips": trips,
                                                  "calls": calls, "mine": mine})


@login_required
@require_POST
def care_contact(request, pk):
    plan = get_visible_or_404(CarePlan.objects, request.user, pk=pk)
    try:
        services.record_contact(request.user, plan, request.POST.get("note", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Contact recorded; next due %(day)s.") % {"day": plan.due_on})
    return redirect("supplies_care")
