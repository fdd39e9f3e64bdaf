"""Normalisers of dates, terms, amounts and labels, on small columns worked out by hand."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.ingest.kinds import KINDS
from pipelines.ingest.values import normalise_column

MEMBERS = KINDS["rural_members"]
SUBSIDIES = KINDS["rural_subsidies"]
ENROLLMENTS = KINDS["education_enrollments"]


def norm(values, field, numeric=None):
    flags = None if numeric is None else pl.Series(numeric, dtype=pl.Boolean)
    value, bad = normalise_column(pl.Series("x", values, dtype=pl.Utf8), field, flags)
    return value.to_list(), bad.to_list()


def test_dates_in_every_listed_style():
    styles = ["2023-09-01", "2023/9/1", "20230901", "2023年9月1日", " 2023-09-01 "]
    values, bad = norm(styles, MEMBERS.field("risk_identified_on"))
    assert values == [date(2023, 9, 1)] * 5 and not any(bad)


def test_a_date_that_does_not_exist_is_flagged_not_guessed():
    values, bad = norm(["2023-02-30", "2023-13-01", "明天"], MEMBERS.field("risk_identified_on"))
    assert values == [None, None, None] and bad == [True, True, True]


def test_excel_serials_only_where_the_cell_is_a_number():
    field = MEMBERS.field("risk_identified_on")
    assert norm(["45170"], field, numeric=[True]) == ([date(2023, 9, 1)], [False])
    assert norm(["45170"], field, numeric=[False]) == ([None], [True])  # text in a workbook
    assert norm(["45170"], field) == ([None], [True])  # a CSV


def test_numbers_in_workbook_date_columns_that_cannot_be_told_apart_are_not_guessed():
    month = ENROLLMENTS.field("enrolled_on")
    # 2025.10 typed as a number is 2025.1; 2026 and 2509 could be years, serials or typos
    values, bad = norm(["2025.1", "2026", "2509", "202509", "2025.10"], month, [True] * 4 + [False])
    assert values == [None, None, None, date(2025, 9, 1), date(2025, 10, 1)]
    assert bad == [True, True, True, False, False]
    day = MEMBERS.field("risk_identified_on")
    assert norm(["20230901"], day, numeric=[True]) == ([date(2023, 9, 1)], [False])


def test_months():
    values, bad = norm(
        ["2023.09", "2023年9月", "202309", "2023-09"], ENROLLMENTS.field("enrolled_on")
    )
    assert values == [date(2023, 9, 1)] * 4 and not any(bad)


def test_terms():
    values, bad = norm(
        [
            "2024年秋季",
            "2024秋",
            "2024-2025学年第一学期",
            "2024-2025学年第二学期",
            "2025春",
            "秋季",
        ],
        SUBSIDIES.field("term"),
    )
    assert values == ["2024-autumn"] * 3 + ["2025-spring"] * 2 + [None]
    assert bad == [False] * 5 + [True]


def test_amounts():
    values, bad = norm(
        ["1500", "1,500.00", "1500元", "１５００", "一千五", "-1", ""], SUBSIDIES.field("amount")
    )
    assert values == [1500.0] * 4 + [None, None, None]
    assert bad == [False] * 4 + [True, True, False]


def test_labels_and_blank_meaning():
    values, bad = norm(["正常", "", "死亡", "失踪"], MEMBERS.field("person_status"))
    assert values == ["normal", "normal", "deceased", None]
    assert bad == [False, False, False, True]


def test_risk_types_with_every_separator():
    values, bad = norm(
        ["因病、因学", "因学;因病", "因病，因残", "因病,外星"], MEMBERS.field("risk_types")
    )
    assert values[:3] == [
        ["illness", "schooling"],
        ["illness", "schooling"],
        ["disability", "illness"],
    ]
    assert values[3] is None and bad == [False, False, False, True]


def test_codes_keep_leading_zeros():
    values, bad = norm(["0012345", " 0012345 ", "12a45"], MEMBERS.field("phone"))
    assert values == ["0012345", "0012345", None] and bad == [False, False, True]


def test_a_month_given_as_a_whole_date_keeps_the_month_if_the_day_exists():
    values, bad = norm(
        ["2025-09-15", "2025-02-30", "2025年2月30日"], ENROLLMENTS.field("enrolled_on")
    )
    assert values == [date(2025, 9, 1), None, None] and bad == [False, True, True]


def test_a_school_year_that_is_not_two_consecutive_years_is_not_a_term():
    values, bad = norm(
        ["2030-2020学年第二学期", "2025-2027学年第一学期", "2025-2026学年第二学期"],
        SUBSIDIES.field("term"),
    )
    assert values == [None, None, "2026-spring"] and bad == [True, True, False]


def test_commas_only_as_thousands_separators_and_only_finite_amounts():
    values, bad = norm(
        ["12,345,678.5", "1,50", "1.500,00", "15,00", "inf", "1e309", "NaN", "1,500元"],
        SUBSIDIES.field("amount"),
    )
    assert values == [12345678.5] + [None] * 6 + [1500.0]
    assert bad == [False] + [True] * 6 + [False]


def test_household_numbers_are_opaque_text_but_not_what_excel_made_of_a_number():
    values, bad = norm(
        ["HH-0012", " 00012 ", "4112241000010000.0", "4.1E+15"], MEMBERS.field("household_id")
    )
    assert values == ["HH-0012", "00012", None, None] and bad == [False, False, True, True]
