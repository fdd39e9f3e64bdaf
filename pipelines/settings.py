"""Where Yulu keeps its files, read from the environment at run time (see `.env.example`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_path(published: Path) -> Path:
    """`yulu_shared.duckdb` beside `yulu.duckdb` (or any published file's shared twin)."""
    return published.with_name(f"{published.stem}_shared.duckdb")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    reference_dir: Path
    duckdb_memory_limit: str
    duckdb_threads: int

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def working_db(self) -> Path:
        # The pipeline's own database: nobody else opens it.
        return self.warehouse_dir / "work.duckdb"

    @property
    def published_db(self) -> Path:
        return self.warehouse_dir / "yulu.duckdb"

    @property
    def shared_db(self) -> Path:
        """The shared warehouse beside the restricted one (IDs and names masked)."""
        return shared_path(self.published_db)

    @property
    def exports_dir(self) -> Path:
        """The worklists and lists for village cadres, one folder per day."""
        return self.data_dir / "exports"

    @property
    def docs_dir(self) -> Path:
        """The Great Expectations Data Docs of the latest publish."""
        return self.data_dir / "docs"

    @property
    def dagster_home(self) -> Path:
        return Path(os.environ.get("DAGSTER_HOME") or self.data_dir / "dagster")


def load_settings() -> Settings:
    """Read the settings now; call this inside a run, never at import time. A variable set
    but empty (as `.env.example` leaves some) means its default."""
    env = {name: value for name, value in os.environ.items() if value}
    return Settings(
        data_dir=Path(env.get("YULU_DATA_DIR", "./data")).resolve(),
        reference_dir=Path(
            env.get("YULU_REFERENCE_DIR", REPO_ROOT / "data" / "reference")
        ).resolve(),
        duckdb_memory_limit=env.get("YULU_DUCKDB_MEMORY_LIMIT", "4GB"),
        duckdb_threads=int(env.get("YULU_DUCKDB_THREADS", "2")),
    )
