"""Helpers of the documents tests: a case whose company profile and document data are complete (the
repository's examples, given the tenant company's name and USCC), and running a generation job in the
test's own thread (the background runners have their own tests)."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import yaml
from docx import Document

from licensedesk.core.documents.render import shipped_template
from licensedesk.web.accounts.models import Agency
from licensedesk.web.cases.services import company_profile_update
from licensedesk.web.documents.fields import AGENCY_FIELDS, BY_PATH, get_path
from licensedesk.web.documents.models import GenerationJob
from licensedesk.web.documents.services import (
    case_document_data_save,
    generation_job_request,
    generation_job_run,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def documents_profile(company: Any) -> dict[str, Any]:
    """The complete example profile, as ``company`` (its name and USCC, its website's owner)."""
    profile = json.loads((EXAMPLES / "eligible-shenzhen.json").read_text(encoding="utf-8"))
    profile["company"]["name"] = company.name
    profile["company"]["uscc"] = company.uscc
    for site in profile["service"]["websites"]:
        site["owner_uscc"] = company.uscc
    return profile


def example_case_data() -> dict[str, Any]:
    """examples/case.yaml as case-data paths → values (what the data form would post)."""
    data = yaml.safe_load((EXAMPLES / "case.yaml").read_text(encoding="utf-8"))
    values = {path: get_path(data, path) for path in BY_PATH}
    return {path: value for path, value in values.items() if value is not None}


def set_agency_settings(agency: Any, *, leave_out: tuple[str, ...] = ()) -> None:
    """The agency facts of examples/case.yaml (but its name) as the agency's settings, without
    ``leave_out``'s ``agency.*`` paths, as its admin would type them on the settings page."""
    data = yaml.safe_load((EXAMPLES / "case.yaml").read_text(encoding="utf-8"))
    values = {
        attribute: "" if path in leave_out else str(get_path(data, path) or "")
        for path, (attribute, _label) in AGENCY_FIELDS.items()
        if attribute != "name"  # the agency's own name (unique among agencies) is always there
    }
    Agency.objects.filter(pk=agency.pk).update(**values)
    agency.refresh_from_db()


def make_ready(case: Any, actor: Any, *, leave_out: tuple[str, ...] = ()) -> Any:
    """Complete the case's company profile and store its document data (without ``leave_out``)."""
    company_profile_update(company=case.company, profile=documents_profile(case.company), actor=actor)
    case.company.refresh_from_db()
    values = {p: v for p, v in example_case_data().items() if p not in leave_out}
    set_agency_settings(case.agency, leave_out=leave_out)
    case_document_data_save(case=case, actor=actor, values=copy.deepcopy(values), expected_version=None)
    return case


def generate_now(case: Any, actor: Any, **kwargs: Any) -> GenerationJob:
    """Request a job and run it here (the request's on_commit never fires inside a test transaction)."""
    job = generation_job_request(case=case, actor=actor, **kwargs)
    ran = generation_job_run(job_id=job.pk)
    assert ran is not None
    return ran


def template_bytes(paragraph: str, document_id: str = "application_letter") -> bytes:
    """The shipped ICP template of ``document_id`` with one more paragraph (python-docx): an agency's
    own version, valid or not depending on ``paragraph``."""
    doc = Document(io.BytesIO(shipped_template("icp-b25", document_id)))
    doc.add_paragraph(paragraph)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
