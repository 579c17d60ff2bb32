"""``audit_anchor``: append every agency's chain head to a file outside the database (or print it)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandParser

from licensedesk.web.audit.anchors import default_anchor_file
from licensedesk.web.audit.services import audit_anchor


class Command(BaseCommand):
    help = (
        "Append each agency's audit chain head (agency, seq, hash, key id, time) as one JSON line to FILE "
        "(default LICENSEDESK_AUDIT_ANCHOR_FILE or <var>/audit-anchors.jsonl); '-' prints the lines."
    )
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=None, help="where to append ('-': standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"] == "-":
            audit_anchor(stream=self.stdout)
            return
        path = options["file"] or default_anchor_file()
        anchors = audit_anchor(file=path)
        self.stderr.write(f"{len(anchors)} chain head(s) anchored to {path}")
