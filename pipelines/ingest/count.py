"""Counting a file's data rows a second way, with other libraries than the reader uses
(PyArrow for delimited text, openpyxl for workbooks), so that the ledger's `rows_read` is
checked against the file rather than trusted (DESIGN §4 step 3).

A data row is any row below the header with a non-blank cell, totals rows included: the reader
must account for each one as staged or quarantined.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from pipelines.ingest.read import Extract, FileRead

# What a blank ragged row may hold besides what `str.strip` removes: separators and quotes.
_SEPARATORS = str.maketrans("", "", "\"',;|")
# openpyxl shows an error cell as its code; the reader (calamine) as an empty cell
_EXCEL_ERRORS = {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"}


def count_data_rows(path: Path, read: FileRead, extract: Extract) -> int | None:
    """Rows below the extract's header with any non-blank cell; None where no second reader
    exists."""
    header_row = extract.header_rows[-1]
    if read.file_format == "text":
        return _count_text(read.text, read.delimiter, header_row, len(extract.headers))
    if read.file_format == "xlsx":
        return _count_workbook(path, extract.sheet, header_row)
    return None  # legacy .xls: openpyxl cannot open it


def _count_text(text: str, delimiter: str, header_line: int, width: int) -> int:
    ragged = 0

    def on_ragged(row) -> str:
        # PyArrow sets aside rows with too many or too few fields; the reader keeps them.
        nonlocal ragged
        ragged += bool(row.text.translate(_SEPARATORS).strip())
        return "skip"

    names = [f"c{i}" for i in range(width)]
    table = pv.read_csv(
        io.BytesIO(text.encode("utf-8")),
        read_options=pv.ReadOptions(skip_rows=header_line, column_names=names),
        parse_options=pv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_ragged
        ),
        convert_options=pv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )
    filled = pa.array([False] * table.num_rows, type=pa.bool_())
    for column in table.columns:
        filled = pc.or_(filled, pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(column)), 0))
    return (pc.sum(filled).as_py() or 0) + ragged


def _count_workbook(path: Path, sheet: str | None, header_row: int) -> int:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        worksheet = book[sheet] if sheet else book.worksheets[0]
        worksheet.reset_dimensions()  # some writers record a wrong used range
        return sum(
            any(v is not None and str(v).strip() and str(v) not in _EXCEL_ERRORS for v in row)
            for row in worksheet.iter_rows(min_row=header_row + 1, values_only=True)
        )
    finally:
        book.close()
