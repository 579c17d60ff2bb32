"""Input parsing of the register's screens: typed values for the services, no rules (the services
validate the number, the dates and the services and name the field they refuse)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.web.cases.display import current_lang, license_choices
from licensedesk.web.cases.forms import DateInput
from licensedesk.web.cases.models import ClientCompany, LicenseStatus
from licensedesk.web.register.models import LaunchKind


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def service_choices(license_id: str | None = None) -> list[tuple[str, str]]:
    """The catalog's service items (of one license, or of all), titled in the active language."""
    lang = current_lang()
    found: dict[str, str] = {}
    for lic in default_catalog().licenses():
        if license_id and lic.id != license_id:
            continue
        for version in lic.versions:
            for service in version.services:
                found.setdefault(service.id, getattr(service.title, lang))
    return list(found.items())


class CoverageFields(forms.Form):
    authority = forms.CharField(
        label=_("Issuing authority"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "license-authority"}),
    )
    services = forms.MultipleChoiceField(
        label=_("Services covered"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"data-testid": "license-services"}),
    )
    websites = forms.CharField(
        label=_("Websites covered"),
        help_text=_("One domain a line."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-testid": "license-websites"}),
    )
    apps = forms.CharField(
        label=_("Apps covered"),
        help_text=_("One app name a line."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "license-apps"}),
    )

    def __init__(self, *args: Any, license_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].choices = service_choices(license_id)

    def clean_websites(self) -> list[str]:
        return _lines(self.cleaned_data["websites"])

    def clean_apps(self) -> list[str]:
        return _lines(self.cleaned_data["apps"])


class ManualLicenseForm(CoverageFields):
    """A license obtained elsewhere, entered by hand."""

    field_order = ("company", "license_id", "number", "issued_on", "expires_on", "authority")

    company = forms.ChoiceField(
        label=_("Company"), widget=forms.Select(attrs={"data-testid": "license-company"})
    )
    license_id = forms.ChoiceField(
        label=_("License"), widget=forms.Select(attrs={"data-testid": "license-type"})
    )
    number = forms.CharField(
        label=_("License number"),
        max_length=60,
        help_text=_("As printed, e.g. 粤B2-20180001."),
        widget=forms.TextInput(attrs={"data-testid": "license-number"}),
    )
    issued_on = forms.DateField(
        label=_("Issue date"), widget=DateInput(attrs={"data-testid": "license-issued-on"})
    )
    expires_on = forms.DateField(
        label=_("Expiry date (as printed)"),
        required=False,
        help_text=_(
            "Leave empty for a license without a fixed term (an ICP filing, a travel agency's license)."
        ),
        widget=DateInput(attrs={"data-testid": "license-expires-on"}),
    )

    def __init__(self, *args: Any, companies: Sequence[ClientCompany], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.companies = {str(c.pk): c for c in companies}
        self.fields["company"].choices = [("", "—"), *((k, c.name) for k, c in self.companies.items())]
        self.fields["license_id"].choices = license_choices()

    def clean_company(self) -> ClientCompany:
        return self.companies[self.cleaned_data["company"]]


class EndForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (LicenseStatus.REVOKED.value, LicenseStatus.REVOKED.label),
            (LicenseStatus.CANCELLED.value, LicenseStatus.CANCELLED.label),
        ],
        widget=forms.Select(attrs={"data-testid": "end-status"}),
    )
    ended_on = forms.DateField(label=_("Since"), widget=DateInput(attrs={"data-testid": "end-date"}))
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2, "data-testid": "end-reason"})
    )


class LaunchForm(forms.Form):
    service_id = forms.ChoiceField(
        label=_("Service"), widget=forms.Select(attrs={"data-testid": "launch-service"})
    )
    kind = forms.ChoiceField(
        label=_("Proof"),
        choices=LaunchKind.choices,
        widget=forms.Select(attrs={"data-testid": "launch-kind"}),
    )
    url = forms.URLField(
        label=_("URL"),
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"data-testid": "launch-url"}),
    )
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput(attrs={"data-testid": "launch-date"}))

    def __init__(self, *args: Any, services: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_id"].choices = list(services)


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why no filing is needed"),
        widget=forms.TextInput(attrs={"data-testid": "dismiss-reason"}),
    )


class DutyCaseForm(forms.Form):
    """The one-click start of a duty's case: which duty (its kind and period, as the table lists it)."""

    kind = forms.ChoiceField(choices=[(k, k) for k in ("annual_report", "renewal", "change_filing")])
    period = forms.CharField(max_length=60)


class RegisterFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *LicenseStatus.choices],
        widget=forms.Select(attrs={"data-testid": "filter-status"}),
    )
    due_by = forms.DateField(
        label=_("Next duty due by"), required=False, widget=DateInput(attrs={"data-testid": "filter-due-by"})
    )
    q = forms.CharField(
        label=_("Company or number"),
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "filter-q", "type": "search"}),
    )
