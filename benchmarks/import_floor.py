"""Import of a generated N-row ledger (.xlsx) against its floor.

    .venv/bin/python benchmarks/import_floor.py [--rows 1000000]

The floor is the least any import of that file must do: read the rows with python-calamine
(Rust, whole sheet in memory) and bulk_create the same rows into the same tables, with no
checking, no matching and no streaming. Two floors are printed:

- "persons only": calamine + bulk_create of the Person rows;
- "same tables": calamine + bulk_create of every row the import writes for a new person (the
  person, the residence, the care tags, one audit entry and one timeline entry);
- "executemany": the same tables again, with plain executemany INSERTs of tuples and no model
  instances at all: the strictest floor.

The import is the real service (fangkong.registry.ledger.importer.import_people) on the same
file, into a copy of the same prepared database (community, grids, buildings and households
registered, no persons). Each side runs in its own subprocess so that its peak memory
(ru_maxrss, the whole process) is its own; its time is the work alone, reading the file
included, from after Python and Django have started.
Targets: import time at most 2x the floor, import peak memory < 500 MB.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅林波辉鹏斌宇浩凯健俊帆帅旭宁龙"
HEADER = ["序号", "姓名", "性别", "身份证号", "手机号", "网格", "楼栋", "房号", "与户主关系", "人员类型", "职业",
          "工作单位", "特殊人群", "备注"]
RELATIONS = ["户主", "配偶", "子女", "父母", "租户"]
JOBS = ["工人", "教师", "个体", "退休", "学生", "司机", "医生", ""]
TAGS = ["", "", "", "", "", "", "", "独居老人", "慢性病", "孕妇", "婴幼儿", "残疾、慢性病"]
PER_HOUSEHOLD = 3
HOUSEHOLDS_PER_BUILDING = 24
GRIDS = 20


def check_char(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def place(n):
    household = n // PER_HOUSEHOLD
    building = household // HOUSEHOLDS_PER_BUILDING + 1
    within = household % HOUSEHOLDS_PER_BUILDING
    room = 100 * (within // 4 + 1) + within % 4 + 1
    grid = building % GRIDS + 1
    return grid, building, room


def rows(count, seed=7):
    rng = random.Random(seed)
    start = date(1940, 1, 1)
    for n in range(count):
        birth = start + timedelta(days=n // 900 % 25000)
        first17 = f"350503{birth:%Y%m%d}{n % 900 + 100:03d}"
        number = first17 + check_char(first17)
        grid, building, room = place(n)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        yield [n + 1, name, "男" if int(number[16]) % 2 else "女", number, f"13{n % 10}{n:08d}", str(grid),
               str(building), str(room), RELATIONS[n % PER_HOUSEHOLD], "常住" if n % 3 else "流动",
               rng.choice(JOBS), "某某公司" if n % 4 == 0 else "", rng.choice(TAGS), ""]


def make_ledger(path, count):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append(["某某社区实有人口台账"])
    sheet.append(HEADER)
    for row in rows(count):
        sheet.append(row)
    workbook.save(path)


def django_setup(data_dir):
    os.environ["FANGKONG_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fangkong.settings"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def prepare_database(data_dir, count):
    """Migrate, then register the community's grids, buildings and households (no persons)."""
    django_setup(data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from fangkong.core.models import Building, Community, Grid, Household

    community = Community.objects.create(name="基准社区", code="bench")
    grids = {n: Grid(community=community, number=n, name=f"第{n}网格") for n in range(1, GRIDS + 1)}
    Grid.objects.bulk_create(grids.values())
    households = count // PER_HOUSEHOLD + 1
    buildings = {}
    for household in range(households):
        grid, building, _room = place(household * PER_HOUSEHOLD)
        if building not in buildings:
            buildings[building] = Building(community=community, grid=grids[grid],
                                           door_number=str(building)).fill_derived()
    Building.objects.bulk_create(buildings.values(), batch_size=2000)
    batch = []
    for household in range(households):
        _grid, building, room = place(household * PER_HOUSEHOLD)
        batch.append(Household(community=community, building=buildings[building], room=str(room),
                               floor=room // 100).fill_derived())
        if len(batch) >= 5000:
            Household.objects.bulk_create(batch)
            batch = []
    Household.objects.bulk_create(batch)


# --- the sides, each run in a subprocess ----------------------------------------------------


def cpu_now() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def sqlite_cache(connection):
    """Every side gets the page cache the importer takes for itself (see core.sql.sqlite_page_cache)."""
    from fangkong.core.sql import SQLITE_CACHE_KIB

    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")


def side_import(data_dir, path):
    django_setup(data_dir)
    from fangkong.core.models import Community
    from fangkong.registry.ledger.importer import import_people

    community = Community.objects.get(code="bench")
    cpu_before, started = cpu_now(), time.perf_counter()
    result = import_people(path, community)
    return {"rows": result.rows, "created": result.created, "reported": result.reported,
            "seconds": time.perf_counter() - started, "cpu_before": cpu_before}


def _floor(data_dir, path, same_tables):
    django_setup(data_dir)
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from fangkong.core.models import (
        AuditEntry,
        Community,
        Household,
        Person,
        PersonTag,
        Residence,
        TimelineEntry,
    )

    community = Community.objects.get(code="bench")
    cpu_before, started = cpu_now(), time.perf_counter()
    households = {(door, room): pk for pk, door, room in
                  Household.objects.values_list("pk", "building__door_number", "room").iterator()}
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    written = 0
    from django.db import connection

    sqlite_cache(connection)
    with transaction.atomic():
        for start in range(2, len(sheet), 5000):
            persons = []
            for cells in sheet[start:start + 5000]:
                persons.append(Person(
                    community=community, household_id=households.get((str(cells[6]), str(cells[7]))),
                    name=cells[1], id_number=cells[3], sex="M" if cells[2] == "男" else "F", phone=str(cells[4]),
                    relation=cells[8], residency="resident" if cells[9] == "常住" else "migrant",
                    occupation=cells[10], workplace=cells[11]))
            Person.objects.bulk_create(persons)
            written += len(persons)
            if same_tables:
                Residence.objects.bulk_create([Residence(community=community, person=p, household_id=p.household_id)
                                               for p in persons])
                PersonTag.objects.bulk_create([PersonTag(person=p, tag="chronic") for p, cells in
                                               zip(persons, sheet[start:start + 5000], strict=True) if cells[12]])
                AuditEntry.objects.bulk_create([
                    AuditEntry(community=community, action="create", object_type="person", object_id=str(p.pk),
                               object_repr=p.name, person=p, changes={"name": ["", p.name]}) for p in persons])
                TimelineEntry.objects.bulk_create([TimelineEntry(community=community, person=p, kind="imported",
                                                                 text="imported") for p in persons])
    return {"rows": written, "seconds": time.perf_counter() - started, "cpu_before": cpu_before}


def side_floor_raw(data_dir, path):
    """The strictest floor: calamine, then plain executemany INSERTs of tuples into the same tables
    (no model instances at all), ids read back by ID number."""
    django_setup(data_dir)
    import json as jsonlib

    from django.db import connection, transaction
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from fangkong.core.models import Community, Household

    community = Community.objects.get(code="bench").pk
    cpu_before, started = cpu_now(), time.perf_counter()
    households = {(door, room): pk for pk, door, room in
                  Household.objects.values_list("pk", "building__door_number", "room").iterator()}
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    written = 0
    sqlite_cache(connection)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(2, len(sheet), 5000):
            chunk = sheet[start:start + 5000]
            cursor.executemany(
                "INSERT INTO core_person (community_id, household_id, name, name_initials, id_type, id_number, "
                "id_last4, sex, phone, phone_last4, residency, relation, occupation, workplace, note, created_at, "
                "updated_at, version) VALUES (%s, %s, %s, '', 'resident_id', %s, '', %s, %s, '', %s, %s, %s, %s, '', "
                "%s, %s, 1)",
                [(community, households.get((str(c[6]), str(c[7]))), c[1], c[3], "M" if c[2] == "男" else "F",
                  str(c[4]), "resident" if c[9] == "常住" else "migrant", c[8], c[10], c[11], now, now)
                 for c in chunk])
            numbers = [c[3] for c in chunk]
            marks = ", ".join(["%s"] * len(numbers))
            cursor.execute(f"SELECT id, id_number, household_id FROM core_person WHERE community_id = %s "
                           f"AND id_number IN ({marks})", [community, *numbers])
            persons = cursor.fetchall()
            cursor.executemany("INSERT INTO core_residence (community_id, person_id, household_id, moved_in, reason) "
                               "VALUES (%s, %s, %s, %s, '')", [(community, pk, hh, now) for pk, _n, hh in persons])
            tagged = {c[3] for c in chunk if c[12]}
            cursor.executemany("INSERT INTO core_persontag (person_id, tag) VALUES (%s, 'chronic')",
                               [(pk,) for pk, number, _hh in persons if number in tagged])
            cursor.executemany(
                "INSERT INTO core_auditentry (community_id, at, username, action, object_type, object_id, "
                "object_repr, person_id, fields, reason, changes) VALUES (%s, %s, '', 'create', 'person', %s, %s, "
                "%s, '', '', %s)",
                [(community, now, str(pk), number, pk, jsonlib.dumps({"id_number": ["", number]}))
                 for pk, number, _hh in persons])
            cursor.executemany("INSERT INTO core_timelineentry (community_id, person_id, at, kind, text) "
                               "VALUES (%s, %s, %s, 'imported', 'imported')", [(community, pk, now)
                                                                               for pk, _n, _hh in persons])
            written += len(chunk)
    return {"rows": written, "seconds": time.perf_counter() - started, "cpu_before": cpu_before}


def side_floor_persons(data_dir, path):
    return _floor(data_dir, path, same_tables=False)


def side_floor_tables(data_dir, path):
    return _floor(data_dir, path, same_tables=True)


SIDES = {"import": side_import, "floor_persons": side_floor_persons, "floor_tables": side_floor_tables,
         "floor_raw": side_floor_raw}


def child(side, data_dir, path):
    import resource

    if side == "prepare":
        prepare_database(data_dir, int(path))
        return
    outcome = SIDES[side](data_dir, path)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    outcome["cpu"] = usage.ru_utime + usage.ru_stime - outcome.pop("cpu_before")
    outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(outcome))


def run_side(side, template_dir, work, path):
    data_dir = work / side
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.copytree(template_dir, data_dir)
    output = subprocess.run([sys.executable, __file__, "--child", side, str(data_dir), str(path)],
                            capture_output=True, text=True, check=False)
    if output.returncode:
        sys.exit(f"{side} failed:\n{output.stderr}")
    shutil.rmtree(data_dir, ignore_errors=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the generated ledger for the next run")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    cache = Path(tempfile.gettempdir()) / "fangkong-bench"
    cache.mkdir(exist_ok=True)
    path = cache / f"ledger-{args.rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        make_ledger(path, args.rows)
        print(f"generated {path.name}: {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.0f} s")
    work = Path(tempfile.mkdtemp(prefix="fangkong-bench-"))
    try:
        template = work / "template"
        subprocess.run([sys.executable, __file__, "--child", "prepare", str(template), str(args.rows)], check=True)
        labels = {"import": "import (fangkong)",
                  "floor_tables": "floor: calamine + bulk_create same tables",
                  "floor_raw": "floor: calamine + executemany same tables",
                  "floor_persons": "floor: calamine + bulk_create persons"}
        print(f"rows: {args.rows:,}   (wall = elapsed seconds; cpu = the process's own CPU seconds, which a "
              "busy machine does not inflate)", flush=True)
        results = {}
        for side, label in labels.items():
            item = results[side] = run_side(side, template, work, path)
            print(f"  {label:45s} wall {item['seconds']:7.1f} s  cpu {item['cpu']:7.1f} s  "
                  f"{args.rows / item['seconds']:8,.0f} rows/s  peak {item['peak_mb']:5.0f} MB", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep:
            path.unlink(missing_ok=True)
    imp = results["import"]
    print(f"import: {imp['created']:,} added, {imp['reported']:,} reported")
    for side, name in (("floor_tables", "bulk_create, same tables"), ("floor_persons", "bulk_create, persons only"),
                       ("floor_raw", "executemany, same tables")):
        floor = results[side]
        target = "   (target <= 2x)" if side == "floor_tables" else ""
        print(f"import / floor ({name}): wall {imp['seconds'] / floor['seconds']:.2f}x, "
              f"cpu {imp['cpu'] / floor['cpu']:.2f}x{target}")
    print(f"import peak memory: {imp['peak_mb']:.0f} MB (target < 500 MB); "
          f"calamine floor peak: {results['floor_tables']['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
