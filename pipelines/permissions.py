"""Owner-only files: everything Yulu writes holds or derives from personal data (DESIGN §7).

The entry points (the `yulu` command and the Dagster code location) set the process umask to
077, so that every file and folder they create, theirs or a library's (DuckDB, openpyxl, Great
Expectations, Dagster's run storage), is readable by the owner alone. Files that are built
elsewhere and renamed into place are set explicitly as well, because a rename keeps the mode
the file was created with, whatever process created it.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700


def restrict_process() -> None:
    """Owner-only from now on, for this process and its children."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """`path` and any missing parents created owner-only; `path` itself made owner-only."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    path.chmod(DIR_MODE)
    return path


def make_private(path: Path) -> None:
    """`path`, and everything under it if it is a folder, made owner-only."""
    if path.is_symlink():
        return
    if path.is_dir():
        path.chmod(DIR_MODE)
        for root, dirs, files in os.walk(path):
            for name in dirs:
                Path(root, name).chmod(DIR_MODE)
            for name in files:
                if not Path(root, name).is_symlink():
                    Path(root, name).chmod(FILE_MODE)
    elif path.exists():
        path.chmod(FILE_MODE)
