"""The base of every app's API views, and the one router they are collected into.

Every queryset starts from ``Model.objects.visible_to(user)``, so an object outside the user's
scope is simply not found (404). Writes are carried out by the app's services, which decide who
may (``require``, refusing with ``NotAllowed``: 403 not_allowed). Each app lists its view sets in
``<app>/api.py`` (or ``<app>/api/__init__.py``) as ``ROUTES``; ``fangkong/api/urls.py`` collects them.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import mixins, routers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import APIException

from .permissions import ScopedWrite
from .schema import AutoSchema

# Token first: a request without credentials then gets 401 with ``WWW-Authenticate: Token``
# (with session authentication first DRF answers 403, which tells a client nothing).
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy("This cannot be done in the current state.")


class ScopedViewSet(viewsets.GenericViewSet):
    """Base of every API view set: scoped queryset, scoped writes, errors as JSON."""

    authentication_classes = AUTHENTICATION
    permission_classes = [ScopedWrite]
    schema = AutoSchema()
    model = None
    # The actions that may answer 409 (stale edits, duplicates, in use), for the schema.
    conflicts = ()
    select_related = ()
    prefetch_related = ()
    # POST actions that only read; they check their own permission.
    read_actions = ()

    def read_input(self, serializer_class) -> dict:
        """The request's body checked by ``serializer_class`` (400 with the fields on bad input),
        as the plain values a service takes."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def get_queryset(self):
        queryset = self.model.objects.visible_to(self.request.user)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset


class ReadOnlyScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


class APIRootView(routers.APIRootView):
    authentication_classes = AUTHENTICATION


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


def not_found(request, *args, **kwargs):
    """Unknown addresses under /api/ answer in the API's own error format."""
    return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404,
                        json_dumps_params={"ensure_ascii": False})
