"""Staging a department's delivery: every row read is staged or quarantined with its reason,
and the per-file ledger in `audit.files` proves it."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl

from checks.schemas import SCHEMAS
from pipelines.ingest.count import count_data_rows
from pipelines.ingest.ids import TRUNCATED, rounded_by_excel
from pipelines.ingest.kinds import KINDS, KINDS_BY_DEPARTMENT, Field, header_key
from pipelines.ingest.read import (
    NOT_RECORDS,
    Chunk,
    Extract,
    FileRead,
    FileRejected,
    NumberText,
    read_file,
    sha256_of,
)
from pipelines.ingest.text import EXCEL_ERRORS
from pipelines.ingest.values import normalise_column, normalise_ids
from pipelines.warehouse import AUDIT_FILES, RAW_KEPT, staging_columns

log = logging.getLogger(__name__)

# Pandera check names → (reason code, how a person reads it); parameterised checks by prefix
CHECK_REASONS = {
    "not_nullable": ("REQUIRED", "为空"),
    "id_present": ("ID_MISSING", "缺少可用的证件号码"),
    "greater_than_or_equal_to": ("OUT_OF_RANGE", "的值小于允许的最小值"),
    "less_than_or_equal_to": ("OUT_OF_RANGE", "的值大于允许的最大值"),
    "str_matches": ("BAD_FORMAT", "的格式不符"),
    "isin": ("NOT_ALLOWED", "的值不在允许的取值中"),
}


@dataclass
class FileOutcome:
    file_name: str
    file_sha256: str | None
    kind: str | None
    status: str  # staged, rejected, skipped, duplicate
    reason_code: str | None = None  # why a file was rejected (FileRejected.reason_code)
    rows_read: int = 0
    rows_staged: int = 0
    rows_quarantined: int = 0
    rows_counted: int | None = None  # data rows by a second reader (`count.py`)
    records: int = 0  # rows read that are records, staged or not (not totals, footers, headers)
    detail: str = ""
    encoding: str | None = None
    file_format: str | None = None
    sheet: str | None = None
    unknown_columns: tuple[str, ...] = ()
    seconds: float = 0.0  # wall time taken to stage the file (not in the ledger)

    def ledger_row(self, department: str, delivery: date) -> list:
        """The values of `audit.files`, in the order of `AUDIT_FILES`."""
        given = {"department": department, "delivery_date": delivery}
        row = [given[name] if name in given else getattr(self, name) for name, _ in AUDIT_FILES]
        return [list(v) if isinstance(v, tuple) else v for v in row]


# Files that systems leave in any folder: thumbnail caches and folder settings
_SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db"}


def _shown_name(path: Path) -> str:
    return _as_text(path.name)


def _as_text(name: str) -> str:
    """A file's name as text. A zip made on Chinese Windows and unpacked here leaves names in
    GBK bytes, which Python holds as surrogates that no database takes: they are read as GBK."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("gb18030", "replace")


def _skip_reason(path: Path) -> str | None:
    if path.name.startswith("~$"):
        return "Excel 锁定文件，已跳过"
    if path.name.lower() in _SYSTEM_FILES:
        return "系统生成的文件，已跳过"
    if path.name.startswith("."):
        return "隐藏文件，已跳过"
    return None


Rows = list[tuple[int, list[str]]]  # (source row, cells) of one chunk's records


def _cells_frame(chunk: Chunk, width: int) -> pl.DataFrame:
    """The chunk's records as columns c0, c1… of text cells, and source_row."""
    if chunk.frame is not None:
        return chunk.frame
    columns = list(zip(*(cells for _, cells in chunk.rows), strict=True)) or [()] * width
    data = {f"c{i}": list(column) for i, column in enumerate(columns)}
    data["source_row"] = [row for row, _ in chunk.rows]
    schema = {**{f"c{i}": pl.Utf8 for i in range(width)}, "source_row": pl.Int32}
    return pl.DataFrame(data, schema=schema)


def _raw_frame(extract: Extract, cells: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    """One text column per canonical field, taken by header (absent optional fields are null),
    and the rows whose columns for one field (证件号码 and 身份证号, say) disagree."""
    columns: dict[str, list[int]] = {}
    for index, name in sorted(extract.columns.items()):
        columns.setdefault(name, []).append(index)
    data, conflicts = {}, {}
    for f in extract.kind.fields:
        indices = columns.get(f.name, [])
        if len(indices) > 1:
            data[f.name] = _one_of(extract, cells, indices, conflicts)
        elif indices:
            data[f.name] = cells[f"c{indices[0]}"]
        else:
            data[f.name] = pl.Series([None] * cells.height, dtype=pl.Utf8)
    frame = pl.DataFrame(data, schema={f.name: pl.Utf8 for f in extract.kind.fields})
    return frame, conflicts


def _one_of(extract: Extract, cells: pl.DataFrame, indices: list[int], conflicts: dict) -> list:
    """The first non-blank of several columns for one field; rows where they differ (after
    removing spaces) are quarantined rather than decided."""
    names = "」与「".join(extract.headers[i] for i in indices)
    values = []
    rows = zip(*(cells[f"c{i}"].to_list() for i in indices), strict=True)
    for row, row_cells in enumerate(rows):
        given = [c for c in row_cells if c.strip()]
        if len({header_key(v).upper() for v in given}) > 1:  # 002x and 002X are one ID
            conflicts.setdefault(row, []).append(("CONFLICT", f"列「{names}」的值不一致"))
        values.append(given[0] if given else "")
    return values


def _normalise(extract: Extract, rows: Rows, raw: pl.DataFrame, delivery: date):
    """(normalised frame in schema order, {row: [(code, reason)]})."""
    columns: dict[str, pl.Series] = {}
    reasons, raw = _failed_formulas(extract, raw)
    for f in extract.kind.fields:
        if f.kind == "id":
            parsed = normalise_ids(raw[f.name], delivery)
            for name in parsed.columns:
                columns[name] = parsed[name]
            continue
        value, bad = normalise_column(raw[f.name], f, _numeric_cells(extract, rows, f))
        columns[f.name] = value.alias(f.name)
        for row in bad.arg_true().to_list():
            reasons.setdefault(row, []).append(
                ("BAD_VALUE", f"列「{_header(extract, f)}」的值无法识别")
            )
        if f.not_after_delivery:
            for row in (value > delivery).fill_null(False).arg_true().to_list():
                reasons.setdefault(row, []).append(
                    ("OUT_OF_RANGE", f"列「{_header(extract, f)}」晚于报送日期")
                )
    schema = SCHEMAS[extract.kind.name]
    order = list(schema.to_schema().columns)
    return pl.DataFrame([columns[c] for c in order]), reasons


def _failed_formulas(extract: Extract, raw: pl.DataFrame):
    """({row: [(code, reason)]}, raw without them) for Excel error values (#N/A) in the columns
    Yulu reads. Such a cell has no value: read as blank, 人员状态 #N/A would be a normal person,
    so its row is quarantined; the cell is then blanked so that it is not explained twice."""
    reasons: dict[int, list[tuple[str, str]]] = {}
    for f in extract.kind.fields:
        failed = raw[f.name].str.strip_chars().is_in(list(EXCEL_ERRORS))
        for row in failed.arg_true().to_list():
            reason = f"列「{_header(extract, f)}」是 Excel 公式错误值（{raw[f.name][row].strip()}）"
            reasons.setdefault(row, []).append(("CELL_ERROR", reason))
        if failed.any():
            blanked = pl.when(failed).then(pl.lit("")).otherwise(pl.col(f.name))
            raw = raw.with_columns(blanked.alias(f.name))
    return reasons, raw


def _numeric_cells(extract: Extract, rows: Rows, f: Field) -> pl.Series | None:
    """For a date field of a workbook, which cells were numbers; None for text files."""
    if not extract.from_excel or f.kind not in ("date", "month"):
        return None
    indices = [i for i, name in sorted(extract.columns.items()) if name == f.name]
    return pl.Series(
        [bool(indices) and isinstance(cells[indices[0]], NumberText) for _, cells in rows],
        dtype=pl.Boolean,
    )


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
                # A column-level failure is a bug in the normaliser, not bad data. Pandera's
                # own message quotes failing values (IDs, names): it must not reach the log.
                message = f"{extract.kind.name}.{column} failed {check} as a whole column"
                raise RuntimeError(message) from None
            already = reasons.get(index, [])
            f = next((f for f in extract.kind.fields if f.name == column), None)
            header = _header(extract, f) if f else column
            name = check.split("(")[0]
            code, text = CHECK_REASONS.get(name, ("INVALID", f"不符合规则 {check}"))
            if code == "REQUIRED" and any(header in r for _, r in already):
                continue  # already explained as unreadable
            message = text if code == "ID_MISSING" else f"列「{header}」{text}"
            reasons.setdefault(index, []).append((code, message))


def _staged_frame(
    extract: Extract,
    source_rows: pl.Series,
    raw: pl.DataFrame,
    frame: pl.DataFrame,
    keep: pl.Series,
) -> pl.DataFrame:
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
    source_rows = source_rows.cast(pl.Int32).alias("source_row")
    full = pl.concat([frame, pl.DataFrame(extras).with_columns(source_rows)], how="horizontal")
    return full.filter(keep)


def stage_file(
    con: duckdb.DuckDBPyConnection, path: Path, department: str, delivery: date, seen: set[str]
) -> FileOutcome:
    skip = _skip_reason(path)
    if skip:
        return FileOutcome(_shown_name(path), None, None, "skipped", detail=skip)
    try:
        read: FileRead = read_file(path, department)
    except FileRejected as rejected:
        return _rejected(path, rejected.reason_code, str(rejected))
    except Exception as exc:  # any other failure to read rejects this file, not the delivery
        # by content hash, not name: department file names are free text
        log.warning("file %s: unreadable (%s)", (_sha_or_none(path) or "")[:12], type(exc).__name__)
        return _rejected(path, "UNREADABLE", f"无法读取文件（{type(exc).__name__}）")
    try:
        counts = [count_data_rows(path, read, extract) for extract in read.extracts]
    except Exception as exc:  # the reader could open it and the second reader cannot
        log.warning("file %s: second count failed (%s)", read.sha256[:12], type(exc).__name__)
        reason = f"文件部分损坏，第二种读取方式无法打开（{type(exc).__name__}）"
        return _rejected(path, "UNREADABLE", reason)
    if read.sha256 in seen:
        detail = "与同日已收文件内容相同，未重复入库"
        return FileOutcome(
            _shown_name(path), read.sha256, read.kind.name, "duplicate", detail=detail
        )
    outcome = FileOutcome(
        _shown_name(path),
        read.sha256,
        read.kind.name,
        "staged",
        rows_counted=0,
        encoding=read.encoding,
        file_format=read.file_format,
        sheet="、".join(e.sheet for e in read.extracts if e.sheet) or None,
    )
    try:
        for extract, counted in zip(read.extracts, counts, strict=True):
            _stage_extract(con, read, extract, counted, department, delivery, outcome)
        if any(f.kind == "id" for f in read.kind.fields):
            _mark_rounded_ids(con, read, delivery)
        if outcome.records == 0:
            aside = (
                f"（表头下只有{outcome.rows_read}行合计、表尾或重复表头）"
                if outcome.rows_read
                else ""
            )
            message = f"只有表头，没有数据行{aside}；该类数据仍以上一次报送为准"
            raise FileRejected("NO_ROWS", message)
        if outcome.rows_staged == 0 and read.kind.snapshot:
            # taken as the day's whole snapshot, it would wipe every record of the kind
            message = (
                f"{outcome.records}行数据无一通过校验（如「暂无数据」之类的占位行，或整列格式有误）；"
                "该类数据仍以上一次报送为准"
            )
            raise FileRejected("NO_VALID_ROWS", message)
    except FileRejected as rejected:  # found while taking the rows: take the file back out
        _unstage_file(con, read.kind.name, read.sha256, delivery)
        return _rejected(path, rejected.reason_code, str(rejected))
    seen.add(read.sha256)
    notes = []
    if read.left_out:
        notes.append("未读取：" + "、".join(read.left_out))
    if outcome.unknown_columns:
        notes.append("未识别的列已忽略：" + "、".join(outcome.unknown_columns))
    repeated = sorted({r for e in read.extracts for r in e.repeated_columns})
    if repeated:
        notes.append("同一字段有多列，已逐行比对，不一致的行已隔离：" + "；".join(repeated))
    outcome.detail = "。".join(notes)
    return outcome


def _stage_extract(
    con,
    read: FileRead,
    extract: Extract,
    counted: int | None,
    department: str,
    delivery: date,
    outcome: FileOutcome,
) -> None:
    """Stages one sheet (or the one table of a text file), chunk by chunk, and adds its counts
    to `outcome`."""
    for chunk in extract.chunks():
        _stage_chunk(con, read, extract, chunk, department, delivery, outcome)
    outcome.rows_counted = None if counted is None else (outcome.rows_counted or 0) + counted
    new = [c for c in extract.unknown_columns if c not in outcome.unknown_columns]
    outcome.unknown_columns = (*outcome.unknown_columns, *new)


def _stage_chunk(con, read, extract, chunk, department, delivery, outcome) -> None:
    """Stages one chunk's records and quarantines the rest."""
    cells = _cells_frame(chunk, len(extract.headers))
    raw, conflicts = _raw_frame(extract, cells)
    frame, reasons = _normalise(extract, chunk.rows, raw, delivery)
    for row, found in conflicts.items():
        reasons.setdefault(row, []).extend(found)
    _validate(extract, frame, reasons)
    keep = ~pl.int_range(cells.height, eager=True).is_in(list(reasons))
    staged = _staged_frame(extract, cells["source_row"], raw, frame, keep)
    _insert_staged(con, extract, staged, read, department, delivery)
    rejected = _rejected_rows(chunk, cells, reasons)
    _insert_rejected(con, rejected, read, extract, department, delivery)
    outcome.rows_read += cells.height + len(chunk.set_aside)
    outcome.rows_staged += staged.height
    outcome.rows_quarantined += len(rejected)
    outcome.records += cells.height + sum(c not in NOT_RECORDS for _, c, _, _ in chunk.set_aside)


def _mark_rounded_ids(con, read: FileRead, delivery: date) -> None:
    """IDs of a column that went through Excel as numbers lost their last three digits: once
    the whole file is staged, it is judged by its distinct IDs (a student paid for two terms
    is one ID), and the ones ending in 000 lose their join key (ID-03)."""
    table, where = f"staging.{read.kind.name}", "delivery_date = ? and file_sha256 = ?"
    ending_000, eighteen_digits = con.execute(
        f"select count(distinct id_cleaned) filter (regexp_full_match(id_cleaned, '\\d{{15}}000')),"
        f" count(distinct id_cleaned) filter (regexp_full_match(id_cleaned, '\\d{{18}}')) "
        f"from {table} where {where}",
        [delivery, read.sha256],
    ).fetchall()[0]  # all: a result left unfinished blocks the connection (DuckDB 2)
    if rounded_by_excel(ending_000, eighteen_digits):
        con.execute(
            f"update {table} set id_status = ?, id_number = null "
            f"where {where} and regexp_full_match(id_cleaned, '\\d{{15}}000')",
            [TRUNCATED, delivery, read.sha256],
        )


def _unstage_file(con, kind: str, sha256: str, delivery: date) -> None:
    """Removes what a file staged: a fault found further down it, or a copy of another file."""
    for table in (f"staging.{kind}", "audit.rejected_rows"):
        con.execute(
            f"delete from {table} where delivery_date = ? and file_sha256 = ?", [delivery, sha256]
        )


def _rejected(path: Path, code: str, reason: str) -> FileOutcome:
    detail = f"{_shown_name(path)}：{reason}"
    return FileOutcome(_shown_name(path), _sha_or_none(path), None, "rejected", code, detail=detail)


def _sha_or_none(path: Path) -> str | None:
    try:
        return sha256_of(path.read_bytes())
    except OSError:
        return None


def _rejected_rows(
    chunk: Chunk, cells: pl.DataFrame, reasons: dict
) -> list[tuple[int, str, str, list[str]]]:
    rows = []
    for i, codes in sorted(reasons.items()):
        *row_cells, source_row = cells.row(i)
        rows.append((source_row, codes[0][0], "；".join(r for _, r in codes), row_cells))
    return sorted(rows + chunk.set_aside, key=lambda r: r[0])


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


def _raw_json(headers: list[str], cells: list[str]) -> str:
    """Every cell of a row by its header; a cell without a header of its own (past the last
    header, under a blank or repeated one) by its column number, so nothing is left out."""
    raw: dict[str, str] = {}
    for j, cell in enumerate(cells):
        name = headers[j] if j < len(headers) else ""
        raw[name if name and name not in raw else f"第{j + 1}列"] = cell
    return json.dumps(raw, ensure_ascii=False)


def _insert_rejected(con, rejected, read: FileRead, extract: Extract, department, delivery):
    if not rejected:
        return
    frame = pl.DataFrame(
        {
            "source_row": [row for row, _, _, _ in rejected],
            "reason_code": [code for _, code, _, _ in rejected],
            "reason": [reason for _, _, reason, _ in rejected],
            "raw": [_raw_json(extract.headers, cells) for _, _, _, cells in rejected],
        },
        schema={"source_row": pl.Int32, "reason_code": pl.Utf8, "reason": pl.Utf8, "raw": pl.Utf8},
    ).with_columns(
        pl.lit(delivery).alias("delivery_date"),
        pl.lit(department).alias("department"),
        pl.lit(read.sha256).alias("file_sha256"),
        pl.lit(extract.sheet, dtype=pl.Utf8).alias("sheet"),
    )
    con.register("rejected_frame", frame.to_arrow())
    try:
        con.execute("insert into audit.rejected_rows by name select * from rejected_frame")
    finally:
        con.unregister("rejected_frame")


def ingest_delivery(
    con: duckdb.DuckDBPyConnection, inbox_dir: Path, department: str, delivery: date
) -> list[FileOutcome]:
    """Stage one department's folder for one delivery day, replacing any earlier staging of it."""
    # No transaction around it: one would hold every uncommitted row in memory (600 MB for a
    # file of a million rows). The ledger rows are written last instead; until they are, the
    # delivery is not staged for conform and catch_up, and a run of it starts by deleting it.
    outcomes = _stage_delivery(con, inbox_dir, department, delivery)
    log.info(
        "%s %s: %d files, %d rows staged, %d quarantined",
        department,
        delivery,
        len(outcomes),
        sum(o.rows_staged for o in outcomes),
        sum(o.rows_quarantined for o in outcomes),
    )
    return outcomes


def _set_aside_reexports(con, outcomes: list[FileOutcome], delivery: date) -> None:
    """A file whose records are exactly those of another file of its kind that day (the same
    table exported twice: another title, another export time, other bytes) is set aside as a
    duplicate, as a byte-identical copy is: two copies would be two payments."""
    by_records: dict[tuple[str, str], FileOutcome] = {}
    for outcome in (o for o in outcomes if o.status == "staged"):
        columns = [f.name for f in KINDS[outcome.kind].fields]
        content = ", ".join(f"coalesce(cast({c} as varchar), '␀')" for c in columns)
        where = "where delivery_date = ? and file_sha256 = ?"
        [(records,)] = con.execute(
            f"select (select string_agg(md5(concat_ws('|', {content})), ',' order by 1) "
            f"        from staging.{outcome.kind} {where})"
            f" || ':' || coalesce((select string_agg(md5(reason_code || raw), ',' order by 1)"
            f"                     from audit.rejected_rows {where}), '')",
            [delivery, outcome.file_sha256] * 2,
        ).fetchall()
        first = by_records.setdefault((outcome.kind, records), outcome)
        if first is not outcome:
            _unstage_file(con, outcome.kind, outcome.file_sha256, delivery)
            outcome.status = "duplicate"
            outcome.rows_staged = outcome.rows_quarantined = 0
            outcome.rows_read, outcome.rows_counted = 0, None
            outcome.detail = (
                f"与同日文件「{first.file_name}」的记录完全相同（另一次导出），未重复入库"
            )


def delivered_files(folder: Path) -> list[Path]:
    """Every file of a department's folder, those in subfolders too (an unpacked zip), but not
    in hidden folders or the __MACOSX folder a Mac's zip carries."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not any(p.startswith((".", "__MACOSX")) for p in path.relative_to(folder).parts[:-1])
    )


def _stage_delivery(con, inbox_dir: Path, department: str, delivery: date) -> list[FileOutcome]:
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
        for path in delivered_files(folder):
            started = time.perf_counter()
            outcome = stage_file(con, path, department, delivery, seen)
            outcome.seconds = time.perf_counter() - started
            outcome.file_name = _as_text(str(path.relative_to(folder)))  # with its subfolder
            outcomes.append(outcome)
        _set_aside_reexports(con, outcomes, delivery)
    if outcomes:
        columns = ", ".join(name for name, _ in AUDIT_FILES)
        marks = ", ".join("?" for _ in AUDIT_FILES)
        con.executemany(
            f"insert into audit.files ({columns}) values ({marks})",
            [o.ledger_row(department, delivery) for o in outcomes],
        )
    return outcomes


def catch_up(con: duckdb.DuckDBPyConnection, inbox_dir: Path, day: date) -> list[tuple[date, str]]:
    """Stage every delivery on or before `day` that has files but no ledger entry yet; returns
    the (delivery day, department) pairs staged."""
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
            done.append((delivery, department))
    return done
