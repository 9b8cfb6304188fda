"""Import of a 20,000-row ledger: Fangkong's importer against django-import-export.

    .venv/bin/pip install django-import-export==4.4.3   # for this benchmark only
    .venv/bin/python benchmarks/import_vs_import_export.py [--rows 20000]

django-import-export is what a Django developer would reach for. Its side is written as such a
developer would write it: a ModelResource for Person keyed on the ID number, the Chinese headers
mapped to fields, and a before_import_row hook that turns 男/女 and 常住/流动 into codes and looks
the household up by building and room. It is run twice: with the defaults, and with
use_bulk=True (its faster mode). It does less than Fangkong's importer does (no tags, no audit
entries, no timeline, no residences, no check of the ID numbers), which only favours it.

Both sides read the same .xlsx (without a title row, which django-import-export cannot skip)
into a copy of the same prepared database, each in its own subprocess. The time of each side is
its import alone, reading the file included, from after Python and Django have started (about
0.7 s, the same for every side). Target: Fangkong at least 20x faster than the default.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import import_floor as common  # noqa: E402 - the ledger generator and database set-up


def make_ledger(path, count):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append(common.HEADER)
    for row in common.rows(count):
        sheet.append(row)
    workbook.save(path)


def side_fangkong(data_dir, path):
    common.django_setup(data_dir)
    from fangkong.core.models import Community
    from fangkong.registry.ledger.importer import import_people

    community = Community.objects.get(code="bench")
    cpu, started = common.cpu_now(), time.perf_counter()
    result = import_people(path, community)
    return {"created": result.created, "reported": result.reported, "seconds": time.perf_counter() - started,
            "cpu": common.cpu_now() - cpu}


def side_import_export(data_dir, path, use_bulk=False):
    common.django_setup(data_dir)
    from import_export import fields, resources
    from import_export.formats.base_formats import XLSX

    from fangkong.core.models import Community, Household, Person

    community = Community.objects.get(code="bench")

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        sex = fields.Field(attribute="sex", column_name="性别")
        id_number = fields.Field(attribute="id_number", column_name="身份证号")
        phone = fields.Field(attribute="phone", column_name="手机号")
        relation = fields.Field(attribute="relation", column_name="与户主关系")
        residency = fields.Field(attribute="residency", column_name="人员类型")
        occupation = fields.Field(attribute="occupation", column_name="职业")
        workplace = fields.Field(attribute="workplace", column_name="工作单位")
        note = fields.Field(attribute="note", column_name="备注")

        class Meta:
            model = Person
            import_id_fields = ["id_number"]
            fields = ["name", "sex", "id_number", "phone", "relation", "residency", "occupation", "workplace", "note"]
            skip_unchanged = True

        def before_import_row(self, row, **kwargs):
            row["性别"] = "M" if row.get("性别") == "男" else "F"
            row["人员类型"] = "migrant" if row.get("人员类型") == "流动" else "resident"
            for key in ("职业", "工作单位", "备注", "与户主关系"):
                row[key] = row.get(key) or ""
            row["手机号"] = str(row.get("手机号") or "")

        def before_save_instance(self, instance, row, **kwargs):
            instance.community = community
            instance.household = Household.objects.filter(
                community=community, building__door_number=str(row["楼栋"]), room=str(row["房号"])).first()
            instance.fill_derived()

    PersonResource._meta.use_bulk = use_bulk
    cpu, started = common.cpu_now(), time.perf_counter()
    dataset = XLSX().create_dataset(Path(path).read_bytes())
    result = PersonResource().import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True)
    return {"created": result.totals.get("new", 0), "reported": len(result.row_errors()) + result.totals.get(
        "invalid", 0), "seconds": time.perf_counter() - started, "cpu": common.cpu_now() - cpu}


SIDES = {
    "fangkong": side_fangkong,
    "import_export": side_import_export,
    "import_export_bulk": lambda data_dir, path: side_import_export(data_dir, path, use_bulk=True),
}


def child(side, data_dir, path):
    if side == "prepare":
        common.prepare_database(data_dir, int(path))
        return
    print(json.dumps(SIDES[side](data_dir, path)))


def run_side(side, template, work, path):
    data_dir = work / side
    shutil.copytree(template, data_dir)
    output = subprocess.run([sys.executable, __file__, "--child", side, str(data_dir), str(path)],
                            capture_output=True, text=True, check=False)
    shutil.rmtree(data_dir, ignore_errors=True)
    if output.returncode:
        sys.exit(f"{side} failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    try:
        import import_export  # noqa: F401
    except ImportError:
        sys.exit("pip install django-import-export==4.4.3 first (for this benchmark only)")
    work = Path(tempfile.mkdtemp(prefix="fangkong-bench-"))
    try:
        path = work / f"ledger-{args.rows}.xlsx"
        make_ledger(path, args.rows)
        template = work / "template"
        subprocess.run([sys.executable, __file__, "--child", "prepare", str(template), str(args.rows)], check=True)
        results = {side: run_side(side, template, work, path) for side in SIDES}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"rows: {args.rows:,}   (wall = elapsed seconds; cpu = the process's own CPU seconds)")
    for side, item in results.items():
        print(f"  {side:20s} wall {item['seconds']:7.2f} s  cpu {item['cpu']:7.2f} s  "
              f"{args.rows / item['seconds']:7,.0f} rows/s  added {item['created']:,}, reported {item['reported']:,}")
    ours = results["fangkong"]
    for side, name in (("import_export", "django-import-export"), ("import_export_bulk",
                                                                   "django-import-export (use_bulk)")):
        other = results[side]
        target = "  (target >= 20x)" if side == "import_export" else ""
        print(f"{name} / fangkong: wall {other['seconds'] / ours['seconds']:.1f}x, "
              f"cpu {other['cpu'] / ours['cpu']:.1f}x{target}")


if __name__ == "__main__":
    main()
