"""Writes of the navigator page: opening the cases its result calls for, for one client company.

All or nothing: the cases are opened in one transaction (each with its own ``case.created`` audit
event, by :func:`licensedesk.web.cases.services.case_create`), then one ``navigator.cases_opened`` event
keeps the answers that led to them. A license may only be opened if these answers need it and the
catalog holds it; anything else is refused, so a tampered form cannot open an unrelated case.
"""

from __future__ import annotations

from django.db import transaction

from licensedesk.core.navigator.answers import Answers
from licensedesk.web.accounts.models import User
from licensedesk.web.accounts.roles import ensure_staff
from licensedesk.web.audit.services import audit_record
from licensedesk.web.cases.display import license_name
from licensedesk.web.cases.models import Case, ClientCompany
from licensedesk.web.cases.services import case_create
from licensedesk.web.navigator import errors
from licensedesk.web.navigator.selectors import navigator_result


def navigator_open_cases(
    *, company: ClientCompany, license_ids: list[str], answers: Answers, actor: User
) -> list[Case]:
    """Open a case for each of ``license_ids`` for ``company``, with ``actor`` as the consultant."""
    ensure_staff(actor, company.agency_id, action="open cases")
    chosen = list(dict.fromkeys(license_ids))
    if not chosen:
        raise errors.nothing_chosen()
    result = navigator_result(answers=answers)
    openable = {need.license for need in result.needs if need.in_catalog}
    refused = [license_id for license_id in chosen if license_id not in openable]
    if refused:
        raise errors.not_needed(
            refused, [license_name(i, "zh") for i in refused], [license_name(i, "en") for i in refused]
        )
    with transaction.atomic():
        cases = [
            case_create(company=company, license_id=license_id, actor=actor, consultant=actor)
            for license_id in chosen
        ]
        audit_record(
            agency=company.agency_id,
            actor=actor,
            action="navigator.cases_opened",
            target=company,
            data={
                "answers": answers.model_dump(mode="json"),
                "licenses": chosen,
                "cases": [case.number for case in cases],
            },
        )
    return cases
