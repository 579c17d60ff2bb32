"""The portal's small forms. They check the shape of what was typed; the services decide the rest and
their errors are put back next to the field they name (:func:`apply_error`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from licensedesk.core.errors import ApplicationError
from licensedesk.web.cases.services import NOTE_MAX_LENGTH
from licensedesk.web.portal.services import DISPLAY_NAME_MAX_LENGTH
from licensedesk.web.portal.templatetags.portal_tags import error_text


class InviteForm(forms.Form):
    email = forms.CharField(
        label=_("Email address of the person to invite"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "data-testid": "invite-email"}),
    )


class AcceptForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name", "data-testid": "accept-display-name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "data-testid": "accept-password1"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "data-testid": "accept-password2"}),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "data-testid": "portal-reply-body"}),
    )


# Service error details name the field as the service knows it; the form may call it otherwise.
_FIELD_ALIASES = {"password": "password1"}


def apply_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal on ``form``: next to the field its details name, else above the form.
    A refused password lists each of the validators' problems."""
    field = error.details.get("field")
    field = _FIELD_ALIASES.get(field, field)
    if error.code == "accounts.weak_password":
        for problem in error.details.get("problems", []):
            form.add_error("password1", problem)
        return
    form.add_error(field if field in form.fields else None, error_text(error))
