"""The reminders' one form: the agency's reminder days."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from licensedesk.core.errors import InvalidInput
from licensedesk.web.reminders.errors import MAX_DAYS_BEFORE


class ReminderDaysForm(forms.Form):
    days_before = forms.CharField(
        label=_("Remind this many days before each due date"),
        help_text=_("Whole numbers separated by commas, for example 30, 7, 1."),
        max_length=100,
    )

    def clean_days_before(self) -> list[int]:
        from licensedesk.web.reminders.services import parse_days

        try:
            return parse_days(self.cleaned_data["days_before"])
        except InvalidInput:
            raise forms.ValidationError(
                _("Enter whole numbers from 0 to %(max)d, separated by commas.") % {"max": MAX_DAYS_BEFORE}
            ) from None
