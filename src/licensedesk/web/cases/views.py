"""The staff back office: the board, the case list, the case page, companies with the profile editor,
and my tasks.

Views are thin: parse the request (a form, or the profile editor's form data), call one selector or
service, render. Who sees what is the selectors' job (an id the user may not see is a 404, as if it did
not exist); what a role may do is the services' (their refusals are shown like any other error). These
pages are for agency staff: a client user gets 403 (the client portal is theirs).

Writes answer the way they were asked: an htmx request gets the updated page region back (the whole
case page, so every form on it carries the new case version), a plain form post a redirect
(post/redirect/get) — or, on an error, the page again with the error next to the form and with what the
user typed. The list, the case page and the company page also answer JSON (``?format=json``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from licensedesk.core.errors import ApplicationError, ConcurrencyError, InvalidInput, NotFound, WorkflowError
from licensedesk.core.labels import verdict_label
from licensedesk.web.accounts.models import Role, User
from licensedesk.web.accounts.selectors import consultants_of
from licensedesk.web.audit.selectors import audit_events_visible_to
from licensedesk.web.cases import selectors, services
from licensedesk.web.cases.case_types import duty_case_view
from licensedesk.web.cases.clocks import agency_target_for_case, clocks_for_case
from licensedesk.web.cases.display import (
    current_lang,
    error_text,
    license_name,
    stage_steps,
    stage_title,
    stage_title_of,
)
from licensedesk.web.cases.form_body import ensure_form_body
from licensedesk.web.cases.forms import (
    BoardFilterForm,
    CaseFilterForm,
    LicenseRecordForm,
    MoveForm,
    NewCaseForm,
    NoteForm,
    OverrideForm,
    RunCheckForm,
    TaskCompleteForm,
    TaskForm,
    UndoMoveForm,
)
from licensedesk.web.cases.guards import ELIGIBILITY, LICENSE_RECORD, registered_guard
from licensedesk.web.cases.models import Case, ClientCompany
from licensedesk.web.cases.page_layout import page_focus, page_order, page_panels
from licensedesk.web.cases.profile_form import build_form, form_to_profile
from licensedesk.web.cases.timeline import (
    Names,
    authority_events,
    case_timeline,
    in_kind,
    page_events_filter,
    timeline_kind,
    timeline_kinds,
)
from licensedesk.web.documents.views import documents_context
from licensedesk.web.materials.selectors import checklist_for
from licensedesk.web.portal.forms import InviteForm
from licensedesk.web.portal.selectors import invitations_for_case, profile_changes_since_last_check

PAGE_SIZE = 25
TIMELINE_LIMIT = 100


# -- plumbing -----------------------------------------------------------------------------------------


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else the login page) and agency staff (else 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.is_staff_reader(request.user):
            raise DjangoPermissionDenied(_("These pages are for agency staff."))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _json(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _wants_json(request: HttpRequest) -> bool:
    return request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", "")


def _case_row(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "company": {"id": case.company_id, "name": case.company.name, "uscc": case.company.uscc},
        "license": case.license_id,
        "ruleset_version": case.ruleset_version,
        "stage": case.stage,
        "version": case.version,
        "consultant": case.consultant.get_username() if case.consultant else None,
        "target_date": case.target_date.isoformat() if case.target_date else None,
        "stage_due_on": case.stage_due_on.isoformat() if case.stage_due_on else None,
    }


def _case(request: HttpRequest, pk: int) -> Case:
    try:
        return selectors.case_get_visible_to(user=request.user, case_id=pk)
    except NotFound:
        raise Http404("no such case") from None


def _company(request: HttpRequest, pk: int) -> ClientCompany:
    try:
        return selectors.company_get_visible_to(user=request.user, company_id=pk)
    except NotFound:
        raise Http404("no such company") from None


def _consultants(request: HttpRequest) -> list[User]:
    return list(consultants_of(agency_id=request.user.agency_id))


def _stale(case: Case, version: int | None) -> ConcurrencyError:
    return ConcurrencyError(
        "The case changed since you loaded it; reload the page and try again.",
        code="case.changed",
        message_zh="该案件已被他人修改，请刷新后重试。",
        details={"expected_version": version, "current_version": case.version},
    )


def _ensure_version(case: Case, version: int | None) -> None:
    """Refuse a form rendered for an older state of the case (the services that change the case row
    check this themselves, atomically; this covers the forms whose service does not take a version)."""
    if version != case.version:
        raise _stale(case, version)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


# -- board, list, my tasks ----------------------------------------------------------------------------


@staff_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    consultants = _consultants(request)
    form = BoardFilterForm(request.GET or None, consultants=consultants)
    # with many licenses in the catalog, the board opens on the one the agency works on most recently
    filters = form.filters(default_license=lambda: selectors.board_default_license(user=request.user))
    columns = selectors.case_board(user=request.user, **filters)
    return render(
        request,
        "cases/board.html",
        {
            "form": form,
            "columns": columns,
            "license_id": filters["license_id"],
            "consultant_id": filters["consultant_id"],
            "case_type": filters["case_type"],
            "total": sum(c.count for c in columns),  # the columns show at most BOARD_CARDS cards each
        },
    )


@staff_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    consultants = _consultants(request)
    form = CaseFilterForm(request.GET or None, consultants=consultants)
    cases = selectors.with_due_window(selectors.case_list_visible_to(user=request.user, **form.filters()))
    if _wants_json(request):
        return _json({"cases": [_case_row(c) for c in cases[:200]]})
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/case_list.html", {"form": form, "page": page})


@staff_required
@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    tasks = list(selectors.tasks_open_for(user=request.user))
    return render(request, "cases/my_tasks.html", {"tasks": tasks})


# -- the case page ------------------------------------------------------------------------------------


def _case_context(
    request: HttpRequest,
    pk: int,
    *,
    bound: dict[str, Any] | None = None,
    error: str = "",
    notice: str = "",
) -> dict[str, Any]:
    """Everything the case page shows. ``bound`` replaces a form by the one the user submitted (to show
    its errors and what was typed); ``error`` and ``notice`` are shown at the top."""
    try:
        detail = selectors.case_detail(user=request.user, case_id=pk)
    except NotFound:
        raise Http404("no such case") from None
    case, user, bound = detail.case, request.user, bound or {}
    version = {"version": case.version}
    consultants = _consultants(request)
    moves = []
    for option in selectors.case_moves(user=user, case=case):
        key = f"move:{option.to_stage}"
        form = bound.get(key) or MoveForm(
            initial={**version, "to_stage": option.to_stage},
            auto_id=f"move-{option.to_stage}-%s",
            records=option.records,
            lang=current_lang(),
        )
        moves.append({"option": option, "form": form})
    path, undoable = selectors.case_history(case)
    if user.role != Role.AGENCY_ADMIN:
        undoable = None
    guards = {g.guard: g for m in moves for g in m["option"].guards}
    eligibility = guards.get(ELIGIBILITY)
    registered = registered_guard(ELIGIBILITY)
    can_override = (
        user.role == Role.AGENCY_ADMIN
        and eligibility is not None
        and not eligibility.passed
        and registered is not None
        and registered.overridable
    )
    names = Names(
        case=case,
        tasks={t.pk: t.title for t in detail.tasks},
        users={u.pk: str(u) for u in consultants},
    )
    kind = timeline_kind(request.GET.get("timeline"))  # the filter above the timeline, no JS needed
    events = audit_events_visible_to(user=user, case=case)
    if (only := page_events_filter(kind)) is not None:
        events = events.filter(only)
    events = list(events[:TIMELINE_LIMIT])  # one query: the timeline's kind and the stage moves
    focus = page_focus(case, license_recorded=detail.license_record is not None)
    agency_target, due_soon_days = agency_target_for_case(case=case, today=timezone.localdate())
    latest = detail.latest_check
    return {
        # what the other apps show on the case page (their own selectors and includes)
        "checklist": checklist_for(user=user, case_id=case.pk, case=case),
        "invitations": list(invitations_for_case(user=user, case=case)),
        "invite_form": InviteForm(auto_id="invite-%s"),
        "changes": profile_changes_since_last_check(case=case, latest_check=latest, company=case.company),
        **documents_context(request, case),
        "detail": detail,
        "case": case,
        "company": case.company,
        "license_name": license_name(case.license_id),
        "stage_title": stage_title(case),
        "steps": stage_steps(case, reached=path),
        "undo": {
            "source": stage_title_of(case, undoable.source),
            "to": stage_title_of(case, undoable.to),
            "form": bound.get("undo") or UndoMoveForm(initial=version, auto_id="undo-%s"),
        }
        if undoable is not None
        else None,
        "latest": latest,
        "result": latest.result if latest else None,
        "check_is_stale": latest is not None and latest.profile_hash != case.company.profile_hash,
        "diff": detail.check_diff if detail.check_diff and detail.check_diff.changed else None,
        "profile": build_form(case.company.profile, lang=current_lang()),
        "moves": moves,
        "may_move": any(m["option"].permitted for m in moves),
        "run_check_form": bound.get("run_check") or RunCheckForm(initial=version, auto_id="check-%s"),
        "override_form": (bound.get("override") or OverrideForm(initial=version, auto_id="override-%s"))
        if can_override
        else None,
        "license_form": (
            bound.get("license")
            or LicenseRecordForm(initial=_license_initial(detail, case), auto_id="license-%s")
        )
        if moves and (LICENSE_RECORD in guards or detail.license_record is not None)
        else None,
        "note_form": bound.get("note") or NoteForm(auto_id="note-%s"),
        "task_form": bound.get("task")
        or TaskForm(
            initial={**version, "assignee": case.consultant_id}, auto_id="task-%s", consultants=consultants
        ),
        "timeline": case_timeline([e for e in events if in_kind(kind, e.action)], names),
        "timeline_kind": kind,
        "focus": focus,
        "page_order": page_order(focus, page_panels(case)),
        # a duty case (annual report, change, renewal): its type and what it was prefilled with
        "duty": duty_case_view(case),
        "authority_events": authority_events(events, names),
        # the statutory clocks from the case's dated events, and the agency's own target, apart
        # running clocks first; within each group the catalog's order (statutory before practice)
        "clocks": sorted(clocks_for_case(case=case, today=timezone.localdate()), key=lambda c: not c.running),
        "agency_target": agency_target,
        "due_soon_days": due_soon_days,
        "timeline_kinds": timeline_kinds(),
        "error": error,
        "notice": notice,
    }


def _license_initial(detail: selectors.CaseDetail, case: Case) -> dict[str, Any]:
    record = detail.license_record
    initial: dict[str, Any] = {"version": case.version}
    if record is not None:
        initial.update(number=record.number, issued_on=record.issued_on, expires_on=record.expires_on)
    return initial


def _render_case(request: HttpRequest, pk: int, *, status: int = 200, **kwargs: Any) -> HttpResponse:
    context = _case_context(request, pk, **kwargs)
    template = "cases/_case_page.html" if request.htmx else "cases/case_detail.html"
    return render(request, template, context, status=status)


@staff_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if _wants_json(request):
        try:
            detail = selectors.case_detail(user=request.user, case_id=pk)
        except NotFound:
            raise Http404("no such case") from None
        latest = detail.latest_check
        return _json(
            {
                "case": _case_row(detail.case),
                "stage_title": {"zh": detail.stage_title_zh, "en": detail.stage_title_en},
                "latest_check": latest.result if latest else None,
                "check_diff": detail.check_diff.to_dict() if detail.check_diff else None,
                "notes": [{"id": n.pk, "body": n.body, "visibility": n.visibility} for n in detail.notes],
                "tasks": [
                    {"id": t.pk, "title": t.title, "done": t.done_at is not None} for t in detail.tasks
                ],
                "events": [
                    {
                        "kind": e.kind,
                        "occurred_on": e.occurred_on.isoformat(),
                        "from_stage": e.from_stage,
                        "to_stage": e.to_stage,
                        "reference": e.reference,
                    }
                    for e in selectors.case_events_for(detail.case)
                ],
            }
        )
    return _render_case(request, pk)


def _done(request: HttpRequest, pk: int, notice: str) -> HttpResponse:
    """After a successful write: the updated page region for htmx, else a redirect to the case page."""
    if request.htmx:
        return _render_case(request, pk, notice=notice)
    messages.success(request, notice)
    return redirect("cases:detail", pk=pk)


def _case_action(
    request: HttpRequest,
    pk: int,
    form: Any,
    key: str,
    perform: Callable[[Case, dict[str, Any]], str],
) -> HttpResponse:
    """Validate ``form``, check the case version, ``perform`` the write (which returns the notice to
    show), and answer; every refusal comes back on the case page next to the form it concerns."""
    case = _case(request, pk)
    if not form.is_valid():
        return _render_case(request, pk, bound={key: form}, status=400)
    try:
        if "version" in form.fields:  # forms about the case's state; a note carries none
            _ensure_version(case, form.cleaned_data["version"])
        notice = perform(case, form.cleaned_data)
    except ConcurrencyError as exc:  # the form comes back as typed (still stale: reload to go on)
        return _render_case(request, pk, bound={key: form}, error=error_text(exc), status=exc.http_status)
    except ApplicationError as exc:
        field = exc.details.get("field")
        form.add_error(field if field in form.fields else None, error_text(exc))
        return _render_case(request, pk, bound={key: form}, status=exc.http_status)
    return _done(request, pk, notice)


@staff_required
@require_POST
def case_run_check(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        check = services.case_run_check(case=case, actor=request.user)
        return _("Eligibility checked: %(verdict)s") % {
            "verdict": verdict_label(check.verdict, current_lang())
        }

    return _case_action(request, pk, RunCheckForm(request.POST), "run_check", perform)


@staff_required
@require_POST
def case_move(request: HttpRequest, pk: int) -> HttpResponse:
    """A move; the event it records (date, references) is checked by the service against the catalog,
    its refusals shown at the fields. A move that ends the case comes back once as a confirmation step
    (what was typed kept), then goes through with ``confirmed``."""
    case = _case(request, pk)
    to_stage = request.POST.get("to_stage", "")
    key = f"move:{to_stage}"
    form = MoveForm(
        request.POST,
        auto_id=f"move-{to_stage}-%s",
        records=selectors.move_records(case, to_stage),
        lang=current_lang(),
    )
    if not form.is_valid():
        return _render_case(request, pk, bound={key: form}, status=400)
    data = form.cleaned_data
    try:
        _ensure_version(case, data["version"])
        services.case_transition(
            case=case,
            to_stage=data["to_stage"],
            actor=request.user,
            reason=data["reason"],
            expected_version=data["version"],
            occurred_on=data.get("occurred_on"),
            reference=form.reference(),
            confirmed=data["confirmed"],
        )
    except ConcurrencyError as exc:
        return _render_case(request, pk, bound={key: form}, error=error_text(exc), status=exc.http_status)
    except WorkflowError as exc:
        if exc.code != "workflow.confirmation_required":
            form.add_error(None, error_text(exc))
            return _render_case(request, pk, bound={key: form}, status=exc.http_status)
        form.confirm_step = True
        form.confirm_text = error_text(exc)
        return _render_case(request, pk, bound={key: form})
    except InvalidInput as exc:
        fields = exc.details.get("fields" if current_lang() == "zh" else "fields_en")
        if isinstance(fields, dict):
            form.add_event_errors(fields)
        else:
            form.add_error(None, error_text(exc))
        return _render_case(request, pk, bound={key: form}, status=exc.http_status)
    except ApplicationError as exc:
        form.add_error(None, error_text(exc))
        return _render_case(request, pk, bound={key: form}, status=exc.http_status)
    return _done(request, pk, _("Moved to %(stage)s") % {"stage": stage_title(case)})


@staff_required
@require_POST
def case_undo_move(request: HttpRequest, pk: int) -> HttpResponse:
    """An agency admin undoes the last move (consultants get the service's refusal, 403)."""

    def perform(case: Case, data: dict[str, Any]) -> str:
        services.case_undo_move(
            case=case, actor=request.user, reason=data["reason"], expected_version=data["version"]
        )
        return _("Move undone: the case is back at %(stage)s") % {"stage": stage_title(case)}

    return _case_action(request, pk, UndoMoveForm(request.POST, auto_id="undo-%s"), "undo", perform)


@staff_required
@require_POST
def case_override(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        services.case_override_eligibility(case=case, actor=request.user, reason=data["reason"])
        return _("Eligibility requirement overridden; the reason is in the audit trail.")

    return _case_action(request, pk, OverrideForm(request.POST, auto_id="override-%s"), "override", perform)


@staff_required
@require_POST
def case_license(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        record = services.case_record_license(
            case=case,
            number=data["number"],
            issued_on=data["issued_on"],
            expires_on=data["expires_on"],
            actor=request.user,
        )
        return _("License %(number)s recorded.") % {"number": record.number}

    return _case_action(
        request, pk, LicenseRecordForm(request.POST, auto_id="license-%s"), "license", perform
    )


@staff_required
@require_POST
def note_create(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(case: Case, data: dict[str, Any]) -> str:
        services.note_create(case=case, author=request.user, body=data["body"], visibility=data["visibility"])
        return _("Note added.")

    return _case_action(request, pk, NoteForm(request.POST, auto_id="note-%s"), "note", perform)


@staff_required
@require_POST
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    form = TaskForm(request.POST, auto_id="task-%s", consultants=_consultants(request))

    def perform(case: Case, data: dict[str, Any]) -> str:
        task = services.task_create(
            case=case,
            actor=request.user,
            title=data["title"],
            due_on=data["due_on"],
            assignee=data["assignee"],
        )
        return _("Task “%(title)s” added.") % {"title": task.title}

    return _case_action(request, pk, form, "task", perform)


@staff_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.tasks_visible_to(user=request.user).filter(pk=pk).first()
    if task is None:
        raise Http404("no such task")
    case_id = task.case_id

    def perform(case: Case, data: dict[str, Any]) -> str:
        services.task_complete(task=task, actor=request.user)
        return _("Task “%(title)s” done.") % {"title": task.title}

    form = TaskCompleteForm(request.POST)
    if request.htmx:  # from the case page: its region comes back
        return _case_action(request, case_id, form, "complete", perform)
    case = _case(request, case_id)  # from my tasks (or without JavaScript): back where it came from
    try:
        _ensure_version(case, form.cleaned_data["version"] if form.is_valid() else None)
        messages.success(request, perform(case, {}))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    return redirect(_safe_next(request, reverse("cases:detail", kwargs={"pk": case_id})))


# -- companies ------------------------------------------------------------------------------------------


@staff_required
@require_GET
def company_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:200]
    companies = selectors.company_list_visible_to(user=request.user, search=search)
    page = Paginator(companies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/company_list.html", {"page": page, "q": search})


def _company_context(request: HttpRequest, company: ClientCompany, **extra: Any) -> dict[str, Any]:
    consultants = _consultants(request)
    return {
        "company": company,
        "cases": selectors.case_list_visible_to(user=request.user, company_id=company.pk),
        "profile": build_form(company.profile, lang=current_lang()),
        "new_case_form": NewCaseForm(
            # with many licenses in the catalog, the one the agency works on most recently is offered first
            initial={
                "consultant": request.user.pk,
                "license": selectors.board_default_license(user=request.user),
            },
            consultants=consultants,
            auto_id="new-case-%s",
        ),
        **extra,
    }


@staff_required
@require_GET
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    if _wants_json(request):
        cases = selectors.case_list_visible_to(user=request.user, company_id=company.pk)
        return _json(
            {
                "company": {"id": company.pk, "profile": company.profile},
                "cases": [_case_row(c) for c in cases],
            }
        )
    return render(request, "cases/company_detail.html", _company_context(request, company))


@staff_required
@require_POST
def case_create(request: HttpRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    form = NewCaseForm(request.POST, consultants=_consultants(request), auto_id="new-case-%s")
    if form.is_valid():
        try:
            case = services.case_create(
                company=company,
                license_id=form.cleaned_data["license"],
                actor=request.user,
                consultant=form.cleaned_data["consultant"],
                target_date=form.cleaned_data["target_date"],
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("Case opened."))
            return redirect("cases:detail", pk=case.pk)
    context = _company_context(request, company, new_case_form=form)
    return render(request, "cases/company_detail.html", context, status=400)


def _profile_problems(exc: ApplicationError) -> list[dict[str, Any]]:
    """The service's refusal as problems located by contract path (for the editor to place them)."""
    if exc.code == "company.profile_invalid":
        return list(exc.details.get("problems", []))
    uscc = exc.code in (services.USCC_DUPLICATE, services.USCC_UNUSABLE)
    path = "company.uscc" if uscc else str(exc.details.get("field", ""))
    return [{"path": path, "message": error_text(exc)}]


def _profile_editor(request: HttpRequest, company: ClientCompany | None) -> HttpResponse:
    """Create a company (``company`` None) or edit its profile, through the same editor."""
    lang = current_lang()
    context: dict[str, Any] = {"company": company, "version": company.version if company else None}
    if request.method != "POST":
        profile = company.profile if company else {"schema_version": "1"}
        context["form"] = build_form(profile, lang=lang)
        return render(request, "cases/profile_editor.html", context)
    try:
        ensure_form_body(request, marker="schema_version")
    except InvalidInput as exc:  # the editor again, as stored, with the refusal: nothing was read or saved
        profile = company.profile if company else {"schema_version": "1"}
        context["form"] = build_form(profile, lang=lang, problems=_profile_problems(exc))
        template = "cases/_profile_form.html" if request.htmx else "cases/profile_editor.html"
        return render(request, template, context, status=exc.http_status)
    parsed = form_to_profile(dict(request.POST.lists()))
    if company is not None:  # keep the version the editor was opened with: a stale edit stays stale
        context["version"] = request.POST.get("version", "")
    problems: list[dict[str, Any]] = []
    status = 200
    if not parsed.row_action:
        try:
            if company is None:
                company = services.company_create(
                    agency=request.user.agency, profile=parsed.profile, actor=request.user
                )
                notice = _("Company created.")
            else:
                version = request.POST.get("version", "")
                services.company_profile_update(
                    company=company,
                    profile=parsed.profile,
                    actor=request.user,
                    expected_version=int(version) if version.isdigit() else 0,
                )
                notice = _("Company profile saved.")
        except (InvalidInput, ConcurrencyError) as exc:
            problems, status = _profile_problems(exc), exc.http_status
        else:
            messages.success(request, notice)
            target = reverse("cases:company_detail", kwargs={"pk": company.pk})
            return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    context["form"] = build_form(
        parsed.profile,
        lang=lang,
        problems=problems,
        blank_rows=parsed.blank_rows,
        row_action=parsed.row_action,
    )
    template = "cases/_profile_form.html" if request.htmx else "cases/profile_editor.html"
    return render(request, template, context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def company_create(request: HttpRequest) -> HttpResponse:
    return _profile_editor(request, None)


@staff_required
@require_http_methods(["GET", "POST"])
def company_profile(request: HttpRequest, pk: int) -> HttpResponse:
    return _profile_editor(request, _company(request, pk))
