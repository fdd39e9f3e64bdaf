"""Every DuckDB connection Yulu opens, locked down before any query runs.

A connection can install or load no extension from the network, and can open no file outside
the folders it is given: `enable_external_access = false` with `allowed_directories`, then
`lock_configuration = true`, so a query cannot set any of it back. The database file itself is
opened first, so it needs no folder of its own; DuckDB adds its spill folder (`<file>.tmp`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

# Given at connect time, as values: nothing here is ever spliced into SQL text.
SAFE_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}


def open_locked(
    path: Path | str,
    *,
    read_only: bool,
    allowed_dirs: Sequence[Path] = (),
    config: dict[str, object] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection to `path` that may read and write files only under `allowed_dirs`."""
    con = duckdb.connect(str(path), read_only=read_only, config={**SAFE_CONFIG, **(config or {})})
    try:
        _lock(con, [str(Path(d).resolve()) for d in allowed_dirs])
    except BaseException:
        con.close()
        raise
    return con


def _lock(con: duckdb.DuckDBPyConnection, allowed: list[str]) -> None:
    # DuckDB shares one database per file and process: a second connection to a file this
    # process holds open finds it locked already, and can only check it is locked as asked.
    [(locked,)] = con.execute("select current_setting('lock_configuration')").fetchall()
    if locked:
        _require_locked_as(con, allowed)
        return
    con.execute("set allowed_directories = ?", [allowed])
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def _require_locked_as(con: duckdb.DuckDBPyConnection, allowed: list[str]) -> None:
    [(external, current)] = con.execute(
        "select current_setting('enable_external_access'), current_setting('allowed_directories')"
    ).fetchall()
    current_dirs = {d.rstrip("/") for d in current}
    if external or not set(allowed) <= current_dirs:
        raise RuntimeError(
            "this process already holds the database open with other file access; "
            "close its connections first"
        )
