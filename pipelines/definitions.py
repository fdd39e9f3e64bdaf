"""The Dagster code location: every asset, check, job, schedule and resource of Yulu."""

from __future__ import annotations

import dagster as dg

from assets.conform import conform
from assets.ingest import ingest_assets
from assets.publish import published_warehouse
from assets.reconcile import reconcile
from pipelines.partitions import TIMEZONE, daily_partitions
from pipelines.resources import YuluWarehouse

DAILY_JOB = "yulu_daily"

daily_job = dg.define_asset_job(
    DAILY_JOB, selection=dg.AssetSelection.all(), partitions_def=daily_partitions,
    description="Ingest, conform, reconcile and publish one delivery day.",
)

# Each morning, process the delivery day that ended at midnight Beijing time.
daily_schedule = dg.build_schedule_from_partitioned_job(
    daily_job, hour_of_day=6, minute_of_hour=30, name="yulu_daily_schedule",
)

defs = dg.Definitions(
    assets=[*ingest_assets, conform, reconcile, published_warehouse],
    jobs=[daily_job],
    schedules=[daily_schedule],
    resources={"warehouse": YuluWarehouse()},
    # One step at a time in one process: DuckDB allows one writer, and on two cores extra step
    # processes only add start-up time.
    executor=dg.in_process_executor,
)

__all__ = ["defs", "TIMEZONE"]
