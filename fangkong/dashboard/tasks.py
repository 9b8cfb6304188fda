"""Background tasks of the dashboard. Thin: each calls a service function and nothing else.

Queued through fangkong.lib.tasks.enqueue: to Celery when a broker is configured, a thread of the
server otherwise, inline in tests."""

from celery import shared_task


@shared_task(name="dashboard.refresh_figures", acks_late=True)
def refresh_figures(community_ids: list, day: str) -> None:
    import datetime as dt

    from fangkong.dashboard.figures import compute

    compute(dt.date.fromisoformat(day), community_ids)


@shared_task(name="dashboard.issue_briefing", acks_late=True)
def issue_briefing(job_id: int) -> None:
    from fangkong.dashboard.services import run_briefing_job

    run_briefing_job(job_id)
