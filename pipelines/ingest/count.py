"""Counting a file's data rows a second way, with other libraries than the reader uses
(PyArrow for delimited text, openpyxl for .xlsx, xlrd for .xls, the standard library's HTML
parser for web pages saved as .xls), so that the ledger's `rows_read` is
checked against the file rather than trusted (DESIGN §4 step 3).

A data row is any row below the header with a non-blank cell, totals rows included: the reader
must account for each one as staged or quarantined.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import xlrd

from pipelines.ingest.read import Extract, FileRead

# What a blank ragged row may hold besides what `str.strip` removes: separators and quotes.
_SEPARATORS = str.maketrans("", "", "\"',;|")


def count_data_rows(path: Path, read: FileRead, extract: Extract) -> int | None:
    """Rows below the extract's header with any non-blank cell; None where no second reader
    exists."""
    header_row = extract.header_rows[-1]
    if read.file_format == "text":
        columns = len(extract.headers)
        return _count_text(path, read.encoding, read.delimiter, header_row, columns)
    if read.file_format == "xlsx":
        return _count_workbook(path, extract.sheet, header_row)
    if read.file_format == "xls":
        return _count_xls(path, extract.sheet, header_row)
    if read.file_format == "html":
        return _count_html(read.text, extract.sheet, header_row)
    return None


def _count_text(path: Path, encoding: str, delimiter: str, header_line: int, width: int) -> int:
    """Read from the file itself, block by block (PyArrow transcodes on the way), so that the
    count neither trusts the reader's decoded text nor holds the whole file."""
    ragged: list[bool] = []

    def on_ragged(row) -> str:
        # PyArrow sets aside rows with too many or too few fields; the reader keeps them. It
        # calls this from its parsing threads: list.append is atomic, `+=` on a number is not.
        ragged.append(bool(row.text.translate(_SEPARATORS).strip()))
        return "skip"

    names = [f"c{i}" for i in range(width)]
    with path.open("rb") as file:  # opened by Python: a name in GBK bytes is no str for Arrow
        filled = _count_batches(file, encoding, delimiter, header_line, names, on_ragged)
    return filled + sum(ragged)


def _count_batches(file, encoding, delimiter, header_line, names, on_ragged) -> int:
    """Rows with a non-blank field, as PyArrow parses them; ragged rows go to `on_ragged`."""
    batches = pv.open_csv(
        file,
        read_options=pv.ReadOptions(
            skip_rows=header_line, column_names=names, encoding=encoding, block_size=1 << 24
        ),
        parse_options=pv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_ragged
        ),
        convert_options=pv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )
    filled_rows = 0
    for batch in batches:
        filled = pa.array([False] * batch.num_rows, type=pa.bool_())
        for column in batch.columns:
            blank = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(column)), 0)
            filled = pc.or_(filled, pc.invert(blank))
        filled_rows += pc.sum(filled).as_py() or 0
    return filled_rows


def _count_workbook(path: Path, sheet: str | None, header_row: int) -> int:
    # from the bytes: openpyxl judges a path by its extension, and departments name files freely
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    try:
        worksheet = book[sheet] if sheet else book.worksheets[0]
        worksheet.reset_dimensions()  # some writers record a wrong used range
        return sum(
            any(v is not None and str(v).strip() for v in row)
            for row in worksheet.iter_rows(min_row=header_row + 1, values_only=True)
        )
    finally:
        book.close()


def _count_xls(path: Path, sheet: str | None, header_row: int) -> int:
    book = xlrd.open_workbook(path, on_demand=True)
    try:
        worksheet = book.sheet_by_name(sheet) if sheet else book.sheet_by_index(0)
        return sum(
            any(str(v).strip() for v in worksheet.row_values(r))
            for r in range(header_row, worksheet.nrows)
        )
    finally:
        book.release_resources()


class _TableRows(HTMLParser):
    """Per table holding no other table (the reader's tables, in the same order), whether each
    of its rows holds any text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []  # in the order they open: rows, and whether one is inside
        self.open: list[dict] = []
        self.row: bool | None = None  # the open row of the innermost table: any text yet?

    def _close_row(self) -> None:
        if self.row is not None and self.open:
            self.open[-1]["rows"].append(self.row)
        self.row = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "table":
            if self.open:
                self.open[-1]["inner"] = True
            self._close_row()
            self.open.append({"rows": [], "inner": False})
            self.tables.append(self.open[-1])
        elif tag == "tr" and self.open:
            self._close_row()
            self.row = False

    def handle_endtag(self, tag) -> None:
        if tag == "tr":
            self._close_row()
        elif tag == "table" and self.open:
            self._close_row()
            self.open.pop()

    def handle_data(self, data) -> None:
        # str.strip, as the reader's test of a blank row: it takes &nbsp; and 　 as blank too
        if self.row is not None and data.strip():
            self.row = True

    def leaves(self) -> list[list[bool]]:
        return [t["rows"] for t in self.tables if not t["inner"]]


def _count_html(text: str, sheet: str | None, header_row: int) -> int:
    parser = _TableRows()
    parser.feed(text)
    parser.close()
    index = int(sheet.removeprefix("表格")) - 1 if sheet else 0
    return sum(parser.leaves()[index][header_row:])
