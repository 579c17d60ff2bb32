"""The hash chain, as plain Python: canonical JSON of an event's fields, and its keyed hash.

``hash = HMAC-SHA256(key, canonical_json({...event fields..., "prev_hash": <previous event's hash>}))``
where the first event of an agency links to :data:`GENESIS_HASH`. Canonical JSON: keys sorted, no
insignificant whitespace, UTF-8, and numbers in one form (an integral float is written as an integer),
so a value reads back from SQLite or PostgreSQL ``jsonb`` hashes the same as when it was written.

Why keyed: with a plain SHA-256 anyone who can write to the database can edit an event and recompute
every later hash and the chain head with this very module, and the chain still verifies. The key lives
outside the database (``licensedesk.web.audit.keys``), so a rewrite without it no longer verifies.
:func:`legacy_event_hash` is the plain SHA-256 of chains written before keyed hashing: it is only used
to recognise such a chain and to check it once before ``audit rekey`` re-hashes it with the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

GENESIS_HASH = "0" * 64
HASH_FIELDS = (
    "agency",
    "seq",
    "occurred_at",
    "actor",
    "actor_label",
    "action",
    "case",
    "object_type",
    "object_id",
    "before",
    "after",
    "data",
    "prev_hash",
)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} cannot be stored in an audit event")


def _canon(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {str(k): _canon(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canon(v) for v in value]
    return value


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (dates as ISO text, tuples as lists), as it will read back."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def canonical_json(fields: dict[str, Any]) -> bytes:
    return json.dumps(
        _canon(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def timestamp(moment: datetime) -> str:
    """UTC with microseconds, always in the same shape (``isoformat`` drops zero microseconds)."""
    if moment.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hashed_bytes(fields: dict[str, Any]) -> bytes:
    missing = [name for name in HASH_FIELDS if name not in fields]
    if missing:
        raise ValueError(f"missing audit fields: {', '.join(missing)}")
    return canonical_json({name: fields[name] for name in HASH_FIELDS})


def event_hash(fields: dict[str, Any], *, key: bytes) -> str:
    """HMAC-SHA256 (hex) with ``key`` of the canonical JSON of exactly :data:`HASH_FIELDS`."""
    if not key:
        raise ValueError("an audit key is required")
    return hmac.new(key, _hashed_bytes(fields), hashlib.sha256).hexdigest()


def legacy_event_hash(fields: dict[str, Any]) -> str:
    """Plain SHA-256 (hex) of the same bytes: how chains were hashed before keyed hashing."""
    return hashlib.sha256(_hashed_bytes(fields)).hexdigest()


KEY_ID_MESSAGE = b"licensedesk-audit-key-id"


def key_fingerprint(key: bytes) -> str:
    """A short, public id of ``key`` (8 hex digits of an HMAC of a fixed text): stored with each chain so
    that verifying with another key says "wrong key" instead of "event 1 was edited". It reveals nothing
    of the key, and copying it does not help a forger: every event hash still needs the key itself."""
    return hmac.new(key, KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:8]
