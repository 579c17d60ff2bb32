"""The API's request and response bodies (pydantic v2, through Django Ninja). The company profile and
the check result are the shared contracts themselves (``licensedesk.contracts``), put into the
OpenAPI document as ``CompanyProfile`` and ``CheckResult`` by :mod:`licensedesk.web.api.main`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

PROFILE_REF = {"$ref": "#/components/schemas/CompanyProfile"}
CHECK_RESULT_REF = {"$ref": "#/components/schemas/CheckResult"}

# -- companies ----------------------------------------------------------------------------------------


class CompanyOut(Schema):
    id: int
    name: str
    uscc: str
    province: str
    entity_type: str
    version: int = Field(description="Send it back as If-Match when replacing the profile.")
    created_at: datetime
    updated_at: datetime


class CompanyPage(Schema):
    items: list[CompanyOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last.")


# -- cases --------------------------------------------------------------------------------------------


class CaseOut(Schema):
    id: int
    number: str
    company_id: int
    company_name: str
    license_id: str
    ruleset_version: str
    stage: str
    consultant_id: int | None
    version: int = Field(description="The case's edit version; also its ETag. Send it as If-Match to move.")
    opened_on: date
    target_date: date | None
    stage_entered_at: datetime
    stage_due_on: date | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_company_name(obj: Any) -> str:
        return obj.company.name


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last.")


class CaseIn(Schema):
    company_id: int
    license_id: str = Field(min_length=1, max_length=40, examples=["icp-b25"])
    consultant_id: int | None = None
    target_date: date | None = None
    opened_on: date | None = None


class MoveIn(Schema):
    to_stage: str = Field(min_length=1, max_length=40)
    reason: str = Field("", max_length=2000, description="Needed to withdraw.")
    occurred_on: date | None = Field(None, description="The day the authority event happened.")
    reference: dict[str, Any] | None = Field(None, description="The fields the move's records ask for.")
    confirmed: bool = Field(False, description="True to make a move that ends the case.")


class MoveOptionOut(Schema):
    to_stage: str
    title_zh: str
    title_en: str
    allowed: bool
    blocked_by: list[str]


# -- checks -------------------------------------------------------------------------------------------


class CheckOut(Schema):
    id: int
    case_id: int
    verdict: str
    license_id: str
    ruleset_version: str
    as_of: date
    profile_hash: str
    created_at: datetime
    result: dict[str, Any] = Field(description="The check-result contract (CheckResult).")


class CheckIn(Schema):
    as_of: date | None = Field(None, description="Judge on this day (default today in China).")


# -- notes and tasks ----------------------------------------------------------------------------------


class NoteOut(Schema):
    id: int
    case_id: int
    author: str
    body: str
    visibility: Literal["internal", "client"]
    created_at: datetime

    @staticmethod
    def resolve_author(obj: Any) -> str:
        return str(obj.author)


class NoteIn(Schema):
    body: str = Field(min_length=1, max_length=20000)
    visibility: Literal["internal", "client"] = "internal"


class TaskOut(Schema):
    id: int
    case_id: int
    title: str
    assignee_id: int | None
    due_on: date | None
    done_at: datetime | None
    created_at: datetime


class TaskIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    due_on: date | None = None
    assignee_id: int | None = None


# -- audit --------------------------------------------------------------------------------------------


class AuditEventOut(Schema):
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None
    data: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return obj.actor_label


# -- materials ----------------------------------------------------------------------------------------


class MaterialFileOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    kind: str
    content_type: str
    scan_status: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.original_name


class MaterialVersionOut(Schema):
    id: int
    number: int
    review_status: str
    reason: str
    reason_text: str
    uploaded_at: datetime
    reviewed_at: datetime | None
    document_date: date | None
    valid_until: date | None
    long_term: bool
    files: list[MaterialFileOut] = Field(default_factory=list)


class ChecklistItemOut(Schema):
    id: int = Field(description="The case material's id (upload to /materials/{id}/files).")
    material_id: str
    title_zh: str
    title_en: str
    required: bool
    status: str
    supplied_by: str
    file_kinds: list[str]
    latest_version: MaterialVersionOut | None


class ChecklistOut(Schema):
    case_id: int
    required_count: int
    accepted_count: int
    closed: bool
    items: list[ChecklistItemOut]


class ReviewIn(Schema):
    decision: Literal["accept", "reject"]
    reason: str = Field(
        "",
        max_length=30,
        description="To reject: blurred, seal_missing, signature_missing, expired, wrong_document, "
        "wrong_company or other (then reason_text says what).",
    )
    reason_text: str = Field("", max_length=5000)
    document_date: date | None = None
    valid_until: date | None = None
    long_term: bool = False
    confirmed: dict[str, str] = Field(default_factory=dict, description="Profile fields checked on the file.")


# -- documents ----------------------------------------------------------------------------------------


class GenerateIn(Schema):
    only: list[str] = Field(default_factory=list, description="Document ids; empty: all of them.")
    bundle: bool = False
    confirmed: bool = Field(False, description="Build the bundle although required materials lack files.")


class GeneratedDocumentOut(Schema):
    id: int
    document_id: str
    title_zh: str
    title_en: str
    signed: bool
    docx_size: int
    pdf_size: int


class JobOut(Schema):
    id: int
    case_id: int
    status: str
    bundle: bool
    only: list[str]
    total: int
    done_count: int
    error_code: str
    error_message: str
    error_message_zh: str
    created_at: datetime
    finished_at: datetime | None
    documents: list[GeneratedDocumentOut] = Field(default_factory=list)
    bundle_id: int | None = None


class BundleOut(Schema):
    id: int
    case_id: int
    job_id: int
    size: int
    sha256: str
    built_at: datetime | None
    warnings: list[Any]
    manifest: dict[str, Any]


# -- the license register and deadlines -------------------------------------------------------------------


class LicenseDutyOut(Schema):
    kind: str
    period: str
    opens: date | None
    due: date
    citations: list[str]
    certainty: str = Field(description="The catalog's mark: L, S, W or U (U: uncertain, never settled).")
    uncertain: bool
    approximate: bool
    title_zh: str
    title_en: str


class LicenseOut(Schema):
    id: int
    license_id: str
    number: str
    company_id: int
    company_name: str
    case_id: int | None
    authority: str
    issued_on: date
    expires_on: date | None  # none for a license without a fixed term (an ICP filing)
    status: str
    duties: list[LicenseDutyOut]


class DeadlineOut(Schema):
    limit_id: str
    name_zh: str
    name_en: str
    due: date
    unit: str
    days_left: int
    overdue: bool
    approximate: bool
    state: str
    statutory: bool
    citations: list[str]
    certainty: str = Field(description="The catalog's mark: L, S, W or U (U: uncertain, never settled).")
    actor: str
    started_on: date | None
    from_event: str
    duty_zh: str
    duty_en: str
