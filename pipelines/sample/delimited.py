"""A delimited extract written piece by piece (polars frames for the bulk, lists of cells for
the county's rows, footers), in its encoding, counting the rows a reader finds below its
header; what the province's manifest says of each file."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

LINE_END = "\r\n"  # as Excel and the departments' systems write text files


@dataclass
class ManifestFile:
    """One file of the manifest: where it is (relative to YULU_DATA_DIR), its department and
    kind, how to read it, and `rows`: the non-blank rows below its header (records, and the
    totals, signature and strangers' rows a reader must account for, i.e. `rows_read`)."""

    path: str
    department: str
    kind: str
    encoding: str
    delimiter: str
    header_line: int
    rows: int

    def as_json(self) -> dict:
        return asdict(self)


class DelimitedFile:
    def __init__(
        self,
        data_dir: Path,
        path: Path,
        department: str,
        kind: str,
        header: list[str],
        encoding: str,
        delimiter: str = ",",
        title: str | None = None,
    ):
        """`encoding` is a Python codec: utf-8, utf-8-sig (a BOM first), gbk or gb18030."""
        self.data_dir, self.path, self.header = data_dir, path, header
        self.entry = ManifestFile(
            str(path.relative_to(data_dir)), department, kind, encoding, delimiter, 1, 0
        )
        self.codec = "utf-8" if encoding.startswith("utf-8") else encoding
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = path.open("wb")
        if encoding == "utf-8-sig":
            self.file.write(b"\xef\xbb\xbf")
        if title:
            self._write_text(title + LINE_END)
            self.entry.header_line = 2
        self.lines([header], counted=False)

    def _write_text(self, text: str) -> None:
        # strict: a name the encoding cannot hold is a generator bug, never a silent '?'
        self.file.write(text.encode(self.codec, errors="strict"))

    def frame(self, frame: pl.DataFrame) -> None:
        """Rows of text columns in the header's order; null is an empty field."""
        if frame.columns != self.header:
            raise ValueError(f"{self.path.name}: columns {frame.columns} are not the header's")
        buffer = io.BytesIO()
        frame.write_csv(
            buffer,
            include_header=False,
            separator=self.entry.delimiter,
            line_terminator=LINE_END,
            quote_style="necessary",
        )
        data = buffer.getvalue()
        if self.codec != "utf-8":
            data = data.decode("utf-8").encode(self.codec, errors="strict")
        self.file.write(data)
        self.entry.rows += len(frame)

    def lines(self, rows: list[list[str]], counted: bool = True) -> None:
        """Rows given as lists of cells (the county's, a totals row, strangers' rows)."""
        buffer = io.StringIO(newline="")
        csv.writer(buffer, delimiter=self.entry.delimiter, lineterminator=LINE_END).writerows(rows)
        self._write_text(buffer.getvalue())
        if counted:
            self.entry.rows += sum(any(str(c).strip() for c in row) for row in rows)

    def raw_line(self, text: str) -> None:
        """A line written as it stands (a signature line under the table)."""
        self._write_text(text + LINE_END)
        self.entry.rows += 1

    def close(self) -> ManifestFile:
        self.file.close()
        return self.entry
