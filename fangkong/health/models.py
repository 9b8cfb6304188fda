"""Health control: risk areas and their levels, measures per level, key persons with their warning
colour, measures, arrival reports, quarantine sites, transfers, door seals, receptions,
violations and daily health reports.

Every row carries ``community``. Rows about a person are scoped through the person's household,
building and grid (``PERSON_SCOPE``); the register of risk areas, the policy table, sites and
transfers are the command post's (community only).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import Community, Household, Person
from fangkong.core.scope import ScopedQuerySet

PERSON_SCOPE = {"community": "community_id", "grid": "person__household__building__grid_id",
                "building": "person__household__building_id"}
COMMUNITY_SCOPE = {"community": "community_id"}


class Level(models.TextChoices):
    HIGH = "high", _("High risk")
    MEDIUM = "medium", _("Medium risk")
    LOW = "low", _("Low risk")
    NONE = "none", _("Not a risk area")


# Higher is stricter: "the level on a day" is the strictest in force at any time that day.
LEVEL_RANK = {Level.NONE: 0, Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3}


class RiskArea(models.Model):
    """An area named by the official notices (a building, an estate, a village group, a shop)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    name = models.CharField(_("area"), max_length=200)
    parent = models.CharField(_("belongs to"), max_length=200, blank=True,
                              help_text=_("County, district and town, as the notice names them"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = COMMUNITY_SCOPE
    route_key = "area"

    class Meta:
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")
        ordering = ["parent", "name"]
        constraints = [models.UniqueConstraint("community", "parent", "name", name="risk_area_unique")]

    def __str__(self):
        return f"{self.parent} {self.name}".strip()

    def get_absolute_url(self):
        return reverse("area_detail", args=[self.pk])


class LevelChange(models.Model):
    """One entry of an area's history: from ``effective_from`` the area has ``level``."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    area = models.ForeignKey(RiskArea, models.CASCADE, related_name="changes", verbose_name=_("area"))
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    effective_from = models.DateTimeField(_("effective from"))
    notice_number = models.CharField(_("notice"), max_length=60, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["area", "effective_from", "id"]
        indexes = [models.Index(fields=["area", "effective_from"])]

    def __str__(self):
        return f"{self.area} {self.level} {self.effective_from:%Y-%m-%d %H:%M}"


class MeasureKind(models.TextChoices):
    CENTRAL = "central", _("Central quarantine")
    HOME = "home", _("Home quarantine")
    MONITORING = "monitoring", _("Home health monitoring")
    REPORT_TEST = "report_test", _("Report and test")


class PolicyStep(models.Model):
    """One step of the measures for arrivals from an area of a level: the command post edits them.
    Steps of a level follow one another (central quarantine 7 days, then monitoring 3 days)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    order = models.PositiveSmallIntegerField(_("step"), default=1)
    kind = models.CharField(_("measure"), max_length=12, choices=MeasureKind.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    test_days = models.CharField(_("test days"), max_length=60, blank=True,
                                 help_text=_("Days of the step with a test, e.g. 1,3,7"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = COMMUNITY_SCOPE
    route_key = "policy"

    class Meta:
        verbose_name = _("policy step")
        verbose_name_plural = _("measure policy")
        ordering = ["community", "level", "order"]

    def __str__(self):
        return f"{self.get_level_display()} {self.order}: {self.get_kind_display()} {self.days}"

    @property
    def test_day_list(self) -> list[int]:
        return parse_days(self.test_days)


def parse_days(text: str) -> list[int]:
    return sorted({int(part) for part in str(text or "").replace("，", ",").replace("、", ",").split(",")
                   if part.strip().isdigit() and int(part) > 0})


class State(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    SUSPECTED = "suspected", _("Suspected")
    FEVER = "fever", _("Fever")
    CLOSE_CONTACT = "close_contact", _("Close contact")
    SECONDARY_CONTACT = "secondary_contact", _("Secondary contact")
    ARRIVAL = "arrival", _("Arrival under measure")
    POSITIVE_ANTIGEN = "positive_antigen", _("Positive antigen")
    POOL_POSITIVE = "pool_positive", _("Pool positive, awaiting retest")
    CLEARED = "cleared", _("Cleared")


class Colour(models.TextChoices):
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    NONE = "none", _("No colour")


COLOUR_RANK = {Colour.RED: 0, Colour.ORANGE: 1, Colour.YELLOW: 2, Colour.NONE: 3}
DEFAULT_COLOURS = {
    State.CONFIRMED: Colour.RED, State.SUSPECTED: Colour.RED, State.POSITIVE_ANTIGEN: Colour.RED,
    State.POOL_POSITIVE: Colour.RED, State.FEVER: Colour.ORANGE, State.CLOSE_CONTACT: Colour.ORANGE,
    State.SECONDARY_CONTACT: Colour.YELLOW, State.ARRIVAL: Colour.YELLOW, State.CLEARED: Colour.NONE,
}


class StateColour(models.Model):
    """The community's own colour for a state, where it differs from DEFAULT_COLOURS."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices)

    class Meta:
        constraints = [models.UniqueConstraint("community", "state", name="state_colour_unique")]

    def __str__(self):
        return f"{self.state}: {self.colour}"


class KeyPerson(models.Model):
    """重点人员: one row per person the community tracks; the register shows it as one line.

    ``colour``, ``rank`` and ``measure`` are kept on the row (set by the services whenever the
    state or the measure changes) so that the register is one indexed query."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    person = models.OneToOneField(Person, models.CASCADE, related_name="key_person", verbose_name=_("person"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    since = models.DateField(_("since"))
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices)
    rank = models.PositiveSmallIntegerField(default=3, editable=False)
    measure = models.ForeignKey("Measure", models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("measure"))
    measure_end = models.DateField(_("measure ends"), null=True, blank=True)
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("responsible"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = PERSON_SCOPE
    route_key = "keyperson"

    class Meta:
        verbose_name = _("key person")
        verbose_name_plural = _("key persons")
        ordering = ["rank", "measure_end", "id"]
        # The register's order, whole and by state: the first page is read from an index in order.
        indexes = [models.Index(fields=["community", "rank", "measure_end", "id"]),
                   models.Index(fields=["community", "state", "rank", "measure_end", "id"]),
                   # The fever alerts on the home page, newest first, read backwards from this one.
                   models.Index(fields=["community", "state", "since", "id"])]

    def __str__(self):
        return self.person.name

    def get_absolute_url(self):
        return reverse("keyperson_detail", args=[self.pk])


class StateChange(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    key_person = models.ForeignKey(KeyPerson, models.CASCADE, related_name="changes")
    person = models.ForeignKey(Person, models.CASCADE, related_name="+")
    old_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    new_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    on = models.DateField(_("date"))
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["on", "at", "id"]

    def __str__(self):
        return f"{self.old_state} → {self.new_state} {self.on}"


class TransferStatus(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting transfer")
    IN_TRANSIT = "in_transit", _("In transit")
    AT_SITE = "at_site", _("At site")


class QuarantineSite(models.Model):
    """集中隔离点: a hotel or other site with rooms."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    rooms = models.PositiveIntegerField(_("rooms"))
    capacity = models.PositiveIntegerField(_("capacity"), help_text=_("People the site may hold"))
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = COMMUNITY_SCOPE
    route_key = "site"

    class Meta:
        verbose_name = _("quarantine site")
        verbose_name_plural = _("quarantine sites")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("site_detail", args=[self.pk])


class Transfer(models.Model):
    """转运: one batch of people taken to a site by one vehicle."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    site = models.ForeignKey(QuarantineSite, models.PROTECT, related_name="transfers", verbose_name=_("site"))
    vehicle = models.CharField(_("vehicle"), max_length=50)
    departs_at = models.DateTimeField(_("departs"))
    status = models.CharField(_("status"), max_length=12, choices=TransferStatus.choices,
                              default=TransferStatus.AWAITING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = COMMUNITY_SCOPE

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-departs_at", "-id"]

    def __str__(self):
        return f"{self.departs_at:%m-%d %H:%M} {self.vehicle} → {self.site}"

    def get_absolute_url(self):
        return reverse("transfer_detail", args=[self.pk])


class MeasureQuerySet(ScopedQuerySet):
    def active_on(self, day):
        return self.filter(start__lte=day, end__gte=day, cancelled=False)


class Measure(models.Model):
    """A measure a person is under, from ``start`` to ``end`` (both included). It is active on the
    days between, and over after ``end`` without anyone closing it: "active" is computed from the
    dates and the day asked about, never from a flag a job has to flip."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, related_name="measures", verbose_name=_("person"))
    kind = models.CharField(_("measure"), max_length=12, choices=MeasureKind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    test_days = models.CharField(_("test days"), max_length=60, blank=True)
    cancelled = models.BooleanField(default=False)
    arrival = models.ForeignKey("ArrivalReport", models.SET_NULL, null=True, blank=True, related_name="measures")
    site = models.ForeignKey(QuarantineSite, models.SET_NULL, null=True, blank=True, related_name="measures",
                             verbose_name=_("site"))
    room = models.CharField(_("room"), max_length=20, blank=True)
    transfer = models.ForeignKey(Transfer, models.SET_NULL, null=True, blank=True, related_name="measures")
    transfer_status = models.CharField(_("transfer"), max_length=12, choices=TransferStatus.choices, blank=True)
    ended_recorded = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MeasureQuerySet.as_manager()
    scope_paths = PERSON_SCOPE

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["community", "end"]), models.Index(fields=["person", "start"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start:%m-%d}–{self.end:%m-%d}"

    def is_active(self, today) -> bool:
        return not self.cancelled and self.start <= today <= self.end

    def days_left(self, today) -> int:
        return max(0, (self.end - today).days)

    @property
    def test_day_list(self):
        return parse_days(self.test_days)


class ArrivalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Measure proposed")
    NEEDS_DECISION = "needs_decision", _("Origin unknown: needs a decision")
    CONFIRMED = "confirmed", _("Confirmed")
    OVERRIDDEN = "overridden", _("Overridden")


class ArrivalReport(models.Model):
    """返乡报备: who arrived from where and when; the origin's level on the travel date proposes
    the measure."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, related_name="arrivals", verbose_name=_("person"))
    origin_area = models.ForeignKey(RiskArea, models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("from (register)"))
    origin_text = models.CharField(_("from"), max_length=200, blank=True)
    travel_date = models.DateField(_("left on"))
    arrival_date = models.DateField(_("arrived on"))
    transport = models.CharField(_("transport"), max_length=100, blank=True)
    companions = models.CharField(_("travelling with"), max_length=200, blank=True)
    origin_level = models.CharField(_("origin level"), max_length=8, choices=Level.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ArrivalStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = PERSON_SCOPE
    route_key = "arrival"

    class Meta:
        verbose_name = _("arrival report")
        verbose_name_plural = _("arrival reports")
        ordering = ["-arrival_date", "-id"]

    def __str__(self):
        return f"{self.person.name} ← {self.origin_area or self.origin_text}"

    def get_absolute_url(self):
        return reverse("arrival_detail", args=[self.pk])


class Seal(models.Model):
    """封条 on a household's door during home quarantine."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, models.CASCADE, related_name="seals", verbose_name=_("household"))
    sealed_on = models.DateField(_("sealed on"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    number = models.CharField(_("seal number"), max_length=40, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "household__building__grid_id",
                   "building": "household__building_id"}

    class Meta:
        verbose_name = _("door seal")
        verbose_name_plural = _("door seals")
        ordering = ["household__building__door_sort", "household__room_sort"]
        constraints = [models.UniqueConstraint("household", condition=Q(removed_on__isnull=True),
                                               name="one_open_seal")]

    def __str__(self):
        return str(self.household)


class SealResult(models.TextChoices):
    INTACT = "intact", _("Intact")
    BROKEN = "broken", _("Broken")


class SealCheck(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    seal = models.ForeignKey(Seal, models.CASCADE, related_name="checks")
    on = models.DateField(_("date"))
    result = models.CharField(_("seal"), max_length=8, choices=SealResult.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("seal", "on", name="one_seal_check_a_day")]
        indexes = [models.Index(fields=["community", "on", "result"])]

    def __str__(self):
        return f"{self.seal_id} {self.on} {self.result}"


class Reception(models.Model):
    """回迁接收: a person back from central quarantine, received at the checkpoint."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, related_name="+", verbose_name=_("person"))
    measure = models.ForeignKey(Measure, models.CASCADE, related_name="receptions")
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = PERSON_SCOPE

    class Meta:
        constraints = [models.UniqueConstraint("measure", name="one_reception_per_measure")]

    def __str__(self):
        return f"{self.person_id} {self.received_at:%Y-%m-%d}"


class Violation(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, related_name="+", verbose_name=_("person"))
    on = models.DateField(_("date"))
    what = models.CharField(_("what happened"), max_length=300)
    action = models.CharField(_("what was done"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = PERSON_SCOPE

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering = ["-on", "-id"]

    def __str__(self):
        return self.what


class Symptom(models.TextChoices):
    COUGH = "cough", _("Cough")
    SORE_THROAT = "sore_throat", _("Sore throat")
    FATIGUE = "fatigue", _("Fatigue")
    SMELL = "smell", _("Loss of smell or taste")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    OTHER = "other", _("Other")


class HealthReport(models.Model):
    """体温监测: one report per person per day; sending it again replaces it."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, related_name="health_reports", verbose_name=_("person"))
    on = models.DateField(_("date"))
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1)
    symptoms = models.CharField(_("symptoms"), max_length=100, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = PERSON_SCOPE

    class Meta:
        constraints = [models.UniqueConstraint("person", "on", name="one_health_report_a_day")]
        indexes = [models.Index(fields=["community", "on"])]

    def __str__(self):
        return f"{self.person_id} {self.on} {self.temperature}"

    @property
    def symptom_list(self):
        return [s for s in self.symptoms.split(",") if s]


class ReportMode(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    HOUSEHOLD = "household", _("One per household")


class ReportScope(models.Model):
    """Daily temperatures asked of everyone in a building, a grid or the whole community, not only
    of people under a measure (seed 004: a sheet on every door, 1,472 households a day). No grid
    and no building: the community. Active from ``since`` to ``until`` (both included; no until:
    until switched off)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    grid = models.ForeignKey("core.Grid", models.CASCADE, null=True, blank=True, related_name="+",
                             verbose_name=_("grid"))
    building = models.ForeignKey("core.Building", models.CASCADE, null=True, blank=True, related_name="+",
                                 verbose_name=_("building"))
    mode = models.CharField(_("who reports"), max_length=10, choices=ReportMode.choices, default=ReportMode.EVERYONE)
    since = models.DateField(_("from"))
    until = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = COMMUNITY_SCOPE

    class Meta:
        verbose_name = _("daily reports for everyone")
        ordering = ["-since", "-id"]

    def __str__(self):
        return str(self.building or self.grid or self.community)

    def active_on(self, day) -> bool:
        return self.since <= day and (self.until is None or self.until >= day)
