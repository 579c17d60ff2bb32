"""The upload benchmark (``bench/upload.py``) runs end to end on a small file: gunicorn comes up, both
clients' uploads reach the real view and are stored, and the report has every figure. No timing
assertions: the goal verdict is printed, not tested."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_upload_benchmark_runs_and_reports_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "upload.py"), "--size-mb", "4", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = done.stdout
    assert re.search(r"^shutil\.copyfile +\d+\.\d{3} s +\d+\.\d MB/s$", report, re.M), report
    for client in ("client sending with sendfile", "client sending 1 MiB writes"):
        assert re.search(
            rf"^upload, {client} +\d+\.\d{{3}} s +\d+\.\d MB/s +\(\d+% of the copy\)$", report, re.M
        )
    assert re.search(r"^server worker peak memory growth during an upload: -?\d+\.\d MB", report, re.M)
    assert re.search(
        r"^goal ≥ 30% of copy throughput \(sendfile client\): (met|NOT met); goal < 30 MB", report, re.M
    )
