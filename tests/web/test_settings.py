"""Settings from the environment: SQLite in WAL mode under var/, PostgreSQL from DATABASE_URL, the
secret key required to serve with DEBUG off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.db.utils import ConnectionHandler

from licensedesk.web import settings as project_settings


def _settings_in_subprocess(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LICENSEDESK_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_sqlite_file_database_runs_in_wal_mode(tmp_path: Path, django_db_blocker: Any) -> None:
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": tmp_path / "t.sqlite3",
                "OPTIONS": project_settings.SQLITE_OPTIONS,
            }
        }
    )
    connection = handler["default"]
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
        assert connection.transaction_mode == "IMMEDIATE"
    finally:
        connection.close()


def test_defaults_sqlite_under_the_var_dir(tmp_path: Path) -> None:
    var = tmp_path / "somewhere" / "var"
    code = (
        "from licensedesk.web import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'])"
    )
    result = _settings_in_subprocess(code, LICENSEDESK_VAR_DIR=str(var))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", str(var / "licensedesk.sqlite3")]
    assert var.is_dir()


def test_database_url_selects_postgresql(tmp_path: Path) -> None:
    code = (
        "from licensedesk.web import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['NAME'], d['HOST'])"
    )
    result = _settings_in_subprocess(
        code, DATABASE_URL="postgresql://postgres@127.0.0.1:5432/test", LICENSEDESK_VAR_DIR=str(tmp_path)
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "test", "127.0.0.1"]


def test_serving_without_a_secret_key_is_refused_unless_debug(tmp_path: Path) -> None:
    code = "import licensedesk.web.wsgi"
    refused = _settings_in_subprocess(code, LICENSEDESK_VAR_DIR=str(tmp_path))
    assert refused.returncode != 0 and "LICENSEDESK_SECRET_KEY must be set" in refused.stderr
    assert (
        _settings_in_subprocess(code, LICENSEDESK_VAR_DIR=str(tmp_path), LICENSEDESK_DEBUG="1").returncode
        == 0
    )
    assert (
        _settings_in_subprocess(
            code, LICENSEDESK_VAR_DIR=str(tmp_path), LICENSEDESK_SECRET_KEY="k" * 50
        ).returncode
        == 0
    )


def test_locale_time_and_ids() -> None:
    assert project_settings.TIME_ZONE == "Asia/Shanghai" and project_settings.USE_TZ
    assert project_settings.LANGUAGE_CODE == "zh-hans" and ("en", "English") in project_settings.LANGUAGES
    assert project_settings.DEFAULT_AUTO_FIELD == "django.db.models.BigAutoField"


def test_migrations_are_committed(db: None) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


_COOKIES = "from licensedesk.web import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"


def test_cookies_are_not_secure_on_plain_http_by_default_even_with_debug_off() -> None:
    """DEBUG off alone no longer means Secure cookies: over plain HTTP on a LAN address sign-in failed."""
    result = _settings_in_subprocess(_COOKIES, LICENSEDESK_DEBUG="0")
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_cookies_are_secure_when_https_is_configured() -> None:
    for env in (
        {"LICENSEDESK_SSL_REDIRECT": "1"},
        {"LICENSEDESK_HSTS_SECONDS": "31536000"},
        {"LICENSEDESK_BASE_URL": "https://licensedesk.example.cn"},
        {"LICENSEDESK_SECURE_COOKIES": "1"},
    ):
        result = _settings_in_subprocess(_COOKIES, **env)
        assert result.stdout.split() == ["True", "True"], (env, result.stderr)


def test_secure_cookies_setting_overrides_an_https_base_url() -> None:
    result = _settings_in_subprocess(
        _COOKIES, LICENSEDESK_BASE_URL="https://licensedesk.example.cn", LICENSEDESK_SECURE_COOKIES="0"
    )
    assert result.stdout.split() == ["False", "False"], result.stderr
