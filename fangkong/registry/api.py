"""Screening rounds' REST API (摸排): rounds you can see, their knocks (visits) and coverage.
Thin: the rules are in ``registry.screening``.

A knock answers 201 (recorded) or 200 (the same ``client_id`` again: the first visit, nothing
added), so a phone may send its queue again after a dropped connection.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from fangkong.core.models import Building, Community, Grid, Household
from fangkong.core.rest.serializers import ErrorSerializer, ScopedRelatedField
from fangkong.core.rest.views import ReadOnlyScopedViewSet

from . import actions as can
from . import screening
from .models import Outcome, ScreeningRound, Visit


class ScreeningRoundSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScreeningRound
        fields = ["id", "community", "name", "starts_at", "ends_at", "grids", "buildings", "closed_at"]


class CreateRoundSerializer(serializers.Serializer):
    community = ScopedRelatedField(Community, required=False,
                                   help_text=_("Taken from the grids or buildings when left out."))
    name = serializers.CharField(max_length=100)
    starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    grids = ScopedRelatedField(Grid, many=True, required=False, default=list)
    buildings = ScopedRelatedField(Building, many=True, required=False, default=list)

    def validate(self, attrs):
        if attrs.get("community") is None:
            places = [*attrs["grids"], *attrs["buildings"]]
            if not places:
                raise serializers.ValidationError({"community": [_("Give the community, or the grids or buildings "
                                                                   "of the round.")]})
            attrs["community"] = places[0].community
        return attrs


class VisitSerializer(serializers.ModelSerializer):
    building = serializers.IntegerField(source="household.building_id", read_only=True)
    door_number = serializers.CharField(source="household.building.door_number", read_only=True)
    room = serializers.CharField(source="household.room", read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "round", "household", "building", "door_number", "room", "at", "outcome", "revisit_due",
                  "confirmed", "added", "moved_out", "note", "client_id", "is_latest"]


class KnockSerializer(serializers.Serializer):
    household = ScopedRelatedField(Household, help_text=_("The household knocked at, in the places you may change."))
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    client_id = serializers.CharField(max_length=64, help_text=_("Made by the phone once per tap; sent again, the "
                                                                 "tap is recorded once."))
    at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                   help_text=_("When the phone tapped (queued taps)"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


TALLY = inline_serializer("ScreeningTally", {name: serializers.IntegerField() for name in screening.Tally.FIELDS})
COVERAGE = inline_serializer("ScreeningCoverage", {
    "community": TALLY,
    "grids": serializers.ListField(child=serializers.DictField()),
    "buildings": serializers.ListField(child=serializers.DictField()),
})


@extend_schema_view(list=extend_schema(summary="Screening rounds you can see"),
                    retrieve=extend_schema(summary="One screening round"))
class ScreeningRoundViewSet(mixins.CreateModelMixin, ReadOnlyScopedViewSet):
    model = ScreeningRound
    write_actions = {"create": can.CREATE_ROUND, "knock": can.RECORD_VISIT}
    serializer_class = ScreeningRoundSerializer
    prefetch_related = ("grids", "buildings")

    @extend_schema(summary="Start a screening round (no grids or buildings: the whole community)",
                   request=CreateRoundSerializer, responses={201: ScreeningRoundSerializer})
    def create(self, request):
        data = self.read_input(CreateRoundSerializer)
        values = dict(data)
        round_ = screening.create_round(request.user, values.pop("community"), **values)
        return Response(ScreeningRoundSerializer(round_).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The latest knock at each door of the round you can see")
    @action(detail=True, methods=["get"], serializer_class=VisitSerializer)
    def visits(self, request, pk=None):
        round_ = self.get_object()
        rows = (Visit.objects.visible_to(request.user).filter(round=round_, is_latest=True)
                .select_related("household__building").order_by("household__building__door_sort",
                                                                "household__room_sort"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(VisitSerializer(page, many=True).data)

    @extend_schema(summary="One knock on one door", request=KnockSerializer,
                   responses={200: VisitSerializer, 201: VisitSerializer, 400: ErrorSerializer})
    @visits.mapping.post
    def knock(self, request, pk=None):
        round_ = self.get_object()
        data = self.read_input(KnockSerializer)
        values = dict(data)
        recorded = screening.record_visit(request.user, round_, values.pop("household"), values.pop("outcome"),
                                          **values)
        return Response(VisitSerializer(recorded.visit).data,
                        status=status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK)

    @extend_schema(summary="Households visited and persons confirmed, by building and grid", responses=COVERAGE)
    @action(detail=True, methods=["get"])
    def coverage(self, request, pk=None):
        cover = screening.coverage(self.get_object(), request.user)

        def tally(t):
            return {name: getattr(t, name) for name in t.FIELDS}

        return Response({
            "community": tally(cover.community),
            "grids": [{"id": p.pk, "name": p.label, **tally(p.tally)} for p in cover.grids],
            "buildings": [{"id": p.pk, "name": p.label, "grid": p.grid_id, **tally(p.tally)}
                          for p in cover.buildings],
        })


ROUTES = [
    ("screeningrounds", ScreeningRoundViewSet, "screeninground"),
]
