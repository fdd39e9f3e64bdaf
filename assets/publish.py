"""Publish: the warehouses downstream tools read, replaced as a whole (DESIGN §5): the restricted
`yulu.duckdb` (assets `mart/*`, `history/*`, `audit/*`) and the masked `yulu_shared.duckdb`
(assets `shared/...`), with their versions kept.

It always shows the newest day processed, so backfilling an old day updates history without
rolling `mart` back. Metadata holds counts, checksums and paths only, never a row.
"""

import dagster as dg

from assets.keys import PUBLISHED_KEYS, RECONCILE_KEYS, SHARED_KEYS
from checks.expectations import EXPECTATIONS_CHECK, expectation_results, suites
from pipelines.dictionary import LAYOUT, describe, shared_layout
from pipelines.partitions import daily_partitions
from pipelines.publish import publish
from pipelines.resources import WAREHOUSE_POOL, YuluWarehouse
from pipelines.settings import shared_path


def _columns(table: str, shared: bool) -> dg.TableSchema:
    """The table's columns with their dictionary entries, for the UI."""
    names = shared_layout(table, LAYOUT[table]) if shared else LAYOUT[table]
    return dg.TableSchema(
        columns=[dg.TableColumn(c, description=describe(table, c, shared)) for c in names]
    )


@dg.multi_asset(
    name="publish",
    specs=[
        dg.AssetSpec(
            key,
            group_name="publish",
            kinds={"duckdb"},
            deps=RECONCILE_KEYS,
            description=describe(".".join(key.path), None, shared=False),
            metadata={"dagster/column_schema": _columns(".".join(key.path), shared=False)},
        )
        for key in PUBLISHED_KEYS
    ]
    + [
        dg.AssetSpec(
            key,
            group_name="publish",
            kinds={"duckdb"},
            deps=RECONCILE_KEYS,
            description=describe(".".join(key.path[1:]), None, shared=True),
            metadata={"dagster/column_schema": _columns(".".join(key.path[1:]), shared=True)},
        )
        for key in SHARED_KEYS
    ],
    check_specs=[
        dg.AssetCheckSpec(
            EXPECTATIONS_CHECK,
            asset=dg.AssetKey(suite.table.split(".")),
            description="Great Expectations: keys unique and present, households found, codes "
            "within their sets; the Data Docs are under $YULU_DATA_DIR/docs/.",
        )
        for suite in suites()
    ],
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    can_subset=False,
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: YuluWarehouse):
    settings = warehouse.settings()
    with warehouse.connect() as con:
        done = publish(con, settings.working_db, settings.published_db)
    context.log.info(f"published version {done.version} as of {done.as_of}: both files")
    files = (
        (PUBLISHED_KEYS, 0, done.restricted, settings.published_db),
        (SHARED_KEYS, 1, done.shared, shared_path(settings.published_db)),
    )
    for keys, skip, tables, path in files:
        for key in keys:
            table = tables[".".join(key.path[skip:])]
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={
                    "rows": table["rows"],
                    "checksum": table["checksum"],
                    "as_of": str(done.as_of),
                    "version": done.version,
                    "path": dg.MetadataValue.path(str(path)),
                },
            )
    yield from expectation_results(settings.published_db, settings.docs_dir)
