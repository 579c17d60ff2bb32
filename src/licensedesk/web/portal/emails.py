"""The invitation email: Chinese first, then English, with the link, the agency, the company and the
license. Composed here, sent by :mod:`licensedesk.web.portal.services` through Django's email backend."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.web.portal.models import Invitation


def invitation_link(token: str) -> str:
    """The absolute address of an invitation's accept page (from ``LICENSEDESK_BASE_URL``: an email is
    read away from any request, and a host taken from a request could be forged)."""
    return settings.LICENSEDESK_BASE_URL + reverse("portal:accept", kwargs={"token": token})


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def invitation_subject(invitation: Invitation) -> str:
    case = invitation.case
    return (
        f"{invitation.agency.name}邀请您查看{case.company.name}的许可申请进度"
        f" / Invitation to follow {case.company.name}'s license application"
    )


def invitation_message(invitation: Invitation, token: str) -> EmailMessage:
    """The email of ``invitation`` whose link carries ``token`` (known only while sending)."""
    case = invitation.case
    names = default_catalog().license(case.license_id).names
    consultant = case.consultant
    body = render_to_string(
        "portal/email/invitation.txt",
        {
            "agency": invitation.agency.name,
            "company": case.company.name,
            "license_zh": names.zh,
            "license_en": names.en,
            "consultant": (consultant.display_name or consultant.get_username()) if consultant else "",
            "inviter": invitation.created_by.display_name or invitation.created_by.get_username(),
            "link": invitation_link(token),
            "expires": _local(invitation.expires_at),
            "email": invitation.email,
        },
    )
    return EmailMessage(
        subject=invitation_subject(invitation),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )
