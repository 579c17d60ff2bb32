"""Portal services: the invitation lifecycle (sent → opened → accepted / expired, re-sent links dead),
its refusals with their exact messages, profile drafts and section submission, and the audit row of every
state change."""

from __future__ import annotations

import hashlib
import socket
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from licensedesk.core.errors import ConcurrencyError, InvalidInput, PermissionDenied
from licensedesk.web.accounts.models import Role, User
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.audit.services import audit_verify
from licensedesk.web.cases.models import ClientCompany
from licensedesk.web.portal.models import Invitation, InvitationState, ProfileDraft
from licensedesk.web.portal.selectors import invitation_by_token
from licensedesk.web.portal.services import (
    DeliveryFailed,
    invitation_accept,
    invitation_check_viewer,
    invitation_create,
    invitation_open,
    invitation_resend,
    profile_draft_save,
    profile_section_submit,
    unusable_reason,
)

from .conftest import last_token

pytestmark = pytest.mark.django_db

PASSWORD = "Lanting-Xu-2026!"


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def _expire(invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    invitation.refresh_from_db()


# -- sending ------------------------------------------------------------------------------------------


def test_invitation_create_stores_only_the_hash_sends_one_email_and_audits(tenant: Any) -> None:
    invitation = invitation_create(case=tenant.case, email="  Wang.Fang@Example.CN ", actor=tenant.consultant)
    assert invitation.email == "wang.fang@example.cn"
    assert invitation.state() == InvitationState.SENT
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["wang.fang@example.cn"]
    token = last_token()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert not any(token in str(value) for value in stored.values())  # the token itself is nowhere
    [event] = _events("invitation.sent")
    assert (event.actor, event.case_id, event.object_id) == (
        tenant.consultant,
        tenant.case.pk,
        str(invitation.pk),
    )
    assert event.after["email"] == "wang.fang@example.cn" and event.after["state"] == "sent"


def test_the_expiry_is_a_setting(tenant: Any, settings: Any) -> None:
    settings.PORTAL_INVITATION_DAYS = 2
    invitation = invitation_create(case=tenant.case, email="a@example.cn", actor=tenant.admin)
    assert invitation.expires_at - invitation.created_at == timedelta(days=2)


def test_a_client_user_cannot_invite(tenant: Any) -> None:
    with pytest.raises(PermissionDenied) as caught:
        invitation_create(case=tenant.case, email="a@example.cn", actor=tenant.client)
    assert caught.value.code == "permission.wrong_role"
    assert caught.value.message == (
        "Your role (client_user) may not invite clients; allowed: agency_admin, consultant."
    )
    assert caught.value.message_zh == "您的角色（客户 Client user）无权执行此操作：invite clients。"
    assert not Invitation.objects.exists() and not mail.outbox and not _events("invitation.sent")


def test_staff_of_another_agency_cannot_invite(tenant: Any, other_tenant: Any) -> None:
    with pytest.raises(PermissionDenied) as caught:
        invitation_create(case=tenant.case, email="a@example.cn", actor=other_tenant.admin)
    assert (caught.value.code, caught.value.message, caught.value.message_zh) == (
        "permission.other_tenant",
        "This belongs to another agency.",
        "无权访问其他机构的数据。",
    )
    assert not Invitation.objects.exists() and not mail.outbox


def test_a_bad_address_is_refused_naming_the_field(tenant: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        invitation_create(case=tenant.case, email="wang.fang@", actor=tenant.consultant)
    err = caught.value
    assert (err.code, err.message, err.message_zh) == (
        "invitation.email_invalid",
        "Enter a valid email address (got 'wang.fang@').",
        "请填写有效的邮箱地址。",
    )
    assert err.details == {"field": "email"}


def test_an_address_of_staff_or_of_another_client_is_refused(tenant: Any) -> None:
    User.objects.filter(pk=tenant.other_consultant.pk).update(email="li.na@agency.cn")
    User.objects.filter(pk=tenant.client2.pk).update(username="zhao.lei@client2.cn")
    User.objects.filter(pk=tenant.admin.pk).update(email="boss@agency.cn")
    for email in ("li.na@agency.cn", "ZHAO.LEI@client2.cn", "boss@agency.cn"):
        with pytest.raises(InvalidInput) as caught:
            invitation_create(case=tenant.case, email=email, actor=tenant.consultant)
        assert caught.value.code == "invitation.email_in_use", email
        assert caught.value.message == (
            f"{email.lower()} belongs to an account of this agency that is not a client of "
            f"{tenant.company.name}."
        )
    assert not Invitation.objects.exists()


def test_a_second_invitation_of_the_same_address_is_refused(invited: Any, tenant: Any) -> None:
    invitation, _ = invited
    with pytest.raises(InvalidInput) as caught:
        invitation_create(case=tenant.case, email="WANG.FANG@example.cn", actor=tenant.admin)
    assert caught.value.code == "invitation.pending"
    assert caught.value.message == (
        "wang.fang@example.cn already has an invitation to this case (sent); re-send it instead."
    )
    assert caught.value.details["invitation"] == invitation.pk
    assert len(mail.outbox) == 1


def test_a_mail_server_that_refuses_leaves_nothing_saved(tenant: Any) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port},
    }
    with override_settings(MAILERS={"default": smtp}), pytest.raises(DeliveryFailed) as caught:
        invitation_create(case=tenant.case, email="a@example.cn", actor=tenant.consultant)
    err = caught.value
    assert err.code == "invitation.email_failed" and err.http_status == 502
    assert err.message.startswith("The invitation email to a@example.cn could not be sent (")
    assert err.message.endswith("); nothing was saved.")
    assert not Invitation.objects.exists() and not _events("invitation.sent")


# -- opening ------------------------------------------------------------------------------------------


def test_the_first_visit_opens_the_invitation_once(invited: Any) -> None:
    invitation, token = invited
    found = invitation_by_token(token=token)
    assert found.pk == invitation.pk
    invitation_open(invitation=found)
    assert found.state() == InvitationState.OPENED
    invitation_open(invitation=invitation_by_token(token=token))
    [event] = _events("invitation.opened")
    assert event.actor is None and event.before == {"state": "sent"} and event.after == {"state": "opened"}


def test_an_unknown_token_is_not_found(db: Any) -> None:
    from licensedesk.core.errors import NotFound

    with pytest.raises(NotFound) as caught:
        invitation_by_token(token="not-a-token")
    assert caught.value.code == "invitation.not_found"
    assert caught.value.message == (
        "This invitation link is not valid. Check that you opened the whole link from the email."
    )


# -- accepting ----------------------------------------------------------------------------------------


def test_accepting_creates_a_client_user_of_the_case_company(invited: Any, tenant: Any) -> None:
    invitation, token = invited
    user = invitation_accept(
        invitation=invitation_by_token(token=token), display_name=" 王芳 ", password=PASSWORD
    )
    assert (user.role, user.company, user.agency, user.username, user.email, user.display_name) == (
        Role.CLIENT_USER,
        tenant.company,
        tenant.agency,
        "wang.fang@example.cn",
        "wang.fang@example.cn",
        "王芳",
    )
    assert user.check_password(PASSWORD)
    invitation.refresh_from_db()
    assert invitation.state() == InvitationState.ACCEPTED and invitation.accepted_by == user
    created, accepted = _events("user.created"), _events("invitation.accepted")
    assert len(created) == 1 and len(accepted) == 1 and created[0].seq < accepted[0].seq
    assert accepted[0].actor == user and accepted[0].after == {"state": "accepted", "user": user.pk}
    assert accepted[0].data == {"linked_existing_account": False}
    assert audit_verify().ok


def test_a_used_link_is_refused_and_creates_nobody(invited: Any) -> None:
    invitation, token = invited
    invitation_accept(invitation=invitation, display_name="王芳", password=PASSWORD)
    users = User.objects.count()
    again = invitation_by_token(token=token)
    with pytest.raises(InvalidInput) as caught:
        invitation_accept(invitation=again, display_name="冒充者", password=PASSWORD)
    err = caught.value
    assert (err.code, err.message, err.message_zh) == (
        "invitation.used",
        "This invitation link has already been used. Sign in with the account it created.",
        "该邀请链接已被使用，请直接登录。",
    )
    assert User.objects.count() == users and len(_events("invitation.accepted")) == 1


def test_an_expired_link_changes_nothing(invited: Any) -> None:
    invitation, token = invited
    _expire(invitation)
    assert invitation.state() == InvitationState.EXPIRED
    found = invitation_by_token(token=token)
    invitation_open(invitation=found)
    assert Invitation.objects.get(pk=invitation.pk).opened_at is None and not _events("invitation.opened")
    assert unusable_reason(found).code == "invitation.expired"
    with pytest.raises(InvalidInput) as caught:
        invitation_accept(invitation=found, display_name="王芳", password=PASSWORD)
    assert (caught.value.code, caught.value.message_zh) == (
        "invitation.expired",
        "该邀请链接已过期，请联系您的顾问重新发送。",
    )
    assert not User.objects.filter(username="wang.fang@example.cn").exists()


def test_a_weak_password_is_refused_with_the_validators_words(invited: Any) -> None:
    invitation, _ = invited
    with pytest.raises(InvalidInput) as caught:
        invitation_accept(invitation=invitation, display_name="王芳", password="12345678")
    err = caught.value
    assert err.code == "accounts.weak_password"
    # Django's validators speak the active language (Chinese unless the request asks for English)
    assert err.details["problems"] == [
        "此密码太短，至少要包含 10 个字符。",
        "这个密码太常见了。",
        "密码只包含数字。",
    ]
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None
    assert not _events("invitation.accepted") and not _events("user.created")


def test_a_name_is_required(invited: Any) -> None:
    invitation, _ = invited
    with pytest.raises(InvalidInput) as caught:
        invitation_accept(invitation=invitation, display_name="   ", password=PASSWORD)
    assert caught.value.code == "invitation.display_name_invalid"
    assert caught.value.message == "Enter your name (1 to 100 characters)."
    assert caught.value.details == {"field": "display_name"}


def test_an_address_with_an_account_elsewhere_cannot_accept(tenant: Any, other_tenant: Any) -> None:
    User.objects.filter(pk=other_tenant.consultant.pk).update(email="shared@example.cn")
    invitation = invitation_create(case=tenant.case, email="shared@example.cn", actor=tenant.consultant)
    with pytest.raises(InvalidInput) as caught:
        invitation_accept(invitation=invitation, display_name="王芳", password=PASSWORD)
    assert caught.value.code == "invitation.email_in_use"
    assert caught.value.message == (
        "shared@example.cn already belongs to another account; ask your consultant to invite another address."
    )


def test_an_existing_client_of_the_company_links_after_signing_in(tenant: Any) -> None:
    User.objects.filter(pk=tenant.client.pk).update(email="chen@client.cn")
    tenant.client.refresh_from_db()
    invitation = invitation_create(case=tenant.case, email="chen@client.cn", actor=tenant.consultant)
    with pytest.raises(InvalidInput) as caught:
        invitation_accept(invitation=invitation, display_name="陈", password=PASSWORD)
    assert caught.value.code == "invitation.sign_in_first"
    assert caught.value.message == "chen@client.cn already has an account. Sign in, then open the link again."
    user = invitation_accept(invitation=invitation, signed_in=tenant.client)
    assert user == tenant.client
    [event] = _events("invitation.accepted")
    assert event.actor == tenant.client and event.data == {"linked_existing_account": True}


@pytest.mark.parametrize("who", ["consultant", "client2", "other_agency_client"])
def test_somebody_else_signed_in_is_refused(invited: Any, tenant: Any, other_tenant: Any, who: str) -> None:
    invitation, _ = invited
    viewer = {
        "consultant": tenant.consultant,
        "client2": tenant.client2,
        "other_agency_client": other_tenant.client,
    }[who]
    with pytest.raises(PermissionDenied) as caught:
        invitation_check_viewer(invitation=invitation, viewer=viewer)
    assert caught.value.code == "invitation.other_account"
    assert caught.value.message == (
        f"You are signed in as {viewer.username}, not as the person invited. "
        "Sign out and open the link again."
    )
    with pytest.raises(PermissionDenied):
        invitation_accept(invitation=invitation, signed_in=viewer)
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


# -- re-sending ---------------------------------------------------------------------------------------


def test_resending_kills_the_old_link_and_sends_a_new_one(invited: Any, tenant: Any) -> None:
    old, old_token = invited
    _expire(old)
    new = invitation_resend(invitation=old, actor=tenant.admin)
    new_token = last_token()
    assert len(mail.outbox) == 2 and new_token != old_token
    old.refresh_from_db()
    assert old.state() == InvitationState.SUPERSEDED and new.resent_from == old
    assert new.state() == InvitationState.SENT and new.expires_at > timezone.now() + timedelta(days=6)
    stale = invitation_by_token(token=old_token)
    with pytest.raises(InvalidInput) as caught:
        invitation_accept(invitation=stale, display_name="王芳", password=PASSWORD)
    assert caught.value.code == "invitation.superseded"
    assert caught.value.message == (
        "This invitation link was replaced by a newer one. Use the link in the latest email."
    )
    user = invitation_accept(
        invitation=invitation_by_token(token=new_token), display_name="王芳", password=PASSWORD
    )
    assert user.company == tenant.company
    [event] = _events("invitation.resent")
    assert event.actor == tenant.admin and event.object_id == str(new.pk)
    assert event.before == {"invitation": old.pk, "state": "expired"}
    assert (event.after["invitation"], event.after["email"], event.after["state"]) == (
        new.pk,
        "wang.fang@example.cn",
        "sent",
    )


def test_resending_refusals(invited: Any, tenant: Any, other_tenant: Any) -> None:
    invitation, _ = invited
    with pytest.raises(PermissionDenied) as caught:
        invitation_resend(invitation=invitation, actor=tenant.client)
    assert caught.value.code == "permission.wrong_role"
    with pytest.raises(PermissionDenied) as caught:
        invitation_resend(invitation=invitation, actor=other_tenant.consultant)
    assert caught.value.code == "permission.other_tenant"
    new = invitation_resend(invitation=invitation, actor=tenant.consultant)
    with pytest.raises(InvalidInput) as caught:
        invitation_resend(invitation=Invitation.objects.get(pk=invitation.pk), actor=tenant.consultant)
    assert (caught.value.code, caught.value.message) == (
        "invitation.superseded",
        "This invitation was already re-sent; re-send the newest one.",
    )
    invitation_accept(invitation=new, display_name="王芳", password=PASSWORD)
    with pytest.raises(InvalidInput) as caught:
        invitation_resend(invitation=new, actor=tenant.consultant)
    assert (caught.value.code, caught.value.message) == (
        "invitation.already_accepted",
        "wang.fang@example.cn has already accepted this invitation.",
    )
    assert len(_events("invitation.resent")) == 1 and len(mail.outbox) == 2


# -- profile drafts and sections ---------------------------------------------------------------------


def test_a_draft_is_kept_apart_from_the_profile_and_audited(tenant: Any) -> None:
    before = ClientCompany.objects.get(pk=tenant.company.pk).profile
    data = {"staff_total": "很多", "name": tenant.company.name}
    draft = profile_draft_save(company=tenant.company, section="company", data=data, actor=tenant.client)
    assert (draft.data, draft.base_version, draft.updated_by) == (data, 1, tenant.client)
    assert ClientCompany.objects.get(pk=tenant.company.pk).profile == before
    profile_draft_save(company=tenant.company, section="company", data=dict(data), actor=tenant.client)
    [event] = _events("company.profile_draft_saved")  # saving the same input again wrote nothing
    assert event.actor == tenant.client
    assert event.data == {
        "company": tenant.company.pk,
        "section": "company",
        "fields": ["name", "staff_total"],
        "created": True,
    }


def test_drafts_of_another_client_or_section_are_refused(tenant: Any) -> None:
    with pytest.raises(PermissionDenied) as caught:
        profile_draft_save(company=tenant.company, section="company", data={}, actor=tenant.client2)
    assert (caught.value.code, caught.value.message) == (
        "permission.other_tenant",
        "This belongs to another client.",
    )
    with pytest.raises(InvalidInput) as caught:
        profile_draft_save(company=tenant.company, section="finance", data={}, actor=tenant.client)
    assert caught.value.code == "profile_draft.section_invalid"
    assert caught.value.message == (
        "Unknown profile section 'finance'; sections: company, service, readiness, extensions."
    )
    assert not ProfileDraft.objects.exists()


def test_submitting_a_section_applies_it_and_removes_the_draft(tenant: Any) -> None:
    company = tenant.company
    section = {**company.profile["company"], "staff_total": 40, "city": "广州市"}
    profile_draft_save(company=company, section="company", data=section, actor=tenant.client)
    profile_section_submit(
        company=company, section="company", data=section, actor=tenant.client, expected_version=1
    )
    fresh = ClientCompany.objects.get(pk=company.pk)
    assert fresh.profile["company"]["staff_total"] == 40 and fresh.version == 2
    assert fresh.profile["service"] == company.profile["service"]  # other sections untouched
    assert not ProfileDraft.objects.exists()
    [updated] = _events("company.profile_updated")
    assert updated.actor == tenant.client
    assert updated.before == {"company.staff_total": 12, "company.city": "深圳市"}
    assert updated.after == {"company.staff_total": 40, "company.city": "广州市"}
    [applied] = _events("company.profile_draft_applied")
    assert applied.seq > updated.seq and applied.data["section"] == "company"


def test_a_bad_section_is_refused_with_every_problem_and_the_draft_stays(tenant: Any) -> None:
    company = tenant.company
    section = {**company.profile["company"], "staff_total": "很多", "uscc": "91440300MA5FXK2Q19"}
    profile_draft_save(company=company, section="company", data=section, actor=tenant.client)
    with pytest.raises(InvalidInput) as caught:
        profile_section_submit(
            company=company, section="company", data=section, actor=tenant.client, expected_version=1
        )
    assert caught.value.code == "company.profile_invalid"
    paths = {p["path"] for p in caught.value.details["problems"]}
    assert paths == {"company.staff_total", "company.uscc"}
    assert ClientCompany.objects.get(pk=company.pk).version == 1
    assert ProfileDraft.objects.get().data == section
    assert not _events("company.profile_updated") and not _events("company.profile_draft_applied")


def test_an_emptied_optional_section_becomes_unknown(tenant: Any) -> None:
    profile_section_submit(
        company=tenant.company, section="readiness", data={}, actor=tenant.client, expected_version=None
    )
    assert "readiness" not in ClientCompany.objects.get(pk=tenant.company.pk).profile


def test_a_section_submitted_on_a_stale_version_is_refused(tenant: Any) -> None:
    company = tenant.company
    profile_section_submit(
        company=company,
        section="readiness",
        data={"business_plan": False},
        actor=tenant.consultant,
        expected_version=1,
    )
    with pytest.raises(ConcurrencyError) as caught:
        profile_section_submit(
            company=company,
            section="readiness",
            data={"business_plan": True},
            actor=tenant.client,
            expected_version=1,
        )
    assert caught.value.code == "company.changed"
    assert (
        caught.value.message == "The company profile was changed by someone else; reload it and edit again."
    )
    assert ClientCompany.objects.get(pk=company.pk).profile["readiness"] == {"business_plan": False}
