"""Owner-only files: after `yulu sample` and `yulu run` through the real command, started with
the common umask 022, nothing Yulu created under $YULU_DATA_DIR (inbox, sample, working and
published warehouses, versions, exports, Data Docs, the demo key, Dagster's run storage) can be
read or entered by the group or others."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.settings import REPO_ROOT

YULU = str(Path(sys.executable).with_name("yulu"))


def _yulu(*args: str, env: dict) -> None:
    subprocess.run(
        [YULU, *args],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
        preexec_fn=lambda: os.umask(0o022),  # as a login shell leaves it
    )


@pytest.mark.slow
def test_nothing_yulu_writes_is_open_to_group_or_others(tmp_path):
    data = tmp_path / "data"
    env = {
        **os.environ,
        "YULU_DATA_DIR": str(data),
        "YULU_REFERENCE_DIR": str(REPO_ROOT / "data" / "reference"),
    }
    env.pop("DAGSTER_HOME", None)  # the default: $YULU_DATA_DIR/dagster
    _yulu("sample", "--households", "60", "--days", "2", env=env)
    _yulu("demo-key", env=env)
    _yulu("run", "--from", "2026-11-30", "--to", "2026-12-01", env=env)

    created = sorted(data.rglob("*"))
    names = {p.relative_to(data).parts[0] for p in created}
    assert {"inbox", "sample", "warehouse", "exports", "docs", "dagster"} <= names
    assert (data / "warehouse" / "versions" / "manifest.json").exists()
    assert list((data / "dagster").rglob("*.db"))  # Dagster's own SQLite storage
    open_to_others = [
        f"{stat.filemode(p.lstat().st_mode)} {p.relative_to(data)}"
        for p in [data, *created]
        if p.lstat().st_mode & 0o077 and not p.is_symlink() and p != data
    ]
    assert open_to_others == []
