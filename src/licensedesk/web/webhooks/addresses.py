"""Where webhooks may be sent: public internet addresses only, unless ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``.

Every agency admin can make this server send requests to an address of their choosing, so each is
treated as an attacker aiming at the server's own network (SSRF): loopback, private, link-local (cloud
metadata at 169.254.169.254), shared, reserved and multicast addresses are refused. The name is resolved
once and the request is sent to the very address checked (:mod:`licensedesk.web.webhooks.sender`), so a
name that resolves differently the second time (DNS rebinding) cannot slip through.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class AddressRefused(Exception):
    """The address is not one webhooks may be sent to; ``str()`` says why (for the delivery log),
    ``code`` is ``refused`` or ``unresolved`` (``sender.ERROR_TEXTS``)."""

    def __init__(self, message: str, *, code: str = "refused") -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (the Host header and the TLS server name)
    port: int
    path: str  # path and query, as sent


def private_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False))


def parse_target(url: str) -> Target:
    """The parts of an endpoint URL; ValueError unless it is an absolute http(s) URL with a host and no
    user name or password in it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ValueError("not an http(s) URL with a host")
    port = parts.port or (443 if parts.scheme == "https" else 80)  # ValueError on a bad port
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, path=path)


def refusal(address: str) -> str | None:
    """Why ``address`` (an IP address) may not be sent to, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified or ip.is_multicast:
        return f"{ip} (not a host address)"
    if private_allowed():
        return None
    if ip.is_loopback:
        return f"{ip} (this server itself)"
    if not ip.is_global:
        return f"{ip} (a private or reserved network address)"
    return None


def literal_refusal(host: str) -> str | None:
    """For the subscription form: why a host written as an IP address or ``localhost`` is refused (a name
    is resolved, and checked, when sending)."""
    if host.lower().rstrip(".") in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return None if private_allowed() else f"{host} (this server itself)"
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return refusal(host)


def resolve_checked(target: Target) -> str:
    """The address to connect to: the first the host resolves to, once every one of them passed
    :func:`refusal` (one refused address refuses the name). Raises :class:`AddressRefused`."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise AddressRefused(
            f"the name {target.host} does not resolve ({exc.strerror or exc})", code="unresolved"
        ) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise AddressRefused(f"the name {target.host} does not resolve", code="unresolved")
    for address in addresses:
        why = refusal(address)
        if why is not None:
            raise AddressRefused(f"{target.host} resolves to {why}: not sent")
    return addresses[0]
