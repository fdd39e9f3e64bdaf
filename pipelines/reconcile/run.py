"""Reconciling one day: the plain function the reconcile asset calls."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.partitioned import replace_day
from pipelines.reconcile import lists
from pipelines.reconcile.rules import RULES, Rule
from pipelines.reconcile.views import day_views_sql, label_macros_sql

# List 1 is built before the rules (EMP-05 reads it as `day_vocational_intent`); the rest after,
# since the household profiles count the day's cases.
LISTS_BEFORE_CASES = {"vocational_intent": lists.vocational_intent_sql}
LISTS_AFTER_CASES = {
    "enrolled_students": lists.enrolled_students_sql,
    "graduates_current": lambda: lists.graduates_sql(current_year=True),
    "graduates_earlier": lambda: lists.graduates_sql(current_year=False),
    "persons": lists.persons_sql,
    "households": lists.household_profiles_sql,
}
LIST_TABLES = {**LISTS_BEFORE_CASES, **LISTS_AFTER_CASES}


def case_sql(rule: Rule) -> str:
    """A rule's findings as discrepancy rows; `case_id` hashes what identifies the finding."""
    return f"""
        select p.as_of,
               '{rule.code}-' || left(md5(concat_ws('|', '{rule.code}',
                   coalesce(f.household_id, ''), coalesce(f.id_number, ''),
                   coalesce(f.discriminator, ''))), 12) as case_id,
               '{rule.code}' as rule_code, '{rule.severity}' as severity,
               f.household_id, f.id_number, h.village_code,
               cast(f.departments as varchar[]) as departments, f.detail
        from ({rule.sql}) as f
        cross join params as p
        left join households as h using (household_id)"""


def discrepancies_sql(rules: tuple[Rule, ...] = RULES) -> str:
    body = " union all ".join(f"({case_sql(r)})" for r in rules)
    return f"select * from ({body}) order by rule_code, case_id"


def reconcile_day(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, int]:
    """Rows per reconcile table for `as_of`; conform must have run for the same day."""
    for statement in day_views_sql(as_of) + label_macros_sql():
        con.execute(statement)
    _require_reference_for(con, as_of)
    counts = {}
    for stage in (LISTS_BEFORE_CASES, {"discrepancies": discrepancies_sql}, LISTS_AFTER_CASES):
        for table, build in stage.items():
            counts[table] = replace_day(con, f"reconcile.{table}", as_of, build())
            con.execute(
                f"create or replace temp view day_{table} as "
                f"select * from reconcile.{table} where as_of = date '{as_of.isoformat()}'"
            )
    replace_day(
        con,
        "reconcile.days",
        as_of,
        f"select date '{as_of.isoformat()}' as as_of, current_timestamp as reconciled_at",
    )
    return counts


def _require_reference_for(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Stops the day when the reference tables do not cover it: without the year's income
    line or the day's term, HH-04 and the YL rules would find nothing and say nothing."""
    [(term, line)] = con.execute("select current_term, income_line from params").fetchall()
    missing = []
    if term is None:
        missing.append(f"terms.csv has no term containing {as_of}")
    if line is None:
        missing.append(f"monitoring_lines.csv has no income line for {as_of.year}")
    if missing:
        raise ValueError("data/reference does not cover this day: " + "; ".join(missing))
    codes = {c for (c,) in con.execute("select reason_code from ref.risk_reasons").fetchall()}
    unknown = sorted(codes - set(lists.RISK_CONDITIONS))
    if unknown:
        raise ValueError(
            f"risk_reasons.csv names reasons Yulu does not know: {', '.join(unknown)} "
            f"(known: {', '.join(lists.RISK_CONDITIONS)})"
        )


def cases_by_rule(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, int]:
    rows = con.execute(
        "select rule_code, count(*) from reconcile.discrepancies where as_of = ? "
        "group by rule_code order by rule_code",
        [as_of],
    ).fetchall()
    return dict(rows)
