"""The day's problems the grids raise, and the briefings the command post issues.

A briefing is frozen when issued: its figures, its problems and its text are stored with it, so
yesterday's briefing shows yesterday's figures as they were read out, whatever changed since."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import Community, Grid
from fangkong.core.scope import ScopedQuerySet


class ProblemKind(models.TextChoices):
    PROBLEM = "problem", _("Problem or difficulty")
    NEED = "need", _("Need from the command post")


class Problem(models.Model):
    """难点、痛点: one problem (or need) a grid raises for the day's meeting."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    grid = models.ForeignKey(Grid, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("grid"))
    day = models.DateField(_("day"), default=timezone.localdate)
    kind = models.CharField(_("kind"), max_length=8, choices=ProblemKind.choices, default=ProblemKind.PROBLEM)
    text = models.CharField(_("what"), max_length=300)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "grid_id", "building": "grid__buildings__id"}

    class Meta:
        ordering = ["day", "grid__number", "at", "pk"]
        indexes = [models.Index(fields=["community", "day"])]

    def __str__(self):
        return self.text[:40]


class Briefing(models.Model):
    """每日简报: issued once a day per community (issuing again the same day replaces it)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    day = models.DateField(_("day"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    # Frozen at issue: Figures.as_json() for the community, the figures of the day before (for
    # the change), the problems raised and the overdue tasks as plain text.
    figures = models.JSONField(default=dict)
    previous = models.JSONField(default=dict)
    problems = models.JSONField(default=list)
    overdue = models.JSONField(default=list)
    tomorrow = models.TextField(_("tomorrow's work"), blank=True)

    objects = ScopedQuerySet.as_manager()
    # The whole community's figures: only roles that reach the whole community see it.
    scope_paths = {"community": "community_id"}

    class Meta:
        ordering = ["-day", "-pk"]
        constraints = [models.UniqueConstraint(fields=["community", "day"], name="one_briefing_a_day")]

    def __str__(self):
        return f"{self.day}"
