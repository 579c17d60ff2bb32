"""OpenFisca-style rule cases: every YAML file in a license folder's ``cases/`` (``core/catalog/licenses/
<license>/cases/*.yaml``) is a list of cases.

A case is a partial profile merged onto the license's base profile, the date the rules are applied on, and
what the check result must say. The base is :data:`BASE` (a company that meets every ICP condition) with
:data:`BASE_STATUSES`, unless the license's folder has ``cases/_base.yaml`` (``{profile: …, statuses:
{condition id: status}}``): a company that meets that license's conditions. Keys of ``expect``:

``verdict``
    eligible / incomplete / not_eligible; ``Evaluator.verdict`` must agree with ``Evaluator.check``.
``conditions``
    ``{id: status}``; every condition not listed must keep its status in the base profile
    (:data:`BASE_STATUSES`), so a case also shows that nothing else moved.
``missing_fields``
    ``{id: [paths]}``, the exact list (unknown conditions not listed here must still name some path).
``materials_required`` / ``materials_not_required``
    material ids.
``because_contains``
    ``{material_id: [substrings of because]}``.
``authority``
    ``{id, name_zh}``.
``reason_contains`` / ``reason_not_contains``
    ``{condition_id: [substrings of the Chinese reason]}``.
``find_out_contains`` / ``remedy_contains``
    ``{condition_id: [substrings]}`` of the Chinese "what to find out" (unknown conditions only) and of
    the remedy (unmet conditions only); every case also checks that each appears for its status alone.
``warnings_contain`` / ``warnings_not_contain``
    substrings, each matched against the Chinese warnings.

``absent`` (beside ``profile``) lists dotted paths removed after merging: absent means "not known yet".
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from licensedesk.contracts import CHECK_RESULT_SCHEMA, load_schema
from licensedesk.core.catalog.folders import CASES_DIR, case_files, license_folder
from licensedesk.core.eligibility import evaluator_for
from licensedesk.core.profile import validate_profile

DEFAULT_AS_OF = date(2026, 11, 28)

#: A Hangzhou company (not in a foreign-equity pilot zone) that meets every condition.
BASE: dict[str, Any] = {
    "schema_version": "1",
    "company": {
        "name": "杭州示例网络科技有限公司",
        "entity_type": "limited_company",
        "registered_capital_cny": 1_000_000,
        "province": "CN-ZJ",
        "registered_address": "浙江省杭州市西湖区文三路90号",
        "shareholders": [{"name": "张三", "kind": "person", "jurisdiction": "CN", "share_pct": 100}],
        "staff_total": 5,
        "technical_staff": 2,
        "on_telecom_dishonesty_list": False,
    },
    "service": {"coverage": "provincial", "content_areas": ["none"]},
    "readiness": {
        "business_plan": True,
        "technical_solution": True,
        "premises_and_facilities": True,
        "long_term_service_capability": True,
        "security": {
            "website_security_measures": True,
            "confidentiality_management_system": True,
            "user_information_security_system": True,
        },
    },
}

BASE_STATUSES = {
    "legal_entity": "met",
    "registered_capital": "met",
    "foreign_ownership": "met",
    "funds_and_staff": "met",
    "business_plan": "met",
    "premises_and_facilities": "met",
    "long_term_service": "met",
    "pre_approval": "not_applicable",
    "security_measures": "met",
    "clean_record": "met",
}

CASE_KEYS = {"name", "as_of", "profile", "absent", "expect"}
EXPECT_KEYS = {
    "verdict",
    "find_out_contains",
    "remedy_contains",
    "conditions",
    "missing_fields",
    "materials_required",
    "materials_not_required",
    "because_contains",
    "authority",
    "reason_contains",
    "reason_not_contains",
    "warnings_contain",
    "warnings_not_contain",
}
RESULT_VALIDATOR = Draft202012Validator(
    load_schema(CHECK_RESULT_SCHEMA), format_checker=Draft202012Validator.FORMAT_CHECKER
)


def merge(base: Any, patch: Any) -> Any:
    """Deep-merge mappings; any other value (lists included) replaces the base value."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(patch)


def remove(profile: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    node = profile
    for part in parents:
        node = node[part]
    del node[last]  # a KeyError here means the case names a path the profile does not have


def base_of(license_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The license's base profile and the condition statuses it gives (see the module docstring)."""
    source = license_folder(license_id) / CASES_DIR / "_base.yaml"
    if not source.is_file():
        return BASE, BASE_STATUSES
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert set(data) == {"profile", "statuses"}, f"{source}: a base is {{profile, statuses}}"
    return data["profile"], data["statuses"]


def load_cases() -> list[Any]:
    params = []
    for file in case_files():
        license_id = file.parent.parent.name
        cases = yaml.safe_load(file.read_text(encoding="utf-8"))
        assert isinstance(cases, list), f"{file}: a case file is a list of cases"
        for case in cases:
            case_id = f"{license_id}/{file.name}:{case['name']}"
            params.append(pytest.param(license_id, case, id=case_id))
    return params


CASES = load_cases()


def test_case_files_exist_and_names_are_unique() -> None:
    ids = [p.id for p in CASES]
    assert len(ids) > 100
    assert len(ids) == len(set(ids))


def build_profile(case: dict[str, Any], base: dict[str, Any] = BASE) -> dict[str, Any]:
    data = merge(copy.deepcopy(base), case.get("profile") or {})
    for path in case.get("absent") or []:
        remove(data, path)
    return validate_profile(data).to_contract()


@pytest.mark.parametrize(("license_id", "case"), CASES)
def test_rule_case(license_id: str, case: dict[str, Any]) -> None:
    assert set(case) <= CASE_KEYS, f"unknown case keys {set(case) - CASE_KEYS}"
    expect = case["expect"]
    assert set(expect) <= EXPECT_KEYS, f"unknown expect keys {set(expect) - EXPECT_KEYS}"
    as_of = case.get("as_of", DEFAULT_AS_OF)
    base, base_statuses = base_of(license_id)
    profile = build_profile(case, base)
    ev = evaluator_for(license_id, as_of)
    result = ev.check(profile)

    errors = [f"schema: {e.message}" for e in RESULT_VALIDATOR.iter_errors(result)]
    conditions = {c["id"]: c for c in result["conditions"]}
    materials = {m["id"]: m for m in result["materials"]}

    def check(ok: bool, message: str) -> None:
        if not ok:
            errors.append(message)

    fast = ev.verdict(profile)
    check(fast == result["verdict"], f"verdict() says {fast}, check() says {result['verdict']}")
    if "verdict" in expect:
        check(
            result["verdict"] == expect["verdict"], f"verdict {result['verdict']!r} != {expect['verdict']!r}"
        )

    wanted = {**base_statuses, **(expect.get("conditions") or {})}
    assert set(wanted) == set(conditions), "the case names a condition the license does not have"
    for cid, status in wanted.items():
        got = conditions[cid]["status"]
        check(got == status, f"{cid}: status {got!r} != {status!r} ({conditions[cid]['reason']})")

    missing = expect.get("missing_fields") or {}
    for cid, cond in conditions.items():
        if cid in missing:
            check(
                cond.get("missing_fields") == missing[cid],
                f"{cid}: missing_fields {cond.get('missing_fields')!r} != {missing[cid]!r}",
            )
        if cond["status"] == "unknown":
            check(bool(cond.get("missing_fields")), f"{cid}: unknown without missing_fields")
            check(bool(cond.get("find_out")), f"{cid}: unknown without what to find out")
        else:
            check("find_out" not in cond, f"{cid}: {cond['status']} but says what to find out")
        if cond["status"] != "unmet":
            check(
                "remedy" not in cond, f"{cid}: {cond['status']} but gives the remedy {cond.get('remedy')!r}"
            )
        if cond["status"] != "unknown":
            check("missing_fields" not in cond, f"{cid}: {cond['status']} but names missing_fields")

    for mid in expect.get("materials_required") or []:
        check(materials[mid]["required"] is True, f"material {mid} should be required")
    for mid in expect.get("materials_not_required") or []:
        check(materials[mid]["required"] is False, f"material {mid} should not be required")
    for mid, parts in (expect.get("because_contains") or {}).items():
        for part in parts:
            because = materials[mid].get("because", "")
            check(part in because, f"material {mid}: because {because!r} lacks {part!r}")

    if "authority" in expect:
        got_authority = {k: result["authority"][k] for k in expect["authority"]}
        check(got_authority == expect["authority"], f"authority {got_authority!r} != {expect['authority']!r}")

    for cid, parts in (expect.get("reason_contains") or {}).items():
        for part in parts:
            check(
                part in conditions[cid]["reason"],
                f"{cid}: reason {conditions[cid]['reason']!r} lacks {part!r}",
            )
    for key in ("find_out", "remedy"):
        for cid, parts in (expect.get(f"{key}_contains") or {}).items():
            for part in parts:
                got = conditions[cid].get(key, "")
                check(part in got, f"{cid}: {key} {got!r} lacks {part!r}")
    for cid, parts in (expect.get("reason_not_contains") or {}).items():
        for part in parts:
            check(
                part not in conditions[cid]["reason"],
                f"{cid}: reason {conditions[cid]['reason']!r} should not say {part!r}",
            )

    warnings = result.get("warnings", [])
    for part in expect.get("warnings_contain") or []:
        check(any(part in w for w in warnings), f"no warning contains {part!r}: {warnings!r}")
    for part in expect.get("warnings_not_contain") or []:
        check(not any(part in w for w in warnings), f"a warning contains {part!r}: {warnings!r}")

    assert not errors, "\n".join(errors)
