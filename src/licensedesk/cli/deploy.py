"""``licensedesk deploy nginx-config``: print the nginx configuration for a site (deploy/README.md)."""

from __future__ import annotations

import sys

import click

from licensedesk.deploy.nginx import ConfigValueError, NginxSite, render_nginx_config

MB = 1024 * 1024


def max_request_mb() -> int:
    """The largest request body the application accepts, in MiB rounded up: the upload parser's own
    request limit (``LICENSEDESK_UPLOAD_MAX_REQUEST_MB``, by default the largest per-kind file limit
    plus room for the form), so nginx refuses only what the application would refuse too."""
    from licensedesk.web.materials.services import upload_limits
    from licensedesk.web.materials.uploads import max_request_bytes

    return -(-max_request_bytes(upload_limits()) // MB)


@click.group()
def deploy() -> None:
    """Production set-up: nginx in front of gunicorn."""


@deploy.command("nginx-config")
@click.option("--server-name", required=True, help="the site's host name(s), as nginx's server_name")
@click.option("--cert", required=True, help="absolute path of the TLS certificate chain (PEM)")
@click.option("--key", required=True, help="absolute path of its private key (PEM)")
@click.option(
    "--upstream",
    default="127.0.0.1:8000",
    show_default=True,
    help="where `licensedesk serve --behind-proxy` listens: HOST:PORT or unix:/PATH",
)
@click.option(
    "--static-root", default=None, help="collected static files (default: the settings' STATIC_ROOT)"
)
@click.option(
    "--max-body-mb", type=int, default=None, help="largest request body (default: the upload request limit)"
)
@click.option("--https-port", type=int, default=443, show_default=True)
@click.option("--http-port", type=int, default=80, show_default=True, help="redirects to HTTPS")
@click.option(
    "--listen", multiple=True, help="address to listen on (repeatable; default every IPv4 and IPv6 address)"
)
def nginx_config(
    server_name: str,
    cert: str,
    key: str,
    upstream: str,
    static_root: str | None,
    max_body_mb: int | None,
    https_port: int,
    http_port: int,
    listen: tuple[str, ...],
) -> None:
    """Print the nginx site configuration (TLS, HSTS, buffering, timeouts, per-address limits)."""
    if static_root is None or max_body_mb is None:
        from licensedesk.cli.web import _django

        _django()
        from django.conf import settings

        static_root = static_root or str(settings.STATIC_ROOT)
        max_body_mb = max_body_mb or max_request_mb()
    site = NginxSite(
        server_name=server_name,
        upstream=upstream,
        cert=cert,
        key=key,
        static_root=static_root,
        max_body_mb=max_body_mb,
        https_port=https_port,
        http_port=http_port,
        listen=listen or NginxSite.listen,
    )
    try:
        click.echo(render_nginx_config(site), nl=False)
    except ConfigValueError as exc:
        click.echo(f"licensedesk: {exc}", err=True)
        sys.exit(2)
