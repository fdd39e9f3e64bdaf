"""The Dagster definitions: the graph shows every stage, and the schedule picks the right day."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.definitions import daily_schedule, defs

BEIJING = ZoneInfo("Asia/Shanghai")


def test_every_stage_and_every_published_table_is_an_asset():
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {k.split("/")[0] for k in keys} == {
        "staging",
        "conform",
        "reconcile",
        "mart",
        "history",
        "audit",
        "shared",
        "exports",
    }
    assert {
        "mart/households",
        "mart/discrepancies",
        "history/discrepancies",
        "audit/files",
        "audit/rejected_rows",
        "staging/rural_members",
        "staging/rural_verifications",
        "exports/worklists",
        "shared/mart/persons",
        "shared/history/discrepancies",
        "shared/audit/files",
    } <= keys
    assert "shared/audit/rejected_rows" not in keys  # its raw text is personal data


def test_assets_are_daily_partitioned_in_beijing_time():
    job = defs.resolve_job_def("yulu_daily")
    partitions = job.partitions_def
    assert isinstance(partitions, dg.DailyPartitionsDefinition)
    assert partitions.timezone == "Asia/Shanghai"


def _scheduled_day(when: datetime) -> str:
    context = dg.build_schedule_context(
        scheduled_execution_time=when, repository_def=defs.get_repository_def()
    )
    [request] = list(daily_schedule.evaluate_tick(context).run_requests)
    return request.partition_key


def test_the_morning_run_processes_yesterday_in_beijing():
    # 06:30 in Beijing on 1 December is 22:30 UTC on 30 November: the day to process is 30 Nov.
    assert _scheduled_day(datetime(2026, 12, 1, 6, 30, tzinfo=BEIJING)) == "2026-11-30"
    assert _scheduled_day(datetime(2026, 11, 30, 22, 30, tzinfo=ZoneInfo("UTC"))) == "2026-11-30"


def test_staging_assets_show_their_columns_from_the_pandera_models():
    from checks.schemas import SCHEMAS

    for key in defs.resolve_all_asset_keys():
        if key.path[0] != "staging":
            continue
        spec = defs.resolve_assets_def(key).specs_by_key[key]
        shown = [c.name for c in spec.metadata["dagster/column_schema"].columns]
        assert shown == list(SCHEMAS[key.path[1]].to_schema().columns), key
        assert spec.description.startswith("One row per staged row")
