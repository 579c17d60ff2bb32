"""``licensedesk backup`` / ``restore`` through real subprocesses: what each refuses, with the message
naming the file, manifest field or table, and exit 1; nothing is restored when a check fails."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

AUDIT_KEY = "backup-test-audit-key-0123456789abcdef0123456789"


def env_for(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        LICENSEDESK_VAR_DIR=str(var_dir), LICENSEDESK_AUDIT_KEY=AUDIT_KEY, LICENSEDESK_EMAIL_BACKEND="console"
    )
    return env


def licensedesk(*args: str, var_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "licensedesk", *args],
        env=env_for(var_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var directory (SQLite database, media) holding the demo data."""
    var_dir = tmp_path_factory.mktemp("source")
    done = licensedesk("demo", var_dir=var_dir)
    assert done.returncode == 0, done.stderr
    return var_dir


@pytest.fixture(scope="module")
def pristine(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("pristine") / "backup"
    done = licensedesk("backup", str(dest), var_dir=source)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"备份完成 Backup written to {dest}: sqlite database (")
    return dest


@pytest.fixture
def backup(pristine: Path, tmp_path: Path) -> Path:
    """A copy of a good backup, for the test to damage."""
    return Path(shutil.copytree(pristine, tmp_path / "backup"))


def manifest(backup: Path) -> dict:
    return json.loads((backup / "manifest.json").read_text(encoding="utf-8"))


def save_manifest(backup: Path, data: dict) -> None:
    (backup / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


def restore(backup: Path, target: Path) -> subprocess.CompletedProcess[str]:
    return licensedesk("restore", str(backup), var_dir=target)


def first_stored(backup: Path) -> dict:
    return next(entry for entry in manifest(backup)["files"] if entry["kind"] == "stored")


def test_a_good_backup_restores(backup: Path, tmp_path: Path) -> None:
    done = restore(backup, tmp_path / "target")
    assert done.returncode == 0, done.stderr
    assert "every chain head equals the manifest's" in done.stdout


def test_backup_refuses_a_non_empty_destination(source: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me")
    done = licensedesk("backup", str(dest), var_dir=source)
    assert done.returncode == 1
    assert done.stderr == (
        f"licensedesk: {dest}: the directory is not empty; name a new or empty directory.\n"
        f"  {dest}：目录不是空的；请指定新的或空的目录。\n"
    )
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]


def test_restore_refuses_a_backup_without_manifest(backup: Path, tmp_path: Path) -> None:
    (backup / "manifest.json").unlink()
    done = restore(backup, tmp_path / "target")
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"licensedesk: {backup / 'manifest.json'}: no manifest; the backup is incomplete (interrupted?) and "
        "cannot be restored.\n"
    )


def test_restore_refuses_a_tampered_file_naming_it(backup: Path, tmp_path: Path) -> None:
    entry = first_stored(backup)
    path = backup / entry["path"]
    data = bytearray(path.read_bytes())
    data[-2] ^= 0x01  # same size, other bytes
    path.write_bytes(bytes(data))
    done = restore(backup, tmp_path / "target")
    assert done.returncode == 1
    digest = hashlib.sha256(data).hexdigest()
    assert done.stderr.startswith(
        f"licensedesk: {entry['path']}: SHA-256 {digest}, the manifest says {entry['sha256']}; "
        "the file was changed.\n"
    )
    assert not (tmp_path / "target" / "media").exists()  # nothing restored


def test_restore_refuses_a_backup_missing_a_file(backup: Path, tmp_path: Path) -> None:
    entry = first_stored(backup)
    (backup / entry["path"]).unlink()
    done = restore(backup, tmp_path / "target")
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"licensedesk: {entry['path']}: listed in the manifest but missing from the backup.\n"
    )


def test_restore_refuses_a_file_the_manifest_does_not_list(backup: Path, tmp_path: Path) -> None:
    (backup / "files" / "extra.pdf").write_bytes(b"%PDF-1.7")
    done = restore(backup, tmp_path / "target")
    assert done.returncode == 1
    assert done.stderr.startswith("licensedesk: files/extra.pdf: in the backup but not in the manifest.\n")


def test_restore_names_a_missing_manifest_field(backup: Path, tmp_path: Path) -> None:
    data = manifest(backup)
    del data["files"][1]["sha256"]
    save_manifest(backup, data)
    done = restore(backup, tmp_path / "target")
    assert done.returncode == 1
    assert done.stderr.startswith("licensedesk: manifest.json: field files[1].sha256 is missing.\n")


def test_restore_refuses_a_database_that_has_rows_naming_the_table(backup: Path, source: Path) -> None:
    done = restore(backup, source)
    assert done.returncode == 1
    assert done.stderr == (
        "licensedesk: the target database is not empty: table accounts_agency has rows. Restore into an "
        "empty database.\n  目标数据库不是空的：表 accounts_agency 中有数据。请恢复到空数据库。\n"
    )


def test_restore_refuses_storage_holding_other_bytes_under_a_name(backup: Path, tmp_path: Path) -> None:
    entry = first_stored(backup)
    target = tmp_path / "target"
    occupied = target / "media" / entry["name"]
    occupied.parent.mkdir(parents=True)
    occupied.write_bytes(b"something else")
    done = restore(backup, target)
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"licensedesk: {entry['name']}: the target storage already holds a different file under this name.\n"
    )
    with sqlite3.connect(target / "licensedesk.sqlite3") as db:  # the database was not touched
        assert db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone() == (0,)


def test_restore_fails_when_a_chain_head_differs_from_the_manifest(backup: Path, tmp_path: Path) -> None:
    data = manifest(backup)
    head = data["audit_heads"][0]
    real = head["last_seq"]
    head["last_seq"] = real + 1  # the manifest promises an event the database does not hold
    save_manifest(backup, data)
    done = restore(backup, tmp_path / "target")
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"licensedesk: audit chain of agency {head['agency_id']}: the restored head is #{real} "
        f"{head['last_hash']}, the manifest says #{real + 1} {head['last_hash']}.\n"
    )


def test_restore_fails_when_the_restored_audit_trail_does_not_verify(backup: Path, tmp_path: Path) -> None:
    """An event edited inside the dump (and the manifest made to match) is caught by audit verify."""
    dump = backup / "database.sqlite3"
    with sqlite3.connect(dump) as db:
        db.execute("UPDATE audit_auditevent SET action = 'case.forged' WHERE seq = 3")
    data = manifest(backup)
    entry = data["files"][0]
    entry["size"], entry["sha256"] = dump.stat().st_size, hashlib.sha256(dump.read_bytes()).hexdigest()
    save_manifest(backup, data)
    done = restore(backup, tmp_path / "target")
    assert done.returncode == 1
    assert done.stderr.startswith("licensedesk: the restored audit trail does not verify: ")
    assert "(#3, case.forged" in done.stderr
