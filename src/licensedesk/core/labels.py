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
    """The entry of a profile field (``company.shareholders[1].uscc`` → its ``[]`` entry), or {}."""
    return _table().get("fields", {}).get(_INDEX.sub("[]", path), {})


def field_label(path: str, lang: str) -> str:
    """The name of a profile field in ``lang``; an unknown path is shown as it is."""
    return field_info(path).get(lang) or path


def verdict_label(verdict: str, lang: str) -> str:
    return _table()["verdicts"][verdict][lang]


def status_label(status: str, lang: str) -> str:
    return _table()["statuses"][status][lang]
