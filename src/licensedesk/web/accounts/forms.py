"""The agency settings form: shapes only. The rules (USCC check, case-number format, the name being
unique) live in ``agency_settings_update``, whose refusals come back on the field they name."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from licensedesk.web.accounts.models import TargetUnit
from licensedesk.web.cases.display import current_lang


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


class AgencyTargetsForm(forms.Form):
    """The agency's own targets per stage (a number of days and their unit for each stage where the
    agency or the client acts; empty: no target) and the window of the due-soon flag."""

    due_soon_days = forms.IntegerField(
        label=_("Flag statutory due dates within (days)"),
        min_value=1,
        max_value=90,
        help_text=_(
            "The board and the case list mark a case whose nearest statutory due date is this close."
        ),
    )

    def __init__(self, *args: Any, stages: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for stage in stages:
            key = f"{stage.license_id}__{stage.stage}"
            self.fields[f"target__{key}"] = forms.IntegerField(
                label=stage.title_zh if current_lang() == "zh" else stage.title_en,
                required=False,
                min_value=1,
                max_value=365,
            )
            self.fields[f"unit__{key}"] = forms.ChoiceField(
                label=_("Unit"), choices=TargetUnit.choices, initial=TargetUnit.WORKING_DAYS, required=False
            )
            self.rows.append((stage, f"target__{key}", f"unit__{key}"))

    def bound_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        """(stage, amount field, unit field) for each stage, in the order given."""
        return [(stage, self[amount], self[unit]) for stage, amount, unit in self.rows]

    def targets(self) -> dict[tuple[str, str], tuple[int, str] | None]:
        """For ``agency_targets_update``: every stage's target, None where the amount is empty."""
        out: dict[tuple[str, str], tuple[int, str] | None] = {}
        for stage, amount, unit in self.rows:
            value = self.cleaned_data.get(amount)
            out[(stage.license_id, stage.stage)] = (
                None if value is None else (value, self.cleaned_data.get(unit) or TargetUnit.WORKING_DAYS)
            )
        return out
