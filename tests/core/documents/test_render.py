"""Drafted documents: the fields are there in both formats, the typography is Chinese, the fonts are
embedded, the bytes are reproducible and missing data is named."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader
from tests.core.documents.conftest import ROOT, case_data, profile_data, without

from licensedesk.core.documents import (
    CaseData,
    DocumentDataMissing,
    DocumentSet,
    RenderedDocument,
    load_definitions,
    render_documents,
    validate_case,
)
from licensedesk.core.documents.pdf import CANNOT_END_LINE, CANNOT_START_LINE
from licensedesk.core.profile import CompanyProfile, validate_profile

ALL_IDS = [d.id for d in load_definitions("icp-b25").documents]
COMPANY, USCC, LEGAL_REP, DATE = (
    "深圳市云帆信息科技有限公司",
    "91440300MA5FXK2Q18",
    "陈志远",
    "2026年11月28日",
)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def by_id(documents: DocumentSet, doc_id: str) -> RenderedDocument:
    return next(d for d in documents.documents if d.id == doc_id)


def test_the_example_case_gets_every_icp_document_in_checklist_order(document_set: DocumentSet) -> None:
    assert [d.id for d in document_set.documents] == [
        "application_letter",
        "company_profile",
        "business_plan_and_technical_solution",
        "security_measures",
        "guarantee_letter",
        "application_form",
        "security_responsibility_letter",
        "long_term_service_measures",
        "lawful_operation_commitment",
        "commission_contract",
    ]
    assert sorted(d.id for d in document_set.documents) == sorted(ALL_IDS)
    assert document_set.skipped == []


@pytest.mark.parametrize("doc_id", ALL_IDS)
def test_pdf_names_company_uscc_legal_representative_and_chinese_date(
    document_set: DocumentSet, doc_id: str
) -> None:
    text = pdf_text(by_id(document_set, doc_id).pdf)
    assert COMPANY in text
    assert USCC in text
    assert LEGAL_REP in text
    expected_date = "2026年11月20日" if doc_id == "commission_contract" else DATE
    assert expected_date in text
    assert "2026-11-28" not in text


@pytest.mark.parametrize("doc_id", ALL_IDS)
def test_docx_opens_and_holds_the_same_fields(document_set: DocumentSet, doc_id: str) -> None:
    text = docx_text(by_id(document_set, doc_id).docx)
    for value in (COMPANY, USCC, LEGAL_REP):
        assert value in text
    assert ("2026年11月20日" if doc_id == "commission_contract" else DATE) in text
    assert "{{" not in text and "{%" not in text


@pytest.mark.parametrize("doc_id", ALL_IDS)
def test_pdf_pages_are_numbered_and_no_line_starts_with_closing_punctuation(
    document_set: DocumentSet, doc_id: str
) -> None:
    reader = PdfReader(io.BytesIO(by_id(document_set, doc_id).pdf))
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"第 {number} 页 共 {total} 页" in text
        for line in filter(None, text.split("\n")):
            assert line[0] not in CANNOT_START_LINE, line
            assert line[-1] not in CANNOT_END_LINE, line


def _embedded_fonts(data: bytes) -> list[tuple[str, bool]]:
    fonts = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.append((str(font["/BaseFont"]), embedded))
    return fonts


@pytest.mark.parametrize("doc_id", ALL_IDS)
def test_every_pdf_font_is_embedded(document_set: DocumentSet, doc_id: str) -> None:
    fonts = _embedded_fonts(by_id(document_set, doc_id).pdf)
    assert fonts
    assert all(embedded for _, embedded in fonts), fonts
    assert all("WenQuanYiZenHei" in name for name, _ in fonts), fonts


@pytest.mark.skipif(
    shutil.which("pdffonts") is None, reason="pdffonts missing: apt-get install -y poppler-utils"
)
def test_pdffonts_reports_every_font_embedded(document_set: DocumentSet, tmp_path: Path) -> None:
    for doc in document_set.documents:
        path = tmp_path / f"{doc.id}.pdf"
        path.write_bytes(doc.pdf)
        out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        rows = out.splitlines()[2:]
        assert rows, doc.id
        for row in rows:
            columns = row.split()
            emb, sub = columns[-5], columns[-4]
            assert (emb, sub) == ("yes", "yes"), f"{doc.id}: {row}"


def test_docx_styles_pin_the_east_asian_font(document_set: DocumentSet) -> None:
    document = Document(io.BytesIO(by_id(document_set, "application_letter").docx))
    styles = {s.name: s for s in document.styles if s.name.startswith("LD ")}
    assert {"LD Body", "LD Title", "LD Seal", "LD Table"} <= set(styles)
    for name, style in styles.items():
        fonts = style.element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) in ("宋体", "黑体"), name
        assert fonts.get(qn("w:eastAsiaTheme")) is None, name
        assert style.element.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_signature_and_seal_areas(document_set: DocumentSet) -> None:
    letter = docx_text(by_id(document_set, "application_letter").docx)
    assert f"法定代表人：{LEGAL_REP}\u3000\u3000签字：＿＿＿＿＿＿＿＿\n{COMPANY}（盖章）\n{DATE}" in letter
    pdf = pdf_text(by_id(document_set, "application_letter").pdf)
    assert "（盖章处）" in pdf
    assert pdf.count("第 1 页 共 1 页") == 1  # signature, seal and date on the letter's one page
    profile_text = docx_text(by_id(document_set, "company_profile").docx)
    assert "签字：" not in profile_text  # sealed, not signed
    assert f"法定代表人：{LEGAL_REP}\n{COMPANY}（盖章）\n{DATE}" in profile_text


def test_forms_show_amounts_in_wan_and_the_contract_in_capital_numerals(document_set: DocumentSet) -> None:
    form = docx_text(by_id(document_set, "application_form").docx)
    assert "注册资本（万元）\n100" in form
    contract = pdf_text(by_id(document_set, "commission_contract").pdf)
    assert "人民币30,000元（大写：叁万元整），即3万元" in contract.replace("\n", "")
    letter = pdf_text(by_id(document_set, "application_letter").pdf).replace("\n", "")
    assert "注册资本100万元" in letter
    assert "业务覆盖范围为广东省" in letter


def test_shareholders_are_listed_row_by_row(document_set: DocumentSet) -> None:
    document = Document(io.BytesIO(by_id(document_set, "application_form").docx))
    rows = [[c.text for c in row.cells] for row in document.tables[1].rows]
    assert rows == [
        ["股东名称", "股东类型", "国别（地区）", "持股比例"],
        ["陈志远", "自然人", "中国", "70%"],
        ["林晓梅", "自然人", "中国", "30%"],
    ]


def test_special_characters_in_values_are_escaped_not_breaking_the_docx(case: CaseData) -> None:
    data = profile_data()
    data["company"]["name"] = "深圳市A&B<云帆>科技有限公司"
    result = render_documents(validate_profile(data), case, only=("application_letter",))
    assert "深圳市A&B<云帆>科技有限公司" in docx_text(result.documents[0].docx)
    assert "深圳市A&B<云帆>科技有限公司" in pdf_text(result.documents[0].pdf)


def test_same_input_gives_the_same_bytes(
    profile: CompanyProfile, case: CaseData, document_set: DocumentSet
) -> None:
    again = render_documents(profile, case)
    for first, second in zip(document_set.documents, again.documents, strict=True):
        assert first.docx == second.docx, first.id
        assert first.pdf == second.pdf, first.id


def test_same_input_gives_the_same_bytes_in_another_process(
    document_set: DocumentSet, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "licensedesk", "docs", "render",
        "--profile", str(ROOT / "examples/eligible-shenzhen.json"),
        "--case", str(ROOT / "examples/case.yaml"),
        "--out", str(out),
    ]  # fmt: skip
    other_zone = {
        "PATH": "/usr/bin:/bin",
        "TZ": "America/New_York",
    }  # dates must not follow the machine's zone
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=other_zone)
    assert done.returncode == 0, done.stderr
    for doc in document_set.documents:
        assert (out / f"{doc.id}.docx").read_bytes() == doc.docx, doc.id
        assert (out / f"{doc.id}.pdf").read_bytes() == doc.pdf, doc.id


def test_metadata_and_zip_dates_come_from_the_case(document_set: DocumentSet) -> None:
    doc = by_id(document_set, "application_letter")
    with zipfile.ZipFile(io.BytesIO(doc.docx)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 28, 9, 30, 0)}
    props = Document(io.BytesIO(doc.docx)).core_properties
    assert props.created.isoformat() == "2026-11-28T01:30:00+00:00"
    assert props.title == "书面申请（法定代表人签署）"
    info = PdfReader(io.BytesIO(doc.pdf)).metadata
    assert info["/CreationDate"] == "D:20261128093000+08'00'"
    assert info["/Title"] == "书面申请（法定代表人签署）"


def test_a_changed_field_changes_the_output(profile: CompanyProfile, document_set: DocumentSet) -> None:
    data = case_data()
    data["application_date"] = "2026-12-01"
    again = render_documents(profile, validate_case(data), only=("application_letter",))
    assert again.documents[0].pdf != by_id(document_set, "application_letter").pdf
    assert "2026年12月1日" in pdf_text(again.documents[0].pdf)


def test_missing_fields_are_named_per_document(case: CaseData) -> None:
    profile = validate_profile(without(profile_data(), "company.uscc", "company.legal_representative"))
    with pytest.raises(DocumentDataMissing) as caught:
        render_documents(profile, case, only=("application_letter", "guarantee_letter"))
    assert caught.value.missing == {
        "application_letter": ["company.legal_representative.name", "company.uscc"],
        "guarantee_letter": ["company.legal_representative.name", "company.uscc"],
    }
    assert caught.value.code == "documents.data_missing"
    assert caught.value.message == (
        "Missing data for the documents: "
        "application_letter: company.legal_representative.name, company.uscc; "
        "guarantee_letter: company.legal_representative.name, company.uscc"
    )
    assert caught.value.message_zh.startswith(
        "生成文件所需的数据缺失：application_letter: company.legal_representative.name"
    )


def test_missing_case_fields_are_named_with_their_case_path(profile: CompanyProfile) -> None:
    case = validate_case(without(case_data(), "contract.fee_cny", "agency"))
    with pytest.raises(DocumentDataMissing) as caught:
        render_documents(profile, case, only=("commission_contract",))
    assert caught.value.missing == {
        "commission_contract": [
            "case.agency.address",
            "case.agency.legal_representative",
            "case.agency.name",
            "case.agency.uscc",
            "case.contract.fee_cny",
        ]
    }


def test_derived_values_name_their_sources(case: CaseData) -> None:
    profile = validate_profile(without(profile_data(), "service.coverage", "service.websites"))
    with pytest.raises(DocumentDataMissing) as caught:
        render_documents(profile, case, only=("guarantee_letter",))
    assert caught.value.missing == {"guarantee_letter": ["service.websites"]}
    with pytest.raises(DocumentDataMissing) as caught:
        render_documents(profile, case, only=("application_letter",))
    assert caught.value.missing == {"application_letter": ["service.coverage", "service.websites"]}


def test_every_shipped_document_declares_all_the_fields_its_template_prints(case: CaseData) -> None:
    """A template printing a field its definition does not require would be caught only at render time;
    rendering with an almost empty profile and case must fail at the definition check for each one."""
    profile = validate_profile(
        {"schema_version": "1", "company": {"name": COMPANY}, "service": {"content_areas": ["none"]}}
    )
    bare = validate_case({"schema_version": "1", "application_date": "2026-11-28"})
    with pytest.raises(DocumentDataMissing) as caught:
        render_documents(profile, bare)
    assert set(caught.value.missing) == set(ALL_IDS)
    definitions = load_definitions("icp-b25")
    for doc in definitions.documents:
        declared = set(definitions.required(doc))
        assert set(caught.value.missing[doc.id]) <= declared | {"company.province"}, doc.id


def test_guarantee_letter_only_when_the_checklist_requires_it(case: CaseData) -> None:
    data = profile_data()
    data["service"]["content_areas"] = ["bulletin_board"]
    result = render_documents(validate_profile(data), case)
    assert "guarantee_letter" not in [d.id for d in result.documents]
    [skipped] = result.skipped
    assert skipped.definition.id == "guarantee_letter"
    assert skipped.because_zh == "服务涉及须审批或专项申请的领域，以相关审批或申请材料代替保证书。"


def test_guarantee_letter_undecidable_names_the_field_it_depends_on(case: CaseData) -> None:
    profile = validate_profile(without(profile_data(), "service.content_areas"))
    with pytest.raises(DocumentDataMissing) as caught:
        render_documents(profile, case)
    assert caught.value.missing["guarantee_letter"] == ["service.content_areas"]


def test_an_unknown_document_id_is_refused_with_the_known_ones(
    profile: CompanyProfile, case: CaseData
) -> None:
    with pytest.raises(KeyError, match="unknown document 'no_such' for icp-b25; known: application_letter, "):
        render_documents(profile, case, only=("no_such",))


def test_case_file_type_errors_are_named_by_path() -> None:
    from licensedesk.core.documents import CaseFileError

    data = case_data()
    data["contract"]["fee_cny"] = "thirty thousand"
    data["agency"]["uscc"] = "91440300MA5G7QXK0N"
    with pytest.raises(CaseFileError) as caught:
        validate_case(data, source="case.yaml")
    shown = [str(p) for p in caught.value.problems]
    assert (
        shown[0] == "agency.uscc: Value error, USCC check character is 'N', expected 'M' / "
        "统一社会信用代码校验位应为 M，实际为 N"
    )
    assert shown[1].startswith("contract.fee_cny: Input should be a valid number")
    assert len(shown) == 2
