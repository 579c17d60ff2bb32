"""The case-data form: every case-data field, or only those a failed generation named (the case page
offers those). Parsing only (a date is a date, a fee a number); whether the data makes a valid case file
is the service's decision, and its refusals are put back on the fields they name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from licensedesk.web.documents.fields import CASE_FIELDS, GROUPS, CaseField, get_path


def _form_field(spec: CaseField) -> forms.Field:
    common: dict[str, Any] = {"label": spec.label, "required": False}
    if spec.kind == "long_text":
        return forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if spec.kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if spec.kind == "amount":
        return forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, **common)
    if spec.kind == "area":
        return forms.DecimalField(min_value=Decimal("0.01"), max_digits=10, decimal_places=2, **common)
    if spec.kind == "days":
        return forms.IntegerField(min_value=1, max_value=3650, **common)
    if spec.kind == "email":
        return forms.EmailField(max_length=254, **common)
    return forms.CharField(max_length=300, **common)


def _initial(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


class CaseDataForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        specs: Iterable[CaseField] = CASE_FIELDS,
        data_values: Mapping[str, Any] | None = None,
        version: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.specs = list(specs)
        stored = dict(data_values or {})
        self.fields["version"].initial = version
        for spec in self.specs:
            self.fields[spec.name] = _form_field(spec)
            self.fields[spec.name].initial = _initial(get_path(stored, spec.path))

    def values(self) -> dict[str, Any]:
        """The form's fields as case-file paths → values (None clears a field)."""
        out: dict[str, Any] = {}
        for spec in self.specs:
            value = self.cleaned_data.get(spec.name)
            if isinstance(value, Decimal):
                value = int(value) if value == value.to_integral_value() else float(value)
            out[spec.path] = value if value not in ("", None) else None
        return out

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields by group, in the order of :data:`GROUPS`, for the page."""
        grouped: dict[str, list[forms.BoundField]] = {}
        for spec in self.specs:
            grouped.setdefault(spec.group, []).append(self[spec.name])
        return [(str(GROUPS[g]), grouped[g]) for g in GROUPS if g in grouped]

    def add_problems(self, problems: Iterable[Mapping[str, Any]]) -> None:
        """Put a service refusal's problems (case-file paths) on their fields."""
        names = {spec.path: spec.name for spec in self.specs}
        for problem in problems:
            path = str(problem.get("path", ""))
            name = names.get(path)
            self.add_error(name if name in self.fields else None, str(problem.get("message", "")))
