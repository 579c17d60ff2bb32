"""Drafting a case's documents: DOCX from the template (docxtpl), PDF from that DOCX (ReportLab).

Order of work for a set: plan the documents from the checklist, check every document's required
fields and raise one :class:`DocumentDataMissing` naming all gaps *before* anything is rendered, then
render. An agency's own template (``templates={doc_id: bytes}``) is checked with
:func:`~licensedesk.core.documents.template_check.check_template` before every use (the check may have
grown stricter since the template was accepted), and every template, shipped or not, renders in the
sandboxed environment of :func:`~licensedesk.core.documents.context.environment`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from docxtpl import DocxTemplate
from jinja2.sandbox import SecurityError

from licensedesk.core.catalog.folders import template_file
from licensedesk.core.documents.case import CaseData
from licensedesk.core.documents.context import Recorder, build_context, environment, missing_paths
from licensedesk.core.documents.definitions import (
    DocumentDefinition,
    LicenseDocuments,
    PlannedDocument,
    load_definitions,
    plan_documents,
)
from licensedesk.core.documents.errors import DocumentDataMissing, TemplateInvalid
from licensedesk.core.documents.packaging import save_docx
from licensedesk.core.documents.pdf import docx_to_pdf
from licensedesk.core.documents.template_check import check_template
from licensedesk.core.eligibility import evaluator_for
from licensedesk.core.profile import CompanyProfile

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    id: str
    material: str | None
    title_zh: str
    title_en: str
    docx: bytes
    pdf: bytes


@dataclass(frozen=True)
class DocumentSet:
    """A case's drafted documents in checklist order, those left out with the checklist's reason, the
    check result they were planned from and the generation time written into them."""

    documents: list[RenderedDocument]
    skipped: list[PlannedDocument]
    check_result: dict[str, Any]
    generated_at: datetime
    case_number: str | None = None


@cache
def shipped_template(license_id: str, doc_id: str) -> bytes:
    """The template shipped with the package (built by scripts/build_docx_templates.py)."""
    return template_file(license_id, doc_id).read_bytes()


def _check_result(profile: CompanyProfile, case: CaseData) -> dict[str, Any]:
    """The check the documents are drafted from, on the application date (it picks the rules). Without
    that date the check runs on today's rules only to name every other gap in the same failure (the
    date itself is reported missing, so nothing is ever rendered from it)."""
    return evaluator_for(case.license, case.application_date or date.today()).check(profile)


def _document_info(definition: DocumentDefinition) -> dict[str, str]:
    return {"id": definition.id, "title_zh": definition.title.zh, "title_en": definition.title.en}


def render_docx(
    template: bytes, context: Mapping[str, Any], *, when: datetime, title: str, name: str = "template"
) -> tuple[bytes, Any]:
    """Fill a DOCX template; return its reproducible bytes and the rendered python-docx ``Document``.
    Absent values the template prints raise :class:`DocumentDataMissing` with their paths.

    A template that tries to leave the sandbox (one that reached here without the template check)
    raises :class:`TemplateInvalid` ``documents.template_forbidden`` naming ``name``: the render
    stops there, and nothing the template computed is returned."""
    tpl = DocxTemplate(io.BytesIO(template))
    try:
        with Recorder() as missing:
            tpl.render(dict(context), jinja_env=environment())
    except SecurityError as exc:
        raise TemplateInvalid(
            f"{name}: the template tried something a document template may not do ({exc})",
            code="documents.template_forbidden",
            message_zh=f"{name}：模板试图执行文件模板不允许的操作（{exc}）",
            details={"file": name, "error": str(exc)},
        ) from None
    if missing:
        raise DocumentDataMissing({str(context["document"]["id"]): missing})
    props = tpl.docx.core_properties
    # python-docx writes naive datetimes as UTC
    utc = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    props.created = props.modified = utc
    props.title = title
    props.author = props.last_modified_by = "licensedesk"
    props.revision = 1
    return save_docx(tpl.docx, when), tpl.docx


def _render_one(
    definition: DocumentDefinition,
    context: Mapping[str, Any],
    template: bytes,
    *,
    when: datetime,
    company: str,
    case_number: str | None,
    pdf: bool,
    name: str,
) -> RenderedDocument:
    docx_bytes, document = render_docx(template, context, when=when, title=definition.title.zh, name=name)
    pdf_bytes = (
        docx_to_pdf(document, when=when, title=definition.title.zh, author=company, subject=case_number or "")
        if pdf
        else b""
    )
    return RenderedDocument(
        definition.id, definition.material, definition.title.zh, definition.title.en, docx_bytes, pdf_bytes
    )


def render_documents(
    profile: CompanyProfile,
    case: CaseData,
    *,
    only: tuple[str, ...] | None = None,
    templates: Mapping[str, bytes] | None = None,
    template_names: Mapping[str, str] | None = None,
    pdf: bool = True,
) -> DocumentSet:
    """Draft the case's documents (all planned ones, or ``only`` those ids).

    Raises :class:`DocumentDataMissing` naming every absent field of every requested document before
    rendering any, and :class:`~licensedesk.core.documents.errors.TemplateInvalid` for a bad agency
    template (checked here, before anything is rendered, whoever checked it before), named by
    ``template_names[doc_id]`` (the agency's file name) or ``<doc_id>.docx``."""
    definitions: LicenseDocuments = load_definitions(case.license)
    check_result = _check_result(profile, case)
    planned = plan_documents(definitions, check_result["materials"])
    if only is not None:
        for doc_id in only:
            definitions.get(doc_id)  # KeyError naming the known ids
        planned = [p for p in planned if p.definition.id in only]
    templates = dict(templates or {})
    names = {doc_id: (template_names or {}).get(doc_id) or f"{doc_id}.docx" for doc_id in templates}
    for doc_id, data in templates.items():
        definitions.get(doc_id)
        check_template(data, name=names[doc_id])
    when = case.generation_time()
    contexts: dict[str, dict[str, Any]] = {}
    missing: dict[str, list[str]] = {}
    if case.application_date is None:
        missing["all"] = ["case.application_date"]
    for plan in planned:
        if not plan.included:
            if plan.depends_on:  # whether it is needed cannot be decided yet: name what decides it
                missing[plan.definition.id] = list(plan.depends_on)
            continue
        context = build_context(profile, case, check_result, document=_document_info(plan.definition))
        contexts[plan.definition.id] = context
        gaps = missing_paths(context, definitions.required(plan.definition))
        if gaps:
            missing[plan.definition.id] = gaps
    if missing:
        raise DocumentDataMissing(missing)
    company = profile.company.name
    rendered = [
        _render_one(
            plan.definition,
            contexts[plan.definition.id],
            templates.get(plan.definition.id) or shipped_template(case.license, plan.definition.id),
            when=when,
            company=company,
            case_number=case.number,
            pdf=pdf,
            name=names.get(plan.definition.id, f"{plan.definition.id}.docx"),
        )
        for plan in planned
        if plan.included
    ]
    return DocumentSet(
        documents=rendered,
        skipped=[p for p in planned if not p.included],
        check_result=check_result,
        generated_at=when,
        case_number=case.number,
    )
