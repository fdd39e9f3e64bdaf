"""One day's exports folder, `exports/<day>/`, built beside the old one and swapped in whole.

    exports/2026-12-01/
        411224100_城关镇/
            411224100001_和平里社区居民委员会_疑点核实.xlsx   the worklist, sent back filled in
            411224100001_和平里社区居民委员会_四类清单.xlsx   the four lists, to read
        未落户_疑点核实.xlsx   cases whose household is unknown, so that none is lost
        未落户_四类清单.xlsx   list rows whose household is unknown

A village gets a worklist when it has a case to send, and a lists workbook when one of its
lists has a row. Running a day again replaces its folder completely and no other.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import xlsxwriter

from pipelines.export.village_lists import list_rows, list_sheets
from pipelines.export.workbook import write_workbook
from pipelines.export.worklists import (
    held_back_count,
    worklist_cases,
    worklist_notes,
    worklist_sheet,
)
from pipelines.permissions import DIR_MODE, make_private, private_dir

WORKLIST_SUFFIX = "疑点核实"
LISTS_SUFFIX = "四类清单"
NO_VILLAGE = "未落户"
# The fingerprint of each lists workbook written, so that a later day copies what did not change
EXPORTED = "audit.exported_workbooks"
EXPORTED_COLUMNS = "as_of date, path varchar, fingerprint varchar"
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\s]+')


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    township_code: str
    township_name: str

    def folder(self) -> Path:
        return Path(_file_part(f"{self.township_code}_{self.township_name}"))

    def file(self, suffix: str) -> Path:
        return self.folder() / f"{_file_part(f'{self.code}_{self.name}')}_{suffix}.xlsx"


@dataclass(frozen=True)
class DayExport:
    folder: Path
    worklists: int
    list_workbooks: int
    cases: int
    held_back: int

    @property
    def workbooks(self) -> int:
        return self.worklists + self.list_workbooks


def _file_part(text: str) -> str:
    return _UNSAFE_IN_NAME.sub("_", text).strip("._") or "_"


def villages_sql(as_of: date) -> str:
    """Village code → its name and township: the official division table first, the register's
    spelling where the table lacks the code."""
    return f"""
        select village_code,
               first(village_name order by source), first(township_code order by source),
               first(township_name order by source)
        from (
            select 0 as source, village_code, village_name, township_code, township_name
            from ref.divisions
            union all
            select 1, village_code, village_name, township_code, township_name
            from conform.households where as_of = date '{as_of.isoformat()}'
        )
        where village_code is not null
        group by village_code"""


def _villages(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Village]:
    rows = con.execute(villages_sql(as_of)).fetchall()
    return {
        code: Village(code, name or "", township or code[:9], township_name or "")
        for code, name, township, township_name in rows
    }


def export_day(con: duckdb.DuckDBPyConnection, exports_dir: Path, as_of: date) -> DayExport:
    """Write every worklist and lists workbook of `as_of` and swap the day's folder in."""
    villages = _villages(con, as_of)
    cases = worklist_cases(con, as_of)
    lists = list_rows(con, as_of)
    earlier = _earlier_workbooks(con, exports_dir, as_of)
    final = exports_dir / as_of.isoformat()
    _remove_leftovers(exports_dir, as_of)
    building = exports_dir / f".{as_of.isoformat()}.{uuid.uuid4().hex}.building"
    private_dir(exports_dir)
    building.mkdir(mode=DIR_MODE)
    try:
        worklists = _write_worklists(building, villages, cases, as_of)
        written = _write_lists(building, villages, lists, earlier)
        make_private(building)  # owner-only whatever the umask of the process that wrote them
        _swap_in(building, final)
        _remember_workbooks(con, as_of, written)
    finally:
        if building.exists():
            shutil.rmtree(building)
    return DayExport(final, worklists, len(written), len(cases), held_back_count(con, as_of))


def _place(village: Village | None) -> str:
    if village is None:
        return "未落户（户编号不在家庭成员信息中）"
    return f"{village.township_name}{village.name}"


def _write_worklists(building: Path, villages: dict[str, Village], cases, as_of: date) -> int:
    by_village: dict[str | None, list] = {}
    for case in cases:
        by_village.setdefault(case.village_code, []).append(case)
    for code, mine in by_village.items():
        village = villages.get(code) if code else None
        if code and village is None:  # a code in no table: its own folder, not lost
            village = Village(code, "", code[:9], "")
        path = (
            village.file(WORKLIST_SUFFIX)
            if village
            else Path(f"{NO_VILLAGE}_{WORKLIST_SUFFIX}.xlsx")
        )
        write_workbook(
            building / path,
            [worklist_sheet(mine)],
            worklist_notes(_place(village), as_of, len(mine)),
        )
    return len(by_village)


def _write_lists(
    building: Path, villages: dict[str, Village], lists, earlier: dict[str, tuple[str, Path]]
) -> dict[str, str]:
    """The lists workbooks, each copied from an earlier day's folder where its content is the
    same there (a province has tens of thousands of villages, and most lists do not change from
    one day to the next); path → content fingerprint of each."""
    codes = {code for by_village in lists.values() for code in by_village}
    written = {}
    for code in codes:
        village = villages.get(code) if code else None
        if code and village is None:
            village = Village(code, "", code[:9], "")
        path = village.file(LISTS_SUFFIX) if village else Path(f"{NO_VILLAGE}_{LISTS_SUFFIX}.xlsx")
        sheets = list_sheets(lists, code)
        fingerprint = _fingerprint(sheets)
        same = earlier.get(str(path))
        (building / path).parent.mkdir(parents=True, exist_ok=True)
        if same and same[0] == fingerprint and same[1].is_file():
            shutil.copyfile(same[1], building / path)
        else:
            write_workbook(building / path, sheets)
        written[str(path)] = fingerprint
    return written


@functools.cache
def _layout_salt() -> bytes:
    """What else decides a workbook's bytes: the code that lays it out, and xlsxwriter's version."""
    sources = (
        Path(__file__).with_name("workbook.py"),
        Path(__file__).with_name("village_lists.py"),
    )
    return b"".join(p.read_bytes() for p in sources) + xlsxwriter.__version__.encode()


def _fingerprint(sheets) -> str:
    content = [(s.name, [c.header for c in s.columns], s.rows) for s in sheets]
    text = json.dumps(content, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(_layout_salt() + text).hexdigest()


def _earlier_workbooks(con, exports_dir: Path, as_of: date) -> dict[str, tuple[str, Path]]:
    """Path → (fingerprint, file) of the lists workbooks of the latest other day whose folder is
    still there."""
    con.execute(f"create table if not exists {EXPORTED} ({EXPORTED_COLUMNS})")
    days = con.execute(
        f"select distinct as_of from {EXPORTED} where as_of <> ? order by as_of desc", [as_of]
    ).fetchall()
    for (day,) in days:
        folder = exports_dir / day.isoformat()
        if folder.is_dir():
            rows = con.execute(
                f"select path, fingerprint from {EXPORTED} where as_of = ?", [day]
            ).fetchall()
            return {path: (fingerprint, folder / path) for path, fingerprint in rows}
    return {}


def _remember_workbooks(con, as_of: date, written: dict[str, str]) -> None:
    con.execute(f"delete from {EXPORTED} where as_of = ?", [as_of])
    rows = pa.table(
        {
            "as_of": pa.array([as_of] * len(written), pa.date32()),
            "path": pa.array(list(written), pa.string()),
            "fingerprint": pa.array(list(written.values()), pa.string()),
        }
    )
    con.register("exported_frame", rows)
    try:
        con.execute(f"insert into {EXPORTED} by name select * from exported_frame")
    finally:
        con.unregister("exported_frame")


def _remove_leftovers(exports_dir: Path, as_of: date) -> None:
    """What an export killed half way left (one export runs at a time: the warehouse pool)."""
    for leftover in exports_dir.glob(f".{as_of.isoformat()}.*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _swap_in(building: Path, final: Path) -> None:
    """Replace the day's folder by the one just built. A folder cannot be renamed over a full
    one: the old one is renamed aside first, so the day is without a folder only between two
    renames, and never shows a mix of two runs."""
    old = final.with_name(f".{final.name}.{uuid.uuid4().hex}.old")
    if final.exists():
        final.rename(old)
    building.rename(final)
    if old.exists():
        shutil.rmtree(old)
