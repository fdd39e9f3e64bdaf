"""Reading one extract file into rows of text cells, whatever format and encoding it came in.

The format is decided from the content, not the extension. Row numbers are the ones a person
sees: the Excel row, or the line a CSV record starts on.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa

from pipelines.ingest import bulk
from pipelines.ingest.errors import FileRejected
from pipelines.ingest.kinds import KINDS_BY_DEPARTMENT, Kind, closest_kind, header_key, recognise
from pipelines.ingest.sheets import NumberText, read_html, read_workbook

__all__ = ["Chunk", "Extract", "FileRead", "FileRejected", "NumberText", "read_file", "sha256_of"]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
TOTALS = ("合计", "小计", "总计")
HEADER_SCAN_ROWS = 30
CHUNK_ROWS = 50_000  # rows staged at a time: memory follows this, not the size of the file
NOT_RECORDS = ("TOTALS_ROW", "HEADER_ROW", "FOOTER_ROW")  # rows set aside that hold no person
# A signature line under the table (制表人：…  审核人：…) or a note (注：…), after header_key.
_FOOTER = re.compile(
    r"^(?:(?:制表|填表|填报|审核|审批|复核|负责|单位负责|统计|经办|联系|单位)"
    r"(?:人|日期|时间|单位|电话|\(盖章\))*|注|备注|说明)\d*:"
)
_NON_ASCII = re.compile(rb"[\x80-\xff]+")
# a web page: it opens with a tag (after blanks and maybe a line of text), and has a page or a
# table in its first 64 KB; a delimited extract never does
_HTML = re.compile(rb"\A[^,\t;|\n]*\n?\s*(?=<[!?a-z]).*?<(?:html|table|body|head)\b", re.S)
_SHOWN = re.compile(rb"[^\s\x00]")  # a byte that is not blank (UTF-16 pads ASCII with NUL)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass
class Chunk:
    """Consecutive rows below a header: the records, and the rows set aside with the reason.

    The records come as rows of cells, or (taken in bulk, `bulk.py`) as `frame`: columns c0,
    c1… of the cells and source_row."""

    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (source row, cells)
    set_aside: list[tuple[int, str, str, list[str]]] = field(default_factory=list)
    frame: pl.DataFrame | None = None


@dataclass
class Extract:
    """One recognised table in a file: its header, and its rows to be taken chunk by chunk, so
    that a file of a million rows is never held as Python lists at once."""

    kind: Kind
    sheet: str | None
    header_rows: tuple[int, ...]
    columns: dict[int, str]  # column index → canonical field name
    headers: list[str]  # header text per column, as seen
    from_excel: bool
    below: Iterator[tuple[int, list[str]]] = field(repr=False)  # rows under the header, once
    header_keys: list[list[str]] = field(default_factory=list, repr=False)
    delimiter: str | None = None
    ends_with_line_break: bool = True
    # the lines below the header, in parts, when taken in bulk (`bulk.py`)
    lines: list[pa.Array] | None = field(default=None, repr=False)

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

    def chunks(self, size: int | None = None) -> Iterator[Chunk]:
        """The rows below the header, each a record (padded to the header's width) or set aside
        with its reason; raises FileRejected for a fault found on the way (an open quote, a
        last line cut short), so its caller must take the file back out."""
        width, size = len(self.headers), size or CHUNK_ROWS
        if self.lines is not None:
            yield from self._bulk_chunks(width)
            return
        chunk, last = Chunk(), None
        for row_no, cells in self.below:
            if _blank(cells):
                continue
            last = (row_no, cells)
            if self.delimiter and _swallows_records(cells, self.delimiter, width):
                message = f"第{row_no}行的引号未闭合，其后的各行被并入了一个字段"
                raise FileRejected("CSV_QUOTE", message)
            reason = _set_aside(cells, self.header_keys, width, self.from_excel)
            if reason:
                chunk.set_aside.append((row_no, *reason, cells))
            else:
                chunk.rows.append((row_no, cells if len(cells) == width else _fit(cells, width)))
            if len(chunk.rows) + len(chunk.set_aside) >= size:
                yield chunk
                chunk = Chunk()
        if not self.ends_with_line_break and last and len(last[1]) < width:
            # no line break at the end, and fewer fields than the header: cut off in transfer
            message = f"文件在第{last[0]}行中途结束，可能没有传输完整；请重新导出后报送"
            raise FileRejected("TRUNCATED", message)
        if chunk.rows or chunk.set_aside:
            yield chunk

    def _bulk_chunks(self, width: int) -> Iterator[Chunk]:
        firsts = {k[0] for k in self.header_keys if k}
        blocks = bulk.bulk_chunks(
            self.lines,
            self.header_rows[-1] + 1,
            self.delimiter,
            width,
            firsts,
            lambda cells: _set_aside(cells, self.header_keys, width, self.from_excel),
            self.ends_with_line_break,
        )
        for frame, aside in blocks:
            yield Chunk(set_aside=aside, frame=frame)


def _fit(cells: list[str], width: int) -> list[str]:
    return (cells + [""] * width)[:width]


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
    ends_with_line_break: bool = True  # of a delimited file

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
    head = data[:65_536]
    if head.startswith(BOMS[1:]):  # UTF-16: look at it as text
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    if _HTML.search(_without_bom(head).lower()):
        return "html"
    return "text"


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding). Tries the encodings departments use, strictly, so nothing is garbled."""
    if data.startswith(BOMS[0]):
        try:
            return data[len(BOMS[0]) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:  # positions in the file, its BOM counted
            at = len(BOMS[0])
            where = UnicodeDecodeError("utf-8", data, at + exc.start, at + exc.end, exc.reason)
            refuse_undecodable(data, where, "utf-8-sig")
    for bom, encoding, label in (
        (BOMS[1], "utf-16", "UTF-16"),
        (BOMS[2], "utf-16", "UTF-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                _refuse_cut_character(data, exc, encoding)
                line = _line_of(data, exc.start)
                message = f"文件标明为 {label} 编码，但第{line}行附近的字节不是有效的 {label}"
                raise FileRejected("ENCODING", message) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        _refuse_cut_character(data, exc, "utf-8")
    for encoding in ("gbk", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            _refuse_cut_character(data, exc, encoding)
            continue
        _refuse_mixed_utf8(text, encoding)
        return text, encoding
    raise FileRejected("ENCODING", "无法识别文件编码（不是 UTF-8、GBK 或 GB18030）")


STREAM_BYTES = 64 << 20  # a delimited file this large is decoded block by block
BLOCK_BYTES = 16 << 20
HEAD_BYTES = 1 << 20  # the first lines, where the delimiter and the header are found


def _blocks(data: bytes, start: int) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of consecutive blocks of whole lines of `data[start:]`. A line feed is
    never part of a character in UTF-8, GBK or GB18030, so no character is cut in two."""
    at = start
    while at < len(data):
        cut = data.find(b"\n", min(at + BLOCK_BYTES, len(data)) - 1)
        end = len(data) if cut < 0 else cut + 1
        yield at, data[at:end]
        at = end


def _decoded_blocks(data: bytes, start: int, encoding: str) -> Iterator[str]:
    """The text of each block, decoded strictly; a failure raises UnicodeDecodeError with
    positions in `data`. A GBK or GB18030 block holding UTF-8 text raises FileRejected, but
    only once every block decoded: `decode` tries the next encoding before it looks."""
    line, mixed = 1, None
    for at, block in _blocks(data, start):
        try:
            text = block.decode(encoding)
        except UnicodeDecodeError as exc:
            raise UnicodeDecodeError(
                encoding, data, at + exc.start, at + exc.end, exc.reason
            ) from None
        if encoding != "utf-8" and mixed is None:
            try:
                _refuse_mixed_utf8(text, encoding, line)
            except FileRejected as found:
                mixed = found
        yield text
        line += text.count("\n")
    if mixed is not None:
        raise mixed


def _read_in_bulk(data: bytes, department: str) -> tuple[str, str, str, list[pa.Array]] | None:
    """(encoding, delimiter, the text of the first lines, every line) of a large delimited
    file, decoded and cut into lines a block at a time, as `decode` would decode it; None where
    it is to be read whole and row by row (UTF-16, a quoted field over several lines, no
    character left to cut lines with)."""
    mark = bulk.free_mark(data)
    if mark is None or data.startswith(BOMS[1:]):
        return None
    start = len(BOMS[0]) if data.startswith(BOMS[0]) else 0
    encodings = ["utf-8-sig"] if start else ["utf-8", "gbk", "gb18030"]
    for encoding in encodings:
        codec = "utf-8" if encoding == "utf-8-sig" else encoding
        try:
            arrays = [
                bulk.lines_of(text.encode("utf-8"), mark)
                for text in _decoded_blocks(data, start, codec)
            ]
        except UnicodeDecodeError as exc:
            refuse_undecodable(data, exc, encoding)
            continue
        cut = data.find(b"\n", min(start + HEAD_BYTES, len(data)) - 1)
        head = data[start : len(data) if cut < 0 else cut + 1].decode(codec)
        delimiter = sniff_delimiter(head, department)
        if not bulk.quotes_close(arrays, delimiter):
            return None
        return encoding, delimiter, head, arrays
    raise FileRejected("ENCODING", "无法识别文件编码（不是 UTF-8、GBK 或 GB18030）")


def refuse_undecodable(data: bytes, exc: UnicodeDecodeError, encoding: str) -> None:
    """Raises what `decode` raises for a file that declared its encoding by a BOM and does
    not keep to it, or that was cut off in the middle of a character; returns otherwise (the
    next encoding is to be tried)."""
    _refuse_cut_character(data, exc, "utf-8" if encoding == "utf-8-sig" else encoding)
    if encoding == "utf-8-sig":
        line = _line_of(data, exc.start)
        message = f"文件标明为 UTF-8 编码，但第{line}行附近的字节不是有效的 UTF-8"
        raise FileRejected("ENCODING", message) from exc


def _refuse_cut_character(data: bytes, exc: UnicodeDecodeError, encoding: str) -> None:
    """A file that decodes but for its last character, cut in half, was cut off in transfer:
    the department is to send it again, not to change its encoding."""
    if exc.start < len(data) - 4 or exc.end != len(data):  # not a sequence the end cut short
        return
    try:
        data[: exc.start].decode(encoding)
    except UnicodeDecodeError:
        return
    line = _line_of(data, exc.start)
    message = f"文件在第{line}行一个字的中间结束，可能没有传输完整；请重新导出后报送"
    raise FileRejected("TRUNCATED", message) from exc


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


@functools.cache
def _outside_gb2312() -> re.Pattern:
    """A character of GBK's two-byte area that is not in GB2312 (built once, from the codecs).

    UTF-8 bytes read as GBK or GB18030 pair into such characters only: the four-byte sequences
    of GB18030 (a no-break or zero-width space, 𠮷) need an ASCII digit as their second and
    fourth byte, which valid UTF-8 never puts there, so lines holding only those are not
    looked at (a province's register has them in one line in fourteen)."""
    odd = []
    for code in range(0x80, 0x10000):
        try:
            in_gbk = len(chr(code).encode("gbk")) == 2
        except UnicodeEncodeError:
            continue
        try:
            chr(code).encode("gb2312")
        except UnicodeEncodeError:
            if in_gbk:
                odd.append(chr(code))
    return re.compile("[" + re.escape("".join(odd)) + "]")


def _refuse_mixed_utf8(text: str, encoding: str, first_line: int = 1) -> None:
    """A GBK file with a value pasted in as UTF-8 decodes without error, into mojibake.

    UTF-8 read as GBK pairs its continuation bytes (80-BF) into characters outside GB2312 (张伟
    shows as 寮犱紵), so only lines with such a character are looked at. There, each run of
    non-ASCII bytes that is valid UTF-8, reads as common characters that way, and reads as
    characters outside GB2312 the file's way, was written in UTF-8. Real GBK text of GB2312
    characters is never refused; a UTF-8 value whose bytes happen to pair into GB2312
    characters (rare) still slips through.
    """
    looked_at = set()
    for odd in _outside_gb2312().finditer(text):
        start = text.rfind("\n", 0, odd.start()) + 1
        if start in looked_at:
            continue
        looked_at.add(start)
        end = text.find("\n", odd.start())
        line = text[start : end if end >= 0 else len(text)].encode(encoding, errors="replace")
        for run in _NON_ASCII.finditer(line):
            try:
                as_utf8 = run.group().decode("utf-8")
            except UnicodeDecodeError:
                continue
            as_file = run.group().decode(encoding, errors="replace")
            if len(as_utf8) >= 2 and _common_hanzi(as_utf8) and not _in_gb2312(as_file):
                number = text.count("\n", 0, start) + first_line
                message = (
                    f"第{number}行有 UTF-8 编码的文字，与文件其余部分（{encoding.upper()}）不一致"
                )
                raise FileRejected("MIXED_ENCODING", message)


def sniff_delimiter(text: str, department: str) -> str:
    """The separator that splits a line of the first ones into the most known headers (comma,
    tab, semicolon or bar); where none does, the one used most."""
    lines = text[:65_536].splitlines()[:HEADER_SCAN_ROWS]
    known = {key for kind in KINDS_BY_DEPARTMENT[department] for key in kind.header_map}

    def headers_found(delimiter: str) -> int:
        rows = csv.reader(lines, delimiter=delimiter)
        return max((sum(header_key(c) in known for c in row) for row in rows), default=0)

    sample = "\n".join(lines)
    return max(",\t;|", key=lambda d: (headers_found(d), sample.count(d)))


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, fields), one record at a time."""
    # lines taken from the text one at a time: a StringIO would copy it, four bytes a character
    lines = (match.group() for match in _LINE.finditer(text))
    reader = csv.reader(lines, delimiter=delimiter)
    line = 1
    try:
        for record in reader:
            yield line, record
            line = reader.line_num + 1
    except csv.Error as exc:
        hint = "，可能有未闭合的引号" if "field limit" in str(exc) else ""
        raise FileRejected("CSV_SYNTAX", f"第{line}行附近 CSV 格式错误{hint}：{exc}") from exc


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
    return any(
        line.count(delimiter) >= least
        for cell in cells
        if "\n" in cell
        for line in cell.split("\n")[1:]
    )


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
    grid: Iterable[tuple[int, list[str]]],
    from_excel: bool,
    delimiter: str | None = None,
) -> tuple[Extract | None, list[tuple[int, list[str]]]]:
    """(the table of `department` in `grid`, or None where no known header is found; the rows
    looked at for a header). Only the first rows are read here; the rest stay in `grid`."""
    rows = iter(grid)
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS + 1))
    best = _best_header(department, head)
    if best is None:
        return None, head

    header_idx, kind, columns, headers = best
    while headers and not headers[-1].strip():
        headers = headers[:-1]  # blank cells closing a header line are not columns
    extract = Extract(
        kind,
        sheet,
        tuple(head[i][0] for i in header_idx),
        columns,
        [h.strip() for h in headers],
        from_excel,
        itertools.chain(head[header_idx[-1] + 1 :], rows),
        [[header_key(c) for c in head[i][1]] for i in header_idx],
        delimiter,
    )
    return extract, head


def read_file(path: Path, department: str) -> FileRead:
    """Read one file of a department's inbox up to its headers (the rows are taken later,
    chunk by chunk); raises FileRejected for a file-level failure."""
    data = path.read_bytes()
    result = FileRead(path, sha256_of(data), sniff_format(data), None)
    if not _SHOWN.search(data, next((len(b) for b in BOMS if data.startswith(b)), 0)):
        raise FileRejected("EMPTY", "文件为空")
    in_bulk = None
    if result.file_format == "text" and len(data) >= STREAM_BYTES:
        in_bulk = _read_in_bulk(data, department)
    if in_bulk:  # the header is found in the first lines; the rows come from `lines`
        result.encoding, result.delimiter, result.text, lines = in_bulk
        result.ends_with_line_break = data.endswith((b"\n", b"\r"))
        del data
        sheets = [(None, _csv_rows(result.text, result.delimiter))]
    elif result.file_format == "text":
        result.text, result.encoding = decode(data)
        del data  # the rows are parsed from the text chunk by chunk; the bytes are not needed
        result.delimiter = sniff_delimiter(result.text, department)
        result.ends_with_line_break = result.text.endswith(("\n", "\r"))
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
    heads, headless = [], []
    for name, grid in sheets:
        extract, head = find_extract(department, name, grid, from_excel, result.delimiter)
        heads.append((name, head))
        if extract is not None:
            result.extracts.append(extract)
        elif from_excel:
            headless.append((name, grid))
    _refuse_records_without_header(result, headless)
    if not result.extracts:
        message = _unknown_header_message(department, heads)
        if result.left_out:
            message += "；未读取：" + "、".join(result.left_out)
        raise FileRejected("UNKNOWN_HEADER", message)
    if result.file_format == "text":
        extract = result.extracts[0]
        extract.ends_with_line_break = result.ends_with_line_break
        if in_bulk:
            extract.lines = bulk.below(lines, extract.header_rows[-1])
            result.text, extract.below = None, iter(())
        elif bulk.worth_it(result.text):
            _take_in_bulk(result, extract)
    kinds = {e.kind.name for e in result.extracts}
    if len(kinds) > 1:
        found = "；".join(f"工作表「{e.sheet}」为「{e.kind.title}」" for e in result.extracts)
        raise FileRejected("MIXED_KINDS", f"一个文件中有多种报表（{found}），请分开报送")
    return result


def _take_in_bulk(result: FileRead, extract: Extract) -> None:
    """Hands the rows below the header to the bulk reader where every record is one line. A
    file without quotes lets go of its decoded text first: a province's register is gigabytes
    as text, again as UTF-8 and again as lines."""
    data = result.text.encode("utf-8")
    mark = bulk.free_mark(data)
    if mark is None:
        return
    if '"' not in result.text:  # no field can run over a line: the bulk reader will take it
        result.text, extract.below = None, iter(())
    lines = [bulk.lines_of(data, mark)]
    del data
    if bulk.quotes_close(lines, result.delimiter):
        extract.lines = bulk.below(lines, extract.header_rows[-1])
        result.text, extract.below = None, iter(())  # the lines hold it now


def _refuse_records_without_header(result: FileRead, headless) -> None:
    """A sheet (or web-page table) beside the data that holds rows as wide as records but no
    header, such as an export that ran on into a second sheet: its rows cannot be read by header,
    and leaving them out without a word would lose them."""
    if not result.extracts:
        return
    wide = max(3, min(len(e.headers) for e in result.extracts) // 2)
    for name, grid in headless:
        if any(sum(bool(c.strip()) for c in cells) >= wide for _, cells in grid):
            where = f"工作表「{name}」" if name else "网页中的一个表格"
            message = (
                f"{where}有数据行但没有可识别的表头，无法按列读取；请补上表头，或并入有表头的工作表"
            )
            raise FileRejected("NO_HEADER", message)


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
