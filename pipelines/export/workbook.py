"""Writing one workbook safely for people who open it in Excel or WPS.

Every value is written as a string cell through `write_string`, never through a path that
parses text: a detail or a name starting with `=`, `+`, `-` or `@` stays text, and an ID, a
household number or a phone number never becomes a number (Excel would round it past 15
digits). Text cells carry the text number format and the quote prefix, so that a cadre's
edit in Excel keeps them text as well. Only columns declared numeric (ages, amounts) hold
numbers. A workbook is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

MIN_WIDTH, MAX_WIDTH, WRAP_WIDTH = 6, 40, 48
# Options that keep xlsxwriter from turning text into anything else, even through write()
_SAFE_OPTIONS = {
    # built in memory: no temporary files of its parts, which hold names and IDs, left in /tmp
    # by a killed run, and ten times fewer system calls for a village's small workbook
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    header: str
    number: bool = False  # a quantity (age, amount); every other value is written as text
    wrap: bool = False  # long text (a detail): a fixed width, wrapped
    entry: bool = False  # filled in by the cadre: left blank, shaded
    width: int | None = None  # fixed width; by default, from the header and the values


@dataclass(frozen=True)
class Choice:
    """A drop-down list on one column of the data rows."""

    column: int
    options: tuple[str, ...]
    prompt: str


@dataclass
class Sheet:
    name: str
    columns: Sequence[Column]
    rows: list[list[object]]
    choices: list[Choice] = field(default_factory=list)


def display_width(text: str) -> int:
    """Columns a text takes in Excel: two for a Chinese character, one for the rest."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def sheet_name(name: str) -> str:
    return name.translate(_SHEET_NAME_FORBIDDEN)[:31]


def write_workbook(path: Path, sheets: Sequence[Sheet], notes: Sequence[str] = ()) -> None:
    """Write `sheets` (and a 填表说明 sheet holding `notes`) to `path`, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    book = xlsxwriter.Workbook(str(temporary), _SAFE_OPTIONS)
    try:
        formats = _formats(book)
        for sheet in sheets:
            _write_sheet(book, formats, sheet)
        if notes:
            _write_notes(book, formats, notes)
    finally:
        book.close()
    os.replace(temporary, path)


def _formats(book: xlsxwriter.Workbook) -> dict[str, object]:
    text = {"num_format": "@", "quote_prefix": True, "valign": "top"}
    return {
        "header": book.add_format(
            {**text, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        ),
        "entry_header": book.add_format(
            {**text, "bold": True, "bg_color": "#FFF2CC", "border": 1, "text_wrap": True}
        ),
        "text": book.add_format(text),
        "wrap": book.add_format({**text, "text_wrap": True}),
        "entry": book.add_format({**text, "bg_color": "#FFFBEA", "border": 1}),
        "number": book.add_format({"valign": "top"}),
        "note": book.add_format({**text, "text_wrap": True}),
    }


def _write_sheet(book: xlsxwriter.Workbook, formats: dict, sheet: Sheet) -> None:
    ws = book.add_worksheet(sheet_name(sheet.name))
    for j, column in enumerate(sheet.columns):
        style = formats["entry_header" if column.entry else "header"]
        ws.write_string(0, j, column.header, style)
    for i, row in enumerate(sheet.rows, start=1):
        for j, (column, value) in enumerate(zip(sheet.columns, row, strict=True)):
            _write_cell(ws, formats, i, j, column, value)
    for j, column in enumerate(sheet.columns):
        ws.set_column(j, j, _width(column, sheet.rows, j))
    last = max(len(sheet.rows), 1)
    for choice in sheet.choices:
        ws.data_validation(
            1,
            choice.column,
            last,
            choice.column,
            {
                "validate": "list",
                "source": list(choice.options),
                "input_title": sheet.columns[choice.column].header,
                "input_message": choice.prompt,
                "error_title": "请从下拉列表中选择",
                "error_message": "只能填写：" + "、".join(choice.options),
            },
        )
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, last, len(sheet.columns) - 1)


def _write_cell(ws, formats: dict, i: int, j: int, column: Column, value: object) -> None:
    if column.entry or value is None or value == "":
        ws.write_blank(i, j, None, formats["entry" if column.entry else "text"])
    elif column.number and isinstance(value, int | float) and not isinstance(value, bool):
        ws.write_number(i, j, value, formats["number"])
    else:
        ws.write_string(i, j, str(value), formats["wrap" if column.wrap else "text"])


def _width(column: Column, rows: list[list[object]], j: int) -> int:
    if column.width:
        return column.width
    if column.wrap:
        return WRAP_WIDTH
    widest = max(
        [display_width(column.header)] + [display_width(str(r[j])) for r in rows if r[j]],
    )
    return max(MIN_WIDTH, min(MAX_WIDTH, widest + 2))


def _write_notes(book: xlsxwriter.Workbook, formats: dict, notes: Sequence[str]) -> None:
    # The reader leaves a sheet of this name out (pipelines/ingest/sheets.py NOTES_SHEETS), so
    # a worklist sent back is read from its data sheet only.
    ws = book.add_worksheet("填表说明")
    ws.set_column(0, 0, 100)
    for i, line in enumerate(notes):
        ws.write_string(i, 0, line, formats["note"])
