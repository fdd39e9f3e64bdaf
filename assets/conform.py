"""Conform: the state of day D, each kind's latest snapshot on or before D, deduplicated, and
the person and household masters (DESIGN §4 step 4)."""

import dagster as dg

from assets.keys import CONFORM_KEYS, STAGING_KEYS
from checks.files import refused_file_results
from checks.ledger import ledger_check_results
from pipelines.conform.run import conform_day
from pipelines.ingest.stage import catch_up
from pipelines.partitions import daily_partitions, partition_day
from pipelines.reference import load_reference
from pipelines.resources import WAREHOUSE_POOL, YuluWarehouse

DESCRIPTIONS = {
    "members": "One row per member of a registered household as of the day (rural register).",
    "subsidies": "One row per Rain and Dew Plan payment in force on the day.",
    "intents": "One row per person surveyed in the Rain and Dew Plan+ intent ledger.",
    "employment": "One row per person in the HR employment register.",
    "training": "One row per vocational-skills course taken.",
    "enrollments": "One row per student record, vocational (education) and technical (hrss).",
    "households": "One row per household of the register, with its type, category and place.",
    "persons": "One row per person, keyed by valid ID, or by file and row where none is usable.",
}


@dg.multi_asset(
    name="conform",
    specs=[
        dg.AssetSpec(
            key,
            group_name="conform",
            kinds={"duckdb"},
            deps=[k for keys in STAGING_KEYS.values() for k in keys],
            description=DESCRIPTIONS[key.path[-1]] + " Key: as_of and the record key.",
        )
        for key in CONFORM_KEYS
    ],
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    can_subset=False,
)
def conform(context: dg.AssetExecutionContext, warehouse: YuluWarehouse):
    day = partition_day(context)
    settings = warehouse.settings()
    with warehouse.connect() as con:
        # Earlier deliveries never staged (days run out of order) are staged first, so the
        # state of day D does not depend on which days happened to run before.
        caught_up = catch_up(con, settings.inbox_dir, day)
        # They are held to the same blocking checks as the deliveries their own partitions
        # ingest: a ledger that balances, and no file refused.
        failed = [
            f"{result.check_name}: {department} {delivery} ({result.metadata['files'].value})"
            for delivery, department in caught_up
            for result in (
                *ledger_check_results(con, department, delivery),
                *refused_file_results(con, department, delivery),
            )
            if not result.passed
        ]
        if failed:
            raise dg.Failure("earlier deliveries failed their checks: " + "; ".join(failed))
        load_reference(con, settings.reference_dir)
        counts = conform_day(con, day)
    if caught_up:
        staged = ", ".join(f"{department} {delivery}" for delivery, department in caught_up)
        context.log.info(f"staged {len(caught_up)} earlier deliveries first: {staged}")
    context.log.info(f"conform {day}: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    for key in CONFORM_KEYS:
        yield dg.MaterializeResult(asset_key=key, metadata={"rows": counts[key.path[-1]]})
