"""疑点核实 worklists: per village, the cases open on a day, for a cadre to verify door to door.

The worklist's columns are those of the kind `rural_verifications` (`pipelines/ingest/kinds.py`),
so that the file a cadre sends back is read by the same headers it was written with. Names and
IDs are masked (DESIGN §7), in the detail text too. Cases the cadre already found to be a data
error or put right, on records that have not changed since, are held back
(`pipelines/verification/outcomes.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from pipelines.export.checkpoints import checkpoint
from pipelines.export.workbook import Choice, Column, Sheet
from pipelines.ingest.kinds import KINDS, VERIFICATION_OUTCOMES
from pipelines.masking import mask_id, mask_name, mask_text
from pipelines.reconcile.rules import RULES
from pipelines.verification.outcomes import fingerprint, held_back_sql

VERIFICATIONS = KINDS["rural_verifications"]
SHEET_NAME = "疑点核实"
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
WRAPPED_FIELDS = ("detail", "checkpoint")
ENTRY_FIELDS = ("verification", "note", "verified_by", "verified_on")
# Room for what the cadre writes: a drop-down choice, a sentence, a name, a date
ENTRY_WIDTHS = {"verification": 12, "note": 30, "verified_by": 10, "verified_on": 12}
COLUMNS = tuple(
    Column(
        f.headers[0],
        wrap=f.name in WRAPPED_FIELDS,
        entry=f.name in ENTRY_FIELDS,
        width=ENTRY_WIDTHS.get(f.name),
    )
    for f in VERIFICATIONS.fields
)
OUTCOME_COLUMN = [f.name for f in VERIFICATIONS.fields].index("verification")

# Where the names of a case's people are: every conformed table with a name, the register
# first (its spelling is the one shown), with the household where the table has one.
_NAMED_TABLES = (
    ("members", "household_id"),
    ("subsidies", "household_id"),
    ("intents", "household_id"),
    ("enrollments", "household_id"),
    ("employment", "null"),
    ("training", "null"),
)


@dataclass(frozen=True)
class Case:
    case_id: str
    rule_code: str
    severity: str
    household_id: str | None
    id_number: str | None
    detail: str
    village_code: str | None
    person_name: str | None  # the person's name, or the household head's for a household case
    names: tuple[str, ...]  # every name the detail may spell out, to be masked

    def row(self) -> list[object]:
        """The worklist row, in the order of `COLUMNS`; the cadre's columns blank."""
        return [
            self.case_id,
            f"{self.rule_code} {RULE_NAMES.get(self.rule_code, '')}".strip(),
            SEVERITY_LABELS.get(self.severity, self.severity),
            mask_text(self.household_id, ()),  # an ID typed into 户编号 is masked like one
            mask_name(self.person_name),
            mask_id(self.id_number),
            mask_text(self.detail, self.names),
            checkpoint(self.rule_code),
            fingerprint(self.detail),
            *[None] * len(ENTRY_FIELDS),
        ]


RULE_NAMES = {rule.code: rule.name for rule in RULES}


def _named_sql(day: str) -> str:
    return " union all ".join(
        f"select {priority} as priority, {household} as household_id, id_number, id_cleaned, "
        f"name from conform.{table} where as_of = date '{day}' and name is not null"
        for priority, (table, household) in enumerate(_NAMED_TABLES)
    )


def worklist_cases_sql(as_of: date) -> str:
    """The cases open on `as_of` that go out, with the names to show and to mask."""
    day = as_of.isoformat()
    return f"""
        with day_cases as (
            select * from reconcile.discrepancies
            where as_of = date '{day}' and case_id not in ({held_back_sql(as_of)})
        ),
        named as ({_named_sql(day)}),
        by_id as (
            select c.case_id, first(n.name order by n.priority, n.name) as person_name,
                   list(distinct n.name) as names
            from day_cases as c
            join named as n on c.id_number in (n.id_number, n.id_cleaned)
            group by c.case_id
        ),
        by_household as (
            select c.case_id, list(distinct n.name) as names
            from day_cases as c
            join named as n on n.priority = 0 and n.household_id = c.household_id
            group by c.case_id
        )
        select c.case_id, c.rule_code, c.severity, c.household_id, c.id_number, c.detail,
               c.village_code,
               case when c.id_number is not null then i.person_name else h.head_name end
                   as person_name,
               list_distinct(coalesce(i.names, []) || coalesce(b.names, [])
                             || list_filter([h.head_name], lambda x: x is not null)) as names
        from day_cases as c
        left join by_id as i using (case_id)
        left join by_household as b using (case_id)
        left join conform.households as h
            on h.household_id = c.household_id and h.as_of = date '{day}'
        order by c.case_id"""


def worklist_cases(con: duckdb.DuckDBPyConnection, as_of: date) -> list[Case]:
    rows = con.execute(worklist_cases_sql(as_of)).fetchall()
    cases = [Case(*row[:8], tuple(sorted(row[8] or ()))) for row in rows]
    return sorted(
        cases,
        key=lambda c: (
            SEVERITY_ORDER.get(c.severity, 9),
            c.rule_code,
            c.household_id or "",
            c.case_id,
        ),
    )


def held_back_count(con: duckdb.DuckDBPyConnection, as_of: date) -> int:
    return con.execute(f"select count(*) from ({held_back_sql(as_of)})").fetchone()[0]


def worklist_sheet(cases: list[Case]) -> Sheet:
    return Sheet(
        SHEET_NAME,
        COLUMNS,
        [case.row() for case in cases],
        [Choice(OUTCOME_COLUMN, tuple(VERIFICATION_OUTCOMES), "核实后从列表中选择；未核实的留空")],
    )


def worklist_notes(place: str, as_of: date, cases: int) -> list[str]:
    outcomes = " / ".join(VERIFICATION_OUTCOMES)
    return [
        f"{place}：截至 {as_of.isoformat()} 的疑点核实清单，共 {cases} 条。",
        "请逐条入户核实，填写黄色的四列：核实结果（从下拉列表选择：" + outcomes + "）、说明、"
        "核实人、核实日期（如 " + as_of.isoformat() + "）。",
        "尚未核实的疑点，核实结果留空即可，不要删除该行；留空的行不算核实结果。",
        "不要修改疑点编号和核对码。核对码对应各部门当时的记录：核实结果为「数据有误」或"
        "「已整改」的疑点，记录不变就不再下发，记录有变化会重新下发。",
        "姓名只显示姓，证件号码只显示前6位和后4位。",
        "填好后保存为 Excel 文件（文件名可以改），交回县乡村振兴部门。",
    ]
