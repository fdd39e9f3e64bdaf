"""The reader process of `test_reader_stress.py`: light to import (no Dagster), as a process
started with `spawn` imports it anew."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from pipelines.reader import open_read_only


def read_version(path: Path) -> tuple:
    """Every table's rows and content checksum, and the `as_of` of every mart table, read in
    one connection: one version of the warehouse, whole."""
    with open_read_only(path, config={"threads": 1}) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_catalog = current_database() order by 1"
            ).fetchall()
        ]
        content = tuple(
            (t, *con.execute(f"select count(*), bit_xor(hash(t)) from {t} as t").fetchone())
            for t in tables
        )
        as_of = {
            d
            for t in tables
            if t.startswith("mart.")
            for (d,) in con.execute(f"select distinct as_of from {t}").fetchall()
        }
    return content, tuple(sorted(as_of))


def read_until_stopped(path: str, ready, stop, results) -> None:
    """Read whole versions until `stop` is set; report each version's reads and the errors."""
    # Eight busy readers on two cores would starve the one publisher: they yield to it.
    os.nice(10)
    seen: Counter = Counter()
    errors: list[str] = []
    ready.put(os.getpid())
    while not stop.is_set():
        try:
            seen[read_version(Path(path))] += 1
        except Exception as exc:  # every failure counts; the first few say what they were
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
    results.put((seen, len(errors), errors[:3]))
