"""The XLSX writer: streamed while the rows are read, and every cell what it should be once opened back
with openpyxl (text stays text, dates are dates, characters XML forbids never break the file)."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from licensedesk.web.exports.selectors import Export
from licensedesk.web.exports.views import streamed
from licensedesk.web.exports.writers import Column, xlsx_stream

from ..factories import CaseFactory, ClientCompanyFactory
from .test_views import _body, _client

COLUMNS = [
    Column("企业名称", width=32),
    Column("立案日期", "date", 12),
    Column("最后更新", "datetime", 17),
    Column("在办案件", "number", 10),
    Column("必需", "bool", 8),
]


def _book(chunks: Iterator[bytes]) -> Any:
    return load_workbook(io.BytesIO(b"".join(chunks)))


class CountedRows:
    """Rows handed out one by one, counting how many were taken."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.taken = 0
        self.rng = random.Random(13)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for _ in range(self.total):
            self.taken += 1
            # random letters: the compressed sheet grows with the rows, as real names make it do
            yield (self.rng.randbytes(48).hex(), date(2026, 1, 2), None, self.taken, True)


def test_the_first_bytes_leave_before_the_rows_are_all_read() -> None:
    rows = CountedRows(20_000)
    export = Export(name="cases", title="案件", columns=COLUMNS, rows=iter(rows))
    chunks, taken = [], []
    for chunk in streamed(export, "xlsx").streaming_content:
        chunks.append(chunk)
        taken.append(rows.taken)  # how many rows had been read when this chunk left
    assert chunks[0].startswith(b"PK\x03\x04")  # a zip's first local file header
    assert taken[0] < rows.total
    # the sheet flows out while the rows are read: chunks leave between the first row and the last
    assert len([t for t in taken if 0 < t < rows.total]) > 10
    assert rows.taken == rows.total
    sheet = load_workbook(io.BytesIO(b"".join(chunks)), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 + rows.total
    assert values[-1][3] == rows.total


def test_cells_keep_their_kinds() -> None:
    rows = [
        ("深圳市某某信息科技有限公司", date(2027, 3, 31), datetime(2026, 12, 3, 4, 5, tzinfo=UTC), 3, True),
        (None, None, None, 0, None),
    ]
    sheet = _book(xlsx_stream("案件", COLUMNS, iter(rows))).active
    header, full, empty = list(sheet.iter_rows())
    assert [c.value for c in header] == [c.header for c in COLUMNS]
    assert all(c.font.b for c in header) and sheet.freeze_panes == "A2"
    assert full[0].value == "深圳市某某信息科技有限公司"
    assert full[1].value == datetime(2027, 3, 31) and full[1].is_date
    assert full[2].value == datetime(2026, 12, 3, 12, 5) and full[2].is_date  # China time, no zone
    assert full[2].number_format == "yyyy\\-mm\\-dd\\ hh:mm"
    assert (full[3].value, full[3].data_type) == (3, "n")
    assert full[4].value == "是"
    assert [c.value for c in empty] == [None, None, None, 0, None]
    assert sheet.column_dimensions["A"].width == 32


@pytest.mark.parametrize(
    "typed",
    ['=HYPERLINK("http://evil.example","点我")', "+1+2", "-1", "@SUM(A1)", "=1+1"],
)
def test_formula_like_text_stays_text(typed: str) -> None:
    sheet = _book(xlsx_stream("企业", COLUMNS[:1], iter([(typed,)]))).active
    cell = sheet["A2"]
    assert (cell.value, cell.data_type) == (typed, "s")
    with zipfile.ZipFile(io.BytesIO(b"".join(xlsx_stream("企业", COLUMNS[:1], iter([(typed,)]))))) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")


def test_markup_and_forbidden_characters_cannot_break_the_file() -> None:
    names = [("坏\x00名\x0b字\x1f\ufffe",), ('<b>&amp; "引号" \'</b>',), ("  前后空格  ",), ("换行\n\t制表",)]
    sheet = _book(xlsx_stream("案件/列表[1]:*?", COLUMNS[:1], iter(names))).active
    assert [sheet.cell(row=i, column=1).value for i in range(2, 6)] == [
        "坏名字",
        '<b>&amp; "引号" \'</b>',
        "  前后空格  ",
        "换行\n\t制表",
    ]
    assert sheet.title == "案件 列表 1"  # what Excel refuses in a sheet name, replaced


def test_a_company_name_with_a_control_character_exports(tenant: Any) -> None:
    company = ClientCompanyFactory(agency=tenant.agency, name="控制\x08字符科技有限公司")
    CaseFactory(company=company, consultant=tenant.consultant)
    book = load_workbook(io.BytesIO(_body(_client(tenant.consultant).get("/exports/companies.xlsx"))))
    assert "控制字符科技有限公司" in [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
