"""The daily figures of a command post: one service for a community, its grids and a district.

``daily_figures(user, day, communities)`` answers, for every community the user sees and every
grid of it they see, the counts the 4 p.m. meeting reports. It is set-based: each figure group is
one or two GROUP BY queries over all the communities asked about at once, grouped by community
and grid (never a query per grid or building), so the number of queries does not grow with the
buildings, the grids or, but for the latest round of each kind, the communities
(benchmarks/dashboard_figures.py).

Rows that have no grid (a person without a household) count in their community's total but in
no grid. A user bound to some grids (a grid leader) gets those grids only, and "their community"
is the sum over them: they never see a count from a grid they do not reach.

A figure whose app is not installed is not computed and not shown (the supplies app offers
``fangkong.supplies.services.figures(community, day)``; the staff app's tasks are read directly).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import Community, Grid, Household, HouseholdStatus, Person, Role
from fangkong.core.scope import reaches

# Who sees the figures: the command post, grid staff (their grids) and the district.
VIEWING_ROLES = {Role.COMMAND_POST, Role.GRID_LEADER, Role.GRID_WORKER, Role.DISTRICT_VIEWER}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    group: str
    # The list behind the figure: a URL name and how to fill it from the round ids of the
    # community (a testing figure opens the round's list).
    url: str
    round_kind: str = ""
    query: str = ""


GROUPS = {
    "people": _("Residents and households"),
    "screening": _("Screening round"),
    "key": _("Key persons"),
    "control": _("Quarantine and seals"),
    "testing": _("Testing round"),
    "staff": _("Tasks"),
    "supplies": _("Supplies"),
}

FIGURES = [
    Figure("persons", _("Residents"), "people", "person_list"),
    Figure("persons_present", _("Residents present"), "people", "person_list"),
    Figure("persons_away", _("Residents away"), "people", "person_list"),
    Figure("households", _("Households (all)"), "people", "building_list"),
    Figure("households_present", _("Households present"), "people", "building_list"),
    Figure("households_away", _("Households away"), "people", "building_list"),
    Figure("households_vacant", _("Households vacant"), "people", "building_list"),
    Figure("screened", _("Households accounted for"), "screening", "round_coverage", "screening"),
    Figure("screen_pending", _("Households not yet accounted for"), "screening", "round_revisits", "screening"),
    Figure("key_persons", _("Key persons"), "key", "keyperson_list"),
    Figure("key_new", _("Key persons new today"), "key", "keyperson_list"),
    Figure("key_red", _("Red"), "key", "keyperson_list", query="colour=red"),
    Figure("key_orange", _("Orange"), "key", "keyperson_list", query="colour=orange"),
    Figure("key_yellow", _("Yellow"), "key", "keyperson_list", query="colour=yellow"),
    Figure("confirmed", _("Confirmed"), "key", "keyperson_list", query="state=confirmed"),
    Figure("suspected", _("Suspected"), "key", "keyperson_list", query="state=suspected"),
    Figure("close_contacts", _("Close contacts"), "key", "keyperson_list", query="state=close_contact"),
    Figure("fevers", _("Fevers"), "key", "keyperson_list", query="state=fever"),
    Figure("central", _("In central quarantine"), "control", "site_list"),
    Figure("home", _("In home quarantine"), "control", "seal_list"),
    Figure("sealed", _("Households sealed"), "control", "seal_list"),
    Figure("seals_broken", _("Seals broken today"), "control", "seal_list"),
    Figure("releases_today", _("Releases due today"), "control", "ending_list"),
    Figure("releases_tomorrow", _("Releases due tomorrow"), "control", "ending_list", query="day=tomorrow"),
    Figure("reports_missing", _("Daily reports missing"), "control", "report_building"),
    Figure("to_test", _("To be tested"), "testing", "testround_coverage", "testing"),
    Figure("sampled", _("Sampled"), "testing", "testround_coverage", "testing"),
    Figure("results_back", _("Results back"), "testing", "testround_results", "testing"),
    Figure("untested", _("Untested"), "testing", "testround_untested", "testing"),
    Figure("retest", _("To retest"), "testing", "testround_retests", "testing"),
    Figure("positives", _("Positives"), "testing", "testround_results", "testing"),
    Figure("tasks_open", _("Tasks open"), "staff", "task_list"),
    Figure("tasks_overdue", _("Tasks overdue"), "staff", "task_list"),
]
BY_KEY = {figure.key: figure for figure in FIGURES}
# Figures that are a ratio of two others: shown as a percentage next to the count.
COVERAGE = {"screened": "households", "sampled": "to_test"}


def places_seen(user, communities=None) -> dict[int, frozenset | None]:
    """The communities the user sees figures of, each with the grids they see (None: all).
    ``user`` None is the system (the scheduled briefing): every community asked for, whole."""
    if user is None or getattr(user, "is_superuser", False):
        # None: the scheduler issuing a briefing, which reads the whole community.
        rows = Community.objects.all() if communities is None else communities
        return {c.pk if isinstance(c, Community) else int(c): None for c in rows}
    wanted = None if communities is None else {c.pk if isinstance(c, Community) else int(c) for c in communities}
    seen: dict[int, set | None] = {}
    building_grids = None
    for reach in reaches(user):
        if reach.role not in VIEWING_ROLES or (wanted is not None and reach.community_id not in wanted):
            continue
        if reach.whole_community:
            seen[reach.community_id] = None
            continue
        if reach.community_id in seen and seen[reach.community_id] is None:
            continue
        grids = set(reach.grid_ids)
        if reach.building_ids:
            if building_grids is None:
                from fangkong.core.models import Building
                building_grids = dict(Building.objects.filter(pk__in={b for r in reaches(user) for b in r.building_ids})
                                      .values_list("pk", "grid_id"))
            grids |= {building_grids[b] for b in reach.building_ids if b in building_grids}
        seen.setdefault(reach.community_id, set())
        seen[reach.community_id] |= grids
    return {cid: (None if grids is None else frozenset(grids)) for cid, grids in seen.items()}


@dataclass
class Figures:
    day: dt.date
    keys: list  # the figure keys shown, in order (those of installed apps)
    communities: dict  # community id -> {"name", "figures": {key: n}, "rounds": {kind: id}}
    grids: dict  # grid id -> {"community", "number", "name", "figures"}
    total: dict  # over all the communities: {key: n}

    def grids_of(self, community_id):
        return [g for g in self.grids.values() if g["community"] == community_id]

    def as_json(self) -> dict:
        """Plain values for a briefing (stored when issued) and the dashboard's JSON."""
        return {"day": self.day.isoformat(), "keys": self.keys, "total": self.total,
                "communities": {str(k): v for k, v in self.communities.items()},
                "grids": {str(k): v for k, v in self.grids.items()}}


def _latest_rounds(model, community_ids, day, open_only=False) -> dict[int, int]:
    """The latest round of each community, in one query."""
    if model.__name__ == "TestRound":
        rows = model.objects.filter(community_id__in=community_ids, date__lte=day).order_by(
            "community_id", "-date", "-pk")
    else:
        rows = model.objects.filter(community_id__in=community_ids, starts_at__date__lte=day).order_by(
            "community_id", "-starts_at", "-pk")
    if open_only:
        rows = rows.filter(closed_at__isnull=True)
    latest: dict[int, int] = {}
    for community_id, pk in rows.values_list("community_id", "pk"):
        latest.setdefault(community_id, pk)
    return latest


def rounds_of(community_id: int, day) -> dict:
    """The rounds a community's figures are of on ``day``: the open screening round, the latest testing round."""
    return {"screening": _latest_rounds(apps.get_model("registry", "ScreeningRound"), [community_id], day,
                                        open_only=True).get(community_id),
            "testing": _latest_rounds(apps.get_model("testing", "TestRound"), [community_id], day).get(community_id)}


def _add(counts, rows, key_of):
    """Add grouped rows (dicts with community_id, grid_key and the counts) into counts[(community, grid)]."""
    for row in rows:
        for key, n in key_of(row):
            if key and n:
                counts[(row["community_id"], row["grid_key"])][key] += n


def _grid(path: str):
    from django.db.models import F
    return F(path)


def _people(counts, cids, day):
    rows = (Household.objects.filter(community_id__in=cids).values("community_id", grid_key=_grid("building__grid_id"))
            .annotate(households=Count("pk"),
                      present=Count("pk", filter=Q(status=HouseholdStatus.OCCUPIED)),
                      away=Count("pk", filter=Q(status=HouseholdStatus.AWAY)),
                      vacant=Count("pk", filter=Q(status=HouseholdStatus.VACANT))).order_by())
    _add(counts, rows, lambda r: [("households", r["households"]), ("households_present", r["present"]),
                                  ("households_away", r["away"]), ("households_vacant", r["vacant"])])
    rows = (Person.objects.filter(community_id__in=cids)
            .values("community_id", grid_key=_grid("household__building__grid_id"))
            .annotate(persons=Count("pk"),
                      present=Count("pk", filter=Q(household__status=HouseholdStatus.OCCUPIED)),
                      away=Count("pk", filter=Q(household__status=HouseholdStatus.AWAY))).order_by())
    _add(counts, rows, lambda r: [("persons", r["persons"]), ("persons_present", r["present"]),
                                  ("persons_away", r["away"])])


def _screening(counts, cids, day, rounds):
    from fangkong.registry.models import Outcome, Visit

    round_ids = list(rounds.values())
    if not round_ids:
        return
    # A household is accounted for when its latest visit found someone or found it vacant; one
    # nobody opened to (or that refused) is still to be done.
    rows = (Visit.objects.filter(round_id__in=round_ids, is_latest=True)
            .values("community_id", grid_key=_grid("household__building__grid_id"))
            .annotate(done=Count("household", distinct=True,
                                 filter=Q(outcome__in=[Outcome.FOUND, Outcome.VACANT]))).order_by())
    _add(counts, rows, lambda r: [("screened", r["done"])])


def _key_persons(counts, cids, day):
    from fangkong.health.models import Colour, KeyPerson, State

    rows = (KeyPerson.objects.filter(community_id__in=cids).exclude(state=State.CLEARED)
            .values("community_id", grid_key=_grid("person__household__building__grid_id"))
            .annotate(total=Count("pk"), new=Count("pk", filter=Q(since=day)),
                      red=Count("pk", filter=Q(colour=Colour.RED)),
                      orange=Count("pk", filter=Q(colour=Colour.ORANGE)),
                      yellow=Count("pk", filter=Q(colour=Colour.YELLOW)),
                      confirmed=Count("pk", filter=Q(state=State.CONFIRMED)),
                      suspected=Count("pk", filter=Q(state=State.SUSPECTED)),
                      contacts=Count("pk", filter=Q(state=State.CLOSE_CONTACT)),
                      fevers=Count("pk", filter=Q(state=State.FEVER))).order_by())
    _add(counts, rows, lambda r: [("key_persons", r["total"]), ("key_new", r["new"]), ("key_red", r["red"]),
                                  ("key_orange", r["orange"]), ("key_yellow", r["yellow"]),
                                  ("confirmed", r["confirmed"]), ("suspected", r["suspected"]),
                                  ("close_contacts", r["contacts"]), ("fevers", r["fevers"])])


def _control(counts, cids, day):
    from fangkong.health.models import HealthReport, Measure, MeasureKind, Seal, SealCheck, SealResult

    grid = "person__household__building__grid_id"
    # Only the two kinds counted here: monitoring and report-and-test measures are the many.
    active = (Measure.objects.filter(community_id__in=cids, kind__in=[MeasureKind.CENTRAL, MeasureKind.HOME])
              .active_on(day))
    rows = (active.values("community_id", grid_key=_grid(grid))
            .annotate(central=Count("person", distinct=True, filter=Q(kind=MeasureKind.CENTRAL)),
                      home=Count("person", distinct=True, filter=Q(kind=MeasureKind.HOME))).order_by())
    _add(counts, rows, lambda r: [("central", r["central"]), ("home", r["home"])])
    tomorrow = day + dt.timedelta(days=1)
    rows = (Measure.objects.filter(community_id__in=cids, cancelled=False, end__in=[day, tomorrow],
                                   kind__in=[MeasureKind.CENTRAL, MeasureKind.HOME])
            .values("community_id", grid_key=_grid(grid))
            .annotate(today=Count("person", distinct=True, filter=Q(end=day)),
                      tomorrow=Count("person", distinct=True, filter=Q(end=tomorrow))).order_by())
    _add(counts, rows, lambda r: [("releases_today", r["today"]), ("releases_tomorrow", r["tomorrow"])])
    rows = (Seal.objects.filter(community_id__in=cids, sealed_on__lte=day)
            .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=day))
            .values("community_id", grid_key=_grid("household__building__grid_id"))
            .annotate(sealed=Count("household", distinct=True),
                      broken=Count("household", distinct=True,
                                   filter=Q(Exists(SealCheck.objects.filter(seal=OuterRef("pk"), on=day,
                                                                            result=SealResult.BROKEN)))))
            .order_by())
    _add(counts, rows, lambda r: [("sealed", r["sealed"]), ("seals_broken", r["broken"])])
    # The health app's rule (health.services.missing_reports): everyone under a measure today
    # reports daily; counted by grid rather than listed by building.
    rows = (Person.objects.filter(community_id__in=cids)
            .filter(Exists(Measure.objects.filter(person=OuterRef("pk")).active_on(day)))
            .filter(~Exists(HealthReport.objects.filter(person=OuterRef("pk"), on=day)))
            .values("community_id", grid_key=_grid("household__building__grid_id")).annotate(n=Count("pk")).order_by())
    _add(counts, rows, lambda r: [("reports_missing", r["n"])])


def _testing(counts, cids, day, rounds):
    from fangkong.testing.models import Sample, TestRound
    from fangkong.testing.services import must_test, positive_persons, retest_persons

    # One set of queries per community with a round (a round has its own places, exemptions and
    # age limit): for a district this grows with the communities, never with their buildings.
    loaded = TestRound.objects.in_bulk(list(rounds.values()))
    for round_id in rounds.values():
        round_ = loaded[round_id]
        live = Sample.objects.filter(round_id=round_id, person_id=OuterRef("pk"), void=False)
        rows = (must_test(round_).order_by().values("community_id", grid_key=_grid("household__building__grid_id"))
                .annotate(total=Count("pk"), sampled=Count("pk", filter=Q(Exists(live))),
                          back=Count("pk", filter=Q(Exists(live.exclude(tube__result=""))))))
        _add(counts, rows, lambda r: [("to_test", r["total"]), ("sampled", r["sampled"]),
                                      ("untested", r["total"] - r["sampled"]), ("results_back", r["back"])])
        for key, persons in (("retest", retest_persons(round_)), ("positives", positive_persons(round_))):
            rows = (persons.order_by().values("community_id", grid_key=_grid("household__building__grid_id"))
                    .annotate(n=Count("pk")))
            _add(counts, rows, lambda r, key=key: [(key, r["n"])])


def _tasks(counts, cids, day):
    from django.db.models.functions import Coalesce

    from fangkong.staff.models import Task, TaskStatus

    rows = (Task.objects.filter(community_id__in=cids, status=TaskStatus.OPEN)
            .values("community_id", grid_key=Coalesce("grid_id", "building__grid_id"))
            .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=day))).order_by())
    _add(counts, rows, lambda r: [("tasks_open", r["open"]), ("tasks_overdue", r["overdue"])])


def _supplies(counts, cids, day, keys):
    """The supplies app's figures: ``figures(community, day)`` answers {key: n} for the community,
    optionally with "grids": {grid id: {key: n}}; its keys are shown after ours."""
    from importlib import import_module

    figures = import_module("fangkong.supplies.services").figures
    for community in Community.objects.filter(pk__in=cids):
        answer = dict(figures(community, day) or {})
        grids = answer.pop("grids", None) or {}
        in_grids = defaultdict(int)
        for grid_id, values in grids.items():
            for key, n in values.items():
                counts[(community.pk, int(grid_id))][key] += int(n or 0)
                in_grids[key] += int(n or 0)
        for key, n in answer.items():
            if isinstance(n, int | float):
                counts[(community.pk, None)][key] += int(n) - in_grids[key]
                if key not in keys:
                    keys.append(key)


def installed_figures() -> list[str]:
    keys = [f.key for f in FIGURES if f.group != "staff"]
    if apps.is_installed("fangkong.staff"):
        keys += [f.key for f in FIGURES if f.group == "staff"]
    return keys


def compute(day: dt.date, cids) -> dict[int, dict]:
    """Count every figure of the communities (whole, whatever any user sees) on ``day``, set-based
    over all of them at once, and keep the result in FiguresCache (one query for all).

    Answers {community id: {"keys", "rounds", "total", "grids": {grid id: {key: n}},
    "computed_at"}}: "total" includes the rows in no grid (a person without a household)."""
    from django.utils import timezone

    from .models import FiguresCache

    started = timezone.now()
    cids = sorted(cids)
    if not cids:
        return {}
    keys = installed_figures()
    counts: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    screening = _latest_rounds(apps.get_model("registry", "ScreeningRound"), cids, day, open_only=True)
    testing = _latest_rounds(apps.get_model("testing", "TestRound"), cids, day)
    _people(counts, cids, day)
    _screening(counts, cids, day, screening)
    _key_persons(counts, cids, day)
    _control(counts, cids, day)
    _testing(counts, cids, day, testing)
    if apps.is_installed("fangkong.staff"):
        _tasks(counts, cids, day)
    if apps.is_installed("fangkong.supplies"):
        _supplies(counts, cids, day, keys)
    data = {cid: {"keys": keys, "rounds": {"screening": screening.get(cid), "testing": testing.get(cid)},
                  "total": dict.fromkeys(keys, 0), "grids": {}} for cid in cids}
    for gid, cid in Grid.objects.filter(community_id__in=cids).values_list("pk", "community_id"):
        data[cid]["grids"][gid] = dict.fromkeys(keys, 0)
    for (cid, grid_id), values in counts.items():
        grid = data[cid]["grids"].get(grid_id)
        for key, n in values.items():
            if grid is not None:
                grid[key] = grid.get(key, 0) + n
            data[cid]["total"][key] = data[cid]["total"].get(key, 0) + n
    # Screening still to do: households not yet accounted for (when a round is open).
    for one in data.values():
        has_round = bool(one["rounds"]["screening"])
        for values in [one["total"], *one["grids"].values()]:
            values["screen_pending"] = max(values["households"] - values["screened"], 0) if has_round else 0
    now = timezone.now()
    took = int((now - started).total_seconds() * 1000)
    FiguresCache.objects.bulk_create(
        [FiguresCache(community_id=cid, day=day, computed_at=now, took_ms=took, keys=one["keys"],
                      rounds=one["rounds"], total=one["total"], grids={str(g): v for g, v in one["grids"].items()},
                      refresh_asked_at=None) for cid, one in data.items()],
        update_conflicts=True, unique_fields=["community", "day"],
        update_fields=["computed_at", "took_ms", "keys", "rounds", "total", "grids", "refresh_asked_at"])
    for one in data.values():
        one["computed_at"] = now
    return data


def max_age() -> int:
    """How old (seconds) the figures a page shows may be: settings.FANGKONG_FIGURES_MAX_AGE."""
    from django.conf import settings

    return int(getattr(settings, "FANGKONG_FIGURES_MAX_AGE", 60))


def _cached(day, cids, age: int, stale_ok: bool, want_grids: bool) -> dict[int, dict]:
    """The figures of the communities from FiguresCache: those missing are computed now; those
    older than ``age`` seconds too, unless ``stale_ok`` (a district's roll-up), when they are
    shown as they are and refreshed in the background (asked once, whoever else looks)."""
    from django.utils import timezone

    from .models import FiguresCache

    now = timezone.now()
    fields = ["community_id", "computed_at", "keys", "rounds", "total", "refresh_asked_at"]
    if want_grids:
        fields.append("grids")
    data, stale, missing = {}, [], []
    for row in FiguresCache.objects.filter(community_id__in=cids, day=day).values(*fields):
        cid = row["community_id"]
        fresh = (now - row["computed_at"]).total_seconds() <= age
        if not fresh and not stale_ok:
            missing.append(cid)
            continue
        data[cid] = {**row, "grids": {int(g): v for g, v in (row.get("grids") or {}).items()}}
        if not fresh and (row["refresh_asked_at"] is None
                          or (now - row["refresh_asked_at"]).total_seconds() > max(age, 60) * 5):
            stale.append(cid)
    missing += [cid for cid in cids if cid not in data and cid not in missing]
    if missing:
        data.update(compute(day, missing))
    if stale:
        from fangkong.lib.tasks import enqueue

        from .tasks import refresh_figures

        FiguresCache.objects.filter(community_id__in=stale, day=day).update(refresh_asked_at=now)
        enqueue(refresh_figures, stale, day.isoformat())
    return data


def daily_figures(user, day: dt.date, communities=None, *, age: int | None = None, stale_ok: bool = False,
                  grids: bool = True) -> Figures:
    """The figures on ``day`` for the communities (all the user's when None) and their grids,
    as far as the user sees them (``places_seen``).

    ``age`` None counts them now; a number of seconds reads FiguresCache and counts again only
    the communities whose figures are older (``_cached``). ``grids`` False leaves the grids out
    (a district's roll-up of whole communities needs their sums only)."""
    places = places_seen(user, communities)
    cids = sorted(places)
    restricted = any(seen is not None for seen in places.values())
    data = compute(day, cids) if age is None else _cached(day, cids, age, stale_ok, grids or restricted)
    keys = []
    for cid in cids:
        keys += [key for key in data[cid]["keys"] if key not in keys]
    keys = keys or installed_figures()
    names = dict(Community.objects.filter(pk__in=cids).values_list("pk", "name"))
    result = Figures(day=day, keys=keys, communities={}, grids={}, total=dict.fromkeys(keys, 0))
    grid_rows = (Grid.objects.filter(community_id__in=cids).order_by("community_id", "number", "pk")
                 .values_list("pk", "community_id", "number", "name") if grids or restricted else [])
    for gid, cid, number, name in grid_rows:
        seen = places[cid]
        if seen is not None and gid not in seen:
            continue
        values = {**dict.fromkeys(keys, 0), **data[cid]["grids"].get(gid, {})}
        if grids:
            result.grids[gid] = {"community": cid, "number": number, "name": name, "figures": values}
        if seen is not None:  # a grid leader's "community" is the sum over their grids
            if cid not in result.communities:
                result.communities[cid] = {"figures": dict.fromkeys(keys, 0)}
            for key, n in values.items():
                result.communities[cid]["figures"][key] = result.communities[cid]["figures"].get(key, 0) + n
    for cid in cids:
        one = data[cid]
        if places[cid] is None:
            values = {**dict.fromkeys(keys, 0), **one["total"]}
        else:
            values = result.communities.get(cid, {}).get("figures") or dict.fromkeys(keys, 0)
        result.communities[cid] = {"name": names.get(cid, ""), "figures": values, "rounds": one["rounds"],
                                   "as_of": one["computed_at"].isoformat()}
        for key, n in values.items():
            result.total[key] = result.total.get(key, 0) + n
    return result


@lru_cache(maxsize=4096)
def _reverse(name: str, args: tuple) -> str:
    # A district's page asks the same few dozen lists for each of its communities.
    return reverse(name, args=args)


def figure_url(key: str, rounds: dict, community_id=None) -> str:
    """The list behind a figure ("" when it has none: a testing figure without a round)."""
    figure = BY_KEY.get(key)
    if figure is None:
        return ""
    if figure.round_kind:
        round_id = (rounds or {}).get(figure.round_kind)
        if not round_id:
            return ""
        url = _reverse(figure.url, (round_id,))
    else:
        url = _reverse(figure.url, ())
    query = [figure.query] if figure.query else []
    if community_id is not None:
        query.append(f"community={community_id}")
    return url + ("?" + "&".join(query) if query else "")


def label(key: str) -> str:
    figure = BY_KEY.get(key)
    return str(figure.label) if figure else key
