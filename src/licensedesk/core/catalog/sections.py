"""A license's own profile facts (``profile_section.yaml`` in its catalog folder), as data.

The company profile contract keeps ``extensions`` for facts only one license reads (a labour-dispatch
company's dispatch management rules, a travel agency's tier). Each license declares its section here —
field key, type, Chinese and English label and help, allowed values, unit — and everything else is
derived from that one declaration: the JSON Schema of ``extensions.<license-id>`` (so ``licensedesk
catalog schema`` and profile validation agree), the paths the license's rules may read, and the
profile editor's and the client portal's form fields. Adding a license therefore needs no template.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from licensedesk.core.catalog.models import Text

#: ``text`` is one line, ``textarea`` several; ``choice`` one of ``choices``, ``choices`` a list of them.
FieldType = Literal["text", "textarea", "integer", "number", "boolean", "date", "choice", "choices"]
_KEY = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Model):
    value: str = Field(pattern=_KEY)
    label: Text


class SectionField(_Model):
    """One fact of a license's section, stored at ``extensions.<license-id>.<key>``."""

    key: str = Field(pattern=_KEY)
    type: FieldType
    label: Text
    help: Text | None = None
    #: the allowed values of a ``choice`` / ``choices`` field, in the order a form offers them
    choices: tuple[Choice, ...] = ()
    #: what a number counts (``CNY``, ``years``, ``persons``, ``m2`` …), shown beside the input
    unit: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]+$")
    minimum: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SectionField:
        has_choices = self.type in ("choice", "choices")
        if has_choices and not self.choices:
            raise ValueError(f"a {self.type} field needs choices")
        if not has_choices and self.choices:
            raise ValueError(f"a {self.type} field takes no choices")
        values = [c.value for c in self.choices]
        if len(set(values)) != len(values):
            raise ValueError("choice values must be unique")
        numeric = self.type in ("integer", "number")
        if not numeric and (self.unit, self.minimum, self.maximum) != (None, None, None):
            raise ValueError(f"unit, minimum and maximum are for numbers, not a {self.type} field")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is above maximum")
        return self

    def label_of(self, value: str, lang: str) -> str:
        """The shown label of one allowed value (the value itself if it is not one)."""
        for choice in self.choices:
            if choice.value == value:
                return getattr(choice.label, lang)
        return value

    def json_schema(self) -> dict[str, Any]:
        described = {"title": self.label.en, "description": self.label.zh}
        if self.type in ("text", "textarea"):
            return {**described, "type": "string", "minLength": 1}
        if self.type == "boolean":
            return {**described, "type": "boolean"}
        if self.type == "date":
            return {**described, "type": "string", "format": "date"}
        if self.type == "choice":
            return {**described, "enum": [c.value for c in self.choices]}
        if self.type == "choices":
            items = {"enum": [c.value for c in self.choices]}
            return {**described, "type": "array", "items": items, "uniqueItems": True}
        schema: dict[str, Any] = {**described, "type": self.type}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.unit:
            schema["x-unit"] = self.unit
        return schema


class ProfileSection(_Model):
    """The section of one license: its title, a short help and its fields (absent means not known)."""

    title: Text
    help: Text | None = None
    fields: tuple[SectionField, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_keys(self) -> ProfileSection:
        keys = [f.key for f in self.fields]
        doubled = sorted({k for k in keys if keys.count(k) > 1})
        if doubled:
            raise ValueError(f"field keys must be unique: {', '.join(doubled)}")
        return self

    def field(self, key: str) -> SectionField:
        return next(f for f in self.fields if f.key == key)

    def json_schema(self, license_id: str) -> dict[str, Any]:
        """The schema of ``extensions.<license_id>``: closed (a misspelt key is named, not ignored),
        nothing required (a fact not known yet is simply absent)."""
        return {
            "type": "object",
            "title": self.title.en,
            "description": f"{self.title.zh}: facts of the {license_id} license only",
            "properties": {f.key: f.json_schema() for f in self.fields},
            "additionalProperties": False,
        }

    def paths(self, license_id: str) -> frozenset[str]:
        """The profile paths the section adds (what the license's rules may read)."""
        base = f"extensions.{license_id}"
        return frozenset({"extensions", base} | {f"{base}.{f.key}" for f in self.fields})
