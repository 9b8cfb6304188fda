"""Ledgers in and out (台账) and door-to-door screening rounds (摸排)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import Community, Household, Person
from fangkong.core.operations import PlaceOperation
from fangkong.core.scope import ScopedQuerySet


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Could not be read")


class ImportJob(models.Model):
    """One uploaded ledger file and what became of each of its rows."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="import_jobs", verbose_name=_("community"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("by"))
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file"), max_length=200)
    dry_run = models.BooleanField(_("dry run"), default=False)
    create_places = models.BooleanField(_("create missing buildings and households"), default=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("added"), default=0)
    updated = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    reported = models.PositiveIntegerField(_("reported"), default=0)
    mapping = models.JSONField(default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    error_report = models.FileField(upload_to="imports/errors/%Y/%m/", blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "owner": "created_by_id"}

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("import_detail", args=[self.pk])


class ScreeningRound(PlaceOperation):
    """摸排: a door-to-door count over a scope, with a start and an end.

    The scope is the whole community when neither grids nor buildings are chosen, otherwise the
    households of the chosen grids plus those of the chosen buildings (computed each time, never
    stored per household: see ``registry.screening.round_households``)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="screening_rounds",
                                  verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    starts_at = models.DateTimeField(_("starts"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    close_reason = models.CharField(_("reason for closing"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("screening round")
        verbose_name_plural = _("screening rounds")
        ordering = ["-starts_at"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("round_detail", args=[self.pk])


class Outcome(models.TextChoices):
    FOUND = "found", _("Found")
    NOBODY_HOME = "nobody_home", _("Nobody home")
    REFUSED = "refused", _("Refused")
    VACANT = "vacant", _("Vacant")


class Visit(models.Model):
    """One knock on one door in a round. The latest visit is the household's outcome; a
    "nobody home" puts the household on the revisit list, due 6 hours later."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    round = models.ForeignKey(ScreeningRound, models.CASCADE, related_name="visits")
    household = models.ForeignKey(Household, models.CASCADE, related_name="visits")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    revisit_due = models.DateTimeField(_("revisit by"), null=True, blank=True)
    confirmed = models.PositiveSmallIntegerField(default=0)
    added = models.PositiveSmallIntegerField(default=0)
    moved_out = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Sent by the phone with every tap: the same tap sent twice (a retry after a dropped
    # connection) is recorded once.
    client_id = models.CharField(max_length=64, blank=True)
    is_latest = models.BooleanField(default=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "household__building__grid_id",
                   "building": "household__building_id"}

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint("round", "client_id", condition=~Q(client_id=""), name="visit_client_id_once"),
            models.UniqueConstraint("round", "household", condition=Q(is_latest=True), name="visit_one_latest"),
        ]
        indexes = [models.Index(fields=["round", "is_latest", "outcome"])]

    def __str__(self):
        return f"{self.household_id} {self.outcome}"


class MemberCheck(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    ADDED = "added", _("Added")
    MOVED_OUT = "moved_out", _("Moved out")


class RoundMember(models.Model):
    """Who is really there now (实有人口): one row per person a round confirmed, added or found
    moved out, in the household where the knock happened. The counts on the household's latest
    visit are kept equal to these rows, so coverage reads visits alone."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    round = models.ForeignKey(ScreeningRound, models.CASCADE, related_name="members")
    household = models.ForeignKey(Household, models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=MemberCheck.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    client_id = models.CharField(max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "household__building__grid_id",
                   "building": "household__building_id"}

    class Meta:
        constraints = [
            models.UniqueConstraint("round", "person", name="round_member_once"),
            models.UniqueConstraint("round", "client_id", condition=~Q(client_id=""),
                                    name="round_member_client_id_once"),
        ]
        indexes = [models.Index(fields=["round", "household"])]

    def __str__(self):
        return f"{self.round_id}:{self.person_id} {self.status}"
