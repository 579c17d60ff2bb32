"""Sign-in: Argon2, throttling, staff logins audited, secure cookies and security headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import Client
from django.urls import reverse

from licensedesk.web import settings as project_settings
from licensedesk.web.audit.models import AuditEvent

from .factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="203.0.113.7"
    )


def test_argon2_is_the_password_hasher(settings: Any) -> None:
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert get_hasher().algorithm == "argon2"


def test_staff_login_is_audited_client_login_is_not(tenant: Any) -> None:
    response = _login(Client(), tenant.consultant.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")  # → the board
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.actor, event.agency_id, event.data["ip"]) == (
        tenant.consultant,
        tenant.agency.pk,
        "203.0.113.7",
    )
    assert _login(Client(), tenant.client.username, PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="auth.login").count() == 1


def test_repeated_failures_lock_the_login_out(tenant: Any) -> None:
    client = Client()
    for _ in range(4):
        assert _login(client, tenant.admin.username, "wrong-password").status_code == 200
    assert _login(client, tenant.admin.username, "wrong-password").status_code == 429  # the 5th failure locks
    response = _login(client, tenant.admin.username, PASSWORD)
    assert response.status_code == 429  # django-axes: locked even with the right password
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    # another username from the same address is not locked
    assert _login(Client(), tenant.consultant.username, PASSWORD).status_code == 302


def _login_via_proxy(client: Client, username: str, password: str, forwarded_for: str) -> Any:
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_a_proxy_the_lockout_and_the_audit_key_on_the_real_client(tenant: Any, settings: Any) -> None:
    settings.BEHIND_PROXY, settings.TRUSTED_PROXIES = True, ["127.0.0.1"]
    username = tenant.consultant.username
    # client A's failures, all arriving from the proxy's address; A's own left-most guesses are ignored
    for attempt in range(4):
        forwarded = f"198.51.100.{attempt}, 203.0.113.7"
        assert _login_via_proxy(Client(), username, "wrong-password", forwarded).status_code == 200
    assert _login_via_proxy(Client(), username, "wrong-password", "203.0.113.7").status_code == 429
    assert _login_via_proxy(Client(), username, PASSWORD, "203.0.113.7").status_code == 429  # A locked
    assert _login_via_proxy(Client(), username, PASSWORD, "203.0.113.8").status_code == 302  # B is not
    assert AuditEvent.objects.get(action="auth.login").data["ip"] == "203.0.113.8"


def test_served_directly_a_spoofed_forwarded_address_does_not_escape_the_lockout(tenant: Any) -> None:
    statuses = [
        Client()
        .post(
            reverse("login"),
            {"username": tenant.admin.username, "password": "wrong-password"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",  # a new address each time: not believed
        )
        .status_code
        for attempt in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]


def test_login_page_sets_security_headers_and_secure_cookies(db: Any, settings: Any) -> None:
    # as configured for HTTPS (tests/web/test_settings.py: when the default turns them on)
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = True
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    csrf = response.cookies[project_settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    assert project_settings.SESSION_COOKIE_HTTPONLY


def test_sign_in_over_plain_http_works_with_the_default_cookie_settings(db: Any) -> None:
    """The default (no HTTPS configured): the CSRF cookie is not Secure, so a browser on an office LAN
    address over plain HTTP sends it back and the sign-in form is accepted."""
    from .factories import UserFactory

    UserFactory(username="lan-user")
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login"), HTTP_HOST="127.0.0.1")
    cookie = page.cookies[project_settings.CSRF_COOKIE_NAME]
    assert not cookie["secure"]
    response = client.post(
        reverse("login"),
        {
            "csrfmiddlewaretoken": page.context["csrf_token"],
            "username": "lan-user",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302


def test_pages_need_a_login(db: Any) -> None:
    response = Client().get(reverse("cases:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_application_errors_become_json_responses(tenant: Any, rf: Any) -> None:
    from licensedesk.core.errors import PermissionDenied
    from licensedesk.web.middleware import ApplicationErrorMiddleware

    middleware = ApplicationErrorMiddleware(lambda request: None)
    response = middleware.process_exception(rf.get("/"), PermissionDenied("no", code="permission.wrong_role"))
    assert response.status_code == 403
    assert b'"code": "permission.wrong_role"' in response.content
