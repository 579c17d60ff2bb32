"""The client's address (``web/client_address.py``): forwarded headers ignored unless served behind a
proxy, and then believed only from a trusted proxy, the client being the right-most untrusted hop."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from licensedesk.web.client_address import ForwardedHeadersMiddleware, client_address


@pytest.fixture
def behind_proxy(settings: Any) -> Any:
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def _request(remote: str, forwarded_for: str | None = None, **meta: str) -> HttpRequest:
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", REMOTE_ADDR=remote, **meta)


def test_served_directly_the_forwarded_address_is_ignored(settings: Any) -> None:
    settings.BEHIND_PROXY = False
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # listed, but not behind a proxy: nothing is trusted
    assert client_address(_request("127.0.0.1", "198.51.100.7")) == "127.0.0.1"
    assert client_address(_request("203.0.113.5", "198.51.100.7")) == "203.0.113.5"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(behind_proxy: Any) -> None:
    assert client_address(_request("127.0.0.1", "203.0.113.5")) == "203.0.113.5"
    # the left-most entry was written by the client itself; 10.1.2.3 is a proxy of ours
    assert client_address(_request("127.0.0.1", "198.51.100.7, 203.0.113.5, 10.1.2.3")) == "203.0.113.5"
    assert client_address(_request("127.0.0.1", "2001:db8::5")) == "2001:db8::5"
    assert client_address(_request("127.0.0.1")) == "127.0.0.1"  # no header: the proxy itself
    assert client_address(_request("127.0.0.1", "10.9.9.9")) == "10.9.9.9"  # only proxies: the first


def test_behind_a_proxy_a_connection_from_elsewhere_is_not_believed(behind_proxy: Any) -> None:
    assert client_address(_request("203.0.113.5", "198.51.100.7")) == "203.0.113.5"


def test_a_hop_that_is_no_address_stops_the_walk_at_the_last_trusted_one(behind_proxy: Any) -> None:
    assert client_address(_request("127.0.0.1", "203.0.113.5, not-an-address, 10.1.2.3")) == "10.1.2.3"


def test_a_unix_socket_peer_counts_as_the_proxy(behind_proxy: Any) -> None:
    assert client_address(_request("", "203.0.113.5")) == "203.0.113.5"


def _seen_by_views(request: HttpRequest) -> tuple[bool, str | None]:
    seen: dict[str, Any] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(secure=request.is_secure(), forwarded=request.META.get("HTTP_X_FORWARDED_FOR"))
        return HttpResponse()

    ForwardedHeadersMiddleware(view)(request)
    return seen["secure"], seen["forwarded"]


def test_the_middleware_drops_forwarded_headers_unless_from_a_trusted_proxy(behind_proxy: Any) -> None:
    forwarded = {"HTTP_X_FORWARDED_PROTO": "https"}
    assert _seen_by_views(_request("127.0.0.1", "203.0.113.5", **forwarded)) == (True, "203.0.113.5")
    assert _seen_by_views(_request("203.0.113.9", "198.51.100.7", **forwarded)) == (False, None)
    behind_proxy.BEHIND_PROXY = False
    assert _seen_by_views(_request("127.0.0.1", "203.0.113.5", **forwarded)) == (False, None)
