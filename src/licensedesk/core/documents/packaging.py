"""Reproducible zip containers: fixed entry dates, order, permissions and compression.

A DOCX is a zip, and so is a submission bundle. ``zipfile`` stamps each entry with the current time, so
the same document written twice differs; here every entry gets the case's date instead, which makes
"same data, same bytes" hold and lets a rebuilt bundle be compared with the one submitted.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from docx.opc.pkgwriter import PackageWriter

CHINA = ZoneInfo("Asia/Shanghai")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def zip_date_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    """A zip entry date (local time without zone, two-second steps): the Beijing time of ``when``."""
    local = when.astimezone(CHINA) if when.tzinfo else when
    stamp = (local.year, local.month, local.day, local.hour, local.minute, local.second - local.second % 2)
    return max(stamp, _ZIP_EPOCH)


def write_zip(entries: Iterable[tuple[str, bytes]], when: datetime) -> bytes:
    """A zip of ``(name, data)`` entries in the order given, every entry dated ``when``."""
    stamp = zip_date_time(when)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()


def normalize_docx(data: bytes, when: datetime) -> bytes:
    """The same DOCX package with every part dated ``when`` (content and part order unchanged)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    return write_zip(entries, when)


class _Collector:
    """Stands in for python-docx's zip writer: keeps (member name, bytes) in the order written."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, bytes]] = []

    def write(self, pack_uri: Any, blob: bytes) -> None:
        self.entries.append((pack_uri.membername, blob))

    def close(self) -> None:
        return None


def save_docx(document: Any, when: datetime) -> bytes:
    """A python-docx ``Document`` as reproducible DOCX bytes, compressed once.

    python-docx's own ``save`` stamps the zip entries with the clock; writing its parts through
    :func:`write_zip` instead gives them ``when`` and avoids compressing twice (the render's largest
    cost after layout). Uses python-docx's ``PackageWriter`` steps, the same parts in the same order."""
    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    sink = _Collector()
    PackageWriter._write_content_types_stream(sink, parts)
    PackageWriter._write_pkg_rels(sink, package.rels)
    PackageWriter._write_parts(sink, parts)
    return write_zip(sink.entries, when)
