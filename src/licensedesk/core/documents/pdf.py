"""PDF with ReportLab: the rendered DOCX laid out again with an embedded CJK font, and the page furniture
(page numbers, fixed metadata) shared with the bundle's own pages.

Why from the rendered DOCX rather than a second template: one template per document, so an agency's own
version changes the PDF as well as the DOCX, and the two can never say different things. The DOCX
subset the templates use is small (paragraph styles, tables with column spans, page breaks); each
paragraph style is read from the DOCX (size, alignment, spacing, first-line indent, shading) and mapped
to a ReportLab style with ``wordWrap='CJK'``, which breaks lines between Chinese characters and keeps
closing punctuation (，。）」) off the start of a line. The paragraph style ``LD Seal`` becomes the company
seal area (a dashed circle over the company name, where the seal is stamped).

Same data, same bytes: ReportLab's ``invariant`` mode fixes the document id, and the creation date is
the case's, not the clock's.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from docx.oxml.ns import qn
from reportlab.lib import colors
from reportlab.lib import textsplit as _rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import TimeStamp
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus import paragraph as _rl_paragraph

from licensedesk.core.documents.fonts import cjk_font
from licensedesk.core.documents.packaging import CHINA

_ALIGN = {
    "left": TA_LEFT, "start": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT, "end": TA_RIGHT,
    "both": TA_JUSTIFY, "distribute": TA_JUSTIFY,
}  # fmt: skip
_TWIP = 1 / 20  # points
SEAL_STYLE = "LD Seal"

# Chinese line breaking (GB/T 15834 practice): closing punctuation never starts a line, opening
# brackets and quotes never end one. ReportLab breaks single-run CJK paragraphs in textsplit.dumbSplit,
# whose list of such marks is Japanese (it lacks ，；：？！》”’…) and which hangs at most one mark, so
# "》。" at a line end still put "。" at the start of the next line. It is replaced below by
# :func:`_split_chinese`; the multi-run breaker (paragraph.cjkFragSplit) gets the fuller list.
CANNOT_START_LINE = "，。、；：？！）」』》〉】〕〗〙”’…—·％‰"
CANNOT_END_LINE = "（「『《〈【〔〖〘“‘"
_CANNOT_START = "".join(dict.fromkeys(_rl_textsplit.ALL_CANNOT_START + CANNOT_START_LINE))
_CANNOT_END = "".join(dict.fromkeys(_rl_textsplit.ALL_CANNOT_END + CANNOT_END_LINE))
_rl_paragraph.ALL_CANNOT_START = _CANNOT_START


def _break_at(word: str, start: int, end: int) -> int:
    """Where to end a line that would run from ``start`` to ``end`` (exclusive) and overflows at
    ``end - 1``: hang one closing mark in the margin when the next character may start a line, else move
    back until the next line starts with a character that may start it and this line does not end on an
    opening mark."""
    over = end - 1
    if word[over] in _CANNOT_START and (over + 1 >= len(word) or word[over + 1] not in _CANNOT_START):
        return end  # hang the one mark
    k = over
    while k > start + 1 and (word[k] in _CANNOT_START or word[k - 1] in _CANNOT_END):
        k -= 1
    return k if k > start else end


def _split_chinese(word: str, widths: list[float], max_widths: Any) -> list[list[Any]]:
    """textsplit.dumbSplit with Chinese line-breaking rules (same signature and result)."""
    if not isinstance(max_widths, list | tuple):
        max_widths = [max_widths]
    lines: list[list[Any]] = []
    i = width_used = line_start = 0
    max_width = max_widths[0]
    n = len(word)
    while i < n:
        width_used += widths[i]
        i += 1
        if width_used > max_width + 1e-8:
            cut = i
            if ord(word[i - 1]) < 0x3000:  # inside a Latin word: break at the last space or CJK char
                for j in range(i - 2, (line_start + i) >> 1, -1):
                    if word[j].isspace() or ord(word[j]) >= 0x3000:
                        cut = j + 2 if j + 1 < i - 1 else i
                        break
            cut = _break_at(word, line_start, cut)
            line = word[line_start:cut]
            lines.append([max_width - sum(widths[line_start:cut]), line.strip()])
            max_width = max_widths[min(len(lines), len(max_widths) - 1)]
            line_start = i = cut
            width_used = 0
    if line_start < n:
        lines.append([max_width - sum(widths[line_start:]), word[line_start:]])
    return lines


_rl_textsplit.dumbSplit = _split_chinese
SEAL_DIAMETER = 42 * mm  # a company seal is 38–42 mm across


def _stamp(when: datetime) -> TimeStamp:
    """A ReportLab timestamp showing ``when`` in Beijing time (for CreationDate and ModDate)."""
    local = when.astimezone(CHINA)
    stamp = TimeStamp(invariant=True)
    stamp.t = when.timestamp()
    stamp.lt = local.timetuple()
    stamp.YMDhms = tuple(local.timetuple())[:6]
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    stamp.dhh, stamp.dmm = divmod(minutes, 60)
    stamp.tzname = "CST"
    return stamp


FooterFn = Callable[[Canvas, int, int], None]


def page_number_footer(canvas: Canvas, page: int, total: int) -> None:
    """第 X 页 共 Y 页, centred at the foot of the page."""
    canvas.setFont(cjk_font(), 9)
    width, _ = canvas._pagesize
    canvas.drawCentredString(width / 2, 12 * mm, f"第 {page} 页 共 {total} 页")


def _canvas_class(when: datetime, footer: FooterFn | None) -> type[Canvas]:
    stamp = _stamp(when)

    class _Canvas(Canvas):
        """Fixed timestamp; pages kept until the end so the footer can say how many there are."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = stamp
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                if footer is not None:
                    footer(self, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return _Canvas


def build_pdf(
    flowables: Sequence[Flowable],
    *,
    when: datetime,
    title: str,
    author: str,
    subject: str = "",
    pagesize: tuple[float, float] = A4,
    margins: tuple[float, float, float, float] = (25 * mm, 20 * mm, 25 * mm, 20 * mm),
    footer: FooterFn | None = page_number_footer,
) -> bytes:
    """Lay out ``flowables`` (margins: top, right, bottom, left) into a reproducible PDF."""
    font = cjk_font()
    out = io.BytesIO()
    top, right, bottom, left = margins
    doc = SimpleDocTemplate(
        out,
        pagesize=pagesize,
        topMargin=top,
        rightMargin=right,
        bottomMargin=bottom,
        leftMargin=left,
        title=title,
        author=author,
        subject=subject,
        creator="licensedesk",
        producer="licensedesk (ReportLab)",
        invariant=1,
        initialFontName=font,
        pageCompression=1,
    )
    doc.build(list(flowables), canvasmaker=_canvas_class(when, footer))
    return out.getvalue()


class SealArea(Flowable):
    """The company name (and date) where the seal goes, with a dashed circle marking the seal's place."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = text, style
        self.keepWithNext = style.keepWithNext  # the seal stays on the page of the date below it

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.height = SEAL_DIAMETER + 4 * mm
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        font, size = self.style.fontName, self.style.fontSize
        text_width = canvas.stringWidth(self.text, font, size)
        x_right = self.width
        centre_x = x_right - max(text_width, SEAL_DIAMETER) / 2
        centre_y = self.height / 2
        canvas.saveState()
        canvas.setStrokeColor(colors.Color(0.55, 0.55, 0.55))
        canvas.setDash(3, 2)
        canvas.setLineWidth(0.6)
        canvas.circle(centre_x, centre_y, SEAL_DIAMETER / 2)
        canvas.setFillColor(colors.Color(0.55, 0.55, 0.55))
        canvas.setFont(font, 8)
        canvas.drawCentredString(centre_x, centre_y + SEAL_DIAMETER / 2 - 6 * mm, "（盖章处）")
        canvas.setFillColor(colors.black)
        canvas.setFont(font, size)
        canvas.drawRightString(x_right, centre_y - size / 3, self.text)
        canvas.restoreState()


# -- DOCX → flowables ------------------------------------------------------------------------------


class _Styles:
    """Paragraph styles of one DOCX, resolved through ``basedOn`` and turned into ReportLab styles."""

    def __init__(self, document: Any, font: str) -> None:
        self.font = font
        self.by_id: dict[str, Any] = {}
        self.names: dict[str, str] = {}
        default_id = None
        for style in document.styles.element.findall(qn("w:style")):
            style_id = style.get(qn("w:styleId"))
            self.by_id[style_id] = style
            name = style.find(qn("w:name"))
            self.names[style_id] = name.get(qn("w:val")) if name is not None else style_id
            if style.get(qn("w:type")) == "paragraph" and style.get(qn("w:default")) in ("1", "true"):
                default_id = style_id
        self.default_id = default_id
        defaults = document.styles.element.find(qn("w:docDefaults"))
        self.default_size = 10.5
        if defaults is not None:
            size = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:sz')}")
            if size is not None:
                self.default_size = int(size.get(qn("w:val"))) / 2
        self._cache: dict[tuple[Any, ...], ParagraphStyle] = {}
        self._props: dict[str | None, dict[str, Any]] = {}

    def name(self, style_id: str | None) -> str:
        return self.names.get(style_id or self.default_id or "", "")

    def props(self, style_id: str | None) -> dict[str, Any]:
        """The style's own properties over those of the styles it is based on."""
        if style_id in self._props:
            return self._props[style_id]
        chain, seen = [], set()
        current = style_id or self.default_id
        while current and current not in seen and current in self.by_id:
            seen.add(current)
            chain.append(self.by_id[current])
            based = self.by_id[current].find(qn("w:basedOn"))
            current = based.get(qn("w:val")) if based is not None else None
        props: dict[str, Any] = {"size": self.default_size}
        for element in reversed(chain):
            _read_ppr(element.find(qn("w:pPr")), props)
            _read_rpr(element.find(qn("w:rPr")), props)
        self._props[style_id] = props
        return props

    def paragraph_style(self, props: dict[str, Any]) -> ParagraphStyle:
        size = props["size"]
        indent = props.get("first_line_chars", 0) / 100 * size or props.get("first_line", 0)
        leading = size * 1.3 * props.get("line", 1.0)
        key = (
            size,
            props.get("align", "left"),
            round(indent, 2),
            round(leading, 2),
            props.get("before", 0),
            props.get("after", 0),
            props.get("fill"),
            props.get("left", 0),
            props.get("keep_next", False),
        )
        style = self._cache.get(key)
        if style is None:
            fill = props.get("fill")
            style = ParagraphStyle(
                f"s{len(self._cache)}",
                fontName=self.font,
                fontSize=size,
                leading=leading,
                alignment=_ALIGN.get(props.get("align", "left"), TA_LEFT),
                firstLineIndent=indent,
                leftIndent=props.get("left", 0),
                spaceBefore=props.get("before", 0),
                spaceAfter=props.get("after", 0),
                backColor=colors.HexColor(f"#{fill}") if fill else None,
                borderPadding=(2, 2, 2, 2) if fill else 0,
                wordWrap="CJK",
                keepWithNext=int(props.get("keep_next", False)),
                allowWidows=0,
                allowOrphans=0,
            )
            self._cache[key] = style
        return style


def _read_ppr(ppr: Any, props: dict[str, Any]) -> None:
    if ppr is None:
        return
    jc = ppr.find(qn("w:jc"))
    if jc is not None:
        props["align"] = jc.get(qn("w:val"))
    spacing = ppr.find(qn("w:spacing"))
    if spacing is not None:
        for attr, key in (("w:before", "before"), ("w:after", "after")):
            value = spacing.get(qn(attr))
            if value is not None:
                props[key] = int(value) * _TWIP
        line = spacing.get(qn("w:line"))
        if line is not None and spacing.get(qn("w:lineRule"), "auto") == "auto":
            props["line"] = int(line) / 240
    ind = ppr.find(qn("w:ind"))
    if ind is not None:
        chars = ind.get(qn("w:firstLineChars"))
        if chars is not None:
            props["first_line_chars"] = int(chars)
        elif ind.get(qn("w:firstLine")) is not None:
            props["first_line"] = int(ind.get(qn("w:firstLine"))) * _TWIP
        left = ind.get(qn("w:left")) or ind.get(qn("w:start"))
        if left is not None:
            props["left"] = int(left) * _TWIP
    keep = ppr.find(qn("w:keepNext"))
    if keep is not None:
        props["keep_next"] = keep.get(qn("w:val"), "true") not in ("0", "false")
    shd = ppr.find(qn("w:shd"))
    if shd is not None and shd.get(qn("w:fill")) not in (None, "auto"):
        props["fill"] = shd.get(qn("w:fill"))


def _read_rpr(rpr: Any, props: dict[str, Any]) -> None:
    if rpr is None:
        return
    size = rpr.find(qn("w:sz"))
    if size is not None:
        props["size"] = int(size.get(qn("w:val"))) / 2


_R, _T, _TAB, _BR, _CR = qn("w:r"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_P, _TBL, _PPR, _PSTYLE = qn("w:p"), qn("w:tbl"), qn("w:pPr"), qn("w:pStyle")


def _paragraph(p: Any, styles: _Styles) -> list[Flowable]:
    """One DOCX paragraph: its text (line and page breaks kept) in its resolved style."""
    ppr = p.find(_PPR)
    style_id = None
    if ppr is not None:
        pstyle = ppr.find(_PSTYLE)
        style_id = pstyle.get(qn("w:val")) if pstyle is not None else None
    props = styles.props(style_id)
    if ppr is not None and (ppr.find(qn("w:jc")) is not None or ppr.find(qn("w:ind")) is not None):
        props = dict(props)
        _read_ppr(ppr, props)
    style = styles.paragraph_style(props)
    out: list[Flowable] = []
    parts: list[str] = []
    for run in p.iter(_R):
        for child in run:
            tag = child.tag
            if tag == _T:
                parts.append(escape(child.text or ""))
            elif tag == _TAB:
                parts.append("　")
            elif tag == _BR:
                if child.get(qn("w:type")) == "page":
                    if parts:
                        out.append(Paragraph("".join(parts), style))
                        parts = []
                    out.append(PageBreak())
                else:
                    parts.append("<br/>")
            elif tag == _CR:
                parts.append("<br/>")
    text = "".join(parts)
    if styles.name(style_id) == SEAL_STYLE and text:
        out.append(SealArea("".join(_plain_text(p)), style))
    elif text or not out:
        out.append(Paragraph(text or "&nbsp;", style))
    return out


def _plain_text(p: Any) -> list[str]:
    return [t.text or "" for t in p.iter(_T)]


def _table(tbl: Any, styles: _Styles, avail_width: float) -> Flowable:
    grid = [int(col.get(qn("w:w"))) * _TWIP for col in tbl.iter(qn("w:gridCol"))]
    if not grid:
        grid = [avail_width]
    scale = min(1.0, avail_width / sum(grid))
    widths = [w * scale for w in grid]
    rows: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), styles.font),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    vmerge_start: dict[int, int] = {}
    for r, tr in enumerate(tbl.iterchildren(qn("w:tr"))):
        row: list[Any] = [""] * len(widths)
        col = 0
        for tc in tr.iterchildren(qn("w:tc")):
            tcpr = tc.find(qn("w:tcPr"))
            span = 1
            vmerge = None
            if tcpr is not None:
                gs = tcpr.find(qn("w:gridSpan"))
                span = int(gs.get(qn("w:val"))) if gs is not None else 1
                vm = tcpr.find(qn("w:vMerge"))
                if vm is not None:
                    vmerge = vm.get(qn("w:val")) or "continue"
            if col >= len(widths):
                break
            content: list[Flowable] = []
            for p in tc.iterchildren(_P):
                content.extend(_paragraph(p, styles))
            if vmerge == "continue" and col in vmerge_start:
                commands.append(("SPAN", (col, vmerge_start[col]), (col + span - 1, r)))
            else:
                row[col] = content
                if vmerge == "restart":
                    vmerge_start[col] = r
                else:
                    vmerge_start.pop(col, None)
                if span > 1:
                    commands.append(("SPAN", (col, r), (col + span - 1, r)))
            col += span
        rows.append(row)
    if _has_borders(tbl):
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    table = Table(rows, colWidths=widths, hAlign="CENTER", repeatRows=0)
    table.setStyle(TableStyle(commands))
    return table


def _has_borders(tbl: Any) -> bool:
    tblpr = tbl.find(qn("w:tblPr"))
    if tblpr is None:
        return False
    borders = tblpr.find(qn("w:tblBorders"))
    if borders is not None:
        return any(b.get(qn("w:val")) not in ("none", "nil", None) for b in borders)
    style = tblpr.find(qn("w:tblStyle"))
    return style is not None and style.get(qn("w:val")) in ("TableGrid", "a3", "af")


@cache
def _page_geometry_default() -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    return A4, (25 * mm, 20 * mm, 25 * mm, 20 * mm)


def _page_geometry(document: Any) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    sect = document.element.body.find(qn("w:sectPr"))
    if sect is None:
        return _page_geometry_default()
    size, margins = sect.find(qn("w:pgSz")), sect.find(qn("w:pgMar"))
    pagesize = (
        (int(size.get(qn("w:w"))) * _TWIP, int(size.get(qn("w:h"))) * _TWIP) if size is not None else A4
    )
    if margins is None:
        return pagesize, _page_geometry_default()[1]
    top, right, bottom, left = (
        int(margins.get(qn(f"w:{side}"), 1440)) * _TWIP for side in ("top", "right", "bottom", "left")
    )
    return pagesize, (top, right, bottom, left)


def docx_to_pdf(document: Any, *, when: datetime, title: str, author: str, subject: str = "") -> bytes:
    """The PDF of a rendered DOCX (a python-docx ``Document``), page-numbered, fonts embedded."""
    styles = _Styles(document, cjk_font())
    pagesize, margins = _page_geometry(document)
    avail_width = pagesize[0] - margins[1] - margins[3]
    flowables: list[Flowable] = []
    for element in document.element.body.iterchildren():
        if element.tag == _P:
            flowables.extend(_paragraph(element, styles))
        elif element.tag == _TBL:
            flowables.append(_table(element, styles, avail_width))
            flowables.append(Spacer(1, 3 * mm))
    return build_pdf(
        flowables, when=when, title=title, author=author, subject=subject, pagesize=pagesize, margins=margins
    )
