"""The address of the client behind a request, and which forwarded headers may be believed.

Why one module: the login lockout (django-axes, through ``AXES_CLIENT_IP_CALLABLE``) and the audit
trail's ``auth.login`` events must key on the same address, and a rule written twice drifts.

* Served directly (the default), ``REMOTE_ADDR`` is the client: ``X-Forwarded-For`` and
  ``X-Forwarded-Proto`` are whatever the client chose to send and are ignored (removed by
  :class:`ForwardedHeadersMiddleware`), so nobody can pick the address their failed logins count
  against, or claim HTTPS.
* Behind a reverse proxy (``LICENSEDESK_BEHIND_PROXY``, ``licensedesk serve --behind-proxy``), the
  forwarded headers are believed only on a connection from one of ``LICENSEDESK_TRUSTED_PROXIES``
  (addresses or networks; default the loopback addresses). The client is then the right-most address
  of ``X-Forwarded-For`` that is not a trusted proxy: each proxy appends the address it saw, so
  everything left of that entry was written by the client and proves nothing. A connection on a Unix
  socket has no address (gunicorn gives ``REMOTE_ADDR`` as an empty string): only processes allowed to
  open the socket file can use it, so it counts as the proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The request headers a proxy sets about the client's connection (as in ``request.META``).
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def trusted_proxies() -> tuple[Network, ...]:
    """The proxies whose forwarded headers are believed: none unless ``BEHIND_PROXY`` is on."""
    if not getattr(settings, "BEHIND_PROXY", False):
        return ()
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address: str, proxies: Iterable[Network]) -> bool:
    if address == "":  # a Unix socket peer (see the module docstring)
        return True
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in proxies)


def peer_is_trusted_proxy(meta: dict[str, Any]) -> bool:
    """Whether the connection comes from a configured proxy (never when not behind a proxy)."""
    proxies = trusted_proxies()
    return bool(proxies) and _is_trusted(meta.get("REMOTE_ADDR", ""), proxies)


def client_address(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind a trusted proxy the right-most untrusted
    ``X-Forwarded-For`` entry. Also django-axes' ``AXES_CLIENT_IP_CALLABLE``."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "") or ""
    if not peer_is_trusted_proxy(meta):
        return remote
    proxies = trusted_proxies()
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    address = remote
    for hop in reversed(hops):
        if _parse(hop) is None:  # not written by a proxy of ours: stop at the last address we trust
            break
        address = str(_parse(hop))
        if not _is_trusted(address, proxies):
            return address
    return address


class ForwardedHeadersMiddleware:
    """Drops the forwarded headers from any connection that is not a trusted proxy, before anything
    reads them (Django's ``SECURE_PROXY_SSL_HEADER`` would otherwise believe any client's
    ``X-Forwarded-Proto``). First in ``MIDDLEWARE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not peer_is_trusted_proxy(request.META):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
