"""Reads of checklists, material histories and files. Tenancy comes from the cases app's
:func:`~licensedesk.web.cases.selectors.cases_visible_to`: a material of a case the user may not see is
a :class:`NotFound`, like a missing id.

What a client user sees differs from staff: the latest version only (earlier versions, and files of
earlier versions, are staff-only); review controls are staff-only. A review outcome reaches the client
at once: a rejected version reads "rejected" with its reason as soon as the reviewer decides, not when
the round ends (the round's email then sums up what is still needed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from licensedesk.core.catalog.loader import LookupProblem, default_catalog
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


def _suppliers(case: Case) -> dict[str, str]:
    """Who supplies each material of the case's rule version (the catalog's ``supplied_by``)."""
    try:
        version = default_catalog().version(case.license_id, case.ruleset_version).version
    except LookupProblem:
        return {}
    declared = version.case_type(getattr(case, "case_type", "application"))  # a duty case's own
    return {m.id: m.supplied_by for m in (declared.materials if declared is not None else version.materials)}


@dataclass
class ChecklistRow:
    material: CaseMaterial
    status: str
    version: MaterialVersion | None
    files: list[MaterialFile]
    reason: RejectionReason | None = None
    supplied_by: str = "client"  # the catalog's: "client", "agency" or "agency_signed"

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
    supplier = _suppliers(case)
    if not staff:  # the client sees what is theirs to provide or sign, not what the agency drafts
        materials = [m for m in materials if supplier.get(m.material_id) != "agency"]
    rows = []
    for material in materials:
        status = effective_status(material, today)  # the same for the client: a rejection shows at once
        version = material.latest_version
        reason = None
        if version is not None and version.review_status == ReviewStatus.REJECTED and status == "rejected":
            reason = BY_CODE.get(version.reason)
        rows.append(
            ChecklistRow(
                material,
                status,
                version,
                files.get(material.latest_version_id or 0, []),
                reason,
                supplier.get(material.material_id, "client"),
            )
        )
    open_round = (
        ReviewRound.objects.filter(case_id=case.pk, finished_at__isnull=True).first() if staff else None
    )
    return Checklist(
        case=case, rows=rows, staff=staff, closed=case_closed(case), open_round=open_round, today=today
    )


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
    #: for the reviewer: the reviewable version's files that another material of the case also holds
    duplicates: list[DuplicateFile] = field(default_factory=list)

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
    spec = material_spec(case, material.material_id)
    confirm = []
    if staff and spec is not None:
        confirm = [
            ConfirmRow(f, profile_value(case.company.profile, f.path)) for f in spec.confirm_on_acceptance
        ]
    detail = MaterialDetail(
        material=material,
        case=case,
        staff=staff,
        status=status,
        versions=versions,
        date_rules=spec.date_rules if spec is not None else None,
        confirm=confirm,
        closed=case_closed(case),
    )
    if staff and detail.latest is not None:
        detail.duplicates = duplicate_files(version=detail.latest)
    return detail


@dataclass(frozen=True)
class DuplicateFile:
    """A file of one upload whose exact bytes (same SHA-256) were also uploaded for another material of
    the same case: most often the wrong file picked for a row, so the uploader and the reviewer are told,
    naming the other material by its title. The upload itself is not refused (one scan may rightly
    serve two materials)."""

    file_name: str
    other_title_zh: str
    other_title_en: str

    def text(self) -> str:
        return _(
            "The file “%(file)s” is identical to a file uploaded for “%(other)s”: check that it is the "
            "right file for this material."
        ) % {"file": self.file_name, "other": self.other_title_zh if _zh() else self.other_title_en}


def _zh() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def duplicate_files(*, version: MaterialVersion) -> list[DuplicateFile]:
    """The files of ``version`` whose SHA-256 another material of the same case holds (any version of
    it), one entry per file and other material. The same file again for the same material is no
    duplicate: that is a re-upload."""
    files = list(version.files.all())
    if not files:
        return []
    material = version.material
    others = (
        MaterialFile.objects.filter(
            sha256__in={f.sha256 for f in files}, version__material__case_id=material.case_id
        )
        .exclude(version__material_id=material.pk)
        .select_related("version__material")
        .order_by("version__material__position", "version__material_id", "pk")
    )
    by_sha: dict[str, list[CaseMaterial]] = {}
    for other in others:
        holders = by_sha.setdefault(other.sha256, [])
        if other.version.material not in holders:
            holders.append(other.version.material)
    return [
        DuplicateFile(f.original_name, holder.title_zh, holder.title_en)
        for f in files
        for holder in by_sha.get(f.sha256, [])
    ]


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
