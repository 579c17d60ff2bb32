"""What a file line says about its virus scan.

Only staff see it, and only when a scanner is configured (``LICENSEDESK_CLAMD_SOCKET`` /
``LICENSEDESK_CLAMD_HOST``): an infected file is refused at upload, so a stored file of a scanned
deployment reads 「已扫描，未发现病毒」. Without a scanner nothing is said per file (the agency
settings say it once): a 「未扫描」 badge on every line told a client nothing they could act on.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from licensedesk.web.materials.models import ScanStatus

register = template.Library()


@register.simple_tag
def scan_note(file: object, staff: bool) -> str:
    """The scan result of ``file`` for the reader, or "" when there is nothing true and useful to say."""
    scanner = getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_HOST", "")
    if not staff or not scanner:  # the same settings as services.virus_scanner
        return ""
    if getattr(file, "scan_status", "") == ScanStatus.CLEAN:
        return _("Scanned, no virus found")
    return _("Not scanned")
