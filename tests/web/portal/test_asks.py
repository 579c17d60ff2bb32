"""What is asked of a client now (:mod:`licensedesk.web.portal.asks`): each kind of ask, what is never
asked (the agency's drafts, what waits for review or was accepted), the empty case, and another client's
case."""

from __future__ import annotations

from typing import Any

import pytest

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.errors import NotFound
from licensedesk.web.cases.models import Case
from licensedesk.web.cases.services import case_run_check, company_profile_update, note_create
from licensedesk.web.documents.models import GeneratedDocument, GenerationJob
from licensedesk.web.materials.models import CaseMaterial
from licensedesk.web.materials.services import material_upload, version_accept, version_reject
from licensedesk.web.portal.asks import client_asks
from licensedesk.web.portal.selectors import portal_case

from ..factories import incomplete_profile
from ..materials.conftest import material, pdf

pytestmark = pytest.mark.django_db


def supplied_by(case: Case) -> dict[str, str]:
    version = default_catalog().version(case.license_id, case.ruleset_version).version
    return {m.id: m.supplied_by for m in version.materials}


def required_ids(case: Case, who: str) -> list[str]:
    by = supplied_by(case)
    return [
        m.material_id
        for m in CaseMaterial.objects.filter(case=case, required=True).order_by("position", "pk")
        if by[m.material_id] == who
    ]


def collecting(tenant: Any) -> Case:
    """The tenant's case with a check (so a checklist), moved to material review like the demo's."""
    case_run_check(case=tenant.case, actor=tenant.consultant)
    Case.objects.filter(pk=tenant.case.pk).update(stage="reviewing_materials")
    return Case.objects.select_related("company").get(pk=tenant.case.pk)


def signed_draft(case: Case, actor: Any, material_id: str, title: str) -> GeneratedDocument:
    """A generated document for the legal representative's signature, as the documents app stores it."""
    job = GenerationJob.objects.get_or_create(case=case, defaults={"requested_by": actor, "status": "done"})[
        0
    ]
    return GeneratedDocument.objects.create(
        job=job,
        case=case,
        document_id=material_id,
        material_id=material_id,
        title_zh=title,
        title_en=title,
        signed=True,
        docx_name=f"{material_id}.docx",
        docx_sha256="0" * 64,
        docx_size=1,
        pdf_name=f"{material_id}.pdf",
        pdf_sha256="0" * 64,
        pdf_size=1,
    )


def test_the_client_is_asked_for_their_own_materials_only(tenant: Any) -> None:
    case = collecting(tenant)
    asks = client_asks(case=case)
    assert [a.material_id for a in asks if a.kind == "material"] == required_ids(case, "client")
    assert {a.status for a in asks} == {"missing"}
    asked = {a.material_id for a in asks}
    assert "company_profile" not in asked and "application_form" not in asked  # the agency drafts them
    assert "application_letter" not in asked  # to sign, once the agency has drafted it


def test_a_rejection_is_asked_again_at_once_with_its_reason(tenant: Any) -> None:
    case = collecting(tenant)
    version = material_upload(material=material(case, "credit_proof"), actor=tenant.client, files=[pdf()])
    assert "credit_proof" not in {a.material_id for a in client_asks(case=case)}  # waits for review
    version_reject(version=version, actor=tenant.consultant, reason="other", text="请提供信用中国截图")
    [ask] = [a for a in client_asks(case=case) if a.material_id == "credit_proof"]  # round still open
    assert (ask.kind, ask.status, ask.status_label, ask.reason_zh, ask.reason_text) == (
        "material",
        "rejected",
        "已退回",
        "其他",
        "请提供信用中国截图",
    )


def test_a_document_to_sign_is_asked_until_its_signed_copy_is_accepted(tenant: Any) -> None:
    case = collecting(tenant)
    draft = signed_draft(case, tenant.consultant, "application_letter", "书面申请")
    signs = [a for a in client_asks(case=case) if a.kind == "sign"]
    assert [(a.title_zh, a.document_pk, a.status) for a in signs] == [("书面申请", draft.pk, "missing")]
    version = material_upload(
        material=material(case, "application_letter"), actor=tenant.client, files=[pdf("书面申请.pdf")]
    )
    assert not [a for a in client_asks(case=case) if a.kind == "sign"]  # the signed copy waits for review
    version_reject(version=version, actor=tenant.consultant, reason="signature_missing")
    [ask] = [a for a in client_asks(case=case) if a.kind == "sign"]
    assert (ask.status, ask.reason_zh) == ("rejected", "缺少签字")
    again = material_upload(
        material=material(case, "application_letter"), actor=tenant.client, files=[pdf("书面申请2.pdf")]
    )
    version_accept(version=again, actor=tenant.consultant)
    assert not [a for a in client_asks(case=case) if a.kind == "sign"]


def test_profile_fields_the_check_misses_are_asked(tenant: Any) -> None:
    profile = incomplete_profile(tenant.company.name, tenant.company.uscc)
    del profile["company"]["staff_total"]
    company_profile_update(company=tenant.company, profile=profile, actor=tenant.consultant)
    case_run_check(case=tenant.case, actor=tenant.consultant)
    asks = [a for a in client_asks(case=Case.objects.get(pk=tenant.case.pk)) if a.kind == "profile"]
    assert {a.path for a in asks} == {"company.registered_capital_cny", "company.staff_total"}
    assert {a.title_zh for a in asks} == {"注册资本（元）", "员工总数"}


def test_a_consultant_message_is_asked_until_the_client_answers(tenant: Any) -> None:
    note_create(case=tenant.case, author=tenant.consultant, body="内部备注")  # internal: not the client's
    assert client_asks(case=tenant.case) == []
    note_create(
        case=tenant.case, author=tenant.consultant, body="请确认网站域名是否已备案。", visibility="client"
    )
    [ask] = client_asks(case=tenant.case)
    assert (ask.kind, ask.title_zh, ask.detail_zh) == (
        "message",
        "回复顾问的消息",
        "请确认网站域名是否已备案。",
    )
    note_create(case=tenant.case, author=tenant.client, body="已备案。")
    assert client_asks(case=tenant.case) == []


def test_nothing_is_asked_when_everything_is_sent(tenant: Any) -> None:
    case = collecting(tenant)
    for material_id in required_ids(case, "client"):
        material_upload(material=material(case, material_id), actor=tenant.client, files=[pdf()])
    assert client_asks(case=case) == []


def test_nothing_is_asked_before_the_client_prepares_nor_on_a_closed_case(tenant: Any) -> None:
    case_run_check(case=tenant.case, actor=tenant.consultant)  # qualification review: the agency's work
    assert client_asks(case=Case.objects.get(pk=tenant.case.pk)) == []
    Case.objects.filter(pk=tenant.case.pk).update(stage="withdrawn")
    note_create(case=tenant.case, author=tenant.consultant, body="请回复。", visibility="client")
    assert client_asks(case=Case.objects.get(pk=tenant.case.pk)) == []


def test_another_clients_case_and_its_asks_are_not_visible(tenant: Any, other_tenant: Any) -> None:
    case = collecting(tenant)
    note_create(case=case, author=tenant.consultant, body="请补充材料。", visibility="client")
    for other in (tenant.case2, other_tenant.case):
        with pytest.raises(NotFound):
            portal_case(user=tenant.client, case_id=other.pk)
    assert portal_case(user=tenant.client2, case_id=tenant.case2.pk).asks == []
    assert portal_case(user=tenant.client, case_id=case.pk).asks == client_asks(case=case)
