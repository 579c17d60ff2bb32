"""Export benchmark (issue 13): 100,000 cases of one agency exported as CSV and as XLSX through the real
view (``/exports/cases.csv`` / ``.xlsx``, Django's test ``Client``, the streamed body read chunk by chunk
and thrown away), beside the same rows written with the csv module to a file in the same run.

What it does: drop and recreate the PostgreSQL database ``licensedesk_bench_export`` (127.0.0.1:5432,
user postgres, trust auth; ``BENCH_PG_ADMIN_URL`` names another server), migrate it, fill it with
``--cases`` cases of one agency (one client company each, stages and dates spread over the ICP workflow,
written with ``bulk_create``), then for each of: the baseline (the export's own
rows — same query, same labels — written by ``csv.writer`` to a temporary file), the CSV view and the
XLSX view:

* rows/s — timed without tracing (best of ``--repeat`` runs);
* time to the first byte of the views' bodies (best of the runs): the file must start going out at once;
* peak memory growth — ``tracemalloc``'s peak of Python allocations during one more run, over what was
  allocated before it (the rows are never all in memory: the growth must not depend on their number).

Goals (printed as PASS/FAIL): memory growth under 50 MB for each format; the CSV view at least 30 % of
the baseline's rows/s. Exit 0 whatever the figures, unless ``--check`` (then 1 if a goal fails).

    .venv/bin/python bench/export.py [--cases 100000] [--repeat 2] [--keep] [--check]
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB_NAME = "licensedesk_bench_export"
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
GOAL_MEMORY_MB = 50.0
GOAL_CSV_SHARE = 0.30


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
    os.environ["ALLOWED_HOSTS"] = "testserver"  # Django's test Client
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "licensedesk.web.settings")
    os.environ.setdefault("LICENSEDESK_LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from licensedesk.web.translations import compile_translations

    compile_translations()


def fill(total: int) -> object:
    """One agency with five consultants and ``total`` cases; the first consultant (who exports)."""
    import random
    from datetime import UTC, date, datetime, timedelta

    from licensedesk.core.workflow import machine_for
    from licensedesk.web.accounts.models import Agency, Role, User
    from licensedesk.web.cases.models import Case, ClientCompany

    rng = random.Random(13)
    agency = Agency.objects.create(name="鹏程许可证代办有限公司")
    staff = [
        User.objects.create(
            username=f"bench-consultant-{i}", display_name=f"顾问{i}", role=Role.CONSULTANT, agency=agency
        )
        for i in range(5)
    ]
    ruleset = "2017-09-01"
    stages = [s.id for s in machine_for("icp-b25", ruleset).workflow.stages]
    profile = {"schema_version": "1", "company": {"name": "基准企业"}}
    now = datetime.now(UTC)
    batch = 5000
    for start in range(0, total, batch):
        size = min(batch, total - start)
        companies = ClientCompany.objects.bulk_create(
            ClientCompany(
                agency=agency,
                profile=profile,
                name=f"深圳市第{n}号信息科技有限公司",
                uscc=f"91440300MA{n:08d}",
                province="CN-GD",
                entity_type="limited_company",
                profile_hash="0" * 64,
            )
            for n in range(start, start + size)
        )
        cases = []
        for offset, company in enumerate(companies):
            opened = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
            entered = now - timedelta(days=rng.randrange(200), minutes=rng.randrange(1440))
            stage = rng.choice(stages)
            cases.append(
                Case(
                    agency=agency,
                    company=company,
                    number=f"PC-{start + offset:07d}",
                    license_id="icp-b25",
                    ruleset_version=ruleset,
                    stage=stage,
                    consultant=rng.choice(staff),
                    opened_on=opened,
                    target_date=opened + timedelta(days=90) if rng.random() < 0.5 else None,
                    stage_entered_at=entered,
                    stage_due_on=(entered + timedelta(days=20)).date() if rng.random() < 0.7 else None,
                    closed_at=entered if rng.random() < 0.2 else None,
                )
            )
        Case.objects.bulk_create(cases)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return staff[0]


#: Seconds from the request to the first byte of the body, per URL, the best of its downloads: a proxy
#: (nginx's default ``proxy_read_timeout`` is 60 s) gives up on a response that sends nothing for longer.
FIRST_BYTE: dict[str, float] = {}


def through_view(client: object, url: str, xlsx: Path | None = None) -> Callable[[], tuple[int, int]]:
    """One download of ``url``: (bytes, rows). CSV rows are counted as line ends less the header; an
    XLSX is written to ``xlsx`` as it arrives and its rows counted once it is complete (from its XML).
    The time to the first non-empty chunk goes to :data:`FIRST_BYTE`."""

    def run() -> tuple[int, int]:
        started = time.perf_counter()
        first: float | None = None
        response = client.get(url)  # type: ignore[attr-defined]
        if response.status_code != 200 or not response.streaming:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        size = lines = 0
        with (xlsx or Path(os.devnull)).open("wb") as sink:
            for chunk in response.streaming_content:
                if chunk and first is None:
                    first = time.perf_counter() - started
                    FIRST_BYTE[url] = min(first, FIRST_BYTE.get(url, first))
                size += len(chunk)
                if xlsx is None:
                    lines += chunk.count(b"\n")
                else:
                    sink.write(chunk)
        response.close()
        if xlsx is None:
            return size, lines - 1
        return size, _xlsx_rows(xlsx)

    return run


def _xlsx_rows(path: Path) -> int:
    """Data rows of the workbook's sheet: its ``<row`` elements less the header (a write-only workbook
    records no dimension for openpyxl's read-only mode to report)."""
    import zipfile

    count, tail = 0, b""
    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        while chunk := sheet.read(1 << 20):
            data = tail + chunk
            count += data.count(b"<row ")
            tail = data[-4:]  # shorter than a match: none is counted twice, none split is missed
    return count - 1


def baseline(user: object, path: Path) -> Callable[[], tuple[int, int]]:
    """The same rows (the export's own query and labels) written with the csv module to a file, times
    converted to China time inline: what a script outside the web application would do."""
    from django.utils import timezone

    from licensedesk.web.exports.selectors import case_export

    def cell(value: object) -> object:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        return value

    zone = timezone.get_current_timezone()

    def run() -> tuple[int, int]:
        export = case_export(user=user, filters={})
        rows = 0
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([c.header for c in export.columns])
            for row in export.rows:
                writer.writerow([cell(v) for v in row])
                rows += 1
        return path.stat().st_size, rows

    return run


def timed(run: Callable[[], tuple[int, int]], repeat: int) -> tuple[float, int, int]:
    """Best wall time of ``repeat`` runs, with the bytes and rows of the last."""
    best, size, rows = float("inf"), 0, 0
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        size, rows = run()
        best = min(best, time.perf_counter() - started)
    return best, size, rows


def peak_growth_mb(run: Callable[[], tuple[int, int]]) -> float:
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - base) / 1024 / 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal fails")
    args = parser.parse_args(argv)

    url = recreate_database()
    try:
        with tempfile.TemporaryDirectory(prefix="licensedesk-bench-export-") as tmp:
            setup_django(url, Path(tmp) / "var")
            from django.test import Client

            started = time.perf_counter()
            user = fill(args.cases)
            print(f"filled {args.cases} cases in {time.perf_counter() - started:.0f} s")
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            runs = {
                "csv module → file (baseline)": baseline(user, Path(tmp) / "baseline.csv"),
                "CSV view": through_view(client, "/exports/cases.csv"),
                "XLSX view": through_view(client, "/exports/cases.xlsx", Path(tmp) / "cases.xlsx"),
            }
            urls = {"CSV view": "/exports/cases.csv", "XLSX view": "/exports/cases.xlsx"}
            results = {}
            for name, run in runs.items():
                seconds, size, rows = timed(run, args.repeat)
                growth = peak_growth_mb(run)
                results[name] = (rows / seconds, growth, rows)
                print(
                    f"{name:30} {rows:>8} rows  {seconds:6.2f} s  {rows / seconds:>9.0f} rows/s  "
                    f"{size / 1e6:6.1f} MB  peak memory growth {growth:5.1f} MB"
                    + (f"  first byte {FIRST_BYTE[urls[name]]:.2f} s" if name in urls else "")
                )
    finally:
        if not args.keep:
            drop_database()

    base_rate = results["csv module → file (baseline)"][0]
    failed = False
    for name in ("CSV view", "XLSX view"):
        _, growth, rows = results[name]
        ok = growth < GOAL_MEMORY_MB and rows == args.cases
        failed |= not ok
        verdict = "PASS" if ok else "FAIL"
        print(
            f"{verdict} {name}: {rows} rows, memory growth {growth:.1f} MB (goal < {GOAL_MEMORY_MB:.0f} MB)"
        )
    share = results["CSV view"][0] / base_rate
    ok = share >= GOAL_CSV_SHARE
    failed |= not ok
    verdict = "PASS" if ok else "FAIL"
    print(f"{verdict} CSV view at {share:.0%} of the csv module's rate (goal ≥ {GOAL_CSV_SHARE:.0%})")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
