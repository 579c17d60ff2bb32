"""Agency templates: accepted only when every placeholder and filter is known, and then used for both
the DOCX and the PDF."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from docx import Document
from tests.core.documents.conftest import ROOT
from tests.core.documents.test_render import docx_text, pdf_text

from licensedesk.core.documents import (
    CaseData,
    TemplateInvalid,
    check_template,
    load_definitions,
    render_documents,
)
from licensedesk.core.documents.render import shipped_template
from licensedesk.core.profile import CompanyProfile


def template_with(*paragraphs: str) -> bytes:
    """The shipped application letter with paragraphs added (as an agency would edit it in Word)."""
    document = Document(io.BytesIO(shipped_template("icp-b25", "application_letter")))
    for text in paragraphs:
        document.add_paragraph(text, style="LD Body")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("doc_id", [d.id for d in load_definitions("icp-b25").documents])
def test_every_shipped_template_passes_the_check(doc_id: str) -> None:
    report = check_template(shipped_template("icp-b25", doc_id), name=f"{doc_id}.docx")
    assert "company.name" in report.paths
    assert report.names <= {"company", "service", "case", "authority", "computed"}


def test_loop_variables_resolve_to_list_item_paths() -> None:
    report = check_template(shipped_template("icp-b25", "application_form"))
    assert {
        "company.shareholders",
        "company.shareholders[].name",
        "company.shareholders[].share_pct",
    } <= report.paths


def test_an_unknown_top_level_placeholder_is_refused_by_name() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(template_with("代理人：{{ agent.name }}，{{ compnay.name }}"), name="letter.docx")
    assert caught.value.code == "documents.template_unknown_placeholder"
    assert caught.value.message == "letter.docx: unknown placeholders: agent, compnay"
    assert caught.value.message_zh == "letter.docx：模板中有未知的占位符：agent, compnay"
    assert caught.value.details["unknown"] == ["agent", "compnay"]


def test_an_unknown_field_of_a_known_root_is_refused_by_path() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(
            template_with(
                "{{ company.nmae }}；{% for s in company.shareholders %}{{ s.nationality }}{% endfor %}"
            )
        )
    assert caught.value.details["unknown"] == ["company.nmae", "company.shareholders[].nationality"]


def test_an_unknown_filter_is_refused_by_name() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(template_with("{{ company.registered_capital_cny|in_words }}"), name="letter.docx")
    assert caught.value.code == "documents.template_unknown_filter"
    assert caught.value.message == "letter.docx: unknown filter in_words"


def test_a_syntax_error_is_refused() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(template_with("{{ company.name "), name="letter.docx")
    assert caught.value.code == "documents.template_syntax"
    assert caught.value.message.startswith("letter.docx: template syntax error: ")


def test_set_statements_are_refused() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(template_with("{% set x = company.name %}{{ x }}"))
    assert caught.value.code == "documents.template_construct"


def test_a_file_that_is_not_a_docx_is_refused() -> None:
    with pytest.raises(TemplateInvalid) as caught:
        check_template(b"%PDF-1.7 not a docx", name="letter.pdf")
    assert caught.value.code == "documents.template_not_docx"
    assert caught.value.message_zh == "letter.pdf：不是 DOCX 文件"


def test_an_agency_template_is_used_for_docx_and_pdf(profile: CompanyProfile, case: CaseData) -> None:
    custom = template_with("本申请由{{ case.agency.name }}代为提交。")
    result = render_documents(
        profile, case, only=("application_letter",), templates={"application_letter": custom}
    )
    [doc] = result.documents
    assert "本申请由深圳市知行企业服务有限公司代为提交。" in docx_text(doc.docx)
    assert "本申请由深圳市知行企业服务有限公司代为提交。" in pdf_text(doc.pdf).replace("\n", "")


def test_an_invalid_agency_template_is_refused_before_anything_is_rendered(
    profile: CompanyProfile, case: CaseData
) -> None:
    with pytest.raises(
        TemplateInvalid, match=r"application_letter.docx: unknown placeholders: case.agency.fax"
    ):
        render_documents(
            profile, case, templates={"application_letter": template_with("{{ case.agency.fax }}")}
        )


def test_an_agency_template_printing_an_absent_optional_field_names_it(
    profile: CompanyProfile, case: CaseData
) -> None:
    from licensedesk.core.documents import DocumentDataMissing

    custom = template_with(
        "营业执照有效期至{{ company.business_license_valid_until }}；"
        "{{ company.legal_representative.mobile }}"
    )
    with pytest.raises(DocumentDataMissing) as caught:
        render_documents(
            profile, case, only=("application_letter",), templates={"application_letter": custom}
        )
    assert caught.value.missing == {"application_letter": ["company.business_license_valid_until"]}


def test_a_test_on_an_absent_field_is_simply_false(profile: CompanyProfile, case: CaseData) -> None:
    custom = template_with(
        "{% if company.business_license_valid_until %}"
        "有效期至{{ company.business_license_valid_until }}{% endif %}长期有效"
    )
    result = render_documents(
        profile, case, only=("application_letter",), templates={"application_letter": custom}
    )
    assert "长期有效" in docx_text(result.documents[0].docx)


def test_the_committed_templates_match_their_source() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_docx_templates.py"), "--check"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
