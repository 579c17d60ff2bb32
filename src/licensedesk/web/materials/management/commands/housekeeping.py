"""``python -m licensedesk.web housekeeping`` (``licensedesk housekeeping``): remove what dead processes
left behind — upload temporary files, stored files no row references — and run the other housekeeping
tasks once (:mod:`licensedesk.web.housekeeping`). For cron when neither Celery beat nor a server process
runs it; safe while the server runs. Exit 1 when a step failed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from licensedesk.web.housekeeping import housekeeping_run


class Command(BaseCommand):
    help = "Remove old upload temporary files and unreferenced stored files; run the housekeeping tasks."

    def handle(self, *args: Any, **options: Any) -> None:
        report = housekeeping_run()
        for line in report.lines():
            self.stdout.write(line)
        if report.errors:
            raise CommandError(
                f"{len(report.errors)} housekeeping step(s) failed / 清理步骤失败", returncode=1
            )
