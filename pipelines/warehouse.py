"""The working DuckDB database: connections, schemas and the staging tables' DDL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.connection import open_locked
from pipelines.ingest.kinds import KINDS, Kind
from pipelines.settings import Settings

SQL_TYPES = {
    "text": "varchar",
    "name": "varchar",
    "code": "varchar",
    "opaque": "varchar",
    "ident": "varchar",
    "id": "varchar",
    "date": "date",
    "month": "date",
    "amount": "double",
    "int": "integer",
    "enum": "varchar",
    "bool": "boolean",
    "enum_list": "varchar[]",
    "term": "varchar",
}
# Raw text is kept beside every value a normaliser may have changed.
RAW_KEPT = {
    "code",
    "opaque",
    "ident",
    "id",
    "date",
    "month",
    "amount",
    "int",
    "enum",
    "enum_list",
    "bool",
    "term",
}
ROW_META = (
    ("delivery_date", "date"),
    ("department", "varchar"),
    ("file_sha256", "varchar"),
    ("sheet", "varchar"),
    ("source_row", "integer"),
)


def staging_columns(kind: Kind) -> list[tuple[str, str]]:
    columns = list(ROW_META)
    for f in kind.fields:
        if f.kind == "id":
            columns += [(f.name, "varchar"), ("id_status", "varchar"), ("id_cleaned", "varchar")]
        else:
            columns.append((f.name, SQL_TYPES[f.kind]))
        if f.kind in RAW_KEPT:
            columns.append((f"{f.name}_raw", "varchar"))
    return columns


def _create_table_sql(table: str, columns: list[tuple[str, str]]) -> str:
    body = ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
    return f"create table if not exists {table} ({body})"


AUDIT_FILES = [
    ("file_sha256", "varchar"),
    ("file_name", "varchar"),
    ("department", "varchar"),
    ("kind", "varchar"),
    ("delivery_date", "date"),
    ("encoding", "varchar"),
    ("file_format", "varchar"),
    ("sheet", "varchar"),
    ("rows_read", "integer"),
    ("rows_staged", "integer"),
    ("rows_quarantined", "integer"),
    ("rows_counted", "integer"),
    ("status", "varchar"),
    ("reason_code", "varchar"),
    ("detail", "varchar"),
    ("unknown_columns", "varchar[]"),
]
AUDIT_REJECTED = [
    ("delivery_date", "date"),
    ("department", "varchar"),
    ("file_sha256", "varchar"),
    ("sheet", "varchar"),
    ("source_row", "integer"),
    ("reason_code", "varchar"),
    ("reason", "varchar"),
    ("raw", "varchar"),
]


def create_schema_sql() -> list[str]:
    statements = [f"create schema if not exists {s}" for s in ("staging", "audit", "ref")]
    statements += [f"create schema if not exists {s}" for s in ("conform", "reconcile")]
    statements += [
        _create_table_sql(f"staging.{k.name}", staging_columns(k)) for k in KINDS.values()
    ]
    statements.append(_create_table_sql("audit.files", AUDIT_FILES))
    statements.append(_create_table_sql("audit.rejected_rows", AUDIT_REJECTED))
    return statements


def working_config(settings: Settings) -> dict[str, object]:
    """The working database's settings, given as values when it opens (never as SQL text)."""
    return {
        "memory_limit": settings.duckdb_memory_limit,
        "threads": settings.duckdb_threads,
        "preserve_insertion_order": False,
    }


def working_dirs(settings: Settings) -> list[Path]:
    """What the pipeline's DuckDB may open besides its own file: the reference CSVs it loads,
    and the warehouse folder, where publishing attaches the new warehouse file. Extracts are
    read in Python and handed over as Arrow tables; exports and docs are written in Python."""
    return [settings.reference_dir, settings.warehouse_dir]


@contextmanager
def working_db(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """The pipeline's own database, opened for writing; created on first use."""
    path: Path = settings.working_db
    path.parent.mkdir(parents=True, exist_ok=True)
    con = open_locked(
        path,
        read_only=False,
        allowed_dirs=working_dirs(settings),
        config=working_config(settings),
    )
    try:
        for statement in create_schema_sql():
            con.execute(statement)
        yield con
    finally:
        con.close()
