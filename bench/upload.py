"""Upload benchmark: a 200 MB PDF through the real upload view, served by gunicorn, against copying the
same file with ``shutil.copyfile`` in the same run.

What it does, all on 127.0.0.1 and in a temporary var dir (SQLite, local media storage — the default
set-up): migrate, load the demo data, start ``gunicorn licensedesk.web.wsgi`` (one gthread worker, 4
threads) on a free port, sign in as a demo consultant, warm up with a small upload, then, run after
run, copy the file and POST it as multipart/form-data twice: once with the client sending the file
with ``sendfile`` (next to no CPU time on the client, as if it ran on another machine — client and
server share this machine's cores), once writing it 1 MiB at a time from user space. It prints

* upload throughput (MB/s, request start to response) for both clients beside ``shutil.copyfile``;
* the peak memory growth of the server's worker process during an upload (``VmHWM`` from
  /proc/<pid>/status, the peak reset to the current RSS just before the upload via ``clear_refs``);

and checks the goals: at least 30 % of the copy's throughput (the ``sendfile`` client), under 30 MB of
memory growth.

    .venv/bin/python bench/upload.py [--size-mb 200] [--runs 7] [--check]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.samplefiles import pdf_file  # noqa: E402

BIN = Path(sys.executable).parent
MB = 1024 * 1024
GOAL_RATIO = 0.30
GOAL_MEMORY_MB = 30

SETUP = """
import json
from licensedesk.web.demo.services import DEMO_LOGINS, demo_load
from licensedesk.web.materials.models import CaseMaterial
demo_load()
logins = {login.username: login.password for login in DEMO_LOGINS}
open_reports = CaseMaterial.objects.filter(material_id="financial_report", case__closed_at__isnull=True)
for item in open_reports.select_related("case__consultant"):
    consultant = item.case.consultant
    if consultant is not None and consultant.username in logins:
        print(json.dumps({"material": item.pk, "case": item.case_id, "username": consultant.username,
                          "password": logins[consultant.username]}))
        break
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux: ``echo 5 > /proc/<pid>/clear_refs``)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Session:
    """A tiny cookie-keeping HTTP client for one host."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**headers, **(extra or {})}

    def request(
        self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            conn.request(method, path, body=body, headers=self.headers(headers))  # type: ignore[arg-type]
            response = conn.getresponse()
            data = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, dict(response.getheaders()), data
        finally:
            conn.close()

    def csrf(self, path: str) -> str:
        status, _, page = self.request("GET", path)
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not found:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return found.group(1).decode()


def _multipart(path: Path, name: str, token: str) -> tuple[str, bytes, bytes]:
    """The multipart framing around the file: (content type, bytes before the file, bytes after)."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", head, tail


def _send_chunks(sock: socket.socket, path: Path) -> None:
    """The file from user space, 1 MiB at a time (one buffer refilled in place), as most clients do."""
    buffer = bytearray(MB)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as source:
        while count := source.readinto(buffer):
            sock.sendall(view[:count])


def _send_file(sock: socket.socket, path: Path) -> None:
    """The file with ``sendfile`` (the kernel sends from the page cache): the client's CPU time is
    nearly nothing, as if it ran on another machine, so the figure is the server's."""
    with path.open("rb") as source:
        sock.sendfile(source)


SENDERS = {"sendfile": _send_file, "chunks": _send_chunks}


def _upload(session: Session, material: int, path: Path, name: str, back: str, client: str) -> float:
    token = session.csrf(back)
    content_type, head, tail = _multipart(path, name, token)
    headers = session.headers(
        {
            "Content-Type": content_type,
            "Content-Length": str(len(head) + path.stat().st_size + len(tail)),
            "Referer": f"http://127.0.0.1:{session.port}{back}",
        }
    )
    conn = http.client.HTTPConnection("127.0.0.1", session.port, timeout=600)
    try:
        started = time.perf_counter()
        conn.putrequest("POST", f"/materials/{material}/upload/", skip_host=True)
        for header, value in headers.items():
            conn.putheader(header, value)
        conn.endheaders()
        assert conn.sock is not None
        conn.sock.sendall(head)
        SENDERS[client](conn.sock, path)
        conn.sock.sendall(tail)
        response = conn.getresponse()
        page = response.read()
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    if response.status != 302:
        raise RuntimeError(f"upload answered {response.status}: {page[:400]!r}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7, help="uploads and copies measured (median reported)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is not met")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="licensedesk-bench-") as tmp:
        var = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LICENSEDESK_", "DATABASE_URL"))} | {
            "LICENSEDESK_VAR_DIR": str(var),
            "LICENSEDESK_SECRET_KEY": secrets.token_urlsafe(40),
            "LICENSEDESK_SECURE_COOKIES": "0",
            "LICENSEDESK_EMAIL_BACKEND": "console",
            "LICENSEDESK_UPLOAD_MAX_MB": f"pdf={max(256, args.size_mb + 16)}",
            "DJANGO_SETTINGS_MODULE": "licensedesk.web.settings",
        }
        manage = [sys.executable, "-m", "licensedesk.web"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, check=True)
        setup = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()\n" + SETUP],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        target = json.loads(setup.stdout.strip().splitlines()[-1])

        big = pdf_file(var / "big.pdf", args.size_mb * MB)
        small = pdf_file(var / "warmup.pdf", MB)
        size = big.stat().st_size

        def copy() -> float:
            started = time.perf_counter()
            shutil.copyfile(big, var / "copy.pdf")
            elapsed = time.perf_counter() - started
            (var / "copy.pdf").unlink()
            return elapsed

        port = _free_port()
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "licensedesk.web.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--worker-class",
                "gthread",
                "--threads",
                str(args.threads),
                "--timeout",
                "600",
                "--log-level",
                "warning",
            ],
            env=env,
            start_new_session=True,
        )
        try:
            session = Session(port)
            for _ in range(100):
                try:
                    if session.request("GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.1)
            else:
                raise RuntimeError("gunicorn did not come up")
            import psutil

            [worker] = psutil.Process(server.pid).children()
            token = session.csrf("/accounts/login/")
            body = f"csrfmiddlewaretoken={token}&username={target['username']}&password={target['password']}"
            status, _, _ = session.request(
                "POST",
                "/accounts/login/",
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": f"http://127.0.0.1:{port}/accounts/login/",
                },
            )
            if status != 302:
                raise RuntimeError(f"sign-in answered {status}")
            back = f"/cases/{target['case']}/materials/"
            for client in SENDERS:  # imports, caches, first query plans
                _upload(session, target["material"], small, "预热.pdf", back, client)

            # copies and uploads in turn, so that a slower spell of the machine weighs on both
            copies: list[float] = []
            uploads: dict[str, list[float]] = {client: [] for client in SENDERS}
            growths: list[float] = []
            for run in range(args.runs):
                copies.append(copy())
                for client in SENDERS:
                    rss_before = _status_kb(worker.pid, "VmRSS")
                    reset = _reset_peak(worker.pid)
                    peak_before = rss_before if reset else _status_kb(worker.pid, "VmHWM")
                    name = f"审计报告-{client}-{run}.pdf"
                    uploads[client].append(_upload(session, target["material"], big, name, back, client))
                    growths.append((_status_kb(worker.pid, "VmHWM") - peak_before) / 1024)
            stored = list((var / "media").rglob("*"))
            if not any(p.is_file() and p.stat().st_size == size for p in stored):
                raise RuntimeError("the uploaded file is not in var/media")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    copy_s = statistics.median(copies)
    copy_rate = size / MB / copy_s
    ratios = {}
    print(
        f"file: {size / MB:.0f} MB PDF, {args.runs} runs (median), "
        f"gunicorn gthread 1 worker × {args.threads} threads, client and server on this machine's "
        f"{os.cpu_count()} cores"
    )
    print(f"shutil.copyfile                        {copy_s:7.3f} s  {copy_rate:8.1f} MB/s")
    for client, label in (
        ("sendfile", "upload, client sending with sendfile"),
        ("chunks", "upload, client sending 1 MiB writes"),
    ):
        upload_s = statistics.median(uploads[client])
        upload_rate = size / MB / upload_s
        ratios[client] = upload_rate / copy_rate
        print(f"{label:38} {upload_s:7.3f} s  {upload_rate:8.1f} MB/s  ({ratios[client]:.0%} of the copy)")
    ratio = ratios["sendfile"]
    growth = max(growths)
    print(
        f"server worker peak memory growth during an upload: {growth:.1f} MB (max of runs: "
        + ", ".join(f"{g:.1f}" for g in growths)
        + ")"
    )
    ok_speed, ok_memory = ratio >= GOAL_RATIO, growth < GOAL_MEMORY_MB
    print(
        f"goal ≥ {GOAL_RATIO:.0%} of copy throughput (sendfile client): {'met' if ok_speed else 'NOT met'}; "
        f"goal < {GOAL_MEMORY_MB} MB memory growth: {'met' if ok_memory else 'NOT met'}"
    )
    return 0 if (ok_speed and ok_memory) or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
