"""The shape of a license definition file, as pydantic models.

A license file holds legal facts as data: each with its citation, its effective dates and how certain it
is. Rule trees (``test``, ``let``, ``required_when`` …) stay plain data here; the loader checks them
against the rule vocabulary and compiles them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Certainty = Literal["L", "S", "W", "U"]
FileKind = Literal["pdf", "jpeg", "png", "docx", "xlsx", "ofd"]
Actor = Literal["agency", "client", "authority"]
# Who supplies a material: the client (their own papers: business license, financial report …), the
# agency (it drafts the document: company profile, business plan …), or the agency drafts it and the
# client's legal representative signs and seals it (书面申请, 保证书 …). The client is asked only for
# the first and the last.
SuppliedBy = Literal["client", "agency", "agency_signed"]
GUARDS = frozenset({"eligibility_eligible", "materials_accepted", "license_record"})
_ID = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A sentence in Simplified Chinese (shown first) and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Citation(_Model):
    basis: str
    article: str | None = None


class LegalBasis(_Model):
    id: str = Field(pattern=_ID)
    title: str
    title_en: str
    instrument: str | None = None
    url: str | None = None
    kind: Literal["law", "practice"] = "law"
    certainty: Certainty


class ParameterValue(_Model):
    effective_from: date
    value: Any
    citations: tuple[Citation, ...] = ()
    certainty: Certainty
    note: str | None = None


class Parameter(_Model):
    title: Text
    values: tuple[ParameterValue, ...] = Field(min_length=1)

    @field_validator("values")
    @classmethod
    def _dated_in_order(cls, values: tuple[ParameterValue, ...]) -> tuple[ParameterValue, ...]:
        dates = [v.effective_from for v in values]
        if dates != sorted(set(dates)):
            raise ValueError("values must be listed by strictly increasing effective_from")
        return values


class Explain(_Model):
    met: Text
    unmet: Text
    unknown: Text
    not_applicable: Text | None = None


class RuleWarning(_Model):
    when: Any
    text: Text


class Condition(_Model):
    id: str = Field(pattern=_ID)
    title: Text
    citations: tuple[Citation, ...] = Field(min_length=1)
    let: dict[str, Any] = {}
    applies_when: Any = None
    test: Any
    warnings: tuple[RuleWarning, ...] = ()
    explain: Explain
    #: what would make an unmet condition met; shown for unmet conditions only
    remedy: Text | None = None
    #: what to find out when the condition is unknown (the profile lacks a value it needs)
    find_out: Text | None = None

    @model_validator(mode="after")
    def _not_applicable_needs_text(self) -> Condition:
        if self.applies_when is not None and self.explain.not_applicable is None:
            raise ValueError("a condition with applies_when needs explain.not_applicable")
        return self


class Because(_Model):
    required: Text | None = None
    not_required: Text | None = None
    unknown: Text | None = None


class DateRules(_Model):
    """The dates a material's document must satisfy to be accepted, checked at review against the
    reviewer's reading of the document and today's date in China.

    ``max_age_months``: the document is dated within the last N months (a financial report);
    ``not_expired``: the document's validity has not ended (a business license, a pre-approval).
    """

    max_age_months: int | None = Field(default=None, gt=0)
    not_expired: bool = False
    citations: tuple[Citation, ...] = Field(min_length=1)
    certainty: Certainty

    @model_validator(mode="after")
    def _some_rule(self) -> DateRules:
        if self.max_age_months is None and not self.not_expired:
            raise ValueError("date_rules needs max_age_months or not_expired: true")
        return self


class ConfirmField(_Model):
    """A profile field the reviewer reads off the document and confirms on acceptance; a mismatch with
    the profile blocks the acceptance (consistency across documents)."""

    path: str
    title: Text


class Material(_Model):
    id: str = Field(pattern=_ID)
    title: Text
    basis: Literal["statutory", "agency_practice", "province_practice"]
    citations: tuple[Citation, ...] = Field(min_length=1)
    file_kinds: tuple[FileKind, ...] = Field(min_length=1)
    guidance: Text
    supplied_by: SuppliedBy
    let: dict[str, Any] = {}
    required_when: Any = True
    because: Because | Text | None = None
    date_rules: DateRules | None = None
    confirm_on_acceptance: tuple[ConfirmField, ...] = ()


class AuthorityRef(_Model):
    id: str
    name_zh: str
    name_en: str


class Authority(_Model):
    national_when: Any
    national: AuthorityRef
    provincial_suffix: Text
    citations: tuple[Citation, ...] = ()


class Phase(_Model):
    id: str = Field(pattern=_ID)
    title: Text
    actor: Actor


class Stage(_Model):
    id: str = Field(pattern=_ID)
    phase: str
    actor: Actor
    title: Text
    terminal: bool = False


class RecordField(_Model):
    """One reference field a move asks for (a receipt number, a courier, a due date …)."""

    id: str = Field(pattern=_ID)
    label: Text
    kind: Literal["text", "textarea", "date"] = "text"
    required: bool = True


class Records(_Model):
    """What a move into an authority-facing stage records besides the stage: the dated event with the
    authority (``event``, its id; ``title`` shown on the timeline; ``date_label`` names the date asked
    for) and its reference fields. Data, so a new license declares its own events."""

    event: str = Field(pattern=_ID)
    title: Text
    date_label: Text
    fields: tuple[RecordField, ...] = ()


class Transition(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: str = Field(alias="from")
    to: str
    guards: tuple[str, ...] = ()
    records: Records | None = None

    @field_validator("guards")
    @classmethod
    def _known_guards(cls, guards: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [g for g in guards if g not in GUARDS]
        if unknown:
            raise ValueError(f"unknown guard(s) {', '.join(unknown)}; known: {', '.join(sorted(GUARDS))}")
        return guards


class Workflow(_Model):
    initial: str
    stages: tuple[Stage, ...] = Field(min_length=2)
    transitions: tuple[Transition, ...] = Field(min_length=1)
    withdrawable: bool = False


class TimeLimit(_Model):
    id: str = Field(pattern=_ID)
    duty: Text
    amount: int = Field(gt=0)
    unit: Literal["days", "working_days"]
    unit_certainty: Certainty | None = None
    from_event: str
    practice_from_event: str | None = None
    starts_at_stage: str | None = None
    citations: tuple[Citation, ...] = Field(min_length=1)
    certainty: Certainty
    note: str | None = None


class Validity(_Model):
    years: int = Field(gt=0)
    citations: tuple[Citation, ...] = ()
    certainty: Certainty


class Renewal(_Model):
    lead_days: int = Field(gt=0)
    #: the earliest day to apply, counted back from expiry, where the law sets one (drug-information
    #: certificates: within the six months before expiry); absent for telecom licenses
    window_days: int | None = Field(default=None, gt=0)
    citations: tuple[Citation, ...] = ()
    certainty: Certainty


class AnnualReport(_Model):
    window_from: str
    window_to: str
    applies_to: str
    citations: tuple[Citation, ...] = ()
    certainty: Certainty

    @field_validator("window_from", "window_to")
    @classmethod
    def _month_day(cls, value: str) -> str:
        if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", value):
            raise ValueError("expected MM-DD")
        return value


class RuleVersion(_Model):
    id: str
    effective_from: date
    effective_to: date | None = None
    summary: str
    conditions: tuple[Condition, ...] = Field(min_length=1)
    materials: tuple[Material, ...] = ()
    authority: Authority
    process: tuple[Phase, ...] = ()
    workflow: Workflow
    time_limits: tuple[TimeLimit, ...] = ()
    validity: Validity
    renewal: Renewal
    annual_report: AnnualReport | None = None

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class License(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    names: Text
    short_names: Text
    category: str
    legal_bases: tuple[LegalBasis, ...] = Field(min_length=1)
    parameters: dict[str, Parameter] = {}
    versions: tuple[RuleVersion, ...] = Field(min_length=1)

    def basis(self, basis_id: str) -> LegalBasis:
        return next(b for b in self.legal_bases if b.id == basis_id)
