"""The nginx configuration for production (``nginx.conf`` beside this file), with a site's values in.

Why a template with ``{{name}}`` placeholders filled by a small function rather than a templating
library: nginx's own ``$variables`` must pass through untouched, and every value is checked first so
that nothing typed on the command line can add a directive (no ``;``, braces, quotes or spaces).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from importlib.resources import files

PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
_SAFE_TOKEN = re.compile(r"[A-Za-z0-9._:\-/\[\]*~]+")
_HOST_PORT = re.compile(r"(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):(?P<port>\d{1,5})")


class ConfigValueError(ValueError):
    """A value that cannot go into the configuration, named by its parameter."""


@dataclass(frozen=True)
class NginxSite:
    """What differs from one site to the next."""

    server_name: str  # one or more names, space separated (nginx's server_name)
    upstream: str  # gunicorn: "127.0.0.1:8000" or "unix:/run/licensedesk/gunicorn.sock"
    cert: str  # absolute paths of the certificate chain and its key (PEM)
    key: str
    static_root: str  # collectstatic's STATIC_ROOT (absolute)
    max_body_mb: int  # the largest request body accepted, in MiB
    https_port: int = 443
    http_port: int = 80  # answers with a redirect to HTTPS
    listen: tuple[str, ...] = ("", "[::]")  # addresses to listen on; "" is every IPv4 address
    hsts_seconds: int = 31_536_000


def _token(name: str, value: str) -> str:
    if not _SAFE_TOKEN.fullmatch(value):
        raise ConfigValueError(f"{name}: not a plain name, address or path: {value!r}")
    return value


def _absolute_path(name: str, value: str) -> str:
    _token(name, value)
    if not value.startswith("/"):
        raise ConfigValueError(f"{name}: must be an absolute path: {value!r}")
    return value.rstrip("/") or "/"


def _port(name: str, value: int) -> int:
    if not 0 < value < 65536:
        raise ConfigValueError(f"{name}: not a port number: {value}")
    return value


def _upstream(value: str) -> str:
    if value.startswith("unix:"):
        _absolute_path("upstream", value.removeprefix("unix:"))
        return value
    match = _HOST_PORT.fullmatch(value)
    if not match:
        raise ConfigValueError(f"upstream: expected HOST:PORT or unix:/PATH: {value!r}")
    _port("upstream", int(match["port"]))
    return value


def _listen_lines(addresses: tuple[str, ...], port: int, extra: str) -> str:
    lines = []
    for address in addresses:
        if address and address != "[::]":
            ipaddress.ip_address(address.strip("[]"))  # raises ValueError on anything else
        target = f"{address}:{port}" if address else str(port)
        lines.append(f"    listen {target}{extra};")
    return "\n".join(lines)


def render_nginx_config(site: NginxSite) -> str:
    """The configuration for ``site``; raises :class:`ConfigValueError` naming a value that is unsafe."""
    names = site.server_name.split()
    if not names:
        raise ConfigValueError("server_name: empty")
    for name in names:
        _token("server_name", name)
    https_port = _port("https_port", site.https_port)
    if site.max_body_mb < 1:
        raise ConfigValueError(f"max_body_mb: must be at least 1: {site.max_body_mb}")
    if not site.listen:
        raise ConfigValueError("listen: no address")
    try:
        listen_http = _listen_lines(site.listen, _port("http_port", site.http_port), "")
        listen_https = _listen_lines(site.listen, https_port, " ssl http2")
    except ValueError as exc:
        raise ConfigValueError(f"listen: not an IP address: {exc}") from None
    values = {
        "server_name": " ".join(names),
        "upstream": _upstream(site.upstream),
        "cert": _absolute_path("cert", site.cert),
        "key": _absolute_path("key", site.key),
        "static_root": _absolute_path("static_root", site.static_root),
        "max_body_mb": str(int(site.max_body_mb)),
        "hsts_seconds": str(int(site.hsts_seconds)),
        "listen_http": listen_http,
        "listen_https": listen_https,
        "https_origin": "https://$host" + ("" if https_port == 443 else f":{https_port}"),
    }
    template = files("licensedesk.deploy").joinpath("nginx.conf").read_text(encoding="utf-8")
    return PLACEHOLDER.sub(lambda match: values[match[1]], template)
