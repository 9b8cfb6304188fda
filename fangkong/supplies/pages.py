"""The rest of supplies' pages: donations and stock per place, free meals, medical errands,
editing a care plan and its counselling, new transfer stations and group purchases, cancelling
a request. Thin, as views.py: objects through scope (404 outside it), rules in services."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.actions import NotAllowed, allowed
from fangkong.core.errors import ServiceError
from fangkong.core.fieldtime import trusted_time
from fangkong.core.middleware import wants_json
from fangkong.core.models import Building, Community, Household, Role
from fangkong.core.scope import get_visible_or_404

from . import services
from .models import (
    CarePlan,
    Counselling,
    MealPlan,
    MedicalTrip,
    PlanItemKind,
    Request,
    StockItem,
    SupplyPoint,
    TransferStation,
    TripKind,
    TripStatus,
)


def _community(request, key="community") -> Community:
    """The community named in the form or query, else the user's first one; 404 outside scope."""
    value = request.POST.get(key) or request.GET.get(key) or ""
    communities = Community.objects.visible_to(request.user).order_by("name")
    community = communities.filter(pk=value).first() if str(value).isdigit() else communities.first()
    if community is None:
        raise Http404
    return community


def _answer(request, back, error=None, ok=""):
    """The outbox's JSON answer (refusals 400 with the code, not allowed 403), or the page again."""
    if wants_json(request):
        if error is None:
            return JsonResponse({"ok": True, "message": ok})
        return JsonResponse({"ok": False, "code": error.code, "message": error.message},
                            status=403 if isinstance(error, NotAllowed) else 400)
    if error is None:
        if ok:
            messages.success(request, ok)
    else:
        messages.error(request, error.message)
    return redirect(back)


def _staff_users(community):
    return (get_user_model().objects.filter(roles__community=community, is_active=True)
            .exclude(roles__role=Role.DISTRICT_ADMIN).distinct().order_by("username"))


def _user_in(community, value):
    if not str(value or "").isdigit():
        return None
    return _staff_users(community).filter(pk=value).first()


# --- stock and donations -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def stock(request):
    """The store and each transfer station's stock; record a move, add an item, send to a station."""
    community = _community(request)
    if request.method == "POST":
        what = request.POST.get("what", "move")
        try:
            if what == "add":
                item = services.add_stock_item(request.user, community, request.POST.get("name", ""),
                                               request.POST.get("unit", ""), request.POST.get("low_at", "0"))
                ok = _("%(item)s added to the store.") % {"item": item.name}
            else:
                item = get_visible_or_404(StockItem.objects, request.user, pk=request.POST.get("item") or 0,
                                          community=community)
                if what == "send":
                    station = get_visible_or_404(TransferStation.objects, request.user,
                                                 pk=request.POST.get("station") or 0, community=community)
                    there = services.send_to_station(request.user, item, station, request.POST.get("quantity", ""))
                    ok = _("%(item)s: %(n)s at %(station)s.") % {"item": item.name, "n": there.quantity,
                                                                 "station": station.name}
                else:
                    services.move_stock(request.user, item, request.POST.get("delta", ""),
                                        request.POST.get("to_whom", ""))
                    ok = _("%(item)s: %(n)s in stock.") % {"item": item.name, "n": item.quantity}
        except ServiceError as error:
            return _answer(request, f"{reverse('supplies_stock')}?community={community.pk}", error)
        return _answer(request, f"{reverse('supplies_stock')}?community={community.pk}", ok=ok)
    places = services.stock_by_place(request.user, community)
    store = next((items for station, items in places if station is None), [])
    return render(request, "supplies/stock.html", {
        "community": community, "places": places, "store": store,
        "items": [item for _station, items in places for item in items],
        "stations": TransferStation.objects.visible_to(request.user).filter(community=community),
        "can_move": allowed(request.user, "supplies.move_stock", community)})


@login_required
@require_http_methods(["GET", "POST"])
def donations(request):
    """Record a donation (donor, money, goods into the store); the list with what came with each."""
    community = _community(request)
    store = list(StockItem.objects.visible_to(request.user).filter(community=community, station__isnull=True)
                 .order_by("name"))
    if request.method == "POST":
        by_pk = {item.pk: item for item in store}
        goods = []
        for key, value in zip(request.POST.getlist("item"), request.POST.getlist("quantity"), strict=False):
            if not value.strip() and not key:
                continue
            if not key.isdigit() or int(key) not in by_pk:
                if value.strip():
                    messages.error(request, _("Choose the item for each quantity."))
                    return redirect(f"{reverse('supplies_donations')}?community={community.pk}")
                continue
            if value.strip():
                goods.append((by_pk[int(key)], value))
        try:
            donation = services.receive_donation(request.user, community, request.POST.get("donor", ""), goods,
                                                 money=request.POST.get("money", "0"),
                                                 note=request.POST.get("note", ""))
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Donation of %(donor)s recorded.") % {"donor": donation.donor})
        return redirect(f"{reverse('supplies_donations')}?community={community.pk}")
    return render(request, "supplies/donations.html", {
        "community": community, "store": store, "donations": services.donation_list(request.user, community)[:200],
        "rows": range(4), "can_move": allowed(request.user, "supplies.move_stock", community)})


# --- free meals ----------------------------------------------------------------------------------


@login_required
@require_GET
def meals(request):
    """The day's meal list (a phone page): each household, its count and dietary notes, one tap
    per slot handed over (through the outbox: offline too, the same slot twice is one)."""
    community = _community(request)
    day = parse_date(request.GET.get("day", "")) or timezone.localdate()
    rows = services.meal_day(request.user, community, day)
    delivered = sum(s["delivery"].count for r in rows for s in r["slots"] if s["delivery"])
    buildings = Building.objects.visible_to(request.user).filter(community=community).order_by("door_sort")
    return render(request, "supplies/meals.html", {
        "community": community, "day": day, "rows": rows, "delivered": delivered, "buildings": buildings,
        "can_plan": allowed(request.user, "supplies.plan_meals", community),
        "can_record": allowed(request.user, "supplies.manage_meals", community)})


@login_required
@require_POST
def meal_deliver(request, pk):
    plan = get_visible_or_404(MealPlan.objects.select_related("household"), request.user, pk=pk)
    now = timezone.now()
    day = timezone.localdate(trusted_time(request.POST.get("at"), now))
    back = f"{reverse('supplies_meals')}?community={plan.community_id}"
    slot = request.POST.get("slot", "")
    try:
        if slot not in plan.times.split(","):
            raise ServiceError(_("%(slot)s is not one of this household's meal times.") % {"slot": slot[:10]},
                               code="bad_slot")
        count = request.POST.get("count") or None
        services.record_meals(request.user, plan, day, slot, count)
    except ServiceError as error:
        return _answer(request, back, error)
    return _answer(request, back, ok=_("%(door)s: meals at %(slot)s handed over.") % {"door": plan.household,
                                                                                     "slot": slot})


def _meal_form(request, community, household, plan=None):
    values = {"count": str(plan.count) if plan else "1", "diet": plan.diet if plan else "",
              "times": plan.times if plan else services.MEAL_TIMES_HELP, "active": plan.active if plan else True}
    if request.method == "POST":
        values = {"count": request.POST.get("count", ""), "diet": request.POST.get("diet", ""),
                  "times": request.POST.get("times", ""),
                  "active": "1" in request.POST.getlist("active") if "active" in request.POST else True}
        try:
            services.save_meal_plan(request.user, household, values["count"], values["diet"], values["times"],
                                    values["active"], plan=plan)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Meal plan saved for %(door)s.") % {"door": household})
            return redirect(f"{reverse('supplies_meals')}?community={community.pk}")
    return None, values


@login_required
@require_http_methods(["GET", "POST"])
def meal_new(request):
    """?building=<id>: pick the household of that building; then its plan."""
    community = _community(request)
    building = None
    building_pk = request.GET.get("building", "")
    if building_pk.isdigit():
        building = get_visible_or_404(Building.objects, request.user, pk=building_pk, community=community)
    households = (Household.objects.visible_to(request.user).filter(building=building).order_by("room_sort")
                  if building else Household.objects.none())
    household = None
    household_pk = request.POST.get("household") or request.GET.get("household") or ""
    if household_pk.isdigit():
        household = get_visible_or_404(Household.objects.select_related("building"), request.user,
                                       pk=household_pk, community=community)
    values = {"count": "1", "diet": "", "times": services.MEAL_TIMES_HELP, "active": True}
    if request.method == "POST":
        if household is None:
            messages.error(request, _("Choose the household."))
        else:
            answer = _meal_form(request, community, household)
            if not isinstance(answer, tuple):
                return answer
            values = answer[1]
    return render(request, "supplies/meal_form.html", {
        "community": community, "building": building, "households": households, "household": household,
        "values": values, "buildings": Building.objects.visible_to(request.user).filter(community=community)
        .order_by("door_sort")})


@login_required
@require_http_methods(["GET", "POST"])
def meal_edit(request, pk):
    plan = get_visible_or_404(MealPlan.objects.select_related("household__building"), request.user, pk=pk)
    community = plan.community
    answer = _meal_form(request, community, plan.household, plan)
    if not isinstance(answer, tuple):
        return answer
    return render(request, "supplies/meal_form.html", {"community": community, "household": plan.household,
                                                       "plan": plan, "values": answer[1]})


# --- medical errands -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def trips(request):
    """The medical errands of a day (who, what, where, when, who takes it, state) and the form
    that plans one or a recurring series (dialysis every two days) for a special-care person."""
    community = _community(request)
    day = parse_date(request.GET.get("day", "")) or timezone.localdate()
    plans = (CarePlan.objects.visible_to(request.user).filter(community=community)
             .select_related("person__household__building").order_by("person__name"))
    if request.method == "POST":
        plan = get_visible_or_404(CarePlan.objects.select_related("person"), request.user,
                                  pk=request.POST.get("plan") or 0, community=community)
        first = parse_date(request.POST.get("first_on", "")) or timezone.localdate()
        at = parse_time(request.POST.get("time", "") or "") if request.POST.get("time") else None
        taker = _user_in(community, request.POST.get("taker"))
        try:
            n = services.plan_trips(request.user, plan.person, first, request.POST.get("every_days", "1"),
                                    request.POST.get("times", "1"), request.POST.get("what", ""), at=at,
                                    taker=taker, kind=request.POST.get("kind", TripKind.ESCORT),
                                    where=request.POST.get("where", ""))
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(n)s trips planned for %(person)s.") % {"n": n, "person": plan.person.name})
        return redirect(f"{reverse('supplies_trips')}?community={community.pk}&day={first.isoformat()}")
    day_trips = (MedicalTrip.objects.visible_to(request.user).filter(community=community, on=day)
                 .select_related("person__household__building", "taker").order_by("time", "pk"))
    return render(request, "supplies/trips.html", {
        "community": community, "day": day, "trips": day_trips, "plans": plans, "kinds": TripKind.choices,
        "statuses": [c for c in TripStatus.choices if c[0] != TripStatus.PLANNED],
        "takers": _staff_users(community), "prev": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
        "can_plan": allowed(request.user, "supplies.plan_trip", community)})


@login_required
@require_POST
def trip_state(request, pk):
    trip = get_visible_or_404(MedicalTrip.objects.select_related("person"), request.user, pk=pk)
    back = f"{reverse('supplies_trips')}?community={trip.community_id}&day={trip.on.isoformat()}"
    try:
        services.set_trip_status(request.user, trip, request.POST.get("status", ""), request.POST.get("note", ""),
                                 whole_series=request.POST.get("series") == "1")
    except ServiceError as error:
        return _answer(request, back, error)
    return _answer(request, back, ok=_("%(what)s: %(state)s.") % {"what": trip.what,
                                                                  "state": trip.get_status_display()})


# --- care plans and counselling ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def care_edit(request, pk):
    plan = get_visible_or_404(CarePlan.objects.select_related("person__household__building", "answerable"),
                              request.user, pk=pk)
    users = _staff_users(plan.community)
    if request.method == "POST":
        kinds, texts = request.POST.getlist("item_kind"), request.POST.getlist("item_text")
        items = [(k, t.strip()) for k, t in zip(kinds, texts, strict=False) if t.strip()]
        try:
            if any(k not in PlanItemKind.values for k, _t in items):
                raise ServiceError(_("Choose the kind of each item."), code="bad_kind")
            answerable = _user_in(plan.community, request.POST.get("answerable"))
            services.update_care_plan(request.user, plan, needs=request.POST.get("needs", ""),
                                      answerable=answerable, every_days=request.POST.get("every_days", ""),
                                      items=items)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Care plan of %(person)s saved.") % {"person": plan.person.name})
            return redirect("supplies_care")
    cases = list(Counselling.objects.visible_to(request.user).filter(plan=plan).select_related("counsellor")
                 .prefetch_related("calls__by").order_by("-opened_at"))
    for case in cases:
        case.notes_shown = case.may_read_notes(request.user)
    return render(request, "supplies/care_edit.html", {
        "plan": plan, "users": users, "item_kinds": PlanItemKind.choices, "items": list(plan.items.all()),
        "blank_items": range(3), "cases": cases, "today": timezone.localdate(),
        "can_edit": allowed(request.user, "supplies.edit_care_plan", plan),
        "can_request": allowed(request.user, "supplies.request_counselling", plan),
        "can_route": allowed(request.user, "supplies.route_counselling", plan)})


@login_required
@require_POST
def care_counselling(request, pk):
    """Ask for a counsellor for this plan's person (the command post may name one at once)."""
    plan = get_visible_or_404(CarePlan.objects.select_related("person"), request.user, pk=pk)
    counsellor = _user_in(plan.community, request.POST.get("counsellor"))
    try:
        services.request_counselling(request.user, plan, request.POST.get("reason", ""),
                                     request.POST.get("every_days", "3"), counsellor)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Counselling asked for %(person)s.") % {"person": plan.person.name})
    return redirect("care_edit", plan.pk)


@login_required
@require_POST
def counselling_route(request, pk):
    case = get_visible_or_404(Counselling.objects.select_related("plan__person"), request.user, pk=pk)
    try:
        counsellor = _user_in(case.community, request.POST.get("counsellor"))
        if counsellor is None:
            raise ServiceError(_("Choose the counsellor."), code="no_counsellor", field="counsellor")
        services.route_counselling(request.user, case, counsellor)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Routed to %(name)s.") % {"name": counsellor.get_full_name() or counsellor})
    if request.POST.get("back") == "care":
        return redirect("supplies_care")
    return redirect("care_edit", case.plan_id)


@login_required
@require_POST
def counselling_call(request, pk):
    """A call made or tried, by the counsellor (or the command post)."""
    case = get_visible_or_404(Counselling.objects.select_related("plan__person"), request.user, pk=pk)
    try:
        services.record_counselling_call(request.user, case, request.POST.get("note", ""),
                                         reached=request.POST.get("reached", "1") == "1",
                                         close=request.POST.get("close") == "1")
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Call recorded; next due %(day)s.") % {"day": case.due_on})
    if request.POST.get("back") == "care":
        return redirect("supplies_care")
    return redirect("care_edit", case.plan_id)


# --- stations, group purchases, requests ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def station_new(request):
    community = _community(request)
    buildings = Building.objects.visible_to(request.user).filter(community=community).order_by("door_sort")
    chosen = {"name": "", "place": "", "buildings": set()}
    if request.method == "POST":
        picked = {int(v) for v in request.POST.getlist("buildings") if v.isdigit()}
        found = list(buildings.filter(pk__in=picked))
        chosen = {"name": request.POST.get("name", ""), "place": request.POST.get("place", ""), "buildings": picked}
        try:
            if len(found) != len(picked):
                raise ServiceError(_("A building chosen is not one you can see."), code="bad_building")
            if not found:
                raise ServiceError(_("Choose the buildings the station serves."), code="no_buildings")
            station = services.create_station(request.user, community, chosen["name"], found, chosen["place"])
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Station %(name)s set up.") % {"name": station.name})
            return redirect("station_detail", station.pk)
    return render(request, "supplies/station_new.html", {"community": community, "buildings": buildings,
                                                         "chosen": chosen})


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_new(request):
    """A group purchase: the supply point (or a new one), title, closing time, items and bundles."""
    community = _community(request)
    points = SupplyPoint.objects.visible_to(request.user).filter(community=community)
    values = {"title": "", "closes_at": "", "point": "", "new_point": "", "items": []}
    if request.method == "POST":
        names, units = request.POST.getlist("item_name"), request.POST.getlist("item_unit")
        prices, contents = request.POST.getlist("item_price"), request.POST.getlist("item_contents")
        rows = [(n.strip(), u.strip(), p.strip() or "x", c.strip())
                for n, u, p, c in zip(names, units, prices, contents, strict=False) if n.strip()]
        values = {"title": request.POST.get("title", ""), "closes_at": request.POST.get("closes_at", ""),
                  "point": request.POST.get("point", ""), "new_point": request.POST.get("new_point", "").strip(),
                  "items": rows}
        closes = parse_datetime(values["closes_at"])
        if closes is not None and timezone.is_naive(closes):
            closes = timezone.make_aware(closes)
        try:
            if values["new_point"]:
                point = None
            else:
                point = points.filter(pk=values["point"] if values["point"].isdigit() else 0).first()
                if point is None:
                    raise ServiceError(_("Choose the supply point, or name a new one."), code="no_point")
            if closes is None:
                raise ServiceError(_("Give the time orders close."), code="bad_closing", field="closes_at")
            from django.db import transaction

            with transaction.atomic():
                if point is None:
                    point = services.create_supply_point(request.user, community, values["new_point"])
                catalogue = services.open_catalogue(request.user, point, values["title"], closes, rows)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Group purchase %(title)s open.") % {"title": catalogue.title})
            return redirect("catalogue_detail", catalogue.pk)
    blank = max(0, 5 - len(values["items"]))
    return render(request, "supplies/catalogue_new.html", {
        "community": community, "points": points, "values": values, "blank": range(blank)})


@login_required
@require_http_methods(["GET", "POST"])
def request_cancel(request, pk):
    """Cancel one request not yet on its way, with the reason (audited)."""
    item = get_visible_or_404(Request.objects.select_related("household__building"), request.user, pk=pk)
    if request.method == "POST":
        try:
            services.cancel_request(request.user, item, request.POST.get("reason", ""))
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Request cancelled: %(what)s for %(door)s.") % {
                "what": item, "door": item.household})
            return redirect("supplies_building_requests", item.household.building_id)
    return render(request, "supplies/request_cancel.html", {
        "item": item, "can_cancel": allowed(request.user, "supplies.cancel_request", item)})

