"""Staff's REST API: workers (phones masked), teams, 包保 assignments, duty rosters and tasks.

Thin: every write goes through ``staff.services``, whose ``require`` decides who may (403
not_allowed) and whose refusals name the field (400 with the service's code). Rows come from
``visible_to`` (404 outside scope): a worker reads their own shifts, assignments and tasks, a team
leader their team's, a grid leader their grids', the command post its community's. A worker's
phone always goes out masked; no endpoint gives it whole.

The documentation groups these operations under one tag, ``staff``.
"""

import django_filters as filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from fangkong.core.filtersets import IdFilter
from fangkong.core.models import Building, Community, Grid, Household, Person
from fangkong.core.rest.views import ReadOnlyScopedViewSet
from fangkong.lib.masking import mask_phone

from . import services
from .models import (
    COMMON_SKILLS,
    Assignment,
    AssignmentKind,
    Availability,
    Duty,
    Origin,
    Post,
    Shift,
    Task,
    TaskStatus,
    Team,
    TeamKind,
    Worker,
    WorkerHealth,
)


class VisibleField(serializers.PrimaryKeyRelatedField):
    """A reference (by id) to a row the user can see; the service decides whether they may act on
    it. Whether it does not exist or lies outside the user's scope, the same message."""

    default_error_messages = {
        "does_not_exist": _("Not found, or outside what you can see (id {pk_value})."),
        "incorrect_type": _("Give the id (a number), not {data_type}."),
    }

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.none())  # the schema's model
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model.objects.visible_to(getattr(request, "user", None))


class StaffViewSet(ReadOnlyScopedViewSet):
    # Every write is a service that requires the action itself (core/actions.py): no role check here.
    permission_classes = [IsAuthenticated]

    def fresh(self, obj):
        """The row as the list shows it (through scope, with its related rows)."""
        return self.get_queryset().get(pk=obj.pk)


def _today_or_later(value):
    if value < timezone.localdate():
        raise serializers.ValidationError(_("This date has passed."))
    return value


# --- workers --------------------------------------------------------------------------------------


class WorkerSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Worker
        fields = ["id", "community", "grid", "name", "phone", "origin", "unit_name", "party_member", "skills",
                  "availability", "health", "arrived_on", "left_on", "available", "has_account"]

    def get_phone(self, worker) -> str:
        return mask_phone(worker.phone) if worker.phone else ""

    def get_available(self, worker) -> bool:
        return worker.available_on(timezone.localdate())

    def get_has_account(self, worker) -> bool:
        return worker.user_id is not None


class NewWorkerSerializer(serializers.Serializer):
    community = VisibleField(Community)
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    origin = serializers.ChoiceField(choices=Origin.choices, default=Origin.DEPLOYED)
    unit_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    party_member = serializers.BooleanField(default=False)
    skills = serializers.ListField(child=serializers.CharField(max_length=30), required=False, default=list,
                                   help_text=_("Free tags; the common ones are %(common)s.")
                                   % {"common": ", ".join(COMMON_SKILLS)})
    availability = serializers.ChoiceField(choices=Availability.choices, default=Availability.ANY)
    grid = VisibleField(Grid, required=False, allow_null=True, default=None)
    arrived_on = serializers.DateField(required=False)


class HealthSerializer(serializers.Serializer):
    health = serializers.ChoiceField(choices=WorkerHealth.choices)


class LeaveSerializer(serializers.Serializer):
    left_on = serializers.DateField()


class WorkerFilterSet(filters.FilterSet):
    grid = IdFilter(field_name="grid_id")
    health = filters.ChoiceFilter(choices=WorkerHealth.choices)
    origin = filters.ChoiceFilter(choices=Origin.choices)

    class Meta:
        model = Worker
        fields = ["grid", "health", "origin"]


@extend_schema(tags=["staff"])
@extend_schema_view(list=extend_schema(summary="Workers you can see (phones masked)"),
                    retrieve=extend_schema(summary="One worker"))
class WorkerViewSet(StaffViewSet):
    model = Worker
    serializer_class = WorkerSerializer
    filterset_class = WorkerFilterSet

    @extend_schema(summary="Add a worker to the register", request=NewWorkerSerializer,
                   responses={201: WorkerSerializer})
    def create(self, request):
        data = self.read_input(NewWorkerSerializer)
        values = dict(data)
        community = values.pop("community")
        values.setdefault("arrived_on", timezone.localdate())
        worker = services.create_worker(request.user, community, values)
        return Response(WorkerSerializer(self.fresh(worker)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Set a worker's own health (ill or a close contact: off every roster)",
                   request=HealthSerializer, responses={200: WorkerSerializer})
    @action(detail=True, methods=["post"])
    def health(self, request, pk=None):
        worker = self.get_object()
        data = self.read_input(HealthSerializer)
        services.set_worker_health(request.user, worker, data["health"])
        return Response(WorkerSerializer(self.fresh(worker)).data)

    @extend_schema(summary="Record the day a worker leaves (their shifts from then on are taken off)",
                   request=LeaveSerializer, responses={200: WorkerSerializer})
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        worker = self.get_object()
        data = self.read_input(LeaveSerializer)
        services.update_worker(request.user, worker, {"left_on": data["left_on"]})
        return Response(WorkerSerializer(self.fresh(worker)).data)


# --- teams ------------------------------------------------------------------------------------------


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "community", "grid", "kind", "name", "leader", "members"]

    def get_members(self, team) -> list[int]:
        return sorted(member.worker_id for member in team.members.all())


class NewTeamSerializer(serializers.Serializer):
    community = VisibleField(Community)
    kind = serializers.ChoiceField(choices=TeamKind.choices)
    name = serializers.CharField(max_length=100)
    grid = VisibleField(Grid, required=False, allow_null=True, default=None)
    leader = VisibleField(Worker, required=False, allow_null=True, default=None)


class MemberSerializer(serializers.Serializer):
    worker = VisibleField(Worker)


@extend_schema(tags=["staff"])
@extend_schema_view(list=extend_schema(summary="Teams you can see, with their members (worker ids)"),
                    retrieve=extend_schema(summary="One team"))
class TeamViewSet(StaffViewSet):
    model = Team
    serializer_class = TeamSerializer
    prefetch_related = ("members",)
    filterset_fields = ["kind"]

    @extend_schema(summary="Form a team", request=NewTeamSerializer, responses={201: TeamSerializer})
    def create(self, request):
        data = self.read_input(NewTeamSerializer)
        values = data
        team = services.create_team(request.user, values["community"], values["kind"], values["name"],
                                    grid=values["grid"], leader=values["leader"])
        return Response(TeamSerializer(self.fresh(team)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Add a worker to the team", request=MemberSerializer, responses={200: TeamSerializer})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        team = self.get_object()
        data = self.read_input(MemberSerializer)
        services.add_member(request.user, team, data["worker"])
        return Response(TeamSerializer(self.fresh(team)).data)


# --- 包保 assignments ---------------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    worker_name = serializers.CharField(source="worker.name", read_only=True)
    door_number = serializers.CharField(source="building.door_number", read_only=True, allow_null=True)
    needs_handover = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = ["id", "community", "worker", "worker_name", "kind", "grid", "building", "door_number", "household",
                  "person", "started_on", "ended_on", "needs_handover"]

    def get_needs_handover(self, row) -> bool:
        return row.ended_on is None and not row.worker.available_on(timezone.localdate())


class NewAssignmentSerializer(serializers.Serializer):
    worker = VisibleField(Worker)
    building = VisibleField(Building, required=False, allow_null=True, default=None)
    household = VisibleField(Household, required=False, allow_null=True, default=None)
    person = VisibleField(Person, required=False, allow_null=True, default=None,
                          help_text=_("A key person, answered for as the person."))


class HandOverSerializer(serializers.Serializer):
    worker = VisibleField(Worker, help_text=_("Who takes the assignment over from today."))


class AssignmentFilterSet(filters.FilterSet):
    worker = IdFilter(field_name="worker_id")
    building = IdFilter(field_name="building_id")
    grid = IdFilter(field_name="grid_id")
    kind = filters.ChoiceFilter(choices=AssignmentKind.choices)
    live = filters.BooleanFilter(field_name="ended_on", lookup_expr="isnull", label=_("Not ended"))

    class Meta:
        model = Assignment
        fields = ["worker", "building", "grid", "kind", "live"]


@extend_schema(tags=["staff"])
@extend_schema_view(list=extend_schema(summary="包保 assignments you can see"),
                    retrieve=extend_schema(summary="One assignment"))
class AssignmentViewSet(StaffViewSet):
    model = Assignment
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilterSet
    select_related = ("worker", "building")

    @extend_schema(summary="Make a worker answer for one building, household or key person from today",
                   request=NewAssignmentSerializer, responses={201: AssignmentSerializer})
    def create(self, request):
        data = self.read_input(NewAssignmentSerializer)
        values = dict(data)
        row = services.assign(request.user, values.pop("worker"), **values)
        return Response(AssignmentSerializer(self.fresh(row)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="End the assignment today", request=None, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        row = self.get_object()
        services.end_assignment(request.user, row)
        return Response(AssignmentSerializer(self.fresh(row)).data)

    @extend_schema(summary="Hand the assignment over to another worker (it ends today, theirs starts)",
                   request=HandOverSerializer, responses={201: AssignmentSerializer})
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request, pk=None):
        row = self.get_object()
        data = self.read_input(HandOverSerializer)
        new = services.hand_over(request.user, row, data["worker"])
        return Response(AssignmentSerializer(self.fresh(new)).data, status=status.HTTP_201_CREATED)


# --- duty rosters --------------------------------------------------------------------------------------


class DutySerializer(serializers.ModelSerializer):
    post_name = serializers.CharField(source="post.name", read_only=True)
    shift_name = serializers.CharField(source="shift.name", read_only=True)
    worker_name = serializers.CharField(source="worker.name", read_only=True)

    class Meta:
        model = Duty
        fields = ["id", "community", "post", "post_name", "shift", "shift_name", "worker", "worker_name", "on",
                  "starts_at", "ends_at", "signed_on_at", "signed_off_at", "handover_note"]


class NewDutySerializer(serializers.Serializer):
    post = VisibleField(Post)
    worker = VisibleField(Worker)
    on = serializers.DateField(validators=[_today_or_later])
    shift = serializers.PrimaryKeyRelatedField(queryset=Shift.objects.all(),
                                               help_text=_("One of the community's shifts (id)."))


class NewDutyAnswerSerializer(DutySerializer):
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(DutySerializer.Meta):
        fields = DutySerializer.Meta.fields + ["warnings"]


class SignOffSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="",
                                 help_text=_("The hand-over note for the next shift."))


class DutyFilterSet(filters.FilterSet):
    on = filters.DateFilter()
    since = filters.DateFilter(field_name="on", lookup_expr="gte")
    until = filters.DateFilter(field_name="on", lookup_expr="lte")
    worker = IdFilter(field_name="worker_id")
    post = IdFilter(field_name="post_id")

    class Meta:
        model = Duty
        fields = ["on", "since", "until", "worker", "post"]


@extend_schema(tags=["staff"])
@extend_schema_view(list=extend_schema(summary="Rostered duties you can see (?since=&until= for a week)"),
                    retrieve=extend_schema(summary="One duty"),
                    destroy=extend_schema(summary="Take a duty off the roster (not once signed on)"))
class DutyViewSet(StaffViewSet):
    model = Duty
    serializer_class = DutySerializer
    filterset_class = DutyFilterSet
    select_related = ("post", "shift", "worker")

    @extend_schema(summary="Roster a worker at a post for a shift (answers with any warnings)",
                   request=NewDutySerializer, responses={201: NewDutyAnswerSerializer})
    def create(self, request):
        data = self.read_input(NewDutySerializer)
        values = data
        duty, warnings = services.add_duty(request.user, values["post"], values["worker"], values["on"],
                                           values["shift"])
        duty = self.fresh(duty)
        duty.warnings = warnings
        return Response(NewDutyAnswerSerializer(duty).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        services.remove_duty(request.user, self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Sign on at the post (your own duty, from 30 minutes before)", request=None,
                   responses={200: DutySerializer})
    @action(detail=True, methods=["post"], url_path="sign-on")
    def sign_on(self, request, pk=None):
        duty = self.get_object()
        services.sign_on(request.user, duty)
        return Response(DutySerializer(self.fresh(duty)).data)

    @extend_schema(summary="Sign off, with a hand-over note for the next shift", request=SignOffSerializer,
                   responses={200: DutySerializer})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        duty = self.get_object()
        data = self.read_input(SignOffSerializer)
        services.sign_off(request.user, duty, data["note"])
        return Response(DutySerializer(self.fresh(duty)).data)


# --- tasks -------------------------------------------------------------------------------------------------


class TaskSerializer(serializers.ModelSerializer):
    escalation = serializers.SerializerMethodField(help_text=_("Whose the task is now: owner, team_leader or "
                                                               "command_post (overdue)."))

    class Meta:
        model = Task
        fields = ["id", "community", "title", "owner_worker", "owner_team", "due_on", "grid", "building", "person",
                  "status", "source", "spot_check", "created_at", "done_at", "escalation"]

    def get_escalation(self, task) -> str:
        return services.escalation(task, timezone.localdate())


class NewTaskSerializer(serializers.Serializer):
    community = VisibleField(Community)
    title = serializers.CharField(max_length=200)
    owner_worker = VisibleField(Worker, required=False, allow_null=True, default=None)
    owner_team = VisibleField(Team, required=False, allow_null=True, default=None)
    due_on = serializers.DateField(required=False, allow_null=True, default=None,
                                   help_text=_("Today when left out (当日事当日清)."))
    building = VisibleField(Building, required=False, allow_null=True, default=None)


class TaskFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=TaskStatus.choices)
    due_by = filters.DateFilter(field_name="due_on", lookup_expr="lte")
    grid = IdFilter(field_name="grid_id")
    owner_worker = IdFilter(field_name="owner_worker_id")
    owner_team = IdFilter(field_name="owner_team_id")

    class Meta:
        model = Task
        fields = ["status", "due_by", "grid", "owner_worker", "owner_team"]


@extend_schema(tags=["staff"])
@extend_schema_view(list=extend_schema(summary="Tasks you can see (yours, your team's, your grid's)"),
                    retrieve=extend_schema(summary="One task"))
class TaskViewSet(StaffViewSet):
    model = Task
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet

    @extend_schema(summary="Give a task to a worker or a team", request=NewTaskSerializer,
                   responses={201: TaskSerializer})
    def create(self, request):
        data = self.read_input(NewTaskSerializer)
        values = dict(data)
        task = services.create_task(request.user, values.pop("community"), values.pop("title"), **values)
        return Response(TaskSerializer(self.fresh(task)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Close the task as done", request=None, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        task = self.get_object()
        services.close_task(request.user, task)
        return Response(TaskSerializer(self.fresh(task)).data)


ROUTES = [
    ("staff/workers", WorkerViewSet, "worker"),
    ("staff/teams", TeamViewSet, "team"),
    ("staff/assignments", AssignmentViewSet, "assignment"),
    ("staff/duties", DutyViewSet, "duty"),
    ("staff/tasks", TaskViewSet, "task"),
]
