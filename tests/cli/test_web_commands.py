"""``licensedesk serve``: mail goes to the console unless configured (the demo has no SMTP server)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from click.testing import CliRunner

from licensedesk.cli import web


def _serve(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, Any]:
    """Run ``serve`` up to the point where it would replace itself by gunicorn; report what Django would
    have read from the environment when it started."""
    seen: dict[str, Any] = {}
    monkeypatch.delenv("LICENSEDESK_EMAIL_BACKEND", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(
        web, "_django", lambda: seen.setdefault("backend", os.environ.get("LICENSEDESK_EMAIL_BACKEND"))
    )
    monkeypatch.setattr(web, "_ensure_secret_key", lambda: None)
    monkeypatch.setattr(web, "_prepare_database", lambda *, demo: None)
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: None)
    monkeypatch.setattr(web.os, "execv", lambda path, argv: seen.setdefault("argv", argv))
    result = CliRunner().invoke(web.serve, ["--no-demo"])
    assert result.exit_code == 0, result.output
    return seen


def test_serve_prints_mail_to_the_console_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _serve(monkeypatch, {})
    assert seen["backend"] == "console"
    assert seen["argv"][2:4] == ["gunicorn", "licensedesk.web.wsgi"]


def test_serve_keeps_a_configured_mail_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _serve(monkeypatch, {"LICENSEDESK_EMAIL_BACKEND": "smtp"})["backend"] == "smtp"


def test_serve_on_a_lan_address_over_plain_http_says_how_to_enable_https(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(web, "_secure_cookies", lambda: False)
    monkeypatch.delenv("LICENSEDESK_BEHIND_PROXY", raising=False)  # an earlier serve may have set it
    seen: dict[str, Any] = {}
    monkeypatch.setattr(web, "_django", lambda: None)
    monkeypatch.setattr(web, "_ensure_secret_key", lambda: None)
    monkeypatch.setattr(web, "_prepare_database", lambda *, demo: None)
    monkeypatch.setattr("django.core.management.call_command", lambda *a, **k: None)
    monkeypatch.setattr(web.os, "execv", lambda path, argv: seen.setdefault("argv", argv))
    lan = CliRunner().invoke(web.serve, ["--no-demo", "--host", "192.168.1.20"])
    assert lan.exit_code == 0, lan.output
    assert "serving plain HTTP on 192.168.1.20" in lan.output
    assert "licensedesk deploy nginx-config" in lan.output
    local = CliRunner().invoke(web.serve, ["--no-demo"])
    assert "plain HTTP" not in local.output


def test_plain_http_notice_warns_that_secure_cookies_block_sign_in() -> None:
    notice = web.plain_http_notice("0.0.0.0", secure_cookies=True)
    assert notice is not None and "sign-in will fail here" in notice
    assert web.plain_http_notice("::1", secure_cookies=True) is None
    assert web.plain_http_notice("localhost", secure_cookies=False) is None
