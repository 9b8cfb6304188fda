"""Supplies' REST API: requests (enter for several doors of a building at once, read, cancel with
a reason), cut-offs, transfer stations (their pick list, planning a run), delivery runs (their
doors, a hand-over with a client id) and group purchases (open one, order for a household, the
supplier's totals). Thin: every write is a ``supplies.services`` call, which ``require``s the
action first (403 not_allowed); rows come from ``visible_to`` (404 outside scope; a delivery
volunteer sees the requests and doors of their own runs only). Personal data goes out masked: a
request's person by masked name, never an ID number or phone.

Refusals carry the services' codes: ``bad_quantity``, ``wrong_building``, ``bad_kind``,
``no_reason``, ``bad_state``, ``catalogue_closed``, ``not_on_run``, ``not_a_volunteer``...
The documentation groups these operations under one tag, ``supplies``.
"""

import django_filters as filters
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from fangkong.core.filtersets import IdFilter
from fangkong.core.models import Building, Community, Household, Person
from fangkong.core.rest.serializers import ErrorSerializer, ScopedRelatedField
from fangkong.core.rest.views import ReadOnlyScopedViewSet
from fangkong.core.scope import get_visible_or_404
from fangkong.lib.masking import mask_name

from . import services
from .models import (
    Catalogue,
    CatalogueItem,
    Cutoff,
    DeliveryRun,
    Kind,
    Outcome,
    Request,
    Status,
    SupplyPoint,
    TransferStation,
    Urgency,
)

TAG = ["supplies"]
KIND_HELP = ", ".join(Kind.values)
OUTCOME_HELP = ", ".join(Outcome.values)


# --- what a row shows ----------------------------------------------------------------------------


class DoorSerializer(serializers.ModelSerializer):
    """A household by its address only: building, door number, floor, room."""

    door_number = serializers.CharField(source="building.door_number", read_only=True)

    class Meta:
        model = Household
        fields = ["id", "building", "door_number", "floor", "room"]


class RequestSerializer(serializers.ModelSerializer):
    household = DoorSerializer(read_only=True)
    for_person = serializers.SerializerMethodField(help_text=_("Masked name of the person it is for"))
    # Plain strings in the schema (their values in the help): each app's "kind" is its own set.
    kind = serializers.CharField(read_only=True, help_text=KIND_HELP)
    failure = serializers.CharField(read_only=True, help_text=OUTCOME_HELP)
    status = serializers.CharField(read_only=True, help_text=", ".join(Status.values))

    class Meta:
        model = Request
        fields = ["id", "community", "household", "for_person", "kind", "item", "quantity", "urgency", "notes",
                  "supply_point", "status", "failure", "cancel_reason", "asked_at", "ordered_at", "out_at", "done_at",
                  "expected_at", "cutoff", "run"]

    def get_for_person(self, request) -> str:
        return mask_name(request.for_person.name) if request.for_person_id and request.for_person else ""


class RequestRowSerializer(serializers.Serializer):
    household = serializers.IntegerField(help_text=_("A household of the building (id)"))
    kind = serializers.CharField(max_length=20, help_text=KIND_HELP)
    quantity = serializers.IntegerField(default=1, help_text=_("1 to 999"))
    item = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    for_person = serializers.IntegerField(required=False, allow_null=True, default=None)
    client_id = serializers.CharField(required=False, allow_blank=True, max_length=64, default="",
                                      help_text=_("Sent twice, entered once"))


class EnterRequestsSerializer(serializers.Serializer):
    building = ScopedRelatedField(Building, write=False)
    requests = RequestRowSerializer(many=True, help_text=_("One per household; one bad row refuses them all"))


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text=_("Why (bought elsewhere, entered twice...)"))


class RequestFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices)
    kind = filters.ChoiceFilter(choices=Kind.choices)
    building = IdFilter(field_name="household__building_id")
    run = IdFilter(field_name="run_id")

    class Meta:
        model = Request
        fields = ["status", "kind", "building", "run"]


@extend_schema(tags=TAG)
@extend_schema_view(list=extend_schema(summary="Requests you can see (a volunteer: those on their runs)"),
                    retrieve=extend_schema(summary="One request"))
class RequestViewSet(ReadOnlyScopedViewSet):
    model = Request
    serializer_class = RequestSerializer
    filterset_class = RequestFilterSet
    permission_classes = [permissions.IsAuthenticated]  # the services decide (require)
    select_related = ("household__building", "for_person")

    def get_queryset(self):
        return super().get_queryset().order_by("urgency", "asked_at", "pk")

    @extend_schema(summary="Enter requests for several doors of one building at once", request=EnterRequestsSerializer,
                   responses={201: RequestSerializer(many=True), 400: ErrorSerializer, 403: ErrorSerializer})
    def create(self, request):
        data = self.read_input(EnterRequestsSerializer)
        building = data["building"]
        rows = data["requests"]
        households = {h.pk: h for h in Household.objects.visible_to(request.user)
                      .filter(pk__in=[r["household"] for r in rows]).select_related("building")}
        persons = {p.pk: p for p in Person.objects.visible_to(request.user)
                   .filter(pk__in=[r["for_person"] for r in rows if r["for_person"]])}
        entered = []
        for index, row in enumerate(rows):
            household = households.get(row["household"])
            if household is None:
                raise serializers.ValidationError({"requests": [_("Row %(n)s: household %(id)s not found, or outside "
                                                                  "the places you can see.") % {
                    "n": index + 1, "id": row["household"]}]})
            person = persons.get(row["for_person"]) if row["for_person"] else None
            if row["for_person"] and person is None:
                raise serializers.ValidationError({"requests": [_("Row %(n)s: that person is not found.") % {
                    "n": index + 1}]})
            entered.append(services.RequestRow(household=household, kind=row["kind"], quantity=row["quantity"],
                                               item=row["item"], urgency=row["urgency"], notes=row["notes"],
                                               for_person=person, client_id=row["client_id"]))
        created = services.enter_requests(request.user, building, entered)
        rows = self.get_queryset().filter(pk__in=[r.pk for r in created])
        return Response(RequestSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Cancel a request not yet on its way, with the reason (audited)",
                   request=CancelSerializer, responses={200: RequestSerializer, 400: ErrorSerializer,
                                                        403: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        item = self.get_object()
        data = self.read_input(CancelSerializer)
        services.cancel_request(request.user, item, data["reason"])
        return Response(RequestSerializer(self.get_queryset().get(pk=item.pk)).data)


# --- cut-offs ------------------------------------------------------------------------------------


class CutoffSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cutoff
        fields = ["id", "community", "at", "expected_at", "n_requests", "n_households"]


class RunCutoffSerializer(serializers.Serializer):
    community = ScopedRelatedField(Community, write=False)


@extend_schema(tags=TAG)
@extend_schema_view(list=extend_schema(summary="Cut-offs of your communities"),
                    retrieve=extend_schema(summary="One cut-off"))
class CutoffViewSet(ReadOnlyScopedViewSet):
    model = Cutoff
    serializer_class = CutoffSerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Collect the open requests now (asked -> ordered, summed)", request=RunCutoffSerializer,
                   responses={201: CutoffSerializer, 403: ErrorSerializer})
    def create(self, request):
        data = self.read_input(RunCutoffSerializer)
        cutoff = services.run_cutoff(request.user, data["community"])
        return Response(CutoffSerializer(cutoff).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The cut-off per building, per item and per supply point",
                   responses={200: inline_serializer("CutoffSums", {
                       name: serializers.ListField(child=serializers.DictField())
                       for name in ("per_building", "per_item", "per_supply_point")})})
    @action(detail=True, methods=["get"])
    def sums(self, request, pk=None):
        sums = services.cutoff_sums(self.get_object())
        for row in sums["per_item"]:
            row["kind_label"] = str(row["kind_label"])
        return Response(sums)


# --- stations and runs -------------------------------------------------------------------------


class StationSerializer(serializers.ModelSerializer):
    buildings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = TransferStation
        fields = ["id", "community", "name", "place", "buildings"]


class NewStationSerializer(serializers.Serializer):
    community = ScopedRelatedField(Community, write=False)
    name = serializers.CharField(max_length=100)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    buildings = ScopedRelatedField(Building, write=False, many=True)


class DoorLineSerializer(serializers.Serializer):
    household = DoorSerializer()
    text = serializers.CharField(help_text=_("The items as one line"))
    urgency = serializers.IntegerField()
    outcome = serializers.CharField()
    requests = serializers.ListField(child=serializers.IntegerField())


def door_lines(door_list):
    return DoorLineSerializer([{"household": d.household, "text": d.text, "urgency": d.urgency,
                                "outcome": d.outcome, "requests": [r.pk for r in d.items]} for d in door_list],
                              many=True).data


class RunSerializer(serializers.ModelSerializer):
    volunteer = serializers.CharField(source="volunteer.username", read_only=True, allow_null=True)

    class Meta:
        model = DeliveryRun
        fields = ["id", "community", "station", "cart", "departs_at", "volunteer", "status"]


class PlanRunSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(help_text=_("The delivery volunteer (user id)"))
    departs_at = serializers.DateTimeField()
    cart = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


@extend_schema(tags=TAG)
@extend_schema_view(list=extend_schema(summary="Transfer stations you can see"),
                    retrieve=extend_schema(summary="One transfer station"))
class StationViewSet(ReadOnlyScopedViewSet):
    model = TransferStation
    serializer_class = StationSerializer
    permission_classes = [permissions.IsAuthenticated]
    prefetch_related = ("buildings",)

    def get_queryset(self):
        return super().get_queryset().distinct()

    @extend_schema(summary="Set up a transfer station serving some buildings", request=NewStationSerializer,
                   responses={201: StationSerializer, 403: ErrorSerializer})
    def create(self, request):
        data = self.read_input(NewStationSerializer)
        values = data
        station = services.create_station(request.user, values["community"], values["name"], values["buildings"],
                                          values["place"])
        return Response(StationSerializer(station).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The station's pick list: its doors in walking order",
                   responses={200: DoorLineSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="pick-list")
    def pick_list(self, request, pk=None):
        return Response(door_lines(services.station_pick_list(request.user, self.get_object())))

    @extend_schema(summary="Plan a run: every ordered request of the station's buildings on no run yet",
                   request=PlanRunSerializer, responses={201: RunSerializer, 400: ErrorSerializer,
                                                         403: ErrorSerializer})
    @action(detail=True, methods=["post"], url_path="plan-run")
    def plan_run(self, request, pk=None):
        station = self.get_object()
        data = self.read_input(PlanRunSerializer)
        volunteer = get_user_model().objects.filter(pk=data["volunteer"]).first()
        if volunteer is None:
            raise serializers.ValidationError({"volunteer": [_("No such user.")]})
        run = services.plan_run(request.user, station, volunteer, data["departs_at"],
                                data["cart"])
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


class HandoverSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    outcome = serializers.CharField(max_length=12, help_text=OUTCOME_HELP)
    client_id = serializers.CharField(max_length=64)


@extend_schema(tags=TAG)
@extend_schema_view(list=extend_schema(summary="Delivery runs you can see (a volunteer: their own)"),
                    retrieve=extend_schema(summary="One delivery run"))
class RunViewSet(ReadOnlyScopedViewSet):
    model = DeliveryRun
    serializer_class = RunSerializer
    permission_classes = [permissions.IsAuthenticated]
    select_related = ("volunteer",)

    def get_queryset(self):
        return super().get_queryset().distinct()

    @extend_schema(summary="The run's doors in walking order", responses={200: DoorLineSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def doors(self, request, pk=None):
        return Response(door_lines(services.run_doors(request.user, self.get_object())))

    @extend_schema(summary="One hand-over at a door (the same client id twice: the first answer, 200)",
                   request=HandoverSerializer, responses={201: HandoverSerializer, 200: HandoverSerializer,
                                                          400: ErrorSerializer, 403: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def handover(self, request, pk=None):
        run = self.get_object()
        data = self.read_input(HandoverSerializer)
        values = data
        on_run = Request.objects.filter(run=run, household_id=values["household"]).select_related("household").first()
        if on_run is None:
            raise serializers.ValidationError({"household": [_("This door is not on this run.")]})
        handover, created = services.record_handover(request.user, run, on_run.household, values["outcome"],
                                                     values["client_id"])
        return Response({"household": handover.household_id, "outcome": handover.outcome,
                         "client_id": handover.client_id},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- group purchases -----------------------------------------------------------------------------


class CatalogueItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogueItem
        fields = ["id", "name", "unit", "price", "contents"]


class CatalogueSerializer(serializers.ModelSerializer):
    items = CatalogueItemSerializer(many=True, read_only=True)
    supply_point_name = serializers.CharField(source="supply_point.name", read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Catalogue
        fields = ["id", "community", "supply_point", "supply_point_name", "title", "closes_at", "is_open", "items"]


class NewItemSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="份")
    price = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    contents = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class NewCatalogueSerializer(serializers.Serializer):
    supply_point = ScopedRelatedField(SupplyPoint, write=False)
    title = serializers.CharField(max_length=100)
    closes_at = serializers.DateTimeField()
    items = NewItemSerializer(many=True)


class OrderSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    quantities = serializers.DictField(child=serializers.IntegerField(min_value=0),
                                       help_text=_("Quantity by item id; 0 leaves the item out"))


@extend_schema(tags=TAG)
@extend_schema_view(list=extend_schema(summary="Group purchases of your communities"),
                    retrieve=extend_schema(summary="One group purchase with its items"))
class CatalogueViewSet(ReadOnlyScopedViewSet):
    model = Catalogue
    serializer_class = CatalogueSerializer
    permission_classes = [permissions.IsAuthenticated]
    select_related = ("supply_point",)
    prefetch_related = ("items",)

    @extend_schema(summary="Open a group purchase at a supply point", request=NewCatalogueSerializer,
                   responses={201: CatalogueSerializer, 400: ErrorSerializer, 403: ErrorSerializer})
    def create(self, request):
        data = self.read_input(NewCatalogueSerializer)
        values = data
        items = [(i["name"], i["unit"], i["price"], i["contents"]) for i in values["items"]]
        catalogue = services.open_catalogue(request.user, values["supply_point"], values["title"],
                                            values["closes_at"], items)
        return Response(CatalogueSerializer(self.get_queryset().get(pk=catalogue.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="A household's order (replacing its earlier one) while open", request=OrderSerializer,
                   responses={200: inline_serializer("GroupOrderAnswer", {
                       "id": serializers.IntegerField(), "household": serializers.IntegerField(),
                       "amount": serializers.CharField(), "paid": serializers.BooleanField()}),
                       400: ErrorSerializer, 403: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def order(self, request, pk=None):
        catalogue = self.get_object()
        data = self.read_input(OrderSerializer)
        household = get_visible_or_404(Household.objects, request.user, pk=data["household"])
        quantities = {}
        for key, value in data["quantities"].items():
            if not str(key).isdigit():
                raise serializers.ValidationError({"quantities": [_("Give item ids as keys.")]})
            quantities[int(key)] = value
        with transaction.atomic():
            order = services.place_order(request.user, catalogue, household, quantities)
        return Response({"id": order.pk, "household": household.pk, "amount": str(order.amount), "paid": order.paid})

    @extend_schema(summary="The supplier's totals per item", responses={200: inline_serializer("OrderTotal", {
        "item__name": serializers.CharField(), "item__unit": serializers.CharField(),
        "price": serializers.CharField(), "ordered": serializers.IntegerField(),
        "amount": serializers.CharField()}, many=True)})
    @action(detail=True, methods=["get"])
    def totals(self, request, pk=None):
        rows = services.order_totals(self.get_object())
        return Response([{**row, "price": str(row["price"]), "amount": str(row["amount"])} for row in rows])


ROUTES = [
    ("supply-requests", RequestViewSet, "request"),
    ("supply-cutoffs", CutoffViewSet, "cutoff"),
    ("supply-stations", StationViewSet, "station"),
    ("supply-runs", RunViewSet, "run"),
    ("supply-catalogues", CatalogueViewSet, "catalogue"),
]
