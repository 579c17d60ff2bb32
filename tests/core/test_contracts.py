"""The data contracts: the shipped schemas are ../shared/contracts plus licensedesk's own additions
(add, never break: nothing of the shared contract is changed or removed), the pydantic profile model
accepts what the profile schema accepts, and every check result meets the check-result schema."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from licensedesk.contracts import CHECK_RESULT_SCHEMA, PROFILE_SCHEMA, load_schema, profile_paths
from licensedesk.core.eligibility import evaluator_for
from licensedesk.core.profile import ProfileError, validate_profile

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "contracts"
PACKAGED = REPO / "src" / "licensedesk" / "contracts"
VALID_USCC = "91440300MA5FXK2Q18"
VALID_ID = "440305198806123517"
#: what the pydantic models refuse beyond the schema: bad identifiers and values that contradict each other
IDENTIFIER_CODES = ("uscc.", "resident_id.", "mobile.", "icp_filing.")
CONTRADICTION_CODES = ("date_after_as_of", "technical_staff_above_total", "shares_above_100")
AS_OF_DATES = [date(2017, 9, 1), date(2024, 10, 22), date(2024, 10, 23), date(2026, 11, 28)]

PROFILE_VALIDATOR = Draft202012Validator(
    load_schema(PROFILE_SCHEMA), format_checker=Draft202012Validator.FORMAT_CHECKER
)
RESULT_VALIDATOR = Draft202012Validator(
    load_schema(CHECK_RESULT_SCHEMA), format_checker=Draft202012Validator.FORMAT_CHECKER
)
EVALUATORS = {day: evaluator_for("icp-b25", day) for day in AS_OF_DATES}
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"{SHARED} is absent (CI places shared/ beside the clone of the repository)"
)


# -- the schema copies ------------------------------------------------------------------------------


#: what licensedesk adds to the shared profile contract, each where several licenses read the fact (issue 12):
#: the path of the added property in the schema
PROFILE_ADDITIONS = (("properties", "company", "properties", "paid_in_capital_cny"),)


@needs_shared
def test_every_shared_contract_is_shipped() -> None:
    # licensedesk's own contracts (the navigator's answers and result, the webhook event) come beside them
    assert {p.name for p in SHARED.glob("*.json")} <= {p.name for p in PACKAGED.glob("*.json")}


@needs_shared
def test_the_check_result_copy_equals_shared() -> None:
    shared = (SHARED / CHECK_RESULT_SCHEMA).read_text(encoding="utf-8")
    assert (PACKAGED / CHECK_RESULT_SCHEMA).read_text(encoding="utf-8") == shared
    assert load_schema(CHECK_RESULT_SCHEMA) == json.loads(shared)


@needs_shared
def test_the_profile_contract_is_shared_plus_its_additions_only() -> None:
    shipped = copy.deepcopy(load_schema(PROFILE_SCHEMA))
    for *parent, name in PROFILE_ADDITIONS:
        node = shipped
        for key in parent:
            node = node[key]
        assert name in node, f"the addition {'.'.join((*parent, name))} is gone"
        del node[name]
    assert shipped == json.loads((SHARED / PROFILE_SCHEMA).read_text(encoding="utf-8"))


def test_schemas_are_valid_draft_2020_12() -> None:
    for name in (PROFILE_SCHEMA, CHECK_RESULT_SCHEMA):
        Draft202012Validator.check_schema(load_schema(name))


def test_profile_paths() -> None:
    paths = profile_paths()
    assert {"company.registered_capital_cny", "readiness.security.website_security_measures"} <= paths
    assert "company.shareholders" in paths
    assert "company.shareholders.jurisdiction" not in paths  # objects inside arrays are not paths


# -- profiles generated from the schema -------------------------------------------------------------


def ecma_patterns(profile: dict[str, Any]) -> dict[str, Any]:
    """Python's ``re`` lets ``$`` match before a final newline, so jsonschema (and the generator) accept
    ``"CN\\n"`` for ``^[A-Z]{2}$``; JSON Schema patterns are ECMA-262, where it does not match."""
    for holder in profile.get("company", {}).get("shareholders", []):
        if "jurisdiction" in holder:
            holder["jurisdiction"] = holder["jurisdiction"].rstrip("\n")
    return profile


def with_valid_identifiers(profile: dict[str, Any]) -> dict[str, Any]:
    """Replace generated identifiers with valid ones (random text almost never has a right check digit)."""
    profile = copy.deepcopy(profile)
    company = profile["company"]
    if isinstance(company.get("uscc"), str):
        company["uscc"] = VALID_USCC
    for holder in company.get("shareholders", []):
        if "uscc" in holder:
            holder["uscc"] = VALID_USCC
    rep = company.get("legal_representative", {})
    if rep.get("id_type") == "resident_id" and "id_number" in rep:
        rep["id_number"] = VALID_ID
    if "mobile" in rep:
        rep["mobile"] = "13800138000"
    for site in profile.get("service", {}).get("websites", []):
        if isinstance(site.get("owner_uscc"), str):
            site["owner_uscc"] = VALID_USCC
        if isinstance(site.get("icp_filing_number"), str):
            site["icp_filing_number"] = "粤ICP备2021123456号-1"
    # ... and values that contradict each other with consistent ones
    if company.get("established_on", "") > date.today().isoformat():
        company["established_on"] = "2010-01-01"
    if company.get("technical_staff", 0) > company.get("staff_total", float("inf")):
        company["technical_staff"] = company["staff_total"]
    holders = company.get("shareholders", [])
    if sum(h["share_pct"] for h in holders) > 100:
        for holder in holders:
            holder["share_pct"] = 100 / len(holders) if holder is holders[0] else 0
    return profile


def merged(base: Any, patch: Any) -> Any:
    """``patch`` over ``base`` (objects merged, anything else replaced): still valid if both are."""
    if isinstance(base, dict) and isinstance(patch, dict):
        return {**base, **{k: merged(base[k], v) if k in base else v for k, v in patch.items()}}
    return patch


ELIGIBLE = json.loads((REPO / "examples" / "eligible-shenzhen.json").read_text(encoding="utf-8"))
SCHEMA_PROFILES = from_schema(load_schema(PROFILE_SCHEMA)).map(ecma_patterns)
#: Sparse generated profiles, and generated profiles laid over a complete eligible one, so that every
#: verdict and status comes up.
CHECKED_PROFILES = st.one_of(SCHEMA_PROFILES, SCHEMA_PROFILES.map(lambda p: merged(ELIGIBLE, p))).map(
    with_valid_identifiers
)


@SETTINGS
@given(data=SCHEMA_PROFILES)
def test_schema_valid_profiles_are_accepted_or_have_a_bad_identifier(data: dict[str, Any]) -> None:
    assert PROFILE_VALIDATOR.is_valid(data)
    try:
        validate_profile(copy.deepcopy(data))
    except ProfileError as exc:
        codes = [p.code for p in exc.problems]
        assert all(code.startswith(IDENTIFIER_CODES + CONTRADICTION_CODES) for code in codes), exc.problems


def expected_verdict(statuses: list[str]) -> str:
    if "unmet" in statuses:
        return "not_eligible"
    return "incomplete" if "unknown" in statuses else "eligible"


@SETTINGS
@given(data=CHECKED_PROFILES, as_of=st.sampled_from(AS_OF_DATES))
def test_check_results_meet_the_contract(data: dict[str, Any], as_of: date) -> None:
    assert PROFILE_VALIDATOR.is_valid(data)
    profile = validate_profile(data).to_contract()
    ev = EVALUATORS[as_of]
    result = ev.check(profile)
    RESULT_VALIDATOR.validate(result)
    statuses = [c["status"] for c in result["conditions"]]
    assert result["verdict"] == expected_verdict(statuses)
    assert ev.verdict(profile) == result["verdict"]
    assert result["as_of"] == as_of.isoformat()
    for cond in result["conditions"]:
        assert ("missing_fields" in cond) == (cond["status"] == "unknown")
        if cond["status"] == "unknown":
            assert cond["missing_fields"]
        # the remedy is for unmet conditions only; an unknown says what to find out instead
        assert ("find_out" in cond) == (cond["status"] == "unknown")
        assert "remedy" not in cond or cond["status"] == "unmet"
        assert "{" not in cond["reason"] and "}" not in cond["reason"]
    ids = [m["id"] for m in result["materials"]]
    assert len(ids) == len(set(ids)) == 17
    assert all("{" not in w for w in result["warnings"])


@pytest.mark.parametrize(
    "company",
    [
        {"staff_total": 3.0, "technical_staff": 1.0},  # JSON Schema: 3.0 is an integer
        {"registered_capital_cny": 1_000_000, "foreign_ownership_pct": 0},
        {"shareholders": [{"name": "甲", "share_pct": 100.0}]},
    ],
)
def test_schema_valid_numbers_are_accepted(company: dict[str, Any]) -> None:
    data = {"schema_version": "1", "company": {"name": "某某科技有限公司", **company}}
    assert PROFILE_VALIDATOR.is_valid(data)
    validate_profile(data)
