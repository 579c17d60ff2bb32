"""Backup and restore round trips on a real file-backed SQLite database and on a real PostgreSQL server,
with a separate process writing audit events and material uploads throughout the backup.

Every process here is a real ``licensedesk`` (or ``tests/web/backup_writer.py``) subprocess with its own
``LICENSEDESK_VAR_DIR`` (database file, media) or ``DATABASE_URL``: pytest-django's in-memory database
could not show what matters — the ``-wal`` file, a second process, an empty target.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from licensedesk.web.backup.files import REFERENCES

WRITER = Path(__file__).with_name("backup_writer.py")
AUDIT_KEY = "backup-test-audit-key-0123456789abcdef0123456789"
ON_POSTGRES_PASS = bool(os.environ.get("DATABASE_URL"))


def env_for(var_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        LICENSEDESK_VAR_DIR=str(var_dir),
        LICENSEDESK_AUDIT_KEY=AUDIT_KEY,  # the key is backed up apart from the database: both sides know it
        LICENSEDESK_EMAIL_BACKEND="console",
        DJANGO_SETTINGS_MODULE="licensedesk.web.settings",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def licensedesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "licensedesk", *args], env=env, capture_output=True, text=True, check=False
    )


def committed(log: Path) -> list[dict]:
    """The events the writer has logged — each one committed before it was logged."""
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    return [json.loads(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]


@dataclass
class Writer:
    process: subprocess.Popen
    log: Path
    stop_file: Path

    def wait_for(self, events: int) -> None:
        deadline = time.monotonic() + 120  # a hang guard, not a measurement
        while len(committed(self.log)) < events:
            assert self.process.poll() is None, self.process.stderr.read() if self.process.stderr else ""
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.05)

    def stop(self) -> None:
        self.stop_file.touch()
        _, err = self.process.communicate(timeout=120)
        assert self.process.returncode == 0, err


@pytest.fixture
def writer_factory(tmp_path: Path) -> Iterator:
    started: list[Writer] = []

    def start(env: dict[str, str]) -> Writer:
        log, stop = tmp_path / "committed.jsonl", tmp_path / "stop"
        process = subprocess.Popen(
            [sys.executable, str(WRITER), "write", str(log), str(stop)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(Writer(process, log, stop))
        return started[-1]

    yield start
    for writer in started:
        if writer.process.poll() is None:
            writer.process.kill()
            writer.process.wait()


def restored_events(env: dict[str, str], out: Path) -> dict[tuple[int, int], dict]:
    done = subprocess.run(
        [sys.executable, str(WRITER), "dump", str(out)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return {(e["agency"], e["seq"]): e for e in json.loads(out.read_text(encoding="utf-8"))}


def round_trip(
    tmp_path: Path,
    writer_factory,
    source_env: dict[str, str],
    target_env: dict[str, str],
    *,
    while_writing: Callable[[list[dict]], None] = lambda before: None,
) -> Path:
    """Seed the source, write to it continuously, back it up meanwhile, restore into an empty target;
    every event committed before the backup started must come back exactly, with its uploaded file.
    ``while_writing`` runs with those events just before the backup. Returns the backup directory."""
    seeded = licensedesk("demo", env=source_env)
    assert seeded.returncode == 0, seeded.stderr
    writer = writer_factory(source_env)
    writer.wait_for(30)
    before = committed(writer.log)  # all committed before the backup starts
    while_writing(before)
    backup_dir = tmp_path / "backup"
    done = licensedesk("backup", str(backup_dir), env=source_env)
    assert done.returncode == 0, done.stderr
    assert writer.process.poll() is None  # the writer was still writing when the backup finished
    writer.stop()
    assert len(committed(writer.log)) > len(before)

    restored = licensedesk("restore", str(backup_dir), env=target_env)
    assert restored.returncode == 0, restored.stderr
    assert "every chain head equals the manifest's" in restored.stdout

    events = restored_events(target_env, tmp_path / "restored.json")
    assert [e for e in before if (e["agency"], e["seq"]) not in events] == []
    for event in before:  # exact microseconds, the very hash
        found = events[(event["agency"], event["seq"])]
        assert (found["occurred_at"], found["hash"]) == (event["occurred_at"], event["hash"])
    uploads = [e["file"] for e in before if e["file"]]
    assert len(uploads) >= 10
    media = Path(target_env["LICENSEDESK_VAR_DIR"]) / "media"
    for sha in uploads:
        stored = media / sha[:2] / sha
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
        assert stored.stat().st_mode & 0o777 == 0o600
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))
    (head,) = [h for h in manifest["audit_heads"] if h["agency_id"] == before[-1]["agency"]]
    assert head["last_seq"] >= before[-1]["seq"]
    return backup_dir


@pytest.mark.skipif(ON_POSTGRES_PASS, reason="SQLite round trip: runs in the SQLite pass")
def test_sqlite_backup_under_concurrent_writes_restores_every_committed_event(
    tmp_path: Path, writer_factory
) -> None:
    source, target = tmp_path / "source", tmp_path / "target"

    def copy_like_cp(before: list[dict]) -> None:
        """What ``cp`` of the live file copies at this moment lacks committed events (still in the WAL):
        the writer's situation is the one in which a naive copy loses data."""
        naive = tmp_path / "cp-copy.sqlite3"
        shutil.copyfile(source / "licensedesk.sqlite3", naive)
        with sqlite3.connect(naive) as copy:
            in_cp = set(copy.execute("SELECT agency_id, seq FROM audit_auditevent").fetchall())
        assert [e for e in before if (e["agency"], e["seq"]) not in in_cp] != []

    backup_dir = round_trip(
        tmp_path, writer_factory, env_for(source), env_for(target), while_writing=copy_like_cp
    )
    for name in ("licensedesk.sqlite3", "licensedesk.sqlite3-wal", "licensedesk.sqlite3-shm"):
        if (target / name).exists():
            assert (target / name).stat().st_mode & 0o777 == 0o600, name
    for path in [backup_dir, *backup_dir.rglob("*")]:
        assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path


@pytest.fixture
def postgres_databases() -> Iterator[tuple[str, str]]:
    """Two fresh databases on the test server (source, empty target), dropped afterwards."""
    import psycopg

    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    names = [f"licensedesk_backup_{uuid.uuid4().hex[:10]}_{side}" for side in ("src", "dst")]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_postgres_backup_under_concurrent_writes_restores_every_committed_event(
    tmp_path: Path, writer_factory, postgres_databases: tuple[str, str]
) -> None:
    source_url, target_url = postgres_databases
    source_env = env_for(tmp_path / "source", source_url)
    target_env = env_for(tmp_path / "target", target_url)
    round_trip(tmp_path, writer_factory, source_env, target_env)


@pytest.mark.skipif(ON_POSTGRES_PASS, reason="runs in the SQLite pass")
def test_an_interrupted_backup_has_no_manifest_and_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "source"
    env = env_for(source)
    assert licensedesk("demo", env=env).returncode == 0
    stored = sorted(p for p in (source / "media").rglob("*") if p.is_file())
    stored[-1].unlink()  # the backup fails while copying the files
    failed = licensedesk("backup", str(tmp_path / "backup"), env=env)
    assert failed.returncode == 1
    assert (
        f"{stored[-1].parent.name}/{stored[-1].name}: referenced by materials.MaterialFile" in failed.stderr
    )
    assert "but missing from storage." in failed.stderr
    assert (tmp_path / "backup" / "database.sqlite3").exists()
    assert not (tmp_path / "backup" / "manifest.json").exists()
    refused = licensedesk("restore", str(tmp_path / "backup"), env=env_for(tmp_path / "target"))
    assert refused.returncode == 1
    assert f"{tmp_path / 'backup' / 'manifest.json'}: no manifest; the backup is incomplete" in refused.stderr


def test_every_model_pointing_into_storage_is_backed_up() -> None:
    """A model with a ``*sha256`` field or a FileField names stored files: each must be in REFERENCES."""
    pointing = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) or field.name.endswith("sha256"):
                pointing.add((model._meta.label, field.name))
    listed = {(ref.model, ref.sha256_field) for ref in REFERENCES}
    assert pointing == listed
