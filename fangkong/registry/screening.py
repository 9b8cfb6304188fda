"""Screening rounds (摸排): the rules. Views, and later the API and the command line, call these.

A round covers a scope (the whole community, some grids, some buildings). Its households are
computed from that scope every time (``round_households``), never copied into rows. Each knock
is a ``Visit``; the household's latest visit is its outcome. "Nobody home" puts the household on
the revisit list, due six hours after the knock. When somebody is found, the knocker goes
through the members: confirm, add, or mark moved out; each person's mark in the round is a
``RoundMember`` and the counts on the latest visit follow those rows, so coverage is one grouped
query over households and their latest visits, whatever the size of the community.

Scope is the caller's: views fetch rounds, households and persons through ``visible_to`` and pass
them in; functions that list things take the user and filter through ``visible_to`` themselves.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Exists, F, FilteredRelation, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import operations, services
from fangkong.core.actions import NotAllowed, allowed, require
from fangkong.core.fieldtime import trusted_time
from fangkong.core.models import (
    AuditAction,
    Building,
    Community,
    Household,
    HouseholdStatus,
    Person,
    Residence,
    Role,
    RoleAssignment,
    TimelineEntry,
)
from fangkong.core.operations import has_chosen_places, operation_buildings, refresh_reach
from fangkong.core.scope import in_buildings, own_building_ids, reaches

from . import actions as can
from .models import MemberCheck, Outcome, RoundMember, ScreeningRound, Visit

# The seeds' rule: a door nobody opened is knocked again within six hours.
REVISIT_AFTER = timedelta(hours=6)


class ScreeningError(services.ServiceError):
    code = "screening"


# --- scope of a round ------------------------------------------------------------------------


def round_households(round_: ScreeningRound, user=None, *, write: bool = False):
    """The households a round covers, as one queryset: computed from the round's scope every time,
    never stored per household. With a user, only the households they may see (or change, with
    write=True), through the round's buildings (``core.scope.in_buildings``)."""
    return in_buildings(Household.objects.all(), operation_buildings(round_), user, write=write)


def _grid_leader_grids(user, community_id) -> set[int] | None:
    """Grids the user leads in the community; None means all of them (a community-wide leader)."""
    grids: set[int] = set()
    for reach in reaches(user):
        if reach.role != Role.GRID_LEADER or reach.community_id != community_id:
            continue
        if reach.whole_community:
            return None
        grids |= set(reach.grid_ids)
    return grids


def can_create_round(user, community: Community) -> bool:
    """Whether to offer "new round": the action's roles, and a grid leader must lead a grid."""
    if not allowed(user, can.CREATE_ROUND, community):
        return False
    if allowed(user, can.SCREEN_WHOLE_COMMUNITY, community):
        return True
    leads = _grid_leader_grids(user, community.pk)
    return leads is None or bool(leads)


def can_manage_round(user, round_: ScreeningRound) -> bool:
    """The command post manages every round of its community; a grid leader the rounds that lie
    within the grids they lead."""
    if not allowed(user, can.CLOSE_ROUND, round_):
        return False
    if allowed(user, can.SCREEN_WHOLE_COMMUNITY, round_):
        return True
    leads = _grid_leader_grids(user, round_.community_id)
    if leads is None:
        return True
    if not leads:
        return False
    reach = set(round_.reach_grids.values_list("pk", flat=True))
    return bool(reach) and reach <= leads and has_chosen_places(round_)


@transaction.atomic
def create_round(actor, community: Community, *, name: str, starts_at=None, ends_at=None,
                 grids=(), buildings=()) -> ScreeningRound:
    """A new round. No grids and no buildings: the whole community (the command post only). A grid
    leader chooses grids they lead, or buildings in them."""
    require(actor, can.CREATE_ROUND, community)
    grids, buildings = list(grids), list(buildings)
    starts_at = starts_at or timezone.now()
    if ends_at and ends_at <= starts_at:
        raise ScreeningError(_("The round must end after it starts."), code="ends_before_start", field="ends_at")
    if any(g.community_id != community.pk for g in grids) or any(b.community_id != community.pk for b in buildings):
        raise ScreeningError(_("A round covers places of one community."), code="other_community")
    if not allowed(actor, can.SCREEN_WHOLE_COMMUNITY, community):
        # The grid leader's own rule, on top of the action's roles: within the grids they lead.
        leads = _grid_leader_grids(actor, community.pk)
        if leads is not None:
            if not leads:
                raise NotAllowed(can.CREATE_ROUND.message, can.CREATE_ROUND)
            if not grids and not buildings:
                raise ScreeningError(_("Choose the grids or buildings of the round: only the command post "
                                       "screens the whole community."), code="scope_required", field="grids")
            if any(g.pk not in leads for g in grids) or any(b.grid_id not in leads for b in buildings):
                raise ScreeningError(_("A grid leader screens only the grids they lead."), code="outside_grids",
                                     field="grids")
    round_ = ScreeningRound.objects.create(community=community, name=name.strip()[:100], starts_at=starts_at,
                                           ends_at=ends_at,
                                           created_by=actor if getattr(actor, "is_authenticated", False) else None)
    round_.grids.set(grids)
    round_.buildings.set(buildings)
    refresh_reach(round_)
    services.audit(actor, AuditAction.CREATE, round_, changes={
        "name": ["", round_.name],
        "scope": ["", ", ".join([str(g) for g in grids] + [str(b) for b in buildings]) or str(community)],
    })
    return round_


# --- knocking --------------------------------------------------------------------------------


@dataclass
class Recorded:
    visit: Visit
    created: bool


def _member_counts(round_id, household_id) -> dict:
    counts = dict(RoundMember.objects.filter(round_id=round_id, household_id=household_id)
                  .values_list("status").annotate(n=Count("pk")).order_by())
    return {"confirmed": counts.get(MemberCheck.CONFIRMED, 0), "added": counts.get(MemberCheck.ADDED, 0),
            "moved_out": counts.get(MemberCheck.MOVED_OUT, 0)}


def _sync_counts(round_id, household_id) -> None:
    Visit.objects.filter(round_id=round_id, household_id=household_id, is_latest=True).update(
        **_member_counts(round_id, household_id))


def _sync_household_status(actor, household: Household, outcome: str) -> None:
    """What the door showed goes to the household's status (audited by the core service), so the
    occupancy sheet shades what the round found: vacant, or occupied again."""
    wanted = None
    if outcome == Outcome.VACANT and household.status != HouseholdStatus.VACANT:
        wanted = HouseholdStatus.VACANT
    elif outcome == Outcome.FOUND and household.status != HouseholdStatus.OCCUPIED:
        wanted = HouseholdStatus.OCCUPIED
    if wanted:
        services.update_household(actor, household, {"status": wanted})


def record_visit(actor, round_: ScreeningRound, household: Household, outcome: str, *, client_id: str = "",
                 at=None, note: str = "", now=None) -> Recorded:
    """One tap on one door. The same client_id sent twice is recorded once (the second answer is
    the first visit). The latest visit by tap time is the household's outcome; a queued tap older
    than the current outcome is kept as history only."""
    require(actor, can.RECORD_VISIT, household)
    if outcome not in Outcome.values:
        raise ScreeningError(_("Unknown outcome."), code="unknown_outcome", field="outcome")
    now = now or timezone.now()
    at = trusted_time(at, now)
    client_id = (client_id or "").strip()[:64]
    if client_id:
        existing = Visit.objects.filter(round=round_, client_id=client_id).first()
        if existing:
            return Recorded(existing, False)
    if not round_.is_open:
        raise ScreeningError(_("This round is closed."), code="round_closed")
    if round_.starts_at > now:
        raise ScreeningError(_("This round has not started yet."), code="round_not_started")
    if not round_households(round_).filter(pk=household.pk).exists():
        raise ScreeningError(_("This household is not in the round."), code="not_in_round")
    for attempt in range(3):
        try:
            with transaction.atomic():
                return Recorded(_write_visit(actor, round_, household, outcome, client_id, at, note), True)
        except IntegrityError:
            # Another request recorded the same tap, or another visit to this door, meanwhile.
            if client_id:
                existing = Visit.objects.filter(round=round_, client_id=client_id).first()
                if existing:
                    return Recorded(existing, False)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _write_visit(actor, round_, household, outcome, client_id, at, note) -> Visit:
    latest = Visit.objects.select_for_update().filter(round=round_, household=household, is_latest=True).first()
    becomes_latest = latest is None or latest.at <= at
    if becomes_latest and latest is not None:
        Visit.objects.filter(pk=latest.pk).update(is_latest=False)
    counts = _member_counts(round_.pk, household.pk) if becomes_latest else {}
    visit = Visit.objects.create(
        community_id=round_.community_id, round=round_, household=household, at=at,
        by=actor if getattr(actor, "is_authenticated", False) else None, outcome=outcome,
        revisit_due=at + REVISIT_AFTER if outcome == Outcome.NOBODY_HOME else None,
        note=note[:200], client_id=client_id, is_latest=becomes_latest, **counts,
    )
    if becomes_latest:
        _sync_household_status(actor, household, outcome)
    return visit


def latest_visit(round_, household) -> Visit | None:
    return Visit.objects.filter(round=round_, household=household, is_latest=True).first()


def _require_found(round_, household) -> None:
    if not round_.is_open:
        raise ScreeningError(_("This round is closed."), code="round_closed")
    latest = latest_visit(round_, household)
    if latest is None or latest.outcome != Outcome.FOUND:
        raise ScreeningError(_("Record that somebody was found at this door first."), code="not_found")


def _timeline_text(kind: str, round_) -> str:
    texts = {
        "confirmed": _("Confirmed at home in screening round %(round)s"),
        "withdrawn": _("Confirmation in screening round %(round)s withdrawn"),
        "added": _("Added in screening round %(round)s"),
    }
    return texts[kind] % {"round": round_.name}


def confirm_members(actor, round_: ScreeningRound, household: Household, persons, *, now=None) -> int:
    """Confirm that these members really live here now. Set-based: one insert for the marks and
    one for the timeline entries, whatever the number. A member marked before keeps that mark.
    Returns how many were newly confirmed."""
    require(actor, can.CHECK_MEMBERS, household)
    now = now or timezone.now()
    _require_found(round_, household)
    persons = [p for p in persons if p.household_id == household.pk]
    with transaction.atomic():
        marked = set(RoundMember.objects.filter(round=round_, person__in=persons).values_list("person_id", flat=True))
        fresh = [p for p in persons if p.pk not in marked]
        by = actor if getattr(actor, "is_authenticated", False) else None
        RoundMember.objects.bulk_create([
            RoundMember(community_id=round_.community_id, round=round_, household=household, person=p,
                        status=MemberCheck.CONFIRMED, at=now, by=by) for p in fresh
        ])
        text = _timeline_text("confirmed", round_)
        TimelineEntry.objects.bulk_create([
            TimelineEntry(community_id=p.community_id, person=p, at=now, kind="screening_confirmed", text=text[:300],
                          actor=by) for p in fresh
        ])
        _sync_counts(round_.pk, household.pk)
    return len(fresh)


def set_member(actor, round_: ScreeningRound, household: Household, person: Person, state: str, *,
               client_id: str = "", now=None) -> str:
    """One toggle in the found list: ``confirmed``, ``moved_out`` or ``present`` (no mark: takes a
    confirmation back, or undoes a move-out made in this round). Moving out goes through the core
    service, which writes the audit entry and the timeline. Setting the state a person already has
    changes nothing, so a repeated tap is harmless. Returns the person's state afterwards."""
    require(actor, can.CHECK_MEMBERS, household)
    now = now or timezone.now()
    client_id = (client_id or "").strip()[:64]
    if state not in ("confirmed", "moved_out", "present"):
        raise ScreeningError(_("Unknown choice."), code="unknown_state", field="state")
    _require_found(round_, household)
    with transaction.atomic():
        if client_id and RoundMember.objects.filter(round=round_, client_id=client_id).exists():
            return RoundMember.objects.get(round=round_, client_id=client_id).status
        mark = RoundMember.objects.select_for_update().filter(round=round_, person=person).first()
        moved_out_here = mark is not None and mark.status == MemberCheck.MOVED_OUT and mark.household_id == household.pk
        if person.household_id != household.pk and not moved_out_here:
            raise ScreeningError(_("This person is not a member of this household."), code="not_member")
        by = actor if getattr(actor, "is_authenticated", False) else None
        current = mark.status if mark else "present"
        if state == current or (current == MemberCheck.ADDED and state != "moved_out"):
            # A person added in the round stays added: removing a wrong entry is the person file's job.
            return current
        if current == MemberCheck.MOVED_OUT:
            # Back in: the knocker tapped "moved out" by mistake.
            services.move_person(actor, person, household,
                                 reason=_("Back in: screening round %(round)s") % {"round": round_.name})
        if state == "confirmed":
            if mark:
                mark.status, mark.at, mark.by, mark.client_id = MemberCheck.CONFIRMED, now, by, client_id
                mark.household = household
                mark.save(update_fields=["status", "at", "by", "client_id", "household"])
            else:
                RoundMember.objects.create(community_id=round_.community_id, round=round_, household=household,
                                           person=person, status=MemberCheck.CONFIRMED, at=now, by=by,
                                           client_id=client_id)
            services.add_timeline(person, "screening_confirmed", _timeline_text("confirmed", round_), actor=actor,
                                  at=now)
        elif state == "moved_out":
            services.move_person(actor, person, None,
                                 reason=_("Moved out: found in screening round %(round)s") % {"round": round_.name})
            if mark:
                mark.status, mark.at, mark.by, mark.client_id = MemberCheck.MOVED_OUT, now, by, client_id
                mark.household = household
                mark.save(update_fields=["status", "at", "by", "client_id", "household"])
            else:
                RoundMember.objects.create(community_id=round_.community_id, round=round_, household=household,
                                           person=person, status=MemberCheck.MOVED_OUT, at=now, by=by,
                                           client_id=client_id)
        else:
            if current == MemberCheck.CONFIRMED:
                services.add_timeline(person, "screening_withdrawn", _timeline_text("withdrawn", round_),
                                      actor=actor, at=now)
            mark.delete()
        _sync_counts(round_.pk, household.pk)
    return state


def add_member(actor, round_: ScreeningRound, household: Household, data: dict, tags=(), *, client_id: str = "",
               now=None) -> tuple[Person, bool]:
    """A person found at the door who is not on file: created by the core service (audit entry and
    timeline), marked as added in the round. The same client_id twice creates one person."""
    require(actor, can.CHECK_MEMBERS, household)
    now = now or timezone.now()
    client_id = (client_id or "").strip()[:64]
    if client_id:
        existing = RoundMember.objects.filter(round=round_, client_id=client_id).select_related("person").first()
        if existing:
            return existing.person, False
    _require_found(round_, household)
    with transaction.atomic():
        person = services.create_person(actor, household.community, data, tags=tags, household=household)
        RoundMember.objects.create(community_id=round_.community_id, round=round_, household=household,
                                   person=person, status=MemberCheck.ADDED, at=now,
                                   by=actor if getattr(actor, "is_authenticated", False) else None,
                                   client_id=client_id)
        services.add_timeline(person, "screening_added", _timeline_text("added", round_), actor=actor, at=now)
        _sync_counts(round_.pk, household.pk)
    return person, True


# --- what the knocker sees -------------------------------------------------------------------


@dataclass
class Row:
    household: Household
    visit: Visit | None
    members: list = field(default_factory=list)  # [(person, state)]
    moved_out: list = field(default_factory=list)  # persons moved out of this door in this round
    overdue: bool = False

    @property
    def done(self):
        return self.visit is not None

    @property
    def new_client_id(self):
        """A fresh id for each form on the row, for phones without JavaScript (the script replaces
        it with one made on the phone at each tap)."""
        return uuid.uuid4().hex


def knock_rows(round_: ScreeningRound, households, user, *, now=None) -> list[Row]:
    """Rows for the knock page: each household with its latest visit, its members and their marks.
    Four queries, whatever the number of households."""
    now = now or timezone.now()
    households = list(households.select_related("building", "entrance"))
    ids = [h.pk for h in households]
    visits = {v.household_id: v for v in Visit.objects.filter(round=round_, is_latest=True, household_id__in=ids)}
    marks = {m.person_id: m for m in RoundMember.objects.filter(round=round_, household_id__in=ids)
             .select_related("person")}
    members: dict[int, list] = {}
    for person in Person.objects.visible_to(user).filter(household_id__in=ids).order_by("id"):
        mark = marks.get(person.pk)
        members.setdefault(person.household_id, []).append((person, mark.status if mark else "present"))
    moved: dict[int, list] = {}
    for mark in marks.values():
        if mark.status == MemberCheck.MOVED_OUT:
            moved.setdefault(mark.household_id, []).append(mark.person)
    rows = []
    for household in households:
        visit = visits.get(household.pk)
        overdue = bool(visit and visit.revisit_due and visit.revisit_due < now)
        rows.append(Row(household, visit, members.get(household.pk, []), moved.get(household.pk, []), overdue))
    return rows


def floor_order(households):
    """The knock page's order: by entrance (单元) where the building has them (households in no
    entrance last), then floor by floor, then room."""
    return households.order_by(F("entrance__number_sort").asc(nulls_last=True), F("floor").asc(nulls_last=True),
                               "room_sort", "pk")


# --- coverage --------------------------------------------------------------------------------


class Tally(operations.Tally):
    FIELDS = ("total", "visited", "found", "nobody_home", "refused", "vacant", "overdue", "confirmed", "added",
              "moved_out")
    DONE, OF = "visited", "total"


def _latest(round_id):
    return FilteredRelation("visits", condition=Q(visits__round_id=round_id, visits__is_latest=True))


def coverage(round_: ScreeningRound, user=None, *, write: bool = False, now=None,
             building: Building | None = None) -> operations.Coverage:
    """Households visited / total and persons confirmed, added, moved out, per building, grid and
    community. Two SQL statements whatever the size: households left-joined to their latest visit
    in the round and grouped by building (the database reads them in building order, with no sort),
    then the names of those buildings and their grids (``core.operations.roll_up``, which sums
    grids and the community from the building rows)."""
    now = now or timezone.now()
    buildings = operation_buildings(round_)
    if building is not None:
        buildings = buildings.filter(pk=building.pk)
    nobody = Q(latest__outcome=Outcome.NOBODY_HOME)
    rows = (
        in_buildings(Household.objects.all(), buildings, user, write=write)
        .annotate(latest=_latest(round_.pk))
        .values("building_id")
        .annotate(
            total=Count("pk"),
            visited=Count("latest__id"),
            found=Count("latest__id", filter=Q(latest__outcome=Outcome.FOUND)),
            nobody_home=Count("latest__id", filter=nobody),
            refused=Count("latest__id", filter=Q(latest__outcome=Outcome.REFUSED)),
            vacant=Count("latest__id", filter=Q(latest__outcome=Outcome.VACANT)),
            overdue=Count("latest__id", filter=nobody & Q(latest__revisit_due__lt=now)),
            confirmed=Coalesce(Sum("latest__confirmed"), 0),
            added=Coalesce(Sum("latest__added"), 0),
            moved_out=Coalesce(Sum("latest__moved_out"), 0),
        )
        .order_by()
    )
    return operations.roll_up(rows, Tally)


@dataclass
class RoundDiff:
    a: ScreeningRound
    b: ScreeningRound
    found_in_both: int
    found_only_in_b: int
    found_only_in_a: int
    households_only_in_b: list
    households_only_in_a: list
    persons_a: dict
    persons_b: dict
    seen_in_a_not_in_b: int
    moved_in_since_a: int
    moved_out_since_a: int


def diff(round_a: ScreeningRound, round_b: ScreeningRound, user, *, limit: int = 50) -> RoundDiff:
    """What changed from round A to round B: households found in one and not the other, persons
    confirmed or added in A and not seen in B, and moves into and out of B's households since A
    started. Six queries, whatever the size."""
    households = round_households(round_a, user) | round_households(round_b, user)
    found = Outcome.FOUND
    not_found_a = Q(a__id__isnull=True) | Q(a__outcome__in=[o for o in Outcome.values if o != found])
    not_found_b = Q(b__id__isnull=True) | Q(b__outcome__in=[o for o in Outcome.values if o != found])
    joined = households.annotate(a=_latest(round_a.pk), b=_latest(round_b.pk))
    counts = joined.aggregate(
        both=Count("pk", filter=Q(a__outcome=found, b__outcome=found)),
        only_b=Count("pk", filter=Q(b__outcome=found) & not_found_a),
        only_a=Count("pk", filter=Q(a__outcome=found) & not_found_b),
    )

    def listing(condition):
        return list(joined.filter(condition).select_related("building")
                    .order_by("building__door_sort", "room_sort")[:limit])

    members = (RoundMember.objects.filter(round__in=[round_a, round_b], household__in=households)
               .values_list("round_id", "status").annotate(n=Count("pk")).order_by())
    persons = {round_a.pk: {}, round_b.pk: {}}
    for round_id, status, n in members:
        persons[round_id][status] = n
    seen = [MemberCheck.CONFIRMED, MemberCheck.ADDED]
    seen_in_b = RoundMember.objects.filter(round=round_b, person_id=OuterRef("person_id"), status__in=seen)
    not_again = (RoundMember.objects.filter(round=round_a, status__in=seen, household__in=households)
                 .exclude(Exists(seen_in_b)).count())
    since = round_a.starts_at
    moves = Residence.objects.filter(household__in=round_households(round_b, user)).aggregate(
        moved_in=Count("pk", filter=Q(moved_in__gte=since)), moved_out=Count("pk", filter=Q(moved_out__gte=since)))
    return RoundDiff(
        round_a, round_b, counts["both"], counts["only_b"], counts["only_a"],
        listing(Q(b__outcome=found) & not_found_a), listing(Q(a__outcome=found) & not_found_b),
        persons[round_a.pk], persons[round_b.pk], not_again, moves["moved_in"], moves["moved_out"],
    )


# --- revisits --------------------------------------------------------------------------------


def revisits(round_: ScreeningRound, user, *, now=None, building: Building | None = None):
    """Doors where nobody was home and no later visit said otherwise: the user's own buildings
    first, then by due time. Each visit carries ``overdue`` and ``owners`` (the building leaders of
    its building). Two queries."""
    now = now or timezone.now()
    own = own_building_ids(user, round_.community_id)
    visits = (
        Visit.objects.filter(round=round_, is_latest=True, outcome=Outcome.NOBODY_HOME,
                             household__in=round_households(round_, user))
        .select_related("household__building", "by")
        .annotate(mine=Case(When(household__building_id__in=own, then=Value(0)), default=Value(1),
                            output_field=IntegerField()))
        .order_by("mine", "revisit_due", "household__building__door_sort", "household__room_sort")
    )
    if building is not None:
        visits = visits.filter(household__building=building)
    visits = list(visits)
    building_ids = {v.household.building_id for v in visits}
    owners: dict[int, list[str]] = {}
    if building_ids:
        for building_id, first, last, username in (
            RoleAssignment.objects.filter(role=Role.BUILDING_LEADER, community_id=round_.community_id,
                                          buildings__in=building_ids)
            .values_list("buildings", "user__first_name", "user__last_name", "user__username").order_by("user_id")
        ):
            owners.setdefault(building_id, []).append(f"{last}{first}".strip() or username)
    for visit in visits:
        visit.overdue = visit.revisit_due is not None and visit.revisit_due < now
        visit.owners = owners.get(visit.household.building_id, [])
        visit.own = visit.mine == 0
    return visits


# --- closing ---------------------------------------------------------------------------------


def households_left(round_: ScreeningRound):
    """Households of the round with no outcome yet."""
    visited = Visit.objects.filter(round=round_, is_latest=True, household_id=OuterRef("pk"))
    return round_households(round_).exclude(Exists(visited))


@transaction.atomic
def close_round(actor, round_: ScreeningRound, reason: str = "", *, now=None) -> ScreeningRound:
    """A round closes when every household has an outcome; before that, only the command post
    closes it, and says why. The closing goes to the audit log."""
    require(actor, can.CLOSE_ROUND, round_)
    if not can_manage_round(actor, round_):
        # A grid leader closes the rounds within the grids they lead only.
        raise NotAllowed(can.CLOSE_ROUND.message, can.CLOSE_ROUND)
    now = now or timezone.now()
    round_ = ScreeningRound.objects.select_for_update().get(pk=round_.pk)
    if not round_.is_open:
        raise ScreeningError(_("This round is already closed."), code="round_closed")
    reason = (reason or "").strip()
    left = households_left(round_).count()
    if left:
        if not allowed(actor, can.CLOSE_ROUND_EARLY, round_):
            raise ScreeningError(
                _("%(n)d households have no outcome yet. The round closes when every door has one, or the "
                  "command post closes it with a reason.") % {"n": left}, code="households_left")
        if len(reason) < 2:
            raise ScreeningError(_("%(n)d households have no outcome yet: say why the round closes now.")
                                 % {"n": left}, code="reason_required", field="reason")
    round_.closed_at = now
    round_.closed_by = actor if getattr(actor, "is_authenticated", False) else None
    round_.close_reason = reason[:300]
    round_.save(update_fields=["closed_at", "closed_by", "close_reason"])
    services.audit(actor, AuditAction.CHANGE, round_, fields=["closed_at"], reason=reason,
                   changes={"closed_at": ["", timezone.localtime(now).isoformat(timespec="minutes")],
                            "households_left": ["", str(left)]})
    return round_
