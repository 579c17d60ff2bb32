"""The webhooks app's error codes, declared once."""

from __future__ import annotations

from licensedesk.core.errors import InvalidInput, NotFound

SUBSCRIPTION_NOT_FOUND = "webhooks.subscription_not_found"
DELIVERY_NOT_FOUND = "webhooks.delivery_not_found"
URL_INVALID = "webhooks.url_invalid"
URL_REFUSED = "webhooks.url_refused"
EVENTS_EMPTY = "webhooks.events_empty"
EVENT_UNKNOWN = "webhooks.event_unknown"


def subscription_not_found(subscription_id: int) -> NotFound:
    return NotFound(
        f"No webhook subscription {subscription_id} of your agency.",
        code=SUBSCRIPTION_NOT_FOUND,
        message_zh="没有这个网络钩子订阅。",
        details={"subscription": subscription_id},
    )


def delivery_not_found(delivery_id: int) -> NotFound:
    return NotFound(
        f"No webhook delivery {delivery_id} of your agency.",
        code=DELIVERY_NOT_FOUND,
        message_zh="没有这次投递记录。",
        details={"delivery": delivery_id},
    )


def url_invalid(url: str) -> InvalidInput:
    return InvalidInput(
        "Enter the full address of your endpoint, starting with https:// or http://.",
        code=URL_INVALID,
        message_zh="请填写接收地址的完整网址，以 https:// 或 http:// 开头。",
        details={"field": "url", "url": url[:200]},
    )


def url_refused(url: str, why: str) -> InvalidInput:
    return InvalidInput(
        f"Events are not sent to {why}: enter an address on the public internet.",
        code=URL_REFUSED,
        message_zh="不向本机或内网地址发送事件，请填写公网上的接收地址。",
        details={"field": "url", "url": url[:200], "why": why},
    )


def events_empty() -> InvalidInput:
    return InvalidInput(
        "Choose at least one event.",
        code=EVENTS_EMPTY,
        message_zh="请至少选择一种事件。",
        details={"field": "event_types"},
    )


def event_unknown(event_type: str) -> InvalidInput:
    return InvalidInput(
        f"Unknown event {event_type!r}.",
        code=EVENT_UNKNOWN,
        message_zh="未知的事件类型。",
        details={"field": "event_types", "event_type": event_type},
    )
