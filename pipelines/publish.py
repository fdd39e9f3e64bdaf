"""Publishing: the warehouse readers open, replaced as a whole in one step (DESIGN §5).

The new file is built beside the old one, checkpointed and closed, reopened read-only to check
every table's row count, and only then renamed over `yulu.duckdb`. A reader that opened the old
file keeps its consistent view (the old inode lives until it closes); a new reader sees the new
file; nobody is blocked and nobody sees a half-written table.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import duckdb

from pipelines.reader import open_read_only
from pipelines.reconcile.run import LIST_TABLES
from pipelines.verification.outcomes import case_outcomes_sql, fingerprint_sql

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


def publish(con: duckdb.DuckDBPyConnection, working_db: Path, published: Path) -> dict[str, int]:
    """Build, verify and swap in the published warehouse; returns rows per published table.

    `con` is the open connection to the working database; the new file is attached to it.
    """
    latest = latest_day(con)
    if latest is None:
        raise RuntimeError("nothing to publish: no day has been reconciled yet")
    published.parent.mkdir(parents=True, exist_ok=True)
    # What a publish killed half way left beside it (one publish runs at a time: the pool)
    for leftover in published.parent.glob(f".{published.stem}-*.duckdb*"):
        leftover.unlink()
    staging_file = published.with_name(f".{published.stem}-{uuid.uuid4().hex}.duckdb")
    tables = published_tables_sql(latest)
    expected: dict[str, int] = {}
    try:
        con.execute(f"attach '{staging_file}' as pub")
        try:
            for schema in ("mart", "history", "audit"):
                con.execute(f"create schema pub.{schema}")
            for table, query in tables.items():
                con.execute(f"create table pub.{table} as {query}")
                expected[table] = con.execute(f"select count(*) from pub.{table}").fetchone()[0]
            con.execute("checkpoint pub")
        finally:
            con.execute("detach pub")
        _verify(staging_file, expected)
        os.replace(staging_file, published)
    finally:
        for leftover in (staging_file, staging_file.with_name(staging_file.name + ".wal")):
            if leftover.exists():
                leftover.unlink()
    return expected


def _verify(path: Path, expected: dict[str, int]) -> None:
    check = open_read_only(path)
    try:
        for table, rows in expected.items():
            found = check.execute(f"select count(*) from {table}").fetchone()[0]
            if found != rows:
                raise RuntimeError(f"published {table} has {found} rows, expected {rows}")
    finally:
        check.close()
