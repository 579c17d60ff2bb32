"""Commands that run the web application: ``serve``, ``demo`` and ``audit verify``.

They drive Django's own management commands (``migrate``, ``collectstatic``, ``demo``, ``audit_verify``)
so the CLI and ``python -m licensedesk.web`` share one implementation.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click

SETTINGS = "licensedesk.web.settings"


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def _ensure_secret_key() -> None:
    """Serving needs a real secret: take it from the environment, else from var/secret_key (made once)."""
    if os.environ.get("LICENSEDESK_SECRET_KEY"):
        return
    from django.conf import settings

    key_file = Path(settings.VAR_DIR) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    os.environ["LICENSEDESK_SECRET_KEY"] = key_file.read_text(encoding="utf-8").strip()


def _prepare_database(*, demo: bool) -> None:
    from django.core.management import call_command

    from licensedesk.web.translations import compile_translations

    compile_translations()
    call_command("migrate", interactive=False, verbosity=0)
    if demo:
        call_command("demo")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=8, show_default=True, type=int, help="threads per worker")
@click.option("--demo/--no-demo", default=True, show_default=True, help="load the demo data (idempotent)")
def serve(host: str, port: int, workers: int, threads: int, demo: bool) -> None:
    """Migrate the database, load the demo data, and serve the application over WSGI (gunicorn).

    Mail goes to the console (the server's output) unless LICENSEDESK_EMAIL_BACKEND says otherwise: the
    demo has no SMTP server, and an invitation must not fail for want of one."""
    os.environ.setdefault("LICENSEDESK_EMAIL_BACKEND", "console")  # before Django reads its settings
    _django()
    _ensure_secret_key()
    _prepare_database(demo=demo)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    url = f"http://{host}:{port}/"
    click.echo(f"\nlicensedesk 许可证办理台: {url}  (登录 sign in at {url}accounts/login/; Ctrl-C stops)\n")
    sys.stdout.flush()
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "licensedesk.web.wsgi",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
    ]
    os.execv(sys.executable, argv)


@click.command()
def demo() -> None:
    """Load the demo agency, consultants, companies and cases (safe to run twice) and print the sign-ins."""
    _django()
    _prepare_database(demo=True)


@click.group()
def audit() -> None:
    """The tamper-evident audit trail."""


@audit.command("verify")
@click.option("--agency", type=int, default=None, help="id of one agency (default: all)")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def audit_verify(agency: int | None, as_json: bool) -> None:
    """Walk each agency's hash chain and name the first event edited, inserted or deleted (exit 1)."""
    _django()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    args = (
        ["audit_verify"]
        + (["--agency", str(agency)] if agency is not None else [])
        + (["--json"] if as_json else [])
    )
    try:
        call_command(*args)
    except CommandError as exc:
        click.echo(f"licensedesk: {exc}", err=True)
        sys.exit(exc.returncode)
