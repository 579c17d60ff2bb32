"""The production recipe at work: ``licensedesk serve --behind-proxy`` (gunicorn, as shipped: 2
workers × 8 threads) behind Debian's nginx with the configuration ``licensedesk deploy nginx-config``
renders, everything on 127.0.0.1 with a self-signed certificate.

* Slow clients: 64 connections that send a request header a line at a time and never finish it stop
  gunicorn alone from answering (shown first, on ``licensedesk serve`` without a proxy — why the
  recipe exists), while behind nginx the sign-in page keeps answering.
* The login lockout and the audit trail key on the real client: clients on 127.0.0.2 and 127.0.0.3
  (both loopback addresses on Linux) reach the application through nginx from 127.0.0.1; the first
  one's failures lock it out, whatever it writes into ``X-Forwarded-For``, and not the second one.
* HSTS on every answer; a body over ``client_max_body_size`` refused with 413 by nginx, never reaching
  gunicorn; an upload through nginx still takes the fast path that reads gunicorn's socket.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from licensedesk.deploy.nginx import NginxSite, render_nginx_config

from .nginx_process import running_nginx, self_signed_certificate, wait_for_port

pytestmark = pytest.mark.slow  # two `licensedesk serve` start-ups (migrate, demo data): about a minute

LICENSEDESK = Path(sys.executable).parent / "licensedesk"
SLOW_CONNECTIONS = 64  # more than gunicorn's 2 workers × 8 threads
MAX_BODY_MB = 2
CLIENT_A, CLIENT_B, SLOW_CLIENT = "127.0.0.2", "127.0.0.3", "127.0.0.4"
USERNAME, PASSWORD = "demo-wang", "Pengcheng-Wang-2026"  # a demo consultant (licensedesk demo)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(var: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LICENSEDESK_", "DATABASE_URL"))}
    return clean | {
        "LICENSEDESK_VAR_DIR": str(var),
        "LICENSEDESK_SECRET_KEY": secrets.token_urlsafe(40),
        "PYTHONUNBUFFERED": "1",  # gunicorn's access log (standard output) reaches the file at once
    }


@contextlib.contextmanager
def _licensedesk_serve(var: Path, port: int, *options: str, base_url: str = "") -> Iterator[Path]:
    """``licensedesk serve`` on 127.0.0.1:``port``; yields the file holding its output (access log).
    ``base_url`` is the public address (deploy/README.md: an ``https://`` one behind nginx, which turns on
    secure cookies)."""
    var.mkdir(parents=True, exist_ok=True)
    output = var / "serve.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [str(LICENSEDESK), "serve", "--port", str(port), *options],
            env=_env(var) | ({"LICENSEDESK_BASE_URL": base_url} if base_url else {}),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, process, "licensedesk serve", seconds=180)  # migrate, demo data: slow when busy
        yield output
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@dataclass
class Stack:
    https_port: int
    http_port: int
    app_log: Path
    var: Path


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    return context


class Browser:
    """A cookie-keeping HTTPS client from one loopback address."""

    def __init__(self, port: int, source: str) -> None:
        self.port, self.source = port, source
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.port, timeout=20, context=_tls(), source_address=(self.source, 0)
        )
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, data

    def login(self, password: str, *, forwarded_for: str | None = None) -> int:
        status, _, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert status == 200 and token, status
        form = f"csrfmiddlewaretoken={token[1].decode()}&username={USERNAME}&password={password}"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://127.0.0.1:{self.port}",
            "Referer": f"https://127.0.0.1:{self.port}/accounts/login/",
        }
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        return self.request("POST", "/accounts/login/", form.encode(), headers)[0]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("behind-nginx")
    cert, key = self_signed_certificate(base)
    app_port, https_port, http_port = _free_port(), _free_port(), _free_port()
    site = NginxSite(
        server_name="127.0.0.1",
        upstream=f"127.0.0.1:{app_port}",
        cert=str(cert),
        key=str(key),
        static_root=str(base / "var" / "static"),
        max_body_mb=MAX_BODY_MB,
        https_port=https_port,
        http_port=http_port,
        listen=("127.0.0.1",),
    )
    nginx_dir = base / "nginx"
    nginx_dir.mkdir()
    with (
        _licensedesk_serve(
            base / "var",
            app_port,
            "--behind-proxy",
            "--proxy-ip",
            "127.0.0.1",
            base_url=f"https://127.0.0.1:{https_port}",
        ) as app_log,
        running_nginx(nginx_dir, render_nginx_config(site), https_port),
    ):
        yield Stack(https_port, http_port, app_log, base / "var")


@contextlib.contextmanager
def _slow_headers(port: int, *, tls: bool) -> Iterator[None]:
    """Connections that send a request header a line every 0.2 s and never end it (until closed)."""
    sockets = []
    for _ in range(SLOW_CONNECTIONS):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(SLOW_CLIENT, 0))
        if tls:
            sock = _tls().wrap_socket(sock)
        sock.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sockets.append(sock)
    stop = threading.Event()

    def trickle() -> None:
        for line in range(300):  # at most a minute
            if stop.wait(0.2):
                return
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.sendall(f"X-Slow-{line}: 1\r\n".encode())

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        time.sleep(1)  # every connection accepted and its first lines read
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        for sock in sockets:
            sock.close()


def test_gunicorn_alone_stops_answering_while_slow_clients_send_headers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    port = _free_port()
    with _licensedesk_serve(tmp_path_factory.mktemp("alone"), port, "--no-demo"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/accounts/login/")
        assert conn.getresponse().status == 200  # it answers before…
        conn.close()
        with _slow_headers(port, tls=False):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
            with pytest.raises(TimeoutError):  # …and not while every thread waits for a header's end
                conn.request("GET", "/accounts/login/")
                conn.getresponse()
            conn.close()


def test_behind_nginx_the_site_answers_while_slow_clients_send_headers(stack: Stack) -> None:
    browser = Browser(stack.https_port, CLIENT_B)
    with _slow_headers(stack.https_port, tls=True):
        for _ in range(5):
            status, _, page = browser.request("GET", "/accounts/login/")
            assert status == 200 and b'name="password"' in page


def test_hsts_on_https_and_http_redirects_to_https(stack: Stack) -> None:
    status, headers, _ = Browser(stack.https_port, CLIENT_B).request("GET", "/accounts/login/")
    assert status == 200
    assert headers.get_all("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]
    assert "secure" in headers["Set-Cookie"].lower()  # Django sees HTTPS (X-Forwarded-Proto from nginx)
    conn = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    conn.request("GET", "/cases/?q=1", headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    assert (response.status, response.getheader("Location")) == (
        301,
        f"https://127.0.0.1:{stack.https_port}/cases/?q=1",
    )
    conn.close()


def _app_log_has(stack: Stack, marker: str) -> bool:
    for _ in range(50):  # the access line is written after the answer: up to 5 s
        if marker in stack.app_log.read_text(errors="replace"):
            return True
        time.sleep(0.1)
    return False


def test_a_body_over_the_limit_is_refused_by_nginx_before_the_application(stack: Stack) -> None:
    browser = Browser(stack.https_port, CLIENT_B)
    too_big = b"x" * (MAX_BODY_MB * 1024 * 1024 + 1)
    status, _, _ = browser.request(
        "POST", "/accounts/login/?marker-too-big", too_big, {"Content-Type": "application/octet-stream"}
    )
    assert status == 413
    status, _, _ = browser.request("GET", "/accounts/login/?marker-small")
    assert status == 200
    assert _app_log_has(stack, "marker-small")  # the application's access log does work…
    assert "marker-too-big" not in stack.app_log.read_text(errors="replace")  # …and never saw that one


def _audit_login_addresses(var: Path) -> list[str]:
    code = (
        "import django, json; django.setup(); "
        "from licensedesk.web.audit.models import AuditEvent; "
        "print(json.dumps([e.data['ip'] for e in AuditEvent.objects.filter(action='auth.login')"
        f".filter(actor__username={USERNAME!r}).order_by('pk')]))"
    )
    env = _env(var) | {"DJANGO_SETTINGS_MODULE": "licensedesk.web.settings"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_lockout_and_the_audit_trail_key_on_the_real_client(stack: Stack) -> None:
    client_a, client_b = Browser(stack.https_port, CLIENT_A), Browser(stack.https_port, CLIENT_B)
    # A writes a different address into X-Forwarded-For each time: were it believed, nothing would lock
    statuses = [client_a.login("wrong-password", forwarded_for=f"198.51.100.{n}") for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the 5th failure locks A
    assert client_a.login(PASSWORD) == 429  # locked even with the right password
    assert client_b.login(PASSWORD) == 302  # B, same username, another address: signed in
    assert _audit_login_addresses(stack.var) == [CLIENT_B]


def test_an_upload_through_nginx_takes_the_fast_path(tmp_path: Path) -> None:
    """nginx buffers the body and sends it with a Content-Length, even when the client sent it chunked:
    the upload parser still reads gunicorn's socket directly (``GunicornReader``)."""
    from web.materials.test_request_body import _multipart, _serve

    cert, key = self_signed_certificate(tmp_path)
    https_port = _free_port()
    with _serve(tmp_path / "var") as upload_app:
        site = NginxSite(
            server_name="127.0.0.1",
            upstream=f"127.0.0.1:{upload_app.port}",
            cert=str(cert),
            key=str(key),
            static_root=str(tmp_path / "static"),
            max_body_mb=MAX_BODY_MB,
            https_port=https_port,
            http_port=_free_port(),
            listen=("127.0.0.1",),
        )
        (tmp_path / "nginx").mkdir()
        with running_nginx(tmp_path / "nginx", render_nginx_config(site), https_port):
            data = os.urandom(1024 * 1024 + 5)
            boundary, body = _multipart([("files", "scan.pdf", data)])
            conn = http.client.HTTPSConnection("127.0.0.1", https_port, timeout=30, context=_tls())
            chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
            conn.request(
                "POST",
                "/upload",
                body=chunks,
                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                encode_chunked=True,
            )
            response = conn.getresponse()
            answer = json.loads(response.read())
            conn.close()
    assert response.status == 200, answer
    assert answer["reader"] == "GunicornReader"
    assert answer["files"] == [
        {"name": "scan.pdf", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    ]
