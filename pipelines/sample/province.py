"""`yulu sample --province`: every village of 河南 (about two million households by default) as
CSV extracts for two delivery days, for benchmarks at the scale of a province.

The county sample of 卢氏县 is embedded whole (its households, cases, dirt and the rows to be
quarantined), rendered as CSV rows among the bulk, so the answer key is the county's; the bulk
around it, on every other county's villages, is clean (`bulk.py`). Day 0: every department
delivers its snapshot; day 1: only 人社 (hrss), about one row in a hundred changed in ways no
rule looks at. Written kind by kind in chunks of households: memory does not grow with size.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.sample import province_rows as render
from pipelines.sample.build import CountyBuilder
from pipelines.sample.bulk import build_chunk
from pipelines.sample.column_dirt import ColumnDirt
from pipelines.sample.columns import Calendar, IdAllocator
from pipelines.sample.delimited import DelimitedFile, ManifestFile
from pipelines.sample.dirt import Dirt, write_ingest_key
from pipelines.sample.extracts import (
    EMPLOYMENT_HEADER,
    ENROLLMENT_HEADER,
    INTENT_HEADER,
    MEMBER_HEADER,
    SUBSIDY_FOOTER,
    SUBSIDY_HEADER,
    TRAINING_HEADER,
    as_text,
    employment_rows,
    enrollment_rows,
    failed_formula_row,
    intent_rows,
    member_rows,
    strangers,
    subsidy_rows,
    training_rows,
)
from pipelines.sample.generate import DEFAULT_START, write_answer_key
from pipelines.sample.world import World, load_divisions, load_income_lines, load_terms

log = logging.getLogger(__name__)
DEFAULT_HOUSEHOLDS = 2_000_000
COUNTY_CODE = "411224"  # 卢氏县: the embedded county sample, left out of the bulk
CHUNK_HOUSEHOLDS = 100_000
# The world day of each department's snapshot in force on each delivery day: day 0 all send,
# day 1 only hrss.
EFFECTIVE = ({"education": 0, "hrss": 0, "rural": 0}, {"education": 0, "hrss": 1, "rural": 0})
HRSS = ("employment", "technical", "training")


@dataclass(frozen=True)
class Plan:
    """One extract: its folder, name, kind (`ingest/kinds.py`), header and how it is written."""

    department: str
    name: str
    kind: str
    header: list[str]
    encoding: str
    delimiter: str = ","


# Rural in the Chinese codepages (GB18030 where names outside GBK travel: students'), the
# others in UTF-8 with or without a BOM; the county sample's file names, as CSV.
PLANS = {
    "members": Plan("rural", "家庭成员信息.csv", "rural_members", MEMBER_HEADER, "gb18030"),
    "subsidies": Plan(
        "rural", "雨露计划补助发放明细.csv", "rural_subsidies", SUBSIDY_HEADER, "gb18030"
    ),
    "intents": Plan("rural", "意愿台账.csv", "rural_intents", INTENT_HEADER, "gbk"),
    "education": Plan(
        "education", "学籍信息导出.csv", "education_enrollments", ENROLLMENT_HEADER, "utf-8-sig"
    ),
    "employment": Plan("hrss", "就业登记.csv", "hrss_employment", EMPLOYMENT_HEADER, "utf-8"),
    "technical": Plan(
        "hrss", "技工院校学籍.csv", "hrss_technical_enrollments", ENROLLMENT_HEADER, "utf-8-sig"
    ),
    "training": Plan("hrss", "职业技能培训.txt", "hrss_training", TRAINING_HEADER, "utf-8", "\t"),
}
# Rows each file sets aside on purpose, by reason (the ingestion key): the county's totals row,
# signature lines, strangers' spoiled rows and failed formula.
SET_ASIDE = {
    "members": {"TOTALS_ROW": 1},
    "subsidies": {"FOOTER_ROW": 2},
    "employment": {"ID_MISSING": 1, "FIELD_COUNT": 1},
    "technical": {"CELL_ERROR": 1},
}


@dataclass
class Province:
    households: int
    members: int
    cases: int
    key_path: Path
    manifest_path: Path
    files: list[ManifestFile]


def answer_key(world: World, start: date) -> list[tuple[str, str, str, str]]:
    rows = set()
    for day, effective in enumerate(EFFECTIVE):
        as_of = (start + timedelta(days=day)).isoformat()
        rows.update(
            (as_of, c.rule_code, c.household_id, c.id_number)
            for c in world.cases
            if c.shown(effective)
        )
    return sorted(rows)


def county_rows(world: World, dirt: Dirt) -> dict[tuple[int, str], list[list[str]]]:
    """The county's rows of each file, day and kind, with their dirt; each kind's rows set
    aside on purpose under the key (day, kind + ':aside')."""
    rows = {
        (0, "members"): [as_text(r, dirt) for r in member_rows(world, 0, dirt)],
        (0, "subsidies"): subsidy_rows(world, 0, dirt),
        (0, "intents"): intent_rows(world, 0, dirt, unicode_spaces=False),
        (0, "education"): enrollment_rows(world, 0, dirt, "education"),
    }
    for day in range(len(EFFECTIVE)):
        jobs = employment_rows(world, day, dirt, unicode_spaces=True)
        technical = enrollment_rows(world, day, dirt, "hrss")
        rows[(day, "employment")] = jobs
        rows[(day, "employment:aside")] = strangers(jobs[0], dirt)
        rows[(day, "technical")] = technical
        rows[(day, "technical:aside")] = [failed_formula_row(technical[0], dirt)]
        rows[(day, "training")] = training_rows(world, dirt)
    return rows


def _county_ids(world: World) -> set[str]:
    ids = {p.id_number for h in world.households for p in h.members}
    for records in (world.enrollments, world.payments, world.jobs, world.intents):
        ids.update(r.person.id_number for r in records)
    return ids


def _villages(path: Path) -> tuple[pl.DataFrame, list[str]]:
    """The province's villages but the county's, in code order, with `address`: the index of
    the county's code among `codes`."""
    villages = (
        pl.read_csv(path, infer_schema=False)
        .filter(pl.col("county_code") != COUNTY_CODE)
        .sort("village_code")
    )
    codes = villages["county_code"].unique().sort().to_list()
    address = pl.col("county_code").replace_strict(codes, list(range(len(codes))))
    return villages.with_columns(address=address.cast(pl.Int64)), codes


class Inbox:
    """The open files of both delivery days."""

    def __init__(self, data_dir: Path, start: date):
        self.data_dir, self.start = data_dir, start
        inbox = data_dir / "inbox"
        for day in range(len(EFFECTIVE)):
            folder = inbox / (start + timedelta(days=day)).isoformat()
            if folder.exists():
                shutil.rmtree(folder)  # same seed, same files: never mix with an older sample
        self.files = {
            (day, name): self._open(day, plan)
            for day in range(len(EFFECTIVE))
            for name, plan in PLANS.items()
            if day == 0 or name in HRSS
        }

    def _open(self, day: int, plan: Plan) -> DelimitedFile:
        as_of = self.start + timedelta(days=day)
        path = self.data_dir / "inbox" / as_of.isoformat() / plan.department / plan.name
        title = None
        if plan.kind == "rural_members":
            title = f"河南省防返贫监测信息系统 家庭成员信息（导出日期：{as_of:%Y年%m月%d日}）"
        return DelimitedFile(
            self.data_dir,
            path,
            plan.department,
            plan.kind,
            plan.header,
            plan.encoding,
            plan.delimiter,
            title,
        )


def _write_county(inbox: Inbox, county: dict) -> None:
    for (day, name), file in inbox.files.items():
        if name == "subsidies":
            file.lines([[""] * len(SUBSIDY_HEADER)])  # a blank line left in the middle
        file.lines(county[(day, name)])
        if name == "technical":
            file.lines(county[(day, "technical:aside")])


def _write_chunk(inbox: Inbox, seed: int, number: int, chunk) -> None:
    def dirt(file: int) -> ColumnDirt:
        return ColumnDirt(np.random.default_rng([seed, 2, number, file]))

    files = inbox.files
    education = chunk.enrollments.filter(pl.col("department") == "education")
    technical = chunk.enrollments.filter(pl.col("department") == "hrss")
    files[(0, "members")].frame(render.members(chunk, dirt(0)))
    files[(0, "subsidies")].frame(render.subsidies(chunk, dirt(1)))
    files[(0, "intents")].frame(render.intents(chunk, dirt(2), unicode_spaces=False))
    files[(0, "education")].frame(render.enrollments(education, chunk, dirt(3)))
    files[(0, "employment")].frame(render.employment(chunk.jobs, chunk, dirt(4)))
    files[(0, "technical")].frame(render.enrollments(technical, chunk, dirt(5)))
    files[(0, "training")].frame(render.training(chunk.courses, chunk, dirt(6)))
    jobs, courses, technical = render.hrss_changes(np.random.default_rng([seed, 3, number]), chunk)
    files[(1, "employment")].frame(render.employment(jobs, chunk, dirt(7)))
    files[(1, "technical")].frame(render.enrollments(technical, chunk, dirt(8)))
    files[(1, "training")].frame(render.training(courses, chunk, dirt(9)))


def _finish(inbox: Inbox, county: dict, dirt: Dirt, progress) -> list[ManifestFile]:
    """The rows that close each file (totals, signatures, strangers), the ingestion key."""
    entries = []
    for (day, name), file in inbox.files.items():
        if name == "members":
            records = file.entry.rows
            totals = [""] * len(MEMBER_HEADER)
            totals[0], totals[5] = "合计", f"共{records}人"
            file.lines([totals])
        elif name == "subsidies":
            file.raw_line(SUBSIDY_FOOTER[0])
            file.raw_line(SUBSIDY_FOOTER[1].format(records=file.entry.rows - 1))
        elif name == "employment":
            file.lines(county[(day, "employment:aside")])
        entry = file.close()
        aside = SET_ASIDE.get(name, {})
        dirt.expect(file.path, records=entry.rows - sum(aside.values()), **aside)
        progress(f"{entry.path}: {entry.rows:,} rows")
        entries.append(entry)
    return entries


def generate_province(
    data_dir: Path,
    reference_dir: Path,
    households: int = DEFAULT_HOUSEHOLDS,
    seed: int = 20261130,
    start: date = DEFAULT_START,
    divisions: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Province:
    """Build the county, write the answer key, then both days' extracts, the ingestion key
    and the manifest. `households` counts the county's too."""
    progress = progress or log.info
    terms = load_terms(reference_dir / "terms.csv")
    lines = load_income_lines(reference_dir / "monitoring_lines.csv")
    cal = Calendar.of(terms, lines, start, len(EFFECTIVE))
    county_size = min(3000, max(200, households // 20))
    world = CountyBuilder(
        random.Random(seed),
        load_divisions(reference_dir / "divisions_411224.csv"),
        terms,
        lines,
        start,
        len(EFFECTIVE),
        county_size,
    ).build()
    key_path = data_dir / "sample" / "answer_key.csv"
    write_answer_key(key_path, answer_key(world, start))
    dirt = Dirt(random.Random(seed + 1))
    county = county_rows(world, dirt)

    villages, codes = _villages(divisions or reference_dir / "divisions_41.csv")
    bulk = max(0, households - len(world.households))
    rng = np.random.default_rng(seed)
    placed = np.sort(rng.integers(0, len(villages), bulk))
    seq = np.arange(bulk) - np.searchsorted(placed, placed) + 1
    if bulk and seq.max() > 9999:
        raise ValueError("more than 9,999 households in one village: 户编号 has four digits")
    split = int(
        np.searchsorted(placed, np.searchsorted(villages["village_code"].to_numpy(), COUNTY_CODE))
    )
    bounds = sorted({*range(0, bulk, CHUNK_HOUSEHOLDS), split, bulk})
    ids = IdAllocator(codes, start, _county_ids(world))
    inbox = Inbox(data_dir, start)
    for number, (low, high) in enumerate(zip(bounds, bounds[1:], strict=False)):
        if low == split:
            _write_county(inbox, county)
        chunk_rng = np.random.default_rng([seed, 1, number])
        chunk = build_chunk(chunk_rng, cal, ids, villages[placed[low:high]], seq[low:high])
        _write_chunk(inbox, seed, number, chunk)
        progress(f"households: {high:,} of {bulk:,} drawn and written")
    if split == bulk:
        _write_county(inbox, county)
    files = _finish(inbox, county, dirt, progress)
    write_ingest_key(data_dir / "sample" / "ingest_key.csv", dirt, data_dir / "inbox")

    members = next(f.rows for f in files if f.kind == "rural_members") - 1  # the totals row
    total = bulk + len(world.households)
    manifest_path = data_dir / "sample" / "province_manifest.json"
    _write_manifest(manifest_path, total, members, seed, start, files)
    return Province(total, members, len(world.cases), key_path, manifest_path, files)


def _write_manifest(path, households, members, seed, start, files) -> None:
    days = []
    for day in range(len(EFFECTIVE)):
        as_of = (start + timedelta(days=day)).isoformat()
        day_files = [f.as_json() for f in files if f.path.split("/")[1] == as_of]
        days.append({"day": as_of, "files": day_files})
    manifest = {"households": households, "members": members, "seed": seed, "days": days}
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
