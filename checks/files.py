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
from pipelines.masking import mask_id

FILES_CHECK = "files_readable"
QUARANTINE_CHECK = "rows_quarantined"
SAMPLES_PER_REASON = 3


def refused_file_results(con: duckdb.DuckDBPyConnection, department: str, day: date):
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


# the quarantined rows of one kind's staged files on one day (a byte copy shares the hash)
_QUARANTINED = """
    select r.reason_code, r.file_sha256, r.source_row, r.raw
    from audit.rejected_rows r
    join audit.files f using (delivery_date, department, file_sha256)
    where f.kind = ? and r.delivery_date = ? and f.status = 'staged'"""


def quarantine_results(con: duckdb.DuckDBPyConnection, department: str, day: date):
    for kind in KINDS_BY_DEPARTMENT[department]:
        counts = con.execute(
            f"select reason_code, count(*) from ({_QUARANTINED}) group by all order by 1",
            [kind.name, day],
        ).fetchall()
        samples = con.execute(
            f"select * from ({_QUARANTINED}) qualify row_number() over "
            "(partition by reason_code order by file_sha256, source_row) <= ? order by all",
            [kind.name, day, SAMPLES_PER_REASON],
        ).fetchall()
        yield dg.AssetCheckResult(
            asset_key=staging_key(kind.name),
            check_name=QUARANTINE_CHECK,
            passed=not counts,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_quarantined": sum(n for _, n in counts),
                **{f"reason {code}": n for code, n in counts},
                "samples": "\n".join(_sample(kind.name, *row) for row in samples) or "none",
            },
        )


def _sample(kind: str, code: str, sha: str, row: int, raw: str) -> str:
    """Where a quarantined row is, and its ID masked."""
    cells = json.loads(raw)
    id_headers = [h for f in KINDS[kind].fields if f.kind == "id" for h in f.headers]
    number = next((cells[h] for h in id_headers if cells.get(h, "").strip()), "")
    return f"{code} {sha[:12]} 第{row}行 {mask_id(number)}".rstrip()
