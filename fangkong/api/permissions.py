"""Who may write what through the API, until the services decide it.

The rule is the services' (``require(actor, action, obj)``, refusing with ``NotAllowed``: 403
not_allowed); once every service an API view calls requires, ``ScopedWrite`` is plain
``IsAuthenticated`` and the role checks below go.

Reading is decided by the queryset alone (``Model.objects.visible_to(user)``): an object outside
the user's scope is never found, so it answers 404. These classes only decide writes on objects
the user can already see: a role that reads (sampler, guard, delivery volunteer, district viewer)
gets 403, and so does a writing role whose write scope does not cover the object.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from fangkong.core.models import WRITING_ROLES
from fangkong.core.scope import can_write, has_role


def is_write(request, view) -> bool:
    """True for requests that change data. Actions listed in ``view.read_actions`` (for example
    ``reveal``, a POST that only reads) count as reads here and check their own permission."""
    if request.method in permissions.SAFE_METHODS:
        return False
    return getattr(view, "action", None) not in getattr(view, "read_actions", ())


class ScopedWrite(permissions.IsAuthenticated):
    """Authenticated users read what their scope shows; writing needs a writing role, and on an
    existing object, write scope over that very object."""

    message = _("Your role may look at this but not change it.")

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if is_write(request, view) and getattr(view, "action", None) == "create":
            # Buildings are written by their serializer, not a service, yet: the role is checked here.
            return has_role(request.user, *WRITING_ROLES)
        return True

    def has_object_permission(self, request, view, obj):
        if not is_write(request, view):
            return True
        return can_write(request.user, obj)  # (buildings: see above)
