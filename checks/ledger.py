"""The ledger check: for every file of a delivery, rows read = rows staged + rows quarantined,
the rows read match the data rows a second reader counted in the file, and the staged and
quarantined counts match the rows actually in the tables."""

from __future__ import annotations

from datetime import date

import dagster as dg
import duckdb

from assets.keys import staging_key
from pipelines.ingest.kinds import KINDS_BY_DEPARTMENT

LEDGER_CHECK = "ledger_balances"


def ledger_imbalances_sql(kind: str) -> str:
    return f"""
        select f.file_sha256, f.rows_read, f.rows_counted, f.rows_staged, f.rows_quarantined,
               (select count(*) from staging.{kind} as s
                where s.file_sha256 = f.file_sha256 and s.delivery_date = f.delivery_date)
                   as staged_in_table,
               (select count(*) from audit.rejected_rows as r
                where r.file_sha256 = f.file_sha256 and r.delivery_date = f.delivery_date)
                   as rejected_in_table
        from audit.files as f
        where f.kind = '{kind}' and f.status = 'staged' and f.delivery_date = ?
          and not (f.rows_read = f.rows_staged + f.rows_quarantined
                   and f.rows_read = coalesce(f.rows_counted, f.rows_read)
                   and staged_in_table = f.rows_staged
                   and rejected_in_table = f.rows_quarantined)"""


def ledger_check_results(con: duckdb.DuckDBPyConnection, department: str, day: date):
    for kind in KINDS_BY_DEPARTMENT[department]:
        bad = con.execute(ledger_imbalances_sql(kind.name), [day]).fetchall()
        yield dg.AssetCheckResult(
            asset_key=staging_key(kind.name),
            check_name=LEDGER_CHECK,
            passed=not bad,
            metadata={
                "files_out_of_balance": len(bad),
                # files by the start of their content hash (audit.files.file_sha256): a file
                # name is free text and may name a person
                "files": ", ".join(row[0][:12] for row in bad) or "none",
            },
        )
