"""Queue background work only after the transaction that asked for it commits.

How it runs depends on settings.FANGKONG_TASK_MODE:
- "celery": sent to the Celery broker (production: FANGKONG_BROKER_URL=redis://...);
- "thread": a thread of this process, so the page can show progress and the work goes on when
  the page is closed (the embedded default, one machine, no broker);
- "inline": in the caller, right after the commit (tests, command line).
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, transaction

log = logging.getLogger(__name__)


def enqueue(task, *args) -> None:
    mode = settings.FANGKONG_TASK_MODE

    def send():
        if mode == "celery":
            task.delay(*args)
        elif mode == "thread":
            threading.Thread(target=_run_in_thread, args=(task, args), daemon=True,
                             name=f"fangkong-{task.name}").start()
        else:
            task.apply(args=args, throw=True)

    transaction.on_commit(send)


def _run_in_thread(task, args):
    close_old_connections()
    try:
        task.apply(args=args, throw=True)
    except Exception:  # the task records its own failure; this keeps the thread's death visible
        log.exception("background task %s failed", task.name)
    finally:
        close_old_connections()
