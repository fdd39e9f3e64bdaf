"""The whole pipeline in process through Dagster, on generated sample counties under tmp_path:
the published tables of DESIGN §5, the answer key, and re-runs that change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import day_range, published, published_tables, read_answer_key, run_days

from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import load_settings

# DESIGN §5, copied from the contract: each table and the columns it must have at least.
CONTRACT = {
    "mart.households": "household_id, county_code, township_code, township_name, village_code, "
    "village_name, grid_id, household_type, monitoring_category, risk_types, risk_eliminated, "
    "income_per_capita, member_count, head_name, students_enrolled, subsidy_terms_paid, "
    "members_employed, open_discrepancies, risk_level, risk_reasons, as_of",
    "mart.persons": "id_number, household_id, name, relation_to_head, gender, birth_date, age, "
    "person_status, enrollment_status, school_name, level, employment_status, sources, as_of",
    "mart.vocational_intent": "household_id, id_number, name, village_code, age, intent, target, "
    "surveyed_on, surveyed, as_of",
    "mart.enrolled_students": "household_id, id_number, name, village_code, school_name, level, "
    "enrollment_status, term, subsidy_paid, amount, as_of",
    "mart.graduates_current": "household_id, id_number, name, village_code, graduated_on, "
    "intent, employment_status, employer, surveyed, as_of",
    "mart.graduates_earlier": "household_id, id_number, name, village_code, graduated_on, "
    "intent, employment_status, employer, surveyed, as_of",
    "mart.discrepancies": "case_id, rule_code, severity, household_id, id_number, village_code, "
    "departments, detail, first_seen, last_seen, status, as_of",
    "history.discrepancies": "as_of, case_id, rule_code, severity, household_id, id_number",
    "audit.files": "file_sha256, file_name, department, kind, delivery_date, encoding, "
    "rows_read, rows_staged, rows_quarantined, status, detail",
    "audit.rejected_rows": "file_sha256, sheet, source_row, reason_code, reason, raw",
}
# DESIGN §6, copied from the contract: the sample injects cases of every rule.
CATALOGUE = {
    *("ID-01", "ID-02", "ID-03", "ID-04", "ID-05", "ID-07", "DUP-01"),
    *("HH-01", "HH-03", "HH-04", "HH-05"),
    *("YL-01", "YL-02", "YL-03", "YL-04", "YL-05", "YL-07", "YL-08"),
    *("EMP-01", "EMP-03", "EMP-05", "LINK-02"),
}


def sample(data_dir: Path, **kw) -> tuple[list, Path]:
    settings = load_settings()
    world, key = generate(settings.data_dir, settings.reference_dir, **kw)
    return day_range(kw.get("start", DEFAULT_START), kw["days"]), key


def found(data_dir: Path) -> set[tuple[str, str, str, str]]:
    with published(data_dir) as con:
        rows = con.execute(
            "select as_of::varchar, rule_code, coalesce(household_id, ''), "
            "coalesce(id_number, '') from history.discrepancies"
        ).fetchall()
    return set(rows)


def assert_matches_key(expected: set, got: set) -> None:
    """Recall and precision of 100 % for every rule, with the offending keys if not."""
    assert {r for _, r, _, _ in expected} == CATALOGUE
    for rule in sorted(CATALOGUE):
        want = {k for k in expected if k[1] == rule}
        have = {k for k in got if k[1] == rule}
        assert (rule, sorted(want - have), sorted(have - want)) == (rule, [], [])
    assert got <= expected


@pytest.mark.slow
def test_default_sample_matches_its_answer_key_and_publishes_the_contract(data_dir):
    days, key = sample(data_dir, households=3000, days=3)
    run_days(days)
    assert_matches_key(read_answer_key(key), found(data_dir))
    with published(data_dir) as con:
        for table, columns in CONTRACT.items():
            schema, name = table.split(".")
            have = {
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [schema, name],
                ).fetchall()
            }
            assert {c.strip() for c in columns.split(",")} <= have, table
            if schema == "mart":
                assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0, table
        assert con.execute("select distinct as_of from mart.households").fetchall() == [(days[-1],)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "households", "days"), [(7, 800, 5), (12345, 1500, 4), (99, 60, 3)]
)
def test_other_seeds_and_sizes_match_their_answer_keys(data_dir, seed, households, days):
    run, key = sample(data_dir, households=households, days=days, seed=seed)
    run_days(run)
    assert_matches_key(read_answer_key(key), found(data_dir))


def test_running_a_day_again_or_an_older_day_later_changes_nothing(data_dir):
    days, _ = sample(data_dir, households=300, days=3, seed=3)
    run_days(days)
    first = published_tables(data_dir)
    run_days([days[-1]])  # the same day twice
    assert published_tables(data_dir) == first
    run_days([days[0]])  # a backfill of an old day never rolls mart back
    assert published_tables(data_dir) == first


def test_days_out_of_order_give_the_same_warehouse(data_dir, tmp_path, monkeypatch):
    days, _ = sample(data_dir, households=300, days=3, seed=5)
    run_days(days)
    in_order = published_tables(data_dir)
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("YULU_DATA_DIR", str(other))
    sample(other, households=300, days=3, seed=5)
    run_days([days[2], days[0], days[1]])
    assert published_tables(other) == in_order
