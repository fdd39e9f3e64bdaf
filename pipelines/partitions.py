"""Daily partitions: one per delivery date, in Beijing time."""

from __future__ import annotations

from datetime import date

import dagster as dg

TIMEZONE = "Asia/Shanghai"
FIRST_DELIVERY_DAY = "2026-01-01"

# A day becomes a partition once it is over in Beijing: its deliveries are then complete.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=FIRST_DELIVERY_DAY, timezone=TIMEZONE, fmt="%Y-%m-%d"
)


def partition_day(context: dg.AssetExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)
