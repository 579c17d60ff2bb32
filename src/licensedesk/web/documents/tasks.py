"""The Celery task of the documents app: the same service function the in-process runner calls. The
worker beats for the job while it runs it (``generation_job_run`` holds it in
:mod:`licensedesk.web.documents.heartbeat`); a worker killed mid-job stops beating and the job is marked
interrupted. With ``acks_late`` the broker hands the task out again: it then finds the job no longer
queued and does nothing (a new request runs it again)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="licensedesk.documents.run_generation_job", ignore_result=True)
def run_generation_job(job_id: int) -> None:
    from licensedesk.web.documents.services import generation_job_run

    generation_job_run(job_id=job_id)
