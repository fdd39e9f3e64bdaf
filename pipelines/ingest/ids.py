"""Resident ID numbers (GB 11643-1999): cleaning, the 15→18 upgrade and a status per value.

Only an ID whose status is `valid` or `upgraded` is a join key. The check character and the
birth date come from python-stdnum. Its full `validate` is not used: it also demands that the
address code existed in the birth year, which rejects the real IDs of everyone in 卢氏县 born
before the county's code 411224 was created in 1986 (IDs carry the code at issue, not at birth).
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date

import polars as pl
from stdnum.cn import ric

from pipelines.ingest.text import INVISIBLE, INVISIBLE_POLARS, nfkc

VALID = "valid"
UPGRADED = "upgraded"  # legacy 15-digit form, upgraded for matching (ID-02)
MISSING = "missing"  # blank or a placeholder such as 无
TRUNCATED = "truncated"  # saved by Excel as a number: digits lost, never repaired (ID-03)
INVALID = "invalid"  # wrong length, bad check character, impossible birth date (ID-01)

PLACEHOLDERS = {"", "无", "NULL", "NONE", "NAN", "不详", "空", "-", "--", "/", "N/A", "NA", "暂无"}
_INVISIBLE = re.compile(INVISIBLE + "+")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")


_EXCEL_TEXT = re.compile(r'^(?:="(.*)"|\'(.*))$')  # ="411…" and '411…: Excel's ways to keep text


def clean_id(raw: str | None) -> str:
    """NFKC (full-width digits), every whitespace class removed, upper-case X, and the ="…" or
    leading ' that keeps Excel from turning the digits into a number taken off."""
    cleaned = _INVISIBLE.sub("", unicodedata.normalize("NFKC", raw or "")).upper()
    wrapped = _EXCEL_TEXT.match(cleaned)
    return next(g for g in wrapped.groups() if g is not None) if wrapped else cleaned


def _birth_date_possible(number: str, latest: date) -> bool:
    try:
        born = ric.get_birth_date(number)
    except ric.ValidationError:
        return False
    return date(1900, 1, 1) <= born <= latest


def _well_formed(number: str) -> bool:
    return (
        len(number) == 18
        and number[:17].isascii()
        and number[:17].isdigit()
        and number[0] != "0"
        and number[-1] == ric.calc_check_digit(number)
    )


def upgrade_15(number: str) -> str:
    """The 18-character form of a legacy 15-digit ID (born in the 1900s)."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def rounded_by_excel(ending_000: int, eighteen_digits: int) -> bool:
    """Whether a column of IDs went through Excel as numbers and back to text (the "0" number
    format, then saved as text): Excel keeps 15 significant digits, so each ID comes back with
    its last three digits 000, and about one in eleven of those still passes the check digit.

    A real ID ends in 000 about once in 1,100 (a 顺序码 ending in 00 and check digit 0). Counting
    distinct IDs, a column is taken as rounded when at least two end in 000 and either at least
    a tenth do, or more do than chance would give one column in 10,000 (a part of the column
    pasted from Excel). One rounded ID alone in its column cannot be told from a real one."""
    if ending_000 < 2:
        return False
    if ending_000 * 10 >= eighteen_digits:
        return True
    expected = eighteen_digits / 1100
    if expected > 30:  # the normal approximation; 4 standard deviations is about 1 in 30,000
        return ending_000 > expected + 4 * math.sqrt(expected)
    term, below = math.exp(-expected), 0.0
    for count in range(ending_000):  # P(fewer than ending_000), Poisson
        below += term
        term *= expected / (count + 1)
    return 1 - below < 1e-4


def classify_id(raw: str | None, latest: date) -> tuple[str, str | None]:
    """(status, join key or None) for one raw ID cell; `latest` bounds the birth date."""
    cleaned = clean_id(raw)
    if cleaned in PLACEHOLDERS:
        return MISSING, None
    if _SCIENTIFIC.match(cleaned):
        return TRUNCATED, None
    if len(cleaned) == 15 and cleaned.isascii() and cleaned.isdigit():
        if cleaned[6:8] == "20":
            # read as the old form it says born 1920: it is an 18-character ID of someone born
            # in the 2000s with its last three characters cut off
            return TRUNCATED, None
        number = upgrade_15(cleaned)
        status = UPGRADED
    else:
        number, status = cleaned, VALID
    if not (_well_formed(number) and _birth_date_possible(number, latest)):
        return INVALID, None
    return status, number


# --- the same classification over a whole column ----------------------------------------------
# `classify_id` above is the rule, one value at a time; `classify_ids` applies it to a column in
# bulk (a province's register holds millions of IDs) and must give the same answer for every
# value, which tests/test_ids.py checks on values of every kind.

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643-1999, MOD 11-2


def _check_char(body17: pl.Expr) -> pl.Expr:
    """The check character of 17 ASCII digits (null for anything else)."""
    digits = [body17.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(17)]
    total = pl.sum_horizontal(d * w for d, w in zip(digits, _WEIGHTS, strict=True))
    remainder = (pl.lit(12) - total % 11) % 11
    return pl.when(remainder == 10).then(pl.lit("X")).otherwise(remainder.cast(pl.Utf8))


def classify_ids(raw: pl.Series, latest: date) -> pl.DataFrame:
    """Columns id_cleaned (null when blank), id_status and id_number (join key or null), one row
    per value of `raw`: `classify_id` and `clean_id` in bulk."""
    normalised = nfkc(raw.cast(pl.Utf8).fill_null(""))
    frame = pl.DataFrame({"nfkc": normalised})
    stripped = pl.col("nfkc").str.replace_all(INVISIBLE_POLARS + "+", "").str.to_uppercase()
    cleaned = pl.coalesce(
        stripped.str.extract(r'^="(.*)"$', 1), stripped.str.extract(r"^'(.*)$", 1), stripped
    )
    frame = frame.select(cleaned.alias("cleaned"))
    c = pl.col("cleaned")
    fifteen = c.str.contains(r"^[0-9]{15}$")
    upgraded_body = c.str.slice(0, 6) + pl.lit("19") + c.str.slice(6, 9)
    number = pl.when(fifteen).then(upgraded_body + _check_char(upgraded_body)).otherwise(c)
    frame = frame.with_columns(number.alias("number"))
    n = pl.col("number")
    body = n.str.slice(0, 17)
    born = n.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    well_formed = (
        (n.str.len_chars() == 18)
        & body.str.contains(r"^[1-9][0-9]{16}$")
        & (n.str.slice(17, 1) == _check_char(body))
        & born.is_between(date(1900, 1, 1), latest)
    ).fill_null(False)
    status = (
        pl.when(c.is_in(sorted(PLACEHOLDERS)))
        .then(pl.lit(MISSING))
        .when(c.str.contains(_SCIENTIFIC.pattern))
        .then(pl.lit(TRUNCATED))
        .when(fifteen & (c.str.slice(6, 2) == "20"))
        .then(pl.lit(TRUNCATED))
        .when(~well_formed)
        .then(pl.lit(INVALID))
        .when(fifteen)
        .then(pl.lit(UPGRADED))
        .otherwise(pl.lit(VALID))
    )
    return frame.select(
        pl.when(c != "").then(c).alias("id_cleaned"),
        status.alias("id_status"),
        pl.when(status.is_in([VALID, UPGRADED])).then(n).alias("id_number"),
    )
