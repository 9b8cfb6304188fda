"""Work over places: a screening round, a testing round, and later a delivery run, a task, a
checkpoint's shift or a notice. Each covers some grids or buildings of one community (or all of
it), is open until closed, and is seen by grid and building roles through the grids it reaches.

- ``PlaceOperation``: the abstract model they inherit (community, grids, buildings, reach_grids,
  created_by/created_at, closed_at, ``is_open``, ``scope_paths``).
- ``operation_buildings``, ``chosen_places``, ``refresh_reach``: what it covers, as the
  database reads it.
- ``Tally``, ``Place``, ``Coverage``, ``roll_up``, ``compare``: one coverage shape. The app
  supplies one grouped query of counts per building (households knocked, persons sampled...);
  ``roll_up`` names the buildings and sums them into grids and the community, so every operation's
  coverage reads the same way on its page, in the API and on the dashboard.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Building, Community, Grid
from .scope import ScopedQuerySet


class PlaceOperation(models.Model):
    """Work over some places of one community. No grids and no buildings chosen: all of it.

    ``reach_grids`` is the grids the operation touches (all the community's for a
    whole-community one, the chosen grids and those of the chosen buildings otherwise), kept by
    ``refresh_reach`` whenever the choice changes. Only scope reads it: a grid or building role
    sees the operations that reach its grid."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="%(app_label)s_%(class)s_set",
                                  verbose_name=_("community"))
    grids = models.ManyToManyField(Grid, blank=True, related_name="+", verbose_name=_("grids"))
    buildings = models.ManyToManyField(Building, blank=True, related_name="+", verbose_name=_("buildings"))
    reach_grids = models.ManyToManyField(Grid, blank=True, related_name="+", editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "reach_grids__id", "building": "reach_grids__buildings__id"}

    class Meta:
        abstract = True

    @property
    def is_open(self):
        return self.closed_at is None


def _through(op, name: str):
    """The rows of the operation's ``grids`` or ``buildings`` table, and the column of the place."""
    field = op._meta.get_field(name)
    rows = field.remote_field.through.objects.filter(**{field.m2m_field_name(): op.pk})
    return rows, field.m2m_reverse_field_name()


def operation_buildings(op: PlaceOperation):
    """The buildings an operation covers: those of its grids and its chosen buildings, or every
    building of the community when it has neither. One queryset (subqueries, no extra round trip)."""
    grids, grid_column = _through(op, "grids")
    buildings, building_column = _through(op, "buildings")
    chosen = Q(grid_id__in=grids.values(grid_column)) | Q(pk__in=buildings.values(building_column))
    whole_community = ~Exists(grids) & ~Exists(buildings)
    return Building.objects.filter(community_id=op.community_id).filter(chosen | whole_community)


def chosen_places(op: PlaceOperation) -> tuple[frozenset, frozenset]:
    """The chosen grids and buildings as ids (none of either: the whole community), in one
    statement: for callers that filter with plain ids, several times cheaper to build, compile and
    plan than ``operation_buildings``' subqueries (the swab-scan path reads it once a request)."""
    quote = connection.ops.quote_name
    grids, buildings = op._meta.get_field("grids"), op._meta.get_field("buildings")
    sql = " UNION ALL ".join(
        f"SELECT {quote(field.m2m_reverse_name())}, {is_building} FROM {quote(field.m2m_db_table())}"
        f" WHERE {quote(field.m2m_column_name())} = %s" for field, is_building in ((grids, 0), (buildings, 1)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [op.pk, op.pk])
        rows = cursor.fetchall()
    return (frozenset(pk for pk, is_building in rows if not is_building),
            frozenset(pk for pk, is_building in rows if is_building))


def has_chosen_places(op: PlaceOperation) -> bool:
    return op.grids.exists() or op.buildings.exists()


def refresh_reach(op: PlaceOperation) -> None:
    """Record the grids an operation touches, which scope reads to show it to grid and building
    roles. The services that create operations call it; code that makes them another way
    (fixtures, imports) calls it after setting the grids and buildings, or the operation stays
    visible to community-wide roles only."""
    grid_ids = list(op.grids.values_list("pk", flat=True))
    building_ids = list(op.buildings.values_list("pk", flat=True))
    grids = Grid.objects.filter(community_id=op.community_id)
    if grid_ids or building_ids:
        grids = grids.filter(Q(pk__in=grid_ids) | Q(pk__in=Building.objects.filter(pk__in=building_ids)
                                                        .values("grid_id")))
    op.reach_grids.set(list(grids))


# --- coverage ----------------------------------------------------------------------------------


class Tally:
    """Counts of one place. A subclass names its counts in ``FIELDS`` and which of them is the
    work done (``DONE``) out of how many (``OF``): knocked out of households, sampled out of
    persons to test."""

    FIELDS: tuple[str, ...] = ()
    DONE = ""
    OF = ""

    def __init__(self, **counts):
        for name in self.FIELDS:
            setattr(self, name, counts.pop(name, 0))
        if counts:
            raise TypeError(f"unknown counts {', '.join(counts)}")

    @property
    def left(self) -> int:
        return getattr(self, self.OF) - getattr(self, self.DONE)

    @property
    def percent(self) -> int:
        of = getattr(self, self.OF)
        return round(100 * getattr(self, self.DONE) / of) if of else 100

    def add(self, other: "Tally") -> "Tally":
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}

    def __eq__(self, other):
        return type(other) is type(self) and other.as_dict() == self.as_dict()

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in self.as_dict().items())})"


@dataclass
class Place:
    pk: int
    label: str
    sort: str
    tally: Tally
    grid_id: int | None = None
    grid_label: str = ""
    before: Tally | None = None  # the same place in the operation compared against


@dataclass
class Coverage:
    community: Tally
    grids: list[Place]
    buildings: list[Place]


def roll_up(rows, tally: type[Tally], *, key: str = "building_id") -> Coverage:
    """The coverage of per-building counts: ``rows`` are dicts with the building's id under
    ``key`` and one value per ``tally.FIELDS`` (the app's grouped query, one row a building). One
    more statement names the buildings and their grids; grids and the community are summed here
    from the building rows (hundreds, not the tens of thousands of households or persons counted).

    A row whose key is None (persons with no household) counts for the community only."""
    tallies = {row[key]: tally(**{name: row[name] for name in tally.FIELDS}) for row in rows}
    community = tally()
    for counts in tallies.values():
        community.add(counts)
    grids: dict[int, Place] = {}
    places = []
    ids = [pk for pk in tallies if pk is not None]
    if ids:
        labels = (Building.objects.filter(pk__in=ids).order_by()
                  .values_list("pk", "door_number", "name", "door_sort", "grid_id", "grid__number", "grid__name"))
        for pk, door, name, door_sort, grid_id, grid_number, grid_name in labels:
            counts = tallies[pk]
            places.append(Place(pk, f"{door} {name}".strip(), door_sort, counts, grid_id, grid_name))
            grids.setdefault(grid_id, Place(grid_id, grid_name, f"{grid_number:05d}", tally())).tally.add(counts)
    places.sort(key=lambda p: (p.sort, p.pk))
    return Coverage(community, sorted(grids.values(), key=lambda p: p.sort), places)


def compare(current: Coverage, before: Coverage) -> Coverage:
    """Attach each place's tally in another operation (for the difference columns)."""
    empty = type(current.community)
    by_building = {p.pk: p.tally for p in before.buildings}
    by_grid = {p.pk: p.tally for p in before.grids}
    for place in current.buildings:
        place.before = by_building.get(place.pk) or empty()
    for place in current.grids:
        place.before = by_grid.get(place.pk) or empty()
    return current
