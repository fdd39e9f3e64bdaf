"""A real PostgreSQL server for a test: the distribution's own binaries, a fresh cluster in a
temporary folder, listening on 127.0.0.1 at a free port, removed afterwards."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _binary(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) or not found else found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server() -> Iterator[dict[str, str]]:
    """Yields the YULU_PG_* variables of a database `dagster` on a server started for it."""
    initdb, postgres, createdb = (_binary(n) for n in ("initdb", "postgres", "createdb"))
    if not (initdb and postgres and createdb):
        pytest.skip("PostgreSQL server binaries not installed (Debian package postgresql)")
    # PostgreSQL refuses to run as root: as root, the server runs as `nobody`, in a folder
    # under /tmp that nobody can reach (pytest's own folders are private to root).
    as_server = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="yulu-pg-"))
    os.chmod(root, 0o755)
    if as_server:
        shutil.chown(root, "nobody")
    port, data = str(_free_port()), root / "data"
    server = None
    try:
        subprocess.run(
            [*as_server, initdb, "-D", str(data), "-U", "yulu", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        log = (root / "server.log").open("wb")
        server = subprocess.Popen(
            [*as_server, postgres, "-D", str(data), "-h", "127.0.0.1", "-p", port, "-k", str(root)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while subprocess.run(
            [*as_server, createdb, "-h", "127.0.0.1", "-p", port, "-U", "yulu", "dagster"],
            capture_output=True,
        ).returncode:
            assert server.poll() is None, (root / "server.log").read_text()
            assert time.monotonic() < deadline, "PostgreSQL did not start in 60 s"
            time.sleep(0.5)
        yield {
            "YULU_PG_HOST": "127.0.0.1",
            "YULU_PG_PORT": port,
            "YULU_PG_USER": "yulu",
            "YULU_PG_PASSWORD": "not-checked-by-trust-auth",
            "YULU_PG_DB": "dagster",
        }
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)
