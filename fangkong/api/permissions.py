"""Who may write what through the API: the services decide it.

Every write an API view makes goes through a service, which calls ``require(actor, action, obj)``
first and refuses with ``NotAllowed`` (403 not_allowed). A view set may name the action each of
its writes takes (``write_actions``): the same declared rule is then asked before the request is
read (on the object, once it is found; for a create, in some community), with the action's own
message, so that a read-only role gets "your role may not" rather than a complaint about its
input. The service still decides, on what it finally writes.

Reading is decided by the queryset alone (``Model.objects.visible_to(user)``): an object outside
the user's scope is never found, so it answers 404.
"""

from rest_framework import permissions

from fangkong.core.actions import NotAllowed, allowed, get


class ScopedWrite(permissions.IsAuthenticated):
    """Signed in; writes named in the view's ``write_actions`` need a role that may take them."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if not getattr(view, "detail", False):  # a create; a write on an object is asked below
            _refuse_unless_allowed(request.user, view)
        return True

    def has_object_permission(self, request, view, obj):
        _refuse_unless_allowed(request.user, view, obj)  # after the lookup: outside scope stays 404
        return True


def _refuse_unless_allowed(user, view, obj=None):
    action = getattr(view, "write_actions", {}).get(getattr(view, "action", None))
    if action is not None and not allowed(user, action, obj):
        action = get(action)
        raise NotAllowed(action.message, action)
