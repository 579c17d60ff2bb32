"""The audit chains' HMAC key: where it comes from, and making it once.

The key is held outside the database on purpose: whoever can write to the database can rewrite events
and recompute a plain hash chain, but cannot recompute a keyed one. It comes from ``AUDIT_KEY``
(``LICENSEDESK_AUDIT_KEY``) or else from ``AUDIT_KEY_FILE`` (``LICENSEDESK_AUDIT_KEY_FILE``, default
``<var>/audit_key``). The file is made, once and with mode 0600, by the first audit *write*
(``create=True``); reading paths (``audit verify``, ``audit anchor``) never make it, so a lost key shows up
as "no key" rather than as a fresh key under which nothing verifies. Key rotation is not supported.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from licensedesk.web.audit.errors import KEY_INVALID, KEY_MISSING, AuditKeyError

KEY_ENV = "LICENSEDESK_AUDIT_KEY"
KEY_FILE_ENV = "LICENSEDESK_AUDIT_KEY_FILE"
MIN_KEY_CHARS = 32


def key_file() -> Path:
    return Path(settings.AUDIT_KEY_FILE)


def key_hint() -> str:
    """Where the key is looked for, for messages."""
    return f"set {KEY_ENV} or put the key in {key_file()} ({KEY_FILE_ENV})"


def _checked(text: str, source: str) -> bytes:
    text = text.strip()
    if len(text) < MIN_KEY_CHARS:
        raise AuditKeyError(
            f"the audit key from {source} is too short ({len(text)} characters, at least {MIN_KEY_CHARS})",
            code=KEY_INVALID,
            details={"source": source},
        )
    return text.encode("utf-8")


@lru_cache(maxsize=8)
def _from_file(path: str, mtime_ns: int, size: int) -> bytes:  # cached per version of the file
    return _checked(Path(path).read_text(encoding="utf-8"), path)


def _create(path: Path) -> None:
    """Write a new random key to ``path`` with mode 0600, unless another process just did.

    Written to a private temporary file and linked into place, so a concurrent reader never sees a
    half-written key and two processes starting at once end up with one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def audit_key(*, create: bool = False) -> bytes:
    """The configured key. ``create``: make the key file if there is no key at all (writers only)."""
    if settings.AUDIT_KEY:
        return _checked(settings.AUDIT_KEY, KEY_ENV)
    path = key_file()
    if not path.exists():
        if not create:
            raise AuditKeyError(
                f"no audit key: {key_hint()}. Without the key that wrote the chains they cannot be "
                "verified (restore the key from its backup; it is never kept in the database).",
                code=KEY_MISSING,
                details={"env": KEY_ENV, "file": str(path)},
            )
        _create(path)
    stat = path.stat()
    return _from_file(str(path), stat.st_mtime_ns, stat.st_size)
