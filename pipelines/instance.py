"""The Dagster instance Yulu's commands use: $DAGSTER_HOME, with the repository's dagster.yaml."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipelines.settings import REPO_ROOT, Settings


def prepare_dagster_home(settings: Settings) -> Path:
    """Point DAGSTER_HOME at the data directory (unless set) and install dagster.yaml there."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    # YULU_DAGSTER_CONFIG picks another instance file, dagster.postgres.yaml for a shared one
    source = REPO_ROOT / (os.environ.get("YULU_DAGSTER_CONFIG") or "dagster.yaml")
    target = home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)
    return home
