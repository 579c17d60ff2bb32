"""A company's answers about what it does: the navigator's input, as a pydantic model.

Why a model of its own rather than the company profile: a prospect is asked a dozen yes/no questions
before anyone collects its papers, and the answers name activities (dispatching workers, pawn lending,
auctions …) that the profile of one license does not hold. Unknown keys are refused, and every problem
is reported with its dotted path (``online.content_areas[1]: …``) so a bad file is fixed in one pass.

The published JSON Schema (``navigator-answers.schema.json`` in :mod:`licensedesk.contracts`) is
generated from :class:`Answers`; a test keeps the two equal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from licensedesk.core.provinces import province_by_code

#: the profile contract's content areas (``service.content_areas``), the same words
ContentArea = Literal[
    "news",
    "publishing",
    "education",
    "healthcare",
    "drugs_medical_devices",
    "bulletin_board",
    "culture_entertainment",
    "online_games",
    "audio_video",
    "live_streaming",
    "religion",
    "finance",
    "none",
]
Travel = Literal["none", "domestic_inbound", "outbound"]
Auctions = Literal["none", "general", "cultural_relics"]
FoundationScope = Literal["national", "local"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Online(_Model):
    """The company's website or app, if it has one."""

    website_or_app: bool = Field(
        default=False, description="The company runs a website, an app or a mini-program."
    )
    charges_users_or_advertisers: bool = Field(
        default=False,
        description="It is paid for information or web services: fees from users, membership, advertising.",
    )
    third_party_merchants_trade_on_platform: bool = Field(
        default=False,
        description="Other businesses sell or take orders on it "
        "(marketplace, booking, ride-hailing, delivery).",
    )
    users_across_provinces: bool = Field(
        default=False, description="It serves users in more than one province."
    )
    content_areas: list[ContentArea] = Field(
        default_factory=list,
        description="Content it publishes, in the words of the company profile's service.content_areas.",
        json_schema_extra={"uniqueItems": True},
    )

    @field_validator("content_areas")
    @classmethod
    def _unique(cls, areas: list[str]) -> list[str]:
        if len(set(areas)) != len(areas):
            raise ValueError("each content area may be listed once")
        if "none" in areas and len(areas) > 1:
            raise ValueError("'none' cannot be listed with other content areas")
        return areas


class HazardousChemicals(_Model):
    trades: bool = Field(
        default=False, description="It buys and sells hazardous chemicals (incl. as a warehouse)."
    )
    stores_on_site: bool = Field(
        default=False, description="It keeps hazardous chemicals in its own storage."
    )


class OutboundInvestment(_Model):
    amount_usd: float = Field(ge=0, description="Chinese side's investment in US dollars.")
    sensitive: bool = Field(
        description="Sensitive country or region, or a sensitive industry (weapons, cross-border water, "
        "news media; real estate, hotels, cinemas, entertainment, sports clubs, funds without projects)."
    )


class CharitableFoundation(_Model):
    public_fundraising: bool = Field(description="It means to raise funds from the public.")
    scope: FoundationScope = Field(description="Registered nationally or locally.")


class Answers(_Model):
    """What a company does, as the navigator asks it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="Navigator answers v1: what a company does, for `licensedesk navigate`",
    )

    province: str = Field(
        pattern=r"^CN-[A-Z]{2}$",
        description="ISO 3166-2 code of the province of the company's domicile, e.g. CN-GD.",
    )
    city: str | None = Field(default=None, max_length=50, description="City of the domicile, e.g. 深圳.")
    foreign_investors: bool = Field(default=False, description="Any shareholder is a foreign investor.")
    online: Online = Field(default_factory=Online)
    dispatches_workers_to_other_employers: bool = False
    travel: Travel = "none"
    hazardous_chemicals: HazardousChemicals = Field(default_factory=HazardousChemicals)
    pawn_lending: bool = False
    auctions: Auctions = "none"
    outbound_investment: OutboundInvestment | None = None
    charitable_foundation: CharitableFoundation | None = None
    cross_border_vehicles_hk: bool = Field(
        default=False, description="It wants Guangdong–Hong Kong cross-border vehicle plates."
    )

    @field_validator("province")
    @classmethod
    def _known_province(cls, code: str) -> str:
        try:
            province_by_code(code)
        except KeyError:
            raise ValueError(f"unknown province code {code!r} (expected e.g. CN-GD)") from None
        return code


#: online answers that only mean something for a company with a website or app
_ONLINE_DETAILS = (
    "charges_users_or_advertisers",
    "third_party_merchants_trade_on_platform",
    "users_across_provinces",
)


class AnswersError(Exception):
    """The answers cannot be used; ``problems`` names every one by its path."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        self.source = source
        super().__init__("\n".join(problems))


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(answers)"


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key / 未知字段"
    if error["type"] == "missing":
        return "required / 必填"
    return error["msg"].removeprefix("Value error, ")


def _contradictions(answers: Answers) -> list[str]:
    online = answers.online
    if online.website_or_app:
        return []
    problems = [
        f"online.{name}: only applies to a website or app; online.website_or_app is false"
        for name in _ONLINE_DETAILS
        if getattr(online, name)
    ]
    if online.content_areas and online.content_areas != ["none"]:
        problems.append(
            "online.content_areas: only applies to a website or app; online.website_or_app is false"
        )
    return problems


def parse_answers(data: Any, *, source: str = "") -> Answers:
    """Validate ``data`` (already parsed JSON/YAML) into :class:`Answers`, or raise :class:`AnswersError`
    listing every problem by path."""
    if not isinstance(data, dict):
        raise AnswersError(["(answers): expected a mapping of answers / 应为键值对"], source)
    try:
        answers = Answers.model_validate(data)
    except ValidationError as exc:
        raise AnswersError(
            [f"{_loc(tuple(e['loc']))}: {_message(e)}" for e in exc.errors()], source
        ) from None
    problems = _contradictions(answers)
    if problems:
        raise AnswersError(problems, source)
    return answers


def parse_answers_text(text: str, *, source: str = "") -> Answers:
    """Answers from JSON or YAML text (YAML is a superset of JSON: one parser for both)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AnswersError([f"(answers): not valid JSON or YAML: {exc}"], source) from None
    return parse_answers(data, source=source)


def load_answers(path: Path) -> Answers:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AnswersError([f"(answers): cannot read: {exc.strerror or exc}"], str(path)) from None
    return parse_answers_text(text, source=str(path))


def answers_json_schema() -> dict[str, Any]:
    """The JSON Schema of the answers, as published (draft 2020-12)."""
    schema = Answers.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "navigator-answers/v1",
        **schema,
    }


def schema_text(schema: dict[str, Any]) -> str:
    """The schema file's exact text (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
