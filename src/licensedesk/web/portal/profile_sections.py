"""The company profile edited one section at a time (``company``, ``service``, ``readiness``: the
contract's top-level objects, and ``extensions``: the license-specific facts of the company's licenses,
rendered from each license's catalog section), on top of the staff profile editor's form builder
(:mod:`licensedesk.web.cases.profile_form`): the same inputs, names, labels and three-valued answers,
and the same rule that whether a value is valid is decided by the contract validation, as in the CLI.

What this module adds is the cut: which submitted inputs belong to a section, how a section's answers
replace that section of the current profile, and which problems belong to which section.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from licensedesk.core.labels import field_label
from licensedesk.web.cases.profile_form import (
    EXTENSIONS,
    ROW_ACTION,
    BoundGroup,
    build_form,
    extension_specs,
    form_to_profile,
)
from licensedesk.web.portal.models import ProfileSection

#: every section a client may fill in (``extensions`` only where one of their licenses has a section)
SECTIONS: tuple[str, ...] = tuple(ProfileSection.values)
#: the contract's three sections, always offered
_CONTRACT_SECTIONS = tuple(s for s in SECTIONS if s != EXTENSIONS)


def sections_for(licenses: Sequence[str]) -> list[str]:
    """The sections offered to a company whose cases are for ``licenses``: the contract's three, and
    the license-specific facts when one of these licenses declares a section."""
    shown = list(_CONTRACT_SECTIONS)
    if extension_specs(licenses) is not None:
        shown.append(EXTENSIONS)
    return shown


def section_title(section: str, lang: str) -> str:
    return field_label(section, lang)


def section_of(path: str) -> str:
    """The section a contract path belongs to (``company.shareholders[0].name`` → ``company``)."""
    head = path.split(".", 1)[0]
    return head.split("[", 1)[0]


def _in_section(name: str, section: str) -> bool:
    return name == section or name.startswith((section + ".", section + "[", section + ":"))


@dataclass(frozen=True)
class SectionInput:
    """What was submitted for one section: its answers as contract JSON (unchecked: text that does not
    parse is kept for the validation to name), the empty rows to show again, and the row button pressed
    (``add:…`` / ``remove:…``), if any."""

    data: dict[str, Any]
    blank_rows: dict[str, int] = field(default_factory=dict)
    row_action: str = ""


def section_input(section: str, post: Mapping[str, Sequence[str]]) -> SectionInput:
    """Read ``section``'s inputs out of a submission (``request.POST.lists()`` as a dict); inputs of other
    sections are ignored."""
    own = {name: list(values) for name, values in post.items() if _in_section(name, section)}
    action = next((v for v in post.get(ROW_ACTION, ()) if _in_section(v.split(":", 1)[-1], section)), "")
    if action:
        own[ROW_ACTION] = [action]
    parsed = form_to_profile(own)
    data = parsed.profile.get(section)
    return SectionInput(
        data=copy.deepcopy(data) if isinstance(data, dict) else {},
        blank_rows={k: v for k, v in parsed.blank_rows.items() if _in_section(k, section)},
        row_action=parsed.row_action,
    )


def merge_section(profile: Mapping[str, Any], section: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The profile with ``section`` replaced by ``data``; an emptied optional section becomes absent
    (not known), the other sections and top-level fields stay as they are."""
    merged = copy.deepcopy(dict(profile))
    if data or section == ProfileSection.COMPANY:
        merged[section] = copy.deepcopy(dict(data))
    else:
        merged.pop(section, None)
    return merged


@dataclass
class SectionForm:
    """One section of the editor, ready to render: its bound inputs (with their errors) and the problems
    of the section that name no input."""

    section: str
    group: BoundGroup
    errors: list[str]
    has_errors: bool
    #: the hidden input's value: extension facts this form does not show (other licenses'), as JSON
    kept_extensions: str = ""


def section_form(
    profile: Mapping[str, Any],
    section: str,
    *,
    lang: str,
    problems: Sequence[Mapping[str, Any]] = (),
    blank_rows: Mapping[str, int] | None = None,
    row_action: str = "",
    licenses: Sequence[str] | None = None,
) -> SectionForm:
    """The inputs of ``section`` showing ``profile`` (the current profile with the draft or the submitted
    answers merged in), each problem of the section next to its input; ``licenses``: the licenses whose
    sections ``extensions`` shows (default: all)."""
    own = [p for p in problems if section_of(str(p.get("path", ""))) == section]
    foreign = [p for p in problems if p not in own]
    form = build_form(
        profile, lang=lang, problems=own, blank_rows=blank_rows, row_action=row_action, licenses=licenses
    )
    group = next(g for g in form.sections if g.spec.key == section)
    errors = list(form.errors)
    # A problem elsewhere in the profile cannot be fixed here; say where it is rather than hide it.
    errors += [f"{p.get('path') or '—'}: {p.get('message', '')}" for p in foreign]
    return SectionForm(
        section=section,
        group=group,
        errors=errors,
        has_errors=bool(problems),
        kept_extensions=form.kept_extensions if section == EXTENSIONS else "",
    )
