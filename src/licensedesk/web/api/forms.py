"""The form of the token page: what a new token is for, what it may do, how long it lives."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from licensedesk.web.api.scopes import ALL_SCOPES


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “CRM” or “website eligibility quiz”."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=[(s, s) for s in ALL_SCOPES], widget=forms.CheckboxSelectMultiple
    )
