"""The assignment coverage page and the daily-five completion page at community scale.

    .venv/bin/python benchmarks/staff_pages.py [--repeat 7]

Builds, in a temporary SQLite database (DATABASE_URL is ignored), one community with 2,000
workers, 30,000 households (50 to a building, 600 buildings in 20 grids) and 20,000 assignments
(two workers for most buildings, a gap every 25th, the rest household by household, plus 1,500
key persons on health's register, two in three answered for as the person), and today's
daily five ticked for about half the households, all with bulk_create. Then it renders, through
Django's test client as the command post, ``/staff/coverage/`` and ``/staff/five/today/``, and
compares each median with a floor measured in the same run: the bare read of the same rows
(``list(Assignment.objects.values_list(...))`` and the households and ticks behind the completion
page). It also builds a quarter-size community first and asserts that each page runs the same
number of queries at both sizes (CaptureQueriesContext). Not part of the test suite.
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
TARGET_MS = 150.0


def setup_django(data_dir: str) -> None:
    os.environ["FANGKONG_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fangkong.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(code: str, scale: float):
    import datetime as dt

    from django.contrib.auth.models import User
    from django.utils import timezone

    from fangkong.core.models import Building, Community, Grid, Household, Role, RoleAssignment
    from fangkong.staff.models import Assignment, AssignmentKind, FiveItem, FiveTick, Worker

    today = timezone.localdate()
    n_workers, n_households, n_assignments = int(2000 * scale), int(30000 * scale), int(20000 * scale)
    community = Community.objects.create(name=f"基准社区{code}", code=code)
    grids = Grid.objects.bulk_create([Grid(community=community, number=n + 1, name=f"第{n + 1}网格")
                                      for n in range(20)])
    n_buildings = n_households // 50
    buildings = Building.objects.bulk_create([
        Building(community=community, grid=grids[n % 20], door_number=str(n * 7 % 1000 + n // 1000 * 1000 + 1))
        .fill_derived() for n in range(n_buildings)])
    households = Household.objects.bulk_create([
        Household(community=community, building=buildings[n // 50], room=f"{(n % 50) // 5 + 1}0{n % 5 + 1}")
        .fill_derived() for n in range(n_households)], batch_size=2000)
    workers = Worker.objects.bulk_create([
        Worker(community=community, grid=grids[n % 20], name=f"干部{n}", phone="13900000000",
               arrived_on=today - dt.timedelta(days=5)) for n in range(n_workers)], batch_size=2000)
    rows = []
    for index, building in enumerate(buildings):
        if index % 25 == 7:
            continue
        for k in range(2):
            rows.append(Assignment(community=community, worker=workers[(index * 2 + k) % n_workers],
                                   kind=AssignmentKind.BUILDING, building=building, grid_id=building.grid_id))
    # Key persons (health's register): one person in every 20th household, each a key person; two
    # in three answered for as the person, the rest uncovered (the coverage page lists those).
    from fangkong.core.models import Person
    from fangkong.health.models import KeyPerson

    persons = Person.objects.bulk_create([
        Person(community=community, household=household, name=f"重点{n}").fill_derived()
        for n, household in enumerate(households[::20])], batch_size=2000)
    KeyPerson.objects.bulk_create([
        KeyPerson(community=community, person=person, state="close_contact", since=today, colour="orange", rank=1)
        for person in persons], batch_size=2000)
    for index, person in enumerate(persons):
        if index % 3:
            rows.append(Assignment(community=community, worker=workers[index % n_workers],
                                   kind=AssignmentKind.KEY_PERSON, person=person,
                                   building_id=person.household.building_id,
                                   grid_id=person.household.building.grid_id))
    for index, household in enumerate(households[: n_assignments - len(rows)]):
        rows.append(Assignment(community=community, worker=workers[index % n_workers], kind=AssignmentKind.HOUSEHOLD,
                               building_id=household.building_id, grid_id=buildings[index // 50].grid_id,
                               household=household))
    Assignment.objects.bulk_create(rows, batch_size=2000)
    ticks = []
    for index, household in enumerate(households[: n_households // 2]):
        building = buildings[index // 50]
        for item in FiveItem.values[: 4 if index % 2 else 2]:
            ticks.append(FiveTick(community=community, worker=workers[index % n_workers], household=household,
                                  building=building,
                                  grid_id=building.grid_id, on=today, item=item, client_id=f"{code}-{index}-{item}"))
    FiveTick.objects.bulk_create(ticks, batch_size=2000)
    user = User.objects.create_user(f"command-{code}")
    RoleAssignment.objects.create(user=user, role=Role.COMMAND_POST, community=community)
    return community, user, len(rows), len(ticks)


def median_ms(action, repeat: int) -> float:
    action()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(data_dir)
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext, setup_test_environment

        from fangkong.core.models import Household
        from fangkong.staff.models import Assignment, FiveTick

        setup_test_environment()
        pages = {"coverage": "/staff/coverage/", "five_today": "/staff/five/today/"}
        queries = {}
        ok = True
        for code, scale in (("small", 0.25), ("full", 1.0)):
            community, user, n_assignments, n_ticks = build(code, scale)
            client = Client()
            client.force_login(user)
            for name, url in pages.items():
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(url).status_code == 200
                queries.setdefault(name, []).append(len(captured))
            if code != "full":
                continue
            print(f"community: {Household.objects.filter(community=community).count()} households, "
                  f"{n_assignments} assignments, {n_ticks} ticks")

            def floor_coverage(community=community):
                list(Assignment.objects.filter(community=community, ended_on__isnull=True)
                     .values_list("id", "worker_id", "building_id", "kind", "worker__health"))

            def floor_five(community=community):
                list(Household.objects.filter(community=community).values_list("id", "building_id"))
                list(FiveTick.objects.filter(community=community).values_list("worker_id", "household_id", "item"))

            for name, url, floor in (("coverage", pages["coverage"], floor_coverage),
                                     ("five_today", pages["five_today"], floor_five)):
                page = median_ms(lambda url=url, client=client: client.get(url), args.repeat)
                base = median_ms(floor, args.repeat)
                ok &= page < TARGET_MS
                print(f"{name:12s} page {page:7.1f} ms   floor {base:6.1f} ms   ratio {page / base:5.1f}x   "
                      f"target < {TARGET_MS:.0f} ms {'ok' if page < TARGET_MS else 'MISSED'}")
        for name, counts in queries.items():
            same = len(set(counts)) == 1
            ok &= same
            print(f"{name:12s} queries at 1/4 and full size: {counts} {'constant' if same else 'GROWS'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
