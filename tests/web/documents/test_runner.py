"""Generation in the background, in-process: the request commits, ``on_commit`` hands the job to the
thread pool, and the test waits for the pool to finish (no timing is asserted). The heartbeat while a
document renders, and a process SIGKILLed in the middle of a job (PostgreSQL: the child process and the
test share the database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.documents import heartbeat, runner, services
from licensedesk.web.documents.models import GeneratedDocument, GenerationJob, JobStatus
from licensedesk.web.documents.services import generation_job_request

from .conftest import make_ready

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit fires; the worker thread sees the rows


@pytest.fixture(autouse=True)
def _in_process(settings: Any) -> None:
    settings.CELERY_BROKER_URL = ""


def test_a_job_runs_on_the_thread_pool_after_the_request_commits(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    job = generation_job_request(case=case, actor=tenant.consultant)
    assert job.backend == "thread"
    assert runner.drain(timeout=300), "the generation thread did not finish"
    job.refresh_from_db()
    assert (job.status, job.done_count, job.total) == (JobStatus.DONE, 10, 10)
    assert job.started_at is not None and job.finished_at is not None
    assert GeneratedDocument.objects.filter(job=job).count() == 10
    actions = list(AuditEvent.objects.filter(case=case).values_list("action", flat=True).order_by("seq"))
    assert actions[-2:] == ["documents.generation_requested", "documents.generated"]


def test_a_failing_job_on_the_thread_pool_names_the_missing_fields(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant, leave_out=("application_date",))
    job = generation_job_request(case=case, actor=tenant.consultant)
    assert runner.drain(timeout=300), "the generation thread did not finish"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    # the date and everything else missing, in the same failure (here: only the date, in every document)
    assert set(job.missing) > {"all"} and {p for ps in job.missing.values() for p in ps} == {
        "case.application_date"
    }
    assert not GeneratedDocument.objects.exists()
    assert GenerationJob.objects.filter(status__in=["queued", "running"]).count() == 0


# -- heartbeats ------------------------------------------------------------------------------------------


def _wait_for(condition: Callable[[], Any], what: str, limit: float = 120) -> Any:
    """Poll ``condition`` until it is truthy (a bounded wait for another thread or process, not a
    timing assertion)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


def _heartbeat_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "licensedesk-job-heartbeat"]


def test_the_heartbeat_goes_on_while_a_document_renders_and_stops_after(
    tenant: Any, settings: Any, monkeypatch: Any
) -> None:
    """The job is held inside its second document (a render that does not return until the test says
    so): only the heartbeat thread can move ``heartbeat_at`` then, and it does, again and again."""
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    stuck, go_on = threading.Event(), threading.Event()
    real = services.render_documents
    calls: list[int] = []

    def slow_second_document(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            stuck.set()
            assert go_on.wait(300), "the test never let the render go on"
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "render_documents", slow_second_document)
    case = make_ready(tenant.case, tenant.consultant)
    job = generation_job_request(
        case=case, actor=tenant.consultant, only=["application_form", "company_profile"]
    )
    try:
        assert stuck.wait(300), "the job never reached its second document"
        first = GenerationJob.objects.get(pk=job.pk)
        assert (first.status, first.done_count) == (JobStatus.RUNNING, 1)
        assert first.heartbeat_at is not None and heartbeat.held() == [job.pk]
        seen = [first.heartbeat_at]
        for _ in range(3):
            seen.append(
                _wait_for(
                    lambda: (b := GenerationJob.objects.get(pk=job.pk).heartbeat_at) > seen[-1] and b,
                    "a newer heartbeat",
                )
            )
        assert GenerationJob.objects.get(pk=job.pk).done_count == 1  # still inside the second document
    finally:
        go_on.set()
        assert runner.drain(timeout=300), "the generation thread did not finish"
    job.refresh_from_db()
    assert (job.status, job.done_count) == (JobStatus.DONE, 2)
    assert heartbeat.held() == []
    _wait_for(lambda: not _heartbeat_threads(), "the heartbeat thread to end with its last job")


CHILD = """
import os, sys, threading
os.environ["DJANGO_SETTINGS_MODULE"] = "licensedesk.web.settings"
import django
django.setup()
from licensedesk.web.accounts.models import User
from licensedesk.web.cases.models import Case
from licensedesk.web.documents import services

real, calls = services.render_documents, []

def render_and_hang(*args, **kwargs):
    calls.append(1)
    if len(calls) > 1:  # the second document never finishes: the process is killed in it
        threading.Event().wait()
    return real(*args, **kwargs)

services.render_documents = render_and_hang
job = services.generation_job_request(
    case=Case.objects.get(pk=int(sys.argv[1])), actor=User.objects.get(pk=int(sys.argv[2]))
)
print(job.pk, flush=True)
threading.Event().wait()
"""


@pytest.mark.postgres  # the killed process shares the test's database: a server, not SQLite in memory
def test_a_killed_process_s_job_is_marked_interrupted_and_may_be_started_again_at_once(
    tenant: Any, tmp_path: Path, monkeypatch: Any, settings: Any
) -> None:
    """A server process (its own interpreter, the thread pool, the real heartbeat) takes a job and is
    SIGKILLed in the middle of it. While it lived the panel polled; once its heartbeat is older than the
    timeout the panel marks the job interrupted, stops polling, says so, and a new job starts at once."""
    case = make_ready(tenant.case, tenant.consultant)
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}@{host}:{port}/{db['NAME']}",
        "LICENSEDESK_VAR_DIR": str(tmp_path),
        "LICENSEDESK_CELERY_BROKER_URL": "",
        "LICENSEDESK_JOB_HEARTBEAT_SECONDS": "0.1",
        "LICENSEDESK_AUDIT_KEY": getattr(settings, "AUDIT_KEY", ""),  # the chains the test's process keys
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(case.pk), str(tenant.consultant.pk)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def halfway() -> GenerationJob | None:
            if child.poll() is not None:
                pytest.fail(f"the child process ended ({child.returncode}): {child.stderr.read()}")
            job = GenerationJob.objects.filter(case=case, status=JobStatus.RUNNING, done_count=1).first()
            return job if job is not None and job.heartbeat_at > job.started_at else None

        job = _wait_for(halfway, "the child process to be half-way through its job")
        client = Client()
        client.force_login(tenant.consultant, backend="django.contrib.auth.backends.ModelBackend")
        panel = reverse("documents:panel", kwargs={"case_id": case.pk})
        alive = client.get(panel, HTTP_HX_REQUEST="true")
        assert 'hx-trigger="every 1s"' in alive.content.decode()  # alive: polled, not marked
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # nothing marks it at once: it only stopped beating
    last_beat = job.heartbeat_at

    later = last_beat + timedelta(seconds=31)  # the default timeout is 30 s
    monkeypatch.setattr(heartbeat, "now", lambda: later)
    stopped = client.get(panel, HTTP_HX_REQUEST="true")
    html = stopped.content.decode()
    assert 'hx-trigger="every 1s"' not in html and "data-running" not in html
    assert "文件生成中断（处理进程已停止），请重新生成" in unescape(html)
    assert ' disabled data-testid="documents-generate-all"' not in html
    job.refresh_from_db()
    assert (job.status, job.finished_at) == (JobStatus.INTERRUPTED, later)
    event = AuditEvent.objects.get(action="documents.generation_interrupted")
    assert (event.actor, event.data["last_heartbeat"]) == (None, last_beat.isoformat())

    monkeypatch.undo()  # back to the real clock, which new rows (``created_at``) are stamped with
    again = client.post(
        reverse("documents:generate", kwargs={"case_id": case.pk}),
        {"document": "application_form"},
        HTTP_HX_REQUEST="true",
    )
    assert again.status_code == 200
    assert runner.drain(timeout=300), "the generation thread did not finish"
    new = GenerationJob.objects.exclude(pk=job.pk).get(case=case)
    assert (new.status, new.done_count) == (JobStatus.DONE, 1)
    assert GeneratedDocument.objects.filter(job=new).count() == 1
