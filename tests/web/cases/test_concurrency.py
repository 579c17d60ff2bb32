"""Real concurrency on PostgreSQL: two people move the same case at once, writers append to one chain.

Each thread has its own database connection (Django's connections are per thread). Skipped on SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import close_old_connections, connection

from licensedesk.core.errors import ConcurrencyError
from licensedesk.web.accounts.models import User
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.audit.services import audit_record, audit_verify
from licensedesk.web.cases import services
from licensedesk.web.cases.models import Case

from ..conftest import make_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(*jobs: Callable[[], Any]) -> list[Any]:
    def run(job: Callable[[], Any]) -> Any:
        try:
            return job()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [f.result(timeout=60) for f in [pool.submit(run, job) for job in jobs]]


def test_two_people_moving_the_same_case_exactly_one_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    assert connection.vendor == "postgresql"
    tenant = make_tenant("并发测试企业管理咨询有限公司")
    services.case_run_check(case=tenant.case, actor=tenant.consultant)
    case_id = tenant.case.pk

    # Both requests have read the case and passed the guards before either writes: the race is decided
    # by UPDATE … WHERE version = 1 alone.
    both_checked = threading.Barrier(2, timeout=20)
    real_evaluate = services.evaluate_guards

    def evaluate_then_wait(*args: Any, **kwargs: Any) -> Any:
        outcomes = real_evaluate(*args, **kwargs)
        both_checked.wait()
        return outcomes

    monkeypatch.setattr(services, "evaluate_guards", evaluate_then_wait)

    def move(user_id: int, to_stage: str, reason: str) -> str:
        close_old_connections()
        actor = User.objects.get(pk=user_id)
        case = Case.objects.get(pk=case_id)
        try:
            services.case_transition(
                case=case,
                to_stage=to_stage,
                actor=actor,
                reason=reason,
                expected_version=case.version,
                confirmed=True,
            )
        except ConcurrencyError as exc:
            assert exc.details["current_version"] == 2
            return exc.code
        return f"moved to {to_stage}"

    results = _in_threads(
        lambda: move(tenant.consultant.pk, "contract_signed", ""),
        lambda: move(tenant.admin.pk, "withdrawn", "客户撤回"),
    )
    winners = [r for r in results if r.startswith("moved")]
    assert len(winners) == 1 and results.count("case.changed") == 1, results
    case = Case.objects.get(pk=case_id)
    assert case.version == 2 and winners[0] == f"moved to {case.stage}"
    moves = AuditEvent.objects.filter(case_id=case_id, action="case.transitioned")
    assert moves.count() == 1 and moves.get().after["stage"] == case.stage
    assert audit_verify(agency=tenant.agency).ok


def test_concurrent_writers_do_not_fork_the_chain() -> None:
    tenant = make_tenant("链并发测试企业管理咨询有限公司")
    start = threading.Barrier(4, timeout=20)
    agency_id, actor_id = tenant.agency.pk, tenant.admin.pk

    def writer(n: int) -> int:
        actor = User.objects.get(pk=actor_id)
        start.wait()
        for i in range(15):
            audit_record(agency=agency_id, actor=actor, action="test.concurrent", data={"writer": n, "i": i})
        return n

    _in_threads(*(lambda n=n: writer(n) for n in range(4)))
    seqs = list(AuditEvent.objects.filter(agency_id=agency_id).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 60
    report = audit_verify(agency=tenant.agency)
    assert report.ok, report.summary()
