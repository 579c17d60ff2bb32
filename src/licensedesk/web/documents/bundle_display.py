"""A submission bundle as the documents panel shows it: each file by the name of the material it is
(``01 书面申请``), never by its file name in the zip (``01-application_letter.pdf``, a catalog id), and
the bundle's warnings in words with material titles.

The bundle stores its warnings as the core wrote them (``required materials without a file:
business_license, …`` and ``<file name>: <reason>`` for an item the print packet cannot hold); they are
read back here against the manifest, which names the license, the rule version and every file's material.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from licensedesk.core.catalog.loader import LookupProblem, default_catalog
from licensedesk.core.documents.bundle import CONTENTS, PACKET

MISSING_PREFIX = "required materials without a file: "  # as core.documents.bundle writes it


@dataclass(frozen=True)
class BundleFile:
    number: str  # "01"; "" for the contents and the print packet
    title: str
    source: str  # generated / supplied
    original_name: str
    size: int
    sha256: str


def _titles(manifest: dict[str, Any], lang: str) -> dict[str, str]:
    """Material id → title, from the rule version the bundle was built under."""
    try:
        version = default_catalog().version(str(manifest.get("license")), str(manifest.get("rule_version")))
    except LookupProblem:
        return {}
    return {m.id: (m.title.zh if lang == "zh" else m.title.en) for m in version.version.materials}


def _own_titles() -> dict[str, str]:
    return {CONTENTS: _("Table of contents"), PACKET: _("Print packet (all files in one PDF)")}


def _file_title(entry: dict[str, Any], titles: dict[str, str]) -> str:
    material = entry.get("material")
    if material:
        return titles.get(material) or _("Other material")
    return _own_titles().get(str(entry.get("path")), _("Other file"))


def bundle_files(manifest: dict[str, Any], lang: str) -> list[BundleFile]:
    """The bundle's files in zip order, each by its number and material title."""
    titles = _titles(manifest, lang)
    rows = []
    for entry in manifest.get("files") or []:
        path = str(entry.get("path", ""))
        number = path[:2] if entry.get("material") and path[:2].isdigit() else ""
        rows.append(
            BundleFile(
                number=number,
                title=_file_title(entry, titles),
                source=str(entry.get("source", "")),
                original_name=str(entry.get("original_name") or ""),
                size=int(entry.get("size") or 0),
                sha256=str(entry.get("sha256", "")),
            )
        )
    return rows


def bundle_warnings(warnings: list[str], manifest: dict[str, Any], lang: str) -> list[str]:
    """The stored warnings, in words: material titles instead of ids and zip file names."""
    titles = _titles(manifest, lang)
    by_path = {str(e.get("path")): e for e in manifest.get("files") or []}
    sep = "、" if lang == "zh" else ", "
    shown = []
    for warning in warnings:
        if warning.startswith(MISSING_PREFIX):
            ids = manifest.get("missing_required_materials") or warning[len(MISSING_PREFIX) :].split(", ")
            names = sep.join(titles.get(i) or _("Other material") for i in ids)
            shown.append(_("Required materials without a file: %(materials)s") % {"materials": names})
            continue
        path, colon, reason = warning.partition(": ")
        if colon and path in by_path:
            entry = by_path[path]
            shown.append(
                _("%(number)s %(title)s: %(reason)s")
                % {"number": path[:2], "title": _file_title(entry, titles), "reason": reason}
            )
        else:
            shown.append(warning)
    return shown
