"""Scanning swabs into tubes (采样扫码): the single scan, the phone's queued batch and other sampling
apps' batches, one set-based engine for all of them. The pages and the API call these functions.

Scanning follows pretix's ``perform_checkin``: ``scan`` returns an ``Answer`` for an accepted swab
and raises ``ScanRefused`` (a ServiceError with a machine code and a message) otherwise. Every
scan carries a client id; a client id seen before answers what it answered the first time and
changes nothing, refusals included (they are kept in ``Refusal``). Two phones scanning the same
person at the same moment leave one sample: the database's unique (round, person) decides and
the loser gets ``already_sampled``.
"""

import datetime as dt
import threading
from dataclasses import dataclass, field, replace

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import services as core
from fangkong.core import sql
from fangkong.core.actions import allowed, require
from fangkong.core.fieldtime import trusted_time
from fangkong.core.models import AuditAction
from fangkong.core.operations import chosen_places
from fangkong.core.scope import SAMPLING, reaches

from . import actions as can
from . import codes
from .models import (
    PersonCode,
    Refusal,
    Sample,
    TestRound,
    Tube,
)
from .services import (
    ScanRefused,
    TestingError,
    local_time,
    must_test,
    place_label,
)

# One scan and a batch (the phone's queue, another sampling app) take the same steps, in
# ``_scan_batch``: a single scan is a batch of one. A batch is decided as sets, so the number of
# statements does not grow with its size: the tubes, locked; the person codes; the round's places
# and the persons this round tests and this user may see (through must_test); the client ids
# seen before, samples and refusals together; then one insert of the new tubes, one of the
# samples, one update of the tube counts and one insert of the refusals, each only if needed.
# The scans are answered one after another in Python, in the order sent, so that a client id or
# a person twice in a batch, or a tube filling up half way, answer as they would one by one.

SCAN_ATTEMPTS = 5  # a race lost on a new tube, then on a person: rarely more than two


@dataclass
class Answer:
    code: str
    message: str
    person: str = ""
    place: str = ""
    tube: str = ""
    n: int = 0
    pool_size: int = 0
    tube_closed: bool = False
    at: str = ""
    repeated: bool = False
    ok: bool = True
    extra: dict = field(default_factory=dict)

    FIELDS = ("code", "message", "person", "place", "tube", "n", "pool_size", "tube_closed", "at", "repeated", "ok")

    def as_dict(self):
        # By hand rather than dataclasses.asdict, which deep-copies: a batch answers thousands.
        return {**{name: getattr(self, name) for name in self.FIELDS}, **self.extra}


@dataclass
class _Scan:
    """One scan as sent, cleaned; ``refused`` when it cannot even be read (then it is not kept)."""

    client_id: str = ""
    tube_code: str = ""
    person_code: str = ""
    person_id: int | None = None  # the manual fallback: the person picked by name
    point: str = ""
    at: dt.datetime | None = None
    refused: ScanRefused | None = None




def scan(round_: TestRound, tube_code: str, person_code: str, client_id: str, user, *, point: str = "",
         at=None) -> Answer:
    """One swab: the person of ``person_code`` into the tube ``tube_code`` (opened by its first
    scan). Returns the accepted Answer or raises ScanRefused with one of: unknown_code,
    revoked_code, out_of_scope, already_sampled, tube_full, tube_other_round, round_closed,
    not_allowed, bad_request."""
    return scan_one(round_, {"tube_code": tube_code, "person_code": person_code, "client_id": client_id,
                             "point": point, "at": at}, user)


def scan_person(round_: TestRound, tube_code: str, person_id: int, client_id: str, user, *, point: str = "",
                at=None) -> Answer:
    """A scan of a person picked by hand (the manual fallback by name): the same rules."""
    return scan_one(round_, {"tube_code": tube_code, "person_id": person_id, "client_id": client_id,
                             "point": point, "at": at}, user)


def scan_many(round_: TestRound, scans, user) -> list[dict]:
    """A batch (the phone's offline queue, another sampling app): one answer per scan, in order,
    each with the client id it was sent with.

    A role that may not scan in this round is refused once, for the whole batch, before anything
    is read or written (NotAllowed: the API's 403 not_allowed): kept per scan, one request of a
    read-only role would add thousands of refusal rows."""
    require(user, can.SCAN, round_)
    answers = []
    for item, result in zip(scans, _scan_batch(round_, scans, user), strict=True):
        data = result.as_dict()
        data["client_id"] = item.get("client_id", "") if isinstance(item, dict) else ""
        answers.append(data)
    return answers


def scan_one(round_: TestRound, item, user) -> Answer:
    """One scan as sent (tube_code, person_code or person_id, client_id, point, at), read as each
    scan of a batch is: the accepted Answer, or ScanRefused raised."""
    result = _scan_batch(round_, [item], user)[0]
    if isinstance(result, ScanRefused):
        raise result
    return result


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value).strip()
    raise TypeError(type(value).__name__)


def _read(item, now) -> _Scan:
    try:
        client_id = _text(item.get("client_id"))[:64]
        person_code = _text(item.get("person_code"))
        person_id = item.get("person_id")
        scan = _Scan(client_id=client_id, tube_code=_text(item.get("tube_code")).upper()[:40],
                     person_code=person_code, person_id=int(person_id) if person_id and not person_code else None,
                     point=_text(item.get("point"))[:100], at=trusted_time(item.get("at"), now))
    except (AttributeError, TypeError, ValueError):
        return _Scan(refused=ScanRefused(_("This scan could not be read."), "bad_request"))
    if not client_id:
        scan.refused = ScanRefused(_("The scan has no client id."), "bad_request")
    return scan


def _scan_batch(round_: TestRound, items, user) -> list:
    """The answer to each scan, in order: an Answer, or a ScanRefused (returned, not raised)."""
    now = timezone.now()
    scans = [_read(item, now) for item in items]
    # A single scan is seldom of someone sampled already, so it does not read the persons' live
    # samples: the unique (round, person) refuses the insert if so, and the scan is decided
    # again with them. A batch (an offline queue) often holds one, and a conflict would redo it.
    live = len(scans) > 1
    for attempt in range(SCAN_ATTEMPTS):
        try:
            with transaction.atomic():
                return _decide(round_, scans, user, now, live=live)
        except IntegrityError:
            # Another phone's scan, committed after our reads, took a client id, a person's one
            # live sample or a new tube's code (or the person was sampled before, unread): the
            # next attempt reads it and answers accordingly (the same answer for the same client
            # id, already_sampled, the tube as it now is).
            live = True
            if attempt == SCAN_ATTEMPTS - 1:
                raise
        except OperationalError as error:
            # Two batches locking the same tubes or persons in another order (writes are sorted,
            # so this should not happen): PostgreSQL picked this one to undo; decide it again.
            if getattr(error.__cause__, "sqlstate", None) != "40P01" or attempt == SCAN_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _decide(round_: TestRound, scans: list[_Scan], user, now, *, live: bool) -> list:
    results: list = [scan.refused for scan in scans]
    kept: list[int] = []  # refusals decided here: kept by client id, so a resend gets them again

    def refuse(i, message, code, details=None):
        results[i] = ScanRefused(message, code, details)
        kept.append(i)

    readable = [i for i, result in enumerate(results) if result is None]
    # Step 1: the reads, in this order. The tubes first, locked, so that whatever is read after
    # sees what another phone committed into them. Then the codes and the persons this round
    # tests and this user may see, with their live sample. The client ids seen before last: a
    # sample that the same scan sent from another phone commits while we read is then seen as
    # that scan's (an answer repeated), never as someone else's (already sampled). Nothing is
    # read that no answer needs (a closed round, a role that does not scan).
    is_open = round_.is_open
    # The role is the declared action's (testing.scan); refused, it is an answer of the batch
    # like any other (not_allowed), kept by client id, not an exception for the whole batch.
    may_scan = is_open and allowed(user, can.SCAN, round_)
    candidates = [i for i in readable if scans[i].tube_code] if is_open else []
    tubes = _lock_tubes(round_, {scans[i].tube_code for i in candidates}) if may_scan else {}
    parsed = {i: codes.parse(scans[i].person_code) for i in candidates if scans[i].person_id is None}
    keys = {code.key for code in parsed.values() if code is not None}
    known = _known_codes(keys)
    person_of: dict[int, int] = {}
    for i in candidates:
        if scans[i].person_id is not None:
            person_of[i] = scans[i].person_id
        elif (code := parsed[i]) is not None and code.key in known and known[code.key][1] == code.version:
            person_of[i] = known[code.key][0]
    persons = _persons_to_test(round_, user, set(person_of.values()), live=live) if may_scan and person_of else {}
    earlier = _earlier_answers(round_, {scans[i].client_id for i in readable})
    # Step 2: each scan in order, as the single scan answers. A client id seen before answers
    # what it answered the first time and changes nothing: seen in the database, or earlier in
    # this batch (copied once that one is decided). Then the round, the tube code, the person
    # code (altered or made up: unknown; signed but an older version: revoked), the role, the
    # person (someone this round tests and this user may see).
    first: dict[str, int] = {}
    copies = []
    todo = []
    for i in readable:
        scan = scans[i]
        if scan.client_id in earlier:
            results[i] = earlier[scan.client_id]
            continue
        if scan.client_id in first:
            copies.append((i, first[scan.client_id]))
            continue
        first[scan.client_id] = i
        code = parsed.get(i)
        if not is_open:
            refuse(i, _("This round is closed."), "round_closed")
        elif not scan.tube_code:
            refuse(i, _("Scan the tube first."), "bad_request")
        elif scan.person_id is None and code is None:
            refuse(i, _("This code is not a Fangkong person code, or it was altered."), "unknown_code")
        elif scan.person_id is None and code.key not in known:
            refuse(i, _("This person code is not known."), "unknown_code")
        elif scan.person_id is None and code.version != known[code.key][1]:
            refuse(i, _("This person code was revoked: print or open a new one."), "revoked_code")
        elif not may_scan:
            refuse(i, _("Your role does not scan swabs."), "not_allowed")
        elif person_of[i] not in persons:
            refuse(i, _("This person is not to be tested in this round (or not in your area)."), "out_of_scope")
        else:
            todo.append(i)
    # Step 3: the tube and the swab, one scan after another. A new tube is opened by its first
    # accepted scan; the tube rows are locked, so counts written here are never overtaken.
    by = user if getattr(user, "is_authenticated", False) else None
    sampled = {pk: person.earlier for pk, person in persons.items() if person.earlier}
    new_tubes: dict[str, Tube] = {}
    changed: dict[str, Tube] = {}
    samples = []
    local: dict = {}  # the local time of each scan time: most scans of a batch share one
    sampled_message = _("Sampled.")
    for i in todo:
        scan, person_id = scans[i], person_of[i]
        tube = tubes.get(scan.tube_code)
        if tube is None:
            tube = tubes[scan.tube_code] = new_tubes[scan.tube_code] = Tube(
                community_id=round_.community_id, round_id=round_.pk, code=scan.tube_code,
                pool_size=round_.pool_size, n=0, point=scan.point, opened_at=now, opened_by=by)
        if tube.round_id != round_.pk:
            refuse(i, _("Tube %(tube)s belongs to another round.") % {"tube": tube.code}, "tube_other_round",
                   {"tube": tube.code})
        elif tube.closed_at is not None or tube.n >= tube.pool_size:
            refuse(i, _("Tube %(tube)s is full or closed: scan a new tube.") % {"tube": tube.code}, "tube_full",
                   {"tube": tube.code, "n": tube.n, "pool_size": tube.pool_size})
        elif person_id in sampled:
            where = sampled[person_id]
            refuse(i, _("Already sampled in this round: tube %(tube)s, %(point)s %(at)s.") % where,
                   "already_sampled", dict(where))
        else:
            if tube.n == 0 and scan.tube_code in new_tubes:
                tube.point = scan.point  # the point of the scan that opens it
            tube.n += 1
            if tube.n >= tube.pool_size:
                tube.closed_at = now
            changed[tube.code] = tube
            at = local.get(scan.at) or local.setdefault(scan.at, local_time(scan.at))
            sampled[person_id] = {"tube": tube.code, "point": tube.point, "at": at}
            samples.append((person_id, scan.client_id, scan.at, tube))
            person = persons[person_id]
            results[i] = Answer("accepted", sampled_message, person=person.name, place=person.place, tube=tube.code,
                                n=tube.n, pool_size=tube.pool_size, tube_closed=tube.closed_at is not None, at=at)
    # Step 4: the writes, each one statement for the whole batch, in a fixed order (codes,
    # persons) so that two batches never wait on each other in a circle. A tube opened at this
    # moment by another phone, or a person it sampled, fails an insert: decided again.
    opened = sorted((tube for tube in new_tubes.values() if tube.n), key=lambda tube: tube.code)
    if opened:
        Tube.objects.bulk_create(opened)
    if samples:
        _insert_samples(round_, sorted(samples, key=lambda sample: sample[0]), by)
    counted = sorted((tube for code, tube in changed.items() if code not in new_tubes), key=lambda t: t.code)
    if counted:
        _count_tubes(counted)
    if kept:
        Refusal.objects.bulk_create([
            Refusal(round_id=round_.pk, client_id=scans[i].client_id, code=results[i].code,
                    message=results[i].message[:300], at=now) for i in kept], ignore_conflicts=True)
    for i, j in copies:
        results[i] = _again(results[j])
    return results


def _again(result):
    """The answer to a client id sent again: the first answer, marked as repeated."""
    if isinstance(result, ScanRefused):
        return ScanRefused(result.message, result.code, {"repeated": True})
    return replace(result, repeated=True)


SAMPLE_COLUMNS = ("community_id", "round_id", "tube_id", "person_id", "client_id", "scanned_by_id", "at", "void")


def _insert_samples(round_, samples, by) -> None:
    """The accepted swabs ((person id, client id, time, tube) each) in one statement (a COPY on
    PostgreSQL for many: core.sql.insert_rows). A unique conflict raises IntegrityError, so the
    batch is decided again."""
    adapt = connection.ops.adapt_datetimefield_value
    sql.insert_rows(Sample, SAMPLE_COLUMNS, [
        (round_.community_id, round_.pk, tube.pk, person_id, client_id, by.pk if by else None, adapt(at), False)
        for person_id, client_id, at, tube in samples])


# The lookups of a scan by their own keys (tubes, client ids, person codes, a round's places) are
# plain SQL: a single scan is a dozen statements, and building, compiling and binding each
# through the ORM cost the server more CPU than PostgreSQL spends answering it. None of them
# returns personal data or needs scope; whom a user may scan is decided by must_test, through
# visible_to, as everywhere else.




def _lock_tubes(round_, tube_codes) -> dict[str, Tube]:
    """The batch's tubes that exist, locked (in code order: two batches lock in the same order)."""
    if not tube_codes:
        return {}
    in_codes, params = sql.in_list("code", sorted(tube_codes))
    statement = (f"SELECT id, code, round_id, n, pool_size, point, closed_at FROM {sql.table(Tube)}"
                 f" WHERE community_id = %s AND {in_codes} ORDER BY code")
    if connection.features.has_select_for_update:
        statement += " FOR UPDATE"
    # closed_at is only ever compared with None here (SQLite returns it as text).
    found = sql.rows(statement, [round_.community_id, *params])
    return {code: Tube(pk=pk, code=code, round_id=round_id, n=n, pool_size=pool_size, point=point,
                       closed_at=closed_at)
            for pk, code, round_id, n, pool_size, point, closed_at in found}


def _count_tubes(tubes) -> None:
    """The new counts of tubes this batch swabbed into (locked by _lock_tubes), one statement."""
    sql.execute_many(f"UPDATE {sql.table(Tube)} SET n = %s, closed_at = %s WHERE id = %s", [
        (tube.n, connection.ops.adapt_datetimefield_value(tube.closed_at), tube.pk) for tube in tubes])


def _known_codes(keys) -> dict[str, tuple[int, int]]:
    """{key: (person id, version)} of the person codes with these keys."""
    if not keys:
        return {}
    in_keys, params = sql.in_list('"key"', keys)
    rows = sql.rows(f'SELECT "key", person_id, version FROM {sql.table(PersonCode)} WHERE {in_keys}', params)
    return {key: (person_id, version) for key, person_id, version in rows}


def _earlier_answers(round_, client_ids) -> dict:
    """What each client id seen before was answered the first time: one statement over samples
    and refusals; a second only for client ids that were accepted (their tube and person)."""
    if not client_ids:
        return {}
    in_ids, params = sql.in_list("client_id", client_ids)
    rows = sql.rows(f"SELECT client_id, '', '' FROM {sql.table(Sample)} WHERE round_id = %s AND {in_ids}"
                    f" UNION ALL SELECT client_id, code, message FROM {sql.table(Refusal)}"
                    f" WHERE round_id = %s AND {in_ids}",
                    [round_.pk, *params, round_.pk, *params])
    answers, sampled = {}, []
    for client_id, code, message in rows:
        if code:
            answers.setdefault(client_id, ScanRefused(message, code, {"repeated": True}))
        else:
            sampled.append(client_id)
    if sampled:
        rows = (Sample.objects.filter(round_id=round_.pk, client_id__in=sampled)
                .values_list("client_id", "at", "person__name", "person__household__building__door_number",
                             "person__household__room", "tube__code", "tube__n", "tube__pool_size",
                             "tube__closed_at"))
        for client_id, at, name, door, room, tube, n, pool_size, closed_at in rows:
            # A sample wins over a refusal of the same client id (two phones racing, long ago).
            answers[client_id] = Answer("accepted", _("Sampled."), person=name, place=place_label((door, room)),
                                        tube=tube, n=n, pool_size=pool_size, tube_closed=closed_at is not None,
                                        at=local_time(at), repeated=True)
    return answers


@dataclass
class _ToTest:
    name: str
    place: str
    earlier: dict | None  # tube, point and time of the person's live sample in the round


def _persons_to_test(round_, user, person_ids, *, live: bool = True) -> dict[int, _ToTest]:
    """Those of ``person_ids`` the round tests and the user may see (must_test, so the same
    rules and the same scope), with their live sample in the round if ``live``: one statement,
    after one for the round's places (a retest round has none to read)."""
    places = None if round_.retest_of_id else chosen_places(round_)
    ids = sorted(person_ids)
    found = {}
    for pk, name, door, room, *sample in _persons_query(round_, user, places, len(ids), live).run(ids):
        at, tube, point = sample or (None, None, None)
        found[pk] = _ToTest(name, place_label((door, room)),
                            {"tube": tube, "point": point, "at": local_time(at)} if tube is not None else None)
    return found


# A single scan builds the same query of must_test every time: the same round, the same user,
# one person id. Building and compiling it through the ORM is the largest part of a scan's own
# CPU, so each database connection keeps the compiled statement (core.sql.SlotQuery) and only
# puts the person ids in. It is still must_test's query, with its scope.
#
# The key is derived, not listed: the round is handed to must_test through _Reads, which records
# every field must_test reads and its value, and a kept query is used again only while all of
# them still hold. A rule that reads one more field of the round is keyed on it without anyone
# remembering to. What the user side reads (who they are, their reach) is database state, not
# fields, so it is in the key as the scope sees it: ``reaches(user)``; and so is must_test itself,
# the rule the query was compiled under.
_compiled = threading.local()
COMPILED_KEPT = 64


class _Reads:
    """The round, for must_test, remembering which of its fields were read and their values."""

    def __init__(self, round_):
        self._round = round_
        self._read = {}

    def __getattr__(self, name):
        value = getattr(self._round, name)
        self._read[name] = value
        return value


def _still_holds(read: dict, round_) -> bool:
    return all(getattr(round_, name) == value for name, value in read.items())


def _persons_query(round_, user, places, count: int, live: bool) -> sql.SlotQuery:
    key = (must_test, connection.alias, round_.pk, places, getattr(user, "pk", None),
           getattr(user, "is_superuser", False), tuple(reaches(user)), count, live)
    kept = _compiled.__dict__.setdefault("persons", {})
    found = kept.pop(key, None)  # put back last: the most recently used
    if found is not None and _still_holds(found[1], round_):
        kept[key] = found
        return found[0]
    seen = _Reads(round_)

    def build(slots):
        persons = must_test(seen, user, places=places, purpose=SAMPLING).filter(pk__in=slots).order_by()
        columns = ["pk", "name", "household__building__door_number", "household__room"]
        if live:
            persons = persons.annotate(live=FilteredRelation(
                "test_samples", condition=Q(test_samples__round_id=round_.pk, test_samples__void=False)))
            columns += ["live__at", "live__tube__code", "live__tube__point"]
        return persons.values_list(*columns)

    query = sql.SlotQuery(build, count)
    kept[key] = (query, seen._read)
    while len(kept) > COMPILED_KEPT:
        kept.pop(next(iter(kept)))
    return query


def close_tube(actor, round_: TestRound, tube_code: str) -> Tube:
    """Close a tube by hand (fewer people left than the pool size), in an open round. Closing
    twice is harmless: the second changes nothing and writes no audit entry."""
    require(actor, can.CLOSE_TUBE, round_)
    if not round_.is_open:
        raise TestingError(_("This round is closed."), code="round_closed")
    with transaction.atomic():
        tube = Tube.objects.select_for_update().filter(round=round_, code=(tube_code or "").strip().upper()).first()
        if tube is None:
            raise TestingError(_("No such tube in this round."), code="unknown_tube")
        if tube.closed_at is None:
            tube.closed_at = timezone.now()
            tube.save(update_fields=["closed_at"])
            core.audit(actor, AuditAction.CHANGE, tube, community=round_.community, fields=["closed_at"],
                       changes={"closed_at": ["", timezone.localtime(tube.closed_at).isoformat(timespec="minutes")],
                                "n": ["", str(tube.n)]})
    return tube


def find_persons(round_: TestRound, user, query: str, limit: int = 20):
    """The manual fallback: name, pinyin initials, last 4 of ID or phone, door-room."""
    query = (query or "").strip()
    if not query:
        return []
    return list(must_test(round_, user, purpose=SAMPLING).search(query).select_related("household__building")
                .annotate(sampled=Exists(Sample.objects.filter(round=round_, person_id=OuterRef("pk"), void=False)))
                .order_by("name", "pk")[:limit])
