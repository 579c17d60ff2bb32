"""The API's operations do what the web does, through the same services: cursor pages with the list's
filters, stage moves with guards and If-Match, checks in the result contract, the stateless
eligibility check, notes, tasks, the audit trail, uploads, review, documents and the bundle."""

from __future__ import annotations

import io
from typing import Any

import jsonschema
import pytest
from bench.samplefiles import pdf_bytes
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensedesk.contracts import CHECK_RESULT_SCHEMA, load_schema
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import Case, CaseCheck
from licensedesk.web.cases.services import case_run_check

from ..documents.conftest import make_ready
from ..factories import CaseFactory, ClientCompanyFactory
from .conftest import ApiClient, assert_problem

pytestmark = pytest.mark.django_db


def test_case_list_pages_with_a_cursor_in_list_order(api: ApiClient, tenant: Any) -> None:
    for _ in range(5):
        CaseFactory(company=ClientCompanyFactory(agency=tenant.agency), consultant=tenant.consultant)
    expected = list(
        Case.objects.filter(agency=tenant.agency).order_by("-updated_at", "-pk").values_list("pk", flat=True)
    )
    seen: list[int] = []
    cursor = ""
    pages = 0
    while True:
        page = api.get("/api/v1/cases", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert seen == expected and pages == 4  # 7 cases, 2 a page


def test_case_list_filters_and_query_count(
    api: ApiClient, tenant: Any, django_assert_num_queries: Any
) -> None:
    only = api.get("/api/v1/cases", {"company_id": tenant.company2.pk}).json()["items"]
    assert [c["id"] for c in only] == [tenant.case2.pk]
    assert api.get("/api/v1/cases", {"stage": "no-such-stage"}).json() == {"items": [], "next_cursor": None}
    searched = api.get("/api/v1/cases", {"q": tenant.company.name}).json()["items"]
    assert [c["id"] for c in searched] == [tenant.case.pk]
    with CaptureQueriesContext(connection) as first:
        api.get("/api/v1/cases", {"limit": 1})
    for _ in range(4):
        CaseFactory(company=ClientCompanyFactory(agency=tenant.agency))
    with CaptureQueriesContext(connection) as more:
        api.get("/api/v1/cases", {"limit": 50})
    assert len(more) == len(first)  # one list query however many rows


def test_bad_cursor_is_a_problem(api: ApiClient) -> None:
    body = assert_problem(api.get("/api/v1/cases", {"cursor": "bm9wZQ"}), 400, "api.cursor_invalid")
    assert body["errors"] == [{"path": "cursor", "code": "api.cursor_invalid", "message": body["detail"]}]


def test_open_a_case(api: ApiClient, tenant: Any) -> None:
    company = ClientCompanyFactory(agency=tenant.agency)
    response = api.post_json(
        "/api/v1/cases",
        {"company_id": company.pk, "license_id": "icp-b25", "consultant_id": tenant.consultant.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert (case.company_id, case.consultant_id, body["stage"]) == (
        company.pk,
        tenant.consultant.pk,
        case.stage,
    )
    assert AuditEvent.objects.filter(action="case.created", case=case, actor=tenant.admin).exists()
    again = api.post_json("/api/v1/cases", {"company_id": company.pk, "license_id": "icp-b25"})
    assert again.status_code in (400, 409) and again["Content-Type"].startswith("application/problem+json")


def test_stage_move_with_if_match(api: ApiClient, tenant: Any) -> None:
    case = tenant.case
    case_run_check(case=case, actor=tenant.admin)
    moves = api.get(f"/api/v1/cases/{case.pk}/moves").json()
    target = next(m for m in moves if m["allowed"])["to_stage"]
    url = f"/api/v1/cases/{case.pk}/moves"
    version = api.get(f"/api/v1/cases/{case.pk}")["ETag"]
    assert_problem(api.post_json(url, {"to_stage": target}), 428, "api.if_match_required")
    stale = api.post_json(url, {"to_stage": target}, headers={"If-Match": '"99"'})
    body = assert_problem(stale, 409, "case.changed")
    assert body["detail_zh"]
    moved = api.post_json(url, {"to_stage": target}, headers={"If-Match": version})
    assert moved.status_code == 200, moved.content
    assert moved.json()["stage"] == target and moved["ETag"] != version
    assert AuditEvent.objects.filter(action="case.transitioned", case=case).count() == 1
    again = api.post_json(url, {"to_stage": target}, headers={"If-Match": version})
    assert_problem(again, 409, "case.changed")  # the second writer with the old version loses


def test_refused_move_names_the_guard(api: ApiClient, tenant: Any) -> None:
    moves = api.get(f"/api/v1/cases/{tenant.case.pk}/moves").json()
    blocked = next(m for m in moves if not m["allowed"])
    version = api.get(f"/api/v1/cases/{tenant.case.pk}")["ETag"]
    response = api.post_json(
        f"/api/v1/cases/{tenant.case.pk}/moves",
        {"to_stage": blocked["to_stage"]},
        headers={"If-Match": version},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "workflow.guard_failed"


def test_run_and_read_checks_in_the_contract(api: ApiClient, tenant: Any) -> None:
    created = api.post_json(f"/api/v1/cases/{tenant.case.pk}/checks")
    assert created.status_code == 201
    check = created.json()
    jsonschema.validate(check["result"], load_schema(CHECK_RESULT_SCHEMA))
    assert check["verdict"] == check["result"]["verdict"] == "eligible"
    listed = api.get(f"/api/v1/cases/{tenant.case.pk}/checks").json()
    assert [c["id"] for c in listed] == [check["id"]]
    assert api.get(f"/api/v1/cases/{tenant.case.pk}/checks/{check['id']}").json() == check
    other = api.get(f"/api/v1/cases/{tenant.case2.pk}/checks/{check['id']}")
    assert_problem(other, 404, "check.not_found")


def test_stateless_eligibility_stores_nothing(api: ApiClient, tenant: Any) -> None:
    checks, events = CaseCheck.objects.count(), AuditEvent.objects.count()
    response = api.post_json("/api/v1/eligibility/icp-b25", tenant.company.profile)
    assert response.status_code == 200, response.content
    jsonschema.validate(response.json(), load_schema(CHECK_RESULT_SCHEMA))
    assert response.json()["verdict"] == "eligible"
    assert (CaseCheck.objects.count(), AuditEvent.objects.count()) == (checks, events)
    assert_problem(
        api.post_json("/api/v1/eligibility/no-such-license", tenant.company.profile), 404, "license.unknown"
    )
    bad = api.post_json("/api/v1/eligibility/icp-b25", {"company": {}})
    body = assert_problem(bad, 400, "company.profile_invalid")
    assert body["errors"] and all(e["path"] for e in body["errors"])


def test_notes_tasks_and_the_audit_trail(api: ApiClient, tenant: Any) -> None:
    case = tenant.case
    note = api.post_json(f"/api/v1/cases/{case.pk}/notes", {"body": "客户已确认材料", "visibility": "client"})
    assert note.status_code == 201 and note.json()["author"] == str(tenant.admin)
    assert [n["body"] for n in api.get(f"/api/v1/cases/{case.pk}/notes").json()] == ["客户已确认材料"]
    task = api.post_json(
        f"/api/v1/cases/{case.pk}/tasks", {"title": "催收营业执照", "assignee_id": tenant.consultant.pk}
    )
    assert task.status_code == 201
    bad = api.post_json(f"/api/v1/cases/{case.pk}/tasks", {"title": "x", "assignee_id": tenant.client.pk})
    assert_problem(bad, 400, "task.assignee_invalid")
    done = api.post_json(f"/api/v1/tasks/{task.json()['id']}/complete")
    assert done.status_code == 200 and done.json()["done_at"]
    trail = api.get(f"/api/v1/cases/{case.pk}/audit").json()
    assert [e["action"] for e in trail][:3] == ["task.completed", "task.created", "note.created"]
    assert all(e["actor"] == tenant.admin.username for e in trail[:3])
    older = api.get(f"/api/v1/cases/{case.pk}/audit", {"before_seq": trail[0]["seq"]}).json()
    assert older[0]["seq"] == trail[1]["seq"]


def test_upload_and_review_a_material(api: ApiClient, tenant: Any) -> None:
    case_run_check(case=tenant.case, actor=tenant.admin)
    checklist = api.get(f"/api/v1/cases/{tenant.case.pk}/materials").json()
    item = next(i for i in checklist["items"] if i["material_id"] == "business_license")
    upload = api.post(
        f"/api/v1/materials/{item['id']}/files",
        {"files": _named(pdf_bytes(), "营业执照.pdf")},
    )
    assert upload.status_code == 201, upload.content
    version = upload.json()
    assert version["number"] == 1 and version["files"][0]["name"] == "营业执照.pdf"
    refused = api.post(f"/api/v1/materials/{item['id']}/files", {"files": _named(b"MZ\x90\x00", "病毒.exe")})
    body = assert_problem(refused, 400, "upload.name_extension")
    assert "病毒.exe" in body["detail_zh"]
    assert len(api.get(f"/api/v1/cases/{tenant.case.pk}/materials").json()["items"]) == len(
        checklist["items"]
    )
    rejected = api.post_json(
        f"/api/v1/material-versions/{version['id']}/review",
        {"decision": "reject", "reason": "blurred", "reason_text": "扫描不清晰"},
    )
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["review_status"] == "rejected"


def _named(data: bytes, name: str) -> Any:
    file = io.BytesIO(data)
    file.name = name
    return file


def test_generate_documents_as_a_job_and_download(api: ApiClient, tenant: Any) -> None:
    from licensedesk.web.documents.services import generation_job_run

    make_ready(tenant.case, tenant.admin)
    requested = api.post_json(
        f"/api/v1/cases/{tenant.case.pk}/document-jobs", {"bundle": True, "confirmed": True}
    )
    assert requested.status_code == 202, requested.content
    job = requested.json()
    assert job["status"] == "queued"
    busy = api.post_json(f"/api/v1/cases/{tenant.case.pk}/document-jobs", {})
    assert_problem(busy, 409, "documents.job_active")
    generation_job_run(job_id=job["id"])  # what the queue does once the request's transaction commits
    done = api.get(f"/api/v1/document-jobs/{job['id']}").json()
    assert done["status"] == "done" and done["documents"] and done["bundle_id"]
    pdf = api.get(f"/api/v1/documents/{done['documents'][0]['id']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    bundle = api.get(f"/api/v1/bundles/{done['bundle_id']}").json()
    assert bundle["manifest"]["files"] and bundle["sha256"]
    archive = api.get(f"/api/v1/bundles/{done['bundle_id']}/download")
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"


def test_license_register_and_case_deadlines(api: ApiClient, tenant: Any, other_tenant: Any) -> None:
    from ..test_isolation import _seed_victim

    record = _seed_victim(tenant)["cases.licenserecord"]
    _seed_victim(other_tenant)
    listed = api.get("/api/v1/licenses").json()
    assert [r["id"] for r in listed] == [record.pk]
    one = api.get(f"/api/v1/licenses/{record.pk}").json()
    assert one["number"] == record.number and one["status"] and one == listed[0]
    assert {d["certainty"] for d in one["duties"]} <= {"L", "S", "W", "U"}
    assert all(d["uncertain"] == (d["certainty"] == "U") for d in one["duties"])
    deadlines = api.get(f"/api/v1/cases/{tenant.case.pk}/deadlines")
    assert deadlines.status_code == 200 and isinstance(deadlines.json(), list)
