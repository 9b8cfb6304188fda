"""Scope: the one place that decides which rows a user may see or change.

Every model that holds places or people declares ``scope_paths``: the lookups from that model to
its community, grid and building (and, for rows that belong to their author, ``owner``). A role
bound to a community alone reaches everything in it; one bound to grids or buildings reaches only
what lies under them. Views, the API and exports never filter by hand: they start from
``Model.objects.visible_to(user)``.
"""

import functools
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404


@dataclass(frozen=True)
class Reach:
    role: str
    community_id: int
    grid_ids: frozenset[int]
    building_ids: frozenset[int]
    # Entrances (单元) of a building, for a leader who looks after one stairwell only; rows that
    # declare no "entrance" scope path are not reached through them.
    entrance_ids: frozenset[int] = frozenset()

    @property
    def whole_community(self) -> bool:
        return not self.grid_ids and not self.building_ids and not self.entrance_ids


def reaches(user) -> list[Reach]:
    """The user's roles as plain values, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_fangkong_reaches", None)
    if cached is None:
        cached = _read_reaches(user)
        user._fangkong_reaches = cached
    return cached


def _read_reaches(user) -> list[Reach]:
    """One statement of plain values: every request of a signed-in user pays it (it was three,
    with prefetched Grid and Building objects). An assignment comes once per pair of its grids
    and buildings (a NULL for none): a role has a few of either, so the rows stay few."""
    from .models import RoleAssignment

    rows = (RoleAssignment.objects.filter(user=user).order_by("pk")
            .values_list("pk", "role", "community_id", "grids__id", "buildings__id", "entrances__id"))
    found: dict[int, tuple] = {}
    for pk, role, community_id, grid_id, building_id, entrance_id in rows:
        _role, _community, grid_ids, building_ids, entrance_ids = found.setdefault(
            pk, (role, community_id, set(), set(), set()))
        if grid_id is not None:
            grid_ids.add(grid_id)
        if building_id is not None:
            building_ids.add(building_id)
        if entrance_id is not None:
            entrance_ids.add(entrance_id)
    return [Reach(role=role, community_id=community_id, grid_ids=frozenset(grids), building_ids=frozenset(buildings),
                  entrance_ids=frozenset(entrances))
            for role, community_id, grids, buildings, entrances in found.values()]


def forget_reaches(user) -> None:
    user.__dict__.pop("_fangkong_reaches", None)


# --- What each role may READ, by object type (PIPL: the minimum its work needs) -------------
#
# Scope says where (community, grids, buildings); this table says what. A model listed here is
# read only by the roles named (each still within its reach); a model not listed is read by
# every role within its reach, as before. Writing is decided by WRITING_ROLES and the declared
# actions, not here. tests/test_scope_matrix.py holds the same table: widening a role fails it.
#
# - staff (command post, grid leader and worker, building leader) and the district viewer read
#   everything in their reach, as their work (and the district's oversight) needs;
# - a sampler reads the test rounds, and the people of its round's places only for the scan (the
#   purpose "sampling" below: the sampler page's masked names, rooms and code status), never a
#   person file or list, and no health record (key persons, measures, arrivals, reports, seals);
# - a guard reads what the gate needs: the central-quarantine measures and their returns (the
#   receive page), not the person files or the key-person register;
# - a delivery volunteer reads the places (buildings, households: the doors of its runs), no
#   person file and no health record.
_STAFF_ROLES = ("command_post", "grid_leader", "grid_worker", "building_leader", "district_viewer")
_HEALTH_READERS = frozenset(_STAFF_ROLES)
_SUPERVISORS = frozenset({"command_post", "grid_leader", "grid_worker", "district_viewer"})
_DELIVERY = frozenset({*_STAFF_ROLES, "delivery_volunteer"})
READ_ROLES: dict[str, frozenset[str]] = {
    "core.person": frozenset(_STAFF_ROLES),
    "health.keyperson": _HEALTH_READERS,
    "health.statechange": _HEALTH_READERS,
    "health.arrivalreport": _HEALTH_READERS,
    "health.healthreport": _HEALTH_READERS,
    "health.violation": _HEALTH_READERS,
    "health.seal": _HEALTH_READERS,
    "health.sealcheck": _HEALTH_READERS,
    "health.transfer": _HEALTH_READERS,
    "health.measure": frozenset({*_STAFF_ROLES, "guard"}),
    "health.reception": frozenset({*_STAFF_ROLES, "guard"}),
    # Staff rows are about colleagues: read by place only by those who run people (the command
    # post, grid leaders and workers, the district viewer); everyone else reads their own work
    # (their worker record, duties, tasks, a team leader's team: fangkong/staff/scope.py).
    **{f"staff.{name}": _SUPERVISORS
       for name in ("worker", "team", "volunteersignup", "assignment", "post", "duty", "fivetick", "task",
                    "spotcheck")},
    # Supplies and care: the doors' requests, hand-overs, orders and meals are read by staff and
    # the delivery volunteer (only the doors of their own runs: supplies.models.ByRun); the
    # special-care register, medical trips, stock and donors by staff alone. Neither the sampler
    # nor the guard reads any of them (the supply points and catalogues, which are no one's
    # data, are read by everyone in the community). A counselling case is also read by the
    # counsellor it is routed to, whatever their role (supplies.models.CounsellingQuerySet).
    **{f"supplies.{name}": _DELIVERY for name in ("transferstation", "deliveryrun", "cutoff", "request",
                                                    "handover", "grouporder", "mealplan")},
    **{f"supplies.{name}": frozenset(_STAFF_ROLES)
       for name in ("careplan", "medicaltrip", "stockitem", "donation", "counselling", "counsellingcall")},
}
# Registers that are not personal data, read by everyone with a role in the community, whatever
# grids or buildings bind them: the grid worker registering an arrival needs the risk areas, and
# the arrival page links to its origin area.
COMMUNITY_READ = frozenset({"health.riskarea", "health.quarantinesite"})


# Reads for one piece of work only: ``visible_to(user, purpose=SAMPLING)`` adds these roles to
# READ_ROLES for that call. The sampler's scan and its manual search (testing/scanning.py) find the
# people of the round's places with it; the person file, the person list and the API do not pass
# it, so the sampler opens none of them (tests/test_scope_matrix.py).
SAMPLING = "sampling"
PURPOSE_READS: dict[str, dict[str, frozenset[str]]] = {
    SAMPLING: {"core.person": frozenset({"sampler"})},
}


def may_read(role, model, purpose: str | None = None) -> bool:
    """Whether the role reads rows of this model at all (READ_ROLES; unlisted: every role), for
    the purpose if one is given (PURPOSE_READS)."""
    label = model._meta.label_lower
    roles = READ_ROLES.get(label)
    if roles is None or str(role) in roles:
        return True
    if purpose is not None:
        if purpose not in PURPOSE_READS:
            raise ValueError(f"unknown read purpose {purpose!r}")
        return str(role) in PURPOSE_READS[purpose].get(label, ())
    return False


def scope_q(model, user, write: bool = False, purpose: str | None = None) -> Q | None:
    """A Q for the rows of ``model`` the user may see (or change, with write=True).

    None means everything (superusers). A Q that matches nothing is returned for no role."""
    return _scope(model, user, write, purpose)[0]


def _scope(model, user, write: bool, purpose: str | None = None) -> tuple[Q | None, set[str]]:
    """scope_q's Q, and which of the model's scope paths it follows."""
    from .models import WRITING_ROLES, Role

    if getattr(user, "is_superuser", False):
        return None, set()
    paths = model.scope_paths
    condition = Q(pk__in=[])
    used = set()
    label = model._meta.label_lower
    for reach in reaches(user):
        if write and reach.role not in WRITING_ROLES:
            continue
        if reach.role == Role.DISTRICT_ADMIN:
            # It creates communities and accounts (core/accounts.py); it reads no rows by it.
            continue
        if not write and not may_read(reach.role, model, purpose):
            continue
        in_community = Q(**{paths["community"]: reach.community_id})
        used.add("community")
        if not write and label in COMMUNITY_READ:
            condition |= in_community
            continue
        if "owner" in paths and reach.role != Role.COMMAND_POST:
            # Rows that belong to whoever made them (an import job): the command post sees all
            # of its community's, everyone else only their own.
            condition |= in_community & Q(**{paths["owner"]: user.pk})
            used.add("owner")
            continue
        if reach.whole_community:
            condition |= in_community
            continue
        narrow = Q(pk__in=[])
        if reach.grid_ids and "grid" in paths:
            narrow |= Q(**{paths["grid"] + "__in": reach.grid_ids})
            used.add("grid")
        if reach.building_ids and "building" in paths:
            narrow |= Q(**{paths["building"] + "__in": reach.building_ids})
            used.add("building")
        if reach.entrance_ids and "entrance" in paths:
            narrow |= Q(**{paths["entrance"] + "__in": reach.entrance_ids})
            used.add("entrance")
        condition |= in_community & narrow
    return condition, used


@functools.cache
def _path_repeats_rows(model, key: str) -> bool:
    """Whether the model's scope path ``key`` goes through a to-many relation (or one that
    cannot be followed here), so that joining along it could return a row more than once."""
    current = model
    for name in model.scope_paths[key].split("__"):
        try:
            field = current._meta.get_field(name)
        except FieldDoesNotExist:
            if name in ("id", "pk"):
                return False
            return True
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        current = field.related_model
    return False


@functools.cache
def _building_implied(model) -> bool:
    """Whether a row matched through the model's grid or building path always has a building at
    the end of its building path (a grid path that runs through the building relation): then
    ``building IS NOT NULL`` may be said on its own."""
    paths = model.scope_paths
    building = paths.get("building", "")
    if not building.endswith("_id") or building.endswith("__id"):
        return False  # the model itself (a building's "id"), or a to-many path
    through = building[:-len("_id")] + "__"
    return "grid" not in paths or paths["grid"].startswith(through)


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, write: bool = False, purpose: str | None = None):
        """The rows the user may see (or change); ``purpose`` (PURPOSE_READS) lets a role read a
        model for that one piece of work only, where it reads none of it otherwise."""
        if write and purpose is not None:
            raise ValueError("a read purpose does not widen what may be written")
        condition, used = _scope(self.model, user, write, purpose)
        if condition is None:
            return self
        if not any(_path_repeats_rows(self.model, key) for key in used):
            # Every path followed is a chain of to-one relations (a person's household's
            # building; any model's community for a user who reaches whole communities): a
            # plain filter cannot repeat a row, and the planner has one self-join less to plan
            # (and may walk an index in order: the health register's first page of 100,000 key
            # persons in a few ms instead of ~500 ms, benchmarks/health_register.py).
            scoped = self.filter(condition)
            if used & {"grid", "building"} and "owner" not in used and _building_implied(self.model) \
                    and not any(reach.whole_community for reach in reaches(user)):
                # Only grid and building paths can match: say so in a filter of its own, which
                # turns the OR's outer joins into inner ones, so the database may start from the
                # buildings (a building leader's register: 220 ms before, under 10 ms with it).
                scoped = scoped.filter(**{self.model.scope_paths["building"] + "__isnull": False})
            return scoped
        # Paths through a to-many relation (a grid "has" buildings) would repeat rows: filter by
        # primary key through a subquery instead of joining.
        return self.filter(pk__in=self.model._base_manager.filter(condition).values("pk"))


def get_visible_or_404(queryset, user, write: bool = False, **lookup):
    """The object if the user may see it (or change it); otherwise 404, never 403, so that
    nobody learns by probing which ids exist in other grids."""
    try:
        return queryset.visible_to(user, write=write).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def has_role(user, *roles, community_id=None) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return any(
        reach.role in roles and (community_id is None or reach.community_id == community_id)
        for reach in reaches(user)
    )


def in_buildings(queryset, buildings, user=None, write: bool = False):
    """The rows of ``queryset`` that lie in ``buildings`` and that the user may see (or change),
    with the scope applied to the buildings rather than to every row.

    Only for models scoped through their building (grid path ``<building>__grid_id``, building
    path ``<building>_id``, in the building's community): a row is visible exactly when its
    building is, so this is the same set as ``visible_to`` (tests/registry/test_screening.py
    checks it for every role), while the database filters a few hundred buildings instead of tens
    of thousands of rows and reads the rows building by building: a round's 30,000 households
    counted in half the time (benchmarks/screening_coverage.py)."""
    paths = queryset.model.scope_paths
    relation = paths.get("building", "").removesuffix("_id")
    if not relation or paths.get("grid") != relation + "__grid_id":
        raise ValueError(f"{queryset.model.__name__} is not scoped through its building")
    if user is not None:
        buildings = buildings.visible_to(user, write=write)
    return queryset.filter(**{relation + "__in": buildings})


def own_building_ids(user, community_id) -> set[int]:
    """The buildings the user answers for (包保) as building leader in the community: the doors
    their lists show first."""
    from .models import Role

    return {pk for reach in reaches(user) if reach.role == Role.BUILDING_LEADER and reach.community_id == community_id
            for pk in reach.building_ids}


def can_write(user, obj) -> bool:
    return type(obj).objects.all().visible_to(user, write=True).filter(pk=obj.pk).exists()
