"""The rules of supplies and care. Views, the API and the demo call these functions; each one
that changes something calls ``require`` first and writes its audit entry in the same
transaction. Refusals are ServiceErrors with a machine code (``bad_quantity``,
``catalogue_closed``, ``stock_below_zero``, ``not_your_run``, ``not_on_run``, ``bad_state``).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actions import NotAllowed, require
from fangkong.core.errors import ServiceError
from fangkong.core.fieldtime import trusted_time
from fangkong.core.models import AuditAction, Building, Community, Household, Person, PersonTag, Role
from fangkong.core.scope import has_role
from fangkong.core.services import audit

from . import actions
from .models import (
    OPEN_STATUSES,
    CareContact,
    CarePlan,
    CarePlanItem,
    Catalogue,
    CatalogueItem,
    Counselling,
    CounsellingCall,
    Cutoff,
    CutoffLine,
    DeliveryRun,
    Donation,
    GroupOrder,
    GroupOrderLine,
    Handover,
    Kind,
    MealDelivery,
    MealPlan,
    MedicalTrip,
    Outcome,
    Request,
    Settings,
    Status,
    StockItem,
    StockMove,
    SupplyPoint,
    TransferStation,
    TripKind,
    TripStatus,
    Urgency,
)

DEFAULT_CUTOFFS = (dt.time(12, 0), dt.time(18, 0))
# How often a special-care person is contacted unless their plan says otherwise: daily for the
# ones who cannot fetch anything themselves or whose treatment cannot wait, every three days
# for the rest.
DAILY_TAGS = {"elderly_alone", "bedridden", "dialysis", "infant", "pregnant"}
DEFAULT_EVERY_DAYS = 3


def _local_day_bounds(day: dt.date):
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


# --- requests ----------------------------------------------------------------------------------


@dataclass
class RequestRow:
    household: Household
    kind: str
    quantity: object = 1
    item: str = ""
    urgency: int = Urgency.NORMAL
    notes: str = ""
    for_person: Person | None = None
    client_id: str = ""


# A household asks for a few of something; a donation brings thousands (5,000 斤 of rice).
MOST_PER_REQUEST = 999
MOST_PER_DONATION = 10_000_000


def _quantity(value, where: str, most: int = MOST_PER_REQUEST) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or number < 1 or number > most:
        raise ServiceError(_("%(where)s: the quantity must be a whole number from 1 to %(most)s.") % {
            "where": where, "most": most}, code="bad_quantity", field="quantity")
    return number


def enter_requests(actor, building: Building, rows: list[RequestRow]) -> list[Request]:
    """A building leader enters the requests of several households of one building at once.

    Everything is checked before anything is written: one bad row refuses the lot, with the
    door it is about. A row whose client id is already stored is skipped (sent twice)."""
    require(actor, actions.ENTER_REQUEST, building)
    if not rows:
        raise ServiceError(_("Tick at least one household."), code="no_households")
    checked = []
    for row in rows:
        where = str(row.household)
        if row.household.building_id != building.pk:
            raise ServiceError(_("%(where)s is not in this building.") % {"where": where}, code="wrong_building")
        if row.kind not in Kind.values:
            raise ServiceError(_("%(where)s: choose what is needed.") % {"where": where}, code="bad_kind", field="kind")
        if int(row.urgency) not in Urgency.values:
            raise ServiceError(_("%(where)s: unknown urgency.") % {"where": where}, code="bad_urgency")
        if row.for_person is not None and row.for_person.household_id != row.household.pk:
            raise ServiceError(_("%(where)s: that person does not live here.") % {"where": where}, code="bad_person")
        checked.append((row, _quantity(row.quantity, where)))
    client_ids = [row.client_id for row, _q in checked if row.client_id]
    seen = set(Request.objects.filter(community_id=building.community_id, client_id__in=client_ids)
               .values_list("client_id", flat=True))
    now = timezone.now()
    created = []
    with transaction.atomic():
        for row, quantity in checked:
            if row.client_id and row.client_id in seen:
                continue
            seen.add(row.client_id)
            request = Request.objects.create(
                community_id=building.community_id, household=row.household, kind=row.kind,
                item=row.item.strip()[:100], quantity=quantity, urgency=int(row.urgency),
                notes=row.notes.strip()[:300], for_person=row.for_person, asked_by=actor, asked_at=now,
                client_id=row.client_id[:64])
            audit(actor, AuditAction.CREATE, request, community=building.community,
                  changes={"kind": ["", row.kind], "quantity": ["", str(quantity)],
                           "household": ["", str(row.household)]})
            created.append(request)
    return created


def cancel_request(actor, request: Request, reason: str = "") -> Request:
    """A request not yet on its way, cancelled with the reason (the household found it
    elsewhere, entered twice...), kept on the request and in the audit log."""
    require(actor, actions.CANCEL_REQUEST, request)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say why the request is cancelled."), code="no_reason", field="reason")
    if request.status not in (Status.ASKED, Status.ORDERED):
        raise ServiceError(_("Only a request not yet on its way can be cancelled."), code="bad_state")
    with transaction.atomic():
        before = request.status
        request.status, request.done_by, request.done_at = Status.CANCELLED, actor, timezone.now()
        request.cancel_reason = reason[:200]
        request.save(update_fields=["status", "done_by", "done_at", "cancel_reason"])
        audit(actor, AuditAction.CHANGE, request, changes={"status": [before, Status.CANCELLED],
                                                           "reason": ["", request.cancel_reason]})
    return request


def cutoff_times(community: Community) -> list[dt.time]:
    settings = Settings.objects.filter(community=community).first()
    if settings is None:
        return list(DEFAULT_CUTOFFS)
    times = []
    for part in settings.cutoffs.split(","):
        try:
            times.append(dt.time.fromisoformat(part.strip()))
        except ValueError:
            continue
    return sorted(times) or list(DEFAULT_CUTOFFS)


def delivery_hours(community: Community) -> int:
    settings = Settings.objects.filter(community=community).first()
    return settings.delivery_hours if settings else 3


def next_cutoff(community: Community, now=None) -> dt.datetime:
    """The next cut-off after ``now`` (today's, or tomorrow's first)."""
    now = timezone.localtime(now or timezone.now())
    times = cutoff_times(community)
    for time in times:
        at = timezone.make_aware(dt.datetime.combine(now.date(), time))
        if at > now:
            return at
    return timezone.make_aware(dt.datetime.combine(now.date() + dt.timedelta(days=1), times[0]))


def run_cutoff(actor, community: Community, at=None) -> Cutoff:
    """Collect the open requests (12:00, 18:00): asked -> ordered, summed per building, item and
    supply point, each household told when to expect its goods.

    Step 1: one UPDATE marks every request still "asked" as ordered by this cut-off.
    Step 2: one INSERT ... SELECT ... GROUP BY sums them per building, kind, item and supply point
    into CutoffLine.
    Step 3: one aggregate counts requests and households for the cut-off's header.
    The cost does not grow in queries with the number of requests (benchmarks/supplies_cutoff.py)."""
    require(actor, actions.RUN_CUTOFF, community)
    at = at or timezone.now()
    expected = at + dt.timedelta(hours=delivery_hours(community))
    with transaction.atomic():
        cutoff = Cutoff.objects.create(community=community, at=at, by=actor, expected_at=expected)
        Request.objects.filter(community=community, status=Status.ASKED).update(
            status=Status.ORDERED, ordered_by=actor, ordered_at=at, cutoff=cutoff, expected_at=expected)
        ordered = Request.objects.filter(cutoff=cutoff)
        _insert_lines(cutoff)
        counts = ordered.aggregate(n=Count("id"), households=Count("household_id", distinct=True))
        cutoff.n_requests, cutoff.n_households = counts["n"], counts["households"]
        cutoff.save(update_fields=["n_requests", "n_households"])
        audit(actor, AuditAction.CREATE, cutoff, community=community,
              changes={"requests": ["", str(cutoff.n_requests)], "households": ["", str(cutoff.n_households)]})
    return cutoff


def _insert_lines(cutoff: Cutoff) -> None:
    """The GROUP BY of the cut-off's requests written straight into its lines: one INSERT ...
    SELECT, whatever the number of buildings and items (no rows through Python, no batches)."""
    quote = connection.ops.quote_name
    line, request, household = CutoffLine._meta.db_table, Request._meta.db_table, Household._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(line)} (cutoff_id, building_id, kind, item, supply_point_id, quantity, n_requests) "
            f"SELECT %s, h.building_id, r.kind, r.item, r.supply_point_id, SUM(r.quantity), COUNT(*) "
            f"FROM {quote(request)} r JOIN {quote(household)} h ON h.id = r.household_id "
            f"WHERE r.cutoff_id = %s GROUP BY h.building_id, r.kind, r.item, r.supply_point_id",
            [cutoff.pk, cutoff.pk])


def cutoff_sums(cutoff: Cutoff) -> dict:
    """The cut-off per building, per item and per supply point: three GROUP BYs over its lines."""
    lines = CutoffLine.objects.filter(cutoff=cutoff).order_by()
    per_building = list(lines.values("building__door_number", "building__door_sort")
                        .annotate(quantity=Sum("quantity"), n=Sum("n_requests")).order_by("building__door_sort"))
    per_item = list(lines.values("kind", "item").annotate(quantity=Sum("quantity"), n=Sum("n_requests"))
                    .order_by("kind", "item"))
    kinds = dict(Kind.choices)
    for row in per_item:
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
    per_point = list(lines.values("supply_point__name").annotate(quantity=Sum("quantity"), n=Sum("n_requests"))
                     .order_by("supply_point__name"))
    return {"per_building": per_building, "per_item": per_item, "per_supply_point": per_point}


# --- stations, runs and the door -----------------------------------------------------------------


def create_station(actor, community: Community, name: str, buildings, place: str = "") -> TransferStation:
    require(actor, actions.MANAGE_DELIVERY, community)
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the station a name."), code="no_name", field="name")
    buildings = list(buildings)
    if any(b.community_id != community.pk for b in buildings):
        raise ServiceError(_("A station serves buildings of its own community only."), code="wrong_community")
    with transaction.atomic():
        station = TransferStation.objects.create(community=community, name=name[:100], place=place[:200])
        station.buildings.set(buildings)
        audit(actor, AuditAction.CREATE, station, community=community)
    return station


def plan_run(actor, station: TransferStation, volunteer, departs_at, cart: str = "") -> DeliveryRun:
    """A run takes every ordered request of the station's buildings that is on no run yet."""
    require(actor, actions.MANAGE_DELIVERY, station)
    if not has_role(volunteer, Role.DELIVERY_VOLUNTEER, Role.COMMAND_POST, community_id=station.community_id):
        raise ServiceError(_("%(name)s is not a delivery volunteer of this community.") % {"name": volunteer},
                           code="not_a_volunteer", field="volunteer")
    with transaction.atomic():
        run = DeliveryRun.objects.create(community_id=station.community_id, station=station, cart=cart[:50],
                                         departs_at=departs_at, volunteer=volunteer, created_by=actor)
        taken = Request.objects.filter(
            community_id=station.community_id, status=Status.ORDERED, run__isnull=True,
            household__building__in=station.buildings.all(),
        ).update(run=run, status=Status.OUT, out_by=volunteer, out_at=timezone.now())
        audit(actor, AuditAction.CREATE, run, community=station.community, changes={"requests": ["", str(taken)]})
    return run


@dataclass
class Door:
    household: Household
    items: list = field(default_factory=list)
    outcome: str = ""
    urgency: int = Urgency.NORMAL
    # "蔬菜包 ×2; 液化气 15kg ×1": the items as one line, composed once in Python (the page of
    # 500 doors spent most of its time resolving each item's label in the template).
    text: str = ""

    @property
    def building(self):
        return self.household.building

    @property
    def floor(self):
        return self.household.floor


DOOR_FIELDS = ("id", "community_id", "household_id", "run_id", "kind", "item", "quantity", "urgency", "status",
               "failure", "household__id", "household__community_id", "household__building_id", "household__floor",
               "household__room", "household__room_sort", "household__building__id",
               "household__building__community_id", "household__building__door_number",
               "household__building__door_sort")


def doors(requests) -> list[Door]:
    """Requests as doors in walking order: building by door_sort, then room by room_sort.
    One query (the requests with their household and building)."""
    found: dict[int, Door] = {}
    labels = {value: str(label) for value, label in Kind.choices}
    # Only the columns a door shows: a page of 500 doors spent a third of its time building
    # whole Request, Household and Building objects (cProfile: Model.__init__ and from_db).
    rows = (requests.select_related("household__building")
            .only(*DOOR_FIELDS)
            .order_by("household__building__door_sort", "household__floor", "household__room_sort", "urgency", "pk"))
    for request in rows:
        door = found.get(request.household_id)
        if door is None:
            door = found[request.household_id] = Door(request.household, urgency=request.urgency)
        door.items.append(request)
        door.urgency = min(door.urgency, request.urgency)
        part = f"{labels[request.kind]}{' ' + request.item if request.item else ''} ×{request.quantity}"
        door.text = f"{door.text}; {part}" if door.text else part
        if request.status == Status.DELIVERED:
            door.outcome = Outcome.DELIVERED
        elif request.status == Status.FAILED and door.outcome != Outcome.DELIVERED:
            door.outcome = request.failure
    return list(found.values())


def station_pick_list(user, station: TransferStation) -> list[Door]:
    """What goes to the station's doors: ordered or out, not yet handed over."""
    requests = Request.objects.visible_to(user).filter(
        community_id=station.community_id, status__in=(Status.ORDERED, Status.OUT),
        household__building__in=station.buildings.all())
    return doors(requests)


def run_doors(user, run: DeliveryRun) -> list[Door]:
    return doors(Request.objects.visible_to(user).filter(run=run))


def by_floor(door_list: list[Door]) -> list[tuple]:
    """[(building, [(floor, [doors])])] for the volunteer's page."""
    grouped: list = []
    for door in door_list:
        if not grouped or grouped[-1][0].pk != door.building.pk:
            grouped.append((door.building, []))
        floors = grouped[-1][1]
        if not floors or floors[-1][0] != door.floor:
            floors.append((door.floor, []))
        floors[-1][1].append(door)
    return grouped


def record_handover(actor, run: DeliveryRun, household: Household, outcome: str, client_id: str, *, at=None,
                    now=None):
    """One hand-over at one door; returns (handover, created). The same client id twice is the
    first hand-over again, with nothing changed. ``at`` is the phone's time of the tap (a queue
    sent later is dated when the door was reached, within core.fieldtime's window)."""
    require(actor, actions.RECORD_HANDOVER, run)
    if run.volunteer_id != actor.pk and not has_role(actor, Role.COMMAND_POST, community_id=run.community_id):
        raise NotAllowed(_("This is another volunteer's run."), actions.RECORD_HANDOVER)
    client_id = (client_id or "").strip()[:64]
    if not client_id:
        raise ServiceError(_("The hand-over has no client id; reload the page."), code="no_client_id")
    if outcome not in Outcome.values:
        raise ServiceError(_("Unknown outcome."), code="bad_outcome", field="outcome")
    existing = Handover.objects.filter(community_id=run.community_id, client_id=client_id).first()
    if existing:
        return existing, False
    on_run = Request.objects.filter(run=run, household=household)
    if not on_run.exists():
        raise ServiceError(_("%(door)s is not on this run.") % {"door": household}, code="not_on_run")
    now = trusted_time(at, now or timezone.now())
    try:
        with transaction.atomic():
            handover = Handover.objects.create(community_id=run.community_id, run=run, household=household,
                                               outcome=outcome, client_id=client_id, by=actor, at=now)
            pending = on_run.filter(status__in=(Status.OUT, Status.FAILED))
            if outcome == Outcome.DELIVERED:
                pending.update(status=Status.DELIVERED, failure="", done_by=actor, done_at=now)
            else:
                pending.update(status=Status.FAILED, failure=outcome, done_by=actor, done_at=now)
            audit(actor, AuditAction.CREATE, handover, community=run.community,
                  changes={"door": ["", str(household)], "outcome": ["", outcome]})
    except IntegrityError:
        # The same send arriving twice at once: the other one wrote it.
        return Handover.objects.get(community_id=run.community_id, client_id=client_id), False
    return handover, True


# --- group purchases ---------------------------------------------------------------------------


def open_catalogue(actor, supply_point: SupplyPoint, title: str, closes_at, items) -> Catalogue:
    """items: (name, unit, price, contents) tuples; a bundle ("35元爱心菜") lists its contents."""
    require(actor, actions.MANAGE_CATALOGUE, supply_point)
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Give the group purchase a title."), code="no_title", field="title")
    if closes_at is None or closes_at <= timezone.now():
        raise ServiceError(_("Orders must close at a time still to come."), code="bad_closing", field="closes_at")
    rows = []
    for name, unit, price, contents in items:
        try:
            price = Decimal(str(price))
        except ArithmeticError:
            price = Decimal(-1)
        if price < 0:
            raise ServiceError(_("%(item)s: the price must be a number, 0 or more.") % {"item": name}, code="bad_price")
        if not name.strip():
            continue
        rows.append(CatalogueItem(name=name[:100], unit=unit[:20] or "份", price=price, contents=contents[:300]))
    if not rows:
        raise ServiceError(_("A group purchase needs at least one item."), code="no_items")
    with transaction.atomic():
        catalogue = Catalogue.objects.create(community_id=supply_point.community_id, supply_point=supply_point,
                                             title=title[:100], closes_at=closes_at)
        for row in rows:
            row.catalogue = catalogue
        CatalogueItem.objects.bulk_create(rows)
        audit(actor, AuditAction.CREATE, catalogue, community=supply_point.community)
    return catalogue


def create_supply_point(actor, community: Community, name: str, contact: str = "") -> SupplyPoint:
    require(actor, actions.MANAGE_CATALOGUE, community)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Give the supply point a name."), code="no_name", field="name")
    with transaction.atomic():
        point = SupplyPoint.objects.create(community=community, name=name[:100], contact=(contact or "").strip()[:100])
        audit(actor, AuditAction.CREATE, point, community=community)
    return point


def place_order(actor, catalogue: Catalogue, household: Household, quantities: dict, now=None) -> GroupOrder:
    """A household's order (replacing its earlier one) while the catalogue is open."""
    require(actor, actions.PLACE_ORDER, household)
    now = now or timezone.now()
    if now >= catalogue.closes_at:
        raise ServiceError(_("Orders for %(title)s closed at %(time)s.") % {
            "title": catalogue.title, "time": timezone.localtime(catalogue.closes_at).strftime("%m-%d %H:%M")},
            code="catalogue_closed")
    if household.community_id != catalogue.community_id:
        raise ServiceError(_("This household is not in the catalogue's community."), code="wrong_community")
    items = {item.pk: item for item in catalogue.items.all()}
    lines = []
    for key, value in quantities.items():
        item = items.get(int(key))
        if item is None:
            raise ServiceError(_("That item is not in this group purchase."), code="bad_item")
        if str(value).strip() in ("", "0"):
            continue
        lines.append(GroupOrderLine(item=item, quantity=_quantity(value, item.name), price=item.price))
    if not lines:
        raise ServiceError(_("Order at least one item."), code="empty_order")
    with transaction.atomic():
        order, _created = GroupOrder.objects.get_or_create(
            catalogue=catalogue, household=household,
            defaults={"community_id": catalogue.community_id, "placed_by": actor, "placed_at": now})
        order.lines.all().delete()
        for line in lines:
            line.order = order
        GroupOrderLine.objects.bulk_create(lines)
        order.amount = sum((line.price * line.quantity for line in lines), Decimal(0))
        order.placed_by, order.placed_at = actor, now
        order.save(update_fields=["amount", "placed_by", "placed_at"])
        audit(actor, AuditAction.CREATE, order, community=catalogue.community,
              changes={"household": ["", str(household)], "amount": ["", str(order.amount)]})
    return order


def set_paid(actor, order: GroupOrder, paid: bool) -> GroupOrder:
    require(actor, actions.RECORD_PAYMENT, order)
    with transaction.atomic():
        order.paid = bool(paid)
        order.save(update_fields=["paid"])
        audit(actor, AuditAction.CHANGE, order, changes={"paid": [str(not paid), str(bool(paid))]})
    return order


def order_totals(catalogue: Catalogue) -> list[dict]:
    """Per item: quantity and amount over all households (the supplier's order sheet)."""
    return list(GroupOrderLine.objects.filter(order__catalogue=catalogue)
                .values("item__name", "item__unit", "price")
                .annotate(ordered=Sum("quantity"), amount=Sum(F("quantity") * F("price")))
                .order_by("item__pk"))


# --- stock -------------------------------------------------------------------------------------


def receive_donation(actor, community: Community, donor: str, goods, money=0, note="") -> Donation:
    """goods: (stock item, quantity) pairs received into the store with this donation."""
    require(actor, actions.MOVE_STOCK, community)
    if not donor.strip():
        raise ServiceError(_("Name the donor."), code="no_donor", field="donor")
    try:
        money = Decimal(str(money or 0).strip() or 0)
    except ArithmeticError:
        money = Decimal(-1)
    if money < 0 or money >= Decimal(10) ** 10:
        raise ServiceError(_("The money must be a number of yuan, 0 or more."), code="bad_money", field="money")
    goods = [(item, _quantity(quantity, item.name, MOST_PER_DONATION)) for item, quantity in goods]
    if not goods and not money:
        raise ServiceError(_("A donation brings money or goods."), code="empty_donation")
    if any(item.community_id != community.pk or item.station_id for item, _q in goods):
        raise ServiceError(_("Donations go into the community's store."), code="wrong_store")
    with transaction.atomic():
        donation = Donation.objects.create(community=community, donor=donor.strip()[:100], money=money,
                                           note=(note or "")[:300])
        for item, quantity in goods:
            move_stock(actor, item, quantity, donation=donation)
        audit(actor, AuditAction.CREATE, donation, community=community)
    return donation


def move_stock(actor, item: StockItem, delta: int, to_whom: str = "", donation=None) -> StockMove:
    """Stock in (+) or out (-). Never below zero: one conditional UPDATE, refused when it would."""
    require(actor, actions.MOVE_STOCK, item)
    try:
        delta = int(delta)
    except (TypeError, ValueError):
        delta = 0
    if delta == 0:
        raise ServiceError(_("Give a quantity in (+) or out (-), not 0."), code="bad_quantity", field="delta")
    with transaction.atomic():
        changed = StockItem.objects.filter(pk=item.pk, quantity__gte=-delta).update(quantity=F("quantity") + delta)
        if not changed:
            item.refresh_from_db(fields=["quantity"])
            raise ServiceError(_("Only %(left)s %(unit)s of %(item)s in stock: %(out)s cannot go out.") % {
                "left": item.quantity, "unit": item.unit, "item": item.name, "out": -delta},
                code="stock_below_zero", field="delta")
        move = StockMove.objects.create(community_id=item.community_id, item=item, delta=delta,
                                        to_whom=to_whom[:100], donation=donation, by=actor)
        audit(actor, AuditAction.CHANGE, item, changes={"quantity": ["", f"{delta:+d}"]})
    item.refresh_from_db(fields=["quantity"])
    return move


def add_stock_item(actor, community: Community, name: str, unit: str, low_at=0) -> StockItem:
    """A new item of the store (its stock comes with donations and moves)."""
    require(actor, actions.MOVE_STOCK, community)
    name, unit = (name or "").strip(), (unit or "").strip()
    if not name or not unit:
        raise ServiceError(_("Give the item's name and unit."), code="no_name", field="name")
    try:
        low_at = int(str(low_at or 0).strip() or 0)
    except ValueError:
        low_at = -1
    if low_at < 0:
        raise ServiceError(_("The alert level is a whole number, 0 or more."), code="bad_quantity", field="low_at")
    if StockItem.objects.filter(community=community, station__isnull=True, name=name[:100]).exists():
        raise ServiceError(_("%(item)s is already in the store.") % {"item": name}, code="duplicate", field="name")
    with transaction.atomic():
        item = StockItem.objects.create(community=community, name=name[:100], unit=unit[:20], low_at=low_at)
        audit(actor, AuditAction.CREATE, item, community=community)
    return item


def send_to_station(actor, item: StockItem, station: TransferStation, quantity) -> StockItem:
    """Stock out of the store and into a transfer station's stock of the same item (made on
    the first send): two conditional UPDATEs and their two moves, one transaction."""
    require(actor, actions.MOVE_STOCK, station)
    if item.station_id or item.community_id != station.community_id:
        raise ServiceError(_("Stock goes to a station from the community's store."), code="wrong_store")
    quantity = _quantity(quantity, item.name, MOST_PER_DONATION)
    with transaction.atomic():
        at_station, _created = StockItem.objects.get_or_create(
            community_id=item.community_id, station=station, name=item.name,
            defaults={"unit": item.unit, "low_at": 0})
        move_stock(actor, item, -quantity, to_whom=station.name)
        move_stock(actor, at_station, quantity, to_whom=station.name)
    at_station.refresh_from_db(fields=["quantity"])
    return at_station


def stock_by_place(user, community) -> list[tuple]:
    """[(station or None for the store, [items])]: one read, in the store first, then the
    stations by name."""
    places: dict = {}
    for item in (StockItem.objects.visible_to(user).filter(community=community).select_related("station")
                 .order_by(F("station__name").asc(nulls_first=True), "name")):
        places.setdefault(item.station_id, (item.station, []))[1].append(item)
    return list(places.values())


def donation_list(user, community):
    """Donations with what came in with each (its moves), newest first: two reads."""
    return (Donation.objects.visible_to(user).filter(community=community)
            .prefetch_related("moves__item").order_by("-received_on", "-pk"))


def low_stock(community) -> list[StockItem]:
    return list(StockItem.objects.filter(community=community, quantity__lte=F("low_at")))


# --- free meals --------------------------------------------------------------------------------


def record_meals(actor, plan: MealPlan, on: dt.date, slot: str, count: int | None = None) -> MealDelivery:
    """The meals of one slot handed over; recording the same slot again corrects its count."""
    require(actor, actions.MANAGE_MEALS, plan)
    count = plan.count if count is None else _quantity(count, str(plan.household))
    with transaction.atomic():
        delivery, _created = MealDelivery.objects.update_or_create(
            plan=plan, on=on, slot=slot[:5], defaults={"community_id": plan.community_id, "count": count, "by": actor})
        audit(actor, AuditAction.CREATE, plan, changes={"meals": ["", f"{on} {slot} ×{count}"]})
    return delivery


MEAL_TIMES_HELP = "11:30,17:20"


def _meal_times(times: str) -> str:
    parts = []
    for part in (times or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            parts.append(dt.time.fromisoformat(part).strftime("%H:%M"))
        except ValueError:
            raise ServiceError(_("%(part)s is not a time of day (like 11:30).") % {"part": part},
                               code="bad_time", field="times") from None
    if not parts:
        raise ServiceError(_("Give at least one meal time (like 11:30)."), code="bad_time", field="times")
    return ",".join(sorted(set(parts)))[:50]


def save_meal_plan(actor, household: Household, count, diet: str = "", times: str = MEAL_TIMES_HELP,
                   active: bool = True, plan: MealPlan | None = None) -> MealPlan:
    """A household that gets free meals (爱心餐): how many per meal, dietary notes (no
    seasoning), the times they are carried; ``plan`` given: that plan changed."""
    require(actor, actions.PLAN_MEALS, plan or household)
    count = _quantity(count, str(household), 20)
    times = _meal_times(times)
    if plan is None and MealPlan.objects.filter(household=household, active=True).exists():
        raise ServiceError(_("%(door)s already gets meals; change its plan.") % {"door": household},
                           code="duplicate")
    with transaction.atomic():
        if plan is None:
            plan = MealPlan(community_id=household.community_id, household=household)
        plan.count, plan.diet, plan.times, plan.active = count, (diet or "").strip()[:200], times, bool(active)
        created = plan.pk is None
        plan.save()
        audit(actor, AuditAction.CREATE if created else AuditAction.CHANGE, plan, community=household.community,
              changes={"meals": ["", f"×{count} {times}"], "active": ["", str(bool(active))]})
    return plan


def meal_day(user, community, day: dt.date) -> list[dict]:
    """The day's meal list: every active plan with its slots and what was delivered in each.
    Two reads (the plans, the day's deliveries), whatever the number of households."""
    plans = list(MealPlan.objects.visible_to(user).filter(community=community, active=True)
                 .select_related("household__building")
                 .order_by("household__building__door_sort", "household__room_sort"))
    delivered = {(d.plan_id, d.slot): d for d in MealDelivery.objects.filter(plan__in=[p.pk for p in plans], on=day)}
    rows = []
    for plan in plans:
        slots = [{"slot": slot, "delivery": delivered.get((plan.pk, slot))} for slot in plan.times.split(",") if slot]
        rows.append({"plan": plan, "slots": slots})
    return rows


# --- special care ------------------------------------------------------------------------------


def ensure_care_plans(actor, community: Community, today=None) -> int:
    """A plan for every person with a care tag who has none yet, due today; returns how many.
    Set-based: one read of the tagged persons without a plan, one bulk insert."""
    require(actor, actions.EDIT_CARE_PLAN, community)
    today = today or timezone.localdate()
    tags: dict[int, set] = {}
    for person_id, tag in (PersonTag.objects.filter(person__community=community, person__care_plan__isnull=True)
                           .values_list("person_id", "tag")):
        tags.setdefault(person_id, set()).add(tag)
    plans = [CarePlan(community=community, person_id=person_id, due_on=today,
                      every_days=1 if person_tags & DAILY_TAGS else DEFAULT_EVERY_DAYS)
             for person_id, person_tags in tags.items()]
    with transaction.atomic():
        CarePlan.objects.bulk_create(plans, batch_size=500)
        if plans:
            audit(actor, AuditAction.CREATE, community, community=community,
                  changes={"care_plans": ["", str(len(plans))]})
    return len(plans)


def update_care_plan(actor, plan: CarePlan, *, needs=None, answerable=None, every_days=None, items=None) -> CarePlan:
    require(actor, actions.EDIT_CARE_PLAN, plan)
    if every_days is not None:
        try:
            every_days = int(every_days)
        except (TypeError, ValueError):
            every_days = 0
        if not 1 <= every_days <= 90:
            raise ServiceError(_("Contact every 1 to 90 days."), code="bad_frequency", field="every_days")
    with transaction.atomic():
        if needs is not None:
            plan.needs = needs[:300]
        if answerable is not None:
            plan.answerable = answerable
        if every_days is not None:
            plan.every_days = every_days
            if plan.last_contact_at:
                plan.due_on = timezone.localdate(plan.last_contact_at) + dt.timedelta(days=every_days)
        plan.save()
        if items is not None:
            plan.items.all().delete()
            CarePlanItem.objects.bulk_create([CarePlanItem(plan=plan, kind=kind, text=text[:200])
                                              for kind, text in items if text.strip()])
        audit(actor, AuditAction.CHANGE, plan, person=plan.person)
    return plan


def record_contact(actor, plan: CarePlan, note: str = "", at=None) -> CareContact:
    """A call or visit: the plan's next contact falls due ``every_days`` later."""
    require(actor, actions.RECORD_CONTACT, plan)
    at = at or timezone.now()
    with transaction.atomic():
        contact = CareContact.objects.create(community_id=plan.community_id, plan=plan, at=at, by=actor,
                                             note=note[:300])
        plan.last_contact_at = at
        plan.due_on = timezone.localdate(at) + dt.timedelta(days=plan.every_days)
        plan.save(update_fields=["last_contact_at", "due_on"])
        audit(actor, AuditAction.CREATE, contact, community=plan.community, person=plan.person)
    return contact


def care_due(user, community, today=None):
    """Who was not contacted when due: plans whose next contact is today or earlier."""
    today = today or timezone.localdate()
    return (CarePlan.objects.visible_to(user).filter(community=community, due_on__lte=today)
            .select_related("person__household__building", "answerable").order_by("due_on", "pk"))


def plan_trips(actor, person: Person, first_on: dt.date, every_days: int, times: int, what: str,
               at: dt.time | None = None, taker=None, kind: str = TripKind.ESCORT, where: str = "") -> int:
    """A recurring medical errand (dialysis every two days) written out as its occurrences."""
    require(actor, actions.PLAN_TRIP, person)
    try:
        every_days, times = int(every_days), int(times)
    except (TypeError, ValueError):
        every_days = times = 0
    if not 1 <= every_days <= 30 or not 1 <= times <= 60:
        raise ServiceError(_("Every 1 to 30 days, 1 to 60 times."), code="bad_frequency", field="times")
    if kind not in TripKind.values:
        raise ServiceError(_("Choose the kind of errand."), code="bad_kind", field="kind")
    what = (what or "").strip()
    if not what:
        raise ServiceError(_("Say what the errand is."), code="no_what", field="what")
    series = f"{person.pk}-{first_on:%Y%m%d}-{timezone.now():%H%M%S%f}"
    with transaction.atomic():
        trips = MedicalTrip.objects.bulk_create([
            MedicalTrip(community_id=person.community_id, person=person, kind=kind,
                        on=first_on + dt.timedelta(days=k * every_days), time=at,
                        what=what[:200], where=(where or "").strip()[:200], taker=taker, series=series)
            for k in range(times)])
        audit(actor, AuditAction.CREATE, trips[0], community=person.community, person=person,
              changes={"medical_trips": ["", f"{what} ×{times}"], "series": ["", series]})
    return times


def set_trip_status(actor, trip: MedicalTrip, status: str, note: str = "", whole_series: bool = False) -> int:
    """A trip done, missed or cancelled (with the rest of its series still planned, when asked);
    returns how many trips changed. One UPDATE."""
    require(actor, actions.PLAN_TRIP, trip)
    if status not in TripStatus.values:
        raise ServiceError(_("Unknown state."), code="bad_state", field="status")
    if status in (TripStatus.MISSED, TripStatus.CANCELLED) and not (note or "").strip():
        raise ServiceError(_("Say why."), code="no_reason", field="note")
    rows = MedicalTrip.objects.filter(pk=trip.pk)
    if whole_series and trip.series and status == TripStatus.CANCELLED:
        rows = MedicalTrip.objects.filter(Q(pk=trip.pk) | Q(series=trip.series, on__gte=trip.on,
                                                             status=TripStatus.PLANNED),
                                          community_id=trip.community_id)
    with transaction.atomic():
        changed = rows.update(status=status, status_note=(note or "").strip()[:200], status_by=actor,
                              status_at=timezone.now())
        audit(actor, AuditAction.CHANGE, trip, person=trip.person,
              changes={"status": [trip.status, status], "trips": ["", str(changed)]})
    trip.refresh_from_db()
    return changed


# --- counselling ---------------------------------------------------------------------------------


def _days(value, most: int, code="bad_frequency") -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= most:
        raise ServiceError(_("Call every 1 to %(most)s days.") % {"most": most}, code=code, field="every_days")
    return number


def _counsellor_ok(counsellor, community_id):
    if counsellor is not None and not has_role(counsellor, *Role.values, community_id=community_id):
        raise ServiceError(_("%(name)s has no role in this community.") % {"name": counsellor},
                           code="not_a_counsellor", field="counsellor")


def request_counselling(actor, plan: CarePlan, reason: str, every_days=3, counsellor=None, today=None) -> Counselling:
    """A request for a counsellor (温暖你我·公益心理) for a special-care person: the first call
    is due today. Only the command post routes it to a counsellor (now or later)."""
    require(actor, actions.REQUEST_COUNSELLING, plan)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say why a counsellor is needed."), code="no_reason", field="reason")
    every_days = _days(every_days, 30)
    if counsellor is not None:
        require(actor, actions.ROUTE_COUNSELLING, plan)
        _counsellor_ok(counsellor, plan.community_id)
    if Counselling.objects.filter(plan=plan, closed_at__isnull=True).exists():
        raise ServiceError(_("%(person)s already has open counselling.") % {"person": plan.person},
                           code="already_open")
    with transaction.atomic():
        case = Counselling.objects.create(community_id=plan.community_id, plan=plan, reason=reason[:300],
                                          counsellor=counsellor, every_days=every_days,
                                          due_on=today or timezone.localdate(), opened_by=actor)
        # The reason is health data: the audit log says that a case was opened, not why.
        audit(actor, AuditAction.CREATE, case, community=plan.community, person=plan.person)
    return case


def route_counselling(actor, case: Counselling, counsellor) -> Counselling:
    require(actor, actions.ROUTE_COUNSELLING, case)
    _counsellor_ok(counsellor, case.community_id)
    with transaction.atomic():
        before = case.counsellor_id
        case.counsellor = counsellor
        case.save(update_fields=["counsellor"])
        audit(actor, AuditAction.CHANGE, case, person=case.plan.person,
              changes={"counsellor": [str(before or ""), str(counsellor.pk if counsellor else "")]})
    return case


def record_counselling_call(actor, case: Counselling, note: str = "", reached: bool = True, at=None,
                            close: bool = False) -> CounsellingCall:
    """A call made (or tried: not reached) by the counsellor; the next falls due ``every_days``
    later, or tomorrow when the person was not reached. ``close`` ends the case."""
    require(actor, actions.RECORD_COUNSELLING_CALL, case)
    if actor.pk != case.counsellor_id and not has_role(actor, Role.COMMAND_POST, community_id=case.community_id):
        raise NotAllowed(_("Only the counsellor of this case records its calls."), actions.RECORD_COUNSELLING_CALL)
    if case.closed_at is not None:
        raise ServiceError(_("This counselling is closed."), code="bad_state")
    at = at or timezone.now()
    with transaction.atomic():
        call = CounsellingCall.objects.create(community_id=case.community_id, counselling=case, at=at, by=actor,
                                              reached=bool(reached), note=(note or "").strip()[:500])
        case.due_on = timezone.localdate(at) + dt.timedelta(days=case.every_days if reached else 1)
        fields = ["due_on"]
        if close:
            case.closed_at = at
            fields.append("closed_at")
        case.save(update_fields=fields)
        # Never the note: only the counsellor and the command post read it, on the case.
        audit(actor, AuditAction.CREATE, call, community=case.plan.community, person=case.plan.person,
              changes={"reached": ["", str(bool(reached))], "closed": ["", str(bool(close))]})
    return call


def counselling_due(user, community, today=None):
    """Open counselling whose next call is today or earlier (calls due), in the user's sight."""
    today = today or timezone.localdate()
    return (Counselling.objects.visible_to(user)
            .filter(community=community, closed_at__isnull=True, due_on__lte=today)
            .select_related("plan__person__household__building", "counsellor").order_by("due_on", "pk"))


# --- figures for the briefing --------------------------------------------------------------------


def figures(community, day: dt.date) -> dict:
    """The day's supplies figures for the briefing and the dashboard: four aggregate queries,
    whatever the number of rows."""
    start, end = _local_day_bounds(day)
    requests = Request.objects.filter(community=community).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        delivered=Count("id", filter=Q(status=Status.DELIVERED, done_at__gte=start, done_at__lt=end)),
        failed=Count("id", filter=Q(status=Status.FAILED, done_at__gte=start, done_at__lt=end)),
    )
    return {
        "requests_open": requests["open"],
        "delivered_today": requests["delivered"],
        "failed_today": requests["failed"],
        "medical_trips_today": MedicalTrip.objects.filter(community=community, on=day).count(),
        "meals_delivered": MealDelivery.objects.filter(community=community, on=day)
        .aggregate(n=Sum("count"))["n"] or 0,
        "stock_alerts": StockItem.objects.filter(community=community, quantity__lte=F("low_at")).count(),
    }
