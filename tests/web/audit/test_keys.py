"""Where the audit key comes from: the environment first, else the key file, made once (0600) by the
first audit write and never by a read."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from licensedesk.web.audit.chain import event_hash, key_fingerprint
from licensedesk.web.audit.errors import KEY_INVALID, KEY_MISSING, AuditKeyError
from licensedesk.web.audit.keys import audit_key
from licensedesk.web.audit.models import AuditChain
from licensedesk.web.audit.services import audit_record, audit_verify


@pytest.fixture
def key_file(settings: Any, tmp_path: Path) -> Path:
    settings.AUDIT_KEY = ""
    settings.AUDIT_KEY_FILE = tmp_path / "audit_key"
    return tmp_path / "audit_key"


def test_the_first_write_makes_the_key_file_once(tenant: Any, key_file: Path) -> None:
    first = audit_record(agency=tenant.agency, actor=tenant.admin, action="test.event")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    text = key_file.read_text(encoding="utf-8")
    assert len(text.strip()) == 64 and int(text, 16) >= 0
    key = text.strip().encode()
    assert first.hash == event_hash(first.hash_fields(), key=key)
    assert AuditChain.objects.get(agency=tenant.agency).key_id == key_fingerprint(key)
    audit_record(agency=tenant.agency, actor=tenant.admin, action="test.event")
    assert key_file.read_text(encoding="utf-8") == text  # made once
    assert audit_verify().ok
    assert [p.name for p in key_file.parent.iterdir()] == ["audit_key"]  # no temporary file left


def test_reading_never_makes_a_key(key_file: Path) -> None:
    with pytest.raises(AuditKeyError) as caught:
        audit_key()
    assert caught.value.code == KEY_MISSING
    assert caught.value.details == {"env": "LICENSEDESK_AUDIT_KEY", "file": str(key_file)}
    assert not key_file.exists()


def test_the_environment_wins_over_the_file(settings: Any, key_file: Path) -> None:
    key_file.write_text("f" * 64 + "\n", encoding="utf-8")
    assert audit_key() == b"f" * 64
    settings.AUDIT_KEY = "e" * 40
    assert audit_key() == b"e" * 40


def test_a_short_key_is_refused(settings: Any, key_file: Path) -> None:
    settings.AUDIT_KEY = "too-short"
    with pytest.raises(AuditKeyError) as caught:
        audit_key(create=True)
    assert caught.value.code == KEY_INVALID
    assert str(caught.value) == (
        "the audit key from LICENSEDESK_AUDIT_KEY is too short (9 characters, at least 32)"
    )
    settings.AUDIT_KEY = ""
    key_file.write_text("short\n", encoding="utf-8")
    with pytest.raises(AuditKeyError) as from_file:
        audit_key()
    assert str(from_file.value) == f"the audit key from {key_file} is too short (5 characters, at least 32)"


def test_a_replaced_key_file_is_read_again(key_file: Path) -> None:
    key_file.write_text("a" * 64, encoding="utf-8")
    assert audit_key() == b"a" * 64
    key_file.write_text("b" * 70, encoding="utf-8")
    assert audit_key() == b"b" * 70
