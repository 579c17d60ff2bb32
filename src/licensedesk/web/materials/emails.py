"""The email that closes a review round: Chinese first, then English. It says what the round decided
(rejections with their reasons and files, acceptances) and then everything still asked of the client —
from :func:`licensedesk.web.portal.asks.client_asks`, the same list the portal shows — so its subject
and body never say "all passed" while a required material is missing or rejected. Composed here, sent
by :func:`licensedesk.web.materials.services.review_round_finish` through Django's email backend."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.web.accounts.models import Role, User
from licensedesk.web.cases.models import Case
from licensedesk.web.materials.models import (
    CaseMaterial,
    MaterialStatus,
    MaterialVersion,
    ReviewRound,
    ReviewStatus,
)
from licensedesk.web.materials.reasons import BY_CODE
from licensedesk.web.materials.services import effective_status
from licensedesk.web.portal.asks import Ask, client_asks


def round_recipients(case: Case) -> list[str]:
    """The addresses of the company's active client users (sorted, each once)."""
    emails = (
        User.objects.filter(company_id=case.company_id, role=Role.CLIENT_USER, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted(set(emails))


def requests_link(case: Case) -> str:
    """The absolute address of the client's request page (from ``LICENSEDESK_BASE_URL``: an email is
    read away from any request, and a host taken from a request could be forged)."""
    base = getattr(settings, "LICENSEDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("materials:requests", kwargs={"case_id": case.pk})


def case_link(case: Case) -> str:
    """The absolute address of the client's page of the case (profile fields, messages)."""
    base = getattr(settings, "LICENSEDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("portal:case", kwargs={"pk": case.pk})


def _item(version: MaterialVersion) -> dict[str, Any]:
    reason = BY_CODE.get(version.reason)
    return {
        "title_zh": version.material.title_zh,
        "title_en": version.material.title_en,
        "reason_zh": reason.zh if reason else "",
        "reason_en": reason.en if reason else "",
        "text": version.reason_text,
        "number": version.number,
        "files": ", ".join(f.original_name for f in version.files.all()),
    }


_STATUS_ZH = {
    MaterialStatus.MISSING: "尚未提供",
    MaterialStatus.REJECTED: "已退回",
    MaterialStatus.EXPIRED: "已过期",
}
_STATUS_EN = {
    MaterialStatus.MISSING: "not sent yet",
    MaterialStatus.REJECTED: "rejected",
    MaterialStatus.EXPIRED: "expired",
}


def _needed(ask: Ask) -> dict[str, Any]:
    """One line of "still needed": the material or document, what is wrong, what to do."""
    sign = ask.kind == "sign"
    zh, en = _STATUS_ZH.get(ask.status, ""), _STATUS_EN.get(ask.status, "")
    if sign and ask.status == MaterialStatus.MISSING:
        zh, en = "请下载、签字盖章后上传", "download, sign and seal, then upload"
    elif sign:
        zh, en = f"{zh}，请重新签字盖章后上传", f"{en}; sign and seal again, then upload"
    if ask.reason_zh:
        zh += f"：{ask.reason_zh}" + (f"——{ask.reason_text}" if ask.reason_text else "")
        en += f": {ask.reason_en}" + (f" — {ask.reason_text}" if ask.reason_text else "")
    return {"title_zh": ask.title_zh, "title_en": ask.title_en, "state_zh": zh, "state_en": en}


def review_round_message(
    *, case: Case, review_round: ReviewRound, decided: list[MaterialVersion], recipients: list[str]
) -> EmailMessage:
    redo = [
        _item(v)
        for v in decided
        if v.review_status == ReviewStatus.REJECTED and v.material.latest_version_id == v.pk
    ]
    accepted = [_item(v) for v in decided if v.review_status == ReviewStatus.ACCEPTED]
    asks = client_asks(case=case)
    needed = [_needed(a) for a in asks if a.kind in ("material", "sign")]
    profile = [a for a in asks if a.kind == "profile"]
    messages = [a for a in asks if a.kind == "message"]
    today = timezone.localdate()
    required = CaseMaterial.objects.filter(case_id=case.pk, required=True)
    # required materials not accepted that the client is not asked for: the agency's, or in review
    open_required = sum(1 for m in required if effective_status(m, today) != MaterialStatus.ACCEPTED)
    names = default_catalog().license(case.license_id).short_names
    company = case.company.name
    head = f"{company}{names.zh}申请"
    head_en = f"{company} {names.en} application"
    if needed:
        subject = (
            f"{head}：还需您提供或重新提交 {len(needed)} 项材料"
            f" / {head_en}: {len(needed)} item(s) still needed from you"
        )
    elif open_required:
        subject = (
            f"{head}：第 {review_round.number} 轮审核完成，目前无需您补充材料"
            f" / {head_en}: review round {review_round.number} done, nothing needed from you for now"
        )
    else:
        subject = f"{head}：全部必需材料均已通过审核 / {head_en}: every required material is accepted"
    body = render_to_string(
        "materials/email/review_round.txt",
        {
            "company": company,
            "agency": case.agency.name,
            "license_zh": names.zh,
            "license_en": names.en,
            "round": review_round.number,
            "redo": redo,
            "accepted": accepted,
            "needed": needed,
            "open_required": open_required,
            "profile": profile,
            "messages": messages,
            "link": requests_link(case),
            "case_link": case_link(case),
        },
    )
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=recipients)
