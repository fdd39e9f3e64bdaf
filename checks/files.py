"""Two checks on each delivery, beside the ledger:

- `files_readable` (blocking): a file of the department was refused as a whole (a required
  column missing, a broken export, a password): what depends on the day does not run, and the
  published warehouse stays as it was, until the file is sent again or taken out of the inbox.
- `rows_quarantined` (warning): rows set aside, with their counts by reason and a few sample
  places (file, row, and the ID masked), for a person to look at; the day goes on.
"""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import duckdb

from assets.keys import staging_key
from pipelines.ingest.kinds import KINDS, KINDS_BY_DEPARTMENT

FILES_CHECK = "files_readable"
QUARANTINE_CHECK = "rows_quarantined"
SAMPLES_PER_REASON = 3


def mask_id(text: str) -> str:
    """An ID cut to its first six and last four characters (the county and the sequence): it
    can be found in the file by who holds the file, and tells nobody else who it is."""
    text = "".join(text.split())
    if len(text) < 12:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def file_check_results(con: duckdb.DuckDBPyConnection, department: str, day: date):
    refused = con.execute(
        "select file_sha256, coalesce(kind, ''), reason_code from audit.files "
        "where department = ? and delivery_date = ? and status = 'rejected' order by 1",
        [department, day],
    ).fetchall()
    for kind in KINDS_BY_DEPARTMENT[department]:
        # a file refused before its kind was known stops every kind of the department
        mine = [r for r in refused if r[1] in ("", kind.name)]
        yield dg.AssetCheckResult(
            asset_key=staging_key(kind.name),
            check_name=FILES_CHECK,
            passed=not mine,
            metadata={
                "files_refused": len(mine),
                # by the start of the content hash: a file's name is free text, may name people
                "files": ", ".join(f"{sha[:12]} ({code})" for sha, _, code in mine) or "none",
            },
        )
    for kind in KINDS_BY_DEPARTMENT[department]:
        yield _quarantine_result(con, kind.name, day)


def _quarantine_result(con: duckdb.DuckDBPyConnection, kind: str, day: date):
    rows = con.execute(
        "select r.reason_code, r.file_sha256, r.source_row, r.raw from audit.rejected_rows r "
        "join audit.files f using (delivery_date, department, file_sha256) "
        "where f.kind = ? and r.delivery_date = ? order by r.reason_code, r.file_sha256, 3",
        [kind, day],
    ).fetchall()
    counts: dict[str, int] = {}
    samples: list[str] = []
    id_headers = [h for f in KINDS[kind].fields if f.kind == "id" for h in f.headers]
    for code, sha, row, raw in rows:
        counts[code] = counts.get(code, 0) + 1
        if counts[code] <= SAMPLES_PER_REASON:
            cells = json.loads(raw)
            number = next((cells[h] for h in id_headers if cells.get(h, "").strip()), "")
            samples.append(f"{code} {sha[:12]} 第{row}行 {mask_id(number)}".rstrip())
    return dg.AssetCheckResult(
        asset_key=staging_key(kind),
        check_name=QUARANTINE_CHECK,
        passed=not rows,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "rows_quarantined": len(rows),
            **{f"reason {code}": n for code, n in counts.items()},
            "samples": "\n".join(samples) or "none",
        },
    )
