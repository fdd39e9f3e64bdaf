"""Conforming one day: the plain function the conform asset calls."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.conform.masters import households_sql, persons_sql
from pipelines.conform.snapshot import CONFORMED_KINDS, deduplicated_sql, enrollments_sql
from pipelines.ingest.kinds import KINDS
from pipelines.partitioned import replace_day

CONFORM_TABLES = (*CONFORMED_KINDS, "enrollments", "households", "persons")


def conform_day(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, int]:
    """Rows per conformed table for `as_of`; `ref` must be loaded."""
    counts = {}
    for table, kind in CONFORMED_KINDS.items():
        counts[table] = replace_day(
            con, f"conform.{table}", as_of, deduplicated_sql(KINDS[kind], as_of)
        )
    counts["enrollments"] = replace_day(con, "conform.enrollments", as_of, enrollments_sql(as_of))
    counts["households"] = replace_day(con, "conform.households", as_of, households_sql(as_of))
    counts["persons"] = replace_day(con, "conform.persons", as_of, persons_sql(as_of))
    return counts
