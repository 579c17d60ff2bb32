"""The Celery application, used when ``LICENSEDESK_CELERY_BROKER_URL`` is set (e.g.
``redis://127.0.0.1:6379/0``). Start a worker with::

    LICENSEDESK_CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/celery -A licensedesk.web.celery worker --loglevel=INFO

Configuration comes from the Django settings prefixed ``CELERY_``; tasks are found in each app's
``tasks`` module. Without a broker the application runs background work in-process instead
(:mod:`licensedesk.web.documents.runner`).

The housekeeping (:mod:`licensedesk.web.housekeeping`) is a periodic task here: run beat once, with a
worker (``celery -A licensedesk.web.celery worker --beat``) or on its own (``celery -A
licensedesk.web.celery beat``); it runs every ``HOUSEKEEPING_INTERVAL_MINUTES`` (0: not scheduled).
Its run includes the deadline reminders (:func:`licensedesk.web.reminders.services.reminders_send`).
"""

from __future__ import annotations

import os
from datetime import timedelta

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "licensedesk.web.settings")

app = Celery("licensedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="licensedesk.housekeeping", ignore_result=True)
def housekeeping() -> list[str]:
    """One housekeeping run (the beat schedule below); its summary, as the command prints it."""
    from licensedesk.web.housekeeping import housekeeping_run

    return housekeeping_run().lines()


def housekeeping_interval() -> timedelta | None:
    """How often beat sends the housekeeping task: ``HOUSEKEEPING_INTERVAL_MINUTES`` (0: never)."""
    from django.conf import settings

    minutes = float(getattr(settings, "HOUSEKEEPING_INTERVAL_MINUTES", 30))
    return timedelta(minutes=minutes) if minutes > 0 else None


@app.on_after_configure.connect
def _schedule(sender: Celery, **kwargs: object) -> None:
    """The beat schedule, set once the configuration (the Django settings) is read."""
    interval = housekeeping_interval()
    if interval is not None:
        sender.add_periodic_task(interval, housekeeping.s(), name="licensedesk-housekeeping")
    # Webhook deliveries a lost task or a restart left due (retries are queued with an eta themselves).
    due = sender.signature("licensedesk.webhooks.deliver_due")
    sender.add_periodic_task(timedelta(minutes=1), due, name="licensedesk-webhooks-due")
