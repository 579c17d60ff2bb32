"""``backup_create`` and ``backup_restore``: the whole backup of a licensedesk installation (database,
stored files, manifest) and its checked restore into an empty database and storage."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader

from licensedesk.web.audit.models import AuditChain, AuditEvent
from licensedesk.web.audit.services import audit_verify
from licensedesk.web.backup import database, files
from licensedesk.web.backup.errors import BackupRefused, RestoreFailed, RestoreRefused
from licensedesk.web.backup.manifest import (
    ChainHead,
    FileEntry,
    Manifest,
    check_backup_files,
    fsync_dir,
    read_manifest,
    sha256_of,
    write_manifest,
)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _licensedesk_version() -> str:
    try:
        return version("licensedesk")
    except PackageNotFoundError:
        return ""


@dataclass(frozen=True)
class BackupSummary:
    directory: Path
    manifest: Manifest
    audit_events: int

    def text(self) -> str:
        db, stored = self.manifest.database, self.manifest.stored
        return (
            f"备份完成 Backup written to {self.directory}: {self.manifest.engine} database "
            f"({db.size:,} bytes), {len(stored)} stored file(s) ({sum(e.size for e in stored):,} bytes), "
            f"{self.audit_events} audit event(s) in {len(self.manifest.audit_heads)} chain(s)."
        )


@dataclass(frozen=True)
class RestoreSummary:
    directory: Path
    manifest: Manifest
    files_written: int
    files_present: int
    agencies_checked: int
    events_checked: int

    def text(self) -> str:
        return (
            f"恢复完成 Restored {self.directory} (backup of {self.manifest.created_at}): "
            f"{self.manifest.engine} database, migrations up to date; {self.files_written} stored file(s) "
            f"written ({self.files_present} already there, identical); {self.events_checked} audit event(s) "
            f"of {self.agencies_checked} agencies verified, every chain head equals the manifest's."
        )


def _prepare_destination(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise BackupRefused(
            f"{dest}: exists and is not a directory; name a new or empty directory.",
            message_zh=f"{dest}：已存在且不是目录；请指定新的或空的目录。",
            details={"path": str(dest)},
        )
    if dest.is_dir() and any(dest.iterdir()):
        raise BackupRefused(
            f"{dest}: the directory is not empty; name a new or empty directory.",
            message_zh=f"{dest}：目录不是空的；请指定新的或空的目录。",
            details={"path": str(dest)},
        )
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(dest, 0o700)


def backup_create(*, dest: Path) -> BackupSummary:
    """Back up the database and every stored file it references into the new directory ``dest``.

    The dump, the file list and the chain heads all come from one consistent snapshot (see
    :mod:`licensedesk.web.backup.database`); files are checked against their rows while copied; the
    manifest is written last and atomically, so only a complete backup has one.
    """
    dest = Path(dest)
    _prepare_destination(dest)
    started_at = _now()
    vendor = database.engine()
    dump = dest / database.DUMP_NAMES[vendor]
    with database.database_snapshot(dump) as alias:
        migrations = database.migration_state(using=alias)
        heads = [
            ChainHead(agency_id=agency_id, last_seq=last_seq, last_hash=last_hash)
            for agency_id, last_seq, last_hash in AuditChain.objects.using(alias)
            .order_by("agency_id")
            .values_list("agency_id", "last_seq", "last_hash")
        ]
        events = AuditEvent.objects.using(alias).count()
        referenced = files.referenced_files(using=alias)
        # Copied while the snapshot is held: on PostgreSQL a file deleted meanwhile is still referenced
        # by the dump (files are content-addressed and never rewritten, so a later copy is the same one).
        stored = files.copy_out(referenced, dest)
    with dump.open("rb") as handle:
        digest, size = sha256_of(handle)
    entries = [FileEntry(path=dump.name, size=size, sha256=digest, kind="database"), *stored]
    fsync_dir(dest)
    manifest = Manifest(
        created_at=_now(),
        started_at=started_at,
        engine=vendor,
        licensedesk_version=_licensedesk_version(),
        migrations=migrations,
        files=entries,
        audit_heads=heads,
    )
    write_manifest(dest, manifest)
    return BackupSummary(directory=dest, manifest=manifest, audit_events=events)


def _ensure_known_migrations(manifest: Manifest) -> None:
    """A backup made by a newer licensedesk holds migrations this code cannot know: refuse it."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    for app, name in manifest.migrations.items():
        if (app, name) not in known:
            raise RestoreRefused(
                f"migration {app}.{name} of the backup is unknown to this licensedesk (a newer version "
                "made the backup); restore with that version.",
                message_zh=f"本程序不认识备份中的迁移 {app}.{name}（备份来自更新的版本），请用该版本恢复。",
                details={"field": f"migrations.{app}", "migration": name},
            )


def _verify_restored(manifest: Manifest) -> tuple[int, int]:
    report = audit_verify()
    if not report.ok:
        problem = report.first_problem
        raise RestoreFailed(
            f"the restored audit trail does not verify: {problem}",
            message_zh=f"恢复后的审计链校验失败：{problem}",
            details={"problem": problem.to_dict() if problem else None},
        )
    restored = {
        agency_id: (last_seq, last_hash)
        for agency_id, last_seq, last_hash in AuditChain.objects.values_list(
            "agency_id", "last_seq", "last_hash"
        )
    }
    for head in manifest.audit_heads:
        found = restored.pop(head.agency_id, None)
        if found != (head.last_seq, head.last_hash):
            shown = f"#{found[0]} {found[1]}" if found else "no chain"
            raise RestoreFailed(
                f"audit chain of agency {head.agency_id}: the restored head is {shown}, the manifest says "
                f"#{head.last_seq} {head.last_hash}.",
                message_zh=f"机构 {head.agency_id} 的审计链：恢复后的链头为 {shown}，清单记录为 "
                f"#{head.last_seq} {head.last_hash}。",
                details={"field": "audit_heads", "agency_id": head.agency_id},
            )
    if restored:
        agency_id = min(restored)
        raise RestoreFailed(
            f"audit chain of agency {agency_id}: restored, but not in the manifest.",
            message_zh=f"机构 {agency_id} 的审计链：已恢复，但清单中没有。",
            details={"field": "audit_heads", "agency_id": agency_id},
        )
    referenced = {item.name: item.sha256 for item in files.referenced_files(using="default")}
    listed = {entry.name: entry.sha256 for entry in manifest.stored}
    for name in sorted(set(referenced) ^ set(listed)):
        if name in referenced:
            where, where_zh = (
                "the restored database references it but the manifest does not list it",
                "数据库引用但清单未列出",
            )
        else:
            where, where_zh = (
                "the manifest lists it but no restored row references it",
                "清单列出但数据库未引用",
            )
        raise RestoreFailed(
            f"{name}: {where}.",
            message_zh=f"{name}：恢复后的数据库与清单不一致（{where_zh}）。",
            details={"name": name},
        )
    return report.agencies_checked, report.events_checked


def backup_restore(*, src: Path) -> RestoreSummary:
    """Restore the backup in ``src`` into the configured, empty database and storage.

    Checks first, changes nothing until they pass: the manifest and every file (present, same size and
    SHA-256, nothing extra), the engine and migrations, an empty target database (no rows in the
    project's tables), storage free of the backup's names (or holding identical bytes). Then restores
    the database, migrates it forward, restores the files, verifies the audit chains and compares their
    heads and the referenced files with the manifest.
    """
    src = Path(src)
    manifest = read_manifest(src)
    check_backup_files(src, manifest)
    vendor = database.engine()
    if manifest.engine != vendor:
        raise RestoreRefused(
            f"the backup holds a {manifest.engine} database; the target is {vendor}. Restore into the same "
            "engine.",
            message_zh=f"备份中是 {manifest.engine} 数据库，目标是 {vendor}；请恢复到相同类型的数据库。",
            details={"field": "database.engine"},
        )
    _ensure_known_migrations(manifest)
    has_tables = database.ensure_empty()
    present = set(files.storage_conflicts(manifest.stored))
    database.restore_database(src / manifest.database.path, vendor=vendor, has_tables=has_tables)
    call_command("migrate", interactive=False, verbosity=0)
    written = files.copy_in(manifest.stored, src, skip=present)
    agencies, events = _verify_restored(manifest)
    return RestoreSummary(
        directory=src,
        manifest=manifest,
        files_written=written,
        files_present=len(present),
        agencies_checked=agencies,
        events_checked=events,
    )
