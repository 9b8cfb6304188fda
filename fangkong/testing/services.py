"""Testing rounds: the rules. The pages, the API and the benchmarks call these functions; the
scanning of swabs has a module of its own (``testing.scanning``), built on the rules here (who
must be tested, who may scan).

Who must be tested, who was sampled, what came back, who is untested: computed from the round's
scope, its samples and its tubes' results every time, in a few grouped statements.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import operations
from fangkong.core import services as core
from fangkong.core.actions import require, require_all
from fangkong.core.models import AuditAction, Building, Community, Person, TimelineEntry
from fangkong.core.operations import operation_buildings, refresh_reach
from fangkong.core.scope import SAMPLING
from fangkong.health import services as health
from fangkong.health.models import State

from . import actions as can
from .models import (
    AntigenReport,
    AntigenResult,
    Exemption,
    PoolSize,
    Sample,
    TestRound,
    Tube,
    TubeResult,
)


class TestingError(core.ServiceError):
    __test__ = False
    code = "testing"


class ScanRefused(TestingError):
    """A scan the server will not record: ``code`` says why, ``details`` where and when (already
    sampled) or what tube (tube full)."""

    def __init__(self, message, code, details=None):
        super().__init__(message, code=code)
        self.details = details or {}

    def as_dict(self):
        return {"ok": False, "code": self.code, "message": self.message, **self.details}


# --- rounds ----------------------------------------------------------------------------------


@transaction.atomic
def create_round(actor, community: Community, *, name: str, date=None, pool_size: int = PoolSize.TEN,
                 grids=(), buildings=(), sampling_points: str = "", exempt_under_age: int = 0,
                 retest_of: TestRound | None = None) -> TestRound:
    require(actor, can.CREATE_RETEST_ROUND if retest_of else can.CREATE_ROUND, community)
    grids, buildings = list(grids), list(buildings)
    if pool_size not in PoolSize.values:
        raise TestingError(_("Choose a pool size of 1, 5, 10 or 20."), code="pool_size", field="pool_size")
    if any(g.community_id != community.pk for g in grids) or any(b.community_id != community.pk for b in buildings):
        raise TestingError(_("A round covers places of one community."), code="other_community")
    round_ = TestRound.objects.create(
        community=community, name=name.strip()[:100], date=date or timezone.localdate(), pool_size=pool_size,
        sampling_points=sampling_points, exempt_under_age=exempt_under_age, retest_of=retest_of,
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    round_.grids.set(grids)
    round_.buildings.set(buildings)
    refresh_reach(round_)
    core.audit(actor, AuditAction.CREATE, round_, changes={"name": ["", round_.name],
                                                           "pool_size": ["", str(pool_size)]})
    return round_


def create_retest_round(actor, round_: TestRound, *, name: str = "") -> TestRound:
    """单管复核: a single-tube round over the buildings of this round's retest list."""
    require(actor, can.CREATE_RETEST_ROUND, round_)
    building_ids = set(retest_persons(round_).values_list("household__building_id", flat=True))
    buildings = list(Building.objects.filter(pk__in=building_ids)) or list(round_.buildings.all())
    return create_round(actor, round_.community, name=name or _("%(round)s single-tube retest") % {"round": round_},
                        pool_size=PoolSize.SINGLE, buildings=buildings, grids=[] if buildings else round_.grids.all(),
                        retest_of=round_)


def must_test(round_: TestRound, user=None, *, places: tuple | None = None, purpose: str | None = None):
    """Everyone who must be tested in the round: the persons living in its buildings (or, for a
    retest round, the retest list of the round it retests), minus the exempt and the infants
    under the round's age; with a user, only those they may see (for ``purpose``: the scan, its
    search, the coverage counts and the home-sampling list read with core.scope.SAMPLING, so
    that a sampler finds the people of the round's places without opening their files).

    ``places``: the round's ``chosen_places``, when the caller has read them: the same buildings
    as ``operation_buildings``, given as plain ids, which is several times cheaper to build, compile
    and plan than its subqueries (the scan path, once per request)."""
    if round_.retest_of_id:
        persons = retest_persons(TestRound(pk=round_.retest_of_id))
    elif places is None:
        persons = Person.objects.filter(community_id=round_.community_id,
                                        household__building__in=operation_buildings(round_))
    else:
        grid_ids, building_ids = places
        in_round = Q(household__building__community_id=round_.community_id)
        if grid_ids or building_ids:
            in_round &= Q(household__building__grid_id__in=grid_ids) | Q(household__building_id__in=building_ids)
        persons = Person.objects.filter(in_round, community_id=round_.community_id)
    persons = persons.exclude(Exists(Exemption.objects.filter(round_id=round_.pk, person_id=OuterRef("pk"))))
    if round_.exempt_under_age:
        born_after = _years_before(round_.date, round_.exempt_under_age)
        persons = persons.exclude(birth_date__gt=born_after)
    if user is not None:
        persons = persons.visible_to(user, purpose=purpose)
    return persons


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@transaction.atomic
def exempt(actor, round_: TestRound, person: Person, reason: str, note: str = "") -> Exemption:
    require(actor, can.EXEMPT, person)
    if person.community_id != round_.community_id:
        raise TestingError(_("A round covers places of one community."), code="other_community")
    exemption, _created = Exemption.objects.update_or_create(
        round=round_, person=person,
        defaults={"community_id": round_.community_id, "reason": reason, "note": note[:200],
                  "by": actor if getattr(actor, "is_authenticated", False) else None})
    core.audit(actor, AuditAction.CHANGE, round_, person=person, fields=["exemption"], reason=note,
               changes={"exemption": ["", reason]})
    return exemption


# Small helpers that testing.scanning shares.


def place_label(person_row) -> str:
    door, room = person_row
    return f"{door}-{room}" if door else ""


def local_time(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


# --- results ---------------------------------------------------------------------------------


# Stricter first: a positive is never given up for a negative without a person deciding so.
STRICTNESS = {TubeResult.NEGATIVE: 0, TubeResult.INVALID: 1, TubeResult.POSITIVE: 2}
CORRECTION_FILE = "correction"


@dataclass
class ImportReport:
    taken: int = 0
    unchanged: int = 0
    unknown: list = field(default_factory=list)  # (row, tube code)
    problems: list = field(default_factory=list)  # (row, tube code, reason)
    # Tubes whose rows in this file disagree: {"tube", "rows": [{"row", "result"}], "kept"}; held
    # for a person to decide (correct_result), the strictest result meanwhile.
    conflicts: list = field(default_factory=list)
    # Results that would change an earlier one: refused, {"row", "tube", "result", "current", "since"}.
    refused: list = field(default_factory=list)
    # An earlier negative raised to invalid or positive by this file: taken, and said.
    raised: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # about the file as a whole (no header row)
    negative: int = 0
    positive: int = 0
    invalid: int = 0
    retest_persons: int = 0
    positive_persons: int = 0
    resample_persons: int = 0

    def as_dict(self):
        return {"taken": self.taken, "unchanged": self.unchanged, "negative": self.negative,
                "positive": self.positive, "invalid": self.invalid, "retest_persons": self.retest_persons,
                "positive_persons": self.positive_persons, "resample_persons": self.resample_persons,
                "unknown": [{"row": r, "tube": c} for r, c in self.unknown],
                "problems": [{"row": r, "tube": c, "reason": why} for r, c, why in self.problems],
                "conflicts": self.conflicts, "refused": self.refused, "raised": self.raised, "notes": self.notes}


def _parse_time(value, default):
    if value in (None, ""):
        return default
    if isinstance(value, dt.datetime):
        at = value
    else:
        from django.utils.dateparse import parse_datetime

        at = parse_datetime(str(value).strip().replace("/", "-"))
        if at is None:
            raise ValueError(str(value))
    return timezone.make_aware(at) if timezone.is_naive(at) else at


def result_word(value):
    from .results_file import result_word as word

    return word(value)


def since(file_name: str, row) -> str:
    """Where a tube's result came from, for the messages: "file X, row N" or "a correction"."""
    if file_name == CORRECTION_FILE:
        return _("a correction by hand")
    if row:
        return _("file %(file)s, row %(row)s") % {"file": file_name or _("(no name)"), "row": row}
    return _("file %(file)s") % {"file": file_name or _("(no name)")}


CHUNK = 5000


def import_results(actor, round_: TestRound, rows, *, now=None) -> ImportReport:
    """Lab results per tube: rows of (row number, tube code, result, time). Set-based: the tubes
    are read and written in chunks of a few thousand, whatever the number of rows.

    - negative: every person in the tube is negative for the round (nothing is written per person);
    - positive, pooled: every person in it goes on the single-tube retest list (timeline entry);
    - positive, single tube: the person is positive (timeline entry, status on the person file);
    - invalid: the tube's samples are made void, so its people are to be sampled again;
    - a tube not in the round is reported, not dropped; a tube that already has this result is
      unchanged, so the same file imported twice changes nothing."""
    require(actor, can.IMPORT_RESULTS, round_)
    now = now or timezone.now()
    report = ImportReport()
    # Never lose a positive:
    # - rows of this file that disagree on one tube are a conflict: the tube takes the strictest
    #   (positive > invalid > negative), and the rows are held on the tube for a person to decide;
    # - a result that would undo an earlier one (positive or invalid to anything, anything after a
    #   correction by hand) is refused and reported with where the earlier one came from: only
    #   correct_result changes it, with a reason;
    # - an earlier negative raised to invalid or positive is taken (a positive must not wait for
    #   a person), and reported as raised.
    source = str(getattr(rows, "name", "") or "")[:200]
    report.notes = list(getattr(rows, "notes", []))
    by_code: dict[str, list] = {}
    for number, code, result, at in rows:
        code = str(code or "").strip().upper()
        if not code:
            if result not in (None, ""):
                report.problems.append((number, "", _("No tube barcode")))
            continue
        word = result_word(result)
        if word is None:
            report.problems.append((number, code, _("Unknown result %(value)s") % {"value": result}))
            continue
        try:
            when = _parse_time(at, now)
        except ValueError:
            report.problems.append((number, code, _("Unreadable time %(value)s") % {"value": at}))
            continue
        by_code.setdefault(code, []).append((number, word, when))
    wanted: dict[str, tuple] = {}
    held: dict[str, list] = {}
    for code, found_rows in by_code.items():
        strictest = max(found_rows, key=lambda r: (STRICTNESS[r[1]], -r[0]))
        wanted[code] = strictest
        if len({word for _n, word, _w in found_rows}) > 1:
            held[code] = [{"row": n, "result": word} for n, word, _w in found_rows]
            report.conflicts.append({"tube": code, "rows": held[code], "kept": strictest[1]})
    codes_ = list(wanted)
    changed: dict[str, list] = {TubeResult.NEGATIVE: [], TubeResult.POSITIVE: [], TubeResult.INVALID: []}
    updates = []
    conflict_updates = []
    for start in range(0, len(codes_), CHUNK):
        chunk = codes_[start:start + CHUNK]
        # By (community, code), the unique index: a filter on the round would scan its tubes per chunk.
        found = {row[0]: row[1:] for row in
                 Tube.objects.filter(community_id=round_.community_id, code__in=chunk)
                 .values_list("code", "id", "result", "round_id", "result_file", "result_row",
                              "result_conflict", "correction_reason") if row[3] == round_.pk}
        for code in chunk:
            number, word, when = wanted[code]
            if code not in found:
                report.unknown.append((number, code))
                continue
            pk, current, _round, file_name, row_number, conflict, corrected = found[code]
            if code in held and not corrected and conflict != held[code]:
                conflict_updates.append((pk, held[code]))
            if current == word:
                report.unchanged += 1
            elif not current or (current == TubeResult.NEGATIVE and STRICTNESS[word] > STRICTNESS[current]
                                 and not corrected):
                if current:
                    report.raised.append({"row": number, "tube": code, "result": word, "was": current,
                                          "since": since(file_name, row_number)})
                updates.append((pk, word, when, source, number))
                changed[word].append(pk)
            else:
                report.refused.append({"row": number, "tube": code, "result": word, "current": current,
                                       "since": since(file_name, row_number)})
    report.unknown.sort()
    report.taken = len(updates)
    report.negative, report.positive, report.invalid = (len(changed[w]) for w in
                                                        (TubeResult.NEGATIVE, TubeResult.POSITIVE, TubeResult.INVALID))
    with transaction.atomic():
        _write_results(updates)
        for pk, rows_held in conflict_updates:
            Tube.objects.filter(pk=pk).update(result_conflict=rows_held)
        _after_results(actor, round_, changed, report, now)
        if updates or conflict_updates:
            core.audit(actor, AuditAction.CHANGE, round_, fields=["results"],
                       changes={"results": ["", f"{report.taken} tubes"
                                            + (f", {len(conflict_updates)} held" if conflict_updates else "")]})
    return report


def _write_results(updates) -> None:
    """Many tubes' results in one statement: UPDATE ... FROM arrays on PostgreSQL, FROM a VALUES
    list per chunk on SQLite (3.33+). Each update is (tube id, result, time, file, row)."""
    table = Tube._meta.db_table
    ops = connection.ops
    if connection.vendor == "postgresql":
        # Arrays instead of a VALUES list: psycopg parses a statement of 15,000 placeholders
        # on the client each time (3 s of a 95,000-tube import); a few parameters cost nothing.
        ids, words, times, files, numbers = zip(*updates, strict=True) if updates else ((), (), (), (), ())
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET result = v.result, result_at = v.at, result_file = v.file, "
                f"result_row = v.row "
                f"FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::text[], %s::integer[]) "
                f"AS v(id, result, at, file, row) "
                f"WHERE {table}.id = v.id", [list(ids), list(words), list(times), list(files), list(numbers)])
        return
    for start in range(0, len(updates), CHUNK):
        chunk = updates[start:start + CHUNK]
        rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
        params = []
        for pk, word, when, file_name, number in chunk:
            params += [pk, word, ops.adapt_datetimefield_value(when), file_name, number]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET result = v.column2, result_at = v.column3, result_file = v.column4, "
                f"result_row = v.column5 "
                f"FROM (VALUES {rows}) AS v WHERE {table}.id = v.column1", params)


def _after_results(actor, round_, changed, report, now) -> None:
    by = actor if getattr(actor, "is_authenticated", False) else None
    entries = []
    to_retest, positive_persons = [], []
    positive = changed[TubeResult.POSITIVE]
    for start in range(0, len(positive), CHUNK):
        samples = (Sample.objects.filter(tube_id__in=positive[start:start + CHUNK], void=False)
                   .values_list("person_id", "person__community_id", "tube__code", "tube__pool_size"))
        for person_id, community_id, code, pool in samples:
            (to_retest if pool > 1 else positive_persons).append(person_id)
            if pool > 1:
                report.retest_persons += 1
                text = _("Pool %(tube)s positive in %(round)s: single-tube retest") % {"tube": code, "round": round_}
                kind = "test_retest"
            else:
                report.positive_persons += 1
                text = _("Single-tube result positive in %(round)s (tube %(tube)s)") % {"tube": code, "round": round_}
                kind = "test_positive"
            entries.append(TimelineEntry(community_id=community_id, person_id=person_id, at=now, kind=kind,
                                         text=text[:300], actor=by))
    invalid = changed[TubeResult.INVALID]
    for start in range(0, len(invalid), CHUNK):
        samples = Sample.objects.filter(tube_id__in=invalid[start:start + CHUNK], void=False)
        for person_id, community_id, code in samples.values_list("person_id", "community_id", "tube__code"):
            report.resample_persons += 1
            entries.append(TimelineEntry(
                community_id=community_id, person_id=person_id, at=now, kind="test_resample",
                text=(_("Tube %(tube)s invalid in %(round)s: to be sampled again")
                      % {"tube": code, "round": round_})[:300], actor=by))
        samples.update(void=True)
    TimelineEntry.objects.bulk_create(entries, batch_size=2000)
    _raise_key_persons(actor, round_, changed, to_retest, positive_persons)


def _raise_key_persons(actor, round_, changed, to_retest, positive_persons) -> None:
    """The health capability's side of a result: a positive pool's people become key persons
    awaiting their retest, a positive single tube's person a suspected case awaiting confirmation;
    a negative single-tube retest clears those who were only awaiting it."""
    community = round_.community
    health.set_state_many(actor, community, to_retest, State.POOL_POSITIVE,
                          keep=health.RESULT_KEEPS[State.POOL_POSITIVE],
                          reason=_("Pool positive in %(round)s") % {"round": round_})
    health.set_state_many(actor, community, positive_persons, State.SUSPECTED,
                          keep=health.RESULT_KEEPS[State.SUSPECTED],
                          reason=_("Single-tube result positive in %(round)s") % {"round": round_})
    negative = changed[TubeResult.NEGATIVE]
    if round_.retest_of_id and negative:
        cleared = Sample.objects.filter(tube_id__in=negative, tube__pool_size=1, void=False).values_list(
            "person_id", flat=True)
        health.set_state_many(actor, community, list(cleared), State.CLEARED, only_from={State.POOL_POSITIVE},
                              reason=_("Single-tube retest negative in %(round)s") % {"round": round_})


def held_conflicts(round_: TestRound):
    """Tubes of the round whose file rows disagreed and that no person has decided yet."""
    return (Tube.objects.filter(round_id=round_.pk, correction_reason="").exclude(result_conflict=[])
            .order_by("code"))


@transaction.atomic
def correct_result(actor, round_: TestRound, tube_code: str, result: str, reason: str, *, now=None) -> Tube:
    """A person decides a tube's result: the only way to undo an earlier result (a positive the lab
    withdraws, a conflict between two rows of one file). Needs a reason; audited; carried through
    to everything the result decides:

    - the retest list and the positives follow the tube (they are read from it);
    - a positive or invalid now: the same as if the file had said so (retest list, suspected
      case, samples made void);
    - no longer positive: the tube's people who are "pool positive, awaiting retest" or
      "suspected" only because of it (no other positive tube of theirs) are cleared;
    - no longer invalid: its void samples live again, for people not sampled again since.

    The tube is then closed to files: a later import that says otherwise is refused and reported."""
    require(actor, can.CORRECT_RESULT, round_)
    now = now or timezone.now()
    reason = " ".join(str(reason or "").split())[:300]
    if not reason:
        raise TestingError(_("Say why the result is corrected."), code="reason_required", field="reason")
    word = result_word(result)
    if word is None:
        raise TestingError(_("Unknown result %(value)s") % {"value": result}, code="unknown_result", field="result")
    code = str(tube_code or "").strip().upper()
    tube = Tube.objects.select_for_update().filter(round_id=round_.pk, code=code).first()
    if tube is None:
        raise TestingError(_("Tube %(tube)s is not in this round.") % {"tube": code}, code="unknown_tube",
                           field="tube_code")
    old = tube.result
    if old == word and not tube.result_conflict:
        raise TestingError(_("Tube %(tube)s is already %(result)s.") % {"tube": code, "result": TubeResult(word).label},
                           code="unchanged", field="result")
    if old == TubeResult.INVALID and word != TubeResult.INVALID:
        # Its samples were made void; give them back to the people not sampled again since.
        again = Sample.objects.filter(round_id=round_.pk, void=False).values("person_id")
        tube.samples.filter(void=True).exclude(person_id__in=again).update(void=False)
    tube.result, tube.result_at = word, now
    tube.result_file, tube.result_row = CORRECTION_FILE, None
    tube.result_conflict, tube.correction_reason = [], reason
    tube.save(update_fields=["result", "result_at", "result_file", "result_row", "result_conflict",
                             "correction_reason"])
    core.audit(actor, AuditAction.CHANGE, tube, fields=["result"], changes={"result": [old, word]}, reason=reason)
    changed = {TubeResult.NEGATIVE: [], TubeResult.POSITIVE: [], TubeResult.INVALID: []}
    if word != old:
        changed[word].append(tube.pk)
    _after_results(actor, round_, changed, ImportReport(), now)
    if old == TubeResult.POSITIVE and word != TubeResult.POSITIVE:
        _withdraw_positive(actor, round_, tube, reason, now)
    by = actor if getattr(actor, "is_authenticated", False) else None
    text = (_("Result of tube %(tube)s in %(round)s corrected from %(old)s to %(new)s: %(reason)s")
            % {"tube": code, "round": round_, "old": TubeResult(old).label if old else "-",
               "new": TubeResult(word).label, "reason": reason})[:300]
    TimelineEntry.objects.bulk_create([
        TimelineEntry(community_id=community_id, person_id=person_id, at=now, kind="test_correction", text=text,
                      actor=by)
        for person_id, community_id in tube.samples.filter(void=False).values_list("person_id", "community_id")])
    return tube


def _withdraw_positive(actor, round_, tube, reason, now) -> None:
    """The key-person side of a positive withdrawn: clear those who were only awaiting it."""
    persons = list(tube.samples.filter(void=False).values_list("person_id", flat=True))
    still_positive = set(Sample.objects.filter(person_id__in=persons, void=False, tube__result=TubeResult.POSITIVE)
                         .exclude(tube=tube).values_list("person_id", flat=True))
    persons = [pk for pk in persons if pk not in still_positive]
    state = State.POOL_POSITIVE if tube.pool_size > 1 else State.SUSPECTED
    health.set_state_many(actor, round_.community, persons, State.CLEARED, only_from={state},
                          reason=(_("Result of tube %(tube)s corrected: %(reason)s")
                                  % {"tube": tube.code, "reason": reason})[:300])


# --- lists and coverage ----------------------------------------------------------------------


def _live_sample(round_id):
    return FilteredRelation("test_samples", condition=Q(test_samples__round_id=round_id,
                                                        test_samples__void=False))


def retest_persons(round_: TestRound):
    """单管复核: the persons of the round's positive pools (tubes of a pooled round)."""
    samples = Sample.objects.filter(round_id=round_.pk, void=False, tube__result=TubeResult.POSITIVE,
                                    tube__pool_size__gt=1)
    return Person.objects.filter(pk__in=samples.values("person_id"))


def positive_persons(round_: TestRound):
    samples = Sample.objects.filter(round_id=round_.pk, void=False, tube__result=TubeResult.POSITIVE,
                                    tube__pool_size=1)
    return Person.objects.filter(pk__in=samples.values("person_id"))


def retest_list(round_: TestRound, user):
    """The retest list by building, for the building leaders: (building, [persons])."""
    persons = (retest_persons(round_).visible_to(user).select_related("household__building")
               .order_by("household__building__door_sort", "household__room_sort", "name"))
    return _by_building(persons)


def untested(round_: TestRound, user, building: Building | None = None):
    """Who must be tested and has no live sample yet, by building, with rooms: (building, [persons])."""
    persons = must_test(round_, user).exclude(
        Exists(Sample.objects.filter(round_id=round_.pk, person_id=OuterRef("pk"), void=False)))
    if building is not None:
        persons = persons.filter(household__building=building)
    persons = persons.select_related("household__building").order_by(
        "household__building__door_sort", "household__room_sort", "name", "pk")
    return _by_building(persons)


# 入户采样: who cannot come down to the sampling point.
HOME_SAMPLING_TAGS = ("bedridden", "disability", "elderly_alone")


def home_sampling(round_: TestRound, user):
    """The home-sampling list: bedridden, disabled and elderly-alone persons the round must test
    and has not sampled yet, by building and room: (building, [persons])."""
    from fangkong.core.models import PersonTag

    tagged = PersonTag.objects.filter(person_id=OuterRef("pk"), tag__in=HOME_SAMPLING_TAGS)
    persons = (must_test(round_, user, purpose=SAMPLING).filter(Exists(tagged))
               .exclude(Exists(Sample.objects.filter(round_id=round_.pk, person_id=OuterRef("pk"), void=False)))
               .select_related("household__building").prefetch_related("tags")
               .order_by("household__building__door_sort", "household__room_sort", "name", "pk"))
    return _by_building(persons)


def _by_building(persons):
    groups: dict[int, tuple] = {}
    for person in persons:
        building = person.household.building if person.household_id else None
        key = building.pk if building else 0
        groups.setdefault(key, (building, []))[1].append(person)
    return list(groups.values())


class Tally(operations.Tally):
    FIELDS = ("must", "sampled", "back", "negative", "retest", "positive", "resample")
    DONE, OF = "sampled", "must"

    @property
    def untested(self):
        return self.left


def coverage(round_: TestRound, user) -> operations.Coverage:
    """Must test, sampled, results back, negative, retest, positive, to sample again and untested,
    per building, grid and community. Two statements whatever the size: the persons to test
    left-joined to their live sample and its tube, grouped by building; then the buildings' names
    (``core.operations.roll_up``, which sums grids and the community from the building rows).

    "To sample again" is someone whose sample was made void (invalid tube) and who has no live
    sample yet: they count as untested too."""
    persons = must_test(round_, user, purpose=SAMPLING).annotate(s=_live_sample(round_.pk))
    void = Sample.objects.filter(round_id=round_.pk, person_id=OuterRef("pk"), void=True)
    rows = (persons.values("household__building_id").annotate(
        must=Count("pk"),
        sampled=Count("s__id"),
        back=Count("s__id", filter=~Q(s__tube__result="")),
        negative=Count("s__id", filter=Q(s__tube__result=TubeResult.NEGATIVE)),
        retest=Count("s__id", filter=Q(s__tube__result=TubeResult.POSITIVE, s__tube__pool_size__gt=1)),
        positive=Count("s__id", filter=Q(s__tube__result=TubeResult.POSITIVE, s__tube__pool_size=1)),
        resample=Count("pk", filter=Q(s__id__isnull=True) & Q(Exists(void))),
    ).order_by())
    return operations.roll_up(rows, Tally, key="household__building_id")


# --- a person's status -----------------------------------------------------------------------


@dataclass
class PersonStatus:
    round: TestRound
    state: str  # untested, sampled, negative, retest, positive, resample
    label: str
    at: object = None


STATE_LABELS = {
    "sampled": _("sampled, waiting for the result"), "negative": _("negative"),
    "retest": _("on the single-tube retest list"), "positive": _("POSITIVE (single tube)"),
    "resample": _("to be sampled again"),
}


def person_status(person: Person, limit: int = 3) -> list[PersonStatus]:
    """The person's latest rounds with a sample, newest first (two queries)."""
    samples = (Sample.objects.filter(person=person).select_related("round", "tube")
               .order_by("-at", "-pk")[:limit * 2])
    seen, statuses = set(), []
    for sample in samples:
        if sample.round_id in seen:
            continue
        seen.add(sample.round_id)
        if sample.void:
            state = "resample"
        elif sample.tube.result == TubeResult.NEGATIVE:
            state = "negative"
        elif sample.tube.result == TubeResult.POSITIVE:
            state = "retest" if sample.tube.pool_size > 1 else "positive"
        elif sample.tube.result == TubeResult.INVALID:
            state = "resample"
        else:
            state = "sampled"
        statuses.append(PersonStatus(sample.round, state, str(STATE_LABELS[state]), sample.at))
    return statuses[:limit]


# --- antigen self-tests ----------------------------------------------------------------------


def record_antigen(actor, persons_results: dict, *, date=None, at=None) -> dict:
    """A building leader's screen: {person: result} for one day. A person reported twice the same
    day keeps the last answer; a positive writes the timeline. Returns counts."""
    date = date or timezone.localdate()
    by = actor if getattr(actor, "is_authenticated", False) else None
    counts = {"saved": 0, "positive": 0}
    require_all(actor, can.RECORD_ANTIGEN, persons_results)
    with transaction.atomic():
        existing = {r.person_id: r for r in AntigenReport.objects.filter(
            person__in=list(persons_results), date=date)}
        for person, result in persons_results.items():
            if result not in AntigenResult.values:
                continue
            old = existing.get(person.pk)
            if old and old.result == result:
                continue
            AntigenReport.objects.update_or_create(person=person, date=date, defaults={
                "community_id": person.community_id, "result": result, "by": by, "at": at or timezone.now()})
            counts["saved"] += 1
            if result == AntigenResult.POSITIVE:
                counts["positive"] += 1
                core.add_timeline(person, "antigen_positive", _("Antigen self-test positive on %(date)s")
                                  % {"date": date.isoformat()}, actor=actor)
    return counts


def antigen_positives(user, *, days: int = 2):
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    return (AntigenReport.objects.visible_to(user).filter(result=AntigenResult.POSITIVE, date__gte=since)
            .select_related("person__household__building").order_by("-date", "-at"))
