"""The database half of a backup: a consistent dump, reads from exactly that dump, and the restore.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the live database in one step,
inside one read transaction, so the copy holds every transaction committed before it started — also
those still in the ``-wal`` file, which a ``cp`` of the database file misses — and none half-written.
Writers in WAL mode go on meanwhile. The copy is switched to a single-file journal mode and then read
through a read-only Django connection, so the manifest describes the very state that was dumped.

PostgreSQL: a REPEATABLE READ transaction exports its snapshot, ``pg_dump --format=custom
--snapshot=…`` dumps exactly that snapshot, and the manifest is read inside the same transaction.

Never ``dumpdata``/``loaddata``: it truncates timestamps to milliseconds, and every audit event hashes
its microseconds, so a restored chain would read as tampered.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, connections, transaction
from django.db.migrations.recorder import MigrationRecorder

from licensedesk.web.backup.errors import BackupSourceInvalid, RestoreFailed, RestoreRefused

SNAPSHOT_ALIAS = "licensedesk_backup_snapshot"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Filled by ``migrate`` itself (post_migrate), so a freshly migrated database already has rows there.
MIGRATE_FILLED_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


def engine() -> str:
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupSourceInvalid(
            f"database engine {vendor}: backup supports SQLite and PostgreSQL only.",
            message_zh=f"数据库引擎 {vendor}：备份只支持 SQLite 和 PostgreSQL。",
            details={"engine": vendor},
        )
    return vendor


def _sqlite_path() -> str:
    return str(connection.settings_dict["NAME"])


def create_private_file(path: Path | str) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (SQLite then gives its -wal and -shm
    files the same mode)."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _sqlite_snapshot(target: Path) -> Iterator[str]:
    create_private_file(target)
    # A connection of our own to the live file: Django's connection may sit inside a transaction.
    source = sqlite3.connect(
        _sqlite_path(), timeout=float(connection.settings_dict["OPTIONS"].get("timeout", 20))
    )
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=-1)  # one step: one read transaction, one consistent state
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        (problem,) = copy.execute("PRAGMA quick_check").fetchone()
    finally:
        copy.close()
        source.close()
    if problem != "ok":
        raise BackupSourceInvalid(
            f"{target.name}: the copy fails SQLite's check ({problem}).",
            message_zh=f"{target.name}：副本未通过 SQLite 检查（{problem}）。",
            details={"path": target.name},
        )
    _fsync(target)
    connections.settings[SNAPSHOT_ALIAS] = {
        **connections.settings["default"],
        "NAME": f"file:{target}?mode=ro",
        "OPTIONS": {},
        "TEST": {},
    }
    try:
        yield SNAPSHOT_ALIAS
    finally:
        connections[SNAPSHOT_ALIAS].close()
        del connections[SNAPSHOT_ALIAS]
        del connections.settings[SNAPSHOT_ALIAS]


def _pg_env() -> dict[str, str]:
    """libpq's environment for ``pg_dump``/``pg_restore`` from Django's connection parameters (the
    password travels in the environment, never on the command line)."""
    params: dict[str, Any] = connection.settings_dict
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if params.get(key):
            env[variable] = str(params[key])
    env["PGDATABASE"] = str(params["NAME"])
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if params.get("OPTIONS", {}).get(option):
            env[variable] = str(params["OPTIONS"][option])
    return env


def _run(argv: list[str], *, failure: type[Exception], what: str) -> None:
    tool = shutil.which(argv[0])
    if tool is None:
        raise failure(
            f"{argv[0]}: not found; install Debian's postgresql-client matching the server.",
            message_zh=f"{argv[0]}：未找到；请安装与服务器版本一致的 Debian postgresql-client。",
            details={"tool": argv[0]},
        )
    done = subprocess.run([tool, *argv[1:]], env=_pg_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise failure(
            f"{argv[0]} failed ({what}): {detail[0] if detail else f'exit {done.returncode}'}",
            message_zh=f"{argv[0]} 失败（{what}）：{detail[0] if detail else f'退出码 {done.returncode}'}",
            details={"tool": argv[0], "stderr": done.stderr[-2000:]},
        )


@contextmanager
def _postgres_snapshot(target: Path) -> Iterator[str]:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        create_private_file(target)
        _run(
            ["pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={target}"],
            failure=BackupSourceInvalid,
            what=target.name,
        )
        os.chmod(target, 0o600)
        _fsync(target)
        yield "default"


@contextmanager
def database_snapshot(target: Path) -> Iterator[str]:
    """Dump the database to ``target`` and yield a Django alias reading exactly the dumped state."""
    snapshot = _sqlite_snapshot if engine() == "sqlite" else _postgres_snapshot
    with snapshot(target) as alias:
        yield alias


def migration_state(*, using: str) -> dict[str, str]:
    """The latest applied migration of each app (names are numbered, so the greatest is the latest)."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


# -- restore --------------------------------------------------------------------------------------


def project_tables() -> list[str]:
    """The tables of every installed model, except those ``migrate`` fills by itself."""
    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    return sorted(tables - MIGRATE_FILLED_TABLES)


def ensure_empty() -> bool:
    """Refuse a target database holding any row in the project's tables (naming the first such table).
    Returns whether it has tables at all (an empty but migrated PostgreSQL database is cleaned first)."""
    existing = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in project_tables():
            if table not in existing:
                continue
            # the table name is a model's db_table, quoted: no input reaches this statement
            cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # nosec B608
            if cursor.fetchone() is not None:
                raise RestoreRefused(
                    f"the target database is not empty: table {table} has rows. Restore into an empty "
                    "database.",
                    message_zh=f"目标数据库不是空的：表 {table} 中有数据。请恢复到空数据库。",
                    details={"table": table},
                )
    return bool(existing)


def restore_database(dump: Path, *, vendor: str, has_tables: bool) -> None:
    """Put the dumped database in place of the (empty) target."""
    if vendor == "sqlite":
        _restore_sqlite(dump)
    else:
        _restore_postgres(dump, clean=has_tables)
    connections.close_all()


def _restore_sqlite(dump: Path) -> None:
    """Write the backup into the target file through SQLite's backup API rather than a file copy: it
    takes the target's locks and goes through its journal, so a stale ``-wal`` next to the target can
    never be replayed over the restored pages. The file keeps (or gets) mode 0600."""
    connections.close_all()
    target = _sqlite_path()
    create_private_file(target)
    os.chmod(target, 0o600)
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=20)
    try:
        source.backup(destination, pages=-1)
    finally:
        destination.close()
        source.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(target + suffix):
            os.chmod(target + suffix, 0o600)


def _restore_postgres(dump: Path, *, clean: bool) -> None:
    connections.close_all()
    argv = [
        "pg_restore",
        "--no-owner",
        "--exit-on-error",
        "--no-password",
        f"--dbname={connection.settings_dict['NAME']}",
    ]
    if clean:  # tables exist but hold no rows (a migrated, empty database): drop what the dump recreates
        argv += ["--clean", "--if-exists"]
    _run([*argv, str(dump)], failure=RestoreFailed, what=dump.name)
