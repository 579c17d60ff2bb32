"""Where material files live: Django's default storage (``STORAGES["default"]``: a directory under
``var/media``, or an S3-compatible bucket through django-storages), under content-addressed names.

A name is ``sha256[:2]/sha256``: the same bytes uploaded twice are stored once, a name says nothing about
the client or the file, and nothing in storage is ever served by URL (downloads go through a view).
"""

from __future__ import annotations

import contextlib
import os
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import Storage, default_storage


def storage() -> Storage:
    return default_storage


def content_name(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}"


def store(content: Any, *, sha256: str, size: int) -> tuple[str, bool]:
    """Store ``content`` (a Django ``File``, or a binary stream) under its content-addressed name.

    Returns ``(name, created)``: ``created`` is False when the same bytes were already stored (same name,
    same size), in which case nothing is written. A Django ``TemporaryUploadedFile`` on the same file
    system as the storage is moved into place rather than copied.
    """
    target = storage()
    name = content_name(sha256)
    if target.exists(name) and target.size(name) == size:
        _touch(target, name)
        return name, False
    file = content if isinstance(content, File) else File(content, name=name)
    file.seek(0)
    saved = target.save(name, file)
    return saved, True


def _touch(target: Storage, name: str) -> None:
    """Mark a stored file as just used: the housekeeping sweep removes unreferenced files only once they
    are old (``HOUSEKEEPING_MEDIA_GRACE_HOURS``), and an old orphan taken again by an upload whose row is
    not committed yet must not look old. Local storage only (object storage has no cheap touch: there the
    sweep re-reads the references right before deleting, which leaves a window of milliseconds)."""
    try:
        path = target.path(name)
    except NotImplementedError:
        return
    with contextlib.suppress(FileNotFoundError):
        os.utime(path)


def discard(name: str) -> None:
    """Remove a stored file this request created (when the transaction recording it failed)."""
    target = storage()
    if target.exists(name):
        target.delete(name)


def open_stored(name: str) -> IO[bytes]:
    return storage().open(name, "rb")
