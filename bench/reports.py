"""Reports page benchmark (issue 13): the weight of ``/reports/`` for a realistic agency, and its queries.

What it does: drop and recreate the PostgreSQL database ``licensedesk_bench_reports`` (127.0.0.1:5432,
user postgres, trust auth; ``BENCH_PG_ADMIN_URL`` names another server), migrate it, fill it with
``bench/webdata.py`` (``--cases`` ICP cases over a year across ``--agencies`` agencies, each with its
stage history in the audit trail), then add what the reports read beyond that fill, derived from each
case's stage history: the dated authority events its moves record (paper delivery, acceptance, the
correction request and resubmission, the decision: the statutory clocks) and one to three material
review rounds for each case that reached the review of materials. Then, as the largest agency's admin
and as its busiest consultant, request the page for the last twelve months (the default), and print:

* the HTML's bytes, and the CSS it loads (the site's ``app.css`` and the page's ``reports.css``), raw
  and gzip-compressed (what crosses the network with compression on);
* how many charts (each an inline SVG) and tables it holds, and the SVG share of the HTML;
* the SQL queries of one request, at two sizes of the same agency (the query count must not grow
  with the number of cases; a test pins it, ``tests/web/reports/test_views.py``);
* the server time of one request, for scale only (no goal: a shared two-core machine).

Goal (printed as PASS/FAIL): HTML + CSS under 100 kB uncompressed (the page stays light: no chart
library, no script). Exit 0 whatever the figures, unless ``--check`` (then 1 if a goal fails).

    .venv/bin/python bench/reports.py [--cases 5000] [--agencies 5] [--keep] [--check]
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB_NAME = "licensedesk_bench_reports"
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
GOAL_BYTES = 100_000
STATIC = ROOT / "src/licensedesk/web"
CSS_FILES = (STATIC / "static/licensedesk/app.css", STATIC / "reports/static/reports/reports.css")

#: the authority events the icp-b25 moves record (the catalog's ``records``), by (from, to)
EVENTS = {
    ("submitted_online", "paper_submitted"): "paper_delivery",
    ("paper_submitted", "under_authority_review"): "acceptance_notice",
    ("under_authority_review", "correction_requested"): "correction_request",
    ("correction_requested", "under_authority_review"): "correction_submission",
    ("under_authority_review", "approved"): "approval_decision",
    ("under_authority_review", "rejected"): "refusal_decision",
}
REVIEWED = {"reviewing_materials"}


def recreate_database() -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{DB_NAME}\" ENCODING 'UTF8' TEMPLATE template0")
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME


def drop_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def setup_django(database_url: str, var_dir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["LICENSEDESK_VAR_DIR"] = str(var_dir)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "licensedesk.web.settings")
    os.environ.setdefault("LICENSEDESK_LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest of hashed names
    from licensedesk.web.translations import compile_translations

    compile_translations()


def add_events_and_rounds(
    agency_ids: list[int], *, after_case: int = 0, seed: int = 13
) -> tuple[int, int, int]:
    """CaseEvents from each case's transitions (the day of the move) and review rounds for the cases
    that reached the review of materials, as the services would have written them; only for the cases
    after ``after_case`` (those of an earlier fill have theirs). Returns the counts and the last case id."""
    from django.db import transaction
    from django.utils import timezone

    from licensedesk.web.audit.models import AuditEvent
    from licensedesk.web.cases.models import CaseEvent
    from licensedesk.web.materials.models import ReviewRound

    rng = random.Random(seed)
    events: list[CaseEvent] = []
    rounds: list[ReviewRound] = []
    rows = (
        AuditEvent.objects.filter(
            agency_id__in=agency_ids, action="case.transitioned", case_id__gt=after_case
        )
        .order_by("case_id", "seq")
        .values_list("case_id", "actor_id", "occurred_at", "before", "after")
        .iterator(chunk_size=5000)
    )
    last = after_case
    for case_id, actor_id, at, before, after in rows:
        last = max(last, case_id)
        source, to = (before or {}).get("stage"), (after or {}).get("stage")
        kind = EVENTS.get((source, to))
        if kind:
            day = timezone.localdate(at)
            reference = (
                {"due_on": (day + timedelta(days=20)).isoformat()} if kind == "correction_request" else {}
            )
            events.append(
                CaseEvent(
                    case_id=case_id,
                    kind=kind,
                    from_stage=source,
                    to_stage=to,
                    occurred_on=day,
                    reference=reference,
                    recorded_by_id=actor_id,
                )
            )
        if to in REVIEWED:
            for number in range(1, rng.choice((1, 1, 1, 2, 2, 3)) + 1):
                opened = at + timedelta(days=3 * (number - 1), hours=2)
                rounds.append(
                    ReviewRound(
                        case_id=case_id,
                        number=number,
                        opened_by_id=actor_id,
                        opened_at=opened,
                        finished_by_id=actor_id,
                        finished_at=opened + timedelta(hours=5),
                    )
                )
    with transaction.atomic():
        CaseEvent.objects.bulk_create(events, batch_size=2000)
        ReviewRound.objects.bulk_create(rounds, batch_size=2000, ignore_conflicts=True)
    return len(events), len(rounds), last


def measure(client: Any, url: str) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: the catalog, the templates
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    html = response.content
    text = html.decode()
    svg = sum(len(m.encode()) for m in re.findall(r"<svg.*?</svg>", text, flags=re.S))
    return {
        "html": len(html),
        "html_gz": len(gzip.compress(html, 6)),
        "charts": text.count('role="img"'),
        "tables": text.count('<table class="chart-table"'),
        "svg": svg,
        "queries": len(queries),
        "ms": elapsed * 1000,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--agencies", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is not met")
    args = parser.parse_args(argv)

    css = b"".join(path.read_bytes() for path in CSS_FILES)
    css_gz = sum(len(gzip.compress(path.read_bytes(), 6)) for path in CSS_FILES)
    url = recreate_database()
    results: list[tuple[str, int, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="licensedesk-bench-reports-") as var_dir:
        setup_django(url, Path(var_dir))
        from django.db.models import Count, Q
        from django.test import Client

        from bench.webdata import fill, population
        from licensedesk.web.cases.models import Case

        pop = population(agencies=args.agencies)
        agency = pop.agencies[0]  # the largest
        done = 0
        for size in (args.cases // 4, args.cases):
            report = fill(size, pop)
            *added, done = add_events_and_rounds([a.pk for a in pop.agencies], after_case=done, seed=size)
            cases = Case.objects.filter(agency=agency).count()
            print(
                f"filled to {size:,} cases in {report.seconds:.0f} s; the largest agency has {cases:,} "
                f"(+{added[0]:,} authority events, +{added[1]:,} review rounds in all)",
                flush=True,
            )
            busiest = (
                Case.objects.filter(agency=agency, consultant__isnull=False)
                .values_list("consultant")
                .annotate(n=Count("pk", filter=Q(closed_at__isnull=True)))
                .order_by("-n")
                .first()
            )
            staff = {u.pk: u for u in pop.staff[agency.pk]}
            for role, user in (
                ("admin", staff[pop.staff[agency.pk][0].pk]),
                ("consultant", staff[busiest[0]]),
            ):
                client = Client()
                client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
                results.append((role, cases, measure(client, "/reports/")))
        from django.db import connections

        connections.close_all()
    if not args.keep:
        drop_database()

    print(f"\nCSS loaded by the page: {len(css):,} bytes ({css_gz:,} gzip) = app.css + reports.css\n")
    print(
        f"{'reader':<11} {'cases':>7} {'HTML':>8} {'gzip':>7} {'SVG':>7} {'charts':>6} {'tables':>6} "
        f"{'HTML+CSS':>9} {'gzip':>7} {'queries':>7} {'ms':>7}"
    )
    for role, cases, r in results:
        print(
            f"{role:<11} {cases:>7,} {r['html']:>8,} {r['html_gz']:>7,} {r['svg']:>7,} {r['charts']:>6} "
            f"{r['tables']:>6} {r['html'] + len(css):>9,} {r['html_gz'] + css_gz:>7,} {r['queries']:>7} "
            f"{r['ms']:>7.0f}"
        )
    worst = max(r["html"] for _, _, r in results) + len(css)
    weight_ok = worst < GOAL_BYTES
    queries = {role: {r["queries"] for rr, _, r in results if rr == role} for role, _, _ in results}
    flat = all(len(counts) == 1 for counts in queries.values())
    print()
    print(
        f"{'PASS' if weight_ok else 'FAIL'}  heaviest page HTML + CSS {worst:,} bytes (under {GOAL_BYTES:,})"
    )
    print(f"{'PASS' if flat else 'FAIL'}  query count the same at both sizes: {queries}")
    return 1 if args.check and not (weight_ok and flat) else 0


if __name__ == "__main__":
    raise SystemExit(main())
