"""Fixtures of the materials tests: a private storage directory and upload temp directory per test (so
"nothing stays on disk" can be checked), and helpers to upload and to look at what is stored."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # ``bench`` (with the sample-file builders) lives at the repository root
    sys.path.insert(0, str(ROOT))

from bench import samplefiles  # noqa: E402
from licensedesk.web.cases.services import case_run_check  # noqa: E402
from licensedesk.web.materials.models import CaseMaterial  # noqa: E402
from licensedesk.web.materials.services import IncomingFile  # noqa: E402


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Material files go to ``tmp_path/media``, upload temp files to ``tmp_path/tmp``."""
    media = tmp_path / "media"
    temp = tmp_path / "tmp"
    media.mkdir()
    temp.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    settings.FILE_UPLOAD_TEMP_DIR = temp
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST = ""
    return media


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def checked(tenant: Any) -> Any:
    """The tenant's first case with a stored eligibility check (and so a checklist)."""
    case_run_check(case=tenant.case, actor=tenant.consultant)
    return tenant


def material(case: Any, material_id: str) -> CaseMaterial:
    return CaseMaterial.objects.select_related("case", "case__company").get(
        case=case, material_id=material_id
    )


def incoming(name: str, data: bytes) -> IncomingFile:
    """A file as the service receives it, the name exactly as given (Django's upload objects would
    already have cut a path off it)."""
    return IncomingFile(name=name, content=io.BytesIO(data))


def pdf(name: str = "营业执照副本.pdf", pages: int = 1) -> IncomingFile:
    return incoming(name, samplefiles.pdf_bytes(pages=pages))


@pytest.fixture
def samples() -> Iterator[Any]:
    yield samplefiles
