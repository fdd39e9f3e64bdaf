"""How the departments' systems print a table: delimited text in their encoding, .xlsx, binary
.xls, or a web page saved under an .xls name. Values arrive as text already spoiled by `dirt`;
these writers add only what the format itself brings (titles, merged cells, hidden sheets)."""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import xlsxwriter
import xlwt

FIXED_TIME = datetime(2026, 1, 1)  # workbook metadata: the same seed gives the same bytes
EXCEL_ERROR_CODES = {"#N/A": 0x2A, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17}


class ExcelError(str):
    """A cell whose formula failed: written as an error cell, not as text."""


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    encoding: str,
    *,
    title: str | None = None,
    delimiter: str = ",",
    footer: tuple[str, ...] = (),
) -> None:
    buffer = io.StringIO(newline="")
    if title:
        buffer.write(title + "\r\n")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    for line in footer:
        buffer.write(line + "\r\n")
    # strict: a name the encoding cannot hold is a generator bug, never a silent '?'
    path.write_bytes(buffer.getvalue().encode(encoding, errors="strict"))


def workbook(path: Path) -> xlsxwriter.Workbook:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    book.set_properties({"created": FIXED_TIME})
    return book


def write_html_xls(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    encoding: str,
    *,
    title: str,
    merge_down: int | None = None,
) -> None:
    """A web page with one table, as reporting systems export "Excel": a title cell across the
    table, and the cells of column `merge_down` merged over runs of equal values (rowspan)."""
    spans = _runs(rows, merge_down) if merge_down is not None else {}
    lines = [
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}">',
        "</head><body><table border=1>",
        f'<tr><td colspan="{len(header)}" align="center">{html.escape(title)}</td></tr>',
        "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>",
    ]
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            if c == merge_down and r not in spans:
                continue  # covered by the merged cell above
            span = f' rowspan="{spans[r]}"' if c == merge_down and spans[r] > 1 else ""
            cells.append(f"<td{span}>{html.escape(value)}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</table></body></html>")
    path.write_bytes("\n".join(lines).encode(encoding, errors="strict"))


def _runs(rows: list[list[str]], column: int) -> dict[int, int]:
    """First row of each run of equal values in `column` → the run's length."""
    runs: dict[int, int] = {}
    start = 0
    for r in range(1, len(rows) + 1):
        if r == len(rows) or rows[r][column] != rows[start][column]:
            runs[start] = r - start
            start = r
    return runs


@dataclass
class XlsSheet:
    name: str
    rows: list[list[str]]  # the header first
    hidden: bool = False
    notes: list[str] = field(default_factory=list)  # prose lines under the header


def write_xls(path: Path, sheets: list[XlsSheet]) -> None:
    """A binary Excel 97-2003 workbook, as older county systems still save."""
    book = xlwt.Workbook(encoding="utf-8")
    for s in sheets:
        sheet = book.add_sheet(s.name)
        if s.hidden:
            sheet.visibility = 1
        for r, row in enumerate([*s.rows, *([n] for n in s.notes)]):
            for c, value in enumerate(row):
                if isinstance(value, ExcelError):
                    sheet.row(r).set_cell_error(c, EXCEL_ERROR_CODES[value])
                elif value:
                    sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
