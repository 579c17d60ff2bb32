"""Write audit events (``audit_record``) and check the chains (``audit_verify``).

Every service that changes state calls :func:`audit_record` inside its own transaction, as its last
write: the event and the change commit or roll back together. Appends of one agency are serialised by
locking the agency row (``SELECT … FOR NO KEY UPDATE`` on PostgreSQL; on SQLite every write
transaction already holds the database write lock, see ``transaction_mode`` in settings), so two
concurrent writers cannot both link to the same previous event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from licensedesk.web.accounts.models import Agency
from licensedesk.web.audit.chain import GENESIS_HASH, event_hash, jsonable, timestamp
from licensedesk.web.audit.models import AuditChain, AuditEvent


def _lock_agency(agency_id: int) -> None:
    query = Agency.objects.filter(pk=agency_id)
    if connection.features.has_select_for_update:
        no_key = connection.features.has_select_for_no_key_update
        query = query.select_for_update(no_key=no_key)
    query.values_list("pk", flat=True).get()


def audit_record(
    *,
    agency: Agency | int,
    actor: Any | None,
    action: str,
    case: Any | None = None,
    target: Model | None = None,
    before: Any = None,
    after: Any = None,
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the agency's chain and return it.

    ``action`` is a dotted verb (``case.transitioned``); ``target`` the object acted on (its model name
    and id are stored); ``before``/``after`` the values that changed; ``data`` anything else worth keeping
    (a reason, which guards passed, the client address of a login). Values are stored as plain JSON.
    """
    agency_id = agency if isinstance(agency, int) else agency.pk
    with transaction.atomic():
        _lock_agency(agency_id)
        chain, _ = AuditChain.objects.get_or_create(agency_id=agency_id)
        is_user = actor is not None and getattr(actor, "pk", None) is not None
        event = AuditEvent(
            agency_id=agency_id,
            seq=chain.last_seq + 1,
            occurred_at=occurred_at or timezone.now(),
            actor_id=actor.pk if is_user else None,
            actor_label=actor.get_username() if is_user else "",
            action=action,
            case_id=case.pk if case is not None else None,
            object_type=target._meta.label_lower if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            before=jsonable(before),
            after=jsonable(after),
            data=jsonable(data or {}),
            prev_hash=chain.last_hash,
        )
        event.hash = event_hash(event.hash_fields())
        event.save(force_insert=True)
        AuditChain.objects.filter(pk=agency_id).update(
            last_seq=event.seq, last_hash=event.hash, updated_at=timezone.now()
        )
    return event


# -- verification -----------------------------------------------------------------------------------

ProblemKind = Literal["edited", "inserted", "deleted"]


@dataclass(frozen=True)
class ChainProblem:
    """The first place an agency's chain stops being what was written.

    ``event_id``/``seq`` name the first bad event: the edited or inserted one, or — for a deletion — the
    first event after the gap (``missing_seq`` then holds the first missing sequence number; for events
    deleted from the end of the chain ``event_id`` is None).
    """

    agency_id: int
    agency_name: str
    kind: ProblemKind
    event_id: int | None
    seq: int | None
    message: str
    missing_seq: int | None = None

    def __str__(self) -> str:
        return f"{self.agency_name} (agency {self.agency_id}): {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency_id": self.agency_id,
            "agency_name": self.agency_name,
            "kind": self.kind,
            "event_id": self.event_id,
            "seq": self.seq,
            "missing_seq": self.missing_seq,
            "message": self.message,
        }


@dataclass
class VerifyReport:
    """What ``audit_verify`` found: one entry per agency whose chain is broken (its first bad event)."""

    agencies_checked: int = 0
    events_checked: int = 0
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> ChainProblem | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        head = f"{self.events_checked} audit events of {self.agencies_checked} agencies checked"
        if self.ok:
            return f"{head}: every chain is intact."
        lines = [f"{head}: {len(self.problems)} broken chain(s)."]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "agencies_checked": self.agencies_checked,
            "events_checked": self.events_checked,
            "problems": [p.to_dict() for p in self.problems],
        }


def _window(events: Iterable[AuditEvent]) -> Iterator[tuple[AuditEvent, AuditEvent | None]]:
    """Each event with the one after it (None for the last)."""
    previous: AuditEvent | None = None
    for event in events:
        if previous is not None:
            yield previous, event
        previous = event
    if previous is not None:
        yield previous, None


def _verify_agency(agency: Agency, report: VerifyReport) -> ChainProblem | None:
    events = AuditEvent.objects.filter(agency=agency).order_by("seq").iterator(chunk_size=2000)
    expected_seq, prev_hash = 1, GENESIS_HASH
    seen: dict[str, int] = {GENESIS_HASH: 0}  # hash → seq of the event that produced it
    last: AuditEvent | None = None

    def problem(kind: ProblemKind, event: AuditEvent | None, message: str, **extra: Any) -> ChainProblem:
        return ChainProblem(
            agency_id=agency.pk,
            agency_name=agency.name,
            kind=kind,
            event_id=event.pk if event is not None else None,
            seq=event.seq if event is not None else None,
            message=message,
            **extra,
        )

    for event, following in _window(events):
        report.events_checked += 1
        here = f"event {event.pk} (#{event.seq}, {event.action}, {timestamp(event.occurred_at)})"
        if event.seq != expected_seq:
            return problem(
                "deleted",
                event,
                f"event(s) #{expected_seq}–#{event.seq - 1} were deleted before {here}",
                missing_seq=expected_seq,
            )
        # Appends are serialised, so ids grow with seq: an event whose id is above its successor's
        # was written later and slotted in.
        if following is not None and following.pk < event.pk:
            return problem("inserted", event, f"{here} was inserted: it was written after #{following.seq}")
        if event.prev_hash != prev_hash:
            if event.prev_hash in seen and seen[event.prev_hash] < event.seq - 1:
                first_bad = seen[event.prev_hash] + 1
                forged = AuditEvent.objects.get(agency=agency, seq=first_bad)
                return problem(
                    "inserted",
                    forged,
                    f"event {forged.pk} (#{first_bad}, {forged.action}) was inserted: {here} links past it "
                    f"to #{seen[event.prev_hash]}",
                )
            if event_hash(event.hash_fields()) != event.hash or last is None:
                return problem(
                    "deleted",
                    event,
                    f"an event before {here} was deleted and the sequence renumbered: it no longer links to "
                    "the event before it",
                    missing_seq=event.seq,
                )
            return problem(
                "edited",
                last,
                f"event {last.pk} (#{last.seq}, {last.action}) was rewritten and re-hashed: "
                f"#{event.seq} still links to its original hash",
            )
        if event_hash(event.hash_fields()) != event.hash:
            return problem("edited", event, f"{here} was edited: its content no longer matches its hash")
        seen[event.hash] = event.seq
        prev_hash, expected_seq, last = event.hash, event.seq + 1, event

    head = AuditChain.objects.filter(agency=agency).first()
    last_seq = last.seq if last is not None else 0
    if head is None:
        if last is not None:
            return problem("inserted", None, "the chain has events but no recorded head")
        return None
    if head.last_seq > last_seq:
        return problem(
            "deleted",
            None,
            f"event(s) #{last_seq + 1}–#{head.last_seq} were deleted from the end of the chain",
            missing_seq=last_seq + 1,
        )
    if head.last_seq < last_seq:
        forged = AuditEvent.objects.get(agency=agency, seq=head.last_seq + 1)
        return problem(
            "inserted",
            forged,
            f"event {forged.pk} (#{forged.seq}, {forged.action}) was inserted after the recorded end "
            "of the chain",
        )
    if last is not None and head.last_hash != last.hash:
        return problem(
            "edited", last, f"event {last.pk} (#{last.seq}) was rewritten: its hash differs from the head"
        )
    return None


def audit_verify(*, agency: Agency | None = None) -> VerifyReport:
    """Walk every agency's chain (or one agency's) and report the first bad event of each.

    Detects an edited event (its content no longer hashes to its hash), a deleted one (a gap in the
    sequence, a broken link, or events missing from the recorded end) and an inserted one (written out
    of order, skipped by the next event's link, or past the recorded end).
    """
    report = VerifyReport()
    agencies = [agency] if agency is not None else list(Agency.objects.order_by("pk"))
    for item in agencies:
        report.agencies_checked += 1
        found = _verify_agency(item, report)
        if found is not None:
            report.problems.append(found)
    return report
