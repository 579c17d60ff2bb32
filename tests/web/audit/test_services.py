"""The hash chain: what is written, and audit_verify naming the first edited, inserted or deleted event."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from licensedesk.web.audit.chain import GENESIS_HASH, canonical_json, event_hash
from licensedesk.web.audit.models import AppendOnlyError, AuditChain, AuditEvent
from licensedesk.web.audit.selectors import audit_events_visible_to
from licensedesk.web.audit.services import audit_record, audit_verify

pytestmark = pytest.mark.django_db


def _write(tenant: Any, count: int = 5) -> list[AuditEvent]:
    return [
        audit_record(
            agency=tenant.agency,
            actor=tenant.admin,
            action="test.event",
            case=tenant.case,
            before={"n": i - 1},
            after={"n": i, "amount": 1000000.0, "on": date(2026, 11, 28)},
            data={"i": i},
        )
        for i in range(1, count + 1)
    ]


def _sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_events_are_chained_per_agency(tenant: Any, other_tenant: Any) -> None:
    events = _write(tenant, 3)
    other = audit_record(agency=other_tenant.agency, actor=other_tenant.admin, action="test.event")
    assert [e.seq for e in events] == [1, 2, 3] and other.seq == 1
    assert events[0].prev_hash == GENESIS_HASH and other.prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    head = AuditChain.objects.get(agency=tenant.agency)
    assert (head.last_seq, head.last_hash) == (3, events[-1].hash)
    stored = AuditEvent.objects.get(pk=events[1].pk)  # as read back from the database
    assert event_hash(stored.hash_fields()) == stored.hash
    assert stored.after == {"n": 2, "amount": 1000000.0, "on": "2026-11-28"}
    assert (stored.actor_label, stored.case_id) == (tenant.admin.username, tenant.case.pk)


def test_canonical_json_is_stable() -> None:
    assert canonical_json({"b": 1.0, "a": [1, "中"]}) == '{"a":[1,"中"],"b":1}'.encode()
    assert canonical_json({"x": 1e16}) == canonical_json({"x": 10**16})


def test_events_cannot_be_changed_through_the_orm(tenant: Any) -> None:
    [event] = _write(tenant, 1)
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_an_intact_chain_verifies(tenant: Any, other_tenant: Any) -> None:
    _write(tenant)
    _write(other_tenant, 2)
    report = audit_verify()
    assert report.ok and report.problems == []
    assert (report.agencies_checked, report.events_checked) == (2, 7)
    assert "every chain is intact" in report.summary()


def test_edited_event_is_named(tenant: Any, other_tenant: Any) -> None:
    events = _write(tenant)
    _write(other_tenant, 2)
    _sql("UPDATE audit_auditevent SET data = %s WHERE id = %s", [json.dumps({"i": 99}), events[2].pk])
    report = audit_verify()
    assert not report.ok and len(report.problems) == 1  # the other agency's chain is fine
    problem = report.first_problem
    assert (problem.kind, problem.event_id, problem.seq, problem.agency_id) == (
        "edited",
        events[2].pk,
        3,
        tenant.agency.pk,
    )
    assert f"event {events[2].pk} (#3, test.event" in problem.message and "was edited" in problem.message


def test_edited_and_rehashed_event_is_named(tenant: Any) -> None:
    events = _write(tenant)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.data = {"i": 99}
    _sql(
        "UPDATE audit_auditevent SET data = %s, hash = %s WHERE id = %s",
        [json.dumps({"i": 99}), event_hash(forged.hash_fields()), forged.pk],
    )
    problem = audit_verify(agency=tenant.agency).first_problem
    assert (problem.kind, problem.event_id, problem.seq) == ("edited", events[1].pk, 2)


def test_deleted_event_is_named(tenant: Any) -> None:
    events = _write(tenant)
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    problem = audit_verify(agency=tenant.agency).first_problem
    assert (problem.kind, problem.missing_seq, problem.event_id, problem.seq) == (
        "deleted",
        3,
        events[3].pk,
        4,
    )
    assert problem.message.startswith("event(s) #3–#3 were deleted before event")


def test_deleted_last_event_is_noticed_from_the_chain_head(tenant: Any) -> None:
    events = _write(tenant)
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    problem = audit_verify(agency=tenant.agency).first_problem
    assert (problem.kind, problem.missing_seq, problem.event_id) == ("deleted", 5, None)


def _forge(tenant: Any, seq: int, prev_hash: str) -> AuditEvent:
    forged = AuditEvent(
        agency=tenant.agency,
        seq=seq,
        occurred_at=AuditEvent.objects.first().occurred_at,
        actor=tenant.admin,
        actor_label=tenant.admin.username,
        action="case.guard_overridden",
        data={"reason": "forged"},
        prev_hash=prev_hash,
    )
    forged.hash = event_hash(forged.hash_fields())
    forged.save(force_insert=True)
    return forged


def test_inserted_event_is_named(tenant: Any) -> None:
    events = _write(tenant)
    # slot a well-formed event in at #3: shift #3… up by one (in two steps: seq is unique) and insert
    _sql("UPDATE audit_auditevent SET seq = seq + 1000 WHERE agency_id = %s AND seq >= 3", [tenant.agency.pk])
    _sql(
        "UPDATE audit_auditevent SET seq = seq - 999 WHERE agency_id = %s AND seq >= 1003", [tenant.agency.pk]
    )
    forged = _forge(tenant, 3, events[1].hash)
    problem = audit_verify(agency=tenant.agency).first_problem
    assert (problem.kind, problem.event_id, problem.seq) == ("inserted", forged.pk, 3)


def test_event_appended_past_the_recorded_end_is_named(tenant: Any) -> None:
    events = _write(tenant)
    forged = _forge(tenant, 6, events[-1].hash)
    problem = audit_verify(agency=tenant.agency).first_problem
    assert (problem.kind, problem.event_id, problem.seq) == ("inserted", forged.pk, 6)


def test_management_command(tenant: Any) -> None:
    events = _write(tenant, 2)
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "every chain is intact" in out.getvalue()
    _sql("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["x.tampered", events[0].pk])
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("audit_verify", "--json", stdout=out)
    assert caught.value.returncode == 1
    report = json.loads(out.getvalue())
    assert report["ok"] is False
    assert report["problems"][0]["event_id"] == events[0].pk and report["problems"][0]["kind"] == "edited"


def test_a_change_and_its_event_commit_together(tenant: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """If writing the audit event fails, the stage move is rolled back with it."""
    from licensedesk.web.cases import services
    from licensedesk.web.cases.models import Case

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.case_transition(
            case=tenant.case, to_stage="withdrawn", actor=tenant.admin, reason="x", expected_version=1
        )
    assert Case.objects.get(pk=tenant.case.pk).stage == "qualification_review"
    assert not AuditEvent.objects.exists()


def test_audit_visibility(tenant: Any, other_tenant: Any) -> None:
    _write(tenant, 2)
    audit_record(agency=tenant.agency, actor=tenant.admin, action="user.role_changed")
    _write(other_tenant, 1)
    assert audit_events_visible_to(user=tenant.admin).count() == 3
    assert audit_events_visible_to(user=tenant.consultant).count() == 2  # case events only
    assert audit_events_visible_to(user=tenant.client).count() == 0
    assert audit_events_visible_to(user=tenant.admin, case=other_tenant.case).count() == 0
