"""What hangs off a case: eligibility checks, notes, tasks and the (read-only) audit trail."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from licensedesk.core.errors import InvalidInput, NotFound
from licensedesk.web.accounts.selectors import users_visible_to
from licensedesk.web.api.auth import needs
from licensedesk.web.api.endpoints.common import actor, case_for
from licensedesk.web.api.schemas import AuditEventOut, CheckIn, CheckOut, NoteIn, NoteOut, TaskIn, TaskOut
from licensedesk.web.audit.selectors import audit_events_visible_to
from licensedesk.web.cases import services
from licensedesk.web.cases.selectors import case_checks, notes_visible_to, tasks_visible_to

router = Router()

# -- checks -------------------------------------------------------------------------------------------


@router.post(
    "/cases/{int:case_id}/checks", response={201: CheckOut}, tags=["checks"], **needs("checks", "write")
)
def run_check(request: HttpRequest, case_id: int, payload: CheckIn | None = None) -> Status:
    """Check the company's current profile against the case's rule version and store the result."""
    case = case_for(request, case_id)
    as_of = payload.as_of if payload else None
    return Status(201, services.case_run_check(case=case, actor=actor(request), as_of=as_of))


@router.get(
    "/cases/{int:case_id}/checks", response=list[CheckOut], tags=["checks"], **needs("checks", "read")
)
def list_checks(request: HttpRequest, case_id: int, limit: int = Query(20, ge=1, le=100)) -> list[Any]:
    """The case's stored checks, newest first."""
    return list(case_checks(case=case_for(request, case_id))[:limit])


@router.get(
    "/cases/{int:case_id}/checks/{int:check_id}",
    response=CheckOut,
    tags=["checks"],
    **needs("checks", "read"),
)
def get_check(request: HttpRequest, case_id: int, check_id: int) -> Any:
    check = case_checks(case=case_for(request, case_id)).filter(pk=check_id).first()
    if check is None:
        raise NotFound("No such check.", code="check.not_found", message_zh="未找到该检查结果。")
    return check


# -- notes --------------------------------------------------------------------------------------------


@router.get("/cases/{int:case_id}/notes", response=list[NoteOut], tags=["notes"], **needs("notes", "read"))
def list_notes(request: HttpRequest, case_id: int) -> list[Any]:
    case = case_for(request, case_id)
    return list(notes_visible_to(user=actor(request), case=case))


@router.post("/cases/{int:case_id}/notes", response={201: NoteOut}, tags=["notes"], **needs("notes", "write"))
def create_note(request: HttpRequest, case_id: int, payload: NoteIn) -> Status:
    case = case_for(request, case_id)
    note = services.note_create(
        case=case, author=actor(request), body=payload.body, visibility=payload.visibility
    )
    return Status(201, note)


# -- tasks --------------------------------------------------------------------------------------------


@router.get("/cases/{int:case_id}/tasks", response=list[TaskOut], tags=["tasks"], **needs("tasks", "read"))
def list_tasks(request: HttpRequest, case_id: int) -> list[Any]:
    case = case_for(request, case_id)
    return list(tasks_visible_to(user=actor(request), case=case))


@router.post("/cases/{int:case_id}/tasks", response={201: TaskOut}, tags=["tasks"], **needs("tasks", "write"))
def create_task(request: HttpRequest, case_id: int, payload: TaskIn) -> Status:
    case = case_for(request, case_id)
    assignee = None
    if payload.assignee_id is not None:
        assignee = users_visible_to(user=actor(request)).filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise InvalidInput(
                "Tasks are assigned to active staff of this agency.",
                code="task.assignee_invalid",
                message_zh="任务只能分配给本机构在职员工。",
                details={"field": "assignee_id"},
            )
    task = services.task_create(
        case=case, actor=actor(request), title=payload.title, due_on=payload.due_on, assignee=assignee
    )
    return Status(201, task)


@router.post("/tasks/{int:task_id}/complete", response=TaskOut, tags=["tasks"], **needs("tasks", "write"))
def complete_task(request: HttpRequest, task_id: int) -> Any:
    task = tasks_visible_to(user=actor(request)).select_related("case").filter(pk=task_id).first()
    if task is None:
        raise NotFound("No such task.", code="task.not_found", message_zh="未找到该任务。")
    return services.task_complete(task=task, actor=actor(request))


# -- audit --------------------------------------------------------------------------------------------


@router.get(
    "/cases/{int:case_id}/audit", response=list[AuditEventOut], tags=["audit"], **needs("audit", "read")
)
def case_audit(
    request: HttpRequest,
    case_id: int,
    before_seq: int | None = Query(None, description="Events older than this sequence number."),
    limit: int = Query(100, ge=1, le=500),
) -> list[Any]:
    """The case's audit trail, newest first (read-only; page with ``before_seq``)."""
    case = case_for(request, case_id)
    events = audit_events_visible_to(user=actor(request), case=case)
    if before_seq is not None:
        events = events.filter(seq__lt=before_seq)
    return list(events[:limit])
