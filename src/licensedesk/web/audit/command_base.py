"""What ``audit_verify`` and ``audit_rekey`` share: one agency or all, a report printed as text or JSON,
exit 1 when the report is not ok and 2 when the key or the anchors file is missing or unusable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from licensedesk.web.accounts.models import Agency
from licensedesk.web.audit.errors import AnchorFileError, AuditKeyError


class ChainReportCommand(BaseCommand):
    requires_system_checks: ClassVar[list[str]] = []
    #: the audit service to run: ``(agency=…, anchors=…) -> report`` with ``ok``, ``to_dict``, ``summary``
    service: ClassVar[Callable[..., Any]]
    anchors_help: ClassVar[str]
    failure: ClassVar[str]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", type=int, help="id of one agency (default: all)")
        parser.add_argument("--anchors", help=self.anchors_help)
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        agency = None
        if options["agency"] is not None:
            agency = Agency.objects.filter(pk=options["agency"]).first()
            if agency is None:
                raise CommandError(f"no agency with id {options['agency']}")
        try:
            report = type(self).service(agency=agency, anchors=options["anchors"])
        except (AuditKeyError, AnchorFileError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError(self.failure, returncode=1)
