"""Staging a department's delivery: every row read is staged or quarantined with its reason,
and the per-file ledger in `audit.files` proves it."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl

from checks.schemas import SCHEMAS
from pipelines.ingest.count import count_data_rows
from pipelines.ingest.kinds import KINDS_BY_DEPARTMENT, Field
from pipelines.ingest.read import Extract, FileRead, FileRejected, read_file, sha256_of
from pipelines.ingest.values import normalise_column, normalise_ids
from pipelines.warehouse import AUDIT_FILES, RAW_KEPT, staging_columns

log = logging.getLogger(__name__)

# Pandera check names → (reason code, how a person reads it)
CHECK_REASONS = {
    "not_nullable": ("REQUIRED", "为空"),
    "id_present": ("ID_MISSING", "缺少可用的证件号码"),
}


@dataclass
class FileOutcome:
    file_name: str
    file_sha256: str | None
    kind: str | None
    status: str  # staged, rejected, skipped, duplicate
    rows_read: int = 0
    rows_staged: int = 0
    rows_quarantined: int = 0
    rows_counted: int | None = None  # data rows by a second reader (`count.py`)
    detail: str = ""
    encoding: str | None = None
    file_format: str | None = None
    sheet: str | None = None
    unknown_columns: tuple[str, ...] = ()

    def ledger_row(self, department: str, delivery: date) -> list:
        """The values of `audit.files`, in the order of `AUDIT_FILES`."""
        given = {"department": department, "delivery_date": delivery}
        row = [given[name] if name in given else getattr(self, name) for name, _ in AUDIT_FILES]
        return [list(v) if isinstance(v, tuple) else v for v in row]


def _skip_reason(path: Path) -> str | None:
    if path.name.startswith("~$"):
        return "Excel 锁定文件，已跳过"
    if path.name.startswith("."):
        return "隐藏文件，已跳过"
    return None


def _raw_frame(extract: Extract) -> pl.DataFrame:
    """One text column per canonical field, taken by header; absent optional fields are null."""
    first_column: dict[str, int] = {}
    for index, name in sorted(extract.columns.items()):
        first_column.setdefault(name, index)
    data = {}
    for f in extract.kind.fields:
        i = first_column.get(f.name)
        data[f.name] = [cells[i] if i is not None else None for _, cells in extract.rows]
    return pl.DataFrame(data, schema={f.name: pl.Utf8 for f in extract.kind.fields})


def _normalise(extract: Extract, raw: pl.DataFrame, delivery: date):
    """(normalised frame in schema order, {row: [(code, reason)]})."""
    columns: dict[str, pl.Series] = {}
    reasons: dict[int, list[tuple[str, str]]] = {}
    for f in extract.kind.fields:
        if f.kind == "id":
            parsed = normalise_ids(raw[f.name], delivery)
            for name in parsed.columns:
                columns[name] = parsed[name]
            continue
        value, bad = normalise_column(raw[f.name], f, extract.from_excel)
        columns[f.name] = value.alias(f.name)
        for row in bad.arg_true().to_list():
            reasons.setdefault(row, []).append(
                ("BAD_VALUE", f"列「{_header(extract, f)}」的值无法识别")
            )
    schema = SCHEMAS[extract.kind.name]
    order = list(schema.to_schema().columns)
    return pl.DataFrame([columns[c] for c in order]), reasons


def _header(extract: Extract, f: Field) -> str:
    for index, name in sorted(extract.columns.items()):
        if name == f.name:
            return extract.headers[index]
    return f.headers[0]


def _validate(extract: Extract, frame: pl.DataFrame, reasons: dict) -> None:
    """Adds the rows Pandera rejects to `reasons`; checks every row before reporting (lazy)."""
    try:
        SCHEMAS[extract.kind.name].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.select("column", "check", "index")
        for column, check, index in cases.iter_rows():
            if index is None:
                raise  # a column-level failure is a bug in the normaliser, not bad data
            already = reasons.get(index, [])
            f = next((f for f in extract.kind.fields if f.name == column), None)
            header = _header(extract, f) if f else column
            code, text = CHECK_REASONS.get(check, ("INVALID", f"不符合规则 {check}"))
            if code == "REQUIRED" and any(header in r for _, r in already):
                continue  # already explained as unreadable
            message = text if code == "ID_MISSING" else f"列「{header}」{text}"
            reasons.setdefault(index, []).append((code, message))


def _staged_frame(extract: Extract, raw: pl.DataFrame, frame: pl.DataFrame, keep: pl.Series):
    extras = {}
    for f in extract.kind.fields:
        if f.kind in RAW_KEPT:
            value = frame["id_cleaned" if f.kind == "id" else f.name]
            as_text = value.cast(pl.Utf8) if value.dtype != pl.List(pl.Utf8) else None
            kept = raw[f.name].replace("", None)
            if as_text is not None:
                # the raw text is kept only where normalising changed it
                kept = pl.select(pl.when(kept != as_text).then(kept)).to_series()
            extras[f"{f.name}_raw"] = kept
    source_rows = pl.Series("source_row", [r for r, _ in extract.rows], dtype=pl.Int32)
    full = pl.concat([frame, pl.DataFrame(extras).with_columns(source_rows)], how="horizontal")
    return full.filter(keep)


def stage_file(
    con: duckdb.DuckDBPyConnection, path: Path, department: str, delivery: date, seen: set[str]
) -> FileOutcome:
    skip = _skip_reason(path)
    if skip:
        return FileOutcome(path.name, None, None, "skipped", detail=skip)
    try:
        read: FileRead = read_file(path, department)
    except FileRejected as rejected:
        sha = _sha_or_none(path)
        return FileOutcome(path.name, sha, None, "rejected", detail=f"{path.name}：{rejected}")
    if read.sha256 in seen:
        return FileOutcome(
            path.name,
            read.sha256,
            read.extract.kind.name,
            "duplicate",
            detail="与同日已收文件内容相同，未重复入库",
        )
    seen.add(read.sha256)
    extract = read.extract
    raw = _raw_frame(extract)
    frame, reasons = _normalise(extract, raw, delivery)
    _validate(extract, frame, reasons)
    keep = pl.Series([i not in reasons for i in range(len(extract.rows))], dtype=pl.Boolean)
    staged = _staged_frame(extract, raw, frame, keep)
    _insert_staged(con, extract, staged, read, department, delivery)
    rejected = _rejected_rows(extract, reasons)
    _insert_rejected(con, rejected, read, extract.sheet, department, delivery)
    unknown = tuple(extract.unknown_columns)
    return FileOutcome(
        path.name,
        read.sha256,
        extract.kind.name,
        "staged",
        rows_read=len(extract.rows) + len(extract.bad_rows),
        rows_staged=staged.height,
        rows_quarantined=len(rejected),
        rows_counted=count_data_rows(path, read),
        detail=("未识别的列已忽略：" + "、".join(unknown)) if unknown else "",
        encoding=read.encoding,
        file_format=read.file_format,
        sheet=extract.sheet,
        unknown_columns=unknown,
    )


def _sha_or_none(path: Path) -> str | None:
    try:
        return sha256_of(path.read_bytes())
    except OSError:
        return None


def _rejected_rows(extract: Extract, reasons: dict) -> list[tuple[int, str, str, list[str]]]:
    rows = [
        (extract.rows[i][0], codes[0][0], "；".join(r for _, r in codes), extract.rows[i][1])
        for i, codes in sorted(reasons.items())
    ]
    return sorted(rows + extract.bad_rows, key=lambda r: r[0])


def _insert_staged(
    con, extract: Extract, staged: pl.DataFrame, read: FileRead, department: str, delivery: date
) -> None:
    meta = staged.with_columns(
        pl.lit(delivery).alias("delivery_date"),
        pl.lit(department).alias("department"),
        pl.lit(read.sha256).alias("file_sha256"),
        pl.lit(extract.sheet, dtype=pl.Utf8).alias("sheet"),
    )
    names = [name for name, _ in staging_columns(extract.kind)]
    con.register("staged_frame", meta.select(names).to_arrow())
    try:
        con.execute(f"insert into staging.{extract.kind.name} by name select * from staged_frame")
    finally:
        con.unregister("staged_frame")


def _insert_rejected(con, rejected, read: FileRead, sheet, department, delivery) -> None:
    headers = read.extract.headers
    rows = [
        (
            delivery,
            department,
            read.sha256,
            sheet,
            row,
            code,
            reason,
            json.dumps(dict(zip(headers, cells, strict=False)), ensure_ascii=False),
        )
        for row, code, reason, cells in rejected
    ]
    if rows:
        con.executemany("insert into audit.rejected_rows values (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def ingest_delivery(
    con: duckdb.DuckDBPyConnection, inbox_dir: Path, department: str, delivery: date
) -> list[FileOutcome]:
    """Stage one department's folder for one delivery day, replacing any earlier staging of it."""
    folder = inbox_dir / delivery.isoformat() / department
    for kind in KINDS_BY_DEPARTMENT[department]:
        con.execute(f"delete from staging.{kind.name} where delivery_date = ?", [delivery])
    for table in ("audit.files", "audit.rejected_rows"):
        con.execute(
            f"delete from {table} where delivery_date = ? and department = ?",
            [delivery, department],
        )
    outcomes: list[FileOutcome] = []
    if folder.is_dir():
        seen: set[str] = set()
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            outcomes.append(stage_file(con, path, department, delivery, seen))
    if outcomes:
        columns = ", ".join(name for name, _ in AUDIT_FILES)
        marks = ", ".join("?" for _ in AUDIT_FILES)
        con.executemany(
            f"insert into audit.files ({columns}) values ({marks})",
            [o.ledger_row(department, delivery) for o in outcomes],
        )
    log.info(
        "%s %s: %d files, %d rows staged, %d quarantined",
        department,
        delivery,
        len(outcomes),
        sum(o.rows_staged for o in outcomes),
        sum(o.rows_quarantined for o in outcomes),
    )
    return outcomes


def catch_up(con: duckdb.DuckDBPyConnection, inbox_dir: Path, day: date) -> list[str]:
    """Stage every delivery on or before `day` that has files but no ledger entry yet."""
    staged = {
        (d, dept)
        for d, dept in con.execute(
            "select distinct delivery_date, department from audit.files"
        ).fetchall()
    }
    done = []
    for folder in sorted(inbox_dir.glob("*/*")) if inbox_dir.is_dir() else []:
        try:
            delivery = date.fromisoformat(folder.parent.name)
        except ValueError:
            continue
        department = folder.name
        if (
            delivery <= day
            and department in KINDS_BY_DEPARTMENT
            and folder.is_dir()
            and (delivery, department) not in staged
            and any(folder.iterdir())
        ):
            ingest_delivery(con, inbox_dir, department, delivery)
            done.append(f"{delivery} {department}")
    return done
