"""What a case does for its license: the first application, or a duty of a license already held (the
annual report, a change filing, the renewal), as the catalog declares them per rule version
(``case_types`` in ``license.yaml``; see :class:`licensedesk.core.catalog.models.CaseType`).

The pages name a case's type from here; the catalog gives each duty case type its own stages, materials,
documents and the case page's blocks that make sense for it.
"""

from __future__ import annotations

from typing import Any

from licensedesk.core.catalog.loader import LookupProblem, default_catalog
from licensedesk.core.catalog.models import CaseType, Text
from licensedesk.core.documents.definitions import LicenseDocuments
from licensedesk.core.labels import field_label
from licensedesk.core.workflow import APPLICATION
from licensedesk.web.cases.display import Lang, current_lang

#: the first application's name (the duty case types take theirs from the catalog)
APPLICATION_TITLE = Text(zh="许可申请", en="Application")


def case_type_spec(case: Any) -> CaseType | None:
    """The catalog's declaration of the case's type (None for an application or an unknown one)."""
    if case.case_type == APPLICATION:
        return None
    try:
        version = default_catalog().version(case.license_id, case.ruleset_version).version
    except LookupProblem:
        return None
    return version.case_type(case.case_type)


def case_type_title(case_type: str, license_id: str = "", lang: Lang | None = None) -> str:
    """The case type's name in ``lang`` (the catalog's title; "Application" for the first one)."""
    lang = lang or current_lang()
    if case_type == APPLICATION:
        return getattr(APPLICATION_TITLE, lang)
    for lic in default_catalog().licenses():
        if license_id and lic.id != license_id:
            continue
        for version in reversed(lic.versions):
            declared = version.case_type(case_type)
            if declared is not None:
                return getattr(declared.title, lang)
    return case_type


def case_type_choices(lang: Lang | None = None) -> list[tuple[str, str]]:
    """The application first, then every case type the catalog declares, each once."""
    lang = lang or current_lang()
    seen: dict[str, str] = {APPLICATION: case_type_title(APPLICATION, lang=lang)}
    for lic in default_catalog().licenses():
        for version in reversed(lic.versions):
            for declared in version.case_types:
                seen.setdefault(declared.id, getattr(declared.title, lang))
    return list(seen.items())


def case_documents(case: Any, definitions: LicenseDocuments) -> LicenseDocuments:
    """The license's document definitions a case drafts: all of them for an application, the case
    type's ``documents`` for a duty case (a renewal drafts its letter, not a business plan)."""
    spec = case_type_spec(case)
    if spec is None:
        return definitions
    kept = tuple(d for d in definitions.documents if d.id in spec.documents)
    return definitions.model_copy(update={"documents": kept})


def _service_titles(case: Any, ids: list[str], lang: Lang) -> list[str]:
    try:
        version = default_catalog().version(case.license_id, case.ruleset_version).version
    except LookupProblem:
        return list(ids)
    titles = {s.id: getattr(s.title, lang) for s in version.services}
    return [titles.get(i, i) for i in ids]


def duty_case_view(case: Any, lang: Lang | None = None) -> dict[str, Any] | None:
    """What the case page and the portal show of a duty case: its type, what the client must do and
    where it is filed (the catalog's words), the license it is for and what was prefilled from the
    license and the profile (``Case.duty_details``). None for an application."""
    spec = case_type_spec(case)
    if spec is None:
        return None
    lang = lang or current_lang()
    details = case.duty_details or {}
    return {
        "title": getattr(spec.title, lang),
        "client_task": getattr(spec.client_task, lang),
        "channel": getattr(spec.channel, lang) if spec.channel else "",
        "license_pk": case.subject_license_id,
        "renewal": case.case_type == "renewal",
        "details": details,
        "services": _service_titles(case, details.get("services") or [], lang),
        "services_not_launched": _service_titles(case, details.get("services_not_launched") or [], lang),
        "changed_fields": [field_label(p, lang) for p in details.get("changed_fields") or []],
    }
