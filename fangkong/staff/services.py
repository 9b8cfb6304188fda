"""The rules of staff and duties. Views, the demo and (later) the API call these; none writes a
worker, an assignment, a duty, a tick or a task another way.

Every function that changes something calls ``require`` first and writes its audit entry in the
same transaction. Refusals are ``StaffError`` with a machine code and a message naming the field.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import events
from fangkong.core.actions import require
from fangkong.core.errors import ServiceError
from fangkong.core.models import AuditAction, Building, Community, Grid, Household, Person
from fangkong.core.services import audit
from fangkong.lib import phone as phones

from . import actions
from .models import (
    COMMON_SKILLS,
    Assignment,
    AssignmentKind,
    Duty,
    FiveItem,
    FiveTick,
    Origin,
    Post,
    Shift,
    SignupStatus,
    Task,
    TaskStatus,
    Team,
    TeamMember,
    VolunteerSignup,
    Worker,
    WorkerHealth,
)

# More hours in a row than this is warned about (seed 000 speaks of 48-hour stretches), not refused.
MAX_HOURS_IN_A_ROW = getattr(settings, "FANGKONG_STAFF_MAX_HOURS", 12)
# The three shifts around the clock of seed 001 (三班倒).
DEFAULT_SHIFTS = [("00:00-08:00", dt.time(0), 8), ("08:00-16:00", dt.time(8), 8), ("16:00-24:00", dt.time(16), 8)]
# An overdue task goes to the owner's team leader the day after its deadline, to the command post after this.
ESCALATE_TO_COMMAND_POST_DAYS = 2
# Public volunteer form: this many sign-ups per address per hour.
SIGNUPS_PER_HOUR = 5
# The completion page lists this many cadres, those furthest behind first.
CADRES_SHOWN = 100
# The coverage page lists at most this many of each gap (the counts are always whole).
COVERAGE_SHOWN = 300
# The completion page names at most this many rooms nobody saw (the count is always whole).
UNSEEN_ROOMS_SHOWN = 200
# A worker may sign on this long before the shift starts.
SIGN_ON_EARLY = dt.timedelta(minutes=30)


class StaffError(ServiceError):
    pass


def _refuse(code, message, field=None):
    raise StaffError(message, code=code, field=field)


def _check_phone(value: str, field_name="phone") -> str:
    if not value:
        return ""
    try:
        return phones.normalize(value)
    except ValidationError as error:
        _refuse("bad_phone", _("Phone: %(why)s") % {"why": " ".join(error.messages)}, field_name)


def _same_community(community_id, obj, field_name):
    if obj is not None and obj.community_id != community_id:
        _refuse("other_community", _("%(field)s: it belongs to another community.") % {"field": field_name}, field_name)


# --- workers and teams ------------------------------------------------------------------------

WORKER_FIELDS = ["name", "phone", "origin", "unit_name", "party_member", "skills", "availability", "grid",
                 "user", "arrived_on", "left_on"]


def _clean_worker(community: Community, data: dict) -> dict:
    data = {k: v for k, v in data.items() if k in WORKER_FIELDS}
    if "name" in data and not str(data["name"]).strip():
        _refuse("name_required", _("Name: a worker needs a name."), "name")
    if "phone" in data:
        data["phone"] = _check_phone(data["phone"])
    if "skills" in data:
        data["skills"] = sorted({str(s).strip() for s in data["skills"] if str(s).strip()})
    _same_community(community.pk, data.get("grid"), _("Grid"))
    if data.get("left_on") and data.get("arrived_on") and data["left_on"] < data["arrived_on"]:
        _refuse("left_before_arrival", _("Left: the departure date is before the arrival date."), "left_on")
    return data


@transaction.atomic
def create_worker(actor, community: Community, data: dict) -> Worker:
    require(actor, actions.MANAGE_WORKER, community)
    worker = Worker.objects.create(community=community, **_clean_worker(community, data))
    audit(actor, AuditAction.CREATE, worker, fields=sorted(data))
    return worker


@transaction.atomic
def update_worker(actor, worker: Worker, data: dict) -> Worker:
    require(actor, actions.MANAGE_WORKER, worker)
    cleaned = _clean_worker(worker.community, data)
    for key, value in cleaned.items():
        setattr(worker, key, value)
    if worker.left_on and worker.left_on < worker.arrived_on:
        _refuse("left_before_arrival", _("Left: the departure date is before the arrival date."), "left_on")
    worker.save()
    if worker.left_on:
        _clear_roster(worker, timezone.make_aware(dt.datetime.combine(worker.left_on, dt.time())))
    audit(actor, AuditAction.CHANGE, worker, fields=sorted(cleaned))
    if {"left_on", "arrived_on", "user"} & set(cleaned):
        _worker_changed(worker)
    return worker


def _clear_roster(worker: Worker, since: dt.datetime) -> int:
    """Take the worker off every duty that has not started yet (they are ill or gone)."""
    deleted, _detail = Duty.objects.filter(worker=worker, starts_at__gte=since, signed_on_at__isnull=True).delete()
    return deleted


@transaction.atomic
def set_worker_health(actor, worker: Worker, health: str, now=None) -> int:
    """A worker who falls ill or becomes a close contact is off every roster from now on; their
    assignments show as needing hand-over (computed from the worker's state). Returns the number
    of duties taken off."""
    require(actor, actions.MANAGE_WORKER, worker)
    if health not in WorkerHealth.values:
        _refuse("bad_health", _("Health: not one of the states offered."), "health")
    before = worker.health
    worker.health = health
    worker.save(update_fields=["health"])
    removed = 0 if health == WorkerHealth.WELL else _clear_roster(worker, now or timezone.now())
    audit(actor, AuditAction.CHANGE, worker, fields=["health"], changes={"health": [before, health]})
    if before != health:
        _worker_changed(worker)
    return removed


@transaction.atomic
def create_team(actor, community: Community, kind: str, name: str, grid: Grid | None = None,
                leader: Worker | None = None) -> Team:
    require(actor, actions.MANAGE_TEAM, community)
    if not name.strip():
        _refuse("name_required", _("Name: a team needs a name."), "name")
    _same_community(community.pk, grid, _("Grid"))
    _same_community(community.pk, leader, _("Leader"))
    team = Team.objects.create(community=community, kind=kind, name=name.strip(), grid=grid, leader=leader)
    if leader:
        TeamMember.objects.create(community=community, team=team, worker=leader)
    audit(actor, AuditAction.CREATE, team)
    return team


@transaction.atomic
def add_member(actor, team: Team, worker: Worker) -> bool:
    """Add a worker to a team (a worker may be in several); False when already in it."""
    require(actor, actions.MANAGE_TEAM, team)
    _same_community(team.community_id, worker, _("Worker"))
    _member, created = TeamMember.objects.get_or_create(community_id=team.community_id, team=team, worker=worker)
    if created:
        audit(actor, AuditAction.CHANGE, team, fields=["members"], changes={"added": worker.name})
    return created


# --- volunteer sign-up --------------------------------------------------------------------------


def submit_signup(community: Community, data: dict, address: str) -> VolunteerSignup:
    """The public form: no account, so no ``require``; a per-address limit instead. What comes back
    to the sender is only "thank you"."""
    key = f"staff-signup:{address}"
    sent = cache.get(key, 0)
    if sent >= SIGNUPS_PER_HOUR:
        _refuse("too_many_signups", _("Too many sign-ups from this connection; please try again in an hour."))
    name = str(data.get("name", "")).strip()
    if not name:
        _refuse("name_required", _("Name: please give your name."), "name")
    number = _check_phone(str(data.get("phone", "")).strip())
    if not number:
        _refuse("phone_required", _("Phone: please give a mobile number we can call."), "phone")
    signup = VolunteerSignup.objects.create(
        community=community, name=name[:50], phone=number, building_text=str(data.get("building_text", ""))[:60],
        skills=[s for s in data.get("skills", []) if s in COMMON_SKILLS], hours=str(data.get("hours", ""))[:60])
    cache.set(key, sent + 1, 3600)
    return signup


@transaction.atomic
def decide_signup(actor, signup: VolunteerSignup, approve: bool) -> Worker | None:
    require(actor, actions.DECIDE_SIGNUP, signup)
    if signup.status != SignupStatus.PENDING:
        _refuse("already_decided", _("This sign-up has been decided already."))
    signup.status = SignupStatus.APPROVED if approve else SignupStatus.DECLINED
    signup.decided_at = timezone.now()
    if approve:
        signup.worker = Worker.objects.create(
            community_id=signup.community_id, name=signup.name, phone=signup.phone, origin=Origin.VOLUNTEER,
            unit_name=signup.building_text, skills=signup.skills)
        audit(actor, AuditAction.CREATE, signup.worker, fields=["signup"])
    signup.save()
    audit(actor, AuditAction.CHANGE, signup, fields=["status"], changes={"status": signup.status})
    return signup.worker


# --- 包保 assignments -----------------------------------------------------------------------------


def available_q(today: dt.date, prefix="") -> Q:
    """Workers who can work today: well, arrived, not gone."""
    return (Q(**{prefix + "health": WorkerHealth.WELL}) & Q(**{prefix + "arrived_on__lte": today})
            & (Q(**{prefix + "left_on__isnull": True}) | Q(**{prefix + "left_on__gt": today})))


@transaction.atomic
def assign(actor, worker: Worker, *, building: Building | None = None, household: Household | None = None,
           person: Person | None = None, today: dt.date | None = None) -> Assignment:
    """包保: the worker answers for one building, household or key person from today."""
    today = today or timezone.localdate()
    targets = [t for t in (building, household, person) if t is not None]
    if len(targets) != 1:
        _refuse("one_target", _("Assign to one building, one household or one key person."), "target")
    if household:
        kind, building = AssignmentKind.HOUSEHOLD, household.building
    elif person:
        kind = AssignmentKind.KEY_PERSON
        person_household = person.household
        building = person_household.building if person_household else None
    else:
        kind = AssignmentKind.BUILDING
    target = targets[0]
    row = Assignment(community_id=target.community_id, worker=worker, kind=kind, building=building,
                     grid_id=building.grid_id if building else None, household=household, person=person,
                     started_on=today)
    # The reach is judged on the building (a saved row): a grid leader assigns in their grids only.
    require(actor, actions.ASSIGN, building or target.community_id)
    _same_community(target.community_id, worker, _("Worker"))
    if not worker.available_on(today):
        _refuse("worker_unavailable", _("Worker: %(name)s is off sick or has left; choose someone who is here.")
                % {"name": worker.name}, "worker")
    same = Assignment.objects.filter(worker=worker, kind=kind, ended_on__isnull=True, building=building,
                                     household=household, person=person)
    if same.exists():
        _refuse("already_assigned", _("%(name)s already answers for this.") % {"name": worker.name}, "worker")
    row.save()
    audit(actor, AuditAction.CREATE, row)
    _responsibility_changed(row.community_id, [row])
    return row


@transaction.atomic
def end_assignment(actor, assignment: Assignment, today: dt.date | None = None) -> None:
    require(actor, actions.ASSIGN, assignment)
    if assignment.ended_on:
        _refuse("already_ended", _("This assignment has ended already."))
    assignment.ended_on = today or timezone.localdate()
    assignment.save(update_fields=["ended_on"])
    audit(actor, AuditAction.CHANGE, assignment, fields=["ended_on"])
    _responsibility_changed(assignment.community_id, [assignment])


@transaction.atomic
def hand_over(actor, assignment: Assignment, worker: Worker, today: dt.date | None = None) -> Assignment:
    """The next worker takes the assignment over; the old one ends today."""
    today = today or timezone.localdate()
    end_assignment(actor, assignment, today)
    return assign(actor, worker, building=assignment.building if assignment.kind == AssignmentKind.BUILDING else None,
                  household=assignment.household, person=assignment.person, today=today)


def responsible_for(building_ids, today: dt.date | None = None) -> dict[int, Worker]:
    """Who answers for each building (the first available worker assigned to it): the one answer
    other apps read for "who looks after this door". Buildings nobody answers for are absent."""
    today = today or timezone.localdate()
    found: dict[int, Worker] = {}
    rows = (Assignment.objects.filter(building_id__in=list(building_ids), kind=AssignmentKind.BUILDING,
                                      ended_on__isnull=True).filter(available_q(today, "worker__"))
            .select_related("worker").order_by("started_on", "id"))
    for row in rows:
        found.setdefault(row.building_id, row.worker)
    return found


def responsible_users(building_ids, today: dt.date | None = None) -> dict[int, int]:
    """The user account of whoever answers for each building (``responsible_for``), for the parts
    that record a responsible user (health's key-person register). Buildings whose worker has no
    account are absent, so the caller keeps its own rule for them."""
    return {building_id: worker.user_id for building_id, worker in responsible_for(building_ids, today).items()
            if worker.user_id}


def person_responsible_users(person_ids, today: dt.date | None = None) -> dict[int, int]:
    """The user account of the (first available) worker assigned to each key person as the person;
    persons without one, or whose worker has no account, are absent (the building's answer holds)."""
    today = today or timezone.localdate()
    found: dict[int, int] = {}
    for person_id, user_id in (Assignment.objects.filter(person_id__in=list(person_ids), kind=AssignmentKind.KEY_PERSON,
                                                         ended_on__isnull=True, worker__user__isnull=False)
                               .filter(available_q(today, "worker__")).order_by("started_on", "id")
                               .values_list("person_id", "worker__user_id")):
        found.setdefault(person_id, user_id)
    return found


def _responsibility_changed(community_id: int, rows) -> None:
    """Tell whoever keeps "who is responsible" (health's register) which doors and persons moved."""
    building_ids, person_ids = set(), set()
    for row in rows:
        if row.person_id:
            person_ids.add(row.person_id)
        elif row.building_id:
            building_ids.add(row.building_id)
    if building_ids or person_ids:
        events.responsibility_changed.send(sender=Assignment, community_id=community_id, building_ids=building_ids,
                                           person_ids=person_ids)


def _worker_changed(worker: Worker) -> None:
    """The worker's state or account changed: every door and person they answer for may have another answer."""
    _responsibility_changed(worker.community_id, list(worker.assignments.filter(ended_on__isnull=True)
                                                       .only("building_id", "person_id")))


@dataclass
class Coverage:
    """The gaps: at most ``COVERAGE_SHOWN`` of each list as plain values (the counts are whole)."""

    buildings_uncovered: list = field(default_factory=list)  # {"id", "grid_id", "grid_number", "door_number"}
    keypersons_uncovered: list = field(default_factory=list)  # {"id", "name", "household"}
    handovers: list = field(default_factory=list)  # assignments whose worker is ill or gone
    n_buildings: int = 0
    n_keypersons: int = 0
    n_buildings_uncovered: int = 0
    n_keypersons_uncovered: int = 0
    n_handovers: int = 0


def coverage(user, community_ids=None, today: dt.date | None = None, shown: int | None = None) -> Coverage:
    """Every building and key person the user sees with nobody (available) answering for it, and the
    assignments to hand over. A fixed number of queries whatever the size, each one set-based: the
    counts are counted in the database, the lists are the first ``shown`` rows as values (no model
    rows for a community's hundreds of gaps). ``shown=0``: the counts only (the home panel)."""
    today = today or timezone.localdate()
    shown = COVERAGE_SHOWN if shown is None else shown
    live = Assignment.objects.filter(ended_on__isnull=True)
    buildings = Building.objects.visible_to(user)
    # The key persons as health control's register says (none where it is not installed).
    keypersons = events.ask("key_persons", user, community_ids, default=Person.objects.none())
    if community_ids is not None:
        buildings = buildings.filter(community_id__in=community_ids)
        live = live.filter(community_id__in=community_ids)  # read from the (community, ended_on, kind) index
    # The few workers who are ill or gone, first: assignments are then found through the worker index.
    away = Worker.objects.exclude(available_q(today)).values("id")
    active = live.exclude(worker_id__in=away)
    buildings_gap = buildings.exclude(pk__in=active.filter(kind=AssignmentKind.BUILDING).values("building_id"))
    keypersons_gap = keypersons.exclude(pk__in=active.filter(kind=AssignmentKind.KEY_PERSON).values("person_id"))
    handovers = Assignment.objects.visible_to(user).filter(ended_on__isnull=True, worker_id__in=away)
    if community_ids is not None:
        handovers = handovers.filter(community_id__in=community_ids)
    # One pass over each set: all of them, and those someone answers for (the gaps are the rest;
    # counting the gap set itself nests the whole set a second time, three times the cost).
    counts = buildings.aggregate(n=Count("*"), covered=Count("pk", filter=Q(
        pk__in=active.filter(kind=AssignmentKind.BUILDING).values("building_id"))))
    kp_counts = keypersons.aggregate(n=Count("*"), covered=Count("pk", filter=Q(
        pk__in=active.filter(kind=AssignmentKind.KEY_PERSON).values("person_id"))))
    result = Coverage(n_buildings=counts["n"], n_buildings_uncovered=counts["n"] - counts["covered"],
                      n_keypersons=kp_counts["n"], n_keypersons_uncovered=kp_counts["n"] - kp_counts["covered"],
                      n_handovers=handovers.count())
    if not shown:
        return result
    result.buildings_uncovered = list(
        buildings_gap.order_by("grid__number", "door_sort")
        .values("id", "grid_id", "door_number", grid_number=F("grid__number"))[:shown])
    result.keypersons_uncovered = [
        {"id": pk, "name": name, "household": f"{door}-{room}" if room else ""}
        for pk, name, door, room in keypersons_gap.order_by("name", "id")
        .values_list("id", "name", "household__building__door_number", "household__room")[:shown]]
    result.handovers = list(handovers.select_related("worker", "building", "household__building", "person")
                            .order_by("worker__name", "id")[:shown])
    return result


def grid_assignments(grid: Grid, user, today: dt.date | None = None) -> list[dict]:
    """The assignment screen of a grid: its buildings in door order, who answers for each."""
    today = today or timezone.localdate()
    buildings = list(Building.objects.visible_to(user).filter(grid=grid).order_by("door_sort"))
    by_building = defaultdict(list)
    for row in (Assignment.objects.filter(grid=grid, kind=AssignmentKind.BUILDING, ended_on__isnull=True)
                .select_related("worker").order_by("started_on", "id")):
        by_building[row.building_id].append(row)
    lines = []
    for building in buildings:
        rows = by_building.get(building.pk, [])
        available = [r for r in rows if r.worker.available_on(today)]
        lines.append({"building": building, "assignments": rows, "gap": not available})
    return lines


# --- duty rosters -------------------------------------------------------------------------------


def ensure_shifts(community: Community) -> list[Shift]:
    shifts = list(Shift.objects.filter(community=community))
    if not shifts:
        shifts = [Shift.objects.create(community=community, name=name, starts=starts, hours=hours)
                  for name, starts, hours in DEFAULT_SHIFTS]
    return shifts


def shift_span(shift: Shift, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, shift.starts))
    return start, start + dt.timedelta(hours=shift.hours)


def _stretch_hours(worker: Worker, start: dt.datetime, end: dt.datetime) -> float:
    """Hours in a row the worker would work with this duty: joined to duties that touch it."""
    near = list(Duty.objects.filter(worker=worker, starts_at__lt=end + dt.timedelta(hours=48),
                                    ends_at__gt=start - dt.timedelta(hours=48)).values_list("starts_at", "ends_at"))
    spans = sorted(near + [(start, end)])
    best, run_start, run_end = 0.0, None, None
    for s, e in spans:
        if run_end is None or s > run_end:
            run_start, run_end = s, e
        else:
            run_end = max(run_end, e)
        if run_start <= start < run_end or run_start < end <= run_end:
            best = max(best, (run_end - run_start).total_seconds() / 3600)
    return best


@transaction.atomic
def add_duty(actor, post: Post, worker: Worker, day: dt.date, shift: Shift, now=None) -> tuple[Duty, list[str]]:
    """Roster a worker at a post for a shift. Refused: in the past, another community, worker
    off sick or gone, already there, at another post at the same time. Warned: too many hours in a row."""
    require(actor, actions.MANAGE_ROSTER, post)
    now = now or timezone.now()
    _same_community(post.community_id, worker, _("Worker"))
    _same_community(post.community_id, shift, _("Shift"))
    start, end = shift_span(shift, day)
    if end <= now:
        _refuse("slot_in_past", _("Day: %(day)s %(shift)s is over; a roster is for what is still to come.")
                % {"day": day, "shift": shift}, "day")
    if not worker.available_on(day):
        _refuse("worker_unavailable", _("Worker: %(name)s is off sick or has left on %(day)s.")
                % {"name": worker.name, "day": day}, "worker")
    overlapping = Duty.objects.filter(worker=worker, starts_at__lt=end, ends_at__gt=start).select_related("post")
    for other in overlapping:
        if other.post_id == post.pk:
            _refuse("already_rostered", _("Worker: %(name)s is already on this shift at this post.")
                    % {"name": worker.name}, "worker")
        _refuse("double_booked", _("Worker: %(name)s is at %(post)s at that time (%(start)s).")
                % {"name": worker.name, "post": other.post, "start": timezone.localtime(other.starts_at)
                   .strftime("%m-%d %H:%M")}, "worker")
    warnings = []
    hours = _stretch_hours(worker, start, end)
    if hours > MAX_HOURS_IN_A_ROW:
        warnings.append(_("%(name)s will work %(hours)d hours in a row (more than %(max)d).")
                        % {"name": worker.name, "hours": hours, "max": MAX_HOURS_IN_A_ROW})
    duty = Duty.objects.create(community_id=post.community_id, post=post, shift=shift, worker=worker, on=day,
                               starts_at=start, ends_at=end)
    audit(actor, AuditAction.CREATE, duty)
    return duty, warnings


@transaction.atomic
def remove_duty(actor, duty: Duty) -> None:
    require(actor, actions.MANAGE_ROSTER, duty)
    if duty.signed_on_at:
        _refuse("duty_worked", _("This shift has been signed on; it stays on the record."))
    audit(actor, AuditAction.DELETE, duty)
    duty.delete()


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def copy_week(actor, community: Community, monday: dt.date, now=None) -> tuple[int, list[str]]:
    """Copy last week's roster into the week starting ``monday``; each duty that the rules refuse
    is skipped and said why. Returns (copied, reasons)."""
    require(actor, actions.MANAGE_ROSTER, community)
    copied, skipped = 0, []
    source = (Duty.objects.filter(community=community, on__gte=monday - dt.timedelta(days=7), on__lt=monday)
              .select_related("post", "shift", "worker").order_by("starts_at", "id"))
    for duty in source:
        day = duty.on + dt.timedelta(days=7)
        try:
            with transaction.atomic():
                add_duty(actor, duty.post, duty.worker, day, duty.shift, now=now)
            copied += 1
        except StaffError as error:
            if error.code != "already_rostered":
                skipped.append(f"{duty.post} {day} {duty.shift} · {duty.worker}: {error.message}")
    return copied, skipped


def _own_duty(actor, duty: Duty):
    require(actor, actions.SIGN_DUTY, duty)
    if duty.worker.user_id != actor.pk:
        _refuse("not_rostered", _("You are not rostered for this shift at %(post)s.") % {"post": duty.post}, "post")


@transaction.atomic
def sign_on(actor, duty: Duty, now=None) -> Duty:
    now = now or timezone.now()
    _own_duty(actor, duty)
    if not (duty.starts_at - SIGN_ON_EARLY <= now < duty.ends_at):
        _refuse("not_rostered", _("You are rostered at %(post)s from %(start)s to %(end)s, not now.")
                % {"post": duty.post, "start": timezone.localtime(duty.starts_at).strftime("%m-%d %H:%M"),
                   "end": timezone.localtime(duty.ends_at).strftime("%H:%M")}, "post")
    if duty.signed_on_at is None:  # a second tap changes nothing
        duty.signed_on_at = now
        duty.save(update_fields=["signed_on_at"])
        audit(actor, AuditAction.CHANGE, duty, fields=["signed_on_at"])
    return duty


@transaction.atomic
def sign_off(actor, duty: Duty, note: str = "", now=None) -> Duty:
    now = now or timezone.now()
    _own_duty(actor, duty)
    if duty.signed_on_at is None:
        _refuse("not_signed_on", _("Sign on first: there is no sign-on for this shift."))
    if duty.signed_off_at is None:
        duty.signed_off_at = now
    if note.strip():
        duty.handover_note = note.strip()[:300]
    duty.save(update_fields=["signed_off_at", "handover_note"])
    audit(actor, AuditAction.CHANGE, duty, fields=["signed_off_at", "handover_note"])
    return duty


def on_duty_now(user, now=None) -> list[dict]:
    """Every post the user sees, with who is rostered now and who has signed on; uncovered posts first."""
    now = now or timezone.now()
    posts = list(Post.objects.visible_to(user).order_by("kind", "name"))
    duties = defaultdict(list)
    for duty in (Duty.objects.filter(post__in=[p.pk for p in posts], starts_at__lte=now, ends_at__gt=now)
                 .select_related("worker")):
        duties[duty.post_id].append(duty)
    lines = [{"post": p, "duties": duties.get(p.pk, []),
              "uncovered": sum(1 for d in duties.get(p.pk, []) if d.signed_off_at is None) < p.needs} for p in posts]
    return sorted(lines, key=lambda line: not line["uncovered"])


def week_roster(user, community: Community, monday: dt.date) -> dict:
    """The week's grid: posts down, days across, each cell the shifts with their workers."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    shifts = ensure_shifts(community)
    posts = list(Post.objects.visible_to(user).filter(community=community).order_by("kind", "name"))
    cells = defaultdict(list)
    for duty in (Duty.objects.visible_to(user).filter(community=community, on__gte=days[0], on__lte=days[-1])
                 .select_related("worker").order_by("worker__name")):
        cells[(duty.post_id, duty.on, duty.shift_id)].append(duty)
    rows = [{"post": post, "days": [{"day": day, "shifts": [{"shift": s, "duties": cells.get((post.pk, day, s.pk), [])}
                                                            for s in shifts]} for day in days]} for post in posts]
    return {"days": days, "shifts": shifts, "rows": rows}


# --- the daily five --------------------------------------------------------------------------------


def households_of(worker: Worker, today: dt.date | None = None):
    """The households a worker answers for: assigned one by one, or in a building assigned to them."""
    live = Assignment.objects.filter(worker=worker, ended_on__isnull=True)
    one_by_one = live.filter(kind=AssignmentKind.HOUSEHOLD).values("household_id")
    buildings = live.filter(kind=AssignmentKind.BUILDING).values("building_id")
    return (Household.objects.filter(Q(pk__in=one_by_one) | Q(building_id__in=buildings))
            .select_related("building").order_by("building__door_sort", "room_sort"))


def my_five(worker: Worker, day: dt.date) -> list[dict]:
    households = list(households_of(worker, day))
    ticks = defaultdict(dict)
    for tick in FiveTick.objects.filter(worker=worker, on=day):
        ticks[tick.household_id][tick.item] = tick
    return [{"household": h, "ticks": ticks.get(h.pk, {}), "done": len(ticks.get(h.pk, {})) == len(FiveItem.values)}
            for h in households]


@transaction.atomic
def tick_five(actor, household: Household, item: str, client_id: str, *, seal_intact=None,
              garbage_collected=None, day: dt.date | None = None) -> tuple[FiveTick, bool]:
    """One tick of the daily five from a phone. The same client id twice, or the same item twice on
    a day, is one tick: returns (tick, created)."""
    require(actor, actions.TICK_FIVE, household.community_id)
    day = day or timezone.localdate()
    if not client_id or len(client_id) > 64:
        _refuse("client_id_required", _("The phone sent no client id; reload the page."), "client_id")
    existing = FiveTick.objects.filter(client_id=client_id).first()
    if existing:
        return existing, False
    if item not in FiveItem.values:
        _refuse("bad_item", _("Item: not one of the daily five."), "item")
    worker = Worker.objects.filter(user=actor, community_id=household.community_id).first()
    if worker is None:
        _refuse("no_worker", _("Your account is not on the worker register of this community."))
    if not households_of(worker).filter(pk=household.pk).exists():
        _refuse("not_assigned", _("Household: you do not answer for %(household)s.") % {"household": household},
                "household")
    existing = FiveTick.objects.filter(worker=worker, household=household, on=day, item=item).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            tick = FiveTick.objects.create(
                community_id=household.community_id, worker=worker, household=household,
                building_id=household.building_id, grid_id=household.building.grid_id, on=day, item=item,
                client_id=client_id,
                seal_intact=seal_intact if item == FiveItem.VISIT else None,
                garbage_collected=garbage_collected if item == FiveItem.VISIT else None)
    except IntegrityError:  # the same tick raced in from a second tap
        return FiveTick.objects.get(client_id=client_id), False
    audit(actor, AuditAction.CREATE, tick, community=household.community, fields=[item])
    if item == FiveItem.VISIT:
        _visit_reaches_seals_and_garbage(actor, tick, household, day)
    return tick, True


def _visit_reaches_seals_and_garbage(actor, tick: FiveTick, household: Household, day: dt.date) -> None:
    """What a visit saw at a sealed door goes where the rest of the community reads it: the seal's
    check (core's ``door_seen`` event, which health control records through its own service, so a
    broken seal alerts the command post and raises its task) and today's garbage log. Nothing is
    kept on a second list; the tick only remembers what was answered. In the tick's transaction:
    refused there, the tick is not kept."""
    from . import checks
    from .models import GarbageStatus

    if not checks.is_sealed(household, day):
        return
    if tick.seal_intact is not None:
        events.door_seen.send(sender=FiveTick, actor=actor, household=household, on=day, seal_intact=tick.seal_intact,
                              note=_("Daily-five visit by %(worker)s") % {"worker": tick.worker.name})
    if tick.garbage_collected is not None:
        checks.log_garbage(actor, household, GarbageStatus.COLLECTED if tick.garbage_collected else GarbageStatus.LEFT,
                           f"{tick.client_id[:56]}:garbage", day=day)


def _count_per_worker(rows) -> list[tuple[int, int]]:
    """(worker id, rows) counted over a query of ``worker_id`` rows, in the database."""
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f"SELECT inner_rows.worker_id, COUNT(*) FROM ({sql}) inner_rows GROUP BY inner_rows.worker_id",
                       params)
        return cursor.fetchall()


def five_completion(user, community: Community, day: dt.date, unseen_buildings: int = 20) -> dict:
    """Completion of the daily five today per cadre and per grid, and the households nobody saw
    (no call and no visit). A fixed number of queries whatever the size: assignments and ticks are
    read through their own scope, counted per grid and building from the tick rows themselves."""
    live = Assignment.objects.visible_to(user).filter(community=community, ended_on__isnull=True)
    ticks = FiveTick.objects.visible_to(user).filter(community=community, on=day)
    # Step 1: households per worker: one by one, plus every household of each assigned building.
    # Counted through the community's buildings: the household's building index answers it alone.
    sizes = dict(Household.objects.filter(building__community=community).values("building_id")
                 .annotate(n=Count("*")).order_by().values_list("building_id", "n"))
    answerable = defaultdict(int)
    for worker_id, n in (live.filter(kind=AssignmentKind.HOUSEHOLD).values("worker_id").annotate(n=Count("*"))
                         .order_by().values_list("worker_id", "n")):
        answerable[worker_id] += n
    for worker_id, building_id in live.filter(kind=AssignmentKind.BUILDING).values_list("worker_id", "building_id"):
        answerable[worker_id] += sizes.get(building_id, 0)
    # Step 2: households with all four items, per worker: the households grouped inside, counted per
    # worker outside, so one row per cadre comes back (not one per household).
    done = dict(_count_per_worker(ticks.values("worker_id", "household_id").annotate(items=Count("*"))
                                  .filter(items__gte=len(FiveItem.values)).order_by().values("worker_id")))
    # The cadres furthest behind first; a page shows the first CADRES_SHOWN (a community has 2,000).
    ranked = sorted(((round(100 * done.get(pk, 0) / n) if n else 100, pk, n) for pk, n in answerable.items()))
    shown = ranked[:CADRES_SHOWN]
    names = dict(Worker.objects.filter(pk__in=[pk for _share, pk, _n in shown]).values_list("id", "name"))
    cadres = [{"worker_id": pk, "name": names.get(pk, ""), "households": n, "done": done.get(pk, 0), "share": share}
              for share, pk, n in shown]
    totals = {"cadres": len(ranked), "cadres_done": sum(1 for share, _pk, _n in ranked if share >= 100)}
    # Step 3: seen (called or visited) per building, from the ticks; households per building in scope.
    seen_rows = ticks.filter(item__in=[FiveItem.CALL, FiveItem.VISIT])
    seen = dict(seen_rows.values("building_id").annotate(n=Count("household_id", distinct=True)).order_by()
                .values_list("building_id", "n"))
    buildings = list(Building.objects.visible_to(user).filter(community=community)
                     .order_by("grid__number", "door_sort")
                     .values_list("id", "door_number", "grid_id", "grid__name"))
    grids: dict[int, dict] = {}
    unseen_by_building = []
    for building_id, door_number, grid_id, grid_name in buildings:
        total, saw = sizes.get(building_id, 0), seen.get(building_id, 0)
        line = grids.setdefault(grid_id, {"name": grid_name, "households": 0, "seen": 0})
        line["households"] += total
        line["seen"] += saw
        if total > saw:
            unseen_by_building.append((building_id, door_number, total - saw))
    # Step 4: the rooms nobody saw, for the first buildings in door order (a page, not the whole
    # list): only as many buildings as hold the rooms shown, known from the counts above.
    first, rooms = [], 0
    for building_id, _door, n in unseen_by_building[:unseen_buildings]:
        if rooms >= UNSEEN_ROOMS_SHOWN:
            break
        first.append(building_id)
        rooms += n
    unseen = [{"id": pk, "door": door, "room": room} for pk, door, room in
              Household.objects.filter(building_id__in=first)
              .exclude(pk__in=seen_rows.filter(building_id__in=first).values("household_id"))
              .order_by("building__door_sort", "room_sort")
              .values_list("id", "building__door_number", "room")[:UNSEEN_ROOMS_SHOWN]]
    problems = list(ticks.filter(item=FiveItem.VISIT).filter(Q(seal_intact=False) | Q(garbage_collected=False))
                    .select_related("household__building", "worker")[:100])
    return {"cadres": cadres, "totals": totals, "grids": list(grids.values()),
            "unseen_count": sum(n for _b, _d, n in unseen_by_building),
            "unseen_buildings": unseen_by_building, "unseen": unseen, "problems": problems}


# --- tasks ---------------------------------------------------------------------------------------------


@transaction.atomic
def create_task(actor, community: Community, title: str, *, owner_worker: Worker | None = None,
                owner_team: Team | None = None, due_on: dt.date | None = None, building: Building | None = None,
                person=None, source: str = "person", today: dt.date | None = None) -> Task:
    require(actor, actions.MANAGE_TASK, community)
    today = today or timezone.localdate()
    if not title.strip():
        _refuse("title_required", _("Task: say what is to be done."), "title")
    if (owner_worker is None) == (owner_team is None):
        _refuse("one_owner", _("Owner: a task has one owner, a worker or a team."), "owner")
    for obj, name in ((owner_worker, _("Worker")), (owner_team, _("Team")), (building, _("Building")),
                      (person, _("Person"))):
        _same_community(community.pk, obj, name)
    due_on = due_on or today
    if due_on < today:
        _refuse("deadline_past", _("Deadline: %(day)s has passed.") % {"day": due_on}, "due_on")
    grid_id = building.grid_id if building else (owner_team.grid_id if owner_team else owner_worker.grid_id)
    task = Task.objects.create(community=community, title=title.strip()[:200], owner_worker=owner_worker,
                               owner_team=owner_team, due_on=due_on, building=building, person=person,
                               grid_id=grid_id, source=source)
    audit(actor, AuditAction.CREATE, task)
    return task


@transaction.atomic
def close_task(actor, task: Task, status: str = TaskStatus.DONE) -> Task:
    require(actor, actions.CLOSE_TASK, task)
    if not Task.objects.visible_to(actor).filter(pk=task.pk).exists():
        _refuse("not_yours", _("This task is not yours, your team's or your grid's."))
    if task.status != TaskStatus.OPEN:
        _refuse("already_closed", _("This task is closed already."))
    task.status, task.done_at = status, timezone.now()
    task.save(update_fields=["status", "done_at"])
    audit(actor, AuditAction.CHANGE, task, fields=["status"])
    return task


def escalation(task: Task, today: dt.date) -> str:
    """Whose the overdue task is now: 'owner' (not overdue), 'team_leader', then 'command_post'."""
    late = (today - task.due_on).days
    if task.status != TaskStatus.OPEN or late <= 0:
        return "owner"
    return "command_post" if late >= ESCALATE_TO_COMMAND_POST_DAYS else "team_leader"


def open_tasks(user, today: dt.date | None = None):
    """Open tasks due today or overdue, with their escalation (computed: no scheduler)."""
    today = today or timezone.localdate()
    tasks = list(Task.objects.visible_to(user).filter(status=TaskStatus.OPEN, due_on__lte=today)
                 .select_related("owner_worker", "owner_team__leader", "grid", "building"))
    for task in tasks:
        task.escalation = escalation(task, today)
    return tasks


def open_tasks_per_grid(user, today: dt.date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    rows = (Task.objects.visible_to(user).filter(status=TaskStatus.OPEN, due_on__lte=today)
            .values("grid__number", "grid__name").annotate(
                n=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today))).order_by("grid__number"))
    return list(rows)


def team_arrangements(team: Team, day: dt.date) -> dict:
    """What a team does on ``day`` (每晚提前发出工作安排): its members' duties in shift order and the
    open tasks of the team and its members due by then. Names only: no phone goes on a sheet."""
    members = list(Worker.objects.filter(teams__team=team).order_by("name"))
    tasks = [{"title": task.title, "place": task.building.door_number if task.building else "",
              "owner": task.owner_worker.name if task.owner_worker else team.name, "due_on": task.due_on}
             for task in Task.objects.filter(Q(owner_team=team) | Q(owner_worker__in=members), status=TaskStatus.OPEN,
                                             due_on__lte=day).select_related("owner_worker", "building")
             .order_by("due_on", "id")]
    duties = [{"shift": str(d.shift), "post": str(d.post), "worker": d.worker.name}
              for d in Duty.objects.filter(worker__in=members, on=day).select_related("post", "shift", "worker")
              .order_by("starts_at", "post__name", "worker__name")]
    return {"team": team, "day": day, "leader": team.leader.name if team.leader_id else "", "members": len(members),
            "tasks": tasks, "duties": duties}


def arrangements(user, community: Community, day: dt.date, team: Team | None = None) -> list[dict]:
    """Every team the user sees (or the one asked for), with its arrangements for ``day``."""
    teams = [team] if team is not None else list(
        Team.objects.visible_to(user).filter(community=community).select_related("leader", "grid"))
    return [team_arrangements(t, day) for t in teams]


def arrangements_text(team: Team, day: dt.date) -> str:
    """Tomorrow's arrangements of a team, to paste into its chat group (每晚提前发出工作安排)."""
    plan = team_arrangements(team, day)
    lines = [_("【%(team)s】%(day)s work arrangements") % {"team": team.name, "day": day.strftime("%m-%d")}]
    for index, task in enumerate(plan["tasks"], 1):
        place = f" · {task['place']}" if task["place"] else ""
        lines.append(f"{index}. {task['title']}{place}({task['owner']})")
    if plan["duties"]:
        lines.append(_("Duties:"))
        lines += [f"· {d['shift']} {d['post']}:{d['worker']}" for d in plan["duties"]]
    if len(lines) == 1:
        lines.append(_("No tasks yet."))
    return "\n".join(lines)
