"""The import pages: upload, preview with the columns found, confirm, progress, summary and the
error report; only writing roles, and each user's jobs stay theirs."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.core.models import Person
from fangkong.registry.models import ImportJob
from tests.factories import id_number

from .ledger_files import person_row, read_xlsx, write_csv, write_xlsx


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path


def upload(client, path, **options):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes()), **options}
    return client.post("/ledgers/import/", data)


def test_the_command_post_uploads_previews_imports_and_reads_the_summary(
        world, login, tmp_path, django_capture_on_commit_callbacks):
    client = login(world.users["command_post"])
    assert client.get("/ledgers/import/").status_code == 200
    path = write_xlsx(tmp_path / "台账.xlsx", [person_row("陈一", 101), person_row("陈二", 102, building="999")],
                      header=["姓名", "性别", "身份证号", "手机号", "网格", "楼栋", "房号", "人员类型", "民族"])
    response = upload(client, path)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "陈一" in page and "民族" in page  # a preview row, and the ignored column listed
    assert id_number(101) not in page  # masked in the preview
    assert not Person.objects.filter(name="陈一").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ledgers/imports/{job.pk}/start/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.created, job.reported) == ("done", 2, 1, 1)
    assert Person.objects.filter(name="陈一").exists()
    partial = client.get(f"/ledgers/imports/{job.pk}/progress/").content.decode()
    assert "every 1s" not in partial  # polling stops when the job is done
    assert f"/ledgers/imports/{job.pk}/errors/" in partial
    report = client.get(f"/ledgers/imports/{job.pk}/errors/")
    assert report.status_code == 200
    rows = read_xlsx(io.BytesIO(b"".join(report.streaming_content)))
    assert rows[1][0] == "陈二"


def test_a_running_import_page_polls_its_progress_every_second(world, login, tmp_path):
    client = login(world.users["command_post"])
    upload(client, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="running", total_rows=10, processed_rows=4)
    partial = client.get(f"/ledgers/imports/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in partial
    assert '<progress class="w-100" max="100" value="40">' in partial


def test_a_dry_run_from_the_web_writes_nothing(world, login, tmp_path, django_capture_on_commit_callbacks):
    client = login(world.users["command_post"])
    upload(client, write_csv(tmp_path / "l.csv", [person_row("陈一", 101)], encoding="gb18030"), dry_run="on")
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/ledgers/imports/{job.pk}/start/")
    job.refresh_from_db()
    assert (job.status, job.created, job.dry_run) == ("done", 1, True)
    assert not Person.objects.filter(name="陈一").exists()


def test_a_renamed_file_is_refused_on_upload_with_a_message(world, login, tmp_path):
    client = login(world.users["command_post"])
    path = write_csv(tmp_path / "台账.xlsx", [person_row("陈一", 101)])
    response = upload(client, path)
    assert response.status_code == 200
    assert "台账.xlsx" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_without_the_required_columns_is_refused_on_upload(world, login, tmp_path):
    client = login(world.users["command_post"])
    path = write_xlsx(tmp_path / "l.xlsx", [["陈一", "564"]], header=["姓名", "楼栋"])
    response = upload(client, path)
    assert response.status_code == 200
    assert not ImportJob.objects.exists()


def test_a_file_over_the_limit_is_refused_on_upload(world, login, tmp_path, settings):
    settings.FANGKONG_IMPORT_MAX_BYTES = 100
    client = login(world.users["command_post"])
    response = upload(client, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)]))
    assert response.status_code == 200
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("role", ["sampler", "guard", "delivery_volunteer", "district_viewer", "nobody"])
def test_roles_that_do_not_write_cannot_open_the_import_page(world, login, role):
    assert login(world.users[role]).get("/ledgers/import/").status_code == 403


def test_a_building_leader_imports_only_into_their_buildings(world, login, tmp_path,
                                                             django_capture_on_commit_callbacks):
    client = login(world.users["building_leader"])
    upload(client, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101), person_row("陈二", 102, building="17")]))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/ledgers/imports/{job.pk}/start/")
    job.refresh_from_db()
    assert (job.created, job.reported) == (1, 1), job.message
    assert not Person.objects.filter(name="陈二").exists()


def test_other_users_jobs_answer_404(world, login, client, tmp_path):
    command = login(world.users["command_post"])
    upload(command, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)]))
    job = ImportJob.objects.get()
    for role in ["outsider", "building_leader", "grid_worker"]:
        client.force_login(world.users[role])
        for url in [job.get_absolute_url(), f"/ledgers/imports/{job.pk}/progress/",
                    f"/ledgers/imports/{job.pk}/errors/"]:
            assert client.get(url).status_code == 404, (role, url)
        assert client.post(f"/ledgers/imports/{job.pk}/start/").status_code == 404
    client.force_login(world.users["command_post"])
    assert client.get("/ledgers/imports/").content.decode().count(job.get_absolute_url()) == 1
    client.force_login(world.users["outsider"])
    assert job.get_absolute_url() not in client.get("/ledgers/imports/").content.decode()


def test_the_job_page_fits_a_phone_without_inline_scripts(world, login, tmp_path):
    client = login(world.users["command_post"])
    upload(client, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)]))
    for url in ["/ledgers/import/", ImportJob.objects.get().get_absolute_url(), "/ledgers/imports/",
                "/ledgers/export/"]:
        body = client.get(url).content.decode()
        assert "<script>" not in body and " style=" not in body and "onclick" not in body
        assert 'name="viewport"' in body


def test_an_import_that_died_with_its_server_can_be_run_again(world, login, tmp_path,
                                                              django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    client = login(world.users["command_post"])
    upload(client, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now() - dt.timedelta(hours=1))
    page = client.get(job.get_absolute_url()).content.decode()
    assert f"/ledgers/imports/{job.pk}/start/" in page and "every 1s" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/ledgers/imports/{job.pk}/start/")
    job.refresh_from_db()
    assert (job.status, job.created) == ("done", 1)
