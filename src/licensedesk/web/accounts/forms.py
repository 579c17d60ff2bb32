"""The agency settings form: shapes only. The rules (USCC check, case-number format, the name being
unique) live in ``agency_settings_update``, whose refusals come back on the field they name."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class AgencySettingsForm(forms.Form):
    name = forms.CharField(label=_("Agency name"), max_length=200)
    uscc = forms.CharField(
        label=_("Unified social credit code"), max_length=40, required=False, help_text=_("18 characters.")
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=100, required=False)
    contact_person = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), max_length=200, required=False)
    default_fee_cny = forms.DecimalField(
        label=_("Default fee (yuan)"),
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text=_("Proposed for the service contract of every new case."),
    )
    case_number_format = forms.CharField(
        label=_("Case-number format"),
        max_length=60,
        help_text=_(
            "{year} is the year the case is opened, {seq:04d} its running number in that year with four "
            "digits (PC-{year}-{seq:04d} gives PC-2026-0001)."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
