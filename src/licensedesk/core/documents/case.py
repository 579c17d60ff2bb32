"""The case file: what a document needs that is not in the company profile (agency, fee, dates, the
site, premises and facilities, the people to contact).

Every field is optional, as in the profile: what a document needs and lacks is reported by
:class:`~licensedesk.core.documents.errors.DocumentDataMissing`, naming the path, rather than the case
file being refused as a whole. A field of the wrong type is refused with its path, bilingually.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from licensedesk.core.documents.packaging import CHINA
from licensedesk.core.identifiers import IdentifierError, validate_phone, validate_uscc
from licensedesk.core.profile import ProfileError, ProfileProblem, problem_from_error

Text = Annotated[str, Field(min_length=1)]


def _phone(value: str) -> str:
    """A phone number printed on the documents must be one the administration can dial."""
    try:
        return validate_phone(value)
    except IdentifierError as exc:
        raise PydanticCustomError(exc.code, "{message}", {"message": str(exc)}) from None


#: a mobile number, a landline with its area code (and extension) or a 400/800 service number
Phone = Annotated[str, AfterValidator(_phone)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Agency(_Model):
    name: Text = None
    uscc: str = None
    address: Text = None
    legal_representative: Text = None
    contact: Text = None
    phone: Phone = None
    email: Text = None

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str) -> str:
        try:
            return validate_uscc(value)
        except IdentifierError as exc:
            raise ValueError(str(exc)) from None


class Contact(_Model):
    name: Text = None
    phone: Phone = None
    email: Text = None


class Contract(_Model):
    signed_on: date = None
    fee_cny: Annotated[float, Field(ge=0)] = None
    payment_terms: Text = None
    timeline_working_days: Annotated[int, Field(gt=0)] = None


class Premises(_Model):
    address: Text = None
    area_m2: Annotated[float, Field(gt=0)] = None


class Facilities(_Model):
    provider: Text = None
    location: Text = None
    description: Text = None


class Person(_Model):
    name: Text = None
    phone: Phone = None


class CustomerService(_Model):
    phone: Phone = None
    email: Text = None
    hours: Text = None


class CaseData(_Model):
    schema_version: Literal["1"]
    number: Text = None
    license: str = "icp-b25"
    application_date: date = None
    generated_at: datetime = None
    agency: Agency = None
    contact: Contact = None
    contract: Contract = None
    service_name: Text = None
    service_description: Text = None
    premises: Premises = None
    facilities: Facilities = None
    security_officer: Person = None
    customer_service: CustomerService = None

    def generation_time(self) -> datetime:
        """When the documents count as generated: ``generated_at`` if given, else the start of the
        application date in Beijing. From the case, never the clock, so a rebuild gives the same bytes."""
        if self.generated_at is not None:
            return self.generated_at if self.generated_at.tzinfo else self.generated_at.replace(tzinfo=CHINA)
        day = self.application_date or date(2000, 1, 1)
        return datetime.combine(day, time(0, 0), tzinfo=CHINA)

    def to_context(self) -> dict[str, Any]:
        """The case as template data: absent fields left out (they mean 'not known yet')."""
        return self.model_dump(exclude_unset=True, exclude={"schema_version", "license", "generated_at"})


class CaseFileError(ProfileError):
    """A case file that cannot be read or has fields of the wrong type; ``problems`` names each path."""


def validate_case(data: Any, *, source: str | None = None) -> CaseData:
    if not isinstance(data, dict):
        raise CaseFileError(
            [
                ProfileProblem(
                    path="", code="model_type", message="a case file is a mapping / 案件文件应为对象"
                )
            ],
            source,
        )
    try:
        return CaseData.model_validate(data)
    except ValidationError as exc:
        raise CaseFileError([problem_from_error(e) for e in exc.errors(include_url=False)], source) from None


def load_case(path: Path) -> CaseData:
    """Read and validate a case file (YAML or JSON)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseFileError(
            [ProfileProblem(path="", code="file_missing", message="file not found / 文件不存在")], str(path)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFileError(
            [ProfileProblem(path="", code="file_unreadable", message=str(exc))], str(path)
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise CaseFileError(
            [ProfileProblem(path="", code="yaml_invalid", message=f"invalid YAML{where} / YAML 格式错误")],
            str(path),
        ) from None
    return validate_case(data, source=str(path))
