"""Ingest: one asset per department, staging every extract kind it sends (DESIGN §3).

The kind of each file comes from its header, so a department's folder is read as a whole; its
kinds are listed in `pipelines/ingest/kinds.py`. Two checks block everything downstream of a
partition: the ledger (`checks/ledger.py`, counts that do not add up) and a file refused as a
whole (`checks/files.py`); rows quarantined warn.
"""

import dagster as dg

from assets.keys import STAGING_KEYS
from checks.files import (
    FILES_CHECK,
    QUARANTINE_CHECK,
    quarantine_results,
    refused_file_results,
)
from checks.ledger import LEDGER_CHECK, ledger_check_results
from checks.schemas import column_schema
from pipelines.ingest.kinds import DEPARTMENT_TITLES, KINDS_BY_DEPARTMENT
from pipelines.ingest.stage import ingest_delivery
from pipelines.partitions import daily_partitions, partition_day
from pipelines.resources import WAREHOUSE_POOL, YuluWarehouse


def department_asset(department: str) -> dg.AssetsDefinition:
    kinds = KINDS_BY_DEPARTMENT[department]
    specs = [
        dg.AssetSpec(
            key,
            group_name="ingest",
            kinds={"duckdb"},
            description=(
                f"One row per staged row of {kind.title} ({kind.name}) delivered by "
                f"{DEPARTMENT_TITLES[department]} ({department}), with its file, sheet and "
                "source row; values normalised, raw text kept where it changed."
            ),
            metadata={"dagster/column_schema": column_schema(kind.name)},
        )
        for key, kind in zip(STAGING_KEYS[department], kinds, strict=True)
    ]
    check_specs = [
        spec
        for key in STAGING_KEYS[department]
        for spec in (
            dg.AssetCheckSpec(LEDGER_CHECK, asset=key, blocking=True),
            dg.AssetCheckSpec(FILES_CHECK, asset=key, blocking=True),
            dg.AssetCheckSpec(QUARANTINE_CHECK, asset=key),
        )
    ]

    @dg.multi_asset(
        name=f"ingest_{department}",
        specs=specs,
        check_specs=check_specs,
        partitions_def=daily_partitions,
        pool=WAREHOUSE_POOL,
        can_subset=False,
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: YuluWarehouse):
        day = partition_day(context)
        settings = warehouse.settings()
        with warehouse.connect() as con:
            outcomes = ingest_delivery(con, settings.inbox_dir, department, day)
            checks = list(ledger_check_results(con, department, day))
            checks += refused_file_results(con, department, day)
            checks += quarantine_results(con, department, day)
        context.log.info(
            f"{department} {day}: {len(outcomes)} files, "
            f"{sum(o.rows_staged for o in outcomes)} rows staged, "
            f"{sum(o.rows_quarantined for o in outcomes)} quarantined"
        )
        for o in outcomes:  # files by content hash: their names are free text, may name people
            file = (o.file_sha256 or "")[:12]
            if o.status == "rejected":
                context.log.warning(f"{department} {day}: file {file} rejected ({o.reason_code})")
            if o.unknown_columns:  # counted only: a header row may hold a person's data
                context.log.warning(
                    f"{department} {day}: file {file} has {len(o.unknown_columns)} unknown "
                    "columns (named in audit.files)"
                )
        for key, kind in zip(STAGING_KEYS[department], kinds, strict=True):
            mine = [o for o in outcomes if o.kind == kind.name]
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={
                    "files": len(mine),
                    "rows_read": sum(o.rows_read for o in mine),
                    "rows_staged": sum(o.rows_staged for o in mine),
                    "rows_quarantined": sum(o.rows_quarantined for o in mine),
                    "delivered": bool(mine),
                },
            )
        yield from checks

    return _ingest


ingest_assets = [department_asset(d) for d in KINDS_BY_DEPARTMENT]
