"""Export: per village, the worklist of the day's open cases and the four lists, as Excel
workbooks under `$YULU_DATA_DIR/exports/<day>/` (`pipelines/export/`)."""

import dagster as dg

from assets.keys import EXPORT_KEY, RECONCILE_KEYS
from pipelines.export.folder import export_day
from pipelines.partitions import daily_partitions, partition_day
from pipelines.resources import WAREHOUSE_POOL, YuluWarehouse


@dg.asset(
    key=EXPORT_KEY,
    group_name="export",
    kinds={"excel"},
    deps=RECONCILE_KEYS,
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
)
def worklists(context: dg.AssetExecutionContext, warehouse: YuluWarehouse):
    """One workbook per village and kind (疑点核实 worklist, 四类清单 lists) for the day; one row
    of a worklist is a case open on the day (key case_id, from reconcile.discrepancies), less
    those a cadre found to be data errors or put right on unchanged records. The day's folder is
    replaced whole."""
    day = partition_day(context)
    settings = warehouse.settings()
    with warehouse.connect() as con:
        written = export_day(con, settings.exports_dir, day)
    context.log.info(
        f"exports {day}: {written.worklists} worklists ({written.cases} cases, "
        f"{written.held_back} held back), {written.list_workbooks} lists workbooks"
    )
    return dg.MaterializeResult(
        metadata={
            "workbooks": written.workbooks,
            "worklists": written.worklists,
            "list_workbooks": written.list_workbooks,
            "cases": written.cases,
            "held_back": written.held_back,
            "path": dg.MetadataValue.path(str(written.folder)),
        }
    )
