"""Publishing both files: versions kept and rolled back, and a built file that does not read
back as it was built (a changed cell, damaged bytes, a WAL left over) never swapped in."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import day_range, process_day

import pipelines.publish as publish_module
from pipelines.cli import main
from pipelines.publish import publish
from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import load_settings, shared_path
from pipelines.versions import PublishRefused, read_manifest, rollback, sha256_file
from pipelines.warehouse import working_db

DAYS = day_range(DEFAULT_START, 3)


def _as_of(path: Path) -> date:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select max(as_of) from mart.discrepancies").fetchone()[0]


@pytest.fixture
def county(data_dir: Path) -> Path:
    generate(data_dir, load_settings().reference_dir, households=60, days=3, seed=31)
    return data_dir / "warehouse"


def test_the_last_n_publishes_are_kept_and_rollback_swaps_one_back(county, monkeypatch):
    monkeypatch.setenv("YULU_KEEP_VERSIONS", "2")
    done = [process_day(day) for day in DAYS]
    published, shared = county / "yulu.duckdb", county / "yulu_shared.duckdb"
    manifest = read_manifest(county)
    kept = [v["version"] for v in manifest["versions"]]
    assert kept == [d.version for d in done[1:]] and manifest["current"] == done[-1].version
    files = sorted(p.name for p in (county / "versions").glob("*.duckdb"))
    assert files == sorted(f"{stem}-{v}.duckdb" for v in kept for stem in ("yulu", "yulu_shared"))
    # the current version is the published file itself, linked, not copied
    live = county / "versions" / f"yulu-{done[-1].version}.duckdb"
    assert live.stat().st_ino == published.stat().st_ino
    assert not list(county.glob("*.wal")) and not list(county.glob(".*"))

    assert main(["rollback"]) == 0
    assert _as_of(published) == _as_of(shared) == DAYS[1]
    assert read_manifest(county)["current"] == done[1].version
    with pytest.raises(PublishRefused, match="no earlier version"):
        rollback(county)
    assert main(["rollback", "--to", done[2].version]) == 0
    assert _as_of(published) == _as_of(shared) == DAYS[2]
    assert main(["rollback", "--to", "2020-01-01-nothing"]) == 1


def test_a_kept_version_changed_since_is_not_rolled_back_to(county):
    first, second = process_day(DAYS[0]), process_day(DAYS[1])
    before = sha256_file(county / "yulu.duckdb")
    kept = county / "versions" / f"yulu_shared-{first.version}.duckdb"
    with kept.open("r+b") as f:
        f.seek(kept.stat().st_size // 2)
        f.write(b"\xff" * 64)
    with pytest.raises(PublishRefused, match="changed since it was kept"):
        rollback(county, first.version)
    assert sha256_file(county / "yulu.duckdb") == before
    assert read_manifest(county)["current"] == second.version


def _tamper_then_verify(monkeypatch, tamper):
    """`_verify` of the restricted file runs after `tamper` changed what was built."""
    real = publish_module._verify

    def verify(path: Path, expected):
        if not path.name.startswith(".yulu_shared"):
            tamper(path)
        return real(path, expected)

    monkeypatch.setattr(publish_module, "_verify", verify)


def _change_a_cell(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update mart.households set income_per_capita = income_per_capita + 1 "
            "where household_id = (select min(household_id) from mart.households)"
        )


def _damage_bytes(path: Path) -> None:
    """Every data block of the file's middle half overwritten (the header left intact)."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(size // 4)
        f.write(b"\x00\xff" * (size // 4))


def _leave_a_wal(path: Path) -> None:
    path.with_name(path.name + ".wal").write_bytes(b"")


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_change_a_cell, "mart.households reads"),
        (_damage_bytes, "yulu-"),
        (_leave_a_wal, "WAL remains"),
    ],
)
def test_a_built_file_that_does_not_read_back_as_built_is_refused(
    county, monkeypatch, tamper, message
):
    first = process_day(DAYS[0])
    before = {p: sha256_file(p) for p in (county / "yulu.duckdb", county / "yulu_shared.duckdb")}
    process_day(DAYS[1], publish_too=False)
    _tamper_then_verify(monkeypatch, tamper)
    settings = load_settings()
    with working_db(settings) as con, pytest.raises(PublishRefused, match=message):
        publish(con, settings.working_db, settings.published_db)
    assert {p: sha256_file(p) for p in before} == before  # the old files stay published
    assert read_manifest(county)["current"] == first.version
    assert len(read_manifest(county)["versions"]) == 1
    assert sorted(p.name for p in county.iterdir()) == [
        "versions",
        "work.duckdb",
        "yulu.duckdb",
        "yulu_shared.duckdb",
    ]


def test_without_a_key_nothing_is_published(county, monkeypatch):
    monkeypatch.delenv("YULU_PSEUDONYM_KEY")
    settings = load_settings()
    process_day(DAYS[0], publish_too=False)
    with working_db(settings) as con, pytest.raises(RuntimeError, match="YULU_PSEUDONYM_KEY"):
        publish(con, settings.working_db, settings.published_db)
    assert not settings.published_db.exists() and not shared_path(settings.published_db).exists()


def test_the_manifest_records_each_files_checksums(county):
    done = process_day(DAYS[0])
    [version] = read_manifest(county)["versions"]
    for stem, tables in (("yulu", done.restricted), ("yulu_shared", done.shared)):
        record = version["files"][stem]
        assert record["sha256"] == sha256_file(county / f"{stem}.duckdb")
        assert record["tables"] == json.loads(json.dumps(tables))
    assert "audit.rejected_rows" in done.restricted and "audit.rejected_rows" not in done.shared
