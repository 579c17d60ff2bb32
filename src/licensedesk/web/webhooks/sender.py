"""Sending one signed webhook request: Standard Webhooks headers, a time limit, no redirects followed,
and the connection made to the address :mod:`licensedesk.web.webhooks.addresses` checked.

urllib3 connects to the checked IP address while the Host header (and, over HTTPS, the TLS server name
and certificate check) use the URL's host name: the name is never resolved a second time.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import urllib3
from django.conf import settings
from standardwebhooks.webhooks import Webhook

from licensedesk.web.webhooks.addresses import AddressRefused, parse_target, resolve_checked

#: How much of a response body the delivery log keeps, and the most read from the endpoint.
BODY_KEPT = 500
USER_AGENT = "licensedesk-webhooks/1"


def new_secret() -> str:
    """A subscription's signing secret, as Standard Webhooks writes it: ``whsec_`` and base64 of 24
    random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The payload as sent and signed: compact JSON, UTF-8 (Chinese as is)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signed_headers(*, secret: str, msg_id: str, body: bytes, at: datetime | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers: ``webhook-id``, ``webhook-timestamp`` (seconds) and
    ``webhook-signature`` (``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body`` with the secret), signed
    by the ``standardwebhooks`` package itself."""
    at = (at or datetime.now(UTC)).astimezone(UTC)
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=body.decode("utf-8"))
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


#: Why a request got no usable answer, by code (the delivery log shows the text in the reader's language).
ERROR_TEXTS: dict[str, tuple[str, str]] = {
    "invalid_url": ("接收地址不是有效的 http(s) 网址", "The endpoint address is not a valid http(s) URL"),
    "refused": (
        "接收地址解析到本机或内网地址，未发送",
        "The address resolves to this server or a private network: not sent",
    ),
    "unresolved": ("接收地址的域名无法解析", "The endpoint's host name does not resolve"),
    "timeout": ("接收方未在时限内应答", "No answer within the time limit"),
    "connection": ("无法连接接收方", "Could not connect to the endpoint"),
    "redirect": (
        "接收方要求重定向（不跟随），请填写最终地址",
        "The endpoint redirected (not followed): enter the final address",
    ),
    "status": ("接收方返回了非 2xx 状态码", "The endpoint answered with a non-2xx status"),
}


@dataclass(frozen=True)
class Outcome:
    """What one request got: the status code (None when no response came), the start of the body, or
    why nothing came back."""

    status_code: int | None
    body: str
    error_code: str
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _timeout() -> urllib3.Timeout:
    return urllib3.Timeout(
        connect=float(getattr(settings, "WEBHOOK_CONNECT_TIMEOUT_SECONDS", 5)),
        read=float(getattr(settings, "WEBHOOK_READ_TIMEOUT_SECONDS", 10)),
    )


def send(*, url: str, secret: str, msg_id: str, payload: dict[str, Any]) -> Outcome:
    """POST the signed payload to ``url`` once. Never raises for what the endpoint or the network did."""
    started = time.monotonic()

    def outcome(status: int | None = None, body: str = "", code: str = "", error: str = "") -> Outcome:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(status, body[:BODY_KEPT], code, error[:300], elapsed)

    try:
        target = parse_target(url)
    except ValueError:
        return outcome(code="invalid_url")
    try:
        address = resolve_checked(target)
    except AddressRefused as refused:
        return outcome(code=refused.code, error=str(refused))
    body = body_bytes(payload)
    default_port = 443 if target.scheme == "https" else 80
    headers = {
        "Host": target.host if target.port == default_port else f"{target.host}:{target.port}",
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        **signed_headers(secret=secret, msg_id=msg_id, body=body),
    }
    if target.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            maxsize=1,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, maxsize=1)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            timeout=_timeout(),
            preload_content=False,
            assert_same_host=False,
        )
        try:
            start = response.read(BODY_KEPT * 4, decode_content=True) or b""
        finally:
            response.release_conn()
        text = start.decode("utf-8", errors="replace")
        code = ""
        if 300 <= response.status < 400:
            code = "redirect"
        elif not 200 <= response.status < 300:
            code = "status"
        return outcome(
            response.status, text, code, response.headers.get("Location", "") if code == "redirect" else ""
        )
    except urllib3.exceptions.TimeoutError:
        return outcome(code="timeout")
    except urllib3.exceptions.HTTPError as exc:
        return outcome(code="connection", error=type(exc).__name__)
    finally:
        pool.close()
