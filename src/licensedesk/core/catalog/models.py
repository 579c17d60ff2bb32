"""The shape of a license definition file, as pydantic models.

A license file holds legal facts as data: each with its citation, its effective dates and how certain it
is. Rule trees (``test``, ``let``, ``required_when`` …) stay plain data here; the loader checks them
against the rule vocabulary and compiles them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

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
    #: what the value counts: CNY, percent, years, days, working_days … (shown beside the value)
    unit: str | None = None
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
    #: the field holding the number of what this move grants where no certificate is recorded apart
    #: (an ICP filing's 备案号): the register records it, issued on the event's date
    grants_number: str | None = None
    #: the date field holding the new expiry printed on a renewed license (a renewal case's decision):
    #: the register's row of the license the case renews takes it
    renews_until: str | None = None


class Transition(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: str = Field(alias="from")
    to: str
    guards: tuple[str, ...] = ()
    records: Records | None = None

    @field_validator("guards")
    @classmethod
    def _known_guards(cls, guards: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        # the application's guards, and those the license file declares (the loader passes their ids)
        known = GUARDS | frozenset((info.context or {}).get("license_guards", ()))
        unknown = [g for g in guards if g not in known]
        if unknown:
            raise ValueError(f"unknown guard(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return guards


class Workflow(_Model):
    initial: str
    stages: tuple[Stage, ...] = Field(min_length=2)
    transitions: tuple[Transition, ...] = Field(min_length=1)
    withdrawable: bool = False
    #: the stages at which the case has achieved what it was opened for (the license granted, the
    #: filing made, the annual report submitted): the case page leads with the result from there, and a
    #: duty whose case closed at one of them is done. Data, so no code names a license's stages.
    granted_at: tuple[str, ...] = ()


class TimeLimit(_Model):
    """A statutory clock of a case. It starts with ``from_event`` (an event a transition ``records``),
    is met by any of ``met_by`` (or when the case is in one of ``met_at_stages``: a move that records no
    event, such as the certificate), stops at any of ``stopped_by`` and counts anew from any of
    ``restarted_by`` (行政许可法 第三十二条: a correction request stops the acceptance period, which
    runs again from receipt of the complete materials). ``practice_from_event``: where the
    administrations count from another event than the statute, a second clock labelled as practice.
    ``due_field``: the due date is not a period but a date the authority sets in the event (a
    correction's due date); ``amount`` is then absent."""

    id: str = Field(pattern=_ID)
    duty: Text
    #: the clock's short name on the case page (受理期限); the duty is shown when absent
    title: Text | None = None
    amount: int | None = Field(default=None, gt=0)
    unit: Literal["days", "working_days"]
    unit_certainty: Certainty | None = None
    from_event: str
    practice_from_event: str | None = None
    practice_certainty: Certainty | None = None
    starts_at_stage: str | None = None
    actor: Actor = "authority"
    met_by: tuple[str, ...] = ()
    met_at_stages: tuple[str, ...] = ()
    stopped_by: tuple[str, ...] = ()
    restarted_by: tuple[str, ...] = ()
    due_field: str | None = None
    #: the further time the authority may take with its head's approval (行政许可法 第四十二条: 20 + 10
    #: working days); in the same unit, added to ``amount`` for the latest possible day
    extension_amount: int | None = Field(default=None, gt=0)
    citations: tuple[Citation, ...] = Field(min_length=1)
    certainty: Certainty
    note: str | None = None

    @model_validator(mode="after")
    def _period_or_field(self) -> TimeLimit:
        if (self.amount is None) == (self.due_field is None):
            raise ValueError(
                "a time limit needs either amount (a period) or due_field (a date set in the event)"
            )
        return self


class Duty(_Model):
    """Something the licensee must do by a time counted from an event of the case (the travel agency's
    quality deposit within 3 working days of the license), with what it costs where the law says so
    (``amount_params``: parameter paths giving the amounts, in the parameter's unit)."""

    id: str = Field(pattern=_ID)
    title: Text
    actor: Actor = "client"
    amount: int = Field(gt=0)
    unit: Literal["days", "working_days"]
    from_event: str
    starts_at_stage: str | None = None
    amount_params: tuple[str, ...] = ()
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


class LicensedService(_Model):
    """A service item a license can cover (the 电信业务分类目录's sub-items of B25, for the ICP license):
    the register lists them per license and keeps the proof each was launched (a renewal covers only
    launched services)."""

    id: str = Field(pattern=_ID)
    title: Text


class ChangeFiling(_Model):
    """A change of the licensee that must be filed with the issuer: which profile fields trigger it
    (contract paths such as ``company.name``), and when: ``within`` N days after the change, or ``before``
    it (apply N days in advance). Several rules may cover the same field with different certainty: each
    is kept with its mark and shown as such, never reconciled in code."""

    id: str = Field(pattern=_ID)
    title: Text
    triggers: tuple[str, ...] = Field(min_length=1)
    timing: Literal["within", "before"]
    amount: int = Field(gt=0)
    unit: Literal["days", "working_days"]
    counted_from: Text
    citations: tuple[Citation, ...] = Field(min_length=1)
    certainty: Certainty
    note: Text | None = None


CaseTypeId = Literal["annual_report", "change", "renewal"]
#: the blocks of the case page (see ``licensedesk.web.cases.page_layout``)
PagePanel = Literal["eligibility", "materials", "documents", "authority", "license"]


class CaseType(_Model):
    """A case the agency runs for a license already held (issue 11): the annual report, a change filing,
    the renewal. Each has its own stages and moves (``workflow``, with ``process`` phases), its own
    materials (all asked for: a duty case has no eligibility check to decide which apply), the
    documents of the license's ``documents.yaml`` it drafts, and the case page's blocks that make
    sense for it (``panels``). ``duty`` names the register duty it answers (``annual_report``,
    ``renewal``, ``change_filing``); ``client_task`` tells the client, in the portal, what they must do;
    ``channel`` where the filing is made."""

    id: CaseTypeId
    title: Text
    duty: Literal["annual_report", "renewal", "change_filing"]
    client_task: Text
    channel: Text | None = None
    citations: tuple[Citation, ...] = Field(min_length=1)
    certainty: Certainty
    process: tuple[Phase, ...] = ()
    workflow: Workflow
    materials: tuple[Material, ...] = ()
    documents: tuple[str, ...] = ()
    panels: tuple[PagePanel, ...] = Field(min_length=1)

    @field_validator("materials")
    @classmethod
    def _always_asked(cls, materials: tuple[Material, ...]) -> tuple[Material, ...]:
        conditional = [m.id for m in materials if m.required_when is not True]
        if conditional:
            raise ValueError(
                "a case type's materials are asked for on every case (no eligibility check decides "
                f"them): drop required_when from {', '.join(conditional)}"
            )
        return materials


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
    duties: tuple[Duty, ...] = ()
    #: absent for a license without a fixed term (an ICP filing, a travel agency's license): it stays
    #: valid until cancelled, and has no renewal
    validity: Validity | None = None
    renewal: Renewal | None = None
    annual_report: AnnualReport | None = None
    services: tuple[LicensedService, ...] = ()
    change_filings: tuple[ChangeFiling, ...] = ()
    #: the cases for the license once held (annual report, change, renewal); the application's own
    #: workflow is ``workflow``
    case_types: tuple[CaseType, ...] = ()

    def case_type(self, case_type_id: str) -> CaseType | None:
        """The declared case type ``case_type_id`` (None for ``application`` or an undeclared one)."""
        return next((t for t in self.case_types if t.id == case_type_id), None)

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class LicenseGuard(_Model):
    """A guard only this license's workflow uses, declared once in its file: the move it guards is
    allowed when every profile fact of ``requires`` is true (a travel agency's quality deposit paid …),
    else refused with the license's own error ``code`` and ``refusal``. Data, so a new license's guard
    needs no code; the application's own guards (:data:`GUARDS`) are checked by the web application."""

    id: str = Field(pattern=_ID)
    title: Text
    requires: tuple[str, ...] = Field(min_length=1)
    code: str = Field(pattern=r"^guard\.[a-z0-9][a-z0-9_.-]*$")
    refusal: Text


class License(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    names: Text
    short_names: Text
    category: str
    legal_bases: tuple[LegalBasis, ...] = Field(min_length=1)
    parameters: dict[str, Parameter] = {}
    #: guards of this license only (see :class:`LicenseGuard`); transitions may name them
    guards: tuple[LicenseGuard, ...] = ()
    versions: tuple[RuleVersion, ...] = Field(min_length=1)

    def basis(self, basis_id: str) -> LegalBasis:
        return next(b for b in self.legal_bases if b.id == basis_id)
