"""Input every operation refuses before it is parsed: text with NUL characters, which PostgreSQL cannot
store or compare (the query would fail with a server error)."""

from __future__ import annotations

from django.http import HttpRequest

from licensedesk.core.errors import InvalidInput

NUL_CODE = "api.nul_character"


def _refused(where: str) -> InvalidInput:
    return InvalidInput(
        f"The request contains a NUL character ({where}); text may not contain it.",
        code=NUL_CODE,
        message_zh=f"请求中含有 NUL 字符（{where}），文本中不能包含该字符。",
        details={"field": where},
    )


def refuse_nul(request: HttpRequest) -> None:
    """Query parameters and JSON bodies (an upload's multipart body is left to the upload parser,
    which never reads text into the database, and must not be read here: it streams)."""
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in v for v in values):
            raise _refused(name.replace("\x00", "") or "query")
    if request.content_type == "application/json" and (b"\\u0000" in request.body or b"\x00" in request.body):
        raise _refused("body")
