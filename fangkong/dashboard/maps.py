"""The status map (战疫地图): the community's site plan with its buildings drawn on it, coloured by
a layer of the day's figures.

- ``upload_plan``: the site plan, an image checked by Pillow (an image, not too large, not too
  many pixels); a new plan of another size scales the outlines already drawn to it.
- ``save_shape``: one building drawn in the browser, its corners clicked (or one point);
  ``import_geojson``: many at once, from a GeoJSON file (Polygon or Point features whose
  properties name the door number or the building id). Either all of a file is saved or none.
- ``building_layer``: every building the user sees, its shape and, for the chosen layer, its
  class (the colour) and its count. Set-based: one query for the buildings and one or two for
  the layer's counts, whatever the number of buildings (benchmarks/map_layer.py).

Coordinates are pixels of the site plan image: x to the right and y downwards from its top left
corner, in the GeoJSON files too (``[x, y]``).
"""

import datetime as dt
import io
import json
import math
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.actions import require
from fangkong.core.errors import ServiceError
from fangkong.core.models import AuditAction, Building, ControlStatus, Role
from fangkong.core.scope import has_role, may_read, reaches
from fangkong.core.services import audit
from fangkong.lib.masking import mask_phone

from . import actions as can
from .models import BuildingShape, ShapeKind, SitePlan

PLAN_MAX_BYTES = 10 * 1024 * 1024
PLAN_MAX_PIXELS = 40_000_000  # 8000 × 5000: a drone mosaic at a usable size, not a decompression bomb
PLAN_MIN_SIDE = 200
PLAN_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
GEOJSON_MAX_BYTES = 5 * 1024 * 1024
MAX_CORNERS = 200


class MapError(ServiceError):
    pass


# --- the site plan -----------------------------------------------------------------------------


def plan_of(community) -> SitePlan | None:
    """The community's plan without its image bytes (those are read only to serve them)."""
    return SitePlan.objects.defer("image").filter(community=community).first()


def _read_image(data: bytes, name: str):
    from PIL import Image, UnidentifiedImageError

    if len(data) > PLAN_MAX_BYTES:
        raise MapError(_("Site plan %(name)s: %(mb).1f MB is too large (at most %(max)d MB). Save it smaller "
                         "or as JPEG.") % {"name": name, "mb": len(data) / 1024 / 1024,
                                           "max": PLAN_MAX_BYTES // 1024 // 1024},
                       code="too_large", field="image")
    if not data:
        raise MapError(_("Site plan: the file is empty."), code="empty", field="image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            if width * height > PLAN_MAX_PIXELS:
                raise MapError(_("Site plan %(name)s: %(w)d × %(h)d pixels is too large (at most %(max)d million "
                                 "pixels).") % {"name": name, "w": width, "h": height,
                                                "max": PLAN_MAX_PIXELS // 1_000_000},
                               code="too_many_pixels", field="image")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise MapError(_("Site plan %(name)s: not an image (a PNG, JPEG or WebP picture is needed).")
                       % {"name": name}, code="not_an_image", field="image") from None
    if kind not in PLAN_FORMATS:
        raise MapError(_("Site plan %(name)s: a %(kind)s image; save it as PNG, JPEG or WebP.")
                       % {"name": name, "kind": kind}, code="bad_format", field="image")
    if min(width, height) < PLAN_MIN_SIDE:
        raise MapError(_("Site plan %(name)s: %(w)d × %(h)d pixels is too small to draw buildings on (at least "
                         "%(min)d pixels each side).") % {"name": name, "w": width, "h": height,
                                                          "min": PLAN_MIN_SIDE},
                       code="too_small", field="image")
    return kind, width, height


@transaction.atomic
def upload_plan(actor, community, data: bytes, name: str = "") -> SitePlan:
    """Replace the community's site plan. Outlines drawn on the old plan are scaled to the new
    one's size (the same drawing scanned again at another resolution keeps its buildings)."""
    require(actor, can.EDIT_MAP, community)
    name = (name or "").strip()[:200]
    kind, width, height = _read_image(data, name or _("(no name)"))
    before = SitePlan.objects.select_for_update().defer("image").filter(community=community).first()
    if before is not None and (before.width, before.height) != (width, height):
        sx, sy = width / before.width, height / before.height
        shapes = list(BuildingShape.objects.filter(community=community))
        for shape in shapes:
            shape.points = [[round(x * sx, 1), round(y * sy, 1)] for x, y in shape.points]
        BuildingShape.objects.bulk_update(shapes, ["points"], batch_size=500)
    plan, created = SitePlan.objects.update_or_create(community=community, defaults={
        "image": data, "content_type": PLAN_FORMATS[kind], "width": width, "height": height, "name": name,
        "uploaded_at": timezone.now(), "uploaded_by": actor if getattr(actor, "is_authenticated", False) else None})
    audit(actor, AuditAction.CREATE if created else AuditAction.CHANGE, plan, community=community,
          changes={"site_plan": [f"{before.width}×{before.height}" if before else "", f"{width}×{height}"]})
    return plan


# --- drawing the buildings -------------------------------------------------------------------


def clean_points(plan: SitePlan, kind: str, points, where: str) -> list[list[float]]:
    """The points as [[x, y], ...] inside the plan, or a MapError saying what and where."""
    if kind not in ShapeKind.values:
        raise MapError(_("%(where)s: draw an outline or a point.") % {"where": where}, code="bad_kind", field="kind")
    if not isinstance(points, list) or not all(isinstance(p, list | tuple) and len(p) >= 2 for p in points):
        raise MapError(_("%(where)s: the corners are not a list of [x, y] points.") % {"where": where},
                       code="bad_points", field="points")
    cleaned = []
    for point in points:
        x, y = point[0], point[1]
        if isinstance(x, bool) or isinstance(y, bool) or not isinstance(x, int | float) \
                or not isinstance(y, int | float) or not math.isfinite(x) or not math.isfinite(y):
            raise MapError(_("%(where)s: %(point)s is not a point [x, y].") % {"where": where, "point": point},
                           code="bad_points", field="points")
        if not (0 <= x <= plan.width and 0 <= y <= plan.height):
            raise MapError(_("%(where)s: the point [%(x)s, %(y)s] lies outside the site plan (%(w)d × %(h)d "
                             "pixels).") % {"where": where, "x": round(x, 1), "y": round(y, 1), "w": plan.width,
                                            "h": plan.height}, code="outside", field="points")
        cleaned.append([round(float(x), 1), round(float(y), 1)])
    if kind == ShapeKind.POINT:
        if len(cleaned) != 1:
            raise MapError(_("%(where)s: a point is one click on the map.") % {"where": where},
                           code="bad_points", field="points")
        return cleaned
    if len(cleaned) > 1 and cleaned[0] == cleaned[-1]:
        cleaned = cleaned[:-1]  # a closed ring, as GeoJSON writes it
    corners = []
    for point in cleaned:
        if not corners or point != corners[-1]:
            corners.append(point)
    if len(corners) < 3:
        raise MapError(_("%(where)s: an outline needs at least 3 corners (%(n)d given).")
                       % {"where": where, "n": len(corners)}, code="too_few_corners", field="points")
    if len(corners) > MAX_CORNERS:
        raise MapError(_("%(where)s: at most %(max)d corners (%(n)d given).")
                       % {"where": where, "max": MAX_CORNERS, "n": len(corners)}, code="too_many_corners",
                       field="points")
    if _area(corners) < 1:
        raise MapError(_("%(where)s: the corners lie on one line; click around the building.") % {"where": where},
                       code="flat", field="points")
    return corners


def _area(points) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True))) / 2


def _need_plan(community) -> SitePlan:
    plan = plan_of(community)
    if plan is None:
        raise MapError(_("Upload the site plan first: the buildings are drawn on it."), code="no_plan")
    return plan


@transaction.atomic
def save_shape(actor, building: Building, kind: str, points, replace: bool = False) -> BuildingShape:
    """Draw one building on its community's plan. A building already drawn is redrawn only when
    ``replace`` says so (the page asks): drawing it twice by mistake is refused."""
    require(actor, can.EDIT_MAP, building)
    plan = _need_plan(building.community_id)
    where = _("Building %(door)s") % {"door": building.door_number}
    points = clean_points(plan, kind, points, where)
    existing = BuildingShape.objects.select_for_update().filter(building=building).first()
    if existing is not None and not replace:
        raise MapError(_("Building %(door)s is already on the map. To draw it again, tick \"replace its "
                         "outline\".") % {"door": building.door_number}, code="drawn_twice", field="building")
    by = actor if getattr(actor, "is_authenticated", False) else None
    if existing is None:
        shape = BuildingShape.objects.create(community_id=building.community_id, building=building, kind=kind,
                                             points=points, drawn_by=by)
    else:
        existing.kind, existing.points, existing.drawn_by, existing.drawn_at = kind, points, by, timezone.now()
        existing.save()
        shape = existing
    audit(actor, AuditAction.CHANGE if existing else AuditAction.CREATE, building,
          changes={"map": ["drawn" if existing else "", f"{kind} {len(points)}"]})
    return shape


@transaction.atomic
def remove_shape(actor, building: Building) -> bool:
    require(actor, can.EDIT_MAP, building)
    deleted, _rows = BuildingShape.objects.filter(building=building).delete()
    if deleted:
        audit(actor, AuditAction.CHANGE, building, changes={"map": ["drawn", ""]})
    return bool(deleted)


DOOR_KEYS = ("door_number", "door", "门牌号", "门牌")


@dataclass
class ImportResult:
    created: int
    replaced: int


def _as_id(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _as_door(value) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _feature_building(feature, properties, by_door, by_id, where):
    """The building a feature names: by ``building_id``, else by its door number (and estate),
    else by an ``id`` (of the properties or the feature) that is a building id."""
    building_id = _as_id(properties.get("building_id"))
    if building_id is None:
        door = next((_as_door(properties.get(key)) for key in DOOR_KEYS if _as_door(properties.get(key))), "")
        if door:
            found = by_door.get(door, [])
            estate = _as_door(properties.get("estate") or properties.get("小区"))
            if estate:
                found = [b for b in found if b.estate is not None and b.estate.name == estate]
            if len(found) == 1:
                return found[0]
            if not found:
                raise MapError(_("%(where)s: no building with door number %(door)s in this community.")
                               % {"where": where, "door": door}, code="unknown_building")
            raise MapError(_("%(where)s: door number %(door)s is in more than one estate; give \"estate\" or "
                             "\"building_id\".") % {"where": where, "door": door}, code="ambiguous_door")
        building_id = _as_id(properties.get("id"))
        if building_id is None:
            building_id = _as_id(feature.get("id"))
    if building_id is None:
        raise MapError(_("%(where)s: its properties name no building (give \"door_number\" or \"building_id\").")
                       % {"where": where}, code="no_building")
    building = by_id.get(building_id)
    if building is None:
        raise MapError(_("%(where)s: no building %(id)s in this community.") % {"where": where, "id": building_id},
                       code="unknown_building")
    return building


@transaction.atomic
def import_geojson(actor, community, data: bytes, replace: bool = False) -> ImportResult:
    """Draw many buildings from a GeoJSON FeatureCollection. Every feature is checked first: one
    error (not a polygon, outside the plan, an unknown door, a building twice) and nothing is saved."""
    require(actor, can.EDIT_MAP, community)
    plan = _need_plan(community)
    if len(data) > GEOJSON_MAX_BYTES:
        raise MapError(_("GeoJSON: the file is too large (at most %(max)d MB).")
                       % {"max": GEOJSON_MAX_BYTES // 1024 // 1024}, code="too_large", field="file")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise MapError(_("GeoJSON: not a JSON file (%(error)s).") % {"error": str(error)[:120]},
                       code="not_json", field="file") from None
    if isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    elif isinstance(document, dict) and document.get("type") == "FeatureCollection" \
            and isinstance(document.get("features"), list):
        features = document["features"]
    else:
        raise MapError(_("GeoJSON: a FeatureCollection of the buildings is needed."), code="not_features",
                       field="file")
    if not features:
        raise MapError(_("GeoJSON: the file has no features."), code="empty", field="file")
    buildings = list(Building.objects.filter(community=community).select_related("estate"))
    by_id = {b.pk: b for b in buildings}
    by_door: dict[str, list] = {}
    for building in buildings:
        by_door.setdefault(building.door_number, []).append(building)
    drawn = set(BuildingShape.objects.filter(community=community).values_list("building_id", flat=True))
    seen: dict[int, int] = {}
    rows = []
    for number, feature in enumerate(features, start=1):
        where = _("Feature %(n)d") % {"n": number}
        if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
            raise MapError(_("%(where)s: not a feature with a geometry.") % {"where": where}, code="bad_feature")
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        building = _feature_building(feature, properties, by_door, by_id, where)
        where = _("Feature %(n)d (building %(door)s)") % {"n": number, "door": building.door_number}
        geometry = feature["geometry"]
        kind = geometry.get("type")
        coordinates = geometry.get("coordinates")
        if kind == "Polygon" and isinstance(coordinates, list) and coordinates:
            shape_kind, points = ShapeKind.POLYGON, coordinates[0]
        elif kind == "Point":
            shape_kind, points = ShapeKind.POINT, [coordinates]
        else:
            raise MapError(_("%(where)s: a %(kind)s; only Polygon outlines and Point positions can be imported.")
                           % {"where": where, "kind": kind or _("geometry without a type")}, code="not_a_polygon")
        points = clean_points(plan, shape_kind, points, where)
        if building.pk in seen:
            raise MapError(_("%(where)s: the building is drawn twice in the file (also feature %(other)d).")
                           % {"where": where, "other": seen[building.pk]}, code="drawn_twice")
        seen[building.pk] = number
        if building.pk in drawn and not replace:
            raise MapError(_("%(where)s: the building is already on the map. Tick \"replace outlines already "
                             "drawn\" to draw it again.") % {"where": where}, code="drawn_twice")
        rows.append((building, shape_kind, points))
    by = actor if getattr(actor, "is_authenticated", False) else None
    replaced = [b.pk for b, _k, _p in rows if b.pk in drawn]
    BuildingShape.objects.filter(building_id__in=replaced).delete()
    BuildingShape.objects.bulk_create([BuildingShape(community=community, building=b, kind=k, points=p, drawn_by=by)
                                       for b, k, p in rows], batch_size=500)
    result = ImportResult(created=len(rows) - len(replaced), replaced=len(replaced))
    audit(actor, AuditAction.CHANGE, plan,
          community=community, changes={"outlines": ["", f"{result.created} new, {result.replaced} replaced"]})
    return result


def as_geojson(user, community) -> dict:
    """The buildings drawn, as the GeoJSON ``import_geojson`` reads (for a backup or a GIS)."""
    require(user, can.VIEW_MAP, community)
    shapes = (BuildingShape.objects.filter(community=community, building__in=Building.objects.visible_to(user))
              .select_related("building").order_by("building__door_sort"))
    features = []
    for shape in shapes:
        if shape.kind == ShapeKind.POINT:
            geometry = {"type": "Point", "coordinates": shape.points[0]}
        else:
            geometry = {"type": "Polygon", "coordinates": [[*shape.points, shape.points[0]]]}
        features.append({"type": "Feature", "geometry": geometry,
                         "properties": {"building_id": shape.building_id, "door_number": shape.building.door_number}})
    return {"type": "FeatureCollection", "features": features}


# --- the layers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    key: str
    label: str
    # What the counts read, for who may see the layer (core.scope.READ_ROLES); "" reads places only.
    reads: str
    legend: tuple  # (class, label, colour) in the legend's order
    count_label: str = ""
    app: str = ""


GREY = "#adb5bd"
LAYERS = [
    Layer("status", gettext_lazy("Control status"), "", (
        (ControlStatus.SEALED, gettext_lazy("Sealed"), "#c0392b"),
        (ControlStatus.CONTROLLED, gettext_lazy("Controlled"), "#e67e22"),
        (ControlStatus.GUARDED, gettext_lazy("Guarded"), "#f1c40f"),
        (ControlStatus.NORMAL, gettext_lazy("Normal"), "#27ae60")),
        gettext_lazy("households sealed")),
    Layer("cases", gettext_lazy("Cases and key persons"), "health.keyperson", (
        ("confirmed", gettext_lazy("Confirmed case"), "#7b241c"),
        ("red", gettext_lazy("Red key persons"), "#e74c3c"),
        ("orange", gettext_lazy("Orange key persons"), "#e67e22"),
        ("yellow", gettext_lazy("Yellow key persons"), "#f1c40f"),
        ("none", gettext_lazy("None"), GREY)),
        gettext_lazy("key persons")),
    Layer("untested", gettext_lazy("Untested in the current round"), "core.person", (
        ("untested", gettext_lazy("Some untested"), "#8e44ad"),
        ("done", gettext_lazy("All tested"), "#27ae60"),
        ("none", gettext_lazy("Nobody to test / no round"), GREY)),
        gettext_lazy("untested")),
    Layer("seals_broken", gettext_lazy("Seals broken today"), "health.seal", (
        ("broken", gettext_lazy("Seal broken today"), "#c0392b"),
        ("none", gettext_lazy("None"), GREY)),
        gettext_lazy("seals broken")),
    Layer("deliveries", gettext_lazy("Deliveries due"), "", (
        ("due", gettext_lazy("Deliveries due"), "#2980b9"),
        ("none", gettext_lazy("None"), GREY)),
        gettext_lazy("requests open"), app="fangkong.supplies"),
    Layer("reports", gettext_lazy("Daily reports missing"), "health.healthreport", (
        ("missing", gettext_lazy("Reports missing"), "#d35400"),
        ("none", gettext_lazy("None"), GREY)),
        gettext_lazy("reports missing")),
]
LAYER_KEYS = {layer.key: layer for layer in LAYERS}
STATUS_RANK = {ControlStatus.SEALED: 0, ControlStatus.CONTROLLED: 1, ControlStatus.GUARDED: 2,
               ControlStatus.NORMAL: 3}


def plan_for(user, community) -> SitePlan | None:
    """The community's site plan, for a user whose role may see the map."""
    require(user, can.VIEW_MAP, community)
    return plan_of(community)


def layers_for(user, community) -> list[Layer]:
    """The layers the user may see in the community: those of installed apps whose rows their
    role reads (a delivery volunteer sees the control status and the deliveries, no health).
    Who may see the map at all is dashboard.view_map; the layer, the PDF and the page ask here."""
    require(user, can.VIEW_MAP, community)
    found = []
    for layer in LAYERS:
        if layer.app and not apps.is_installed(layer.app):
            continue
        if layer.reads and not _reads(user, community, layer.reads):
            continue
        found.append(layer)
    return found


def _group(queryset, path: str, **annotations) -> dict[int, dict]:
    """{building id: {annotation: value}}: one GROUP BY query."""
    return {row.pop("b"): row for row in queryset.order_by().values(b=F(path)).annotate(**annotations)}


def _reads(user, community, label: str) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    model = apps.get_model(label)
    return any(r.community_id == community.pk and may_read(r.role, model) for r in reaches(user))


def _counts_status(user, community, day):
    from fangkong.health.models import Seal

    seals = (Seal.objects.visible_to(user).filter(community=community, sealed_on__lte=day)
             .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=day)))
    return {b: row["n"] for b, row in _group(seals, "household__building_id",
                                             n=Count("household", distinct=True)).items()}


def _counts_cases(user, community, day):
    from fangkong.health.models import Colour, KeyPerson, State

    rows = _group(KeyPerson.objects.visible_to(user).filter(community=community).exclude(state=State.CLEARED),
                  "person__household__building_id", n=Count("pk"),
                  confirmed=Count("pk", filter=Q(state=State.CONFIRMED)),
                  red=Count("pk", filter=Q(colour=Colour.RED)), orange=Count("pk", filter=Q(colour=Colour.ORANGE)),
                  yellow=Count("pk", filter=Q(colour=Colour.YELLOW)))
    return rows


def _latest_test_round(community, day):
    from fangkong.testing.models import TestRound

    return (TestRound.objects.filter(community=community, date__lte=day).order_by("-date", "-pk").first())


def _counts_untested(user, community, day, round_):
    from fangkong.testing.models import Sample
    from fangkong.testing.services import must_test

    if round_ is None:
        return {}
    live = Sample.objects.filter(round_id=round_.pk, person_id=OuterRef("pk"), void=False)
    return _group(must_test(round_, user), "household__building_id", total=Count("pk"),
                  untested=Count("pk", filter=~Q(Exists(live))))


def _counts_broken(user, community, day):
    from fangkong.health.models import Seal, SealCheck, SealResult

    seals = (Seal.objects.visible_to(user).filter(community=community)
             .filter(Exists(SealCheck.objects.filter(seal=OuterRef("pk"), on=day, result=SealResult.BROKEN))))
    return {b: row["n"] for b, row in _group(seals, "household__building_id", n=Count("pk")).items()}


def _counts_deliveries(user, community, day):
    from fangkong.supplies.models import OPEN_STATUSES, Request

    requests = Request.objects.visible_to(user).filter(community=community, status__in=OPEN_STATUSES)
    return {b: row["n"] for b, row in _group(requests, "household__building_id", n=Count("pk")).items()}


def _counts_reports(user, community, day):
    from fangkong.health.services import missing_reports

    return {row["household__building_id"]: row["missing"]
            for row in missing_reports(user, day).filter(community=community)}


def _classify(layer: str, counts, building_status: str):
    """(class, count) of one building on the layer."""
    if layer == "status":
        return building_status, counts.get("n", 0) if isinstance(counts, dict) else counts or 0
    if layer == "cases":
        if not counts:
            return "none", 0
        for cls in ("confirmed", "red", "orange", "yellow"):
            if counts.get(cls):
                return cls, counts["n"]
        return "none", counts["n"]
    if layer == "untested":
        if not counts or not counts.get("total"):
            return "none", 0
        return ("untested" if counts["untested"] else "done"), counts["untested"]
    n = counts or 0
    return ({"seals_broken": "broken", "deliveries": "due", "reports": "missing"}[layer] if n else "none"), n


def visible_buildings(user, community):
    """The buildings the user sees on the map: those of their reach and, for a delivery
    volunteer, the doors their runs take them to (a run is not bound to their usual buildings)."""
    buildings = Building.objects.visible_to(user).filter(community=community)
    if apps.is_installed("fangkong.supplies") and not getattr(user, "is_superuser", False) \
            and has_role(user, Role.DELIVERY_VOLUNTEER, community_id=community.pk):
        from fangkong.supplies.models import OPEN_STATUSES, Request

        on_runs = (Request.objects.visible_to(user).filter(community=community, status__in=OPEN_STATUSES,
                                                           run__isnull=False).values("household__building_id"))
        buildings = Building.objects.filter(community=community).filter(Q(pk__in=buildings.values("pk"))
                                                                         | Q(pk__in=on_runs))
    return buildings


def building_layer(user, community, layer_key: str = "status", day: dt.date | None = None) -> dict:
    """Every building of the community the user sees, with its shape on the plan (None: not
    drawn yet), its label (door number, landlord's masked phone) and the chosen layer's class and
    count. Two to four queries, whatever the number of buildings."""
    day = day or timezone.localdate()
    offered = {layer.key: layer for layer in layers_for(user, community)}
    layer = offered.get(layer_key)
    if layer is None:
        raise MapError(_("Layer: %(key)s is not a layer you may see.") % {"key": layer_key}, code="bad_layer",
                       field="layer")
    rows = (visible_buildings(user, community).order_by("door_sort")
            .values_list("pk", "door_number", "landlord_phone", "control_status", "grid__control_status",
                         "map_shape__kind", "map_shape__points"))
    extra = {}
    if layer.key == "status":
        # The count is of households sealed: only for a role that reads the seals.
        counts = _counts_status(user, community, day) if _reads(user, community, "health.seal") else {}
    elif layer.key == "cases":
        counts = _counts_cases(user, community, day)
    elif layer.key == "untested":
        round_ = _latest_test_round(community, day)
        extra["round"] = round_.name if round_ else ""
        counts = _counts_untested(user, community, day, round_)
    elif layer.key == "seals_broken":
        counts = _counts_broken(user, community, day)
    elif layer.key == "deliveries":
        counts = _counts_deliveries(user, community, day)
    else:
        counts = _counts_reports(user, community, day)
    url = reverse("building_detail", args=[0])
    community_rank = STATUS_RANK.get(community.control_status, 3)
    ranks = {rank: status for status, rank in STATUS_RANK.items()}
    buildings = []
    totals: dict[str, int] = {}
    for pk, door, phone, status, grid_status, kind, points in rows:
        # The strictest of the building's own status, its grid's and the community's.
        rank = min(STATUS_RANK.get(status, 3), STATUS_RANK.get(grid_status, 3), community_rank)
        cls, n = _classify(layer.key, counts.get(pk), str(ranks[rank]))
        totals[cls] = totals.get(cls, 0) + 1
        buildings.append({"id": pk, "door": door, "phone": mask_phone(phone), "url": url.replace("/0/", f"/{pk}/"),
                          "kind": kind, "points": points, "cls": cls, "n": n})
    legend = [{"cls": str(cls), "label": str(label), "colour": colour, "buildings": totals.get(str(cls), 0)}
              for cls, label, colour in layer.legend]
    return {"layer": layer.key, "label": str(layer.label), "count_label": str(layer.count_label),
            "day": day.isoformat(), "legend": legend, "buildings": buildings, **extra}


def colours(layer_data) -> dict[str, str]:
    return {row["cls"]: row["colour"] for row in layer_data["legend"]}


# --- the printed sheet -----------------------------------------------------------------------

PAGE_SIZES = ("A4", "A3")


def centroid(points) -> tuple[float, float]:
    if len(points) < 3:
        return points[0][0], points[0][1]
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def map_pdf(user, community, layer_key: str = "status", size: str = "A4", day: dt.date | None = None) -> bytes:
    """The map for the wall and for teams without phones: the site plan with every building the
    user sees drawn over it in the layer's colours, its door number, count and the landlord's
    masked phone, and the legend; A4 or A3, turned to the plan's shape, in the embedded font."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A3, A4, landscape, portrait
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader

    from fangkong.lib.pdf import MARGIN, Sheet

    if size not in PAGE_SIZES:
        raise MapError(_("Paper: choose A4 or A3."), code="bad_size", field="size")
    data = building_layer(user, community, layer_key, day)
    plan = SitePlan.objects.filter(community=community).first()
    if plan is None:
        raise MapError(_("Upload the site plan first: the buildings are drawn on it."), code="no_plan")
    paper = A3 if size == "A3" else A4
    pagesize = landscape(paper) if plan.width >= plan.height else portrait(paper)
    buffer = io.BytesIO()
    title = _("%(community)s status map: %(layer)s") % {"community": community.name, "layer": data["label"]}
    sheet = Sheet(buffer, pagesize, title, user)
    c = sheet.canvas
    top = sheet.height - MARGIN
    sheet.text(MARGIN, top - 5 * mm, title, 14, width=sheet.width - 2 * MARGIN - 40 * mm)
    sheet.text(sheet.width - MARGIN, top - 5 * mm, data["day"], 10, anchor="right", gray=0.3)
    legend_height = 9 * mm
    area_bottom = MARGIN + legend_height
    area_top = top - 9 * mm
    area_width, area_height = sheet.width - 2 * MARGIN, area_top - area_bottom
    scale = min(area_width / plan.width, area_height / plan.height)
    ox = MARGIN + (area_width - plan.width * scale) / 2
    oy = area_bottom + (area_height - plan.height * scale) / 2
    c.drawImage(ImageReader(io.BytesIO(bytes(plan.image))), ox, oy, plan.width * scale, plan.height * scale)

    def at(point):
        return ox + point[0] * scale, oy + (plan.height - point[1]) * scale

    fills = colours(data)
    label_size = max(4.0, min(7.0, 9 * scale * 4))
    for building in data["buildings"]:
        if not building["points"]:
            continue
        colour = HexColor(fills.get(building["cls"], GREY))
        c.setStrokeColor(colour)
        c.setFillColor(colour, alpha=0.55)
        c.setLineWidth(0.6)
        if building["kind"] == ShapeKind.POINT:
            x, y = at(building["points"][0])
            c.circle(x, y, 2.2 * mm, stroke=1, fill=1)
        else:
            path = c.beginPath()
            path.moveTo(*at(building["points"][0]))
            for point in building["points"][1:]:
                path.lineTo(*at(point))
            path.close()
            c.drawPath(path, stroke=1, fill=1)
        x, y = at(centroid(building["points"]))
        label = building["door"] + (f" ·{building['n']}" if building["n"] else "")
        sheet.text(x, y, label, label_size, anchor="center")
        if building["phone"]:
            sheet.text(x, y - label_size, building["phone"], label_size * 0.7, anchor="center", gray=0.25)
    # The legend, one row under the plan.
    x = MARGIN
    y = MARGIN + 3 * mm
    for row in data["legend"]:
        c.setFillColor(HexColor(row["colour"]), alpha=0.8)
        c.rect(x, y, 4 * mm, 3 * mm, stroke=0, fill=1)
        text = f"{row['label']} ({row['buildings']})"
        sheet.text(x + 5 * mm, y + 0.5 * mm, text, 8)
        from reportlab.pdfbase.pdfmetrics import stringWidth
        x += 9 * mm + stringWidth(text, sheet.font.name, 8)
    if data["count_label"]:
        sheet.text(sheet.width - MARGIN, y + 0.5 * mm, _("· n on a building: %(what)s") % {"what": data["count_label"]},
                   8, anchor="right", gray=0.3)
    sheet.footer(1, 1, timezone.now(), _("Phones are masked."))
    sheet.save()
    return buffer.getvalue()
