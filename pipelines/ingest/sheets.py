"""Workbooks (.xlsx, binary .xls) and HTML tables saved under an Excel name, read into grids of
text cells as a person sees them in Excel: merged ranges filled, failed formulas shown as their
error code, hidden sheets and notes sheets left out and named, so the ledger can say so.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from xml.etree import ElementTree

import lxml.etree
import lxml.html
import olefile
import xlrd
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from pipelines.ingest.errors import FileRejected
from pipelines.ingest.kinds import header_key

# The Excel reader holds a sheet as a dense grid from A1 to its last filled cell; a stray value
# far from the data would need more memory than the machine has, so such a sheet is refused.
MAX_SHEET_CELLS = 10_000_000  # 380,000 rows of 26 columns: more than a county sends
# Sheets that explain the form rather than hold records; they often repeat the column names.
NOTES_SHEETS = ("说明", "填表说明", "填报说明", "指标说明", "指标解释", "备注", "注释")
PASSWORD_MESSAGE = "工作簿设有打开密码，无法读取；请去除密码后重新导出"
_FILLED_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?(?<!/)>')
_ERROR_CELL = re.compile(rb'<c\b[^>]*?\bt="e"[^>]*>')
_CELL_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_CELL_VALUE = re.compile(rb"<v>([^<]*)</v>")
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


class NumberText(str):
    """The text of a cell the workbook holds as a number: a date column must know (a number
    there may be a day serial), and so may a reader of an ID column."""


@dataclass
class Sheet:
    name: str | None
    grid: list[list[str]]  # row 1 first, as Excel numbers them


@dataclass
class Workbook:
    sheets: list[Sheet]
    left_out: list[str] = field(default_factory=list)  # sheets not read, each with the reason


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return NumberText(value)
    if isinstance(value, float):
        # Excel keeps 15 significant digits: a long number is shown as written, never padded.
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return NumberText(int(value))
        return NumberText(repr(value).upper())
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def read_workbook(data: bytes, file_format: str) -> Workbook:
    """The sheets of an .xlsx or binary .xls workbook; raises FileRejected for a damaged one."""
    errors = _xlsx_error_cells(data) if file_format == "xlsx" else _xls_error_cells(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        result, cells = Workbook([]), 0
        for meta in book.sheets_metadata:
            reason = _left_out_because(meta.name, meta.visible)
            if reason:
                result.left_out.append(f"{reason}「{meta.name}」")
                continue
            sheet = book.get_sheet_by_name(meta.name)
            cells += sheet.height * sheet.width  # all sheets are held at once: counted together
            if cells > MAX_SHEET_CELLS:
                raise _too_large(meta.name, sheet.height, _letters(sheet.width))
            grid = [[cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
            _show_errors(grid, errors.get(meta.name, {}))
            _fill_merged(grid, sheet.merged_cell_ranges or [])
            result.sheets.append(Sheet(meta.name, grid))
        return result
    except FileRejected:
        raise
    except Exception as exc:  # calamine raises several types for damaged workbooks
        # The type only: a parser's message may quote cell contents.
        raise FileRejected("UNREADABLE", _damaged(exc)) from exc


def _too_large(sheet: str, rows: int, column: str) -> FileRejected:
    message = (
        f"工作表「{sheet}」的数据区域过大（到第{rows}行、第{column}列，远超实际数据），可能有远处的"
        "单元格误填了内容；请清除后重新导出"
    )
    return FileRejected("SHEET_TOO_LARGE", message)


def _letters(column: int) -> str:
    """Excel's letters of a column number (1 = A, 27 = AA)."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _damaged(exc: Exception) -> str:
    """What a clerk is told of a workbook that cannot be opened: what to do, and the parser's
    error type for whoever looks further (its message may quote cells: never shown)."""
    return (
        "文件已损坏或不是有效的 Excel 工作簿，可能在传输中被截断或改动；请在 Excel 或 WPS 中"
        f"打开确认无误后另存为 .xlsx，重新报送（{type(exc).__name__}）"
    )


def _left_out_because(name: str, visible: SheetVisibleEnum) -> str | None:
    if visible != SheetVisibleEnum.Visible:
        return "隐藏的工作表"  # an old copy kept out of sight, not this delivery's records
    if header_key(name) in NOTES_SHEETS:
        return "说明页"
    return None


def _show_errors(grid: list[list[str]], errors: dict[tuple[int, int], str]) -> None:
    """Puts each failed formula's code (#N/A) where calamine left the cell empty."""
    for (row, col), code in errors.items():
        if row < len(grid) and col < len(grid[row]):
            grid[row][col] = code


def _fill_merged(grid: list[list[str]], ranges) -> None:
    """Gives every cell of a merged range the value of its first cell, as a person reads it:
    a 户编号 merged down a household's members belongs to each of them. A row with nothing of
    its own stays blank: a range merged on past the last record makes no record of it."""
    blank = {r for r, row in enumerate(grid) if not any(c.strip() for c in row)}
    for (first_row, first_col), (last_row, last_col) in ranges:
        if first_row >= len(grid) or first_col >= len(grid[first_row]):
            continue
        value = grid[first_row][first_col]
        for r in range(first_row, min(last_row + 1, len(grid))):
            row = grid[r]
            for col in range(first_col, min(last_col + 1, len(row))):
                if not row[col] and r not in blank:
                    row[col] = value


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _xlsx_parts(archive: zipfile.ZipFile) -> dict[str, tuple[str, bool]]:
    """Sheet name → (the archive member holding its cells, whether the sheet is hidden)."""
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("{*}Relationship")}
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    parts = {}
    for sheet in book.findall(".//{*}sheet"):
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        parts[sheet.get("name")] = (part, sheet.get("state", "visible") != "visible")
    return parts


def _xlsx_error_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name → {(row, column) from 0: error code}; refuses a sprawling sheet on the way."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        found, checked = {}, set()
        for name, (part, hidden) in _xlsx_parts(archive).items():
            if hidden:
                continue  # not read, so never too large
            xml = archive.read(part)  # reading checks the part's checksum
            checked.add(part)
            _refuse_sprawling(xml, name)
            if b't="e"' in xml:
                found[name] = _errors_in(xml)
        # the other parts too (shared strings, styles): one with changed bytes makes changed cells
        for member in archive.namelist():
            if member not in checked:
                archive.read(member)
        return found
    except (zipfile.BadZipFile, zlib.error, KeyError, ElementTree.ParseError, OSError) as exc:
        raise FileRejected("UNREADABLE", _damaged(exc)) from exc


def _refuse_sprawling(xml: bytes, sheet: str) -> None:
    """Refuses a sheet whose filled cells span more than MAX_SHEET_CELLS, before it is loaded."""
    rows = columns = 0
    for match in _FILLED_CELL.finditer(xml):
        columns = max(columns, _column_number(match.group(1)))
        rows = max(rows, int(match.group(2)))
    if rows * columns > MAX_SHEET_CELLS:
        raise _too_large(sheet, rows, _letters(columns))


def _errors_in(xml: bytes) -> dict[tuple[int, int], str]:
    errors = {}
    for tag in _ERROR_CELL.finditer(xml):
        ref = _CELL_REF.search(tag.group())
        end = xml.find(b"</c>", tag.end())
        value = _CELL_VALUE.search(xml, tag.end(), end if end >= 0 else len(xml))
        if ref and value:
            position = (int(ref.group(2)) - 1, _column_number(ref.group(1)) - 1)
            errors[position] = value.group(1).decode("ascii", "replace")
    return errors


def _refuse_password(data: bytes) -> None:
    """An .xlsx with an opening password is stored encrypted inside an OLE container."""
    try:
        encrypted = olefile.OleFileIO(data).exists("EncryptedPackage")
    except OSError:
        return  # not a readable container: the workbook reader says why
    if encrypted:
        raise FileRejected("PASSWORD", PASSWORD_MESSAGE)


def _xls_error_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    _refuse_password(data)
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as exc:  # xlrd raises several types for damaged workbooks
        if "encrypted" in str(exc):
            raise FileRejected("PASSWORD", PASSWORD_MESSAGE) from exc
        raise FileRejected("UNREADABLE", _damaged(exc)) from exc
    found = {}
    for sheet in book.sheets():
        errors = {}
        for r in range(sheet.nrows):
            for c, kind in enumerate(sheet.row_types(r)):
                if kind == xlrd.XL_CELL_ERROR:
                    errors[(r, c)] = xlrd.error_text_from_code.get(sheet.cell_value(r, c), "#N/A")
        if errors:
            found[sheet.name] = errors
    return found


def read_html(text: str) -> Workbook:
    """The tables of an HTML page that a system saved as .xls, one sheet per table (Excel shows
    them one under another; rows are numbered within each table)."""
    # lxml refuses text that declares its own encoding (XHTML's <?xml ... encoding="utf-8"?>):
    # the text is decoded already
    text = re.sub(r"\A\s*<\?xml[^>]*\?>", "", text)
    try:
        document = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise FileRejected("UNREADABLE", "文件是网页格式，但无法解析其中的表格") from exc
    # tables that hold no other table: a page laid out in an outer table has the data inside
    tables = document.xpath("//table[not(.//table)]")
    lower = text.lower()
    if lower.rfind("<table") > lower.rfind("</table>"):  # the last table never closes
        message = "网页在表格中途结束，可能没有传输完整；请重新导出后报送"
        raise FileRejected("TRUNCATED", message)
    named = len(tables) > 1
    return Workbook(
        [Sheet(f"表格{n}" if named else None, _html_grid(t)) for n, t in enumerate(tables, 1)]
    )


def _html_text(cell) -> str:
    return _HTML_SPACE.sub(" ", cell.text_content()).strip(" ")


def _span(cell, attribute: str) -> int:
    try:
        return min(max(int(cell.get(attribute, "1")), 1), 1000)
    except ValueError:
        return 1


def _html_grid(table) -> list[list[str]]:
    """Rows of cells, a cell spanning rows or columns repeated in each, as merged cells are."""
    carried: dict[int, tuple[int, str]] = {}  # column → (rows still covered, text)
    grid, cells = [], 0
    for tr in table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"):
        grid.append(_html_row(tr, carried))
        cells += len(grid[-1])
        if cells > MAX_SHEET_CELLS:  # spans of thousands of rows and columns, say
            message = f"网页中的表格展开后超过{MAX_SHEET_CELLS:,}个单元格，请检查合并单元格"
            raise FileRejected("SHEET_TOO_LARGE", message)
    return grid


def _html_row(tr, carried: dict[int, tuple[int, str]]) -> list[str]:
    """One row's cells; takes the cells that spans from rows above reach into, and leaves in
    `carried` what this row's spans reach into below. A row with no text of its own stays
    blank, as merged cells reaching past the last record make no record."""
    row: list[str] = []
    used, started = [], {}
    own = [(_html_text(c), _span(c, "colspan"), _span(c, "rowspan")) for c in tr.xpath("./td|./th")]
    shown = any(text.strip() for text, _, _ in own)

    def take_carried(until: int) -> None:
        while len(row) in carried or len(row) < until:
            if len(row) in carried:
                used.append(len(row))
            row.append(carried[len(row)][1] if len(row) in carried and shown else "")

    for text, across, down in own:
        take_carried(0)
        for _ in range(across):
            if down > 1:
                started[len(row)] = (down - 1, text)
            row.append(text)
    take_carried(max(carried, default=-1) + 1)
    for col in used:
        left, text = carried.pop(col)
        if left > 1:
            carried[col] = (left - 1, text)
    carried.update(started)
    return row
