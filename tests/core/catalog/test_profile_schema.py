"""Profiles generated from ``profile_schema(license)`` (hypothesis-jsonschema): the engine accepts each
(the result meets the check-result contract) or the validation refuses it cleanly, every problem named
by its path; never an exception from inside the engine."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator
from tests.core.catalog.test_sections import DEMO, LICENSE

from licensedesk.contracts import CHECK_RESULT_SCHEMA, load_schema
from licensedesk.core.catalog.folders import LICENSE_FILE, license_folders
from licensedesk.core.catalog.loader import default_catalog, load_catalog
from licensedesk.core.catalog.profile_schema import profile_schema, validate_section
from licensedesk.core.eligibility import Evaluator
from licensedesk.core.profile import ProfileError, validate_profile

AS_OF = date(2026, 11, 28)
#: what the pydantic models refuse beyond the schema (as in tests/core/test_contracts.py): identifiers
#: with a wrong check digit, values that contradict each other, and ``$`` matching before a final
#: newline in Python's ``re`` (``"CN\n"`` passes jsonschema's pattern check, not ECMA-262's)
CLEAN_REFUSALS = ("uscc.", "resident_id.", "mobile.", "icp_filing.", "date_after_as_of",
                  "technical_staff_above_total", "shares_above_100", "string_pattern_mismatch")  # fmt: skip
RESULT_VALIDATOR = Draft202012Validator(
    load_schema(CHECK_RESULT_SCHEMA), format_checker=Draft202012Validator.FORMAT_CHECKER
)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
CATALOG = load_catalog([DEMO / LICENSE_FILE])
SCHEMA = profile_schema(LICENSE, CATALOG)
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
EVALUATOR = Evaluator(CATALOG.version_on(LICENSE, AS_OF), AS_OF)


#: whole profiles from the license's schema, and profiles whose section is generated on its own and
#: laid into a minimal profile (so that every section field comes up often)
SECTION = from_schema(SCHEMA["properties"]["extensions"]["properties"][LICENSE])
PROFILES = st.one_of(
    from_schema(SCHEMA),
    SECTION.map(
        lambda s: {"schema_version": "1", "company": {"name": "示例公司"}, "extensions": {LICENSE: s}}
    ),
)


def accepted_or_refused(data: dict[str, Any]) -> dict[str, Any] | None:
    try:
        profile = validate_section(
            validate_profile(copy.deepcopy(data), as_of=AS_OF), LICENSE, catalog=CATALOG
        )
    except ProfileError as exc:
        assert exc.problems and all(p.path or p.code == "model_type" for p in exc.problems), exc.problems
        return None
    result = EVALUATOR.check(profile.to_contract())
    RESULT_VALIDATOR.validate(result)
    assert EVALUATOR.verdict(profile.to_contract()) == result["verdict"]
    return result


@SETTINGS
@given(data=PROFILES)
def test_schema_valid_profiles_are_checked(data: dict[str, Any]) -> None:
    assert VALIDATOR.is_valid(data)
    try:
        validate_section(validate_profile(copy.deepcopy(data), as_of=AS_OF), LICENSE, catalog=CATALOG)
    except ProfileError as exc:  # only what a schema cannot say: identifiers, contradictions
        assert all(p.code.startswith(CLEAN_REFUSALS) for p in exc.problems), exc.problems
        return
    assert accepted_or_refused(data) is not None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)
KEYS = st.sampled_from([f.key for f in CATALOG.section(LICENSE).fields] + ["unknown_key"])  # type: ignore[union-attr]


@SETTINGS
@given(section=st.dictionaries(KEYS, JSON, max_size=4))
def test_any_section_is_checked_or_refused_by_path(section: dict[str, Any]) -> None:
    data = {"schema_version": "1", "company": {"name": "示例公司"}, "extensions": {LICENSE: section}}
    schema_valid = VALIDATOR.is_valid(data)
    try:
        validate_section(validate_profile(copy.deepcopy(data), as_of=AS_OF), LICENSE, catalog=CATALOG)
    except ProfileError as exc:
        assert not schema_valid
        assert all(p.path.startswith(f"extensions.{LICENSE}.") for p in exc.problems), exc.problems
        return
    assert schema_valid
    assert accepted_or_refused(data) is not None


@pytest.mark.parametrize("folder", [p.name for p in license_folders()])
def test_each_shipped_license_schema_is_valid_json_schema(folder: str) -> None:
    catalog = load_catalog([p / LICENSE_FILE for p in license_folders() if p.name == folder])
    schema = profile_schema(folder, catalog)
    Draft202012Validator.check_schema(schema)
    section = catalog.section(folder)
    extensions = schema["properties"]["extensions"]
    if section is None:
        assert "properties" not in extensions
    else:
        assert list(extensions["properties"][folder]["properties"]) == [f.key for f in section.fields]


SHIPPED_SECTIONS = [
    p.name for p in license_folders() if (p / "profile_section.yaml").is_file()
]  # the shipped licenses with facts of their own


@pytest.mark.parametrize("license_id", SHIPPED_SECTIONS)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_each_shipped_license_checks_generated_sections_cleanly(license_id: str, data: Any) -> None:
    """Profiles whose section is generated from ``catalog schema LICENSE``: the engine of that license
    gives a result meeting the contract (its rules read the section without failing)."""
    catalog = default_catalog()
    schema = profile_schema(license_id, catalog)
    section = data.draw(from_schema(schema["properties"]["extensions"]["properties"][license_id]))
    profile = {
        "schema_version": "1",
        "company": {
            "name": "示例公司",
            "registered_capital_cny": 2_000_000,
            "paid_in_capital_cny": 2_000_000,
        },
        "extensions": {license_id: section},
    }
    assert Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(profile)
    checked = validate_section(validate_profile(profile, as_of=AS_OF), license_id, catalog=catalog)
    evaluator = Evaluator(catalog.version_on(license_id, AS_OF), AS_OF)
    result = evaluator.check(checked.to_contract())
    RESULT_VALIDATOR.validate(result)
    assert evaluator.verdict(checked.to_contract()) == result["verdict"]
