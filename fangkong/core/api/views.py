"""Core's API views: places, households and persons. Thin: the rules are in ``core.services``."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from fangkong.core import core_actions as can
from fangkong.core import filtersets, services, setup_actions
from fangkong.core.models import Building, Community, Grid, Household, Person, Unit, Zone
from fangkong.core.rest.serializers import ErrorSerializer
from fangkong.core.rest.views import ReadOnlyScopedViewSet

from . import serializers


@extend_schema_view(list=extend_schema(summary="Communities you can see"))
class CommunityViewSet(ReadOnlyScopedViewSet):
    model = Community
    serializer_class = serializers.CommunitySerializer


@extend_schema_view(list=extend_schema(summary="Zones you can see"))
class ZoneViewSet(ReadOnlyScopedViewSet):
    model = Zone
    serializer_class = serializers.ZoneSerializer
    filterset_class = filtersets.ZoneFilterSet


@extend_schema_view(list=extend_schema(summary="Grids you can see"))
class GridViewSet(ReadOnlyScopedViewSet):
    model = Grid
    serializer_class = serializers.GridSerializer
    filterset_class = filtersets.GridFilterSet


@extend_schema_view(list=extend_schema(summary="Units you can see"))
class UnitViewSet(ReadOnlyScopedViewSet):
    model = Unit
    serializer_class = serializers.UnitSerializer
    filterset_class = filtersets.UnitFilterSet


@extend_schema_view(list=extend_schema(summary="Buildings you can see"))
class BuildingViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnlyScopedViewSet):
    model = Building
    serializer_class = serializers.BuildingSerializer
    filterset_class = filtersets.BuildingFilterSet
    write_actions = {"create": setup_actions.BUILDING_CREATE, "update": setup_actions.BUILDING_CHANGE,
                     "partial_update": setup_actions.BUILDING_CHANGE}


@extend_schema_view(list=extend_schema(summary="Households you can see"))
class HouseholdViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnlyScopedViewSet):
    """No DELETE (405): a household is the history of who lived where; one nobody lives in is
    set vacant. Nothing hard-deletes a person, household or building (issue 10)."""

    model = Household
    serializer_class = serializers.HouseholdSerializer
    filterset_class = filtersets.HouseholdFilterSet
    select_related = ("building",)
    conflicts = ("update", "partial_update")
    write_actions = {"create": can.CREATE_HOUSEHOLD, "update": can.UPDATE_HOUSEHOLD,
                     "partial_update": can.UPDATE_HOUSEHOLD}


@extend_schema_view(
    list=extend_schema(summary="Persons you can see (ID numbers and phones masked)"),
    retrieve=extend_schema(summary="One person (ID number and phone masked)"),
)
class PersonViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnlyScopedViewSet):
    """No DELETE (405): a person who leaves is moved out (POST move with household null and a
    reason), which keeps their file, key-person record and history; the only deletion of personal
    data is the retention purge."""

    model = Person
    serializer_class = serializers.PersonSerializer
    filterset_class = filtersets.PersonFilterSet
    select_related = ("household__building", "household__entrance")
    prefetch_related = ("tags",)
    read_actions = ("reveal",)
    conflicts = ("create", "update", "partial_update", "move")
    write_actions = {"create": can.CREATE_PERSON, "update": can.UPDATE_PERSON, "partial_update": can.UPDATE_PERSON,
                     "move": can.MOVE_PERSON}

    @extend_schema(
        summary="See an ID number or phone whole",
        description="Needs the permission core.reveal_personal_data and a reason; every call is written "
                    "to the audit log (who, what, when, why).",
        request=serializers.RevealSerializer,
        responses={200: serializers.RevealedSerializer, 400: ErrorSerializer,
                   403: ErrorSerializer, 404: ErrorSerializer},
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
        responses={200: serializers.PersonSerializer, 400: ErrorSerializer,
                   403: ErrorSerializer, 404: ErrorSerializer,
                   409: ErrorSerializer},
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
