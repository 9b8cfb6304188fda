"""Celery, for background work (imports, results, PDFs) when a broker is configured.

Without a broker (the embedded default) tasks run in this process: see fangkong.lib.tasks."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")

app = Celery("fangkong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
