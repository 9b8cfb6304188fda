"""Supplies and care: requests (需求) and their cut-offs, transfer stations and delivery runs to
the door, group purchases (团购), stock and donations, free meals (爱心餐), the special-care
register (一人一策) and medical errands.

Every row carries ``community``. Rows about a household or person are scoped through its
building and grid; a delivery volunteer sees only the doors on their own runs (``ByRun`` below).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.models import Building, Community, Household, Person, Role
from fangkong.core.scope import ScopedQuerySet, reaches

HOUSEHOLD_SCOPE = {"community": "community_id", "grid": "household__building__grid_id",
                   "building": "household__building_id"}
PERSON_SCOPE = {"community": "community_id", "grid": "person__household__building__grid_id",
                "building": "person__household__building_id"}


def only_delivers(user) -> bool:
    """A user whose every role is delivery volunteer: they see the doors of their own runs only."""
    found = reaches(user)
    return bool(found) and not getattr(user, "is_superuser", False) and all(
        r.role == Role.DELIVERY_VOLUNTEER for r in found)


class ByRun(ScopedQuerySet):
    """Scope as everywhere (core.scope), except for delivery volunteers: they see the rows on
    their own runs, in their communities, and nothing else. The buildings a volunteer's role
    names are the area they usually walk, neither a licence to read every request in them nor a
    limit on the run the command post sends them on. A service-level rule on top of the one
    scope rule, kept in the queryset so that no view can forget it."""

    volunteer_path = "run__volunteer"
    # The roles that read requests in their reach; a sampler's or guard's role reads none (what a
    # household asks for, medicine included, is not their work).
    READERS = {Role.COMMAND_POST, Role.GRID_LEADER, Role.GRID_WORKER, Role.BUILDING_LEADER, Role.DISTRICT_VIEWER}

    def visible_to(self, user, write: bool = False):
        if only_delivers(user):
            return self.filter(**{self.volunteer_path: user,
                                  "community_id__in": {r.community_id for r in reaches(user)}})
        scoped = super().visible_to(user, write)
        found = reaches(user)
        if getattr(user, "is_superuser", False) or all(r.role in self.READERS for r in found):
            return scoped
        # Mixed roles: the reading roles' rows, and a volunteer role's own runs.
        readers = {r.community_id for r in found if r.role in self.READERS}
        delivers = {r.community_id for r in found if r.role == Role.DELIVERY_VOLUNTEER}
        return self.filter(Q(pk__in=scoped.filter(community_id__in=readers).values("pk"))
                           | Q(**{self.volunteer_path: user, "community_id__in": delivers}))


class RunQuerySet(ByRun):
    """A delivery volunteer sees their own runs only."""

    volunteer_path = "volunteer"


class CommunityWide(ScopedQuerySet):
    """Rows without personal data that everyone with a role in the community may read (a group
    purchase's catalogue, the supply points): a building leader orders from them for their
    households, so a role narrowed to buildings must still see them."""

    def visible_to(self, user, write: bool = False):
        if getattr(user, "is_superuser", False):
            return self
        return self.filter(community_id__in={r.community_id for r in reaches(user)})


# --- requests ----------------------------------------------------------------------------------


class Kind(models.TextChoices):
    GROCERIES = "groceries", _("Groceries")
    GROUP_BUY = "group_buy", _("Group-buy order")
    MEDICINE = "medicine", _("Medicine")
    GAS = "gas", _("Gas cylinder")
    CARD_TOPUP = "card_topup", _("Water or power card top-up")
    BABY = "baby", _("Baby items")
    SANITARY = "sanitary", _("Sanitary items")
    OTHER = "other", _("Other help")


class Urgency(models.IntegerChoices):
    # Lower comes first: medical needs and infants before everything else.
    MEDICAL = 0, _("Medical")
    INFANT = 1, _("Infant")
    NORMAL = 2, _("Normal")


class Status(models.TextChoices):
    ASKED = "asked", _("Asked")
    ORDERED = "ordered", _("Ordered")
    OUT = "out", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (Status.ASKED, Status.ORDERED, Status.OUT)


class Outcome(models.TextChoices):
    DELIVERED = "delivered", _("Delivered at the door")
    NOBODY_HOME = "nobody_home", _("Nobody answered")
    WRONG_DOOR = "wrong_door", _("Wrong door")
    REFUSED = "refused", pgettext_lazy("hand-over", "Refused")


class Settings(models.Model):
    """Per community: the cut-off times (seed 003: 12:00 and 18:00) and how long after a cut-off
    the goods reach the door."""

    community = models.OneToOneField(Community, models.CASCADE, related_name="supply_settings")
    cutoffs = models.CharField(_("cut-off times"), max_length=100, default="12:00,18:00",
                               help_text=_("Times of day, comma separated"))
    delivery_hours = models.PositiveSmallIntegerField(_("hours from cut-off to the door"), default=3)

    scope_paths = {"community": "community_id"}

    def __str__(self):
        return f"{self.community_id}: {self.cutoffs}"



class SupplyPoint(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    contact = models.CharField(_("contact"), max_length=100, blank=True)

    objects = CommunityWide.as_manager()
    scope_paths = {"community": "community_id"}

    class Meta:
        verbose_name = _("supply point")
        ordering = ["name"]

    def __str__(self):
        return self.name


class TransferStation(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    place = models.CharField(_("place"), max_length=200, blank=True)
    buildings = models.ManyToManyField(Building, related_name="transfer_stations", verbose_name=_("buildings"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "building": "buildings__id"}
    route_key = "station"  # the first word of its routes' names (tests/test_scope_matrix.py)

    class Meta:
        verbose_name = _("transfer station")
        ordering = ["name"]

    def __str__(self):
        return self.name


class RunStatus(models.TextChoices):
    OUT = "out", _("On its way")
    DONE = "done", _("Done")


class DeliveryRun(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    station = models.ForeignKey(TransferStation, models.CASCADE, related_name="runs", verbose_name=_("station"))
    cart = models.CharField(_("cart"), max_length=50, blank=True)
    departs_at = models.DateTimeField(_("departs"))
    # SET_NULL: a volunteer's account may go (the demo's do, on a rebuild); the run's record stays.
    volunteer = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="delivery_runs",
                                  verbose_name=_("volunteer"))
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.OUT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    objects = RunQuerySet.as_manager()
    route_key = "run"
    scope_paths = {"community": "community_id", "building": "station__buildings__id"}

    class Meta:
        verbose_name = _("delivery run")
        ordering = ["-departs_at"]

    def __str__(self):
        return f"{self.station} {timezone.localtime(self.departs_at):%H:%M}"


class Cutoff(models.Model):
    """One collection of the open requests (12:00, 18:00): what was summed, by whom, and when
    the households were told to expect their goods."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    at = models.DateTimeField(_("cut-off"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    expected_at = models.DateTimeField(_("expected delivery"))
    n_requests = models.PositiveIntegerField(default=0)
    n_households = models.PositiveIntegerField(default=0)

    scope_paths = {"community": "community_id"}
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M}"



class CutoffLine(models.Model):
    """The sum of one cut-off per building, kind, item and supply point (one GROUP BY)."""

    cutoff = models.ForeignKey(Cutoff, models.CASCADE, related_name="lines")
    building = models.ForeignKey(Building, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    item = models.CharField(max_length=100)
    supply_point = models.ForeignKey(SupplyPoint, models.SET_NULL, null=True, related_name="+")
    quantity = models.PositiveIntegerField()
    n_requests = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.building_id} {self.kind} {self.item} ×{self.quantity}"



class Request(models.Model):
    """需求: what a household asks for, and its three steps (三单): asked by (on behalf of) the
    resident, ordered at the cut-off, delivered (or not) at the door; each with who and when."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, models.CASCADE, related_name="supply_requests",
                                  verbose_name=_("household"))
    for_person = models.ForeignKey(Person, models.SET_NULL, null=True, blank=True, related_name="+",
                                   verbose_name=_("for whom"))
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    item = models.CharField(_("item"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.NORMAL)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    supply_point = models.ForeignKey(SupplyPoint, models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name=_("supply point"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ASKED,
                              db_index=True)
    failure = models.CharField(_("why it failed"), max_length=12, choices=Outcome.choices, blank=True)
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=200, blank=True)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    ordered_at = models.DateTimeField(null=True, blank=True)
    out_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    out_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True, db_index=True)
    cutoff = models.ForeignKey(Cutoff, models.SET_NULL, null=True, blank=True, related_name="requests")
    expected_at = models.DateTimeField(_("expected delivery"), null=True, blank=True)
    run = models.ForeignKey(DeliveryRun, models.SET_NULL, null=True, blank=True, related_name="requests")
    client_id = models.CharField(max_length=64, blank=True)

    objects = ByRun.as_manager()
    scope_paths = HOUSEHOLD_SCOPE

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["urgency", "asked_at"]
        constraints = [
            models.UniqueConstraint("community", "client_id", condition=~Q(client_id=""),
                                    name="supply_request_client_id"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="supply_request_quantity_positive"),
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.item} ×{self.quantity}".strip()


class Handover(models.Model):
    """One hand-over at a door (最后一米), sent from the volunteer's phone with a client id: the
    same send twice is one hand-over."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    run = models.ForeignKey(DeliveryRun, models.CASCADE, related_name="handovers")
    household = models.ForeignKey(Household, models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    client_id = models.CharField(max_length=64)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = ByRun.as_manager()
    scope_paths = HOUSEHOLD_SCOPE

    class Meta:
        ordering = ["at"]
        constraints = [models.UniqueConstraint("community", "client_id", name="supply_handover_client_id")]

    def __str__(self):
        return f"{self.household_id} {self.outcome}"



# --- group purchases --------------------------------------------------------------------------


class Catalogue(models.Model):
    """团购: what one supply point offers, open for orders until ``closes_at``."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    supply_point = models.ForeignKey(SupplyPoint, models.CASCADE, related_name="catalogues",
                                     verbose_name=_("supply point"))
    title = models.CharField(_("title"), max_length=100)
    closes_at = models.DateTimeField(_("orders close"))

    objects = CommunityWide.as_manager()
    scope_paths = {"community": "community_id"}

    class Meta:
        ordering = ["-closes_at"]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return timezone.now() < self.closes_at


class CatalogueItem(models.Model):
    catalogue = models.ForeignKey(Catalogue, models.CASCADE, related_name="items")
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    unit = models.CharField(pgettext_lazy("measure", "unit"), max_length=20, default="份")
    price = models.DecimalField(_("price"), max_digits=8, decimal_places=2)
    contents = models.CharField(_("what is in the bundle"), max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class GroupOrder(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    catalogue = models.ForeignKey(Catalogue, models.CASCADE, related_name="orders")
    household = models.ForeignKey(Household, models.CASCADE, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=0)
    paid = models.BooleanField(_("paid"), default=False)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    route_key = "order"
    scope_paths = HOUSEHOLD_SCOPE

    class Meta:
        constraints = [models.UniqueConstraint("catalogue", "household", name="group_order_one_per_household")]

    def __str__(self):
        return f"{self.catalogue_id} {self.household_id} {self.amount}"



class GroupOrderLine(models.Model):
    order = models.ForeignKey(GroupOrder, models.CASCADE, related_name="lines")
    item = models.ForeignKey(CatalogueItem, models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=8, decimal_places=2)

    def __str__(self):
        return f"{self.item_id} ×{self.quantity}"



# --- stock and donations ----------------------------------------------------------------------


class StockItem(models.Model):
    """One item in one place: the community's store (no station) or a transfer station, where
    stock sent out of the store waits for the last hundred metres."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    station = models.ForeignKey(TransferStation, models.CASCADE, null=True, blank=True, related_name="stock",
                                verbose_name=_("kept at"))
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    unit = models.CharField(pgettext_lazy("measure", "unit"), max_length=20)
    quantity = models.IntegerField(_("in stock"), default=0)
    low_at = models.PositiveIntegerField(_("alert at or below"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id"}

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_never_below_zero"),
            models.UniqueConstraint("community", "name", condition=Q(station__isnull=True), name="stock_item_unique"),
            models.UniqueConstraint("station", "name", condition=Q(station__isnull=False),
                                    name="stock_item_unique_at_station"),
        ]

    def __str__(self):
        return f"{self.name} ({self.station})" if self.station_id else self.name


class Donation(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    donor = models.CharField(_("donor"), max_length=100)
    received_on = models.DateField(_("received"), default=timezone.localdate)
    money = models.DecimalField(_("money (yuan)"), max_digits=12, decimal_places=2, default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id"}

    class Meta:
        ordering = ["-received_on", "pk"]

    def __str__(self):
        return self.donor


class StockMove(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    item = models.ForeignKey(StockItem, models.CASCADE, related_name="moves")
    delta = models.IntegerField(_("in (+) or out (-)"))
    donation = models.ForeignKey(Donation, models.SET_NULL, null=True, blank=True, related_name="moves")
    to_whom = models.CharField(_("to whom"), max_length=100, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.item_id} {self.delta:+d}"



# --- free meals -------------------------------------------------------------------------------


class MealPlan(models.Model):
    """爱心餐: a household that gets meals, how many and what the kitchen must know."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, models.CASCADE, related_name="+")
    count = models.PositiveSmallIntegerField(_("meals"), default=1)
    diet = models.CharField(_("dietary notes"), max_length=200, blank=True)
    times = models.CharField(_("times"), max_length=50, default="11:30,17:20")
    active = models.BooleanField(default=True)

    objects = ScopedQuerySet.as_manager()
    route_key = "meal"
    scope_paths = HOUSEHOLD_SCOPE

    def __str__(self):
        return f"{self.household_id} ×{self.count}"



class MealDelivery(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    plan = models.ForeignKey(MealPlan, models.CASCADE, related_name="deliveries")
    on = models.DateField(db_index=True)
    slot = models.CharField(max_length=5)
    count = models.PositiveSmallIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint("plan", "on", "slot", name="meal_once_per_slot")]

    def __str__(self):
        return f"{self.plan_id} {self.on} {self.slot} ×{self.count}"



# --- special care ------------------------------------------------------------------------------


class CarePlan(models.Model):
    """一人一策: the plan of one special-care person (from the care tags on the person file)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    person = models.OneToOneField(Person, models.CASCADE, related_name="care_plan")
    needs = models.CharField(_("needs"), max_length=300, blank=True)
    answerable = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("worker answerable"))
    every_days = models.PositiveSmallIntegerField(_("contact every (days)"), default=1)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    # Kept with every contact so that "who is due" is one indexed comparison.
    due_on = models.DateField(_("next contact due"), db_index=True)

    objects = ScopedQuerySet.as_manager()
    route_key = "care"
    scope_paths = PERSON_SCOPE

    class Meta:
        verbose_name = _("care plan")
        ordering = ["due_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(every_days__gte=1), name="care_plan_every_positive")]

    def __str__(self):
        return f"{self.person}"



class PlanItemKind(models.TextChoices):
    MEDICINE = "medicine", _("Medicine")
    MEALS = "meals", _("Meals")
    ESCORT = "escort", _("Escort")
    EXAM_PAPERS = "exam_papers", _("Printed exam papers")
    OTHER = "other", _("Other")


class CarePlanItem(models.Model):
    plan = models.ForeignKey(CarePlan, models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=20, choices=PlanItemKind.choices)
    text = models.CharField(_("what"), max_length=200)

    def __str__(self):
        return f"{self.kind}: {self.text}"



class CareContact(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    plan = models.ForeignKey(CarePlan, models.CASCADE, related_name="contacts")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    def __str__(self):
        return f"{self.plan_id} {self.at:%Y-%m-%d}"



class TripKind(models.TextChoices):
    MEDICINE = "medicine", _("Medicine bought on their behalf")
    ESCORT = "escort", _("Escort to hospital")
    AMBULANCE = "ambulance", _("Ambulance (120) point to point")
    OTHER = "other", _("Other errand")


class TripStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    MISSED = "missed", _("Did not happen")
    CANCELLED = "cancelled", _("Cancelled")


class MedicalTrip(models.Model):
    """One occurrence of a medical errand (dialysis every two days, fetched by 120): recurring
    appointments are written out day by day, so that the day's list is one indexed read."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, related_name="+", verbose_name=_("who"))
    kind = models.CharField(_("kind"), max_length=12, choices=TripKind.choices, default=TripKind.ESCORT)
    on = models.DateField(_("day"), db_index=True)
    time = models.TimeField(_("time"), null=True, blank=True)
    what = models.CharField(_("what"), max_length=200)
    where = models.CharField(_("where"), max_length=200, blank=True)
    taker = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("who takes it"))
    series = models.CharField(max_length=40, blank=True)
    status = models.CharField(_("state"), max_length=10, choices=TripStatus.choices, default=TripStatus.PLANNED)
    status_note = models.CharField(_("note"), max_length=200, blank=True)
    status_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    status_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    route_key = "trip"
    scope_paths = PERSON_SCOPE

    class Meta:
        ordering = ["on", "time"]

    def __str__(self):
        return f"{self.on} {self.what}"


# --- counselling (温暖你我·公益心理) -------------------------------------------------------------


class CounsellingQuerySet(ScopedQuerySet):
    """Staff read the counselling of the people in their reach, as any care row; the volunteer
    counsellor, whatever their role binds them to, reads the cases routed to them. The notes of
    the calls are narrower still (``Counselling.may_read_notes``)."""

    # Roles that read counselling cases in their reach (never a volunteer's, sampler's or guard's
    # role by itself: those read only the cases routed to them).
    STAFF = {Role.COMMAND_POST, Role.GRID_LEADER, Role.GRID_WORKER, Role.BUILDING_LEADER, Role.DISTRICT_VIEWER}

    def visible_to(self, user, write: bool = False):
        scoped = super().visible_to(user, write)
        if not getattr(user, "is_authenticated", False) or getattr(user, "is_superuser", False):
            return scoped
        found = reaches(user)
        staff_in = {r.community_id for r in found if r.role in self.STAFF}
        return self.filter(Q(pk__in=scoped.filter(community_id__in=staff_in).values("pk"))
                           | Q(counsellor=user, community_id__in={r.community_id for r in found}))


class Counselling(models.Model):
    """A request for a counsellor (psychological support calls) for one special-care person,
    routed by the command post to a volunteer counsellor, with calls every ``every_days`` days
    until it is closed. ``due_on`` is kept with every call, so "who is due a call" is one
    indexed comparison, as for the care plan's contacts."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    plan = models.ForeignKey(CarePlan, models.CASCADE, related_name="counselling", verbose_name=_("care plan"))
    reason = models.CharField(_("why"), max_length=300)
    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="counselling", verbose_name=_("counsellor"))
    every_days = models.PositiveSmallIntegerField(_("call every (days)"), default=3)
    due_on = models.DateField(_("next call due"), db_index=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = CounsellingQuerySet.as_manager()
    route_key = "counselling"
    scope_paths = {"community": "community_id", "grid": "plan__person__household__building__grid_id",
                   "building": "plan__person__household__building_id"}

    class Meta:
        verbose_name = _("counselling")
        ordering = ["due_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(every_days__gte=1), name="counselling_every_positive")]

    def __str__(self):
        return f"{self.plan_id} {self.reason[:20]}"

    def may_read_notes(self, user) -> bool:
        """Only the counsellor and the command post read what was said."""
        from fangkong.core.scope import has_role

        return user.pk == self.counsellor_id or has_role(user, Role.COMMAND_POST, community_id=self.community_id)


class CounsellingCall(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    counselling = models.ForeignKey(Counselling, models.CASCADE, related_name="calls")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    reached = models.BooleanField(_("reached"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.counselling_id} {self.at:%Y-%m-%d}"
