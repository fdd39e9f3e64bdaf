"""The province's bulk population as columns, one chunk of households at a time: households,
members, schooling, payments, jobs, courses and surveys, drawn with numpy much as
`build.CountyBuilder` draws the county, but clean throughout (no rule of the catalogue fires on
any of it) and without a Python object per person.

What keeps each rule quiet: one head per household, a category that fits the type (HH-03), an
income above the line unless monitored (HH-04), a risk eliminated six months or more after it
was identified (HH-05); one valid ID made once per person and printed with the sex it encodes
(ID-01 to ID-07, DUP-01); a payment for every term a student of an eligible household studied
while it was eligible, one a term, of the rule's amount, none after graduation (YL-01 to
YL-08); a job in HR's register exactly where the register says months worked (EMP-03); a
survey of every new-growth labourer and this year's graduate (EMP-01, EMP-05); every record
filed under the person's own household (LINK-02).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from pipelines.sample.build import NATURAL_VILLAGES, RISKS
from pipelines.sample.columns import (
    Calendar,
    IdAllocator,
    ages_on,
    birth_days,
    credit_codes,
    day_number,
    first_days,
    names,
    phones,
    pick,
)
from pipelines.sample.people import SURNAMES
from pipelines.sample.world import EMPLOYERS, LEVEL_AGES, LEVEL_YEARS, MAJORS, SCHOOLS

LEVELS = ("secondary_vocational", "higher_vocational", "five_year", "technical")
TECHNICAL = LEVELS.index("technical")
YEARS = np.array([LEVEL_YEARS[lv] for lv in LEVELS])
# How likely each level is among those that fit a student's age: the technical schools of 人社
# take fewer students than the vocational schools of education.
LEVEL_WEIGHTS = np.array([1.0, 1.0, 0.5, 0.3])
GRADUATE_LEVELS = np.array([0, 1, TECHNICAL])
GRADUATE_WEIGHTS = np.array([1.0, 1.0, 0.3]) / 2.3
# A child of 15 or more is, by one roll as in `build._child_life`: at vocational school, a
# graduate of one (18 or more), a new-growth labourer, or else at senior high or university.
P_STUDENT, P_GRADUATE, P_NEW_GROWTH = 0.2, 0.32, 0.95
# The payment extract lists the term under way and the six before it.
PAID_TERMS_LISTED = 7
P_JOB, P_TRAINING, P_SECOND_COURSE = 0.8, 0.22, 0.15
COURSES = ("电工", "家政服务", "中式烹调", "电子商务")
COURSE_CATEGORIES = ("就业技能培训", "岗位技能提升培训", "创业培训")
JOB_STATUSES = ("已就业",) * 6 + ("未就业", "失业登记")
FORMS = ("单位就业", "灵活就业", "自主创业", "公益性岗位")
REGIONS = ("县内", "省内县外", "省外")
TARGETS = ("卢氏县职业中等专业学校", "郑州市", "省外", "")
NEW_GROWTH_INTENTS = ("就读职业院校", "就业", "升学", "参军", "暂无意愿")
GRADUATE_INTENTS = ("就业", "创业", "升学", "暂无意愿")
NOT_AT_SCHOOL = "非在校生"


@dataclass
class Chunk:
    """One chunk of the bulk, a frame per kind of record; `person` is a row of `persons`,
    `household` a row of `households`, days are day numbers (`columns.day_number`)."""

    households: pl.DataFrame
    persons: pl.DataFrame
    enrollments: pl.DataFrame
    payments: pl.DataFrame
    jobs: pl.DataFrame
    courses: pl.DataFrame
    intents: pl.DataFrame


def build_chunk(
    rng: np.random.Generator, cal: Calendar, ids: IdAllocator, villages: pl.DataFrame, seq
) -> Chunk:
    """The households of `villages` (a row per household: its village's fields and `address`,
    the index of its county code in `ids`), numbered `seq` within their village."""
    households = _households(rng, cal, villages, np.asarray(seq))
    p = _members(rng, cal, len(households))
    enrollments, intents = _schooling(rng, cal, p)
    eligible = households["eligible"].to_numpy()
    payments = _payments(rng, cal, households, enrollments, eligible[p["household"]])
    jobs, courses = _work(rng, cal, p, households["county_code"])
    student = np.zeros(len(p["born"]), dtype=bool)
    student[enrollments.filter(pl.col("status") == "在籍")["person"].to_numpy()] = True
    n = len(p["born"])
    persons = pl.DataFrame(
        {
            "household": p["household"],
            "person_no": households["household_id"].gather(p["household"])
            + pl.Series(p["number"] + 1).cast(pl.Utf8).str.zfill(2),
            "relation": p["relation"],
            "male": p["male"],
            "education": p["education"],
            "school_status": p["school_status"],
            "months_worked": p["months_worked"],
        },
        schema_overrides={"relation": pl.Utf8, "education": pl.Utf8, "school_status": pl.Utf8},
    ).with_columns(
        # students only: their names travel in GB18030 and UTF-8 files, as in the county
        name=names(
            rng, pl.Series(p["surname"], dtype=pl.Utf8), n, student & (rng.random(n) < 0.08)
        ),
        id_number=ids.make(households["address"].to_numpy()[p["household"]], p["born"], p["male"]),
        phone=phones(rng, n),
    )
    return Chunk(households, persons, enrollments, payments, jobs, courses, intents)


def _households(rng, cal: Calendar, villages: pl.DataFrame, seq: np.ndarray) -> pl.DataFrame:
    n = len(villages)
    poor = rng.random(n) < 0.4
    roll = rng.random(n)
    category = np.where(
        poor,
        np.where(roll < 0.12, "脱贫不稳定户", np.where(roll < 0.16, "突发严重困难户", "")),
        np.where(roll < 0.06, "边缘易致贫户", np.where(roll < 0.09, "突发严重困难户", "")),
    )
    monitored = category != ""
    # identified in 2022-2025: before the census day of any term a payment here is judged on
    identified = day_number(date(2022, 1, 1)) + rng.integers(0, 4 * 365 - 3, n)
    ends = identified + rng.integers(240, 601, n)  # six months or more: no HH-05
    eliminated = monitored & (rng.random(n) < 0.4) & (ends < cal.start_day)
    risk_a = rng.integers(0, len(RISKS), n)
    risk_b = (risk_a + rng.integers(1, len(RISKS), n)) % len(RISKS)
    one_risk = rng.random(n) < 2 / 3
    income = np.where(
        monitored, rng.uniform(5000, 12000, n), rng.uniform(cal.line * 1.15, 30000, n)
    ).round(2)
    return villages.with_columns(
        household_id=pl.col("village_code") + pl.Series(seq).cast(pl.Utf8).str.zfill(4),
        natural_village=pick(NATURAL_VILLAGES, rng.integers(0, len(NATURAL_VILLAGES), n)),
        household_type=pl.Series(np.where(poor, "脱贫户", "一般农户")),
        category=pl.Series(category),
        eligible=pl.Series(poor | monitored),
        risk_a=pick(RISKS, risk_a).set(pl.Series(~monitored), None),
        risk_b=pick(RISKS, risk_b).set(pl.Series(~monitored | one_risk), None),
        eliminated=pl.Series(np.where(monitored, np.where(eliminated, "是", "否"), "")),
        identified_on=pl.Series(identified).set(pl.Series(~monitored), None),
        eliminated_on=pl.Series(ends).set(pl.Series(~eliminated), None),
        # eligible on a day d: out of poverty (-inf) or identified on or before d
        eligible_from=pl.Series(np.where(poor, -(10**9), np.where(monitored, identified, 10**9))),
        income=pl.Series(income),
    )


def _members(rng, cal: Calendar, n: int) -> dict[str, np.ndarray]:
    """Head, spouse, children and a parent of each household, as `build._members` draws them,
    a household's members together in that order."""
    today = cal.start
    head_male = rng.random(n) < 0.85
    spouse = np.flatnonzero(rng.random(n) < 0.8)
    children = np.repeat(np.arange(n), rng.choice([0, 1, 1, 2, 2, 3], n))
    elder = np.flatnonzero(rng.random(n) < 0.25)
    child_male = rng.random(len(children)) < 0.5
    elder_male = rng.random(len(elder)) < 0.5
    groups = [  # (household, relation, male, born, education, takes the family's surname)
        (np.arange(n), "户主", head_male, (35, 62), ("小学", "初中", "初中", "高中"), True),
        (spouse, "配偶", ~head_male[spouse], (33, 62), ("小学", "初中"), False),
        (children, np.where(child_male, "之子", "之女"), child_male, (0, 24), ("",), True),
        (elder, np.where(elder_male, "之父", "之母"), elder_male, (62, 88), ("小学",), False),
    ]
    family = rng.integers(0, len(SURNAMES), n)
    columns: dict[str, list] = {k: [] for k in ("household", "relation", "male", "born", "edu")}
    columns["surname"] = []
    for household, relation, male, ages, education, inherits in groups:
        size = len(household)
        columns["household"].append(household)
        columns["relation"].append(np.broadcast_to(np.asarray(relation, dtype=object), size))
        columns["male"].append(male)
        columns["born"].append(birth_days(rng, today, *ages, size))
        columns["edu"].append(
            np.asarray(education, dtype=object)[rng.integers(0, len(education), size)]
        )
        surname = family[household] if inherits else rng.integers(0, len(SURNAMES), size)
        columns["surname"].append(surname)
    joined = {k: np.concatenate(v) for k, v in columns.items()}
    order = np.argsort(joined["household"], kind="stable")
    p = {k: v[order] for k, v in joined.items()}
    p["surname"] = np.asarray(list(SURNAMES), dtype=object)[p["surname"]]
    p["education"] = p.pop("edu")
    p["number"] = np.arange(len(order)) - np.searchsorted(p["household"], p["household"])
    p["age"] = ages_on(p["born"], today)
    p["child"] = np.isin(p["relation"], ("之子", "之女"))
    p["school_status"] = np.full(len(order), NOT_AT_SCHOOL, dtype=object)
    p["months_worked"] = np.zeros(len(order), dtype=np.int64)
    return p


def _schooling(rng, cal: Calendar, p: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each child's schooling, as `build._child_life`: (enrollments, intents)."""
    n, age, child = len(p["born"]), p["age"], p["child"]
    edu, school = p["education"], p["school_status"]
    edu[child & (age < 7)] = "学龄前"
    primary, junior = child & (age >= 7) & (age < 13), child & (age >= 13) & (age < 15)
    edu[primary], school[primary] = "小学", "小学在读"
    edu[junior], school[junior] = "初中", "初中在读"
    old, roll = child & (age >= 15), rng.random(n)
    fits = np.stack([(age >= LEVEL_AGES[lv][0]) & (age <= LEVEL_AGES[lv][1]) for lv in LEVELS], 1)
    keys = np.where(fits, rng.random((n, len(LEVELS))) ** (1 / LEVEL_WEIGHTS), -1.0)
    level = keys.argmax(axis=1)
    student = old & (roll < P_STUDENT) & fits.any(axis=1)
    graduate = old & ~student & (roll < P_GRADUATE) & (age >= 18)
    new_growth = old & ~student & ~graduate & (roll < P_NEW_GROWTH)
    high = old & ~student & ~graduate & ~new_growth
    edu[student] = "初中"
    school[student] = np.where(level[student] == 1, "高职在读", "中职在读")
    level[graduate] = GRADUATE_LEVELS[rng.choice(3, graduate.sum(), p=GRADUATE_WEIGHTS)]
    edu[graduate] = np.where(level[graduate] == 1, "大专", "中专")
    edu[new_growth] = pick(("初中", "高中"), rng.integers(0, 2, new_growth.sum())).to_numpy()
    edu[high] = "高中"
    school[high] = pick(("高中在读", "大学在读"), rng.integers(0, 2, high.sum())).to_numpy()

    s, g = np.flatnonzero(student), np.flatnonzero(graduate)
    years_in = (rng.random(len(s)) * YEARS[level[s]]).astype(np.int64)
    term_year = int(str(cal.terms[cal.current])[:4]) - int(cal.spring)
    grad_year = cal.graduation_year - rng.choice([0, 0, 1, 2], len(g))
    person = np.r_[s, g]
    lv = level[person]
    entered = np.r_[first_days(term_year - years_in, 9), first_days(grad_year - YEARS[level[g]], 9)]
    graduated = np.r_[np.full(len(s), -1), first_days(grad_year, 6)]
    option = (rng.random(len(person)) * np.array([len(SCHOOLS[x]) for x in LEVELS])[lv]).astype(int)
    school_names = np.array([name for x in LEVELS for name, _ in SCHOOLS[x]], dtype=object)
    school_codes = np.array([code for x in LEVELS for _, code in SCHOOLS[x]], dtype=object)
    offsets = np.cumsum([0] + [len(SCHOOLS[x]) for x in LEVELS])[:-1]
    major = rng.integers(0, len(MAJORS), len(person))
    enrollments = pl.DataFrame(
        {
            "person": person,
            "household": p["household"][person],
            "department": np.where(lv == TECHNICAL, "hrss", "education"),
            "level": np.asarray(LEVELS, dtype=object)[lv].astype(str),
            "school_name": school_names[offsets[lv] + option].astype(str),
            "school_code": school_codes[offsets[lv] + option].astype(str),
            "major_name": np.array([m for m, _ in MAJORS])[major],
            "major_code": np.array([c for _, c in MAJORS])[major],
            "entered": entered,
            "years": YEARS[lv],
            "status": np.r_[np.full(len(s), "在籍"), np.full(len(g), "毕业")],
            "graduated": pl.Series(graduated).set(pl.Series(graduated < 0), None),
        }
    )
    return enrollments, _intents(rng, cal, p, new_growth, g, grad_year)


def _intents(rng, cal: Calendar, p: dict, new_growth, g, grad_year) -> pl.DataFrame:
    """Every new-growth labourer and this year's graduate surveyed (any household, not only the
    eligible ones the rules look at), and four in five earlier graduates."""
    this_year = grad_year == cal.start.year
    surveyed = this_year | (rng.random(len(g)) < 0.8)
    ng = np.flatnonzero(new_growth)
    person = np.r_[ng, g[surveyed]]
    m, k = len(ng), int(surveyed.sum())
    category = np.r_[
        np.full(m, "新成长劳动力"), np.where(this_year[surveyed], "当年毕业生", "往届毕业生")
    ]
    wish = np.r_[
        pick(NEW_GROWTH_INTENTS, rng.integers(0, 5, m)).to_numpy(),
        pick(GRADUATE_INTENTS, rng.integers(0, 4, k)).to_numpy(),
    ]
    return pl.DataFrame(
        {
            "person": person,
            "household": p["household"][person],
            "category": category,
            "graduation_year": pl.Series(np.r_[np.full(m, -1), grad_year[surveyed]]),
            "intent": wish.astype(str),
            "target": pick(TARGETS, rng.integers(0, len(TARGETS), m + k)),
            "surveyed": cal.start_day - rng.integers(5, 201, m + k),
        }
    ).with_columns(pl.col("graduation_year").replace(-1, None))


def _payments(rng, cal: Calendar, households, enrollments: pl.DataFrame, eligible_person):
    """A payment for each term a student of an eligible household studied (to today, or to
    graduation), while the household was eligible on that term's census day."""
    e = enrollments.filter(pl.Series(eligible_person[enrollments["person"].to_numpy()]))
    current = e["status"].to_numpy() == "在籍"
    last = np.where(current, cal.start_day, e["graduated"].fill_null(0).to_numpy())
    first_term = np.searchsorted(cal.ends, e["entered"].to_numpy(), side="left")
    first_term = np.maximum(first_term, cal.current - PAID_TERMS_LISTED + 1)
    last_term = np.searchsorted(cal.starts, last, side="right") - 1
    count = np.clip(last_term - first_term + 1, 0, None)
    row = np.repeat(np.arange(len(e)), count)
    term = first_term[row] + np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    is_current = term == cal.current
    eligible_from = households["eligible_from"].to_numpy()[e["household"].to_numpy()[row]]
    keep = (
        (current[row] | ~is_current)  # a graduate is not paid for the term under way
        & (eligible_from <= np.minimum(cal.census[term], cal.start_day))
    )
    row, term, is_current = row[keep], term[keep], is_current[keep]
    n = len(row)
    paid_on = np.minimum(cal.starts[term] + rng.integers(40, 81, n), cal.start_day)
    status = np.where(is_current & (rng.random(n) < 0.25), "待发放", "已发放")
    # returned by the bank and paid again: one payment, not two (as in `build._pay_terms`)
    returned = np.flatnonzero(~is_current & (rng.random(n) < 0.03))
    order = np.argsort(np.r_[np.arange(n) * 2 + 1, returned * 2], kind="stable")
    rows = np.r_[row, row[returned]][order]
    terms = np.r_[term, term[returned]][order]
    return pl.DataFrame(
        {
            "person": e["person"].to_numpy()[rows],
            "household": e["household"].to_numpy()[rows],
            "term": cal.terms[terms].astype(str),
            "level": e["level"].to_numpy()[rows],
            "school_name": e["school_name"].to_numpy()[rows],
            "status": np.r_[status, np.full(len(returned), "退回")][order],
            "paid_on": np.r_[paid_on, paid_on[returned]][order],
            "amount": np.full(len(rows), 1500.0),
        }
    )


def _work(rng, cal: Calendar, p: dict, county_codes: pl.Series):
    """Jobs and courses of adults out of school (`build._adult_life`); the register's months
    worked agree with HR (EMP-03)."""
    age = p["age"]
    adult = (age >= 18) & (age <= 59) & (p["school_status"] == NOT_AT_SCHOOL)
    person = np.flatnonzero(adult & (rng.random(len(age)) < P_JOB))
    n = len(person)
    status = pick(JOB_STATUSES, rng.integers(0, len(JOB_STATUSES), n))
    employed = (status == "已就业").to_numpy()
    p["months_worked"][person[employed]] = rng.integers(1, 13, int(employed.sum()))
    none = pl.Series(~employed)
    jobs = pl.DataFrame(
        {
            "person": person,
            "status": status,
            "form": pick(FORMS, rng.integers(0, len(FORMS), n)).set(none, None),
            "employer": pick(EMPLOYERS, rng.integers(0, len(EMPLOYERS), n)).set(none, None),
            "credit_code": credit_codes(rng, county_codes.gather(p["household"][person])).set(
                none, None
            ),
            "region": pick(REGIONS, rng.integers(0, len(REGIONS), n)).set(none, None),
            "employed_on": pl.Series(cal.start_day - rng.integers(30, 901, n)).set(none, None),
            "income": pl.Series(rng.uniform(1800, 7000, n).round(0)).set(none, None),
            "registered_on": cal.start_day - rng.integers(1, 1001, n),
        }
    )
    trainee = np.flatnonzero(adult & (rng.random(len(age)) < P_TRAINING))
    again = trainee[rng.random(len(trainee)) < P_SECOND_COURSE]
    course = rng.integers(0, len(COURSES), len(trainee))
    other = (
        course[np.searchsorted(trainee, again)] + rng.integers(1, len(COURSES), len(again))
    ) % len(COURSES)
    person = np.r_[trainee, again]
    m = len(person)
    started = cal.start_day - rng.integers(30, 701, m)
    order = np.argsort(person, kind="stable")
    courses = pl.DataFrame(
        {
            "person": person,
            "course": pick(COURSES, np.r_[course, other]),
            "category": pick(COURSE_CATEGORIES, rng.integers(0, len(COURSE_CATEGORIES), m)),
            "started": started,
            "ended": started + rng.integers(7, 31, m),
            "certified": rng.random(m) < 0.7,
        }
    )[order]
    return jobs, courses
