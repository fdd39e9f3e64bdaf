"""Taking the rows of a large delimited file in bulk, as columns, instead of one by one.

A file whose every line is one record (no quoted field runs on to the next line, which almost
every system export is) is cut into lines by PyArrow and into cells by Polars, millions at a
time. What the row-by-row reader (`read.py`) would make of it is kept exactly: the same cells,
the same line numbers, the same rows set aside, with the same reasons. Only the few lines that
might be set aside (too many or too few fields, few filled cells, a 合计 somewhere, a repeated
header) and the lines holding a quote go through the row reader's own functions in Python.
A file that does not qualify is read row by row, as before.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from pipelines.ingest.errors import FileRejected
from pipelines.ingest.text import INVISIBLE, INVISIBLE_POLARS, PYTHON_SPACE, nfkc

BULK_MIN_CHARS = 1 << 20  # below a megabyte of text the row reader is as quick
BULK_CHUNK_ROWS = 250_000
_TOTAL_WORD = f"[合小总]{INVISIBLE}*计"  # 合计, 小计, 总计, spaced out or not
_LINE_MARKS = "\x1f\x1e\x1d\x1c\x07"  # a character the file lacks reads each line as one cell

SetAside = Callable[[list[str]], "tuple[str, str] | None"]


def worth_it(text: str) -> bool:
    """Whether a decoded delimited file is large enough for the bulk reader."""
    return len(text) >= BULK_MIN_CHARS


def free_mark(data: bytes) -> str | None:
    """A character `data` lacks, to read each line as one cell (None: the file has them all)."""
    return next((m for m in _LINE_MARKS if m.encode() not in data), None)


def lines_of(data: bytes, mark: str) -> pa.Array:
    """Every physical line of the UTF-8 `data`, split at \\r\\n, \\r or \\n as the row reader
    does; `mark` is a character the data lacks (`free_mark`)."""
    table = pv.read_csv(
        pa.py_buffer(data),
        read_options=pv.ReadOptions(column_names=["line"], block_size=1 << 25),
        parse_options=pv.ParseOptions(
            delimiter=mark,
            quote_char=False,
            escape_char=False,
            newlines_in_values=False,
            ignore_empty_lines=False,
        ),
        convert_options=pv.ConvertOptions(
            column_types={"line": pa.large_string()},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table.column("line").combine_chunks()


def quotes_close(lines: list[pa.Array], delimiter: str) -> bool:
    """Whether every quoted field closes on its own line, as the csv module reads it: then each
    line is one record, and the lines can be taken in bulk."""
    for part in lines:
        quoted = pc.filter(part, pc.match_substring(part, '"')).to_pylist()
        # one reader over them all: a quote left open takes in the line break (and the next
        # line), which then shows in a cell
        for cells in csv.reader((line + "\n" for line in quoted), delimiter=delimiter):
            if "\n" in "\x00".join(cells):
                return False
    return True


def below(lines: list[pa.Array], header_line: int) -> list[pa.Array]:
    """The lines after line `header_line` (1-based), as parts of the same list."""
    parts, skip = [], header_line
    for part in lines:
        if skip >= len(part):
            skip -= len(part)
            continue
        parts.append(part.slice(skip) if skip else part)
        skip = 0
    return parts


def bulk_chunks(
    lines: list[pa.Array],
    first_line: int,
    delimiter: str,
    width: int,
    header_firsts: set[str],
    set_aside: SetAside,
    ends_with_line_break: bool,
    size: int = BULK_CHUNK_ROWS,
) -> Iterator[tuple[pl.DataFrame, list[tuple[int, str, str, list[str]]]]]:
    """(records as columns c0… and source_row, rows set aside) per block of lines; line
    `first_line` is the first line of `lines`, whose parts are let go of as they are taken (a
    province's register is gigabytes of lines). Raises FileRejected for a last line cut short,
    as the row reader does."""
    last_filled: tuple[int, int] | None = None  # (line, fields) of the last non-blank line
    start = first_line
    while lines:
        taken, count = [], 0
        while lines and count < size:
            taken.append(lines.pop(0))
            count += len(taken[-1])
        block = pl.Series("line", pa.chunked_array(taken, pa.large_string())).rechunk()
        del taken
        frame, aside, last = _take_block(block, start, delimiter, width, header_firsts, set_aside)
        start += len(block)
        del block
        last_filled = last or last_filled
        if frame.height or aside:
            yield frame, aside
    if not ends_with_line_break and last_filled and last_filled[1] < width:
        message = f"文件在第{last_filled[0]}行中途结束，可能没有传输完整；请重新导出后报送"
        raise FileRejected("TRUNCATED", message)


def _take_block(block, first_line, delimiter, width, header_firsts, set_aside):
    quoted = block.str.contains('"', literal=True)
    # cells with anything but space in them, counted on the line itself (exact for a line
    # without quotes; the lines with quotes are counted again once the csv module cut them)
    space = "".join(f"\\u{ord(c):04x}" for c in PYTHON_SPACE)
    sep = f"\\u{ord(delimiter):04x}"
    frame = pl.DataFrame(
        {
            "source_row": pl.int_range(first_line, first_line + len(block), eager=True).cast(
                pl.Int32
            ),
            "cells": block.str.split(delimiter),
            "quoted": quoted,
            "filled": block.str.count_matches(f"(?:^|{sep})[{space}]*[^{sep}{space}]"),
        }
    ).with_columns(pl.col("cells").list.len().alias("fields"))
    if frame["quoted"].any():
        frame = _parse_quoted(frame, block, delimiter)
    frame = frame.filter(pl.col("filled") > 0)  # blank lines are no rows
    if frame.height == 0:
        return frame.select("source_row"), [], None
    last = (frame["source_row"][-1], frame["fields"][-1])
    key0 = _header_keys(frame["cells"].list.get(0, null_on_oob=True))
    maybe_aside = (
        (pl.col("fields") != width)
        | (pl.col("filled") <= 3)
        | pl.col("cells").list.join("\x00").str.contains(_TOTAL_WORD)
        | key0.is_in(sorted(header_firsts))
    )
    frame = frame.with_columns(maybe_aside.alias("maybe_aside"))
    aside, keep_rows = [], []
    for row, row_cells in frame.filter("maybe_aside").select("source_row", "cells").iter_rows():
        reason = set_aside(row_cells)
        if reason:
            aside.append((row, *reason, row_cells))
        else:
            keep_rows.append(row)
    records = frame.filter(~pl.col("maybe_aside") | pl.col("source_row").is_in(keep_rows))
    names = [f"c{i}" for i in range(width)]
    columns = (
        records.select(pl.col("cells").list.to_struct(fields=names))
        .unnest("cells")
        .with_columns(pl.all().fill_null(""))
    )
    return columns.with_columns(records["source_row"]), aside, last


def _header_keys(first_cells: pl.Series) -> pl.Series:
    """`kinds.header_key` of each first cell: NFKC, no whitespace of any class."""
    return nfkc(first_cells.fill_null("")).str.replace_all(INVISIBLE_POLARS, "")


def _parse_quoted(frame: pl.DataFrame, block: pl.Series, delimiter: str) -> pl.DataFrame:
    """Lines holding a quote, cut into cells by the csv module, as the row reader does."""
    at = frame["quoted"].arg_true()
    offsets, values = [0], []
    for cells in csv.reader(block.gather(at).to_list(), delimiter=delimiter):
        values += cells
        offsets.append(len(values))
    parsed = pl.from_arrow(
        pa.LargeListArray.from_arrays(
            pa.array(offsets, pa.int64()), pa.array(values, pa.large_string())
        )
    )
    by_csv = pl.DataFrame({"at": at, "parsed": parsed})
    joined = frame.with_row_index("at").join(by_csv, on="at", how="left", maintain_order="left")
    cells = pl.when(pl.col("quoted")).then(pl.col("parsed")).otherwise(pl.col("cells"))
    filled = pl.col("parsed").list.eval(pl.element().str.strip_chars(PYTHON_SPACE) != "")
    return joined.with_columns(
        cells.alias("cells"),
        pl.when(pl.col("quoted"))
        .then(filled.list.sum())
        .otherwise(pl.col("filled"))
        .alias("filled"),
        pl.when(pl.col("quoted"))
        .then(pl.col("parsed").list.len())
        .otherwise(pl.col("fields"))
        .alias("fields"),
    ).drop("at", "parsed")
