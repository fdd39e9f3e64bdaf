"""Reconcile: the rule catalogue across departments, the four village lists and the household
profiles for day D (DESIGN §4 step 5, §6)."""

import dagster as dg

from assets.keys import CONFORM_KEYS, RECONCILE_KEYS
from pipelines.partitions import daily_partitions, partition_day
from pipelines.reconcile.run import cases_by_rule, reconcile_day
from pipelines.resources import WAREHOUSE_POOL, YuluWarehouse

DESCRIPTIONS = {
    "discrepancies": "One row per case found on the day: rule, household, person, detail.",
    "vocational_intent": "List 1: one row per new-growth labourer, surveyed or not.",
    "enrolled_students": "List 2: one row per student and term, with the payment.",
    "graduates_current": "List 3: one row per graduate of this year.",
    "graduates_earlier": "List 4: one row per graduate of earlier years.",
    "persons": "One row per person with school and employment status.",
    "households": "One row per household: the one-household-one-file profile and risk level.",
}


@dg.multi_asset(
    name="reconcile",
    specs=[
        dg.AssetSpec(
            key,
            group_name="reconcile",
            kinds={"duckdb"},
            deps=CONFORM_KEYS,
            description=DESCRIPTIONS[key.path[-1]] + " Key: as_of and the row's key.",
        )
        for key in RECONCILE_KEYS
    ],
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    can_subset=False,
)
def reconcile(context: dg.AssetExecutionContext, warehouse: YuluWarehouse):
    day = partition_day(context)
    with warehouse.connect() as con:
        counts = reconcile_day(con, day)
        by_rule = cases_by_rule(con, day)
    context.log.info(f"reconcile {day}: {counts['discrepancies']} cases")
    for key in RECONCILE_KEYS:
        metadata = {"rows": counts[key.path[-1]]}
        if key.path[-1] == "discrepancies":
            metadata["cases_by_rule"] = dg.MetadataValue.json(by_rule)
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
