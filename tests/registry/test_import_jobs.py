"""Import jobs in the background: progress readable while the import's transaction is open, a
redelivered task changes nothing, an unreadable file fails the job with its reason."""

import pytest
from django.core.files.base import ContentFile

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


def test_progress_written_during_the_import_is_read_by_the_job_page(world, tmp_path):
    job = make_job(world, write_xlsx(tmp_path / "l.xlsx", [person_row("陈一", 101)]), status="running")
    writer = ProgressWriter(job.pk)
    writer(4000, 10000)
    assert progress(job) == (4000, 10000)
    writer.close()
    assert progress(job) == (0, 0)


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
