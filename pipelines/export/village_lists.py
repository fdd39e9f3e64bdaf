"""The four village lists (清单, DESIGN §5) of a day, as sheets of one workbook per village.

One workbook with four sheets rather than four workbooks: a cadre reads the four lists
together (the county's 清单化 practice), and the worklist stays a workbook of one data sheet,
which is what is sent back; a lists sheet inside it would make the returned file unreadable
(rows with no known header). Names and IDs are masked; codes are shown as their Chinese labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb

from pipelines.export.workbook import Column, Sheet
from pipelines.ingest.kinds import EMPLOYMENT_STATUSES, ENROLLMENT_STATUSES, INTENTS, LEVELS
from pipelines.masking import mask_id, mask_name, mask_text


def _first_labels(labels: dict[str, str]) -> dict[str, str]:
    """Code → the first Chinese label `kinds.py` lists for it (中职 for secondary_vocational)."""
    first: dict[str, str] = {}
    for label, code in labels.items():
        first.setdefault(code, label)
    return first


def _label(labels: dict[str, str], otherwise: str = "") -> Callable[[object], str]:
    codes = _first_labels(labels)
    return lambda code: codes.get(code, otherwise) if code is not None else otherwise


def _text(value: object) -> str:
    """Text as it is, but for anything in it that looks like a resident ID (a clerk's ID typed
    into 户编号 or a school name): masked, since the lists are shared (DESIGN §7)."""
    return "" if value is None else mask_text(str(value), ())


def _yes_no(value: object) -> str:
    return "" if value is None else ("是" if value else "否")


def _day(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else _text(value)


def _month(value: object) -> str:
    return value.strftime("%Y-%m") if isinstance(value, date) else _text(value)


def _term(value: object) -> str:
    text = _text(value)
    return text.replace("-autumn", "年秋季学期").replace("-spring", "年春季学期")


def _number(value: object) -> object:
    return value


@dataclass(frozen=True)
class ListColumn:
    header: str
    source: str
    show: Callable[[object], object] = _text
    number: bool = False


@dataclass(frozen=True)
class VillageList:
    sheet: str
    table: str  # reconcile.<table>, one day's rows
    columns: tuple[ListColumn, ...]


_PERSON = (
    ListColumn("户编号", "household_id"),
    ListColumn("姓名", "name", mask_name),
    ListColumn("证件号码", "id_number", mask_id),
)
_GRADUATES = (
    *_PERSON,
    ListColumn("毕业年月", "graduated_on", _month),
    ListColumn("是否已调查", "surveyed", _yes_no),
    ListColumn("就业意愿", "intent", _label(INTENTS)),
    ListColumn("就业状态", "employment_status", _label(EMPLOYMENT_STATUSES, "无登记")),
    ListColumn("用人单位", "employer"),
)
VILLAGE_LISTS = (
    VillageList(
        "清单1 新成长劳动力入读意愿",
        "vocational_intent",
        (
            *_PERSON,
            ListColumn("年龄", "age", _number, number=True),
            ListColumn("是否已调查", "surveyed", _yes_no),
            ListColumn("意愿", "intent", _label(INTENTS)),
            ListColumn("意向院校或地区", "target"),
            ListColumn("调查日期", "surveyed_on", _day),
        ),
    ),
    VillageList(
        "清单2 雨露计划在读学生",
        "enrolled_students",
        (
            *_PERSON,
            ListColumn("就读学校", "school_name"),
            ListColumn("学历层次", "level", _label(LEVELS)),
            ListColumn("学籍状态", "enrollment_status", _label(ENROLLMENT_STATUSES, "无学籍记录")),
            ListColumn("学期", "term", _term),
            ListColumn("是否已发放补助", "subsidy_paid", _yes_no),
            ListColumn("补助金额(元)", "amount", _number, number=True),
        ),
    ),
    VillageList("清单3 当年毕业学生就业意愿", "graduates_current", _GRADUATES),
    VillageList("清单4 往届毕业学生就业意愿", "graduates_earlier", _GRADUATES),
)


def list_rows(
    con: duckdb.DuckDBPyConnection, as_of: date
) -> dict[str, dict[str | None, list[list[object]]]]:
    """Table → village code (None where the household is unknown) → shown rows."""
    by_table: dict[str, dict[str | None, list[list[object]]]] = {}
    for village_list in VILLAGE_LISTS:
        sources = ", ".join(c.source for c in village_list.columns)
        rows = con.execute(
            f"select village_code, {sources} from reconcile.{village_list.table} "
            "where as_of = ? order by all",
            [as_of],
        ).fetchall()
        villages = by_table.setdefault(village_list.table, {})
        for village_code, *values in rows:
            shown = [c.show(v) for c, v in zip(village_list.columns, values, strict=True)]
            villages.setdefault(village_code, []).append(shown)
    return by_table


def list_sheets(rows: dict[str, dict[str | None, list[list[object]]]], village: str | None):
    """The four sheets of one village (or of the cases without one), each with its header even
    when empty, so that every lists workbook has the same shape."""
    return [
        Sheet(
            village_list.sheet,
            [Column(c.header, number=c.number) for c in village_list.columns],
            rows.get(village_list.table, {}).get(village, []),
        )
        for village_list in VILLAGE_LISTS
    ]
