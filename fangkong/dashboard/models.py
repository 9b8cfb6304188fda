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
    # Grid staff see the briefings of their community, cut to their grids (briefing.for_viewer).
    scope_paths = {"community": "community_id", "grid": "community__grids__id"}

    class Meta:
        ordering = ["-day", "-pk"]
        constraints = [models.UniqueConstraint(fields=["community", "day"], name="one_briefing_a_day")]

    def __str__(self):
        return f"{self.day}"


# --- the status map (战疫地图) ---------------------------------------------------------------


class SitePlan(models.Model):
    """The community's site plan: one image (a drawing, a scanned census map, a drone photo) the
    buildings are drawn on, kept in the database with its size so that the map and its outlines
    travel together (a backup of the database is a backup of the map)."""

    community = models.OneToOneField(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    image = models.BinaryField(_("image"))
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField(_("width (pixels)"))
    height = models.PositiveIntegerField(_("height (pixels)"))
    name = models.CharField(_("file name"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    objects = ScopedQuerySet.as_manager()
    # Not personal data: whoever reaches any grid or building of the community sees its plan.
    scope_paths = {"community": "community_id", "grid": "community__grids__id",
                   "building": "community__buildings__id"}

    class Meta:
        verbose_name = _("site plan")
        verbose_name_plural = _("site plans")

    def __str__(self):
        return self.name or f"{self.width}×{self.height}"


class ShapeKind(models.TextChoices):
    POLYGON = "polygon", _("Outline")
    POINT = "point", _("Point")


class BuildingShape(models.Model):
    """A building drawn on its community's site plan: an outline (its corners) or a point, in
    pixels of the image (x to the right, y downwards from the top left corner)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    building = models.OneToOneField("core.Building", models.CASCADE, related_name="map_shape",
                                    verbose_name=_("building"))
    kind = models.CharField(_("kind"), max_length=8, choices=ShapeKind.choices, default=ShapeKind.POLYGON)
    # [[x, y], ...]: the corners of the outline (not closed), or one point.
    points = models.JSONField(_("points"))
    drawn_at = models.DateTimeField(_("drawn"), default=timezone.now)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                 related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "building__grid_id", "building": "building_id"}

    class Meta:
        verbose_name = _("building on the map")
        verbose_name_plural = _("buildings on the map")
        indexes = [models.Index(fields=["community", "building"])]

    def __str__(self):
        return f"{self.building_id} {self.kind}"


class FiguresCache(models.Model):
    """The daily figures of one community on one day as last computed (figures.compute), so that
    the screens of a command post, its grid leaders' phones and the district's roll-up read one
    row instead of the tables (DHIS2's lesson: its dashboards time out over the raw records).

    Refreshed when older than settings.FANGKONG_FIGURES_MAX_AGE seconds by the page that reads
    it (one community), in the background (a district's communities), by ``fangkong
    refresh-figures`` and by every briefing issued. Never shown to a user as such: the figures
    service cuts it to the grids the user sees."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    day = models.DateField()
    computed_at = models.DateTimeField(default=timezone.now)
    took_ms = models.PositiveIntegerField(default=0)
    keys = models.JSONField(default=list)  # the figure keys, in order (those of the installed apps)
    rounds = models.JSONField(default=dict)  # {"screening": id, "testing": id}
    total = models.JSONField(default=dict)  # the whole community, rows in no grid included
    grids = models.JSONField(default=dict)  # grid id (a string) -> {key: n}
    # A background refresh asked for and not done yet: another reader does not ask again.
    refresh_asked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "day"], name="one_figures_cache_a_day")]

    def __str__(self):
        return f"{self.community_id} {self.day}"


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being generated")
    DONE = "done", _("Issued")
    FAILED = "failed", _("Failed")


class BriefingJob(models.Model):
    """A briefing asked for from the page, generated in the background (fangkong.lib.tasks)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    day = models.DateField()
    tomorrow = models.TextField(blank=True)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.PENDING)
    briefing = models.ForeignKey(Briefing, models.SET_NULL, null=True, blank=True, related_name="+")
    message = models.CharField(max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id"}

    class Meta:
        ordering = ["-asked_at", "-pk"]

    def __str__(self):
        return f"{self.community_id} {self.day} {self.status}"
