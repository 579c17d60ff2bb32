"""The portal's pages: thin — read the input, call a selector or a service, render. An application error
becomes a bilingual page with its status (403 for a role that may not, 404 for what the user may not
see, 410 for a link that no longer works), never a traceback and never another tenant's data."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from licensedesk.core.errors import (
    ApplicationError,
    ConcurrencyError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from licensedesk.web.cases.case_types import duty_case_view
from licensedesk.web.cases.clocks import clocks_for_case
from licensedesk.web.cases.form_body import ensure_form_body
from licensedesk.web.cases.selectors import case_get_visible_to, is_staff_reader
from licensedesk.web.cases.services import USCC_DUPLICATE, USCC_UNUSABLE, note_create
from licensedesk.web.portal import selectors, services
from licensedesk.web.portal.emails import served_base_url
from licensedesk.web.portal.forms import AcceptForm, InviteForm, ReplyForm, apply_error
from licensedesk.web.portal.profile_sections import (
    merge_section,
    section_form,
    section_input,
    section_title,
    sections_for,
)
from licensedesk.web.portal.templatetags.portal_tags import current_lang, error_text

GONE = 410
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
LINK_GONE_CODES = frozenset({"invitation.expired", "invitation.used", "invitation.superseded"})


def error_page(request: HttpRequest, error: ApplicationError, *, status: int | None = None) -> HttpResponse:
    return render(request, "portal/error.html", {"error": error}, status=status or error.http_status)


def shows_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An application error escaping the view is answered with the error page (HTML, not the JSON the
    project-wide middleware would send)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as error:
            return error_page(request, error)

    return wrapper


def _staff_only() -> PermissionDenied:
    return PermissionDenied(
        "Only agency staff invite clients.",
        code="permission.wrong_role",
        message_zh="只有机构员工可以邀请客户。",
    )


# -- the client's pages ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
@shows_errors
def home(request: HttpRequest) -> HttpResponse:
    cases = selectors.portal_cases(user=request.user)
    return render(request, "portal/home.html", {"cases": cases})


@login_required
@require_http_methods(["GET"])
@shows_errors
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.portal_case(user=request.user, case_id=pk)
    return _case_page(request, item, ReplyForm())


def _case_page(request: HttpRequest, item: Any, reply_form: ReplyForm, *, status: int = 200) -> HttpResponse:
    """The client's case page: progress, the materials checklist's progress (with the link to the
    materials page), the documents to sign, the messages."""
    from licensedesk.web.documents.selectors import documents_panel
    from licensedesk.web.materials.selectors import checklist_for

    context = {
        "item": item,
        "reply_form": reply_form,
        "case": item.case,
        "checklist": checklist_for(user=request.user, case_id=item.case.pk, case=item.case),
        "documents": documents_panel(user=request.user, case=item.case, lang=current_lang()),
        # only the clocks the client must meet (a correction's due date): the authority's clocks, their
        # practice variants and counting notes are the agency's working detail
        "client_clocks": [
            c
            for c in clocks_for_case(case=item.case, today=timezone.localdate())
            if c.running and c.actor == "client"
        ],
        # a duty case (annual report, change, renewal): what the client must do, and for which license
        "duty": duty_case_view(item.case),
    }
    return render(request, "portal/case.html", context, status=status)


@login_required
@require_POST
@shows_errors
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.portal_case(user=request.user, case_id=pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            note_create(case=item.case, author=request.user, body=form.cleaned_data["body"])
        except InvalidInput as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Your message was sent to your consultant."))
            return redirect(reverse("portal:case", kwargs={"pk": pk}) + "#messages")
    return _case_page(request, item, form, status=400)


@login_required
@require_http_methods(["GET"])
@shows_errors
def profile(request: HttpRequest) -> HttpResponse:
    company = selectors.portal_company(user=request.user)
    drafts = selectors.profile_drafts(company=company)
    lang = current_lang()
    sections = [
        {"id": section, "title": section_title(section, lang), "draft": drafts.get(section)}
        for section in sections_for(selectors.portal_license_ids(user=request.user))
    ]
    return render(request, "portal/profile.html", {"company": company, "sections": sections})


def _section_page(
    request: HttpRequest,
    company: Any,
    section: str,
    shown_profile: dict[str, Any],
    *,
    problems: list[dict[str, Any]] | None = None,
    blank_rows: dict[str, int] | None = None,
    row_action: str = "",
    draft: Any = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    lang = current_lang()
    licenses = selectors.portal_license_ids(user=request.user)
    form = section_form(
        shown_profile,
        section,
        lang=lang,
        problems=problems or (),
        blank_rows=blank_rows,
        row_action=row_action,
        licenses=licenses,
    )
    context = {
        "company": company,
        "section": section,
        "title": section_title(section, lang),
        "form": form,
        "draft": draft,
        "draft_outdated": draft is not None and draft.base_version != company.version,
        "notice": notice,
        "sections": [(s, section_title(s, lang)) for s in sections_for(licenses)],
    }
    return render(request, "portal/profile_section.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@shows_errors
def profile_section(request: HttpRequest, section: str) -> HttpResponse:
    if section not in sections_for(selectors.portal_license_ids(user=request.user)):
        raise NotFound(
            "No such profile section.", code="profile.section_not_found", message_zh="没有该档案部分。"
        )
    company = selectors.portal_company(user=request.user)
    if request.method == "GET":
        draft = selectors.profile_drafts(company=company).get(section)
        shown = merge_section(company.profile, section, draft.data) if draft else company.profile
        return _section_page(request, company, section, shown, draft=draft)

    ensure_form_body(request, marker="version")  # before anything, even the draft, is saved from it
    typed = section_input(section, dict(request.POST.lists()))
    # What was typed is kept first, whatever happens to the submission.
    draft = services.profile_draft_save(company=company, section=section, data=typed.data, actor=request.user)
    shown = merge_section(company.profile, section, typed.data)
    if typed.row_action:
        return _section_page(
            request,
            company,
            section,
            shown,
            blank_rows=typed.blank_rows,
            row_action=typed.row_action,
            draft=draft,
        )
    if request.POST.get("action") != "submit":
        messages.success(request, _("Draft saved. Submit the section when it is complete."))
        return redirect("portal:profile_section", section=section)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        services.profile_section_submit(
            company=company, section=section, data=typed.data, actor=request.user, expected_version=version
        )
    except ConcurrencyError as error:
        return _section_page(
            request,
            company,
            section,
            shown,
            draft=draft,
            notice=error_text(error),
            status=409,
        )
    except InvalidInput as error:
        # contract problems carry their paths; a refusal about one field (a USCC another client of
        # the agency has) is put at that field
        field = "company.uscc" if error.code in (USCC_DUPLICATE, USCC_UNUSABLE) else ""
        problems = error.details.get("problems") or [{"path": field, "message": error_text(error)}]
        return _section_page(
            request,
            company,
            section,
            shown,
            problems=problems,
            blank_rows=typed.blank_rows,
            draft=draft,
            status=400,
        )
    messages.success(request, _("The section was saved to your company profile."))
    return redirect("portal:profile")


# -- staff: invitations ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@shows_errors
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_get_visible_to(user=request.user, case_id=pk)
    if not is_staff_reader(request.user):
        raise _staff_only()
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    case=case,
                    email=form.cleaned_data["email"],
                    actor=request.user,
                    base_url=served_base_url(request),
                )
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                back = request.POST.get("next", "")  # the case page's invite form comes back there
                if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
                    return redirect(back)
                return redirect("portal:invite", pk=case.pk)
        status = 400
    invitations = selectors.invitations_for_case(user=request.user, case=case)
    context = {"case": case, "form": form, "invitations": invitations}
    return render(request, "portal/invite.html", context, status=status)


@login_required
@require_POST
@shows_errors
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.invitation_get_for_staff(user=request.user, invitation_id=pk)
    try:
        new = services.invitation_resend(
            invitation=invitation, actor=request.user, base_url=served_base_url(request)
        )
    except InvalidInput as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("A new link was sent to %(email)s.") % {"email": new.email})
    return redirect("portal:invite", pk=invitation.case_id)


# -- the invited person ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation email. Works without signing in (that is its point); someone signed in
    as anybody but the invited person is refused before anything is shown."""
    try:
        invitation = selectors.invitation_by_token(token=token)
        viewer = request.user if request.user.is_authenticated else None
        services.invitation_check_viewer(invitation=invitation, viewer=viewer)
    except ApplicationError as error:
        return error_page(request, error)
    gone = services.unusable_reason(invitation)
    if gone is not None:
        if viewer is not None and invitation.accepted_by_id == viewer.pk:  # their own link, used: go on
            return redirect("portal:case", pk=invitation.case_id)
        return error_page(request, gone, status=GONE)
    services.invitation_open(invitation=invitation)
    has_account = viewer is None and selectors.invitation_has_account(invitation=invitation)
    form = AcceptForm(request.POST or None) if viewer is None and not has_account else None
    status = 200
    if request.method == "POST" and not has_account:
        if form is None or form.is_valid():
            try:
                user = services.invitation_accept(
                    invitation=invitation,
                    display_name=form.cleaned_data["display_name"] if form else "",
                    password=form.cleaned_data["password1"] if form else "",
                    signed_in=viewer,
                )
            except InvalidInput as error:
                if error.code in LINK_GONE_CODES:
                    return error_page(request, error, status=GONE)
                if form is None:
                    return error_page(request, error)
                apply_error(form, error)
            else:
                if viewer is None:
                    login(request, user, backend=MODEL_BACKEND)
                messages.success(request, _("Welcome. This is your company's application."))
                return redirect("portal:case", pk=invitation.case_id)
        status = 400
    context = {
        "invitation": invitation,
        "form": form,
        "viewer": viewer,
        "has_account": has_account,
        "login_url": reverse("login") + "?next=" + request.path,
    }
    return render(request, "portal/accept.html", context, status=status)
