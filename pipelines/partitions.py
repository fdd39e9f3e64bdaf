"""Daily partitions: one per delivery date, in Beijing time."""

from __future__ import annotations

from datetime import date

import dagster as dg

TIMEZONE = "Asia/Shanghai"
FIRST_DELIVERY_DAY = "2026-01-01"

# Today (Beijing time) is a partition too, so a delivery can be processed the day it lands;
# the schedule processes each day once it is over.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=FIRST_DELIVERY_DAY, timezone=TIMEZONE, fmt="%Y-%m-%d", end_offset=1
)


def partition_day(context: dg.AssetExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)
