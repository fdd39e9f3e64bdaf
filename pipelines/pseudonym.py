"""Pseudonymous person keys for the shared warehouse: HMAC-SHA256 of the 18-character ID.

A plain hash of an ID would be no pseudonym: a county has about a million possible IDs per
birth year (address code × days × sequence), which a laptop hashes in a second. The HMAC's key,
`YULU_PSEUDONYM_KEY`, is the secret that makes the enumeration useless; it lives in the
environment only, never in the repository, the warehouse, a log or run metadata.

DuckDB 2.0 has `sha256` but no HMAC (the `crypto` community extension has one, and nothing is
downloaded at run time here), so the keys are computed in Python, once per distinct ID, and
handed to DuckDB as an Arrow table to join on: one pass, no query per row.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa

from pipelines.ingest.ids import VALID, classify_ids
from pipelines.permissions import FILE_MODE

KEY_VARIABLE = "YULU_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 32
DEMO_KEY_FILE = ".demo_pseudonym_key"


class MissingKeyError(RuntimeError):
    """The shared warehouse cannot be built: no usable pseudonym key."""


def pseudonym_key() -> bytes:
    """The key from the environment, or a clear refusal; read at run time only."""
    value = os.environ.get(KEY_VARIABLE, "")
    if not value:
        raise MissingKeyError(
            f"{KEY_VARIABLE} is not set: the shared warehouse (yulu_shared.duckdb) needs it for "
            "its person_key column, and nothing is published without it. Set it to a secret of "
            f"at least {MIN_KEY_LENGTH} characters kept outside the repository (the same value "
            "every day, or the keys change). For the demo's synthetic data only: "
            'YULU_PSEUDONYM_KEY=$(cat "$(.venv/bin/yulu demo-key)") .venv/bin/yulu run ...'
        )
    if len(value) < MIN_KEY_LENGTH:
        raise MissingKeyError(
            f"{KEY_VARIABLE} is shorter than {MIN_KEY_LENGTH} characters: a short key can be "
            "guessed from one known ID and its person_key. Use a long random secret."
        )
    return value.encode("utf-8")


def join_keys(ids: pl.Series, latest: date) -> pl.Series:
    """Per published ID, whether it is a valid join key: an 18-character ID as the ID check
    writes it (check character and birth date right). Only those get a person_key."""
    judged = classify_ids(ids, latest)
    return ((judged["id_status"] == VALID) & (judged["id_number"] == ids)).fill_null(False)


def pseudonym_table(ids: pl.Series, key: bytes, latest: date) -> pa.Table:
    """(id_number, person_key) for each of the distinct, non-null `ids` but the empty one: the
    lowercase hex HMAC-SHA256 of the ID, null where it is not a join key.

    The IDs are judged as a column; the HMAC is keyed once and copied per ID (a province
    publishes seven million IDs)."""
    ids = ids.filter(ids != "")
    keyed = hmac.new(key, digestmod=hashlib.sha256)

    def one(id_number: str) -> str:
        mac = keyed.copy()
        mac.update(id_number.encode("ascii"))
        return mac.hexdigest()

    keys = [
        one(i) if usable else None
        for i, usable in zip(ids.to_list(), join_keys(ids, latest).to_list(), strict=True)
    ]
    return pa.table({"id_number": ids.to_arrow(), "person_key": pa.array(keys, pa.string())})


def ensure_demo_key(data_dir: Path) -> Path:
    """The local demo key file under the data folder, created owner-only if missing."""
    path = data_dir / DEMO_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path
