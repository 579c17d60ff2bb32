"""WSGI entry point (serve with gunicorn: ``gunicorn licensedesk.web.wsgi``).

Serve WSGI, not ASGI: the app is synchronous and measured about ten times slower under ASGI here.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "licensedesk.web.settings")

application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (settings are configured by get_wsgi_application)

if not settings.DEBUG and not getattr(settings, "SECRET_KEY_FROM_ENV", False):
    raise ImproperlyConfigured(
        "LICENSEDESK_SECRET_KEY must be set to serve with DEBUG off (the development key is public)."
    )

# Without Celery, each server process sweeps what dead processes left behind every few minutes (a
# daemon thread; housekeeping.py). Only the server imports this module: tests and commands never start it.
from licensedesk.web.housekeeping import start_background  # noqa: E402

start_background()
