"""Workers and teams, 包保 assignments, duty rosters, the daily five and tasks.

Every row carries ``community``; scope is decided in ``staff.scope`` (supervisors by place,
everyone else by their own work). A worker's own health and departure are read, never copied:
an assignment "needs hand-over" whenever its worker is not well or has left, computed by a query.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import Building, Community, Grid, Household, Person
from fangkong.core.scope import ScopedQuerySet
from fangkong.lib.masking import mask_phone

from .scope import StaffQuerySet


class Origin(models.TextChoices):
    DEPLOYED = "deployed", _("Deployed by a unit")
    COMMUNITY = "community", _("Community staff")
    PROPERTY = "property", _("Property staff")
    POLICE = "police", _("Police")
    VOLUNTEER = "volunteer", _("Resident volunteer")


class WorkerHealth(models.TextChoices):
    WELL = "well", _("Well")
    SICK = "sick", _("Off sick")
    CLOSE_CONTACT = "close_contact", _("Close contact")
    QUARANTINED = "quarantined", _("In quarantine")


class Availability(models.TextChoices):
    ANY = "any", _("Any time")
    DAY = "day", _("Daytime")
    NIGHT = "night", _("Nights")
    PART = "part", _("A few hours a day")


# The common skills a command post asks for; free tags are kept beside them.
COMMON_SKILLS = {
    "computer": _("Uses a computer"),
    "driver": _("Drives"),
    "medical": _("Medical"),
    "dialect": _("Speaks the local dialect"),
}


class Worker(models.Model):
    """Anyone the command post puts to work: a deployed cadre, community or property staff, police, a volunteer."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    grid = models.ForeignKey(Grid, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grid"))
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    origin = models.CharField(_("comes from"), max_length=12, choices=Origin.choices, default=Origin.DEPLOYED)
    unit_name = models.CharField(_("unit"), max_length=100, blank=True, help_text=_("The unit that sent them"))
    party_member = models.BooleanField(_("party member"), default=False)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability = models.CharField(_("availability"), max_length=8, choices=Availability.choices,
                                    default=Availability.ANY)
    health = models.CharField(_("health"), max_length=16, choices=WorkerHealth.choices, default=WorkerHealth.WELL)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                related_name="worker", verbose_name=_("account"))
    arrived_on = models.DateField(_("arrived"), default=timezone.localdate)
    left_on = models.DateField(_("left"), null=True, blank=True)

    objects = StaffQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "grid_id", "worker": "id"}

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def phone_masked(self):
        return mask_phone(self.phone)

    def available_on(self, day: dt.date) -> bool:
        return (self.health == WorkerHealth.WELL and self.arrived_on <= day
                and (self.left_on is None or self.left_on > day))

    def skill_labels(self):
        return [str(COMMON_SKILLS.get(skill, skill)) for skill in self.skills]


class TeamKind(models.TextChoices):
    COORDINATION = "coordination", _("Coordination")
    PEOPLE = "people", _("People control")
    TESTING = "testing", _("Testing")
    DELIVERY = "delivery", _("Delivery")
    DISINFECTION = "disinfection", _("Disinfection and garbage")
    PUBLICITY = "publicity", _("Publicity")
    GATE = "gate", _("Gate duty")
    INFORMATION = "information", _("Information grid")


class Team(models.Model):
    """工作小组: a working team of a community or a grid, with a leader."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    grid = models.ForeignKey(Grid, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grid"))
    kind = models.CharField(_("kind"), max_length=16, choices=TeamKind.choices)
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(Worker, models.SET_NULL, null=True, blank=True, related_name="led_teams",
                               verbose_name=_("leader"))

    objects = StaffQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "grid_id", "team": "id"}

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["grid__number", "kind", "name"]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, models.CASCADE, related_name="members")
    worker = models.ForeignKey(Worker, models.CASCADE, related_name="teams")

    class Meta:
        constraints = [models.UniqueConstraint("team", "worker", name="staff_team_member_once")]

    def __str__(self):
        return f"{self.team_id}:{self.worker_id}"


class SignupStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class VolunteerSignup(models.Model):
    """A resident's offer to help, sent from the public form; the command post decides."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    building_text = models.CharField(_("building and room"), max_length=60, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    hours = models.CharField(_("hours they can give"), max_length=60, blank=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=SignupStatus.choices, default=SignupStatus.PENDING)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    worker = models.ForeignKey(Worker, models.SET_NULL, null=True, blank=True, related_name="+")

    objects = StaffQuerySet.as_manager()
    scope_paths = {"community": "community_id"}
    route_key = "signup"

    class Meta:
        verbose_name = _("volunteer sign-up")
        verbose_name_plural = _("volunteer sign-ups")
        ordering = ["status", "-sent_at"]

    def __str__(self):
        return self.name

    @property
    def phone_masked(self):
        return mask_phone(self.phone)


class AssignmentKind(models.TextChoices):
    BUILDING = "building", _("Building")
    HOUSEHOLD = "household", _("Household")
    KEY_PERSON = "key_person", _("Key person")


class Assignment(models.Model):
    """包保: a worker answers for a building, a household or a key person.

    ``building`` and ``grid`` are kept on every row (a household's or a key person's building) so
    that coverage and scope are read from one table without joins."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    worker = models.ForeignKey(Worker, models.CASCADE, related_name="assignments", verbose_name=_("worker"))
    kind = models.CharField(_("kind"), max_length=12, choices=AssignmentKind.choices)
    grid = models.ForeignKey(Grid, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("grid"))
    building = models.ForeignKey(Building, models.CASCADE, null=True, blank=True, related_name="+",
                                 verbose_name=_("building"))
    household = models.ForeignKey(Household, models.CASCADE, null=True, blank=True, related_name="+",
                                  verbose_name=_("household"))
    # A key person is answered for as the person (health's register says who is one: core/events.py).
    person = models.ForeignKey(Person, models.CASCADE, null=True, blank=True, related_name="+",
                               verbose_name=_("key person"))
    started_on = models.DateField(_("from"), default=timezone.localdate)
    ended_on = models.DateField(_("until"), null=True, blank=True)

    objects = StaffQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "grid_id", "building": "building_id", "worker": "worker_id"}

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["community", "ended_on", "kind", "building"]),
                   models.Index(fields=["worker", "ended_on"])]

    def __str__(self):
        target = self.household or self.person or self.building
        return f"{self.worker} · {target}"


class PostKind(models.TextChoices):
    CHECKPOINT = "checkpoint", _("Checkpoint lane")
    SAMPLING = "sampling", _("Sampling point")
    TRANSFER = "transfer", _("Transfer station")
    NIGHT = "night", _("Night duty")
    PATROL = "patrol", _("Patrol")


class Post(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    grid = models.ForeignKey(Grid, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grid"))
    kind = models.CharField(_("kind"), max_length=12, choices=PostKind.choices)
    name = models.CharField(_("name"), max_length=100)
    needs = models.PositiveSmallIntegerField(_("people per shift"), default=1)

    objects = StaffQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "grid_id"}

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class Shift(models.Model):
    """One of the community's shifts (三班倒 by default: 0-8, 8-16, 16-24)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=30)
    starts = models.TimeField(_("starts"))
    hours = models.PositiveSmallIntegerField(_("hours"), default=8)

    class Meta:
        ordering = ["starts"]
        constraints = [models.UniqueConstraint("community", "starts", name="staff_shift_once")]

    def __str__(self):
        return self.name


class Duty(models.Model):
    """A worker rostered at a post for one shift; sign-on and sign-off times when it is worked."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    post = models.ForeignKey(Post, models.CASCADE, related_name="duties", verbose_name=_("post"))
    shift = models.ForeignKey(Shift, models.PROTECT, related_name="+", verbose_name=_("shift"))
    worker = models.ForeignKey(Worker, models.CASCADE, related_name="duties", verbose_name=_("worker"))
    on = models.DateField(_("day"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    signed_on_at = models.DateTimeField(_("signed on"), null=True, blank=True)
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    handover_note = models.CharField(_("hand-over note"), max_length=300, blank=True)

    objects = StaffQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "post__grid_id", "worker": "worker_id"}

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["starts_at", "post__name"]
        constraints = [models.UniqueConstraint("post", "shift", "on", "worker", name="staff_duty_once")]
        indexes = [models.Index(fields=["worker", "starts_at"]), models.Index(fields=["community", "starts_at"])]

    def __str__(self):
        return f"{self.post} · {self.on} {self.shift} · {self.worker}"


class FiveItem(models.TextChoices):
    MESSAGE = "message", _("Message in the group")
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Visit")
    REVIEW = "review", _("Evening review")


class FiveTick(models.Model):
    """One tick of the daily five (五个一) by a worker for a household on a day.

    Sent from a phone with a client id: the same id twice is one tick (unique), and the same item
    ticked twice on a day is one tick too."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    worker = models.ForeignKey(Worker, models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, models.CASCADE, related_name="+")
    # The household's building and grid, kept on the row so that completion is counted per grid
    # and building from this table alone.
    building = models.ForeignKey(Building, models.CASCADE, related_name="+")
    grid = models.ForeignKey(Grid, models.CASCADE, related_name="+")
    on = models.DateField()
    item = models.CharField(max_length=8, choices=FiveItem.choices)
    # Seen on a visit: None when not asked (not a visit, or the door is not sealed).
    seal_intact = models.BooleanField(null=True)
    garbage_collected = models.BooleanField(null=True)
    at = models.DateTimeField(default=timezone.now)
    client_id = models.CharField(max_length=64, unique=True)

    objects = StaffQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "grid_id", "building": "building_id", "worker": "worker_id"}
    route_key = "five"

    class Meta:
        constraints = [models.UniqueConstraint("worker", "household", "on", "item", name="staff_five_once")]
        indexes = [models.Index(fields=["community", "on", "worker", "household"]),
                   models.Index(fields=["community", "on", "item", "grid", "building", "household"])]

    def __str__(self):
        return f"{self.on} {self.item} {self.household_id}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskSource(models.TextChoices):
    PERSON = "person", _("Given by a person")
    SPOT_CHECK = "spot_check", _("Spot check")
    REVIEW = "review", _("Evening review")
    RULE = "rule", _("A rule of another part")


class Task(models.Model):
    """当日事当日清: a piece of work with an owner (a worker or a team) and a deadline (today by default)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    title = models.CharField(_("task"), max_length=200)
    owner_worker = models.ForeignKey(Worker, models.SET_NULL, null=True, blank=True, related_name="tasks",
                                     verbose_name=_("worker"))
    owner_team = models.ForeignKey(Team, models.SET_NULL, null=True, blank=True, related_name="tasks",
                                   verbose_name=_("team"))
    due_on = models.DateField(_("deadline"), default=timezone.localdate)
    grid = models.ForeignKey(Grid, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grid"))
    building = models.ForeignKey(Building, models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("building"))
    person = models.ForeignKey(Person, models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("person"))
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    source = models.CharField(_("from"), max_length=12, choices=TaskSource.choices, default=TaskSource.PERSON)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    # A finding of a spot check is a task of that check.
    spot_check = models.ForeignKey("SpotCheck", models.CASCADE, null=True, blank=True, related_name="findings")
    # A task raised by another part's rule: "seal:<seal id>:<day>", "report:<building id>:<day>"; once a day.
    rule_key = models.CharField(max_length=80, null=True, blank=True, unique=True)

    objects = StaffQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "grid_id", "building": "building_id",
                   "worker": "owner_worker_id", "team": "owner_team_id"}

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["community", "status", "due_on"])]

    def __str__(self):
        return self.title


# --- spot checks, disinfection and garbage (issue 13 §6, §7) ----------------------------------------


class CheckLevel(models.TextChoices):
    """Seed 002's three levels of spot check."""

    FIRST_SECRETARY = "first_secretary", _("First secretary")
    UNIT_LEADER = "unit_leader", _("Unit leader")
    RESPONSIBLE = "responsible", _("Responsible person")


class SpotCheck(models.Model):
    """抽查: one check of a building, a household, a post or a worker. Each finding is a Task
    (``Task.spot_check``): its deadline and state are the task's, so the 4 p.m. meeting reads one list."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    level = models.CharField(_("level"), max_length=16, choices=CheckLevel.choices)
    checker_name = models.CharField(_("checked by"), max_length=50)
    grid = models.ForeignKey(Grid, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grid"))
    building = models.ForeignKey(Building, models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("building"))
    household = models.ForeignKey(Household, models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("household"))
    post = models.ForeignKey("Post", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("post"))
    worker = models.ForeignKey(Worker, models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("worker"))
    on = models.DateField(_("day"), default=timezone.localdate)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    client_id = models.CharField(max_length=64, unique=True)

    objects = StaffQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "grid_id", "building": "building_id"}
    route_key = "spotcheck"

    class Meta:
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        ordering = ["-on", "-at"]

    def __str__(self):
        target = self.household or self.building or self.post or self.worker
        return f"{self.get_level_display()} · {target}"


class CommonArea(models.Model):
    """A common area disinfected on rounds: a lobby, a collection point, the square."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    grid = models.ForeignKey(Grid, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grid"))
    name = models.CharField(_("name"), max_length=100)

    objects = ScopedQuerySet.as_manager()  # about places: read by place, like seals
    scope_paths = {"community": "community_id", "grid": "grid_id"}

    class Meta:
        verbose_name = _("common area")
        verbose_name_plural = _("common areas")
        ordering = ["name"]
        constraints = [models.UniqueConstraint("community", "name", name="staff_area_once")]

    def __str__(self):
        return self.name


class DutySettings(models.Model):
    """A community's own numbers for staff duties (absent: the defaults in ``staff.checks``)."""

    community = models.OneToOneField(Community, models.CASCADE, related_name="+")
    disinfection_rounds = models.PositiveSmallIntegerField(_("disinfection rounds a day"), default=3)

    def __str__(self):
        return f"{self.community_id}"


class Disinfection(models.Model):
    """One round of disinfection of a building or a common area: what, when, by whom, with what."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    grid = models.ForeignKey(Grid, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grid"))
    building = models.ForeignKey(Building, models.CASCADE, null=True, blank=True, related_name="+",
                                 verbose_name=_("building"))
    area = models.ForeignKey(CommonArea, models.CASCADE, null=True, blank=True, related_name="rounds",
                             verbose_name=_("common area"))
    what = models.CharField(_("what was disinfected"), max_length=100, blank=True)
    agent = models.CharField(_("agent used"), max_length=60)
    on = models.DateField(_("day"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    worker = models.ForeignKey(Worker, models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("by"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    client_id = models.CharField(max_length=64, unique=True)

    objects = ScopedQuerySet.as_manager()  # about places: read by place, like seals
    scope_paths = {"community": "community_id", "grid": "grid_id", "building": "building_id"}

    class Meta:
        verbose_name = _("disinfection")
        verbose_name_plural = _("disinfections")
        ordering = ["-at"]
        indexes = [models.Index(fields=["community", "on"])]

    def __str__(self):
        return f"{self.building or self.area} {self.at:%H:%M}"


class GarbageStatus(models.TextChoices):
    COLLECTED = "collected", _("Collected")
    NOT_OUT = "not_out", _("Not put out")
    REFUSED = "refused", _("Refused")
    # Seen on a daily-five visit: the bag is at the door and nobody took it.
    LEFT = "left", _("Bag left uncollected")


class GarbageCollection(models.Model):
    """The garbage log of a sealed door: one row per write; the latest of the day is the door's state."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    grid = models.ForeignKey(Grid, models.SET_NULL, null=True, blank=True, related_name="+")
    building = models.ForeignKey(Building, models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, models.CASCADE, related_name="+", verbose_name=_("household"))
    on = models.DateField(_("day"))
    status = models.CharField(_("garbage"), max_length=10, choices=GarbageStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    client_id = models.CharField(max_length=64, unique=True)

    objects = ScopedQuerySet.as_manager()  # about places: read by place, like seals
    scope_paths = {"community": "community_id", "grid": "grid_id", "building": "building_id"}

    class Meta:
        indexes = [models.Index(fields=["community", "on", "household"])]

    def __str__(self):
        return f"{self.household_id} {self.on} {self.status}"
