"""Checks that stop bad data: a file refused as a whole stops the day before anything is
published; rows quarantined warn, with counts and masked samples, and let the day go on."""

from __future__ import annotations

import re
import shutil

import dagster as dg
import duckdb
from builders import HEADERS
from conftest import day_range, published, published_tables, run_days

from checks.expectations import EXPECTATIONS_CHECK, expectation_results
from checks.files import FILES_CHECK, QUARANTINE_CHECK, mask_id
from pipelines.definitions import DAILY_JOB, defs
from pipelines.publish import MART_TABLES
from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import load_settings

DAYS = day_range(DEFAULT_START, 2)


def _run(day) -> dg.ExecuteInProcessResult:
    job = defs.resolve_job_def(DAILY_JOB)
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(
            partition_key=day.isoformat(), instance=instance, raise_on_error=False
        )


def _checks(result: dg.ExecuteInProcessResult, name: str) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        e.asset_key.to_user_string(): e
        for e in result.get_asset_check_evaluations()
        if e.check_name == name
    }


def test_a_file_missing_a_required_column_stops_the_day_and_nothing_is_published(data_dir):
    generate(data_dir, load_settings().reference_dir, households=120, days=2, seed=3)
    run_days(DAYS[:1])
    before = published_tables(data_dir)
    folder = data_dir / "inbox" / DAYS[1].isoformat() / "rural"
    folder.mkdir(parents=True, exist_ok=True)
    header = [h for h in HEADERS["rural_subsidies"] if h != "证件号码"]
    (folder / "补助补报.csv").write_text(",".join(header) + "\n" + ",".join(header) + "\n")

    stopped = _run(DAYS[1])

    assert not stopped.success
    refused = _checks(stopped, FILES_CHECK)
    assert not refused["staging/rural_subsidies"].passed
    assert refused["staging/hrss_employment"].passed  # another department is not to blame
    assert "UNKNOWN_HEADER" in refused["staging/rural_subsidies"].metadata["files"].value
    materialized = {
        e.asset_key.to_user_string() for e in stopped.get_asset_materialization_events()
    }
    assert "staging/rural_subsidies" in materialized and "mart/households" not in materialized
    assert published_tables(data_dir) == before

    (folder / "补助补报.csv").unlink()  # taken out of the inbox: the day goes through
    assert _run(DAYS[1]).success
    assert published_tables(data_dir) != before


def test_quarantined_rows_warn_with_counts_and_masked_ids_and_the_day_goes_on(data_dir):
    generate(data_dir, load_settings().reference_dir, households=120, days=1, seed=3)
    hrss = data_dir / "inbox" / DAYS[0].isoformat() / "hrss"
    shutil.copyfile(
        hrss / "就业登记.csv", hrss / "就业登记（副本）.csv"
    )  # a copy: not counted twice
    result = _run(DAYS[0])
    assert result.success
    warned = _checks(result, QUARANTINE_CHECK)["staging/hrss_employment"]
    assert not warned.passed and warned.severity == dg.AssetCheckSeverity.WARN
    metadata = {k: v.value for k, v in warned.metadata.items()}
    # the generator's strangers: one placeholder ID, one row with a field too many
    assert (metadata["reason ID_MISSING"], metadata["reason FIELD_COUNT"]) == (1, 1)
    samples = metadata["samples"]
    assert "FIELD_COUNT" in samples and "******" in samples
    assert not re.search(r"\d{17}[\dX]", samples)  # no whole ID number anywhere
    assert _checks(result, QUARANTINE_CHECK)["staging/rural_intents"].passed


def test_an_id_is_masked_to_its_county_and_sequence():
    assert mask_id("41122420090301021X") == "411224********021X"
    assert mask_id(" 4112242009 0301021X ") == "411224********021X"
    assert mask_id("不详") == "**"


def test_expectations_hold_on_a_published_day_and_their_docs_name_nobody(data_dir):
    generate(data_dir, load_settings().reference_dir, households=120, days=1, seed=3)
    result = _run(DAYS[0])
    found = _checks(result, EXPECTATIONS_CHECK)
    assert set(found) == {f"mart/{t}" for t in MART_TABLES}
    assert all(e.passed for e in found.values()), {k: e.metadata for k, e in found.items()}
    pages = [p for p in (data_dir / "docs").rglob("*.html")]
    assert (data_dir / "docs" / "index.html") in pages and len(pages) > len(MART_TABLES)
    with published(data_dir) as con:
        ids = {i for (i,) in con.execute("select id_number from mart.persons").fetchall() if i}
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert ids and not any(i in text for i in ids)


def test_a_household_published_twice_fails_its_expectation_without_showing_it(data_dir, tmp_path):
    generate(data_dir, load_settings().reference_dir, households=120, days=1, seed=3)
    run_days(DAYS[:1])
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(data_dir / "warehouse" / "yulu.duckdb", broken)
    with duckdb.connect(str(broken)) as con:
        con.execute("insert into mart.households select * from mart.households limit 1")
        [(twice,)] = con.execute("select household_id from mart.households limit 1").fetchall()
    results = {
        r.asset_key.to_user_string(): r for r in expectation_results(broken, tmp_path / "docs")
    }
    households = results["mart/households"]
    assert not households.passed and results["mart/persons"].passed
    failed = households.metadata["failed"].value
    assert failed == "expect_column_values_to_be_unique household_id"
    shown = str(households.metadata) + "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "docs").rglob("*.html")
    )
    assert twice not in shown


def test_a_refused_file_in_an_earlier_delivery_staged_to_catch_up_stops_the_day_too(data_dir):
    generate(data_dir, load_settings().reference_dir, households=120, days=2, seed=3)
    header = [h for h in HEADERS["rural_subsidies"] if h != "证件号码"]
    bad = data_dir / "inbox" / DAYS[0].isoformat() / "rural" / "补助补报.csv"
    bad.write_text(",".join(header) + "\n" + ",".join(header) + "\n")

    later_first = _run(DAYS[1])  # day 2 before day 1: conform stages day 1 to catch up

    assert not later_first.success
    failure = next(e for e in later_first.all_events if e.event_type_value == "STEP_FAILURE")
    assert "files_readable: rural 2026-11-30" in str(failure.event_specific_data.error)
    assert not (data_dir / "warehouse" / "yulu.duckdb").exists()
