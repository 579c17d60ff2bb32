"""``audit_verify``: walk the audit hash chains with the key; exit status 1 names the first bad event of
each agency (and, with ``--anchors``, the first anchor each agency no longer matches); 2 when the key or
the anchors file is missing or unusable."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from licensedesk.web.accounts.models import Agency
from licensedesk.web.audit.errors import AnchorFileError, AuditKeyError
from licensedesk.web.audit.services import audit_verify


class Command(BaseCommand):
    help = (
        "Verify the keyed (HMAC-SHA256) chain of audit events of every agency (or one) and name the first "
        "bad event; with --anchors also check the chain heads anchored outside the database."
    )
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", type=int, help="id of one agency to check (default: all)")
        parser.add_argument("--anchors", help="a file written by audit_anchor: check every anchored head")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        agency = None
        if options["agency"] is not None:
            agency = Agency.objects.filter(pk=options["agency"]).first()
            if agency is None:
                raise CommandError(f"no agency with id {options['agency']}")
        try:
            report = audit_verify(agency=agency, anchors=options["anchors"])
        except (AuditKeyError, AnchorFileError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError("audit chain verification failed", returncode=1)
