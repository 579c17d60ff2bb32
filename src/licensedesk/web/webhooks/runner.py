"""Where webhook deliveries run: on Celery when ``CELERY_BROKER_URL`` is set, else in this process (a
small thread pool, and one timer thread holding the retries that are not due yet), as document
generation does (:mod:`licensedesk.web.documents.runner`).

Nothing here is the record of what must be sent: the outbox rows are. A retry waiting in this process
is lost if the process stops; the sweep (:func:`licensedesk.web.webhooks.services.deliveries_due_run`,
run by the housekeeping at ``licensedesk serve`` start and periodically, and by Celery beat every minute)
sends it then.
"""

from __future__ import annotations

import heapq
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime

from django.conf import settings
from django.db import connections
from django.utils import timezone

logger = logging.getLogger(__name__)

_lock = threading.Condition()
_executor: ThreadPoolExecutor | None = None
_pending: set[Future[None]] = set()
_timers: list[tuple[float, int]] = []  # (when, delivery id), a heap
_timer_thread: threading.Thread | None = None


def celery_enabled() -> bool:
    return bool(getattr(settings, "CELERY_BROKER_URL", ""))


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            workers = int(getattr(settings, "WEBHOOK_WORKERS", 2) or 2)
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="licensedesk-webhooks")
        return _executor


def _run(delivery_id: int) -> None:
    from licensedesk.web.webhooks.services import delivery_attempt

    try:
        delivery_attempt(delivery_id=delivery_id)
    except Exception:  # a database outage or a bug: the delivery stays pending for the sweep
        logger.exception("webhook delivery %s crashed", delivery_id)
    finally:
        connections.close_all()  # this thread's connections only


def _submit(delivery_id: int) -> None:
    future = _pool().submit(_run, delivery_id)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future[None]) -> None:
    with _lock:
        _pending.discard(future)
        _lock.notify_all()


def _timer_loop() -> None:
    while True:
        with _lock:
            while not _timers or _timers[0][0] > timezone.now().timestamp():
                _lock.wait(
                    timeout=None if not _timers else max(_timers[0][0] - timezone.now().timestamp(), 0)
                )
            _, delivery_id = heapq.heappop(_timers)
            _submit(delivery_id)  # under the lock: drain() never sees it neither waiting nor running
            _lock.notify_all()


def enqueue(delivery_id: int, *, eta: datetime | None = None) -> None:
    """Send delivery ``delivery_id`` now, or at ``eta`` (called once its transaction committed)."""
    if celery_enabled():
        from licensedesk.web.celery import app  # noqa: F401  (makes the configured app the current one)
        from licensedesk.web.webhooks.tasks import deliver

        try:
            deliver.apply_async((delivery_id,), eta=eta)
        except Exception:  # the broker is unreachable: the beat sweep sends it once it is back
            logger.exception("could not queue webhook delivery %s", delivery_id)
        return
    if eta is None or eta <= timezone.now():
        _submit(delivery_id)
        return
    global _timer_thread
    with _lock:
        heapq.heappush(_timers, (eta.timestamp(), delivery_id))
        if _timer_thread is None or not _timer_thread.is_alive():
            _timer_thread = threading.Thread(
                target=_timer_loop, name="licensedesk-webhook-timers", daemon=True
            )
            _timer_thread.start()
        _lock.notify_all()


def drain(timeout: float | None = None) -> bool:
    """Wait until nothing is running or waiting for its time in this process (tests, shutdown). True if
    nothing is left."""
    deadline = None if timeout is None else timezone.now().timestamp() + timeout
    while True:
        with _lock:
            pending = set(_pending)
            waiting = bool(_timers)
        if not pending and not waiting:
            return True
        left = None if deadline is None else deadline - timezone.now().timestamp()
        if left is not None and left <= 0:
            return False
        if pending:
            wait(pending, timeout=left)
        else:
            with _lock:
                _lock.wait(timeout=0.05 if left is None else min(left, 0.05))


def forget_waiting() -> None:
    """Drop the retries waiting in this process (tests: a "crashed" process loses them)."""
    with _lock:
        _timers.clear()
        _lock.notify_all()
