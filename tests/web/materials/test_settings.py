"""Storage and upload settings from the environment: local disk under var/media by default, S3-compatible
storage through django-storages when LICENSEDESK_S3_BUCKET is set (settings only: no S3 server here),
per-kind limits, clamd."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CODE = """
import json
from django.conf import settings
import django
django.setup()
from django.urls import get_resolver
from django.core.files.storage import storages
default_storage = storages["default"]
from licensedesk.web.materials.services import upload_limits, virus_scanner
scanner = virus_scanner()
print(json.dumps({
    "default": settings.STORAGES["default"],
    "storage_class": type(default_storage).__module__ + "." + type(default_storage).__name__,
    "bucket": getattr(default_storage, "bucket_name", None),
    "endpoint": getattr(default_storage, "endpoint_url", None),
    "location": str(getattr(default_storage, "location", "")),
    "media_url_routes": [str(p.pattern) for p in get_resolver().url_patterns if "media" in str(p.pattern)],
    "pdf_limit": upload_limits().max_bytes["pdf"],
    "jpeg_limit": upload_limits().max_bytes["jpeg"],
    "temp": str(settings.FILE_UPLOAD_TEMP_DIR),
    "clamd": [scanner.host, scanner.port] if scanner else None,
}, default=str))
"""


def _settings(tmp_path: Path, **env: str) -> dict[str, object]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("LICENSEDESK_", "DATABASE_URL", "AWS_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", CODE],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "licensedesk.web.settings",
            "LICENSEDESK_VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_local_disk_under_var_media_by_default(tmp_path: Path) -> None:
    found = _settings(tmp_path)
    assert found["storage_class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert found["location"] == str(tmp_path / "media")
    assert found["temp"] == str(tmp_path / "tmp") and (tmp_path / "tmp").is_dir()
    assert found["media_url_routes"] == []  # files are only served by the download view
    assert found["pdf_limit"] == 256 * 1024 * 1024 and found["clamd"] is None


def test_s3_compatible_storage_when_a_bucket_is_set(tmp_path: Path) -> None:
    found = _settings(
        tmp_path,
        LICENSEDESK_S3_BUCKET="licensedesk-materials",
        LICENSEDESK_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        LICENSEDESK_S3_ACCESS_KEY="key",
        LICENSEDESK_S3_SECRET_KEY="secret",
    )
    assert found["storage_class"] == "storages.backends.s3.S3Storage"
    assert (found["bucket"], found["endpoint"]) == ("licensedesk-materials", "http://127.0.0.1:9000")
    options = found["default"]["OPTIONS"]  # type: ignore[index]
    assert options["location"] == "materials" and options["default_acl"] is None
    assert options["file_overwrite"] is True  # content-addressed names: same name, same bytes


def test_limits_and_clamd_from_the_environment(tmp_path: Path) -> None:
    found = _settings(
        tmp_path,
        LICENSEDESK_UPLOAD_MAX_MB="pdf=20, jpeg=2.5",
        LICENSEDESK_CLAMD_HOST="127.0.0.1",
        LICENSEDESK_CLAMD_PORT="3311",
    )
    assert found["pdf_limit"] == 20 * 1024 * 1024 and found["jpeg_limit"] == int(2.5 * 1024 * 1024)
    assert found["clamd"] == ["127.0.0.1", 3311]
