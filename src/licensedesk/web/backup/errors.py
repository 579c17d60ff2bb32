"""The errors of backup and restore, one class per way they fail, each with its stable code.

Every message names what is wrong: the file (its path inside the backup, or its storage name), the
manifest field, the database table, the agency whose chain differs. ``details`` carries the same as data.
"""

from __future__ import annotations

from licensedesk.core.errors import ApplicationError


class BackupError(ApplicationError):
    """Base of the backup and restore failures (the CLI exits 1 on any of them)."""

    default_code = "backup.failed"


class BackupRefused(BackupError):
    """``backup`` will not write where it was asked to (DEST exists and is not an empty directory)."""

    default_code = "backup.refused"


class BackupSourceInvalid(BackupError):
    """What ``backup`` reads is not what the database says: a referenced file missing from storage or
    with other bytes, a storage name that would leave the backup directory, a failing ``pg_dump``."""

    default_code = "backup.source_invalid"


class BackupInvalid(BackupError):
    """The backup directory is incomplete or changed: no manifest, a bad manifest field, a file missing,
    changed or not listed."""

    default_code = "backup.invalid"


class RestoreRefused(BackupError):
    """The restore target is not empty (a table has rows, storage holds other bytes under a name) or
    cannot take this backup (another database engine, migrations this code does not know)."""

    default_code = "restore.refused"


class RestoreFailed(BackupError):
    """The restore ran but what it produced does not check out (``pg_restore`` failed, the audit chains
    do not verify, a chain head differs from the manifest's)."""

    default_code = "restore.failed"
