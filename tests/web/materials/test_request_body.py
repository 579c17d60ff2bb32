"""Reading upload bodies straight from gunicorn's socket (``materials/request_body.py``), under a real
gunicorn (gthread, as ``make run`` serves): the bytes and hashes are right, the connection stays usable
for the next request (kept alive, pipelined), a body refused half way is drained by gunicorn rather
than read as a request, a client gone mid-body leaves no temporary file, and a chunked body takes the
standard ``wsgi.input`` route. A worker killed mid-upload leaves its request's folder, which the
housekeeping sweep removes once old while the folder of a live upload stays."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from django.utils import timezone

from licensedesk.web.housekeeping import sweep_upload_temp

HERE = Path(__file__).resolve().parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
MB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, port: int, var: Path, tls: bool = False, pid: int = 0) -> None:
        self.port = port
        self.temp = var / "tmp"
        self.tls = tls
        self.pid = pid  # gunicorn's master

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        if not self.tls:
            return sock
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
        return context.wrap_socket(sock)


@contextlib.contextmanager
def _serve(var: Path, *extra: str, tls: bool = False) -> Iterator[Server]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LICENSEDESK_", "DATABASE_URL"))} | {
        "LICENSEDESK_VAR_DIR": str(var),
        "LICENSEDESK_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_SETTINGS_MODULE": "licensedesk.web.settings",
    }
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "gunicorn_upload_app:application",
            "--pythonpath",
            str(HERE),
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            "1",
            "--threads",
            "2",
            "--keep-alive",
            "10",
            "--log-level",
            "warning",
            *extra,
        ],
        env=env,
        start_new_session=True,
    )
    running = Server(port, var, tls, process.pid)
    try:
        for _ in range(150):
            try:
                with running.connect() as sock:
                    sock.sendall(b"GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
                    if _responses(sock.makefile("rb"), 1)[0][1] == b"pong":
                        break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not come up")
        yield running
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _serve(tmp_path_factory.mktemp("gunicorn-var")) as running:
        yield running


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    var = tmp_path_factory.mktemp("gunicorn-tls-var")
    key, cert = var / "key.pem", var / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    with _serve(var, "--certfile", str(cert), "--keyfile", str(key), tls=True) as running:
        yield running


def _responses(stream: IO[bytes], count: int) -> list[tuple[int, bytes]]:
    """Read ``count`` responses (status, body) from one connection, in order."""
    out = []
    for _ in range(count):
        status = int(stream.readline().split()[1])
        length = 0
        while (line := stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        out.append((status, stream.read(length)))
    return out


def _multipart(parts: list[tuple[str, str | None, bytes]]) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    return boundary, body + f"--{boundary}--\r\n".encode()


def _post(boundary: str, body: bytes, length: int | None = None) -> bytes:
    return (
        "POST /upload HTTP/1.1\r\nHost: t\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\n\r\n"
    ).encode() + body


PING = b"GET /ping HTTP/1.1\r\nHost: t\r\n\r\n"


def test_the_body_is_read_from_gunicorns_socket_with_the_right_bytes(server: Server) -> None:
    scan = os.urandom(3 * MB + 12_345)
    boundary, body = _multipart(
        [("note", None, "第一次".encode()), ("files", "扫描件.pdf", scan), ("files", "b.pdf", b"%PDF-1.7")]
    )
    with server.connect() as sock:
        sock.sendall(_post(boundary, body))
        [(status, answer)] = _responses(sock.makefile("rb"), 1)
    assert status == 200, answer
    assert json.loads(answer) == {
        "reader": "GunicornReader",
        "fields": {"note": ["第一次"]},
        "files": [
            {"name": "扫描件.pdf", "size": len(scan), "sha256": hashlib.sha256(scan).hexdigest()},
            {"name": "b.pdf", "size": 8, "sha256": hashlib.sha256(b"%PDF-1.7").hexdigest()},
        ],
    }


def test_the_connection_serves_a_pipelined_request_and_another_upload_after_an_upload(
    server: Server,
) -> None:
    data = os.urandom(2 * MB + 7)
    first_boundary, first = _multipart([("files", "a.pdf", data)])
    second_boundary, second = _multipart([("files", "b.pdf", data[:1000])])
    with server.connect() as sock:
        stream = sock.makefile("rb")
        sock.sendall(_post(first_boundary, first) + PING)  # the GET may arrive with the body's end
        (status, answer), (ping_status, pong) = _responses(stream, 2)
        sock.sendall(_post(second_boundary, second))
        [(again, answer_again)] = _responses(stream, 1)
    assert status == 200 and json.loads(answer)["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert (ping_status, pong) == (200, b"pong")
    assert again == 200 and json.loads(answer_again)["files"][0]["size"] == 1000


def test_a_body_something_already_read_is_parsed_from_djangos_copy(server: Server) -> None:
    data = os.urandom(MB + 11)
    boundary, body = _multipart([("files", "a.pdf", data)])
    request = _post(boundary, body).replace(b"POST /upload ", b"POST /upload?read-first ", 1)
    with server.connect() as sock:
        sock.sendall(request)
        [(status, answer)] = _responses(sock.makefile("rb"), 1)
    result = json.loads(answer)
    assert status == 200 and result["reader"] == "StreamReader"
    assert result["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_request_read_ahead_with_a_small_body_is_given_back_to_gunicorn(server: Server) -> None:
    """Body and the next request arrive in one segment: gunicorn has read both ahead with the
    headers; the part past the body is handed back and answered as the next request."""
    boundary, body = _multipart([("files", "a.pdf", b"%PDF-1.7 tiny")])
    with server.connect() as sock:
        sock.sendall(_post(boundary, body) + PING.replace(b"ping", b"ping?next"))
        (status, answer), after = _responses(sock.makefile("rb"), 2)
    assert status == 200 and json.loads(answer)["files"][0]["size"] == 13
    assert json.loads(answer)["reader"] == "GunicornReader"
    assert after == (200, b"pong next")


def test_an_upload_over_tls_is_read_from_the_tls_socket(tls_server: Server) -> None:
    data = os.urandom(2 * MB + 5)
    boundary, body = _multipart([("files", "a.pdf", data)])
    with tls_server.connect() as sock:
        stream = sock.makefile("rb")
        sock.sendall(_post(boundary, body) + PING)
        (status, answer), after = _responses(stream, 2)
    assert status == 200
    result = json.loads(answer)
    assert result["reader"] == "GunicornReader"
    assert result["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert after == (200, b"pong")


def _refused_half_way(boundary: str, unread: int) -> bytes:
    """A body the parser gives up on in its first MiB (a header line without a colon), followed by
    ``unread`` bytes of requests that would be answered ``pong smuggled`` if read as requests."""
    start = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n'.encode()
        + b"0" * 1000
        + f"\r\n--{boundary}\r\nnot a header\r\n\r\n".encode()
    )
    start += b"0" * (MB - len(start))
    smuggled = b"GET /ping?smuggled HTTP/1.1\r\nHost: t\r\n\r\n"
    return start + smuggled * (unread // len(smuggled))


def test_a_short_unread_rest_of_a_refused_body_is_drained_not_read_as_requests(server: Server) -> None:
    boundary = uuid.uuid4().hex
    with server.connect() as sock:
        stream = sock.makefile("rb")
        sock.sendall(
            _post(boundary, _refused_half_way(boundary, 10_000)) + PING.replace(b"ping", b"ping?after")
        )
        (status, answer), after = _responses(stream, 2)
    assert status == 400
    assert json.loads(answer) == {"error": "MultiPartParserError", "reader": "GunicornReader"}
    assert after == (200, b"pong after")
    assert not list(server.temp.iterdir())


def test_a_long_unread_rest_of_a_refused_body_closes_the_connection(server: Server) -> None:
    """gunicorn drains at most 64 KiB of a body the application left; past that it closes the
    connection — the rest is never read as requests."""
    boundary = uuid.uuid4().hex
    with server.connect() as sock:
        stream = sock.makefile("rb")
        sock.sendall(_post(boundary, _refused_half_way(boundary, 2 * MB)))
        [(status, answer)] = _responses(stream, 1)
        rest = stream.read()
    assert status == 400 and json.loads(answer)["error"] == "MultiPartParserError"
    assert rest == b""
    assert not list(server.temp.iterdir())


def test_a_client_gone_mid_body_leaves_no_temporary_file(server: Server) -> None:
    boundary, body = _multipart([("files", "a.pdf", os.urandom(6 * MB))])
    with server.connect() as sock:
        sock.sendall(_post(boundary, body[: 2 * MB], length=len(body)))
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    while list(server.temp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not list(server.temp.iterdir())
    with server.connect() as sock:
        sock.sendall(PING)
        assert _responses(sock.makefile("rb"), 1) == [(200, b"pong")]


def test_a_chunked_body_is_left_to_gunicorns_own_reader(server: Server) -> None:
    """Only a ``Content-Length`` body is read from the socket; gunicorn decodes chunked ones (and
    Django, given no length, reads no body: browsers send form uploads with a length)."""
    boundary, body = _multipart([("files", "a.pdf", os.urandom(MB))])
    chunks = b"".join(
        f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        for piece in (body[i : i + 300_000] for i in range(0, len(body), 300_000))
    )
    head = (
        "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n"
    ).encode()
    with server.connect() as sock:
        sock.sendall(head + chunks + b"0\r\n\r\n")
        [(status, answer)] = _responses(sock.makefile("rb"), 1)
    assert status == 200
    assert json.loads(answer) == {"reader": "StreamReader", "fields": {}, "files": []}


# -- a worker killed mid-upload ------------------------------------------------------------------------


def _children(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:  # field 4: the parent's pid
            found.append(int(entry.name))
    return found


def _wait_for(what: str, done: Callable[[], object]) -> None:
    deadline = time.monotonic() + 30
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def _bytes_under(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@pytest.fixture
def killable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _serve(tmp_path_factory.mktemp("gunicorn-kill-var")) as running:
        yield running


def test_a_worker_killed_mid_upload_leaves_a_folder_the_sweep_removes_and_a_live_upload_keeps_its_own(
    killable: Server, settings: Any
) -> None:
    server = killable
    boundary, body = _multipart([("files", "a.pdf", os.urandom(6 * MB))])
    with server.connect() as victim:
        victim.sendall(_post(boundary, body[: 3 * MB], length=len(body)))
        _wait_for("the upload's temporary file", lambda: _bytes_under(server.temp) >= 2 * MB)
        [worker] = _children(server.pid)
        os.kill(worker, signal.SIGKILL)
        _wait_for("the worker's end", lambda: worker not in _children(server.pid))
    [left] = list(server.temp.iterdir())  # SIGKILL runs no cleanup: the request's folder stays
    assert left.name.startswith("upload-") and _bytes_under(left) >= 2 * MB

    _wait_for("a new worker", lambda: len(_children(server.pid)) == 1)
    live_boundary, live_body = _multipart([("files", "b.pdf", os.urandom(4 * MB))])
    with server.connect() as live:
        live.sendall(_post(live_boundary, live_body[: 2 * MB], length=len(live_body)))
        _wait_for("the live upload's folder", lambda: len(list(server.temp.iterdir())) == 2)
        [fresh] = [p for p in server.temp.iterdir() if p != left]
        _wait_for("the live upload's bytes", lambda: _bytes_under(fresh) >= MB)
        # the worker was killed ten minutes before the live upload began
        for path in [left, *left.rglob("*")]:
            stat = path.stat()
            os.utime(path, (stat.st_atime - 600, stat.st_mtime - 600))

        settings.FILE_UPLOAD_TEMP_DIR = server.temp
        max_age = timedelta(hours=settings.HOUSEKEEPING_TEMP_MAX_AGE_HOURS)
        removed, size = sweep_upload_temp(
            now=timezone.now() + max_age - timedelta(minutes=5), max_age=max_age
        )

        assert removed == [left.name] and size >= 2 * MB
        assert not left.exists()
        assert fresh.exists() and _bytes_under(fresh) >= MB  # the live upload's file is not touched
        live.sendall(live_body[2 * MB :])
        [(status, answer)] = _responses(live.makefile("rb"), 1)
    assert status == 200 and json.loads(answer)["files"][0]["size"] == 4 * MB
    assert not list(server.temp.iterdir())  # the live request removed its own folder
