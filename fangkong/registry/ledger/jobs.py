"""Import jobs: an uploaded ledger, imported in the background, with a progress bar.

Where the progress goes while the import runs
---------------------------------------------
The import writes its data in one transaction, so the job row cannot simply be updated as it
goes: an update inside that transaction is invisible to the page polling it until the end, and
on SQLite a second connection cannot write at all while the import holds the write lock.

- On SQLite (the embedded default: one machine, the server's threads or processes) the progress
  goes to a small JSON file beside the database, replaced atomically (write, then rename). Any
  gunicorn worker of the machine reads it; nothing waits for a lock.
- On PostgreSQL (production, Celery workers on other machines) it goes to the job row through a
  second database connection of its own, committed at once; the import's transaction does not
  touch the job row, so nothing waits there either.

The page reads ``progress(job)``, which takes whichever is newer. When the import ends, the job
row gets its final counts in an ordinary transaction and the file is removed. The data and the
job status are never inconsistent: the status says done only after the data has committed, and
a task killed half-way leaves the data as it was and the job "running"; running it again (Celery
re-delivers it, since tasks acknowledge late) starts over and completes.
"""

import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.registry.models import ImportJob, ImportStatus

from .importer import import_people
from .reader import LedgerError

log = logging.getLogger(__name__)


def _progress_path(job_id) -> Path:
    return Path(settings.DATA_DIR) / "progress" / f"import-{job_id}.json"


def _uses_sqlite() -> bool:
    return connections["default"].vendor == "sqlite"


class ProgressWriter:
    """Write a running job's progress where the job page can read it during the import."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.connection = None

    def __call__(self, processed: int, total: int):
        if _uses_sqlite():
            path = _progress_path(self.job_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"processed": processed, "total": total}))
            os.replace(temporary, path)
            return
        if self.connection is None:
            self.connection = connections.create_connection("default")  # autocommits each update
        table = ImportJob._meta.db_table
        with self.connection.cursor() as cursor:
            cursor.execute(f'UPDATE "{table}" SET processed_rows = %s, total_rows = %s WHERE id = %s',
                           [processed, total, self.job_id])

    def close(self):
        if self.connection is not None:
            self.connection.close()
        _progress_path(self.job_id).unlink(missing_ok=True)


def progress(job: ImportJob) -> tuple[int, int]:
    """(processed rows, estimated total rows) of a job, as far as it has gone."""
    if job.status == ImportStatus.RUNNING:
        try:
            data = json.loads(_progress_path(job.pk).read_text())
            return data["processed"], data["total"]
        except (OSError, ValueError, KeyError):
            pass
    return job.processed_rows, job.total_rows


STALLED_AFTER = 15 * 60  # seconds without a sign of life


def is_stalled(job: ImportJob) -> bool:
    """A job "running" with no progress for a long while died with its process (a server
    restart in thread mode). Its data was never committed, so it can simply be run again."""
    if job.status != ImportStatus.RUNNING or job.started_at is None:
        return False
    last = job.started_at.timestamp()
    try:
        last = max(last, _progress_path(job.pk).stat().st_mtime)
    except OSError:
        pass
    return timezone.now().timestamp() - last > STALLED_AFTER


def _forget_upload(job) -> None:
    """An unreadable file is not kept: nothing of a failed import stays on disk."""
    if job.file:
        try:
            job.file.delete(save=False)
        except OSError:
            log.warning("import job %s: the upload could not be removed", job.pk)


def run_job(job_id: int) -> None:
    """Run one import job to its end. Safe to call again for the same job (a redelivered task):
    a finished job is left alone, an interrupted one starts over."""
    job = ImportJob.objects.select_related("community", "created_by").get(pk=job_id)
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return
    job.status, job.started_at, job.processed_rows = ImportStatus.RUNNING, timezone.now(), 0
    job.save(update_fields=["status", "started_at", "processed_rows"])
    writer = ProgressWriter(job.pk)
    language = (job.mapping or {}).get("language") or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            try:
                result = import_people(job.file.path, job.community, job.created_by, name=job.original_name,
                                       dry_run=job.dry_run, create_places=job.create_places, progress=writer)
            except LedgerError as error:
                job.status, job.message = ImportStatus.FAILED, error.message
                _forget_upload(job)
            except Exception:
                log.exception("import job %s failed", job.pk)
                job.status = ImportStatus.FAILED
                job.message = _("The import stopped on an unexpected error; nothing was written. "
                                "Try again, or tell the administrator.")
                _forget_upload(job)
            else:
                job.status = ImportStatus.DONE
                job.total_rows = job.processed_rows = result.rows
                job.created, job.updated, job.unchanged = result.created, result.updated, result.unchanged
                job.reported = result.reported
                # The reasons too, not only the counts: a building leader on a phone cannot open
                # the .xlsx report.
                job.message = "\n".join([result.summary(), *result.reason_lines()])
                if result.error_report:
                    with open(result.error_report, "rb") as handle:
                        stem = Path(job.original_name).stem[:80]
                        job.error_report.save(f"{stem}.errors.xlsx", File(handle), save=False)
                    os.unlink(result.error_report)
    finally:
        writer.close()
        job.finished_at = timezone.now()
        with transaction.atomic():
            job.save()
