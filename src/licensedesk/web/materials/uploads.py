"""Reading an upload request: files stream to a temporary file in chunks while being hashed, the size
limit stops an oversized file early, and file names are checked as sent.

Why a parser of our own for the upload views, on top of python-multipart's boundary scanner:
* Django's ``MultiPartParser.sanitize_file_name`` silently cuts ``../../x.pdf`` to ``x.pdf`` and drops
  control characters; a name like that is refused here instead (with its message), through the same
  check the command line uses (:func:`licensedesk.core.filecheck.check_file_name`);
* Django's parser moves about 250 MB/s through a large file on this machine; python-multipart's
  scanner (the one Starlette uses), fed 1 MiB chunks and writing straight to the temporary file, about
  1 GB/s with the hashing included — uploads of scanned documents are the largest requests we serve.
Header parameters (``filename``, RFC 2231 ``filename*``) are read with Django's own
``parse_header_parameters``. The views using this are ``csrf_exempt`` on the outside and check CSRF
themselves once the body is parsed — Django's documented pattern for changing upload handling per view.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.http import parse_header_parameters
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser

from licensedesk.core.filecheck import FileRejected, Limits, check_file_name

CHUNK_SIZE = 1024 * 1024  # body read size: gunicorn recv()s up to 1 MiB; 256 KiB and 4 MiB measured slower


@dataclass
class ParsedUpload:
    post: QueryDict
    files: MultiValueDict
    refused: list[FileRejected] = field(default_factory=list)
    oversized: list[tuple[str, int]] = field(default_factory=list)


class _Part:
    """The part being read: a form field (bytes kept) or a file (to a temporary file, hashed)."""

    def __init__(self) -> None:
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.headers: dict[str, str] = {}
        self.field_name = ""
        self.file: TemporaryUploadedFile | None = None
        self.digest: Any = None
        self.size = 0
        self.value: bytearray | None = None
        self.skip = False


class _StreamingUpload:
    """python-multipart callbacks that build Django's POST/FILES as the bytes arrive."""

    def __init__(self, *, encoding: str, limits: Limits) -> None:
        self.encoding = encoding
        self.limits = limits
        self.max_bytes = max(limits.max_bytes.values())
        self.post = QueryDict(mutable=True, encoding=encoding)
        self.files = MultiValueDict()
        self.refused: list[FileRejected] = []
        self.oversized: list[tuple[str, int]] = []
        self.field_bytes = 0
        self.fields = 0
        self.part = _Part()

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self.part = _Part()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def header_end(self) -> None:
        part = self.part
        name = bytes(part.header_name).decode("latin-1").strip().lower()
        part.headers[name] = bytes(part.header_value).decode(self.encoding, errors="replace").strip()
        part.header_name.clear()
        part.header_value.clear()

    def headers_finished(self) -> None:
        part = self.part
        disposition, params = parse_header_parameters(part.headers.get("content-disposition", ""))
        if disposition != "form-data" or "name" not in params:
            part.skip = True
            return
        part.field_name = params["name"]
        if "filename" not in params:
            self.fields += 1
            if (
                settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
                and self.fields > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
            ):
                raise TooManyFieldsSent("the request has too many form fields")
            part.value = bytearray()
            return
        try:
            # as Django does: some browsers send HTML entities in file names
            name = check_file_name(html.unescape(params["filename"]), self.limits)
        except FileRejected as exc:
            self.refused.append(exc)
            part.skip = True
            return
        content_type, type_params = parse_header_parameters(part.headers.get("content-type", ""))
        part.file = TemporaryUploadedFile(
            name, content_type or "application/octet-stream", 0, type_params.get("charset"), type_params
        )
        part.digest = hashlib.sha256()

    def part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        if part.skip:
            return
        chunk = memoryview(data)[start:end]
        if part.value is not None:
            self.field_bytes += len(chunk)
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and self.field_bytes > limit:
                raise RequestDataTooBig("the form fields exceed DATA_UPLOAD_MAX_MEMORY_SIZE")
            part.value += chunk
            return
        part.size += len(chunk)
        if part.size > self.max_bytes:
            self.oversized.append((part.file.name, part.size))
            part.file.close()  # a TemporaryUploadedFile deletes itself on close
            part.skip = True
            return
        part.digest.update(chunk)
        part.file.write(chunk)

    def part_end(self) -> None:
        part = self.part
        if part.skip:
            return
        if part.value is not None:
            self.post.appendlist(part.field_name, bytes(part.value).decode(self.encoding, errors="replace"))
            return
        part.file.size = part.size
        part.file.seek(0)
        part.file.sha256 = part.digest.hexdigest()  # type: ignore[attr-defined]
        self.files.appendlist(part.field_name, part.file)

    def discard(self) -> None:
        """Close (and so delete) every temporary file, after a request that failed half way."""
        for _, uploaded in self.files.lists():
            for item in uploaded:
                item.close()
        if self.part.file is not None and not self.part.file.closed:
            self.part.file.close()


def parse_upload(request: HttpRequest, *, limits: Limits) -> ParsedUpload:
    """Parse a multipart upload, streaming files to hashed temporary files with the name check, and
    install the result as ``request.POST``/``request.FILES`` (the CSRF check reads the token there)."""
    if request.content_type != "multipart/form-data":
        return ParsedUpload(request.POST, MultiValueDict())
    boundary = request.content_params.get("boundary")
    if not boundary:
        raise MultiPartParserError("multipart/form-data without a boundary")
    upload = _StreamingUpload(encoding=request.encoding or settings.DEFAULT_CHARSET, limits=limits)
    parser = MultipartParser(boundary.encode("latin-1"), upload.callbacks())
    try:
        while chunk := request.read(CHUNK_SIZE):
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        upload.discard()
        raise MultiPartParserError(f"malformed multipart body: {exc}") from None  # Django answers 400
    except BaseException:
        upload.discard()
        raise
    upload.post._mutable = False
    request._post, request._files = upload.post, upload.files  # type: ignore[attr-defined]
    return ParsedUpload(upload.post, upload.files, upload.refused, upload.oversized)
