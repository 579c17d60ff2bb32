"""CSV and XLSX as byte streams, row by row, in constant memory.

CSV: UTF-8 with a byte-order mark (Excel on Windows reads UTF-8 without one as the local code page and
garbles Chinese), rows written by the csv module into a small buffer that is handed out every
:data:`CSV_CHUNK_ROWS` rows. XLSX: the workbook's parts written as a zip by stream-zip while the rows are
read, the sheet's XML row by row with inline strings; dates and times are written as Excel dates (with a
date format), not as text. openpyxl's write-only workbook was used before: it needs the whole sheet
before it writes the zip's directory, so a long list sent its first byte after proxies gave up waiting
(bench/export.py measures the time to the first byte).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr  # nosec B406: escapes what is written, parses nothing

from django.utils import timezone
from openpyxl.utils.datetime import to_excel

BOM = "\ufeff"
CSV_CHUNK_ROWS = 500

Kind = Literal["text", "date", "datetime", "number", "bool"]


@dataclass(frozen=True)
class Column:
    """One column of an export: its Chinese header, what it holds, and its width in Excel."""

    header: str
    kind: Kind = "text"
    width: int = 14


Converter = Callable[[Any], Any]


def _bool(value: Any) -> Any:
    return None if value is None else ("是" if value else "否")


def csv_converters(columns: Sequence[Column]) -> list[Converter]:
    """One function per column turning a value into its CSV text: times in the current zone (China) to
    the minute, dates ISO, booleans 是/否, None empty. Chosen once per export, not per cell."""
    zone = timezone.get_current_timezone()

    def converter(kind: Kind) -> Converter:
        if kind == "datetime":
            return lambda v: "" if v is None else v.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        if kind == "date":
            return lambda v: "" if v is None else v.isoformat()
        if kind == "bool":
            return lambda v: "" if v is None else ("是" if v else "否")
        if kind == "text":
            return csv_text
        return lambda v: "" if v is None else v

    return [converter(c.kind) for c in columns]


#: What makes a spreadsheet read a cell as a formula (CSV injection, OWASP): text a client typed, such as
#: a company name ``=HYPERLINK(…)``, must stay text when the file is opened.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> Any:
    """Text as text: a value that would start a formula gets a leading apostrophe, which Excel and
    LibreOffice read as "this is text" and do not show."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_stream(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The CSV file as chunks of bytes: BOM and header first, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    converters = csv_converters(columns)
    buffer.write(BOM)
    writer.writerow([c.header for c in columns])
    for count, row in enumerate(rows, start=1):
        writer.writerow([convert(value) for convert, value in zip(converters, row, strict=True)])
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_stream(title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The XLSX file as chunks of bytes: one sheet named ``title``, a bold frozen header row.

    The workbook's parts are written as zip members by stream-zip while the rows are read: the sheet
    is XML written row by row (strings inline, so no shared-string table has to be held), handed to
    the zip every :data:`XLSX_CHUNK_ROWS` rows. The first bytes leave before the first row is read;
    memory does not depend on the number of rows."""
    from stream_zip import ZIP_32, stream_zip

    modified = timezone.localtime()  # a zip records local time
    parts: list[tuple[str, Iterable[bytes]]] = [
        ("[Content_Types].xml", (_CONTENT_TYPES,)),
        ("_rels/.rels", (_ROOT_RELS,)),
        ("xl/workbook.xml", (_workbook_xml(title),)),
        ("xl/_rels/workbook.xml.rels", (_WORKBOOK_RELS,)),
        ("xl/styles.xml", (_STYLES,)),
        ("xl/worksheets/sheet1.xml", _sheet_xml(columns, rows)),
    ]
    # ZIP_32: Excel does not open every Zip64 archive; a sheet of 4 GiB of XML is not an export a list has.
    yield from stream_zip((name, modified, 0o600, ZIP_32, body) for name, body in parts)


#: Characters XML 1.0 does not allow (controls other than tab, line feed and carriage return, lone
#: surrogates, U+FFFE and U+FFFF): a name typed with one would make the whole file unreadable, so they
#: are dropped from every cell.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
XLSX_CHUNK_ROWS = 200
#: Cell styles (indexes into ``cellXfs`` of :data:`_STYLES`).
_HEADER_STYLE, _DATE_STYLE, _DATETIME_STYLE = 1, 2, 3
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/styles.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    b"</Types>"
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/>'
    b"</Relationships>"
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    b'Target="styles.xml"/>'
    b"</Relationships>"
)
# Styles: 0 plain, 1 bold (the header), 2 a date (built-in format 14), 3 a time to the minute.
_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    b'<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/></numFmts>'
    b'<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    b'<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
    b'<fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    b'<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    b'<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    b'<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    b"</styleSheet>"
)


def xml_text(value: str) -> str:
    """``value`` as XML character data: forbidden characters dropped, ``& < >`` escaped."""
    return escape(XML_FORBIDDEN.sub("", value))


def _workbook_xml(title: str) -> bytes:
    """The workbook with its one sheet; the name kept to what Excel accepts (31 characters, none of
    ``[]:*?/\\``)."""
    name = _SHEET_NAME_FORBIDDEN.sub(" ", XML_FORBIDDEN.sub("", title))[:31].strip("' ") or "Sheet1"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name={quoteattr(name)} sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    ).encode()


def _xlsx_cells(columns: Sequence[Column]) -> list[Callable[[str, Any], str]]:
    """One function per column writing a value as a ``<c>`` element at a reference (``""`` for
    None). Dates and times are Excel date serials with a date format (so they sort and compute as
    dates), times in the current zone (China; Excel has no zones); booleans 是/否; text is an inline
    string, which a spreadsheet never reads as a formula."""
    zone = timezone.get_current_timezone()

    def text(ref: str, value: Any) -> str:
        if value is None:
            return ""
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{xml_text(str(value))}</t></is></c>'

    def number(ref: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            return text(ref, value)
        return f'<c r="{ref}"><v>{value}</v></c>'

    def day(ref: str, value: Any) -> str:
        if value is None:
            return ""
        return f'<c r="{ref}" s="{_DATE_STYLE}"><v>{to_excel(value)}</v></c>'

    def moment(ref: str, value: Any) -> str:
        if value is None:
            return ""
        if timezone.is_aware(value):
            value = value.astimezone(zone).replace(tzinfo=None)
        return f'<c r="{ref}" s="{_DATETIME_STYLE}"><v>{to_excel(value)}</v></c>'

    def boolean(ref: str, value: Any) -> str:
        return text(ref, _bool(value))

    by_kind: dict[Kind, Callable[[str, Any], str]] = {
        "text": text,
        "number": number,
        "date": day,
        "datetime": moment,
        "bool": boolean,
    }
    return [by_kind[c.kind] for c in columns]


def _sheet_xml(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The worksheet's XML in chunks: column widths, the frozen header row, then the rows as they are
    read."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(index) for index in range(1, len(columns) + 1)]
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>' for i, c in enumerate(columns, 1)
    )
    header = "".join(
        f'<c r="{letter}1" t="inlineStr" s="{_HEADER_STYLE}"><is><t>{xml_text(c.header)}</t></is></c>'
        for letter, c in zip(letters, columns, strict=True)
    )
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols><sheetData>'
        f'<row r="1">{header}</row>'
    ).encode()
    cells = list(zip(letters, _xlsx_cells(columns), strict=True))
    buffer: list[str] = []
    for number, row in enumerate(rows, start=2):
        written = "".join(
            cell(f"{letter}{number}", value) for (letter, cell), value in zip(cells, row, strict=True)
        )
        buffer.append(f'<row r="{number}">{written}</row>')
        if len(buffer) == XLSX_CHUNK_ROWS:
            yield "".join(buffer).encode()
            buffer.clear()
    buffer.append("</sheetData></worksheet>")
    yield "".join(buffer).encode()
