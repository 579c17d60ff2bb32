"""Reading an upload request: files stream to a temporary file in chunks while being hashed, the size
limit stops an oversized file early, and file names are checked as sent.

Why a parser of our own for the upload views: Django's ``MultiPartParser.sanitize_file_name`` silently
cuts ``../../x.pdf`` to ``x.pdf`` and drops control characters; a name like that is refused here instead
(with its message), through the same check the command line uses
(:func:`licensedesk.core.filecheck.check_file_name`). The views using this are ``csrf_exempt`` on the
outside and check CSRF themselves once the body is parsed — Django's documented pattern for changing
upload handling per view.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import MultiValueDict

from licensedesk.core.filecheck import FileRejected, Limits, check_file_name

CHUNK_SIZE = 1024 * 1024  # body read size: gunicorn recv()s up to 1 MiB; 256 KiB and 4 MiB measured slower


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Every file to a temporary file (``FILE_UPLOAD_TEMP_DIR``), hashed (SHA-256) chunk by chunk as it
    is written, so the bytes are read once. A file past ``max_bytes`` is dropped as soon as it passes
    the limit (its temporary file deleted, the rest of it read and discarded) and its name recorded in
    ``oversized``."""

    chunk_size = CHUNK_SIZE

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int | None = None) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.oversized: list[tuple[str, int]] = []
        self._digest: Any = None
        self._size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._digest = hashlib.sha256()
        self._size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._size += len(raw_data)
        if self.max_bytes is not None and self._size > self.max_bytes:
            self.oversized.append((self.file_name, self._size))
            self.file.close()  # a TemporaryUploadedFile deletes itself on close
            raise SkipFile()
        self._digest.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> TemporaryUploadedFile:
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self._digest.hexdigest()  # type: ignore[attr-defined]
        return uploaded


class _NameCheckingParser(MultiPartParser):
    def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.refused: list[FileRejected] = []

    def sanitize_file_name(self, file_name: str) -> str | None:
        raw = html.unescape(file_name)  # as Django does: some browsers send entities
        try:
            return check_file_name(raw, self.limits)
        except FileRejected as exc:
            self.refused.append(exc)
            return None  # the parser skips the file's bytes


@dataclass
class ParsedUpload:
    post: QueryDict
    files: MultiValueDict
    refused: list[FileRejected] = field(default_factory=list)
    oversized: list[tuple[str, int]] = field(default_factory=list)


def parse_upload(request: HttpRequest, *, limits: Limits) -> ParsedUpload:
    """Parse a multipart upload with :class:`HashingUploadHandler` and the name check, and install the
    result as ``request.POST``/``request.FILES`` (the CSRF check reads the token from there)."""
    if request.content_type != "multipart/form-data":
        return ParsedUpload(request.POST, MultiValueDict())
    handler = HashingUploadHandler(request, max_bytes=max(limits.max_bytes.values()))
    parser = _NameCheckingParser(request.META, request, [handler], request.encoding, limits=limits)
    post, files = parser.parse()
    request._post, request._files = post, files  # type: ignore[attr-defined]
    return ParsedUpload(post, files, parser.refused, handler.oversized)
