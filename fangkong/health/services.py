"""Health control: the rules. Views, the command line and later the API call these.

Days are local dates and every function that depends on "today" takes it as a parameter (``today``
defaults to the local date), so tests run on a fixed clock and nothing relies on a nightly job:
a measure is active from its start to its end, and over the day after by itself.

Scope is the caller's for single objects (views fetch them through ``visible_to``); functions
that list things take the user and start from ``visible_to`` themselves.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, When
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import events
from fangkong.core.actions import require, require_all
from fangkong.core.models import AuditAction, AuditEntry, Person, Role, RoleAssignment, TimelineEntry
from fangkong.core.services import ServiceError, add_timeline, audit
from fangkong.core.sql import BulkInsert
from fangkong.lib.fever import FEVER_FROM

from . import actions as can
from .models import (
    COLOUR_RANK,
    DEFAULT_COLOURS,
    LEVEL_RANK,
    ArrivalReport,
    ArrivalStatus,
    Colour,
    HealthReport,
    KeyPerson,
    Level,
    LevelChange,
    Measure,
    MeasureKind,
    PolicyStep,
    QuarantineSite,
    Reception,
    ReportMode,
    ReportScope,
    RiskArea,
    Seal,
    SealCheck,
    SealResult,
    State,
    StateChange,
    StateColour,
    Transfer,
    TransferStatus,
    Violation,
    parse_days,
)

# States a fever report does not lower: they are already stricter.
ABOVE_FEVER = {State.CONFIRMED, State.SUSPECTED, State.POSITIVE_ANTIGEN, State.POOL_POSITIVE, State.FEVER}

DEFAULT_POLICY = {
    Level.HIGH: [(MeasureKind.CENTRAL, 7, "1,3,7"), (MeasureKind.MONITORING, 3, "")],
    Level.MEDIUM: [(MeasureKind.HOME, 7, "1,4,7")],
    Level.LOW: [(MeasureKind.REPORT_TEST, 3, "1,2,3")],
}


class HealthError(ServiceError):
    code = "health"


def _today(today=None):
    return today or timezone.localdate()


def _day_bounds(day):
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, start + timedelta(days=1)


# --- risk areas -------------------------------------------------------------------------------


def area_key(name: str) -> str:
    return "".join(str(name or "").split())


def find_area(community, name: str, parent: str = ""):
    name, parent = area_key(name), area_key(parent)
    areas = RiskArea.objects.filter(community=community, name=name)
    if parent:
        exact = areas.filter(parent=parent).first()
        if exact:
            return exact
    return areas.first() if areas.count() == 1 or not parent else None


def get_or_create_area(community, name: str, parent: str = "") -> RiskArea:
    area = find_area(community, name, parent)
    if area is None:
        area = RiskArea.objects.create(community=community, name=area_key(name), parent=area_key(parent))
    return area


def levels_on(areas, day) -> dict[int, str]:
    """The level of each area on a day: the strictest in force at any moment of that day (an area
    lowered at noon was still high that morning). Areas with no history are missing from the
    result: "unknown", not "no risk". Two queries whatever the number of areas."""
    start, end = _day_bounds(day)
    ids = [a.pk if hasattr(a, "pk") else a for a in areas]
    result: dict[int, str] = {}
    before = (LevelChange.objects.filter(area_id__in=ids, effective_from__lt=start)
              .order_by("area_id", "-effective_from", "-id"))
    for change in before:
        result.setdefault(change.area_id, change.level)
    during = LevelChange.objects.filter(area_id__in=ids, effective_from__gte=start, effective_from__lt=end)
    for change in during:
        current = result.get(change.area_id)
        if current is None or LEVEL_RANK[change.level] > LEVEL_RANK[current]:
            result[change.area_id] = change.level
    return result


def level_on(area, day) -> str | None:
    return levels_on([area], day).get(area.pk)


def current_level(area, now=None) -> str | None:
    change = area.changes.filter(effective_from__lte=now or timezone.now()).order_by("-effective_from", "-id").first()
    return change.level if change else None


@transaction.atomic
def record_level(actor, area: RiskArea, level: str, effective_from, notice_number: str = "") -> LevelChange:
    require(actor, can.RECORD_LEVEL, area)
    return _record_level(actor, area, level, effective_from, notice_number)


@transaction.atomic
def record_area_level(actor, community, name: str, parent: str, level: str, effective_from,
                      notice_number: str = "") -> LevelChange:
    """A level for an area typed by hand: the area is added to the register if it is new."""
    require(actor, can.RECORD_LEVEL, community)
    area = get_or_create_area(community, name, parent)
    return _record_level(actor, area, level, effective_from, notice_number)


def _record_level(actor, area: RiskArea, level: str, effective_from, notice_number: str = "") -> LevelChange:
    if level not in Level.values:
        raise HealthError(_("Unknown level."), code="unknown_level", field="level")
    old = current_level(area, effective_from)
    change = LevelChange.objects.create(community_id=area.community_id, area=area, level=level,
                                        effective_from=effective_from, notice_number=notice_number[:60],
                                        recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit(actor, AuditAction.CHANGE, area, fields=["level"], reason=notice_number,
          changes={"level": [old or "", level], "effective_from": ["", str(effective_from)]})
    return change


@transaction.atomic
def apply_notice(actor, community, changes, notice_number: str = "") -> list[LevelChange]:
    """Record the reviewed changes of a notice: each a dict with name, parent, new_level and
    effective_from. Areas not yet in the register are added."""
    require(actor, can.RECORD_LEVEL, community)
    recorded = []
    for change in changes:
        if not change.get("effective_from"):
            raise HealthError(_("Every change needs its effective time."), code="no_effective_time")
        area = get_or_create_area(community, change["name"], change.get("parent", ""))
        recorded.append(_record_level(actor, area, change["new_level"], change["effective_from"], notice_number))
    return recorded


# --- policy -----------------------------------------------------------------------------------


@dataclass
class ProposedMeasure:
    kind: str
    start: object
    end: object
    test_days: str

    def get_kind_display(self):
        return MeasureKind(self.kind).label


def policy_steps(community, level: str) -> list[tuple[str, int, str]]:
    """The community's steps for a level, or the defaults when it has not set its own."""
    steps = list(PolicyStep.objects.filter(community=community, level=level).order_by("order", "id"))
    if steps:
        return [(s.kind, s.days, s.test_days) for s in steps]
    if PolicyStep.objects.filter(community=community).exists():
        return []
    return list(DEFAULT_POLICY.get(level, []))


def ensure_policy(community) -> None:
    """Write the defaults as the community's own rows, so the command post can edit them."""
    if PolicyStep.objects.filter(community=community).exists():
        return
    PolicyStep.objects.bulk_create([
        PolicyStep(community=community, level=level, order=n, kind=kind, days=days, test_days=test_days)
        for level, steps in DEFAULT_POLICY.items() for n, (kind, days, test_days) in enumerate(steps, 1)
    ])


def propose(community, level: str, start) -> list[ProposedMeasure]:
    """The measures for someone from an area of ``level`` arriving on ``start``: the steps one
    after another, each ``days`` long, both ends included."""
    proposals = []
    day = start
    for kind, days, test_days in policy_steps(community, level):
        end = day + timedelta(days=max(days, 1) - 1)
        proposals.append(ProposedMeasure(kind, day, end, ",".join(str(d) for d in parse_days(test_days))))
        day = end + timedelta(days=1)
    return proposals


@transaction.atomic
def save_policy(actor, community, rows) -> None:
    """Replace the community's policy table with ``rows`` (level, order, kind, days, test_days)."""
    require(actor, can.CHANGE_POLICY, community)
    before = [str(s) + f" [{s.test_days}]" for s in PolicyStep.objects.filter(community=community)]
    PolicyStep.objects.filter(community=community).delete()
    steps = PolicyStep.objects.bulk_create([
        PolicyStep(community=community, level=row["level"], order=row.get("order") or 1, kind=row["kind"],
                   days=row["days"], test_days=",".join(str(d) for d in parse_days(row.get("test_days", ""))))
        for row in rows
    ])
    audit(actor, AuditAction.CHANGE, community, community=community, fields=["measure_policy"],
          changes={"policy": ["; ".join(before), "; ".join(str(s) + f" [{s.test_days}]" for s in steps)]})


# --- key persons and colours ------------------------------------------------------------------


def colours(community) -> dict[str, str]:
    mapping = dict(DEFAULT_COLOURS)
    mapping.update(StateColour.objects.filter(community=community).values_list("state", "colour"))
    return mapping


@transaction.atomic
def set_colour(actor, community, state: str, colour: str) -> int:
    """Change the colour of a state; every key person in it follows in one UPDATE."""
    require(actor, can.CHANGE_COLOURS, community)
    old = colours(community)[state]
    StateColour.objects.update_or_create(community=community, state=state, defaults={"colour": colour})
    changed = KeyPerson.objects.filter(community=community, state=state).update(colour=colour,
                                                                              rank=COLOUR_RANK[colour])
    audit(actor, AuditAction.CHANGE, community, community=community, fields=["state_colour"],
          changes={state: [old, colour]})
    return changed




@transaction.atomic
def set_state(actor, person: Person, state: str, on=None, reason: str = "") -> KeyPerson:
    """Make the person a key person in ``state`` (or move them to it), recording the transition
    with its date; the colour follows the community's mapping."""
    require(actor, can.SET_STATE, person)
    return _set_state(actor, person, state, on, reason)


def _set_state(actor, person: Person, state: str, on=None, reason: str = "") -> KeyPerson:
    """set_state once the caller is allowed (or is the clock: a measure's end)."""
    on = _today(on)
    if state not in State.values:
        raise HealthError(_("Unknown state."), code="unknown_state", field="state")
    colour = colours(person.community)[state]
    key = KeyPerson.objects.select_for_update().filter(person=person).first()
    old = key.state if key else ""
    if key is None:
        building_id = person.household.building_id if person.household_id else None
        key = KeyPerson(community_id=person.community_id, person=person,
                        responsible_id=_building_leaders(person.community, {building_id}).get(building_id))
    elif old == state:
        return key
    key.state, key.since, key.colour, key.rank = state, on, colour, COLOUR_RANK[colour]
    key.save()
    StateChange.objects.create(community_id=person.community_id, key_person=key, person=person, old_state=old,
                               new_state=state, on=on, reason=reason[:300],
                               actor=actor if getattr(actor, "is_authenticated", False) else None)
    audit(actor, AuditAction.CHANGE if old else AuditAction.CREATE, key, person=person, fields=["state"],
          reason=reason, changes={"state": [old, state]})
    add_timeline(person, "health_state", _("Health state: %(state)s") % {"state": State(state).label}, actor=actor)
    return key


# What a test result raises a person to, and the states it leaves alone: a pool positive does not
# overwrite a confirmed case, a positive single tube does not lower one.
RESULT_KEEPS = {
    State.POOL_POSITIVE: {State.CONFIRMED, State.SUSPECTED, State.POOL_POSITIVE},
    State.SUSPECTED: {State.CONFIRMED, State.SUSPECTED},
}
CHUNK = 5000


@transaction.atomic
def set_state_many(actor, community, person_ids, state: str, *, on=None, reason: str = "", keep=(),
                   only_from=None) -> int:
    """set_state for many persons of one community at once (a lab's results for a whole round):
    the same rows (key person, transition, audit entry, timeline entry), in a few plain INSERTs per
    few thousand persons (core.sql: bulk_create's value preparation doubled a round's result
    import), never a statement per person. Persons now in a state of ``keep`` are left alone;
    with ``only_from``, only persons now in one of those states move. Returns how many moved."""
    require(actor, can.SET_STATE, community)
    if state not in State.values:
        raise HealthError(_("Unknown state."), code="unknown_state", field="state")
    on = _today(on)
    now = timezone.now()
    colour = colours(community)[state]
    by_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    username = getattr(actor, "username", "") or ""
    label = (_("Health state: %(state)s") % {"state": State(state).label})[:300]
    reason = reason[:300]
    keys_table = BulkInsert(KeyPerson, ["community", "person", "state", "since", "colour", "rank", "responsible",
                                        "note"])
    changes_table = BulkInsert(StateChange, ["community", "key_person", "person", "old_state", "new_state", "on",
                                             "at", "actor", "reason"])
    audit_table = BulkInsert(AuditEntry, ["community", "at", "user", "username", "action", "object_type",
                                          "object_id", "object_repr", "person", "fields", "reason", "changes"])
    timeline_table = BulkInsert(TimelineEntry, ["community", "person", "at", "kind", "text", "actor"])
    at, day = audit_table.prepare("at", now), changes_table.prepare("on", on)
    ids = sorted(set(person_ids))
    moved = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        existing = {key.person_id: key for key in KeyPerson.objects.select_for_update().filter(person_id__in=chunk)}
        persons = {pk: (name, building_id) for pk, name, building_id in Person.objects.filter(
            pk__in=chunk, community=community).values_list("pk", "name", "household__building_id")}
        leaders = _building_leaders(community, {b for _name, b in persons.values() if b is not None})
        new, changed, moves = [], [], []  # moves: (person id, key person id, old state)
        for pk in persons:
            key = existing.get(pk)
            old = key.state if key else ""
            if old == state or old in keep or (only_from is not None and old not in only_from):
                continue
            if key is None:
                new.append(pk)
            else:
                moves.append((pk, key.pk, old))
                key.state, key.since, key.colour, key.rank = state, on, colour, COLOUR_RANK[colour]
                changed.append(key)
        key_ids = keys_table.insert_returning([
            [community.pk, pk, state, on, colour, COLOUR_RANK[colour], leaders.get(persons[pk][1]), ""] for pk in new])
        moves += [(pk, key_id, "") for pk, key_id in zip(new, key_ids, strict=True)]
        KeyPerson.objects.bulk_update(changed, ["state", "since", "colour", "rank"])
        changes_table.rows([(community.pk, key_id, pk, old, state, day, at, by_id, reason)
                            for pk, key_id, old in moves])
        audit_table.rows([
            (community.pk, at, by_id, username, AuditAction.CHANGE if old else AuditAction.CREATE, "keyperson",
             str(key_id), persons[pk][0][:200], pk, "state", reason,
             audit_table.json("changes", {"state": [old, state]}))
            for pk, key_id, old in moves])
        timeline_table.rows([(community.pk, pk, at, "health_state", label, by_id) for pk, _key, _old in moves])
        moved += len(moves)
    return moved


def _building_leaders(community, building_ids) -> dict[int, int]:
    """The first building leader of each building: who answers for a new key person there. One query."""
    through = RoleAssignment.buildings.through
    rows = (through.objects.filter(roleassignment__community=community, roleassignment__role=Role.BUILDING_LEADER,
                                   building_id__in=building_ids)
            .order_by("roleassignment_id").values_list("building_id", "roleassignment__user_id"))
    leaders: dict[int, int] = {}
    for building_id, user_id in rows:
        leaders.setdefault(building_id, user_id)
    # "Who looks after this door": the app that keeps assignments answers first, where installed.
    leaders.update(events.ask("responsible_users", building_ids, default={}))
    return leaders


def _point_at_measure(key: KeyPerson, today) -> None:
    """Keep the key person's current measure (the one shown on the register): the active one, or
    the next one to come, or the last one."""
    measures = Measure.objects.filter(person_id=key.person_id, cancelled=False).order_by("start", "id")
    chosen = (measures.filter(start__lte=today, end__gte=today).last()
              or measures.filter(start__gt=today).first() or measures.last())
    key.measure = chosen
    key.measure_end = chosen.end if chosen else None
    KeyPerson.objects.filter(pk=key.pk).update(measure=chosen, measure_end=key.measure_end)


@transaction.atomic
def start_measure(actor, person: Person, kind: str, start, end, test_days: str = "", *, state: str = "",
                  arrival=None, reason: str = "", today=None) -> Measure:
    require(actor, can.START_MEASURE, person)
    return _start_measure(actor, person, kind, start, end, test_days, state=state, arrival=arrival, reason=reason,
                          today=today)


def _start_measure(actor, person: Person, kind: str, start, end, test_days: str = "", *, state: str = "",
                   arrival=None, reason: str = "", today=None) -> Measure:
    """start_measure once the caller is allowed (an arrival decided, a person received back)."""
    if end < start:
        raise HealthError(_("A measure cannot end before it starts."), code="end_before_start", field="end")
    measure = Measure.objects.create(
        community_id=person.community_id, person=person, kind=kind, start=start, end=end,
        test_days=",".join(str(d) for d in parse_days(test_days)), arrival=arrival,
        transfer_status=TransferStatus.AWAITING if kind == MeasureKind.CENTRAL else "",
    )
    key = KeyPerson.objects.filter(person=person).first()
    if key is None or state:
        key = _set_state(actor, person, state or State.ARRIVAL, on=start, reason=reason)
    _point_at_measure(key, _today(today))
    if kind == MeasureKind.HOME and person.household_id:
        # Home quarantine seals the door; the seal comes off when nobody there is under it.
        _seal_household(actor, person.household, on=start)
    audit(actor, AuditAction.CREATE, measure, person=person, reason=reason,
          changes={"measure": ["", str(measure)]})
    add_timeline(person, "measure", str(measure), actor=actor)
    return measure


def register(user, *, state="", colour="", building="", today=None):
    """The key-person register, one line per person, as one queryset with everything a line shows
    (person, household, building, current measure, site, responsible): no query per row."""
    rows = (KeyPerson.objects.visible_to(user).exclude(state=State.CLEARED)
            .select_related("person__household__building", "measure__site", "responsible"))
    if state in State.values:
        rows = rows.filter(state=state)
    if colour in Colour.values:
        # The rank says the same as the colour and is what the register's index starts with.
        rows = rows.filter(colour=colour, rank=COLOUR_RANK[colour])
    if str(building).isdigit():
        rows = rows.filter(person__household__building_id=building)
    return rows


def ending(user, day):
    """Measures that end on ``day`` (the last day under the measure), for people the user sees."""
    return (Measure.objects.visible_to(user).filter(end=day, cancelled=False)
            .select_related("person__household__building", "site").order_by("kind", "person__name"))


def tests_due(user, day) -> list[Measure]:
    """Measures with a test on ``day`` (test days count from the measure's first day). The days
    are a short list on each row, so the active measures with any are read in one query and the
    day is checked here."""
    rows = (Measure.objects.visible_to(user).active_on(day).exclude(test_days="")
            .select_related("person__household__building", "site").order_by("person__name", "pk"))
    return [m for m in rows if (day - m.start).days + 1 in m.test_day_list]


@transaction.atomic
def end_measures(today=None, actor=None) -> int:
    """Record the end of measures whose last day is past: the key person moves to their next
    measure, or is cleared when none is left. Running it twice, or never, changes what anyone
    sees about a measure's dates nothing: it only writes the transitions into the history."""
    today = _today(today)
    over = Measure.objects.filter(end__lt=today, ended_recorded=False, cancelled=False)
    # Locked, so that two processes catching up at once record each ending once (PostgreSQL
    # re-reads the rows after the other commits; SQLite's IMMEDIATE transactions take turns).
    persons = set(over.select_for_update().values_list("person_id", flat=True))
    over.update(ended_recorded=True)
    if not persons:
        return 0
    still = set(Measure.objects.filter(person_id__in=persons, end__gte=today, cancelled=False)
                .values_list("person_id", flat=True))
    for key in KeyPerson.objects.filter(person_id__in=persons).select_related("person__community"):
        if key.person_id in still:
            _point_at_measure(key, today)
        elif key.state in (State.ARRIVAL, State.CLOSE_CONTACT, State.SECONDARY_CONTACT):
            # The clock, not a person: no role to ask (actor is None from cron and catch_up).
            _set_state(actor, key.person, State.CLEARED, on=today, reason=_("Measure ended"))
    home_now = Measure.objects.filter(kind=MeasureKind.HOME, person__household=OuterRef("household")).active_on(today)
    for seal in Seal.objects.filter(removed_on__isnull=True, household__members__in=persons).filter(~Exists(home_now)) \
            .distinct().select_related("household__building"):
        _remove_seal(actor, seal, on=today)
    return len(persons)


def catch_up(today=None) -> None:
    """Record yesterday's endings before anyone reads today's lists: at most once a day per
    process (the cache remembers the day), whoever opens a health page first. No scheduler is
    needed in the embedded setup; ``fangkong end-measures`` does the same from cron."""
    today = _today(today)
    if cache.add(f"fangkong:end-measures:{today.isoformat()}", True, timeout=26 * 3600):
        end_measures(today=today)


# --- arrivals ---------------------------------------------------------------------------------


@transaction.atomic
def report_arrival(actor, person: Person, *, travel_date, arrival_date, origin_area=None, origin_text="",
                   transport="", companions="") -> ArrivalReport:
    """Record an arrival. The origin's level on the travel date proposes the measures; an origin
    not in the register (or with no level that day) is flagged for a decision, never guessed."""
    require(actor, can.REPORT_ARRIVAL, person)
    if origin_area is None and origin_text:
        origin_area = find_area(person.community, origin_text)
    level = level_on(origin_area, travel_date) if origin_area else None
    report = ArrivalReport.objects.create(
        community_id=person.community_id, person=person, origin_area=origin_area, origin_text=origin_text[:200],
        travel_date=travel_date, arrival_date=arrival_date, transport=transport[:100],
        companions=companions[:200], origin_level=level or "",
        status=ArrivalStatus.PROPOSED if level else ArrivalStatus.NEEDS_DECISION,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit(actor, AuditAction.CREATE, report, person=person,
          changes={"origin": ["", str(origin_area or origin_text)], "level": ["", level or ""]})
    add_timeline(person, "arrival", _("Arrival from %(origin)s") % {"origin": origin_area or origin_text},
                 actor=actor)
    return report


def proposal(report: ArrivalReport) -> list[ProposedMeasure]:
    if not report.origin_level:
        return []
    return propose(report.community, report.origin_level, report.arrival_date)


@transaction.atomic
def decide_arrival(actor, report: ArrivalReport, measures=None, reason: str = "", today=None) -> list[Measure]:
    """Confirm the proposed measures (``measures`` None) or set others, which needs a reason.
    An arrival needing a decision always needs measures chosen (or an empty list and a reason:
    no measure)."""
    require(actor, can.DECIDE_ARRIVAL, report.person)
    if report.status in (ArrivalStatus.CONFIRMED, ArrivalStatus.OVERRIDDEN):
        raise HealthError(_("This arrival has already been decided."), code="already_decided")
    proposed = proposal(report)
    if measures is None:
        if report.status == ArrivalStatus.NEEDS_DECISION:
            raise HealthError(_("The origin is not in the register: choose the measure."), code="needs_decision")
        chosen, status = proposed, ArrivalStatus.CONFIRMED
    else:
        chosen, status = measures, ArrivalStatus.OVERRIDDEN
        if len((reason or "").strip()) < 2:
            raise HealthError(_("Say why the proposed measure is not taken."), code="reason_required",
                              field="reason")
    created = [_start_measure(actor, report.person, m.kind, m.start, m.end, m.test_days, arrival=report,
                             reason=reason, today=today) for m in chosen]
    report.status, report.reason = status, (reason or "")[:300]
    report.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    report.save(update_fields=["status", "reason", "decided_by"])
    audit(actor, AuditAction.CHANGE, report, person=report.person, fields=["status"], reason=reason,
          changes={"status": [ArrivalStatus.PROPOSED, status],
                   "proposed": ["; ".join(f"{p.kind} {p.start}–{p.end}" for p in proposed), ""],
                   "measures": ["", "; ".join(f"{m.kind} {m.start}–{m.end}" for m in created)]})
    return created


# --- quarantine sites and transfers -----------------------------------------------------------


def sites_with_occupancy(user, today=None):
    """Sites with ``occupied`` (people under central quarantine there today) and ``free``."""
    today = _today(today)
    occupied = Count("measures", filter=Q(measures__kind=MeasureKind.CENTRAL, measures__cancelled=False,
                                          measures__start__lte=today, measures__end__gte=today))
    sites = list(QuarantineSite.objects.visible_to(user).annotate(occupied=occupied))
    for site in sites:
        site.free = max(0, site.capacity - site.occupied)
    return sites


@transaction.atomic
def create_site(actor, community, data: dict) -> QuarantineSite:
    """A quarantine site of the community: ``data`` holds the site's fields (the site form's)."""
    require(actor, can.CREATE_SITE, community)
    site = QuarantineSite.objects.create(community=community, **data)
    audit(actor, AuditAction.CREATE, site)
    return site


def occupancy(site: QuarantineSite, today=None) -> int:
    return Measure.objects.filter(site=site, kind=MeasureKind.CENTRAL).active_on(_today(today)).count()


@transaction.atomic
def create_transfer(actor, site: QuarantineSite, measures, vehicle: str, departs_at, today=None) -> Transfer:
    """A batch to a site: the people's central-quarantine measures join it. Refused when the site
    has not enough free places."""
    require(actor, can.CREATE_TRANSFER, site)
    measures = list(measures)
    if not measures:
        raise HealthError(_("Choose the people to transfer."), code="no_people")
    if any(m.kind != MeasureKind.CENTRAL or m.community_id != site.community_id for m in measures):
        raise HealthError(_("Only people under central quarantine are transferred."), code="not_central")
    already = {m.pk for m in measures if m.site_id == site.pk}
    if occupancy(site, today) + len(measures) - len(already) > site.capacity:
        raise HealthError(_("%(site)s has not enough free places.") % {"site": site}, code="site_full")
    transfer = Transfer.objects.create(community_id=site.community_id, site=site, vehicle=vehicle[:50],
                                       departs_at=departs_at,
                                       created_by=actor if getattr(actor, "is_authenticated", False) else None)
    Measure.objects.filter(pk__in=[m.pk for m in measures]).update(
        transfer=transfer, site=site, transfer_status=TransferStatus.AWAITING)
    audit(actor, AuditAction.CREATE, transfer, changes={"people": ["", str(len(measures))]})
    return transfer


@transaction.atomic
def set_transfer_status(actor, transfer: Transfer, status: str) -> Transfer:
    require(actor, can.SET_TRANSFER_STATUS, transfer)
    if status not in TransferStatus.values:
        raise HealthError(_("Unknown status."), code="unknown_status")
    old = transfer.status
    transfer.status = status
    transfer.save(update_fields=["status"])
    transfer.measures.update(transfer_status=status)
    audit(actor, AuditAction.CHANGE, transfer, fields=["status"], changes={"status": [old, status]})
    return transfer


@transaction.atomic
def set_room(actor, measure: Measure, room: str) -> Measure:
    require(actor, can.ASSIGN_ROOM, measure)
    old = measure.room
    measure.room = room.strip()[:20]
    measure.save(update_fields=["room"])
    audit(actor, AuditAction.CHANGE, measure, person=measure.person, fields=["room"],
          changes={"room": [old, measure.room]})
    return measure


def manifest(transfer: Transfer):
    return transfer.measures.select_related("person__household__building").order_by("person__name", "pk")


# --- home quarantine seals --------------------------------------------------------------------


@transaction.atomic
def seal_household(actor, household, on=None, number: str = "") -> Seal:
    require(actor, can.SEAL_HOUSEHOLD, household)
    return _seal_household(actor, household, on, number)


def _seal_household(actor, household, on=None, number: str = "") -> Seal:
    existing = Seal.objects.filter(household=household, removed_on__isnull=True).first()
    if existing:
        return existing
    seal = Seal.objects.create(community_id=household.community_id, household=household, sealed_on=_today(on),
                               number=number[:40])
    audit(actor, AuditAction.CREATE, seal, changes={"sealed_on": ["", str(seal.sealed_on)]})
    return seal


@transaction.atomic
def remove_seal(actor, seal: Seal, on=None) -> Seal:
    require(actor, can.REMOVE_SEAL, seal.household)
    return _remove_seal(actor, seal, on)


def _remove_seal(actor, seal: Seal, on=None) -> Seal:
    seal.removed_on = _today(on)
    seal.save(update_fields=["removed_on"])
    audit(actor, AuditAction.CHANGE, seal, fields=["removed_on"], changes={"removed_on": ["", str(seal.removed_on)]})
    return seal


@transaction.atomic
def check_seal(actor, seal: Seal, result: str, on=None, note: str = "", at=None) -> SealCheck:
    """One check per seal per day; checking again the same day replaces the result. ``on`` and
    ``at``: the day and time of the check on the phone (the view trusts them, core.fieldtime)."""
    require(actor, can.CHECK_SEAL, seal.household)
    if result not in SealResult.values:
        raise HealthError(_("Unknown result."), code="unknown_result")
    on = _today(on)
    check, created = SealCheck.objects.update_or_create(
        seal=seal, on=on, defaults={"community_id": seal.community_id, "result": result, "note": note[:200],
                                    "checked_by": actor if getattr(actor, "is_authenticated", False) else None,
                                    "at": at or timezone.now()})
    # Every check, intact or broken, is a change in the audit log (who looked at which door, when).
    audit(actor, AuditAction.CHANGE, seal, fields=["seal_check"], reason=note,
          changes={"seal": ["", result], "on": ["", on.isoformat()]})
    events.seal_checked.send(sender=SealCheck, community_id=seal.community_id, household=seal.household, on=on,
                             broken=result == SealResult.BROKEN)
    return check


def seal_rows(user, day, building=""):
    """Open seals the user sees with today's result (``result`` None: not checked yet)."""
    from django.db.models import Subquery

    today_check = SealCheck.objects.filter(seal=OuterRef("pk"), on=day)
    seals = (Seal.objects.visible_to(user).filter(sealed_on__lte=day)
             .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=day))
             .select_related("household__building")
             .annotate(result=Subquery(today_check.values("result")[:1])))
    if str(building).isdigit():
        seals = seals.filter(household__building_id=building)
    return seals


def broken_seals(user, day):
    return seal_rows(user, day).filter(Exists(SealCheck.objects.filter(seal=OuterRef("pk"), on=day,
                                                                       result=SealResult.BROKEN)))


# --- release and reception --------------------------------------------------------------------


def due_back(user, day):
    """People whose central quarantine ends the day before ``day``: they come back on ``day``."""
    return (Measure.objects.visible_to(user).filter(kind=MeasureKind.CENTRAL, cancelled=False,
                                                    end=day - timedelta(days=1))
            .select_related("person__household__building", "site")
            .annotate(received=Exists(Reception.objects.filter(measure=OuterRef("pk"))))
            .order_by("site__name", "person__name"))


@transaction.atomic
def receive(actor, measure: Measure, *, next_days: int = 0, note: str = "", today=None) -> Reception:
    """Record a person's return at the checkpoint. With ``next_days``, home health monitoring
    follows from today (unless a next measure is already planned)."""
    require(actor, can.RECEIVE, measure.person)
    today = _today(today)
    if measure.kind == MeasureKind.CENTRAL and today < measure.end and not Reception.objects.filter(
            measure=measure).exists():
        # Received early, the register would show the person at home while they are still at
        # the site: only the command post's early release (which moves the end) lets them back.
        raise HealthError(_("%(name)s's central quarantine ends on %(end)s. Before then, only the command post "
                            "can release them early, with a reason.")
                          % {"name": measure.person.name, "end": measure.end.isoformat()}, code="not_due")
    reception, created = Reception.objects.get_or_create(
        measure=measure, defaults={"community_id": measure.community_id, "person_id": measure.person_id,
                                   "note": note[:200],
                                   "received_by": actor if getattr(actor, "is_authenticated", False) else None})
    if not created:
        return reception
    planned = Measure.objects.filter(person_id=measure.person_id, start__gte=today, cancelled=False).exists()
    if next_days and not planned:
        _start_measure(actor, measure.person, MeasureKind.MONITORING, today, today + timedelta(days=next_days - 1),
                      reason=_("Back from central quarantine"), today=today)
    audit(actor, AuditAction.CREATE, reception, person=measure.person, reason=note,
          changes={"received": ["", str(measure)]})
    add_timeline(measure.person, "reception", _("Back from central quarantine"), actor=actor)
    return reception


@transaction.atomic
def release_early(actor, measure: Measure, reason: str, today=None) -> Measure:
    """The command post lets a person leave central quarantine before its end date: the measure
    now ends today, with the reason in the audit log (the gate may then receive them)."""
    require(actor, can.EARLY_RELEASE, measure)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise HealthError(_("Say why they are released early."), code="reason_required", field="reason")
    today = _today(today)
    if measure.kind != MeasureKind.CENTRAL or measure.cancelled:
        raise HealthError(_("Only a central quarantine is released early."), code="not_central")
    if measure.end <= today:
        return measure
    old_end = measure.end
    Measure.objects.filter(pk=measure.pk).update(end=today)
    measure.end = today
    audit(actor, AuditAction.CHANGE, measure, person=measure.person, fields=["end"], reason=reason,
          changes={"end": [old_end.isoformat(), today.isoformat()], "early_release": ["", reason]})
    add_timeline(measure.person, "early_release", _("Released early from central quarantine"), actor=actor)
    return measure


@transaction.atomic
def record_violation(actor, person: Person, what: str, action: str, on=None) -> Violation:
    require(actor, can.RECORD_VIOLATION, person)
    if not what.strip() or not action.strip():
        raise HealthError(_("Say what happened and what was done."), code="incomplete")
    violation = Violation.objects.create(community_id=person.community_id, person=person, on=_today(on),
                                         what=what[:300], action=action[:300],
                                         recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit(actor, AuditAction.CREATE, violation, person=person, changes={"what": ["", what], "action": ["", action]})
    add_timeline(person, "violation", what, actor=actor)
    return violation


# --- daily health reports ---------------------------------------------------------------------


def under_measure(user, day, building="", write=False):
    """People the user sees who are under an active measure on ``day``."""
    active = Measure.objects.filter(person=OuterRef("pk")).active_on(day)
    persons = (Person.objects.visible_to(user, write=write).filter(Exists(active))
               .select_related("household__building"))
    if str(building).isdigit():
        persons = persons.filter(household__building_id=building)
    return persons.order_by("household__building__door_sort", "household__room_sort", "name")


# A household's one report comes from its householder where the register names one.
HOUSEHOLDER_RELATIONS = ("户主", "本人", "householder", "self")


def require_reports(actor, community, *, grid=None, building=None, mode=ReportMode.EVERYONE, since=None,
                    until=None) -> ReportScope:
    """The command post asks everyone (or one person per household) of a building, a grid or the
    whole community for a temperature every day from ``since``."""
    require(actor, can.REQUIRE_REPORTS, community)
    since = _today(since)
    if mode not in ReportMode.values:
        raise HealthError(_("Who reports: choose everyone or one per household."), code="bad_mode", field="mode")
    if until is not None and until < since:
        raise HealthError(_("Until: the last day cannot be before the first."), code="bad_until", field="until")
    for place in (grid, building):
        if place is not None and place.community_id != community.pk:
            raise HealthError(_("Place: not in this community."), code="bad_place", field="building")
    if building is not None:
        grid = None  # the building says it all
    scope = ReportScope.objects.create(community=community, grid=grid, building=building, mode=mode, since=since,
                                       until=until, created_by=actor if getattr(actor, "is_authenticated", False)
                                       else None)
    audit(actor, AuditAction.CREATE, scope, changes={"mode": ["", mode], "since": ["", str(since)]})
    return scope


def stop_reports(actor, scope: ReportScope, day=None) -> ReportScope:
    """Switch a scope off: today is its last day (what was reported stays)."""
    require(actor, can.REQUIRE_REPORTS, scope.community)
    day = _today(day)
    # Not started yet: it never runs (the day before its first); else today is its last day.
    last = scope.since - timedelta(days=1) if scope.since > day else day
    before = str(scope.until or "")
    scope.until = last
    scope.save(update_fields=["until"])
    audit(actor, AuditAction.CHANGE, scope, changes={"until": [before, str(last)]})
    return scope


def active_scopes(community_ids, day):
    return (ReportScope.objects.filter(community_id__in=community_ids, since__lte=day)
            .filter(Q(until__isnull=True) | Q(until__gte=day)))


def _scope_q(scope) -> Q:
    if scope.building_id:
        return Q(household__building_id=scope.building_id)
    if scope.grid_id:
        return Q(household__building__grid_id=scope.grid_id)
    return Q(community_id=scope.community_id, household__isnull=False)


def to_report(user, day, building="", write=False):
    """People the user sees who owe a temperature on ``day``: everyone under an active measure,
    and the people of the buildings, grids and communities the command post asked to report
    (everyone, or the householder of each household)."""
    active = Measure.objects.filter(person=OuterRef("pk")).active_on(day)
    persons = Person.objects.visible_to(user, write=write)
    wanted = Q(Exists(active))
    scopes = list(active_scopes(persons.values("community_id").distinct(), day))
    if scopes:
        first = (Person.objects.filter(household=OuterRef("household"))
                 .annotate(head=Case(When(relation__in=HOUSEHOLDER_RELATIONS, then=0), default=1))
                 .order_by("head", "pk").values("pk")[:1])
        for scope in scopes:
            q = _scope_q(scope)
            wanted |= q if scope.mode == ReportMode.EVERYONE else (q & Q(pk=Subquery(first)))
    persons = persons.filter(wanted).select_related("household__building")
    if str(building).isdigit():
        persons = persons.filter(household__building_id=building)
    return persons.order_by("household__building__door_sort", "household__room_sort", "name")


def is_fever(temperature, symptoms) -> bool:
    return (temperature is not None and Decimal(str(temperature)) >= FEVER_FROM) or bool(symptoms)


@transaction.atomic
def record_reports(actor, day, rows) -> tuple[int, list[Person]]:
    """Save a building's reports for a day: ``rows`` are (person, temperature, symptoms). One row
    per person and day: sending the screen again replaces, never adds. People with 37.3 °C or
    more, or a symptom, become "fever" (unless already in a stricter state). Returns the number
    saved and the people raised."""
    persons = {p.pk: p for p, _t, _s in rows}
    require_all(actor, can.RECORD_REPORTS, persons.values())
    existing = {r.person_id: r for r in HealthReport.objects.filter(person_id__in=persons, on=day)}
    reporter = actor if getattr(actor, "is_authenticated", False) else None
    new, changed, feverish = [], [], []
    for person, temperature, symptoms in rows:
        if temperature is None:
            continue
        text = ",".join(sorted(set(symptoms or [])))
        report = existing.get(person.pk)
        if report is None:
            new.append(HealthReport(community_id=person.community_id, person=person, on=day,
                                    temperature=temperature, symptoms=text, reported_by=reporter))
        elif (report.temperature, report.symptoms) != (Decimal(str(temperature)), text):
            report.temperature, report.symptoms, report.reported_by = temperature, text, reporter
            changed.append(report)
        if is_fever(temperature, symptoms):
            feverish.append(person)
    HealthReport.objects.bulk_create(new)
    HealthReport.objects.bulk_update(changed, ["temperature", "symptoms", "reported_by"])
    states = dict(KeyPerson.objects.filter(person__in=feverish).values_list("person_id", "state"))
    raised = [p for p in feverish if states.get(p.pk) not in ABOVE_FEVER]
    for person in raised:
        _set_state(actor, person, State.FEVER, on=day, reason=_("Daily report: fever or symptoms"))
    return len(new) + len(changed), raised


def missing_reports(user, day):
    """By building: people who owe a report today (under a measure, or asked by the command post)
    with none yet. One grouped query."""
    reported = HealthReport.objects.filter(person=OuterRef("pk"), on=day)
    return (to_report(user, day).filter(~Exists(reported)).order_by()
            .values("household__building_id", "household__building__door_number")
            .annotate(missing=Count("pk")).order_by("household__building__door_number"))


def fever_alerts(user):
    return (KeyPerson.objects.visible_to(user).filter(state=State.FEVER)
            .select_related("person__household__building").order_by("-since", "-id"))
