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
