"""The Celery application, used when ``LICENSEDESK_CELERY_BROKER_URL`` is set (e.g.
``redis://127.0.0.1:6379/0``). Start a worker with::

    LICENSEDESK_CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/celery -A licensedesk.web.celery worker --loglevel=INFO

Configuration comes from the Django settings prefixed ``CELERY_``; tasks are found in each app's
``tasks`` module. Without a broker the application runs background work in-process instead
(:mod:`licensedesk.web.documents.runner`).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "licensedesk.web.settings")

app = Celery("licensedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
