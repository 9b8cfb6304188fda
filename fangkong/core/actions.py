"""Who may do this: the one home of the rule.

Every action a service performs that changes something is named (``testing.close_tube``) and
declared once, in its app's ``actions.py``, with the roles that may take it. The service calls
``require(actor, ACTION, obj)`` first, before it touches the database; views, the API, commands
and tasks do not decide this themselves (they may ask ``allowed`` to hide a button).

``require`` answers three questions, in this order:
1. Does the actor hold one of the action's roles in the community of ``obj``? (A user with
   several communities is judged by the object's community, never by "the first" one.)
2. If the action is declared ``reach=True`` and ``obj`` is a scoped row (it has ``scope_paths``),
   does one of those role assignments reach that row (the grid or buildings it is bound to)?
3. Otherwise: refused, with ``NotAllowed`` (a ServiceError whose code is ``not_allowed``) and the
   action's own message.

This is pretix's declared permissions and NetBox's ``restrict(user, action)`` in one call. The
registry is complete once the apps are loaded (each AppConfig.ready imports its actions), so a
test can walk every action with every role (tests/test_action_matrix.py), and an action that is
not declared cannot be required.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .errors import ServiceError
from .models import Community, Role
from .scope import reaches


class NotAllowed(ServiceError):
    code = "not_allowed"

    def __init__(self, message, action: "Action | None" = None):
        super().__init__(str(message), code="not_allowed")
        self.action = action


@dataclass(frozen=True)
class Action:
    name: str
    roles: frozenset
    message: str
    # Whether the actor's grids or buildings must reach the object (a building leader may
    # record a visit in their own buildings only). False: the role in the community is enough
    # (the command post's actions, a sampler scanning anyone the round's rules allow).
    reach: bool

    def __str__(self):
        return self.name


_ACTIONS: dict[str, Action] = {}


def declare(name: str, roles, message=None, *, reach: bool = False) -> Action:
    """Declare an action once, at import of its app's ``actions.py``; returns it for the
    services to pass to ``require``."""
    if name in _ACTIONS:
        raise ValueError(f"action {name} is declared twice")
    roles = frozenset(Role(role) for role in roles)
    if not roles:
        raise ValueError(f"action {name} names no role")
    action = Action(name=name, roles=roles, message=message or _("Your role may not do this."), reach=reach)
    _ACTIONS[name] = action
    return action


def declared() -> dict[str, Action]:
    """Every declared action by name (complete once the apps are ready)."""
    return dict(_ACTIONS)


def get(name: "str | Action") -> Action:
    if isinstance(name, Action):
        return name
    try:
        return _ACTIONS[name]
    except KeyError:
        raise LookupError(f"action {name} is not declared") from None


def community_id_of(obj) -> int | None:
    """The community an object belongs to: itself, or its ``community_id``."""
    if obj is None:
        return None
    if isinstance(obj, Community):
        return obj.pk
    if isinstance(obj, int):
        return obj
    return getattr(obj, "community_id", None)


def allowed(user, action, obj=None) -> bool:
    """Whether ``user`` may take ``action`` on ``obj`` (a row, a community, or None for "in
    some community": only for showing a menu entry, never for deciding a write)."""
    action = get(action)
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return False
    if getattr(user, "is_superuser", False):
        return True
    community_id = community_id_of(obj)
    matching = [r for r in reaches(user) if r.role in action.roles
                and (community_id is None or r.community_id == community_id)]
    if not matching:
        return False
    if not action.reach or obj is None or isinstance(obj, Community | int):
        return True
    if any(r.whole_community for r in matching):
        return True
    return _reaches_row(obj, matching)


def _reaches_row(obj, matching) -> bool:
    """One query: is the row under the grids or buildings of one of these role assignments?"""
    paths = getattr(type(obj), "scope_paths", None)
    if not paths:
        return True
    condition = Q(pk__in=[])
    for reach in matching:
        if reach.grid_ids and "grid" in paths:
            condition |= Q(**{paths["grid"] + "__in": reach.grid_ids})
        if reach.building_ids and "building" in paths:
            condition |= Q(**{paths["building"] + "__in": reach.building_ids})
        if reach.entrance_ids and "entrance" in paths:
            condition |= Q(**{paths["entrance"] + "__in": reach.entrance_ids})
    return type(obj)._base_manager.filter(condition, pk=obj.pk).exists()


def require(user, action, obj=None) -> None:
    """Refuse with NotAllowed unless ``user`` may take ``action`` on ``obj``. Call it first in
    every service function that changes something, before anything is read for writing."""
    action = get(action)
    if obj is None and not getattr(user, "is_superuser", False):
        # A write always happens somewhere: without an object the check would say "some
        # community", which is how a grid leader of one community changed another's.
        raise TypeError(f"require({action.name}) needs the object or community acted on")
    if not allowed(user, action, obj):
        raise NotAllowed(action.message, action)


def require_all(user, action, objs) -> None:
    """``require`` for a set-based service (a building's daily reports, its antigen self-tests):
    refused unless the user may take the action on every one of ``objs``, read in one query per
    kind of row rather than one per row. An empty set asks nothing."""
    action = get(action)
    objs = [obj for obj in objs if obj is not None]
    if not objs or getattr(user, "is_superuser", False):
        return
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        raise NotAllowed(action.message, action)
    by_kind: dict[type, dict[int, list]] = {}
    for obj in objs:
        community_id = community_id_of(obj)
        matching = [r for r in reaches(user) if r.role in action.roles and r.community_id == community_id]
        if not matching:
            raise NotAllowed(action.message, action)
        if action.reach and not isinstance(obj, Community | int) and not any(r.whole_community for r in matching):
            by_kind.setdefault(type(obj), {}).setdefault(community_id, []).append(obj.pk)
    for model, communities in by_kind.items():
        paths = getattr(model, "scope_paths", None)
        if not paths:
            continue
        for community_id, pks in communities.items():
            matching = [r for r in reaches(user) if r.role in action.roles and r.community_id == community_id]
            condition = Q(pk__in=[])
            for reach in matching:
                if reach.grid_ids and "grid" in paths:
                    condition |= Q(**{paths["grid"] + "__in": reach.grid_ids})
                if reach.building_ids and "building" in paths:
                    condition |= Q(**{paths["building"] + "__in": reach.building_ids})
            wanted = set(pks)
            if set(model._base_manager.filter(condition, pk__in=wanted).values_list("pk", flat=True)) != wanted:
                raise NotAllowed(action.message, action)
