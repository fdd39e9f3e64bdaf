"""Reading one extract file into rows of text cells, whatever format and encoding it came in.

The format is decided from the content, not the extension. Row numbers are the ones a person
sees: the Excel row, or the line a CSV record starts on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from python_calamine import CalamineWorkbook

from pipelines.ingest.kinds import Kind, closest_kind, recognise

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TOTALS = ("合计", "小计", "总计")
HEADER_SCAN_ROWS = 30


class FileRejected(Exception):
    """The whole file cannot be read; the message names the file and what is wrong."""

    def __init__(self, reason_code: str, message: str):
        super().__init__(message)
        self.reason_code = reason_code


@dataclass
class Extract:
    """The data rows of one recognised table in a file."""

    kind: Kind
    sheet: str | None
    header_rows: tuple[int, ...]
    columns: dict[int, str]  # column index → canonical field name
    headers: list[str]  # header text per column, as seen
    rows: list[tuple[int, list[str]]]  # (source row, cells)
    bad_rows: list[tuple[int, str, str, list[str]]] = field(default_factory=list)
    from_excel: bool = False

    @property
    def unknown_columns(self) -> list[str]:
        return [h for i, h in enumerate(self.headers) if h and i not in self.columns]


@dataclass
class FileRead:
    path: Path
    sha256: str
    file_format: str
    encoding: str | None
    extract: Extract | None = None
    text: str | None = None  # the decoded text of a delimited file
    delimiter: str | None = None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sniff_format(data: bytes) -> str:
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        return "xls"
    return "text"


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding). Tries the encodings departments use, strictly, so nothing is garbled."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileRejected("ENCODING", "无法识别文件编码（不是 UTF-8、GBK 或 GB18030）")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        # Excel keeps 15 significant digits: a long number is shown as written, never padded.
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).upper()
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _excel_sheets(data: bytes) -> list[tuple[str, list[list[str]]]]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            sheets.append((name, [[_cell_text(v) for v in row] for row in rows]))
        return sheets
    except Exception as exc:  # calamine raises several types for damaged workbooks
        raise FileRejected("UNREADABLE", f"无法打开工作簿：{type(exc).__name__}") from exc


def sniff_delimiter(text: str) -> str:
    """The separator used most in the first lines: comma, tab, semicolon or bar."""
    sample = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    return max(",\t;|", key=sample.count)


def _csv_rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, line = [], 1
    try:
        for record in reader:
            rows.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise FileRejected("CSV_SYNTAX", f"第{line}行附近 CSV 格式错误：{exc}") from exc
    return rows


def _header_candidates(grid: list[tuple[int, list[str]]]):
    """Single header rows and two-level headers (a group row above the field names)."""
    for i, (_, cells) in enumerate(grid[:HEADER_SCAN_ROWS]):
        yield (i,), cells
        if i > 0:
            upper = grid[i - 1][1]
            width = max(len(upper), len(cells))
            merged = [
                (cells[j] if j < len(cells) and cells[j].strip() else "")
                or (upper[j] if j < len(upper) else "")
                for j in range(width)
            ]
            yield (i - 1, i), merged


def _blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


def _is_totals(cells: list[str]) -> bool:
    first = next((c.strip() for c in cells if c.strip()), "")
    return first.replace(" ", "").startswith(TOTALS)


def find_extract(
    department: str, sheet: str | None, grid: list[tuple[int, list[str]]], from_excel: bool
) -> Extract | None:
    best = None
    for header_idx, cells in _header_candidates(grid):
        found = recognise(department, cells)
        if found and (best is None or len(found[1]) >= len(best[2])):
            best = (header_idx, found[0], found[1], cells)
    if best is None:
        return None
    header_idx, kind, columns, headers = best
    width = len(headers)
    extract = Extract(
        kind,
        sheet,
        tuple(grid[i][0] for i in header_idx),
        columns,
        [h.strip() for h in headers],
        [],
        from_excel=from_excel,
    )
    for row_no, cells in grid[header_idx[-1] + 1 :]:
        if _blank(cells):
            continue
        if _is_totals(cells):
            extract.bad_rows.append((row_no, "TOTALS_ROW", "合计/小计行，不是记录", cells))
        elif not from_excel and len(cells) != width and not _blank(cells[width:]):
            reason = f"字段数为{len(cells)}，表头为{width}列"
            extract.bad_rows.append((row_no, "FIELD_COUNT", reason, cells))
        else:
            extract.rows.append((row_no, (cells + [""] * width)[:width]))
    return extract


def read_file(path: Path, department: str) -> FileRead:
    """Read one file of a department's inbox; raises FileRejected for a file-level failure."""
    data = path.read_bytes()
    result = FileRead(path, sha256_of(data), sniff_format(data), None)
    if not data.strip():
        raise FileRejected("EMPTY", "文件为空")
    if result.file_format == "text":
        result.text, result.encoding = decode(data)
        result.delimiter = sniff_delimiter(result.text)
        sheets = [(None, _csv_rows(result.text, result.delimiter))]
    else:
        sheets = [
            (name, [(i + 1, row) for i, row in enumerate(rows)])
            for name, rows in _excel_sheets(data)
        ]
    for name, grid in sheets:
        extract = find_extract(department, name, grid, result.file_format != "text")
        if extract is not None:
            result.extract = extract
            return result
    raise FileRejected("UNKNOWN_HEADER", _unknown_header_message(department, sheets))


def _unknown_header_message(department: str, sheets) -> str:
    best = None
    for name, grid in sheets:
        for _, cells in _header_candidates(grid):
            kind, missing, score = closest_kind(department, cells)
            if kind and (best is None or score > best[0]):
                best = (score, name, kind, missing, cells)
    if best is None or best[0] < 3:
        return "未找到可识别的表头（不是本部门的已知报表）"
    _, sheet, kind, missing, cells = best
    where = f"工作表「{sheet}」" if sheet else ""
    found = "、".join(c.strip() for c in cells if c.strip())
    return f"{where}疑似「{kind.title}」，缺少必需列：{'、'.join(missing)}（找到的列：{found}）"
