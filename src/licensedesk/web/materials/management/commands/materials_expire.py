"""``python -m licensedesk.web materials_expire``: mark accepted materials whose acceptance ran out under
the catalog's date rules as expired (run daily, e.g. from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from licensedesk.web.materials.services import materials_expire


class Command(BaseCommand):
    help = "Mark accepted materials past their date rules as expired (each audited)."

    def handle(self, *args: Any, **options: Any) -> None:
        expired = materials_expire()
        self.stdout.write(f"{len(expired)} material(s) expired / {len(expired)} 项材料已过期")
