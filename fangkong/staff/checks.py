"""Spot checks (抽查), disinfection rounds, garbage from sealed doors, and tasks raised by other
apps' rules (issue 13 §5-§7). The rules of staff duties that are not about rosters or the daily five.

Every write takes a client id from the phone: the same id twice is one write. Refusals are
``StaffError`` with a machine code and a message naming the field, as in ``staff.services``.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import events
from fangkong.core.actions import require
from fangkong.core.models import AuditAction, Building, Community, Household
from fangkong.core.services import audit

from . import actions
from .models import (
    CheckLevel,
    CommonArea,
    Disinfection,
    DutySettings,
    GarbageCollection,
    GarbageStatus,
    Post,
    SpotCheck,
    Task,
    TaskSource,
    TaskStatus,
    Worker,
)
from .services import StaffError, _refuse, _same_community, available_q, responsible_for

# Seeds 002 and 003: public areas are disinfected three times a day; a community may set its own number.
DISINFECTION_ROUNDS = 3
# A spot check's finding is due by tomorrow unless the checker says otherwise (当日查, 次日改).
FINDING_DAYS = 1
# People under a measure with no daily report by this hour raise a task for whoever answers for the building.
REPORTS_DUE_BY = dt.time(12)
# Findings closed more than this many days ago leave the 4 p.m. meeting's list.
MEETING_KEEPS_DONE_DAYS = 0


def _client_id(value: str) -> str:
    if not value or len(value) > 64:
        _refuse("client_id_required", _("The phone sent no client id; reload the page."), "client_id")
    return value


def _worker_of(actor, community_id) -> Worker | None:
    return Worker.objects.filter(user=actor, community_id=community_id).first() if actor else None


# --- spot checks ------------------------------------------------------------------------------------


@transaction.atomic
def record_spot_check(actor, community: Community, *, level: str, checker_name: str, findings: list,
                      client_id: str, building: Building | None = None, household: Household | None = None,
                      post: Post | None = None, worker: Worker | None = None, note: str = "",
                      due_on: dt.date | None = None, today: dt.date | None = None) -> tuple[SpotCheck, bool]:
    """One spot check with its findings, each a task with a deadline for whoever answers for the
    place (the checked worker, else the building's responsible). Returns (check, created)."""
    today = today or timezone.localdate()
    if household is not None:
        building = household.building
    grid_id = building.grid_id if building else (post.grid_id if post else (worker.grid_id if worker else None))
    # The reach is judged on the place checked: a grid worker checks in their grids only.
    require(actor, actions.RECORD_SPOT_CHECK, building or community)
    existing = SpotCheck.objects.filter(client_id=_client_id(client_id)).first()
    if existing:
        return existing, False
    if level not in CheckLevel.values:
        _refuse("bad_level", _("Level: first secretary, unit leader or responsible person."), "level")
    if not checker_name.strip():
        _refuse("checker_required", _("Checked by: say who made the check."), "checker_name")
    targets = [t for t in (household or building, post, worker) if t is not None]
    if len(targets) != 1:
        _refuse("one_target", _("Checked: one building, household, post or worker."), "target")
    for obj, name in ((building, _("Building")), (post, _("Post")), (worker, _("Worker"))):
        _same_community(community.pk, obj, name)
    findings = [str(text).strip()[:200] for text in findings if str(text).strip()]
    due_on = due_on or today + dt.timedelta(days=FINDING_DAYS)
    if findings and due_on < today:
        _refuse("deadline_past", _("Deadline: %(day)s has passed.") % {"day": due_on}, "due_on")
    owner = worker or (responsible_for([building.pk], today).get(building.pk) if building else None)
    if findings and owner is None:
        _refuse("nobody_answers", _("Findings: nobody answers for this place; assign someone first."), "findings")
    check = SpotCheck(community=community, level=level, checker_name=checker_name.strip()[:50], grid_id=grid_id,
                      building=building, household=household, post=post, worker=worker, on=today,
                      note=note.strip()[:300], recorded_by=actor, client_id=client_id)
    try:
        with transaction.atomic():
            check.save()
    except IntegrityError:  # the same check raced in from a second tap
        return SpotCheck.objects.get(client_id=client_id), False
    for text in findings:
        Task.objects.create(community=community, title=text, owner_worker=owner, due_on=due_on, grid_id=grid_id,
                            building=building, source=TaskSource.SPOT_CHECK, spot_check=check)
    audit(actor, AuditAction.CREATE, check, fields=["findings"], changes={"findings": len(findings)})
    return check, True


def open_findings(community: Community, day: dt.date, user=None) -> list[Task]:
    """What the 4 p.m. meeting goes through: every finding still open, and those of ``day`` closed
    since. For the dashboard (no user: the whole community) or a page (the user's scope)."""
    tasks = Task.objects.visible_to(user) if user is not None else Task.objects.all()
    rows = (tasks.filter(community=community, spot_check__isnull=False)
            .filter(Q(status=TaskStatus.OPEN) | Q(spot_check__on=day))
            .select_related("spot_check__building", "spot_check__household__building", "spot_check__post",
                            "spot_check__worker", "owner_worker")
            .order_by("-status", "due_on", "spot_check__at", "id"))  # open, then done, then cancelled
    rows = list(rows)
    for task in rows:
        task.overdue = task.status == TaskStatus.OPEN and task.due_on < day
    return rows


# --- disinfection -------------------------------------------------------------------------------------


def rounds_a_day(community: Community) -> int:
    row = DutySettings.objects.filter(community=community).first()
    return row.disinfection_rounds if row else DISINFECTION_ROUNDS


@transaction.atomic
def set_rounds_a_day(actor, community: Community, rounds: int) -> int:
    require(actor, actions.MANAGE_AREAS, community)
    if not 1 <= rounds <= 12:
        _refuse("bad_rounds", _("Rounds a day: between 1 and 12."), "rounds")
    row, _created = DutySettings.objects.update_or_create(community=community,
                                                          defaults={"disinfection_rounds": rounds})
    audit(actor, AuditAction.CHANGE, community, fields=["disinfection_rounds"], changes={"rounds": rounds})
    return rounds


@transaction.atomic
def add_area(actor, community: Community, name: str, grid=None) -> CommonArea:
    require(actor, actions.MANAGE_AREAS, community)
    if not name.strip():
        _refuse("name_required", _("Name: a common area needs a name."), "name")
    _same_community(community.pk, grid, _("Grid"))
    area, created = CommonArea.objects.get_or_create(community=community, name=name.strip()[:100],
                                                     defaults={"grid": grid})
    if created:
        audit(actor, AuditAction.CREATE, area)
    return area


@transaction.atomic
def log_disinfection(actor, *, agent: str, client_id: str, building: Building | None = None,
                     area: CommonArea | None = None, what: str = "", at=None) -> tuple[Disinfection, bool]:
    """One round of disinfection of a building or a common area. Returns (row, created)."""
    place = building or area
    if place is None or (building and area):
        _refuse("one_place", _("Place: one building or one common area."), "place")
    require(actor, actions.LOG_DISINFECTION, building or area.community_id)
    existing = Disinfection.objects.filter(client_id=_client_id(client_id)).first()
    if existing:
        return existing, False
    if not agent.strip():
        _refuse("agent_required", _("Agent: say what was used (84 disinfectant, alcohol...)."), "agent")
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=10):
        _refuse("in_the_future", _("Time: a round cannot be logged before it is done."), "at")
    row = Disinfection(community_id=place.community_id, grid_id=place.grid_id, building=building, area=area,
                       what=what.strip()[:100], agent=agent.strip()[:60], at=at, on=timezone.localdate(at),
                       worker=_worker_of(actor, place.community_id), recorded_by=actor, client_id=client_id)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return Disinfection.objects.get(client_id=client_id), False
    audit(actor, AuditAction.CREATE, row, community=row.community)
    return row, True


def disinfection_today(user, community: Community, day: dt.date) -> dict:
    """Every building and common area the user sees, with today's rounds against those due: the
    places still short first. Three queries whatever the size."""
    due = rounds_a_day(community)
    rounds = Disinfection.objects.visible_to(user).filter(community=community, on=day)
    by_building = dict(rounds.filter(building__isnull=False).values("building_id").annotate(n=Count("id"))
                       .order_by().values_list("building_id", "n"))
    by_area = dict(rounds.filter(area__isnull=False).values("area_id").annotate(n=Count("id"))
                   .order_by().values_list("area_id", "n"))
    places = [{"kind": "building", "pk": pk, "name": door, "done": by_building.get(pk, 0)}
              for pk, door in Building.objects.visible_to(user).filter(community=community)
              .order_by("grid__number", "door_sort").values_list("pk", "door_number")]
    places += [{"kind": "area", "pk": pk, "name": name, "done": by_area.get(pk, 0)}
               for pk, name in CommonArea.objects.visible_to(user).filter(community=community)
               .values_list("pk", "name")]
    for place in places:
        place["missing"] = max(0, due - place["done"])
    places.sort(key=lambda p: p["missing"] == 0)
    return {"due": due, "places": places, "rounds_due": due * len(places),
            "rounds_missing": sum(p["missing"] for p in places)}


# --- garbage from sealed doors --------------------------------------------------------------------------


def _sealed(day):
    """The ids of the households sealed that day, as health control answers it (none without it)."""
    return events.ask("sealed_household_ids", day, default=Household.objects.none().values("pk"))


def is_sealed(household: Household, day: dt.date) -> bool:
    return Household.objects.filter(pk=household.pk, pk__in=_sealed(day)).exists()


@transaction.atomic
def log_garbage(actor, household: Household, status: str, client_id: str,
                day: dt.date | None = None) -> tuple[GarbageCollection, bool]:
    """Garbage from one door today, appended to its log: the latest word of the day is the door's
    state (a bag left in the morning and collected at noon reads "collected"). The same client id
    twice is one write, so a write sent again late never overwrites a newer one."""
    require(actor, actions.LOG_GARBAGE, household)
    day = day or timezone.localdate()
    existing = GarbageCollection.objects.filter(client_id=_client_id(client_id)).first()
    if existing:
        return existing, False
    if status not in GarbageStatus.values:
        _refuse("bad_status", _("Garbage: collected, not put out, refused or bag left."), "status")
    if not is_sealed(household, day):
        _refuse("not_sealed", _("Household: %(household)s is not sealed; garbage is logged for sealed doors.")
                % {"household": household}, "household")
    row = GarbageCollection(community_id=household.community_id, grid_id=household.building.grid_id,
                            building_id=household.building_id, household=household, on=day, status=status,
                            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
                            client_id=client_id)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return GarbageCollection.objects.get(client_id=client_id), False
    audit(actor, AuditAction.CREATE, row, community=household.community, fields=["status"],
          changes={"status": status})
    return row, True


def garbage_today(user, community: Community, day: dt.date, building=None) -> dict:
    """Sealed doors the user sees with today's garbage status; the uncollected (anything but
    "collected", or nothing logged) first."""
    households = (Household.objects.visible_to(user).filter(community=community, pk__in=_sealed(day))
                  .select_related("building").order_by("building__door_sort", "room_sort"))
    if building is not None:
        households = households.filter(building=building)
    households = list(households)
    statuses = latest_garbage(day, [h.pk for h in households])
    lines = [{"household": h, "status": statuses.get(h.pk, "")} for h in households]
    uncollected = [line for line in lines if line["status"] != GarbageStatus.COLLECTED]
    return {"lines": sorted(lines, key=lambda line: line["status"] == GarbageStatus.COLLECTED),
            "uncollected": uncollected, "collected": len(lines) - len(uncollected)}


def latest_garbage(day: dt.date, household_ids) -> dict[int, str]:
    """Each household's latest garbage status of the day (rows in time order: the last one wins)."""
    return dict(GarbageCollection.objects.filter(on=day, household_id__in=household_ids)
                .order_by("at", "id").values_list("household_id", "status"))


def uncollected_households(user, community: Community, day: dt.date) -> list[Household]:
    """Sealed households whose garbage was not collected today (for the dashboard and the page)."""
    households = list(Household.objects.visible_to(user).filter(
        community=community, pk__in=_sealed(day))
        .select_related("building").order_by("building__door_sort", "room_sort"))
    statuses = latest_garbage(day, [h.pk for h in households])
    return [h for h in households if statuses.get(h.pk) != GarbageStatus.COLLECTED]


# --- tasks from other apps' rules (§5) ---------------------------------------------------------------------


def answerable_for(household: Household, today: dt.date) -> Worker | None:
    """Who answers for a household: a worker assigned to it one by one, else the building's."""
    from .models import Assignment, AssignmentKind

    row = (Assignment.objects.filter(household=household, kind=AssignmentKind.HOUSEHOLD, ended_on__isnull=True)
           .filter(available_q(today, "worker__")).select_related("worker").order_by("started_on", "id").first())
    return row.worker if row else responsible_for([household.building_id], today).get(household.building_id)


def _rule_task(key: str, community_id: int, title: str, owner: Worker, building, day, person=None) -> Task | None:
    """Create the rule's task once (``rule_key`` is unique); None when it exists already."""
    if Task.objects.filter(rule_key=key).exists():
        return None
    try:
        with transaction.atomic():
            task = Task.objects.create(community_id=community_id, title=title[:200], owner_worker=owner, due_on=day,
                                       grid_id=building.grid_id if building else None, building=building,
                                       person=person, source=TaskSource.RULE, rule_key=key)
    except IntegrityError:  # raised at the same moment by a second request
        return None
    audit(None, AuditAction.CREATE, task, community=task.community, fields=["rule_key"])
    return task


def task_for_broken_seal(household: Household, day: dt.date) -> Task | None:
    """A broken seal is a task today for whoever answers for the door (once a day per door).
    Called when health records the check (core's ``seal_checked`` event, see ``staff.apps``)."""
    owner = answerable_for(household, day)
    if owner is None:  # nobody answers for the door: the coverage page already shows the gap
        return None
    return _rule_task(f"seal:{household.pk}:{day.isoformat()}", household.community_id,
                      _("Broken seal at %(door)s: go and see, re-seal, report") % {"door": household}, owner,
                      household.building, day)


def tasks_for_missing_reports(community: Community, day: dt.date, now=None) -> int:
    """After REPORTS_DUE_BY, each building with people under a measure and no daily report is a
    task today for whoever answers for it (once a day per building). A report that is missing has
    no moment it happens, so this runs when the task list is read (and from the command line).
    Returns the number of tasks raised."""
    now = timezone.localtime(now or timezone.now())
    if now.date() == day and now.time() < REPORTS_DUE_BY:
        return 0
    rows = _missing(community, day)
    owners = responsible_for([building_id for building_id, _door, _n in rows], day)
    buildings = Building.objects.in_bulk([building_id for building_id, _door, _n in rows])
    raised = 0
    for building_id, door, n in rows:
        owner = owners.get(building_id)
        if owner is None:
            continue
        title = _("Daily report missing at %(door)s: %(n)s people not reported") % {"door": door, "n": n}
        raised += _rule_task(f"report:{building_id}:{day.isoformat()}", community.pk, title, owner,
                             buildings.get(building_id), day) is not None
    return raised


def _missing(community: Community, day: dt.date) -> list[tuple[int, str, int]]:
    """(building id, door, people) under a measure today with no report, for the whole community
    (the rule runs for everyone, not for one user's scope), as health control answers it."""
    return events.ask("missing_reports", community, day, default=[])


__all__ = ["StaffError", "record_spot_check", "open_findings", "log_disinfection", "disinfection_today",
           "log_garbage", "garbage_today", "uncollected_households", "task_for_broken_seal",
           "tasks_for_missing_reports", "answerable_for", "rounds_a_day", "set_rounds_a_day", "add_area"]
