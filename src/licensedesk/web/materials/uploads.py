"""Reading an upload request: files stream to temporary files in chunks while being hashed; the limits
(file count, each file's size for its kind, the request's total) stop the request as soon as one is
passed; file names are checked as sent; nothing of a request stays on disk.

Why a parser of our own for the upload views, on top of python-multipart's boundary scanner:
* Django's ``MultiPartParser.sanitize_file_name`` silently cuts ``../../x.pdf`` to ``x.pdf`` and drops
  control characters; a name like that is refused here instead (with its message), through the same
  check the command line uses (:func:`licensedesk.core.filecheck.check_file_name`);
* Django's parser writes every part before anyone counts them — 25,000 one-byte files in a 2.9 MB
  request held 25,000 open temporary files (the worker ran out of descriptors), 25 files of 40 MB wrote
  985 MB before the view refused the 21st. Here the parser refuses the request at the part that passes
  a limit: the 21st file part (``MATERIAL_UPLOAD_MAX_FILES``) before its temporary file exists, a file
  as soon as it passes the limit of its kind (named by its extension; a file whose content is another
  kind is refused by the file check anyway), the body as soon as it passes
  ``MATERIAL_UPLOAD_MAX_REQUEST_BYTES`` — and before reading anything when ``Content-Length`` says so.
  One temporary file is open at a time: a part's file is closed when the part ends and reopened by
  whoever reads it later (:class:`ReceivedFile`);
* the files of one request live in a folder of their own under ``FILE_UPLOAD_TEMP_DIR``
  (``upload-*``), removed on every way out: :meth:`ParsedUpload.close` after the view, or the parser
  itself when the request fails (refusal, malformed body, client gone, full disk). A worker killed
  mid-upload leaves its folder; :mod:`licensedesk.web.housekeeping` removes folders older than a few
  hours;
* Django's parser moves about 250 MB/s through a large file on this machine; python-multipart's
  scanner (the one Starlette uses) is fed our own buffers, and uploads of scanned documents are the
  largest requests we serve. How the bytes move, each step measured on a 200 MB PDF
  (``bench/upload.py``):

  - the body is read into a ring of ``RING_SIZE`` reused 1 MiB buffers, behind gunicorn straight from
    its socket (:mod:`.request_body`) — no fresh 200 MB of ``bytes`` objects;
  - the parser's boundary search skips CR-free stretches with ``memchr`` (:class:`_Buffer`);
  - the SHA-256 and the write to the temporary file run on two threads of their own while the request
    thread receives and parses the next buffer (:class:`_Sink`; both release the GIL).

CSRF before the body (:func:`csrf_refusal`): the upload views are ``csrf_exempt`` for Django's
middleware, which would read the token from ``request.POST`` — parsing the whole body, files and all,
before refusing. They run the middleware's own check (``CsrfViewMiddleware.process_view``: Origin or
Referer, cookie, token) themselves, with the token from where it can be had without the files:

* the ``X-CSRFToken`` header, which every page sends with htmx requests (``hx-headers`` in
  ``base.html``) — the upload forms post through htmx, and nothing of the body is read before the check;
* without the header (a browser without JavaScript posting the form), the form's first field, which is
  ``{% csrf_token %}`` in every upload form (browsers send fields in document order). Only the first
  ``CSRF_PREFIX_BYTES`` of the body are read to find it, into memory; the request is refused if the first
  part is anything else or does not end within them, before any file part begins. The token in the
  query string was the other way; it was not taken because addresses end up in access logs, the
  browser history and ``Referer`` headers, and a masked token gives away the CSRF secret.

Header parameters (``filename``, RFC 2231 ``filename*``) are read with Django's own
``parse_header_parameters``.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.datastructures import MultiValueDict
from django.utils.http import parse_header_parameters
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser

from licensedesk.core.errors import InvalidInput
from licensedesk.core.filecheck import (
    KIND_LABELS,
    KINDS,
    MB,
    FileRejected,
    Limits,
    check_file_name,
    extension_kind,
)
from licensedesk.web.materials.request_body import BodyReader, body_reader

CHUNK_SIZE = 1024 * 1024  # one body buffer; 256 KiB and 4 MiB measured slower
RING_SIZE = 4  # body buffers in turn: one being filled and parsed, the others being hashed and written
CSRF_FIELD = "csrfmiddlewaretoken"
CSRF_PREFIX_BYTES = 8 * 1024  # the most of a body read for its first field's CSRF token (a token is 64 B)
DEFAULT_MAX_FILES = 20
REQUEST_MARGIN_BYTES = 16 * MB  # default request cap: the largest file of any kind and this much more
FOLDER_PREFIX = "upload-"  # a request's folder in FILE_UPLOAD_TEMP_DIR (the housekeeping sweep's target)


# -- limits -----------------------------------------------------------------------------------------


def max_files() -> int:
    """Files one upload may carry: ``MATERIAL_UPLOAD_MAX_FILES`` (``LICENSEDESK_UPLOAD_MAX_FILES``)."""
    return int(getattr(settings, "MATERIAL_UPLOAD_MAX_FILES", None) or DEFAULT_MAX_FILES)


def max_request_bytes(limits: Limits) -> int:
    """The most one upload request may carry: ``MATERIAL_UPLOAD_MAX_REQUEST_BYTES``
    (``LICENSEDESK_UPLOAD_MAX_REQUEST_MB``), by default the largest file of any kind plus
    ``REQUEST_MARGIN_BYTES`` (room for a few small files and the form's own bytes)."""
    configured = getattr(settings, "MATERIAL_UPLOAD_MAX_REQUEST_BYTES", None)
    if configured:
        return int(configured)
    return max(limits.max_bytes.values()) + REQUEST_MARGIN_BYTES


class UploadRefused(InvalidInput):
    """An upload request refused while (or before) it arrived; nothing of it is kept."""


class RequestTooLarge(UploadRefused):
    http_status = 413


def too_many_files(limit: int, count: int | None = None) -> UploadRefused:
    """More files than one upload may carry (``count`` when known: the parser stops at ``limit + 1``)."""
    details: dict[str, Any] = {"field": "files", "limit": limit}
    if count is not None:
        details["count"] = count
    return UploadRefused(
        f"At most {limit} files can be uploaded at once.",
        code="upload.too_many_files",
        message_zh=f"一次最多上传 {limit} 个文件。",
        details=details,
    )


def request_too_large(limit: int) -> RequestTooLarge:
    most = f"{limit / MB:.1f}"
    return RequestTooLarge(
        f"This upload is larger than {most} MB, the most one upload may carry; send the files in several "
        "uploads.",
        code="upload.request_too_large",
        message_zh=f"本次上传超过单次上传上限 {most} MB，请分几次上传。",
        details={"limit": limit},
    )


def file_too_large(name: str, kind: str | None, limit: int) -> FileRejected:
    """A file stopped as soon as it passed the limit of its kind (its full size is never known)."""
    most = f"{limit / MB:.1f}"
    if kind in KIND_LABELS:
        label = KIND_LABELS[kind]
        return FileRejected(
            "too_large",
            name,
            f"The file “{name}” is larger than {most} MB, the most a {label} file may be.",
            f"文件“{name}”超过 {label} 文件的大小上限 {most} MB。",
            kind=kind,
            limit=limit,
        )
    return FileRejected(
        "too_large",
        name,
        f"The file “{name}” is larger than {most} MB, the most a file may be.",
        f"文件“{name}”超过文件大小上限 {most} MB。",
        limit=limit,
    )


# -- CSRF before the body -----------------------------------------------------------------------------


class CsrfRefused(Exception):
    """The CSRF check failed; ``response`` is Django's CSRF failure page (403)."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__("CSRF verification failed")
        self.response = response


def _checked_view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    raise AssertionError("only passed to CsrfViewMiddleware.process_view as the view it checks for")


def _no_response(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    raise AssertionError("the middleware is only asked for process_view")


def csrf_refusal(request: HttpRequest, *, token: str | None = None) -> HttpResponse | None:
    """Django's CSRF check of ``request`` without reading its body: None when it passes, else the 403.

    ``CsrfViewMiddleware.process_view`` reads the token from ``request.POST`` first, which would parse
    the body; it is handed a form holding only ``token`` (the form's first field, when the caller read
    it) and so falls back to the ``X-CSRFToken`` header otherwise. The request's own POST is left
    unparsed for :func:`parse_upload`. A body something already parsed is checked as it is."""
    if "_post" in request.__dict__:
        return CsrfViewMiddleware(_no_response).process_view(request, _checked_view, (), {})
    form = QueryDict(mutable=True)
    if token is not None:
        form[CSRF_FIELD] = token
    request._post, request._files = form, MultiValueDict()  # type: ignore[attr-defined]
    try:
        return CsrfViewMiddleware(_no_response).process_view(request, _checked_view, (), {})
    finally:
        del request._post, request._files  # type: ignore[attr-defined]


def leave_body_unread(request: HttpRequest) -> None:
    """Give the request an empty POST/FILES, so that a refusal page reading ``request.POST`` (``next``)
    does not make Django read and parse the body the view refused."""
    if "_post" not in request.__dict__:
        request._post, request._files = QueryDict(), MultiValueDict()  # type: ignore[attr-defined]


# -- the files received ----------------------------------------------------------------------------------


class ReceivedFile(UploadedFile):
    """A file of the request, written to the request's folder and closed when its part ended.

    Opened again (read-only) when something reads it — the file check, the virus scan, storage — so the
    parser never holds more than the file being written. ``temporary_file_path()`` lets a local storage
    move it into place instead of copying it. Closing it keeps the file: the request's folder goes as a
    whole (:meth:`ParsedUpload.close`)."""

    def __init__(
        self,
        path: Path,
        *,
        name: str,
        content_type: str,
        size: int,
        charset: str | None,
        content_type_extra: dict[str, str],
        sha256: str,
    ) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None
        super().__init__(None, name, content_type, size, charset, content_type_extra)
        self.sha256 = sha256

    @property  # type: ignore[override]
    def file(self) -> IO[bytes]:
        if self._handle is None or self._handle.closed:
            self._handle = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        return self._handle

    @file.setter
    def file(self, value: IO[bytes] | None) -> None:
        self._handle = value

    @property
    def closed(self) -> bool:
        return self._handle is None or self._handle.closed

    def open(self, mode: str | None = None) -> ReceivedFile:
        self.close()
        self.file.seek(0)
        return self

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    def temporary_file_path(self) -> str:
        return str(self.path)


@dataclass
class ParsedUpload:
    """The form fields, the files (:class:`ReceivedFile`), the files refused for their names, and the
    request's folder. Use it as a context manager (or call :meth:`close`): the folder and whatever is
    still in it go at the end."""

    post: QueryDict
    files: MultiValueDict
    refused: list[FileRejected] = field(default_factory=list)
    folder: Path | None = None

    def close(self) -> None:
        for _, received in self.files.lists():
            for item in received:
                item.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> ParsedUpload:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_part(path: Path) -> IO[bytes]:
    """The temporary file of one part: created (never reused), private to the server's user."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    return os.fdopen(fd, "wb")  # closed at the part's end, or by discard()


def _write(file: IO[bytes], view: memoryview) -> object:
    return file.write(view)


class _Buffer(bytearray):
    """A body buffer whose ``find`` looks for the first byte of what is sought before the whole of it.

    Why: python-multipart finds the boundary with ``find`` on the buffer, and CPython's search speed
    depends on the content: about 8 GB/s through random-looking bytes (compressed scans), but 0.5 GB/s
    through repetitive text with the boundary's characters in it (long runs of digits, as in
    uncompressed PDF streams), and it holds the GIL all along — measured, it was the largest cost of a
    200 MB upload of such a file. A boundary starts with CR; ``memchr`` rules out a CR-free stretch at
    25 GB/s, and the full search starts at the first CR it finds. The result is the same for any
    ``sub``: an occurrence of ``sub`` starts where its first byte does.
    """

    def find(self, sub: Any, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        if isinstance(sub, bytes | bytearray) and len(sub) > 1:
            first = bytearray.find(self, sub[:1], start, end)
            if first < 0:
                return -1
            start = first
        return bytearray.find(self, sub, start, end)


class _Sink:
    """A thread applying ``action(target, view)`` to the views submitted to it, in order.

    Both costs per byte of a file that are not parsing — SHA-256 (about 1.5–2 GB/s here) and the write
    to the temporary file — release the GIL, so each runs on a sink of its own while the request thread
    receives and parses the next buffer. The request thread reuses a buffer only once every sink is
    past the views of it (:meth:`wait` with the sink's count when the buffer was parsed), so the memory
    held stays at ``RING_SIZE`` buffers whatever the size of the file.
    """

    def __init__(self, name: str, action: Callable[[Any, memoryview], object]) -> None:
        self.name = name
        self.action = action
        self.items: queue.SimpleQueue[tuple[Any, memoryview] | None] = queue.SimpleQueue()
        self.submitted = 0
        self.done = 0
        self.changed = threading.Condition()
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def submit(self, target: Any, view: memoryview) -> None:
        if self.error is not None:
            raise self.error
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self.thread.start()
        self.submitted += 1
        self.items.put((target, view))

    def wait(self, ticket: int | None = None) -> None:
        """Until the views submitted so far (or the first ``ticket`` of them) are done; raises what the
        action raised (a full disk, say) in the request thread."""
        ticket = self.submitted if ticket is None else ticket
        with self.changed:
            while self.done < ticket and self.error is None:
                self.changed.wait()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        """Finish what was submitted and stop the thread (also after an error)."""
        if self.thread is not None:
            self.items.put(None)
            self.thread.join()
            self.thread = None

    def _run(self) -> None:
        while (item := self.items.get()) is not None:
            if self.error is not None:
                continue  # drain: the request fails with the first error
            try:
                self.action(*item)
            except BaseException as exc:
                with self.changed:
                    self.error = exc
                    self.changed.notify_all()
                continue
            with self.changed:
                self.done += 1
                self.changed.notify_all()


class _Pipeline:
    """Where a file's bytes go once parsed: its SHA-256 and its temporary file, each on a sink."""

    def __init__(self) -> None:
        self.sinks = (
            _Sink("upload-sha256", lambda digest, view: digest.update(view)),
            _Sink("upload-write", lambda file, view: _write(file, view)),
        )

    def submit(self, part: _Part, view: memoryview) -> None:
        hashing, writing = self.sinks
        hashing.submit(part.digest, view)
        writing.submit(part.file, view)

    def ticket(self) -> tuple[int, ...]:
        return tuple(sink.submitted for sink in self.sinks)

    def wait(self, ticket: tuple[int, ...] | None = None) -> None:
        for index, sink in enumerate(self.sinks):
            sink.wait(None if ticket is None else ticket[index])

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()


class _Part:
    """The part being read: a form field (bytes kept) or a file (to a temporary file, hashed)."""

    def __init__(self) -> None:
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.headers: dict[str, str] = {}
        self.field_name = ""
        self.name = ""
        self.kind: str | None = None
        self.limit = 0
        self.path: Path | None = None
        self.file: IO[bytes] | None = None
        self.content_type = ""
        self.type_params: dict[str, str] = {}
        self.digest: Any = None
        self.size = 0
        self.value: bytearray | None = None
        self.csrf = False
        self.skip = False


class _StreamingUpload:
    """python-multipart callbacks that build Django's POST/FILES as the bytes arrive, and stop the
    request at the first limit passed."""

    def __init__(
        self,
        *,
        encoding: str,
        limits: Limits,
        kinds: Iterable[str],
        pipeline: _Pipeline,
        csrf: Callable[[str | None], None] | None,
    ) -> None:
        self.encoding = encoding
        self.pipeline = pipeline
        self.limits = limits
        allowed = [limits.max_bytes[k] for k in kinds if k in limits.max_bytes]
        # a file named as no kind (or a kind the limits do not know) is refused by the file check; it
        # may arrive as far as the largest limit of the kinds asked for, so that check can name why
        self.fallback_limit = max(allowed or limits.max_bytes.values())
        self.max_files = max_files()
        self.csrf = csrf  # the check still to run with the form's first field, if any
        self.post = QueryDict(mutable=True, encoding=encoding)
        self.files = MultiValueDict()
        self.refused: list[FileRejected] = []
        self.field_bytes = 0
        self.fields = 0
        self.file_parts = 0
        self.folder: Path | None = None
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

    def check_csrf(self, token: str | None) -> None:
        """Run the pending CSRF check once (raises :class:`CsrfRefused`)."""
        check, self.csrf = self.csrf, None
        if check is not None:
            check(token)

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

    def _count_field(self) -> None:
        self.fields += 1
        if settings.DATA_UPLOAD_MAX_NUMBER_FIELDS and self.fields > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
            raise TooManyFieldsSent("the request has too many form fields")

    def headers_finished(self) -> None:
        part = self.part
        disposition, params = parse_header_parameters(part.headers.get("content-disposition", ""))
        named_field = disposition == "form-data" and "name" in params and "filename" not in params
        if self.csrf is not None:
            if named_field and params["name"] == CSRF_FIELD:
                part.csrf = True  # checked at the end of the part, before any other part begins
            else:
                self.check_csrf(None)  # the first part is not the token: refused unless a test client
        if disposition != "form-data" or "name" not in params:
            self._count_field()  # counted, so that a flood of nameless parts is refused as fields are
            part.skip = True
            return
        part.field_name = params["name"]
        if "filename" not in params:
            self._count_field()
            part.value = bytearray()
            return
        self.file_parts += 1
        if self.file_parts > self.max_files:
            raise too_many_files(self.max_files)  # before the part's temporary file exists
        try:
            # as Django does: some browsers send HTML entities in file names
            name = check_file_name(html.unescape(params["filename"]), self.limits)
        except FileRejected as exc:
            self.refused.append(exc)
            part.skip = True
            return
        part.content_type, part.type_params = parse_header_parameters(part.headers.get("content-type", ""))
        part.name = name
        part.kind = extension_kind(name)
        part.limit = (
            self.limits.limit_for(part.kind) if part.kind in self.limits.max_bytes else self.fallback_limit
        )
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=_temp_dir()))
        part.path = self.folder / f"{self.file_parts:03d}"
        part.file = _open_part(part.path)
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
        if part.size > part.limit:
            raise file_too_large(part.name, part.kind, part.limit)  # parse_upload removes the folder
        self.pipeline.submit(part, chunk)

    def part_end(self) -> None:
        part = self.part
        if part.skip:
            return
        if part.value is not None:
            value = bytes(part.value).decode(self.encoding, errors="replace")
            if part.csrf:
                self.check_csrf(value)
            self.post.appendlist(part.field_name, value)
            return
        assert part.file is not None and part.path is not None
        self.pipeline.wait()  # the writer is done with the file before it is closed
        part.file.close()
        received = ReceivedFile(
            part.path,
            name=part.name,
            content_type=part.content_type or "application/octet-stream",
            size=part.size,
            charset=part.type_params.get("charset"),
            content_type_extra=part.type_params,
            sha256=part.digest.hexdigest(),
        )
        self.files.appendlist(part.field_name, received)

    def discard(self) -> None:
        """Close the file being written and remove the request's folder, after a request that failed
        half way (the pipeline is closed first: its writer may still hold the file)."""
        if self.part.file is not None and not self.part.file.closed:
            self.part.file.close()
        for _, received in self.files.lists():
            for item in received:
                item.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _temp_dir() -> str:
    return str(getattr(settings, "FILE_UPLOAD_TEMP_DIR", None) or tempfile.gettempdir())


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _body_csrf_check(request: HttpRequest) -> Callable[[str | None], None]:
    def check(token: str | None) -> None:
        refused = csrf_refusal(request, token=token)
        if refused is not None:
            raise CsrfRefused(refused)

    return check


def parse_upload(
    request: HttpRequest,
    *,
    limits: Limits,
    kinds: Iterable[str] | None = None,
    csrf_in_body: bool = False,
) -> ParsedUpload:
    """Parse a multipart upload under the limits, streaming files to hashed temporary files in a folder
    of the request's own, with the name check; install the result as ``request.POST``/``request.FILES``.

    ``kinds``: the kinds the material accepts (for the size limit of a file named as none of them).
    ``csrf_in_body``: the CSRF token is the form's first field (no ``X-CSRFToken`` header): it is read
    from the first ``CSRF_PREFIX_BYTES`` and checked before any other part (:class:`CsrfRefused`).

    Raises :class:`UploadRefused` (too many files, the request too large — with ``Content-Length``
    before reading anything), :class:`FileRejected` (a file too large for its kind), Django's
    ``MultiPartParserError``/``TooManyFieldsSent``/``RequestDataTooBig``, or what reading or writing
    raised; in every case nothing of the request stays on disk. The caller closes the result."""
    if request.content_type != "multipart/form-data":
        leave_body_unread(request)  # an upload is multipart; anything else carries no file to read
        if csrf_in_body:
            _body_csrf_check(request)(None)
        return ParsedUpload(request.POST, MultiValueDict())
    boundary = request.content_params.get("boundary")
    if not boundary:
        leave_body_unread(request)
        raise MultiPartParserError("multipart/form-data without a boundary")
    cap = max_request_bytes(limits)
    if _content_length(request) > cap:
        leave_body_unread(request)
        raise request_too_large(cap)
    pipeline = _Pipeline()
    upload = _StreamingUpload(
        encoding=request.encoding or settings.DEFAULT_CHARSET,
        limits=limits,
        kinds=KINDS if kinds is None else tuple(kinds) or KINDS,
        pipeline=pipeline,
        csrf=_body_csrf_check(request) if csrf_in_body else None,
    )
    parser = MultipartParser(boundary.encode("latin-1"), upload.callbacks())
    try:
        try:
            _feed(parser, body_reader(request), pipeline, upload, cap)
            upload.check_csrf(None)  # a body that ended before its first field did
            parser.finalize()
        finally:
            pipeline.close()  # before any temporary file is closed: the writer may still hold it
    except MultipartParseError as exc:
        upload.discard()
        leave_body_unread(request)
        raise MultiPartParserError(f"malformed multipart body: {exc}") from None  # Django answers 400
    except BaseException:
        upload.discard()
        leave_body_unread(request)
        raise
    upload.post._mutable = False
    request._post, request._files = upload.post, upload.files  # type: ignore[attr-defined]
    return ParsedUpload(upload.post, upload.files, upload.refused, upload.folder)


def _feed(
    parser: MultipartParser, reader: BodyReader, pipeline: _Pipeline, upload: _StreamingUpload, cap: int
) -> None:
    """Fill the ring's buffers from the body in turn and parse each; a buffer is refilled once the
    pipeline is done with the views the parser handed out of it. The first read is only
    ``CSRF_PREFIX_BYTES`` when the CSRF token is to come from the first field; the body stops at
    ``cap`` bytes before the parser sees a byte past it."""
    ring = [_Buffer(CHUNK_SIZE) for _ in range(RING_SIZE)]
    tickets = [pipeline.ticket()] * RING_SIZE  # what the pipeline must be past to reuse each buffer
    wanted = min(CSRF_PREFIX_BYTES, CHUNK_SIZE) if upload.csrf is not None else CHUNK_SIZE
    total = 0
    for slot in itertools.cycle(range(RING_SIZE)):
        pipeline.wait(tickets[slot])
        buffer = ring[slot]
        view = memoryview(buffer)
        filled = 0
        while filled < wanted and (count := reader.readinto(view[filled:wanted])):
            filled += count
        total += filled
        if total > cap:
            raise request_too_large(cap)
        if filled:
            # the parser searches the buffer for the boundary (with .find(): a _Buffer, not a
            # memoryview); only a partly filled buffer (the body's last, or the CSRF prefix) is passed
            # as a copy. The views of parsed bytes handed to the pipeline are of a ring buffer, of that
            # copy or of the parser's own boundary constants: nothing that changes before the pipeline
            # is done with it.
            parser.write(buffer if filled == CHUNK_SIZE else _Buffer(view[:filled]))
            tickets[slot] = pipeline.ticket()
        upload.check_csrf(None)  # still pending: the first field was not the token or did not end
        if filled < wanted:
            return
        wanted = CHUNK_SIZE
