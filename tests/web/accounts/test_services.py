"""Users and roles: permission changes are checked and audited."""

from __future__ import annotations

from typing import Any

import pytest

from licensedesk.core.errors import InvalidInput, PermissionDenied
from licensedesk.web.accounts.models import Role, User
from licensedesk.web.accounts.selectors import users_visible_to
from licensedesk.web.accounts.services import agency_create, user_change_role, user_create, user_set_active
from licensedesk.web.audit.models import AuditEvent

from ..factories import AdminFactory, ClientCompanyFactory

pytestmark = pytest.mark.django_db


def test_agency_create_starts_its_chain() -> None:
    agency = agency_create(name=" 深圳市某某企业管理咨询有限公司 ")
    assert agency.name == "深圳市某某企业管理咨询有限公司"
    [event] = AuditEvent.objects.filter(agency=agency)
    assert (event.action, event.seq, event.actor_id) == ("agency.created", 1, None)
    with pytest.raises(InvalidInput) as caught:
        agency_create(name="深圳市某某企业管理咨询有限公司")
    assert caught.value.code == "accounts.agency_exists"


def test_admin_creates_users_and_it_is_audited(tenant: Any) -> None:
    user = user_create(
        agency=tenant.agency,
        username="zhao.lei",
        password="Strong-Pass-2026",
        role=Role.CONSULTANT,
        actor=tenant.admin,
        display_name="赵磊",
    )
    assert user.check_password("Strong-Pass-2026") and not user.is_staff
    client = user_create(
        agency=tenant.agency,
        username="kehu",
        password=None,
        role=Role.CLIENT_USER,
        actor=tenant.admin,
        company=tenant.company,
    )
    assert not client.has_usable_password()
    events = AuditEvent.objects.filter(action="user.created").order_by("seq")
    assert [e.after["role"] for e in events] == ["consultant", "client_user"]
    assert events[0].after["username"] == "zhao.lei" and events[0].actor == tenant.admin


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"role": "boss"}, "accounts.invalid_role"),
        ({"role": Role.CLIENT_USER}, "accounts.company_required"),
        ({"role": Role.CONSULTANT, "company": "own"}, "accounts.company_not_allowed"),
        ({"role": Role.CLIENT_USER, "company": "other"}, "accounts.company_other_agency"),
        ({"role": Role.CONSULTANT, "password": "123"}, "accounts.weak_password"),
        ({"role": Role.CONSULTANT, "username": "ADMIN-TAKEN"}, "accounts.username_taken"),
    ],
)
def test_user_create_refusals(tenant: Any, other_tenant: Any, kwargs: dict[str, Any], code: str) -> None:
    AdminFactory(agency=tenant.agency, username="admin-taken")
    company = {"own": tenant.company, "other": other_tenant.company, None: None}[kwargs.pop("company", None)]
    params = {"username": "new.user", "password": "Strong-Pass-2026", **kwargs}
    with pytest.raises(InvalidInput) as caught:
        user_create(agency=tenant.agency, actor=tenant.admin, company=company, **params)
    assert caught.value.code == code


def test_only_an_admin_of_the_agency_creates_users(tenant: Any, other_tenant: Any) -> None:
    for actor, code in (
        (tenant.consultant, "permission.wrong_role"),
        (tenant.client, "permission.wrong_role"),
        (other_tenant.admin, "permission.other_tenant"),
    ):
        with pytest.raises(PermissionDenied) as caught:
            user_create(agency=tenant.agency, username="x1", password=None, role=Role.CONSULTANT, actor=actor)
        assert caught.value.code == code
    assert not User.objects.filter(username="x1").exists()


def test_role_change_is_audited_with_before_and_after(tenant: Any) -> None:
    user = user_change_role(user=tenant.consultant, role=Role.AGENCY_ADMIN, actor=tenant.admin)
    assert user.is_staff
    event = AuditEvent.objects.get(action="user.role_changed")
    assert event.before == {"role": "consultant", "company": None, "is_active": True, "is_staff": False}
    assert event.after == {"role": "agency_admin", "company": None, "is_active": True, "is_staff": True}
    user_change_role(
        user=tenant.consultant, role=Role.AGENCY_ADMIN, actor=tenant.admin
    )  # no change: no event
    assert AuditEvent.objects.filter(action="user.role_changed").count() == 1


def test_role_change_refusals(tenant: Any, other_tenant: Any) -> None:
    with pytest.raises(PermissionDenied) as caught:
        user_change_role(user=tenant.consultant, role=Role.AGENCY_ADMIN, actor=tenant.consultant)
    assert caught.value.code == "permission.wrong_role"
    with pytest.raises(PermissionDenied) as caught:
        user_change_role(user=tenant.consultant, role=Role.AGENCY_ADMIN, actor=other_tenant.admin)
    assert caught.value.code == "permission.other_tenant"
    with pytest.raises(InvalidInput) as caught:
        user_change_role(user=tenant.admin, role=Role.CONSULTANT, actor=tenant.admin)
    assert caught.value.code == "accounts.last_admin"
    assert caught.value.message == "This is the agency's last admin; make someone else an admin first."


def test_deactivation(tenant: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        user_set_active(user=tenant.admin, active=False, actor=tenant.admin)
    assert caught.value.code == "accounts.self_deactivate"
    user_set_active(user=tenant.consultant, active=False, actor=tenant.admin)
    assert not User.objects.get(pk=tenant.consultant.pk).is_active
    assert AuditEvent.objects.get(action="user.deactivated").after["is_active"] is False


def test_users_visible_to(tenant: Any, other_tenant: Any) -> None:
    everyone = {u.pk for u in users_visible_to(user=tenant.admin)}
    assert tenant.client.pk in everyone and other_tenant.admin.pk not in everyone
    assert tenant.client.pk not in {u.pk for u in users_visible_to(user=tenant.consultant)}
    assert {u.pk for u in users_visible_to(user=tenant.client)} == {tenant.client.pk}


def test_database_keeps_roles_and_companies_consistent(tenant: Any) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="bad", role=Role.CLIENT_USER, agency=tenant.agency)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="bad2", role=Role.CONSULTANT, agency=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(
            username="bad3",
            role=Role.CONSULTANT,
            agency=tenant.agency,
            company=ClientCompanyFactory(agency=tenant.agency),
        )
