"""Build the shipped DOCX templates from their source (scripts/docx_templates/<license>.yaml).

    .venv/bin/python scripts/build_docx_templates.py [--check]

Why a script and not hand-edited .docx files: a template edited in Word picks up its fonts, rsids and
timestamps; built here the templates are reproducible byte for byte (fixed core properties and zip
dates), every style pins its East Asian font (宋体 body, 黑体 headings) so Word and LibreOffice do not fall
back to a Latin font for Chinese, and the styles carry the names the PDF renderer maps
(licensedesk.core.documents.pdf). ``--check`` rebuilds in memory and exits 1 if a committed template
differs from its source, so a forgotten rebuild is caught.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from licensedesk.core.documents.definitions import load_definitions  # noqa: E402
from licensedesk.core.documents.packaging import normalize_docx  # noqa: E402

SOURCES = ROOT / "scripts" / "docx_templates"
TARGET = ROOT / "src" / "licensedesk" / "core" / "catalog" / "licenses"  # <license>/templates/<id>.docx
BUILT_AT = datetime(2026, 1, 1, tzinfo=UTC)  # fixed: the templates' own core-property dates

SONG, HEI, LATIN = "宋体", "黑体", "Times New Roman"

# name: (east asian font, size pt, alignment, first-line indent chars, space before pt, space after pt)
STYLES: dict[str, tuple[str, float, str, int, float, float]] = {
    "LD Body": (SONG, 12, "justify", 2, 0, 0),
    "LD Plain": (SONG, 12, "left", 0, 0, 0),
    "LD Title": (HEI, 18, "center", 0, 6, 12),
    "LD Subtitle": (SONG, 12, "center", 0, 0, 12),
    "LD Heading 1": (HEI, 14, "left", 0, 12, 6),
    "LD Heading 2": (HEI, 12, "left", 0, 6, 3),
    "LD Addressee": (SONG, 12, "left", 0, 6, 0),
    "LD Closing": (SONG, 12, "right", 0, 0, 0),
    "LD Signature": (SONG, 12, "right", 0, 30, 6),
    "LD Seal": (SONG, 12, "right", 0, 24, 24),
    "LD Fill": (SONG, 12, "left", 0, 3, 3),
    "LD Table": (SONG, 10.5, "left", 0, 0, 0),
}
BLOCK_STYLES = {
    "p": "LD Body",
    "plain": "LD Plain",
    "title": "LD Title",
    "subtitle": "LD Subtitle",
    "heading": "LD Heading 1",
    "heading2": "LD Heading 2",
    "addressee": "LD Addressee",
    "closing": "LD Closing",
    "fill": "LD Fill",
}
ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def _pin_fonts(rpr: Any, east_asian: str) -> None:
    """rFonts with explicit ascii/hAnsi/eastAsia names and no theme fonts (a theme font would win)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme}") or "Theme" in attr:
            del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), LATIN)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _setup_styles(doc: Any) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _pin_fonts(rpr_default, SONG)
    normal = styles["Normal"]
    normal.font.size = Pt(12)
    _pin_fonts(normal.element.get_or_add_rPr(), SONG)
    for name, (east_asian, size, align, indent_chars, before, after) in STYLES.items():
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        style.font.size = Pt(size)
        style.font.bold = east_asian == HEI
        style.font.color.rgb = RGBColor(0, 0, 0)
        _pin_fonts(style.element.get_or_add_rPr(), east_asian)
        fmt = style.paragraph_format
        fmt.alignment = ALIGN[align]
        fmt.space_before = Pt(before)
        fmt.space_after = Pt(after)
        fmt.line_spacing = 1.5 if name != "LD Table" else 1.15
        fmt.widow_control = True
        if name.startswith("LD Heading") or name in ("LD Title", "LD Signature", "LD Seal"):
            fmt.keep_with_next = True  # a heading stays with its text, a signature with the seal and date
        if indent_chars:
            ind = OxmlElement("w:ind")
            ind.set(qn("w:firstLineChars"), str(indent_chars * 100))
            ind.set(qn("w:firstLine"), str(int(indent_chars * size * 20)))
            style.element.get_or_add_pPr().append(ind)
        if name == "LD Fill":
            shading = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="FFF2CC"/>')
            style.element.get_or_add_pPr().append(shading)


def _page_number_footer(section: Any) -> None:
    """第 X 页 共 Y 页, as Word fields so Word and LibreOffice number the pages themselves."""
    paragraph = section.footer.paragraphs[0]
    paragraph.style = "LD Table"
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("第 ")
    paragraph._p.append(_field("PAGE"))
    paragraph.add_run(" 页 共 ")
    paragraph._p.append(_field("NUMPAGES"))
    paragraph.add_run(" 页")


def _field(instr: str) -> Any:
    return parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="{instr}"><w:r><w:t>1</w:t></w:r></w:fldSimple>')


def _table(doc: Any, spec: dict[str, Any]) -> None:
    widths = spec["widths_mm"]
    rows = spec["rows"]
    table = doc.add_table(rows=len(rows), cols=len(widths))
    if spec.get("grid", True):
        table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for r, row in enumerate(rows):
        col = 0
        for cell_spec in row:
            text, span = (
                (cell_spec, 1) if isinstance(cell_spec, str) else (cell_spec["text"], cell_spec["span"])
            )
            cell = table.cell(r, col)
            if span > 1:
                cell = cell.merge(table.cell(r, col + span - 1))
            paragraph = cell.paragraphs[0]
            paragraph.style = "LD Table"
            if text:
                paragraph.add_run(text)
            col += span
        for c in range(len(widths)):
            table.cell(r, c).width = Mm(widths[c])
    for c, width in enumerate(widths):
        table.columns[c].width = Mm(width)


def _signature(doc: Any, spec: dict[str, Any]) -> None:
    if spec.get("signer"):
        doc.add_paragraph(
            "法定代表人：{{ company.legal_representative.name }}　　签字：＿＿＿＿＿＿＿＿",
            style="LD Signature",
        )
    else:
        doc.add_paragraph("法定代表人：{{ company.legal_representative.name }}", style="LD Signature")
    if spec.get("seal"):
        doc.add_paragraph("{{ company.name }}（盖章）", style="LD Seal")
    doc.add_paragraph(spec["date"], style="LD Closing")


_KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "TableGrid", "NoList"}
_DROP_PARTS = ("/stylesWithEffects", "/customXml", "/thumbnail", "/webSettings", "/numbering")


def _trim(doc: Any) -> None:
    """Drop what python-docx's stock template carries and the documents never use: 800 KB of style
    definitions (every built-in style, twice with stylesWithEffects), the thumbnail, customXml. A
    small template is parsed, rendered and compressed faster on every case."""
    for rels in (doc.part.package.rels, doc.part.rels):
        for rid, rel in list(rels.items()):
            if rel.reltype.endswith(_DROP_PARTS):
                rels.pop(rid)
    styles = doc.styles.element
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    for style in styles.findall(qn("w:style")):
        style_id = style.get(qn("w:styleId"))
        if style_id not in _KEEP_STYLES and not style_id.startswith("LD"):
            styles.remove(style)


def build_template(blocks: list[list[Any]], title: str) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(25)
    section.left_margin, section.right_margin = Mm(20), Mm(20)
    _setup_styles(doc)
    _page_number_footer(section)
    body = doc.element.body
    for existing in list(body):
        if existing.tag == qn("w:p"):
            body.remove(existing)
    for block in blocks:
        kind = block[0]
        if kind == "table":
            _table(doc, block[1])
        elif kind == "signature":
            _signature(doc, block[1])
        elif kind == "pagebreak":
            doc.add_paragraph(style="LD Plain").add_run().add_break(WD_BREAK.PAGE)
        else:
            doc.add_paragraph(block[1], style=BLOCK_STYLES[kind])
    _trim(doc)
    props = doc.core_properties
    props.title = title
    props.author = props.last_modified_by = "licensedesk"
    props.created = props.modified = BUILT_AT.replace(tzinfo=None)
    props.revision = 1
    props.language = "zh-CN"
    out = io.BytesIO()
    doc.save(out)
    return normalize_docx(out.getvalue(), BUILT_AT)


def build_all() -> dict[Path, bytes]:
    built: dict[Path, bytes] = {}
    for source in sorted(SOURCES.glob("*.yaml")):
        license_id = source.stem
        spec = yaml.safe_load(source.read_text(encoding="utf-8"))
        titles = {d.id: d.title.zh for d in load_definitions(license_id).documents}
        for doc_id, entry in spec.items():
            target = TARGET / license_id / "templates" / f"{doc_id}.docx"
            built[target] = build_template(entry["blocks"], titles[doc_id])
    return built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed template is stale")
    args = parser.parse_args()
    stale = []
    for path, data in build_all().items():
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")
    for path in stale:
        print(f"stale: {path.relative_to(ROOT)} (run scripts/build_docx_templates.py)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
