"""Back-office page benchmark (issue 3): the board, the filtered case list, the search and the case page
at 1,000 and at 100,000 cases across 20 agencies, beside a trivial Django view measured in the same run.

What it does: drop and recreate the PostgreSQL database ``licensedesk_bench`` (127.0.0.1:5432, user
postgres, trust auth; ``BENCH_PG_ADMIN_URL`` names another server), migrate it, collect the static files
into a temporary var dir, fill it with ``bench/webdata.py`` (1,000 cases, then VACUUM ANALYZE), measure,
grow it to 100,000 cases (VACUUM ANALYZE), measure again. Each page is requested with Django's test
``Client`` in the same process: the server time of a request is the time around ``client.get``
(middleware, view, queries, template), ``--requests`` times after ``--warmup`` requests, reported as
p50 and p95; the SQL queries of one request are counted with ``CaptureQueriesContext``.

Like for like: the two sizes must differ in what the database has to look through, not in what the
page shows (25 rows take longer to render than 3 whatever the indexes). So the pages are those of the
largest agency (agencies differ in size, ``webdata.agency_weights``: the first has 28 % of the cases),
whose board columns are about full at 1,000 cases already, seen by its consultant with the biggest pile
of open cases in one stage (chosen at 1,000 cases), and the search is for a trade name three companies
of the agency share. The pages:

* board — ``/cases/board/`` (the ICP board, every consultant's open cases);
* filtered list — ``/cases/?stage=<stage>`` (the agency's open cases in the stage with the most of them);
* search — ``/cases/?q=瑞丰数据`` (a trade name shared by three affiliated companies of the agency);
* case page — ``/cases/<id>/`` for ten of the consultant's cases from the first 1,000 (the same at
  both sizes), each with its checks, checklist, notes, tasks and timeline;
* trivial view — a signed-in page that renders ``base.html`` around a heading and reads nothing else
  (the session and the user, the page chrome): what every page of the back office costs at least.
  Installed by the bench under ``/bench/trivial/``; the application has no such page;
* ``/healthz`` — the bare request/response cycle through the middleware (no session, no template),
  shown for scale.

Goals (printed as PASS/FAIL): the query count of each page is the same at both sizes (no N+1); p95 at
the large size is at most 1.5 × p95 at the small one; and each page's median costs at most 20 × the
trivial view's median, at each size. ``--explain`` prints EXPLAIN ANALYZE of every query of every page
at the largest size. Exit 0 whatever the figures, unless ``--check`` (then 1 if a goal fails).

    .venv/bin/python bench/web.py [--sizes 1000,100000] [--requests 200] [--warmup 20] [--explain]
                                  [--keep] [--check]
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import tempfile
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB_NAME = "licensedesk_bench"
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
GOAL_GROWTH = 1.5  # p95 at the large size / p95 at the small size
GOAL_TRIVIAL = 20.0  # a page's median / the trivial view's median
TRIVIAL = "trivial view"
HEALTHZ = "/healthz"
BASELINES = (TRIVIAL, HEALTHZ)


@dataclass(frozen=True)
class Page:
    name: str
    urls: tuple[str, ...]  # requested in turn


@dataclass(frozen=True)
class Timing:
    page: str
    cases: int
    p50_ms: float
    p95_ms: float
    queries: int


# -- database -------------------------------------------------------------------------------------------


def recreate_database() -> str:
    """Drop and create the bench database; its URL."""
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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "licensedesk.web.settings")
    os.environ.setdefault("LICENSEDESK_LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest of hashed names
    from licensedesk.web.translations import compile_translations

    compile_translations()  # the pages are Chinese: read the compiled catalogs as a deployment does


# -- measuring ------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0–100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def query_count(client: Any, url: str) -> tuple[int, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def measure(client: Any, page: Page, cases: int, *, requests: int, warmup: int) -> Timing:
    urls = page.urls
    for i in range(warmup):
        client.get(urls[i % len(urls)])
    counts = {query_count(client, url)[0] for url in urls}
    gc.collect()
    times = []
    for i in range(requests):
        url = urls[i % len(urls)]
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    return Timing(page.name, cases, statistics.median(times), percentile(times, 95), max(counts))


def explain(client: Any, page: Page) -> None:
    """EXPLAIN ANALYZE of every query of one request of ``page`` (its first URL)."""
    from django.db import connection

    _, queries = query_count(client, page.urls[0])
    print(f"\n== {page.name}: {page.urls[0]} ({len(queries)} queries)")
    with connection.cursor() as cursor:
        for sql in queries:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n    ".join(row[0] for row in cursor.fetchall())
            print(f"\n  {sql[:300]}{'…' if len(sql) > 300 else ''}\n    {plan}")


def install_trivial_page() -> str:
    """Serve the trivial page beside the application's URLs (a URLconf of the bench's own); its URL."""
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.http import HttpRequest, HttpResponse
    from django.template import engines
    from django.urls import include, path

    template = engines["django"].from_string(
        '{% extends "base.html" %}{% block title %}基准{% endblock %}'
        "{% block content %}<h1>基准</h1>{% endblock %}"
    )

    @login_required
    def trivial(request: HttpRequest) -> HttpResponse:  # as ``render()``: with the context processors
        return HttpResponse(template.render({}, request))

    module = types.ModuleType("bench_web_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/trivial/", trivial, name="bench_trivial"),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    return "/bench/trivial/"


def pages(consultant: Any, stage: str, case_ids: Sequence[int], search: str, trivial: str) -> list[Page]:
    from django.urls import reverse

    cases = reverse("cases:list")
    filtered = urlencode({"stage": stage})
    return [
        Page(HEALTHZ, (reverse("healthz"),)),
        Page(TRIVIAL, (trivial,)),
        Page("board", (reverse("cases:board"),)),
        Page("filtered list", (f"{cases}?{filtered}",)),
        Page("search", (f"{cases}?{urlencode({'q': search})}",)),
        Page("case page", tuple(reverse("cases:detail", kwargs={"pk": pk}) for pk in case_ids)),
    ]


def busiest_pile(pop: Any) -> tuple[Any, str]:
    """A consultant of the first (largest) agency, and the open stage of that agency with the most cases
    (the pile the list is filtered for), chosen at the smallest size so that the filtered list shows a
    full page at both sizes: the comparison is then about the data behind the page, not about how many
    rows it shows."""
    from django.db.models import Count

    from licensedesk.web.cases.models import Case

    pile = (
        Case.objects.filter(consultant__in=pop.staff[pop.agencies[0].pk][1:], closed_at__isnull=True)
        .values_list("consultant", "stage")
        .annotate(n=Count("pk"))
        .order_by("-n", "consultant", "stage")
        .first()
    )
    if pile is None:
        raise RuntimeError("the first agency has no open case")
    consultant = next(u for u in pop.staff[pop.agencies[0].pk] if u.pk == pile[0])
    return consultant, pile[1]


def sample_cases(consultant: Any, count: int = 10) -> list[int]:
    """Open cases of the consultant with notes and tasks (the case page has something to show)."""
    from django.db.models import Count

    from licensedesk.web.cases.models import Case

    rows = (
        Case.objects.filter(consultant=consultant, closed_at__isnull=True)
        .annotate(n=Count("notes", distinct=True) + Count("tasks", distinct=True))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)[:count]
    )
    return list(rows)


# -- the report -----------------------------------------------------------------------------------------


def table(timings: Sequence[Timing]) -> str:
    trivial = {t.cases: t for t in timings if t.page == TRIVIAL}
    healthz = {t.cases: t for t in timings if t.page == HEALTHZ}
    lines = [
        f"{'page':<15}{'cases':>9}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'p50 × trivial':>15}"
        f"{'p50 × /healthz':>16}"
    ]
    for t in timings:
        lines.append(
            f"{t.page:<15}{t.cases:>9,}{t.p50_ms:>9.2f}{t.p95_ms:>9.2f}{t.queries:>9}"
            f"{t.p50_ms / trivial[t.cases].p50_ms:>15.1f}{t.p50_ms / healthz[t.cases].p50_ms:>16.1f}"
        )
    return "\n".join(lines)


def goals(timings: Sequence[Timing]) -> list[tuple[bool, str]]:
    """(passed, line) per goal and page, comparing the smallest size with the largest."""
    sizes = sorted({t.cases for t in timings})
    small, large = sizes[0], sizes[-1]
    at = {(t.page, t.cases): t for t in timings}
    out: list[tuple[bool, str]] = []
    names = [t.page for t in timings if t.cases == small and t.page not in BASELINES]
    for name in names:
        a, b = at[(name, small)], at[(name, large)]
        out.append(
            (a.queries == b.queries, f"{name}: {a.queries} queries at {small:,}, {b.queries} at {large:,}")
        )
    for name in names:
        a, b = at[(name, small)], at[(name, large)]
        ratio = b.p95_ms / a.p95_ms
        out.append(
            (
                ratio <= GOAL_GROWTH,
                f"{name}: p95 {b.p95_ms:.2f} ms at {large:,} = {ratio:.2f} × {a.p95_ms:.2f} ms at {small:,}"
                f" (at most {GOAL_GROWTH})",
            )
        )
    for name in names:
        for size in sizes:
            t, base = at[(name, size)], at[(TRIVIAL, size)]
            ratio = t.p50_ms / base.p50_ms
            out.append(
                (
                    ratio <= GOAL_TRIVIAL,
                    f"{name} at {size:,}: p50 {t.p50_ms:.2f} ms = {ratio:.1f} × the trivial view's "
                    f"{base.p50_ms:.2f} ms (at most {GOAL_TRIVIAL:.0f})",
                )
            )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="case counts, ascending (default 1000,100000)")
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's queries")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB_NAME} database afterwards")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is not met")
    args = parser.parse_args(argv)
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))

    url = recreate_database()
    with tempfile.TemporaryDirectory(prefix="licensedesk-bench-web-") as var_dir:
        setup_django(url, Path(var_dir))
        from django.test import Client

        from bench.webdata import SEARCH_TERM, fill, population

        trivial = install_trivial_page()
        pop = population(agencies=args.agencies)
        client = Client(HTTP_HOST="127.0.0.1")
        timings: list[Timing] = []
        measured: list[Page] = []
        for size in sizes:
            report = fill(size, pop)
            rows = ", ".join(f"{n:,} {name}" for name, n in sorted(report.rows.items()))
            print(f"filled to {size:,} cases in {report.seconds:.0f} s ({rows})", flush=True)
            print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
            if not measured:  # chosen at the smallest size, the same at every size
                consultant, stage = busiest_pile(pop)
                client.force_login(consultant, backend="django.contrib.auth.backends.ModelBackend")
                measured = pages(consultant, stage, sample_cases(consultant), SEARCH_TERM, trivial)
            for page in measured:
                timing = measure(client, page, size, requests=args.requests, warmup=args.warmup)
                timings.append(timing)
                print(
                    f"  {page.name:<15} p50 {timing.p50_ms:7.2f} ms  p95 {timing.p95_ms:7.2f} ms  "
                    f"{timing.queries} queries",
                    flush=True,
                )
        if args.explain:
            for page in measured:
                explain(client, page)
        from django.db import connections

        connections.close_all()
    if not args.keep:
        drop_database()

    print(f"\nServer time per request ({args.requests} requests after {args.warmup} warm-up, in process):\n")
    print(table(timings))
    print()
    results = goals(timings)
    for passed, line in results:
        print(f"{'PASS' if passed else 'FAIL'}  {line}")
    failed = sum(1 for passed, _ in results if not passed)
    print(f"\n{len(results) - failed} of {len(results)} goals met.")
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
