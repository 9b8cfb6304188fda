"""Who may write what through the API: the services decide it.

Every write an API view makes goes through a service, which calls ``require(actor, action, obj)``
first and refuses with ``NotAllowed`` (403 not_allowed). A view set may name the action each of
its writes takes (``write_actions``): the same declared rule is then asked before the request is
read (in the object's community, once it is found; for a create, in some community), with the action's own
message, so that a read-only role gets "your role may not" rather than a complaint about its
input. The service still decides, on what it finally writes.

Reading is decided by the queryset alone (``Model.objects.visible_to(user)``): an object outside
the user's scope is never found, so it answers 404.
"""

from rest_framework import permissions

from fangkong.core.actions import NotAllowed, allowed, community_id_of, get


class ScopedWrite(permissions.IsAuthenticated):
    """Signed in; writes named in the view's ``write_actions`` need a role that may take them."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if not getattr(view, "detail", False):  # a create; a write on an object is asked below
            _refuse_unless_allowed(request.user, view)
        return True

    def has_object_permission(self, request, view, obj):
        # After the lookup, so that outside scope stays 404; in the object's community (the object
        # looked up may be the round a knock is recorded in: the service judges the household).
        _refuse_unless_allowed(request.user, view, community_id_of(obj))
        return True


def _refuse_unless_allowed(user, view, community_id=None):
    action = getattr(view, "write_actions", {}).get(getattr(view, "action", None))
    if action is not None and not allowed(user, action, community_id):
        action = get(action)
        raise NotAllowed(action.message, action)
