"""Template helpers of the portal: pick the Chinese or English half of data that carries both (catalog
texts, check results, application errors) in the language of the request."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from licensedesk.core.errors import ApplicationError
from licensedesk.core.labels import field_label

register = template.Library()


def current_lang() -> str:
    """'zh' or 'en': the half of bilingual data to show in the active language."""
    return "zh" if (get_language() or "zh-hans").lower().startswith("zh") else "en"


@register.filter
def tr(obj: Any, name: str) -> str:
    """``{{ step|tr:"title" }}``: ``title_zh`` or ``title_en`` of an object or a dict, by language."""
    key = f"{name}_{current_lang()}"
    if isinstance(obj, dict):
        return obj.get(key) or obj.get(f"{name}_zh") or ""
    return getattr(obj, key, "") or getattr(obj, f"{name}_zh", "")


@register.filter
def error_text(error: ApplicationError) -> str:
    """An application error's message in the request's language."""
    return error.message_zh if current_lang() == "zh" else error.message


@register.filter
def profile_field(path: str) -> str:
    """The name of a profile field (``company.registered_capital_cny``) in the request's language."""
    return field_label(path, current_lang())


@register.filter
def profile_value(value: Any) -> str:
    """A profile value as short text for a before/after table (absent shows as a dash)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if current_lang() == "zh" else ("yes" if value else "no")
    if isinstance(value, list):
        return "、".join(profile_value(v) for v in value) if value else "[]"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {profile_value(v)}" for k, v in value.items())
    return str(value)
