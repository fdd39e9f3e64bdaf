"""Tables keyed by `as_of`: writing one day's rows replaces that day and nothing else."""

from __future__ import annotations

from datetime import date

import duckdb


def replace_day(con: duckdb.DuckDBPyConnection, table: str, as_of: date, select_sql: str) -> int:
    """Replace the rows of `table` for `as_of` with `select_sql`, which yields an `as_of` column.

    Running a day twice, or days in any order, leaves every other day's rows as they were.
    """
    schema, name = table.split(".")
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()[0]
    if not exists:
        con.execute(f"create table {table} as {select_sql}")
    else:
        con.execute(f"delete from {table} where as_of = ?", [as_of])
        con.execute(f"insert into {table} by name {select_sql}")
    return con.execute(f"select count(*) from {table} where as_of = ?", [as_of]).fetchone()[0]
