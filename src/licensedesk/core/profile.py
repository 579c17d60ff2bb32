"""The company profile contract (../shared/contracts/company-profile.schema.json) as pydantic models.

Why pydantic rather than only the JSON Schema: the same models give the web forms and the API typed
fields, and they run the identifier checks (USCC, resident ID) that a schema cannot express. A test keeps
them equal to the schema in both directions (every schema-valid profile is accepted, every rejected
one is schema-invalid or carries a bad identifier).

Absent means *not known yet*. Validation therefore keeps absence and ``null`` apart: the engine reads
``model_dump(exclude_unset=True)``, where an absent field stays absent.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from licensedesk.core.identifiers import (
    IdentifierError,
    parse_icp_filing,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)

_CHINA = ZoneInfo("Asia/Shanghai")

Province = Literal[
    "CN-AH", "CN-BJ", "CN-CQ", "CN-FJ", "CN-GD", "CN-GS", "CN-GX", "CN-GZ", "CN-HA", "CN-HB", "CN-HE",
    "CN-HI", "CN-HL", "CN-HN", "CN-JL", "CN-JS", "CN-JX", "CN-LN", "CN-NM", "CN-NX", "CN-QH", "CN-SC",
    "CN-SD", "CN-SH", "CN-SN", "CN-SX", "CN-TJ", "CN-XJ", "CN-XZ", "CN-YN", "CN-ZJ",
]  # fmt: skip
EntityType = Literal[
    "limited_company", "joint_stock_company", "partnership", "sole_proprietorship", "individual_business",
    "public_institution", "social_organization", "foreign_company", "natural_person",
]  # fmt: skip
Activity = Literal[
    "online_advertising", "paid_information", "e_commerce_own_goods", "platform_for_third_parties",
    "online_application_services", "membership_fees", "non_commercial_information", "online_data_processing",
    "call_center", "idc_hosting", "cdn", "internet_access",
]  # fmt: skip
ApprovalArea = Literal[
    "news", "publishing", "education", "healthcare", "drugs_medical_devices", "bulletin_board",
    "culture_entertainment", "online_games", "audio_video", "live_streaming", "religion", "finance",
]  # fmt: skip
ContentArea = Literal[
    "news", "publishing", "education", "healthcare", "drugs_medical_devices", "bulletin_board",
    "culture_entertainment", "online_games", "audio_video", "live_streaming", "religion", "finance", "none",
]  # fmt: skip
Percent = Annotated[float, Field(ge=0, le=100)]


def _integral(value: Any) -> Any:
    """JSON Schema counts 3.0 as an integer; strict pydantic would not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


NonNegativeInt = Annotated[int, BeforeValidator(_integral), Field(ge=0)]


class _Model(BaseModel):
    """Strict, closed models. A field the contract does not allow to be null is typed without None
    but defaults to None: absent is fine (not known yet), an explicit null is a validation error."""

    model_config = ConfigDict(extra="forbid", strict=True)


def _uscc(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    try:
        return validate_uscc(value)
    except IdentifierError as exc:
        raise PydanticCustomError(exc.code, "{message}", {"message": str(exc), "field": field}) from None


def _identifier(exc: IdentifierError) -> PydanticCustomError:
    """An identifier error as a pydantic error carrying its own bilingual message (see problem_from_error)."""
    return PydanticCustomError(exc.code, "{message}", {"message": str(exc)})


def as_of_of(info: ValidationInfo) -> date:
    """The as-of date validation runs against: ``context={"as_of": …}``, else today in Beijing."""
    context = info.context or {}
    return context.get("as_of") or today_in_china()


def today_in_china() -> date:
    """Legal dates are Chinese dates: 'today' is the date in Beijing, wherever the code runs."""
    return datetime.now(_CHINA).date()


def _unique(values: list[Any] | None) -> list[Any] | None:
    if values is not None and len(set(values)) != len(values):
        raise PydanticCustomError("unique_items", "items must be unique")
    return values


class LegalRepresentative(_Model):
    name: str = Field(min_length=1)
    id_type: Literal["resident_id", "passport", "hk_macao_permit", "taiwan_permit",
                     "foreign_permanent_resident_id"] = None  # fmt: skip
    id_number: str = None
    mobile: str = None

    @field_validator("mobile")
    @classmethod
    def _check_mobile(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return validate_mobile(value)
        except IdentifierError as exc:
            raise _identifier(exc) from None

    @model_validator(mode="after")
    def _resident_id(self) -> LegalRepresentative:
        if self.id_type == "resident_id" and self.id_number is not None:
            try:
                self.id_number = validate_resident_id(self.id_number)
            except IdentifierError as exc:
                raise PydanticCustomError(exc.code, "id_number: {message}", {"message": str(exc)}) from None
        return self


class Shareholder(_Model):
    name: str = Field(min_length=1)
    kind: Literal["person", "entity"] = None
    jurisdiction: str = Field(default=None, pattern=r"^[A-Z]{2}$")
    share_pct: Percent
    uscc: str = None

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, value: str | None) -> str | None:
        return _uscc(value, "uscc")


class Financials(_Model):
    latest_statement_date: date = None
    audited: bool = None
    capital_verification_report: bool = None


class Company(_Model):
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default=None, max_length=300)
    uscc: str | None = None
    name_pre_approved: bool = None
    entity_type: EntityType = None
    registered_capital_cny: Annotated[float, Field(ge=0)] = None
    #: 实缴资本 as a capital-verification or audit report states it (labour dispatch counts it)
    paid_in_capital_cny: Annotated[float, Field(ge=0)] = None
    established_on: date = None
    business_license_valid_until: date | None = None
    province: Province = None
    city: str = None
    registered_address: str = None
    business_scope: str = None
    legal_representative: LegalRepresentative = None
    shareholders: list[Shareholder] = None
    foreign_ownership_pct: Percent = None
    staff_total: NonNegativeInt = None
    technical_staff: NonNegativeInt = None
    on_telecom_dishonesty_list: bool = None
    financials: Financials = None

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, value: str | None) -> str | None:
        return _uscc(value, "uscc")

    @field_validator("established_on")
    @classmethod
    def _not_after_as_of(cls, value: date | None, info: ValidationInfo) -> date | None:
        as_of = as_of_of(info)
        if value is not None and value > as_of:
            raise PydanticCustomError(
                "date_after_as_of",
                "{message}",
                {
                    "message": f"the founding date {value.isoformat()} is after the as-of date "
                    f"{as_of.isoformat()} / 成立日期 {value.isoformat()} 晚于检查基准日 {as_of.isoformat()}"
                },
            )
        return value


def _number(value: Any) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def contradictions(data: Any) -> list[ProfileProblem]:
    """Values that are each valid but cannot all be true: more technical staff than staff, shares
    summing above 100 %, each named with its path. Read from the parsed data (numbers only), so they
    are reported together with any other violation of the same profile."""
    company = data.get("company") if isinstance(data, dict) else None
    if not isinstance(company, dict):
        return []
    problems = []
    staff, technical = _number(company.get("staff_total")), _number(company.get("technical_staff"))
    if staff is not None and technical is not None and 0 <= staff < technical:  # else each is named
        problems.append(
            ProfileProblem(
                path="company.technical_staff",
                code="technical_staff_above_total",
                message=f"{_shown_bound(technical)} technical staff is more than the {_shown_bound(staff)} "
                f"staff in total / 专业技术人员 {_shown_bound(technical)} 人多于员工总数 "
                f"{_shown_bound(staff)} 人",
            )
        )
    holders = company.get("shareholders")
    shares = (
        [_number(h.get("share_pct")) for h in holders if isinstance(h, dict)]
        if isinstance(holders, list)
        else []
    )
    if shares and all(share is not None and 0 <= share <= 100 for share in shares):  # else each is named
        total = sum(share for share in shares if share is not None)
        if total > 100 + 1e-9:
            shown = f"{total:g}"
            problems.append(
                ProfileProblem(
                    path="company.shareholders",
                    code="shares_above_100",
                    message=f"the shareholders' shares add up to {shown} %, more than 100 % / "
                    f"各股东持股比例合计 {shown}%，超过 100%",
                )
            )
    return problems


class PreApproval(_Model):
    area: ApprovalArea
    document_name: str = None
    issued_by: str = None
    number: str = None
    valid_until: date | None = None


class Website(_Model):
    domain: str
    owner_uscc: str | None = None
    icp_filing_number: str | None = None

    @field_validator("icp_filing_number")
    @classmethod
    def _check_filing(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        try:
            return parse_icp_filing(value, today=as_of_of(info)).number
        except IdentifierError as exc:
            raise _identifier(exc) from None

    @field_validator("owner_uscc")
    @classmethod
    def _check_uscc(cls, value: str | None) -> str | None:
        return _uscc(value, "owner_uscc")


class App(_Model):
    name: str
    platforms: list[str] = None


class Service(_Model):
    coverage: Literal["provincial", "national"] = None
    activities: list[Activity] = None
    content_areas: list[ContentArea] = None
    pre_approvals: list[PreApproval] = None
    websites: list[Website] = None
    apps: list[App] = None
    hosting: Literal["mainland", "hong_kong", "overseas"] = None

    _unique_lists = field_validator("activities", "content_areas")(classmethod(lambda cls, v: _unique(v)))


class Security(_Model):
    website_security_measures: bool = None
    confidentiality_management_system: bool = None
    user_information_security_system: bool = None


class Readiness(_Model):
    business_plan: bool = None
    technical_solution: bool = None
    premises_and_facilities: bool = None
    long_term_service_capability: bool = None
    security: Security = None


class CompanyProfile(_Model):
    schema_version: Literal["1"]
    company: Company
    service: Service = None
    readiness: Readiness = None
    extensions: dict[str, Any] = None

    def to_contract(self) -> dict[str, Any]:
        """The profile as contract JSON, absent fields left out (they mean 'not known yet')."""
        return self.model_dump(mode="json", exclude_unset=True)


# -- errors ---------------------------------------------------------------------------------------

_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "literal_error": "取值不在允许范围内",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "float_type": "应为数字",
    "bool_type": "应为 true 或 false",
    "list_type": "应为列表",
    "model_type": "应为对象",
    "dict_type": "应为对象",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "greater_than_equal": "不得小于 {ge}",
    "less_than_equal": "不得大于 {le}",
    "string_too_short": "不得为空",
    "string_too_long": "过长（最多 {max_length} 个字符）",
    "string_pattern_mismatch": "格式不正确",
    "json_invalid": "不是有效的 JSON",
    "unique_items": "列表项不得重复",
}


class ProfileProblem(BaseModel):
    """One violation of the profile contract, located by its dotted path."""

    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(profile)'}: {self.message}"


class ProfileError(ValueError):
    """A profile that does not meet the contract; ``problems`` holds every violation at once."""

    def __init__(self, problems: list[ProfileProblem], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "; ".join(str(p) for p in problems))


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-plain") or str(part).startswith(("literal[", "nullable[")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _shown_bound(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def problem_from_error(error: dict[str, Any]) -> ProfileProblem:
    code = error["type"]
    message = error["msg"]
    path = _path(error["loc"])
    ctx = error.get("ctx") or {}
    if "message" in ctx:  # identifier errors carry their own bilingual text
        message = ctx["message"]
        if path.endswith("legal_representative"):
            path += ".id_number"
    elif code in _ZH:
        shown = {k: _shown_bound(v) for k, v in ctx.items() if isinstance(v, int | float | str)}
        zh = _ZH[code].format(**shown)
        message = f"{message} / {zh}"
    if code == "literal_error" and "expected" in ctx:
        message = f"Input should be one of {ctx['expected']} / 取值应为其中之一：{ctx['expected']}"
    return ProfileProblem(path=path, code=code, message=message)


def _json_default(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def validate_profile(data: Any, *, source: str | None = None, as_of: date | None = None) -> CompanyProfile:
    """Validate a parsed profile (JSON or YAML); raise :class:`ProfileError` listing every violation.

    ``as_of`` is the date the profile is judged on (the check's as-of date; default today in Beijing):
    a company cannot be founded after it. The CLI passes ``--as-of``, the web editor today's date, so
    both refuse the same profiles."""
    if not isinstance(data, dict):
        raise ProfileError(
            [
                ProfileProblem(
                    path="", code="model_type", message="a profile is a JSON object / 企业档案应为 JSON 对象"
                )
            ],
            source,
        )
    try:
        text = json.dumps(data, default=_json_default, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise ProfileError([ProfileProblem(path="", code="json_invalid", message=str(exc))], source) from None
    contradicted = contradictions(data)
    try:
        profile = CompanyProfile.model_validate_json(text, context={"as_of": as_of or today_in_china()})
    except ValidationError as exc:
        problems = [problem_from_error(e) for e in exc.errors(include_url=False)]
        raise ProfileError(problems + contradicted, source) from None
    if contradicted:
        raise ProfileError(contradicted, source)
    return profile


def parse_profile_text(text: str, *, source: str, yaml_allowed: bool = True) -> Any:
    """Parse JSON (or YAML) text, turning syntax errors into a ProfileError with line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if not yaml_allowed or text.lstrip().startswith(("{", "[")):
            raise ProfileError(
                [
                    ProfileProblem(
                        path="",
                        code="json_invalid",
                        message=f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                    )
                ],
                source,
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise ProfileError(
            [
                ProfileProblem(
                    path="",
                    code="yaml_invalid",
                    message=f"invalid YAML{where}: {getattr(exc, 'problem', exc)}",
                )
            ],
            source,
        ) from None


def load_profile(path: Path, *, as_of: date | None = None) -> CompanyProfile:
    """Read and validate a profile file (.json, .yaml or .yml) as of ``as_of`` (default today)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(
            [ProfileProblem(path="", code="file_missing", message="file not found / 文件不存在")], str(path)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(
            [ProfileProblem(path="", code="file_unreadable", message=str(exc))], str(path)
        ) from None
    data = parse_profile_text(text, source=str(path), yaml_allowed=path.suffix.lower() != ".json")
    return validate_profile(data, source=str(path), as_of=as_of)
