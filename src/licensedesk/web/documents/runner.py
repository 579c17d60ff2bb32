"""Where generation jobs run: on the Celery task queue when ``CELERY_BROKER_URL`` is set
(``LICENSEDESK_CELERY_BROKER_URL``), else in this process, on a small thread pool.

Either way the work is :func:`licensedesk.web.documents.services.generation_job_run`, started after the
request's transaction commits (``transaction.on_commit`` in the service), so the worker always finds the
job row. The thread pool suits one server process and the demo.

A process beats for the jobs it holds (:mod:`licensedesk.web.documents.heartbeat`): this one for each job
from the moment it is handed to the pool (queued there) until its thread is done, a Celery worker for the
job it runs. When the process stops, the beats stop, and within ``JOB_HEARTBEAT_TIMEOUT_SECONDS`` the job
is marked interrupted (by the panel polling it, a new request, the sweep at ``licensedesk serve`` start
and the periodic housekeeping) instead of blocking its case.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import connections

from licensedesk.web.documents import heartbeat

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: set[Future[None]] = set()


def celery_enabled() -> bool:
    return bool(getattr(settings, "CELERY_BROKER_URL", ""))


def backend_name() -> str:
    return "celery" if celery_enabled() else "thread"


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            workers = int(getattr(settings, "DOCUMENT_WORKERS", 2) or 2)
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="licensedesk-documents")
        return _executor


def _run_in_thread(job_id: int) -> None:
    from licensedesk.web.documents.services import generation_job_run

    try:
        generation_job_run(job_id=job_id)
    except Exception:  # generation_job_run records its own failures; this is a database outage or a bug
        logger.exception("generation job %s crashed", job_id)
    finally:
        heartbeat.release(job_id)  # held since enqueue()
        connections.close_all()  # this thread's connections only


def enqueue(job_id: int) -> None:
    """Start job ``job_id`` in the background (called once its transaction committed)."""
    if celery_enabled():
        from licensedesk.web.celery import app  # noqa: F401  (makes the configured app the current one)
        from licensedesk.web.documents.services import generation_job_fail_to_start
        from licensedesk.web.documents.tasks import run_generation_job

        try:
            run_generation_job.delay(job_id)
        except Exception as exc:  # the broker is unreachable: say so on the job instead of waiting forever
            generation_job_fail_to_start(job_id=job_id, error=exc)
        return
    heartbeat.hold(job_id)  # a job waiting in this process's queue is alive as long as the process is
    try:
        future = _pool().submit(_run_in_thread, job_id)
    except BaseException:
        heartbeat.release(job_id)
        raise
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future[None]) -> None:
    with _lock:
        _pending.discard(future)


def drain(timeout: float | None = None) -> bool:
    """Wait until every job submitted to the in-process pool has finished (tests, shutdown). True if
    none is left running."""
    with _lock:
        pending = set(_pending)
    if not pending:
        return True
    _, not_done = wait(pending, timeout=timeout)
    return not not_done
