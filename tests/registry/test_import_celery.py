"""The production path of a web import: the task goes through Redis to a real Celery worker
(a separate process, as on a worker machine), only after the transaction that asked for it
commits. Skipped when no Redis answers, except in CI (FANGKONG_REQUIRE_REDIS=1)."""

import os
import subprocess
import sys
import time

import pytest
from django.db import connection, transaction

from fangkong.core.models import Person
from fangkong.lib.tasks import enqueue
from fangkong.registry.models import ImportJob, ImportStatus
from fangkong.registry.tasks import import_ledger

from .ledger_files import person_row, write_xlsx
from .test_import_jobs import make_job

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/14"


def redis_or_skip():
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("FANGKONG_REQUIRE_REDIS"):
            pytest.fail(f"Redis is required here and does not answer at {REDIS_URL}: {error}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    client.flushdb()
    return client


def database_url():
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def worker(settings, tmp_path):
    redis_or_skip()
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.FANGKONG_TASK_MODE = "celery"
    from fangkong.celery import app

    app.conf.broker_url = REDIS_URL
    env = dict(os.environ, FANGKONG_BROKER_URL=REDIS_URL, DATABASE_URL=database_url(),
               FANGKONG_DATA_DIR=str(tmp_path))
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "fangkong", "worker", "--pool=solo", "--concurrency=1",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield process
    process.terminate()
    try:
        process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(job, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return job
        time.sleep(0.3)
    raise AssertionError(f"the worker did not finish the import within {seconds} s (status {job.status})")


@pytest.mark.django_db(transaction=True)
def test_a_web_import_runs_on_a_celery_worker_after_commit(world, worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path
    rows = [person_row("陈一", 101), person_row("陈二", 102), person_row("陈三", 103, building="9")]
    job = make_job(world, write_xlsx(tmp_path / "ledger.xlsx", rows))
    with transaction.atomic():
        enqueue(import_ledger, job.pk)
        # Not sent yet: the worker must not look for a job its transaction has not committed.
        time.sleep(0.5)
        assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.PENDING
    job = wait_for(job)
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created, job.reported) == (2, 1)
    names = set(Person.objects.filter(name__in=["陈一", "陈二", "陈三"]).values_list("name", flat=True))
    assert names == {"陈一", "陈二"}
