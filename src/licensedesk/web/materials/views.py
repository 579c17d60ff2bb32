"""Views of the materials area: thin — parse the input, call a selector or a service, render.

* ``checklist``: the case's checklist (the ``materials/_checklist.html`` partial for htmx, else a page);
* ``requests``: the client's page of what to (re)send, with the reviewer's reasons and upload forms;
* ``item``: one material's history (staff: every version, side by side after a rejection; review forms);
* ``upload``, ``start_review``, ``review``, ``finish_round``: the writes (POST);
* ``download``: a stored file, streamed after the permission check, never from a public URL.

An id the user may not see is a 404, as in the cases app. Refusals are shown in the page language
(Chinese by default) from the service's bilingual error.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from licensedesk.core.errors import ApplicationError, InvalidInput, NotFound
from licensedesk.web.materials import selectors, services, storage, uploads
from licensedesk.web.materials.services import IncomingFile
from licensedesk.web.portal.asks import client_asks


def _zh() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def error_text(error: ApplicationError) -> str:
    """The error in the page language."""
    return error.message_zh if _zh() else error.message


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _on_requests_page(request: HttpRequest, case_id: int) -> bool:
    """Whether an htmx request comes from the client's requests page (its list is then swapped too)."""
    requests_page = reverse("materials:requests", kwargs={"case_id": case_id})
    return urlsplit(request.htmx.current_url_abs_path or "").path == requests_page


def _requests_context(case: Any) -> dict[str, Any]:
    """The list above the client's checklist: what is asked of them to send or sign, from the one place
    that decides it (:func:`licensedesk.web.portal.asks.client_asks`), and how many other asks wait on
    the application page."""
    asks = client_asks(case=case)
    requests = [a for a in asks if a.kind in ("material", "sign")]
    return {"requests": requests, "other_asks": len(asks) - len(requests)}


def _checklist_response(
    request: HttpRequest,
    case_id: int,
    *,
    error: str = "",
    status: int = 200,
    page: str = "",
    error_material: int | None = None,
    warnings: list[str] | None = None,
    warning_material: int | None = None,
) -> HttpResponse:
    """The checklist (the htmx partial, or its page). ``error_material``: the material whose upload was
    refused — its row shows ``error``, where the user acted, instead of the top of the list."""
    try:
        checklist = selectors.checklist_for(user=request.user, case_id=case_id)
    except NotFound:
        raise Http404("no such case") from None
    context = {
        "checklist": checklist,
        "error": error,
        "error_material": error_material,
        "warnings": warnings or [],  # shown at the row of ``warning_material`` (duplicate files)
        "warning_material": warning_material,
        "next": request.get_full_path(),
    }
    if not checklist.staff and (not request.htmx or _on_requests_page(request, case_id)):
        context.update(_requests_context(checklist.case))
    if request.htmx:
        context["next"] = request.POST.get("next") or reverse(
            "materials:checklist", kwargs={"case_id": case_id}
        )
        # On the client's requests page the list above the checklist changes with it (out of band).
        requests_page = reverse("materials:requests", kwargs={"case_id": case_id})
        shown_on = urlsplit(request.htmx.current_url_abs_path or "").path
        context["refresh_requests"] = not checklist.staff and shown_on == requests_page
        return render(request, "materials/_checklist.html", context)  # htmx swaps 200s only
    if not page:
        page = "materials/checklist_page.html" if checklist.staff else "materials/client_materials.html"
    return render(request, page, context, status=status)


@login_required
@require_GET
def checklist(request: HttpRequest, case_id: int) -> HttpResponse:
    return _checklist_response(request, case_id)


@login_required
@require_GET
def requests_page(request: HttpRequest, case_id: int) -> HttpResponse:
    return _checklist_response(request, case_id, page="materials/client_materials.html")


@login_required
@require_GET
def item(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_response(request, pk)


def _item_response(
    request: HttpRequest,
    pk: int,
    *,
    error: str = "",
    form: dict[str, Any] | None = None,
    status: int = 200,
    upload_error: str = "",
) -> HttpResponse:
    try:
        detail = selectors.material_detail(user=request.user, material_id=pk)
    except NotFound:
        raise Http404("no such material") from None
    context = {
        "detail": detail,
        "error": error,
        "upload_error": upload_error,  # shown at the upload form
        "form": form or {},
        "next": reverse("materials:item", kwargs={"pk": pk}) if upload_error else request.get_full_path(),
    }
    return render(request, "materials/material_detail.html", context, status=status)


# -- upload ---------------------------------------------------------------------------------------------


@csrf_exempt  # checked below before the body is read: Django's middleware would parse it first
@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything that can refuse an upload without its files is asked before the body is read — the
    sign-in (``login_required``), CSRF from the ``X-CSRFToken`` header (htmx sends it), the material
    being visible, the actor allowed to upload to it (:func:`services.material_upload_ensure_allowed`),
    ``Content-Length`` — then the parser stops at the first limit passed (:mod:`.uploads`). Without
    the header (no JavaScript) the token is the form's first field, checked before any file part."""
    header = settings.CSRF_HEADER_NAME in request.META
    if header and (refused := uploads.csrf_refusal(request)) is not None:
        return refused
    try:
        material = selectors.material_get_visible_to(user=request.user, material_id=pk)
    except NotFound:
        raise Http404("no such material") from None
    limits = services.upload_limits()
    try:
        services.material_upload_ensure_allowed(material=material, actor=request.user)
        parsed = uploads.parse_upload(
            request, limits=limits, kinds=material.file_kinds, csrf_in_body=not header
        )
    except uploads.CsrfRefused as exc:
        return exc.response
    except ApplicationError as exc:
        uploads.leave_body_unread(request)
        return _upload_refused(request, material, exc)
    with parsed:  # the request's temporary folder goes whatever happens below
        return _upload(request, material, parsed)


def _upload(request: HttpRequest, material: Any, parsed: uploads.ParsedUpload) -> HttpResponse:
    case_id = material.case_id
    default = reverse("materials:checklist", kwargs={"case_id": case_id})
    try:
        if parsed.refused:
            raise services.refusal(list(parsed.refused))
        incoming = [IncomingFile.from_upload(f) for f in parsed.files.getlist("files")]
        version = services.material_upload(material=material, actor=request.user, files=incoming)
    except ApplicationError as exc:
        return _upload_refused(request, material, exc)
    notice = _("Version %(number)s of “%(title)s” was uploaded.") % {
        "number": version.number,
        "title": material.title_zh if _zh() else material.title_en,
    }
    duplicates = [d.text() for d in selectors.duplicate_files(version=version)]
    if request.htmx and request.GET.get("from") == "detail":  # the material's page: reload it whole
        messages.success(request, notice)
        for duplicate in duplicates:
            messages.warning(request, duplicate)
        reload = HttpResponse(status=204)
        reload["HX-Redirect"] = reverse("materials:item", kwargs={"pk": material.pk})
        return reload
    if request.htmx:
        messages.success(request, notice)
        return _checklist_response(request, case_id, warnings=duplicates, warning_material=material.pk)
    messages.success(request, notice)
    for duplicate in duplicates:  # without JavaScript: on the page the redirect shows
        messages.warning(request, duplicate)
    return HttpResponseRedirect(_next(request, default))


def _upload_refused(request: HttpRequest, material: Any, error: ApplicationError) -> HttpResponse:
    """The refusal, shown at the upload form the user used: the material's page when the form was
    there (``?from=detail`` on its action, readable without the body), else the material's checklist
    row."""
    if request.GET.get("from") == "detail":  # htmx swaps 200s only (413 included)
        status = 200 if request.htmx else error.http_status
        return _item_response(request, material.pk, upload_error=error_text(error), status=status)
    return _checklist_response(
        request,
        material.case_id,
        error=error_text(error),
        status=error.http_status,
        error_material=material.pk,
    )


# -- review ---------------------------------------------------------------------------------------------


@login_required
@require_POST
def start_review(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        material = selectors.material_get_visible_to(user=request.user, material_id=pk)
    except NotFound:
        raise Http404("no such material") from None
    try:
        services.material_start_review(material=material, actor=request.user)
    except ApplicationError as exc:
        return _item_response(request, pk, error=error_text(exc), status=exc.http_status)
    return HttpResponseRedirect(reverse("materials:item", kwargs={"pk": pk}))


def _date(value: str, field: str, title_en: str, title_zh: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{title_en} “{value}” is not a date (YYYY-MM-DD).",
            code="material.date_invalid",
            message_zh=f"{title_zh}“{value}”不是有效日期（YYYY-MM-DD）。",
            details={"field": field},
        ) from None


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        version = selectors.version_get_visible_to(user=request.user, version_id=pk)
    except NotFound:
        raise Http404("no such version") from None
    material_pk = version.material_id
    form = request.POST
    decision = form.get("decision", "")
    try:
        if decision == "reject":
            services.version_reject(
                version=version,
                actor=request.user,
                reason=form.get("reason", ""),
                text=form.get("reason_text", ""),
            )
        elif decision == "accept":
            confirmed = {
                key.removeprefix("confirm:"): value
                for key, value in form.items()
                if key.startswith("confirm:")
            }
            services.version_accept(
                version=version,
                actor=request.user,
                document_date=_date(
                    form.get("document_date", ""), "document_date", "The document date", "文件日期"
                ),
                valid_until=_date(
                    form.get("valid_until", ""), "valid_until", "The validity date", "有效期截止日"
                ),
                long_term=form.get("long_term") == "on",
                confirmed=confirmed,
            )
        else:
            raise InvalidInput(
                "Choose to accept or to reject the version.",
                code="material.decision_invalid",
                message_zh="请选择通过或退回。",
                details={"field": "decision"},
            )
    except ApplicationError as exc:
        return _item_response(
            request, material_pk, error=error_text(exc), form=form.dict(), status=exc.http_status
        )
    messages.success(request, _("Review saved."))
    return HttpResponseRedirect(reverse("materials:item", kwargs={"pk": material_pk}))


@login_required
@require_POST
def finish_round(request: HttpRequest, case_id: int) -> HttpResponse:
    from licensedesk.web.cases.selectors import case_get_visible_to

    try:
        case = case_get_visible_to(user=request.user, case_id=case_id)
    except NotFound:
        raise Http404("no such case") from None
    try:
        finished = services.review_round_finish(case=case, actor=request.user)
    except ApplicationError as exc:
        return _checklist_response(request, case_id, error=error_text(exc), status=exc.http_status)
    if finished.emailed_to:
        notice = _("Review round %(number)s finished; the client was emailed (%(to)s).") % {
            "number": finished.number,
            "to": ", ".join(finished.emailed_to),
        }
    else:
        notice = _("Review round %(number)s finished; the client has no email address to write to.") % {
            "number": finished.number
        }
    messages.success(request, notice)
    if request.htmx:
        return _checklist_response(request, case_id)
    return HttpResponseRedirect(_next(request, reverse("materials:checklist", kwargs={"case_id": case_id})))


# -- download -------------------------------------------------------------------------------------------


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    try:
        file = selectors.file_for_download(user=request.user, file_id=pk)
    except NotFound:
        raise Http404("no such file") from None
    services.file_download_record(file=file, actor=request.user)
    response = FileResponse(
        storage.open_stored(file.storage_name),
        as_attachment=True,
        filename=file.original_name,
        content_type=file.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
