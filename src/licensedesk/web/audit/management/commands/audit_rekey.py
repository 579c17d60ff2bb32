"""``audit_rekey``: re-hash chains written before keyed hashing, after verifying them as they were."""

from __future__ import annotations

from licensedesk.web.audit.command_base import ChainReportCommand
from licensedesk.web.audit.services import audit_rekey


class Command(ChainReportCommand):
    help = (
        "Verify each audit chain hashed with plain SHA-256 (written before keyed hashing) and re-hash it "
        "with the audit key; a chain that does not verify, or that has anchors, is refused (exit 1)."
    )
    service = staticmethod(audit_rekey)
    anchors_help = "anchors file to consult (default: the configured one)"
    failure = "some audit chains were not re-hashed"
