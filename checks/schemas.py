"""Pandera models of the normalised rows of each extract kind (DESIGN §3 after §4 step 2).

A row that fails any check below is quarantined with the failed column and check as its
reason. Models are strict: a column the normaliser did not produce is a bug, not data.
Validation runs on Polars, about ten times faster than on pandas for the same checks.
"""

from __future__ import annotations

import dagster as dg
import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from pipelines.ingest import ids, kinds

DIGITS = r"^[0-9]+$"
OPAQUE = r"^[0-9A-Za-z][0-9A-Za-z_-]*$"  # 户编号, 人编号: identifiers, never numbers
ID_18 = r"^[0-9]{17}[0-9X]$"
CASE_ID = r"^[A-Z][A-Z0-9-]*-[0-9a-f]{12}$"  # rule code and 12 hex (reconcile/run.py case_sql)


def _codes(labels: dict) -> list:
    return sorted(set(labels.values()))


class IdentifiedRows(pa.DataFrameModel):
    """Columns every kind with a resident ID carries."""

    id_number: str = pa.Field(
        nullable=True,
        str_matches=ID_18,
        description="18-character resident ID, join key; null unless valid",
    )
    id_status: str = pa.Field(
        isin=[ids.VALID, ids.UPGRADED, ids.MISSING, ids.TRUNCATED, ids.INVALID],
        description="what the ID cell held",
    )
    id_cleaned: str = pa.Field(
        nullable=True, description="the ID cell after NFKC and whitespace removal"
    )
    name: str = pa.Field(description="name, whitespace removed")

    class Config:
        strict = True


class AttributedRows(IdentifiedRows):
    """Rows that mean nothing without the person: a usable ID is required."""

    @pa.dataframe_check(name="id_present")
    def id_present(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("id_status") != ids.MISSING)


class RuralMembers(IdentifiedRows):
    """One member of a registered household, as the rural-revitalization system prints it."""

    county_name: str = pa.Field(description="county")
    township_name: str = pa.Field(description="township")
    village_name: str = pa.Field(description="administrative village")
    village_code: str = pa.Field(
        nullable=True, str_matches=r"^[0-9]{12}$", description="12-digit village code"
    )
    natural_village: str = pa.Field(nullable=True, description="natural village")
    household_id: str = pa.Field(str_matches=OPAQUE, description="household number")
    person_no: str = pa.Field(nullable=True, str_matches=OPAQUE, description="person number")
    relation_to_head: str = pa.Field(
        isin=_codes(kinds.RELATIONS), description="relation to the head"
    )
    gender: str = pa.Field(nullable=True, isin=_codes(kinds.GENDERS), description="gender")
    ethnicity: str = pa.Field(nullable=True, description="ethnic group")
    education_level: str = pa.Field(nullable=True, description="highest schooling")
    school_status: str = pa.Field(nullable=True, description="in-school status as printed")
    health: str = pa.Field(nullable=True, description="health")
    labour_skill: str = pa.Field(nullable=True, description="labour skill")
    months_worked: int = pa.Field(
        nullable=True, ge=0, le=12, description="months worked away this year"
    )
    household_type: str = pa.Field(
        isin=_codes(kinds.HOUSEHOLD_TYPES), description="out_of_poverty or ordinary"
    )
    monitoring_category: str = pa.Field(
        nullable=True,
        isin=_codes(kinds.MONITORING_CATEGORIES),
        description="monitoring category, null if not monitored",
    )
    risk_types: pl.List(pl.Utf8) = pa.Field(nullable=True, description="risk types")
    risk_eliminated: bool = pa.Field(nullable=True, description="risk formally eliminated")
    risk_identified_on: pl.Date = pa.Field(
        nullable=True, description="date the risk was identified"
    )
    risk_eliminated_on: pl.Date = pa.Field(
        nullable=True, description="date the risk was eliminated"
    )
    income_per_capita: float = pa.Field(
        nullable=True, ge=0, description="net income per person per year, yuan"
    )
    person_status: str = pa.Field(
        nullable=True,
        isin=_codes(kinds.PERSON_STATUSES),
        description="normal, deceased or moved_out; null means normal",
    )
    phone: str = pa.Field(nullable=True, str_matches=DIGITS, description="phone number")


class RuralSubsidies(AttributedRows):
    """One Rain and Dew Plan payment."""

    term: str = pa.Field(str_matches=r"^\d{4}-(spring|autumn)$", description="term paid for")
    household_id: str = pa.Field(str_matches=OPAQUE, description="household number on the payment")
    school_name: str = pa.Field(nullable=True, description="school")
    level: str = pa.Field(isin=_codes(kinds.LEVELS), description="level of study")
    grade: str = pa.Field(nullable=True, description="grade")
    amount: float = pa.Field(ge=0, description="amount, yuan")
    paid_on: pl.Date = pa.Field(nullable=True, description="payment date")
    payment_status: str = pa.Field(
        isin=_codes(kinds.PAYMENT_STATUSES), description="paid, pending or returned"
    )


class RuralIntents(AttributedRows):
    """One person surveyed for the Rain and Dew Plan+ intent ledger."""

    household_id: str = pa.Field(str_matches=OPAQUE, description="household number")
    person_category: str = pa.Field(
        isin=_codes(kinds.INTENT_CATEGORIES), description="new-growth labourer or graduate"
    )
    graduation_year: int = pa.Field(
        nullable=True, ge=1990, le=2100, description="year of graduation"
    )
    intent: str = pa.Field(nullable=True, isin=_codes(kinds.INTENTS), description="stated intent")
    target: str = pa.Field(nullable=True, description="school or region aimed at")
    measures: str = pa.Field(nullable=True, description="support measures")
    surveyed_on: pl.Date = pa.Field(nullable=True, description="survey date")
    surveyor: str = pa.Field(nullable=True, description="surveyor")


class Enrollments(AttributedRows):
    """One student record of a vocational or technical school."""

    household_id: str = pa.Field(
        nullable=True, str_matches=OPAQUE, description="household number, if the school has it"
    )
    school_name: str = pa.Field(description="school")
    school_code: str = pa.Field(
        nullable=True, str_matches=r"^[0-9]{10}$", description="10-digit school code"
    )
    level: str = pa.Field(isin=_codes(kinds.LEVELS), description="level of study")
    major_name: str = pa.Field(nullable=True, description="major")
    major_code: str = pa.Field(nullable=True, str_matches=DIGITS, description="major code")
    enrolled_on: pl.Date = pa.Field(nullable=True, description="month of entry")
    program_years: int = pa.Field(nullable=True, ge=1, le=6, description="programme length, years")
    grade: str = pa.Field(nullable=True, description="grade")
    enrollment_status: str = pa.Field(
        isin=_codes(kinds.ENROLLMENT_STATUSES), description="enrollment status"
    )
    graduated_on: pl.Date = pa.Field(nullable=True, description="month of graduation")


class HrssEmployment(AttributedRows):
    """One person's employment registration."""

    employment_status: str = pa.Field(
        isin=_codes(kinds.EMPLOYMENT_STATUSES), description="employment status"
    )
    employment_form: str = pa.Field(
        nullable=True, isin=_codes(kinds.EMPLOYMENT_FORMS), description="form of employment"
    )
    employer: str = pa.Field(nullable=True, description="employer")
    credit_code: str = pa.Field(nullable=True, description="employer's unified social credit code")
    employment_region: str = pa.Field(
        nullable=True, isin=_codes(kinds.EMPLOYMENT_REGIONS), description="where the job is"
    )
    employed_on: pl.Date = pa.Field(nullable=True, description="date employed")
    monthly_income: float = pa.Field(nullable=True, ge=0, description="monthly income, yuan")
    registered_on: pl.Date = pa.Field(nullable=True, description="registration date")


class HrssTraining(AttributedRows):
    """One vocational-skills course taken."""

    course: str = pa.Field(description="course")
    course_category: str = pa.Field(nullable=True, description="category")
    started_on: pl.Date = pa.Field(nullable=True, description="start date")
    ended_on: pl.Date = pa.Field(nullable=True, description="end date")
    certified: bool = pa.Field(nullable=True, description="certificate obtained")


class RuralVerifications(pa.DataFrameModel):
    """One case of a village worklist as the cadre sent it back (疑点核实结果)."""

    case_id: str = pa.Field(str_matches=CASE_ID, description="the case, as the worklist gave it")
    rule: str = pa.Field(nullable=True, description="rule code and name, as printed")
    severity: str = pa.Field(nullable=True, description="severity, as printed")
    household_id: str = pa.Field(
        nullable=True, str_matches=OPAQUE, description="household number, as printed"
    )
    name_masked: str = pa.Field(nullable=True, description="the masked name, as printed")
    id_number_masked: str = pa.Field(
        nullable=True, description="the masked ID, as printed; never a join key"
    )
    detail: str = pa.Field(nullable=True, description="what each source said, as printed")
    checkpoint: str = pa.Field(nullable=True, description="what to check, as printed")
    fingerprint: str = pa.Field(
        nullable=True, description="核对码: the start of the md5 of the detail the cadre saw"
    )
    verification: str = pa.Field(
        nullable=True,
        isin=_codes(kinds.VERIFICATION_OUTCOMES),
        description="the outcome; null where the cadre left it blank (not an outcome)",
    )
    note: str = pa.Field(nullable=True, description="the cadre's note")
    verified_by: str = pa.Field(nullable=True, description="who verified")
    verified_on: pl.Date = pa.Field(nullable=True, description="when, never after the delivery day")

    class Config:
        strict = True


SCHEMAS: dict[str, type[pa.DataFrameModel]] = {
    "rural_members": RuralMembers,
    "rural_subsidies": RuralSubsidies,
    "rural_intents": RuralIntents,
    "education_enrollments": Enrollments,
    "hrss_technical_enrollments": Enrollments,
    "hrss_employment": HrssEmployment,
    "hrss_training": HrssTraining,
    "rural_verifications": RuralVerifications,
}


def column_schema(kind: str) -> dg.TableSchema:
    """The columns of a staging table as its Pandera model gives them, for the Dagster UI."""
    columns = SCHEMAS[kind].to_schema().columns
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name,
                str(column.dtype),
                description=column.description,
                constraints=dg.TableColumnConstraints(nullable=column.nullable),
            )
            for name, column in columns.items()
        ]
    )
