"""License profile sections: loaded from the folder beside license.yaml, checked when the catalog loads,
and turned into the profile's JSON Schema for that license (``extensions.<license-id>``)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from licensedesk.core.catalog.folders import LICENSE_FILE, PROFILE_SECTION_FILE, license_folders
from licensedesk.core.catalog.loader import Catalog, CatalogError, load_catalog
from licensedesk.core.catalog.profile_schema import profile_schema, section_problems, validate_section
from licensedesk.core.eligibility import Evaluator
from licensedesk.core.profile import ProfileError, validate_profile

FIXTURES = Path(__file__).parent / "fixtures" / "licenses"
DEMO = FIXTURES / "demo-permit"
LICENSE = "demo-permit"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([DEMO / LICENSE_FILE])


def profile(**section: Any) -> dict[str, Any]:
    return {
        "schema_version": "1",
        "company": {"name": "示例公司", "paid_in_capital_cny": 2_000_000},
        "extensions": {LICENSE: section},
    }


def copy_fixture(tmp_path: Path) -> Path:
    folder = tmp_path / LICENSE
    shutil.copytree(DEMO, folder)
    return folder


def edit_section(folder: Path, change: Any) -> None:
    source = folder / PROFILE_SECTION_FILE
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    source.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


# -- loading ------------------------------------------------------------------------------------------


def test_the_section_is_loaded_beside_the_license(catalog: Catalog) -> None:
    section = catalog.section(LICENSE)
    assert section is not None
    assert [f.key for f in section.fields] == [
        "premises_ready", "premises_area_m2", "tier", "rules_adopted_on", "services", "contact_note",
    ]  # fmt: skip
    assert section.field("tier").label_of("extended", "zh") == "扩展业务"
    assert section.field("premises_area_m2").unit == "m2"


def test_a_license_without_a_section_has_none() -> None:
    shipped = load_catalog([p / LICENSE_FILE for p in license_folders() if p.name == "icp-b25"])
    assert shipped.section("icp-b25") is None


def test_every_shipped_folder_is_a_loaded_license() -> None:
    folders = license_folders()
    assert "icp-b25" in [p.name for p in folders]
    catalog = load_catalog([p / LICENSE_FILE for p in folders])
    assert sorted(lic.id for lic in catalog.licenses()) == sorted(p.name for p in folders)
    for folder in folders:
        has_section = (folder / PROFILE_SECTION_FILE).is_file()
        assert (catalog.section(folder.name) is not None) == has_section


def test_a_rule_may_not_read_a_field_its_section_does_not_declare(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    edit_section(folder, lambda d: d["fields"].pop(1))
    with pytest.raises(CatalogError) as info:
        load_catalog([folder / LICENSE_FILE])
    assert [str(p) for p in info.value.problems] == [
        "demo-permit/license.yaml: versions[0].conditions[1].let.area.var: "
        "'extensions.demo-permit.premises_area_m2' is not a field of the company profile contract"
    ]


def test_section_problems_name_file_and_path(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)

    def break_it(data: dict[str, Any]) -> None:
        data["fields"][2]["choices"] = []  # a choice without choices
        data["fields"][0]["unit"] = "m2"  # a unit on a yes/no field
        data["fields"].append({"key": "tier", "type": "text", "label": {"zh": "重复", "en": "Twice"}})

    edit_section(folder, break_it)
    with pytest.raises(CatalogError) as info:
        load_catalog([folder / LICENSE_FILE])
    assert [str(p) for p in info.value.problems] == [
        "demo-permit/profile_section.yaml: fields[0]: "
        "Value error, unit, minimum and maximum are for numbers, not a boolean field",
        "demo-permit/profile_section.yaml: fields[2]: Value error, a choice field needs choices",
    ]


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    edit_section(
        folder,
        lambda d: d["fields"].append({"key": "tier", "type": "text", "label": {"zh": "重复", "en": "Twice"}}),
    )
    with pytest.raises(CatalogError) as info:
        load_catalog([folder / LICENSE_FILE])
    assert [str(p) for p in info.value.problems] == [
        "demo-permit/profile_section.yaml: Value error, field keys must be unique: tier"
    ]


def test_a_license_must_live_in_a_folder_named_after_it(tmp_path: Path) -> None:
    folder = tmp_path / "other-name"
    shutil.copytree(DEMO, folder)
    with pytest.raises(CatalogError) as info:
        load_catalog([folder / LICENSE_FILE])
    assert [str(p) for p in info.value.problems] == [
        "other-name/license.yaml: id: license 'demo-permit' must be in a folder named 'demo-permit'"
    ]


# -- the schema of a profile for the license ---------------------------------------------------------


def test_profile_schema_closes_the_license_section(catalog: Catalog) -> None:
    schema = profile_schema(LICENSE, catalog)
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "company-profile/v1/demo-permit"
    section = schema["properties"]["extensions"]["properties"][LICENSE]
    assert section["additionalProperties"] is False
    assert section["properties"]["tier"] == {
        "title": "Business tier", "description": "业务类别", "enum": ["basic", "extended"],
    }  # fmt: skip
    assert section["properties"]["premises_area_m2"] == {
        "title": "Premises area", "description": "经营场所面积", "type": "number", "minimum": 0,
        "x-unit": "m2",
    }  # fmt: skip
    assert "paid_in_capital_cny" in schema["properties"]["company"]["properties"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert validator.is_valid(profile(tier="basic", premises_ready=True))
    assert not validator.is_valid(profile(tier="gold"))
    # another license's facts may sit beside this one's: one profile serves several licenses
    assert validator.is_valid({**profile(), "extensions": {LICENSE: {}, "other-license": {"x": 1}}})


def test_every_violation_is_named_by_its_path(catalog: Catalog) -> None:
    data = profile(
        tier="gold", premises_ready="yes", premises_area_m2=-1, rules_adopted_on="2024-13-01",
        services=["training", "training"], contact_note="", colour="red",
    )  # fmt: skip
    problems = [(p.path, p.code) for p in section_problems(data, LICENSE, catalog)]
    assert problems == [
        ("extensions.demo-permit.colour", "extra_forbidden"),
        ("extensions.demo-permit.contact_note", "section_minLength"),
        ("extensions.demo-permit.premises_area_m2", "section_minimum"),
        ("extensions.demo-permit.premises_ready", "section_type"),
        ("extensions.demo-permit.rules_adopted_on", "section_format"),
        ("extensions.demo-permit.services", "section_uniqueItems"),
        ("extensions.demo-permit.tier", "section_enum"),
    ]
    with pytest.raises(ProfileError) as info:
        validate_section(validate_profile(data), LICENSE, source="p.json", catalog=catalog)
    assert str(info.value).startswith("p.json: extensions.demo-permit.colour: Extra inputs are not permitted")
    assert (
        "extensions.demo-permit.tier: 'gold' is not one of ['basic', 'extended'] / 取值不在允许范围内"
        in str(info.value)
    )


def test_a_valid_section_is_read_by_the_rules(catalog: Catalog) -> None:
    from datetime import date

    ev = Evaluator(catalog.version_on(LICENSE, date(2026, 1, 1)), date(2026, 1, 1))
    good = validate_section(
        validate_profile(profile(premises_ready=True, premises_area_m2=20)), LICENSE, catalog=catalog
    )
    result = ev.check(good.to_contract())
    assert {c["id"]: c["status"] for c in result["conditions"]} == {
        "paid_in_capital": "met",
        "premises": "met",
    }
    short = profile(premises_ready=True, premises_area_m2=19.5)
    short["company"]["paid_in_capital_cny"] = 1_999_999
    result = ev.check(validate_profile(short).to_contract())
    assert {c["id"]: c["status"] for c in result["conditions"]} == {
        "paid_in_capital": "unmet", "premises": "unmet",
    }  # fmt: skip
    unknown = ev.check(validate_profile(profile(premises_ready=True)).to_contract())
    premises = next(c for c in unknown["conditions"] if c["id"] == "premises")
    assert premises["status"] == "unknown"
    assert premises["missing_fields"] == ["extensions.demo-permit.premises_area_m2"]
