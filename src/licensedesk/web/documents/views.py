"""Views of the documents app: thin — parse the input, call a selector or a service, render.

* ``panel``: the case's documents block (``documents/_documents.html``), polled by htmx while a job runs;
  a job whose process stopped (no heartbeat) is marked interrupted there, which ends the polling;
* ``data``: the case-data form (all fields; the case page's inline form posts the missing ones here);
* ``generate``: queue the generation of all documents, one (``document``) or the bundle (``bundle``);
* ``download``: a generated document as DOCX or PDF; ``bundle_download``: a submission bundle;
* ``templates`` (agency admins): the agency's own DOCX templates — upload, download, deactivate — and
  the shipped templates to start from.

An id the user may not see is a 404. Downloads are streamed from storage after the permission check,
with the Chinese file name (``Content-Disposition`` with ``filename*``), and recorded in the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from licensedesk.core.documents.render import shipped_template
from licensedesk.core.errors import ApplicationError, ConcurrencyError, InvalidInput, NotFound
from licensedesk.web.cases.models import Case
from licensedesk.web.cases.selectors import case_get_visible_to, is_staff_reader
from licensedesk.web.documents import selectors, services
from licensedesk.web.documents.fields import BY_PATH
from licensedesk.web.documents.forms import CaseDataForm
from licensedesk.web.documents.selectors import DocumentsPanel
from licensedesk.web.materials import storage
from licensedesk.web.materials.services import IncomingFile

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _lang() -> str:
    return "zh" if (get_language() or "zh-hans").startswith("zh") else "en"


def error_text(error: ApplicationError) -> str:
    return error.message_zh if _lang() == "zh" else error.message


def _case(request: HttpRequest, case_id: int) -> Case:
    try:
        return case_get_visible_to(user=request.user, case_id=case_id)
    except NotFound:
        raise Http404("no such case") from None


def _staff(request: HttpRequest) -> None:
    if not is_staff_reader(request.user):
        raise DjangoPermissionDenied(_("Only agency staff generate documents."))


def documents_context(
    request: HttpRequest,
    case: Case,
    *,
    fill_form: CaseDataForm | None = None,
    error: str = "",
    bundle_confirm: str = "",
) -> dict[str, Any]:
    """What ``documents/_documents.html`` needs, for the case page and the panel view: the panel and,
    after a generation that lacked case data, a form with exactly the missing fields."""
    panel: DocumentsPanel = selectors.documents_panel(user=request.user, case=case, lang=_lang())
    if panel.running and panel.job is not None:
        # A job whose process stopped says so now (and lets a new one start) instead of being polled
        # for ever; the service refreshes ``panel.job`` in place.
        services.generation_job_mark_interrupted(job=panel.job)
    if fill_form is None and panel.missing_case_fields:
        fill_form = CaseDataForm(
            specs=panel.missing_case_fields,
            data_values=panel.data,
            version=panel.data_version,
            auto_id="fill-%s",
        )
    return {
        "documents": panel,
        "fill_form": fill_form,
        "documents_error": error,
        "bundle_confirm": bundle_confirm,  # the second step of a bundle with missing materials
    }


def _panel(request: HttpRequest, case: Case, *, status: int = 200, **kwargs: Any) -> HttpResponse:
    context = {"case": case, **documents_context(request, case, **kwargs)}
    return render(request, "documents/_documents.html", context, status=status)


def _back(case: Case) -> str:
    return reverse("cases:detail", kwargs={"pk": case.pk}) + "#documents"


@login_required
@require_GET
def panel(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    _staff(request)
    return _panel(request, case)


@login_required
@require_http_methods(["GET", "POST"])
def data(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case-data form. A POST carries all fields or, from the case page, only ``fields`` (the
    missing ones): the others are kept as stored."""
    case = _case(request, case_id)
    _staff(request)
    stored = selectors.case_document_data(case=case)
    values, version = (stored.data, stored.version) if stored else ({}, None)
    if request.method == "GET":
        form = CaseDataForm(data_values=values, version=version, auto_id="data-%s")
        return render(request, "documents/data.html", {"case": case, "form": form})
    only = [p for p in request.POST.getlist("fields") if p in BY_PATH]
    specs = [BY_PATH[p] for p in only] if only else None
    kwargs: dict[str, Any] = {"data_values": values, "version": version}
    if specs is not None:
        kwargs["specs"] = specs
    form = CaseDataForm(request.POST, auto_id="fill-%s" if only else "data-%s", **kwargs)
    status, error = 400, ""
    if form.is_valid():
        try:
            services.case_document_data_save(
                case=case,
                actor=request.user,
                values=form.values(),
                expected_version=form.cleaned_data["version"],
            )
        except ConcurrencyError as exc:
            error, status = error_text(exc), exc.http_status
        except InvalidInput as exc:
            form.add_problems(exc.details.get("problems") or [{"path": "", "message": error_text(exc)}])
            status = exc.http_status
        else:
            messages.success(request, _("Document data saved."))
            if request.htmx and only:  # the case page's fill-in form: its block comes back
                return _panel(request, case)
            return redirect(_back(case))
    if request.htmx and only:
        return _panel(request, case, fill_form=form, error=error, status=status)
    return render(
        request,
        "documents/data.html",
        {"case": case, "form": form, "error": error, "subset": bool(only)},
        status=status,
    )


@login_required
@require_POST
def generate(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    _staff(request)
    document = request.POST.get("document", "").strip()
    try:
        services.generation_job_request(
            case=case,
            actor=request.user,
            only=[document] if document else None,
            bundle=request.POST.get("bundle") == "1",
            confirmed=request.POST.get("confirmed") == "1",
        )
    except ApplicationError as exc:
        if exc.code == services.BUNDLE_CONFIRM:  # not an error: the question, at the bundle button
            return _panel(request, case, bundle_confirm=error_text(exc))
        if request.htmx:
            return _panel(request, case, error=error_text(exc), status=exc.http_status)
        messages.error(request, error_text(exc))
        return redirect(_back(case))
    if request.htmx:
        return _panel(request, case)
    messages.success(request, _("Generation started; the page shows its progress."))
    return redirect(_back(case))


def _attachment(name: str, file_name: str, content_type: str) -> FileResponse:
    response = FileResponse(
        storage.open_stored(name), as_attachment=True, filename=file_name, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    if fmt not in ("docx", "pdf"):
        raise Http404("no such format")
    try:
        document = selectors.generated_document_for_download(user=request.user, document_id=pk)
    except NotFound:
        raise Http404("no such document") from None
    services.document_download_record(document=document, fmt=fmt, actor=request.user)
    name = document.pdf_name if fmt == "pdf" else document.docx_name
    content_type = "application/pdf" if fmt == "pdf" else DOCX_TYPE
    return _attachment(name, f"{document.title_zh}.{fmt}", content_type)


@login_required
@require_GET
def bundle_download(request: HttpRequest, pk: int) -> FileResponse:
    try:
        bundle = selectors.bundle_for_download(user=request.user, bundle_id=pk)
    except NotFound:
        raise Http404("no such bundle") from None
    services.bundle_download_record(bundle=bundle, actor=request.user)
    number = bundle.manifest.get("case", {}).get("number") or bundle.case_id
    return _attachment(
        bundle.storage_name, f"{bundle.case.company.name}-提交材料包-{number}.zip", "application/zip"
    )


# -- agency templates -----------------------------------------------------------------------------------


def _admin(request: HttpRequest) -> None:
    if not getattr(request.user, "is_agency_admin", False):
        raise DjangoPermissionDenied(_("Only agency admins manage document templates."))


@login_required
@require_GET
def templates(request: HttpRequest) -> HttpResponse:
    _admin(request)
    rows = selectors.agency_template_rows(user=request.user)
    return render(request, "documents/templates.html", {"rows": rows, "lang": _lang()})


def _to_templates() -> HttpResponseRedirect:
    return redirect(reverse("documents:templates"))


@login_required
@require_POST
def template_upload(request: HttpRequest) -> HttpResponse:
    _admin(request)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a DOCX file to upload."))
        return _to_templates()
    try:
        template = services.agency_template_upload(
            agency=request.user.agency,
            document_id=request.POST.get("document_id", "").strip(),
            license_id=request.POST.get("license_id", "").strip() or None,
            upload=IncomingFile.from_upload(upload),
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return _to_templates()
    messages.success(
        request, _("Template uploaded: %(name)s is now used.") % {"name": template.original_name}
    )
    return _to_templates()


@login_required
@require_POST
def template_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    try:
        template = selectors.agency_template_get(user=request.user, template_id=pk)
    except NotFound:
        raise Http404("no such template") from None
    try:
        services.agency_template_deactivate(template=template, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The shipped template is used again."))
    return _to_templates()


@login_required
@require_GET
def template_download(request: HttpRequest, pk: int) -> FileResponse:
    _admin(request)
    try:
        template = selectors.agency_template_get(user=request.user, template_id=pk)
    except NotFound:
        raise Http404("no such template") from None
    return _attachment(template.storage_name, template.original_name, DOCX_TYPE)


@login_required
@require_GET
def template_shipped(request: HttpRequest, license_id: str, document_id: str) -> HttpResponse:
    """The template shipped with licensedesk: what an agency edits to make its own version."""
    _admin(request)
    if license_id not in selectors.document_licenses():
        raise Http404("no such license")
    try:
        services.document_license(document_id, license_id)
    except InvalidInput:
        raise Http404("no such document") from None
    response = HttpResponse(shipped_template(license_id, document_id), content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{license_id}-{document_id}.docx"'
    response["Cache-Control"] = "private, no-store"
    return response
