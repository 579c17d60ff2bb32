"""The 31 mainland provincial-level units and the characters that stand for them in Chinese numbers.

Province data lives in ``core/data/provinces.yaml`` (domain-facts §1.9, GB/T 2260, ISO 3166-2) rather
than in code, because several of the characters are unverified ([U]) and must be correctable without
touching logic. The file is read once per process; every lookup is a dictionary hit afterwards.

Pure Python on purpose: the identifier validators and the eligibility engine use it outside Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Any

import yaml

_DATA_PACKAGE = "licensedesk.core"
_DATA_FILE = ("data", "provinces.yaml")
_CERTAINTY_MARKS = frozenset({"L", "S", "W", "U"})


@dataclass(frozen=True, slots=True)
class Province:
    """One provincial-level unit; `certainty` and `source` say how far its characters can be trusted."""

    code: str
    gb2260: str
    name_zh: str
    short_zh: str
    name_en: str
    abbr: str
    filing_char: str
    license_prefixes: tuple[str, ...]
    certainty: str
    source: str


def _read_raw() -> list[dict[str, Any]]:
    """Read the YAML via importlib.resources so it also works from a wheel or zip, not only a checkout."""
    resource = files(_DATA_PACKAGE)
    for part in _DATA_FILE:
        resource = resource / part
    document = yaml.safe_load(resource.read_text(encoding="utf-8"))
    return list(document["provinces"])


def _build(entry: dict[str, Any]) -> Province:
    """Turn one YAML mapping into a Province, failing loudly on a malformed entry (a data bug)."""
    province = Province(
        code=str(entry["code"]),
        gb2260=str(entry["gb2260"]),
        name_zh=str(entry["name_zh"]),
        short_zh=str(entry["short_zh"]),
        name_en=str(entry["name_en"]),
        abbr=str(entry["abbr"]),
        filing_char=str(entry["filing_char"]),
        license_prefixes=tuple(str(ch) for ch in entry["license_prefixes"]),
        certainty=str(entry["certainty"]),
        source=str(entry["source"]),
    )
    _check_entry(province)
    return province


def _check_entry(p: Province) -> None:
    """Guard the invariants the parsers rely on (single characters, two-digit codes, known marks)."""
    problems = []
    if not (len(p.gb2260) == 2 and p.gb2260.isascii() and p.gb2260.isdigit()):
        problems.append(f"gb2260 {p.gb2260!r} is not two digits")
    if len(p.abbr) != 1 or len(p.filing_char) != 1:
        problems.append("abbr and filing_char must be single characters")
    if not p.license_prefixes or any(len(ch) != 1 for ch in p.license_prefixes):
        problems.append("license_prefixes must be a non-empty list of single characters")
    if p.certainty not in _CERTAINTY_MARKS:
        problems.append(f"certainty {p.certainty!r} is not one of {sorted(_CERTAINTY_MARKS)}")
    if problems:
        raise ValueError(f"provinces.yaml entry {p.code}: " + "; ".join(problems))


def _index(provinces: tuple[Province, ...], key: str) -> MappingProxyType[str, Province]:
    """Index by one attribute; a duplicate would make lookups ambiguous, so it is a data error."""
    table: dict[str, Province] = {}
    for province in provinces:
        values = getattr(province, key)
        for value in values if isinstance(values, tuple) else (values,):
            if value in table:
                raise ValueError(
                    f"provinces.yaml: {key} {value!r} used by {table[value].code} and {province.code}"
                )
            table[value] = province
    return MappingProxyType(table)


@cache
def all_provinces() -> tuple[Province, ...]:
    """All 31 units in the file's order (GB/T 2260 order), loaded once per process."""
    return tuple(_build(entry) for entry in _read_raw())


@cache
def _indexes() -> dict[str, MappingProxyType[str, Province]]:
    provinces = all_provinces()
    keys = ("code", "gb2260", "filing_char", "license_prefixes")
    return {key: _index(provinces, key) for key in keys}


def province_by_code(code: str) -> Province:
    """ISO 3166-2 code (e.g. 'CN-GD') → Province; unknown codes raise KeyError(code) like a mapping."""
    try:
        return _indexes()["code"][code]
    except (KeyError, TypeError):
        raise KeyError(code) from None


def province_by_gb2260(two_digits: str) -> Province | None:
    """'44' → Guangdong; None for anything else (incl. 71/81/82/83, which are not mainland provinces)."""
    return _lookup("gb2260", two_digits)


def province_by_filing_char(ch: str) -> Province | None:
    """Character in front of 'ICP备' (e.g. '蜀') → Province, or None if no province uses it."""
    return _lookup("filing_char", ch)


def province_by_license_prefix(ch: str) -> Province | None:
    """Character in front of 'B2-' (e.g. '川'; Gansu accepts '甘' and '陇') → Province, or None."""
    return _lookup("license_prefixes", ch)


def _lookup(index: str, key: str) -> Province | None:
    """Shared None-returning lookup; non-string keys are simply not found instead of crashing."""
    if not isinstance(key, str):
        return None
    return _indexes()[index].get(key)
