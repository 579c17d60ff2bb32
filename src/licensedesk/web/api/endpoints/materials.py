"""Materials: the checklist, streamed uploads (the web's parser and limits), review."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import Router, Status

from licensedesk.core.errors import ApplicationError, InvalidInput
from licensedesk.web.api.auth import needs
from licensedesk.web.api.endpoints.common import actor
from licensedesk.web.api.schemas import ChecklistOut, MaterialVersionOut, ReviewIn
from licensedesk.web.materials import services, uploads
from licensedesk.web.materials.selectors import (
    checklist_for,
    material_get_visible_to,
    version_get_visible_to,
)
from licensedesk.web.materials.services import IncomingFile

router = Router(tags=["materials"])

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                }
            }
        },
    }
}


def _version(version: Any, files: list[Any] | None = None) -> dict[str, Any]:
    """A material version with its files (``files`` when the caller already read them)."""
    return {
        "id": version.pk,
        "number": version.number,
        "review_status": version.review_status,
        "reason": version.reason,
        "reason_text": version.reason_text,
        "uploaded_at": version.uploaded_at,
        "reviewed_at": version.reviewed_at,
        "document_date": version.document_date,
        "valid_until": version.valid_until,
        "long_term": version.long_term,
        "files": files if files is not None else list(version.files.order_by("position", "pk")),
    }


@router.get("/cases/{int:case_id}/materials", response=ChecklistOut, **needs("materials", "read"))
def material_checklist(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """The case's material checklist (as the web shows it to staff)."""
    found = checklist_for(user=actor(request), case_id=case_id)
    items = []
    for row in found.rows:
        version = _version(row.version, row.files) if row.version is not None else None
        items.append(
            {
                "id": row.material.pk,
                "material_id": row.material.material_id,
                "title_zh": row.material.title_zh,
                "title_en": row.material.title_en,
                "required": row.material.required,
                "status": row.status,
                "supplied_by": row.supplied_by,
                "file_kinds": list(row.material.file_kinds),
                "latest_version": version,
            }
        )
    return {
        "case_id": case_id,
        "required_count": found.required_count,
        "accepted_count": found.accepted_count,
        "closed": found.closed,
        "items": items,
    }


@router.post(
    "/materials/{int:material_id}/files",
    response={201: MaterialVersionOut},
    **needs("materials", "write", **UPLOAD_BODY),
)
def upload_material(request: HttpRequest, material_id: int) -> Status:
    """Upload a new version of a material: ``multipart/form-data`` with one or more ``files``. The
    body is streamed to disk under the web's limits (size per file kind, files per upload, the
    request's size from Content-Length before anything is read) and checked like a web upload."""
    material = material_get_visible_to(user=actor(request), material_id=material_id)
    try:
        services.material_upload_ensure_allowed(material=material, actor=actor(request))
        parsed = uploads.parse_upload(request, limits=services.upload_limits(), kinds=material.file_kinds)
    except ApplicationError:
        uploads.leave_body_unread(request)
        raise
    except MultiPartParserError as exc:
        raise InvalidInput(
            f"The upload is not a readable multipart/form-data body: {exc}",
            code="material.upload_malformed",
            message_zh="上传内容不是有效的 multipart/form-data 格式。",
            details={"field": "files"},
        ) from None
    with parsed:
        if parsed.refused:
            raise services.refusal(list(parsed.refused))
        incoming = [IncomingFile.from_upload(f) for f in parsed.files.getlist("files")]
        version = services.material_upload(material=material, actor=actor(request), files=incoming)
        return Status(201, _version(version))


@router.post(
    "/materials/{int:material_id}/review/start",
    response=ChecklistOut,
    **needs("materials", "write"),
)
def start_review(request: HttpRequest, material_id: int) -> dict[str, Any]:
    """Mark an uploaded material as being reviewed; answers the case's checklist."""
    material = material_get_visible_to(user=actor(request), material_id=material_id)
    services.material_start_review(material=material, actor=actor(request))
    return material_checklist(request, material.case_id)


@router.post(
    "/material-versions/{int:version_id}/review", response=MaterialVersionOut, **needs("materials", "write")
)
def review_version(request: HttpRequest, version_id: int, payload: ReviewIn) -> dict[str, Any]:
    """Accept or reject an uploaded version, with the web's checks (dates, fields to confirm)."""
    version = version_get_visible_to(user=actor(request), version_id=version_id)
    if payload.decision == "reject":
        version = services.version_reject(
            version=version, actor=actor(request), reason=payload.reason, text=payload.reason_text
        )
    else:
        version = services.version_accept(
            version=version,
            actor=actor(request),
            document_date=payload.document_date,
            valid_until=payload.valid_until,
            long_term=payload.long_term,
            confirmed=payload.confirmed,
        )
    return _version(version)
