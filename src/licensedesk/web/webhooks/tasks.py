"""The Celery tasks of the webhooks app: one delivery attempt (retries are sent again with an ``eta``),
and the sweep of due deliveries the beat schedule runs every minute (what a lost task left pending)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="licensedesk.webhooks.deliver", ignore_result=True)
def deliver(delivery_id: int) -> None:
    from licensedesk.web.webhooks.services import delivery_attempt

    delivery_attempt(delivery_id=delivery_id)


@shared_task(name="licensedesk.webhooks.deliver_due", ignore_result=True)
def deliver_due() -> int:
    from licensedesk.web.webhooks.services import deliveries_due_run

    return deliveries_due_run()
