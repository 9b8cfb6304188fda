"""Coverage of a screening round (摸排) over 30,000 households: time and SQL queries.

    .venv/bin/python benchmarks/screening_coverage.py [--households 30000] [--small 3000] [--repeat 15]

Builds, in a temporary SQLite database (FANGKONG_DATA_DIR is a new temporary folder; DATABASE_URL
is ignored so that nothing is ever written into a real database), two communities of 3,000 and
30,000 households with bulk inserts, a whole-community round in each, and visits for most doors
(some knocked twice, so that only the latest visit may count). Then it times
``registry.screening.coverage`` as the command post sees it, and counts its SQL queries.

Printed figures, all measured in this run so that they survive a slow or noisy machine:
- coverage time at 30,000 households (median of --repeat runs), target under 100 ms;
- that time over the baseline: a plain ``SELECT COUNT(*)`` over the same households through the
  same scope (``round_households(round, user).count()``, the cheapest question one can ask of
  that set), and over the coverage of the 3,000-household community;
- the number of SQL queries at 3,000 and at 30,000 households, which must be equal.
Exit code 0 when the targets hold, 1 otherwise.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(data_dir: str) -> None:
    os.environ["FANGKONG_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fangkong.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(code: str, households: int, rooms_per_building: int = 50, buildings_per_grid: int = 30):
    """A community of ``households`` doors, a command post user, a round and visits; bulk inserts only."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from fangkong.core.models import Building, Community, Grid, Household, Role, RoleAssignment
    from fangkong.registry import screening
    from fangkong.registry.models import Outcome, Visit

    community = Community.objects.create(name=f"社区{code}", code=code)
    n_buildings = -(-households // rooms_per_building)
    n_grids = -(-n_buildings // buildings_per_grid)
    Grid.objects.bulk_create([Grid(community=community, number=g + 1, name=f"第{g + 1}网格") for g in range(n_grids)])
    grids = list(Grid.objects.filter(community=community).order_by("number"))
    Building.objects.bulk_create([
        Building(community=community, grid=grids[b // buildings_per_grid], door_number=str(b * 7 % 997 + b * 1000),
                 floors=rooms_per_building // 4).fill_derived()
        for b in range(n_buildings)
    ], batch_size=2000)
    buildings = list(Building.objects.filter(community=community).order_by("pk"))
    rows = []
    for i in range(households):
        building = buildings[i // rooms_per_building]
        k = i % rooms_per_building
        floor = k // 4 + 1
        rows.append(Household(community=community, building=building, room=f"{floor}{k % 4 + 1:02d}",
                              floor=floor).fill_derived())
    Household.objects.bulk_create(rows, batch_size=5000)
    user = User.objects.create_user(f"command-{code}", password="x")
    RoleAssignment.objects.create(user=user, role=Role.COMMAND_POST, community=community)
    now = timezone.now()
    round_ = screening.create_round(user, community, name="第一轮", starts_at=now - timezone.timedelta(hours=12))
    ids = list(Household.objects.filter(community=community).order_by("pk").values_list("pk", flat=True))
    outcomes = [Outcome.FOUND] * 7 + [Outcome.NOBODY_HOME, Outcome.REFUSED, Outcome.VACANT]
    visits = []
    for n, household_id in enumerate(ids):
        if n % 10 == 9:
            continue  # about 10% not visited yet
        outcome = outcomes[(n // 10 + n) % len(outcomes)]
        at = now - timezone.timedelta(hours=8 - n % 7)
        if n % 6 == 0:  # knocked before, nobody home: history, not the outcome
            visits.append(Visit(community=community, round=round_, household_id=household_id, by=user,
                                outcome=Outcome.NOBODY_HOME, at=at - timezone.timedelta(hours=2),
                                revisit_due=at + timezone.timedelta(hours=4), is_latest=False))
        found = outcome == Outcome.FOUND
        visits.append(Visit(community=community, round=round_, household_id=household_id, by=user, outcome=outcome,
                            at=at, revisit_due=at + screening.REVISIT_AFTER if outcome == Outcome.NOBODY_HOME else None,
                            confirmed=2 if found else 0, added=1 if found and n % 13 == 0 else 0,
                            moved_out=1 if found and n % 17 == 0 else 0, is_latest=True))
    Visit.objects.bulk_create(visits, batch_size=5000)
    return round_, User.objects.get(pk=user.pk)


def timed(fn, repeat: int) -> float:
    fn()  # warm the caches (SQLite pages, the user's roles) as a running server has them warm
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--small", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--target-ms", type=float, default=100.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fangkong-bench-") as data_dir:
        setup_django(data_dir)
        from fangkong.registry import screening

        started = time.perf_counter()
        small_round, small_user = build("small", args.small)
        large_round, large_user = build("large", args.households)
        print(f"built {args.small:,} + {args.households:,} households with visits in "
              f"{time.perf_counter() - started:.1f} s (SQLite in {data_dir})")

        def cover(round_, user):
            return lambda: screening.coverage(round_, user)

        def baseline(round_, user):
            return lambda: screening.round_households(round_, user).count()

        large = cover(large_round, large_user)
        small = cover(small_round, small_user)
        result = large()
        t = result.community
        print(f"coverage at {t.total:,}: visited {t.visited:,}, found {t.found:,}, nobody home {t.nobody_home:,}, "
              f"refused {t.refused:,}, vacant {t.vacant:,}; persons confirmed {t.confirmed:,}, added {t.added:,}, "
              f"moved out {t.moved_out:,}; {len(result.grids)} grids, {len(result.buildings)} buildings")

        small()  # the user's roles are read once per request: warm them as a running server has them
        q_small, q_large = count_queries(small), count_queries(large)
        t_large = timed(large, args.repeat)
        t_small = timed(small, args.repeat)
        t_base = timed(baseline(large_round, large_user), args.repeat)
        q_base = count_queries(baseline(large_round, large_user))

        print()
        print(f"{'':34}{'households':>12}{'median ms':>12}{'queries':>9}")
        print(f"{'coverage':34}{args.small:>12,}{t_small * 1000:>12.1f}{q_small:>9}")
        print(f"{'coverage':34}{args.households:>12,}{t_large * 1000:>12.1f}{q_large:>9}")
        print(f"{'baseline: SELECT COUNT(*) in scope':34}{args.households:>12,}{t_base * 1000:>12.1f}{q_base:>9}")
        print()
        print(f"coverage / baseline at {args.households:,}: {t_large / t_base:.1f}x")
        print(f"coverage {args.households:,} / coverage {args.small:,}: {t_large / t_small:.1f}x "
              f"for {args.households / args.small:.0f}x the households")
        ok_time = t_large * 1000 < args.target_ms
        ok_queries = q_small == q_large
        print(f"target: under {args.target_ms:.0f} ms at {args.households:,} households: "
              f"{'met' if ok_time else 'MISSED'} ({t_large * 1000:.1f} ms)")
        print(f"target: same number of queries at both sizes: {'met' if ok_queries else 'MISSED'} "
              f"({q_small} and {q_large})")
        return 0 if ok_time and ok_queries else 1


if __name__ == "__main__":
    sys.exit(main())
