"""Two people using the same invitation link at once, on PostgreSQL (each thread its own connection):
exactly one account is created, the other is told the link was used. Skipped on SQLite, where write
transactions are serialised anyway."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from licensedesk.core.errors import InvalidInput
from licensedesk.web.accounts.models import User
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.audit.services import audit_verify
from licensedesk.web.portal.models import Invitation
from licensedesk.web.portal.services import invitation_accept, invitation_create

from ..conftest import make_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_link_used_twice_at_once_creates_one_account() -> None:
    assert connection.vendor == "postgresql"
    tenant = make_tenant("并发邀请企业管理咨询有限公司")
    invitation_id = invitation_create(case=tenant.case, email="twice@example.cn", actor=tenant.consultant).pk
    start = threading.Barrier(2, timeout=20)

    def accept(name: str) -> str:
        close_old_connections()
        try:
            invitation = Invitation.objects.get(pk=invitation_id)
            start.wait()
            try:
                invitation_accept(invitation=invitation, display_name=name, password="Lanting-Xu-2026!")
            except InvalidInput as exc:
                return exc.code
            return "accepted"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [f.result(timeout=60) for f in [pool.submit(accept, n) for n in ("王芳", "李娜")]]
    assert sorted(results) == ["accepted", "invitation.used"], results
    assert User.objects.filter(username="twice@example.cn").count() == 1
    assert AuditEvent.objects.filter(action="invitation.accepted").count() == 1
    assert audit_verify(agency=tenant.agency).ok
