"""The key-person register and the "ending today" list with 100,000 people under measures.

    .venv/bin/python benchmarks/health_register.py [--people 100000] [--repeat 15]

Builds, in a temporary SQLite database (FANGKONG_DATA_DIR is a new temporary folder; DATABASE_URL
is ignored so that nothing is ever written into a real database), one community with --people
persons, three to a household, 50 households to a building, 30 buildings to a grid, every one of
them a key person under a measure (states, colours and measure kinds mixed; ends spread over the
next 30 days), with bulk inserts. Then it times, as the views run them (``health.services``
through scope, the paginator's COUNT and the first page of 50 rows with everything one line
shows):

- the register's first page for the command post, unfiltered and with each filter
  (colour, state, building), and for a grid leader and a building leader;
- the "ending today" list (every measure whose last day is today) for the command post.

Each figure is the median of --repeat runs, printed in ms and as a ratio to a baseline measured in
the same run: a plain ``COUNT(*)`` over the same key persons through the same scope
(``KeyPerson.objects.visible_to(user).count()``). Target: each under 200 ms. Exit code 0 when
the targets hold, 1 otherwise.
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
TARGET_MS = 200.0


def setup_django(data_dir: str) -> None:
    os.environ["FANGKONG_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fangkong.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(people: int):
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from fangkong.core.models import Building, Community, Grid, Household, Person, Role, RoleAssignment
    from fangkong.health.models import (
        COLOUR_RANK,
        DEFAULT_COLOURS,
        KeyPerson,
        Measure,
        MeasureKind,
        QuarantineSite,
        State,
    )

    today = timezone.localdate()
    community = Community.objects.create(name="基准社区", code="bench")
    per_household, per_building, per_grid = 3, 50, 30
    n_households = -(-people // per_household)
    n_buildings = -(-n_households // per_building)
    n_grids = -(-n_buildings // per_grid)
    Grid.objects.bulk_create([Grid(community=community, number=g + 1, name=f"第{g + 1}网格") for g in range(n_grids)])
    grids = list(Grid.objects.filter(community=community).order_by("number"))
    Building.objects.bulk_create([
        Building(community=community, grid=grids[b // per_grid], door_number=str(b * 7 % 997 + b * 1000)).fill_derived()
        for b in range(n_buildings)], batch_size=2000)
    buildings = list(Building.objects.filter(community=community).order_by("pk"))
    Household.objects.bulk_create([
        Household(community=community, building=buildings[h // per_building], room=f"{h % per_building + 101}",
                  floor=1).fill_derived() for h in range(n_households)], batch_size=5000)
    households = list(Household.objects.filter(community=community).order_by("pk").values_list("pk", flat=True))
    surnames, given = "王李张刘陈杨赵黄周吴", "伟芳娜敏静丽强磊军洋"
    Person.objects.bulk_create([
        Person(community=community, household_id=households[i // per_household],
               name=surnames[i % 10] + given[i // 10 % 10] + given[i // 100 % 10]).fill_derived()
        for i in range(people)], batch_size=5000)
    persons = list(Person.objects.filter(community=community).order_by("pk").values_list("pk", flat=True))
    site = QuarantineSite.objects.create(community=community, name="君诚酒店", rooms=500, capacity=500)
    kinds = [MeasureKind.HOME, MeasureKind.MONITORING, MeasureKind.CENTRAL, MeasureKind.REPORT_TEST]
    Measure.objects.bulk_create([
        Measure(community=community, person_id=pk, kind=kinds[n % 4], start=today - timedelta(days=n % 7),
                end=today + timedelta(days=n % 30), site=site if n % 4 == 2 else None,
                room=str(n % 500) if n % 4 == 2 else "")
        for n, pk in enumerate(persons)], batch_size=5000)
    measures = dict(Measure.objects.filter(community=community).values_list("person_id", "pk"))
    states = [State.CLOSE_CONTACT, State.SECONDARY_CONTACT, State.ARRIVAL, State.FEVER, State.CONFIRMED,
              State.POOL_POSITIVE]
    rows = []
    for n, pk in enumerate(persons):
        state = states[n % len(states)]
        colour = DEFAULT_COLOURS[state]
        rows.append(KeyPerson(community=community, person_id=pk, state=state, since=today, colour=colour,
                              rank=COLOUR_RANK[colour], measure_id=measures[pk],
                              measure_end=today + timedelta(days=n % 30)))
    KeyPerson.objects.bulk_create(rows, batch_size=5000)
    users = {}
    command = User.objects.create_user("command", password="x")
    RoleAssignment.objects.create(user=command, role=Role.COMMAND_POST, community=community)
    users["command post"] = command
    leader = User.objects.create_user("gridleader", password="x")
    RoleAssignment.objects.create(user=leader, role=Role.GRID_LEADER, community=community).grids.set([grids[0]])
    users["grid leader"] = leader
    building_leader = User.objects.create_user("buildingleader", password="x")
    RoleAssignment.objects.create(user=building_leader, role=Role.BUILDING_LEADER,
                                  community=community).buildings.set(buildings[:2])
    users["building leader"] = building_leader
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return users, buildings, today


def existing():
    from django.contrib.auth.models import User

    from fangkong.core.models import Building
    from fangkong.health.models import Measure

    users = {label: User.objects.get(username=name) for label, name in [
        ("command post", "command"), ("grid leader", "gridleader"), ("building leader", "buildingleader")]}
    today = Measure.objects.order_by("end").values_list("end", flat=True).first()
    return users, list(Building.objects.order_by("pk")), today


def median_ms(fn, repeat: int) -> float:
    fn()  # warm the caches once
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--data-dir", help="keep the built database in this folder and reuse it next time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fangkong-bench-") as temporary:
        data_dir = args.data_dir or temporary
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        setup_django(data_dir)
        from django.core.paginator import Paginator
        from django.db import connection
        from django.utils import timezone

        from fangkong.health import services
        from fangkong.health.models import KeyPerson

        started = time.perf_counter()
        if args.data_dir and KeyPerson.objects.exists():
            users, buildings, today = existing()
            print(f"reusing {KeyPerson.objects.count():,} people under measures in {data_dir}")
        else:
            users, buildings, today = build(args.people)
            print(f"built {args.people:,} people under measures in {time.perf_counter() - started:.0f} s")
        command = users["command post"]

        def first_page(user, **filters):
            def run():
                page = Paginator(services.register(user, **filters), 50).get_page(1)
                shown = [(key.person.name, key.person.household.building.door_number,  # everything a line shows
                          key.measure and key.measure.site, key.responsible) for key in page]
                assert len(shown) == len(page)
                return page.paginator.count, len(page)
            return run

        def ending_today():
            page = Paginator(services.ending(command, today), 100).get_page(1)
            shown = [(m.person.name, m.person.household.building.door_number, m.site) for m in page]
            assert len(shown) == len(page)
            return page.paginator.count, len(page)

        from django.test import Client

        # The same lists as whole pages (middleware, session, template, HTML), as the user waits for them.
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(command)

        def page(path):
            def run():
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                return len(response.content)
            return run

        baseline = median_ms(lambda: KeyPerson.objects.visible_to(command).count(), args.repeat)
        cases = [
            ("register, command post, first page", first_page(command)),
            ("register, colour = orange", first_page(command, colour="orange")),
            ("register, state = close contact", first_page(command, state="close_contact")),
            ("register, one building", first_page(command, building=str(buildings[len(buildings) // 2].pk))),
            ("register, grid leader (one grid)", first_page(users["grid leader"])),
            ("register, building leader (two buildings)", first_page(users["building leader"])),
            ("ending today, command post, first 100", ending_today),
            ("page /health/ (register, bytes)", page("/health/")),
            ("page /health/?colour=orange", page("/health/?colour=orange")),
            ("page /health/ending/ (bytes)", page(f"/health/ending/?day={today:%Y-%m-%d}")),
            ("page / (home panel, bytes)", page("/")),
        ]
        print(f"baseline COUNT(*) of key persons in scope: {baseline:.1f} ms")
        print(f"{'case':45} {'rows':>12} {'queries':>8} {'ms':>8} {'x baseline':>11}")
        ok = True
        for label, fn in cases:
            queries = []  # counted at the cursor: a request resets Django's own query log
            count = lambda execute, sql, *a, seen=queries: seen.append(sql) or execute(sql, *a)  # noqa: E731
            with connection.execute_wrapper(count):
                result = fn()
            ms = median_ms(fn, args.repeat)
            ok &= ms < TARGET_MS
            rows = "/".join(f"{n:,}" for n in result) if isinstance(result, tuple) else f"{result:,}"
            print(f"{label:45} {rows:>12} {len(queries):>8} {ms:8.1f} {ms / baseline:11.2f}")
        print(f"target: each under {TARGET_MS:.0f} ms: {'met' if ok else 'NOT met'} ({timezone.now():%Y-%m-%d %H:%M})")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
