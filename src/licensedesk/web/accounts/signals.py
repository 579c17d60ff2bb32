"""Staff sign-ins go into the audit trail (Django's login signal is the one place signals are used)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in, dispatch_uid="licensedesk.audit_staff_login")
def audit_staff_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if not getattr(user, "is_agency_staff", False):
        return
    from licensedesk.web.audit.services import audit_record
    from licensedesk.web.client_address import client_address

    meta = getattr(request, "META", {}) if request is not None else {}
    audit_record(
        agency=user.agency_id,
        actor=user,
        action="auth.login",
        target=user,
        # the address the login lockout counts against too (the client's, behind a trusted proxy)
        data={
            "ip": client_address(request) if request is not None else "",
            "user_agent": meta.get("HTTP_USER_AGENT", "")[:200],
        },
    )
