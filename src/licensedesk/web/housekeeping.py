"""Housekeeping: removing what a process that died left behind, and the other periodic chores.

What :func:`housekeeping_run` does, each step on its own (one failing is logged and reported, the
others still run):

* **upload temporary files** (:func:`sweep_upload_temp`): everything in ``FILE_UPLOAD_TEMP_DIR`` whose
  newest modification is older than ``HOUSEKEEPING_TEMP_MAX_AGE_HOURS`` (default 6). An upload's files
  live in a folder of the request's own that the request removes on every way out it controls
  (``materials/uploads.py``); a worker killed mid-upload (``SIGKILL``, the OOM killer, gunicorn's
  timeout) runs no cleanup, and its folder stays — measured, 5 kills in 11 left 447 MB. A live upload
  writes its file as the bytes arrive, so its folder is never that old;
* **stored files nobody references** (:func:`sweep_media_orphans`): content-addressed files
  (``sha256[:2]/sha256``, ``materials/storage.py``) that no row of :data:`REFERENCES` names, once older
  than ``HOUSEKEEPING_MEDIA_GRACE_HOURS`` (default 24; the storage's modified time). A file is stored
  before the transaction recording it commits: a process killed in between leaves it unreferenced,
  and the grace period keeps the files of transactions still running. Names that are not content
  addresses are never touched;
* **the tasks of other apps**: :data:`TASKS`, each called with ``now=`` when it takes it.

When it runs: at ``licensedesk serve`` start; ``licensedesk housekeeping`` /
``python -m licensedesk.web housekeeping`` (for cron); with Celery, the beat schedule in
:mod:`licensedesk.web.celery` every ``HOUSEKEEPING_INTERVAL_MINUTES``; without Celery, a daemon thread
in each server process (:func:`start_background`, started by ``wsgi.py``) at the same interval. Every
step is safe to run in several processes at once.
"""

from __future__ import annotations

import inspect
import logging
import os
import random
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

# Every model field holding the name of a file in the default storage (a content address). A stored file
# none of them names is an orphan. A new model storing files adds its field here
# (tests/web/test_housekeeping.py checks that every ``*_name`` field holding storage names is listed).
REFERENCES: tuple[tuple[str, str], ...] = (
    ("materials.MaterialFile", "storage_name"),
    ("documents.GeneratedDocument", "docx_name"),
    ("documents.GeneratedDocument", "pdf_name"),
    ("documents.SubmissionBundle", "storage_name"),
    ("documents.AgencyTemplate", "storage_name"),
)

# Further housekeeping tasks, run after the file sweeps in this order: callables taking ``now``
# (keyword; a task that takes no argument is called without it) and returning something to report (a
# count, a list). Add yours here, e.g. marking the generation jobs of a dead process interrupted.


def interrupted_generation_jobs(*, now: datetime) -> int:
    """Mark the generation jobs whose process stopped (no heartbeat) interrupted; how many
    (:func:`licensedesk.web.documents.services.generation_jobs_sweep_interrupted`, imported when run
    so that importing this module loads no models)."""
    from licensedesk.web.documents.services import generation_jobs_sweep_interrupted

    return generation_jobs_sweep_interrupted(now=now)


def audit_anchors() -> int:
    """Append every audit chain head to ``LICENSEDESK_AUDIT_ANCHOR_FILE`` when it is set (else nothing);
    how many (:func:`licensedesk.web.audit.services.audit_anchor_configured`). Anchors taken regularly
    bound what someone holding the audit key could rewrite unnoticed to the events since the last one."""
    from licensedesk.web.audit.services import audit_anchor_configured

    return len(audit_anchor_configured())


def inbox_overdue_tasks(*, now: datetime) -> int:
    """Put each open task past its due date in its assignee's (else the consultant's) inbox, once; how
    many were added (:func:`licensedesk.web.inbox.services.inbox_overdue_tasks`)."""
    from licensedesk.web.inbox.services import inbox_overdue_tasks as add_overdue

    return add_overdue(now=now)


def inbox_digests(*, now: datetime) -> int:
    """Send the daily inbox digests that are due; how many emails
    (:func:`licensedesk.web.inbox.services.inbox_digest_send`: each item once, one catch-up digest
    after downtime)."""
    from licensedesk.web.inbox.services import inbox_digest_send

    return inbox_digest_send(now=now)


def deadline_reminders(*, now: datetime) -> int:
    """Remind the consultants and the client users of the deadlines coming up; how many reminders
    were given (:func:`licensedesk.web.reminders.services.reminders_send`: each once, the most relevant
    one after downtime)."""
    from licensedesk.web.reminders.services import reminders_send

    return reminders_send(now=now)


def webhook_deadlines_due(*, now: datetime) -> int:
    """Write the ``deadline.due`` webhook events of the deadlines falling due, once each; how many
    (:func:`licensedesk.web.webhooks.deadlines.deadlines_due_write`)."""
    from licensedesk.web.webhooks.deadlines import deadlines_due_write

    return deadlines_due_write(now=now)


def webhook_deliveries(*, now: datetime) -> int:
    """Send the webhook deliveries that are due and no process holds: what a crash, a restart or a lost
    retry left in the outbox; how many were attempted
    (:func:`licensedesk.web.webhooks.services.deliveries_due_run`)."""
    from licensedesk.web.webhooks.services import deliveries_due_run

    return deliveries_due_run(now=now)


TASKS: tuple[Callable[..., object], ...] = (
    interrupted_generation_jobs,
    audit_anchors,
    inbox_overdue_tasks,
    inbox_digests,
    webhook_deadlines_due,
    webhook_deliveries,
    deadline_reminders,
)

CONTENT_NAME = re.compile(r"^([0-9a-f]{2})/(\1[0-9a-f]{62})$")
_BATCH = 500


@dataclass
class HousekeepingReport:
    """What one run removed (names relative to their folder or storage), the results of :data:`TASKS`
    by name, and the steps that failed with their error."""

    now: datetime
    temp_removed: list[str] = field(default_factory=list)
    temp_bytes: int = 0
    media_removed: list[str] = field(default_factory=list)
    media_bytes: int = 0
    tasks: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """A summary for the command line (Chinese first)."""
        out = [
            f"上传临时文件：删除 {len(self.temp_removed)} 项（{self.temp_bytes} 字节） / "
            f"upload temporary files: {len(self.temp_removed)} removed ({self.temp_bytes} bytes)",
            f"无引用的存储文件：删除 {len(self.media_removed)} 个（{self.media_bytes} 字节） / "
            f"unreferenced stored files: {len(self.media_removed)} removed ({self.media_bytes} bytes)",
        ]
        out += [f"{name}: {_shown(result)}" for name, result in self.tasks.items()]
        out += [f"失败 failed — {name}: {error}" for name, error in self.errors.items()]
        return out


def _shown(result: object) -> str:
    return str(len(result)) if isinstance(result, list | tuple | set | dict) else str(result)


def _task_name(task: Callable[..., object]) -> str:
    module = getattr(task, "__module__", "") or ""
    return f"{module.rsplit('.', 1)[-1]}.{getattr(task, '__qualname__', repr(task))}".lstrip(".")


def housekeeping_run(*, now: datetime | None = None) -> HousekeepingReport:
    """Run every housekeeping step once (see the module docstring); ``now`` is for tests."""
    now = now or timezone.now()
    report = HousekeepingReport(now=now)
    temp_age = timedelta(hours=float(getattr(settings, "HOUSEKEEPING_TEMP_MAX_AGE_HOURS", 6)))
    grace = timedelta(hours=float(getattr(settings, "HOUSEKEEPING_MEDIA_GRACE_HOURS", 24)))
    try:
        report.temp_removed, report.temp_bytes = sweep_upload_temp(now=now, max_age=temp_age)
    except Exception as exc:
        logger.exception("housekeeping: the upload temporary files sweep failed")
        report.errors["upload temporary files"] = str(exc)
    try:
        report.media_removed, report.media_bytes = sweep_media_orphans(now=now, grace=grace)
    except Exception as exc:
        logger.exception("housekeeping: the unreferenced stored files sweep failed")
        report.errors["unreferenced stored files"] = str(exc)
    for task in TASKS:
        name = _task_name(task)
        try:
            takes_now = "now" in inspect.signature(task).parameters
            report.tasks[name] = task(now=now) if takes_now else task()
        except Exception as exc:
            logger.exception("housekeeping: %s failed", name)
            report.errors[name] = str(exc)
    return report


# -- upload temporary files -------------------------------------------------------------------------------


def _newest_mtime(path: Path) -> tuple[float, int]:
    """The newest modification time of ``path`` and everything under it, and their total size
    (symbolic links are not followed)."""
    info = path.lstat()
    newest, size = info.st_mtime, info.st_size
    if path.is_dir() and not path.is_symlink():
        for root, dirs, files in os.walk(path):
            for name in (*dirs, *files):
                try:
                    item = os.lstat(os.path.join(root, name))
                except FileNotFoundError:
                    continue
                newest = max(newest, item.st_mtime)
                size += item.st_size
    return newest, size


def sweep_upload_temp(*, now: datetime, max_age: timedelta) -> tuple[list[str], int]:
    """Remove the entries of ``FILE_UPLOAD_TEMP_DIR`` (a request's folder, or a loose temporary file)
    nothing under which changed for ``max_age``; what was removed and its size."""
    base = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if not base.is_dir():
        return [], 0
    cutoff = (now - max_age).timestamp()
    removed: list[str] = []
    total = 0
    for entry in sorted(base.iterdir()):
        try:
            newest, size = _newest_mtime(entry)
            if newest > cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except FileNotFoundError:
            continue  # removed meanwhile (its request ended, or another process swept it)
        removed.append(entry.name)
        total += size
        age_hours = (now.timestamp() - newest) / 3600
        logger.info(
            "housekeeping: removed upload temporary %s (%d bytes, untouched for %.1f h)",
            entry.name,
            size,
            age_hours,
        )
    return removed, total


# -- stored files nobody references ------------------------------------------------------------------------


def referenced_names(names: Iterable[str]) -> set[str]:
    """Those of ``names`` some row of :data:`REFERENCES` names."""
    wanted = list(names)
    found: set[str] = set()
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        for label, column in REFERENCES:
            model = apps.get_model(label)
            found.update(model.objects.filter(**{f"{column}__in": batch}).values_list(column, flat=True))
    return found


def _content_names(storage: Any) -> Iterable[str]:
    folders, _ = storage.listdir("")
    for folder in sorted(folders):
        if not re.fullmatch(r"[0-9a-f]{2}", folder):
            continue
        _, files = storage.listdir(folder)
        for name in sorted(files):
            full = f"{folder}/{name}"
            if CONTENT_NAME.match(full):
                yield full


def sweep_media_orphans(*, now: datetime, grace: timedelta) -> tuple[list[str], int]:
    """Remove content-addressed stored files older than ``grace`` that no row references; what was
    removed and its size. The references are read after the ages, right before deleting, in batches."""
    from licensedesk.web.materials.storage import storage as material_storage

    storage = material_storage()
    cutoff = now - grace
    old: list[str] = []
    for name in _content_names(storage):
        try:
            if storage.get_modified_time(name) <= cutoff:
                old.append(name)
        except FileNotFoundError:
            continue
    removed: list[str] = []
    total = 0
    for start in range(0, len(old), _BATCH):
        batch = old[start : start + _BATCH]
        kept = referenced_names(batch)
        for name in batch:
            if name in kept:
                continue
            try:
                if storage.get_modified_time(name) > cutoff:  # stored again meanwhile (storage.store)
                    continue
                size = storage.size(name)
                storage.delete(name)
            except FileNotFoundError:
                continue
            removed.append(name)
            total += size
            logger.info("housekeeping: removed unreferenced stored file %s (%d bytes)", name, size)
    return removed, total


# -- in-process schedule (no Celery) -------------------------------------------------------------------------

_started_in: int | None = None  # the pid whose thread runs; a forked child starts its own
_lock = threading.Lock()


def start_background(*, interval_minutes: float | None = None) -> threading.Thread | None:
    """Start, once per process, a daemon thread running :func:`housekeeping_run` every
    ``HOUSEKEEPING_INTERVAL_MINUTES`` (with up to 10 % random delay, so the workers of one server do not
    all sweep at once). Not when the interval is 0 or Celery is configured (its beat schedule runs it).
    ``wsgi.py`` calls this: it is imported by the server's workers only, never by tests or management
    commands. A process forked after starting it (gunicorn ``--preload``) starts its own."""
    global _started_in
    minutes = (
        float(getattr(settings, "HOUSEKEEPING_INTERVAL_MINUTES", 30))
        if interval_minutes is None
        else interval_minutes
    )
    if minutes <= 0 or getattr(settings, "CELERY_BROKER_URL", ""):
        return None
    with _lock:
        if _started_in == os.getpid():
            return None
        _started_in = os.getpid()
    thread = threading.Thread(
        target=_loop, args=(minutes * 60,), name="licensedesk-housekeeping", daemon=True
    )
    thread.start()
    return thread


def _loop(seconds: float) -> None:
    from django.db import close_old_connections

    while True:
        time.sleep(seconds * (1 + random.random() / 10))  # jitter: the workers do not sweep at once
        try:
            report = housekeeping_run()
            if report.temp_removed or report.media_removed or report.errors:
                logger.info("housekeeping: %s", "; ".join(report.lines()))
        except Exception:
            logger.exception("housekeeping run failed")
        finally:
            close_old_connections()


def _after_fork_in_child() -> None:
    if _started_in is not None and _started_in != os.getpid():
        start_background()


os.register_at_fork(after_in_child=_after_fork_in_child)
