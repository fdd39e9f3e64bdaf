"""The morning schedule at any configured time, around midnight and 08:00 Beijing time (00:00
UTC), and the arrival sensor: a run per new delivery, never two for the same files."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.definitions import daily_job, defs
from pipelines.partitions import daily_partitions
from pipelines.schedule import (
    SETTLE_SECONDS,
    arrivals,
    build_arrival_sensor,
    build_daily_schedule,
    schedule_time,
)

BEIJING = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
# Configured times on either side of midnight and of 08:00 Beijing time (= 00:00 UTC)
AROUND = ["23:00", "23:59", "00:00", "00:01", "00:30", "07:30", "07:59", "08:00", "08:01", "09:00"]


@pytest.mark.parametrize("at", AROUND)
def test_a_tick_at_any_hour_processes_the_beijing_day_before_it(at):
    schedule = build_daily_schedule(daily_job, at)
    hour, minute = (int(p) for p in at.split(":"))
    for day in range(1, 4):  # ticks on 1, 2 and 3 December 2026, Beijing time
        tick = datetime(2026, 12, day, hour, minute, tzinfo=BEIJING)
        frozen = tick.astimezone(UTC)  # what the daemon's clock shows, in UTC
        context = dg.build_schedule_context(
            scheduled_execution_time=frozen, repository_def=defs.get_repository_def()
        )
        [request] = list(schedule.evaluate_tick(context).run_requests)
        expected = f"2026-11-{30:02d}" if day == 1 else f"2026-12-{day - 1:02d}"
        assert request.partition_key == expected, (at, frozen)
        assert request.run_key == expected  # the same tick evaluated twice is one run
        # the day exists as a partition at that instant, whatever the UTC date says
        current = daily_partitions.get_partition_keys(current_time=frozen)
        assert expected in current


def test_the_cron_is_the_configured_beijing_time():
    schedule = build_daily_schedule(daily_job, "07:45")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("45 7 * * *", "Asia/Shanghai")


@pytest.mark.parametrize(
    ("given", "used"), [("", "06:30"), ("6:05", "06:05"), (" 23:59 ", "23:59")]
)
def test_the_time_comes_from_the_environment(monkeypatch, given, used):
    monkeypatch.setenv("YULU_SCHEDULE_TIME", given)
    assert schedule_time() == used


@pytest.mark.parametrize("bad", ["24:00", "7", "07:60", "seven"])
def test_a_time_that_is_no_time_is_refused_with_its_name(monkeypatch, bad):
    monkeypatch.setenv("YULU_SCHEDULE_TIME", bad)
    with pytest.raises(ValueError, match="YULU_SCHEDULE_TIME"):
        schedule_time()


NOW = datetime(2026, 12, 2, 10, 0, tzinfo=BEIJING).timestamp()  # the sensor's frozen clock


def _deliver(inbox, day: str, department: str, name: str, data: bytes, age=600.0, now=NOW):
    """A file written `age` seconds before `now`."""
    path = inbox / day / department / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (now - age, now - age))
    return path


def test_files_that_land_request_one_run_of_their_day_keyed_by_content(tmp_path):
    inbox = tmp_path / "inbox"
    _deliver(inbox, "2026-12-02", "rural", "成员.csv", b"a")
    _deliver(inbox, "2026-12-01", "hrss", "就业.csv", b"b")
    first, cursor = arrivals(inbox, {}, NOW)
    assert sorted(r.partition_key for r in first) == ["2026-12-01", "2026-12-02"]

    again, _ = arrivals(inbox, cursor, NOW + 60)  # evaluated again: the same keys
    restarted, _ = arrivals(inbox, {}, NOW + 60)  # a restart that lost the cursor: the same keys
    keys = {r.run_key for r in first}
    assert {r.run_key for r in again} == keys == {r.run_key for r in restarted}

    renamed = inbox / "2026-12-02" / "rural" / "成员.csv"
    renamed.rename(renamed.with_name("成员（终稿）.csv"))  # the same content under a new name
    assert {r.run_key for r in arrivals(inbox, cursor, NOW + 120)[0]} == keys

    _deliver(inbox, "2026-12-02", "education", "学籍.csv", b"c")  # a new file that day
    changed = {r.partition_key: r.run_key for r in arrivals(inbox, cursor, NOW + 180)[0]}
    assert changed["2026-12-02"] not in keys and changed["2026-12-01"] in keys


def test_a_folder_still_being_written_waits_and_other_days_and_folders_are_ignored(tmp_path):
    inbox = tmp_path / "inbox"
    _deliver(inbox, "2026-12-02", "rural", "成员.csv", b"a", age=SETTLE_SECONDS / 2)
    _deliver(inbox, "2026-11-01", "rural", "成员.csv", b"a")  # a month ago: not looked at
    _deliver(inbox, "2026-12-01", "finance", "账.csv", b"a")  # no such department
    _deliver(inbox, "notes", "rural", "x.csv", b"a")
    assert arrivals(inbox, {}, NOW)[0] == []
    assert [r.partition_key for r in arrivals(inbox, {}, NOW + SETTLE_SECONDS)[0]] == ["2026-12-02"]


def test_the_sensor_reads_the_inbox_of_the_settings_and_keeps_its_cursor(data_dir):
    today = datetime.now(BEIJING).date()
    old, recent = (today - timedelta(days=n) for n in (10, 1))
    inbox, now = data_dir / "inbox", time.time()
    # ten days back: outside the days looked at, as if switched on over a long-standing inbox
    _deliver(inbox, old.isoformat(), "rural", "成员.csv", b"a", now=now)
    _deliver(inbox, recent.isoformat(), "rural", "成员.csv", b"b", now=now)
    sensor = build_arrival_sensor(daily_job)
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_sensor_context(
            instance=instance, repository_def=defs.get_repository_def()
        )
        result = sensor.evaluate_tick(context)
    assert [r.partition_key for r in result.run_requests] == [recent.isoformat()]
    assert len(json.loads(result.cursor)) == 1 and "成员" not in result.cursor  # no file names
