"""The inbox's one form: how to be told of new items by email."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from licensedesk.web.inbox.models import EmailMode


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(
        label=_("Email me about client uploads and messages"),
        choices=(
            (EmailMode.IMMEDIATE, _("At once, one email for each")),
            (EmailMode.DIGEST, ""),
        ),
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hour = int(getattr(settings, "INBOX_DIGEST_HOUR", 8))
        field = self.fields["email_mode"]
        field.choices = [
            field.choices[0],
            (EmailMode.DIGEST, _("Once a day at %(hour)02d:00, in one digest email") % {"hour": hour}),
        ]
