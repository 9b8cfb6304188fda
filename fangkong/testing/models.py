"""Testing rounds (全员核酸): rounds, person codes, tubes and pools, samples, results, antigen reports.

Who must be tested, who was sampled and what came back are computed from these rows every time
(see ``testing.services``): a person's status in a round is the result of the tube their live
sample is in, never a copy kept per person. Only what happens to people because of a result
(single-tube retest, positive) is also written to their timeline.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import Building, Community, Person
from fangkong.core.operations import PlaceOperation
from fangkong.core.scope import ScopedQuerySet


class PoolSize(models.IntegerChoices):
    SINGLE = 1, _("Single tube (1)")
    FIVE = 5, _("5 in 1")
    TEN = 10, _("10 in 1")
    TWENTY = 20, _("20 in 1")


class TestRound(PlaceOperation):
    """全员核酸: everyone in a scope (the community, some grids, some buildings) tested on a date.

    A round made for the single-tube retest of another round's positive pools has ``retest_of``
    set: its people are that round's retest list, not everyone in scope."""

    __test__ = False  # not a pytest class, whatever its name

    community = models.ForeignKey(Community, models.CASCADE, related_name="test_rounds", verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    date = models.DateField(_("date"), default=timezone.localdate)
    pool_size = models.PositiveSmallIntegerField(_("pool size"), choices=PoolSize.choices, default=PoolSize.TEN)
    sampling_points = models.TextField(_("sampling points"), blank=True, help_text=_("One per line"))
    exempt_under_age = models.PositiveSmallIntegerField(
        _("infants exempt under (years)"), default=0, help_text=_("0: nobody is exempt by age"))
    retest_of = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="retests",
                                  verbose_name=_("retest of"))

    route_key = "testround"

    class Meta:
        verbose_name = _("testing round")
        verbose_name_plural = _("testing rounds")
        ordering = ["-date", "-id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("testround_detail", args=[self.pk])

    @property
    def point_list(self) -> list[str]:
        return [line.strip() for line in self.sampling_points.splitlines() if line.strip()]


class ExemptReason(models.TextChoices):
    AWAY = "away", _("Away")
    HOSPITALISED = "hospitalised", _("In hospital")
    INFANT = "infant", _("Infant")
    OTHER = "other", _("Other")


class Exemption(models.Model):
    """A person who need not be tested in a round, and why."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    round = models.ForeignKey(TestRound, models.CASCADE, related_name="exemptions")
    person = models.ForeignKey(Person, models.CASCADE, related_name="+", verbose_name=_("person"))
    reason = models.CharField(_("reason"), max_length=15, choices=ExemptReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "person__household__building__grid_id",
                   "building": "person__household__building_id"}

    class Meta:
        constraints = [models.UniqueConstraint("round", "person", name="exemption_once")]

    def __str__(self):
        return f"{self.person_id} {self.reason}"


class PersonCode(models.Model):
    """预登记码: the random key a person's QR code carries. Raising ``version`` revokes every code
    printed before (a lost sheet); the key itself stays."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    person = models.OneToOneField(Person, models.CASCADE, related_name="test_code")
    key = models.CharField(max_length=16, unique=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "person__household__building__grid_id",
                   "building": "person__household__building_id"}

    def __str__(self):
        return f"{self.person_id} v{self.version}"


class TubeResult(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INVALID = "invalid", _("Invalid")


class Tube(models.Model):
    """试管: one barcode, one round. It holds up to ``pool_size`` swabs and closes when full or by hand."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    round = models.ForeignKey(TestRound, models.CASCADE, related_name="tubes")
    code = models.CharField(_("tube barcode"), max_length=40)
    pool_size = models.PositiveSmallIntegerField(_("pool size"))
    n = models.PositiveSmallIntegerField(_("swabs"), default=0)
    point = models.CharField(_("sampling point"), max_length=100, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=TubeResult.choices, blank=True)
    result_at = models.DateTimeField(_("result time"), null=True, blank=True)
    # Where the result came from, so that a later file that contradicts it can be answered with
    # "already positive since file X, row N"; a correction by hand says so in correction_reason.
    result_file = models.CharField(_("results file"), max_length=200, blank=True)
    result_row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    # Rows of one file that disagree on this tube ([{"row": 3, "result": "positive"}, ...]), held
    # for a person to decide; until then the tube has the strictest of them.
    result_conflict = models.JSONField(_("conflicting rows"), default=list, blank=True)
    correction_reason = models.CharField(_("correction reason"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "round__reach_grids__id",
                   "building": "round__reach_grids__buildings__id"}

    class Meta:
        verbose_name = _("tube")
        verbose_name_plural = _("tubes")
        constraints = [models.UniqueConstraint("community", "code", name="tube_code_once")]
        indexes = [models.Index(fields=["round", "result"])]

    def __str__(self):
        return self.code

    @property
    def is_open(self):
        return self.closed_at is None


class Sample(models.Model):
    """One swab of one person into one tube. A person has at most one live sample per round; a
    sample in an invalid tube is made void, and the person is sampled again."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    # No index of their own for round and person: (round, client_id) and (person, round) below
    # serve every lookup by either, and each index is one more to write per swab.
    round = models.ForeignKey(TestRound, models.CASCADE, related_name="samples", db_index=False)
    tube = models.ForeignKey(Tube, models.CASCADE, related_name="samples")
    person = models.ForeignKey(Person, models.CASCADE, related_name="test_samples", db_index=False)
    client_id = models.CharField(max_length=64)
    scanned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    void = models.BooleanField(default=False)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "person__household__building__grid_id",
                   "building": "person__household__building_id"}

    class Meta:
        constraints = [
            models.UniqueConstraint("round", "person", condition=Q(void=False), name="sample_once_per_round"),
            models.UniqueConstraint("round", "client_id", name="sample_client_id_once"),
        ]
        # (person, round): a person's samples (the person file) and the coverage join, which the
        # partial unique index cannot serve on SQLite. The tube has its foreign key's index.
        indexes = [models.Index(fields=["person", "round"])]

    def __str__(self):
        return f"{self.tube_id}:{self.person_id}"


class Refusal(models.Model):
    """A scan the server refused, kept by its client id so that sending it again gives the same answer."""

    round = models.ForeignKey(TestRound, models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=64)
    code = models.CharField(max_length=30)
    message = models.CharField(max_length=300)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("round", "client_id", name="refusal_client_id_once")]

    def __str__(self):
        return f"{self.client_id} {self.code}"


class AntigenResult(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    NOT_DONE = "not_done", _("Not done")


class AntigenReport(models.Model):
    """抗原自测: one person's self-test on one day, entered by the building leader."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, related_name="antigen_reports")
    date = models.DateField(_("date"), default=timezone.localdate)
    result = models.CharField(_("result"), max_length=10, choices=AntigenResult.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "person__household__building__grid_id",
                   "building": "person__household__building_id"}

    class Meta:
        constraints = [models.UniqueConstraint("person", "date", name="antigen_once_a_day")]
        indexes = [models.Index(fields=["community", "date", "result"])]

    def __str__(self):
        return f"{self.person_id} {self.date} {self.result}"


class SamplingSlot(models.Model):
    """排班: when a building comes down to which sampling point ("8:00-8:30 楼栋 3 下楼"). One slot
    per building and round; the building leader pastes its notice into the building's chat group."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    round = models.ForeignKey(TestRound, models.CASCADE, related_name="slots")
    building = models.ForeignKey(Building, models.CASCADE, related_name="+", verbose_name=_("building"))
    point = models.CharField(_("sampling point"), max_length=100)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "building__grid_id", "building": "building_id"}

    class Meta:
        verbose_name = _("sampling slot")
        verbose_name_plural = _("sampling slots")
        constraints = [models.UniqueConstraint("round", "building", name="slot_once_per_building")]

    def __str__(self):
        return f"{self.starts:%H:%M}-{self.ends:%H:%M} {self.building_id}"
