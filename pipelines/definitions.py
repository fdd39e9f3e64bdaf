"""The Dagster code location: every asset, check, job, schedule and resource of Yulu."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from assets.conform import conform
from assets.ingest import ingest_assets
from assets.publish import published_warehouse
from assets.reconcile import reconcile
from pipelines.partitions import TIMEZONE
from pipelines.resources import YuluWarehouse

DAILY_JOB = "yulu_daily"

daily_job = dg.define_asset_job(
    DAILY_JOB,
    selection=dg.AssetSelection.all(),
    description="Ingest, conform, reconcile and publish one delivery day.",
)


@dg.schedule(
    job=daily_job,
    cron_schedule="30 6 * * *",
    execution_timezone=TIMEZONE,
    name="yulu_daily_schedule",
)
def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Each morning at 06:30 Beijing time, process the delivery day that ended at midnight."""
    day = context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE)) - timedelta(days=1)
    key = day.date().isoformat()
    return dg.RunRequest(run_key=key, partition_key=key)


defs = dg.Definitions(
    assets=[*ingest_assets, conform, reconcile, published_warehouse],
    jobs=[daily_job],
    schedules=[daily_schedule],
    resources={"warehouse": YuluWarehouse()},
    # One step at a time in one process: DuckDB allows one writer, and on two cores extra step
    # processes only add start-up time.
    executor=dg.in_process_executor,
)
