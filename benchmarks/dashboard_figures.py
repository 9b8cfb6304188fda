"""The daily figures (fangkong.dashboard.figures.daily_figures) of a large community and its grids.

    .venv/bin/python benchmarks/dashboard_figures.py [--persons 30000] [--buildings 1000] [--repeat 7]

Builds, in a temporary SQLite database (FANGKONG_DATA_DIR is a new temporary folder; DATABASE_URL
is ignored), with bulk inserts:

- a small community (a tenth of the size) and the large one: --persons persons in --buildings
  buildings, 30 buildings to a grid, 3 persons to a household;
- 105,000 key-person records in the large one (with --persons 30000; a person is a key person
  once, so the records are spread over the health tables): a key person for every second person
  (15,000) with a state change each (15,000), a measure for every person (30,000) and three days
  of daily reports for every second one (45,000); a seal on every third household (checked
  today, one in ten broken);
- an open screening round with a visit to every second household, a testing round with every
  person sampled but a tenth, pooled by 10, results back for most tubes, and 300 tasks.

Then it times, median of --repeat runs, against a floor measured in the same run (a bare
``COUNT(*)`` of each of the same tables for the community: what any count must at least read):

- counting: ``daily_figures(user, day, [community])``, the community and all its grids counted
  from the tables (figures.compute; what a refresh of FiguresCache costs, in the page that finds
  the figures older than FANGKONG_FIGURES_MAX_AGE, in the background for a district, or in the
  briefing);
- the page's read: ``services.viewable_figures``, the same figures read from FiguresCache while
  they are younger than the maximum age (every other screen, phone and refresh in that minute).

It prints both, their ratios, and the number of queries of each for the small and the large
community, which must be the same (exit 1 when they differ). The issue's target (300 ms) is
printed beside them, not asserted: machines differ.
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
TARGET_MS = 300.0


def setup_django(data_dir: str) -> None:
    os.environ["FANGKONG_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fangkong.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(code: str, persons: int, buildings: int):
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from fangkong.core.models import Building, Community, Grid, Household, HouseholdStatus, Person, Role, RoleAssignment
    from fangkong.health.models import (
        HealthReport,
        KeyPerson,
        Measure,
        MeasureKind,
        Seal,
        SealCheck,
        SealResult,
        State,
        StateChange,
    )
    from fangkong.registry.models import Outcome, ScreeningRound, Visit
    from fangkong.staff.models import Task
    from fangkong.testing.models import Sample, TestRound, Tube, TubeResult

    today = timezone.localdate()
    community = Community.objects.create(name=f"基准社区{code}", code=code)
    n_grids = -(-buildings // 30)
    Grid.objects.bulk_create([Grid(community=community, number=g + 1, name=f"第{g + 1}网格") for g in range(n_grids)])
    grids = list(Grid.objects.filter(community=community).order_by("number"))
    Building.objects.bulk_create([
        Building(community=community, grid=grids[b // 30], door_number=str(b + 1)).fill_derived()
        for b in range(buildings)], batch_size=2000)
    building_ids = list(Building.objects.filter(community=community).order_by("pk").values_list("pk", flat=True))
    n_households = -(-persons // 3)
    statuses = [HouseholdStatus.OCCUPIED] * 8 + [HouseholdStatus.AWAY, HouseholdStatus.VACANT]
    Household.objects.bulk_create([
        Household(community=community, building_id=building_ids[h * buildings // n_households], room=str(101 + h % 50),
                  floor=1, status=statuses[h % 10]).fill_derived() for h in range(n_households)], batch_size=5000)
    households = list(Household.objects.filter(community=community).order_by("pk").values_list("pk", flat=True))
    Person.objects.bulk_create([
        Person(community=community, household_id=households[i // 3], name=f"居民{i}").fill_derived()
        for i in range(persons)], batch_size=5000)
    people = list(Person.objects.filter(community=community).order_by("pk").values_list("pk", flat=True))
    kinds = [MeasureKind.HOME, MeasureKind.MONITORING, MeasureKind.CENTRAL]
    Measure.objects.bulk_create([Measure(community=community, person_id=pk, kind=kinds[n % 3],
                                         start=today - timedelta(days=n % 7), end=today + timedelta(days=n % 14))
                                 for n, pk in enumerate(people)], batch_size=5000)
    states = [State.CLOSE_CONTACT, State.SECONDARY_CONTACT, State.ARRIVAL, State.FEVER, State.CONFIRMED]
    colours = ["orange", "yellow", "yellow", "orange", "red"]
    KeyPerson.objects.bulk_create([
        KeyPerson(community=community, person_id=pk, state=states[n % 5], colour=colours[n % 5],
                  since=today - timedelta(days=n % 5)) for n, pk in enumerate(people[::2])], batch_size=5000)
    keys = list(KeyPerson.objects.filter(community=community).values_list("pk", "person_id"))
    StateChange.objects.bulk_create([StateChange(community=community, key_person_id=k, person_id=p, new_state="fever",
                                                 on=today) for k, p in keys], batch_size=5000)
    HealthReport.objects.bulk_create([
        HealthReport(community=community, person_id=pk, on=today - timedelta(days=d), temperature="36.5")
        for pk in people[::2] for d in (0, 1, 2)], batch_size=5000)
    Seal.objects.bulk_create([Seal(community=community, household_id=h, sealed_on=today - timedelta(days=2))
                              for h in households[::3]], batch_size=5000)
    SealCheck.objects.bulk_create([
        SealCheck(community=community, seal_id=s, on=today,
                  result=SealResult.BROKEN if n % 10 == 0 else SealResult.INTACT)
        for n, s in enumerate(Seal.objects.filter(community=community).values_list("pk", flat=True))], batch_size=5000)
    screening = ScreeningRound.objects.create(community=community, name="摸排")
    Visit.objects.bulk_create([Visit(community=community, round=screening, household_id=h, outcome=Outcome.FOUND)
                               for h in households[::2]], batch_size=5000)
    testing = TestRound.objects.create(community=community, name="全员核酸", date=today)
    sampled = [pk for n, pk in enumerate(people) if n % 10]
    Tube.objects.bulk_create([Tube(community=community, round=testing, code=f"{code}{t:06d}", pool_size=10, n=10,
                                   result=TubeResult.NEGATIVE if t % 5 else "")
                              for t in range(-(-len(sampled) // 10))], batch_size=5000)
    tubes = list(Tube.objects.filter(round=testing).order_by("pk").values_list("pk", flat=True))
    Sample.objects.bulk_create([Sample(community=community, round=testing, tube_id=tubes[n // 10], person_id=pk,
                                       client_id=f"{code}{n}") for n, pk in enumerate(sampled)], batch_size=5000)
    Task.objects.bulk_create([Task(community=community, title=f"任务{t}", grid=grids[t % n_grids],
                                   due_on=today - timedelta(days=t % 3 - 1)) for t in range(300)])
    user = User.objects.create_user(f"command-{code}", password="x")
    RoleAssignment.objects.create(user=user, role=Role.COMMAND_POST, community=community)
    records = {"key persons": len(keys), "state changes": len(keys), "measures": len(people),
               "daily reports": HealthReport.objects.filter(community=community).count()}
    return community, user, today, records


def median_ms(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=30000)
    parser.add_argument("--buildings", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    setup_django(tempfile.mkdtemp(prefix="fangkong-bench-"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.core.models import Household, Person
    from fangkong.dashboard.figures import daily_figures
    from fangkong.health.models import HealthReport, KeyPerson, Measure, Seal, SealCheck
    from fangkong.registry.models import Visit
    from fangkong.staff.models import Task
    from fangkong.testing.models import Sample

    started = time.perf_counter()
    small, small_user, today, _ = build("small", args.persons // 10, max(args.buildings // 10, 1))
    large, user, today, records = build("large", args.persons, args.buildings)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built in {time.perf_counter() - started:.0f} s: {args.persons} persons, {args.buildings} buildings, "
          f"{sum(records.values())} key-person records ({records})")

    from fangkong.dashboard.services import viewable_figures

    counts, cached = {}, {}
    for label, community, who in (("small", small, small_user), ("large", large, user)):
        daily_figures(who, today, [community])  # roles read and kept
        with CaptureQueriesContext(connection) as queries:
            figures = daily_figures(who, today, [community])
        counts[label] = len(queries.captured_queries)
        with CaptureQueriesContext(connection) as queries:
            viewable_figures(who, today, [community])
        cached[label] = len(queries.captured_queries)
    grids = len(figures.grids)

    def floor():
        for model in (Person, Household, KeyPerson, Measure, HealthReport, Seal, SealCheck, Visit, Sample, Task):
            model.objects.filter(community=large).count()

    floor_ms = median_ms(floor, args.repeat)
    figures_ms = median_ms(lambda: daily_figures(user, today, [large]), args.repeat)
    read_ms = median_ms(lambda: viewable_figures(user, today, [large]), args.repeat)
    print(f"floor (bare COUNT of the same 10 tables): {floor_ms:8.1f} ms")
    for name, ms in ((f"counting, community and {grids} grids", figures_ms),
                     ("the page's read (FiguresCache)", read_ms)):
        print(f"{name:40}: {ms:8.1f} ms  ratio {ms / floor_ms:5.1f}x  target {TARGET_MS:.0f} ms "
              f"({'met' if ms <= TARGET_MS else 'NOT met'})")
    print(f"queries counting: small community {counts['small']}, large community {counts['large']}; "
          f"reading: {cached['small']}, {cached['large']}")
    if counts["small"] != counts["large"] or cached["small"] != cached["large"]:
        print("FAIL: the number of queries grows with the community")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
