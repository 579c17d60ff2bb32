"""The submission bundle: one zip per submission, verifiable file by file.

Contents, in the order of the authority's checklist (the catalog's materials): for each material the
accepted files the company supplied or, where there are none, the generated document (PDF) — a signed
and sealed upload replaces the draft it was made from, so the set is the one handed in, never both —
then ``00-contents.pdf`` (目录,
with each item's pages in the print packet), ``print-packet.pdf`` and ``manifest.json`` listing every
other file's path, size and SHA-256 with the case, the rule version and the generation time.

Same input, same zip: entry dates and the manifest's time are the build time the caller passes (stored
with the bundle record) or else come from the case (see
:func:`~licensedesk.core.documents.packaging.write_zip`), so a bundle can be rebuilt and compared with the
one submitted. Required materials with no file are listed in the 目录 marked 缺 and in the manifest.
:func:`verify_bundle` recomputes every hash and names files added, removed or changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from licensedesk.core.documents.errors import BundleError
from licensedesk.core.documents.packaging import CHINA, write_zip
from licensedesk.core.documents.packet import PacketItem, page_count, print_packet, table_of_contents
from licensedesk.core.documents.render import DocumentSet

MANIFEST = "manifest.json"
CONTENTS = "00-contents.pdf"
PACKET = "print-packet.pdf"
FORMAT = "licensedesk-bundle/1"
_KINDS = {
    ".pdf": "pdf",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
    ".ofd": "ofd",
    ".docx": "docx",
    ".xlsx": "xlsx",
}


@dataclass(frozen=True, slots=True)
class MaterialFile:
    """An accepted material: the checklist id it answers and the file on disk."""

    material_id: str
    path: Path


@dataclass(frozen=True)
class Bundle:
    data: bytes
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_material(material: MaterialFile, checklist: dict[str, dict[str, Any]]) -> tuple[str, bytes]:
    item = checklist.get(material.material_id)
    if item is None:
        known = ", ".join(checklist)
        raise BundleError(
            f"{material.path}: unknown material id {material.material_id!r}; known: {known}",
            message_zh=f"{material.path}：未知的材料编号 {material.material_id}",
            details={"file": str(material.path), "material": material.material_id},
        )
    kind = _KINDS.get(material.path.suffix.lower())
    if kind is None or kind not in item["file_kinds"]:
        allowed = ", ".join(item["file_kinds"])
        raise BundleError(
            f"{material.path}: a {material.material_id} file must be one of {allowed}",
            message_zh=f"{material.path}：{item['title_zh']}的文件类型应为 {allowed}",
            details={
                "file": str(material.path),
                "material": material.material_id,
                "allowed": item["file_kinds"],
            },
        )
    try:
        return kind, material.path.read_bytes()
    except FileNotFoundError:
        raise BundleError(
            f"{material.path}: file not found",
            message_zh=f"{material.path}：文件不存在",
            details={"file": str(material.path)},
        ) from None
    except OSError as exc:
        raise BundleError(
            f"{material.path}: cannot be read ({exc.strerror})",
            message_zh=f"{material.path}：无法读取",
            details={"file": str(material.path)},
        ) from None


MISSING_MARK = "缺"


def build_bundle(
    documents: DocumentSet,
    materials: Sequence[MaterialFile],
    *,
    company: str,
    uscc: str | None,
    built_at: datetime | None = None,
) -> Bundle:
    """Zip the accepted material files (or, for a material with none, its generated document) in
    checklist order, with the contents, the print packet and the manifest. ``built_at``: when the
    bundle was built, for the manifest and the zip's dates (default the documents' generation time);
    pass the stored time again to rebuild the same bytes. :class:`BundleError` names a file that is
    missing, of a kind the checklist does not accept for its material, or unreadable."""
    result = documents.check_result
    checklist = {m["id"]: m for m in result["materials"]}
    when = built_at or documents.generated_at
    supplied: dict[str, list[tuple[str, bytes, str]]] = {}
    for material in materials:
        kind, data = _read_material(material, checklist)
        supplied.setdefault(material.material_id, []).append((kind, data, material.path.name))
    generated = {d.material: d for d in documents.documents if d.material}
    items: list[PacketItem] = []
    entries: list[dict[str, Any]] = []
    number = 0
    missing_required = []
    missing_rows: dict[int, tuple[str, str]] = {}  # position among the rows → (title, mark)
    for material_id, item in checklist.items():
        files = supplied.get(material_id, [])
        doc = None if files else generated.get(material_id)  # the accepted upload replaces the draft
        if not doc and not files:
            if item["required"]:
                missing_required.append(material_id)
                missing_rows[len(items) + len(missing_rows)] = (item["title_zh"], MISSING_MARK)
            continue
        number += 1
        if doc is not None:
            name = f"{number:02d}-{material_id}.pdf"
            items.append(
                PacketItem(number, item["title_zh"], material_id, name, "pdf", doc.pdf, is_copy=False)
            )
            entries.append({"path": name, "material": material_id, "source": "generated", "data": doc.pdf})
        for index, (kind, data, original) in enumerate(files, start=1):
            suffix = "jpg" if kind == "jpeg" else kind
            extra = f"-{index}" if len(files) > 1 else ""
            name = f"{number:02d}-{material_id}{extra}.{suffix}"
            items.append(PacketItem(number, item["title_zh"], material_id, name, kind, data, is_copy=True))
            entries.append(
                {
                    "path": name,
                    "material": material_id,
                    "source": "supplied",
                    "original_name": original,
                    "data": data,
                }
            )
    counts = [page_count(item, when) for item in items]
    toc_pages, toc = 1, b""
    for _ in range(3):  # the contents' own length shifts the page numbers it lists
        rows, page = [], toc_pages + 1
        for item, count in zip(items, counts, strict=True):
            rows.append((item.number, item.title_zh, item.file_name, f"{page}–{page + count - 1}"))
            page += count
        for position, (title, mark) in sorted(missing_rows.items()):  # in checklist order, marked 缺
            rows.insert(position, ("", title, "—", mark))
        toc = table_of_contents(
            rows,
            company=company,
            license_name=result["license_name_zh"].split("（")[0],
            case_number=documents.case_number,
            when=when,
        )
        pages = len(PdfReader(io.BytesIO(toc)).pages)
        if pages == toc_pages:
            break
        toc_pages = pages
    packet, ranges, warnings = print_packet(
        toc, items, when=when, company=company, case_number=documents.case_number
    )
    listed = [tuple(int(n) for n in row[3].split("–")) for row in rows if row[3] != MISSING_MARK]
    if listed != ranges:  # the contents must point at the pages the packet really has
        raise RuntimeError(f"contents {listed} do not match the packet's pages {ranges}")
    files = [{"path": CONTENTS, "material": None, "source": "generated", "data": toc}, *entries]
    files.append({"path": PACKET, "material": None, "source": "generated", "data": packet})
    manifest = {
        "format": FORMAT,
        "case": {"number": documents.case_number, "company": company, "uscc": uscc},
        "license": result["license"],
        "rule_version": result["ruleset_version"],
        "as_of": result["as_of"],
        "generated_at": when.astimezone(CHINA).isoformat(),
        "missing_required_materials": missing_required,
        "files": [
            {k: v for k, v in f.items() if k != "data"}
            | {"size": len(f["data"]), "sha256": _sha256(f["data"])}
            for f in files
        ],
    }
    if missing_required:  # web/documents/bundle_display.py shows it with the materials' titles
        warnings = [*warnings, "required materials without a file: " + ", ".join(missing_required)]
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    data = write_zip([*((f["path"], f["data"]) for f in files), (MANIFEST, manifest_bytes)], when)
    return Bundle(data=data, manifest=manifest, warnings=warnings)


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`verify_bundle` found; ``ok`` when nothing was added, removed or changed."""

    changed: list[str]
    added: list[str]
    removed: list[str]
    manifest: dict[str, Any]

    @property
    def ok(self) -> bool:
        return not (self.changed or self.added or self.removed)


def verify_bundle(source: Path | bytes) -> VerifyReport:
    """Recompute every file's size and SHA-256 against the bundle's manifest."""
    name = str(source) if isinstance(source, Path) else "bundle"
    try:
        archive = zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source))
    except FileNotFoundError:
        raise BundleError(
            f"{name}: file not found", message_zh=f"{name}：文件不存在", details={"file": name}
        ) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(
            f"{name}: not a zip file ({exc})", message_zh=f"{name}：不是 zip 文件", details={"file": name}
        ) from None
    with archive:
        names = [info.filename for info in archive.infolist() if not info.is_dir()]
        if MANIFEST not in names:
            raise BundleError(
                f"{name}: no {MANIFEST} in the bundle",
                message_zh=f"{name}：压缩包中没有 {MANIFEST}",
                details={"file": name},
            )
        try:
            manifest = json.loads(archive.read(MANIFEST))
            listed = {entry["path"]: entry for entry in manifest["files"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise BundleError(
                f"{name}: {MANIFEST} is not a bundle manifest ({exc})",
                message_zh=f"{name}：{MANIFEST} 不是有效的清单",
                details={"file": name},
            ) from None
        present = Counter(names)
        changed = []
        for path, entry in listed.items():
            if path not in present:
                continue
            data = archive.read(path)
            if len(data) != entry.get("size") or _sha256(data) != entry.get("sha256"):
                changed.append(path)
        added = sorted(p for p in present if p != MANIFEST and p not in listed)
        added += sorted(f"{p} (duplicate entry)" for p, n in present.items() if n > 1)
        removed = sorted(p for p in listed if p not in present)
    return VerifyReport(changed=sorted(changed), added=added, removed=removed, manifest=manifest)
