"""What `yulu run` prints when it is done: rows per table, cases per rule, files and rows, and
the workbooks exported for the villages."""

from __future__ import annotations

from pathlib import Path

from pipelines.export.folder import LISTS_SUFFIX, WORKLIST_SUFFIX
from pipelines.reader import open_read_only
from pipelines.settings import shared_path
from pipelines.versions import read_manifest


def summary_lines(published: Path, exports_dir: Path | None = None) -> list[str]:
    con = open_read_only(published)
    try:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_catalog = current_database() order by 1"
        ).fetchall()
        as_of = con.execute("select max(as_of) from mart.discrepancies").fetchone()[0]
        current = read_manifest(published.parent)["current"]
        lines = [
            f"warehouse: {published} (restricted: full IDs and names)",
            f"shared warehouse: {shared_path(published)} (masked, person_key)",
            f"as of: {as_of}, version {current} (`yulu versions`, `yulu rollback`)",
            "",
            "rows per table:",
        ]
        for (table,) in tables:
            rows = con.execute(f"select count(*) from {table}").fetchone()[0]
            lines.append(f"  {table:<28}{rows:>9,}")
        lines += ["", "open cases per rule (mart.discrepancies):"]
        for code, severity, cases in con.execute(
            "select rule_code, any_value(severity), count(*) from mart.discrepancies "
            "where status = 'open' group by rule_code order by rule_code"
        ).fetchall():
            lines.append(f"  {code:<10}{severity:<9}{cases:>6}")
        resolved = con.execute(
            "select count(*) from mart.discrepancies where status = 'resolved'"
        ).fetchone()[0]
        lines.append(f"  resolved since first seen: {resolved}")
        lines += ["", "files by status (audit.files):"]
        for status, files, read, staged, quarantined, counted in con.execute(
            "select status, count(*), sum(rows_read), sum(rows_staged), sum(rows_quarantined), "
            "sum(rows_counted) from audit.files group by status order by status"
        ).fetchall():
            lines.append(
                f"  {status:<10}{files:>4} files  {read or 0:>8,} read  "
                f"{staged or 0:>8,} staged  {quarantined or 0:>6,} quarantined  "
                f"({counted or 0:,} counted by a second reader)"
            )
        lines += ["", "files read by format and encoding (audit.files):"]
        for file_format, encoding, files in con.execute(
            "select file_format, coalesce(encoding, '-'), count(*) from audit.files "
            "where status = 'staged' group by all order by all"
        ).fetchall():
            lines.append(f"  {file_format:<6}{encoding:<11}{files:>4} files")
        lines += ["", "rows set aside by reason (audit.rejected_rows):"]
        for code, rows in con.execute(
            "select reason_code, count(*) from audit.rejected_rows group by all order by all"
        ).fetchall():
            lines.append(f"  {code:<14}{rows:>6}")
        if exports_dir is not None and as_of is not None:
            lines += ["", *_export_lines(exports_dir / as_of.isoformat())]
        return lines
    finally:
        con.close()


def _export_lines(folder: Path) -> list[str]:
    """The workbooks of the newest day's exports folder, by kind."""
    books = sorted(folder.rglob("*.xlsx")) if folder.is_dir() else []
    worklists = sum(p.stem.endswith(WORKLIST_SUFFIX) for p in books)
    lists = sum(p.stem.endswith(LISTS_SUFFIX) for p in books)
    return [
        f"workbooks for the villages ({folder}):",
        f"  worklists ({WORKLIST_SUFFIX})  {worklists:>6}",
        f"  lists ({LISTS_SUFFIX})      {lists:>6}",
    ]
