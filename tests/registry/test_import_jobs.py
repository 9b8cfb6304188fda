"""Import jobs in the background: progress readable while the import's transaction is open, a
redelivered task changes nothing, an unreadable file fails the job with its reason."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction

from fangkong.core.models import Person
from fangkong.registry.ledger.jobs import ProgressWriter, progress, run_job
from fangkong.registry.models import ImportJob
from fangkong.registry.tasks import import_ledger

from .ledger_files import person_row, write_xlsx


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path


def make_job(world, path, **fields):
    job = ImportJob(community=world.community, created_by=world.users["command_post"], original_name=path.name,
                    **fields)
    job.file.save(path.name, ContentFile(path.read_bytes()), save=False)
    job.save()
    return job


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps a running job's progress in a file")
def test_progress_on_sqlite_goes_through_a_file_the_job_page_reads(world, tmp_path):
    job = make_job(world, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)]), status="running")
    writer = ProgressWriter(job.pk)
    with transaction.atomic():  # as inside the import's transaction
        writer(4000, 10000)
    assert progress(job) == (4000, 10000)
    writer.close()
    assert progress(job) == (0, 0)


@pytest.mark.skipif(connection.vendor == "sqlite", reason="other databases take progress on a second connection")
def test_progress_goes_through_a_second_connection_that_commits_at_once(transactional_db, tmp_path):
    from tests.factories import make_world

    world = make_world()
    job = make_job(world, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)]), status="running")
    writer = ProgressWriter(job.pk)
    with transaction.atomic():  # the import's transaction stays open; the progress is committed anyway
        writer(4000, 10000)
        ImportJob.objects.filter(pk=job.pk).exists()
    writer.close()
    job.refresh_from_db()
    assert progress(job) == (4000, 10000)


def test_the_task_imports_and_records_the_summary(world, tmp_path):
    job = make_job(world, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101), person_row("陈二", 102,
                                                                                            building="9")]))
    import_ledger.apply(args=[job.pk], throw=True)
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows, job.created, job.reported) == ("done", 2, 2, 1, 1)
    assert job.error_report and job.finished_at and job.message
    assert progress(job) == (2, 2)


def test_a_task_delivered_twice_imports_once(world, tmp_path):
    job = make_job(world, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)]))
    run_job(job.pk)
    Person.objects.filter(name="陈一").update(phone="13999999999")
    run_job(job.pk)
    assert Person.objects.get(name="陈一").phone == "13999999999"


def test_an_unreadable_file_fails_the_job_with_its_reason(world, tmp_path):
    path = tmp_path / "l.xlsx"
    path.write_bytes(b"PK\x03\x04 broken")
    job = make_job(world, path)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.message


def test_the_summary_is_in_the_language_of_the_uploader(world, tmp_path):
    job = make_job(world, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)]), mapping={"language": "en"})
    run_job(job.pk)
    job.refresh_from_db()
    assert "1 row read" in job.message
