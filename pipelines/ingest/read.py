"""Reading one extract file into rows of text cells, whatever format and encoding it came in.

The format is decided from the content, not the extension. Row numbers are the ones a person
sees: the Excel row, or the line a CSV record starts on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.ingest.errors import FileRejected
from pipelines.ingest.kinds import KINDS_BY_DEPARTMENT, Kind, closest_kind, header_key, recognise
from pipelines.ingest.sheets import NumberText, read_html, read_workbook

__all__ = ["Extract", "FileRead", "FileRejected", "NumberText", "read_file", "sha256_of"]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
TOTALS = ("合计", "小计", "总计")
HEADER_SCAN_ROWS = 30
NOT_RECORDS = ("TOTALS_ROW", "HEADER_ROW", "FOOTER_ROW")  # rows set aside that hold no person
# A signature line under the table (制表人：…  审核人：…) or a note (注：…), after header_key.
_FOOTER = re.compile(
    r"^(?:(?:制表|填表|填报|审核|审批|复核|负责|单位负责|统计|经办|联系|单位)"
    r"(?:人|日期|时间|单位|电话|\(盖章\))*|注|备注|说明)\d*:"
)
_NON_ASCII = re.compile(rb"[\x80-\xff]+")


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

    @property
    def repeated_columns(self) -> list[str]:
        """Headers of the columns that give one field more than once, one text per field."""
        by_field: dict[str, list[str]] = {}
        for i, name in sorted(self.columns.items()):
            by_field.setdefault(name, []).append(self.headers[i])
        return ["「" + "」「".join(h) + "」" for h in by_field.values() if len(h) > 1]


@dataclass
class FileRead:
    path: Path
    sha256: str
    file_format: str
    encoding: str | None
    # one per sheet holding data; a delimited file has one
    extracts: list[Extract] = field(default_factory=list)
    text: str | None = None  # the decoded text of a delimited or HTML file
    delimiter: str | None = None
    left_out: list[str] = field(default_factory=list)  # sheets not read, each with the reason

    @property
    def kind(self) -> Kind:
        return self.extracts[0].kind


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sniff_format(data: bytes) -> str:
    """xlsx, xls, html (a web page that a system saved as .xls) or text (delimited)."""
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        return "xls"
    head = _without_bom(data)[:4096].lstrip().lower()
    if head.startswith(b"<") and any(tag in head for tag in (b"<html", b"<table", b"<!doctype")):
        return "html"
    return "text"


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding). Tries the encodings departments use, strictly, so nothing is garbled."""
    for bom, encoding, label in (
        (BOMS[0], "utf-8-sig", "UTF-8"),
        (BOMS[1], "utf-16", "UTF-16"),
        (BOMS[2], "utf-16", "UTF-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                line = _line_of(data, exc.start)
                message = f"文件标明为 {label} 编码，但第{line}行附近的字节不是有效的 {label}"
                raise FileRejected("ENCODING", message) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for encoding in ("gbk", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        _refuse_mixed_utf8(data, encoding)
        return text, encoding
    raise FileRejected("ENCODING", "无法识别文件编码（不是 UTF-8、GBK 或 GB18030）")


def _common_hanzi(text: str) -> bool:
    """Whether every character is among the 3,755 most common (GB2312 level 1: B0A1-D7FE)."""
    try:
        return all(0xB0 <= c.encode("gb2312")[0] <= 0xD7 for c in text)
    except UnicodeEncodeError:
        return False


def _in_gb2312(text: str) -> bool:
    try:
        text.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _refuse_mixed_utf8(data: bytes, encoding: str) -> None:
    """A GBK file with a value pasted in as UTF-8 decodes without error, into mojibake.

    Each run of non-ASCII bytes is looked at. UTF-8 read as GBK pairs its continuation bytes
    (80-BF) into characters outside GB2312 (张伟 shows as 寮犱紵). A run that is valid UTF-8,
    reads as common characters that way, and reads as characters outside GB2312 the file's
    way, was written in UTF-8. Real GBK text of GB2312 characters is never refused; a UTF-8
    value whose bytes happen to pair into GB2312 characters (rare) still slips through.
    """
    for run in _NON_ASCII.finditer(data):
        try:
            as_utf8 = run.group().decode("utf-8")
        except UnicodeDecodeError:
            continue
        as_file = run.group().decode(encoding, errors="replace")
        if len(as_utf8) >= 2 and _common_hanzi(as_utf8) and not _in_gb2312(as_file):
            line = _line_of(data, run.start())
            message = f"第{line}行有 UTF-8 编码的文字，与文件其余部分（{encoding.upper()}）不一致"
            raise FileRejected("MIXED_ENCODING", message)


def sniff_delimiter(text: str, department: str) -> str:
    """The separator that splits a line of the first ones into the most known headers (comma,
    tab, semicolon or bar); where none does, the one used most."""
    lines = text.splitlines()[:HEADER_SCAN_ROWS]
    known = {key for kind in KINDS_BY_DEPARTMENT[department] for key in kind.header_map}

    def headers_found(delimiter: str) -> int:
        rows = csv.reader(lines, delimiter=delimiter)
        return max((sum(header_key(c) in known for c in row) for row in rows), default=0)

    sample = "\n".join(lines)
    return max(",\t;|", key=lambda d: (headers_found(d), sample.count(d)))


def _csv_rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, line = [], 1
    try:
        for record in reader:
            rows.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        hint = "，可能有未闭合的引号" if "field limit" in str(exc) else ""
        raise FileRejected("CSV_SYNTAX", f"第{line}行附近 CSV 格式错误{hint}：{exc}") from exc
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


def _first_text(cells: list[str]) -> str:
    return header_key(next((c for c in cells if c.strip()), ""))


def _swallows_records(cells: list[str], delimiter: str, width: int) -> bool:
    """A quote left open runs on into the next lines: a cell holding whole records."""
    least = max(2, width - 1)  # a whole record; a quoted address may well hold a few commas
    return any(line.count(delimiter) >= least for cell in cells for line in cell.split("\n")[1:])


def _best_header(department: str, grid: list[tuple[int, list[str]]]):
    """(header rows, kind, column → field, header cells) of the header that explains the most
    columns; the first of equally good ones, as a header repeated lower down is a data row."""
    best = None
    for header_idx, cells in _header_candidates(grid):
        found = recognise(department, cells)
        if found and (best is None or len(found[1]) > len(best[2])):
            best = (header_idx, found[0], found[1], cells)
    return best


def _set_aside(
    cells: list[str], header_keys: list[list[str]], width: int, from_excel: bool
) -> tuple[str, str] | None:
    """(reason code, reason) for a row below the header that is not a record, else None."""
    first = _first_text(cells)
    if first.startswith(TOTALS):
        return "TOTALS_ROW", "合计/小计行，不是记录"
    if _FOOTER.match(first) and sum(bool(c.strip()) for c in cells) <= 3:
        return "FOOTER_ROW", "表尾的签名或备注行，不是记录"
    firsts = {k[0] for k in header_keys if k}
    if header_key(cells[0]) in firsts and [header_key(c) for c in cells] in header_keys:
        return "HEADER_ROW", "重复的表头行，不是记录"
    if from_excel:
        return None
    if len(cells) > width and not _blank(cells[width:]):
        return "FIELD_COUNT", f"字段数为{len(cells)}，多于表头的{width}列"
    if len(cells) < width:
        # a field missing in the middle would shift every later value one column left
        return "FIELD_COUNT", f"字段数为{len(cells)}，少于表头的{width}列"
    return None


def find_extract(
    department: str,
    sheet: str | None,
    grid: list[tuple[int, list[str]]],
    from_excel: bool,
    delimiter: str | None = None,
) -> Extract | None:
    """The table of `department` in `grid`: its header, and each row below it either a data
    row or set aside with its reason; None where no known header is found."""
    best = _best_header(department, grid)
    if best is None:
        return None

    header_idx, kind, columns, headers = best
    while headers and not headers[-1].strip():
        headers = headers[:-1]  # blank cells closing a header line are not columns
    header_rows = tuple(grid[i][0] for i in header_idx)
    stripped = [h.strip() for h in headers]
    extract = Extract(kind, sheet, header_rows, columns, stripped, [], from_excel=from_excel)
    header_keys = [[header_key(c) for c in grid[i][1]] for i in header_idx]
    width = len(headers)

    for row_no, cells in grid[header_idx[-1] + 1 :]:
        if _blank(cells):
            continue
        if delimiter and _swallows_records(cells, delimiter, width):
            message = f"第{row_no}行的引号未闭合，其后的各行被并入了一个字段"
            raise FileRejected("CSV_QUOTE", message)
        reason = _set_aside(cells, header_keys, width, from_excel)
        if reason:
            extract.bad_rows.append((row_no, *reason, cells))
        else:
            extract.rows.append((row_no, (cells + [""] * width)[:width]))
    return extract


def read_file(path: Path, department: str) -> FileRead:
    """Read one file of a department's inbox; raises FileRejected for a file-level failure."""
    data = path.read_bytes()
    result = FileRead(path, sha256_of(data), sniff_format(data), None)
    if not _without_bom(data).strip():
        raise FileRejected("EMPTY", "文件为空")
    if result.file_format == "text":
        result.text, result.encoding = decode(data)
        result.delimiter = sniff_delimiter(result.text, department)
        sheets = [(None, _csv_rows(result.text, result.delimiter))]
    else:
        if result.file_format == "html":
            result.text, result.encoding = decode(data)
            book = read_html(result.text)
        else:
            book = read_workbook(data, result.file_format)
        result.left_out = book.left_out
        sheets = [(s.name, [(i + 1, row) for i, row in enumerate(s.grid)]) for s in book.sheets]
    from_excel = result.file_format != "text"
    for name, grid in sheets:
        extract = find_extract(department, name, grid, from_excel, result.delimiter)
        if extract is not None:
            result.extracts.append(extract)
    if not result.extracts:
        message = _unknown_header_message(department, sheets)
        if result.left_out:
            message += "；未读取：" + "、".join(result.left_out)
        raise FileRejected("UNKNOWN_HEADER", message)
    _refuse_cut_short(result, sheets)
    if not any(e.rows or _records_set_aside(e) for e in result.extracts):
        found = sum(len(e.bad_rows) for e in result.extracts)
        extra = f"（表头下只有{found}行合计、表尾或重复表头）" if found else ""
        message = f"只有表头，没有数据行{extra}；该类数据仍以上一次报送为准"
        raise FileRejected("NO_ROWS", message)
    kinds = {e.kind.name for e in result.extracts}
    if len(kinds) > 1:
        found = "；".join(f"工作表「{e.sheet}」为「{e.kind.title}」" for e in result.extracts)
        raise FileRejected("MIXED_KINDS", f"一个文件中有多种报表（{found}），请分开报送")
    return result


def _records_set_aside(extract: Extract) -> bool:
    """Whether a row set aside by the reader is a record, if a malformed one."""
    return any(code not in NOT_RECORDS for _, code, _, _ in extract.bad_rows)


def _refuse_cut_short(result: FileRead, sheets) -> None:
    """A text file whose last line has no line break and fewer fields than its header was cut
    off while being copied or uploaded: staging the rest would present a partial load as the
    whole snapshot."""
    if result.file_format != "text" or result.text.endswith(("\n", "\r")):
        return
    extract = result.extracts[0]
    line, cells = sheets[0][1][-1]
    if line > extract.header_rows[-1] and not _blank(cells) and len(cells) < len(extract.headers):
        message = f"文件在第{line}行中途结束，可能没有传输完整；请重新导出后报送"
        raise FileRejected("TRUNCATED", message)


def _without_bom(data: bytes) -> bytes:
    return next((data[len(b) :] for b in BOMS if data.startswith(b)), data)


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
