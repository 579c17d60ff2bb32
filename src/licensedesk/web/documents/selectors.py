"""Reads of the documents app. Tenancy comes from the cases app's
:func:`~licensedesk.web.cases.selectors.cases_visible_to`: a document or bundle of a case the user may
not see is :class:`NotFound`, like a missing id.

Staff see every document, the jobs and the bundles. A client user sees only what is meant for their
signature (documents the core definitions mark ``signed_by_legal_representative``), in its current
version, with the checklist material to upload the signed copy to; never a bundle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from licensedesk.core.catalog.folders import document_license_ids
from licensedesk.core.documents.definitions import load_definitions
from licensedesk.core.errors import NotFound
from licensedesk.web.accounts.models import STAFF_ROLES, Role
from licensedesk.web.cases.case_types import case_documents
from licensedesk.web.cases.models import Case
from licensedesk.web.cases.selectors import cases_visible_to
from licensedesk.web.documents.bundle_display import BundleFile, bundle_files, bundle_warnings
from licensedesk.web.documents.fields import (
    BY_MISSING_PATH,
    CaseField,
    missing_group,
    missing_label,
    profile_anchor,
)
from licensedesk.web.documents.models import (
    AgencyTemplate,
    CaseDocumentData,
    GeneratedDocument,
    GenerationJob,
    SubmissionBundle,
)
from licensedesk.web.materials.models import CaseMaterial


def _is_staff(user: Any) -> bool:
    return getattr(user, "role", None) in STAFF_ROLES


@dataclass
class DocumentRow:
    id: str
    title_zh: str
    title_en: str
    signed: bool
    material_id: str
    generated: GeneratedDocument | None = None
    upload_to: CaseMaterial | None = None  # client: where the signed copy goes


@dataclass(frozen=True)
class MissingField:
    """A field a failed generation named: a case-data field (``case_field`` set: the case page offers
    it in a form) or a company-profile field (edited in the profile editor)."""

    path: str
    label: str
    documents: tuple[str, ...]
    case_field: CaseField | None
    group: str = "profile"  # "profile", "case" or "agency" (:func:`missing_group`)

    @property
    def anchor(self) -> str:
        """Where the profile editor shows the field (for a profile field's link)."""
        return profile_anchor(self.path)


@dataclass
class DocumentsPanel:
    case: Case
    staff: bool
    data: dict[str, Any]
    data_version: int | None
    rows: list[DocumentRow]
    job: GenerationJob | None
    bundle: SubmissionBundle | None
    missing: list[MissingField] = field(default_factory=list)
    bundle_files: list[BundleFile] = field(default_factory=list)  # by material title, not zip name
    bundle_warnings: list[str] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.active

    @property
    def missing_case_fields(self) -> list[CaseField]:
        return [m.case_field for m in self.missing if m.case_field is not None]

    @property
    def missing_profile_fields(self) -> list[MissingField]:
        return [m for m in self.missing if m.group == "profile"]

    @property
    def missing_agency_fields(self) -> list[MissingField]:
        return [m for m in self.missing if m.group == "agency"]

    @property
    def missing_case_items(self) -> list[MissingField]:
        return [m for m in self.missing if m.group == "case"]


def _missing(job: GenerationJob | None, lang: str) -> list[MissingField]:
    if job is None or job.status != "failed" or not job.missing:
        return []
    by_path: dict[str, list[str]] = {}
    for doc_id, paths in job.missing.items():
        for path in paths:
            by_path.setdefault(path, []).append(doc_id)
    return [
        MissingField(
            path,
            missing_label(path, lang),
            tuple(dict.fromkeys(docs)),
            BY_MISSING_PATH.get(path),
            missing_group(path),
        )
        for path, docs in sorted(by_path.items())
    ]


def documents_panel(*, user: Any, case: Case, lang: str = "zh") -> DocumentsPanel:
    """The case's documents as ``user`` may see them (the caller has ``case`` from a visibility
    selector). Staff: four queries (data, latest job, current documents, latest bundle); a client user:
    two (current signed documents, the materials to upload them to)."""
    staff = _is_staff(user)
    definitions = case_documents(case, load_definitions(case.license_id))  # a duty case drafts its own
    current = {
        d.document_id: d
        for d in GeneratedDocument.objects.filter(case_id=case.pk, current=True).order_by("position", "pk")
    }
    rows = [
        DocumentRow(d.id, d.title.zh, d.title.en, d.signed_by_legal_representative, d.material or "")
        for d in definitions.documents
    ]
    for row in rows:
        row.generated = current.get(row.id)
    if not staff:
        rows = [r for r in rows if r.signed and r.generated is not None]
        materials = {
            m.material_id: m
            for m in CaseMaterial.objects.filter(
                case_id=case.pk, material_id__in=[r.material_id for r in rows if r.material_id]
            )
        }
        for row in rows:
            row.upload_to = materials.get(row.material_id)
        return DocumentsPanel(case, False, {}, None, rows, None, None)
    stored = CaseDocumentData.objects.filter(case_id=case.pk).first()
    job = GenerationJob.objects.filter(case_id=case.pk).order_by("-created_at", "-pk").first()
    bundle = SubmissionBundle.objects.filter(case_id=case.pk).order_by("-created_at", "-pk").first()
    return DocumentsPanel(
        case=case,
        staff=True,
        data=dict(stored.data) if stored else {},
        data_version=stored.version if stored else None,
        rows=rows,
        job=job,
        bundle=bundle,
        missing=_missing(job, lang),
        bundle_files=bundle_files(bundle.manifest, lang) if bundle else [],
        bundle_warnings=bundle_warnings(bundle.warnings, bundle.manifest, lang) if bundle else [],
    )


def case_document_data(*, case: Case) -> CaseDocumentData | None:
    """The case's stored document data (the caller has ``case`` from a visibility selector)."""
    return CaseDocumentData.objects.filter(case_id=case.pk).first()


def generated_document_for_download(*, user: Any, document_id: int) -> GeneratedDocument:
    """A generated document ``user`` may download: staff of the agency any version; a client user of
    the company only the current version of a document meant for their signature."""
    document = (
        GeneratedDocument.objects.filter(case__in=cases_visible_to(user=user))
        .select_related("case", "case__company")
        .filter(pk=document_id)
        .first()
    )
    if document is None or (not _is_staff(user) and not (document.signed and document.current)):
        raise NotFound("No such document.", code="documents.not_found", message_zh="未找到该文件。")
    return document


def bundle_for_download(*, user: Any, bundle_id: int) -> SubmissionBundle:
    """A submission bundle: staff of the case's agency only."""
    bundle = (
        SubmissionBundle.objects.filter(case__in=cases_visible_to(user=user))
        .select_related("case", "case__company")
        .filter(pk=bundle_id)
        .first()
    )
    if bundle is None or not _is_staff(user):
        raise NotFound("No such bundle.", code="documents.bundle_not_found", message_zh="未找到该材料包。")
    return bundle


# -- agency templates -----------------------------------------------------------------------------------


@cache
def document_licenses() -> tuple[str, ...]:
    """The licenses the core defines application documents for (a ``documents.yaml`` in their folder)."""
    return tuple(document_license_ids())


@dataclass
class TemplateRow:
    license_id: str
    document_id: str
    title_zh: str
    title_en: str
    active: AgencyTemplate | None  # None: the shipped template is used


def _admin_agency(user: Any) -> int:
    if getattr(user, "role", None) != Role.AGENCY_ADMIN or getattr(user, "agency_id", None) is None:
        raise NotFound("No such page.", code="documents.templates_not_found", message_zh="未找到该页面。")
    return int(user.agency_id)


def agency_template_rows(*, user: Any) -> list[TemplateRow]:
    """Every document of every license with the template in use for ``user``'s agency (agency admins
    only; anyone else is :class:`NotFound`). One query (the active templates with their uploaders)."""
    agency_id = _admin_agency(user)
    active = {
        (t.license_id, t.document_id): t
        for t in AgencyTemplate.objects.filter(agency_id=agency_id, active=True).select_related("uploaded_by")
    }
    return [
        TemplateRow(license_id, d.id, d.title.zh, d.title.en, active.get((license_id, d.id)))
        for license_id in document_licenses()
        for d in load_definitions(license_id).documents
    ]


def agency_template_get(*, user: Any, template_id: int) -> AgencyTemplate:
    """One of the templates of ``user``'s agency (agency admins only): another agency's is
    :class:`NotFound`, like a missing id."""
    agency_id = _admin_agency(user)
    template = AgencyTemplate.objects.filter(agency_id=agency_id, pk=template_id).first()
    if template is None:
        raise NotFound("No such template.", code="documents.template_not_found", message_zh="未找到该模板。")
    return template
