"""Settings every test area shares."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: Any
) -> None:
    """On SQLite, the test database is a file, not Django's shared-cache in-memory database. With shared
    cache, SQLite locks whole tables between the connections of one process and answers a second writer
    at once with "database table is locked", never waiting: the browser journeys' live server and its
    document-job thread then failed now and then. A file gets WAL and the busy timeout that production
    has (settings.SQLITE_OPTIONS)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")
