"""Publish: the warehouse downstream tools read, `yulu.duckdb`, replaced as a whole (DESIGN §5).

It always shows the newest day processed, so backfilling an old day updates history without
rolling `mart` back.
"""

import dagster as dg

from assets.keys import PUBLISHED_KEYS, RECONCILE_KEYS
from checks.expectations import EXPECTATIONS_CHECK, expectation_results, suites
from pipelines.partitions import daily_partitions
from pipelines.publish import latest_day, publish
from pipelines.resources import WAREHOUSE_POOL, YuluWarehouse

DESCRIPTIONS = {
    "mart.households": "一户一档: one row per household as of the newest day processed.",
    "mart.persons": "One row per person as of the newest day processed.",
    "mart.vocational_intent": "清单1: one row per new-growth labourer, surveyed or not.",
    "mart.enrolled_students": "清单2: one row per student and term, with the payment.",
    "mart.graduates_current": "清单3: one row per graduate of this year.",
    "mart.graduates_earlier": "清单4: one row per graduate of earlier years.",
    "mart.discrepancies": "One row per case ever found: first and last seen, open or resolved.",
    "history.discrepancies": "One row per case per processed day (as_of, case_id).",
    "audit.files": "One row per delivered file: encoding, rows read, staged, quarantined.",
    "audit.rejected_rows": "One row per quarantined row: file, sheet, row, reason, raw text.",
}


@dg.multi_asset(
    name="publish",
    specs=[
        dg.AssetSpec(
            key,
            group_name="publish",
            kinds={"duckdb"},
            deps=RECONCILE_KEYS,
            description=DESCRIPTIONS[".".join(key.path)],
        )
        for key in PUBLISHED_KEYS
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
        newest = latest_day(con)
        rows = publish(con, settings.working_db, settings.published_db)
    context.log.info(f"published {settings.published_db} as of {newest}")
    for key in PUBLISHED_KEYS:
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "rows": rows[".".join(key.path)],
                "as_of": str(newest),
                "path": dg.MetadataValue.path(str(settings.published_db)),
            },
        )
    yield from expectation_results(settings.published_db, settings.docs_dir)
