"""The sample county: same seed, same files; the departments' formats and dirt; days that
differ; and the `yulu` command line end to end on it."""

from __future__ import annotations

import csv
import hashlib
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
from conftest import day_range

from pipelines.ingest.stage import ingest_delivery
from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import load_settings
from pipelines.warehouse import working_db


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _generate(root: Path, seed: int, households: int = 200, days: int = 3) -> Path:
    reference = load_settings().reference_dir
    generate(root, reference, households=households, days=days, seed=seed)
    return root


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    first = _digests(_generate(tmp_path / "a", seed=4))
    assert first == _digests(_generate(tmp_path / "b", seed=4))
    other = _digests(_generate(tmp_path / "c", seed=5))
    assert first.keys() == other.keys() and first != other


def test_extracts_come_in_the_departments_formats(tmp_path):
    root = _generate(tmp_path, seed=8, days=1)
    day = root / "inbox" / DEFAULT_START.isoformat()
    members = next((day / "rural").glob("*.xlsx"))
    sheet = openpyxl.load_workbook(members, read_only=True).worksheets[0]
    title, groups, fields = (
        [c for c in row if c] for row in sheet.iter_rows(max_row=3, values_only=True)
    )
    assert len(title) == 1 and "家庭成员信息" in title[0]
    assert "基本信息" in groups and "证件号码" in groups + fields and "姓名" in groups + fields

    education = next((day / "education").glob("*.xls")).read_bytes()
    assert education.lstrip().startswith(b"<html") and b"charset=gb18030" in education
    education.decode("gb18030")
    try:
        education.decode("utf-8")
        raise AssertionError("the education extract should not be UTF-8")
    except UnicodeDecodeError:
        pass
    technical = next((day / "hrss").glob("技工*.xls")).read_bytes()
    assert technical.startswith(b"\xd0\xcf\x11\xe0")  # a binary Excel 97-2003 workbook
    assert next((day / "hrss").glob("*.txt")).read_bytes().startswith(b"\xff\xfe")  # UTF-16
    assert any(p.read_bytes().startswith(b"\xef\xbb\xbf") for p in day.rglob("*.csv"))


def test_every_file_of_the_sample_reaches_the_ledger_as_its_ingestion_key_says(data_dir):
    """The generator writes, before anything reads the inbox, each file's status and the rows
    it set aside on purpose (totals, signatures, failed formulas, strangers' spoiled rows)."""
    generate(data_dir, load_settings().reference_dir, households=200, days=3, seed=6)
    settings = load_settings()
    with working_db(settings) as con:
        for folder in sorted(settings.inbox_dir.glob("*/*")):
            ingest_delivery(
                con, settings.inbox_dir, folder.name, date.fromisoformat(folder.parent.name)
            )
        ledger = con.execute(
            "select delivery_date::varchar, department, file_name, status, rows_read, "
            "rows_staged + rows_quarantined, rows_counted, file_sha256 from audit.files"
        ).fetchall()
        aside = con.execute(
            "select file_sha256, delivery_date::varchar, reason_code, count(*) "
            "from audit.rejected_rows group by all"
        ).fetchall()
    reasons: dict = {}
    for sha, day, code, n in aside:
        reasons.setdefault((sha, day), []).append(f"{code}={n}")
    got = {
        (day, dept, name): (status, ";".join(sorted(reasons.get((sha, day), []))))
        for day, dept, name, status, read, accounted, counted, sha in ledger
    }
    with (data_dir / "sample" / "ingest_key.csv").open(encoding="utf-8") as f:
        key = {
            (r["delivery_date"], r["department"], r["file_name"]): (r["status"], r["set_aside"])
            for r in csv.DictReader(f)
        }
    assert got == key
    assert all(
        read == accounted == (counted or 0) for _, _, _, _, read, accounted, counted, _ in ledger
    )
    formats = {(dept, name.rsplit(".", 1)[-1]) for dept, name in ((k[1], k[2]) for k in key)}
    assert {("education", "xls"), ("hrss", "xls"), ("hrss", "txt"), ("rural", "xlsx")} <= formats


def test_ids_arrive_dirty_and_the_key_is_written_with_the_sample(tmp_path):
    root = _generate(tmp_path, seed=9, days=1)
    subsidies = next((root / "inbox" / DEFAULT_START.isoformat() / "rural").glob("*补助*.csv"))
    with subsidies.open(encoding="utf-8-sig") as f:
        ids = [row["证件号码"] or "" for row in csv.DictReader(f)]  # footers have no ID
    assert any(i != i.strip() or " " in i for i in ids), "stray spaces"
    assert any(any("０" <= c <= "９" for c in i) for i in ids), "full-width digits"
    # a lower-case x somewhere in the day's text extracts (few IDs end in X: look at them all)
    texts = [
        f.read_bytes().decode("gbk" if "就业" in f.name else "utf-8-sig")
        for f in (root / "inbox" / DEFAULT_START.isoformat()).glob("*/*.csv")
    ]
    assert any(re.search(r"\d{17}x", text) for text in texts), "a lower-case x"
    with (root / "sample" / "answer_key.csv").open(encoding="utf-8") as f:
        key = list(csv.DictReader(f))
    assert key and set(key[0]) == {"as_of", "rule_code", "household_id", "id_number"}


def test_a_department_sends_nothing_on_some_day(tmp_path):
    root = _generate(tmp_path, seed=10, days=5)
    sent = {
        (d.isoformat(), dept): (root / "inbox" / d.isoformat() / dept).is_dir()
        for d in day_range(DEFAULT_START, 5)
        for dept in ("education", "hrss", "rural")
    }
    assert all(sent[(DEFAULT_START.isoformat(), dept)] for dept in ("education", "hrss", "rural"))
    assert not all(sent.values())


def test_yulu_sample_and_run_from_the_command_line(tmp_path):
    env = {
        **os.environ,
        "YULU_DATA_DIR": str(tmp_path / "data"),
        "DAGSTER_HOME": str(tmp_path / "dagster"),
    }
    yulu = [str(Path(sys.executable).parent / "yulu")]
    sample = subprocess.run(
        [*yulu, "sample", "--households", "200", "--days", "2", "--seed", "13"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "answer key:" in sample.stdout
    first, last = DEFAULT_START.isoformat(), day_range(DEFAULT_START, 2)[-1].isoformat()
    run = subprocess.run(
        [*yulu, "run", "--from", first, "--to", last],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    warehouse = tmp_path / "data" / "warehouse" / "yulu.duckdb"
    assert f"warehouse: {warehouse}" in run.stdout
    assert "mart.households" in run.stdout and "open cases per rule" in run.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(as_of,)] = con.execute("select distinct as_of from mart.households").fetchall()
    assert as_of.isoformat() == last
    # the runs are in the Dagster instance the UI reads, so they show in its run history
    assert (tmp_path / "dagster" / "history" / "runs.db").exists()

    bad = subprocess.run(
        [*yulu, "run", "--from", last, "--to", first], env=env, capture_output=True, text=True
    )
    assert bad.returncode != 0 and "D1 <= D2" in bad.stderr
    outside = subprocess.run(
        [*yulu, "run", "--date", "2025-12-31"], env=env, capture_output=True, text=True
    )
    assert outside.returncode != 0 and "days run from 2026-01-01" in outside.stderr

    # a file refused as a whole: the terminal says which file, and why, for the operator
    refused = tmp_path / "data" / "inbox" / last / "hrss" / "就业登记补报.csv"
    refused.write_bytes("姓名,就业状态\n".encode() + "张".encode("gbk"))
    again = subprocess.run(
        [*yulu, "run", "--date", last], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert again.returncode == 1
    assert f"refused: inbox/{last}/hrss/就业登记补报.csv [" in again.stderr
