"""``manifest.json``: what a backup holds, written last, and the checks a restore runs on it.

The manifest lists every file of the backup (the database dump and each stored file) with its size and
SHA-256, the database engine, the Django migration state (latest applied migration per app) and each
agency's audit chain head at the moment of the dump. It is written last, to a temporary name, fsynced
and renamed into place: a backup interrupted halfway has no manifest, and restore refuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from licensedesk.web.backup.errors import BackupInvalid

MANIFEST_NAME = "manifest.json"
FORMAT = "licensedesk-backup"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class FileEntry:
    """One file of the backup: ``path`` relative to the backup directory (POSIX separators); ``name`` is
    the storage name of a stored file (empty for the database dump)."""

    path: str
    size: int
    sha256: str
    kind: str  # "database" or "stored"
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "path": self.path,
            "size": self.size,
            "sha256": self.sha256,
            "kind": self.kind,
        }
        if self.name:
            entry["name"] = self.name
        return entry


@dataclass(frozen=True)
class ChainHead:
    agency_id: int
    last_seq: int
    last_hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"agency_id": self.agency_id, "last_seq": self.last_seq, "last_hash": self.last_hash}


@dataclass
class Manifest:
    created_at: str
    started_at: str
    engine: str  # Django's connection.vendor: "sqlite" or "postgresql"
    licensedesk_version: str
    migrations: dict[str, str]  # app label → latest applied migration
    files: list[FileEntry] = field(default_factory=list)
    audit_heads: list[ChainHead] = field(default_factory=list)

    @property
    def database(self) -> FileEntry:
        return next(entry for entry in self.files if entry.kind == "database")

    @property
    def stored(self) -> list[FileEntry]:
        return [entry for entry in self.files if entry.kind == "stored"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "licensedesk_version": self.licensedesk_version,
            "database": {"engine": self.engine, "path": self.database.path},
            "migrations": self.migrations,
            "files": [entry.to_dict() for entry in self.files],
            "audit_heads": [head.to_dict() for head in self.audit_heads],
        }


# -- writing ------------------------------------------------------------------------------------------


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a file created or renamed in it) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_private(path: Path) -> IO[bytes]:
    """A new file only its owner may read (0600 from the start, whatever the umask)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def write_manifest(directory: Path, manifest: Manifest) -> Path:
    """Write ``manifest.json`` atomically: a temporary file, fsynced, renamed, the directory fsynced."""
    final = directory / MANIFEST_NAME
    temporary = directory / f".{MANIFEST_NAME}.tmp"
    with open_private(temporary) as out:
        out.write(json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, final)
    fsync_dir(directory)
    return final


def sha256_of(stream: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


# -- reading and checking ---------------------------------------------------------------------------


def safe_relative(path: str) -> bool:
    """A path that stays inside the directory it is relative to (no absolute path, no ``..``)."""
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def _field(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise BackupInvalid(
            f"{MANIFEST_NAME}: field {where}{key} is missing.",
            message_zh=f"{MANIFEST_NAME}：缺少字段 {where}{key}。",
            details={"field": f"{where}{key}"},
        )
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BackupInvalid(
            f"{MANIFEST_NAME}: field {where}{key} has the wrong type ({type(value).__name__}).",
            message_zh=f"{MANIFEST_NAME}：字段 {where}{key} 的类型不正确（{type(value).__name__}）。",
            details={"field": f"{where}{key}"},
        )
    return value


def _bad(field_name: str, why: str, why_zh: str) -> BackupInvalid:
    return BackupInvalid(
        f"{MANIFEST_NAME}: field {field_name} {why}.",
        message_zh=f"{MANIFEST_NAME}：字段 {field_name} {why_zh}。",
        details={"field": field_name},
    )


def read_manifest(directory: Path) -> Manifest:
    """Parse and check ``directory/manifest.json``; every problem names the field."""
    path = directory / MANIFEST_NAME
    if not directory.is_dir():
        raise BackupInvalid(
            f"{directory}: not a backup directory (it does not exist or is not a directory).",
            message_zh=f"{directory}：不是备份目录（不存在或不是目录）。",
            details={"path": str(directory)},
        )
    if not path.is_file():
        raise BackupInvalid(
            f"{path}: no manifest; the backup is incomplete (interrupted?) and cannot be restored.",
            message_zh=f"{path}：没有清单文件；备份不完整（可能被中断），不能恢复。",
            details={"path": str(path)},
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupInvalid(
            f"{path}: not valid JSON ({exc}).",
            message_zh=f"{path}：不是有效的 JSON（{exc}）。",
            details={"path": str(path)},
        ) from None
    if not isinstance(data, dict):
        raise _bad("(top level)", "is not an object", "不是对象")
    if _field(data, "format", str, "") != FORMAT:
        raise _bad("format", f"is not {FORMAT!r}", f"不是 {FORMAT!r}")
    if _field(data, "format_version", int, "") != FORMAT_VERSION:
        raise _bad(
            "format_version",
            f"is {data['format_version']}; this licensedesk reads version {FORMAT_VERSION}",
            f"为 {data['format_version']}；本程序只能读取版本 {FORMAT_VERSION}",
        )
    database = _field(data, "database", dict, "")
    engine = _field(database, "engine", str, "database.")
    migrations = _field(data, "migrations", dict, "")
    for app, name in migrations.items():
        if not isinstance(name, str):
            raise _bad(f"migrations.{app}", "is not a migration name", "不是迁移名称")
    files: list[FileEntry] = []
    seen: set[str] = set()
    for index, item in enumerate(_field(data, "files", list, "")):
        where = f"files[{index}]."
        if not isinstance(item, dict):
            raise _bad(f"files[{index}]", "is not an object", "不是对象")
        entry = FileEntry(
            path=_field(item, "path", str, where),
            size=_field(item, "size", int, where),
            sha256=_field(item, "sha256", str, where),
            kind=_field(item, "kind", str, where),
            name=item.get("name", "") if isinstance(item.get("name", ""), str) else "",
        )
        if not safe_relative(entry.path) or entry.path == MANIFEST_NAME:
            raise _bad(
                f"{where}path",
                f"({entry.path!r}) leaves the backup directory",
                f"（{entry.path!r}）指向备份目录之外",
            )
        if entry.path in seen:
            raise _bad(f"{where}path", f"({entry.path}) is listed twice", f"（{entry.path}）重复列出")
        seen.add(entry.path)
        if entry.size < 0:
            raise _bad(f"{where}size", "is negative", "为负数")
        if not _SHA256.match(entry.sha256):
            raise _bad(f"{where}sha256", "is not a SHA-256 in hex", "不是十六进制 SHA-256")
        if entry.kind not in ("database", "stored"):
            raise _bad(
                f"{where}kind",
                f"is {entry.kind!r}, not database or stored",
                f"为 {entry.kind!r}，应为 database 或 stored",
            )
        if entry.kind == "stored" and not safe_relative(entry.name):
            raise _bad(f"{where}name", "is missing or leaves the storage", "缺失或指向存储之外")
        files.append(entry)
    databases = [entry for entry in files if entry.kind == "database"]
    if len(databases) != 1:
        raise _bad(
            "files",
            f"lists {len(databases)} database files, not one",
            f"列出了 {len(databases)} 个数据库文件，应为 1 个",
        )
    if _field(database, "path", str, "database.") != databases[0].path:
        raise _bad(
            "database.path", "is not the database file listed in files", "与 files 中的数据库文件不一致"
        )
    heads = []
    for index, item in enumerate(_field(data, "audit_heads", list, "")):
        where = f"audit_heads[{index}]."
        if not isinstance(item, dict):
            raise _bad(f"audit_heads[{index}]", "is not an object", "不是对象")
        heads.append(
            ChainHead(
                agency_id=_field(item, "agency_id", int, where),
                last_seq=_field(item, "last_seq", int, where),
                last_hash=_field(item, "last_hash", str, where),
            )
        )
    return Manifest(
        created_at=_field(data, "created_at", str, ""),
        started_at=_field(data, "started_at", str, ""),
        engine=engine,
        licensedesk_version=str(data.get("licensedesk_version", "")),
        migrations=migrations,
        files=files,
        audit_heads=heads,
    )


def _walk(directory: Path) -> Iterator[str]:
    for root, _dirs, names in os.walk(directory):
        for name in names:
            yield (Path(root) / name).relative_to(directory).as_posix()


def check_backup_files(directory: Path, manifest: Manifest) -> None:
    """Every listed file is there with its size and SHA-256, and nothing else is (the first problem is
    raised, naming the file)."""
    for entry in manifest.files:
        path = directory / entry.path
        if not path.is_file():
            raise BackupInvalid(
                f"{entry.path}: listed in the manifest but missing from the backup.",
                message_zh=f"{entry.path}：清单中列出，但备份中缺少该文件。",
                details={"path": entry.path},
            )
        size = path.stat().st_size
        if size != entry.size:
            raise BackupInvalid(
                f"{entry.path}: {size} bytes, the manifest says {entry.size}; the file was changed.",
                message_zh=f"{entry.path}：大小为 {size} 字节，清单记录为 {entry.size} 字节；文件已被改动。",
                details={"path": entry.path, "size": size, "expected": entry.size},
            )
        with path.open("rb") as handle:
            digest, _ = sha256_of(handle)
        if digest != entry.sha256:
            raise BackupInvalid(
                f"{entry.path}: SHA-256 {digest}, the manifest says {entry.sha256}; the file was changed.",
                message_zh=f"{entry.path}：SHA-256 为 {digest}，清单记录为 {entry.sha256}；文件已被改动。",
                details={"path": entry.path, "sha256": digest, "expected": entry.sha256},
            )
    listed = {entry.path for entry in manifest.files} | {MANIFEST_NAME}
    for relative in sorted(_walk(directory)):
        if relative not in listed:
            raise BackupInvalid(
                f"{relative}: in the backup but not in the manifest.",
                message_zh=f"{relative}：备份中有此文件，但清单中没有。",
                details={"path": relative},
            )
