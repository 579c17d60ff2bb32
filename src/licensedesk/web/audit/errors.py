"""The audit trail's error codes, declared once.

These are operator errors (a missing or wrong key, a chain that may not be re-hashed, an unreadable
anchors file), not user-facing application errors: they are never turned into a page (a web request that
needs the key and finds none is a misconfigured server, a 500), and the CLI prints them as they are.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

KEY_MISSING = "audit.key_missing"
KEY_INVALID = "audit.key_invalid"
KEY_MISMATCH = "audit.key_mismatch"
REKEY_REFUSED = "audit.rekey_refused"
ANCHORS_INVALID = "audit.anchors_invalid"


class AuditKeyError(ImproperlyConfigured):
    """No usable audit key (``code``: :data:`KEY_MISSING` / :data:`KEY_INVALID`), or the configured key is
    not the one the agency's chain was written with (:data:`KEY_MISMATCH`): writing with it would break
    the chain, so nothing is written."""

    def __init__(self, message: str, *, code: str, details: dict[str, Any] | None = None) -> None:
        self.code = code
        self.message = message
        self.details = details or {}
        super().__init__(message)


class AuditRekeyRefused(Exception):
    """``audit rekey`` would not re-hash a chain: it does not verify as written, or it was keyed before."""

    code = REKEY_REFUSED

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        self.message = message
        self.details = details or {}
        super().__init__(message)


class AnchorFileError(Exception):
    """The anchors file is missing or a line of it is not an anchor (``message`` names file and line)."""

    code = ANCHORS_INVALID

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
