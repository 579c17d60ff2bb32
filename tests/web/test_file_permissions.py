"""Owner-only files (settings): a fresh var directory, migrated and written to through the storage API
by a real process with the common umask 022, holds nothing another account on the machine can read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

STORE = (
    "import django; django.setup()\n"
    "from django.core.files.base import ContentFile\n"
    "from django.core.files.storage import default_storage\n"
    "print(default_storage.save('ab/abcdef', ContentFile(b'%PDF-1.7 client document')))\n"
)


def run(args: list[str], var_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(LICENSEDESK_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="licensedesk.web.settings")
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=lambda: os.umask(0o022),  # what a default login shell would give the server
    )
    assert done.returncode == 0, done.stderr


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite files: runs in the SQLite pass")
def test_a_fresh_var_directory_is_owner_only_after_migrate_and_an_upload(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    run(["-m", "licensedesk.web", "migrate", "--verbosity", "0"], var_dir)
    run(["-c", STORE], var_dir)
    database = var_dir / "licensedesk.sqlite3"
    assert mode(database) == 0o600
    for suffix in ("-wal", "-shm"):
        sidecar = database.with_name(database.name + suffix)
        if sidecar.exists():
            assert mode(sidecar) == 0o600, sidecar
    for folder in (var_dir, var_dir / "static", var_dir / "tmp", var_dir / "media", var_dir / "media" / "ab"):
        assert mode(folder) == 0o700, folder
    assert mode(var_dir / "media" / "ab" / "abcdef") == 0o600


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite files: runs in the SQLite pass")
def test_a_database_left_world_readable_is_tightened_on_start(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    var_dir.mkdir(mode=0o755)
    database = var_dir / "licensedesk.sqlite3"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)
    run(["-m", "licensedesk.web", "migrate", "--verbosity", "0"], var_dir)
    assert (mode(var_dir), mode(database)) == (0o700, 0o600)
