"""Backup and restore of a licensedesk installation: ``licensedesk backup DEST`` / ``restore SRC``.

A backup is a directory: the database dump (``database.sqlite3`` or ``database.pgdump``), every stored
file the database references under ``files/<storage name>``, and ``manifest.json`` (written last).
:mod:`.services` holds the two operations, :mod:`.database` the engine-specific dump and restore,
:mod:`.files` the stored files, :mod:`.manifest` the manifest and its checks.
"""
