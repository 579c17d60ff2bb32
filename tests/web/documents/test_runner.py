"""Generation in the background, in-process: the request commits, ``on_commit`` hands the job to the
thread pool, and the test waits for the pool to finish (no timing is asserted)."""

from __future__ import annotations

from typing import Any

import pytest

from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.documents import runner
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
    assert job.missing == {"all": ["case.application_date"]}
    assert not GeneratedDocument.objects.exists()
    assert GenerationJob.objects.filter(status__in=["queued", "running"]).count() == 0
