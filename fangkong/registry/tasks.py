"""Background tasks of the registry. Thin: each calls a service function and nothing else.

Queued through fangkong.lib.tasks.enqueue, which sends them to Celery when a broker is configured,
runs them in a thread of the server otherwise, and inline in tests."""

from celery import shared_task


@shared_task(name="registry.import_ledger", acks_late=True)
def import_ledger(job_id: int) -> None:
    from fangkong.registry.ledger.jobs import run_job

    run_job(job_id)
