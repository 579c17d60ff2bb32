"""The Django admin for agency admins: scoped, and its writes go through the audited services."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from licensedesk.web.accounts.models import Role, User
from licensedesk.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _admin_client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def test_agency_admin_adds_a_user_in_their_agency(tenant: Any) -> None:
    client = _admin_client(tenant.admin)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new.consultant",
            "display_name": "新顾问",
            "email": "",
            "role": Role.CONSULTANT,
            "company": "",
            "password": "Strong-Pass-2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new.consultant")
    assert (user.agency_id, user.role, user.is_staff) == (tenant.agency.pk, Role.CONSULTANT, False)
    assert user.check_password("Strong-Pass-2026")
    assert AuditEvent.objects.get(action="user.created").actor == tenant.admin


def test_agency_admin_changes_a_role_through_the_service(tenant: Any) -> None:
    client = _admin_client(tenant.admin)
    user = tenant.consultant
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {
            "username": user.username,
            "display_name": "改名",
            "email": "",
            "role": Role.AGENCY_ADMIN,
            "company": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.display_name) == (Role.AGENCY_ADMIN, True, "改名")
    assert AuditEvent.objects.get(action="user.role_changed").after["role"] == Role.AGENCY_ADMIN


def test_company_profile_edit_is_validated_and_audited(tenant: Any) -> None:
    client = _admin_client(tenant.admin)
    url = reverse("admin:cases_clientcompany_change", args=[tenant.company.pk])
    bad = dict(tenant.company.profile, company={**tenant.company.profile["company"], "uscc": "123"})
    response = client.post(url, {"profile": json.dumps(bad)})
    assert response.status_code == 200 and "company.uscc" in response.content.decode()
    good = dict(tenant.company.profile, company={**tenant.company.profile["company"], "staff_total": 99})
    response = client.post(url, {"profile": json.dumps(good)})
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="company.profile_updated").after == {"company.staff_total": 99}


def test_consultants_and_clients_have_no_admin(tenant: Any) -> None:
    for user in (tenant.consultant, tenant.client):
        response = _admin_client(user).get(reverse("admin:index"))
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_admin_changelists_are_scoped(tenant: Any, other_tenant: Any) -> None:
    client = _admin_client(tenant.admin)
    body = client.get(reverse("admin:cases_clientcompany_changelist")).content.decode()
    assert tenant.company.name in body and other_tenant.company.name not in body
    body = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert tenant.consultant.username in body and other_tenant.admin.username not in body
