"""The keyed hash chain: what is written, audit_verify naming the first edited, inserted or deleted event
(also after a re-chaining without the key, or with the wrong key), anchors catching a re-chaining with the
key, and audit_rekey upgrading a chain written before keyed hashing."""

from __future__ import annotations

import hashlib
import json
import re
import stat
from collections.abc import Callable
from datetime import date
from functools import partial
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from licensedesk.web.audit.anchors import read_anchors
from licensedesk.web.audit.chain import (
    GENESIS_HASH,
    canonical_json,
    event_hash,
    key_fingerprint,
    legacy_event_hash,
    timestamp,
)
from licensedesk.web.audit.errors import KEY_MISMATCH, KEY_MISSING, AuditKeyError
from licensedesk.web.audit.models import AppendOnlyError, AuditChain, AuditEvent
from licensedesk.web.audit.selectors import audit_events_visible_to
from licensedesk.web.audit.services import (
    audit_anchor,
    audit_anchor_configured,
    audit_record,
    audit_rekey,
    audit_verify,
)
from licensedesk.web.housekeeping import housekeeping_run

from ..conftest import TEST_AUDIT_KEY

pytestmark = pytest.mark.django_db
KEY = TEST_AUDIT_KEY.encode()


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
    assert (head.last_seq, head.last_hash, head.key_id) == (3, events[-1].hash, key_fingerprint(KEY))
    stored = AuditEvent.objects.get(pk=events[1].pk)  # as read back from the database
    assert event_hash(stored.hash_fields(), key=KEY) == stored.hash
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
        [json.dumps({"i": 99}), event_hash(forged.hash_fields(), key=KEY), forged.pk],
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
    forged.hash = event_hash(forged.hash_fields(), key=KEY)  # even with the key
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
            case=tenant.case,
            to_stage="withdrawn",
            actor=tenant.admin,
            reason="x",
            expected_version=1,
            confirmed=True,
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


# -- the re-chaining attack: edit an event, recompute every later hash and the head -------------------


def _sha256(fields: dict[str, Any]) -> str:
    """What a forger computes without the key: the plain SHA-256 of the canonical JSON."""
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def _rechain(
    agency: Any,
    digest: Callable[[dict[str, Any]], str],
    *,
    edit_seq: int | None = None,
    data: dict[str, Any] | None = None,
    blank_key_id: bool = False,
) -> None:
    """What someone with write access to the database does: change one event's ``data``, then recompute
    the hash (and link) of every event from it on, and the chain head, with ``digest``."""
    start = edit_seq or 1
    prev = GENESIS_HASH
    for event in AuditEvent.objects.filter(agency=agency).order_by("seq"):
        if event.seq < start:
            prev = event.hash
            continue
        if event.seq == edit_seq:
            event.data = data
        event.prev_hash = prev
        event.hash = digest(event.hash_fields())
        _sql(
            "UPDATE audit_auditevent SET data = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(event.data), event.prev_hash, event.hash, event.pk],
        )
        prev = event.hash
    head = AuditChain.objects.filter(agency=agency)
    head.update(last_hash=prev, **({"key_id": ""} if blank_key_id else {}))


@pytest.mark.parametrize("blank_key_id", [False, True], ids=["key-id-kept", "key-id-blanked"])
@pytest.mark.parametrize("digest", [_sha256, legacy_event_hash], ids=["hashlib-sha256", "old-event_hash"])
def test_rechaining_without_the_key_is_caught_at_the_edited_event(
    tenant: Any, other_tenant: Any, digest: Callable[[dict[str, Any]], str], blank_key_id: bool
) -> None:
    events = _write(tenant)
    _write(other_tenant, 2)
    _rechain(tenant.agency, digest, edit_seq=3, data={"i": 99}, blank_key_id=blank_key_id)
    assert (
        AuditChain.objects.get(agency=tenant.agency).last_hash == AuditEvent.objects.get(pk=events[4].pk).hash
    )
    report = audit_verify()
    assert not report.ok and len(report.problems) == 1  # the other agency's chain is fine
    problem = report.first_problem
    assert (problem.kind, problem.event_id, problem.seq, problem.agency_id) == (
        "edited",
        events[2].pk,
        3,
        tenant.agency.pk,
    )
    assert problem.message == (
        f"event {events[2].pk} (#3, test.event, {timestamp(events[2].occurred_at)}) was edited: "
        "its content no longer matches its hash"
    )


def test_a_chain_rewritten_whole_without_the_key_does_not_verify(tenant: Any) -> None:
    events = _write(tenant)
    _rechain(tenant.agency, legacy_event_hash, edit_seq=1, data={"i": 99}, blank_key_id=True)
    problem = audit_verify().first_problem
    assert (problem.kind, problem.event_id, problem.seq) == ("unkeyed", events[0].pk, 1)
    assert problem.message.startswith("the chain is hashed with plain SHA-256 (written before keyed hashing)")
    assert problem.message.endswith(
        "run `licensedesk audit rekey` once after the upgrade. If this chain verified with the key before, "
        "it was rewritten: do not rekey it."
    )


def test_verifying_with_another_key_says_wrong_key(tenant: Any, settings: Any) -> None:
    _write(tenant, 2)
    other_key = "another-audit-key-of-at-least-32-characters"
    settings.AUDIT_KEY = other_key
    report = audit_verify()
    problem = report.first_problem
    assert (problem.kind, problem.event_id, report.key_id) == (
        "wrong_key",
        None,
        key_fingerprint(other_key.encode()),
    )
    assert problem.message == (
        f"wrong key: the chain is hashed with key {key_fingerprint(KEY)}, the configured key is "
        f"{key_fingerprint(other_key.encode())} (set LICENSEDESK_AUDIT_KEY or put the key in "
        f"{settings.AUDIT_KEY_FILE} (LICENSEDESK_AUDIT_KEY_FILE))"
    )
    # nothing is written with the wrong key either: it would break the chain
    with pytest.raises(AuditKeyError) as caught:
        audit_record(agency=tenant.agency, actor=tenant.admin, action="test.event")
    assert caught.value.code == KEY_MISMATCH
    assert AuditEvent.objects.filter(agency=tenant.agency).count() == 2
    settings.AUDIT_KEY = TEST_AUDIT_KEY
    assert audit_verify().ok


def test_verify_without_a_key_names_where_it_looks_and_makes_none(
    tenant: Any, settings: Any, tmp_path: Path
) -> None:
    _write(tenant, 1)
    settings.AUDIT_KEY = ""
    settings.AUDIT_KEY_FILE = tmp_path / "audit_key"
    with pytest.raises(AuditKeyError) as caught:
        audit_verify()
    assert caught.value.code == KEY_MISSING
    assert str(caught.value).startswith(
        f"no audit key: set LICENSEDESK_AUDIT_KEY or put the key in {tmp_path / 'audit_key'} "
        "(LICENSEDESK_AUDIT_KEY_FILE). "
    )
    assert not (tmp_path / "audit_key").exists()
    out = StringIO()
    with pytest.raises(CommandError) as command:
        call_command("audit_verify", stdout=out)
    assert command.value.returncode == 2 and "LICENSEDESK_AUDIT_KEY" in str(command.value)


# -- anchors ------------------------------------------------------------------------------------------


def test_anchor_appends_each_keyed_head_as_a_json_line(
    tenant: Any, other_tenant: Any, tmp_path: Path
) -> None:
    events = _write(tenant, 3)
    other = _write(other_tenant, 1)
    path = tmp_path / "anchors.jsonl"
    audit_anchor(file=path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    events += _write(tenant, 2)
    audit_anchor(file=path)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    key_id = key_fingerprint(KEY)
    assert [(a["agency_id"], a["seq"], a["hash"], a["key_id"]) for a in lines] == [
        (tenant.agency.pk, 3, events[2].hash, key_id),
        (other_tenant.agency.pk, 1, other[0].hash, key_id),
        (tenant.agency.pk, 5, events[4].hash, key_id),
        (other_tenant.agency.pk, 1, other[0].hash, key_id),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", a["anchored_at"]) for a in lines)
    assert [(a.agency_id, a.seq, a.line) for a in read_anchors(path)] == [
        (tenant.agency.pk, 3, 1),
        (other_tenant.agency.pk, 1, 2),
        (tenant.agency.pk, 5, 3),
        (other_tenant.agency.pk, 1, 4),
    ]
    report = audit_verify(anchors=path)
    assert report.ok and report.anchors_checked == 4
    assert "4 anchors" in report.summary()


def test_anchor_to_a_stream_writes_no_file(tenant: Any, anchor_file: Path) -> None:
    [event] = _write(tenant, 1)
    out = StringIO()
    audit_anchor(stream=out)
    [line] = out.getvalue().splitlines()
    assert json.loads(line)["hash"] == event.hash
    assert not anchor_file.exists()
    out = StringIO()
    call_command("audit_anchor", "--file", "-", stdout=out)
    assert json.loads(out.getvalue())["seq"] == 1 and not anchor_file.exists()


def test_chains_without_a_key_are_not_anchored(tenant: Any, other_tenant: Any, anchor_file: Path) -> None:
    _write(tenant, 2)
    _write(other_tenant, 2)
    _rechain(other_tenant.agency, legacy_event_hash, blank_key_id=True)  # as before keyed hashing
    assert [a.agency_id for a in audit_anchor()] == [tenant.agency.pk]
    assert [a.agency_id for a in read_anchors(anchor_file)] == [tenant.agency.pk]


@pytest.mark.parametrize(("edit_seq", "failing_seq", "anchor_line"), [(2, 3, 1), (4, 5, 3)])
def test_anchors_catch_a_rechaining_by_someone_with_the_key(
    tenant: Any, other_tenant: Any, anchor_file: Path, edit_seq: int, failing_seq: int, anchor_line: int
) -> None:
    """The first failing anchor is named: an edit of #2 breaks the anchor of #3 (line 1), an edit of #4
    leaves it standing and breaks the one of #5 (line 3); the other agency's anchors (lines 2, 4) hold."""
    events = _write(tenant, 3)
    _write(other_tenant, 1)
    first = audit_anchor()
    events += _write(tenant, 2)
    second = audit_anchor()
    _rechain(tenant.agency, partial(event_hash, key=KEY), edit_seq=edit_seq, data={"i": 99})
    assert audit_verify().ok  # the key alone cannot tell: the forger had it
    report = audit_verify(anchors=anchor_file)
    assert not report.ok and report.problems == [] and report.anchors_checked == 4
    [problem] = report.anchor_problems
    expected = events[failing_seq - 1].hash
    found = AuditEvent.objects.get(agency=tenant.agency, seq=failing_seq).hash
    assert (problem.agency_id, problem.seq, problem.expected_hash, problem.found_hash, problem.line) == (
        tenant.agency.pk,
        failing_seq,
        expected,
        found,
        anchor_line,
    )
    anchored_at = (first if anchor_line == 1 else second)[0].anchored_at
    assert problem.message == (
        f"anchor of line {anchor_line} ({anchored_at}, #{failing_seq}): an event at or before "
        f"#{failing_seq} was changed after it was anchored: expected hash {expected}, found {found}"
    )
    assert audit_verify(agency=other_tenant.agency, anchors=anchor_file).ok  # scoped to one agency


def test_events_deleted_after_an_anchor_are_caught(tenant: Any, anchor_file: Path) -> None:
    events = _write(tenant, 5)
    audit_anchor()
    _sql("DELETE FROM audit_auditevent WHERE agency_id = %s AND seq > 3", [tenant.agency.pk])
    AuditChain.objects.filter(agency=tenant.agency).update(last_seq=3, last_hash=events[2].hash)
    assert audit_verify().ok  # a shortened chain with its head moved back is a valid chain
    [problem] = audit_verify(anchors=anchor_file).anchor_problems
    assert (problem.seq, problem.expected_hash, problem.found_hash) == (5, events[4].hash, None)
    assert problem.message.endswith(
        f"#5): event #5 no longer exists (events were deleted and the chain shortened); "
        f"expected hash {events[4].hash}"
    )


def test_verify_command_with_anchors_prints_json(tenant: Any, anchor_file: Path) -> None:
    events = _write(tenant, 2)
    call_command("audit_anchor", stderr=StringIO())
    _rechain(tenant.agency, partial(event_hash, key=KEY), edit_seq=1, data={"i": 99})
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("audit_verify", "--anchors", str(anchor_file), "--json", stdout=out)
    assert caught.value.returncode == 1
    report = json.loads(out.getvalue())
    assert (report["ok"], report["problems"], report["anchors_checked"]) == (False, [], 1)
    [problem] = report["anchor_problems"]
    assert (problem["agency_id"], problem["seq"], problem["expected_hash"], problem["line"]) == (
        tenant.agency.pk,
        2,
        events[1].hash,
        1,
    )
    assert problem["found_hash"] == AuditEvent.objects.get(pk=events[1].pk).hash != events[1].hash
    anchor_file.write_text('{"agency_id": 1, "seq": 2, "hash": "nope"}\n', encoding="utf-8")
    with pytest.raises(CommandError) as bad:
        call_command("audit_verify", "--anchors", str(anchor_file), stdout=StringIO())
    assert bad.value.returncode == 2
    assert str(bad.value) == f"{anchor_file}:1: hash must be 64 lowercase hex digits"


def test_housekeeping_anchors_only_when_a_file_is_configured(
    tenant: Any, settings: Any, anchor_file: Path
) -> None:
    _write(tenant, 1)
    settings.AUDIT_ANCHOR_FILE = ""
    assert audit_anchor_configured() == []
    assert not anchor_file.exists()
    assert housekeeping_run().tasks["housekeeping.audit_anchors"] == 0
    assert not anchor_file.exists()
    settings.AUDIT_ANCHOR_FILE = str(anchor_file)
    assert [a.seq for a in audit_anchor_configured()] == [1]
    report = housekeeping_run()  # the periodic job anchors too
    assert report.tasks["housekeeping.audit_anchors"] == 1
    assert "housekeeping.audit_anchors" not in report.errors
    assert [a.seq for a in read_anchors(anchor_file)] == [1, 1]


# -- upgrading a chain written before keyed hashing ---------------------------------------------------


def _make_legacy(agency: Any) -> None:
    """The chain as a database from before keyed hashing holds it: plain SHA-256 and no key id."""
    _rechain(agency, legacy_event_hash, blank_key_id=True)


def test_rekey_upgrades_a_legacy_chain(tenant: Any, other_tenant: Any) -> None:
    _write(tenant, 4)
    _write(other_tenant, 2)
    _make_legacy(tenant.agency)
    _make_legacy(other_tenant.agency)
    assert [p.kind for p in audit_verify().problems] == ["unkeyed", "unkeyed"]
    # until the upgrade is run the application goes on writing, and the chain stays whole
    later = audit_record(agency=tenant.agency, actor=tenant.admin, action="test.later")
    assert later.hash == legacy_event_hash(later.hash_fields())
    content = list(AuditEvent.objects.values_list("agency", "seq", "action", "data"))

    report = audit_rekey()
    assert report.ok
    assert [(o.agency_id, o.status, o.events) for o in report.outcomes] == [
        (tenant.agency.pk, "rekeyed", 5),
        (other_tenant.agency.pk, "rekeyed", 2),
    ]
    assert audit_verify().ok
    key_id = key_fingerprint(KEY)
    rekeyed = AuditEvent.objects.filter(agency=tenant.agency).order_by("-seq").first()
    assert (rekeyed.seq, rekeyed.action, rekeyed.actor_id, rekeyed.data) == (
        6,
        "audit.rekeyed",
        None,
        {"events": 5, "key_id": key_id, "legacy_head_hash": later.hash},
    )
    assert AuditChain.objects.get(agency=tenant.agency).key_id == key_id
    kept = AuditEvent.objects.exclude(action="audit.rekeyed").values_list("agency", "seq", "action", "data")
    assert list(kept) == content  # only the hashes changed
    again = audit_rekey()
    assert [o.status for o in again.outcomes] == ["already_keyed", "already_keyed"]
    assert AuditEvent.objects.filter(action="audit.rekeyed").count() == 2


def test_rekey_refuses_a_legacy_chain_that_does_not_verify(tenant: Any, other_tenant: Any) -> None:
    events = _write(tenant, 4)
    _write(other_tenant, 1)
    _make_legacy(tenant.agency)
    _make_legacy(other_tenant.agency)
    _sql("UPDATE audit_auditevent SET data = %s WHERE id = %s", [json.dumps({"i": 99}), events[1].pk])
    before = list(AuditEvent.objects.filter(agency=tenant.agency).values_list("seq", "prev_hash", "hash"))
    report = audit_rekey()
    assert not report.ok
    refused, upgraded = report.outcomes
    assert (refused.agency_id, refused.status, upgraded.status) == (tenant.agency.pk, "refused", "rekeyed")
    assert refused.message == (
        "refused: the chain does not verify as written, so it is not re-hashed: "
        f"event {events[1].pk} (#2, test.event, {timestamp(events[1].occurred_at)}) was edited: "
        "its content no longer matches its hash"
    )
    assert (
        list(AuditEvent.objects.filter(agency=tenant.agency).values_list("seq", "prev_hash", "hash"))
        == before
    )
    assert AuditChain.objects.get(agency=tenant.agency).key_id == ""
    assert audit_verify(agency=tenant.agency).first_problem.kind == "unkeyed"
    with pytest.raises(CommandError) as caught:
        call_command("audit_rekey", stdout=StringIO())
    assert caught.value.returncode == 1


def test_rekey_refuses_a_chain_that_was_anchored(tenant: Any) -> None:
    _write(tenant, 3)
    audit_anchor()
    _make_legacy(tenant.agency)  # a forger rewrote it whole without the key and blanked the key id
    [outcome] = audit_rekey().outcomes
    assert outcome.status == "refused"
    assert outcome.message.startswith("refused: the chain has anchors, so it was keyed before")
    assert audit_verify().first_problem.kind == "unkeyed"


def test_a_keyed_chain_without_a_recorded_key_id_verifies_and_rekey_records_it(tenant: Any) -> None:
    """Rows written in bulk (bench/webdata.py) hash with the key but may leave the head's key id empty."""
    _write(tenant, 2)
    AuditChain.objects.filter(agency=tenant.agency).update(key_id="")
    assert audit_verify().ok
    [outcome] = audit_rekey().outcomes
    assert (outcome.status, outcome.message) == (
        "already_keyed",
        "already hashed with this key; key id recorded",
    )
    assert AuditChain.objects.get(agency=tenant.agency).key_id == key_fingerprint(KEY)
    assert not AuditEvent.objects.filter(action="audit.rekeyed").exists()
