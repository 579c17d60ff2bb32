"""Compile the gettext catalogs (.po → .mo) of the web application with Babel.

Why not Django's ``compilemessages``: it shells out to GNU gettext's msgfmt, a system package a fresh
machine may not have; Babel is a Python dependency, so ``make install``, ``licensedesk serve`` and the
tests compile the same way everywhere. Compiled files are build output and are not committed.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

WEB_DIR = Path(__file__).resolve().parent


def po_files(root: Path = WEB_DIR) -> list[Path]:
    return sorted(root.rglob("locale/*/LC_MESSAGES/*.po"))


def compile_translations(root: Path = WEB_DIR, *, force: bool = False) -> list[Path]:
    """Write the .mo beside every .po that is newer than it (or all with ``force``); return those written."""
    written = []
    for po_path in po_files(root):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_translations():
        print(f"compiled {path}")
