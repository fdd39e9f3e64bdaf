"""One delivery day through the plain functions the Dagster assets call, stage by stage, timed.

Run in a child process by `province.py` (so that the peak memory measured is the day's own);
the data folder comes from YULU_DATA_DIR as for the product. Returns, as JSON-able values, the
wall time of each stage (ingest per file, conform, reconcile, publish), the rows each stage
handled and the resident memory after it. It prints counts only, never a value of the data.
"""

from __future__ import annotations

import resource
import time
from datetime import date

from checks.expectations import expectation_results
from checks.files import quarantine_results, refused_file_results
from checks.ledger import ledger_check_results
from pipelines.conform.run import conform_day
from pipelines.export.folder import export_day
from pipelines.ingest.kinds import KINDS_BY_DEPARTMENT
from pipelines.ingest.stage import catch_up, ingest_delivery
from pipelines.permissions import restrict_process
from pipelines.publish import publish
from pipelines.reconcile.run import reconcile_day
from pipelines.reference import load_reference
from pipelines.settings import load_settings
from pipelines.warehouse import working_db


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def run_day(day: str) -> dict:
    """Every stage of `day`, as the daily job runs them; the figures of each."""
    restrict_process()  # owner-only files, as under the `yulu` command and Dagster
    as_of = date.fromisoformat(day)
    settings = load_settings()
    stages: list[dict] = []
    started = time.perf_counter()

    def timed(name: str, fn, rows=lambda result: None) -> object:
        begin = time.perf_counter()
        result = fn()
        stages.append(
            {
                "stage": name,
                "seconds": round(time.perf_counter() - begin, 3),
                "rows": rows(result),
                "rss_mib_after": round(_rss_mib()),
            }
        )
        return result

    with working_db(settings) as con:
        files = []
        for department in KINDS_BY_DEPARTMENT:

            def ingest(department=department):
                outcomes = ingest_delivery(con, settings.inbox_dir, department, as_of)
                # the checks the ingest asset runs on the same connection before it returns
                checks = list(ledger_check_results(con, department, as_of))
                checks += refused_file_results(con, department, as_of)
                checks += quarantine_results(con, department, as_of)
                return outcomes, checks

            outcomes, checks = timed(
                f"ingest {department}", ingest, lambda r: sum(o.rows_read for o in r[0])
            )
            failed = [c.check_name for c in checks if not c.passed and c.severity.value == "ERROR"]
            for o in outcomes:
                files.append(
                    {
                        "department": department,
                        "kind": o.kind,
                        "status": o.status,
                        "seconds": round(o.seconds, 3),
                        "rows_read": o.rows_read,
                        "rows_staged": o.rows_staged,
                        "rows_quarantined": o.rows_quarantined,
                        "rows_counted": o.rows_counted,
                    }
                )
            stages[-1]["blocking_checks_failed"] = failed
        timed("catch up", lambda: catch_up(con, settings.inbox_dir, as_of), len)
        timed("reference", lambda: load_reference(con, settings.reference_dir))
        timed("conform", lambda: conform_day(con, as_of), lambda c: sum(c.values()))
        timed("reconcile", lambda: reconcile_day(con, as_of), _reconciled_rows)
        timed(
            "publish",
            lambda: publish(con, settings.working_db, settings.published_db),
            lambda p: sum(t["rows"] for t in (*p.restricted.values(), *p.shared.values())),
        )
        # the checks the publish asset runs on the new file, and the village workbooks
        timed(
            "expectations",
            lambda: list(expectation_results(settings.published_db, settings.docs_dir)),
            len,
        )
        timed(
            "exports",
            lambda: export_day(con, settings.exports_dir, as_of),
            lambda w: w.workbooks,
        )
    return {
        "day": day,
        "seconds": round(time.perf_counter() - started, 3),
        "stages": stages,
        "files": files,
        "published_bytes": settings.published_db.stat().st_size,
        "shared_bytes": settings.shared_db.stat().st_size,
    }


def _reconciled_rows(result) -> int | None:
    if isinstance(result, dict):
        return sum(v for v in result.values() if isinstance(v, int))
    return None
