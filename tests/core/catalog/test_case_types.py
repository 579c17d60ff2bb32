"""Case types (issue 11): the annual report, a change filing and the renewal are cases of a license
already held, declared per rule version with their own stages, materials and documents; the loader
checks them as it checks the application's workflow, and the stage machine runs them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from licensedesk.core.catalog.loader import CatalogError, default_catalog, load_catalog
from licensedesk.core.documents.definitions import load_definitions
from licensedesk.core.errors import WorkflowError
from licensedesk.core.workflow import APPLICATION, StageMachine, machine_for

SHIPPED = Path(__file__).resolve().parents[3] / "src/licensedesk/core/catalog/licenses/icp-b25/license.yaml"
VERSION = "2017-09-01"


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def _problems(tmp_path: Path, data: dict[str, Any]) -> list[tuple[str, str]]:
    folder = tmp_path / "icp-b25"
    folder.mkdir()
    path = folder / "license.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog([path])
    return [(p.path, p.message) for p in info.value.problems]


def _case_type(data: dict[str, Any], type_id: str) -> dict[str, Any]:
    return next(t for t in data["versions"][0]["case_types"] if t["id"] == type_id)


@pytest.mark.parametrize("license_id", ["icp-b25", "edi-b21"])
def test_the_telecom_licenses_declare_the_three_duty_case_types(license_id: str) -> None:
    version = default_catalog().license(license_id).versions[-1]
    assert [(t.id, t.duty) for t in version.case_types] == [
        ("annual_report", "annual_report"),
        ("change", "change_filing"),
        ("renewal", "renewal"),
    ]
    for case_type in version.case_types:
        assert case_type.workflow.granted_at, case_type.id
        assert case_type.materials, case_type.id
        assert "eligibility" not in case_type.panels  # no eligibility check for a license already held
    # the annual report is filed online in the first quarter: no documents to draft
    annual = version.case_type("annual_report")
    assert annual.documents == () and "documents" not in annual.panels
    assert version.case_type(APPLICATION) is None


@pytest.mark.parametrize("license_id", ["icp-b25", "edi-b21"])
def test_every_document_a_case_type_drafts_is_defined_for_the_license(license_id: str) -> None:
    defined = {d.id for d in load_definitions(license_id).documents}
    for case_type in default_catalog().license(license_id).versions[-1].case_types:
        assert set(case_type.documents) <= defined, case_type.id


def test_the_application_workflows_say_where_they_are_granted() -> None:
    granted = {lic.id: lic.versions[-1].workflow.granted_at for lic in default_catalog().licenses()}
    assert granted["icp-b25"] == ("approved", "licensed")
    assert granted["icp-filing"] == ("filed",)  # an ICP filing ends filed, not licensed
    assert granted["travel-agency"] == ("licensed",)


def test_an_annual_report_case_runs_its_own_stages() -> None:
    machine = machine_for("icp-b25", VERSION, "annual_report")
    assert machine.initial == "preparing_report"
    assert [m.to for m in machine.moves_from("preparing_report")] == ["client_confirming", "withdrawn"]
    filing = machine.move("client_confirming", "report_submitted")
    assert filing.guards == ("materials_accepted",) and filing.records.event == "annual_report_filed"
    assert filing.terminal and machine.is_granted("report_submitted")
    assert not machine.is_granted("withdrawn")
    with pytest.raises(WorkflowError) as info:
        machine.move("preparing_report", "report_submitted")
    assert info.value.code == "workflow.transition_not_allowed"
    # the application's stages are not the annual report's
    with pytest.raises(WorkflowError) as info:
        machine.stage("qualification_review")
    assert info.value.code == "workflow.unknown_stage"


def test_the_renewal_and_change_cases_end_at_their_own_stages() -> None:
    renewal = machine_for("icp-b25", VERSION, "renewal")
    assert renewal.workflow.granted_at == ("renewed",)
    assert [m.to for m in renewal.moves_from("renewal_submitted")] == [
        "renewed",
        "renewal_refused",
        "withdrawn",
    ]
    change = machine_for("icp-b25", VERSION, "change")
    assert change.is_granted("change_approved") and not change.is_granted("change_refused")
    # the application machine is unchanged and still the default
    assert machine_for("icp-b25", VERSION).initial == "qualification_review"
    assert machine_for("icp-b25", VERSION).is_granted("licensed")


def test_an_undeclared_case_type_is_refused_naming_the_known_ones() -> None:
    version = default_catalog().version("icp-filing", default_catalog().license("icp-filing").versions[-1].id)
    with pytest.raises(WorkflowError) as info:
        StageMachine.for_version(version.version, "renewal")
    assert info.value.code == "workflow.unknown_case_type"
    assert info.value.details["case_types"] == ["application"]


def test_a_broken_case_type_is_reported_with_every_problem(tmp_path: Path, shipped: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped)
    annual = _case_type(data, "annual_report")
    annual["workflow"]["granted_at"] = ["reported"]
    annual["workflow"]["transitions"][0]["to"] = "nowhere"
    annual["panels"] = ["materials", "materials"]
    renewal = _case_type(data, "renewal")
    renewal["materials"][0]["id"] = renewal["materials"][1]["id"]
    data["versions"][0]["case_types"].append(copy.deepcopy(annual) | {"workflow": annual["workflow"]})
    del data["versions"][0]["renewal"]
    found = _problems(tmp_path, data)
    at = "versions[0].case_types"
    assert (f"{at}[0].workflow.granted_at[0]", "unknown stage 'reported'") in found
    assert (f"{at}[0].workflow.transitions[0].to", "unknown stage 'nowhere'") in found
    assert (f"{at}[0].panels", "panel 'materials' is listed twice") in found
    assert (f"{at}[2].duty", "duty 'renewal' needs renewal in the rule version") in found
    assert (f"{at}[2].materials", "duplicate id 'commitment_letter'") in found
    assert (f"{at}[3].id", "case type 'annual_report' is declared twice") in found


def test_a_case_type_needs_the_stage_where_its_duty_is_done(tmp_path: Path, shipped: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped)
    del _case_type(data, "change")["workflow"]["granted_at"]
    assert _problems(tmp_path, data) == [
        ("versions[0].case_types[1].workflow.granted_at", "name the stage(s) at which the duty is done")
    ]


def test_a_case_type_asks_for_all_its_materials(tmp_path: Path, shipped: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped)
    _case_type(data, "renewal")["materials"][0]["required_when"] = {"var": "company.name"}
    [(path, message)] = _problems(tmp_path, data)
    assert path == "versions[0].case_types[2].materials"
    assert "drop required_when from renewal_application_form" in message


def test_a_granted_number_must_be_a_field_of_its_event(tmp_path: Path, shipped: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped)
    moves = data["versions"][0]["workflow"]["transitions"]
    index, move = next((i, m) for i, m in enumerate(moves) if m.get("to") == "approved")
    move["records"]["grants_number"] = "license_number"
    assert _problems(tmp_path, data) == [
        (
            f"versions[0].workflow.transitions[{index}].records.grants_number",
            "'license_number' is not a field of this event",
        )
    ]


def test_the_icp_filing_grants_its_filing_number() -> None:
    version = default_catalog().license("icp-filing").versions[-1]
    machine = StageMachine.for_version(version)
    assert machine.move("with_authority", "filed").records.grants_number == "filing_number"
    assert version.validity is None  # no fixed term: no expiry, no renewal
