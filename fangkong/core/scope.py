"""Scope: the one place that decides which rows a user may see or change.

Every model that holds places or people declares ``scope_paths``: the lookups from that model to
its community, grid and building (and, for rows that belong to their author, ``owner``). A role
bound to a community alone reaches everything in it; one bound to grids or buildings reaches only
what lies under them. Views, the API and exports never filter by hand: they start from
``Model.objects.visible_to(user)``.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.http import Http404


@dataclass(frozen=True)
class Reach:
    role: str
    community_id: int
    grid_ids: frozenset[int]
    building_ids: frozenset[int]

    @property
    def whole_community(self) -> bool:
        return not self.grid_ids and not self.building_ids


def reaches(user) -> list[Reach]:
    """The user's roles as plain values, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_fangkong_reaches", None)
    if cached is None:
        from .models import RoleAssignment

        cached = [
            Reach(
                role=assignment.role,
                community_id=assignment.community_id,
                grid_ids=frozenset(g.pk for g in assignment.grids.all()),
                building_ids=frozenset(b.pk for b in assignment.buildings.all()),
            )
            for assignment in RoleAssignment.objects.filter(user=user).prefetch_related("grids", "buildings")
        ]
        user._fangkong_reaches = cached
    return cached


def forget_reaches(user) -> None:
    user.__dict__.pop("_fangkong_reaches", None)


def scope_q(model, user, write: bool = False) -> Q | None:
    """A Q for the rows of ``model`` the user may see (or change, with write=True).

    None means everything (superusers). A Q that matches nothing is returned for no role."""
    from .models import WRITING_ROLES, Role

    if getattr(user, "is_superuser", False):
        return None
    paths = model.scope_paths
    condition = Q(pk__in=[])
    for reach in reaches(user):
        if write and reach.role not in WRITING_ROLES:
            continue
        in_community = Q(**{paths["community"]: reach.community_id})
        if "owner" in paths and reach.role != Role.COMMAND_POST:
            # Rows that belong to whoever made them (an import job): the command post sees all
            # of its community's, everyone else only their own.
            condition |= in_community & Q(**{paths["owner"]: user.pk})
            continue
        if reach.whole_community:
            condition |= in_community
            continue
        narrow = Q(pk__in=[])
        if reach.grid_ids and "grid" in paths:
            narrow |= Q(**{paths["grid"] + "__in": reach.grid_ids})
        if reach.building_ids and "building" in paths:
            narrow |= Q(**{paths["building"] + "__in": reach.building_ids})
        condition |= in_community & narrow
    return condition


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, write: bool = False):
        condition = scope_q(self.model, user, write=write)
        if condition is None:
            return self
        # Paths through a to-many relation (a grid "has" buildings) would repeat rows: filter by
        # primary key through a subquery instead of joining.
        return self.filter(pk__in=self.model._base_manager.filter(condition).values("pk"))

    def writable_by(self, user):
        return self.visible_to(user, write=True)


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


def can_write(user, obj) -> bool:
    return type(obj).objects.all().visible_to(user, write=True).filter(pk=obj.pk).exists()
