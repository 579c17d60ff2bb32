"""The case-data fields the documents need beyond the company profile, as the case page's form shows
them: each path of the case file (:class:`licensedesk.core.documents.case.CaseData`), its label and the
kind of input. Labels are English msgids translated in this app's catalog (Chinese first on the page).

A missing-data path from :class:`~licensedesk.core.documents.errors.DocumentDataMissing` is
``case.<path>`` for these fields; ``company.*``/``service.*`` paths belong to the company profile and
are labelled by :func:`licensedesk.core.labels.field_label`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from licensedesk.core.labels import field_label

Kind = Literal["text", "long_text", "date", "amount", "area", "days", "email", "uscc"]


@dataclass(frozen=True)
class CaseField:
    path: str  # in the case file: "agency.name"
    label: Promise
    kind: Kind = "text"
    group: str = ""

    @property
    def name(self) -> str:
        """The form field's name (a path with dots cannot be a template attribute)."""
        return self.path.replace(".", "__")

    @property
    def missing_path(self) -> str:
        return f"case.{self.path}"


GROUPS: dict[str, Promise] = {
    "case": _("Application"),
    "agency": _("Agency"),
    "contract": _("Commission contract"),
    "contact": _("Contact person for the application"),
    "service": _("Service, site and facilities"),
    "people": _("Security and customer service"),
}

#: The agency's facts in the case file, and the agency settings field each is taken from
#: (:func:`licensedesk.web.documents.services.documents_case_file`): typed once, on the settings page.
AGENCY_FIELDS: dict[str, tuple[str, Promise]] = {
    "agency.name": ("name", _("Agency name")),
    "agency.uscc": ("uscc", _("Agency USCC")),
    "agency.address": ("address", _("Agency address")),
    "agency.legal_representative": ("legal_representative", _("Agency legal representative")),
    "agency.contact": ("contact_person", _("Agency contact person")),
    "agency.phone": ("phone", _("Agency phone")),
    "agency.email": ("email", _("Agency email")),
}

# The case number is the case's own (given at creation); the agency's facts come from its settings.
CASE_FIELDS: tuple[CaseField, ...] = (
    CaseField("application_date", _("Application date (the date the documents carry)"), "date", "case"),
    CaseField("contract.signed_on", _("Contract signed on"), "date", "contract"),
    CaseField("contract.fee_cny", _("Fee (CNY)"), "amount", "contract"),
    CaseField("contract.payment_terms", _("Payment terms"), "long_text", "contract"),
    CaseField("contract.timeline_working_days", _("Timeline (working days)"), "days", "contract"),
    CaseField("contact.name", _("Contact name"), group="contact"),
    CaseField("contact.phone", _("Contact phone"), group="contact"),
    CaseField("contact.email", _("Contact email"), "email", "contact"),
    CaseField("service_name", _("Service name"), group="service"),
    CaseField("service_description", _("Service description"), "long_text", "service"),
    CaseField("premises.address", _("Office premises address"), group="service"),
    CaseField("premises.area_m2", _("Office premises area (m²)"), "area", "service"),
    CaseField("facilities.provider", _("Hosting provider"), group="service"),
    CaseField("facilities.location", _("Servers located in"), group="service"),
    CaseField("facilities.description", _("Servers and network facilities"), "long_text", "service"),
    CaseField("security_officer.name", _("Information security officer"), group="people"),
    CaseField("security_officer.phone", _("Security officer's phone"), group="people"),
    CaseField("customer_service.phone", _("Customer service phone"), group="people"),
    CaseField("customer_service.email", _("Customer service email"), "email", "people"),
    CaseField("customer_service.hours", _("Customer service hours"), group="people"),
)
BY_PATH: dict[str, CaseField] = {f.path: f for f in CASE_FIELDS}
BY_MISSING_PATH: dict[str, CaseField] = {f.missing_path: f for f in CASE_FIELDS}


def missing_group(path: str) -> Literal["agency", "case", "profile"]:
    """Where a missing field is filled in: the agency settings, this case's form or the profile."""
    if path.removeprefix("case.") in AGENCY_FIELDS:
        return "agency"
    if path.startswith("case."):
        return "case"
    return "profile"


def missing_label(path: str, lang: str) -> str:
    """The name of a field ``DocumentDataMissing`` reported: a case field's label, an agency setting's,
    or the profile's."""
    field = BY_MISSING_PATH.get(path)
    if field is not None:
        return str(field.label)
    agency = AGENCY_FIELDS.get(path.removeprefix("case."))
    if agency is not None:
        return str(agency[1])
    return field_label(path, lang)


def data_field_label(path: str) -> str:
    """The label of a case-data path as stored in audit rows, including the paths that are no longer
    typed per case (``number``, ``agency.*``: saved on cases before the agency settings existed)."""
    if path in BY_PATH:
        return str(BY_PATH[path].label)
    if path in AGENCY_FIELDS:
        return str(AGENCY_FIELDS[path][1])
    if path == "number":
        return str(_("Case number"))
    return path


def profile_anchor(path: str) -> str:
    """The id of ``path``'s input in the profile editor (``f-`` and the path, as the editor names it)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", path).strip("-")


def get_path(data: dict, path: str) -> object:
    node: object = data
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def set_path(data: dict, path: str, value: object) -> None:
    """Set (or, with None, remove) a dotted path; an emptied group is removed too."""
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(parts[-1], None)
        if len(parts) > 1 and not node:
            data.pop(parts[0], None)
    else:
        node[parts[-1]] = value
