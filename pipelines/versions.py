"""The last N published versions, kept under `warehouse/versions/`, and rollback to one.

Each publish is one version of both files, named by its day and UTC time:
`yulu-<as_of>-<stamp>.duckdb` and `yulu_shared-<as_of>-<stamp>.duckdb`, recorded in
`versions/manifest.json` with each file's SHA-256, size and per-table rows and checksums. A
version is a hard link to the file that was renamed into place, not a copy: it costs no space
or time while it is the live file, and a published file is never written in place (readers
open it read-only; a rename replaces it). Should anyone write into the live file all the same,
the SHA-256 in the manifest tells, and rollback refuses that version. Where the file system
refuses hard links, the file is copied.

`YULU_KEEP_VERSIONS` (default 5) publishes are kept; older ones are deleted, never the current.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from pipelines.permissions import FILE_MODE, private_dir

KEEP_VARIABLE = "YULU_KEEP_VERSIONS"
DEFAULT_KEEP = 5
MANIFEST = "manifest.json"


class PublishRefused(RuntimeError):
    """A built or kept file failed its verification; nothing was swapped in."""


@dataclass(frozen=True)
class FileRecord:
    file: str  # name under versions/
    sha256: str
    bytes: int
    tables: dict[str, dict[str, object]]  # table → {"rows": n, "checksum": text}


def keep_versions() -> int:
    """How many publishes to keep, from the environment at run time."""
    text = os.environ.get(KEEP_VARIABLE) or str(DEFAULT_KEEP)
    try:
        keep = int(text)
    except ValueError:
        keep = 0
    if keep < 1:
        raise ValueError(f"{KEEP_VARIABLE} must be a whole number of at least 1, not {text!r}")
    return keep


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def versions_dir(warehouse: Path) -> Path:
    return warehouse / "versions"


@contextmanager
def _locked(warehouse: Path) -> Iterator[Path]:
    """One publish or rollback at a time on the warehouse folder."""
    folder = private_dir(versions_dir(warehouse))
    with os.fdopen(os.open(folder / ".lock", os.O_WRONLY | os.O_CREAT, FILE_MODE), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_manifest(warehouse: Path) -> dict:
    path = versions_dir(warehouse) / MANIFEST
    if not path.exists():
        return {"current": None, "versions": []}
    return json.loads(path.read_text(encoding="utf-8"))


def _write_manifest(folder: Path, manifest: dict) -> None:
    temporary = folder / f".{MANIFEST}.{uuid.uuid4().hex}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, folder / MANIFEST)


def _keep_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    target.chmod(FILE_MODE)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(built: dict[Path, Path]) -> None:
    """Each built file renamed over its published name, then checked for a stray WAL."""
    for staging, published in built.items():
        staging.chmod(FILE_MODE)
        os.replace(staging, published)
    for published in built.values():
        _fsync_dir(published.parent)
        if wal_of(published).exists():
            raise PublishRefused(f"{wal_of(published).name} remains beside the published file")


def install(
    warehouse: Path,
    as_of: date,
    built: dict[Path, Path],
    tables: dict[Path, dict[str, dict[str, object]]],
) -> str:
    """Keep the verified `built` files (staging → published path) as a new version, swap them
    in, record the version and delete the oldest beyond `YULU_KEEP_VERSIONS`; its id."""
    keep = keep_versions()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    version = f"{as_of.isoformat()}-{stamp}"
    with _locked(warehouse) as folder:
        files = {}
        for staging, published in built.items():
            name = f"{published.stem}-{version}.duckdb"
            files[published.stem] = FileRecord(
                name, sha256_file(staging), staging.stat().st_size, tables[staging]
            )
            _keep_copy(staging, folder / name)
        _swap_in(built)
        manifest = read_manifest(warehouse)
        manifest["versions"].append(
            {
                "version": version,
                "as_of": as_of.isoformat(),
                "published_at": stamp,
                "files": {stem: asdict(r) for stem, r in files.items()},
            }
        )
        manifest["current"] = version
        _prune(folder, manifest, keep)
        _write_manifest(folder, manifest)
    return version


def _prune(folder: Path, manifest: dict, keep: int) -> None:
    """The newest `keep` versions and the current one stay; other files in the folder go."""
    ordered = sorted(manifest["versions"], key=lambda v: v["published_at"])
    kept = ordered[-keep:] + [v for v in ordered[:-keep] if v["version"] == manifest["current"]]
    manifest["versions"] = sorted(kept, key=lambda v: v["published_at"])
    wanted = {r["file"] for v in kept for r in v["files"].values()}
    for path in folder.glob("*.duckdb"):
        if path.name not in wanted:
            path.unlink()


def rollback(warehouse: Path, to: str | None = None) -> dict:
    """Swap a kept version back in, both files at once; by default the one before the current.

    Each kept file is checked against its SHA-256 first; a mismatch refuses the rollback and
    leaves the published files as they are. The next publish replaces the files again."""
    with _locked(warehouse) as folder:
        manifest = read_manifest(warehouse)
        ordered = sorted(manifest["versions"], key=lambda v: v["published_at"])
        ids = [v["version"] for v in ordered]
        if to is None:
            if manifest["current"] not in ids or ids.index(manifest["current"]) == 0:
                raise PublishRefused("no earlier version kept to roll back to")
            target = ordered[ids.index(manifest["current"]) - 1]
        elif to in ids:
            target = ordered[ids.index(to)]
        else:
            raise PublishRefused(f"no kept version {to}; kept: {', '.join(ids) or 'none'}")
        built = {}
        for stem, record in target["files"].items():
            kept = folder / record["file"]
            if not kept.exists() or sha256_file(kept) != record["sha256"]:
                raise PublishRefused(f"{record['file']} is missing or changed since it was kept")
            staging = warehouse / f".{stem}-{uuid.uuid4().hex}.duckdb"
            _keep_copy(kept, staging)
            built[staging] = warehouse / f"{stem}.duckdb"
        _swap_in(built)
        manifest["current"] = target["version"]
        _write_manifest(folder, manifest)
    return target
