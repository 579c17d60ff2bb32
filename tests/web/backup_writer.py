"""A separate process for the backup tests, run as a script against the database the environment names
(``LICENSEDESK_VAR_DIR`` / ``DATABASE_URL``):

``backup_writer.py write LOG STOP`` appends audit events and material uploads (through the services)
until the file STOP exists, and after each commit appends one JSON line to LOG: the event (agency, seq,
occurred_at with microseconds, hash) and the stored file's SHA-256 for an upload. A line in LOG is
therefore an event known to be committed. On SQLite its connection never checkpoints
(``wal_autocheckpoint=0``), so the committed events stay in the ``-wal`` file — what a ``cp`` of the
database file misses — as they do between checkpoints of a busy server.

``backup_writer.py dump OUT`` writes every audit event of the database (agency, seq, occurred_at, hash)
as JSON to OUT.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # ``bench.samplefiles``
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "licensedesk.web.settings")

import django  # noqa: E402

django.setup()

from bench.samplefiles import pdf_bytes  # noqa: E402
from django.db import connection  # noqa: E402

from licensedesk.web.accounts.models import Role, User  # noqa: E402
from licensedesk.web.audit.chain import timestamp  # noqa: E402
from licensedesk.web.audit.models import AuditEvent  # noqa: E402
from licensedesk.web.audit.services import audit_record  # noqa: E402
from licensedesk.web.materials.models import CaseMaterial  # noqa: E402
from licensedesk.web.materials.services import IncomingFile, case_closed, material_upload  # noqa: E402


def _event(event: AuditEvent) -> dict[str, object]:
    return {
        "agency": event.agency_id,
        "seq": event.seq,
        "occurred_at": timestamp(event.occurred_at),
        "hash": event.hash,
    }


def write(log_path: Path, stop: Path) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
    staff = User.objects.filter(role=Role.CONSULTANT, agency__isnull=False).order_by("pk").first()
    material = next(
        m
        for m in CaseMaterial.objects.filter(case__agency_id=staff.agency_id)
        .select_related("case")
        .order_by("pk")
        if not case_closed(m.case) and (not m.file_kinds or "pdf" in m.file_kinds)
    )
    with log_path.open("a", encoding="utf-8") as log:
        i = 0
        while not stop.exists():
            i += 1
            sha = None
            if i % 3 == 0:
                data = pdf_bytes(filler=64 + i)
                version = material_upload(
                    material=material,
                    actor=staff,
                    files=[IncomingFile(name=f"扫描件{i}.pdf", content=io.BytesIO(data))],
                )
                sha = version.files.get().sha256
                event = AuditEvent.objects.filter(agency_id=staff.agency_id).order_by("-seq").first()
            else:
                event = audit_record(
                    agency=staff.agency_id, actor=staff, action="backup.test_write", data={"i": i}
                )
            log.write(json.dumps({**_event(event), "file": sha}) + "\n")
            log.flush()
            os.fsync(log.fileno())


def dump(out: Path) -> None:
    events = [_event(event) for event in AuditEvent.objects.order_by("agency_id", "seq").iterator()]
    out.write_text(json.dumps(events), encoding="utf-8")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "write":
        write(Path(args[0]), Path(args[1]))
    else:
        dump(Path(args[0]))
