"""`yulu sample`: write the synthetic county's extracts into the inbox, answer key first."""

from __future__ import annotations

import csv
import logging
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

from pipelines.sample import extracts
from pipelines.sample.build import CountyBuilder
from pipelines.sample.dirt import Dirt, write_ingest_key
from pipelines.sample.world import World, load_divisions, load_income_lines, load_terms

log = logging.getLogger(__name__)
DEFAULT_START = date(2026, 11, 30)
ANSWER_KEY_COLUMNS = ["as_of", "rule_code", "household_id", "id_number"]


def sends(department: str, day: int) -> bool:
    """Whether a department delivers on world day `day`; every department sends on day 0."""
    if day == 0:
        return True
    return {"rural": day % 3 != 1, "hrss": day % 4 != 3, "education": day % 5 != 4}[department]


def effective_days(day: int) -> dict[str, int]:
    """For each department, the world day of the snapshot in force on `day`."""
    return {
        d: max(i for i in range(day + 1) if sends(d, i)) for d in ("education", "hrss", "rural")
    }


def answer_key(world: World) -> list[tuple[str, str, str, str]]:
    rows = set()
    for day in range(world.days):
        as_of = (world.start + timedelta(days=day)).isoformat()
        effective = effective_days(day)
        rows.update(
            (as_of, c.rule_code, c.household_id, c.id_number)
            for c in world.cases
            if c.shown(effective)
        )
    return sorted(rows)


def write_answer_key(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(ANSWER_KEY_COLUMNS)
        writer.writerows(rows)


def write_day(inbox: Path, world: World, day: int, dirt: Dirt) -> list[Path]:
    as_of = world.start + timedelta(days=day)
    written = []
    folder = inbox / as_of.isoformat()
    plan = {
        "rural": [
            ("家庭成员信息.xlsx", lambda p: extracts.write_members(p, world, day, dirt, as_of)),
            ("雨露计划补助发放明细.csv", lambda p: extracts.write_subsidies(p, world, day, dirt)),
            ("意愿台账.csv", lambda p: extracts.write_intents(p, world, day, dirt)),
        ],
        "education": [
            ("学籍信息导出.xls", lambda p: extracts.write_education(p, world, day, dirt, as_of))
        ],
        "hrss": [
            ("就业登记.csv", lambda p: extracts.write_employment(p, world, day, dirt)),
            ("技工院校学籍.xls", lambda p: extracts.write_technical(p, world, day, dirt)),
            ("职业技能培训.txt", lambda p: extracts.write_training(p, world, day, dirt)),
        ],
    }
    for department, files in plan.items():
        if not sends(department, day):
            continue
        target = folder / department
        target.mkdir(parents=True, exist_ok=True)
        for name, write in files:
            write(target / name)
            if dirt.expected[target / name][0] == "rejected":
                # nothing of that kind to report (a small county without technical students):
                # a department sends no file then, as a header alone would be refused
                (target / name).unlink()
                del dirt.expected[target / name]
                continue
            written.append(target / name)
        written += _strays(target, department, day, dirt)
    return written


def _strays(folder: Path, department: str, day: int, dirt: Dirt) -> list[Path]:
    """Files that are not deliveries, left by the people and tools that made them: the lock file
    of a workbook still open in Excel, a thumbnail cache, a copy saved twice under a new name."""
    strays = []
    if department == "rural":
        lock = folder / "~$家庭成员信息.xlsx"
        lock.write_bytes(b"\x06yulu-s" + b"\x00" * 47)  # Excel writes the user's name, padded
        dirt.expect(lock, "skipped")
        strays.append(lock)
        original = folder / "意愿台账.csv"
        if day > 0 and original.exists():
            copy = folder / "意愿台账（2）.csv"
            copy.write_bytes(original.read_bytes())
            dirt.expect(copy, "duplicate")
            strays.append(copy)
    if department == "education" and day == 0:
        thumbs = folder / "Thumbs.db"
        thumbs.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
        dirt.expect(thumbs, "skipped")
        strays.append(thumbs)
    return strays


def generate(
    data_dir: Path,
    reference_dir: Path,
    households: int = 3000,
    days: int = 3,
    seed: int = 20261130,
    divisions: Path | None = None,
    start: date = DEFAULT_START,
) -> tuple[World, Path]:
    """Build the county, write its answer key, then every delivery day's extracts."""
    rng = random.Random(seed)
    world = CountyBuilder(
        rng,
        load_divisions(divisions or reference_dir / "divisions_411224.csv"),
        load_terms(reference_dir / "terms.csv"),
        load_income_lines(reference_dir / "monitoring_lines.csv"),
        start,
        days,
        households,
    ).build()
    key_path = data_dir / "sample" / "answer_key.csv"
    write_answer_key(key_path, answer_key(world))
    inbox = data_dir / "inbox"
    for day in range(days):
        folder = inbox / (start + timedelta(days=day)).isoformat()
        if folder.exists():
            shutil.rmtree(folder)  # same seed, same files: never mix with an older sample
    dirt = Dirt(random.Random(seed + 1))
    for day in range(days):
        write_day(inbox, world, day, dirt)
    write_ingest_key(data_dir / "sample" / "ingest_key.csv", dirt, inbox)
    log.info("sample: %d households, %d days, %d cases", households, days, len(world.cases))
    return world, key_path
