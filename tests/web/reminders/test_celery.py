"""The reminder job on Celery, for real: the beat schedule holds the housekeeping task, whose run
includes the reminders; a worker (started in the test, solo pool, its own queue) takes the task beat
sends from the local Redis (database 11, kept apart from other tests) and gives the reminders, once.
Skipped, with the reason, when Redis is not reachable; PostgreSQL only (the worker thread writes while
the test reads)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis

from licensedesk.web import housekeeping
from licensedesk.web.reminders.models import SentReminder
from licensedesk.web.reminders.services import today_local

from .conftest import case_deadline

REDIS_URL = os.environ.get("LICENSEDESK_TEST_REMINDERS_REDIS_URL", "redis://127.0.0.1:6379/11")


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not _redis_reachable(),
        reason=f"needs a Redis server at {REDIS_URL} (LICENSEDESK_TEST_REMINDERS_REDIS_URL: another)",
    ),
]


@pytest.fixture
def worker(settings: Any) -> Iterator[str]:
    """A worker on a queue of its own (other runs sharing the Redis never take this test's tasks)."""
    from celery.contrib.testing.worker import start_worker

    from licensedesk.web.celery import app

    queue = f"licensedesk-reminders-test-{uuid.uuid4().hex}"
    saved = {key: app.conf.get(key) for key in ("broker_url", "task_default_queue")}
    settings.CELERY_BROKER_URL = REDIS_URL
    app.conf.update(broker_url=REDIS_URL, task_default_queue=queue)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=60):
            yield queue
    finally:
        app.conf.update(saved)
        redis.Redis.from_url(REDIS_URL).delete(queue)


def _wait_until(done: Any, what: str, limit: float = 120) -> None:
    """Wait (poll) until ``done()``; a bounded wait, not a timing assertion."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.2)
    pytest.fail(f"the Celery worker did not {what}")


def test_beat_schedules_the_job_and_a_worker_runs_it_from_redis(
    mailed: Any, deadlines: Any, worker: str, settings: Any
) -> None:
    from celery.signals import task_postrun

    from licensedesk.web.celery import app

    settings.REMINDERS_SEND_HOUR = 0  # whenever the test runs
    assert housekeeping.deadline_reminders in housekeeping.TASKS
    entry = app.conf.beat_schedule["licensedesk-housekeeping"]
    deadlines.items = [case_deadline(mailed.case, today_local() + timedelta(days=7))]
    finished: list[str] = []

    def _finished(sender: Any = None, **kwargs: Any) -> None:
        finished.append(getattr(sender, "name", ""))

    task_postrun.connect(_finished, weak=False)
    try:
        app.send_task(entry["task"], queue=worker)  # what beat sends at each interval
        _wait_until(lambda: len(finished) == 1, "run the first housekeeping task")
        app.send_task(entry["task"], queue=worker)  # the next beat: nothing twice
        _wait_until(lambda: len(finished) == 2, "run the second housekeeping task")
    finally:
        task_postrun.disconnect(_finished)
    assert finished == ["licensedesk.housekeeping", "licensedesk.housekeeping"]
    given = SentReminder.objects.select_related("recipient")
    assert sorted((r.recipient.username, r.channel, r.days_before) for r in given) == sorted(
        [
            (mailed.consultant.username, "inbox", 7),
            (mailed.consultant.username, "email", 7),
            (mailed.client.username, "email", 7),
        ]
    )
