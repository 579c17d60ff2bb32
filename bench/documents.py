"""Document generation benchmark: the full ICP document set (DOCX and PDF) for one case, repeated, next to
the route document-assembly tools commonly take (LibreOffice headless turning the DOCX files into PDF in
one batched call).

    python bench/documents.py [--n 20] [--lo-runs 3] [--no-libreoffice] [--all-cores]

Both routes run pinned to one core (``sched_setaffinity``, inherited by LibreOffice). Timed:

* licensedesk  — ``render_documents`` for the example case (examples/eligible-shenzhen.json with
  examples/case.yaml): ten documents, each docxtpl → DOCX and the rendered DOCX → PDF with ReportLab
  (embedded WenQuanYi Zen Hei subset). Best and median of ``--n`` repetitions after one warm-up case
  (imports and the font are loaded once per process; the cold first case is printed separately).
* LibreOffice  — ``soffice --headless --convert-to pdf`` on the same ten DOCX files in one call, with a
  profile created beforehand (not timed); best of ``--lo-runs`` calls. This is the PDF step only, so the
  comparison favours LibreOffice.

Goals (issue 5): under 0.5 s per case, and at least 5× faster than the batched LibreOffice route. Exit
status 1 if a goal is missed or a route fails, so a regression is visible in CI logs.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS_PER_CASE = 0.5
GOAL_SPEEDUP_VS_LIBREOFFICE = 5.0


def _pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to core {core}"


def _libreoffice(docx_dir: Path, runs: int) -> tuple[float, int] | str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return "LibreOffice missing (apt-get install -y libreoffice-writer-nogui)"
    files = sorted(str(p) for p in docx_dir.glob("*.docx"))
    with tempfile.TemporaryDirectory(prefix="lo-bench-") as work:
        profile = f"-env:UserInstallation=file://{work}/profile"
        base = [soffice, profile, "--headless", "--norestore", "--convert-to", "pdf"]
        warm = subprocess.run(
            [*base, "--outdir", f"{work}/warm", files[0]], capture_output=True, timeout=300, check=False
        )
        if warm.returncode != 0:
            return f"LibreOffice failed: {warm.stderr.decode(errors='replace')[:300]}"
        best = float("inf")
        for run in range(runs):
            out = Path(work) / f"run{run}"
            start = time.perf_counter()
            done = subprocess.run(
                [*base, "--outdir", str(out), *files], capture_output=True, timeout=600, check=False
            )
            took = time.perf_counter() - start
            converted = len(list(out.glob("*.pdf")))
            if done.returncode != 0 or converted != len(files):
                error = done.stderr.decode(errors="replace")[:300]
                return f"LibreOffice converted {converted} of {len(files)}: {error}"
            best = min(best, took)
        return best, len(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20, help="cases to render after the warm-up (default 20)")
    parser.add_argument(
        "--lo-runs", type=int, default=3, help="batched LibreOffice calls, best kept (default 3)"
    )
    parser.add_argument("--no-libreoffice", action="store_true", help="time licensedesk only")
    parser.add_argument("--all-cores", action="store_true", help="do not pin to one core")
    args = parser.parse_args(argv)

    pinned = "all cores" if args.all_cores else _pin_to_one_core()
    start = time.perf_counter()
    from licensedesk.core.documents import load_case, render_documents
    from licensedesk.core.profile import load_profile

    profile = load_profile(ROOT / "examples" / "eligible-shenzhen.json")
    case = load_case(ROOT / "examples" / "case.yaml")
    first = render_documents(profile, case)
    cold = time.perf_counter() - start

    print("licensedesk document benchmark: the ICP (B25) document set for examples/case.yaml")
    print(f"Python {platform.python_version()} on {platform.platform()}; {pinned}")
    docs = first.documents
    pages_docx = sum(len(d.docx) for d in docs) / 1024
    pages_pdf = sum(len(d.pdf) for d in docs) / 1024
    print(f"One case: {len(docs)} documents, DOCX {pages_docx:.0f} KiB + PDF {pages_pdf:.0f} KiB")
    print(f"Cold first case (imports, font, templates): {cold:.3f} s")

    times = []
    for _ in range(args.n):
        start = time.perf_counter()
        again = render_documents(profile, case)
        times.append(time.perf_counter() - start)
        if any(
            a.pdf != b.pdf or a.docx != b.docx for a, b in zip(first.documents, again.documents, strict=True)
        ):
            print("Output differs between runs: same data must give the same bytes", file=sys.stderr)
            return 1
    best, median = min(times), statistics.median(times)
    print(f"licensedesk (DOCX + PDF), per case: best {best:.3f} s, median {median:.3f} s over {args.n} cases")
    failed = median > GOAL_SECONDS_PER_CASE
    print(f"  goal < {GOAL_SECONDS_PER_CASE} s per case: {'met' if not failed else 'NOT met'}")

    if args.no_libreoffice:
        return 1 if failed else 0
    with tempfile.TemporaryDirectory(prefix="docs-bench-") as folder:
        for doc in docs:
            (Path(folder) / f"{doc.id}.docx").write_bytes(doc.docx)
        lo = _libreoffice(Path(folder), args.lo_runs)
    if isinstance(lo, str):
        print(lo, file=sys.stderr)
        return 1
    lo_seconds, count = lo
    speedup = lo_seconds / median
    print(
        f"LibreOffice headless, {count} DOCX → PDF in one call: best {lo_seconds:.3f} s "
        f"({lo_seconds / count:.3f} s per file) over {args.lo_runs} calls"
    )
    print(f"  licensedesk (DOCX and PDF) is {speedup:.1f}× faster than LibreOffice's PDF step alone")
    slow = speedup < GOAL_SPEEDUP_VS_LIBREOFFICE
    print(f"  goal ≥ {GOAL_SPEEDUP_VS_LIBREOFFICE:.0f}×: {'met' if not slow else 'NOT met'}")
    return 1 if failed or slow else 0


if __name__ == "__main__":
    sys.exit(main())
