"""Commands that run the web application: ``serve``, ``demo``, ``housekeeping`` and
``audit verify|anchor|rekey``.

They drive Django's own management commands (``migrate``, ``collectstatic``, ``demo``, ``audit_verify``)
so the CLI and ``python -m licensedesk.web`` share one implementation.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import sys
from pathlib import Path
from typing import Any

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
@click.option(
    "--behind-proxy",
    is_flag=True,
    envvar="LICENSEDESK_BEHIND_PROXY",
    help="served behind a reverse proxy (deploy/README.md): believe its X-Forwarded-For/-Proto",
)
@click.option(
    "--proxy-ip",
    "proxy_ips",
    multiple=True,
    help="address or network of the proxy (repeatable; default LICENSEDESK_TRUSTED_PROXIES or loopback)",
)
@click.option(
    "--unix-socket",
    type=click.Path(dir_okay=False),
    default=None,
    help="listen on this Unix socket instead of HOST:PORT (for a proxy on the same machine)",
)
def serve(
    host: str,
    port: int,
    workers: int,
    threads: int,
    demo: bool,
    behind_proxy: bool,
    proxy_ips: tuple[str, ...],
    unix_socket: str | None,
) -> None:
    """Migrate the database, load the demo data, and serve the application over WSGI (gunicorn).

    In production put nginx in front (``licensedesk deploy nginx-config``, deploy/README.md): gunicorn
    alone gives each connection a thread while its headers arrive, so a few dozen slow clients stall it.
    Forwarded headers are ignored unless ``--behind-proxy``, and then believed only from ``--proxy-ip``.

    Mail goes to the console (the server's output) unless LICENSEDESK_EMAIL_BACKEND says otherwise: the
    demo has no SMTP server, and an invitation must not fail for want of one."""
    os.environ.setdefault("LICENSEDESK_EMAIL_BACKEND", "console")  # before Django reads its settings
    trusted = _trusted_proxies(behind_proxy, proxy_ips)
    if behind_proxy:  # settings.py reads these (client_address.py, SECURE_PROXY_SSL_HEADER)
        os.environ["LICENSEDESK_BEHIND_PROXY"] = "1"
        os.environ["LICENSEDESK_TRUSTED_PROXIES"] = ",".join(trusted)
    else:
        os.environ.pop("LICENSEDESK_BEHIND_PROXY", None)
    _django()
    _ensure_secret_key()
    _prepare_database(demo=demo)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    _housekeeping_at_start(call_command)
    bind = f"unix:{unix_socket}" if unix_socket else f"{host}:{port}"
    if behind_proxy:
        click.echo(
            f"\nlicensedesk 许可证办理台: {bind}, behind the proxy {', '.join(trusted)} (Ctrl-C stops)\n"
        )
    else:
        url = f"http://{host}:{port}/"
        click.echo(
            f"\nlicensedesk 许可证办理台: {url}  (登录 sign in at {url}accounts/login/; Ctrl-C stops)\n"
        )
        notice = plain_http_notice(host, secure_cookies=_secure_cookies())
        if notice:
            click.echo(notice + "\n")
    sys.stdout.flush()
    os.execv(sys.executable, gunicorn_argv(bind=bind, workers=workers, threads=threads, trusted=trusted))


def _secure_cookies() -> bool:
    from django.conf import settings

    return bool(settings.SECURE_COOKIES)


def plain_http_notice(host: str, *, secure_cookies: bool) -> str | None:
    """What to say when the server listens over plain HTTP on an address other machines reach: the
    passwords cross the network in clear, and with Secure cookies configured the browser drops them so
    sign-in fails. ``None`` on a loopback address (a browser on this machine) or a Unix socket."""
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return None
    lines = [
        f"注意：{host} 上以明文 HTTP 提供服务，密码和会话会以明文在网络中传输。",
        f"Note: serving plain HTTP on {host}: passwords and sessions cross the network unencrypted.",
        "To enable HTTPS put nginx with a certificate in front (licensedesk deploy nginx-config,",
        "deploy/README.md), then serve with --behind-proxy and LICENSEDESK_BASE_URL=https://…",
        "启用 HTTPS：在前面部署带证书的 nginx（licensedesk deploy nginx-config，见 deploy/README.md）。",
    ]
    if secure_cookies:
        lines.append(
            "Secure cookies are on (LICENSEDESK_SECURE_COOKIES): browsers drop them over plain HTTP and "
            "sign-in will fail here until HTTPS is in front. 安全 Cookie 已开启：未启用 HTTPS 时无法登录。"
        )
    return "\n".join(lines)


def _trusted_proxies(behind_proxy: bool, proxy_ips: tuple[str, ...]) -> list[str]:
    """The proxies to believe, checked: none when not behind a proxy."""
    if not behind_proxy:
        return []
    listed = list(proxy_ips) or [
        item.strip()
        for item in os.environ.get("LICENSEDESK_TRUSTED_PROXIES", "127.0.0.1,::1").split(",")
        if item.strip()
    ]
    for item in listed:
        try:
            ipaddress.ip_network(item)  # strict, as gunicorn checks it
        except ValueError:
            raise click.BadParameter(
                f"not an IP address or network: {item}", param_hint="--proxy-ip"
            ) from None
    return listed


def gunicorn_argv(*, bind: str, workers: int, threads: int, trusted: list[str]) -> list[str]:
    """gunicorn's command line. ``--forwarded-allow-ips`` is the trusted proxies, or nothing at all:
    gunicorn's default (loopback) would let any local client claim HTTPS with X-Forwarded-Proto."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "licensedesk.web.wsgi",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--forwarded-allow-ips",
        ",".join(trusted),
        "--access-logfile",
        "-",
    ]


def _housekeeping_at_start(call_command: Any) -> None:
    """Before serving: remove what processes of the last run left behind (housekeeping.py). A failed
    step is reported and serving goes on: the periodic runs try again."""
    from django.core.management.base import CommandError

    try:
        call_command("housekeeping")
    except CommandError as exc:
        click.echo(f"licensedesk: {exc}", err=True)


@click.command()
def housekeeping() -> None:
    """Remove upload temporary files older than a few hours and stored files no row references (after a
    grace period), and run the other housekeeping tasks once; for cron. Exit 1 when a step failed."""
    _django()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("housekeeping")
    except CommandError as exc:
        click.echo(f"licensedesk: {exc}", err=True)
        sys.exit(exc.returncode)


@click.command()
def demo() -> None:
    """Load the demo agency, consultants, companies and cases (safe to run twice) and print the sign-ins."""
    _django()
    _prepare_database(demo=True)


@click.group()
def audit() -> None:
    """The tamper-evident audit trail."""


def _run_audit_command(name: str, *args: str) -> None:
    """Run one of the audit app's management commands; its CommandError becomes the exit status."""
    _django()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command(name, *args)
    except CommandError as exc:
        click.echo(f"licensedesk: {exc}", err=True)
        sys.exit(exc.returncode)


@audit.command("verify")
@click.option("--agency", type=int, default=None, help="id of one agency (default: all)")
@click.option(
    "--anchors", "anchors", default=None, help="anchors file (audit anchor): check every anchored head"
)
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def audit_verify(agency: int | None, anchors: str | None, as_json: bool) -> None:
    """Check each agency's keyed hash chain and name the first event edited, inserted or deleted (exit 1).

    Needs the audit key (LICENSEDESK_AUDIT_KEY or the key file; exit 2 without it). With --anchors, also
    proves that no event at or before an anchored head changed since it was anchored."""
    _run_audit_command(
        "audit_verify",
        *(["--agency", str(agency)] if agency is not None else []),
        *(["--anchors", anchors] if anchors is not None else []),
        *(["--json"] if as_json else []),
    )


@audit.command("anchor")
@click.option(
    "--file", "file", default=None, help="append here (default <var>/audit-anchors.jsonl; - prints)"
)
def audit_anchor(file: str | None) -> None:
    """Append each agency's chain head (agency, seq, hash, key id, time) as a JSON line to a file kept
    outside the database, or print it with --file - for an external log."""
    _run_audit_command("audit_anchor", *(["--file", file] if file is not None else []))


@audit.command("rekey")
@click.option("--agency", type=int, default=None, help="id of one agency (default: all)")
@click.option(
    "--anchors", "anchors", default=None, help="anchors file to consult (default: the configured one)"
)
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def audit_rekey(agency: int | None, anchors: str | None, as_json: bool) -> None:
    """Once, after upgrading: verify chains written with plain SHA-256 and re-hash them with the audit key
    (refused, exit 1, for a chain that does not verify or that was anchored before)."""
    _run_audit_command(
        "audit_rekey",
        *(["--agency", str(agency)] if agency is not None else []),
        *(["--anchors", anchors] if anchors is not None else []),
        *(["--json"] if as_json else []),
    )
