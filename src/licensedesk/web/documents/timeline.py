"""The documents app's events on the case timeline, in the active language (registered from
:meth:`DocumentsConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from licensedesk.core.documents.definitions import load_definitions
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.display import Lang
from licensedesk.web.cases.timeline import Names, register_description
from licensedesk.web.documents.fields import data_field_label, missing_label


def _document_title(names: Names, doc_id: str, lang: Lang) -> str:
    try:
        return getattr(load_definitions(names.case.license_id).get(doc_id).title, lang)
    except KeyError:
        return doc_id


def _join(lang: Lang, items: list[str]) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


def _data_saved(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    changed = [data_field_label(p) for p in (event.after or {})]
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


# why a run failed, by its error code, in words (the code itself never reaches the timeline)
_FAILURE_TEXT = {
    "documents.generation_error": gettext_lazy("an unexpected error; it was logged for the administrator"),
    "documents.profile_invalid": gettext_lazy("the company profile has errors"),
    "documents.data_invalid": gettext_lazy("the document data has errors"),
    "documents.bundle_invalid": gettext_lazy("a material file could not be put in the bundle"),
}


def _failed(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data = event.data or {}
    missing = sorted({p for paths in (data.get("missing") or {}).values() for p in paths})
    if missing:
        detail = _("missing: %(fields)s") % {
            "fields": _join(lang, list(dict.fromkeys(missing_label(p, lang) for p in missing)))
        }
    else:
        code = str(data.get("code", ""))
        reason = _FAILURE_TEXT.get(code) or (
            _("the agency's template could not be used")
            if code.startswith("documents.template")
            else _("the reason is shown in the documents panel")
        )
        detail = str(reason)
    return _("Document generation failed"), detail


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
