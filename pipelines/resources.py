"""The Dagster resource that hands assets the settings and the working database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from pipelines.settings import Settings, load_settings
from pipelines.warehouse import working_db

# Every asset writes the one working database, which takes one writer: each is in this pool,
# and dagster.yaml lets one run of the pool be in progress at a time.
WAREHOUSE_POOL = "yulu_warehouse"


class YuluWarehouse(dg.ConfigurableResource):
    """The working DuckDB database (one writer at a time) and the published warehouse.

    Paths come from `YULU_DATA_DIR` and friends, read when a run starts, never at import.
    """

    def settings(self) -> Settings:
        return load_settings()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with working_db(self.settings()) as con:
            yield con
