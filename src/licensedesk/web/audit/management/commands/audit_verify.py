"""``audit_verify``: walk the audit hash chains with the key; exit status 1 names the first bad event of
each agency (and, with ``--anchors``, the first anchor each agency no longer matches); 2 when the key or
the anchors file is missing or unusable."""

from __future__ import annotations

from licensedesk.web.audit.command_base import ChainReportCommand
from licensedesk.web.audit.services import audit_verify


class Command(ChainReportCommand):
    help = (
        "Verify the keyed (HMAC-SHA256) chain of audit events of every agency (or one) and name the first "
        "bad event; with --anchors also check the chain heads anchored outside the database."
    )
    service = staticmethod(audit_verify)
    anchors_help = "a file written by audit_anchor: check every anchored head"
    failure = "audit chain verification failed"
