"""Shared by the testing-round benchmarks: Django set up against a throwaway database, a PostgreSQL
database made and dropped by the script, and a community of N persons written with plain
multi-row INSERTs (no model instances: 1,000,000 persons in well under a minute)."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("FANGKONG_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")


def pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def createdb(name: str) -> str:
    psql(f'DROP DATABASE IF EXISTS "{name}"')
    psql(f'CREATE DATABASE "{name}"')
    return pg_url(name)


def dropdb(name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def setup_django(data_dir: str, database_url: str | None) -> None:
    os.environ["FANGKONG_DATA_DIR"] = data_dir
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fangkong.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def insert(model, columns: list[str], rows, per: int = 1000) -> None:
    """Plain multi-row INSERTs of tuples (the same SQL on SQLite and PostgreSQL)."""
    from django.db import connection

    table = model._meta.db_table
    if connection.vendor == "postgresql":
        # COPY: a million rows in seconds, where multi-row INSERTs take minutes.
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    batch: list = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == per:
                cursor.execute(head + ", ".join([one] * per), [v for r in batch for v in r])
                batch = []
        if batch:
            cursor.execute(head + ", ".join([one] * len(batch)), [v for r in batch for v in r])


def build(persons: int, *, per_household: int = 3, households_per_building: int = 100,
          buildings_per_grid: int = 25, pool_size: int = 10, code: str = "bench"):
    """A community of ``persons`` in households of 3, buildings of 100 households; a command post
    and a sampler; a testing round over the whole community. Returns (community, round, users)."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from fangkong.core.models import Building, Community, Grid, Household, Person, Role, RoleAssignment
    from fangkong.testing import services
    from fangkong.testing.models import PersonCode

    started = time.perf_counter()
    now = timezone.now()
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    with transaction.atomic():
        community = Community.objects.create(name="基准社区", code=code)
        households = -(-persons // per_household)
        buildings = -(-households // households_per_building)
        grids = -(-buildings // buildings_per_grid)
        Grid.objects.bulk_create([Grid(community=community, number=g + 1, name=f"第{g + 1}网格")
                                  for g in range(grids)])
        grid_ids = list(Grid.objects.filter(community=community).order_by("number").values_list("pk", flat=True))
        Building.objects.bulk_create([
            Building(community=community, grid_id=grid_ids[b // buildings_per_grid], door_number=str(b + 1))
            .fill_derived() for b in range(buildings)], batch_size=1000)
        building_ids = list(Building.objects.filter(community=community).order_by("pk").values_list("pk", flat=True))
        insert(Household, ["community_id", "building_id", "room", "room_sort", "floor", "status", "control_status",
                           "note", "version"],
               ((community.pk, building_ids[h // households_per_building], str(101 + h % households_per_building),
                 f"{101 + h % households_per_building:08d}", 1, "occupied", "", "", 1) for h in range(households)))
        household_ids = list(Household.objects.filter(community=community).order_by("pk")
                             .values_list("pk", flat=True))
        insert(Person, ["community_id", "household_id", "name", "name_initials", "id_type", "id_number", "id_last4",
                        "sex", "birth_date", "phone", "phone_last4", "residency", "relation", "occupation",
                        "workplace", "note", "free_labels", "created_at", "updated_at", "version"],
               ((community.pk, household_ids[i // per_household], f"居民{i}", "jm", "none", "", "", "", None,
                 f"138{i:08d}", f"{i % 10000:04d}", "resident", "", "", "", "", "", stamp, stamp, 1)
                for i in range(persons)))
        person_ids = list(Person.objects.filter(community=community).order_by("pk").values_list("pk", flat=True))
        insert(PersonCode, ["community_id", "person_id", "key", "version", "created_at"],
               ((community.pk, pk, f"K{pk:015d}", 1, stamp) for pk in person_ids))
        command = User.objects.create_user(f"{code}-command", password="x")
        RoleAssignment.objects.create(user=command, role=Role.COMMAND_POST, community=community)
        sampler = User.objects.create_user(f"{code}-sampler", password="x")
        RoleAssignment.objects.create(user=sampler, role=Role.SAMPLER, community=community)
        round_ = services.create_round(command, community, name="基准轮", pool_size=pool_size)
    print(f"  built {persons:,} persons, {households:,} households, {buildings:,} buildings "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    return community, round_, {"command": command, "sampler": sampler}, person_ids
