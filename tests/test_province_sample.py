"""The province sample (`yulu sample --province`) at a small size: a few thousand clean
households around the embedded county, through the real pipeline on both delivery days. The
cases found are exactly the answer key's, and every row written is staged or quarantined as
the ingestion key and the manifest say; all expected values come from the generator."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from conftest import published, read_answer_key, run_days
from test_pipeline import assert_matches_key, found

from pipelines.ingest.kinds import KINDS
from pipelines.sample.generate import DEFAULT_START
from pipelines.sample.province import generate_province
from pipelines.settings import load_settings

HOUSEHOLDS = 4000
DAYS = [DEFAULT_START, date.fromordinal(DEFAULT_START.toordinal() + 1)]


def _generate(root: Path, seed: int, households: int = HOUSEHOLDS):
    return generate_province(
        root, load_settings().reference_dir, households, seed, progress=lambda _: None
    )


def _read_manifest(data_dir: Path) -> dict:
    return json.loads((data_dir / "sample" / "province_manifest.json").read_text("utf-8"))


def test_a_small_province_gives_its_answer_key_and_accounts_for_every_row(data_dir):
    province = _generate(data_dir, seed=41)
    manifest = _read_manifest(data_dir)
    assert (manifest["households"], manifest["seed"]) == (HOUSEHOLDS, 41)
    assert [d["day"] for d in manifest["days"]] == [d.isoformat() for d in DAYS]
    assert {f["department"] for f in manifest["days"][1]["files"]} == {"hrss"}

    run_days(DAYS)  # the daily job of `yulu run` and the UI, with its blocking checks

    expected = read_answer_key(province.key_path)
    assert {as_of for as_of, *_ in expected} == {d.isoformat() for d in DAYS}
    # every case is the embedded county's: the bulk around it is clean
    assert {h[:6] for _, _, h, _ in expected if h} == {"411224"}
    assert_matches_key(expected, found(data_dir))

    with published(data_dir) as con:
        ledger = {
            (str(day), dept, name): (status, kind, read, staged, quarantined, counted, sha)
            for day, dept, name, status, kind, read, staged, quarantined, counted, sha in (
                con.execute(
                    "select delivery_date, department, file_name, status, kind, rows_read, "
                    "rows_staged, rows_quarantined, rows_counted, file_sha256 from audit.files"
                ).fetchall()
            )
        }
        aside = con.execute(
            "select file_sha256, reason_code, count(*) from audit.rejected_rows group by all"
        ).fetchall()
        households = con.execute("select count(*) from mart.households").fetchone()[0]
    assert households == HOUSEHOLDS

    reasons: dict[str, list[str]] = {}
    for sha, code, n in aside:
        reasons.setdefault(sha, []).append(f"{code}={n}")
    with (data_dir / "sample" / "ingest_key.csv").open(encoding="utf-8") as f:
        key = {
            (r["delivery_date"], r["department"], r["file_name"]): (r["status"], r["set_aside"])
            for r in csv.DictReader(f)
        }
    listed = {}
    for day in manifest["days"]:
        for entry in day["files"]:
            _, _, dept, name = entry["path"].split("/")
            listed[(day["day"], dept, name)] = entry
    assert set(ledger) == set(key) == set(listed)
    for where, (status, kind, read, staged, quarantined, counted, sha) in ledger.items():
        entry = listed[where]
        assert (status, ";".join(sorted(reasons.get(sha, [])))) == key[where], where
        assert kind == entry["kind"] and kind in KINDS, where
        assert read == staged + quarantined == counted == entry["rows"], where
        assert staged > 0, where


def test_the_manifest_says_how_to_read_each_file(tmp_path):
    _generate(tmp_path, seed=42, households=1500)
    manifest = _read_manifest(tmp_path)
    encodings = set()
    for day in manifest["days"]:
        for entry in day["files"]:
            path = tmp_path / entry["path"]
            data = path.read_bytes()
            text = data.decode(entry["encoding"])
            encodings.add(entry["encoding"])
            lines = text.split("\r\n")
            header = lines[entry["header_line"] - 1].split(entry["delimiter"])
            headers = {h for f in KINDS[entry["kind"]].fields for h in f.headers}
            assert "证件号码" in header or len(set(header) & headers) >= 6, entry["path"]
            if entry["department"] == "rural":
                assert not data.startswith(b"\xef\xbb\xbf")
                try:
                    data.decode("utf-8")
                    raise AssertionError(f"{entry['path']} should be in a Chinese codepage")
                except UnicodeDecodeError:
                    pass
    assert {"gb18030", "utf-8", "utf-8-sig"} <= encodings


def test_same_seed_same_files_and_hrss_changes_a_little_on_day_1(tmp_path):
    def digests(root: Path) -> dict[str, str]:
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    _generate(tmp_path / "a", seed=43, households=1500)
    _generate(tmp_path / "b", seed=43, households=1500)
    _generate(tmp_path / "c", seed=44, households=1500)
    first = digests(tmp_path / "a")
    assert first == digests(tmp_path / "b")
    assert first != digests(tmp_path / "c")

    # HR's second delivery: the same rows, about one in a hundred with another employer
    def jobs(day: date) -> Counter:
        path = tmp_path / "a" / "inbox" / day.isoformat() / "hrss" / "就业登记.csv"
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))[1:]
        return Counter(tuple(r[2:7]) for r in rows)  # status, form, employer, code, region

    before, after = jobs(DAYS[0]), jobs(DAYS[1])
    changed = sum((before - after).values())
    assert before.total() == after.total() and 0 < changed < 0.05 * before.total()


def test_yulu_sample_province_from_the_command_line(tmp_path):
    env = {**os.environ, "YULU_DATA_DIR": str(tmp_path / "data")}
    yulu = [str(Path(sys.executable).parent / "yulu"), "sample", "--province"]
    done = subprocess.run(
        [*yulu, "--households", "1200", "--seed", "5"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "sample province: 1,200 households" in done.stdout
    assert "manifest:" in done.stdout and " rows" in done.stderr  # progress: counts only
    refused = subprocess.run([*yulu, "--days", "3"], env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "--days" in refused.stderr
