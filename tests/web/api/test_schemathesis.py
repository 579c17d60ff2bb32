"""Property tests of the served OpenAPI document (schemathesis): every operation, called with a token
holding every scope and inputs generated from the document, answers no 5xx, only documented status
codes and content types, and bodies that conform to the document's schemas. Bounded (a few examples
per operation, no deadline) so the whole run stays well under a minute."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from licensedesk.web.api.scopes import ALL_SCOPES
from licensedesk.web.api.services import api_token_create

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def _keep_connection() -> Iterator[None]:
    """The WSGI app closes the database connection after each request, as in production; inside a test
    transaction that would end the test's data, so keep it open (as Django's own test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("_keep_connection")
def test_api_conforms_to_its_document(tenant: Any, settings: Any) -> None:
    settings.API_RATE_LIMIT = "100000/min"
    secret = api_token_create(actor=tenant.admin, name="schemathesis", scopes=list(ALL_SCOPES), days=1).secret
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    headers = {"Authorization": f"Bearer {secret}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=3,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            call()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports a FailureGroup; go on
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
