"""Writes for client companies and cases. Each service checks the actor's role, does its change and
records its audit event in one transaction (the audit event last, see ``audit_record``).

Errors: :class:`~licensedesk.core.errors.InvalidInput` (bad data), :class:`PermissionDenied` (role or
tenant), :class:`WorkflowError` (a move the workflow or a guard refuses) and :class:`ConcurrencyError`
(``case.changed``: someone else changed the case since the caller read it).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from licensedesk.core.catalog.loader import LookupProblem, default_catalog
from licensedesk.core.catalog.profile_schema import validate_with_sections
from licensedesk.core.eligibility import Evaluator
from licensedesk.core.errors import ConcurrencyError, InvalidInput, PermissionDenied, WorkflowError
from licensedesk.core.identifiers import IdentifierError, parse_icp_filing, parse_license_number
from licensedesk.core.profile import ProfileError
from licensedesk.core.rules.compiler import _add_years
from licensedesk.core.workflow import APPLICATION, PreviousEvent, StageMachine, check_event, machine_for
from licensedesk.web.accounts.models import STAFF_ROLES, Agency, Role, User
from licensedesk.web.accounts.roles import ensure_admin, ensure_company_member_or_staff, ensure_staff
from licensedesk.web.audit.chain import canonical_json, jsonable
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.audit.services import audit_record
from licensedesk.web.cases.guards import GuardContext, evaluate_guards, registered_guard
from licensedesk.web.cases.hooks import run_check_stored, run_profile_updated
from licensedesk.web.cases.models import (
    Case,
    CaseCheck,
    CaseEvent,
    ClientCompany,
    GuardOverride,
    LicenseRecord,
    LicenseSource,
    Note,
    NoteVisibility,
    Task,
)
from licensedesk.web.cases.numbering import case_number_allocate
from licensedesk.web.cases.selectors import UNDO_KIND, case_events_for, last_move
from licensedesk.web.inbox.services import (
    inbox_client_message,
    inbox_client_profile_change,
    inbox_items_resolve,
)

OVERRIDE_REASON_MIN_LENGTH = 5
NOTE_MAX_LENGTH = 10_000

# -- company profiles --------------------------------------------------------------------------------


def profile_hash(profile: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a contract profile: equal hashes, equal profiles."""
    return hashlib.sha256(canonical_json(profile)).hexdigest()


def validated_profile(data: Any) -> dict[str, Any]:
    """Validate exactly as the CLI does (``validate_profile``) and return the contract JSON to store.

    Raises ``InvalidInput(code="company.profile_invalid")`` whose ``details["problems"]`` lists every
    violation as ``{"path", "code", "message"}`` (paths like ``company.uscc``, for form fields).
    """
    try:
        # judged on today's date, as the check run next will be (``case_run_check``): CLI and web agree
        # and each license's own section under extensions (the editor shows them all)
        return validate_with_sections(data, as_of=timezone.localdate()).to_contract()
    except ProfileError as exc:
        problems = [{"path": p.path, "code": p.code, "message": p.message} for p in exc.problems]
        raise InvalidInput(
            f"The company profile is not valid: {exc}",
            code="company.profile_invalid",
            message_zh="企业档案不符合要求："
            + "；".join(f"{p.path or '档案'}：{p.message}" for p in exc.problems),
            details={"problems": problems},
        ) from None


def _columns(profile: dict[str, Any]) -> dict[str, Any]:
    company = profile.get("company", {})
    return {
        "name": company.get("name", ""),
        "uscc": company.get("uscc") or "",
        "province": company.get("province") or "",
        "entity_type": company.get("entity_type") or "",
        "profile_hash": profile_hash(profile),
    }


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf paths of a profile (lists are leaves), for a before/after of what an edit changed."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out.update(_flatten(sub, f"{prefix}.{key}" if prefix else key))
        return out
    return {prefix: value}


def profile_changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The changed leaf paths, as (before, after) dicts; a path absent on one side is left out of it."""
    old, new = _flatten(before), _flatten(after)
    paths = [p for p in [*new, *(p for p in old if p not in new)] if old.get(p, ...) != new.get(p, ...)]
    return {p: old[p] for p in paths if p in old}, {p: new[p] for p in paths if p in new}


#: staff learn exactly why a USCC is refused (another client of the agency holds it) …
USCC_DUPLICATE = "company.duplicate_uscc"
#: … a client user only that it cannot be used: who the agency's other clients are is not theirs to know
USCC_UNUSABLE = "company.uscc_unusable"


def _duplicate_uscc(agency_id: int, uscc: str, actor: User, exclude: int | None = None) -> None:
    """Refuse a USCC another client company of the agency already holds. The message depends on who
    asks: a client user typing another company's code must not learn that the agency serves it."""
    if not uscc:
        return
    others = ClientCompany.objects.filter(agency_id=agency_id, uscc=uscc)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if not others.exists():
        return
    if getattr(actor, "role", None) == Role.CLIENT_USER:
        raise InvalidInput(
            "This unified social credit code cannot be used for this company; check it or contact "
            "your consultant.",
            code=USCC_UNUSABLE,
            message_zh="该统一社会信用代码无法用于此公司，请核对或联系您的顾问。",
            details={"uscc": uscc},
        )
    raise InvalidInput(
        f"Another client of this agency already has the USCC {uscc}.",
        code=USCC_DUPLICATE,
        message_zh=f"本机构已有统一社会信用代码为 {uscc} 的客户企业。",
        details={"uscc": uscc},
    )


def company_create(*, agency: Agency, profile: Any, actor: User) -> ClientCompany:
    """A new client company of ``agency`` from a contract profile (staff of that agency only)."""
    ensure_staff(actor, agency.pk, action="add client companies")
    contract = validated_profile(profile)
    columns = _columns(contract)
    _duplicate_uscc(agency.pk, columns["uscc"], actor)
    with transaction.atomic():
        company = ClientCompany.objects.create(agency=agency, profile=contract, **columns)
        audit_record(agency=agency, actor=actor, action="company.created", target=company, after=contract)
    return company


def company_profile_update(
    *, company: ClientCompany, profile: Any, actor: User, expected_version: int | None = None
) -> ClientCompany:
    """Replace the company's profile (validated like the CLI validates it). Staff of the agency, or a
    client user of this company. The audit event holds the changed paths before and after.

    ``expected_version``: the ``version`` the editor read; if given and stale, ``company.changed``.
    An edit that changes nothing writes nothing.
    """
    ensure_company_member_or_staff(
        actor, agency_id=company.agency_id, company_id=company.pk, action="edit the company profile"
    )
    contract = validated_profile(profile)
    columns = _columns(contract)
    _duplicate_uscc(company.agency_id, columns["uscc"], actor, exclude=company.pk)
    with transaction.atomic():
        current = ClientCompany.objects.get(pk=company.pk)
        version = current.version if expected_version is None else expected_version
        if columns["profile_hash"] == current.profile_hash:
            refresh_company_fields(company, current)
            return company
        updated = ClientCompany.objects.filter(pk=company.pk, version=version).update(
            profile=contract, version=F("version") + 1, updated_at=timezone.now(), **columns
        )
        if not updated:
            raise ConcurrencyError(
                "The company profile was changed by someone else; reload it and edit again.",
                code="company.changed",
                message_zh="企业档案已被他人修改，请刷新后重新编辑。",
                details={"expected_version": version, "current_version": current.version},
            )
        before, after = profile_changes(current.profile, contract)
        audit_record(
            agency=company.agency_id,
            actor=actor,
            action="company.profile_updated",
            target=company,
            before=before,
            after=after,
            data={"version": version + 1},
        )
        inbox_client_profile_change(company=company, paths=sorted({*before, *after}), actor=actor)
        refresh_company_fields(company, ClientCompany.objects.get(pk=company.pk))
        run_profile_updated(company=company, paths=sorted({*before, *after}), actor=actor)
    return company


def refresh_company_fields(company: ClientCompany, fresh: ClientCompany) -> None:
    """Copy onto the caller's ``company`` object what a profile update changed in the row."""
    for name in (
        "profile",
        "name",
        "uscc",
        "province",
        "entity_type",
        "profile_hash",
        "version",
        "updated_at",
    ):
        setattr(company, name, getattr(fresh, name))


# -- cases --------------------------------------------------------------------------------------------


def _machine(case: Case) -> StageMachine:
    return machine_for(case.license_id, case.ruleset_version, case.case_type)


def ensure_can_move_case(actor: User, case: Case) -> None:
    """Moving a case on (stage moves, the license record): an agency admin, or its assigned consultant."""
    ensure_staff(actor, case.agency_id, action="move cases")
    if actor.role == Role.CONSULTANT and case.consultant_id != actor.pk:
        raise PermissionDenied(
            "Only the case's consultant or an agency admin may move this case.",
            code="permission.not_assigned",
            message_zh="只有本案件的顾问或机构管理员可以推进此案件。",
            details={"consultant": case.consultant_id},
        )


def _check_consultant(agency_id: int, consultant: User | None) -> None:
    if consultant is None:
        return
    if consultant.agency_id != agency_id or consultant.role not in STAFF_ROLES or not consultant.is_active:
        raise InvalidInput(
            "The consultant must be an active consultant or admin of this agency.",
            code="case.consultant_invalid",
            message_zh="顾问须为本机构在职的顾问或管理员。",
        )


def case_create(
    *,
    company: ClientCompany,
    license_id: str,
    actor: User,
    consultant: User | None = None,
    target_date: date | None = None,
    opened_on: date | None = None,
    duty: DutyCase | None = None,
) -> Case:
    """Open a case for ``company`` and ``license_id``, on the rule version in force on ``opened_on``
    (today by default), at the workflow's initial stage. One open case per company, license and case
    type. ``duty``: a case for a license already held (its annual report, a change, the renewal; see
    ``licensedesk.web.register.services.duty_case_start``), run on that case type's own workflow."""
    ensure_staff(actor, company.agency_id, action="open cases")
    _check_consultant(company.agency_id, consultant)
    opened_on = opened_on or timezone.localdate()
    try:
        compiled = default_catalog().version_on(license_id, opened_on)
    except LookupProblem as exc:
        raise InvalidInput(str(exc), code=f"case.{exc.code.replace('.', '_')}", message_zh=str(exc)) from None
    case_type = duty.case_type if duty is not None else APPLICATION
    machine = StageMachine.for_version(compiled.version, case_type)
    now = timezone.now()
    case = Case(
        agency_id=company.agency_id,
        company=company,
        license_id=license_id,
        ruleset_version=compiled.version.id,
        stage=machine.initial,
        consultant=consultant,
        opened_on=opened_on,
        target_date=target_date,
        stage_entered_at=now,
        stage_due_on=machine.stage_due_on(machine.initial, opened_on),
        case_type=case_type,
        subject_license=duty.license if duty is not None else None,
        duty_period=duty.period if duty is not None else "",
        duty_details=duty.details if duty is not None else {},
    )
    duplicate = Case.objects.filter(
        company=company, license_id=license_id, case_type=case.case_type, closed_at__isnull=True
    ).exists()
    if duplicate:
        raise InvalidInput(
            f"{company.name} already has an open case for {license_id}.",
            code="case.duplicate",
            message_zh=f"{company.name} 已有该许可证的在办案件。",
        )
    try:
        with transaction.atomic():
            case.number = case_number_allocate(agency_id=case.agency_id, on=opened_on)
            case.save(force_insert=True)
            audit_record(
                agency=case.agency_id,
                actor=actor,
                action="case.created",
                case=case,
                target=case,
                after={
                    "number": case.number,
                    "company": company.pk,
                    "license": license_id,
                    "ruleset_version": case.ruleset_version,
                    "stage": case.stage,
                    "consultant": consultant.pk if consultant else None,
                    "target_date": target_date,
                    **(
                        {
                            "case_type": case_type,
                            "subject_license": duty.license.pk,
                            "duty_period": duty.period,
                            "prefilled": duty.details,
                        }
                        if duty is not None
                        else {}
                    ),
                },
            )
            if duty is not None and duty.then is not None:
                duty.then(case)  # the duty's own writes (its checklist, its proposal), same transaction
    except IntegrityError:  # a concurrent create won the partial unique index
        raise InvalidInput(
            f"{company.name} already has an open case for {license_id}.",
            code="case.duplicate",
            message_zh=f"{company.name} 已有该许可证的在办案件。",
        ) from None
    return case


@dataclass(frozen=True)
class DutyCase:
    """What makes a new case a duty case: its case type, the license it is for, the duty's period and
    what was prefilled; ``then`` runs inside the creating transaction with the new case."""

    case_type: str
    license: LicenseRecord
    period: str
    details: dict[str, Any]
    then: Callable[[Case], None] | None = None


def _stale(case_id: int, expected_version: int) -> ConcurrencyError:
    current = Case.objects.filter(pk=case_id).values("version", "stage").first() or {}
    return ConcurrencyError(
        "The case was changed by someone else since you opened it; reload it and try again.",
        code="case.changed",
        message_zh="案件已被他人修改，请刷新后重试。",
        details={
            "expected_version": expected_version,
            "current_version": current.get("version"),
            "current_stage": current.get("stage"),
        },
    )


def _update_case(case: Case, expected_version: int, **fields: Any) -> None:
    """``UPDATE case SET …, version = version + 1 WHERE id = … AND version = expected``.

    Zero rows updated means someone else changed the case: ``case.changed``.
    """
    now = timezone.now()
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, **fields
    )
    if not updated:
        raise _stale(case.pk, expected_version)
    for name, value in fields.items():
        setattr(case, name, value)
    case.version = expected_version + 1
    case.updated_at = now


def _current(case: Case, expected_version: int) -> Case:
    current = Case.objects.select_related("company").get(pk=case.pk)
    if current.version != expected_version:
        raise _stale(case.pk, expected_version)
    return current


def _overrides(case: Case) -> dict[str, int]:
    found: dict[str, int] = {}
    for guard_id, override_id in (
        GuardOverride.objects.filter(case_id=case.pk)
        .order_by("-created_at", "-pk")
        .values_list("guard_id", "pk")
    ):
        found.setdefault(guard_id, override_id)
    return found


def _previous_event(case: Case, machine: StageMachine) -> PreviousEvent | None:
    """The latest event of the case that stands, with its title (a new event may not predate it)."""
    latest = case_events_for(case).order_by("-occurred_on", "-recorded_at", "-pk").first()
    if latest is None:
        return None
    title = next(
        (m.records.title for m in machine.all_moves() if m.records and m.records.event == latest.kind), None
    )
    return PreviousEvent(
        latest.occurred_on, title.zh if title else latest.kind, title.en if title else latest.kind
    )


def case_transition(
    *,
    case: Case,
    to_stage: str,
    actor: User,
    reason: str = "",
    expected_version: int,
    occurred_on: date | None = None,
    reference: dict[str, Any] | None = None,
    confirmed: bool = False,
) -> Case:
    """Move ``case`` to ``to_stage`` if its license's workflow allows the move and every guard passes.

    ``expected_version`` is the case ``version`` the actor saw; if the case changed since, nothing is
    written and ``ConcurrencyError(code="case.changed")`` is raised — of two people moving the same case
    at once exactly one wins and the audit trail shows one transition. A refused guard raises
    ``WorkflowError(code="workflow.guard_failed")`` whose ``details["guards"]`` says which guard failed and
    what is missing. Withdrawing needs a reason.

    A move the catalog declares ``records`` for (online submission, paper delivery, acceptance, a
    correction request, the decision) stores a :class:`CaseEvent` with the day it happened
    (``occurred_on``, default today in China; never in the future, never before the previous event) and
    its reference fields, validated against the declaration (``InvalidInput(code="event.invalid")``).
    A move that ends the case needs ``confirmed=True`` (``workflow.confirmation_required``), asked for
    once everything else has passed.
    """
    ensure_can_move_case(actor, case)
    with transaction.atomic():
        current = _current(case, expected_version)
        machine = _machine(current)
        move = machine.move(current.stage, to_stage)
        reason = reason.strip()
        if move.withdrawal and not reason:
            raise WorkflowError(
                "Say why the case is withdrawn.",
                code="workflow.reason_required",
                message_zh="撤回案件须填写原因。",
                details={"from": move.source, "to": move.to},
            )
        outcomes = evaluate_guards(
            GuardContext(case=current, move=move, actor=actor, machine=machine), overrides=_overrides(current)
        )
        failed = [o for o in outcomes if not o.passed]
        if failed:
            target = machine.stage(to_stage).title
            raise WorkflowError(
                f"Cannot move to {target.en}: " + " ".join(o.message for o in failed),
                code="workflow.guard_failed",
                message_zh=f"不能进入“{target.zh}”：" + "".join(o.message_zh for o in failed),
                details={
                    "from": move.source,
                    "to": move.to,
                    "failed": [o.guard for o in failed],
                    "guards": [o.to_dict() for o in outcomes],
                },
            )
        now = timezone.now()
        today = timezone.localdate(now)
        event: dict[str, Any] | None = None
        if move.records is not None:
            day = occurred_on or today
            cleaned = check_event(
                move.records,
                occurred_on=day,
                reference=reference,
                today=today,
                previous=_previous_event(current, machine),
            )
            event = {"kind": move.records.event, "occurred_on": day, "reference": cleaned}
        if move.terminal and not confirmed:
            target = machine.stage(to_stage).title
            raise WorkflowError(
                f"Moving to {target.en} ends the case: confirm the move.",
                code="workflow.confirmation_required",
                message_zh=f"进入“{target.zh}”后案件即结束，请确认。",
                details={"from": move.source, "to": move.to},
            )
        terminal = machine.is_terminal(to_stage)
        _update_case(
            case,
            expected_version,
            stage=to_stage,
            stage_entered_at=now,
            stage_due_on=machine.stage_due_on(to_stage, event["occurred_on"] if event else today),
            closed_at=now if terminal else None,
        )
        data: dict[str, Any] = {
            "reason": reason,
            "guards": [o.to_dict() for o in outcomes],
            "withdrawal": move.withdrawal,
        }
        if event is not None:
            data["event"] = event
        audit = audit_record(
            agency=case.agency_id,
            actor=actor,
            action="case.transitioned",
            case=case,
            target=case,
            before={"stage": move.source, "version": expected_version},
            after={"stage": to_stage, "version": case.version},
            data=data,
        )
        if event is not None:
            CaseEvent.objects.create(
                case=case,
                kind=event["kind"],
                from_stage=move.source,
                to_stage=to_stage,
                occurred_on=event["occurred_on"],
                reference=event["reference"],
                recorded_by=actor,
                audit_event=audit,
            )
            if move.records.grants_number and case.case_type == APPLICATION:
                _register_granted(case, event, move.records.grants_number, actor)
            if move.records.renews_until and case.subject_license_id:
                _register_renewed(case, event, move.records.renews_until, actor)
        _refresh_due_on(case, today=today)
    return case


def _register_granted(case: Case, event: dict[str, Any], field: str, actor: User) -> LicenseRecord:
    """A move whose event grants a number (an ICP filing's 备案号, the catalog's ``grants_number``)
    puts it in the register as the case's license, issued on the event's day, with the expiry of the
    license's fixed term or none (an ICP filing stays valid until cancelled). Audited as a recorded
    license; an existing record of the case is updated (a move undone and made again)."""
    version = default_catalog().version(case.license_id, case.ruleset_version).version
    issued_on: date = event["occurred_on"]
    expires_on = None
    if version.validity is not None:
        # 民法典 第二百零二条: the same day N years on (28 February for a 29 February), the day before it last
        expires_on = date.fromisoformat(_add_years(issued_on, version.validity.years)) - timedelta(days=1)
    try:  # the number as the register checks it (a filing number's format), named as the event's field
        fields = license_fields_validated(
            license_id=case.license_id,
            number=event["reference"][field],
            issued_on=issued_on,
            expires_on=expires_on,
        )
    except InvalidInput as exc:
        exc.details["field"] = field
        raise
    return _license_record_write(case, fields, actor)


def _register_renewed(case: Case, event: dict[str, Any], field: str, actor: User) -> LicenseRecord:
    """A renewal granted: the license the case renews takes the new expiry printed on the renewed
    certificate (the event's date field ``field``, the catalog's ``renews_until``), so the register stops
    saying "renewal due" and its duties run to the new date. The new expiry must be later than the old
    one (refused naming the field). Audited; in the move's transaction."""
    record = LicenseRecord.objects.select_for_update().get(
        pk=case.subject_license_id, agency_id=case.agency_id
    )
    until = date.fromisoformat(str(event["reference"][field]))
    if record.expires_on is not None and until <= record.expires_on:
        raise InvalidInput(
            f"The new expiry date {until} must be after the current one, {record.expires_on}.",
            code="license_record.renewal_not_later",
            message_zh=f"续期后有效期至 {until} 须晚于原有效期至 {record.expires_on}。",
            details={"field": field},
        )
    before = {"expires_on": record.expires_on}
    LicenseRecord.objects.filter(pk=record.pk).update(
        expires_on=until, version=F("version") + 1, updated_at=timezone.now()
    )
    record.refresh_from_db()
    audit_record(
        agency=case.agency_id,
        actor=actor,
        action="license.renewed",
        case=case,
        target=record,
        before=before,
        after={"expires_on": until},
    )
    return record


def _refresh_due_on(case: Case, *, today: date) -> None:
    """``stage_due_on`` = the nearest due date of the case's running statutory clocks, from its events
    as they now stand (core/clocks.py): what the list sorts on and the board flags. Derived, so it is
    written without a new version (it changes with the events, not with anyone's edit)."""
    from licensedesk.web.cases.clocks import case_due_on  # the clocks read the models this module writes

    due = case_due_on(case, today=today)
    Case.objects.filter(pk=case.pk).update(stage_due_on=due)
    case.stage_due_on = due


UNDO_REASON_MIN_LENGTH = 5


def case_undo_move(*, case: Case, actor: User, reason: str, expected_version: int) -> Case:
    """An agency admin takes back the last move of the case (a mis-click forward): the case returns to
    the stage it came from. Nothing is erased: a ``case.move_undone`` audit row and a ``move_undone``
    :class:`CaseEvent` (pointing at the event the move recorded, if any) say who undid what and why;
    the steppers leave the undone stage out, the timeline shows the move and its undo. Consultants
    may not undo (``PermissionDenied``); a reason is required; optimistic locking as for moves."""
    ensure_admin(actor, case.agency_id, action="undo moves")
    reason = reason.strip()
    if len(reason) < UNDO_REASON_MIN_LENGTH:
        raise InvalidInput(
            f"Undoing a move needs a written reason (at least {UNDO_REASON_MIN_LENGTH} characters).",
            code="workflow.undo_reason_required",
            message_zh=f"撤销阶段变更须填写原因（至少 {UNDO_REASON_MIN_LENGTH} 个字）。",
            details={"field": "reason"},
        )
    with transaction.atomic():
        current = _current(case, expected_version)
        made = last_move(current)
        if made is None:
            raise WorkflowError(
                "There is no move to undo: the case is at the stage it was opened in, or its last move "
                "was already undone.",
                code="workflow.nothing_to_undo",
                message_zh="没有可撤销的阶段变更：案件仍在立案时的阶段，或上一次变更已撤销。",
                details={"stage": current.stage},
            )
        machine = _machine(current)
        # the restored stage counts again from when the case entered it (the date of the event that
        # move recorded, if any, else the time of the move)
        entering = (
            AuditEvent.objects.filter(case_id=case.pk, action__in=("case.created", "case.transitioned"))
            .filter(pk__lt=made.audit_id)
            .order_by("-seq")
            .values_list("pk", "occurred_at")
            .first()
        )
        entered_at = entering[1] if entering else current.created_at
        entered_on = (
            CaseEvent.objects.filter(audit_event_id=entering[0]).values_list("occurred_on", flat=True).first()
            if entering
            else None
        ) or timezone.localdate(entered_at)
        undone_event = CaseEvent.objects.filter(audit_event_id=made.audit_id).first()
        try:
            with transaction.atomic():
                _update_case(
                    case,
                    expected_version,
                    stage=made.source,
                    stage_entered_at=entered_at,
                    stage_due_on=machine.stage_due_on(made.source, entered_on),
                    closed_at=None,
                )
        except IntegrityError:  # reopening would make a second open case of the company and license
            raise WorkflowError(
                "The company has opened another case for this license since; this one cannot be reopened.",
                code="workflow.undo_reopens_duplicate",
                message_zh="该企业此后已就同一许可证立了新案件，本案件不能重新打开。",
                details={"stage": current.stage},
            ) from None
        audit = audit_record(
            agency=case.agency_id,
            actor=actor,
            action="case.move_undone",
            case=case,
            target=case,
            before={"stage": made.to, "version": expected_version},
            after={"stage": made.source, "version": case.version},
            data={"reason": reason, "undoes": made.audit_id},
        )
        CaseEvent.objects.create(
            case=case,
            kind=UNDO_KIND,
            from_stage=made.to,
            to_stage=made.source,
            occurred_on=timezone.localdate(),
            reference={"reason": reason},
            recorded_by=actor,
            audit_event=audit,
            undoes=undone_event,
        )
        _refresh_due_on(case, today=timezone.localdate())
    return case


def case_assign_consultant(
    *, case: Case, consultant: User | None, actor: User, expected_version: int
) -> Case:
    """Assign (or unassign, with None) the case's consultant. Agency admins only."""
    ensure_admin(actor, case.agency_id, action="assign consultants")
    _check_consultant(case.agency_id, consultant)
    with transaction.atomic():
        current = _current(case, expected_version)
        before = current.consultant_id
        _update_case(case, expected_version, consultant=consultant)
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="case.consultant_assigned",
            case=case,
            target=case,
            before={"consultant": before},
            after={"consultant": consultant.pk if consultant else None},
        )
    return case


def case_set_target_date(*, case: Case, target_date: date | None, actor: User, expected_version: int) -> Case:
    """The date agreed with the client for the case (staff of the agency)."""
    ensure_staff(actor, case.agency_id, action="set due dates")
    with transaction.atomic():
        current = _current(case, expected_version)
        before = current.target_date
        _update_case(case, expected_version, target_date=target_date)
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="case.target_date_set",
            case=case,
            target=case,
            before={"target_date": before},
            after={"target_date": target_date},
        )
    return case


# -- eligibility ---------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _evaluator(license_id: str, version_id: str, as_of: date) -> Evaluator:
    return Evaluator(default_catalog().version(license_id, version_id), as_of)


def case_run_check(*, case: Case, actor: User, as_of: date | None = None) -> CaseCheck:
    """Check the company's current profile against the case's rule version and store the full result
    on the case (with the rule version and the hash of the profile checked). Staff of the agency."""
    ensure_staff(actor, case.agency_id, action="run eligibility checks")
    as_of = as_of or timezone.localdate()
    company = ClientCompany.objects.only("profile", "profile_hash").get(pk=case.company_id)
    evaluator = _evaluator(case.license_id, case.ruleset_version, as_of)
    result = jsonable(evaluator.check(company.profile))
    with transaction.atomic():
        previous = CaseCheck.objects.filter(case_id=case.pk).order_by("-created_at", "-pk").first()
        check = CaseCheck.objects.create(
            case=case,
            result=result,
            verdict=result["verdict"],
            license_id=case.license_id,
            ruleset_version=result["ruleset_version"],
            as_of=as_of,
            profile_hash=company.profile_hash,
            profile=company.profile,
            run_by=actor,
        )
        run_check_stored(case=case, check=check, actor=actor)  # e.g. the materials checklist
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="case.check_run",
            case=case,
            target=check,
            before={"check": previous.pk, "verdict": previous.verdict} if previous else None,
            after={
                "check": check.pk,
                "verdict": check.verdict,
                "ruleset_version": check.ruleset_version,
                "as_of": as_of,
                "profile_hash": check.profile_hash,
            },
        )
    return check


def case_override_guard(*, case: Case, guard_id: str, actor: User, reason: str) -> GuardOverride:
    """An agency admin lets ``case`` past an overridable guard, with a written reason (audited)."""
    ensure_admin(actor, case.agency_id, action="override guards")
    registered = registered_guard(guard_id)
    if registered is None or not registered.overridable:
        raise WorkflowError(
            f"The guard {guard_id!r} cannot be overridden.",
            code="workflow.guard_not_overridable",
            message_zh=f"门槛条件 {guard_id} 不可豁免。",
            details={"guard": guard_id},
        )
    reason = reason.strip()
    if len(reason) < OVERRIDE_REASON_MIN_LENGTH:
        raise InvalidInput(
            f"An override needs a written reason (at least {OVERRIDE_REASON_MIN_LENGTH} characters).",
            code="workflow.override_reason_required",
            message_zh=f"豁免须填写书面理由（至少 {OVERRIDE_REASON_MIN_LENGTH} 个字）。",
            details={"guard": guard_id},
        )
    if _machine(case).is_terminal(case.stage):
        raise WorkflowError(
            "The case is closed.",
            code="workflow.terminal_stage",
            message_zh="案件已结束。",
            details={"stage": case.stage},
        )
    with transaction.atomic():
        latest = CaseCheck.objects.filter(case_id=case.pk).order_by("-created_at", "-pk").first()
        override = GuardOverride.objects.create(case=case, guard_id=guard_id, reason=reason, actor=actor)
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="case.guard_overridden",
            case=case,
            target=override,
            before={"check": latest.pk, "verdict": latest.verdict} if latest else None,
            after={"guard": guard_id, "overridden": True},
            data={"guard": guard_id, "reason": reason},
        )
    return override


def case_override_eligibility(*, case: Case, actor: User, reason: str) -> GuardOverride:
    """Let ``case`` enter the eligibility-guarded stage (contract signed) without an eligible check."""
    return case_override_guard(case=case, guard_id="eligibility_eligible", actor=actor, reason=reason)


# -- license record ------------------------------------------------------------------------------------


def license_fields_validated(
    *, license_id: str, number: str, issued_on: date, expires_on: date | None
) -> dict[str, Any]:
    """A license's number and dates as stored, or ``InvalidInput`` naming the field: a telecom
    license's number must parse as a VATS licence number covering the license's category (``B2`` for
    ``B25``), an ICP filing's as a filing number, any other as printed (one line); issue date not
    in the future; expiry after issue, and required only for a license with a fixed term (the catalog's
    ``validity``: an ICP filing or a travel agency's license has none). Shared by the case's record and
    the register's manual entry."""
    today = timezone.localdate()
    category = default_catalog().license(license_id).category
    if _is_vats_category(category):
        number = _vats_license_number(number, category=category[:2], license_id=license_id, today=today)
    elif category == ICP_FILING_CATEGORY:
        number = _filing_number(number, today=today)
    else:
        number = _plain_license_number(number)
    if issued_on > today:
        raise InvalidInput(
            f"The issue date {issued_on} is in the future.",
            code="license_record.issued_in_future",
            message_zh=f"发证日期 {issued_on} 晚于今天。",
            details={"field": "issued_on"},
        )
    if expires_on is None:
        if any(v.validity is not None for v in default_catalog().license(license_id).versions):
            raise InvalidInput(
                "Enter the expiry date printed on the license.",
                code="license_record.expiry_required",
                message_zh="请填写许可证上载明的有效期截止日。",
                details={"field": "expires_on"},
            )
    elif expires_on <= issued_on:
        raise InvalidInput(
            f"The expiry date {expires_on} must be after the issue date {issued_on}.",
            code="license_record.expiry_before_issue",
            message_zh=f"有效期截止日 {expires_on} 须晚于发证日期 {issued_on}。",
            details={"field": "expires_on"},
        )
    return {"number": number, "issued_on": issued_on, "expires_on": expires_on}


def _is_vats_category(category: str) -> bool:
    """A value-added telecom category (B11…B26: the ICP and EDI licenses), whose licence numbers have
    the MIIT's structure; other licenses (labour dispatch, travel agency) are numbered by their own
    authorities in formats the catalog does not fix."""
    return len(category) == 3 and category[0] == "B" and category[1:].isdigit()


def _vats_license_number(number: str, *, category: str, license_id: str, today: date) -> str:
    """The number parsed as a VATS licence number that covers ``category`` (``B2`` for ``B25``)."""
    try:
        parsed = parse_license_number(number, today=today)
    except IdentifierError as exc:
        raise InvalidInput(
            exc.message_en,
            code="license_record.invalid_number",
            message_zh=exc.message_zh,
            details={"field": "number", "identifier_code": exc.code},
        ) from None
    if category not in parsed.categories:
        raise InvalidInput(
            f"The licence number {parsed.number} covers {'.'.join(parsed.categories)}, not {category} "
            f"as {license_id} needs.",
            code="license_record.wrong_category",
            message_zh=(
                f"许可证编号 {parsed.number} 的业务类别为 {'.'.join(parsed.categories)}，不含 {category}。"
            ),
            details={"field": "number", "categories": list(parsed.categories), "needed": category},
        )
    return parsed.number


#: the catalog category of the ICP filing (icp-filing), whose numbers are 粤ICP备…号
ICP_FILING_CATEGORY = "ICP-filing"


def _filing_number(number: str, *, today: date) -> str:
    """The number parsed as an ICP filing number (粤ICP备12345678号)."""
    try:
        return parse_icp_filing(number, today=today).number
    except IdentifierError as exc:
        raise InvalidInput(
            exc.message_en,
            code="license_record.invalid_number",
            message_zh=exc.message_zh,
            details={"field": "number", "identifier_code": exc.code},
        ) from None


def _plain_license_number(number: str) -> str:
    """A number in a format the catalog does not fix: as printed, trimmed, one line of at most 60
    characters (the column's size) with no control characters."""
    number = number.strip()
    if not number or len(number) > 60 or any(unicodedata.category(c).startswith("C") for c in number):
        raise InvalidInput(
            "Enter the license number as printed on the license, on one line of at most 60 characters.",
            code="license_record.invalid_number",
            message_zh="请按许可证上印制的编号填写（一行，不超过 60 个字符）。",
            details={"field": "number"},
        )
    return number


def case_record_license(
    *, case: Case, number: str, issued_on: date, expires_on: date, actor: User
) -> LicenseRecord:
    """Record (or correct) the license issued for the case. The number must parse as a VATS licence
    number covering the license's category (``B2`` for ``B25``); issue date not in the future; expiry
    after issue. An admin or the assigned consultant."""
    ensure_can_move_case(actor, case)
    if _machine(case).is_terminal(case.stage):
        raise WorkflowError(
            "The case is closed.",
            code="workflow.terminal_stage",
            message_zh="案件已结束。",
            details={"stage": case.stage},
        )
    fields = license_fields_validated(
        license_id=case.license_id, number=number, issued_on=issued_on, expires_on=expires_on
    )
    with transaction.atomic():
        return _license_record_write(case, fields, actor)


def _license_record_write(case: Case, fields: dict[str, Any], actor: User) -> LicenseRecord:
    """The case's register row with ``fields`` (number and dates, checked), created with what the license
    covers as the profile says it today (the register lets staff correct it) or corrected (a move undone
    and made again, a typo), audited as a recorded license. Inside the caller's transaction."""
    existing = LicenseRecord.objects.filter(case_id=case.pk).first()
    before = {k: getattr(existing, k) for k in fields} if existing else None
    if existing is None:
        service = (ClientCompany.objects.get(pk=case.company_id).profile or {}).get("service") or {}
        record = LicenseRecord.objects.create(
            case=case,
            agency_id=case.agency_id,
            company_id=case.company_id,
            license_id=case.license_id,
            source=LicenseSource.CASE,
            recorded_by=actor,
            websites=[w["domain"] for w in service.get("websites") or [] if w.get("domain")],
            apps=[a["name"] for a in service.get("apps") or [] if a.get("name")],
            **fields,
        )
    else:
        LicenseRecord.objects.filter(pk=existing.pk).update(
            **fields, recorded_by=actor, version=F("version") + 1, updated_at=timezone.now()
        )
        existing.refresh_from_db()
        record = existing
    audit_record(
        agency=case.agency_id,
        actor=actor,
        action="case.license_recorded",
        case=case,
        target=record,
        before=before,
        after=fields,
    )
    return record


# -- notes and tasks -------------------------------------------------------------------------------------


def note_create(*, case: Case, author: User, body: str, visibility: str = NoteVisibility.INTERNAL) -> Note:
    """A note on the case. Client users may write on their company's cases; their notes are always
    shared with the client side. Internal notes are for staff only."""
    ensure_company_member_or_staff(
        author, agency_id=case.agency_id, company_id=case.company_id, action="write notes"
    )
    body = body.strip()
    if not body or len(body) > NOTE_MAX_LENGTH:
        raise InvalidInput(
            f"A note needs 1 to {NOTE_MAX_LENGTH} characters.",
            code="note.body_invalid",
            message_zh=f"备注须为 1 至 {NOTE_MAX_LENGTH} 个字。",
        )
    if visibility not in NoteVisibility.values:
        raise InvalidInput(
            f"Unknown visibility {visibility!r}.", code="note.visibility_invalid", message_zh="可见范围无效。"
        )
    if author.role == Role.CLIENT_USER:
        visibility = NoteVisibility.CLIENT
    with transaction.atomic():
        note = Note.objects.create(case=case, author=author, body=body, visibility=visibility)
        audit_record(
            agency=case.agency_id,
            actor=author,
            action="note.created",
            case=case,
            target=note,
            after={"visibility": visibility, "body": body},
        )
        inbox_client_message(note=note, case=case, actor=author)
    return note


def task_create(
    *, case: Case, actor: User, title: str, due_on: date | None = None, assignee: User | None = None
) -> Task:
    """A to-do on the case for agency staff."""
    ensure_staff(actor, case.agency_id, action="create tasks")
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidInput(
            "A task needs a title of 1 to 200 characters.",
            code="task.title_invalid",
            message_zh="任务标题须为 1 至 200 个字。",
        )
    if assignee is not None and (
        assignee.agency_id != case.agency_id or assignee.role not in STAFF_ROLES or not assignee.is_active
    ):
        raise InvalidInput(
            "Tasks are assigned to active staff of this agency.",
            code="task.assignee_invalid",
            message_zh="任务只能分配给本机构在职员工。",
        )
    with transaction.atomic():
        task = Task.objects.create(case=case, title=title, due_on=due_on, assignee=assignee, created_by=actor)
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="task.created",
            case=case,
            target=task,
            after={"title": title, "due_on": due_on, "assignee": assignee.pk if assignee else None},
        )
    return task


def task_complete(*, task: Task, actor: User) -> Task:
    case = task.case
    ensure_staff(actor, case.agency_id, action="complete tasks")
    if task.done_at is not None:
        return task
    with transaction.atomic():
        now = timezone.now()
        updated = Task.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=now)
        if not updated:
            task.refresh_from_db()
            return task
        task.done_at = now
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="task.completed",
            case=case,
            target=task,
            before={"done_at": None},
            after={"done_at": now},
        )
        inbox_items_resolve(source=task)
    return task
