"""Chain-head anchors: one JSON line per agency and moment, kept outside the database.

An anchor is ``{"agency_id", "seq", "hash", "key_id", "anchored_at"}``: the agency's chain head when it
was taken. The key stops a forger without it; anchors stop one who has it (or the database and the key
together, from a backup): once a head is written where the database's users cannot rewrite it (a file
on another machine, an append-only log, a printout), no event at or before that ``seq`` can change
without ``audit verify --anchors`` noticing — the event at ``seq`` must still have exactly that hash, and
every earlier event is linked into it. Plain file handling here; the database side is in services.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

from licensedesk.web.audit.errors import AnchorFileError

_HEX64 = re.compile(r"[0-9a-f]{64}")
DEFAULT_ANCHOR_FILE_NAME = "audit-anchors.jsonl"


@dataclass(frozen=True)
class Anchor:
    agency_id: int
    seq: int
    hash: str
    key_id: str
    anchored_at: str
    line: int = 0  # where it was read from (1-based), 0 when not read from a file

    def to_json(self) -> str:
        fields = asdict(self)
        fields.pop("line")
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def default_anchor_file() -> Path:
    """``LICENSEDESK_AUDIT_ANCHOR_FILE`` if set, else ``<var>/audit-anchors.jsonl``."""
    configured = settings.AUDIT_ANCHOR_FILE
    return Path(configured) if configured else Path(settings.VAR_DIR) / DEFAULT_ANCHOR_FILE_NAME


def append_anchors(path: Path, anchors: Iterable[Anchor]) -> None:
    """Append one line per anchor with a single ``O_APPEND`` write, then ``fsync``.

    A new file is created with mode 0600 (it names agencies and their activity) and its directory
    synced too, so an anchor reported as written survives a crash."""
    data = "".join(anchor.to_json() + "\n" for anchor in anchors).encode("utf-8")
    if not data:
        return
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _anchor_from(line_no: int, text: str, source: str) -> Anchor:
    where = f"{source}:{line_no}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnchorFileError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise AnchorFileError(f"{where}: an anchor is a JSON object")
    agency_id, seq, digest = value.get("agency_id"), value.get("seq"), value.get("hash")
    if not isinstance(agency_id, int) or isinstance(agency_id, bool) or agency_id < 1:
        raise AnchorFileError(f"{where}: agency_id must be a positive integer")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise AnchorFileError(f"{where}: seq must be a positive integer")
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise AnchorFileError(f"{where}: hash must be 64 lowercase hex digits")
    key_id, anchored_at = value.get("key_id", ""), value.get("anchored_at", "")
    if not isinstance(key_id, str) or not isinstance(anchored_at, str):
        raise AnchorFileError(f"{where}: key_id and anchored_at must be text")
    return Anchor(agency_id, seq, digest, key_id, anchored_at, line=line_no)


def read_anchors(path: Path) -> list[Anchor]:
    """Every anchor of the file, in file order; blank lines are skipped, anything else malformed is an
    error naming the file and line (a damaged anchors file must not pass as "no anchors")."""
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise AnchorFileError(f"no anchors file at {path}") from None
    with handle:
        return [
            _anchor_from(number, text, str(path))
            for number, text in enumerate(handle, start=1)
            if text.strip()
        ]
