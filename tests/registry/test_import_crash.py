"""One import is one transaction: the command line killed with SIGKILL half-way leaves the database
as it was, and running it again completes. Runs the real `fangkong` command in a subprocess
against a file-based SQLite database."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest
from openpyxl import Workbook

from fangkong.lib.idnumber import make

ROWS = 15000
SETUP = """
import django; django.setup()
from fangkong.core.models import Community, Grid
community = Community.objects.create(name="测试社区", code="crash")
Grid.objects.create(community=community, number=1, name="第一网格")
"""


def ledger(path, rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["姓名", "身份证号", "手机号", "网格", "楼栋", "房号"])
    for n in range(rows):
        birth = date(1950, 1, 1) + timedelta(days=n // 900)
        household = n // 3  # three people to a flat, twenty flats to a building
        room = 100 * (household % 20 // 4 + 1) + household % 4 + 1
        sheet.append([f"居民{n}", make(f"350503{birth:%Y%m%d}{n % 900 + 100:03d}"), f"138{n:08d}", "1",
                      str(household // 20 + 1), str(room)])
    workbook.save(path)


@pytest.fixture
def cli(tmp_path):
    env = {**os.environ, "FANGKONG_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "fangkong.settings",
           "FANGKONG_TASK_MODE": "inline"}
    env.pop("DATABASE_URL", None)

    def run(*args, **kwargs):
        return subprocess.run([sys.executable, "-m", "fangkong", *args], env=env, capture_output=True, text=True,
                              timeout=600, **kwargs)

    assert run("migrate", "--no-input").returncode == 0
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, timeout=120)
    run.env = env
    run.database = tmp_path / "data" / "fangkong.sqlite3"
    return run


def count(database, table):
    with sqlite3.connect(database) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


TABLES = ["core_person", "core_household", "core_building", "core_auditentry", "core_timelineentry"]


def test_an_import_killed_half_way_leaves_the_database_as_it_was_and_a_rerun_completes(cli, tmp_path):
    path = tmp_path / "big.xlsx"
    ledger(path, ROWS)
    before = {table: count(cli.database, table) for table in TABLES}
    process = subprocess.Popen(
        [sys.executable, "-m", "fangkong", "import-people", str(path), "--community", "crash", "--create-places",
         "-v", "2"], env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Progress lines come after each chunk is written (inside the transaction): kill after the
    # second, when thousands of rows are in the database file's write-ahead log but not committed.
    lines = 0
    deadline = time.monotonic() + 300
    while lines < 2 and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines += "/" in line
    assert lines == 2, "the import finished or failed before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert {table: count(cli.database, table) for table in TABLES} == before

    again = cli("import-people", str(path), "--community", "crash", "--create-places")
    assert again.returncode == 0, again.stderr
    assert count(cli.database, "core_person") == before["core_person"] + ROWS
    assert f"{ROWS}" in again.stdout


def test_the_real_command_exits_2_on_an_unreadable_file(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\x00\x01\x02" * 100)
    result = cli("import-people", str(path), "--community", "crash")
    assert result.returncode == 2
    assert "CommandError" in result.stderr or result.stderr
