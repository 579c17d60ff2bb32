"""The print packet (打印稿) and the table of contents (目录) of a submission bundle.

The packet is what goes to the authority on paper: the contents first, then each item behind a
separator sheet, every page numbered across the whole set (bottom right, beside each document's own
page numbers), and on every page of a *copy* of a material (a business license scan, articles …) a
marked area for the company seal with the words 本文件与原件一致, which the authority expects next to the
seal on copies. Pages are merged and stamped with pypdf; the stamps and sheets are drawn with
ReportLab, one overlay document for the whole packet so the font is embedded once.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from licensedesk.core.documents.errors import BundleError
from licensedesk.core.documents.fonts import cjk_font
from licensedesk.core.documents.packaging import CHINA
from licensedesk.core.documents.pdf import _stamp, build_pdf
from licensedesk.core.documents.typography import cn_date

COPY_MARK = "本文件与原件一致"
PRINTABLE_IMAGES = {"jpeg", "jpg", "png"}


@dataclass(frozen=True, slots=True)
class PacketItem:
    """One file of the packet, in checklist order: its PDF pages (or an image), whether it is a copy of
    a material supplied by the company (stamped) or a generated document (not)."""

    number: int
    title_zh: str
    material_id: str
    file_name: str
    kind: str  # pdf, jpeg, png, docx, xlsx, ofd
    data: bytes
    is_copy: bool


def page_count(item: PacketItem, when: datetime) -> int:
    """How many pages ``item`` takes in the packet, its separator sheet included."""
    reader, _ = _pdf_pages(item, when)
    return 1 + (len(reader.pages) if reader is not None else 0)


def _pdf_pages(item: PacketItem, when: datetime) -> tuple[PdfReader | None, str | None]:
    """The item's pages as a PDF reader, or a reason it cannot be printed from here."""
    if item.kind == "pdf":
        try:
            reader = PdfReader(io.BytesIO(item.data))
            if reader.is_encrypted:
                return None, "加密的 PDF，请单独打印"
            len(reader.pages)
        except Exception as exc:  # pypdf raises many kinds for a damaged file
            raise BundleError(
                f"{item.file_name}: not a readable PDF ({exc})",
                message_zh=f"{item.file_name}：无法读取的 PDF 文件",
                details={"file": item.file_name},
            ) from None
        return reader, None
    if item.kind in PRINTABLE_IMAGES:
        return PdfReader(io.BytesIO(_image_page(item, when))), None
    return None, f"{item.kind.upper()} 文件，不能并入打印稿，请单独打印"


def _image_page(item: PacketItem, when: datetime) -> bytes:
    try:
        image = ImageReader(io.BytesIO(item.data))
        width, height = image.getSize()
    except Exception as exc:
        raise BundleError(
            f"{item.file_name}: not a readable image ({exc})",
            message_zh=f"{item.file_name}：无法读取的图片文件",
            details={"file": item.file_name},
        ) from None
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1, initialFontName=cjk_font(), pageCompression=1)
    canvas._doc._timeStamp = _stamp(when)
    page_w, page_h = A4
    box_w, box_h = page_w - 40 * mm, page_h - 50 * mm
    scale = min(box_w / width, box_h / height)
    w, h = width * scale, height * scale
    canvas.drawImage(image, (page_w - w) / 2, page_h - 25 * mm - h, w, h)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def table_of_contents(
    rows: Sequence[tuple[int, str, str, str]],
    *,
    company: str,
    license_name: str,
    case_number: str | None,
    when: datetime,
) -> bytes:
    """目录: number, material, file and pages (in the print packet) of each item."""
    font = cjk_font()
    title = ParagraphStyle("toc-title", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=6)
    sub = ParagraphStyle("toc-sub", fontName=font, fontSize=10.5, leading=16, alignment=1, spaceAfter=10)
    cell = ParagraphStyle("toc-cell", fontName=font, fontSize=10.5, leading=14, wordWrap="CJK")
    header = ["序号", "材料名称", "文件", "页码"]
    data = [[Paragraph(h, cell) for h in header]]
    data += [
        [Paragraph(str(n), cell), Paragraph(t, cell), Paragraph(f, cell), Paragraph(p, cell)]
        for n, t, f, p in rows
    ]
    table = Table(data, colWidths=[14 * mm, 86 * mm, 44 * mm, 26 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    subtitle = f"{company}　{license_name}申请材料"
    if case_number:
        subtitle += f"　编号：{case_number}"
    subtitle += f"　{cn_date(when)}"
    flowables = [Paragraph("目　录", title), Paragraph(subtitle, sub), Spacer(1, 4 * mm), table]
    return build_pdf(
        flowables, when=when, title="目录", author=company, subject=case_number or "", footer=None
    )


def _separator(canvas: Canvas, item: PacketItem, pages: int, reason: str | None) -> None:
    font = cjk_font()
    width, height = A4
    canvas.setFont(font, 14)
    canvas.drawCentredString(width / 2, height * 0.62, f"材料 {item.number}")
    canvas.setFont(font, 20)
    canvas.drawCentredString(width / 2, height * 0.55, item.title_zh)
    canvas.setFont(font, 11)
    canvas.drawCentredString(width / 2, height * 0.50, f"文件：{item.file_name}")
    note = reason or f"以下共 {pages} 页" + ("（复印件，须加盖公章）" if item.is_copy else "")
    canvas.drawCentredString(width / 2, height * 0.46, note)


def _copy_mark(canvas: Canvas, width: float) -> None:
    """A dashed box at the lower right with 本文件与原件一致 and room for the seal."""
    font = cjk_font()
    box_w, box_h = 50 * mm, 48 * mm
    x, y = width - box_w - 12 * mm, 16 * mm
    canvas.saveState()
    canvas.setStrokeColor(colors.Color(0.75, 0.1, 0.1))
    canvas.setFillColor(colors.Color(0.75, 0.1, 0.1))
    canvas.setDash(3, 2)
    canvas.setLineWidth(0.7)
    canvas.rect(x, y, box_w, box_h)
    canvas.setFont(font, 11)
    canvas.drawCentredString(x + box_w / 2, y + box_h - 7 * mm, COPY_MARK)
    canvas.setFont(font, 7.5)
    canvas.drawCentredString(x + box_w / 2, y + 2.5 * mm, "（此处加盖公司公章）")
    canvas.restoreState()


def print_packet(
    toc: bytes, items: Sequence[PacketItem], *, when: datetime, company: str, case_number: str | None
) -> tuple[bytes, list[tuple[int, int]], list[str]]:
    """Merge the contents, separators and items into one numbered PDF.

    Returns the PDF, each item's (first, last) page in the packet (for the contents) and warnings for
    items that could not be merged (DOCX, XLSX, OFD, encrypted PDF: a sheet says to print them apart)."""
    font = cjk_font()
    readers: list[tuple[PacketItem, PdfReader | None, str | None]] = []
    for item in items:
        reader, reason = _pdf_pages(item, when)
        readers.append((item, reader, reason))
    toc_reader = PdfReader(io.BytesIO(toc))
    # page plan: (source reader or None for a separator, page index, stamp as copy, item)
    plan: list[tuple[PdfReader | None, int, bool, PacketItem | None, str | None]] = []
    plan += [(toc_reader, i, False, None, None) for i in range(len(toc_reader.pages))]
    ranges: list[tuple[int, int]] = []
    warnings: list[str] = []
    for item, reader, reason in readers:
        first = len(plan) + 1
        pages = len(reader.pages) if reader is not None else 0
        plan.append((None, pages, False, item, reason))
        if reader is not None:
            plan += [(reader, i, item.is_copy, item, None) for i in range(pages)]
        else:
            warnings.append(f"{item.file_name}: {reason}")
        ranges.append((first, len(plan)))
    total = len(plan)
    sizes = [
        (float(src.pages[i].mediabox.width), float(src.pages[i].mediabox.height)) if src is not None else A4
        for src, i, *_ in plan
    ]
    overlay_out = io.BytesIO()
    canvas = Canvas(overlay_out, pagesize=A4, invariant=1, initialFontName=font, pageCompression=1)
    canvas._doc._timeStamp = _stamp(when)
    for number, ((src, i, stamp, item, reason), size) in enumerate(zip(plan, sizes, strict=True), start=1):
        canvas.setPageSize(size)
        if src is None and item is not None:
            _separator(canvas, item, i, reason)
        if stamp:
            _copy_mark(canvas, size[0])
        canvas.setFont(font, 9)
        canvas.drawRightString(size[0] - 12 * mm, 7 * mm, f"总第 {number} 页 / 共 {total} 页")
        canvas.showPage()
    canvas.save()
    overlay = PdfReader(io.BytesIO(overlay_out.getvalue()))
    writer = PdfWriter()
    for number, (src, i, _stamp_it, _item, _reason) in enumerate(plan):
        if src is None:
            writer.add_page(overlay.pages[number])
            continue
        page = writer.add_page(src.pages[i])
        if page.get("/Rotate"):
            page.transfer_rotation_to_content()
        page.merge_page(overlay.pages[number])
    writer.add_metadata(
        {
            "/Title": "申请材料打印稿",
            "/Author": company,
            "/Subject": case_number or "",
            "/Creator": "licensedesk",
            "/Producer": "licensedesk (pypdf)",
            "/CreationDate": when.astimezone(CHINA).strftime("D:%Y%m%d%H%M%S+08'00'"),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), ranges, warnings
