"""The register's pages: the back office's list, manual entry and license page (agency staff), and the
client's own licenses in the portal. Thin: forms parse, services write, selectors read."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from licensedesk.core.errors import ApplicationError, NotFound
from licensedesk.web.accounts.models import Role
from licensedesk.web.cases.display import current_lang, error_text, license_name
from licensedesk.web.cases.selectors import company_list_visible_to
from licensedesk.web.cases.views import staff_required
from licensedesk.web.register import display, selectors, services
from licensedesk.web.register.forms import (
    CoverageFields,
    DismissForm,
    DutyCaseForm,
    EndForm,
    LaunchForm,
    ManualLicenseForm,
    RegisterFilterForm,
)
from licensedesk.web.register.models import ChangeProposal, ProposalStatus


def _license(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.license_get_visible_to(user=request.user, license_id=pk)
    except NotFound:
        raise Http404("no such license") from None


def _refused(form: Any, exc: ApplicationError) -> None:
    field = exc.details.get("field")
    form.add_error(field if field in form.fields else None, error_text(exc))


@staff_required
@require_http_methods(["GET"])
def register_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filters = RegisterFilterForm(request.GET or None, auto_id="filter-%s")
    data = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.register_rows_visible_to(
        user=request.user,
        as_of=today,
        status=data.get("status") or "",
        due_by=data.get("due_by"),
        search=data.get("q") or "",
    )
    shown = [
        {
            "row": row,
            "status": display.status_label(row.status),
            "next": display.duty_rows([row.next_duty], as_of=today)[0] if row.next_duty else None,
            "changes": len(row.change_filings),
        }
        for row in rows
    ]
    return render(request, "register/list.html", {"rows": shown, "filters": filters, "today": today})


@staff_required
@require_http_methods(["GET", "POST"])
def register_new(request: HttpRequest) -> HttpResponse:
    companies = list(company_list_visible_to(user=request.user).only("pk", "name", "agency_id"))
    form = ManualLicenseForm(request.POST or None, companies=companies, auto_id="license-%s")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.license_register_manual(
                    company=data["company"],
                    license_id=data["license_id"],
                    number=data["number"],
                    issued_on=data["issued_on"],
                    expires_on=data["expires_on"],
                    authority=data["authority"],
                    services=data["services"],
                    websites=data["websites"],
                    apps=data["apps"],
                    actor=request.user,
                )
            except ApplicationError as exc:
                _refused(form, exc)
                status = exc.http_status
            else:
                messages.success(request, _("License entered in the register."))
                return redirect("register:detail", pk=record.pk)
        else:
            status = 400
    return render(request, "register/new.html", {"form": form}, status=status)


def _service_choices(record: Any) -> list[tuple[str, str]]:
    """The license's services, titled in the active language (the launch form's choices)."""
    return [(s.id, getattr(s.title, current_lang())) for s in selectors.licensed_services(record)]


def _detail_context(request: HttpRequest, record: Any, **bound: Any) -> dict[str, Any]:
    today = timezone.localdate()
    row = selectors.register_row(record, as_of=today)
    launches = selectors.launches_by_service(record)
    services_shown = [{"service": s, "proofs": launches.get(s.id, [])} for s in row.services]
    launched = [s for s in row.services if launches.get(s.id)]
    coverage = bound.get("coverage") or CoverageFields(
        initial={
            "authority": record.authority,
            "services": record.services,
            "websites": "\n".join(record.websites),
            "apps": "\n".join(record.apps),
        },
        license_id=record.license_id,
        auto_id="coverage-%s",
    )
    proposals = [
        {"proposal": p, "fields": display.field_names(p.fields)} for p in selectors.open_proposals(record)
    ]
    return {
        "record": record,
        "row": row,
        "license_title": license_name(record.license_id),
        "status": display.status_label(row.status),
        "duties": display.duty_rows(row.duties, as_of=today),
        "services": services_shown,
        "launched": launched,
        "coverage_form": coverage,
        "launch_form": bound.get("launch")
        or LaunchForm(services=_service_choices(record), auto_id="launch-%s"),
        "end_form": bound.get("end") or EndForm(auto_id="end-%s"),
        "proposals": proposals,
        "today": today,
    }


@staff_required
@require_http_methods(["GET"])
def register_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _license(request, pk)
    return render(request, "register/detail.html", _detail_context(request, record))


def _post(request: HttpRequest, pk: int, key: str, form: Any, perform: Any) -> HttpResponse:
    record = _license(request, pk)
    if form.is_valid():
        try:
            notice = perform(record, form.cleaned_data)
        except ApplicationError as exc:
            _refused(form, exc)
            status = exc.http_status
        else:
            messages.success(request, notice)
            return redirect("register:detail", pk=pk)
    else:
        status = 400
    record = _license(request, pk)
    return render(
        request, "register/detail.html", _detail_context(request, record, **{key: form}), status=status
    )


@staff_required
@require_POST
def register_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    record = _license(request, pk)
    form = CoverageFields(request.POST, license_id=record.license_id, auto_id="coverage-%s")

    def perform(record: Any, data: dict[str, Any]) -> str:
        services.license_update_coverage(license=record, actor=request.user, **data)
        return _("License details saved.")

    return _post(request, pk, "coverage", form, perform)


@staff_required
@require_POST
def register_end(request: HttpRequest, pk: int) -> HttpResponse:
    def perform(record: Any, data: dict[str, Any]) -> str:
        services.license_mark_ended(license=record, actor=request.user, **data)
        return _("License status saved.")

    return _post(request, pk, "end", EndForm(request.POST, auto_id="end-%s"), perform)


@staff_required
@require_POST
def register_launch(request: HttpRequest, pk: int) -> HttpResponse:
    record = _license(request, pk)
    form = LaunchForm(request.POST, services=_service_choices(record), auto_id="launch-%s")

    def perform(record: Any, data: dict[str, Any]) -> str:
        services.launch_proof_record(license=record, actor=request.user, **data)
        return _("Proof of launch recorded.")

    return _post(request, pk, "launch", form, perform)


@staff_required
@require_POST
def proposal_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = (
        ChangeProposal.objects.filter(
            pk=pk,
            status=ProposalStatus.OPEN,
            license__in=selectors.licenses_visible_to(user=request.user),
        )
        .select_related("license")
        .first()
    )
    if proposal is None:
        raise Http404("no such proposal")
    form = DismissForm(request.POST)
    target = reverse("register:detail", kwargs={"pk": proposal.license_id})
    if not form.is_valid():
        messages.error(request, _("Give the reason no filing is needed."))
        return redirect(target)
    try:
        services.change_proposal_dismiss(
            proposal=proposal, reason=form.cleaned_data["reason"], actor=request.user
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Change filing dismissed."))
    return redirect(target)


@staff_required
@require_POST
def duty_case_start(request: HttpRequest, pk: int) -> HttpResponse:
    """The button beside a duty: start its case and open it."""
    record = _license(request, pk)
    form = DutyCaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a duty of this license."))
        return redirect("register:detail", pk=pk)
    try:
        case = services.duty_case_start(
            license=record,
            kind=form.cleaned_data["kind"],
            period=form.cleaned_data["period"],
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("register:detail", pk=pk)
    messages.success(request, _("Case %(number)s started.") % {"number": case.number})
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_http_methods(["GET"])
def portal_licenses(request: HttpRequest) -> HttpResponse:
    """The client's own company's licenses and what each needs next (staff use the register)."""
    if request.user.role != Role.CLIENT_USER:
        raise DjangoPermissionDenied(_("This page is for clients; staff use the license register."))
    today = timezone.localdate()
    rows = [
        {
            "row": row,
            "title": license_name(row.license.license_id),
            "status": display.status_label(row.status),
            "duties": display.duty_rows(row.duties, as_of=today),
        }
        for row in selectors.register_rows_visible_to(user=request.user, as_of=today)
    ]
    return render(request, "register/portal.html", {"rows": rows, "today": today})
