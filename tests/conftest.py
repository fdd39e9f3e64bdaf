"""Shared fixtures: every test works under its own tmp_path, never in the working tree."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.settings import REPO_ROOT

DAY = date(2026, 11, 30)  # the delivery day of tests that stage files directly
# The tests' own pseudonym key for the shared warehouse; a test of the key's absence removes it.
TEST_PSEUDONYM_KEY = "yulu-tests-only-" + "5f3a9c0e" * 6


@pytest.fixture(autouse=True, scope="session")
def pseudonym_key():
    with pytest.MonkeyPatch.context() as env:
        env.setenv("YULU_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)
        yield TEST_PSEUDONYM_KEY


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("YULU_DATA_DIR", str(root))
    monkeypatch.setenv("YULU_REFERENCE_DIR", str(REPO_ROOT / "data" / "reference"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    return root


def ingest_files(data_dir: Path, files: dict[str, bytes], department: str = "rural"):
    """(audit.files rows, rejected rows) after ingesting `files` as one delivery on DAY."""
    from pipelines.ingest.stage import ingest_delivery
    from pipelines.settings import load_settings
    from pipelines.warehouse import working_db

    folder = data_dir / "inbox" / DAY.isoformat() / department
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    settings = load_settings()
    with working_db(settings) as con:
        ingest_delivery(con, settings.inbox_dir, department, DAY)
        files = con.execute(
            "select file_name, status, rows_read, rows_staged, rows_quarantined, rows_counted, "
            "detail, reason_code from audit.files order by file_name"
        ).fetchall()
        rejected = con.execute(
            "select source_row, reason_code, reason, raw from audit.rejected_rows order by 1"
        ).fetchall()
    return files, rejected


def process_day(day: date, publish_too: bool = True):
    """One day through the plain functions its assets call, in their order (ingest, conform
    with earlier deliveries first, reconcile, publish), without Dagster; returns what publish
    returns."""
    from pipelines.conform.run import conform_day
    from pipelines.ingest.stage import catch_up, ingest_delivery
    from pipelines.publish import publish
    from pipelines.reconcile.run import reconcile_day
    from pipelines.reference import load_reference
    from pipelines.settings import load_settings
    from pipelines.warehouse import working_db

    settings = load_settings()
    with working_db(settings) as con:
        for department in ("education", "hrss", "rural"):
            ingest_delivery(con, settings.inbox_dir, department, day)
        catch_up(con, settings.inbox_dir, day)
        load_reference(con, settings.reference_dir)
        conform_day(con, day)
        reconcile_day(con, day)
        if publish_too:
            return publish(con, settings.working_db, settings.published_db)
    return None


def run_days(days: list[date], instance: dg.DagsterInstance | None = None) -> None:
    """Process delivery days through the same job the UI and `yulu run` use, on `instance` if
    given (to read its event log afterwards), else on an ephemeral one."""
    from pipelines.definitions import DAILY_JOB, defs

    job = defs.resolve_job_def(DAILY_JOB)
    if instance is None:
        with dg.DagsterInstance.ephemeral() as ephemeral:
            run_days(days, ephemeral)
        return
    for day in days:
        result = job.execute_in_process(partition_key=day.isoformat(), instance=instance)
        assert result.success, day


def day_range(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


def published(data_dir: Path) -> duckdb.DuckDBPyConnection:
    """The published warehouse, opened as readers open it (read-only, locked down)."""
    from pipelines.reader import open_read_only

    return open_read_only(data_dir / "warehouse" / "yulu.duckdb")


def published_tables(data_dir: Path) -> dict[str, list]:
    """Every row of every `mart` and `history` table, in a fixed order, for comparing runs."""
    with published(data_dir) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_schema in ('mart', 'history') order by 1"
            ).fetchall()
        ]
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}


def read_answer_key(path: Path) -> set[tuple[str, str, str, str]]:
    with path.open(encoding="utf-8") as f:
        return {
            (r["as_of"], r["rule_code"], r["household_id"], r["id_number"])
            for r in csv.DictReader(f)
        }
