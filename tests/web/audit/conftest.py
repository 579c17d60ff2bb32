"""The audit tests' anchors file: a temporary one, never the repository's ``var/audit-anchors.jsonl``
(``audit_rekey`` consults the configured file, and ``audit_anchor`` writes to it by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def anchor_file(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "audit-anchors.jsonl"
    settings.AUDIT_ANCHOR_FILE = str(path)
    return path
