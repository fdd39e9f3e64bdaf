"""The Dagster code location: every asset, check, job, schedule and resource of Yulu."""

from __future__ import annotations

import dagster as dg

from assets.conform import conform
from assets.export import worklists
from assets.ingest import ingest_assets
from assets.publish import published_warehouse
from assets.reconcile import reconcile
from pipelines.permissions import restrict_process
from pipelines.resources import YuluWarehouse
from pipelines.schedule import build_arrival_sensor, build_daily_schedule, schedule_time

# Loading the code location is an entry point: every file a run writes (warehouses, exports,
# Data Docs, Dagster's own run storage in this process) is owner-only from here on.
restrict_process()

DAILY_JOB = "yulu_daily"

daily_job = dg.define_asset_job(
    DAILY_JOB,
    selection=dg.AssetSelection.all(),
    description="Ingest, conform, reconcile, publish and export one delivery day.",
)


daily_schedule = build_daily_schedule(daily_job, schedule_time())
arrival_sensor = build_arrival_sensor(daily_job)

defs = dg.Definitions(
    assets=[*ingest_assets, conform, reconcile, published_warehouse, worklists],
    jobs=[daily_job],
    schedules=[daily_schedule],
    sensors=[arrival_sensor],
    resources={"warehouse": YuluWarehouse()},
    # One step at a time in one process: DuckDB allows one writer, and on two cores extra step
    # processes only add start-up time.
    executor=dg.in_process_executor,
)
