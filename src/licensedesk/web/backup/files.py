"""The stored files the database references, copied out of and back into Django's default storage.

Files live in ``STORAGES["default"]`` (a directory, or S3 through django-storages) under
content-addressed names; rows name them. :data:`REFERENCES` lists every (model, name, SHA-256, size)
triple that points into storage — ``tests/web/test_backup.py`` fails if a model gains a ``*sha256``
field or a ``FileField`` that is not listed, so a new kind of stored file cannot be left out of backups.
Everything goes through the storage API (never the media directory), so S3 is backed up the same way.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import Storage, default_storage

from licensedesk.web.backup.errors import BackupSourceInvalid, RestoreFailed, RestoreRefused
from licensedesk.web.backup.manifest import (
    CHUNK,
    FileEntry,
    fsync_dir,
    open_private,
    safe_relative,
    sha256_of,
)

FILES_DIR = "files"


@dataclass(frozen=True)
class Reference:
    """A model whose rows name a stored file: the fields holding its storage name, SHA-256 and size."""

    model: str  # "app_label.ModelName"
    name_field: str
    sha256_field: str
    size_field: str


REFERENCES: tuple[Reference, ...] = (
    Reference("materials.MaterialFile", "storage_name", "sha256", "size"),
    Reference("documents.GeneratedDocument", "docx_name", "docx_sha256", "docx_size"),
    Reference("documents.GeneratedDocument", "pdf_name", "pdf_sha256", "pdf_size"),
    Reference("documents.SubmissionBundle", "storage_name", "sha256", "size"),
    Reference("documents.AgencyTemplate", "storage_name", "sha256", "size"),
)


@dataclass(frozen=True)
class StoredFile:
    """A file the database references: its storage name, what the row says it holds, and who says so."""

    name: str
    sha256: str
    size: int
    referenced_by: str  # "materials.MaterialFile 12", for messages


def referenced_files(*, using: str) -> list[StoredFile]:
    """Every stored file the database behind ``using`` references, once per storage name (sorted).

    Two rows naming one file must agree on its content (names are content hashes); a disagreement is
    refused, since one of the rows is wrong and the backup could not hold both."""
    found: dict[str, StoredFile] = {}
    for ref in REFERENCES:
        model = apps.get_model(ref.model)
        rows = model.objects.using(using).values_list("pk", ref.name_field, ref.sha256_field, ref.size_field)
        for pk, name, sha256, size in rows.order_by("pk").iterator(chunk_size=2000):
            item = StoredFile(name=name, sha256=sha256, size=size, referenced_by=f"{ref.model} {pk}")
            if not safe_relative(name):
                raise BackupSourceInvalid(
                    f"{item.referenced_by}: storage name {name!r} would leave the backup directory.",
                    message_zh=f"{item.referenced_by}：存储名称 {name!r} 指向备份目录之外。",
                    details={"name": name, "row": item.referenced_by},
                )
            known = found.setdefault(name, item)
            if (known.sha256, known.size) != (sha256, size):
                raise BackupSourceInvalid(
                    f"{name}: {known.referenced_by} and {item.referenced_by} record different contents.",
                    message_zh=f"{name}：{known.referenced_by} 与 {item.referenced_by} 记录的内容不一致。",
                    details={"name": name},
                )
    return [found[name] for name in sorted(found)]


def storage() -> Storage:
    return default_storage


def copy_out(files: Iterable[StoredFile], directory: Path) -> list[FileEntry]:
    """Copy each file from storage into ``directory/files/<name>`` (0600, directories 0700, fsynced),
    checking its bytes against the row while copying: a missing or different file fails the backup."""
    source = storage()
    entries = []
    for item in files:
        relative = f"{FILES_DIR}/{item.name}"
        target = directory / relative
        for parent in reversed(target.relative_to(directory).parents[:-1]):
            (directory / parent).mkdir(mode=0o700, exist_ok=True)
        if not source.exists(item.name):
            raise BackupSourceInvalid(
                f"{item.name}: referenced by {item.referenced_by} but missing from storage.",
                message_zh=f"{item.name}：{item.referenced_by} 引用了此文件，但存储中没有。",
                details={"name": item.name, "row": item.referenced_by},
            )
        digest, size = hashlib.sha256(), 0
        with source.open(item.name, "rb") as stream, open_private(target) as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if (digest.hexdigest(), size) != (item.sha256, item.size):
            raise BackupSourceInvalid(
                f"{item.name}: storage holds {size} bytes with SHA-256 {digest.hexdigest()}, but "
                f"{item.referenced_by} records {item.size} bytes with SHA-256 {item.sha256}.",
                message_zh=f"{item.name}：存储中的文件（{size} 字节，SHA-256 {digest.hexdigest()}）与 "
                f"{item.referenced_by} 的记录（{item.size} 字节，SHA-256 {item.sha256}）不一致。",
                details={"name": item.name, "row": item.referenced_by},
            )
        fsync_dir(target.parent)
        entries.append(FileEntry(path=relative, size=size, sha256=item.sha256, kind="stored", name=item.name))
    return entries


def stored_digest(name: str) -> str:
    with storage().open(name, "rb") as stream:
        return sha256_of(stream)[0]


def storage_conflicts(entries: Iterable[FileEntry]) -> list[str]:
    """The names already in storage with the same bytes (to skip); raises on the first with other bytes."""
    target = storage()
    same = []
    for entry in entries:
        if not target.exists(entry.name):
            continue
        if stored_digest(entry.name) != entry.sha256:
            raise RestoreRefused(
                f"{entry.name}: the target storage already holds a different file under this name.",
                message_zh=f"{entry.name}：目标存储中已有同名但内容不同的文件。",
                details={"name": entry.name},
            )
        same.append(entry.name)
    return same


def copy_in(entries: Iterable[FileEntry], directory: Path, *, skip: set[str]) -> int:
    """Save each backed-up file into storage under its own name; returns how many were written."""
    target = storage()
    written = 0
    for entry in entries:
        if entry.name in skip:
            continue
        with (directory / entry.path).open("rb") as handle:
            saved = target.save(entry.name, File(handle, name=entry.name))
        if saved != entry.name:
            raise RestoreFailed(
                f"{entry.name}: storage saved it as {saved}; the database would not find it.",
                message_zh=f"{entry.name}：存储将其保存为 {saved}，数据库将找不到该文件。",
                details={"name": entry.name, "saved_as": saved},
            )
        written += 1
    return written
