"""The documents app's events on the case timeline, in the active language (registered from
:meth:`DocumentsConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from licensedesk.core.documents.definitions import load_definitions
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.display import Lang
from licensedesk.web.cases.timeline import Names, register_description
from licensedesk.web.documents.fields import BY_PATH


def _document_title(names: Names, doc_id: str, lang: Lang) -> str:
    try:
        return getattr(load_definitions(names.case.license_id).get(doc_id).title, lang)
    except KeyError:
        return doc_id


def _join(lang: Lang, items: list[str]) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


def _data_saved(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    changed = [str(BY_PATH[p].label) if p in BY_PATH else p for p in (event.after or {})]
    return _("Saved the document data"), _join(lang, changed)


def _requested(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data = event.data or {}
    only = [_document_title(names, d, lang) for d in data.get("only") or []]
    if data.get("bundle"):
        return _("Requested the submission bundle"), ""
    if only:
        return _("Requested the generation of documents"), _join(lang, only)
    return _("Requested the generation of all documents"), ""


def _generated(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    docs = [_document_title(names, d, lang) for d in (event.data or {}).get("documents") or {}]
    text = ngettext("Generated %(count)s document", "Generated %(count)s documents", len(docs))
    return text % {"count": len(docs)}, _join(lang, docs)


def _failed(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data = event.data or {}
    missing = sorted({p for paths in (data.get("missing") or {}).values() for p in paths})
    return _("Document generation failed"), _join(lang, missing) if missing else str(data.get("code", ""))


def _interrupted(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data = event.data or {}
    return _("Document generation was interrupted"), f"{data.get('done', 0)} / {data.get('total', 0)}"


def _bundle_built(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data = event.data or {}
    return _("Built the submission bundle (%(files)s files)") % {"files": data.get("files", 0)}, str(
        (event.after or {}).get("sha256", "")
    )[:16]


def _downloaded(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data = event.data or {}
    return _("Downloaded “%(document)s” (%(format)s)") % {
        "document": _document_title(names, str(data.get("document", "")), lang),
        "format": str(data.get("format", "")).upper(),
    }, ""


def _bundle_downloaded(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    return _("Downloaded the submission bundle"), str((event.data or {}).get("sha256", ""))[:16]


def register() -> None:
    register_description("documents.data_saved", _data_saved)
    register_description("documents.generation_requested", _requested)
    register_description("documents.generated", _generated)
    register_description("documents.generation_failed", _failed)
    register_description("documents.generation_interrupted", _interrupted)
    register_description("documents.bundle_built", _bundle_built)
    register_description("documents.file_downloaded", _downloaded)
    register_description("documents.bundle_downloaded", _bundle_downloaded)
