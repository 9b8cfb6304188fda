"""The import error report is personal data like every export: masked by default on the page and
beside the input file of the command line; whole numbers only with the reveal permission and a
reason; every download in the audit log (issue 10 §4)."""

import io
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from fangkong.core.models import AuditAction, AuditEntry
from fangkong.registry.models import ImportJob
from tests.factories import id_number

from .ledger_files import person_row, read_xlsx, write_xlsx

PHONE = "13800000102"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path


def imported_with_a_reported_row(client, tmp_path, capture):
    path = write_xlsx(tmp_path / "台账.xlsx", [person_row("陈一", 101), person_row("陈二", 102, phone=PHONE,
                                                                                  building="999")])
    from django.core.files.uploadedfile import SimpleUploadedFile
    client.post("/ledgers/import/", {"file": SimpleUploadedFile(path.name, path.read_bytes())})
    job = ImportJob.objects.get()
    with capture(execute=True):
        client.post(f"/ledgers/imports/{job.pk}/start/")
    job.refresh_from_db()
    assert job.reported == 1
    return job


def body(response):
    return read_xlsx(io.BytesIO(b"".join(response.streaming_content)))


def test_the_error_report_download_is_masked_and_audited(world, login, tmp_path,
                                                          django_capture_on_commit_callbacks):
    client = login(world.users["command_post"])
    job = imported_with_a_reported_row(client, tmp_path, django_capture_on_commit_callbacks)
    before = AuditEntry.objects.filter(action=AuditAction.EXPORT).count()
    response = client.get(f"/ledgers/imports/{job.pk}/errors/")
    assert response.status_code == 200
    rows = body(response)
    text = repr(rows)
    assert rows[1][0] == "陈二"
    assert id_number(102) not in text and PHONE not in text
    assert id_number(102)[:6] in text and PHONE[-4:] in text  # masked, not dropped
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).order_by("-pk").first()
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == before + 1
    assert (entry.object_type, entry.object_id, entry.fields) == ("importjob", str(job.pk), "")


def test_whole_numbers_need_the_permission_and_a_reason_and_are_audited(world, login, tmp_path,
                                                                       django_capture_on_commit_callbacks):
    user = world.users["command_post"]
    user.user_permissions.remove(Permission.objects.get(codename="reveal_personal_data"))
    client = login(type(user).objects.get(pk=user.pk))
    job = imported_with_a_reported_row(client, tmp_path, django_capture_on_commit_callbacks)
    url = f"/ledgers/imports/{job.pk}/errors/"
    assert client.post(url, {"mode": "reveal", "reason": "核对"}).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    client = login(type(user).objects.get(pk=user.pk))
    assert client.post(url, {"mode": "reveal", "reason": ""}).status_code == 400
    response = client.post(url, {"mode": "reveal", "reason": "核对身份证"})
    assert response.status_code == 200
    text = repr(body(response))
    assert id_number(102) in text and PHONE in text
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT, reason="核对身份证").get()
    assert entry.object_id == str(job.pk) and "id_number" in entry.fields


def test_the_command_lines_report_beside_the_file_is_masked(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101), person_row("陈二", 102, phone=PHONE,
                                                                              building="999")])
    try:
        call_command("import-people", str(path), "--community", "xunmei", stdout=StringIO())
    except SystemExit:
        pass
    rows = read_xlsx(tmp_path / "l.errors.xlsx")
    text = repr(rows)
    assert rows[1][0] == "陈二"
    assert id_number(102) not in text and PHONE not in text
