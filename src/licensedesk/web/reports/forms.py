"""The reports page's filters: the period, one license of the catalog, one consultant (admins only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from licensedesk.web.accounts.models import User
from licensedesk.web.cases.display import license_choices
from licensedesk.web.cases.forms import UserChoiceField
from licensedesk.web.reports.selectors import ReportFilters

MAX_MONTHS = 36


def default_start(today: date) -> date:
    """The first day of the month eleven months back: the last twelve months, this one included."""
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


class ReportFilterForm(forms.Form):
    start = forms.DateField(
        label=pgettext_lazy("reports", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=pgettext_lazy("reports", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    license = forms.ChoiceField(label=pgettext_lazy("reports", "License"), required=False)

    def __init__(self, *args: Any, consultants: Sequence[User] | None, **kwargs: Any) -> None:
        """``consultants``: the agency's consultants for an admin's filter; None hides the filter (a
        consultant sees their own cases only)."""
        super().__init__(*args, **kwargs)
        self.fields["license"].choices = [("", pgettext_lazy("reports", "All licenses")), *license_choices()]
        if consultants is not None:
            self.fields["consultant"] = UserChoiceField(
                consultants, label=pgettext_lazy("reports", "Consultant"), required=False
            )
            self.fields["consultant"].choices = [
                ("", _("All consultants")),
                *self.fields["consultant"].choices[1:],
            ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        today = timezone.localdate()
        start, end = data.get("start") or default_start(today), data.get("end") or today
        if start > end:
            raise forms.ValidationError(_("The start of the period must not be after its end."), code="order")
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months > MAX_MONTHS:
            raise forms.ValidationError(
                _("Choose a period of at most %(months)s months.") % {"months": MAX_MONTHS}, code="too_long"
            )
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> ReportFilters:
        """The filters asked for; the defaults (the last twelve months, everything) when none or invalid."""
        today = timezone.localdate()
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            consultant = data.get("consultant")
            return ReportFilters(
                start=data["start"],
                end=data["end"],
                license_id=data.get("license") or None,
                consultant_id=consultant.pk if consultant else None,
            )
        return ReportFilters(start=default_start(today), end=today)
