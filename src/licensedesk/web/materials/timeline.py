"""The materials app's events on the case timeline, in the active language.

Registered with :func:`licensedesk.web.cases.timeline.register_description` from
:meth:`MaterialsConfig.ready`. Events carry the material's checklist id; its title comes from the
catalog of the case's rule version (no query), the rejection reason's wording from
:mod:`licensedesk.web.materials.reasons`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.display import Lang
from licensedesk.web.cases.timeline import Names, register_description
from licensedesk.web.materials.reasons import BY_CODE
from licensedesk.web.materials.services import material_spec


def material_title(names: Names, material_id: Any, lang: Lang) -> str:
    """The material's title in ``lang`` from the case's catalog version, else its id."""
    spec = material_spec(names.case, str(material_id or ""))
    if spec is None:
        return str(material_id or "?")
    return getattr(spec.title, lang)


def _title(event: AuditEvent, names: Names, lang: Lang) -> dict[str, str]:
    return {"material": material_title(names, (event.data or {}).get("material"), lang)}


def _uploaded(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data, after = event.data or {}, event.after or {}
    files = data.get("files") or []
    detail = ("、" if lang == "zh" else ", ").join(str(f.get("name", "")) for f in files)
    return _("Uploaded version %(version)s of “%(material)s”") % {
        **_title(event, names, lang),
        "version": after.get("version", "?"),
    }, detail


def _review_started(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    return _("Started reviewing “%(material)s”") % _title(event, names, lang), ""


def _accepted(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data = event.data or {}
    until = data.get("accepted_until")
    detail = _("valid until %(day)s") % {"day": until} if until else ""
    return _("Accepted version %(version)s of “%(material)s”") % {
        **_title(event, names, lang),
        "version": data.get("version", "?"),
    }, detail


def _rejected(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data = event.data or {}
    reason = BY_CODE.get(str(data.get("reason", "")))
    words = reason.zh if reason and lang == "zh" else (reason.en if reason else str(data.get("reason", "")))
    detail = f"{words}: {data['text']}" if data.get("text") else words
    return _("Rejected version %(version)s of “%(material)s”") % {
        **_title(event, names, lang),
        "version": data.get("version", "?"),
    }, detail


def _round_finished(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data, after = event.data or {}, event.after or {}
    rejected = len(data.get("rejected") or [])
    accepted = len(data.get("accepted") or [])
    detail = ngettext(
        "%(accepted)s accepted, %(rejected)s to redo",
        "%(accepted)s accepted, %(rejected)s to redo",
        accepted,
    ) % {"accepted": accepted, "rejected": rejected}
    emailed = data.get("emailed_to") or []
    if emailed:
        detail += " · " + _("emailed to %(to)s") % {"to": ", ".join(emailed)}
    return _("Finished review round %(number)s") % {"number": after.get("round", "?")}, detail


def _expired(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data = event.data or {}
    return _("“%(material)s” expired") % _title(event, names, lang), _("accepted until %(day)s") % {
        "day": data.get("accepted_until", "—")
    }


def _checklist_synced(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    after = event.after or {}
    added = after.get("added") or []
    detail = (
        ("、" if lang == "zh" else ", ").join(material_title(names, m, lang) for m in added) if added else ""
    )
    if (event.data or {}).get("case_type"):  # a duty case's checklist, set when it started
        return _("Set the materials checklist of this case"), detail
    return _("Updated the materials checklist from the eligibility check"), detail


def _downloaded(event: AuditEvent, names: Names, lang: Lang) -> tuple[str, str]:
    data = event.data or {}
    return _("Downloaded a file of “%(material)s” (version %(version)s)") % {
        **_title(event, names, lang),
        "version": data.get("version", "?"),
    }, ""


def register() -> None:
    """Tell the case timeline how to say the materials events."""
    register_description("material.uploaded", _uploaded)
    register_description("material.review_started", _review_started)
    register_description("material.accepted", _accepted)
    register_description("material.rejected", _rejected)
    register_description("material.review_round_finished", _round_finished)
    register_description("material.expired", _expired)
    register_description("material.checklist_synced", _checklist_synced)
    register_description("material.file_downloaded", _downloaded)
