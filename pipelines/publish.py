"""Publishing: the two warehouses readers open, each replaced as a whole in one step (DESIGN §5).

`yulu.duckdb` is the restricted warehouse (full IDs and names); `yulu_shared.duckdb` is built
from it, masked and pseudonymised (`pipelines/shared.py`). Each new file is built beside the old
one, commented from the data dictionary, checkpointed and closed, reopened read-only to check
every table's rows and content checksum against what was built, kept as a version, and only
then renamed over the published name. A reader that opened the old file keeps its consistent
view (the old inode lives until it closes); a new reader sees the new file; nobody is blocked
and nobody sees a half-written table.

The checksum of a table is the sum of DuckDB's `hash()` of every row, taken in the building
connection right after the table is written and again from the reopened file: it compares what
readers will read with what was built, cell by cell, whatever the order of rows, where a
SHA-256 of the file could only say that the bytes did not change after they were written. The
SHA-256 of each file goes into the versions' manifest as well, for rollback.

Without `YULU_PSEUDONYM_KEY` nothing is published, the restricted file neither: the two files
always show the same day, and the failure says what to set.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from pipelines.dictionary import comment_sql, shared_tables
from pipelines.permissions import private_dir
from pipelines.pseudonym import pseudonym_key
from pipelines.reader import open_read_only
from pipelines.reconcile.run import LIST_TABLES
from pipelines.settings import shared_path
from pipelines.shared import register_masks, shared_table_sql, unregister_masks
from pipelines.verification.outcomes import case_outcomes_sql, fingerprint_sql
from pipelines.versions import PublishRefused, install, wal_of

MART_TABLES = tuple(LIST_TABLES) + ("discrepancies",)


def latest_day(con: duckdb.DuckDBPyConnection) -> date | None:
    """The newest day processed: mart always shows it, whatever order days were run in."""
    return con.execute("select max(as_of) from reconcile.days").fetchone()[0]


def published_tables_sql(latest: date) -> dict[str, str]:
    """Published table → the query over the working database that fills it."""
    day = latest.isoformat()
    tables = {
        f"mart.{t}": f"select * from reconcile.{t} where as_of = date '{day}'" for t in LIST_TABLES
    }
    tables["mart.discrepancies"] = f"""
        with cases as ({_cases_sql(day)}),
        outcomes as ({case_outcomes_sql(latest)})
        select c.*, o.verification, o.verification_note, o.verified_by, o.verified_on,
               o.verified_fingerprint = {fingerprint_sql("c.detail")} as verified_detail_unchanged
        from cases as c
        left join outcomes as o using (case_id)
        order by case_id"""
    tables["history.discrepancies"] = (
        "select * from reconcile.discrepancies order by as_of, case_id"
    )
    tables["audit.files"] = (
        "select * from audit.files order by delivery_date, department, file_name"
    )
    tables["audit.rejected_rows"] = (
        "select file_sha256, sheet, source_row, reason_code, reason, raw, delivery_date, "
        "department from audit.rejected_rows order by delivery_date, file_sha256, source_row"
    )
    # The order of rows inside each mart table is fixed, so the same day gives the same file.
    for t in LIST_TABLES:
        tables[f"mart.{t}"] += " order by all"
    return tables


def _cases_sql(day: str) -> str:
    """One row per case ever found, as of its last day seen; open if seen on `day`."""
    return f"""
        select case_id, arg_max(rule_code, as_of) as rule_code,
               arg_max(severity, as_of) as severity,
               arg_max(household_id, as_of) as household_id,
               arg_max(id_number, as_of) as id_number,
               arg_max(village_code, as_of) as village_code,
               arg_max(departments, as_of) as departments, arg_max(detail, as_of) as detail,
               min(as_of) as first_seen, max(as_of) as last_seen,
               case when max(as_of) = date '{day}' then 'open' else 'resolved' end as status,
               date '{day}' as as_of
        from reconcile.discrepancies
        group by case_id"""


@dataclass(frozen=True)
class Publication:
    version: str
    as_of: date
    restricted: dict[str, dict[str, object]]  # table → {"rows": n, "checksum": text}
    shared: dict[str, dict[str, object]]


def _checksum_sql(table: str) -> str:
    return f"select count(*), coalesce(sum(hash(r)), 0)::hugeint::varchar from {table} as r"


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    schema, name = table.split(".")
    return [
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() where database_name = ? "
            "and schema_name = ? and table_name = ? order by column_index",
            [database, schema, name],
        ).fetchall()
    ]


def build_file(
    con: duckdb.DuckDBPyConnection, path: Path, tables: dict[str, str], shared: bool
) -> dict[str, dict[str, object]]:
    """Create `path` with each table filled by its query over `con`, every table and column
    commented from the dictionary; checkpointed and detached. Rows and checksum per table."""
    built = {}
    con.execute("attach ? as pub", [str(path)])  # a path is a value, never SQL text
    try:
        for schema in sorted({t.split(".")[0] for t in tables}):
            con.execute(f"create schema pub.{schema}")
        for table, query in tables.items():
            con.execute(f"create table pub.{table} as {query}")
            for statement in comment_sql(table, _columns(con, "pub", table), shared, "pub"):
                con.execute(statement)
            rows, checksum = con.execute(_checksum_sql(f"pub.{table}")).fetchone()
            built[table] = {"rows": rows, "checksum": checksum}
        con.execute("checkpoint pub")
    finally:
        con.execute("detach pub")
    return built


def _verify(path: Path, expected: dict[str, dict[str, object]]) -> None:
    """Reopen the closed file read-only: the same tables, each with the rows and checksum it
    was built with, a comment on every table and column, and no WAL left beside it."""
    if wal_of(path).exists():
        raise PublishRefused(f"{path.name}: a WAL remains after the checkpoint")
    try:
        check = open_read_only(path)
    except duckdb.Error as error:
        raise PublishRefused(f"{path.name} does not open: {type(error).__name__}") from None
    try:
        found = {
            f"{s}.{t}"
            for s, t in check.execute(
                "select schema_name, table_name from duckdb_tables() where not internal"
            ).fetchall()
        }
        if found != set(expected):
            raise PublishRefused(f"{path.name} holds {sorted(found)}, expected {sorted(expected)}")
        for table, built in expected.items():
            rows, checksum = check.execute(_checksum_sql(table)).fetchone()
            if (rows, checksum) != (built["rows"], built["checksum"]):
                raise PublishRefused(
                    f"{path.name}: {table} reads {rows} rows, checksum {checksum}; "
                    f"built {built['rows']} rows, checksum {built['checksum']}"
                )
        [(bare,)] = check.execute(
            "select count(*) from duckdb_columns() where not internal and comment is null"
        ).fetchall()
        if bare:
            raise PublishRefused(f"{path.name}: {bare} columns without a comment")
    except duckdb.Error as error:
        raise PublishRefused(f"{path.name} does not read back: {type(error).__name__}") from None
    finally:
        check.close()


def publish(con: duckdb.DuckDBPyConnection, working_db: Path, published: Path) -> Publication:
    """Build, verify, keep and swap in both warehouses; what was published.

    `con` is the open connection to the working database (`working_db`); the new files are
    attached to it.
    """
    latest = latest_day(con)
    if latest is None:
        raise RuntimeError("nothing to publish: no day has been reconciled yet")
    key = pseudonym_key()  # before anything is built: no key, nothing published
    warehouse = private_dir(published.parent)
    shared = shared_path(published)
    # What a publish killed half way left beside it (one publish runs at a time: the pool)
    for stem in (published.stem, shared.stem):
        for leftover in warehouse.glob(f".{stem}-*.duckdb*"):
            leftover.unlink()
    staging = published.with_name(f".{published.stem}-{uuid.uuid4().hex}.duckdb")
    shared_staging = shared.with_name(f".{shared.stem}-{uuid.uuid4().hex}.duckdb")
    try:
        restricted = build_file(con, staging, published_tables_sql(latest), shared=False)
        _verify(staging, restricted)
        masked = _build_shared(con, staging, shared_staging, key, latest)
        _verify(shared_staging, masked)
        version = install(
            warehouse,
            latest,
            {staging: published, shared_staging: shared},
            {staging: restricted, shared_staging: masked},
        )
    finally:
        for path in (staging, shared_staging):
            for leftover in (path, wal_of(path)):
                if leftover.exists():
                    leftover.unlink()
    return Publication(version, latest, restricted, masked)


def _build_shared(
    con: duckdb.DuckDBPyConnection, source: Path, path: Path, key: bytes, latest: date
) -> dict[str, dict[str, object]]:
    """The shared file from the verified restricted one, attached read-only as `src`."""
    con.execute("attach ? as src (read_only)", [str(source)])
    try:
        columns = {t: _columns(con, "src", t) for t in shared_tables()}
        register_masks(con, "src", columns, key, latest)
        try:
            queries = {t: shared_table_sql(t, c, "src") for t, c in columns.items()}
            return build_file(con, path, queries, shared=True)
        finally:
            unregister_masks(con)
    finally:
        con.execute("detach src")
