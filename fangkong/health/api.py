"""Health control's REST API: key persons, measures, arrivals, daily health reports and door
seals. Thin: the rules are in ``health.services``; rows come from ``visible_to`` (404 outside
scope) and persons go out masked (ID numbers and phones whole only through
``POST /api/persons/{id}/reveal/``, which writes the audit log).

Phones retry: a daily report is one per person and day and a seal check one per seal and day, so
sending the same one again replaces it, never adds (a ``client_id`` sent along is ignored).

The documentation groups these operations under one tag, ``health``.
"""

from decimal import Decimal

import django_filters as filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from fangkong.core.filtersets import IdFilter
from fangkong.core.models import Person
from fangkong.core.rest.serializers import ErrorSerializer, ScopedRelatedField
from fangkong.core.rest.views import ReadOnlyScopedViewSet
from fangkong.lib.masking import mask_id, mask_phone

from . import actions as can
from . import services
from .models import (
    ArrivalReport,
    HealthReport,
    KeyPerson,
    Measure,
    MeasureKind,
    RiskArea,
    Seal,
    SealCheck,
    SealResult,
    State,
    Symptom,
)

# --- the person on every row ----------------------------------------------------------------


class PersonBriefSerializer(serializers.ModelSerializer):
    """Who a row is about, masked: enough to find the door and call."""

    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    building = serializers.IntegerField(source="household.building_id", read_only=True, allow_null=True)
    door_number = serializers.CharField(source="household.building.door_number", read_only=True, allow_null=True)
    room = serializers.CharField(source="household.room", read_only=True, allow_null=True)

    class Meta:
        model = Person
        fields = ["id", "name", "id_number", "phone", "building", "door_number", "room"]

    def get_id_number(self, person) -> str:
        return mask_id(person.id_number) if person.id_number else ""

    def get_phone(self, person) -> str:
        return mask_phone(person.phone) if person.phone else ""


PERSON_ROWS = ("person__household__building",)
PERSON_HELP = _("The person (id), in the places you may change.")


def today_or_before(value):
    if value > timezone.localdate():
        raise serializers.ValidationError(_("This date is in the future."))
    return value


# --- key persons ------------------------------------------------------------------------------


class KeyPersonSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer(read_only=True)

    class Meta:
        model = KeyPerson
        fields = ["id", "community", "person", "state", "since", "colour", "measure", "measure_end", "responsible",
                  "note"]


class SetStateSerializer(serializers.Serializer):
    person = ScopedRelatedField(Person, help_text=PERSON_HELP)
    state = serializers.ChoiceField(choices=State.choices)
    on = serializers.DateField(required=False, validators=[today_or_before])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class KeyPersonFilterSet(filters.FilterSet):
    state = filters.ChoiceFilter(choices=State.choices)
    building = IdFilter(field_name="person__household__building_id")

    class Meta:
        model = KeyPerson
        fields = ["state", "colour", "building"]


@extend_schema(tags=["health"])
@extend_schema_view(list=extend_schema(summary="Key persons you can see (ID numbers and phones masked)"),
                    retrieve=extend_schema(summary="One key person"))
class KeyPersonViewSet(ReadOnlyScopedViewSet):
    model = KeyPerson
    write_actions = {"create": can.SET_STATE}
    serializer_class = KeyPersonSerializer
    filterset_class = KeyPersonFilterSet
    select_related = PERSON_ROWS

    @extend_schema(summary="Make a person a key person, or move them to another state",
                   request=SetStateSerializer, responses={200: KeyPersonSerializer, 201: KeyPersonSerializer})
    def create(self, request):
        data = self.read_input(SetStateSerializer)
        existed = KeyPerson.objects.filter(person=data["person"]).exists()
        key = services.set_state(request.user, **data)
        key = self.get_queryset().get(pk=key.pk)
        return Response(KeyPersonSerializer(key).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


# --- measures -----------------------------------------------------------------------------------


class MeasureSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer(read_only=True)

    class Meta:
        model = Measure
        fields = ["id", "community", "person", "kind", "start", "end", "test_days", "cancelled", "arrival", "site",
                  "room", "transfer_status"]


class StartMeasureSerializer(serializers.Serializer):
    person = ScopedRelatedField(Person, help_text=PERSON_HELP)
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    start = serializers.DateField()
    end = serializers.DateField()
    test_days = serializers.CharField(required=False, allow_blank=True, max_length=60, default="",
                                      help_text=_("Days of the measure with a test, e.g. 1,4,7"))
    state = serializers.ChoiceField(choices=State.choices, required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class MeasureFilterSet(filters.FilterSet):
    person = IdFilter(field_name="person_id")
    kind = filters.ChoiceFilter(choices=MeasureKind.choices)
    active_on = filters.DateFilter(method="filter_active_on", label=_("Active on"))

    class Meta:
        model = Measure
        fields = ["person", "kind", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)


@extend_schema(tags=["health"])
@extend_schema_view(list=extend_schema(summary="Measures of people you can see"),
                    retrieve=extend_schema(summary="One measure"))
class MeasureViewSet(ReadOnlyScopedViewSet):
    model = Measure
    write_actions = {"create": can.START_MEASURE}
    serializer_class = MeasureSerializer
    filterset_class = MeasureFilterSet
    select_related = PERSON_ROWS

    @extend_schema(summary="Put a person under a measure", request=StartMeasureSerializer,
                   responses={201: MeasureSerializer})
    def create(self, request):
        data = self.read_input(StartMeasureSerializer)
        values = dict(data)
        measure = services.start_measure(request.user, values.pop("person"), values.pop("kind"), values.pop("start"),
                                         values.pop("end"), values.pop("test_days"), **values)
        return Response(MeasureSerializer(self.get_queryset().get(pk=measure.pk)).data,
                        status=status.HTTP_201_CREATED)


# --- arrivals ---------------------------------------------------------------------------------


class ArrivalSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer(read_only=True)

    class Meta:
        model = ArrivalReport
        fields = ["id", "community", "person", "origin_area", "origin_text", "travel_date", "arrival_date",
                  "transport", "companions", "origin_level", "status", "reason", "created_at"]


class ReportArrivalSerializer(serializers.Serializer):
    person = ScopedRelatedField(Person, help_text=PERSON_HELP)
    travel_date = serializers.DateField(validators=[today_or_before])
    arrival_date = serializers.DateField(validators=[today_or_before])
    origin_area = ScopedRelatedField(RiskArea, required=False, allow_null=True, default=None,
                                     help_text=_("A risk area of the register (id)"))
    origin_text = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    transport = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    companions = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    def validate(self, attrs):
        if attrs["origin_area"] is None and not attrs["origin_text"].strip():
            raise serializers.ValidationError({"origin_text": [_("Say where the person came from.")]})
        if attrs["arrival_date"] < attrs["travel_date"]:
            raise serializers.ValidationError({"arrival_date": [_("The arrival cannot come before the journey.")]})
        area = attrs["origin_area"]
        if area is not None and area.community_id != attrs["person"].community_id:
            raise serializers.ValidationError({"origin_area": [_("This area is another community's.")]})
        return attrs


class ChosenMeasureSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    start = serializers.DateField()
    end = serializers.DateField()
    test_days = serializers.CharField(required=False, allow_blank=True, max_length=60, default="")


class DecideSerializer(serializers.Serializer):
    measures = ChosenMeasureSerializer(many=True, required=False, allow_null=True, default=None,
                                       help_text=_("Leave out to confirm the proposed measures; give others "
                                                   "(or an empty list: none) with a reason."))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


@extend_schema(tags=["health"])
@extend_schema_view(list=extend_schema(summary="Arrivals of people you can see"),
                    retrieve=extend_schema(summary="One arrival"))
class ArrivalViewSet(ReadOnlyScopedViewSet):
    model = ArrivalReport
    write_actions = {"create": can.REPORT_ARRIVAL, "decide": can.DECIDE_ARRIVAL}
    serializer_class = ArrivalSerializer
    filterset_fields = ["status"]
    select_related = PERSON_ROWS

    @extend_schema(summary="Report an arrival: the origin's level proposes the measures",
                   request=ReportArrivalSerializer, responses={201: ArrivalSerializer})
    def create(self, request):
        data = self.read_input(ReportArrivalSerializer)
        values = dict(data)
        report = services.report_arrival(request.user, values.pop("person"), **values)
        return Response(ArrivalSerializer(self.get_queryset().get(pk=report.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Confirm the proposed measures, or choose others with a reason",
                   request=DecideSerializer, responses={200: MeasureSerializer(many=True), 400: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        report = self.get_object()
        data = self.read_input(DecideSerializer)
        chosen = data["measures"]
        if chosen is not None:
            chosen = [services.ProposedMeasure(m["kind"], m["start"], m["end"], m["test_days"]) for m in chosen]
        created = services.decide_arrival(request.user, report, chosen, reason=data["reason"])
        rows = Measure.objects.filter(pk__in=[m.pk for m in created]).select_related(*PERSON_ROWS)
        return Response(MeasureSerializer(rows, many=True).data)


# --- daily health reports ---------------------------------------------------------------------


class HealthReportSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer(read_only=True)
    symptoms = serializers.ListField(source="symptom_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = HealthReport
        fields = ["id", "community", "person", "on", "temperature", "symptoms", "at"]


class RecordReportSerializer(serializers.Serializer):
    person = ScopedRelatedField(Person, help_text=PERSON_HELP)
    on = serializers.DateField(required=False, validators=[today_or_before], help_text=_("Today when left out"))
    temperature = serializers.DecimalField(max_digits=3, decimal_places=1, min_value=Decimal("34"),
                                           max_value=Decimal("43"))
    symptoms = serializers.ListField(child=serializers.ChoiceField(choices=Symptom.choices), required=False,
                                     default=list)
    client_id = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                      help_text=_("Accepted and not needed: one report per person and day."))


class HealthReportFilterSet(filters.FilterSet):
    person = IdFilter(field_name="person_id")
    building = IdFilter(field_name="person__household__building_id")

    class Meta:
        model = HealthReport
        fields = ["on", "person", "building"]


@extend_schema(tags=["health"])
@extend_schema_view(list=extend_schema(summary="Daily health reports of people you can see"),
                    retrieve=extend_schema(summary="One daily health report"))
class HealthReportViewSet(ReadOnlyScopedViewSet):
    model = HealthReport
    write_actions = {"create": can.RECORD_REPORTS}
    serializer_class = HealthReportSerializer
    filterset_class = HealthReportFilterSet
    select_related = PERSON_ROWS

    @extend_schema(summary="A person's report of the day (sent again: replaced)", request=RecordReportSerializer,
                   responses={200: HealthReportSerializer})
    def create(self, request):
        data = self.read_input(RecordReportSerializer)
        values = data
        person, day = values["person"], values.get("on") or timezone.localdate()
        services.record_reports(request.user, day, [(person, values["temperature"], values["symptoms"])])
        report = self.get_queryset().get(person=person, on=day)
        return Response(HealthReportSerializer(report).data)


# --- door seals -------------------------------------------------------------------------------


class SealSerializer(serializers.ModelSerializer):
    building = serializers.IntegerField(source="household.building_id", read_only=True)
    door_number = serializers.CharField(source="household.building.door_number", read_only=True)
    room = serializers.CharField(source="household.room", read_only=True)

    class Meta:
        model = Seal
        fields = ["id", "community", "household", "building", "door_number", "room", "sealed_on", "removed_on",
                  "number"]


class SealCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = SealCheck
        fields = ["id", "seal", "on", "result", "note", "at"]


class CheckSealSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=SealResult.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    client_id = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                      help_text=_("Accepted and not needed: one check per seal and day."))


class SealFilterSet(filters.FilterSet):
    building = IdFilter(field_name="household__building_id")
    open = filters.BooleanFilter(field_name="removed_on", lookup_expr="isnull", label=_("Still on the door"))

    class Meta:
        model = Seal
        fields = ["building", "open"]


@extend_schema(tags=["health"])
@extend_schema_view(list=extend_schema(summary="Door seals you can see"), retrieve=extend_schema(summary="One seal"))
class SealViewSet(ReadOnlyScopedViewSet):
    model = Seal
    write_actions = {"check": can.CHECK_SEAL}
    serializer_class = SealSerializer
    filterset_class = SealFilterSet
    select_related = ("household__building",)

    @extend_schema(summary="Today's check of a seal (checked again today: replaced)", request=CheckSealSerializer,
                   responses={200: SealCheckSerializer, 400: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        seal = self.get_object()
        data = self.read_input(CheckSealSerializer)
        check = services.check_seal(request.user, seal, data["result"], note=data["note"])
        return Response(SealCheckSerializer(check).data)


ROUTES = [
    ("keypersons", KeyPersonViewSet, "keyperson"),
    ("measures", MeasureViewSet, "measure"),
    ("arrivals", ArrivalViewSet, "arrival"),
    ("healthreports", HealthReportViewSet, "healthreport"),
    ("seals", SealViewSet, "seal"),
]
