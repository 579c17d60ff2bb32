"""Running Debian's nginx in a test: a self-signed certificate (the ``openssl`` CLI), a main
configuration that keeps every file nginx writes in a temporary directory and includes the site
configuration under test, and the nginx process, stopped at the end. Not a test module."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        pytest.fail("nginx not found: apt-get install nginx (the CI script .ci/run does)")
    return found


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
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
        timeout=60,
    )
    return cert, key


def write_main_config(prefix: Path, site_config: str) -> Path:
    """What /etc/nginx/nginx.conf does for a site in sites-enabled, with paths under ``prefix``."""
    (prefix / "site.conf").write_text(site_config, encoding="utf-8")
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / f"temp-{name}").mkdir(exist_ok=True)
    # as root, the workers would run as nobody and could not read the test's private directories
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = prefix / "nginx.conf"
    main.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/temp-body;
    proxy_temp_path {prefix}/temp-proxy;
    fastcgi_temp_path {prefix}/temp-fastcgi;
    uwsgi_temp_path {prefix}/temp-uwsgi;
    scgi_temp_path {prefix}/temp-scgi;
    include {prefix}/site.conf;
}}
""",
        encoding="utf-8",
    )
    return main


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, seconds: int = 30) -> None:
    for _ in range(seconds * 10):
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not come up on port {port}")


@contextlib.contextmanager
def running_nginx(prefix: Path, site_config: str, port: int) -> Iterator[Path]:
    """nginx in the foreground with ``site_config``; yields its prefix (error.log, access.log)."""
    main = write_main_config(prefix, site_config)
    command = [nginx_binary(), "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, start_new_session=True)
    try:
        wait_for_port(port, process, "nginx")
        yield prefix
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # nginx's fast shutdown
        process.wait(timeout=30)
