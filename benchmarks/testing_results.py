"""Results of a testing round: 100,000 tubes covering 1,000,000 persons, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/testing_results.py                      # both databases, 1,000,000 persons
    .venv/bin/python benchmarks/testing_results.py --persons 100000     # a quick run
    .venv/bin/python benchmarks/testing_results.py --only sqlite

Each database runs in a subprocess of its own: SQLite in a temporary FANGKONG_DATA_DIR,
PostgreSQL in a database this script creates and drops (FANGKONG_BENCH_PG, default
postgres://postgres@127.0.0.1:5432/postgres, names the server). Setup, not timed: a community of
N persons in households of 3 and buildings of 100 households, a 10-in-1 round, 95 % of the
persons sampled into N/10 tubes (the last 5 % untested). Timed, each once:

- import: ``testing.services.import_results`` of one row per tube (1 % positive, 0.5 % invalid,
  the rest negative), with its timeline entries and void samples;
- re-import: the same rows again (must change nothing);
- retest list: ``retest_list`` by building, as the command post sees it;
- coverage: ``coverage`` (must test, sampled, back, negative, retest, untested by building, grid and
  community), as the command post sees it.
Target: each under 10 s. Exit code 0 when every figure holds.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import testing_common as common  # noqa: E402

TARGET = 10.0


def child(backend: str, persons: int) -> dict:
    data_dir = tempfile.mkdtemp(prefix="fk-results-")
    dbname = f"fk_bench_results_{int(time.time())}"
    url = common.createdb(dbname) if backend == "postgres" else None
    try:
        common.setup_django(data_dir, url)
        return _run(persons)
    finally:
        if url:
            from django.db import connections

            connections.close_all()
            common.dropdb(dbname)


def _run(persons: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from fangkong.testing import services
    from fangkong.testing.models import Sample, Tube

    community, round_, users, person_ids = common.build(persons, pool_size=10)
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    sampled = person_ids[: int(len(person_ids) * 0.95)]
    tubes = -(-len(sampled) // 10)
    with transaction.atomic():
        common.insert(Tube, ["community_id", "round_id", "code", "pool_size", "n", "point", "opened_at", "closed_at",
                             "result", "result_file", "result_conflict", "correction_reason"],
                      ((community.pk, round_.pk, f"R{t:08d}", 10, min(10, len(sampled) - 10 * t), "", stamp, stamp, "",
                        "", "[]", "") for t in range(tubes)))
        tube_ids = list(Tube.objects.filter(round=round_).order_by("code").values_list("pk", flat=True))
        common.insert(Sample, ["community_id", "round_id", "tube_id", "person_id", "client_id", "at", "void"],
                      ((community.pk, round_.pk, tube_ids[i // 10], pk, f"s{i}", stamp, False)
                       for i, pk in enumerate(sampled)))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    words = ["positive" if t % 100 == 7 else "invalid" if t % 200 == 3 else "negative" for t in range(tubes)]
    rows = [(t + 2, f"R{t:08d}", words[t], "2026-11-23 18:00") for t in range(tubes)]
    rows.append((tubes + 2, "UNKNOWN1", "negative", ""))
    command = users["command"]
    figures = {"backend": connection.vendor, "persons": persons, "tubes": tubes}

    profile = None
    if os.environ.get("FANGKONG_BENCH_PROFILE"):  # a file: where the import's time goes, written there
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    started = time.perf_counter()
    report = services.import_results(command, round_, rows)
    figures["import_s"] = time.perf_counter() - started
    if profile is not None:
        profile.disable()
        from django.db import connection

        profile.dump_stats(f"{os.environ['FANGKONG_BENCH_PROFILE']}.{connection.vendor}")
    figures["taken"], figures["unknown"] = report.taken, len(report.unknown)
    figures["retest_persons"] = report.retest_persons

    started = time.perf_counter()
    again = services.import_results(command, round_, rows)
    figures["reimport_s"] = time.perf_counter() - started
    figures["reimport_taken"] = again.taken

    started = time.perf_counter()
    listed = services.retest_list(round_, command)
    figures["retest_list_s"] = time.perf_counter() - started
    figures["retest_listed"] = sum(len(p) for _b, p in listed)

    started = time.perf_counter()
    cover = services.coverage(round_, command)
    figures["coverage_s"] = time.perf_counter() - started
    figures["buildings"] = len(cover.buildings)
    figures["untested"] = cover.community.untested
    figures["must"] = cover.community.must
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.persons)), flush=True)
        return 0
    ok = True
    for backend in [args.only] if args.only else ["sqlite", "postgres"]:
        print(f"{backend}: {args.persons:,} persons", flush=True)
        out = subprocess.run([sys.executable, __file__, "--child", backend, "--persons", str(args.persons)],
                             capture_output=True, text=True)
        lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
        print("\n".join(line for line in out.stdout.splitlines() if not line.startswith("RESULT ")))
        if out.returncode or not lines:
            print(out.stderr[-3000:])
            ok = False
            continue
        f = json.loads(lines[-1][7:])
        print(f"  {f['tubes']:,} tubes, {f['taken']:,} taken, {f['unknown']} unknown reported, "
              f"{f['retest_persons']:,} persons to retest")
        for key, label in [("import_s", "import"), ("reimport_s", "re-import (changes nothing)"),
                           ("retest_list_s", "retest list by building"), ("coverage_s", "coverage / untested")]:
            hold = f[key] < TARGET
            ok &= hold
            print(f"  {label:32s} {f[key]:7.2f} s   target < {TARGET:.0f} s  {'ok' if hold else 'MISSED'}"
                  f"   ({f[key] / TARGET:.2f} of target)")
        print(f"  re-import took {f['reimport_taken']} tubes; retest list {f['retest_listed']:,} persons; "
              f"{f['untested']:,} of {f['must']:,} untested in {f['buildings']:,} buildings")
        ok &= f["reimport_taken"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
