"""``licensedesk deploy nginx-config`` prints the site configuration; ``licensedesk serve`` trusts
forwarded headers only with ``--behind-proxy`` and only from the proxies named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from licensedesk.cli import web

LICENSEDESK = Path(sys.executable).parent / "licensedesk"


def _run(*args: str, var: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LICENSEDESK_", "DATABASE_URL"))}
    return subprocess.run(
        [str(LICENSEDESK), *args],
        env=env | {"LICENSEDESK_VAR_DIR": str(var)} | extra_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_nginx_config_defaults_come_from_the_settings(tmp_path: Path) -> None:
    done = _run(
        "deploy", "nginx-config", "--server-name", "ld.example.cn", "--cert", "/etc/ssl/ld.pem",
        "--key", "/etc/ssl/ld.key", var=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "server_name ld.example.cn;" in done.stdout
    assert "server 127.0.0.1:8000;" in done.stdout
    assert f"alias {tmp_path.resolve()}/static/;" in done.stdout
    assert "client_max_body_size 272m;" in done.stdout  # the upload request limit: 256 MB PDF + 16 MB
    limited = _run(
        "deploy", "nginx-config", "--server-name", "ld.example.cn", "--cert", "/etc/ssl/ld.pem",
        "--key", "/etc/ssl/ld.key", var=tmp_path, LICENSEDESK_UPLOAD_MAX_REQUEST_MB="40.5",
    )  # fmt: skip
    assert "client_max_body_size 41m;" in limited.stdout


def test_nginx_config_refuses_an_unsafe_value_by_name(tmp_path: Path) -> None:
    done = _run(
        "deploy", "nginx-config", "--server-name", "a.cn;", "--cert", "/c.pem", "--key", "/k.pem",
        "--static-root", "/srv/static", "--max-body-mb", "10", var=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == "licensedesk: server_name: not a plain name, address or path: 'a.cn;'"
    assert done.stdout == ""


def _serve_argv(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[list[str], dict[str, Any]]:
    seen: dict[str, Any] = {}
    for key in ("LICENSEDESK_BEHIND_PROXY", "LICENSEDESK_TRUSTED_PROXIES"):
        monkeypatch.delenv(key, raising=False)

    def django() -> None:
        seen.update(
            {k: os.environ.get(k) for k in ("LICENSEDESK_BEHIND_PROXY", "LICENSEDESK_TRUSTED_PROXIES")}
        )

    monkeypatch.setattr(web, "_django", django)
    monkeypatch.setattr(web, "_ensure_secret_key", lambda: None)
    monkeypatch.setattr(web, "_prepare_database", lambda *, demo: None)
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: None)
    monkeypatch.setattr(web.os, "execv", lambda path, argv: seen.setdefault("argv", argv))
    result = CliRunner().invoke(web.serve, ["--no-demo", *args])
    assert result.exit_code == 0, result.output
    return seen.pop("argv"), seen


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_serve_alone_believes_no_forwarded_header(monkeypatch: pytest.MonkeyPatch) -> None:
    argv, env = _serve_argv(monkeypatch)
    assert _option(argv, "--forwarded-allow-ips") == ""  # not even gunicorn's default, loopback
    assert _option(argv, "--bind") == "127.0.0.1:8000"
    assert env == {"LICENSEDESK_BEHIND_PROXY": None, "LICENSEDESK_TRUSTED_PROXIES": None}


def test_serve_behind_a_proxy_trusts_the_proxies_named(monkeypatch: pytest.MonkeyPatch) -> None:
    argv, env = _serve_argv(
        monkeypatch, "--behind-proxy", "--proxy-ip", "127.0.0.1", "--proxy-ip", "10.0.0.0/24",
        "--unix-socket", "/run/licensedesk/gunicorn.sock",
    )  # fmt: skip
    assert _option(argv, "--forwarded-allow-ips") == "127.0.0.1,10.0.0.0/24"
    assert _option(argv, "--bind") == "unix:/run/licensedesk/gunicorn.sock"
    assert env == {"LICENSEDESK_BEHIND_PROXY": "1", "LICENSEDESK_TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/24"}
    argv, _ = _serve_argv(monkeypatch, "--behind-proxy")
    assert _option(argv, "--forwarded-allow-ips") == "127.0.0.1,::1"


def test_serve_refuses_a_proxy_that_is_no_address() -> None:
    result = CliRunner().invoke(web.serve, ["--no-demo", "--behind-proxy", "--proxy-ip", "proxy.local"])
    assert result.exit_code == 2
    assert "Invalid value for --proxy-ip: not an IP address or network: proxy.local" in result.output
