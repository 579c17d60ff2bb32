"""Writes of the materials app: the checklist kept in step with the case's checks, uploads, reviews,
review rounds (and their email to the client) and expiry. Each checks the actor's role, makes its change
and records its audit event in one transaction.

Errors: :class:`InvalidInput` (a refused file, a bad review input, a mismatch with the profile),
:class:`PermissionDenied` (role, tenant), :class:`WorkflowError` (a closed case, a version already
reviewed or superseded, no open review round).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from licensedesk.core.catalog.loader import LookupProblem, default_catalog
from licensedesk.core.catalog.models import License, Material
from licensedesk.core.date_rules import accepted_until as rules_accepted_until
from licensedesk.core.date_rules import date_problems
from licensedesk.core.eligibility import citation_text
from licensedesk.core.errors import InvalidInput, WorkflowError
from licensedesk.core.filecheck import DEFAULT_LIMITS, KINDS, FileRejected, FileReport, Limits, inspect_file
from licensedesk.core.virusscan import Clamd, ScannerError
from licensedesk.core.workflow import APPLICATION, machine_for
from licensedesk.web.accounts.models import Role, User
from licensedesk.web.accounts.roles import ensure_company_member_or_staff, ensure_staff
from licensedesk.web.audit.services import audit_record
from licensedesk.web.cases.models import Case, CaseCheck
from licensedesk.web.inbox.services import inbox_client_upload, inbox_items_resolve
from licensedesk.web.materials import storage
from licensedesk.web.materials.models import (
    CaseMaterial,
    MaterialFile,
    MaterialStatus,
    MaterialVersion,
    ReviewRound,
    ReviewStatus,
    ScanStatus,
)
from licensedesk.web.materials.reasons import BY_CODE, REASON_TEXT_MAX_LENGTH
from licensedesk.web.materials.uploads import max_files, too_many_files

# -- configuration ------------------------------------------------------------------------------------


def upload_limits() -> Limits:
    """The file limits, from ``MATERIAL_UPLOAD_MAX_BYTES`` (per kind) and ``MATERIAL_IMAGE_MAX_PIXELS``."""
    max_bytes = {**DEFAULT_LIMITS.max_bytes, **getattr(settings, "MATERIAL_UPLOAD_MAX_BYTES", {})}
    pixels = getattr(settings, "MATERIAL_IMAGE_MAX_PIXELS", DEFAULT_LIMITS.max_pixels)
    return replace(DEFAULT_LIMITS, max_bytes=max_bytes, max_pixels=pixels)


def virus_scanner() -> Clamd | None:
    """clamd when ``LICENSEDESK_CLAMD_SOCKET`` or ``LICENSEDESK_CLAMD_HOST`` is set, else None (files are
    then stored as *not scanned*, and shown so)."""
    socket_path = getattr(settings, "CLAMD_SOCKET", "")
    host = getattr(settings, "CLAMD_HOST", "")
    if not socket_path and not host:
        return None
    return Clamd(
        socket_path=socket_path or None, host=host or None, port=getattr(settings, "CLAMD_PORT", 3310)
    )


def material_spec(case: Case, material_id: str) -> Material | None:
    """The catalog's definition of a material in the case's rule version (None if it has none)."""
    try:
        version = default_catalog().version(case.license_id, case.ruleset_version).version
    except LookupProblem:
        return None
    declared = version.case_type(case.case_type)  # a duty case asks for its case type's materials
    materials = declared.materials if declared is not None else version.materials
    return next((m for m in materials if m.id == material_id), None)


def effective_status(material: CaseMaterial, today: date) -> str:
    """The status, with an acceptance whose date rules ran out counted as expired."""
    if (
        material.status == MaterialStatus.ACCEPTED
        and material.accepted_until is not None
        and material.accepted_until < today
    ):
        return MaterialStatus.EXPIRED
    return material.status


def case_closed(case: Case) -> bool:
    return machine_for(case.license_id, case.ruleset_version, case.case_type).is_terminal(case.stage)


def _ensure_open(case: Case) -> None:
    if case_closed(case):
        raise WorkflowError(
            "The case is closed; its materials can no longer change.",
            code="material.case_closed",
            message_zh="案件已结束，材料不能再变更。",
            details={"stage": case.stage},
        )


# -- the checklist ------------------------------------------------------------------------------------


def checklist_sync(*, case: Case, check: CaseCheck, actor: User | None) -> list[CaseMaterial]:
    """Bring the case's checklist in line with ``check`` (its ``materials``): add the materials it lists
    for the first time, update required/why/guidance of the others, and mark the ones it no longer lists
    as not required. Statuses and uploads are kept: nothing uploaded is lost when a material stops
    being required. Records one audit event naming what was added and whose ``required`` changed.

    Called inside the transaction that stores the check (``cases.hooks.check_stored``)."""
    now = timezone.now()
    items = check.result.get("materials", [])
    existing = {m.material_id: m for m in CaseMaterial.objects.filter(case_id=case.pk)}
    added, before, after, to_update, to_create = [], {}, {}, [], []
    for position, item in enumerate(items):
        fields = {
            "position": position,
            "required": bool(item.get("required")),
            "in_rules": True,
            "title_zh": item.get("title_zh") or item["id"],
            "title_en": item.get("title_en") or item.get("title_zh") or item["id"],
            "because_zh": item.get("because") or "",
            "because_en": item.get("because_en") or "",
            "basis": item.get("basis") or "",
            "citation": item.get("citation") or "",
            "guidance_zh": item.get("guidance_zh") or "",
            "guidance_en": item.get("guidance_en") or "",
            "file_kinds": list(item.get("file_kinds") or []),
            "synced_check": check,
        }
        material = existing.pop(item["id"], None)
        if material is None:
            to_create.append(CaseMaterial(case=case, material_id=item["id"], status_changed_at=now, **fields))
            added.append(item["id"])
            after[item["id"]] = fields["required"]
            continue
        if material.required != fields["required"]:
            before[material.material_id], after[material.material_id] = material.required, fields["required"]
        for name, value in fields.items():
            setattr(material, name, value)
        to_update.append(material)
    for material in existing.values():  # no longer in the rule version's list at all
        if material.required:
            before[material.material_id], after[material.material_id] = True, False
        material.required, material.in_rules, material.synced_check = False, False, check
        to_update.append(material)
    CaseMaterial.objects.bulk_create(to_create)
    if to_update:
        names = [
            "position",
            "required",
            "in_rules",
            "title_zh",
            "title_en",
            "because_zh",
            "because_en",
            "basis",
            "citation",
            "guidance_zh",
            "guidance_en",
            "file_kinds",
            "synced_check",
        ]
        for material in to_update:
            material.updated_at = now
        CaseMaterial.objects.bulk_update(to_update, [*names, "updated_at"])
    audit_record(
        agency=case.agency_id,
        actor=actor,
        action="material.checklist_synced",
        case=case,
        target=check,
        before={"required": before} if before else None,
        after={"required": after, "added": added},
        data={"check": check.pk, "materials": len(items)},
    )
    return list(CaseMaterial.objects.filter(case_id=case.pk).order_by("position", "pk"))


def checklist_sync_hook(*, case: Case, check: CaseCheck, actor: User | None) -> None:
    """The ``check_stored`` hook: every stored check recomputes the checklist of an application (a
    duty case's checklist is its case type's, set when it starts: :func:`checklist_for_case_type`)."""
    if case.case_type != APPLICATION:
        return
    checklist_sync(case=case, check=check, actor=actor)


def checklist_for_case_type(
    *, case: Case, lic: License, materials: Sequence[Material], actor: User | None
) -> list[CaseMaterial]:
    """The checklist of a duty case (annual report, change, renewal): every material its case type
    declares, all asked for (no eligibility check decides them). Called inside the transaction that
    starts the case; one audit event, as :func:`checklist_sync` records."""
    now = timezone.now()
    rows = [
        CaseMaterial(
            case=case,
            material_id=m.id,
            position=position,
            required=True,
            in_rules=True,
            title_zh=m.title.zh,
            title_en=m.title.en,
            basis=m.basis,
            citation=citation_text(lic, m.citations),
            guidance_zh=m.guidance.zh,
            guidance_en=m.guidance.en,
            file_kinds=list(m.file_kinds),
            status_changed_at=now,
        )
        for position, m in enumerate(materials)
    ]
    CaseMaterial.objects.bulk_create(rows)
    audit_record(
        agency=case.agency_id,
        actor=actor,
        action="material.checklist_synced",
        case=case,
        target=case,
        after={"required": {m.id: True for m in materials}, "added": [m.id for m in materials]},
        data={"case_type": case.case_type, "materials": len(rows)},
    )
    return list(CaseMaterial.objects.filter(case_id=case.pk).order_by("position", "pk"))


# -- uploads ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomingFile:
    """A file to upload: its name as sent, its bytes (a Django ``File`` such as an uploaded file, or a
    seekable binary stream), and its SHA-256 and size when they were computed while it arrived."""

    name: str
    content: Any
    sha256: str | None = None
    size: int | None = None

    @classmethod
    def from_upload(cls, upload: Any) -> IncomingFile:
        return cls(upload.name, upload, getattr(upload, "sha256", None), upload.size)

    def stream(self) -> IO[bytes]:
        file = self.content.file if isinstance(self.content, File) else self.content
        return file


def refusal(errors: Sequence[InvalidInput]) -> InvalidInput:
    """One error for one or several refused files (each message names its file)."""
    if len(errors) == 1:
        return errors[0]
    return InvalidInput(
        " ".join(e.message for e in errors),
        code="upload.refused",
        message_zh="".join(e.message_zh for e in errors),
        details={"refusals": [e.to_dict() for e in errors]},
    )


def _scan(clamd: Clamd, report: FileReport, stream: IO[bytes]) -> tuple[str, str]:
    try:
        result = clamd.scan(stream)
    except ScannerError as exc:
        raise FileRejected(
            "scan_failed",
            report.name,
            f"The virus scanner could not check “{report.name}” ({exc}); try again later.",
            f"病毒扫描无法检查文件“{report.name}”（{exc}），请稍后重试。",
        ) from None
    if result.infected:
        raise FileRejected(
            "infected",
            report.name,
            f"The file “{report.name}” contains a virus or malware ({result.signature}); it was not stored.",
            f"文件“{report.name}”含有病毒或恶意程序（{result.signature}），未予保存。",
            signature=result.signature,
        )
    return ScanStatus.CLEAN, f"clamd: OK ({timezone.now():%Y-%m-%d %H:%M})"


def material_upload_ensure_allowed(*, material: CaseMaterial, actor: User) -> None:
    """Whether ``actor`` may upload a new version of ``material`` at all, before any file is looked at
    (the upload view asks before it reads the request's body): staff of the agency or a client user of
    the company, the case still open, and a client not replacing an accepted material (staff can)."""
    case = material.case
    ensure_company_member_or_staff(
        actor, agency_id=case.agency_id, company_id=case.company_id, action="upload materials"
    )
    _ensure_open(case)
    if actor.role == Role.CLIENT_USER and material.status == MaterialStatus.ACCEPTED:
        raise InvalidInput(
            f"“{material.title_en}” is already accepted; ask your consultant if it must change.",
            code="material.already_accepted",
            message_zh=f"“{material.title_zh}”已审核通过；如需更换，请联系您的顾问。",
            details={"material": material.material_id},
        )


def material_upload(*, material: CaseMaterial, actor: User, files: Sequence[IncomingFile]) -> MaterialVersion:
    """A new version of ``material`` made of ``files``: every file is checked from its bytes (and
    scanned when clamd is configured) before anything is stored; one refused file refuses the upload,
    and nothing of it stays (no stored file, no row). Who may: :func:`material_upload_ensure_allowed`."""
    case = material.case
    material_upload_ensure_allowed(material=material, actor=actor)
    if not files:
        raise InvalidInput(
            f"Choose at least one file for “{material.title_en}”.",
            code="upload.no_file",
            message_zh=f"请为“{material.title_zh}”选择至少一个文件。",
            details={"field": "files"},
        )
    if len(files) > max_files():
        raise too_many_files(max_files(), len(files))
    limits = upload_limits()
    checked: list[tuple[IncomingFile, FileReport]] = []
    refused: list[InvalidInput] = []
    for incoming in files:
        try:
            report = inspect_file(
                incoming.stream(),
                name=incoming.name,
                allowed_kinds=material.file_kinds or KINDS,
                limits=limits,
                sha256=incoming.sha256,
                size=incoming.size,
            )
        except FileRejected as exc:
            refused.append(exc)
            continue
        checked.append((incoming, report))
    if refused:
        raise refusal(refused)
    clamd = virus_scanner()
    scans: list[tuple[str, str]] = []
    for incoming, report in checked:
        if clamd is None:
            scans.append((ScanStatus.NOT_SCANNED, ""))
            continue
        try:
            scans.append(_scan(clamd, report, incoming.stream()))
        except FileRejected as exc:
            refused.append(exc)
    if refused:
        raise refusal(refused)
    created: list[str] = []
    try:
        with transaction.atomic():
            locked = CaseMaterial.objects.select_for_update().get(pk=material.pk)
            number = (
                MaterialVersion.objects.filter(material_id=locked.pk).aggregate(n=Max("number"))["n"] or 0
            ) + 1
            now = timezone.now()
            version = MaterialVersion.objects.create(
                material=locked,
                number=number,
                uploaded_by=actor,
                uploaded_at=now,
                active_content=[
                    {"file": report.name, "kinds": report.details["active_content"]}
                    for _, report in checked
                    if report.details.get("active_content")
                ],
            )
            stored = []
            for position, ((incoming, report), (scan_status, scan_detail)) in enumerate(
                zip(checked, scans, strict=True)
            ):
                name, is_new = storage.store(incoming.content, sha256=report.sha256, size=report.size)
                if is_new:
                    created.append(name)
                MaterialFile.objects.create(
                    version=version,
                    position=position,
                    original_name=report.name,
                    storage_name=name,
                    sha256=report.sha256,
                    size=report.size,
                    kind=report.kind,
                    content_type=report.content_type,
                    details=report.details,
                    scan_status=scan_status,
                    scan_detail=scan_detail,
                )
                stored.append(
                    {
                        "name": report.name,
                        "sha256": report.sha256,
                        "size": report.size,
                        "kind": report.kind,
                        "scan": scan_status,
                    }
                )
            CaseMaterial.objects.filter(pk=locked.pk).update(
                status=MaterialStatus.UPLOADED,
                latest_version=version,
                status_changed_at=now,
                accepted_until=None,
                updated_at=now,
            )
            audit_record(
                agency=case.agency_id,
                actor=actor,
                action="material.uploaded",
                case=case,
                target=version,
                before={"status": locked.status, "version": locked.latest_version_id},
                after={"status": MaterialStatus.UPLOADED, "version": number},
                data={"material": locked.material_id, "files": stored},
            )
            inbox_client_upload(version=version, material=locked, case=case, actor=actor)
    except BaseException:
        for name in created:
            if not MaterialFile.objects.filter(storage_name=name).exists():
                storage.discard(name)
        raise
    _refresh(material)
    return version


def _refresh(material: CaseMaterial) -> None:
    fresh = CaseMaterial.objects.get(pk=material.pk)
    for name in ("status", "latest_version_id", "status_changed_at", "accepted_until", "updated_at"):
        setattr(material, name, getattr(fresh, name))


# -- review -------------------------------------------------------------------------------------------


def material_start_review(*, material: CaseMaterial, actor: User) -> CaseMaterial:
    """Mark an uploaded material as being reviewed (so the client sees someone is on it)."""
    case = material.case
    ensure_staff(actor, case.agency_id, action="review materials")
    _ensure_open(case)
    with transaction.atomic():
        locked = CaseMaterial.objects.select_for_update().get(pk=material.pk)
        if locked.status == MaterialStatus.UNDER_REVIEW:
            return material
        if locked.status != MaterialStatus.UPLOADED:
            raise WorkflowError(
                f"Only an uploaded material waiting for review can be taken into review; "
                f"“{locked.title_en}” is {locked.status}.",
                code="material.not_waiting",
                message_zh=f"只有待审核的已上传材料才能开始审核；“{locked.title_zh}”当前状态为{_status_zh(locked.status)}。",
                details={"status": locked.status},
            )
        now = timezone.now()
        CaseMaterial.objects.filter(pk=locked.pk).update(
            status=MaterialStatus.UNDER_REVIEW, status_changed_at=now, updated_at=now
        )
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="material.review_started",
            case=case,
            target=locked,
            before={"status": locked.status},
            after={"status": MaterialStatus.UNDER_REVIEW},
            data={"material": locked.material_id, "version": locked.latest_version_id},
        )
    _refresh(material)
    return material


def _status_zh(status: str) -> str:
    from licensedesk.web.materials.reasons import STATUS_TEXT

    return STATUS_TEXT.get(status, (status, status))[0]


def _reviewable(version_id: int) -> MaterialVersion:
    """The version, locked with its material, if it is the material's latest and not yet reviewed."""
    version = MaterialVersion.objects.select_related("material", "material__case").get(pk=version_id)
    material = CaseMaterial.objects.select_for_update().get(pk=version.material_id)
    if material.latest_version_id != version.pk:
        latest = MaterialVersion.objects.get(pk=material.latest_version_id)
        raise WorkflowError(
            f"Version {version.number} of “{material.title_en}” was replaced by version {latest.number}; "
            "review the newest one.",
            code="material.not_latest",
            message_zh=f"“{material.title_zh}”的第 {version.number} 版已被第 {latest.number} 版取代，"
            "请审核最新版本。",
            details={"version": version.number, "latest": latest.number},
        )
    if version.review_status != ReviewStatus.PENDING:
        raise WorkflowError(
            f"Version {version.number} of “{material.title_en}” was already reviewed "
            f"({version.review_status}).",
            code="material.already_reviewed",
            message_zh=f"“{material.title_zh}”的第 {version.number} 版已审核过。",
            details={"version": version.number, "review_status": version.review_status},
        )
    version.material = material
    return version


def _open_round(case: Case, actor: User) -> ReviewRound:
    current = ReviewRound.objects.filter(case_id=case.pk, finished_at__isnull=True).first()
    if current is not None:
        return current
    number = (ReviewRound.objects.filter(case_id=case.pk).aggregate(n=Max("number"))["n"] or 0) + 1
    return ReviewRound.objects.create(case=case, number=number, opened_by=actor, opened_at=timezone.now())


def version_reject(*, version: MaterialVersion, actor: User, reason: str, text: str = "") -> MaterialVersion:
    """Reject ``version`` (the material's latest, not yet reviewed) for ``reason`` (a code of
    :data:`licensedesk.web.materials.reasons.REASONS`; "other" needs ``text``). The rejection joins the
    case's open review round (one is opened if none is) and reaches the client when the round is
    finished."""
    case = version.material.case
    ensure_staff(actor, case.agency_id, action="review materials")
    _ensure_open(case)
    chosen = BY_CODE.get(reason)
    if chosen is None:
        raise InvalidInput(
            "Choose the reason for the rejection from the list.",
            code="material.reason_invalid",
            message_zh="请从列表中选择退回原因。",
            details={"field": "reason", "reason": reason},
        )
    text = (text or "").strip()
    if chosen.needs_text and not text:
        raise InvalidInput(
            "Say what is wrong: the reason “Other” needs an explanation.",
            code="material.reason_text_required",
            message_zh="请说明问题：选择“其他”时须填写具体原因。",
            details={"field": "reason_text"},
        )
    if len(text) > REASON_TEXT_MAX_LENGTH:
        raise InvalidInput(
            f"The explanation may have at most {REASON_TEXT_MAX_LENGTH} characters.",
            code="material.reason_text_too_long",
            message_zh=f"说明不得超过 {REASON_TEXT_MAX_LENGTH} 个字。",
            details={"field": "reason_text"},
        )
    with transaction.atomic():
        locked = _reviewable(version.pk)
        material = locked.material
        review_round = _open_round(case, actor)
        now = timezone.now()
        MaterialVersion.objects.filter(pk=locked.pk).update(
            review_status=ReviewStatus.REJECTED,
            reason=chosen.code,
            reason_text=text,
            reviewed_by=actor,
            reviewed_at=now,
            review_round=review_round,
        )
        CaseMaterial.objects.filter(pk=material.pk).update(
            status=MaterialStatus.REJECTED, status_changed_at=now, accepted_until=None, updated_at=now
        )
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="material.rejected",
            case=case,
            target=locked,
            before={"status": material.status, "review_status": ReviewStatus.PENDING},
            after={"status": MaterialStatus.REJECTED, "review_status": ReviewStatus.REJECTED},
            data={
                "material": material.material_id,
                "version": locked.number,
                "reason": chosen.code,
                "text": text,
                "round": review_round.number,
            },
        )
        inbox_items_resolve(source=locked)
    version.refresh_from_db()
    _refresh(version.material)
    return version


def profile_value(profile: dict[str, Any], path: str) -> str:
    node: Any = profile
    for part in path.split("."):
        if not isinstance(node, dict):
            return ""
        node = node.get(part)
    return "" if node is None else str(node)


def _same(a: str, b: str) -> bool:
    """Equal once width (（ vs (), case and spaces are set aside: how a name reads off a scan."""

    def norm(value: str) -> str:
        return "".join(unicodedata.normalize("NFKC", value).split()).upper()

    return norm(a) == norm(b)


def version_accept(
    *,
    version: MaterialVersion,
    actor: User,
    document_date: date | None = None,
    valid_until: date | None = None,
    long_term: bool = False,
    confirmed: dict[str, str] | None = None,
) -> MaterialVersion:
    """Accept ``version`` (the material's latest, not yet reviewed).

    The catalog's date rules for the material are checked against the dates the reviewer read off the
    document and today in China (``material.document_too_old``, ``material.document_expired`` …). Fields
    the catalog asks to confirm (the business license: company name, USCC, legal representative) must be
    entered as read off the document and equal the profile, or ``material.consistency_mismatch`` shows
    both values. The acceptance joins the open review round."""
    material = version.material
    case = material.case
    ensure_staff(actor, case.agency_id, action="review materials")
    _ensure_open(case)
    spec = material_spec(case, material.material_id)
    today = timezone.localdate()
    rules = spec.date_rules if spec is not None else None
    problems = date_problems(
        rules, document_date=document_date, valid_until=valid_until, long_term=long_term, today=today
    )
    if problems:
        raise InvalidInput(
            " ".join(p.message for p in problems),
            code=problems[0].code if len(problems) == 1 else "material.dates_invalid",
            message_zh="".join(p.message_zh for p in problems),
            details={"fields": {p.field: p.code for p in problems}},
        )
    confirmed = {k: (v or "").strip() for k, v in (confirmed or {}).items()}
    fields = spec.confirm_on_acceptance if spec is not None else ()
    profile = case.company.profile
    unconfirmed = [f for f in fields if not confirmed.get(f.path)]
    if unconfirmed:
        raise InvalidInput(
            "Enter what the document says for: " + ", ".join(f.title.en for f in unconfirmed) + ".",
            code="material.confirmation_required",
            message_zh="请填写文件上的：" + "、".join(f.title.zh for f in unconfirmed) + "。",
            details={"fields": [f.path for f in unconfirmed]},
        )
    mismatches = [
        (f, profile_value(profile, f.path), confirmed[f.path])
        for f in fields
        if not _same(profile_value(profile, f.path), confirmed[f.path])
    ]
    if mismatches:
        raise InvalidInput(
            f"“{material.title_en}” does not match the company profile: "
            + "; ".join(f"{f.title.en}: profile “{p}”, document “{d}”" for f, p, d in mismatches)
            + ". Correct the profile or reject the document.",
            code="material.consistency_mismatch",
            message_zh=f"“{material.title_zh}”与企业档案不一致："
            + "；".join(f"{f.title.zh}：档案为“{p}”，文件为“{d}”" for f, p, d in mismatches)
            + "。请更正企业档案或退回该文件。",
            details={"mismatches": [{"path": f.path, "profile": p, "document": d} for f, p, d in mismatches]},
        )
    until = rules_accepted_until(
        rules, document_date=document_date, valid_until=valid_until, long_term=long_term
    )
    with transaction.atomic():
        locked = _reviewable(version.pk)
        locked_material = locked.material
        review_round = _open_round(case, actor)
        now = timezone.now()
        kept = {f.path: confirmed[f.path] for f in fields}
        MaterialVersion.objects.filter(pk=locked.pk).update(
            review_status=ReviewStatus.ACCEPTED,
            reason="",
            reason_text="",
            reviewed_by=actor,
            reviewed_at=now,
            review_round=review_round,
            document_date=document_date,
            valid_until=valid_until,
            long_term=long_term,
            accepted_until=until,
            confirmed=kept,
        )
        CaseMaterial.objects.filter(pk=locked_material.pk).update(
            status=MaterialStatus.ACCEPTED, status_changed_at=now, accepted_until=until, updated_at=now
        )
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="material.accepted",
            case=case,
            target=locked,
            before={"status": locked_material.status, "review_status": ReviewStatus.PENDING},
            after={"status": MaterialStatus.ACCEPTED, "review_status": ReviewStatus.ACCEPTED},
            data={
                "material": locked_material.material_id,
                "version": locked.number,
                "document_date": document_date,
                "valid_until": valid_until,
                "long_term": long_term,
                "accepted_until": until,
                "confirmed": kept,
                "round": review_round.number,
            },
        )
        inbox_items_resolve(source=locked)
    version.refresh_from_db()
    _refresh(version.material)
    return version


# -- review rounds --------------------------------------------------------------------------------------


def review_round_finish(*, case: Case, actor: User) -> ReviewRound:
    """Close the case's open review round and send the client's users one email: what the round
    rejected (with reasons) and accepted, then everything still asked of them (the portal's list; the
    rejections already show there as soon as they are made). If the email cannot be sent, nothing
    changes (the error is raised and the round stays open)."""
    from licensedesk.web.materials.emails import review_round_message, round_recipients

    ensure_staff(actor, case.agency_id, action="finish review rounds")
    with transaction.atomic():
        review_round = (
            ReviewRound.objects.select_for_update().filter(case_id=case.pk, finished_at__isnull=True).first()
        )
        if review_round is None:
            raise WorkflowError(
                "No review round is in progress: accept or reject an upload first.",
                code="material.no_open_round",
                message_zh="当前没有进行中的审核轮次：请先审核（通过或退回）材料。",
            )
        decided = list(review_round.versions.select_related("material").order_by("material__position", "pk"))
        recipients = round_recipients(case)
        now = timezone.now()
        ReviewRound.objects.filter(pk=review_round.pk).update(
            finished_at=now, finished_by=actor, emailed_to=recipients
        )
        review_round.finished_at, review_round.finished_by, review_round.emailed_to = now, actor, recipients
        redo = [
            v
            for v in decided
            if v.review_status == ReviewStatus.REJECTED and v.material.latest_version_id == v.pk
        ]
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="material.review_round_finished",
            case=case,
            target=review_round,
            after={"round": review_round.number, "finished": True},
            data={
                "rejected": [v.material.material_id for v in redo],
                "accepted": [
                    v.material.material_id for v in decided if v.review_status == ReviewStatus.ACCEPTED
                ],
                "emailed_to": recipients,
            },
        )
        if recipients:
            review_round_message(
                case=case, review_round=review_round, decided=decided, recipients=recipients
            ).send()
    return review_round


# -- expiry and downloads -----------------------------------------------------------------------------


def materials_expire(*, today: date | None = None) -> list[CaseMaterial]:
    """Mark accepted materials whose acceptance ran out (``accepted_until`` before ``today``) as expired,
    each with its audit event. Run daily (``python -m licensedesk.web materials_expire``); until then
    the checklist and the guard already count them as expired."""
    today = today or timezone.localdate()
    expired = []
    due = CaseMaterial.objects.filter(
        status=MaterialStatus.ACCEPTED, accepted_until__lt=today
    ).select_related("case")
    for material in due:
        with transaction.atomic():
            now = timezone.now()
            changed = CaseMaterial.objects.filter(pk=material.pk, status=MaterialStatus.ACCEPTED).update(
                status=MaterialStatus.EXPIRED, status_changed_at=now, updated_at=now
            )
            if not changed:
                continue
            audit_record(
                agency=material.case.agency_id,
                actor=None,
                action="material.expired",
                case=material.case,
                target=material,
                before={"status": MaterialStatus.ACCEPTED},
                after={"status": MaterialStatus.EXPIRED},
                data={"material": material.material_id, "accepted_until": material.accepted_until},
            )
            expired.append(material)
    return expired


def file_download_record(*, file: MaterialFile, actor: User) -> None:
    """Who downloaded which client document, in the audit trail (read access to client documents is
    worth a trace). The caller got ``file`` from :func:`selectors.file_for_download`."""
    case = file.version.material.case
    with transaction.atomic():
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="material.file_downloaded",
            case=case,
            target=file,
            data={
                "material": file.version.material.material_id,
                "version": file.version.number,
                "sha256": file.sha256,
            },
        )
