"""Generation on the task queue, for real: a Celery worker (started in the test, solo pool, its own
queue) takes the job from the local Redis and runs the same service function. Skipped, with the reason,
when Redis is not reachable. The worker is a second thread writing to the database while the test reads
it: that is what PostgreSQL is for (SQLite's shared in-memory test database locks whole tables), so these
run in the PostgreSQL pass of ``make test``."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis

from licensedesk.web.documents import heartbeat
from licensedesk.web.documents.models import GeneratedDocument, GenerationJob, JobStatus
from licensedesk.web.documents.services import generation_job_request, generation_jobs_sweep_interrupted

from .conftest import make_ready

REDIS_URL = os.environ.get("LICENSEDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


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
        reason=f"needs a Redis server at {REDIS_URL} (set LICENSEDESK_TEST_REDIS_URL to use another)",
    ),
]


@pytest.fixture
def worker(settings: Any) -> Iterator[str]:
    """A worker on a queue of its own (other runs sharing the Redis never take this test's tasks)."""
    from celery.contrib.testing.worker import start_worker

    from licensedesk.web.celery import app

    queue = f"licensedesk-test-{uuid.uuid4().hex}"
    saved = {key: app.conf.get(key) for key in ("broker_url", "task_default_queue")}
    settings.CELERY_BROKER_URL = REDIS_URL
    app.conf.update(broker_url=REDIS_URL, task_default_queue=queue)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=60):
            yield queue
    finally:
        app.conf.update(saved)
        redis.Redis.from_url(REDIS_URL).delete(queue)


def _wait_finished(job: GenerationJob, limit: float = 300) -> GenerationJob:
    """Wait (poll the row) until the worker finished the job; not a timing assertion, a bounded wait."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return job
        time.sleep(0.2)
    pytest.fail(f"the Celery worker did not finish job {job.pk} (status {job.status})")


def test_a_job_runs_on_a_celery_worker_from_redis(tenant: Any, worker: str) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    job = generation_job_request(case=case, actor=tenant.consultant)
    assert job.backend == "celery"
    job = _wait_finished(job)
    assert (job.status, job.done_count, job.error_code) == (JobStatus.DONE, 10, "")
    assert GeneratedDocument.objects.filter(job=job, current=True).count() == 10
    # the worker beat for the job while it ran, and holds nothing once it is done
    assert job.started_at is not None and job.heartbeat_at is not None
    assert job.started_at <= job.heartbeat_at <= job.finished_at
    assert heartbeat.held() == []


def test_a_job_waiting_in_the_broker_is_not_taken_for_lost_until_the_allowance_runs_out(
    tenant: Any, settings: Any
) -> None:
    """No worker takes the queue: the job stays queued, never beaten. That is a Celery job waiting
    for a free worker, not a dead process — until ``JOB_QUEUE_ALLOWANCE_SECONDS`` more have passed."""
    from licensedesk.web.celery import app

    queue = f"licensedesk-test-{uuid.uuid4().hex}"
    saved = {key: app.conf.get(key) for key in ("broker_url", "task_default_queue")}
    settings.CELERY_BROKER_URL = REDIS_URL
    app.conf.update(broker_url=REDIS_URL, task_default_queue=queue)
    try:
        job = generation_job_request(case=tenant.case, actor=tenant.consultant)
    finally:
        app.conf.update(saved)
        redis.Redis.from_url(REDIS_URL).delete(queue)
    job.refresh_from_db()
    assert (job.backend, job.status, job.heartbeat_at) == ("celery", JobStatus.QUEUED, None)
    timeout, allowance = timedelta(seconds=30), timedelta(seconds=900)
    assert (
        generation_jobs_sweep_interrupted(now=job.created_at + timeout + allowance - timedelta(seconds=1))
        == 0
    )
    assert (
        generation_jobs_sweep_interrupted(now=job.created_at + timeout + allowance + timedelta(seconds=1))
        == 1
    )
    job.refresh_from_db()
    assert job.status == JobStatus.INTERRUPTED


def test_a_failing_job_on_celery_names_the_missing_fields(tenant: Any, worker: str) -> None:
    case = make_ready(tenant.case, tenant.consultant, leave_out=("customer_service.hours",))
    job = _wait_finished(
        generation_job_request(case=case, actor=tenant.consultant, only=["long_term_service_measures"])
    )
    assert job.status == JobStatus.FAILED
    assert job.missing == {"long_term_service_measures": ["case.customer_service.hours"]}
    assert not GeneratedDocument.objects.exists()


def _fresh_connections(app: Any) -> None:
    """Drop the app's broker connections, so the next send connects to the broker configured now.
    ``force_close_all`` leaves the pool closed for good ("Acquire on closed pool" in the next test that
    sends a task): drop the pools as ``Celery.close`` does, without deregistering the app."""
    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


def test_an_unreachable_broker_fails_the_job_instead_of_leaving_it_queued(tenant: Any, settings: Any) -> None:
    from licensedesk.web.celery import app

    saved = (
        app.conf.get("broker_url"),
        app.conf.get("broker_connection_retry"),
        app.conf.get("broker_connection_max_retries"),
    )
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    app.conf.update(broker_url="redis://127.0.0.1:1/0", broker_connection_max_retries=0)
    _fresh_connections(app)
    try:
        job = generation_job_request(case=tenant.case, actor=tenant.consultant)
    finally:
        app.conf.update(
            broker_url=saved[0], broker_connection_retry=saved[1], broker_connection_max_retries=saved[2]
        )
        _fresh_connections(app)
    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "documents.queue_unreachable")
    assert job.error_message_zh == "无法连接任务队列，请稍后再试。"
