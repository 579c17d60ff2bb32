"""A profile value as a person reads it (plain Python, no Django).

Screens and emails that show a stored value (a before/after table, a checklist line, a guard refusal)
print it through :func:`value_text` so that nobody sees ``1000000.0``, ``True``, ``None`` or an enum code:
amounts read ``100 万元``, booleans 是/否, enum values by the labels the profile editor shows
(``core/data/labels.yaml``, and a license section's choices for ``extensions.<license-id>.<key>``), an
absent value as a dash.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from licensedesk.core.labels import enum_labels, field_info, label
from licensedesk.core.provinces import province_by_code

DASH = "—"


def number_text(value: float | int | Decimal) -> str:
    """A number without a trailing ``.0`` (``70.0`` → ``70``, ``12.5`` → ``12.5``)."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def amount_text(cny: float | int | Decimal, lang: str) -> str:
    """An amount in yuan: ``100 万元`` in Chinese (10 000 yuan a unit), ``CNY 1,000,000`` in English."""
    if lang == "zh":
        return f"{number_text(Decimal(str(cny)) / 10000)} 万元"
    number = Decimal(str(cny))
    shown = f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"
    return f"CNY {shown}"


def _enum_text(enum: str, value: str, lang: str) -> str:
    if enum == "province":
        try:
            found = province_by_code(value)
        except KeyError:
            return value
        return found.name_zh if lang == "zh" else found.name_en
    try:
        entry = enum_labels(enum).get(value)
    except KeyError:
        entry = None
    return entry[lang] if entry else label(value, lang)


def value_text(path: str, value: Any, lang: str) -> str:
    """``value`` of the profile field at ``path`` (``company.registered_capital_cny``) as text in ``lang``
    ('zh' or 'en')."""
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        if lang == "zh":
            return "是" if value else "否"
        return "yes" if value else "no"
    if isinstance(value, list):
        if not value:
            return DASH
        return ("、" if lang == "zh" else ", ").join(value_text(path, item, lang) for item in value)
    if isinstance(value, dict):
        sep = "；" if lang == "zh" else "; "
        colon = "：" if lang == "zh" else ": "
        return sep.join(
            f"{field_info(f'{path}.{key}').get(lang) or key}{colon}{value_text(f'{path}.{key}', item, lang)}"
            for key, item in value.items()
        )
    if isinstance(value, int | float | Decimal):
        if path.endswith("_cny"):
            return amount_text(value, lang)
        return number_text(value)
    info = field_info(path)
    enum = info.get("enum")
    if enum and isinstance(value, str):
        return _enum_text(enum, value, lang)
    choices = info.get("choices")  # a license section's choice field (extensions.<license-id>.<key>)
    if choices and isinstance(value, str) and value in choices:
        return choices[value][lang]
    return str(value)
