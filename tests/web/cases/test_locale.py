"""Simplified Chinese first: every English text the staff screens show has its Chinese translation.

The messages are read from the templates and modules the way ``makemessages`` reads them (Django's
``templatize``, then a Python gettext extractor — Babel's, so no GNU gettext is needed), and each is
looked up in the compiled catalogs through Django, as the pages do.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation.template import templatize

import licensedesk.web

WEB = Path(licensedesk.web.__file__).resolve().parent
TEMPLATES = sorted(
    [
        *(WEB / "cases" / "templates").rglob("*.html"),
        *(WEB / "templates" / name for name in ("base.html", "403.html", "404.html", "home_client.html")),
        WEB / "templates" / "registration" / "login.html",
    ]
)
MODULES = [WEB / "cases" / name for name in ("views.py", "forms.py", "timeline.py", "display.py")]
KEYWORDS = {"_": None, "gettext": None, "gettext_lazy": None, "pgettext": ((1, "c"), 2)}


def _messages(source: str) -> list[str]:
    found = extract_python(io.BytesIO(source.encode("utf-8")), KEYWORDS, [], {})
    return [message for _, _, message, _ in found if isinstance(message, str) and message]


def _all_messages() -> list[tuple[str, str]]:
    pairs = []
    for path in TEMPLATES:
        source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        pairs += [(path.name, message) for message in _messages(source)]
    for path in MODULES:
        pairs += [(path.name, message) for message in _messages(path.read_text(encoding="utf-8"))]
    return pairs


def test_the_extraction_finds_the_messages() -> None:
    messages = {message for _, message in _all_messages()}
    expected = {"Board", "Move to %(stage)s", "Eligibility checked: %(verdict)s", "Reason for withdrawing"}
    assert expected <= messages
    assert len(messages) > 150


@pytest.mark.parametrize(("where", "message"), _all_messages(), ids=lambda value: str(value)[:40])
def test_every_message_has_a_chinese_translation(where: str, message: str) -> None:
    with translation.override("zh-hans"):
        chinese = gettext(message)
    assert chinese != message, f"{where}: {message!r} is not translated"
    assert message.count("%(") == chinese.count("%("), f"{where}: placeholders differ in {chinese!r}"
