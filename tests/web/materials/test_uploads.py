"""Reading upload requests (``materials/uploads.py``): the streaming parser gives what Django's own
parser gives for any body, whatever the buffer size and wherever the boundaries fall; the boundary
search shortcut finds what ``bytes.find`` finds; a failed write fails the request and leaves nothing;
the limits (file count, a file's size for its kind, the request's total, ``Content-Length``) stop the
request as soon as they are passed, with one temporary file open at a time and nothing left on disk; a
CSRF token in the form's first field is checked before any file part."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIRequest
from django.http.multipartparser import MultiPartParser
from django.middleware.csrf import get_token
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licensedesk.core.filecheck import FileRejected
from licensedesk.web.materials import uploads
from licensedesk.web.materials.services import upload_limits
from licensedesk.web.materials.uploads import _Buffer, parse_upload

# ---------------------------------------------------------------------------------------------------
# the boundary search


@given(
    haystack=st.binary(max_size=300)
    | st.lists(st.sampled_from([b"\r", b"\n", b"-", b"0", b"a"])).map(b"".join),
    sub=st.binary(min_size=0, max_size=8) | st.sampled_from([b"\r\n--a0", b"\r", b"--", b"0"]),
    start=st.none() | st.integers(-320, 320),
    end=st.none() | st.integers(-320, 320),
)
def test_buffer_find_finds_what_bytes_find_finds(haystack: bytes, sub: bytes, start: Any, end: Any) -> None:
    assert _Buffer(haystack).find(sub, start, end) == haystack.find(sub, start, end)


def test_buffer_find_accepts_a_single_byte_as_an_int() -> None:
    assert _Buffer(b"ab\rc").find(13) == 2


# ---------------------------------------------------------------------------------------------------
# the parser against Django's


def _body(parts: list[tuple[str, str | None, bytes]], boundary: str) -> bytes:
    out = io.BytesIO()
    for name, filename, data in parts:
        out.write(f"--{boundary}\r\n".encode())
        if filename is None:
            out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        else:
            out.write(
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n".encode()
            )
        out.write(data)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


def _request(body: bytes, boundary: str) -> Any:
    return RequestFactory().generic(
        "POST", "/upload/", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


# file contents made of the bytes a boundary is made of, so that partial boundaries appear in them
CONTENT = st.lists(
    st.sampled_from([b"\r\n", b"--", b"\r\n--", b"\r\n--ab", b"ab", b"0", b"\r", b"x" * 40])
).map(b"".join) | st.binary(max_size=400)


@pytest.mark.django_db(databases=[])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(CONTENT, min_size=1, max_size=3),
    fields=st.lists(st.text(alphabet="ab0-\r\n中文", max_size=30), max_size=2),
    chunk=st.integers(min_value=1, max_value=97),
)
def test_parse_upload_agrees_with_djangos_parser(
    files: list[bytes], fields: list[str], chunk: int, monkeypatch: Any, tmp_path: Path
) -> None:
    """Tiny buffers and a ring of two: boundaries straddle buffers, buffers wait for the pipeline."""
    monkeypatch.setattr(uploads, "CHUNK_SIZE", chunk)
    monkeypatch.setattr(uploads, "RING_SIZE", 2)
    boundary = "ab" + uuid.uuid4().hex[:10]
    parts: list[tuple[str, str | None, bytes]] = [("note", None, value.encode()) for value in fields] + [
        ("files", f"f{i}.pdf", data) for i, data in enumerate(files)
    ]
    body = _body(parts, boundary)

    request = _request(body, boundary)
    theirs_post, theirs_files = MultiPartParser(
        request.META, io.BytesIO(body), request.upload_handlers, "utf-8"
    ).parse()

    with parse_upload(_request(body, boundary), limits=upload_limits()) as ours:
        assert ours.post.getlist("note") == theirs_post.getlist("note")
        got = ours.files.getlist("files")
        expected = theirs_files.getlist("files")
        assert [f.name for f in got] == [f.name for f in expected]
        for mine, django_file, data in zip(got, expected, files, strict=True):
            assert mine.read() == django_file.read() == data
            assert mine.size == len(data)
            assert mine.sha256 == hashlib.sha256(data).hexdigest()
    assert not list((tmp_path / "tmp").iterdir())  # the conftest's upload temp dir


# ---------------------------------------------------------------------------------------------------
# failures


def _upload_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("upload-")]


@pytest.mark.django_db(databases=[])
def test_a_failed_write_fails_the_request_and_leaves_no_file(monkeypatch: Any, tmp_path: Path) -> None:
    written = {"count": 0}
    write = uploads._write

    def failing_write(file: Any, view: memoryview) -> object:
        written["count"] += 1
        if written["count"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return write(file, view)

    monkeypatch.setattr(uploads, "_write", failing_write)
    monkeypatch.setattr(uploads, "CHUNK_SIZE", 4096)
    boundary = "b" + uuid.uuid4().hex
    body = _body([("files", "a.pdf", b"%PDF" * 10_000), ("files", "b.pdf", b"x" * 100)], boundary)

    with pytest.raises(OSError, match="No space left on device"):
        parse_upload(_request(body, boundary), limits=upload_limits())
    assert not list((tmp_path / "tmp").iterdir())  # the conftest's upload temp dir
    assert not _upload_threads()


# ---------------------------------------------------------------------------------------------------
# limits while the body arrives


class _RecordingInput(io.RawIOBase):
    """A WSGI input that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        out = self._data.read(-1 if size is None else size)
        self.read_bytes += len(out)
        return out

    def readline(self, size: int | None = -1) -> bytes:  # WSGI input API; the parser does not use it
        return self.read(size)


def _recorded(body: bytes, boundary: str, *, length: str | None = None, cookie: str = "") -> Any:
    """A real ``WSGIRequest`` whose body is read from a :class:`_RecordingInput`; ``length`` replaces the
    ``Content-Length`` the request shows once its stream is set up (a chunked body declares none)."""
    source = _RecordingInput(body)
    environ = RequestFactory()._base_environ(
        REQUEST_METHOD="POST",
        PATH_INFO="/upload/",
        CONTENT_TYPE=f"multipart/form-data; boundary={boundary}",
        CONTENT_LENGTH=str(len(body)),
        HTTP_COOKIE=cookie,
        **{"wsgi.input": source},
    )
    request = WSGIRequest(environ)
    if length is not None:
        request.META["CONTENT_LENGTH"] = length
    request.source = source
    return request


class _Disk:
    """Watches the parser's temporary files: each one created, the most open at once (from
    /proc/self/fd) and the most bytes in the temp dir, looked at on every open and every write."""

    def __init__(self, monkeypatch: Any, temp: Path) -> None:
        self.temp = temp
        self.created: list[Path] = []
        self.most_open = 0
        self.most_bytes = 0
        self.written: dict[str, int] = {}
        open_part, write = uploads._open_part, uploads._write

        def recording_open(path: Path) -> Any:
            handle = open_part(path)
            self.created.append(path)
            self._look()
            return handle

        def recording_write(file: Any, view: memoryview) -> object:
            out = write(file, view)
            file.flush()
            path = os.readlink(f"/proc/self/fd/{file.fileno()}")
            self.written[path] = self.written.get(path, 0) + len(view)
            self._look()
            return out

        monkeypatch.setattr(uploads, "_open_part", recording_open)
        monkeypatch.setattr(uploads, "_write", recording_write)

    def open_files(self) -> int:
        count = 0
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                count += os.readlink(f"/proc/self/fd/{fd}").startswith(str(self.temp))
        return count

    def _look(self) -> None:
        self.most_open = max(self.most_open, self.open_files())
        on_disk = sum(p.stat().st_size for p in self.temp.rglob("*") if p.is_file())
        self.most_bytes = max(self.most_bytes, on_disk)


@pytest.fixture
def disk(monkeypatch: Any, tmp_path: Path) -> _Disk:
    return _Disk(monkeypatch, tmp_path / "tmp")  # the conftest's upload temp dir


def _nothing_left(tmp_path: Path) -> None:
    assert not list((tmp_path / "tmp").iterdir())
    assert not _upload_threads()


@pytest.mark.django_db(databases=[])
def test_the_21st_file_is_refused_before_its_temporary_file_exists(disk: _Disk, tmp_path: Path) -> None:
    boundary = "b" + uuid.uuid4().hex
    body = _body([("files", f"{i}.pdf", b"%PDF-1.7 " + bytes([i])) for i in range(25)], boundary)

    with pytest.raises(uploads.UploadRefused) as refused:
        parse_upload(_request(body, boundary), limits=upload_limits())

    assert refused.value.code == "upload.too_many_files" and refused.value.http_status == 400
    assert refused.value.message_zh == "一次最多上传 20 个文件。"
    assert len(disk.created) == 20  # never a 21st
    assert disk.most_open == 1
    _nothing_left(tmp_path)


@pytest.mark.django_db(databases=[])
def test_the_file_count_is_a_setting(disk: _Disk, tmp_path: Path, settings: Any) -> None:
    settings.MATERIAL_UPLOAD_MAX_FILES = 3
    boundary = "b" + uuid.uuid4().hex
    three = _body([("files", f"{i}.pdf", b"%PDF") for i in range(3)], boundary)
    with parse_upload(_request(three, boundary), limits=upload_limits()) as parsed:
        assert len(parsed.files.getlist("files")) == 3
    four = _body([("files", f"{i}.pdf", b"%PDF") for i in range(4)], boundary)
    with pytest.raises(uploads.UploadRefused, match="At most 3 files"):
        parse_upload(_request(four, boundary), limits=upload_limits())
    assert len(disk.created) == 3 + 3
    _nothing_left(tmp_path)


@pytest.mark.django_db(databases=[])
def test_25000_one_byte_files_are_refused_at_the_21st_with_one_file_open_at_a_time(
    disk: _Disk, tmp_path: Path
) -> None:
    """The request that exhausted a worker's file descriptors (2.9 MB of one-byte parts)."""
    boundary = "b" + uuid.uuid4().hex
    body = _body([("files", f"{i}.pdf", b"x") for i in range(25_000)], boundary)
    request = _recorded(body, boundary)

    with pytest.raises(uploads.UploadRefused, match="At most 20 files"):
        parse_upload(request, limits=upload_limits())

    assert len(body) > 3 * uploads.CHUNK_SIZE
    assert request.source.read_bytes == uploads.CHUNK_SIZE  # stopped in the first buffer
    assert disk.most_open == 1 and len(disk.created) == 20
    _nothing_left(tmp_path)


@pytest.mark.django_db(databases=[])
def test_a_file_is_refused_as_soon_as_it_passes_the_limit_of_its_kind(
    disk: _Disk, tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    settings.MATERIAL_UPLOAD_MAX_BYTES = {"pdf": 2 * 1024 * 1024, "jpeg": 1024 * 1024}
    monkeypatch.setattr(uploads, "CHUNK_SIZE", 64 * 1024)
    boundary = "b" + uuid.uuid4().hex
    size = 3 * 1024 * 1024 // 2  # under the PDF limit, over the JPEG one
    body = _body(
        [("files", "扫描.pdf", b"0" * size), ("files", "照片.jpg", b"1" * size), ("files", "c.pdf", b"c")],
        boundary,
    )
    request = _recorded(body, boundary)

    with pytest.raises(FileRejected) as refused:
        parse_upload(request, limits=upload_limits())

    assert refused.value.code == "upload.too_large"
    assert refused.value.message_zh == "文件“照片.jpg”超过 JPEG 文件的大小上限 1.0 MB。"
    assert refused.value.message == "The file “照片.jpg” is larger than 1.0 MB, the most a JPEG file may be."
    pdf, jpeg = disk.written.values()
    assert pdf == size  # under its kind's limit: written whole
    assert 0 < jpeg <= 1024 * 1024  # never past the JPEG limit
    # read: the PDF, the JPEG up to its limit, and at most a buffer more — never the rest of the JPEG
    assert request.source.read_bytes <= size + 1024 * 1024 + 2 * 64 * 1024 < len(body)
    _nothing_left(tmp_path)


@pytest.mark.django_db(databases=[])
def test_the_request_total_is_refused_before_the_temp_dir_holds_more(
    disk: _Disk, tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    """A body that declares no length (chunked) still stops at the cap: the parser never sees a byte
    past it, so the temp dir never holds more."""
    cap = 300_000
    settings.MATERIAL_UPLOAD_MAX_REQUEST_BYTES = cap
    monkeypatch.setattr(uploads, "CHUNK_SIZE", 64 * 1024)
    boundary = "b" + uuid.uuid4().hex
    body = _body([("files", f"{i}.pdf", os.urandom(100_000)) for i in range(5)], boundary)
    request = _recorded(body, boundary, length="")

    with pytest.raises(uploads.RequestTooLarge) as refused:
        parse_upload(request, limits=upload_limits())

    assert refused.value.http_status == 413 and refused.value.code == "upload.request_too_large"
    assert refused.value.message_zh == "本次上传超过单次上传上限 0.3 MB，请分几次上传。"
    assert 0 < disk.most_bytes <= cap
    assert request.source.read_bytes <= cap + 64 * 1024
    _nothing_left(tmp_path)


@pytest.mark.django_db(databases=[])
def test_a_content_length_over_the_cap_is_refused_without_reading(
    disk: _Disk, tmp_path: Path, settings: Any
) -> None:
    settings.MATERIAL_UPLOAD_MAX_REQUEST_BYTES = 300_000
    boundary = "b" + uuid.uuid4().hex
    body = _body([("files", "a.pdf", b"0" * 300_000)], boundary)
    request = _recorded(body, boundary)

    with pytest.raises(uploads.RequestTooLarge):
        parse_upload(request, limits=upload_limits())

    assert request.source.read_bytes == 0 and disk.created == []
    assert request.POST.dict() == {} and request.source.read_bytes == 0  # a refusal page reads nothing
    _nothing_left(tmp_path)


def test_the_default_request_cap_is_the_largest_file_and_a_margin(settings: Any) -> None:
    settings.MATERIAL_UPLOAD_MAX_REQUEST_BYTES = None
    settings.MATERIAL_UPLOAD_MAX_BYTES = {"pdf": 100 * 1024 * 1024}
    assert uploads.max_request_bytes(upload_limits()) == 100 * 1024 * 1024 + 16 * 1024 * 1024


# ---------------------------------------------------------------------------------------------------
# CSRF from the form's first field (no X-CSRFToken header)


def _csrf_pair() -> tuple[str, str]:
    """A CSRF cookie secret and a (masked) token for it, as a page would give them."""
    page = RequestFactory().get("/")
    token = get_token(page)
    return page.META["CSRF_COOKIE"], token


def _form(boundary: str, first: tuple[str, str | None, bytes] | None) -> bytes:
    parts = [first] if first is not None else []
    return _body([*parts, ("next", None, b"/back/"), ("files", "a.pdf", b"%PDF-1.7 x" * 10_000)], boundary)


@pytest.mark.django_db(databases=[])
def test_the_token_in_the_first_field_lets_the_upload_through(disk: _Disk, tmp_path: Path) -> None:
    secret, token = _csrf_pair()
    boundary = "b" + uuid.uuid4().hex
    request = _recorded(
        _form(boundary, ("csrfmiddlewaretoken", None, token.encode())),
        boundary,
        cookie=f"{django_settings.CSRF_COOKIE_NAME}={secret}",
    )
    with parse_upload(request, limits=upload_limits(), csrf_in_body=True) as parsed:
        assert [f.size for f in parsed.files.getlist("files")] == [100_000]
        assert parsed.post["next"] == "/back/"
    _nothing_left(tmp_path)


@pytest.mark.parametrize(
    "first",
    [
        ("csrfmiddlewaretoken", None, b"x" * 64),  # wrong
        None,  # missing: the first field is another one
        ("files", "a.pdf", b"%PDF-1.7"),  # a file before the token
        ("csrfmiddlewaretoken", None, b"a" * 20_000),  # a first field that does not end in the prefix
    ],
    ids=["wrong", "missing", "file-first", "too-long"],
)
@pytest.mark.django_db(databases=[])
def test_a_wrong_or_missing_first_field_token_is_refused_before_any_file(
    disk: _Disk, tmp_path: Path, first: Any
) -> None:
    secret, _ = _csrf_pair()
    boundary = "b" + uuid.uuid4().hex
    request = _recorded(
        _form(boundary, first), boundary, cookie=f"{django_settings.CSRF_COOKIE_NAME}={secret}"
    )

    with pytest.raises(uploads.CsrfRefused) as refused:
        parse_upload(request, limits=upload_limits(), csrf_in_body=True)

    assert refused.value.response.status_code == 403
    assert disk.created == []  # no file part was begun
    assert request.source.read_bytes <= uploads.CSRF_PREFIX_BYTES
    _nothing_left(tmp_path)
