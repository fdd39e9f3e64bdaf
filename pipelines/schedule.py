"""When Yulu runs by itself: each morning for the day before, and whenever files land.

The morning time is `YULU_SCHEDULE_TIME` (HH:MM, Beijing time), read when Dagster loads the
definitions. The arrival sensor requests a run of a delivery day when its files change, keyed
by their content, so that evaluating again or restarting the daemon never runs a day twice for
the same files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.ingest.kinds import KINDS_BY_DEPARTMENT
from pipelines.ingest.stage import delivered_files
from pipelines.partitions import FIRST_DELIVERY_DAY, TIMEZONE
from pipelines.settings import load_settings

DEFAULT_TIME = "06:30"
# A folder written to this recently may still be being copied into: wait for it to settle.
SETTLE_SECONDS = 120
# Days the sensor looks at, counted back from today: switching it on over a long-standing inbox
# must not launch a run for every day of the year.
RECENT_DAYS = 7


def schedule_time() -> str:
    """The morning time, HH:MM in Beijing time, from YULU_SCHEDULE_TIME (default 06:30)."""
    value = (os.environ.get("YULU_SCHEDULE_TIME") or DEFAULT_TIME).strip()
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value)
    if not match:
        raise ValueError(
            f"YULU_SCHEDULE_TIME={value!r}: expected HH:MM in Beijing time, e.g. 06:30"
        )
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def build_daily_schedule(job, at: str) -> dg.ScheduleDefinition:
    """Each day at `at` (Beijing time), process the delivery day before it: the last whole day,
    whatever the hour, in Beijing and not in the server's time zone."""
    hour, minute = (int(part) for part in at.split(":"))

    @dg.schedule(
        job=job,
        cron_schedule=f"{minute} {hour} * * *",
        execution_timezone=TIMEZONE,
        name="yulu_daily_schedule",
        description=f"Every day at {at} Beijing time, for the delivery day before.",
    )
    def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        when = context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE))
        key = (when.date() - timedelta(days=1)).isoformat()
        return dg.RunRequest(run_key=key, partition_key=key)

    return daily_schedule


def build_arrival_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        job=job,
        name="yulu_arrival_sensor",
        minimum_interval_seconds=60,
        description=(
            "Requests a run of a delivery day when its files change (keyed by their content), "
            f"once the folder has been still for {SETTLE_SECONDS} s; looks at the last "
            f"{RECENT_DAYS} days."
        ),
    )
    def arrival_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        inbox = load_settings().inbox_dir
        cached = json.loads(context.cursor) if context.cursor else {}
        requests, known = arrivals(inbox, cached, time.time())
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(known, sort_keys=True))

    return arrival_sensor


def arrivals(inbox: Path, cached: dict, now: float) -> tuple[list[dg.RunRequest], dict]:
    """(a run request per settled day with files, the content hashes to keep for next time:
    hash of the file's path → [size, mtime_ns, sha256], so that unchanged files are not read
    again)."""
    today = datetime.fromtimestamp(now, ZoneInfo(TIMEZONE)).date()
    requests, known = [], {}
    for day in (today - timedelta(days=n) for n in range(RECENT_DAYS)):
        if day < date.fromisoformat(FIRST_DELIVERY_DAY):
            continue
        folder = inbox / day.isoformat()
        files = sorted(
            p for department in KINDS_BY_DEPARTMENT for p in delivered_files(folder / department)
        )
        if not files or any(now - p.stat().st_mtime < SETTLE_SECONDS for p in files):
            continue
        contents = []
        for path in files:
            # the cursor is shown in the UI: a file's name, free text that may name a person,
            # is kept only as a hash
            name = hashlib.sha256(str(path.relative_to(inbox)).encode()).hexdigest()[:20]
            stat = path.stat()
            before = cached.get(name)
            if before and before[:2] == [stat.st_size, stat.st_mtime_ns]:
                sha = before[2]
            else:
                sha = hashlib.sha256(path.read_bytes()).hexdigest()
            known[name] = [stat.st_size, stat.st_mtime_ns, sha]
            contents.append(f"{path.parent.name}:{sha}")
        # by content alone: a file renamed, or touched without a change, is the same delivery
        digest = hashlib.sha256("\n".join(sorted(contents)).encode()).hexdigest()
        key = f"{day.isoformat()}:{digest[:16]}"
        requests.append(dg.RunRequest(run_key=key, partition_key=day.isoformat()))
    return requests, known
