"""Housekeeping (``web/housekeeping.py``): upload temporary files left by dead processes go once old,
stored files no row references go after the grace period while referenced and young ones stay, the
hook list runs (a failing task does not stop the others), and the ways it runs: the management command,
``licensedesk housekeeping``, ``licensedesk serve``, the Celery beat schedule, the in-process thread."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone

from licensedesk.cli import web as cli_web
from licensedesk.web import housekeeping
from licensedesk.web.cases.services import case_run_check
from licensedesk.web.documents.models import AgencyTemplate
from licensedesk.web.housekeeping import REFERENCES, housekeeping_run
from licensedesk.web.materials import storage
from licensedesk.web.materials.services import IncomingFile, material_upload

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # ``bench`` (with the sample-file builders) lives at the repository root
    sys.path.insert(0, str(ROOT))

from bench import samplefiles  # noqa: E402

HOUR = 3600

pytestmark = pytest.mark.django_db


@pytest.fixture
def checked(tenant: Any) -> Any:
    """The tenant's first case with a stored eligibility check (and so a checklist)."""
    case_run_check(case=tenant.case, actor=tenant.consultant)
    return tenant


@pytest.fixture
def dirs(settings: Any, tmp_path: Path) -> tuple[Path, Path]:
    """This test's own media storage and upload temp dir."""
    media, temp = tmp_path / "media", tmp_path / "tmp"
    media.mkdir()
    temp.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    settings.FILE_UPLOAD_TEMP_DIR = temp
    settings.HOUSEKEEPING_TEMP_MAX_AGE_HOURS = 6
    settings.HOUSEKEEPING_MEDIA_GRACE_HOURS = 24
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST = ""
    return media, temp


def _age(path: Path, hours: float) -> None:
    """Make ``path`` look last modified ``hours`` ago."""
    when = time.time() - hours * HOUR
    os.utime(path, (when, when))


def _store(data: bytes) -> str:
    name, created = storage.store(io.BytesIO(data), sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    assert created
    return name


# -- upload temporary files --------------------------------------------------------------------------------


def test_old_upload_temporary_files_go_and_recent_ones_stay(dirs: tuple[Path, Path]) -> None:
    _, temp = dirs
    killed = temp / "upload-killed"  # the folder of a request whose worker was killed 7 hours ago
    killed.mkdir()
    (killed / "001").write_bytes(b"x" * 1000)
    _age(killed / "001", 7)
    _age(killed, 7)
    loose = temp / "tmpab12.upload.pdf"  # Django's own temporary upload file, left the same way
    loose.write_bytes(b"y" * 10)
    _age(loose, 8)
    live = temp / "upload-live"  # an old folder whose file is still being written
    live.mkdir()
    (live / "001").write_bytes(b"z")
    _age(live, 7)
    young = temp / "upload-young"
    young.mkdir()
    (young / "001").write_bytes(b"w")
    _age(young / "001", 5)
    _age(young, 5)

    report = housekeeping_run()

    assert report.temp_removed == ["tmpab12.upload.pdf", "upload-killed"]
    assert report.temp_bytes >= 1010
    assert sorted(p.name for p in temp.iterdir()) == ["upload-live", "upload-young"]
    later = housekeeping_run(now=timezone.now() + timedelta(hours=2))  # now "young" is 7 hours old
    assert later.temp_removed == ["upload-young"]


# -- stored files nobody references ------------------------------------------------------------------------


def test_orphaned_stored_files_go_after_the_grace_period_and_referenced_ones_stay(
    dirs: tuple[Path, Path], checked: Any
) -> None:
    media, _ = dirs
    from licensedesk.web.materials.models import CaseMaterial

    item = CaseMaterial.objects.get(case=checked.case, material_id="business_license")
    version = material_upload(
        material=item,
        actor=checked.client,
        files=[IncomingFile("执照.pdf", io.BytesIO(samplefiles.pdf_bytes(pages=2)))],
    )
    in_material = version.files.get().storage_name
    template_bytes = samplefiles.docx_bytes()
    in_template = _store(template_bytes)
    AgencyTemplate.objects.create(
        agency=checked.agency,
        license_id="icp-b25",
        document_id="application_letter",
        storage_name=in_template,
        sha256=hashlib.sha256(template_bytes).hexdigest(),
        size=len(template_bytes),
        original_name="模板.docx",
        uploaded_by=checked.admin,
    )
    orphan = _store(b"stored, then the process died before its row was committed")
    young = _store(b"stored a moment ago: its transaction may still be running")
    not_ours = media / "notes.txt"
    not_ours.write_text("not a content address")
    for name in (in_material, in_template, orphan):
        _age(media / name, 25)
    _age(media / young, 1)
    _age(not_ours, 100)

    report = housekeeping_run()

    assert report.media_removed == [orphan]
    assert report.media_bytes == len(b"stored, then the process died before its row was committed")
    assert not (media / orphan).exists()
    assert all((media / name).exists() for name in (in_material, in_template, young))
    assert not_ours.exists()
    assert report.errors == {}

    a_day_later = housekeeping_run(now=timezone.now() + timedelta(hours=24))
    assert a_day_later.media_removed == [young]
    assert (media / in_material).exists() and (media / in_template).exists()  # referenced: never


def test_an_old_orphan_stored_again_is_young_again(dirs: tuple[Path, Path]) -> None:
    """An upload that finds its bytes already stored (an old orphan) takes that file; until its row is
    committed the file must not look old to the sweep."""
    media, _ = dirs
    data = b"the same bytes, uploaded again"
    name = _store(data)
    _age(media / name, 30)
    again, created = storage.store(io.BytesIO(data), sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    assert (again, created) == (name, False)
    assert housekeeping_run().media_removed == []
    assert (media / name).exists()


def test_every_field_naming_a_stored_file_is_a_reference() -> None:
    """A model field ending in ``_name`` either names a stored file (then the sweep must know it) or is a
    human name; a new field must be put on one side."""
    human = {
        ("accounts.User", "first_name"),
        ("accounts.User", "last_name"),
        ("accounts.User", "display_name"),
        ("materials.MaterialFile", "original_name"),
        ("documents.AgencyTemplate", "original_name"),
    }
    found = {
        (model._meta.label, f.name)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if f.name.endswith("_name") or isinstance(f, models.FileField)
    }
    assert found - human == set(REFERENCES)


# -- the hook list -------------------------------------------------------------------------------------


def test_the_tasks_run_with_now_and_a_failing_one_does_not_stop_the_others(
    dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []

    def mark_interrupted(*, now: datetime) -> int:
        seen.append(now)
        return 2

    def broken() -> None:
        raise RuntimeError("the broker is down")

    def anchor() -> list[str]:
        seen.append("anchor")
        return ["a", "b"]

    monkeypatch.setattr(housekeeping, "TASKS", (mark_interrupted, broken, anchor))
    at = timezone.now()

    report = housekeeping_run(now=at)

    assert seen == [at, "anchor"]
    assert report.tasks == {
        "test_housekeeping.test_the_tasks_run_with_now_and_a_failing_one_does_not_stop_the_others."
        "<locals>.mark_interrupted": 2,
        "test_housekeeping.test_the_tasks_run_with_now_and_a_failing_one_does_not_stop_the_others."
        "<locals>.anchor": ["a", "b"],
    }
    assert list(report.errors.values()) == ["the broker is down"]
    with pytest.raises(CommandError, match="1 housekeeping step"):
        call_command("housekeeping", stdout=io.StringIO())


# -- how it runs ----------------------------------------------------------------------------------------


def test_the_command_and_the_cli_report_what_they_removed(dirs: tuple[Path, Path]) -> None:
    _, temp = dirs
    (temp / "old.upload").write_bytes(b"12345")
    _age(temp / "old.upload", 7)
    out = io.StringIO()
    call_command("housekeeping", stdout=out)
    assert "上传临时文件：删除 1 项（5 字节） / upload temporary files: 1 removed (5 bytes)" in out.getvalue()
    (temp / "again.upload").write_bytes(b"1")
    _age(temp / "again.upload", 7)
    result = CliRunner().invoke(cli_web.housekeeping, [])
    assert result.exit_code == 0, result.output
    assert "upload temporary files: 1 removed (1 bytes)" in result.output
    assert not list(temp.iterdir())


def test_serve_runs_the_housekeeping_before_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    commands: list[str] = []
    monkeypatch.setattr(cli_web, "_django", lambda: None)
    monkeypatch.setattr(cli_web, "_ensure_secret_key", lambda: None)
    monkeypatch.setattr(cli_web, "_prepare_database", lambda *, demo: None)
    monkeypatch.setattr("django.core.management.call_command", lambda name, *a, **k: commands.append(name))
    monkeypatch.setattr(cli_web.os, "execv", lambda path, argv: commands.append("gunicorn"))
    result = CliRunner().invoke(cli_web.serve, ["--no-demo"])
    assert result.exit_code == 0, result.output
    assert commands == ["collectstatic", "housekeeping", "gunicorn"]


def test_celery_beat_sends_the_housekeeping_task() -> None:
    from licensedesk.web.celery import app

    schedule = app.conf.beat_schedule["licensedesk-housekeeping"]
    assert schedule["task"] == "licensedesk.housekeeping"
    assert schedule["schedule"] == timedelta(minutes=30)
    assert "licensedesk.housekeeping" in app.tasks


class _Thread:
    started: ClassVar[list[_Thread]] = []

    def __init__(self, *, target: Any, args: Any, name: str, daemon: bool) -> None:
        self.name, self.daemon, self.args = name, daemon, args

    def start(self) -> None:
        _Thread.started.append(self)


def test_the_in_process_thread_starts_once_per_process_and_not_with_celery(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(housekeeping.threading, "Thread", _Thread)
    monkeypatch.setattr(housekeeping, "_started_in", None)
    _Thread.started = []
    settings.HOUSEKEEPING_INTERVAL_MINUTES = 0
    settings.CELERY_BROKER_URL = ""
    assert housekeeping.start_background() is None  # switched off
    settings.HOUSEKEEPING_INTERVAL_MINUTES = 15
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert housekeeping.start_background() is None  # beat runs it
    settings.CELERY_BROKER_URL = ""
    thread = housekeeping.start_background()
    assert thread is not None and housekeeping.start_background() is None  # once per process
    assert [(t.name, t.daemon, t.args) for t in _Thread.started] == [
        ("licensedesk-housekeeping", True, (900.0,))
    ]
