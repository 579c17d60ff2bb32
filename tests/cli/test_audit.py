"""``licensedesk audit verify|anchor|rekey`` through a real subprocess, on a SQLite database in a
temporary var directory (migrated once per module, copied per test)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

KEY = "cli-test-audit-key-0123456789abcdef-not-secret"

# Writes audit events as the application does (services.audit_record), for an agency made on the spot.
WRITE_EVENTS = """
import sys, django
django.setup()
from licensedesk.web.accounts.models import Agency
from licensedesk.web.audit.services import audit_record
agency, _ = Agency.objects.get_or_create(name=sys.argv[1])
for i in range(int(sys.argv[2])):
    audit_record(agency=agency, actor=None, action="test.event", data={"i": i})
print(agency.pk)
"""


def _env(var: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LICENSEDESK_") and k != "DATABASE_URL"}
    env.update(
        LICENSEDESK_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="licensedesk.web.settings",
        LICENSEDESK_AUDIT_KEY=KEY,
    )
    env.update(extra)
    return env


def run(var: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "licensedesk", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_env(var, **env),
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var = tmp_path_factory.mktemp("var-template")
    done = subprocess.run(
        [sys.executable, "-m", "licensedesk.web", "migrate", "-v0"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_env(var),
    )
    assert done.returncode == 0, done.stderr
    return var / "licensedesk.sqlite3"


@pytest.fixture
def var(migrated: Path, tmp_path: Path) -> Path:
    shutil.copyfile(migrated, tmp_path / "licensedesk.sqlite3")
    return tmp_path


def write_events(var: Path, agency: str, count: int, **env: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", WRITE_EVENTS, agency, str(count)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_env(var, **env),
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def _canonical(fields: dict[str, object]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def rechain(
    var: Path, agency_id: int, digest: Callable[[bytes], str], *, edit_seq: int, key_id: str | None
) -> None:
    """Edit one event's data straight in the database file and recompute every later hash and the head
    with ``digest`` — the attack, without any licensedesk code."""
    db = sqlite3.connect(var / "licensedesk.sqlite3")
    rows = db.execute(
        "SELECT id, seq, occurred_at, actor_id, actor_label, action, case_id, object_type, object_id, "
        "before, after, data, hash FROM audit_auditevent WHERE agency_id = ? ORDER BY seq",
        (agency_id,),
    ).fetchall()
    prev = "0" * 64
    for pk, seq, occurred, actor, label, action, case, otype, oid, before, after, data, old in rows:
        if seq < edit_seq:
            prev = old
            continue
        data = json.dumps({"i": 99}) if seq == edit_seq else data
        moment = occurred.replace(" ", "T")
        moment = moment if "." in moment else moment + ".000000"
        fields = {
            "agency": agency_id,
            "seq": seq,
            "occurred_at": moment[:26] + "Z",
            "actor": actor,
            "actor_label": label,
            "action": action,
            "case": case,
            "object_type": otype,
            "object_id": oid,
            "before": json.loads(before) if before is not None else None,
            "after": json.loads(after) if after is not None else None,
            "data": json.loads(data),
            "prev_hash": prev,
        }
        prev = digest(_canonical(fields))
        db.execute(
            "UPDATE audit_auditevent SET data = ?, prev_hash = ?, hash = ? WHERE id = ?",
            (data, fields["prev_hash"], prev, pk),
        )
    if key_id is None:
        db.execute("UPDATE audit_auditchain SET last_hash = ? WHERE agency_id = ?", (prev, agency_id))
    else:
        db.execute(
            "UPDATE audit_auditchain SET last_hash = ?, key_id = ? WHERE agency_id = ?",
            (prev, key_id, agency_id),
        )
    db.commit()
    db.close()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def keyed(data: bytes) -> str:
    return hmac.new(KEY.encode(), data, hashlib.sha256).hexdigest()


def test_verify_names_an_event_edited_and_rechained_without_the_key(var: Path) -> None:
    agency = write_events(var, "甲方", 4)
    assert run(var, "audit", "verify").returncode == 0
    rechain(var, agency, sha256, edit_seq=2, key_id=None)
    done = run(var, "audit", "verify", "--json")
    assert done.returncode == 1
    [problem] = json.loads(done.stdout)["problems"]
    assert (problem["kind"], problem["seq"], problem["agency_id"]) == ("edited", 2, agency)
    assert done.stderr == "licensedesk: audit chain verification failed\n"


def test_verify_with_another_key_says_wrong_key(var: Path) -> None:
    write_events(var, "甲方", 2)
    done = run(var, "audit", "verify", LICENSEDESK_AUDIT_KEY="another-key-" + "0" * 32)
    assert done.returncode == 1
    assert "wrong key: the chain is hashed with key" in done.stdout


def test_verify_without_a_key_says_where_to_put_it_and_makes_none(var: Path) -> None:
    write_events(var, "甲方", 1)
    key_file = var / "no-such-dir" / "audit_key"
    done = run(var, "audit", "verify", LICENSEDESK_AUDIT_KEY="", LICENSEDESK_AUDIT_KEY_FILE=str(key_file))
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"licensedesk: no audit key: set LICENSEDESK_AUDIT_KEY or put the key in {key_file} "
        "(LICENSEDESK_AUDIT_KEY_FILE)."
    )
    assert "Traceback" not in done.stderr and not key_file.exists() and done.stdout == ""


def test_anchor_then_verify_anchors_catches_a_rechaining_with_the_key(var: Path) -> None:
    agency = write_events(var, "甲方", 3)
    done = run(var, "audit", "anchor")
    assert done.returncode == 0, done.stderr
    anchors = var / "audit-anchors.jsonl"
    assert done.stderr.strip() == f"1 chain head(s) anchored to {anchors}"
    assert stat.S_IMODE(anchors.stat().st_mode) == 0o600
    printed = run(var, "audit", "anchor", "--file", "-")
    assert json.loads(printed.stdout)["seq"] == 3 and len(anchors.read_text().splitlines()) == 1
    [line] = [json.loads(text) for text in anchors.read_text().splitlines()]
    assert (line["agency_id"], line["seq"]) == (agency, 3)

    rechain(var, agency, keyed, edit_seq=2, key_id=None)  # someone holding the key
    assert run(var, "audit", "verify").returncode == 0
    done = run(var, "audit", "verify", "--anchors", str(anchors), "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    [problem] = report["anchor_problems"]
    assert (problem["agency_id"], problem["seq"], problem["expected_hash"]) == (agency, 3, line["hash"])
    assert problem["found_hash"] not in (None, line["hash"])
    text = run(var, "audit", "verify", "--anchors", str(anchors))
    assert text.returncode == 1 and "was changed after it was anchored" in text.stdout


def test_rekey_upgrades_a_chain_written_before_keyed_hashing(var: Path) -> None:
    agency = write_events(var, "甲方", 3)
    rechain(var, agency, sha256, edit_seq=1, key_id="")  # what an old database holds: plain SHA-256
    done = run(var, "audit", "verify")
    assert done.returncode == 1 and "run `licensedesk audit rekey`" in done.stdout
    done = run(var, "audit", "rekey", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    [outcome] = json.loads(done.stdout)["outcomes"]
    assert (outcome["status"], outcome["events"]) == ("rekeyed", 3)
    assert run(var, "audit", "verify").returncode == 0


def test_rekey_refuses_a_tampered_legacy_chain(var: Path) -> None:
    agency = write_events(var, "甲方", 3)
    rechain(var, agency, sha256, edit_seq=1, key_id="")
    db = sqlite3.connect(var / "licensedesk.sqlite3")
    db.execute("UPDATE audit_auditevent SET action = 'x.tampered' WHERE agency_id = ? AND seq = 2", (agency,))
    db.commit()
    db.close()
    done = run(var, "audit", "rekey")
    assert done.returncode == 1
    assert "refused: the chain does not verify as written" in done.stdout and "(#2, x.tampered" in done.stdout
    assert done.stderr == "licensedesk: some audit chains were not re-hashed\n"
