"""Where a license's files live: one folder per license under ``core/catalog/licenses/<license-id>/``.

Everything about a license sits together so that adding one is adding a folder (issue 12)::

    license.yaml          legal bases, dated parameters, rule versions, workflow, time limits, duties
    profile_section.yaml  optional: the license's own profile facts (``extensions.<license-id>``)
    documents.yaml        the application documents drafted for it
    templates/<id>.docx   their shipped DOCX templates
    cases/*.yaml          its YAML rule test cases

Every reader of these files asks this module for the path, so the layout is stated once.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

LICENSE_FILE = "license.yaml"
PROFILE_SECTION_FILE = "profile_section.yaml"
DOCUMENTS_FILE = "documents.yaml"
TEMPLATES_DIR = "templates"
CASES_DIR = "cases"


def licenses_root() -> Path:
    """The folder holding one sub-folder per license (shipped as package data)."""
    return Path(str(resources.files("licensedesk.core.catalog").joinpath("licenses")))


def license_folders(root: Path | None = None) -> list[Path]:
    """Every license folder (one holding a ``license.yaml``), sorted by license id."""
    base = root or licenses_root()
    return sorted(p for p in base.iterdir() if p.is_dir() and (p / LICENSE_FILE).is_file())


def license_folder(license_id: str, root: Path | None = None) -> Path:
    return (root or licenses_root()) / license_id


def documents_file(license_id: str) -> Path:
    return license_folder(license_id) / DOCUMENTS_FILE


def template_file(license_id: str, doc_id: str) -> Path:
    return license_folder(license_id) / TEMPLATES_DIR / f"{doc_id}.docx"


def profile_section_file(license_id: str, root: Path | None = None) -> Path:
    return license_folder(license_id, root) / PROFILE_SECTION_FILE


def document_license_ids() -> list[str]:
    """The licenses with document definitions (a ``documents.yaml`` in their folder)."""
    return [p.name for p in license_folders() if (p / DOCUMENTS_FILE).is_file()]


def case_files(root: Path | None = None) -> list[Path]:
    """Every YAML rule-case file of every license (``cases/*.yaml``; files starting with ``_`` are not
    cases but shared data such as a license's base profile)."""
    return [
        path
        for folder in license_folders(root)
        for path in sorted((folder / CASES_DIR).glob("*.yaml"))
        if not path.name.startswith("_")
    ]


def display_name(path: Path) -> str:
    """How a problem names a file: ``<license-id>/license.yaml`` for a folder's file (every folder's file
    has the same name), the bare file name for a loose file."""
    if path.name in (LICENSE_FILE, PROFILE_SECTION_FILE, DOCUMENTS_FILE):
        return f"{path.parent.name}/{path.name}"
    return path.name
