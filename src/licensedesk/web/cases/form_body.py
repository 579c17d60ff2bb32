"""Refuse a form POST whose body Django could not read, before anything is saved from it.

Django reads a request body only up to ``Content-Length``: a chunked upload (``Transfer-Encoding:
chunked``, no length) reaches the view as an empty form, and so does a body in a content type that is
not a form. A profile editor that took that empty form at its word would save an empty draft or wipe the
fields it did not receive. Every profile form carries a hidden marker input the page always renders
(the portal section's ``version``, the staff editor's ``schema_version``): a POST without it is not the
form the page sent, whatever the reason, and is refused with 400 and nothing changed.
"""

from __future__ import annotations

from django.http import HttpRequest

from licensedesk.core.errors import InvalidInput

FORM_UNREADABLE = "request.form_unreadable"
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _unreadable(reason: str) -> InvalidInput:
    return InvalidInput(
        "The form could not be read (its body was empty, chunked or not a form); nothing was changed. "
        "Reload the page and submit it again.",
        code=FORM_UNREADABLE,
        message_zh="无法读取提交的表单（内容为空、分块传输或格式不对），未做任何修改。请刷新页面后重新提交。",
        details={"reason": reason},
    )


def ensure_form_body(request: HttpRequest, *, marker: str) -> None:
    """Raise ``request.form_unreadable`` unless ``request.POST`` holds the form the page sent: a body with
    a length (not chunked), a form content type, and the form's ``marker`` input."""
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    if chunked and not request.META.get("CONTENT_LENGTH"):
        raise _unreadable("chunked")
    content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if content_type not in FORM_CONTENT_TYPES:
        raise _unreadable("content_type")
    if marker not in request.POST:
        raise _unreadable("marker_missing")
