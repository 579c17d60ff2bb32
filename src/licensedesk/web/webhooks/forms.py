"""The subscription form: the endpoint address, a description, and the events to send."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from licensedesk.web.cases.display import current_lang
from licensedesk.web.webhooks.events import EVENT_TYPES, event_label


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=500,
        help_text=_(
            "The address of your system that receives the events, e.g. https://crm.example.cn/hooks/licensedesk"
        ),
        widget=forms.URLInput(attrs={"data-testid": "webhook-url", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "webhook-description"}),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        widget=forms.CheckboxSelectMultiple(attrs={"data-testid": "webhook-events"}),
        required=False,  # the service says "choose at least one event" in both languages
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = current_lang()
        self.fields["event_types"].choices = [(t, event_label(t, lang)) for t in EVENT_TYPES]
