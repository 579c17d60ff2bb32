"""Writes of the client portal: invitations (send, re-send, open, accept) and profile drafts (save,
submit a section). Each checks the actor, does its change and records its audit event in one transaction.

Invitation links carry a random token; only its SHA-256 is stored. A link works once, until it expires
(``PORTAL_INVITATION_DAYS``), and stops working when the invitation is re-sent. The email goes out inside
the transaction that records the invitation: if the mail server refuses it, nothing is saved and the
caller gets ``invitation.email_failed`` — there is never an invitation nobody was told about.
"""

from __future__ import annotations

import hashlib
import secrets
import smtplib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from licensedesk.core.errors import ApplicationError, InvalidInput, PermissionDenied
from licensedesk.web.accounts.models import Role, User
from licensedesk.web.accounts.roles import ensure_company_member_or_staff, ensure_staff
from licensedesk.web.accounts.services import user_create
from licensedesk.web.audit.services import audit_record
from licensedesk.web.cases.models import Case, ClientCompany
from licensedesk.web.cases.services import (
    USCC_UNUSABLE,
    company_profile_update,
    refresh_company_fields,
)
from licensedesk.web.portal.emails import invitation_message
from licensedesk.web.portal.models import Invitation, InvitationState, ProfileDraft
from licensedesk.web.portal.profile_sections import SECTIONS, merge_section

TOKEN_BYTES = 32
DISPLAY_NAME_MAX_LENGTH = 100


class DeliveryFailed(ApplicationError):
    """The mail server did not take a message; nothing was saved."""

    default_code = "invitation.email_failed"
    http_status = 502


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _expiry() -> timedelta:
    return timedelta(days=settings.PORTAL_INVITATION_DAYS)


def _normalised_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(
            f"Enter a valid email address (got {email!r}).",
            code="invitation.email_invalid",
            message_zh="请填写有效的邮箱地址。",
            details={"field": "email"},
        ) from None
    return email


def _accounts_with(email: str) -> Q:
    return Q(username__iexact=email) | Q(email__iexact=email)


def _send(invitation: Invitation, token: str, base_url: str) -> None:
    try:
        invitation_message(invitation, token, base_url).send()
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(
            f"The invitation email to {invitation.email} could not be sent ({exc}); nothing was saved.",
            message_zh=f"邀请邮件未能发送至 {invitation.email}（{exc}），未保存任何内容。",
            details={"field": "email"},
        ) from None


def _issue(
    *, case: Case, email: str, actor: User, resent_from: Invitation | None = None
) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    invitation = Invitation.objects.create(
        agency_id=case.agency_id,
        case=case,
        email=email,
        token_hash=token_hash(token),
        created_by=actor,
        created_at=now,
        expires_at=now + _expiry(),
        resent_from=resent_from,
    )
    return invitation, token


# -- invitations ----------------------------------------------------------------------------------------


def invitation_create(*, case: Case, email: str, actor: User, base_url: str = "") -> Invitation:
    """Invite ``email`` to follow ``case`` as a client user of the case's company, and email the link.

    Staff of the case's agency only. Refused: an address that belongs to staff or to another client of
    the agency (``invitation.email_in_use``), and a second live invitation of the same address to the
    same case (``invitation.pending`` — re-send that one instead). The link starts with ``base_url``
    (``emails.served_base_url``), else ``LICENSEDESK_BASE_URL``.
    """
    ensure_staff(actor, case.agency_id, action="invite clients")
    email = _normalised_email(email)
    clash = (
        User.objects.filter(_accounts_with(email), agency_id=case.agency_id)
        .exclude(role=Role.CLIENT_USER, company_id=case.company_id)
        .exists()
    )
    if clash:
        raise InvalidInput(
            f"{email} belongs to an account of this agency that is not a client of {case.company.name}.",
            code="invitation.email_in_use",
            message_zh=f"{email} 已是本机构的其他账户（不是 {case.company.name} 的客户用户），不能邀请。",
            details={"field": "email"},
        )
    pending = (
        Invitation.objects.filter(
            case_id=case.pk, email=email, accepted_at__isnull=True, superseded_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
    if pending is not None:
        raise _pending(email, pending)
    try:
        with transaction.atomic():
            invitation, token = _issue(case=case, email=email, actor=actor)
            audit_record(
                agency=case.agency_id,
                actor=actor,
                action="invitation.sent",
                case=case,
                target=invitation,
                after={"email": email, "state": InvitationState.SENT, "expires_at": invitation.expires_at},
            )
            _send(invitation, token, base_url)
    except IntegrityError:  # a concurrent invitation of the same address won the unique index
        raise _pending(email, None) from None
    return invitation


def _pending(email: str, pending: Invitation | None) -> InvalidInput:
    state = f" ({pending.state()})" if pending else ""
    state_zh = f"（{pending.state_label}）" if pending else ""
    return InvalidInput(
        f"{email} already has an invitation to this case{state}; re-send it instead.",
        code="invitation.pending",
        message_zh=f"已向 {email} 发出本案件的邀请{state_zh}，如需新链接请重新发送。",
        details={"field": "email", "invitation": pending.pk if pending else None},
    )


def invitation_resend(*, invitation: Invitation, actor: User, base_url: str = "") -> Invitation:
    """A new link for the same person and case (a new email, a new expiry); the old link stops working.
    Staff of the agency. An accepted invitation, or one already re-sent, cannot be re-sent."""
    ensure_staff(actor, invitation.agency_id, action="invite clients")
    with transaction.atomic():
        old = (
            Invitation.objects.select_for_update()
            .select_related("case", "case__company")
            .get(pk=invitation.pk)
        )
        state = old.state()
        if state == InvitationState.ACCEPTED:
            raise InvalidInput(
                f"{old.email} has already accepted this invitation.",
                code="invitation.already_accepted",
                message_zh=f"{old.email} 已接受该邀请，无需重发。",
            )
        if state == InvitationState.SUPERSEDED:
            raise InvalidInput(
                "This invitation was already re-sent; re-send the newest one.",
                code="invitation.superseded",
                message_zh="该邀请已重新发送过，请对最新的邀请操作。",
            )
        now = timezone.now()
        Invitation.objects.filter(pk=old.pk).update(superseded_at=now)
        invitation.superseded_at = now
        new, token = _issue(case=old.case, email=old.email, actor=actor, resent_from=old)
        audit_record(
            agency=old.agency_id,
            actor=actor,
            action="invitation.resent",
            case=old.case,
            target=new,
            before={"invitation": old.pk, "state": state},
            after={
                "invitation": new.pk,
                "email": new.email,
                "state": InvitationState.SENT,
                "expires_at": new.expires_at,
            },
        )
        _send(new, token, base_url)
    return new


def invitation_open(*, invitation: Invitation) -> Invitation:
    """The first visit of a working link: ``sent`` → ``opened`` (audited once; later visits, and visits of
    an expired, used or replaced link, change nothing)."""
    if invitation.state() != InvitationState.SENT:
        return invitation
    with transaction.atomic():
        now = timezone.now()
        updated = Invitation.objects.filter(
            pk=invitation.pk,
            opened_at__isnull=True,
            accepted_at__isnull=True,
            superseded_at__isnull=True,
            expires_at__gt=now,
        ).update(opened_at=now)
        if not updated:
            return invitation
        invitation.opened_at = now
        audit_record(
            agency=invitation.agency_id,
            actor=None,
            action="invitation.opened",
            case=invitation.case,
            target=invitation,
            before={"state": InvitationState.SENT},
            after={"state": InvitationState.OPENED},
        )
    return invitation


def unusable_reason(invitation: Invitation) -> ApplicationError | None:
    """Why the link of ``invitation`` cannot be used any more, or None if it can."""
    state = invitation.state()
    if state == InvitationState.EXPIRED:
        return InvalidInput(
            "This invitation link has expired. Ask your consultant to send a new one.",
            code="invitation.expired",
            message_zh="该邀请链接已过期，请联系您的顾问重新发送。",
        )
    if state == InvitationState.ACCEPTED:
        return InvalidInput(
            "This invitation link has already been used. Sign in with the account it created.",
            code="invitation.used",
            message_zh="该邀请链接已被使用，请直接登录。",
        )
    if state == InvitationState.SUPERSEDED:
        return InvalidInput(
            "This invitation link was replaced by a newer one. Use the link in the latest email.",
            code="invitation.superseded",
            message_zh="该邀请链接已被新的邀请取代，请使用最新邮件中的链接。",
        )
    return None


def _other_account(signed_in: User) -> PermissionDenied:
    return PermissionDenied(
        f"You are signed in as {signed_in.get_username()}, not as the person invited. Sign out and open "
        "the link again.",
        code="invitation.other_account",
        message_zh=f"您当前登录的账户（{signed_in.get_username()}）不是受邀人，请退出登录后重新打开链接。",
    )


def invitation_check_viewer(*, invitation: Invitation, viewer: Any) -> None:
    """Someone signed in may open a link only if they are the invited person (a client user of the case's
    company with the invited address): a link never shows one tenant's case to another's user."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return
    case = invitation.case
    same_person = (
        viewer.role == Role.CLIENT_USER
        and viewer.agency_id == invitation.agency_id
        and viewer.company_id == case.company_id
        and invitation.email in {viewer.get_username().lower(), (viewer.email or "").lower()}
    )
    if not same_person:
        raise _other_account(viewer)


def invitation_accept(
    *, invitation: Invitation, display_name: str = "", password: str = "", signed_in: Any | None = None
) -> User:
    """Accept an invitation: create the invited person's account — a client user of the case's company,
    username and email the invited address — or, if they are signed in with that account already, link
    it. Returns the user (the caller signs them in).

    Refused: an expired, used or replaced link; someone else signed in; an address that already has an
    account (``invitation.sign_in_first`` if it is this company's client, else
    ``invitation.email_in_use``); a missing name; a password Django's validators reject
    (``accounts.weak_password``). Two people using the same link at once: one wins, the other is told
    the link was used.
    """
    invitation_check_viewer(invitation=invitation, viewer=signed_in)
    linked = signed_in is not None and getattr(signed_in, "is_authenticated", False)
    display_name = (display_name or "").strip()
    with transaction.atomic():
        current = (
            Invitation.objects.select_for_update()
            .select_related("case", "case__company")
            .get(pk=invitation.pk)
        )
        problem = unusable_reason(current)
        if problem is not None:
            raise problem
        case = current.case
        if linked:
            user = signed_in
        else:
            existing = User.objects.filter(_accounts_with(current.email)).first()
            if existing is not None:
                if existing.role == Role.CLIENT_USER and existing.company_id == case.company_id:
                    raise InvalidInput(
                        f"{current.email} already has an account. Sign in, then open the link again.",
                        code="invitation.sign_in_first",
                        message_zh=f"{current.email} 已有账户，请先登录，再重新打开邀请链接。",
                    )
                raise InvalidInput(
                    f"{current.email} already belongs to another account; ask your consultant to invite "
                    "another address.",
                    code="invitation.email_in_use",
                    message_zh=f"{current.email} 已被其他账户使用，请联系顾问改用其他邮箱邀请。",
                )
            if not display_name or len(display_name) > DISPLAY_NAME_MAX_LENGTH:
                raise InvalidInput(
                    f"Enter your name (1 to {DISPLAY_NAME_MAX_LENGTH} characters).",
                    code="invitation.display_name_invalid",
                    message_zh=f"请填写姓名（1 至 {DISPLAY_NAME_MAX_LENGTH} 个字）。",
                    details={"field": "display_name"},
                )
            user = user_create(
                agency=current.agency,
                username=current.email,
                password=password,
                role=Role.CLIENT_USER,
                company=case.company,
                actor=None,
                email=current.email,
                display_name=display_name,
            )
        now = timezone.now()
        state = current.state(now)
        updated = Invitation.objects.filter(
            pk=current.pk, accepted_at__isnull=True, superseded_at__isnull=True
        ).update(accepted_at=now, accepted_by=user)
        if not updated:  # pragma: no cover - the row lock above serialises accepts
            raise unusable_reason(Invitation.objects.get(pk=current.pk)) or InvalidInput(
                "This invitation link has already been used.", code="invitation.used"
            )
        invitation.accepted_at, invitation.accepted_by = now, user
        audit_record(
            agency=current.agency_id,
            actor=user,
            action="invitation.accepted",
            case=case,
            target=current,
            before={"state": state},
            after={"state": InvitationState.ACCEPTED, "user": user.pk},
            data={"linked_existing_account": linked},
        )
    return user


# -- profile drafts ----------------------------------------------------------------------------------------


def _check_section(section: str) -> None:
    if section not in SECTIONS:
        raise InvalidInput(
            f"Unknown profile section {section!r}; sections: {', '.join(SECTIONS)}.",
            code="profile_draft.section_invalid",
            message_zh=f"未知的档案部分 {section!r}。",
        )


def profile_draft_save(
    *, company: ClientCompany, section: str, data: dict[str, Any], actor: User
) -> ProfileDraft:
    """Keep what ``actor`` typed into ``section`` (valid or not) apart from the company's profile. Client
    users of the company, or staff of its agency. Saving the same input again writes nothing."""
    ensure_company_member_or_staff(
        actor, agency_id=company.agency_id, company_id=company.pk, action="edit the company profile"
    )
    _check_section(section)
    if not isinstance(data, dict):
        raise InvalidInput(
            "A draft is a set of form fields.", code="profile_draft.invalid", message_zh="草稿格式无效。"
        )
    with transaction.atomic():
        draft = (
            ProfileDraft.objects.select_for_update().filter(company_id=company.pk, section=section).first()
        )
        if draft is not None and draft.data == data:
            return draft
        created = draft is None
        if created:
            draft = ProfileDraft(company=company, section=section)
        draft.data = data
        draft.base_version = ClientCompany.objects.values_list("version", flat=True).get(pk=company.pk)
        draft.updated_by = actor
        draft.updated_at = timezone.now()
        draft.save()
        audit_record(
            agency=company.agency_id,
            actor=actor,
            action="company.profile_draft_saved",
            target=draft,
            data={"company": company.pk, "section": section, "fields": sorted(data), "created": created},
        )
    return draft


def profile_section_submit(
    *, company: ClientCompany, section: str, data: dict[str, Any], actor: User, expected_version: int | None
) -> ClientCompany:
    """Apply one section to the company's profile: the current profile with ``section`` replaced by
    ``data`` (contract JSON), validated like the CLI validates and saved by ``company_profile_update``
    (audited there with every changed path); the section's draft is then removed.

    Raises ``company.profile_invalid`` (with every problem's path) or ``company.changed`` when the profile
    moved on since ``expected_version`` was read; in both cases nothing changes and the draft stays.
    """
    ensure_company_member_or_staff(
        actor, agency_id=company.agency_id, company_id=company.pk, action="edit the company profile"
    )
    _check_section(section)
    try:
        with transaction.atomic():
            fresh = ClientCompany.objects.get(pk=company.pk)
            merged = merge_section(fresh.profile, section, data)
            company_profile_update(
                company=fresh, profile=merged, actor=actor, expected_version=expected_version
            )
            draft = ProfileDraft.objects.filter(company_id=company.pk, section=section).first()
            if draft is not None:
                draft_id = draft.pk
                draft.delete()
                draft.pk = draft_id
                audit_record(
                    agency=company.agency_id,
                    actor=actor,
                    action="company.profile_draft_applied",
                    target=draft,
                    data={"company": company.pk, "section": section, "version": fresh.version},
                )
    except InvalidInput as refused:
        if refused.code == USCC_UNUSABLE:
            _flag_uscc_conflict(company=company, actor=actor, uscc=str(refused.details.get("uscc", "")))
        raise
    refresh_company_fields(company, fresh)
    return company


def _flag_uscc_conflict(*, company: ClientCompany, actor: User, uscc: str) -> None:
    """A client was refused a USCC another client of the agency holds, and was told only that it cannot
    be used: put the conflict on the timeline of the company's open cases, where its consultant sees it
    (with the client's typed draft) and can sort it out. Written after the refusal rolled back."""
    cases = list(Case.objects.filter(company_id=company.pk, closed_at__isnull=True).order_by("pk"))
    with transaction.atomic():
        for case in cases or [None]:
            audit_record(
                agency=company.agency_id,
                actor=actor,
                action="company.uscc_conflict",
                case=case,
                target=company,
                data={"uscc": uscc},
            )
