"""Reads of checklists, material histories and files. Tenancy comes from the cases app's
:func:`~licensedesk.web.cases.selectors.cases_visible_to`: a material of a case the user may not see is
a :class:`NotFound`, like a missing id.

What a client user sees differs from staff: the latest version only (earlier versions, and files of
earlier versions, are staff-only), and a rejection only once its review round is finished (until then
the material reads "under review"); review controls are staff-only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from licensedesk.core.catalog.models import ConfirmField, DateRules
from licensedesk.core.errors import NotFound
from licensedesk.web.accounts.models import STAFF_ROLES
from licensedesk.web.cases.models import Case
from licensedesk.web.cases.selectors import case_get_visible_to, cases_visible_to
from licensedesk.web.materials.models import (
    CaseMaterial,
    MaterialFile,
    MaterialStatus,
    MaterialVersion,
    ReviewRound,
    ReviewStatus,
)
from licensedesk.web.materials.reasons import BY_CODE, REASONS, RejectionReason
from licensedesk.web.materials.services import case_closed, effective_status, material_spec, profile_value


def _is_staff(user: Any) -> bool:
    return getattr(user, "role", None) in STAFF_ROLES


def _client_status(material: CaseMaterial, status: str) -> str:
    """A rejection the reviewer has not sent yet (round still open) reads "under review" to the client."""
    version = material.latest_version
    if status == MaterialStatus.REJECTED and version is not None:
        review_round = version.review_round
        if review_round is None or review_round.finished_at is None:
            return MaterialStatus.UNDER_REVIEW
    return status


@dataclass
class ChecklistRow:
    material: CaseMaterial
    status: str
    version: MaterialVersion | None
    files: list[MaterialFile]
    reason: RejectionReason | None = None

    @property
    def status_label(self) -> str:
        return str(MaterialStatus(self.status).label)

    @property
    def reason_text(self) -> str:
        return self.version.reason_text if self.reason and self.version else ""

    @property
    def not_scanned(self) -> bool:
        return any(f.scan_status == "not_scanned" for f in self.files)

    @property
    def accepted(self) -> bool:
        return self.status == MaterialStatus.ACCEPTED

    @property
    def waiting(self) -> bool:
        return self.status in (MaterialStatus.UPLOADED, MaterialStatus.UNDER_REVIEW)

    @property
    def to_redo(self) -> bool:
        return self.status in (MaterialStatus.REJECTED, MaterialStatus.EXPIRED) or (
            self.material.required and self.status == MaterialStatus.MISSING
        )


@dataclass
class Checklist:
    case: Case
    rows: list[ChecklistRow]
    staff: bool
    closed: bool
    open_round: ReviewRound | None = None
    today: date = field(default_factory=timezone.localdate)

    @property
    def required_rows(self) -> list[ChecklistRow]:
        return [r for r in self.rows if r.material.required]

    @property
    def optional_rows(self) -> list[ChecklistRow]:
        return [r for r in self.rows if not r.material.required]

    @property
    def required_count(self) -> int:
        return len(self.required_rows)

    @property
    def accepted_count(self) -> int:
        return sum(1 for r in self.required_rows if r.accepted)

    @property
    def requests(self) -> list[ChecklistRow]:
        """What the client has to (re)send: rejected or expired materials, and required ones missing."""
        return [r for r in self.rows if r.to_redo]

    @property
    def can_upload(self) -> bool:
        return not self.closed


def checklist_for(*, user: Any, case_id: int, case: Any = None) -> Checklist:
    """The case's checklist as ``user`` may see it, in four queries (the case, the materials with their
    latest version and its round, those versions' files, the open review round for staff). A caller that
    already holds the case from a visibility selector (the case page) passes it: one query less."""
    if case is None or case.pk != case_id:
        case = case_get_visible_to(user=user, case_id=case_id)
    staff = _is_staff(user)
    today = timezone.localdate()
    materials = list(
        CaseMaterial.objects.filter(case_id=case.pk)
        .select_related("latest_version", "latest_version__review_round")
        .order_by("position", "pk")
    )
    version_ids = [m.latest_version_id for m in materials if m.latest_version_id]
    files: dict[int, list[MaterialFile]] = {}
    if version_ids:
        for file in MaterialFile.objects.filter(version_id__in=version_ids).order_by("position", "pk"):
            files.setdefault(file.version_id, []).append(file)
    rows = []
    for material in materials:
        status = effective_status(material, today)
        if not staff:
            status = _client_status(material, status)
        version = material.latest_version
        reason = None
        if version is not None and version.review_status == ReviewStatus.REJECTED and status == "rejected":
            reason = BY_CODE.get(version.reason)
        rows.append(
            ChecklistRow(material, status, version, files.get(material.latest_version_id or 0, []), reason)
        )
    open_round = (
        ReviewRound.objects.filter(case_id=case.pk, finished_at__isnull=True).first() if staff else None
    )
    return Checklist(
        case=case, rows=rows, staff=staff, closed=case_closed(case), open_round=open_round, today=today
    )


def materials_to_send(*, case_ids: Collection[int]) -> dict[int, set[str]]:
    """For each of the cases that has a checklist, the ids of the materials its client has to (re)send
    now — what the client's requests page lists: required ones missing, rejected ones once their review
    round is finished, expired ones. One query; the caller has already checked the cases are visible."""
    today = timezone.localdate()
    found: dict[int, set[str]] = {}
    materials = CaseMaterial.objects.filter(case_id__in=case_ids).select_related(
        "latest_version", "latest_version__review_round"
    )
    for material in materials:
        row = ChecklistRow(
            material, _client_status(material, effective_status(material, today)), material.latest_version, []
        )
        to_send = found.setdefault(material.case_id, set())
        if row.to_redo:
            to_send.add(material.material_id)
    return found


def material_get_visible_to(*, user: Any, material_id: int) -> CaseMaterial:
    material = (
        CaseMaterial.objects.filter(case__in=cases_visible_to(user=user))
        .select_related("case", "case__company", "latest_version")
        .filter(pk=material_id)
        .first()
    )
    if material is None:
        raise NotFound("No such material.", code="material.not_found", message_zh="未找到该材料。")
    return material


def version_get_visible_to(*, user: Any, version_id: int) -> MaterialVersion:
    version = (
        MaterialVersion.objects.filter(material__case__in=cases_visible_to(user=user))
        .select_related("material", "material__case", "material__case__company")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise NotFound("No such version.", code="material.version_not_found", message_zh="未找到该版本。")
    return version


@dataclass
class ConfirmRow:
    field: ConfirmField
    profile_value: str


@dataclass
class MaterialDetail:
    material: CaseMaterial
    case: Case
    staff: bool
    status: str
    versions: list[MaterialVersion]  # newest first; each with ``files`` prefetched
    date_rules: DateRules | None
    confirm: list[ConfirmRow]
    reasons: tuple[RejectionReason, ...] = REASONS
    closed: bool = False

    @property
    def latest(self) -> MaterialVersion | None:
        return self.versions[0] if self.versions else None

    @property
    def comparison(self) -> tuple[MaterialVersion, MaterialVersion] | None:
        """(the rejected version, the new one) when a re-upload waits for review after a rejection:
        the reviewer sees them side by side."""
        if len(self.versions) >= 2:
            new, old = self.versions[0], self.versions[1]
            if new.review_status == ReviewStatus.PENDING and old.review_status == ReviewStatus.REJECTED:
                return old, new
        return None

    @property
    def reviewable(self) -> MaterialVersion | None:
        latest = self.latest
        if (
            self.staff
            and not self.closed
            and latest is not None
            and latest.review_status == ReviewStatus.PENDING
        ):
            return latest
        return None

    @property
    def status_label(self) -> str:
        return str(MaterialStatus(self.status).label)


def material_detail(*, user: Any, material_id: int) -> MaterialDetail:
    """A material with its history: staff get every version (files, reviewer, reason, dates); a client
    user the latest version only."""
    material = material_get_visible_to(user=user, material_id=material_id)
    case = material.case
    staff = _is_staff(user)
    versions = (
        MaterialVersion.objects.filter(material_id=material.pk)
        .select_related("uploaded_by", "reviewed_by", "review_round")
        .prefetch_related("files")
        .order_by("-number")
    )
    versions = list(versions if staff else versions[:1])
    today = timezone.localdate()
    status = effective_status(material, today)
    if not staff:
        material.latest_version = versions[0] if versions else None
        status = _client_status(material, status)
    spec = material_spec(case, material.material_id)
    confirm = []
    if staff and spec is not None:
        confirm = [
            ConfirmRow(f, profile_value(case.company.profile, f.path)) for f in spec.confirm_on_acceptance
        ]
    return MaterialDetail(
        material=material,
        case=case,
        staff=staff,
        status=status,
        versions=versions,
        date_rules=spec.date_rules if spec is not None else None,
        confirm=confirm,
        closed=case_closed(case),
    )


def file_for_download(*, user: Any, file_id: int) -> MaterialFile:
    """A stored file ``user`` may download: staff of the agency any version's; a client user of the
    company only the files of each material's latest version."""
    files = MaterialFile.objects.filter(
        version__material__case__in=cases_visible_to(user=user)
    ).select_related("version", "version__material", "version__material__case")
    file = files.filter(pk=file_id).first()
    if file is None or (not _is_staff(user) and file.version.material.latest_version_id != file.version_id):
        raise NotFound("No such file.", code="material.file_not_found", message_zh="未找到该文件。")
    return file
