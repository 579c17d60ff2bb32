"""What the webhooks pages show in words: event names, a delivery's state, why an attempt failed."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from licensedesk.web.webhooks.events import event_label
from licensedesk.web.webhooks.models import DeliveryStatus
from licensedesk.web.webhooks.sender import ERROR_TEXTS


def event_names(event_types: list[str], lang: str) -> list[str]:
    return [event_label(t, lang) for t in event_types]


def delivery_status(delivery: Any, lang: str, *, active: bool = True) -> str:
    """The delivery's state for people; ``active``: whether its subscription is enabled."""
    zh = lang != "en"
    if delivery.status == DeliveryStatus.SUCCEEDED:
        return "已送达" if zh else "Delivered"
    if delivery.status == DeliveryStatus.FAILED:
        return "投递失败（重试已用完）" if zh else "Failed (retries used up)"
    if not active:
        return "等待（订阅已停用）" if zh else "Waiting (webhook disabled)"
    if delivery.attempts == 0 or delivery.next_attempt_at is None:
        return "等待发送" if zh else "Waiting to be sent"
    when = timezone.localtime(delivery.next_attempt_at).strftime("%Y-%m-%d %H:%M:%S")
    return f"将于 {when} 重试" if zh else f"Retrying at {when}"


def attempt_error(attempt: Any, lang: str) -> str:
    texts = ERROR_TEXTS.get(attempt.error_code)
    if texts is None:
        return ""
    text = texts[1] if lang == "en" else texts[0]
    if attempt.error_code == "redirect" and attempt.error:
        return f"{text}（{attempt.error}）" if lang != "en" else f"{text} ({attempt.error})"
    return text
