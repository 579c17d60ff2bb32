"""The company profile for one license: the shared contract plus the license's own section.

The contract (``contracts/company-profile.schema.json``) leaves ``extensions`` open; a license that reads
facts of its own declares them in its catalog folder (:mod:`.sections`). :func:`profile_schema` closes
``extensions.<license-id>`` with that declaration, so the printed schema (``licensedesk catalog schema``)
and :func:`validate_section` (what the CLI and the profile editor run) refuse the same values, each
named by its path. Other keys under ``extensions`` stay free: one profile may serve several licenses.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from licensedesk.contracts import PROFILE_SCHEMA, load_schema
from licensedesk.core.catalog.loader import Catalog, default_catalog
from licensedesk.core.profile import CompanyProfile, ProfileError, ProfileProblem, validate_profile

_ZH = {
    "type": "类型不正确",
    "enum": "取值不在允许范围内",
    "minimum": "数值过小",
    "maximum": "数值过大",
    "minLength": "不得为空",
    "uniqueItems": "列表项不得重复",
    "format": "应为日期（YYYY-MM-DD）",
    "additionalProperties": "不允许的字段",
}


def profile_schema(license_id: str, catalog: Catalog | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a company profile checked for ``license_id``."""
    catalog = catalog or default_catalog()
    lic = catalog.license(license_id)  # LookupProblem for an unknown id
    schema = copy.deepcopy(load_schema(PROFILE_SCHEMA))
    schema["$id"] = f"{schema['$id']}/{license_id}"
    schema["title"] = f"{schema['title']} — for {lic.short_names.en} ({license_id})"
    section = catalog.section(license_id)
    if section is not None:
        extensions = schema["properties"]["extensions"]
        extensions["properties"] = {license_id: section.json_schema(license_id)}
    return schema


def section_problems(data: Any, license_id: str, catalog: Catalog | None = None) -> list[ProfileProblem]:
    """Every violation of the license's section in ``data`` (a parsed profile), named by its path."""
    catalog = catalog or default_catalog()
    section = catalog.section(license_id)
    extensions = data.get("extensions") if isinstance(data, dict) else None
    if section is None or not isinstance(extensions, dict) or license_id not in extensions:
        return []
    validator = Draft202012Validator(
        section.json_schema(license_id), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    base = f"extensions.{license_id}"
    errors = sorted(validator.iter_errors(extensions[license_id]), key=lambda e: list(e.absolute_path))
    return [problem for error in errors for problem in _problems(error, base)]


def _problems(error: SchemaError, base: str) -> list[ProfileProblem]:
    path = base + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    kind = str(error.validator)
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        return [
            ProfileProblem(
                path=f"{path}.{key}",
                code="extra_forbidden",
                message=f"Extra inputs are not permitted / {_ZH[kind]}",
            )
            for key in sorted(set(error.instance) - allowed)
        ]
    message = error.message
    if kind in _ZH:
        message = f"{message} / {_ZH[kind]}"
    return [ProfileProblem(path=path, code=f"section_{kind}", message=message)]


def validate_section(
    profile: CompanyProfile, license_id: str, *, source: str | None = None, catalog: Catalog | None = None
) -> CompanyProfile:
    """``profile`` (already valid against the contract) checked against the license's section too;
    :class:`ProfileError` lists every violation."""
    problems = section_problems(profile.to_contract(), license_id, catalog)
    if problems:
        raise ProfileError(problems, source)
    return profile


def every_section_problem(data: Any, catalog: Catalog | None = None) -> list[ProfileProblem]:
    """The violations of every catalog license's section present under ``extensions`` (what the
    profile editor, which shows every section, must refuse); keys no license declares are left free."""
    catalog = catalog or default_catalog()
    extensions = data.get("extensions") if isinstance(data, dict) else None
    if not isinstance(extensions, dict):
        return []
    known = {lic.id for lic in catalog.licenses()}
    return [p for key in extensions if key in known for p in section_problems(data, key, catalog)]


def validate_with_sections(
    data: Any, *, source: str | None = None, as_of: date | None = None, catalog: Catalog | None = None
) -> CompanyProfile:
    """:func:`~licensedesk.core.profile.validate_profile` and every license section present, with all
    problems of both in one :class:`ProfileError`."""
    problems: list[ProfileProblem] = []
    profile = None
    try:
        profile = validate_profile(data, source=source, as_of=as_of)
    except ProfileError as exc:
        problems = list(exc.problems)
    problems += every_section_problem(data, catalog)
    if problems or profile is None:
        raise ProfileError(problems, source)
    return profile
