"""A license's own facts (``extensions.<license-id>``) in the document context: ``facts.<key>`` and
``facts_list`` read as the profile's other values do, an absent fact is named by its profile path, and
the template check's allow-list admits these names and nothing more."""

from __future__ import annotations

import io
from typing import Any

import pytest
import yaml
from docx import Document
from tests.core.documents.conftest import ROOT, case_data
from tests.core.documents.test_new_licenses import docx_text

from licensedesk.core.documents import (
    DocumentDataMissing,
    TemplateInvalid,
    check_template,
    render_documents,
    validate_case,
)
from licensedesk.core.documents.context import build_context, known_paths, missing_paths
from licensedesk.core.documents.render import shipped_template
from licensedesk.core.eligibility import evaluator_for
from licensedesk.core.profile import CompanyProfile, validate_profile

OUTBOUND_SENTENCE = "本公司于2024年11月28日取得旅行社业务经营许可（许可证编号：L-GD-00026），已满两年"


def example(license_id: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "examples" / f"{license_id}.yaml").read_text(encoding="utf-8"))


def with_facts(license_id: str, **facts: Any) -> CompanyProfile:
    """The license's example profile with its own facts changed (None removes one)."""
    data = example(license_id)
    stored = data["extensions"][license_id]
    for key, value in facts.items():
        if value is None:
            stored.pop(key, None)
        else:
            stored[key] = value
    return validate_profile(data)


def context_of(license_id: str, profile: CompanyProfile) -> dict[str, Any]:
    case = validate_case({**case_data(), "license": license_id})
    assert case.application_date is not None
    result = evaluator_for(license_id, case.application_date).check(profile)
    return build_context(profile, case, result, document={"id": "x", "title_zh": "x", "title_en": "x"})


def letter(license_id: str, profile: CompanyProfile) -> str:
    case = validate_case({**case_data(), "license": license_id})
    documents = render_documents(profile, case, only=("application_letter",), pdf=False)
    return docx_text(documents.documents[0].docx)


def test_facts_read_as_the_profile_values_do() -> None:
    context = context_of("travel-agency", with_facts("travel-agency"))
    facts = context["facts"]
    assert facts["tier"] == "出境旅游业务"  # the choice's label, not "outbound"
    assert facts["license_held_since"] == "2024年11月28日"
    assert facts["penalized_for_harming_tourists"] == "否"
    assert facts["premises_ready"] == "是"
    assert facts["license_number"] == "L-GD-00026"
    rows = [(row["label"], row["value"]) for row in context["facts_list"]]
    assert rows[:3] == [
        ("申请的业务范围", "出境旅游业务"),
        ("已落实固定的经营场所", "是"),
        ("经营场所为自有房产", "否"),
    ]


def test_absent_facts_are_left_out_and_named_by_their_profile_path() -> None:
    context = context_of("travel-agency", with_facts("travel-agency", tier=None))
    assert "tier" not in context["facts"]
    assert "申请的业务范围" not in [row["label"] for row in context["facts_list"]]
    assert missing_paths(context, ("facts.tier", "facts.premises_ready")) == ["extensions.travel-agency.tier"]


def test_a_license_without_a_section_has_no_facts() -> None:
    context = context_of("icp-b25", validate_profile(example("labour-dispatch")))
    assert dict(context["facts"]) == {} and list(context["facts_list"]) == []


def test_the_travel_agency_letter_prints_the_tier_applied_for() -> None:
    text = letter("travel-agency", with_facts("travel-agency"))
    assert "申请经营的业务范围为：出境旅游业务。" in text
    assert OUTBOUND_SENTENCE in text
    assert "请勾选" not in text

    domestic = letter("travel-agency", with_facts("travel-agency", tier="domestic_inbound"))
    assert "申请经营的业务范围为：国内旅游业务和入境旅游业务。" in domestic
    assert "已满两年" not in domestic  # only the outbound tier asks for two years


def test_the_travel_agency_letter_needs_the_tier_and_for_outbound_the_date_held() -> None:
    with pytest.raises(DocumentDataMissing) as caught:
        letter("travel-agency", with_facts("travel-agency", tier=None))
    assert caught.value.missing == {"application_letter": ["extensions.travel-agency.tier"]}
    with pytest.raises(DocumentDataMissing) as caught:
        letter("travel-agency", with_facts("travel-agency", license_held_since=None))
    assert caught.value.missing == {"application_letter": ["extensions.travel-agency.license_held_since"]}


def test_the_labour_dispatch_letter_lists_the_license_facts() -> None:
    text = letter("labour-dispatch", with_facts("labour-dispatch", dispatch_rules_ready=None))
    assert "租赁期至2028年6月30日" in text
    assert "已落实固定的经营场所\n是" in text
    assert "经营场所租赁到期日\n2028年6月30日" in text
    assert "已制定劳务派遣管理制度\n" not in text  # an absent fact is not listed as if known

    owned = letter(
        "labour-dispatch", with_facts("labour-dispatch", premises_owned=True, premises_lease_until=None)
    )
    assert "租赁期至" not in owned


def _template(*paragraphs: str) -> bytes:
    document = Document(io.BytesIO(shipped_template("travel-agency", "application_letter")))
    for text in paragraphs:
        document.add_paragraph(text, style="LD Body")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_the_template_check_admits_the_facts_and_nothing_beside_them() -> None:
    assert {"facts.tier", "facts.premises_ready", "facts_list[].label", "facts_list[].value"} <= known_paths()
    report = check_template(
        _template("{{ facts.tier }}{% for f in facts_list %}{{ f.label }}：{{ f.value }}{% endfor %}")
    )
    assert {"facts.tier", "facts_list", "facts_list[].label", "facts_list[].value"} <= report.paths
    with pytest.raises(TemplateInvalid) as caught:
        check_template(_template("{{ facts.no_such_fact }}{{ facts_list[0].path }}"), name="letter.docx")
    assert caught.value.code == "documents.template_unknown_placeholder"
    assert caught.value.details["unknown"] == ["facts.no_such_fact", "facts_list[].path"]
    with pytest.raises(TemplateInvalid) as caught:
        check_template(_template("{{ extensions }}"), name="letter.docx")  # the raw section stays out
    assert caught.value.details["unknown"] == ["extensions"]
    with pytest.raises(TemplateInvalid) as caught:
        check_template(_template("{{ facts.tier.__class__ }}"), name="letter.docx")
    assert caught.value.code == "documents.template_forbidden"
