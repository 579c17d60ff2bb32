"""Explanation templates: sentences in the catalog that name the figures a rule looked at.

Templates use ``str.format`` placeholders restricted to plain names (``{capital}``, ``{minimum:wan}``):
no attribute access, indexing or conversions, so a catalog file cannot reach into Python objects. Every
placeholder is checked against the names a rule binds when the catalog loads, not when a client first
hits the sentence.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from licensedesk.core.rules.compiler import Unknown

FORMAT_SPECS = frozenset({"", "wan", "pct", "list"})
_FORMATTER = string.Formatter()


def placeholder_problems(text: str, known: Iterable[str]) -> list[str]:
    """Return what is wrong with a template's placeholders (empty when it is sound)."""
    known = set(known)
    problems = []
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        return [f"malformed template: {exc}"]
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier():
            problems.append(f"placeholder {{{field}}} must be a plain name")
        elif field not in known:
            problems.append(
                f"placeholder {{{field}}} is not bound by the rule; known: {', '.join(sorted(known))}"
            )
        if conversion:
            problems.append(f"placeholder {{{field}}} must not use a conversion (!{conversion})")
        if spec not in FORMAT_SPECS:
            problems.append(f"placeholder {{{field}:{spec}}} uses an unknown format; known: wan, pct, list")
    return problems


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in _FORMATTER.parse(text) if field}


def _plain(value: float, decimals: int) -> str:
    """Thousands separators, up to ``decimals`` decimals, no trailing zeros: exact figures, no rounding
    that would hide a shortfall (999,999 must not read as 100 万元)."""
    return f"{value:,.{decimals}f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def _number(value: float, lang: str, spec: str) -> str:
    if spec == "wan":
        return f"{_plain(value / 10_000, 4)} 万元" if lang == "zh" else f"CNY {_plain(value, 2)}"
    if spec == "pct":
        return f"{value:.10g}%"
    return f"{int(value):,}" if value == int(value) else f"{value:,.2f}"


class _Shown:
    """A value ready for a template placeholder, in one language."""

    __slots__ = ("label", "lang", "value")

    def __init__(self, value: Any, lang: str, label: Callable[[Any, str], str]) -> None:
        self.value, self.lang, self.label = value, lang, label

    def __format__(self, spec: str) -> str:
        value = self.value
        if value.__class__ is Unknown:
            return "?" if self.lang == "en" else "未知"
        if isinstance(value, bool):
            return ("是" if value else "否") if self.lang == "zh" else ("yes" if value else "no")
        if isinstance(value, int | float):
            return _number(value, self.lang, spec)
        if isinstance(value, list | tuple):
            sep = "、" if self.lang == "zh" else ", "
            return sep.join(self.label(v, self.lang) for v in value) or (
                "无" if self.lang == "zh" else "none"
            )
        if value is None:
            return "无" if self.lang == "zh" else "none"
        return self.label(value, self.lang)


def render(text: str, bindings: Mapping[str, Any], lang: str, label: Callable[[Any, str], str]) -> str:
    """Fill a validated template with the values a rule bound, formatted for ``lang``."""
    return Template(text, lang).render(bindings, label)


class Template:
    """A template parsed once: most sentences name nothing and are returned as they are."""

    __slots__ = ("fields", "lang", "text")

    def __init__(self, text: str, lang: str) -> None:
        self.text = text
        self.lang = lang
        self.fields = tuple(sorted(placeholders(text)))

    def render(self, bindings: Mapping[str, Any], label: Callable[[Any, str], str]) -> str:
        if not self.fields:
            return self.text
        lang = self.lang
        return self.text.format_map({name: _Shown(bindings[name], lang, label) for name in self.fields})
