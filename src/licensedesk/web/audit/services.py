"""Write audit events (``audit_record``), check the chains (``audit_verify``), anchor their heads outside
the database (``audit_anchor``) and re-hash chains written before keyed hashing (``audit_rekey``).

Every service that changes state calls :func:`audit_record` inside its own transaction, as its last
write: the event and the change commit or roll back together. Appends of one agency are serialised by
locking the agency row (``SELECT … FOR NO KEY UPDATE`` on PostgreSQL; on SQLite every write
transaction already holds the database write lock, see ``transaction_mode`` in settings), so two
concurrent writers cannot both link to the same previous event.

Hashes are HMAC-SHA256 with the key of :mod:`licensedesk.web.audit.keys`, which lives outside the
database; each chain head records the key's fingerprint. Key rotation is not supported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal, TextIO

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from licensedesk.web.accounts.models import Agency
from licensedesk.web.audit.anchors import Anchor, append_anchors, default_anchor_file, read_anchors
from licensedesk.web.audit.chain import (
    GENESIS_HASH,
    event_hash,
    jsonable,
    key_fingerprint,
    legacy_event_hash,
    timestamp,
)
from licensedesk.web.audit.context import audit_context
from licensedesk.web.audit.errors import KEY_MISMATCH, AuditKeyError, AuditRekeyRefused
from licensedesk.web.audit.hooks import run_recorded
from licensedesk.web.audit.keys import audit_key, key_hint
from licensedesk.web.audit.models import AuditChain, AuditEvent

Digest = Callable[[dict[str, Any]], str]


def _lock_agency(agency_id: int) -> None:
    query = Agency.objects.filter(pk=agency_id)
    if connection.features.has_select_for_update:
        no_key = connection.features.has_select_for_no_key_update
        query = query.select_for_update(no_key=no_key)
    query.values_list("pk", flat=True).get()


def _append_digest(chain: AuditChain) -> tuple[Digest, str]:
    """How the next event of ``chain`` is hashed, and the key id to record on its head.

    A chain written before keyed hashing (no key id, its last event a plain SHA-256) goes on as it was
    until ``audit rekey`` re-hashes it whole: a chain is never half plain, half keyed. Otherwise the
    configured key, which must be the one the chain was written with (else nothing is written)."""
    if not chain.key_id and chain.last_seq > 0:
        last = AuditEvent.objects.filter(agency_id=chain.agency_id, seq=chain.last_seq).first()
        if last is not None and last.hash == legacy_event_hash(last.hash_fields()):
            return legacy_event_hash, ""
    key = audit_key(create=True)
    key_id = key_fingerprint(key)
    if chain.key_id and chain.key_id != key_id:
        raise AuditKeyError(
            f"the audit chain of agency {chain.agency_id} is hashed with key {chain.key_id}, but the "
            f"configured key is {key_id}: wrong key ({key_hint()}); nothing was written",
            code=KEY_MISMATCH,
            details={"agency_id": chain.agency_id, "chain_key_id": chain.key_id, "key_id": key_id},
        )
    return partial(event_hash, key=key), key_id


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
        digest, key_id = _append_digest(chain)
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
            data=jsonable({**audit_context(), **(data or {})}),  # e.g. the API token of the call
            prev_hash=chain.last_hash,
        )
        event.hash = digest(event.hash_fields())
        event.save(force_insert=True)
        AuditChain.objects.filter(pk=agency_id).update(
            last_seq=event.seq, last_hash=event.hash, key_id=key_id, updated_at=timezone.now()
        )
        run_recorded(event=event, case=case)  # e.g. the webhooks outbox, in this same transaction
    return event


# -- verification -----------------------------------------------------------------------------------

ProblemKind = Literal["edited", "inserted", "deleted", "wrong_key", "unkeyed"]


@dataclass(frozen=True)
class ChainProblem:
    """The first place an agency's chain stops being what was written.

    ``event_id``/``seq`` name the first bad event: the edited or inserted one, or — for a deletion — the
    first event after the gap (``missing_seq`` then holds the first missing sequence number; for events
    deleted from the end of the chain ``event_id`` is None). ``wrong_key``: the chain records another
    key's fingerprint; ``unkeyed``: the chain is hashed with plain SHA-256 (written before keyed hashing).
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


@dataclass(frozen=True)
class AnchorProblem:
    """The first anchor of an agency that the database no longer matches: the event at ``seq`` has
    another hash (``found_hash``), or is gone (``found_hash`` None), or the agency is."""

    agency_id: int
    agency_name: str
    seq: int
    expected_hash: str
    found_hash: str | None
    anchored_at: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.agency_name or '?'} (agency {self.agency_id}): {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency_id": self.agency_id,
            "agency_name": self.agency_name,
            "seq": self.seq,
            "expected_hash": self.expected_hash,
            "found_hash": self.found_hash,
            "anchored_at": self.anchored_at,
            "line": self.line,
            "message": self.message,
        }


@dataclass
class VerifyReport:
    """What ``audit_verify`` found: one entry per agency whose chain is broken (its first bad event), and
    with anchors, one per agency whose anchored heads no longer match (its first failing anchor)."""

    agencies_checked: int = 0
    events_checked: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    key_id: str = ""
    anchors_checked: int = 0
    anchor_problems: list[AnchorProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.anchor_problems

    @property
    def first_problem(self) -> ChainProblem | None:
        return self.problems[0] if self.problems else None

    def summary(self) -> str:
        head = f"{self.events_checked} audit events of {self.agencies_checked} agencies checked"
        if self.anchors_checked:
            head += f", {self.anchors_checked} anchors"
        if self.ok:
            return f"{head} (key {self.key_id}): every chain is intact."
        lines = [f"{head} (key {self.key_id}): {len(self.problems)} broken chain(s)."]
        lines += [f"  - {problem}" for problem in self.problems]
        if self.anchor_problems:
            lines.append(f"{len(self.anchor_problems)} agency(ies) no longer match their anchors:")
            lines += [f"  - {problem}" for problem in self.anchor_problems]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "key_id": self.key_id,
            "agencies_checked": self.agencies_checked,
            "events_checked": self.events_checked,
            "problems": [p.to_dict() for p in self.problems],
            "anchors_checked": self.anchors_checked,
            "anchor_problems": [p.to_dict() for p in self.anchor_problems],
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


def _problem_factory(agency: Agency) -> Callable[..., ChainProblem]:
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

    return problem


def _walk_chain(agency: Agency, report: VerifyReport, digest: Digest) -> ChainProblem | None:
    """Walk one agency's chain with ``digest`` (the keyed hash, or the legacy one before a rekey)."""
    events = AuditEvent.objects.filter(agency=agency).order_by("seq").iterator(chunk_size=2000)
    expected_seq, prev_hash = 1, GENESIS_HASH
    seen: dict[str, int] = {GENESIS_HASH: 0}  # hash → seq of the event that produced it
    last: AuditEvent | None = None
    problem = _problem_factory(agency)

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
            if digest(event.hash_fields()) != event.hash or last is None:
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
        if digest(event.hash_fields()) != event.hash:
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


def _verify_agency(agency: Agency, report: VerifyReport, *, key: bytes, key_id: str) -> ChainProblem | None:
    problem = _problem_factory(agency)
    head = AuditChain.objects.filter(agency=agency).first()
    if head is not None and head.key_id and head.key_id != key_id:
        return problem(
            "wrong_key",
            None,
            f"wrong key: the chain is hashed with key {head.key_id}, the configured key is {key_id} "
            f"({key_hint()})",
        )
    if head is not None and not head.key_id:
        first = AuditEvent.objects.filter(agency=agency, seq=1).first()
        if first is not None and first.hash == legacy_event_hash(first.hash_fields()):
            return problem(
                "unkeyed",
                first,
                "the chain is hashed with plain SHA-256 (written before keyed hashing), which anyone able to "
                "write to the database can recompute: run `licensedesk audit rekey` once after the upgrade. "
                "If this chain verified with the key before, it was rewritten: do not rekey it.",
            )
    return _walk_chain(agency, report, partial(event_hash, key=key))


def _check_anchors(anchors: list[Anchor], report: VerifyReport) -> None:
    """The first failing anchor of each agency: its ``seq`` must still hold exactly its hash."""
    by_agency: dict[int, list[Anchor]] = defaultdict(list)
    for anchor in anchors:
        by_agency[anchor.agency_id].append(anchor)
    names = dict(Agency.objects.filter(pk__in=by_agency).values_list("pk", "name"))
    for agency_id in sorted(by_agency):
        ordered = sorted(by_agency[agency_id], key=lambda a: (a.seq, a.line))
        report.anchors_checked += len(ordered)
        found: dict[int, str] = {}
        seqs = sorted({a.seq for a in ordered})
        for start in range(0, len(seqs), 1000):
            found.update(
                AuditEvent.objects.filter(
                    agency_id=agency_id, seq__in=seqs[start : start + 1000]
                ).values_list("seq", "hash")
            )
        for anchor in ordered:
            actual = found.get(anchor.seq)
            if agency_id in names and actual == anchor.hash:
                continue
            where = f"anchor of line {anchor.line} ({anchor.anchored_at}, #{anchor.seq})"
            if agency_id not in names:
                message = f"{where}: agency {agency_id} no longer exists"
            elif actual is None:
                message = (
                    f"{where}: event #{anchor.seq} no longer exists (events were deleted and the chain "
                    f"shortened); expected hash {anchor.hash}"
                )
            else:
                message = (
                    f"{where}: an event at or before #{anchor.seq} was changed after it was anchored: "
                    f"expected hash {anchor.hash}, found {actual}"
                )
            report.anchor_problems.append(
                AnchorProblem(
                    agency_id=agency_id,
                    agency_name=names.get(agency_id, ""),
                    seq=anchor.seq,
                    expected_hash=anchor.hash,
                    found_hash=actual,
                    anchored_at=anchor.anchored_at,
                    line=anchor.line,
                    message=message,
                )
            )
            break


def audit_verify(
    *, agency: Agency | None = None, anchors: Path | str | None = None, key: bytes | None = None
) -> VerifyReport:
    """Walk every agency's chain (or one agency's) with the audit key and report the first bad event of
    each; with ``anchors`` (a file written by :func:`audit_anchor`) also check every anchored head.

    Detects an edited event (its content no longer hashes to its hash under the key — also when the
    later hashes were recomputed without the key), a deleted one (a gap in the sequence, a broken link,
    or events missing from the recorded end), an inserted one (written out of order, skipped by the next
    event's link, or past the recorded end), a chain recorded under another key (``wrong_key``) and a
    chain still hashed without a key (``unkeyed``). Anchors catch what the key cannot: a rewrite by
    someone holding the key. Raises :class:`AuditKeyError` when no key is configured (never makes one)
    and :class:`AnchorFileError` for a missing or malformed anchors file.
    """
    key = key if key is not None else audit_key(create=False)
    anchor_list = read_anchors(Path(anchors)) if anchors is not None else []
    report = VerifyReport(key_id=key_fingerprint(key))
    agencies = [agency] if agency is not None else list(Agency.objects.order_by("pk"))
    for item in agencies:
        report.agencies_checked += 1
        found = _verify_agency(item, report, key=key, key_id=report.key_id)
        if found is not None:
            report.problems.append(found)
    if anchors is not None:
        if agency is not None:
            anchor_list = [a for a in anchor_list if a.agency_id == agency.pk]
        _check_anchors(anchor_list, report)
    return report


# -- anchoring --------------------------------------------------------------------------------------


def audit_anchor(*, file: Path | str | None = None, stream: TextIO | None = None) -> list[Anchor]:
    """Write each keyed agency chain's head (agency, seq, hash, key id, time) as one JSON line.

    To ``file`` (default :func:`anchors.default_anchor_file`), appended and synced, or to ``stream`` when
    given (``licensedesk audit anchor --file -`` prints them for an external log). Not an audit event: it
    changes nothing in the database, and would move the head it records. Chains still hashed without a
    key are left out (their hashes change when rekeyed). Returns the anchors written."""
    now = timestamp(timezone.now())
    anchors = [
        Anchor(agency_id=agency_id, seq=seq, hash=digest, key_id=key_id, anchored_at=now)
        for agency_id, seq, digest, key_id in AuditChain.objects.filter(last_seq__gt=0)
        .exclude(key_id="")
        .order_by("agency_id")
        .values_list("agency_id", "last_seq", "last_hash", "key_id")
    ]
    if stream is not None:
        stream.writelines(anchor.to_json() + "\n" for anchor in anchors)
        stream.flush()
    else:
        append_anchors(Path(file) if file is not None else default_anchor_file(), anchors)
    return anchors


def audit_anchor_configured() -> list[Anchor]:
    """The housekeeping task: anchor to ``LICENSEDESK_AUDIT_ANCHOR_FILE`` when it is set, else nothing."""
    from django.conf import settings

    if not settings.AUDIT_ANCHOR_FILE:
        return []
    return audit_anchor(file=settings.AUDIT_ANCHOR_FILE)


# -- upgrading chains written before keyed hashing ------------------------------------------------------

RekeyStatus = Literal["rekeyed", "already_keyed", "empty", "refused"]


@dataclass(frozen=True)
class RekeyOutcome:
    agency_id: int
    agency_name: str
    status: RekeyStatus
    events: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency_id": self.agency_id,
            "agency_name": self.agency_name,
            "status": self.status,
            "events": self.events,
            "message": self.message,
        }


@dataclass
class RekeyReport:
    key_id: str = ""
    outcomes: list[RekeyOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.status != "refused" for o in self.outcomes)

    def summary(self) -> str:
        lines = [f"audit chains re-hashed with key {self.key_id}:"]
        lines += [f"  - {o.agency_name} (agency {o.agency_id}): {o.message}" for o in self.outcomes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "key_id": self.key_id, "outcomes": [o.to_dict() for o in self.outcomes]}


_REKEY_BATCH = 2000


def _rehash_events(agency: Agency, key: bytes) -> tuple[int, str]:
    """Re-hash every event of the agency with ``key`` in seq order (in pages by seq, each read in full
    before its rows are rewritten); returns the count and the new last hash. Events are append-only
    through the ORM, so the two hash columns are rewritten in SQL: this is the one place that does."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    statement = f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE id = %s"
    prev, count, after_seq = GENESIS_HASH, 0, 0
    while True:
        page = list(
            AuditEvent.objects.filter(agency=agency, seq__gt=after_seq).order_by("seq")[:_REKEY_BATCH]
        )
        if not page:
            return count, prev
        rows = []
        for event in page:
            event.prev_hash = prev
            event.hash = event_hash(event.hash_fields(), key=key)
            rows.append((event.prev_hash, event.hash, event.pk))
            prev = event.hash
        with connection.cursor() as cursor:
            cursor.executemany(statement, rows)
        count += len(page)
        after_seq = page[-1].seq


def _rekey_agency(agency: Agency, *, key: bytes, key_id: str, anchored: set[int]) -> RekeyOutcome:
    def outcome(status: RekeyStatus, events: int, message: str) -> RekeyOutcome:
        return RekeyOutcome(agency.pk, agency.name, status, events, message)

    with transaction.atomic():
        _lock_agency(agency.pk)
        head = AuditChain.objects.filter(agency=agency).first()
        if head is None or head.last_seq == 0:
            return outcome("empty", 0, "no events: the first one will be keyed")
        if head.key_id == key_id:
            return outcome("already_keyed", head.last_seq, "already hashed with this key")
        if head.key_id:
            raise AuditRekeyRefused(
                f"the chain is hashed with key {head.key_id}, not the configured {key_id}: wrong key "
                "(re-hashing from one key to another is not supported)"
            )
        if agency.pk in anchored:
            raise AuditRekeyRefused(
                "the chain has anchors, so it was keyed before: a chain hashed without the key now was "
                "rewritten (compare it with `licensedesk audit verify --anchors`)"
            )
        scratch = VerifyReport()
        if _walk_chain(agency, scratch, partial(event_hash, key=key)) is None:
            AuditChain.objects.filter(pk=agency.pk).update(key_id=key_id)  # keyed, id not yet recorded
            return outcome("already_keyed", head.last_seq, "already hashed with this key; key id recorded")
        found = _walk_chain(agency, VerifyReport(), legacy_event_hash)
        if found is not None:
            raise AuditRekeyRefused(
                f"the chain does not verify as written, so it is not re-hashed: {found.message}",
                details=found.to_dict(),
            )
        legacy_head = head.last_hash
        count, last_hash = _rehash_events(agency, key)
        AuditChain.objects.filter(pk=agency.pk).update(
            last_hash=last_hash, key_id=key_id, updated_at=timezone.now()
        )
        audit_record(
            agency=agency,
            actor=None,
            action="audit.rekeyed",
            data={"events": count, "key_id": key_id, "legacy_head_hash": legacy_head},
        )
    return outcome("rekeyed", count, f"{count} events verified with plain SHA-256 and re-hashed")


def audit_rekey(
    *, agency: Agency | None = None, anchors: Path | str | None = None, key: bytes | None = None
) -> RekeyReport:
    """Upgrade chains written before keyed hashing: verify each whole chain as it was hashed (plain
    SHA-256), and only if it verifies re-hash every event with the key and append ``audit.rekeyed``.

    Run once after upgrading. Refused (per agency, the others go on) when the legacy chain does not
    verify, when the chain records another key, or when the anchors file (``anchors``, else the default
    one if it exists) anchors the agency: an anchored chain was keyed before, so a keyless one is a
    rewrite, and re-hashing it would launder the rewrite. Makes the key file if there is no key yet.
    """
    key = key if key is not None else audit_key(create=True)
    key_id = key_fingerprint(key)
    anchor_path = Path(anchors) if anchors is not None else default_anchor_file()
    anchored: set[int] = set()
    if anchors is not None or anchor_path.exists():
        anchored = {a.agency_id for a in read_anchors(anchor_path)}
    report = RekeyReport(key_id=key_id)
    agencies = [agency] if agency is not None else list(Agency.objects.order_by("pk"))
    for item in agencies:
        try:
            report.outcomes.append(_rekey_agency(item, key=key, key_id=key_id, anchored=anchored))
        except AuditRekeyRefused as refused:
            report.outcomes.append(RekeyOutcome(item.pk, item.name, "refused", 0, f"refused: {refused}"))
    return report
