"""The invitation email: Chinese first, then English, with the link, the agency, the company and the
license. Composed here, sent by :mod:`licensedesk.web.portal.services` through Django's email backend."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.web.portal.models import Invitation


def served_base_url(request: HttpRequest) -> str:
    """The address the server is really served on, for a link made while answering ``request``:
    ``LICENSEDESK_BASE_URL`` when set (behind a proxy the request's own address may be an inner one),
    else the scheme and host the request came to (Django checks the host against ``ALLOWED_HOSTS``, so
    it cannot be forged). An invitation sent from http://192.168.1.20:8000 then links there, not to a
    127.0.0.1 the invited person's machine cannot reach."""
    if settings.LICENSEDESK_BASE_URL_SET:
        return settings.LICENSEDESK_BASE_URL
    return request.build_absolute_uri("/").rstrip("/")


def invitation_link(token: str, base_url: str = "") -> str:
    """The absolute address of an invitation's accept page, under ``base_url`` (from
    :func:`served_base_url`) or else ``LICENSEDESK_BASE_URL`` (a resend from a command has no request)."""
    return (base_url or settings.LICENSEDESK_BASE_URL) + reverse("portal:accept", kwargs={"token": token})


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def invitation_subject(invitation: Invitation) -> str:
    case = invitation.case
    return (
        f"{invitation.agency.name}邀请您查看{case.company.name}的许可申请进度"
        f" / Invitation to follow {case.company.name}'s license application"
    )


def invitation_message(invitation: Invitation, token: str, base_url: str = "") -> EmailMessage:
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
            "link": invitation_link(token, base_url),
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
