"""The Celery task of the documents app: the same service function the in-process runner calls."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="licensedesk.documents.run_generation_job", ignore_result=True)
def run_generation_job(job_id: int) -> None:
    from licensedesk.web.documents.services import generation_job_run

    generation_job_run(job_id=job_id)
