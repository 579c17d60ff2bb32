"""Fixtures of the reminder tests: tenants whose people have email addresses, a real SMTP server on
loopback (aiosmtpd, from the review-round email test), and ``deadlines``: a stand-in source of
deadlines for the tests of the job's own rules (who, which day, once). The real sources (case clocks,
license duties) are exercised in test_sources.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from licensedesk.web.reminders import deadlines as deadlines_module
from licensedesk.web.reminders.deadlines import Deadline

from ..materials.test_email_smtp import _Mailbox, smtp_server  # noqa: F401


def with_emails(tenant: Any, prefix: str) -> Any:
    for role, user in (
        ("admin", tenant.admin),
        ("wang", tenant.consultant),
        ("li", tenant.other_consultant),
        ("chen", tenant.client),
        ("zhou", tenant.client2),
    ):
        user.email = f"{role}@{prefix}.example"
        user.save()
    return tenant


@pytest.fixture
def mailed(tenant: Any) -> Any:
    return with_emails(tenant, "a")


@pytest.fixture
def other_mailed(other_tenant: Any) -> Any:
    return with_emails(other_tenant, "b")


def case_deadline(case: Any, due: date, *, limit: str = "correction", for_client: bool = True) -> Deadline:
    """A deadline of ``case`` as the case-clock source states one."""
    return Deadline(
        key=f"case:{case.pk}:clock:{limit}",
        source="case_clock",
        title_zh=f"补正期限（{case.company.name}）",
        title_en=f"Correction deadline ({case.company.name})",
        due=due,
        agency_id=case.agency_id,
        company_id=case.company_id,
        company_name=case.company.name,
        path=reverse("cases:detail", kwargs={"pk": case.pk}),
        client_path=reverse("portal:case", kwargs={"pk": case.pk}),
        consultant_id=case.consultant_id,
        for_client=for_client,
        case_id=case.pk,
        citations=("中华人民共和国行政许可法 第三十二条",),
        certainty="L",
        detail_zh=f"案件 {case.number}",
        detail_en=f"Case {case.number}",
    )


class Source:
    """The deadlines the stand-in source returns (set by the test, filtered by agency like the real
    ones)."""

    def __init__(self) -> None:
        self.items: list[Deadline] = []

    def __call__(self, *, agency: Any, today: date) -> list[Deadline]:
        return [d for d in self.items if d.agency_id == agency.pk]


@pytest.fixture
def deadlines(monkeypatch: pytest.MonkeyPatch) -> Iterator[Source]:
    source = Source()
    monkeypatch.setattr(deadlines_module, "COLLECTORS", (source,))
    yield source
