"""The navigator page (back office): the questions, the result with reasons and bases, and "open cases
for these licenses" for one of the agency's client companies. For agency staff only (a client user
gets 403). Answering is a GET (it changes nothing, and a result can be bookmarked or shared with a
colleague); opening the cases is a POST, then a redirect to the company."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from licensedesk.core.errors import ApplicationError
from licensedesk.core.navigator.answers import Answers
from licensedesk.core.navigator.navigate import KIND_LABELS, NavigatorResult
from licensedesk.web.cases.display import current_lang, error_text, license_choices
from licensedesk.web.cases.selectors import is_staff_reader
from licensedesk.web.navigator import selectors, services
from licensedesk.web.navigator.forms import AnswersForm, OpenCasesForm, form_data_from_answers


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_reader(request.user):
            raise DjangoPermissionDenied(_("These pages are for agency staff."))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _rows(result: NavigatorResult) -> dict[str, Any]:
    """The result in the reader's language, for the template."""
    lang = current_lang()
    needs = [
        {
            "license": need.license,
            "name": need.name_zh if lang == "zh" else need.name_en,
            "kind": KIND_LABELS[need.kind][lang],
            "tier": need.tier_zh if lang == "zh" else need.tier_en,
            "why": need.why_zh if lang == "zh" else need.why_en,
            "citations": [
                c.text if lang == "zh" else ", ".join(filter(None, [c.title_en, c.article]))
                for c in need.citations
            ],
            "in_catalog": need.in_catalog,
            "uncertain": need.certainty in ("W", "U"),
        }
        for need in result.needs
    ]
    not_needed = [
        {
            "name": item.name_zh if lang == "zh" else item.name_en,
            "why": item.why_zh if lang == "zh" else item.why_en,
        }
        for item in result.not_needed
    ]
    return {"needs": needs, "not_needed": not_needed}


def _open_form(
    request: HttpRequest, answers: Answers, result: NavigatorResult, data: Any = None
) -> OpenCasesForm:
    openable = [
        (n.license, n.name_zh if current_lang() == "zh" else n.name_en) for n in result.needs if n.in_catalog
    ]
    form = OpenCasesForm(
        data,
        companies=selectors.navigator_companies(user=request.user),
        licenses=openable if data is None else license_choices(),
        initial={"answers": answers.model_dump_json(), "licenses": [lid for lid, _ in openable]},
        auto_id="open-%s",
    )
    form.openable = openable  # type: ignore[attr-defined]  # what the page offers to tick
    return form


def _page(
    request: HttpRequest,
    form: AnswersForm,
    *,
    answers: Answers | None = None,
    open_form: OpenCasesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "result": None, "open_form": None}
    if answers is not None:
        result = selectors.navigator_result(answers=answers)
        context["result"] = _rows(result)
        context["open_form"] = open_form or _open_form(request, answers, result)
        if open_form is not None:
            open_form.openable = [  # type: ignore[attr-defined]
                (n.license, n.name_zh if current_lang() == "zh" else n.name_en)
                for n in result.needs
                if n.in_catalog
            ]
    return render(request, "navigator/navigator.html", context, status=status)


@staff_required
@require_GET
def navigator_page(request: HttpRequest) -> HttpResponse:
    if "province" not in request.GET:
        return _page(request, AnswersForm())
    form = AnswersForm(request.GET)
    answers = form.answers() if form.is_valid() else None
    return _page(request, form, answers=answers, status=200 if answers or not form.errors else 400)


@staff_required
@require_POST
def navigator_open(request: HttpRequest) -> HttpResponse:
    form = OpenCasesForm(
        request.POST,
        companies=selectors.navigator_companies(user=request.user),
        licenses=license_choices(),
        auto_id="open-%s",
    )
    if form.is_valid():
        company = form.cleaned_data["company"]
        try:
            cases = services.navigator_open_cases(
                company=company,
                license_ids=form.cleaned_data["licenses"],
                answers=form.cleaned_data["answers"],
                actor=request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                ngettext("%(count)d case opened.", "%(count)d cases opened.", len(cases))
                % {"count": len(cases)},
            )
            return redirect("cases:company_detail", pk=company.pk)
    answers = form.cleaned_data.get("answers") if hasattr(form, "cleaned_data") else None
    if not isinstance(answers, Answers):
        return _page(request, AnswersForm(), status=400)
    questions = AnswersForm(form_data_from_answers(answers))
    questions.is_valid()
    return _page(request, questions, answers=answers, open_form=form, status=400)
