"""Chinese and English labels for contract values, profile fields and rule words (``data/labels.yaml``)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def _table() -> dict[str, Any]:
    text = resources.files("licensedesk.core").joinpath("data/labels.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def _flat() -> dict[str, dict[str, str]]:
    """Every enum value and term in one lookup; the table is kept free of clashing meanings by a test."""
    table = _table()
    flat: dict[str, dict[str, str]] = {}
    for values in table["enums"].values():
        flat.update(values)
    flat.update(table["terms"])
    return flat


def enum_labels(enum: str) -> dict[str, dict[str, str]]:
    """Labels of one contract enum (``entity_type``, ``content_area`` …), for forms and reports."""
    return _table()["enums"][enum]


def label(value: Any, lang: str) -> str:
    """The label of a contract value or rule word in ``lang`` ('zh' or 'en'); other values as text."""
    entry = _flat().get(value) if isinstance(value, str) else None
    return entry[lang] if entry else str(value)


_INDEX = re.compile(r"\[\d+\]")


def field_info(path: str) -> dict[str, Any]:
    """The entry of a profile field (``company.shareholders[1].uscc`` → its ``[]`` entry), or {}. A
    license's own facts (``extensions.<license-id>.<key>``) are described by its catalog section."""
    if path == "extensions" or path.startswith("extensions."):
        return _extension_info(path)
    return _table().get("fields", {}).get(_INDEX.sub("[]", path), {})


def field_label(path: str, lang: str) -> str:
    """The name of a profile field in ``lang``; an unknown path is shown as it is."""
    return field_info(path).get(lang) or path


#: how a section field's unit is written after its help (``CNY`` → 元)
UNIT_LABELS = {
    "CNY": {"zh": "元", "en": "CNY"},
    "m2": {"zh": "平方米", "en": "m²"},
    "years": {"zh": "年", "en": "years"},
    "months": {"zh": "个月", "en": "months"},
    "days": {"zh": "日", "en": "days"},
    "working_days": {"zh": "个工作日", "en": "working days"},
    "persons": {"zh": "人", "en": "persons"},
    "percent": {"zh": "%", "en": "%"},
}


def unit_label(unit: str, lang: str) -> str:
    return UNIT_LABELS.get(unit, {}).get(lang, unit)


def _extension_info(path: str) -> dict[str, Any]:
    from licensedesk.core.catalog.loader import CatalogError, LookupProblem, default_catalog

    parts = path.split(".")
    if len(parts) == 1:
        return _table().get("fields", {}).get("extensions", {})
    try:
        section = default_catalog().section(parts[1])
    except (CatalogError, LookupProblem):
        return {}
    if section is None or len(parts) > 3:
        return {}
    if len(parts) == 2:
        info: dict[str, Any] = {"zh": section.title.zh, "en": section.title.en}
        if section.help:
            info["hint"] = {"zh": section.help.zh, "en": section.help.en}
        return info
    if parts[2] not in {f.key for f in section.fields}:
        return {}
    spec = section.field(parts[2])
    info = {"zh": spec.label.zh, "en": spec.label.en}
    if spec.choices:  # how a stored value reads (core/value_text.py), as the form offers it
        info["choices"] = {c.value: {"zh": c.label.zh, "en": c.label.en} for c in spec.choices}
    hint = {lang: getattr(spec.help, lang) if spec.help else "" for lang in ("zh", "en")}
    if spec.unit:
        hint = {
            lang: f"{text}（单位：{unit_label(spec.unit, lang)}）"
            if lang == "zh"
            else f"{text} (unit: {unit_label(spec.unit, lang)})".lstrip()
            for lang, text in hint.items()
        }
    if any(hint.values()):
        info["hint"] = hint
    return info


def verdict_label(verdict: str, lang: str) -> str:
    return _table()["verdicts"][verdict][lang]


def status_label(status: str, lang: str) -> str:
    return _table()["statuses"][status][lang]
