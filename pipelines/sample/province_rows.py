"""The bulk's records as the departments print them: one text frame per extract kind, with the
county sample's headers and its dirt (`column_dirt`), and the rule-neutral changes HR's second
delivery brings."""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.sample.bulk import Chunk
from pipelines.sample.column_dirt import ColumnDirt
from pipelines.sample.columns import credit_codes, pick, ymd
from pipelines.sample.extracts import (
    EMPLOYMENT_HEADER,
    ENROLLMENT_HEADER,
    INTENT_HEADER,
    LEVEL_LABELS,
    MEMBER_HEADER,
    SUBSIDY_HEADER,
    TRAINING_HEADER,
)
from pipelines.sample.world import EMPLOYERS, MAJORS

CHANGED_SHARE = 0.01  # rows of HR's extracts that differ in its second delivery


def _text(header: list[str], columns: list) -> pl.DataFrame:
    """A frame of text columns under `header`; empty text is written as an empty field."""
    frame = pl.DataFrame(
        {
            h: (c if isinstance(c, pl.Series) else pl.Series(c))
            for h, c in zip(header, columns, strict=True)
        }
    )
    return frame.select(
        pl.when(pl.col(h).cast(pl.Utf8) == "")
        .then(None)
        .otherwise(pl.col(h).cast(pl.Utf8))
        .alias(h)
        for h in header
    )


def _of_person(chunk: Chunk, column: str, person: pl.Series) -> pl.Series:
    return chunk.persons[column].gather(person)


def members(chunk: Chunk, dirt: ColumnDirt) -> pl.DataFrame:
    p, h = chunk.persons, chunk.households
    n, at = len(p), p["household"]
    household = h.select(
        "county_name",
        "township_name",
        "village_name",
        "village_code",
        "natural_village",
        "household_id",
    )[at]
    return _text(
        MEMBER_HEADER,
        [
            *household.get_columns(),
            p["person_no"],
            dirt.name(p["name"]),
            dirt.id(p["id_number"]),
            p["relation"],
            pl.Series(np.where(p["male"].to_numpy(), "男", "女")),
            pl.Series(["汉族"] * n),
            p["education"],
            p["school_status"],
            pl.Series(["健康"] * n),
            pl.Series(["普通劳动力"] * n),
            p["months_worked"].cast(pl.Utf8),
            h["household_type"].gather(at),
            h["category"].gather(at),
            dirt.risks(h["risk_a"].gather(at), h["risk_b"].gather(at)),
            h["eliminated"].gather(at),
            dirt.day(h["identified_on"].gather(at)),
            dirt.day(h["eliminated_on"].gather(at)),
            dirt.amount(h["income"].gather(at)),
            dirt.choice(("正常", "", "正常"), n, "status"),
            p["phone"],
        ],
    )


def subsidies(chunk: Chunk, dirt: ColumnDirt) -> pl.DataFrame:
    x = chunk.payments
    person = x["person"]
    pending = x["status"] == "待发放"
    return _text(
        SUBSIDY_HEADER,
        [
            dirt.term(x["term"]),
            chunk.households["household_id"].gather(x["household"]),
            dirt.name(_of_person(chunk, "name", person)),
            dirt.id(_of_person(chunk, "id_number", person)),
            x["school_name"],
            x["level"].replace_strict(LEVEL_LABELS),
            x["term"].str.slice(0, 4) + "级",
            dirt.amount(x["amount"]),
            dirt.day(x["paid_on"].set(pending, None)),
            x["status"],
        ],
    )


def intents(chunk: Chunk, dirt: ColumnDirt, unicode_spaces: bool = True) -> pl.DataFrame:
    """The surveys; `unicode_spaces=False` for a GBK file."""
    i = chunk.intents
    person = i["person"]
    return _text(
        INTENT_HEADER,
        [
            chunk.households["household_id"].gather(i["household"]),
            dirt.name(_of_person(chunk, "name", person)),
            dirt.id(_of_person(chunk, "id_number", person), unicode_spaces),
            i["category"],
            i["graduation_year"].cast(pl.Utf8),
            i["intent"],
            i["target"],
            dirt.measures(len(i)),
            dirt.day(i["surveyed"]),
            pl.Series(["网格员"] * len(i)),
        ],
    )


def enrollments(enrolled: pl.DataFrame, chunk: Chunk, dirt: ColumnDirt) -> pl.DataFrame:
    """Education's or HR's student records (`enrolled` holds the department's rows)."""
    e = enrolled
    person = e["person"]
    labels = {**LEVEL_LABELS, "technical": "技工"}
    entered_year = pl.Series(ymd(e["entered"].to_numpy())[0])
    return _text(
        ENROLLMENT_HEADER,
        [
            dirt.name(_of_person(chunk, "name", person)),
            dirt.id(_of_person(chunk, "id_number", person)),
            chunk.households["household_id"].gather(e["household"]),
            e["school_name"],
            e["school_code"],
            e["level"].replace_strict(labels),
            e["major_name"],
            e["major_code"],
            dirt.month(e["entered"]),
            e["years"].cast(pl.Utf8),
            entered_year.cast(pl.Utf8) + "级",
            e["status"],
            dirt.month(e["graduated"]),
        ],
    )


def employment(jobs: pl.DataFrame, chunk: Chunk, dirt: ColumnDirt) -> pl.DataFrame:
    person = jobs["person"]
    return _text(
        EMPLOYMENT_HEADER,
        [
            dirt.name(_of_person(chunk, "name", person)),
            dirt.id(_of_person(chunk, "id_number", person)),
            jobs["status"],
            jobs["form"],
            jobs["employer"],
            jobs["credit_code"],
            jobs["region"],
            dirt.day(jobs["employed_on"]),
            dirt.amount(jobs["income"].fill_null(0)).set(jobs["income"].is_null(), None),
            dirt.day(jobs["registered_on"]),
        ],
    )


def training(courses: pl.DataFrame, chunk: Chunk, dirt: ColumnDirt) -> pl.DataFrame:
    person = courses["person"]
    return _text(
        TRAINING_HEADER,
        [
            dirt.name(_of_person(chunk, "name", person)),
            dirt.id(_of_person(chunk, "id_number", person)),
            courses["course"],
            courses["category"],
            dirt.day(courses["started"]),
            dirt.day(courses["ended"]),
            pl.Series(np.where(courses["certified"].to_numpy(), "是", "否")),
        ],
    )


def hrss_changes(rng: np.random.Generator, chunk: Chunk) -> tuple[pl.DataFrame, ...]:
    """(jobs, courses, technical enrollments) as HR sends them the next day: about one row in
    a hundred changed in ways no rule looks at (an employer and its credit code, a worker
    registered again, a course's name, a student's major); the rest as they were."""
    jobs = chunk.jobs
    changed = pl.Series(rng.random(len(jobs)) < CHANGED_SHARE)
    employed = jobs["status"] == "已就业"
    moved = changed & employed
    employer = (
        jobs["employer"]
        .replace_strict(EMPLOYERS, list(range(len(EMPLOYERS))), default=0, return_dtype=pl.Int64)
        .to_numpy()
    )
    other = pick(
        EMPLOYERS, (employer + rng.integers(1, len(EMPLOYERS), len(jobs))) % len(EMPLOYERS)
    )
    county = chunk.households["county_code"].gather(
        chunk.persons["household"].gather(jobs["person"])
    )
    jobs = jobs.with_columns(
        employer=pl.when(moved).then(other).otherwise(jobs["employer"]),
        credit_code=pl.when(moved).then(credit_codes(rng, county)).otherwise(jobs["credit_code"]),
        registered_on=pl.when(changed & ~employed)
        .then(jobs["registered_on"] + 1)
        .otherwise(jobs["registered_on"]),
    )
    courses = chunk.courses
    renamed = pl.Series(rng.random(len(courses)) < CHANGED_SHARE)
    courses = courses.with_columns(
        course=pl.when(renamed).then(courses["course"] + "（提高班）").otherwise(courses["course"])
    )
    technical = chunk.enrollments.filter(pl.col("department") == "hrss")
    switched = rng.random(len(technical)) < CHANGED_SHARE
    major = rng.integers(0, len(MAJORS), len(technical))
    technical = technical.with_columns(
        major_name=pl.when(pl.Series(switched))
        .then(pick([m for m, _ in MAJORS], major))
        .otherwise(technical["major_name"]),
        major_code=pl.when(pl.Series(switched))
        .then(pick([c for _, c in MAJORS], major))
        .otherwise(technical["major_code"]),
    )
    return jobs, courses, technical
