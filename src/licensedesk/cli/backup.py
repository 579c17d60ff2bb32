"""``licensedesk backup DEST`` and ``licensedesk restore SRC``: the whole installation (database, stored
files, manifest) into a new directory, and back into an empty database and storage.

The work is done by :mod:`licensedesk.web.backup`; these commands print its summary, or its first
problem (naming the file, manifest field or table) and exit 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from licensedesk.cli.web import _django


def _fail(exc: Exception) -> None:
    message = getattr(exc, "message", None) or str(exc)
    message_zh = getattr(exc, "message_zh", "")
    click.echo(f"licensedesk: {message}", err=True)
    if message_zh and message_zh != message:
        click.echo(f"  {message_zh}", err=True)
    sys.exit(1)


@click.command()
@click.argument("dest", type=click.Path(path_type=Path, file_okay=True, dir_okay=True))
def backup(dest: Path) -> None:
    """Back up the database and every stored file into DEST, a new (or empty) directory.

    Consistent while the application runs: SQLite through its online backup API, PostgreSQL with
    pg_dump on one snapshot. manifest.json (sizes, SHA-256, migrations, audit chain heads) is written
    last: a backup without it is incomplete."""
    _django()
    from django.core.exceptions import ImproperlyConfigured

    from licensedesk.core.errors import ApplicationError
    from licensedesk.web.backup.services import backup_create

    try:
        summary = backup_create(dest=dest)
    except (ApplicationError, ImproperlyConfigured, OSError) as exc:
        _fail(exc)
    click.echo(summary.text())


@click.command()
@click.argument("src", type=click.Path(path_type=Path, file_okay=False))
def restore(src: Path) -> None:
    """Restore the backup in SRC into the configured database and storage, which must be empty.

    Checks the manifest and every file first, restores, migrates forward, then verifies the audit
    chains and their heads against the manifest. Exit 0 only if every check passes."""
    _django()
    from django.core.exceptions import ImproperlyConfigured

    from licensedesk.core.errors import ApplicationError
    from licensedesk.web.backup.services import backup_restore

    try:
        summary = backup_restore(src=src)
    except (ApplicationError, ImproperlyConfigured, OSError) as exc:
        _fail(exc)
    click.echo(summary.text())
