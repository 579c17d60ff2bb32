"""Template helpers of the portal: pick the Chinese or English half of data that carries both (catalog
texts, check results, application errors) in the language of the request."""

from __future__ import annotations

import contextlib
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import get_language

from licensedesk.core.errors import ApplicationError
from licensedesk.core.labels import field_label
from licensedesk.core.value_text import value_text

register = template.Library()

_LIST_ITEM = re.compile(r"^(.*?)\[(\d+)\]")


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
    """The name of a profile field (``company.registered_capital_cny``) in the request's language; an
    item of a list says which (``company.shareholders[1].share_pct`` → ``股东 2 · 持股比例（%）``)."""
    lang = current_lang()
    name = field_label(path, lang)
    item = _LIST_ITEM.match(path)
    if item is None:
        return name
    return f"{field_label(item.group(1), lang)} {int(item.group(2)) + 1} · {name}"


@register.filter
def profile_value(value: Any, path: str = "") -> str:
    """A profile value as short text for a before/after table: ``{{ value|profile_value:path }}``
    (amounts as 万元, booleans 是/否, enum values by their labels, absent as a dash)."""
    if isinstance(value, str) and path.endswith("_cny"):  # as a form holds it: "2000000"
        with contextlib.suppress(InvalidOperation):
            value = Decimal(value)
    return value_text(path or "", value, current_lang())
