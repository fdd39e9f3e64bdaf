"""Every connection Yulu opens is locked down: no extension from the network, no file outside
the folders it needs, and no query can change that back."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from pipelines.reader import open_read_only, open_warehouse
from pipelines.reference import REFERENCE_TABLES, load_reference
from pipelines.settings import load_settings
from pipelines.warehouse import working_db


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A CSV in a folder no connection is given."""
    folder = tmp_path / "outside"
    folder.mkdir()
    path = folder / "secret.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    return path


@pytest.fixture
def warehouse(data_dir: Path) -> Path:
    """A small published warehouse, written here the plain way (the test's own file)."""
    path = data_dir / "warehouse" / "yulu.duckdb"
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema mart")
        con.execute("create table mart.discrepancies as select 'ID-01' as rule_code")
    return path


@contextmanager
def working(data_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with working_db(load_settings()) as con:
        yield con


@contextmanager
def reader(data_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_warehouse(shared=False) as con:
        yield con


CONNECTIONS = {"working": working, "reader": reader}


def _setting(con: duckdb.DuckDBPyConnection, name: str):
    return con.execute("select current_setting(?)", [name]).fetchone()[0]


@pytest.mark.parametrize("opened", CONNECTIONS.values(), ids=CONNECTIONS.keys())
def test_connection_is_locked_down(opened, data_dir, warehouse, outside):
    with opened(data_dir) as con:
        # checked first: were they not off, the statements below could reach the network
        assert _setting(con, "enable_external_access") is False
        assert _setting(con, "autoinstall_known_extensions") is False
        assert _setting(con, "autoload_known_extensions") is False
        assert _setting(con, "lock_configuration") is True

        for statement in ("install httpfs", "load httpfs", f"install '{outside}'"):
            with pytest.raises(duckdb.Error):
                con.execute(statement)
        for path in ("/etc/passwd", str(outside)):
            with pytest.raises(duckdb.PermissionException):
                con.execute("select * from read_csv(?)", [path])
            with pytest.raises(duckdb.PermissionException):
                con.execute("select * from read_text(?)", [path])
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"copy (select 1) to '{outside.with_name('out.csv')}'")
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"attach '{outside.with_name('other.duckdb')}' as other")
        for statement in (
            "set enable_external_access = true",
            "set lock_configuration = false",
            "reset lock_configuration",
            "set allowed_directories = ['/']",
            "set autoinstall_known_extensions = true",
        ):
            with pytest.raises(duckdb.InvalidInputException, match="locked"):
                con.execute(statement)
        with pytest.raises(duckdb.PermissionException):
            con.execute("select * from read_csv(?)", [str(outside)])
    assert not outside.with_name("out.csv").exists()


def test_a_reader_opens_nothing_beside_the_warehouse(warehouse):
    beside = warehouse.with_name("beside.csv")
    beside.write_text("a\n1\n", encoding="utf-8")
    with open_read_only(warehouse) as con:
        assert con.execute("select rule_code from mart.discrepancies").fetchall() == [("ID-01",)]
        with pytest.raises(duckdb.PermissionException):
            con.execute("select * from read_csv(?)", [str(beside)])
        with pytest.raises(duckdb.Error):
            con.execute("create table mart.x as select 1")


def test_the_working_db_reads_reference_and_attaches_in_the_warehouse(data_dir):
    with working(data_dir) as con:
        load_reference(con, load_settings().reference_dir)
        assert con.execute("select count(*) from ref.risk_reasons").fetchone()[0] > 0
        con.execute("attach ? as pub", [str(data_dir / "warehouse" / "new.duckdb")])
        con.execute("detach pub")


def test_reference_paths_go_into_sql_as_parameters(data_dir, tmp_path):
    # a folder name with a quote would break SQL that spliced the path in
    reference = tmp_path / "it's reference"
    reference.mkdir()
    for file_name, _ in REFERENCE_TABLES.values():
        shutil.copy(load_settings().reference_dir / file_name, reference / file_name)
    with duckdb.connect() as con:
        con.execute("create schema ref")
        load_reference(con, reference)
        assert con.execute("select count(*) from ref.terms").fetchone()[0] > 0


def test_a_second_connection_in_one_process_shares_the_lock(warehouse):
    with open_read_only(warehouse) as first, open_read_only(warehouse) as second:
        assert _setting(second, "enable_external_access") is False
        assert first.execute("select count(*) from mart.discrepancies").fetchone()[0] == 1


def test_open_warehouse_says_what_is_missing(data_dir):
    with pytest.raises(FileNotFoundError, match="make demo"):
        open_warehouse()
