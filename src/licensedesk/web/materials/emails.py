"""The email that closes a review round: Chinese first, then English, listing every material to send
again with the reason, and what was accepted. Composed here, sent by
:func:`licensedesk.web.materials.services.review_round_finish` through Django's email backend."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.web.accounts.models import Role, User
from licensedesk.web.cases.models import Case
from licensedesk.web.materials.models import MaterialVersion, ReviewRound, ReviewStatus
from licensedesk.web.materials.reasons import BY_CODE


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


def review_round_message(
    *, case: Case, review_round: ReviewRound, decided: list[MaterialVersion], recipients: list[str]
) -> EmailMessage:
    redo = [
        _item(v)
        for v in decided
        if v.review_status == ReviewStatus.REJECTED and v.material.latest_version_id == v.pk
    ]
    accepted = [_item(v) for v in decided if v.review_status == ReviewStatus.ACCEPTED]
    names = default_catalog().license(case.license_id).short_names
    company = case.company.name
    if redo:
        subject = (
            f"{company}{names.zh}申请：请重新提交 {len(redo)} 项材料"
            f" / {company} {names.en} application: {len(redo)} material(s) to send again"
        )
    else:
        subject = (
            f"{company}{names.zh}申请：本轮审核的材料均已通过"
            f" / {company} {names.en} application: every material reviewed was accepted"
        )
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
            "link": requests_link(case),
        },
    )
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=recipients)
