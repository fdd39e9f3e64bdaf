"""End to end: the real Dagster webserver and daemon on 127.0.0.1, a backfill of the sample
days launched through the UI's GraphQL API, and the warehouse it publishes compared with a
day-by-day run of the same sample."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest
from conftest import day_range, published_tables, run_days
from postgres import postgres_server

from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import REPO_ROOT, load_settings

DAYS = 3
LAUNCH = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}"""
STATUS = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill { status runs(limit: 100) { runId status } }
    ... on PythonError { message }
  }
}"""
ASSETS = "{ assetNodes { assetKey { path } } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def _wait_until_up(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "dagster dev exited early"
        try:
            if _graphql(port, ASSETS)["assetNodes"]:
                return
        except OSError:
            pass
        time.sleep(1)
    raise TimeoutError("the Dagster webserver did not come up")


@pytest.mark.slow
@pytest.mark.parametrize("config", ["dagster.yaml", "dagster.postgres.yaml"])
def test_backfill_from_the_ui_matches_a_day_by_day_run(data_dir, tmp_path, config):
    """With the embedded instance (SQLite) and the shared one (a real PostgreSQL server)."""
    with ExitStack() as stack:
        database = stack.enter_context(postgres_server()) if "postgres" in config else {}
        _backfill_and_compare(data_dir, tmp_path, config, database)


def _backfill_and_compare(data_dir: Path, tmp_path: Path, config: str, database: dict) -> None:
    settings = load_settings()
    generate(settings.data_dir, settings.reference_dir, households=300, days=DAYS, seed=11)
    days = [d.isoformat() for d in day_range(DEFAULT_START, DAYS)]

    ui_data = tmp_path / "ui-data"
    shutil.copytree(data_dir / "inbox", ui_data / "inbox")
    home = tmp_path / "ui-dagster-home"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / config, home / "dagster.yaml")
    port = _free_port()
    env = {**os.environ, **database, "YULU_DATA_DIR": str(ui_data), "DAGSTER_HOME": str(home)}
    # The servers' output goes to a file: an unread pipe fills up and blocks the run worker.
    log_path = tmp_path / "dagster-dev.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster"),
            "dev",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            "pipelines.definitions",
        ],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_up(port, process)
        keys = [n["assetKey"] for n in _graphql(port, ASSETS)["assetNodes"]]
        launched = _graphql(
            port, LAUNCH, {"params": {"assetSelection": keys, "partitionNames": days}}
        )["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            backfill = _graphql(port, STATUS, {"id": launched["backfillId"]})[
                "partitionBackfillOrError"
            ]
            if backfill["status"] not in ("REQUESTED", "IN_PROGRESS"):
                break
            time.sleep(2)
        assert backfill["status"] == "COMPLETED_SUCCESS", backfill
        assert backfill["runs"] and all(r["status"] == "SUCCESS" for r in backfill["runs"])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    if database:  # the runs are recorded in PostgreSQL, not in a SQLite file beside it
        import psycopg2

        with (
            psycopg2.connect(
                host=database["YULU_PG_HOST"],
                port=database["YULU_PG_PORT"],
                user=database["YULU_PG_USER"],
                dbname=database["YULU_PG_DB"],
            ) as pg,
            pg.cursor() as cursor,
        ):
            cursor.execute("select count(*) from runs where status = 'SUCCESS'")
            assert cursor.fetchone()[0] >= len(days)
        assert not list(home.rglob("*.db")), "SQLite storage beside PostgreSQL"
    output = log_path.read_text(errors="replace")
    assert "Could not set lock" not in output and "IO Error" not in output

    run_days(day_range(DEFAULT_START, DAYS))  # the same sample, day by day, in process
    assert published_tables(ui_data) == published_tables(data_dir)
