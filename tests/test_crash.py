"""A run killed with SIGKILL at several points of a day: the published warehouse still opens and
is unchanged, and running the day again completes it as if nothing had happened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import day_range, published_tables, run_days

from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import REPO_ROOT, load_settings

# The child runs one day in process and stops for good at the named point, after saying so.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import dagster as dg

    point, day, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])

    def stop_after(module, name):
        real = getattr(module, name)
        def wrapper(*args, **kwargs):
            result = real(*args, **kwargs)
            marker.write_text(point)
            time.sleep(600)
            return result
        setattr(module, name, wrapper)

    if point == "staging":  # rows of the day's first file are in, its ledger is not
        import pipelines.ingest.stage as module
        stop_after(module, "_insert_staged")
    elif point == "reconciled":  # the day's cases are written, nothing published yet
        import assets.reconcile as module
        stop_after(module, "reconcile_day")
    elif point == "built":  # the new warehouse is built beside the old one, not yet renamed
        import pipelines.publish as module
        stop_after(module, "_verify")

    from pipelines.definitions import DAILY_JOB, defs
    with dg.DagsterInstance.ephemeral() as instance:
        job = defs.resolve_job_def(DAILY_JOB)
        job.execute_in_process(partition_key=day, instance=instance)
    """
)


def _kill_at(point: str, day: str, tmp_path: Path) -> None:
    marker = tmp_path / f"{point}.reached"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), point, day, str(marker)],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert child.poll() is None, f"the run ended before reaching {point}"
            assert time.monotonic() < deadline, f"{point} not reached in 300 s"
            time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()


@pytest.mark.slow
def test_a_day_killed_anywhere_leaves_the_warehouse_as_it_was_and_a_retry_completes(
    data_dir, tmp_path, monkeypatch
):
    days = day_range(DEFAULT_START, 2)
    generate(data_dir, load_settings().reference_dir, households=150, days=2, seed=11)
    run_days(days[:1])
    before = published_tables(data_dir)

    for point in ("staging", "reconciled", "built"):
        _kill_at(point, days[1].isoformat(), tmp_path)
        assert published_tables(data_dir) == before, point  # opens, and unchanged
    run_days(days[1:])  # the retry
    leftovers = sorted(p.name for p in (data_dir / "warehouse").iterdir())
    assert leftovers == ["versions", "work.duckdb", "yulu.duckdb", "yulu_shared.duckdb"], leftovers

    clean = tmp_path / "clean"
    clean.mkdir()
    monkeypatch.setenv("YULU_DATA_DIR", str(clean))
    generate(clean, load_settings().reference_dir, households=150, days=2, seed=11)
    run_days(days)
    assert published_tables(data_dir) == published_tables(clean)
