"""Input parsing of the staff screens. Forms turn request data into typed values for the services and
carry the case ``version`` the page was rendered with; they hold no rules (the services do).

The profile editor is not a Django form: see :mod:`licensedesk.web.cases.profile_form`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from licensedesk.core.catalog.models import Records
from licensedesk.core.workflow import APPLICATION
from licensedesk.web.accounts.models import User
from licensedesk.web.cases.case_types import case_type_choices
from licensedesk.web.cases.display import license_choices, stage_choices
from licensedesk.web.cases.models import NoteVisibility
from licensedesk.web.cases.services import NOTE_MAX_LENGTH


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _testid(name: str, **attrs: Any) -> dict[str, Any]:
    """Widget attributes with the ``data-testid`` the browser tests find the control by."""
    return {"data-testid": name, **attrs}


class UserChoiceField(forms.ChoiceField):
    """A choice among users the view already loaded (one query per page, none to validate)."""

    def __init__(self, users: Sequence[User], **kwargs: Any) -> None:
        self.users = {str(user.pk): user for user in users}
        choices = [("", "—"), *((key, str(user)) for key, user in self.users.items())]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value: Any) -> User | None:
        value = super().clean(value)
        return self.users.get(value) if value else None


class VersionedForm(forms.Form):
    """Every form that changes a case carries the case version its page showed (optimistic locking)."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class RunCheckForm(VersionedForm):
    pass


REFERENCE_PREFIX = "ref_"


class MoveForm(VersionedForm):
    """A move. A move the catalog declares ``records`` for also asks for the date the event happened
    and its reference fields (built from the declaration, labels in the active language); the service
    validates them against the same declaration. ``confirmed`` is the second step of a move that ends
    the case."""

    to_stage = forms.CharField(max_length=40, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for withdrawing"),  # only the withdrawal asks for one: say so, next to other moves
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs=_testid("move-reason", rows=2)),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, records: Records | None = None, lang: str = "zh", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.records = records
        self.confirm_step = False  # set by the view when the service asks for the confirmation
        if records is None:
            return
        to = self.initial.get("to_stage") or self.data.get("to_stage", "")
        today = timezone.localdate()
        self.fields["occurred_on"] = forms.DateField(
            label=getattr(records.date_label, lang),
            required=False,
            initial=today,
            widget=DateInput(attrs=_testid(f"move-{to}-occurred-on", max=today.isoformat())),
        )
        for field in records.fields:
            attrs = _testid(f"move-{to}-{field.id}")
            widget: forms.Widget
            if field.kind == "textarea":
                widget = forms.Textarea(attrs={**attrs, "rows": 3})
            elif field.kind == "date":
                widget = DateInput(attrs=attrs)
            else:
                widget = forms.TextInput(attrs=attrs)
            if field.required:  # checked by the service (its message names the field); marked here
                widget.attrs["aria-required"] = "true"
            form_field = forms.CharField(
                label=getattr(field.label, lang), required=False, max_length=2000, widget=widget
            )
            form_field.show_required = field.required  # type: ignore[attr-defined]
            self.fields[REFERENCE_PREFIX + field.id] = form_field

    def reference(self) -> dict[str, str]:
        """The reference fields typed, by their catalog id (after ``is_valid``)."""
        return {
            name.removeprefix(REFERENCE_PREFIX): value or ""
            for name, value in self.cleaned_data.items()
            if name.startswith(REFERENCE_PREFIX)
        }

    def event_fields(self) -> list[forms.BoundField]:
        return [
            self[name] for name in self.fields if name == "occurred_on" or name.startswith(REFERENCE_PREFIX)
        ]

    def add_event_errors(self, messages: dict[str, str]) -> None:
        """The service's refusals of the event (keyed by ``occurred_on`` or a reference field id)."""
        for key, message in messages.items():
            name = key if key == "occurred_on" else REFERENCE_PREFIX + key
            self.add_error(name if name in self.fields else None, message)


class UndoMoveForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why the move is undone"),
        max_length=2000,
        widget=forms.Textarea(attrs=_testid("undo-reason", rows=2)),
    )


class OverrideForm(VersionedForm):
    reason = forms.CharField(
        label=_("Written reason for the override"),
        max_length=2000,
        widget=forms.Textarea(attrs=_testid("override-reason", rows=3)),
    )


class LicenseRecordForm(VersionedForm):
    number = forms.CharField(
        label=_("License number"),
        max_length=60,
        help_text=_("For example 粤B2-20180001"),
        widget=forms.TextInput(attrs=_testid("license-number")),
    )
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput(_testid("license-issued-on")))
    expires_on = forms.DateField(label=_("Valid until"), widget=DateInput(_testid("license-expires-on")))


NOTE_VISIBILITY_CHOICES = [
    (NoteVisibility.INTERNAL, _("Internal (staff only)")),
    (NoteVisibility.CLIENT, _("Shared with the client")),
]


class NoteForm(forms.Form):
    """No case version: a note changes nothing another person's move or edit could conflict with (the
    case row is not written), so a note typed while a colleague moved the case is kept, not refused."""

    body = forms.CharField(
        label=_("Note"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs=_testid("note-body", rows=3))
    )
    visibility = forms.ChoiceField(
        label=_("Visible to"),
        choices=NOTE_VISIBILITY_CHOICES,
        initial=NoteVisibility.INTERNAL,
        widget=forms.Select(attrs=_testid("note-visibility")),
    )


class TaskForm(VersionedForm):
    title = forms.CharField(
        label=_("Task"), max_length=200, widget=forms.TextInput(attrs=_testid("task-title"))
    )
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DateInput(_testid("task-due-on")))

    def __init__(self, *args: Any, consultants: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = UserChoiceField(
            consultants,
            label=_("Assignee"),
            required=False,
            widget=forms.Select(attrs=_testid("task-assignee")),
        )


class TaskCompleteForm(VersionedForm):
    pass


class NewCaseForm(forms.Form):
    license = forms.ChoiceField(label=_("License"), widget=forms.Select(attrs=_testid("new-case-license")))
    target_date = forms.DateField(
        label=_("Target date"), required=False, widget=DateInput(_testid("new-case-target-date"))
    )

    def __init__(self, *args: Any, consultants: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["license"].choices = license_choices()
        self.fields["consultant"] = UserChoiceField(
            consultants,
            label=_("Consultant"),
            required=False,
            widget=forms.Select(attrs=_testid("new-case-consultant")),
        )


class CaseFilterForm(forms.Form):
    """The case list's filters (all optional; an invalid value is ignored rather than refused)."""

    q = forms.CharField(
        label=_("Case no., company, USCC, legal representative, domain or license no."),
        required=False,
        max_length=200,
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    license = forms.ChoiceField(label=_("License"), required=False)
    case_type = forms.ChoiceField(label=_("Case type"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("", _("Latest activity")), ("due", _("Nearest statutory due date"))],
    )

    def __init__(self, *args: Any, consultants: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consultant"] = UserChoiceField(consultants, label=_("Consultant"), required=False)
        any_choice = [("", _("All"))]
        self.fields["license"].choices = any_choice + license_choices()
        self.fields["stage"].choices = any_choice + stage_choices()
        self.fields["case_type"].choices = any_choice + case_type_choices()

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``case_list_visible_to`` (invalid fields dropped)."""
        if self.is_bound:
            self.is_valid()
        data = getattr(self, "cleaned_data", {})
        consultant = data.get("consultant")
        return {
            "search": data.get("q", ""),
            "stage": data.get("stage", ""),
            "license_id": data.get("license", ""),
            "consultant_id": consultant.pk if consultant else None,
            "order": data.get("sort", ""),
            "case_type": data.get("case_type", ""),
        }


class BoardFilterForm(forms.Form):
    """The board shows one license and one case type at a time: an annual report or a renewal has its
    own stages, so its cards would have no column on the application's board."""

    license = forms.ChoiceField(label=_("License"), required=False)
    case_type = forms.ChoiceField(label=_("Case type"), required=False)

    def __init__(self, *args: Any, consultants: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["license"].choices = license_choices()
        self.fields["case_type"].choices = case_type_choices()
        self.fields["consultant"] = UserChoiceField(consultants, label=_("Consultant"), required=False)

    def filters(self, default_license: Callable[[], str | None] | None = None) -> dict[str, Any]:
        """``default_license``: asked (once) when no license is chosen; the catalog's first otherwise."""
        if self.is_bound:
            self.is_valid()
        data = getattr(self, "cleaned_data", {})
        consultant = data.get("consultant")
        chosen = data.get("license") or (default_license() if default_license else None)
        license_id = chosen or self.fields["license"].choices[0][0]
        # the select shows the license the board shows, also when nobody chose it (the default)
        if not self.is_bound:
            self.initial["license"] = license_id
        elif self.data.get("license") != license_id:  # none chosen, or one the catalog does not hold
            self.data = self.data.copy()
            self.data["license"] = license_id
        return {
            "license_id": license_id,
            "consultant_id": consultant.pk if consultant else None,
            "case_type": data.get("case_type") or APPLICATION,
        }
