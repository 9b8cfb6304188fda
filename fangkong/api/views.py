"""Views of the REST API: thin. Every queryset starts from ``Model.objects.visible_to(user)``, so
an object outside the user's scope is simply not found (404); writes are checked by
``permissions.ScopedWrite`` (403 for a role that may only read) and carried out by the services.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, routers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.response import Response

from fangkong.core import services
from fangkong.core.models import Building, Community, Grid, Household, Person, Unit, Zone

from . import filters, serializers
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

    def get_queryset(self):
        queryset = self.model.objects.visible_to(self.request.user)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset


class ReadOnlyScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


@extend_schema_view(list=extend_schema(summary="Communities you can see"))
class CommunityViewSet(ReadOnlyScopedViewSet):
    model = Community
    serializer_class = serializers.CommunitySerializer


@extend_schema_view(list=extend_schema(summary="Zones you can see"))
class ZoneViewSet(ReadOnlyScopedViewSet):
    model = Zone
    serializer_class = serializers.ZoneSerializer
    filterset_class = filters.ZoneFilter


@extend_schema_view(list=extend_schema(summary="Grids you can see"))
class GridViewSet(ReadOnlyScopedViewSet):
    model = Grid
    serializer_class = serializers.GridSerializer
    filterset_class = filters.GridFilter


@extend_schema_view(list=extend_schema(summary="Units you can see"))
class UnitViewSet(ReadOnlyScopedViewSet):
    model = Unit
    serializer_class = serializers.UnitSerializer
    filterset_class = filters.UnitFilter


@extend_schema_view(list=extend_schema(summary="Buildings you can see"))
class BuildingViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnlyScopedViewSet):
    model = Building
    serializer_class = serializers.BuildingSerializer
    filterset_class = filters.BuildingFilter


@extend_schema_view(list=extend_schema(summary="Households you can see"))
class HouseholdViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                       ReadOnlyScopedViewSet):
    model = Household
    serializer_class = serializers.HouseholdSerializer
    filterset_class = filters.HouseholdFilter
    select_related = ("building",)
    conflicts = ("update", "partial_update", "destroy")

    def perform_destroy(self, instance):
        try:
            services.delete_household(self.request.user, instance)
        except services.ServiceError as error:
            raise Conflict(error.message, code=error.code) from None


@extend_schema_view(
    list=extend_schema(summary="Persons you can see (ID numbers and phones masked)"),
    retrieve=extend_schema(summary="One person (ID number and phone masked)"),
)
class PersonViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                    ReadOnlyScopedViewSet):
    model = Person
    serializer_class = serializers.PersonSerializer
    filterset_class = filters.PersonFilter
    select_related = ("household__building",)
    prefetch_related = ("tags",)
    read_actions = ("reveal",)
    conflicts = ("create", "update", "partial_update", "move")

    def perform_destroy(self, instance):
        services.delete_person(self.request.user, instance)

    @extend_schema(
        summary="See an ID number or phone whole",
        description="Needs the permission core.reveal_personal_data and a reason; every call is written "
                    "to the audit log (who, what, when, why).",
        request=serializers.RevealSerializer,
        responses={200: serializers.RevealedSerializer, 400: serializers.ErrorSerializer,
                   403: serializers.ErrorSerializer, 404: serializers.ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        person = self.get_object()
        if not services.can_reveal(request.user):
            raise PermissionDenied(_("You may not see ID numbers and phones whole."))
        data = serializers.RevealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        field = data.validated_data["field"]
        value = services.reveal(request.user, person, field, data.validated_data.get("reason", ""))
        # Whole personal data must not stay in any cache on the way.
        return Response({"field": field, "value": value}, headers={"Cache-Control": "no-store"})

    @extend_schema(
        summary="Move a person to another household (or out, with null)",
        request=serializers.MoveSerializer,
        responses={200: serializers.PersonSerializer, 400: serializers.ErrorSerializer,
                   403: serializers.ErrorSerializer, 404: serializers.ErrorSerializer,
                   409: serializers.ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        person = self.get_object()
        data = serializers.MoveSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        person = services.move_person(request.user, person, data.validated_data["household"],
                                      data.validated_data.get("reason", ""),
                                      expected_version=data.validated_data.get("version"))
        return Response(self.get_serializer(person).data)


class APIRootView(routers.APIRootView):
    authentication_classes = AUTHENTICATION


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


def not_found(request, *args, **kwargs):
    """Unknown addresses under /api/ answer in the API's own error format."""
    return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404,
                        json_dumps_params={"ensure_ascii": False})
