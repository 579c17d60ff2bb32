"""The back-office benchmark (``bench/web.py``): its statistics and goal verdicts, and the data it measures
(``bench/webdata.py``) — a consistent back office, as the services would have written it, that grows
without touching what is there. No timing assertions."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` lives at the repository root, next to src/
    sys.path.insert(0, str(ROOT))

from bench.web import GOAL_GROWTH, GOAL_TRIVIAL, HEALTHZ, TRIVIAL, Timing, goals, percentile  # noqa: E402

POSTGRES_REASON = "the bench fill writes with PostgreSQL COPY: run with DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test"


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(20, 0, -1)]  # unordered on purpose
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 100)) == (10.0, 19.0, 20.0)
    assert percentile([7.0], 95) == 7.0


def _timings(
    small: dict[str, tuple[float, float, int]], large: dict[str, tuple[float, float, int]]
) -> list[Timing]:
    return [
        Timing(page, size, p50, p95, queries)
        for size, pages in ((1_000, small), (100_000, large))
        for page, (p50, p95, queries) in pages.items()
    ]


def test_goals_compare_query_counts_growth_and_the_trivial_view() -> None:
    base = {HEALTHZ: (0.1, 0.2, 0), TRIVIAL: (1.0, 1.5, 2)}
    timings = _timings(
        {**base, "board": (10.0, 12.0, 5), "search": (8.0, 10.0, 5)},
        {**base, "board": (20.0, 12.0 * GOAL_GROWTH, 5), "search": (21.0, 15.01, 6)},
    )
    assert goals(timings) == [
        (True, "board: 5 queries at 1,000, 5 at 100,000"),
        (False, "search: 5 queries at 1,000, 6 at 100,000"),
        (True, "board: p95 18.00 ms at 100,000 = 1.50 × 12.00 ms at 1,000 (at most 1.5)"),
        (False, "search: p95 15.01 ms at 100,000 = 1.50 × 10.00 ms at 1,000 (at most 1.5)"),
        (True, "board at 1,000: p50 10.00 ms = 10.0 × the trivial view's 1.00 ms (at most 20)"),
        (True, "board at 100,000: p50 20.00 ms = 20.0 × the trivial view's 1.00 ms (at most 20)"),
        (True, "search at 1,000: p50 8.00 ms = 8.0 × the trivial view's 1.00 ms (at most 20)"),
        (False, "search at 100,000: p50 21.00 ms = 21.0 × the trivial view's 1.00 ms (at most 20)"),
    ]
    assert GOAL_TRIVIAL == 20


# -- the data ---------------------------------------------------------------------------------------------


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRES_REASON)


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the fill writes from a second thread, on its own connection
def test_fill_writes_a_consistent_back_office_and_grows_it(postgres_only: None) -> None:
    from bench.webdata import LICENSE, RULESET, SEARCH_TERM, fill, population

    from licensedesk.core.workflow import machine_for
    from licensedesk.web.audit.services import audit_verify
    from licensedesk.web.cases import selectors
    from licensedesk.web.cases.models import Case, CaseCheck, ClientCompany
    from licensedesk.web.cases.services import note_create, profile_hash, validated_profile
    from licensedesk.web.materials.models import CaseMaterial, MaterialStatus

    pop = population(agencies=4)
    first = fill(60, pop)
    assert (first.cases, first.added, first.rows["Case"], first.rows["ClientCompany"]) == (60, 60, 60, 60)
    before = {c.pk: (c.stage, c.updated_at, c.company_id) for c in Case.objects.all()}
    grown = fill(150, pop)
    assert (grown.added, Case.objects.count()) == (90, 150)
    assert {c.pk: (c.stage, c.updated_at, c.company_id) for c in Case.objects.filter(pk__in=before)} == before

    # agencies differ in size; the first has the three affiliated companies the search is for
    sizes = Counter(Case.objects.values_list("agency", flat=True))
    assert sizes[pop.agencies[0].pk] == max(sizes.values())
    consultant = pop.consultant()
    found = selectors.case_list_visible_to(user=consultant, search=SEARCH_TERM)
    assert len(found) == 3 and all(SEARCH_TERM in c.company.name for c in found)

    machine = machine_for(LICENSE, RULESET)
    for case in Case.objects.select_related("company"):
        assert case.agency_id == case.company.agency_id and case.consultant.agency_id == case.agency_id
        assert (case.closed_at is not None) == machine.is_terminal(case.stage)
        assert validated_profile(case.company.profile) == case.company.profile
        assert case.company.profile_hash == profile_hash(case.company.profile)
        latest = CaseCheck.objects.filter(case=case).order_by("-created_at", "-pk").first()
        assert latest.profile_hash == case.company.profile_hash and latest.verdict == latest.result["verdict"]
        materials = list(CaseMaterial.objects.filter(case=case).select_related("latest_version"))
        assert [m.material_id for m in sorted(materials, key=lambda m: m.position)] == [
            item["id"] for item in latest.result["materials"]
        ]
        for material in materials:
            uploaded = material.status != MaterialStatus.MISSING
            assert (material.latest_version is not None) == uploaded and material.synced_check_id == latest.pk
            if uploaded:
                assert material.latest_version.files.count() == 1
    assert ClientCompany.objects.values("uscc").distinct().count() == 150

    assert audit_verify().ok  # every agency's chain is whole, the fill's events included
    case = Case.objects.filter(agency=pop.agencies[0], closed_at__isnull=True).first()
    note_create(
        case=case, author=consultant, body="基准之后的备注"
    )  # the sequences moved past the fill's ids
    assert audit_verify().ok


def test_fill_refuses_other_databases(db: Any) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("checks the refusal on a database other than PostgreSQL")
    from bench.webdata import Population, fill

    with pytest.raises(RuntimeError, match="the bench fill writes with PostgreSQL COPY"):
        fill(10, Population([], {}, [], [], []))
