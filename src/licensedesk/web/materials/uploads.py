"""Reading an upload request: files stream to a temporary file in chunks while being hashed, the size
limit stops an oversized file early, and file names are checked as sent.

Why a parser of our own for the upload views, on top of python-multipart's boundary scanner:
* Django's ``MultiPartParser.sanitize_file_name`` silently cuts ``../../x.pdf`` to ``x.pdf`` and drops
  control characters; a name like that is refused here instead (with its message), through the same
  check the command line uses (:func:`licensedesk.core.filecheck.check_file_name`);
* Django's parser moves about 250 MB/s through a large file on this machine; python-multipart's
  scanner (the one Starlette uses) is fed our own buffers, and uploads of scanned documents are the
  largest requests we serve. How the bytes move, each step measured on a 200 MB PDF
  (``bench/upload.py``):

  - the body is read into a ring of ``RING_SIZE`` reused 1 MiB buffers, behind gunicorn straight from
    its socket (:mod:`.request_body`) — no fresh 200 MB of ``bytes`` objects;
  - the parser's boundary search skips CR-free stretches with ``memchr`` (:class:`_Buffer`);
  - the SHA-256 and the write to the temporary file run on two threads of their own while the request
    thread receives and parses the next buffer (:class:`_Sink`; both release the GIL).
Header parameters (``filename``, RFC 2231 ``filename*``) are read with Django's own
``parse_header_parameters``. The views using this are ``csrf_exempt`` on the outside and check CSRF
themselves once the body is parsed — Django's documented pattern for changing upload handling per view.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import queue
import threading
from collections.abc import Callable
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
from licensedesk.web.materials.request_body import BodyReader, body_reader

CHUNK_SIZE = 1024 * 1024  # one body buffer; 256 KiB and 4 MiB measured slower
RING_SIZE = 4  # body buffers in turn: one being filled and parsed, the others being hashed and written


@dataclass
class ParsedUpload:
    post: QueryDict
    files: MultiValueDict
    refused: list[FileRejected] = field(default_factory=list)
    oversized: list[tuple[str, int]] = field(default_factory=list)


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
            _Sink("upload-write", lambda file, view: file.write(view)),
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
        self.file: TemporaryUploadedFile | None = None
        self.digest: Any = None
        self.size = 0
        self.value: bytearray | None = None
        self.skip = False


class _StreamingUpload:
    """python-multipart callbacks that build Django's POST/FILES as the bytes arrive."""

    def __init__(self, *, encoding: str, limits: Limits, pipeline: _Pipeline) -> None:
        self.encoding = encoding
        self.pipeline = pipeline
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
            self.pipeline.wait()  # the writer is done with the file before it goes
            part.file.close()  # a TemporaryUploadedFile deletes itself on close
            part.skip = True
            return
        self.pipeline.submit(part, chunk)

    def part_end(self) -> None:
        part = self.part
        if part.skip:
            return
        if part.value is not None:
            self.post.appendlist(part.field_name, bytes(part.value).decode(self.encoding, errors="replace"))
            return
        self.pipeline.wait()
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
    pipeline = _Pipeline()
    upload = _StreamingUpload(
        encoding=request.encoding or settings.DEFAULT_CHARSET, limits=limits, pipeline=pipeline
    )
    parser = MultipartParser(boundary.encode("latin-1"), upload.callbacks())
    try:
        try:
            _feed(parser, body_reader(request), pipeline)
            parser.finalize()
        finally:
            pipeline.close()  # before any temporary file is closed: the writer may still hold it
    except MultipartParseError as exc:
        upload.discard()
        raise MultiPartParserError(f"malformed multipart body: {exc}") from None  # Django answers 400
    except BaseException:
        upload.discard()
        raise
    upload.post._mutable = False
    request._post, request._files = upload.post, upload.files  # type: ignore[attr-defined]
    return ParsedUpload(upload.post, upload.files, upload.refused, upload.oversized)


def _feed(parser: MultipartParser, reader: BodyReader, pipeline: _Pipeline) -> None:
    """Fill the ring's buffers from the body in turn and parse each; a buffer is refilled once the
    pipeline is done with the views the parser handed out of it."""
    ring = [_Buffer(CHUNK_SIZE) for _ in range(RING_SIZE)]
    tickets = [pipeline.ticket()] * RING_SIZE  # what the pipeline must be past to reuse each buffer
    for slot in itertools.cycle(range(RING_SIZE)):
        pipeline.wait(tickets[slot])
        buffer = ring[slot]
        view = memoryview(buffer)
        filled = 0
        while filled < CHUNK_SIZE and (count := reader.readinto(view[filled:])):
            filled += count
        if filled:
            # the parser searches the buffer for the boundary (with .find(): a _Buffer, not a
            # memoryview); only the body's last, partly filled buffer is passed as a copy. The views of
            # parsed bytes handed to the pipeline are of a ring buffer, of that copy or of the parser's
            # own boundary constants: nothing that changes before the pipeline is done with it.
            parser.write(buffer if filled == CHUNK_SIZE else _Buffer(view[:filled]))
            tickets[slot] = pipeline.ticket()
        if filled < CHUNK_SIZE:
            return
