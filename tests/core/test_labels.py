"""Labels: every field of the company-profile contract has a Chinese and an English name."""

from __future__ import annotations

from typing import Any

from licensedesk.contracts import PROFILE_SCHEMA, load_schema
from licensedesk.core.labels import _table, enum_labels, field_info, field_label


def _paths(schema: dict[str, Any], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for key, sub in schema.get("properties", {}).items():
        path = f"{prefix}{key}"
        paths.add(path)
        if sub.get("type") == "object":
            paths |= _paths(sub, path + ".")
        elif sub.get("type") == "array" and sub["items"].get("type") == "object":
            paths |= _paths(sub["items"], path + "[].")
    return paths


def test_every_contract_field_has_a_label_and_no_label_names_a_missing_field() -> None:
    contract = _paths(load_schema(PROFILE_SCHEMA)) - {"schema_version"}
    assert set(_table()["fields"]) == contract
    for path in contract:
        info = field_info(path)
        assert info["zh"] and info["en"], path
        for key in ("hint", "null_means"):
            if key in info:
                assert info[key]["zh"] and info[key]["en"], (path, key)


def test_enum_tables_named_by_fields_exist() -> None:
    schema_enums = {"province"} | set(_table()["enums"])
    named = {info["enum"] for info in _table()["fields"].values() if "enum" in info}
    assert named <= schema_enums
    assert "limited_company" in enum_labels(field_info("company.entity_type")["enum"])


def test_field_label_finds_list_items_by_any_index() -> None:
    assert field_label("company.shareholders[3].uscc", "zh") == "统一社会信用代码"
    assert field_label("company.registered_capital_cny", "en") == "Registered capital (CNY)"
    assert field_label("company.no_such_field", "zh") == "company.no_such_field"


def test_fields_with_a_null_meaning_are_the_nullable_ones() -> None:
    def nullable(schema: dict[str, Any], prefix: str = "") -> set[str]:
        found: set[str] = set()
        for key, sub in schema.get("properties", {}).items():
            path = f"{prefix}{key}"
            if isinstance(sub.get("type"), list) and "null" in sub["type"]:
                found.add(path)
            if sub.get("type") == "object":
                found |= nullable(sub, path + ".")
            elif sub.get("type") == "array" and sub["items"].get("type") == "object":
                found |= nullable(sub["items"], path + "[].")
        return found

    with_meaning = {path for path, info in _table()["fields"].items() if "null_means" in info}
    assert with_meaning == nullable(load_schema(PROFILE_SCHEMA))
