"""The shared warehouse holds no personal data, and its person_key gives nothing away without
the key: a sample county with canary people (IDs and names found nowhere else) is run through
the Dagster job, then every place a reader outside the restricted tier can see is scanned."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import logging
import os
import sys
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest
from conftest import TEST_PSEUDONYM_KEY, day_range, run_days
from stdnum.cn import ric

import pipelines.sample.generate as generate_module
from pipelines.masking import mask_id, mask_name
from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import REPO_ROOT, load_settings

DAYS = day_range(DEFAULT_START, 3)
# Surnames and given-name characters the sample never draws (pipelines/sample/people.py)
CANARY_NAMES = {"case": "蔺雀翎", "head": "阙鸣雀", "child": "鞠雀彦", "adult": "靳翎雀"}


def _canary_id(person, used: set[str]) -> str:
    """A valid ID of the person's birth date and sex with a sequence the sample avoids."""
    for seq in range(997, 900, -1):
        if seq % 2 != int(person.male):
            continue
        body = f"411224{person.born:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in used:
            return number
    raise AssertionError("no free canary ID")


def _seed_canaries(world) -> dict[str, tuple[str, str, date]]:
    """Four people of the county renamed and renumbered: one with a case of a rule about a
    person, a household head, a child under 14 and another adult. (role → id, name, born)"""
    members = [(h, p) for h in world.households for p in h.members]
    used = {p.id_number for _, p in members}
    plain = [
        (h, p)
        for h, p in members
        if p.printed_id is None and p.printed_male is None and p.status == "正常"
    ]
    adult_on = world.start - timedelta(days=365 * 20)
    child_on = world.start - timedelta(days=365 * 10)
    case_ids = {c.id_number for c in world.cases if c.rule_code in ("YL-01", "YL-04", "EMP-03")}
    picks = {
        "case": next(p for _, p in plain if p.id_number in case_ids),
        "head": next(p for _, p in plain if p.relation == "户主" and p.born < adult_on),
        "child": next(p for _, p in plain if p.born > child_on),
    }
    taken = {id(p) for p in picks.values()}
    picks["adult"] = next(
        p
        for _, p in plain
        if p.born < adult_on and id(p) not in taken and p.id_number not in case_ids
    )
    seeded = {}
    for role, person in picks.items():
        number = _canary_id(person, used)
        used.add(number)
        person.id_number, person.name = number, CANARY_NAMES[role]
        seeded[role] = (number, person.name, person.born)
    return seeded


def _id_forms(number: str) -> set[str]:
    """The 18-character ID and its legacy 15-digit form."""
    return {number, number[:6] + number[8:17]}


@contextlib.contextmanager
def _everything_printed(sink: Path):
    """Every log record (DEBUG and up) and everything written to stdout and stderr, by Python
    or below it, while the block runs."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    root, handler = logging.getLogger(), Keep(logging.DEBUG)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    text = io.StringIO()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    with sink.open("wb") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
                yield records
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            root.removeHandler(handler)
            root.setLevel(level)
    records.append(text.getvalue())
    records.append(sink.read_bytes().decode("utf-8", errors="replace"))


@pytest.fixture(scope="module")
def canary_county(tmp_path_factory: pytest.TempPathFactory):
    """The county with its canaries run for three days through the job; what was seen."""
    root = tmp_path_factory.mktemp("canary")
    seeded = {}

    class Builder(generate_module.CountyBuilder):
        def build(self):
            world = super().build()
            seeded.update(_seed_canaries(world))
            return world

    with pytest.MonkeyPatch.context() as env:
        env.setenv("YULU_DATA_DIR", str(root / "data"))
        env.setenv("YULU_REFERENCE_DIR", str(REPO_ROOT / "data" / "reference"))
        env.setenv("DAGSTER_HOME", str(root / "dagster"))
        env.setattr(generate_module, "CountyBuilder", Builder)
        settings = load_settings()
        generate(settings.data_dir, settings.reference_dir, households=300, days=3, seed=7)
        with dg.DagsterInstance.ephemeral() as instance:
            with _everything_printed(root / "output.txt") as printed:
                run_days(DAYS, instance)
            events = [
                dg.serialize_value(entry)
                for run in instance.get_runs()
                for entry in instance.all_logs(run.run_id)
            ]
            events += [dg.serialize_value(run) for run in instance.get_runs()]
        yield settings.data_dir, seeded, printed, events


def _cells(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() where not internal"
        ).fetchall()
        cells = []
        for (table,) in tables:
            cells += [
                str(v) for row in con.execute(f"select * from {table}").fetchall() for v in row
            ]
        cells += [str(c) for (c,) in con.execute("select comment from duckdb_columns()").fetchall()]
    return cells


def _hits(texts, seeded) -> list[str]:
    """Which canary IDs (18 or 15 digits) and full names occur in any of `texts`."""
    wanted = {form for number, _, _ in seeded.values() for form in _id_forms(number)}
    wanted |= {name for _, name, _ in seeded.values()}
    wanted.add(TEST_PSEUDONYM_KEY)
    blob = "\n".join(texts)
    return sorted(w for w in wanted if w in blob)


@pytest.mark.slow
def test_no_canary_id_name_or_key_where_the_shared_tier_reads(canary_county):
    data, seeded, printed, events = canary_county
    assert set(seeded) == set(CANARY_NAMES)
    shared = _cells(data / "warehouse" / "yulu_shared.duckdb")
    exports = [
        str(cell.value)
        for book in (data / "exports").rglob("*.xlsx")
        for sheet in openpyxl.load_workbook(book, read_only=True)
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    docs = [
        p.read_text(encoding="utf-8", errors="replace")
        for p in (data / "docs").rglob("*")
        if p.is_file()
    ]
    manifest = [(data / "warehouse" / "versions" / "manifest.json").read_text(encoding="utf-8")]
    assert len(shared) > 10_000 and len(exports) > 1_000 and docs and len(events) > 100
    # the capture caught the runs' own log lines, on the terminal and in the event log
    assert any("published version" in t for t in printed)
    assert any("published version" in e for e in events)
    for place, texts in {
        "shared warehouse": shared,
        "exports": exports,
        "log output": printed,
        "Dagster event log and runs": events,
        "Data Docs": docs,
        "versions manifest": manifest,
    }.items():
        assert _hits(texts, seeded) == [], place

    # the same scan over the restricted warehouse finds every canary: the scan works
    restricted = _cells(data / "warehouse" / "yulu.duckdb")
    expected = sorted({n for n, _, _ in seeded.values()} | {m for _, m, _ in seeded.values()})
    assert [h for h in _hits(restricted, seeded) if h in expected] == expected


def _expected_key(number: str) -> str:
    return hmac.new(TEST_PSEUDONYM_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


@pytest.mark.slow
def test_masked_columns_and_person_keys_agree_with_the_restricted_file(canary_county):
    data, seeded, _, _ = canary_county
    shared = duckdb.connect(str(data / "warehouse" / "yulu_shared.duckdb"), read_only=True)
    restricted = duckdb.connect(str(data / "warehouse" / "yulu.duckdb"), read_only=True)
    number, name, _ = seeded["adult"]
    key = _expected_key(number)
    [row] = shared.execute(
        "select id_number, name, birth_date from mart.persons where person_key = ?", [key]
    ).fetchall()
    assert row == (mask_id(number), mask_name(name), None)
    columns = [r[0] for r in shared.execute("describe mart.persons").fetchall()]
    assert columns[columns.index("id_number") + 1] == "person_key"
    # every valid restricted ID of an adult is in the shared persons under its HMAC
    adults = restricted.execute(
        "select id_number from mart.persons where id_number is not null and age >= 14"
    ).fetchall()
    keys = {k for (k,) in shared.execute("select person_key from mart.persons").fetchall()}
    assert {_expected_key(i) for (i,) in adults} <= keys


@pytest.mark.slow
def test_a_child_has_no_person_row_and_its_cases_no_id(canary_county):
    data, seeded, _, _ = canary_county
    number, _, born = seeded["child"]
    assert DAYS[-1].year - born.year <= 14
    with duckdb.connect(str(data / "warehouse" / "yulu_shared.duckdb"), read_only=True) as con:
        key = _expected_key(number)
        for table in ("mart.persons", "mart.vocational_intent", "mart.enrolled_students"):
            found = con.execute(f"select count(*) from {table} where person_key = ?", [key])
            assert found.fetchone() == (0,), table
        young = con.execute(
            "select count(*) from mart.persons where age < 14 or (age is null and "
            "id_status in ('valid', 'upgraded'))"
        ).fetchone()
        assert young == (0,)
    with duckdb.connect(str(data / "warehouse" / "yulu.duckdb"), read_only=True) as con:
        children = con.execute("select count(*) from mart.persons where age < 14").fetchone()[0]
        child_cases = con.execute(
            "select as_of, case_id from history.discrepancies where length(id_number) = 18 and "
            "try_strptime(substr(id_number, 7, 8), '%Y%m%d')::date > as_of - interval 14 year"
        ).fetchall()
    assert children > 100  # the county has children, and the shared file has none of them
    with duckdb.connect(str(data / "warehouse" / "yulu_shared.duckdb"), read_only=True) as con:
        for as_of, case in child_cases:  # (tests/test_shared_tables.py makes such a case)
            found = con.execute(
                "select id_number, person_key from history.discrepancies "
                "where as_of = ? and case_id = ?",
                [as_of, case],
            ).fetchall()
            assert found == [(None, None)], case


@pytest.mark.slow
def test_one_birth_year_of_the_county_enumerated_finds_no_key_without_the_secret(canary_county):
    """Every possible ID of 卢氏县 born in one year (365 days × 1000 sequences, check digit
    computed): hashed every way an attacker would try without the key, not one matches a
    person_key of the shared file; with the key, the same search finds exactly the people of
    that year and county, so the search itself works."""
    data, _, _, _ = canary_county
    with duckdb.connect(str(data / "warehouse" / "yulu.duckdb"), read_only=True) as con:
        [(year,)] = con.execute(
            "select year(birth_date) from mart.persons where id_number like '411224%' "
            "and age >= 14 group by 1 order by count(*) desc, 1 limit 1"
        ).fetchall()
        people = {
            i
            for (i,) in con.execute(
                "select id_number from mart.persons where id_number like ? and age >= 14",
                [f"411224{year}%"],
            ).fetchall()
        }
    with duckdb.connect(str(data / "warehouse" / "yulu_shared.duckdb"), read_only=True) as con:
        keys = {k for (k,) in con.execute("select person_key from mart.persons").fetchall() if k}
    assert len(people) >= 5

    candidates = []
    day = date(year, 1, 1)
    while day.year == year:
        for seq in range(1000):
            body = f"411224{day:%Y%m%d}{seq:03d}"
            candidates.append(body + ric.calc_check_digit(body + "0"))
        day += timedelta(days=1)
    assert len(candidates) >= 365_000 and people <= set(candidates)

    guesses = {
        "sha256": lambda i: hashlib.sha256(i.encode()).hexdigest(),
        "sha1+md5": lambda i: hashlib.md5(hashlib.sha1(i.encode()).digest()).hexdigest(),
        "hmac, empty key": lambda i: hmac.new(b"", i.encode(), hashlib.sha256).hexdigest(),
        "hmac, wrong key": lambda i: hmac.new(b"yulu", i.encode(), hashlib.sha256).hexdigest(),
    }
    for how, guess in guesses.items():
        assert not [i for i in candidates if guess(i) in keys], how

    found = {i for i in candidates if _expected_key(i) in keys}
    assert found == people


@pytest.mark.slow
def test_the_same_person_has_the_same_key_in_every_table_and_day(canary_county):
    data, seeded, _, _ = canary_county
    number, _, _ = seeded["case"]
    key = _expected_key(number)
    with duckdb.connect(str(data / "warehouse" / "yulu_shared.duckdb"), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select schema_name || '.' || table_name from duckdb_columns() "
                "where column_name = 'person_key' group by 1"
            ).fetchall()
        ]
        seen = {
            t: con.execute(
                f"select count(*) from {t} where id_number = ? and person_key = ?",
                [mask_id(number), key],
            ).fetchone()[0]
            for t in tables
        }
        days = con.execute(
            "select count(distinct as_of), count(distinct person_key) from history.discrepancies "
            "where id_number = ? and person_key is not null",
            [mask_id(number)],
        ).fetchone()
    assert seen["mart.persons"] == 1 and seen["mart.discrepancies"] >= 1, seen
    assert seen["history.discrepancies"] >= 1, seen
    assert days[0] >= 1 and days[1] == 1  # one key, on every day the case was found
