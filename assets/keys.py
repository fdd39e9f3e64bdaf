"""Asset keys, defined once: each mirrors the DuckDB `schema.table` it stands for."""

from __future__ import annotations

import dagster as dg

from pipelines.conform.run import CONFORM_TABLES
from pipelines.dictionary import shared_tables
from pipelines.ingest.kinds import KINDS_BY_DEPARTMENT
from pipelines.publish import MART_TABLES
from pipelines.reconcile.run import LIST_TABLES


def staging_key(kind: str) -> dg.AssetKey:
    return dg.AssetKey(["staging", kind])


STAGING_KEYS = {
    dept: [staging_key(k.name) for k in kinds] for dept, kinds in KINDS_BY_DEPARTMENT.items()
}
CONFORM_KEYS = [dg.AssetKey(["conform", t]) for t in CONFORM_TABLES]
RECONCILE_KEYS = [dg.AssetKey(["reconcile", t]) for t in ("discrepancies", *LIST_TABLES)]
PUBLISHED_KEYS = [dg.AssetKey(["mart", t]) for t in MART_TABLES] + [
    dg.AssetKey(["history", "discrepancies"]),
    dg.AssetKey(["audit", "files"]),
    dg.AssetKey(["audit", "rejected_rows"]),
]
# The shared warehouse's tables (yulu_shared.duckdb): the same schema.table, under `shared/`
SHARED_KEYS = [dg.AssetKey(["shared", *t.split(".")]) for t in shared_tables()]
EXPORT_KEY = dg.AssetKey(["exports", "worklists"])
