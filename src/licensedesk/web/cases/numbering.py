"""Case numbers: the next number of an agency, allocated inside the transaction that opens the case.

The agency row is locked first (as ``audit_record`` does, same order, so the two never deadlock), then
the per-year sequence row is read and bumped: two cases opened at the same moment wait for each other
and get consecutive numbers. A number already taken (the format was changed back to an earlier one) is
skipped rather than refused.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from licensedesk.core.case_numbers import DEFAULT_FORMAT, CaseNumberFormatError, parse_case_number_format
from licensedesk.web.accounts.models import Agency
from licensedesk.web.cases.models import Case, CaseNumberSequence


def _locked(query):  # type: ignore[no-untyped-def]
    if connection.features.has_select_for_update:
        return query.select_for_update(no_key=connection.features.has_select_for_no_key_update)
    return query


def case_number_allocate(*, agency_id: int, on: date) -> str:
    """The next free number of ``agency_id`` for a case opened ``on``; call inside ``transaction.atomic``."""
    fmt_text = _locked(Agency.objects.filter(pk=agency_id)).values_list("case_number_format", flat=True).get()
    try:
        fmt = parse_case_number_format(fmt_text)
    except CaseNumberFormatError:  # saved before validation existed: never block opening a case
        fmt = parse_case_number_format(DEFAULT_FORMAT)
    has_year = any(kind == "year" for kind, _ in fmt.parts)
    year = on.year if has_year else 0
    sequence = _locked(CaseNumberSequence.objects.filter(agency_id=agency_id, year=year)).first()
    if sequence is None:
        sequence = CaseNumberSequence.objects.create(agency_id=agency_id, year=year, last=0)
    while True:
        sequence.last += 1
        number = fmt.render(year=on.year, seq=sequence.last)
        if not Case.objects.filter(agency_id=agency_id, number=number).exists():
            break
    CaseNumberSequence.objects.filter(pk=sequence.pk).update(last=sequence.last)
    return number
