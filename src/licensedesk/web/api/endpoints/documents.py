"""Documents: generation as a job, its status, downloads; the submission bundle and its manifest."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Router, Status

from licensedesk.web.api.auth import needs
from licensedesk.web.api.endpoints.common import actor, case_for
from licensedesk.web.api.schemas import BundleOut, GenerateIn, JobOut
from licensedesk.web.api.selectors import generation_job_get_visible_to
from licensedesk.web.documents import services
from licensedesk.web.documents.selectors import bundle_for_download, generated_document_for_download
from licensedesk.web.documents.views import DOCX_TYPE
from licensedesk.web.materials import storage

router = Router(tags=["documents"])

DOCX = {"content": {DOCX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
ZIP = {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}


def _job(job: Any) -> dict[str, Any]:
    bundle = getattr(job, "submission_bundle", None) if job.bundle else None
    return {
        **{f: getattr(job, f) for f in JobOut.model_fields if f not in ("documents", "bundle_id")},
        "case_id": job.case_id,
        "documents": list(job.documents.order_by("position", "pk")),
        "bundle_id": bundle.pk if bundle else None,
    }


@router.post("/cases/{int:case_id}/document-jobs", response={202: JobOut}, **needs("documents", "write"))
def generate_documents(request: HttpRequest, case_id: int, payload: GenerateIn) -> Status:
    """Queue the generation of the case's documents (and the bundle); poll the job for its status."""
    case = case_for(request, case_id)
    job = services.generation_job_request(
        case=case,
        actor=actor(request),
        only=payload.only,
        bundle=payload.bundle,
        confirmed=payload.confirmed,
    )
    return Status(202, _job(job))


@router.get("/document-jobs/{int:job_id}", response=JobOut, **needs("documents", "read"))
def job_status(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """A generation job: queued, running, done (with its documents and bundle), failed or interrupted."""
    job = generation_job_get_visible_to(user=actor(request), job_id=job_id)
    services.generation_job_mark_interrupted(job=job)  # a job whose process died says so
    return _job(job)


def _attachment(name: str, file_name: str, content_type: str) -> FileResponse:
    response = FileResponse(
        storage.open_stored(name), as_attachment=True, filename=file_name, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/documents/{int:document_id}/docx",
    **needs("documents", "read", responses={"200": {"description": "DOCX", **DOCX}}),
)
def download_docx(request: HttpRequest, document_id: int) -> FileResponse:
    document = generated_document_for_download(user=actor(request), document_id=document_id)
    services.document_download_record(document=document, fmt="docx", actor=actor(request))
    return _attachment(document.docx_name, f"{document.title_zh}.docx", DOCX_TYPE)


@router.get(
    "/documents/{int:document_id}/pdf",
    **needs("documents", "read", responses={"200": {"description": "PDF", **PDF}}),
)
def download_pdf(request: HttpRequest, document_id: int) -> FileResponse:
    document = generated_document_for_download(user=actor(request), document_id=document_id)
    services.document_download_record(document=document, fmt="pdf", actor=actor(request))
    return _attachment(document.pdf_name, f"{document.title_zh}.pdf", "application/pdf")


@router.get("/bundles/{int:bundle_id}", response=BundleOut, **needs("documents", "read"))
def get_bundle(request: HttpRequest, bundle_id: int) -> Any:
    """The submission bundle and its manifest (every file's path, size and SHA-256)."""
    return bundle_for_download(user=actor(request), bundle_id=bundle_id)


@router.get(
    "/bundles/{int:bundle_id}/download",
    **needs("documents", "read", responses={"200": {"description": "The zip", **ZIP}}),
)
def bundle_download(request: HttpRequest, bundle_id: int) -> FileResponse:
    found = bundle_for_download(user=actor(request), bundle_id=bundle_id)
    services.bundle_download_record(bundle=found, actor=actor(request))
    number = found.manifest.get("case", {}).get("number") or found.case_id
    return _attachment(
        found.storage_name, f"{found.case.company.name}-提交材料包-{number}.zip", "application/zip"
    )
