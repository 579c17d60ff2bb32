"""``audit_verify``: walk the audit hash chains; exit status 1 names the first bad event of each agency."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from licensedesk.web.accounts.models import Agency
from licensedesk.web.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the SHA-256 chain of audit events of every agency (or one) and name the first bad event."
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", type=int, help="id of one agency to check (default: all)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        agency = None
        if options["agency"] is not None:
            agency = Agency.objects.filter(pk=options["agency"]).first()
            if agency is None:
                raise CommandError(f"no agency with id {options['agency']}")
        report = audit_verify(agency=agency)
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError("audit chain verification failed", returncode=1)
