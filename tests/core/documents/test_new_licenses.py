"""The application letter (申请书) and the commission contract of the four licenses added as catalog data,
drafted through the same document machinery as the ICP license's documents."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from docx import Document
from pypdf import PdfReader
from tests.core.documents.conftest import ROOT, case_data

from licensedesk.core.catalog.folders import template_file
from licensedesk.core.documents import (
    DocumentDataMissing,
    DocumentSet,
    load_definitions,
    render_documents,
    validate_case,
)
from licensedesk.core.documents.template_check import check_template
from licensedesk.core.profile import CompanyProfile, validate_profile

NEW = ("icp-filing", "edi-b21", "labour-dispatch", "travel-agency")
EXAMPLES = ROOT / "examples"

#: What each license's two documents must say beyond the company's identity.
EXPECTED: dict[str, dict[str, list[str]]] = {
    "labour-dispatch": {
        "application_letter": [
            "劳务派遣经营许可申请书",
            "实缴资本200万元",
            "《中华人民共和国劳动合同法》第五十七条",
        ],
        "commission_contract": ["《劳务派遣经营许可证》", "叁万元整", "劳务派遣管理制度及劳务派遣协议样本"],
    },
    "travel-agency": {
        "application_letter": [
            "旅行社业务经营许可申请书",
            "注册资本30万元",
            "3个工作日内依法缴存旅游服务质量保证金",
        ],
        "commission_contract": ["《旅行社业务经营许可证》", "叁万元整", "缴存质量保证金"],
    },
    "edi-b21": {
        "application_letter": ["在线数据处理与交易处理业务", "浙江省通信管理局", "交易记录保存制度"],
        "commission_contract": ["第一类增值电信业务中的在线数据处理与交易处理业务", "浙江省通信管理局"],
    },
    "icp-filing": {
        "application_letter": ["非经营性互联网信息服务备案申请书", "四川省通信管理局", "提前30日"],
        "commission_contract": ["非经营性互联网信息服务备案", "取得备案号"],
    },
}


def example_profile(license_id: str) -> CompanyProfile:
    data = yaml.safe_load((EXAMPLES / f"{license_id}.yaml").read_text(encoding="utf-8"))
    return validate_profile(data)


def case_for(license_id: str, **changes: Any) -> Any:
    data = {**case_data(), "license": license_id, **changes}
    return validate_case(data)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture(scope="module", params=NEW)
def drafted(request: pytest.FixtureRequest) -> tuple[str, DocumentSet]:
    license_id = request.param
    return license_id, render_documents(example_profile(license_id), case_for(license_id), pdf=False)


def test_each_license_drafts_its_application_letter_and_commission_contract(
    drafted: tuple[str, DocumentSet],
) -> None:
    license_id, documents = drafted
    assert [d.id for d in documents.documents] == ["application_letter", "commission_contract"]
    assert documents.skipped == []
    assert documents.check_result["license"] == license_id
    assert documents.check_result["verdict"] == "eligible"
    company = example_profile(license_id).company
    for document in documents.documents:
        text = docx_text(document.docx)
        assert company.name in text, document.id
        assert company.legal_representative.name in text, document.id
        assert "2026年11月28日" in text or "2026年11月20日" in text, document.id
        for phrase in EXPECTED[license_id][document.id]:
            assert phrase in text, f"{license_id}/{document.id} lacks {phrase!r}"
        assert "{{" not in text and "None" not in text


def test_the_application_letter_is_the_checklist_material_it_fulfils(
    drafted: tuple[str, DocumentSet],
) -> None:
    _, documents = drafted
    letter = documents.documents[0]
    material = next(m for m in documents.check_result["materials"] if m["id"] == letter.material)
    assert material["required"] is True
    assert material["supplied_by"] in ("agency", "agency_signed")


@pytest.mark.parametrize("license_id", NEW)
@pytest.mark.parametrize("doc_id", ["application_letter", "commission_contract"])
def test_shipped_templates_pass_the_template_check(license_id: str, doc_id: str) -> None:
    path: Path = template_file(license_id, doc_id)
    check_template(path.read_bytes(), name=path.name)  # raises TemplateInvalid naming what is wrong


@pytest.mark.parametrize("license_id", NEW)
def test_every_document_declares_the_fields_its_template_prints(license_id: str) -> None:
    profile = validate_profile({"schema_version": "1", "company": {"name": "某某有限公司"}})
    bare = validate_case({"schema_version": "1", "license": license_id, "application_date": "2026-11-28"})
    with pytest.raises(DocumentDataMissing) as caught:
        render_documents(profile, bare, pdf=False)
    definitions = load_definitions(license_id)
    assert set(caught.value.missing) == {d.id for d in definitions.documents}
    for doc in definitions.documents:
        # a license fact is declared as facts.<key> and reported by its profile path
        declared = {
            f"extensions.{license_id}.{p.removeprefix('facts.')}" if p.startswith("facts.") else p
            for p in definitions.required(doc)
        }
        assert set(caught.value.missing[doc.id]) <= declared | {"company.province"}, doc.id


def test_a_labour_dispatch_letter_without_paid_in_capital_names_the_field() -> None:
    data = example_profile("labour-dispatch").to_contract()
    del data["company"]["paid_in_capital_cny"]
    with pytest.raises(DocumentDataMissing) as caught:
        render_documents(
            validate_profile(data), case_for("labour-dispatch"), only=("application_letter",), pdf=False
        )
    assert caught.value.missing == {"application_letter": ["company.paid_in_capital_cny"]}


def test_the_labour_dispatch_contract_renders_as_pdf() -> None:
    documents = render_documents(
        example_profile("labour-dispatch"), case_for("labour-dispatch"), only=("commission_contract",)
    )
    [contract] = documents.documents
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(contract.pdf)).pages)
    assert "深圳示例人力资源有限公司" in text
    assert "劳务派遣经营许可证" in text
