"""One day's conformed state under short names, for the rules and lists.

The conformed tables are views filtered to the day (each statement reads only the columns it
names). What several rules derive from them, the register above all, is computed once into a
temporary table: as views, every rule recomputed them, and at province scale that was nine
tenths of reconciling.
"""

from __future__ import annotations

from datetime import date

from pipelines.conform.masters import register_sql
from pipelines.conform.run import CONFORM_TABLES
from pipelines.ingest.kinds import DEPARTMENT_TITLES, ENROLLMENT_STATUSES, KINDS, LEVELS
from pipelines.masking import mask_name_sql


def day_views_sql(as_of: date) -> list[str]:
    day = as_of.isoformat()
    statements = [
        f"create or replace temp view {t} as select * from conform.{t} where as_of = date '{day}'"
        for t in CONFORM_TABLES
    ]
    statements += [
        f"create or replace temp table register as {register_sql(as_of)}",
        f"""create or replace temp view params as
            select date '{day}' as as_of,
                   (select term from ref.terms
                    where date '{day}' between starts_on and ends_on) as current_term,
                   (select starts_on from ref.terms
                    where date '{day}' between starts_on and ends_on) as term_starts_on,
                   -- eligibility for this term is judged on its census day; before that day
                   -- comes, on the household's status today
                   (select least(census_on, date '{day}') from ref.terms
                    where date '{day}' between starts_on and ends_on) as census_on,
                   (select income_line from ref.monitoring_lines
                    where year = year(date '{day}')) as income_line""",
        # Per person, one student record that says they are in school today; department,
        # school and level always come from the same record.
        """create or replace temp table enrolled_now as
            select id_number, department, school_name, level
            from enrollments, params
            where enrollment_status = 'enrolled' and id_number is not null
              and (enrolled_on is null or enrolled_on <= params.as_of)
            qualify row_number() over (
                partition by id_number order by department, school_name, level, source_row) = 1""",
        # Per person, their latest graduation (a record without its month last), as one record.
        """create or replace temp table graduated as
            select id_number, graduated_on, school_name, level, department
            from enrollments
            where enrollment_status = 'graduated' and id_number is not null
            qualify row_number() over (
                partition by id_number
                order by graduated_on desc nulls last, school_name, source_row) = 1""",
        """create or replace temp table paid as
            select s.*, t.starts_on as term_starts_on, t.ends_on as term_ends_on,
                   t.census_on
            from subsidies as s join ref.terms as t using (term)
            where s.payment_status = 'paid' and s.id_number is not null""",
        # The intent surveys of graduates: a survey as a new-growth labourer does not count.
        """create or replace temp table graduate_intents as
            select * from intents
            where person_category in ('graduate_current', 'graduate_earlier')
              and id_number is not null""",
    ]
    return statements


def _case_macro_sql(name: str, labels: dict[str, str], otherwise: str | None = None) -> str:
    """A macro `name(x)` turning each code into its Chinese label."""
    whens = " ".join(f"when '{code}' then '{label}'" for code, label in labels.items())
    default = f" else '{otherwise}'" if otherwise else ""
    return f"create or replace temp macro {name}(x) as case x {whens}{default} end"


def _first_label(labels: dict[str, str]) -> dict[str, str]:
    """Code → the first Chinese label `kinds.py` lists for it (中职 for secondary_vocational)."""
    first: dict[str, str] = {}
    for label, code in labels.items():
        first.setdefault(code, label)
    return first


def label_macros_sql() -> list[str]:
    """Chinese labels for codes, so detail texts read as the departments write them; the
    labels are those of `kinds.py`, defined once."""
    return [
        """create or replace temp macro term_label(t) as
            replace(replace(t, '-autumn', '年秋季学期'), '-spring', '年春季学期')""",
        _case_macro_sql("status_label", _first_label(ENROLLMENT_STATUSES), "无学籍记录"),
        _case_macro_sql("level_label", _first_label(LEVELS)),
        _case_macro_sql("dept_label", DEPARTMENT_TITLES),
        _case_macro_sql("kind_label", {name: kind.title for name, kind in KINDS.items()}),
        # 1500 and 7300.5, not 1500.0 and 7300.50
        """create or replace temp macro yuan(x) as
            case when x = round(x) and abs(x) < 1e15 then cast(cast(x as bigint) as varchar)
                 else printf('%.2f', x) end""",
        # Eligible for the Rain and Dew Plan on day d: out of poverty, or monitored since
        # on or before d (a household stays eligible once its risk is eliminated). The
        # register holds only today's type; a household that left the out-of-poverty type
        # is judged by it as it is today.
        """create or replace temp macro eligible_on(household_type, category, identified_on, d) as
            household_type = 'out_of_poverty'
            or (category is not null and coalesce(identified_on, d) <= d)""",
        # 张* for 张三丰: names in detail texts are masked, surname and * (DESIGN §7)
        f"create or replace temp macro masked_name(n) as {mask_name_sql('n')}",
        """create or replace temp macro household_label(t, c) as
            case when c is not null then '监测对象'
                 when t = 'out_of_poverty' then '脱贫户'
                 when t = 'ordinary' then '一般农户（非监测对象）' end""",
    ]
