"""The gettext catalogs of the web apps, read as Django reads them.

Django merges every app's catalog into one per language, and for a message id that two catalogs
translate, the app listed first in INSTALLED_APPS wins — silently. The materials review page said
"接受" (the portal's word for accepting an invitation) instead of "通过" that way. A message id that must
read differently in two places needs a context (``{% translate "Accept" context "material review" %}``).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from babel.messages.pofile import read_po
from django.utils import translation

from licensedesk.web.translations import WEB_DIR, po_files


def _catalog_name(po: Path) -> str:
    return str(po.relative_to(WEB_DIR).parent.parent.parent.parent) or "project"


def test_no_message_is_translated_two_ways_in_two_catalogs() -> None:
    translations: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for po in po_files():
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            text = message.string if isinstance(message.string, str) else message.string[0]
            if msgid and text:
                translations[(message.context, msgid)][_catalog_name(po)] = text
    clashes = {key: by_app for key, by_app in translations.items() if len(set(by_app.values())) > 1}
    assert clashes == {}


def test_the_material_review_words_are_the_materials_apps_own() -> None:
    with translation.override("zh-hans"):
        assert translation.pgettext("material review", "Accept") == "通过"
        assert translation.pgettext("material review", "Accepted by") == "审核通过："
        assert translation.pgettext("material", "Not required") == "非必需"
        assert translation.gettext("Accept") == "接受"  # the portal's invitation button keeps its word
