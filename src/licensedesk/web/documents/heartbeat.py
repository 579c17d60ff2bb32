"""Heartbeats of generation jobs: how a process shows it still holds a job, and how a job whose process
stopped (SIGKILL, a restart, an out-of-memory kill) is told from one that is merely slow.

Every process that holds jobs (the web process for those queued on or running in its thread pool, a
Celery worker for the one it runs) has one small daemon thread that, every ``JOB_HEARTBEAT_SECONDS``
(default 5), sets ``heartbeat_at`` of all the jobs it holds in one short UPDATE on the thread's own
database connection. The thread exists only while the process holds a job. A render step takes about a
second and holds the GIL only in bursts, so the beat keeps coming while a document is drafted; the job
also beats between documents (:func:`licensedesk.web.documents.services._progress`).

The beat must never make a job wait, nor wait long itself: on SQLite it waits at most
``_LOCK_WAIT_MS`` for the write lock (PostgreSQL: ``lock_timeout``) and a missed beat is only logged —
the timeout allows several to be missed.

A job is *stale* (its process is gone) when, at ``now``:

* it has a heartbeat older than ``JOB_HEARTBEAT_TIMEOUT_SECONDS`` (default 30), or
* it never had one and was created longer ago than that — for a Celery job still queued, plus
  ``JOB_QUEUE_ALLOWANCE_SECONDS`` (default 900): it may wait in the broker for a free worker, and no
  process beats for it there.

:func:`stale_q` says this in SQL (the sweep) and :func:`is_stale` in Python (the panel, without a
query); a test keeps them equal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.models import Q
from django.utils import timezone

from licensedesk.web.documents.models import ACTIVE_STATUSES, GenerationJob, JobStatus

logger = logging.getLogger(__name__)

_LOCK_WAIT_MS = 2000  # how long one beat may wait for a database lock before it is skipped

_lock = threading.Lock()
_wake = threading.Event()
_held: dict[int, int] = {}  # job id → how many holders (the pool's queue and the run itself)
_thread: threading.Thread | None = None


def interval() -> float:
    """Seconds between two beats."""
    return float(getattr(settings, "JOB_HEARTBEAT_SECONDS", 5))


def timeout() -> timedelta:
    """How long without a beat means the job's process is gone."""
    return timedelta(seconds=float(getattr(settings, "JOB_HEARTBEAT_TIMEOUT_SECONDS", 30)))


def queue_allowance() -> timedelta:
    """How much longer a Celery job may wait in the broker, never beaten, before it counts as lost."""
    return timedelta(seconds=float(getattr(settings, "JOB_QUEUE_ALLOWANCE_SECONDS", 900)))


def now() -> datetime:
    """The clock staleness is judged by (one place, so a test can move it)."""
    return timezone.now()


def stale_q(at: datetime) -> Q:
    """The active jobs whose process is gone at ``at`` (see the module's docstring)."""
    cutoff = at - timeout()
    in_broker = Q(status=JobStatus.QUEUED, backend="celery")
    never_beaten = Q(heartbeat_at__isnull=True)
    return Q(status__in=ACTIVE_STATUSES) & (
        Q(heartbeat_at__lt=cutoff)
        | (never_beaten & ~in_broker & Q(created_at__lt=cutoff))
        | (never_beaten & in_broker & Q(created_at__lt=cutoff - queue_allowance()))
    )


def is_stale(job: GenerationJob, at: datetime) -> bool:
    """:func:`stale_q` for one job already read."""
    if job.status not in ACTIVE_STATUSES:
        return False
    cutoff = at - timeout()
    if job.heartbeat_at is not None:
        return job.heartbeat_at < cutoff
    if job.status == JobStatus.QUEUED and job.backend == "celery":
        return job.created_at < cutoff - queue_allowance()
    return job.created_at < cutoff


# -- the beating thread ---------------------------------------------------------------------------------


def hold(job_id: int) -> None:
    """This process holds job ``job_id`` from now on: beat for it until :func:`release`."""
    global _thread
    with _lock:
        _held[job_id] = _held.get(job_id, 0) + 1
        if _thread is None:
            _thread = threading.Thread(target=_beat_loop, name="licensedesk-job-heartbeat", daemon=True)
            _thread.start()
    _wake.set()  # the first beat comes now, not one interval later


def release(job_id: int) -> None:
    """This process no longer holds job ``job_id`` (once each :func:`hold` is released)."""
    with _lock:
        left = _held.get(job_id, 0) - 1
        if left > 0:
            _held[job_id] = left
        else:
            _held.pop(job_id, None)
    _wake.set()  # lets the thread end at once when nothing is left


@contextmanager
def beating(job_id: int) -> Iterator[None]:
    """Beat for ``job_id`` while the block runs."""
    hold(job_id)
    try:
        yield
    finally:
        release(job_id)


def held() -> list[int]:
    with _lock:
        return sorted(_held)


def _beat_loop() -> None:
    global _thread
    try:
        while True:
            _wake.wait(interval())
            _wake.clear()
            with _lock:
                ids = sorted(_held)
                if not ids:
                    _thread = None
                    return
            beat(ids)
    finally:
        connections.close_all()  # this thread's connections only


def beat(ids: list[int]) -> int:
    """Set ``heartbeat_at`` of the still active jobs among ``ids``; the number set (0 if the beat was
    missed: a lock held too long, the database away)."""
    try:
        _short_lock_wait()
        return GenerationJob.objects.filter(pk__in=ids, status__in=ACTIVE_STATUSES).update(heartbeat_at=now())
    except DatabaseError as exc:
        logger.warning("heartbeat of generation jobs %s missed: %s", ids, exc)
        connection.close()  # a broken connection is opened afresh for the next beat
        return 0


def _short_lock_wait() -> None:
    """Make this thread's connection give up on a lock after ``_LOCK_WAIT_MS`` (set per beat: the
    connection may have been reopened)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA busy_timeout = {_LOCK_WAIT_MS}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"SET lock_timeout = {_LOCK_WAIT_MS}")
