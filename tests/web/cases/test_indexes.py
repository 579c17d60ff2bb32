"""The indexes the list pages rely on (migration ``cases.0003``): the queries the selectors write can use
them. Sequential scans are switched off for each check, so that the plan says whether the index *can*
serve the query as Django writes it (a trigram index on another expression than Django's
``UPPER(name::text)`` would be useless) — on test-sized tables the planner would rightly prefer a scan.
The PostgreSQL-only indexes must not exist on SQLite (the migration does nothing there)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Q

from licensedesk.web.cases import selectors
from licensedesk.web.cases.models import Case, ClientCompany

from ..factories import CaseFactory, ClientCompanyFactory

pytestmark = pytest.mark.django_db

PG_ONLY = ("company_name_trgm_idx", "company_uscc_prefix_idx")


def _plan(queryset: Any, *, bitmap: bool = True) -> str:
    """``bitmap=False`` switches bitmap scans off too: on a handful of rows a bitmap scan of the
    single-column agency index costs about as much as a composite index, and which one the planner takes
    then varies from run to run (trigram lookups need bitmap scans: GIN has no other)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not bitmap:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
    try:
        return queryset.explain()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = on")
            cursor.execute("SET LOCAL enable_bitmapscan = on")


@pytest.mark.postgres
def test_the_search_lookups_can_read_the_trigram_and_prefix_indexes(tenant: Any) -> None:
    # the selectors' search condition, without the agency (whose own index the planner would take on
    # tables this small): Django's SQL for these lookups matches the indexes' expressions
    search = Q(name__icontains="客户1号网络") | Q(uscc__startswith="9144")
    plan = _plan(ClientCompany.objects.filter(search))
    assert "Bitmap Index Scan on company_name_trgm_idx" in plan
    assert "Bitmap Index Scan on company_uscc_prefix_idx" in plan
    found = selectors.case_list_visible_to(user=tenant.consultant, search=tenant.company.name[2:9])
    assert [c.pk for c in found] == [tenant.case.pk]


def _closed_history(case: Case, rows: int) -> None:
    """``rows`` closed copies of ``case``: the agency's history, most of a real table. On a table of a
    few open cases every index of the agency costs about the same and the planner's pick varies from
    run to run; with the history the partial board index is the one that pays, as in production."""
    columns = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    values = {"closed_at": "now()", "number": "''", "stage": "'withdrawn'"}
    select = ", ".join(values.get(c, f'c."{c}"') for c in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO cases_case ({quoted}) "
            f"SELECT {select} FROM cases_case c, generate_series(1, %s) WHERE c.id = %s",
            [rows, case.pk],
        )


@pytest.mark.postgres
def test_board_and_filtered_list_read_their_indexes_in_order(tenant: Any) -> None:
    for _ in range(3):
        CaseFactory(company=ClientCompanyFactory(agency=tenant.agency), consultant=tenant.consultant)
    _closed_history(tenant.case, 3000)
    with connection.cursor() as cursor:  # statistics of these rows, not of what autovacuum saw earlier
        cursor.execute("ANALYZE cases_case")
    cases = selectors.case_list_visible_to(user=tenant.admin, license_id="icp-b25", open_only=True)
    counts = _plan(
        cases.order_by().values_list("stage").annotate(n=Count("pk")), bitmap=False
    )  # as case_board counts
    assert "Scan using case_board_open_idx" in counts  # an index (only) scan, whichever the statistics favour
    mine = selectors.case_list_visible_to(
        user=tenant.consultant, stage="qualification_review", consultant_id=tenant.consultant.pk
    )
    page = _plan(mine[:25], bitmap=False)
    assert "case_agency_cons_list_idx" in page and "Sort" not in page  # the index is in the list's order
    by_stage = _plan(
        selectors.case_list_visible_to(user=tenant.admin, stage="qualification_review")[:25], bitmap=False
    )
    assert "case_agency_stage_list_idx" in by_stage and "Sort" not in by_stage


def test_postgresql_only_indexes_are_absent_elsewhere(db: Any) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'cases_clientcompany'")
            names = {row[0] for row in cursor.fetchall()}
        assert set(PG_ONLY) <= names
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
            names = {row[0] for row in cursor.fetchall()}
        assert not set(PG_ONLY) & names and "case_board_open_idx" in names
