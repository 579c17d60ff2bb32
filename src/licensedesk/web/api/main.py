"""The API object: ``/api/v1/``, its OpenAPI 3.1 document, errors as problem+json, the rate limit."""

from __future__ import annotations

import copy
from typing import Any

from ninja import NinjaAPI

from licensedesk.contracts import CHECK_RESULT_SCHEMA, PROFILE_SCHEMA, load_schema
from licensedesk.web.api import problems
from licensedesk.web.api.auth import TokenRateThrottle
from licensedesk.web.api.endpoints import (
    case_records,
    cases,
    companies,
    documents,
    eligibility,
    materials,
    register,
)
from licensedesk.web.api.schemas import CHECK_RESULT_REF

#: The refusals any operation may answer (documented on each, so clients and schemathesis expect them).
PROBLEM_STATUSES = {
    "400": "Refused input (the domain's error code says why)",
    "401": "No valid token (missing, unknown, expired, revoked)",
    "403": "The token lacks the scope, or its admin's role does not allow it",
    "404": "Nothing this token may see has that id",
    "409": "Refused by the workflow, or the object changed since it was read",
    "413": "The upload is too large",
    "422": "The request does not match the schema",
    "428": "If-Match is required",
    "429": "Rate limit: retry after Retry-After seconds",
}

DESCRIPTION = """\
licensedesk's REST API. Authenticate with an API token an agency admin created
(`Authorization: Bearer ldk_…`); each operation needs one scope (`x-scope`). Every call acts for the
token's agency only. Errors are `application/problem+json` (RFC 9457) with the domain's `code`, an
English `detail`, a Chinese `detail_zh` and, for invalid input, `errors[].path`."""


def _contract(name: str) -> dict[str, Any]:
    schema = copy.deepcopy(load_schema(name))
    schema.pop("$schema", None)
    schema.pop("$id", None)
    return schema


class LicensedeskAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        return operation.view_func.__name__  # unique across the API: list_cases, move_case …

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = problems.PROBLEM_SCHEMA
        components["CompanyProfile"] = _contract(PROFILE_SCHEMA)
        components["CheckResult"] = _contract(CHECK_RESULT_SCHEMA)
        if "CheckOut" in components:  # the stored result is the contract itself
            components["CheckOut"]["properties"]["result"] = CHECK_RESULT_REF
        problem = {problems.CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                # Ninja keys its responses by int, openapi_extra by text: one key each (ours wins),
                # else the JSON holds "200" twice and strict parsers (Swagger UI's) refuse it
                given = operation.get("responses", {})
                responses = {str(k): v for k, v in given.items() if not isinstance(k, str)}
                responses.update({k: v for k, v in given.items() if isinstance(k, str)})
                operation["responses"] = responses
                for status, text in PROBLEM_STATUSES.items():
                    responses.setdefault(status, {"description": text, "content": problem})
                for media in operation.get("requestBody", {}).get("content", {}).values():
                    if "$ref" in media.get("schema", {}):  # a contract replaces Ninja's plain "object"
                        media["schema"] = {"$ref": media["schema"]["$ref"]}
                if needed := operation.get("x-scope"):
                    operation["description"] = (
                        f"{operation.get('description', '')}\n\nScope: `{needed}`".strip()
                    )
        return schema


api = LicensedeskAPI(
    title="licensedesk API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,  # the reference page is ours (web/api/views.py): local assets, no inline script
    throttle=[TokenRateThrottle()],
)
problems.install(api)
for module in (companies, cases, case_records, materials, documents, register, eligibility):
    api.add_router("", module.router)
