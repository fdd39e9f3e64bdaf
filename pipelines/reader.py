"""Opening the published warehouse to read it: for notebooks, dashboards and Yulu itself.

    from pipelines.reader import open_warehouse
    with open_warehouse() as con:  # the shared (masked) warehouse
        con.sql("select rule_code, count(*) from mart.discrepancies group by all").show()

A connection is read-only and locked down (`pipelines/connection.py`): it can read nothing but
the warehouse file it opened, load no extension and change none of that. A publish replaces the
file whole; a connection keeps the version it opened, so a long-lived reader closes it and
opens again to see the next one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.connection import open_locked
from pipelines.settings import load_settings


def warehouse_path(shared: bool = True) -> Path:
    """`$YULU_DATA_DIR/warehouse/yulu_shared.duckdb`, the warehouse for analysts and other
    departments (IDs and names masked, people joined on `person_key`), or with `shared=False`
    the restricted `yulu.duckdb` that holds them in full."""
    settings = load_settings()
    return settings.shared_db if shared else settings.published_db


def open_warehouse(shared: bool = True) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse, as of the newest day processed."""
    path = warehouse_path(shared)
    if not path.exists():
        raise FileNotFoundError(
            f"no published warehouse at {path}: run `make demo` first, or set YULU_DATA_DIR "
            "to the data folder the pipeline writes"
        )
    return open_read_only(path)


def open_read_only(
    path: Path, config: dict[str, object] | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to one DuckDB file that may open no other file; `config` sets
    DuckDB's settings for it (`threads`, `memory_limit`), which cannot change once open."""
    return open_locked(path, read_only=True, config=config)
