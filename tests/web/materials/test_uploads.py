"""Reading upload requests (``materials/uploads.py``): the streaming parser gives what Django's own
parser gives for any body, whatever the buffer size and wherever the boundaries fall; the boundary
search shortcut finds what ``bytes.find`` finds; a failed write fails the request and leaves nothing."""

from __future__ import annotations

import errno
import hashlib
import io
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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

    ours = parse_upload(_request(body, boundary), limits=upload_limits())
    request = _request(body, boundary)
    theirs_post, theirs_files = MultiPartParser(
        request.META, io.BytesIO(body), request.upload_handlers, "utf-8"
    ).parse()

    assert ours.post.getlist("note") == theirs_post.getlist("note")
    got = ours.files.getlist("files")
    expected = theirs_files.getlist("files")
    assert [f.name for f in got] == [f.name for f in expected]
    for mine, django_file, data in zip(got, expected, files, strict=True):
        assert mine.read() == django_file.read() == data
        assert mine.size == len(data)
        assert mine.sha256 == hashlib.sha256(data).hexdigest()
        mine.close()
    assert not list((tmp_path / "tmp").iterdir())  # the conftest's upload temp dir


# ---------------------------------------------------------------------------------------------------
# failures


def _upload_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("upload-")]


@pytest.mark.django_db(databases=[])
def test_a_failed_write_fails_the_request_and_leaves_no_file(monkeypatch: Any, tmp_path: Path) -> None:
    written = {"count": 0}

    def failing_write(self: TemporaryUploadedFile) -> Any:  # ``File.write`` is a property
        def write(data: Any) -> int:
            written["count"] += 1
            if written["count"] == 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.file.write(data)

        return write

    monkeypatch.setattr(TemporaryUploadedFile, "write", property(failing_write))
    monkeypatch.setattr(uploads, "CHUNK_SIZE", 4096)
    boundary = "b" + uuid.uuid4().hex
    body = _body([("files", "a.pdf", b"%PDF" * 10_000), ("files", "b.pdf", b"x" * 100)], boundary)

    with pytest.raises(OSError, match="No space left on device"):
        parse_upload(_request(body, boundary), limits=upload_limits())
    assert not list((tmp_path / "tmp").iterdir())  # the conftest's upload temp dir
    assert not _upload_threads()


@pytest.mark.django_db(databases=[])
def test_an_oversized_file_is_dropped_while_the_others_are_kept(
    monkeypatch: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MATERIAL_UPLOAD_MAX_BYTES = dict.fromkeys(upload_limits().max_bytes, 10_000)
    monkeypatch.setattr(uploads, "CHUNK_SIZE", 1000)
    boundary = "b" + uuid.uuid4().hex
    body = _body(
        [("files", "small.pdf", b"small"), ("files", "big.pdf", b"0" * 25_000), ("files", "c.pdf", b"c")],
        boundary,
    )

    parsed = parse_upload(_request(body, boundary), limits=upload_limits())

    kept = parsed.files.getlist("files")
    assert [(f.name, f.read()) for f in kept] == [("small.pdf", b"small"), ("c.pdf", b"c")]
    [(name, size)] = parsed.oversized
    assert name == "big.pdf" and 10_000 < size <= 11_000  # stopped within a buffer of the limit
    for file in kept:
        file.close()
    assert not list((tmp_path / "tmp").iterdir())  # the conftest's upload temp dir
    assert not _upload_threads()
