"""The import-people and export-people commands: same summary as the web, exit codes 0/1/2."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fangkong.core.models import AuditEntry, Person
from tests.factories import id_number

from .ledger_files import person_row, read_xlsx, write_csv, write_xlsx


def import_people(*args):
    out = StringIO()
    try:
        call_command("import-people", *map(str, args), stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_cli_exits_0_when_every_row_was_taken(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)])
    code, out = import_people(path, "--community", "xunmei")
    assert code == 0
    assert "1" in out and Person.objects.filter(name="陈一").exists()


def test_cli_exits_1_and_prints_the_error_report_path_when_rows_were_reported(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101), person_row("陈二", 102, building="999")])
    code, out = import_people(path, "--community", "xunmei")
    assert code == 1
    report = tmp_path / "l.errors.xlsx"
    assert str(report) in out
    assert read_xlsx(report)[1][0] == "陈二"


def test_cli_exits_2_when_the_file_cannot_be_read(world, tmp_path):
    path = tmp_path / "l.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CommandError) as error:
        import_people(path, "--community", "xunmei")
    assert error.value.returncode == 2
    assert Person.objects.count() == 4


def test_cli_dry_run_writes_nothing(world, tmp_path):
    path = write_csv(tmp_path / "l.csv", [person_row("陈一", 101)])
    code, out = import_people(path, "--community", "xunmei", "--dry-run")
    assert code == 0
    assert not Person.objects.filter(name="陈一").exists()


def test_cli_create_places_creates_the_building(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, building="999")])
    assert import_people(path, "--community", "xunmei", "--create-places")[0] == 0
    assert Person.objects.get(name="陈一").household.building.door_number == "999"


def test_cli_as_a_building_leader_reports_rows_outside_their_buildings(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101, building="17")])
    code, _out = import_people(path, "--community", "xunmei", "--user", "buildingleader")
    assert code == 1
    assert not Person.objects.filter(name="陈一").exists()


def test_cli_export_writes_a_masked_ledger_and_an_audit_entry(world, tmp_path):
    out = tmp_path / "out.xlsx"
    call_command("export-people", "--community", "xunmei", "--grid", "1", "-o", str(out), stdout=StringIO())
    rows = read_xlsx(out)
    assert {row[0] for row in rows[1:]} == {"张三", "李四"}
    assert id_number(11) not in str(rows)
    assert AuditEntry.objects.filter(action="export", reason="").count() == 1


def test_cli_export_reveals_only_with_a_user_allowed_to_and_a_reason(world, tmp_path):
    out = tmp_path / "out.xlsx"
    with pytest.raises(CommandError):
        call_command("export-people", "--community", "xunmei", "-o", str(out), "--reveal-reason", "疫情排查")
    with pytest.raises(CommandError):
        call_command("export-people", "--community", "xunmei", "-o", str(out), "--reveal-reason", "疫情排查",
                     "--user", "gridworker")
    call_command("export-people", "--community", "xunmei", "-o", str(out), "--reveal-reason", "疫情排查",
                 "--user", "command", stdout=StringIO())
    assert id_number(11) in str(read_xlsx(out))
    assert AuditEntry.objects.get(action="export").reason == "疫情排查"
