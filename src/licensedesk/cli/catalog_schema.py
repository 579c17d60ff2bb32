"""``licensedesk catalog schema LICENSE``: the JSON Schema of a company profile for one license.

Its own module so the command is added beside the ``catalog`` group without growing cli/main.py; the
schema itself is built in :mod:`licensedesk.core.catalog.profile_schema` (the same one ``check``
validates against).
"""

from __future__ import annotations

import json
from typing import Any

import click

from licensedesk.core.catalog.loader import LookupProblem
from licensedesk.core.catalog.profile_schema import profile_schema


def register(cli: click.Group, *, fail: Any, catalog: Any) -> None:
    """Add ``schema`` to the ``catalog`` group of ``cli``; ``fail`` and ``catalog`` are the CLI's own
    helpers (exit 2 with a message; the validated default catalog)."""
    group = cli.commands["catalog"]
    assert isinstance(group, click.Group)

    @group.command("schema")
    @click.argument("license_id")
    def catalog_schema(license_id: str) -> None:
        """Print the JSON Schema of a company profile for a license: the shared contract plus the
        license's own section under extensions.<license>."""
        loaded = catalog()
        try:
            schema = profile_schema(license_id, loaded)
        except LookupProblem as exc:
            fail(str(exc))
        click.echo(json.dumps(schema, ensure_ascii=False, indent=2))
