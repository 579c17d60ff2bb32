# ruff: noqa: RUF012  (as makemigrations writes them)
"""Indexes for the board and the search of the case and company lists (issue 3, ``bench/web.py``).

* ``case_board_open_idx`` (every database): open cases by agency, license, stage and newest activity;
  the board's per-stage counts and per-stage top cards read it without touching the closed history.
* The (agency, stage) and (agency, consultant, stage) indexes get the list's order (newest activity,
  then id) as trailing columns: a filtered page is the first rows of the index instead of a sort of
  every matching case (and the company join of each) before the LIMIT.
* On PostgreSQL only: a trigram GIN index on ``UPPER(name)`` for the name-fragment search
  (``name__icontains`` is ``UPPER(name::text) LIKE UPPER('%…%')``, which no B-tree can serve) and a
  ``varchar_pattern_ops`` index on ``uscc`` for the USCC-prefix search (``LIKE '91…%'``; the database
  collation is not C, so the plain B-tree cannot serve a prefix LIKE). ``pg_trgm`` is a trusted
  extension: the database owner may create it. SQLite has neither operator class; its searches scan
  the agency's companies, which is fine at the sizes SQLite is used for.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that runs on PostgreSQL and does nothing on any other database."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("cases", "0002_casecheck_profile"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="case", name="case_agency_stage_idx"),
        migrations.RemoveIndex(model_name="case", name="case_agency_consultant_idx"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["agency", "stage", "-updated_at", "-id"], name="case_agency_stage_list_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["agency", "consultant", "stage", "-updated_at", "-id"],
                name="case_agency_cons_list_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", True)),
                fields=["agency", "license_id", "stage", "-updated_at", "-id"],
                name="case_board_open_idx",
            ),
        ),
        PostgreSQLOnly(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX company_name_trgm_idx ON cases_clientcompany"
                " USING gin ((UPPER(name::text)) gin_trgm_ops)",
                "CREATE INDEX company_uscc_prefix_idx ON cases_clientcompany (uscc varchar_pattern_ops)",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS company_uscc_prefix_idx",
                "DROP INDEX IF EXISTS company_name_trgm_idx",
            ],
        ),
    ]
