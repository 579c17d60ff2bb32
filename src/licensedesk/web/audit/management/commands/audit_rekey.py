"""``audit_rekey``: re-hash chains written before keyed hashing, after verifying them as they were."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from licensedesk.web.accounts.models import Agency
from licensedesk.web.audit.errors import AnchorFileError, AuditKeyError
from licensedesk.web.audit.services import audit_rekey


class Command(BaseCommand):
    help = (
        "Verify each audit chain hashed with plain SHA-256 (written before keyed hashing) and re-hash it "
        "with the audit key; a chain that does not verify, or that has anchors, is refused (exit 1)."
    )
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", type=int, help="id of one agency (default: all)")
        parser.add_argument("--anchors", help="anchors file to consult (default: the configured one)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        agency = None
        if options["agency"] is not None:
            agency = Agency.objects.filter(pk=options["agency"]).first()
            if agency is None:
                raise CommandError(f"no agency with id {options['agency']}")
        try:
            report = audit_rekey(agency=agency, anchors=options["anchors"])
        except (AuditKeyError, AnchorFileError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError("some audit chains were not re-hashed", returncode=1)
