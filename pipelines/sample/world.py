"""The sample county as plain records, the day-by-day events, and the injected cases.

The world is built clean: no rule of the catalogue fires on it by construction. Each injection
then breaks one rule for one person or household and records the case it must produce, with the
condition (which department's snapshot must be in force) under which it is visible. The answer
key follows from these records alone, never from the pipeline.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

LEVEL_YEARS = {"secondary_vocational": 3, "higher_vocational": 3, "five_year": 5, "technical": 3}
LEVEL_AGES = {
    "secondary_vocational": (15, 18),
    "higher_vocational": (18, 21),
    "five_year": (15, 20),
    "technical": (16, 20),
}
SCHOOLS = {
    "secondary_vocational": [
        ("卢氏县职业中等专业学校", "4141012345"),
        ("三门峡市中等专业学校", "4141014321"),
    ],
    "higher_vocational": [
        ("三门峡职业技术学院", "4141010901"),
        ("河南工业职业技术学院", "4141010455"),
    ],
    "five_year": [("郑州铁路职业技术学院", "4141010486")],
    "technical": [("三门峡技师学院", "4141099001"), ("河南省工业技师学院", "4141099002")],
}
MAJORS = [
    ("计算机应用", "710201"),
    ("护理", "720201"),
    ("汽车运用与维修", "700206"),
    ("电子商务", "730701"),
    ("现代农艺技术", "610101"),
]
EMPLOYERS = [
    "卢氏县食用菌产业园有限公司",
    "三门峡市建筑劳务有限公司",
    "郑州富士康精密电子有限公司",
    "卢氏县城关镇公益性岗位",
    "洛阳农业科技合作社",
]
PAYMENT_AMOUNT = 1500
FOREVER = 10**6  # the last world day of a record that never ends


@dataclass
class Person:
    id_number: str
    name: str
    male: bool
    born: date
    relation: str
    household_id: str = ""
    person_no: str = ""
    education_level: str = "初中"
    school_status: str = "非在校生"
    phone: str = ""
    months_worked: int = 0
    printed_id: str | None = None  # what the members extract prints, if not the real ID
    printed_male: bool | None = None  # the 性别 the register prints, if not the ID's (ID-04)
    status: str = "正常"  # 人员状态: 正常 or 死亡 (YL-08)
    days: tuple[int, int] = (0, FOREVER)  # world days on which the record exists


@dataclass
class Household:
    household_id: str
    village: dict
    natural_village: str
    household_type: str  # 脱贫户 / 一般农户
    category: str  # monitoring category label or ""
    risk_types: list[str]
    eliminated: bool
    identified_on: date | None
    eliminated_on: date | None
    income: float
    members: list[Person] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.household_type == "脱贫户" or bool(self.category)


@dataclass
class Enrollment:
    person: Person
    department: str  # education / hrss
    level: str
    school: tuple[str, str]
    major: tuple[str, str]
    entered: date
    status: str = "在籍"
    graduated_on: date | None = None
    printed_household: str | None = None  # 户编号 as the school prints it
    days: tuple[int, int] = (0, FOREVER)


@dataclass
class Payment:
    person: Person
    household_id: str
    term: str
    level: str
    school: str
    status: str = "已发放"
    paid_on: date | None = None
    amount: float = PAYMENT_AMOUNT
    days: tuple[int, int] = (0, FOREVER)


@dataclass
class Job:
    person: Person
    status: str
    form: str
    employer: str
    credit_code: str
    region: str
    employed_on: date | None
    income: float
    registered_on: date
    printed_name: str | None = None
    days: tuple[int, int] = (0, FOREVER)


@dataclass
class Course:
    person: Person
    course: str
    category: str
    started_on: date
    ended_on: date
    certified: bool


@dataclass
class Intent:
    person: Person
    household_id: str
    category: str
    graduation_year: int | None
    intent: str
    target: str
    surveyed_on: date
    days: tuple[int, int] = (0, FOREVER)


@dataclass
class Case:
    """One row the answer key expects, while `visible(effective_days)` holds."""

    rule_code: str
    household_id: str
    id_number: str
    visible: object = None  # callable(dict department → effective world day) → bool

    def shown(self, effective: dict[str, int]) -> bool:
        return self.visible is None or self.visible(effective)


def active(record, day: int) -> bool:
    first, last = record.days
    return first <= day <= last


@dataclass
class World:
    """Every record of the county over all world days, and the cases injected into it."""

    start: date
    days: int
    households: list[Household] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)
    # (household, person, changed fields): member rows printed a second time (ID-07, DUP-01)
    extra_member_rows: list[tuple[Household, Person, dict]] = field(default_factory=list)
    extra_job_rows: list[tuple[Job, dict]] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)


def load_divisions(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_terms(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for column in ("starts_on", "ends_on", "census_on"):
            r[column] = date.fromisoformat(r[column])
    return rows


def load_income_lines(path: Path) -> dict[int, float]:
    with path.open(encoding="utf-8") as f:
        return {int(r["year"]): float(r["income_line"]) for r in csv.DictReader(f)}


def term_of(terms: list[dict], day: date) -> dict:
    return next(t for t in terms if t["starts_on"] <= day <= t["ends_on"])


def terms_between(terms: list[dict], first: date, last: date) -> list[str]:
    return [t["term"] for t in terms if t["ends_on"] >= first and t["starts_on"] <= last]
