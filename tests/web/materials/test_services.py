"""Materials services: the checklist follows the stored checks, uploads are versions checked from their
bytes, reviews apply the catalog's date rules and the consistency check, review rounds email the client,
and the case guard is wired in. Every refusal: exact message, nothing written."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.date_rules import add_months
from licensedesk.core.errors import InvalidInput, PermissionDenied, WorkflowError
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.audit.services import audit_verify
from licensedesk.web.cases.services import case_run_check, case_transition, company_profile_update
from licensedesk.web.materials import selectors, services
from licensedesk.web.materials.models import CaseMaterial, MaterialFile, MaterialVersion, ReviewRound

from ..factories import CaseFactory, ClientCompanyFactory
from .conftest import incoming, material, pdf, stored_files

pytestmark = pytest.mark.django_db


def _catalog_materials() -> list[Any]:
    return list(default_catalog().version("icp-b25", "2017-09-01").version.materials)


ICP_MATERIALS = len(_catalog_materials())
# for the factories' profile (no special content area, Guangdong): all but the pre-approvals, the
# bulletin board application and what the administration may ask for later
NOT_REQUIRED_BY_DEFAULT = {
    "pre_approval_documents",
    "bulletin_board_application",
    "authority_requested_other",
}
REQUIRED_BY_DEFAULT = ICP_MATERIALS - len(NOT_REQUIRED_BY_DEFAULT)


def _confirm(company: Any) -> dict[str, str]:
    profile = company.profile["company"]
    return {
        "company.name": profile["name"],
        "company.uscc": profile["uscc"],
        "company.legal_representative.name": profile["legal_representative"]["name"],
    }


def _accept(version: MaterialVersion, actor: Any, company: Any) -> MaterialVersion:
    """Accept with whatever the material's date rules and confirmations need (today's dates)."""
    material_id = version.material.material_id
    kwargs: dict[str, Any] = {}
    if material_id == "financial_report":
        kwargs["document_date"] = timezone.localdate() - timedelta(days=30)
    if material_id in ("business_license", "pre_approval_documents"):
        kwargs["valid_until"] = timezone.localdate() + timedelta(days=365)
    if material_id == "business_license":
        kwargs["confirmed"] = _confirm(company)
    return services.version_accept(version=version, actor=actor, **kwargs)


# -- checklist ------------------------------------------------------------------------------------------


def test_a_stored_check_creates_the_checklist(tenant: Any) -> None:
    check = case_run_check(case=tenant.case, actor=tenant.consultant)
    rows = list(CaseMaterial.objects.filter(case=tenant.case).order_by("position"))
    assert len(rows) == ICP_MATERIALS
    assert [r.material_id for r in rows] == [m["id"] for m in check.result["materials"]]
    assert {r.material_id for r in rows if not r.required} == NOT_REQUIRED_BY_DEFAULT
    license_row = rows[1]
    assert (license_row.material_id, license_row.status, license_row.required) == (
        "business_license",
        "missing",
        True,
    )
    assert license_row.title_zh == "营业执照副本复印件（或名称预先核准通知书）"
    assert license_row.file_kinds == ["pdf", "jpeg", "png", "ofd"] and license_row.synced_check == check
    pre = next(r for r in rows if r.material_id == "pre_approval_documents")
    assert not pre.required and pre.because_zh == "服务不涉及须前置审批的领域。"
    event = AuditEvent.objects.get(action="material.checklist_synced")
    assert event.case_id == tenant.case.pk and len(event.after["added"]) == ICP_MATERIALS
    assert audit_verify().ok


def test_profile_change_recomputes_the_checklist_and_keeps_uploads(tenant: Any) -> None:
    company, case = tenant.company, tenant.case
    case_run_check(case=case, actor=tenant.consultant)
    news = {**company.profile, "service": {**company.profile["service"], "content_areas": ["news"]}}
    company_profile_update(company=company, profile=news, actor=tenant.consultant)
    case_run_check(case=case, actor=tenant.consultant)
    pre = material(case, "pre_approval_documents")
    assert pre.required and pre.because_zh == "服务涉及新闻，须提供主管部门的前置审批文件。"
    assert not material(case, "guarantee_letter").required  # news has its own approval instead
    event = AuditEvent.objects.filter(action="material.checklist_synced").latest("seq")
    assert event.before == {"required": {"pre_approval_documents": False, "guarantee_letter": True}}
    assert event.after == {
        "required": {"pre_approval_documents": True, "guarantee_letter": False},
        "added": [],
    }

    version = services.material_upload(material=pre, actor=tenant.client, files=[pdf("新闻许可证.pdf")])
    company_profile_update(
        company=company,
        profile={**news, "service": {**news["service"], "content_areas": ["none"]}},
        actor=tenant.consultant,
    )
    case_run_check(case=case, actor=tenant.consultant)
    pre = material(case, "pre_approval_documents")
    assert not pre.required and pre.in_rules
    assert pre.status == "uploaded" and pre.latest_version == version  # nothing uploaded is lost
    assert version.files.get().original_name == "新闻许可证.pdf"
    assert CaseMaterial.objects.filter(case=case).count() == ICP_MATERIALS


def test_a_material_the_rules_drop_is_kept_as_not_required(tenant: Any) -> None:
    check = case_run_check(case=tenant.case, actor=tenant.consultant)
    services.material_upload(
        material=material(tenant.case, "credit_proof"), actor=tenant.client, files=[pdf()]
    )
    check.result = {
        **check.result,
        "materials": [m for m in check.result["materials"] if m["id"] != "credit_proof"],
    }
    services.checklist_sync(case=tenant.case, check=check, actor=tenant.consultant)
    dropped = material(tenant.case, "credit_proof")
    assert (dropped.required, dropped.in_rules, dropped.status) == (False, False, "uploaded")
    assert MaterialVersion.objects.filter(material=dropped).count() == 1


# -- uploads --------------------------------------------------------------------------------------------


def test_uploads_are_versions_stored_by_content(checked: Any, media: Path) -> None:
    item = material(checked.case, "business_license")
    first = services.material_upload(material=item, actor=checked.client, files=[pdf("营业执照 副本.pdf")])
    [stored] = first.files.all()
    assert (
        stored.original_name == "营业执照 副本.pdf"
        and stored.kind == "pdf"
        and stored.details == {"pages": 1}
    )
    assert stored.storage_name == f"{stored.sha256[:2]}/{stored.sha256}"
    assert (media / stored.storage_name).read_bytes()[:5] == b"%PDF-"
    assert stored.scan_status == "not_scanned"
    second = services.material_upload(
        material=item, actor=checked.consultant, files=[pdf("营业执照 副本.pdf"), pdf("第二页.pdf", pages=2)]
    )
    assert (first.number, second.number) == (1, 2)
    assert [f.original_name for f in second.files.all()] == ["营业执照 副本.pdf", "第二页.pdf"]
    assert len(stored_files(media)) == 2  # the same bytes are stored once
    item.refresh_from_db()
    assert item.status == "uploaded" and item.latest_version == second
    event = AuditEvent.objects.filter(action="material.uploaded").latest("seq")
    assert event.actor == checked.consultant and event.after == {"status": "uploaded", "version": 2}
    assert [f["name"] for f in event.data["files"]] == ["营业执照 副本.pdf", "第二页.pdf"]


def test_one_bad_file_refuses_the_whole_upload(checked: Any, media: Path, samples: Any) -> None:
    item = material(checked.case, "business_license")
    with pytest.raises(InvalidInput) as caught:
        services.material_upload(
            material=item,
            actor=checked.client,
            files=[pdf("好的.pdf"), incoming("坏的.pdf", b"%PDF-1.7 junk"), incoming("空.png", b"")],
        )
    assert caught.value.code == "upload.refused"
    assert caught.value.message_zh == "PDF 文件“坏的.pdf”已损坏，无法读取。文件“空.png”为空文件。"
    assert [r["code"] for r in caught.value.details["refusals"]] == ["upload.pdf_broken", "upload.empty"]
    assert stored_files(media) == []
    assert not MaterialVersion.objects.exists() and not MaterialFile.objects.exists()
    item.refresh_from_db()
    assert item.status == "missing"


def test_a_failure_after_storing_removes_the_stored_file(
    checked: Any, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_audit(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        services.material_upload(
            material=material(checked.case, "credit_proof"), actor=checked.client, files=[pdf()]
        )
    assert stored_files(media) == []
    assert not MaterialVersion.objects.exists()


def test_the_material_decides_which_kinds_it_takes(checked: Any, samples: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.material_upload(
            material=material(checked.case, "articles_of_association"),
            actor=checked.client,
            files=[incoming("章程.docx", samples.docx_bytes())],
        )
    assert caught.value.message == "The file “章程.docx” is of type DOCX; this material accepts PDF/OFD."


def test_who_may_upload(checked: Any, other_tenant: Any) -> None:
    item = material(checked.case, "credit_proof")
    with pytest.raises(PermissionDenied) as caught:
        services.material_upload(material=item, actor=checked.client2, files=[pdf()])
    assert caught.value.message == "This belongs to another client."
    for outsider in (other_tenant.consultant, other_tenant.client):
        with pytest.raises(PermissionDenied) as caught:
            services.material_upload(material=item, actor=outsider, files=[pdf()])
        assert caught.value.code == "permission.other_tenant"
    with pytest.raises(InvalidInput) as caught:
        services.material_upload(material=item, actor=checked.client, files=[])
    assert caught.value.message_zh == "请为“公司信誉情况证明材料”选择至少一个文件。"
    assert not MaterialVersion.objects.exists()


def test_closed_case_takes_no_uploads(checked: Any) -> None:
    checked.case.stage = "withdrawn"
    checked.case.save()
    with pytest.raises(WorkflowError) as caught:
        services.material_upload(
            material=material(checked.case, "credit_proof"), actor=checked.client, files=[pdf()]
        )
    assert caught.value.message == "The case is closed; its materials can no longer change."


# -- review ---------------------------------------------------------------------------------------------


def test_reject_with_a_reason_then_reupload_then_accept(checked: Any) -> None:
    item = material(checked.case, "application_letter")
    first = services.material_upload(material=item, actor=checked.client, files=[pdf("申请书.pdf")])
    with pytest.raises(PermissionDenied):
        services.version_reject(version=first, actor=checked.client, reason="seal_missing")
    with pytest.raises(InvalidInput) as caught:
        services.version_reject(version=first, actor=checked.consultant, reason="ugly")
    assert caught.value.message == "Choose the reason for the rejection from the list."
    with pytest.raises(InvalidInput) as caught:
        services.version_reject(version=first, actor=checked.consultant, reason="other", text="  ")
    assert caught.value.message_zh == "请说明问题：选择“其他”时须填写具体原因。"
    services.material_start_review(material=item, actor=checked.consultant)
    assert material(checked.case, "application_letter").status == "under_review"
    services.version_reject(
        version=first, actor=checked.consultant, reason="seal_missing", text="第2页未盖章"
    )
    first.refresh_from_db()
    assert (first.review_status, first.reason, first.reason_text) == (
        "rejected",
        "seal_missing",
        "第2页未盖章",
    )
    assert (
        first.review_round.number == 1 and material(checked.case, "application_letter").status == "rejected"
    )
    with pytest.raises(WorkflowError) as caught:
        services.version_accept(version=first, actor=checked.consultant)
    assert caught.value.code == "material.already_reviewed"

    second = services.material_upload(material=item, actor=checked.client, files=[pdf("申请书-盖章.pdf")])
    with pytest.raises(WorkflowError) as caught:
        services.version_reject(version=first, actor=checked.consultant, reason="blurred")
    assert caught.value.message == (
        "Version 1 of “Written application signed by the legal representative” was replaced by version 2; "
        "review the newest one."
    )
    detail = selectors.material_detail(user=checked.consultant, material_id=item.pk)
    assert detail.comparison == (first, second)  # side by side for the reviewer
    services.version_accept(version=second, actor=checked.consultant)
    assert material(checked.case, "application_letter").status == "accepted"
    actions = list(
        AuditEvent.objects.filter(case=checked.case).order_by("seq").values_list("action", flat=True)
    )
    assert actions[-5:] == [
        "material.uploaded",
        "material.review_started",
        "material.rejected",
        "material.uploaded",
        "material.accepted",
    ]


def test_a_client_cannot_replace_an_accepted_material(checked: Any) -> None:
    item = material(checked.case, "credit_proof")
    _accept(
        services.material_upload(material=item, actor=checked.client, files=[pdf()]),
        checked.consultant,
        checked.company,
    )
    with pytest.raises(InvalidInput) as caught:
        services.material_upload(
            material=material(checked.case, "credit_proof"), actor=checked.client, files=[pdf("新.pdf")]
        )
    assert caught.value.message_zh == "“公司信誉情况证明材料”已审核通过；如需更换，请联系您的顾问。"
    again = services.material_upload(
        material=material(checked.case, "credit_proof"), actor=checked.consultant, files=[pdf("新.pdf")]
    )
    assert again.number == 2


def test_financial_report_must_be_dated_within_twelve_months(checked: Any) -> None:
    version = services.material_upload(
        material=material(checked.case, "financial_report"), actor=checked.client, files=[pdf("审计报告.pdf")]
    )
    today = timezone.localdate()
    too_old = add_months(today, -12) - timedelta(days=1)
    with pytest.raises(InvalidInput) as caught:
        services.version_accept(version=version, actor=checked.consultant, document_date=too_old)
    assert caught.value.code == "material.document_too_old"
    assert caught.value.message_zh == (
        f"文件日期为 {too_old}，距今天（{today}）已超过 12 个月，请客户提供最近的文件。"
    )
    with pytest.raises(InvalidInput) as caught:
        services.version_accept(version=version, actor=checked.consultant)
    assert caught.value.code == "material.document_date_required"
    version.refresh_from_db()
    assert version.review_status == "pending" and not ReviewRound.objects.exists()
    dated = add_months(today, -12)
    services.version_accept(version=version, actor=checked.consultant, document_date=dated)
    item = material(checked.case, "financial_report")
    assert item.status == "accepted" and item.accepted_until == add_months(dated, 12)


def test_expired_documents_and_expiry_later(checked: Any) -> None:
    item = material(checked.case, "business_license")
    version = services.material_upload(material=item, actor=checked.client, files=[pdf()])
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(InvalidInput) as caught:
        services.version_accept(
            version=version,
            actor=checked.consultant,
            valid_until=yesterday,
            confirmed=_confirm(checked.company),
        )
    assert caught.value.message == (
        f"The document expired on {yesterday} (today is {timezone.localdate()}); "
        "ask the client for a valid one."
    )
    services.version_accept(
        version=version,
        actor=checked.consultant,
        valid_until=timezone.localdate() + timedelta(days=10),
        confirmed=_confirm(checked.company),
    )
    later = timezone.localdate() + timedelta(days=11)
    item = material(checked.case, "business_license")
    assert services.effective_status(item, later) == "expired"
    assert services.materials_expire(today=timezone.localdate()) == []
    [expired] = services.materials_expire(today=later)
    assert expired.pk == item.pk and material(checked.case, "business_license").status == "expired"
    event = AuditEvent.objects.get(action="material.expired")
    assert event.actor is None and event.after == {"status": "expired"}


def test_business_license_must_match_the_profile(checked: Any) -> None:
    version = services.material_upload(
        material=material(checked.case, "business_license"), actor=checked.client, files=[pdf()]
    )
    valid = timezone.localdate() + timedelta(days=365)
    with pytest.raises(InvalidInput) as caught:
        services.version_accept(version=version, actor=checked.consultant, valid_until=valid, confirmed={})
    assert caught.value.code == "material.confirmation_required"
    assert caught.value.message_zh == "请填写文件上的：企业名称、统一社会信用代码、法定代表人。"
    profile = checked.company.profile["company"]
    wrong = {
        **_confirm(checked.company),
        "company.legal_representative.name": "陈志达",
        "company.uscc": "91440300MA5FXK2Q1X",
    }
    with pytest.raises(InvalidInput) as caught:
        services.version_accept(version=version, actor=checked.consultant, valid_until=valid, confirmed=wrong)
    assert caught.value.code == "material.consistency_mismatch"
    assert caught.value.message_zh == (
        "“营业执照副本复印件（或名称预先核准通知书）”与企业档案不一致："
        f"统一社会信用代码：档案为“{profile['uscc']}”，文件为“91440300MA5FXK2Q1X”；"
        "法定代表人：档案为“陈志远”，文件为“陈志达”。请更正企业档案或退回该文件。"
    )
    assert caught.value.details["mismatches"][1] == {
        "path": "company.legal_representative.name",
        "profile": "陈志远",
        "document": "陈志达",
    }
    version.refresh_from_db()
    assert version.review_status == "pending"
    # full-width letters, spaces and lower case as read off a scan still match
    loose = {
        "company.name": " " + profile["name"] + " ",
        "company.uscc": profile["uscc"].lower(),
        "company.legal_representative.name": "陈 志远",
    }
    services.version_accept(version=version, actor=checked.consultant, long_term=True, confirmed=loose)
    version.refresh_from_db()
    assert version.review_status == "accepted" and version.accepted_until is None
    assert version.confirmed["company.uscc"] == profile["uscc"].lower()


# -- review rounds and the client ----------------------------------------------------------------------


def test_a_round_that_leaves_only_the_agencys_work_says_nothing_is_needed_from_the_client(
    checked: Any,
) -> None:
    """The client sent and got accepted all of theirs; the agency's drafts are still missing: the email
    says the round is done and nothing is needed from the client, never that every material passed."""
    checked.client.email = "chen@yunfan.example"
    checked.client.save()
    supplied = {
        m.id: m.supplied_by
        for m in default_catalog()
        .version(checked.case.license_id, checked.case.ruleset_version)
        .version.materials
    }
    for item in CaseMaterial.objects.filter(case=checked.case, required=True).order_by("position"):
        if supplied[item.material_id] == "client":
            _accept(
                services.material_upload(material=item, actor=checked.client, files=[pdf()]),
                checked.consultant,
                checked.company,
            )
    services.review_round_finish(case=checked.case, actor=checked.consultant)
    [message] = mail.outbox
    company = checked.company.name
    assert message.subject == (
        f"{company}ICP 许可证申请：第 1 轮审核完成，目前无需您补充材料"
        f" / {company} ICP license application: review round 1 done, nothing needed from you for now"
    )
    assert (
        "您需要提供的材料均已提交，目前无需您补充材料；其余 9 项必需材料由您的顾问准备或正在审核。"
        in message.body
    )
    assert "均已通过" not in message.body


def test_finishing_a_round_emails_the_client_once_with_everything_to_redo(checked: Any) -> None:
    checked.client.email = "chen@yunfan.example"
    checked.client.save()
    letter = services.material_upload(
        material=material(checked.case, "application_letter"), actor=checked.client, files=[pdf("申请书.pdf")]
    )
    credit = services.material_upload(
        material=material(checked.case, "credit_proof"), actor=checked.client, files=[pdf("信用.pdf")]
    )
    plan = services.material_upload(
        material=material(checked.case, "business_plan_and_technical_solution"),
        actor=checked.client,
        files=[pdf("计划.pdf")],
    )
    services.version_reject(version=letter, actor=checked.consultant, reason="signature_missing")
    services.version_reject(
        version=credit, actor=checked.consultant, reason="other", text="请提供信用中国截图"
    )
    _accept(plan, checked.consultant, checked.company)

    client_view = selectors.checklist_for(user=checked.client, case_id=checked.case.pk)
    letter_row = next(r for r in client_view.rows if r.material.material_id == "application_letter")
    assert letter_row.status == "rejected" and letter_row.reason.zh == "缺少签字"  # at once, round open
    assert mail.outbox == []

    finished = services.review_round_finish(case=checked.case, actor=checked.consultant)
    assert finished.emailed_to == ["chen@yunfan.example"]
    [message] = mail.outbox
    assert message.to == ["chen@yunfan.example"]
    company = checked.company.name
    assert message.subject == (
        f"{company}ICP 许可证申请：还需您提供或重新提交 2 项材料"
        f" / {company} ICP license application: 2 item(s) still needed from you"
    )
    body = message.body
    assert body.index("本轮退回以下 2 项材料") < body.index("This round sent back 2 material(s)")
    assert "1. 法定代表人签署的书面申请\n   原因：缺少签字\n   退回的文件：申请书.pdf（第 1 版）" in body
    assert "2. 公司信誉情况证明材料\n   原因：其他——请提供信用中国截图" in body
    assert "   Reason: Other — 请提供信用中国截图" in body
    assert "本轮已通过：业务发展计划及相关技术方案" in body
    assert f"http://127.0.0.1:8000/cases/{checked.case.pk}/materials/requests/" in body
    assert (
        "目前还需要您提供或重新提交以下 2 项：\n\n"
        "1. 法定代表人签署的书面申请（已退回：缺少签字）\n"
        "2. 公司信誉情况证明材料（已退回：其他——请提供信用中国截图）\n"
    ) in body
    assert "均已通过" not in body and "无需" not in body
    with pytest.raises(WorkflowError) as caught:
        services.review_round_finish(case=checked.case, actor=checked.consultant)
    assert caught.value.message == "No review round is in progress: accept or reject an upload first."
    assert len(mail.outbox) == 1
    event = AuditEvent.objects.get(action="material.review_round_finished")
    assert event.data["rejected"] == ["application_letter", "credit_proof"]
    assert event.data["emailed_to"] == ["chen@yunfan.example"]


def test_a_failed_email_leaves_the_round_open(checked: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    checked.client.email = "chen@yunfan.example"
    checked.client.save()
    letter = services.material_upload(
        material=material(checked.case, "application_letter"), actor=checked.client, files=[pdf()]
    )
    services.version_reject(version=letter, actor=checked.consultant, reason="blurred")

    def fail(self: Any, fail_silently: bool = False) -> int:
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", fail)
    with pytest.raises(OSError):
        services.review_round_finish(case=checked.case, actor=checked.consultant)
    assert ReviewRound.objects.get().finished_at is None
    assert not AuditEvent.objects.filter(action="material.review_round_finished").exists()


# -- the guard ------------------------------------------------------------------------------------------


def test_leaving_review_needs_every_required_material_accepted(tenant: Any) -> None:
    case = CaseFactory(
        company=ClientCompanyFactory(agency=tenant.agency),
        stage="reviewing_materials",
        consultant=tenant.consultant,
    )

    def move() -> Any:
        return case_transition(
            case=case, to_stage="drafting", actor=tenant.consultant, expected_version=case.version
        )

    with pytest.raises(WorkflowError) as caught:
        move()
    [guard] = caught.value.details["guards"]
    assert guard["code"] == "guard.materials.no_checklist"
    case_run_check(case=case, actor=tenant.consultant)
    with pytest.raises(WorkflowError) as caught:
        move()
    [guard] = caught.value.details["guards"]
    assert guard["code"] == "guard.materials.not_accepted" and len(guard["missing"]) == REQUIRED_BY_DEFAULT
    assert guard["message_zh"].startswith(
        "离开“审核材料”须全部必需材料审核通过；尚未通过：法定代表人签署的书面申请（未提交）、"
        "营业执照副本复印件（或名称预先核准通知书）（未提交）、"
    )
    required = CaseMaterial.objects.filter(case=case, required=True).select_related("case", "case__company")
    versions = {
        m.material_id: services.material_upload(material=m, actor=tenant.consultant, files=[pdf()])
        for m in required
    }
    services.version_reject(version=versions.pop("credit_proof"), actor=tenant.consultant, reason="blurred")
    for version in versions.values():
        _accept(version, tenant.consultant, case.company)
    with pytest.raises(WorkflowError) as caught:
        move()
    [guard] = caught.value.details["guards"]
    assert guard["missing"] == ["credit_proof"]
    assert guard["message"] == (
        "Leaving Reviewing materials needs every required material accepted; not yet: "
        "Proof of the company's reputation (rejected)."
    )
    credit = material(case, "credit_proof")
    _accept(
        services.material_upload(material=credit, actor=tenant.consultant, files=[pdf()]),
        tenant.consultant,
        case.company,
    )
    assert move().stage == "drafting"
    assert audit_verify().ok


def test_the_guard_counts_an_acceptance_past_its_date_as_expired(tenant: Any) -> None:
    case = CaseFactory(
        company=ClientCompanyFactory(agency=tenant.agency),
        stage="reviewing_materials",
        consultant=tenant.consultant,
    )
    case_run_check(case=case, actor=tenant.consultant)
    for item in CaseMaterial.objects.filter(case=case, required=True).select_related("case", "case__company"):
        _accept(
            services.material_upload(material=item, actor=tenant.consultant, files=[pdf()]),
            tenant.consultant,
            case.company,
        )
    CaseMaterial.objects.filter(case=case, material_id="financial_report").update(
        accepted_until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(WorkflowError) as caught:
        case_transition(
            case=case, to_stage="drafting", actor=tenant.consultant, expected_version=case.version
        )
    [guard] = caught.value.details["guards"]
    assert guard["missing"] == ["financial_report"]
    assert guard["message_zh"].endswith("尚未通过：最近经会计师事务所审计的财务报告或验资报告（已过期）。")


def test_upload_from_a_plain_stream(checked: Any, samples: Any) -> None:
    """The service takes any seekable stream (the command line, imports), hashing it itself."""
    data = io.BytesIO(samples.pdf_bytes(pages=2))
    version = services.material_upload(
        material=material(checked.case, "credit_proof"),
        actor=checked.consultant,
        files=[services.IncomingFile(name="信用.pdf", content=data)],
    )
    assert version.files.get().details == {"pages": 2}
