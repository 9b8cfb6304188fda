"""Who sees which staff rows: core's scope for those who supervise, and one's own work for everyone.

Core's rule (a role bound to a community reaches all of it) fits places and residents. Staff rows
are about colleagues, so only the roles that run people read them by place: the command post, grid
leaders and grid workers (their grids), district viewers (read-only). Everyone else sees what is
theirs: their own worker record, shifts, assignments, daily five and tasks; a team leader also
those of the team's members and the team's tasks.

Models declare ``scope_paths`` as core's do, plus ``worker`` (the lookup to the worker the row is
about) and ``team`` (to the team that owns it). The user's own worker ids and the members of the
teams they lead are read first (two small queries), so the filter itself follows only to-one paths.
"""

from django.db.models import Q

from fangkong.core.models import WRITING_ROLES, Role
from fangkong.core.scope import READ_ROLES, ScopedQuerySet, may_read, reaches

# Who reads staff rows by place: core.scope.READ_ROLES, the one read table (the worker register's line).
SUPERVISING = {Role(role) for role in READ_ROLES["staff.worker"]}


def own_work(user) -> tuple[set[int], set[int], set[int]]:
    """(my worker ids, worker ids of the members of teams I lead, ids of teams I lead or belong to)."""
    from .models import TeamMember, Worker

    if not getattr(user, "is_authenticated", False):
        return set(), set(), set()
    mine = set(Worker.objects.filter(user=user).values_list("id", flat=True))
    if not mine:
        return mine, set(), set()
    led, teams = set(), set()
    for team_id, worker_id, leader_id in TeamMember.objects.filter(
            Q(team__leader_id__in=mine) | Q(worker_id__in=mine)).values_list("team_id", "worker_id", "team__leader_id"):
        teams.add(team_id)
        if leader_id in mine:
            led.add(worker_id)
    from .models import Team

    for team_id in Team.objects.filter(leader_id__in=mine).values_list("id", flat=True):
        teams.add(team_id)
    return mine, led | mine, teams


def staff_q(model, user, write: bool = False) -> Q | None:
    if getattr(user, "is_superuser", False):
        return None
    paths = model.scope_paths
    condition = Q(pk__in=[])
    for reach in reaches(user):
        if not may_read(reach.role, model) or (write and reach.role not in WRITING_ROLES):
            continue
        in_community = Q(**{paths["community"]: reach.community_id})
        if reach.whole_community:
            condition |= in_community
            continue
        narrow = Q(pk__in=[])
        if reach.grid_ids and "grid" in paths:
            narrow |= Q(**{paths["grid"] + "__in": reach.grid_ids})
        if reach.building_ids and "building" in paths:
            narrow |= Q(**{paths["building"] + "__in": reach.building_ids})
        condition |= in_community & narrow
    mine, led, teams = own_work(user)
    if "worker" in paths and led:
        condition |= Q(**{paths["worker"] + "__in": led})
    if "team" in paths and teams:
        condition |= Q(**{paths["team"] + "__in": teams})
    return condition


class StaffQuerySet(ScopedQuerySet):
    def visible_to(self, user, write: bool = False):
        condition = staff_q(self.model, user, write)
        return self if condition is None else self.filter(condition)
