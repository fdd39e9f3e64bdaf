"""Resident ID cleaning and classification, against values worked out from GB 11643-1999."""

from __future__ import annotations

import random
from datetime import date

import polars as pl
import pytest

from pipelines.ingest import ids

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def check_char(body17: str) -> str:
    """MOD 11-2 as the standard writes it, independent of the code under test."""
    total = sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


TODAY = date(2026, 12, 1)
VALID = "11010519491231002X"  # the standard's own example


CASES = [
    (VALID, ids.VALID, VALID),
    (" 11010519491231002x\t", ids.VALID, VALID),
    ("110105 19491231002X\u200b", ids.VALID, VALID),
    ("\u200e11010519491231\u00ad002X\u202c", ids.VALID, VALID),  # direction marks
    ("\u00a0１１０１０５１９４９１２３１００２Ｘ", ids.VALID, VALID),
    ("110105491231002", ids.UPGRADED, VALID),  # legacy 15 digits of the same person
    ("110105194912310021", ids.INVALID, None),  # wrong check character
    ("11010519491231002", ids.INVALID, None),  # 17 characters
    ("4.11224E+17", ids.TRUNCATED, None),
    ("4.11224199001011E+17", ids.TRUNCATED, None),
    ("无", ids.MISSING, None),
    ("NULL", ids.MISSING, None),
    ("不详", ids.MISSING, None),
    ("", ids.MISSING, None),
    (None, ids.MISSING, None),
    (f'="{VALID}"', ids.VALID, VALID),  # Excel's formula that keeps the digits as text
    (f"'{VALID}", ids.VALID, VALID),  # and its leading apostrophe
    ("110105❶9491231002X", ids.INVALID, None),  # a digit NFKC keeps: no crash, no key
    ("41122420090301021X"[:15], ids.TRUNCATED, None),  # born 2009, cut: not born 1920
]


@pytest.mark.parametrize(("raw", "status", "key"), CASES)
def test_classify_id(raw, status, key):
    assert ids.classify_id(raw, TODAY) == (status, key)


def test_impossible_birth_dates_are_invalid_even_with_a_right_check_character():
    for birth in ("19490230", "19491301", "20270101", "18991231"):
        body = "110105" + birth + "002"
        assert ids.classify_id(body + check_char(body), TODAY) == (ids.INVALID, None)


def test_ids_of_people_born_before_their_county_code_existed_are_valid():
    # 411224 (卢氏县) dates from 1986; IDs carry the code at issue, so older people have it.
    body = "411224" + "19400101" + "123"
    number = body + check_char(body)
    assert ids.classify_id(number, TODAY) == (ids.VALID, number)


def test_upgrade_15_matches_the_standard():
    assert ids.upgrade_15("110105491231002") == VALID


@pytest.mark.parametrize(
    ("ending_000", "distinct", "rounded"),
    [
        (1, 1, False),  # one alone: cannot be told from a real ID
        (2, 2, True),
        (2, 20, True),  # a tenth
        (2, 38, False),  # two real ones among 38 happen once in 1,700 columns
        (3, 38, True),  # three: once in 150,000
        (9, 10_000, False),  # what chance gives: 10,000 / 1,100
        (60, 100_000, False),  # 91 expected
        (200, 100_000, True),  # far more than chance
    ],
)
def test_a_column_is_rounded_by_excel_when_chance_cannot_explain_its_ids_ending_in_000(
    ending_000, distinct, rounded
):
    assert ids.rounded_by_excel(ending_000, distinct) == rounded


def _values_of_every_kind(count: int) -> list[str | None]:
    """Valid, spoiled and broken IDs: the cases above, then random bodies with right and wrong
    check characters, cut to 15, with impossible dates, in full width, wrapped, blank."""
    rng = random.Random(11643)
    values = [raw for raw, _, _ in CASES] + ["\x1f" + VALID, VALID + "\x1c", "０" * 18, "X" * 18]
    for _ in range(count):
        year = rng.choice(["1899", "1900", "1949", "1987", "2005", "2026", "2027", "0000"])
        month_day = rng.choice(["0101", "0230", "1231", "1301", "0229", "0000"])
        body = rng.choice(["411224", "110105", "011224"]) + year + month_day
        body += f"{rng.randrange(1000):03d}"
        number = body + rng.choice([check_char(body), check_char(body), "0", "X"])
        spoil = rng.randrange(10)
        if spoil == 0:
            number = number[:6] + number[8:17]  # the legacy form
        elif spoil == 1:
            number = f" {number[:6]} {number[6:]}\u3000"
        elif spoil == 2:
            number = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
        elif spoil == 3:
            number = rng.choice(['="{}"', "'{}", "{}\u200b", "{}.0"]).format(number)
        elif spoil == 4:
            number = rng.choice(["", "无", "null", "-", "4.11224E+17", number[:17], None])
        values.append(number)
    return values


def test_the_bulk_classifier_agrees_with_the_rule_on_every_value():
    values = _values_of_every_kind(20_000)
    bulk = ids.classify_ids(pl.Series(values, dtype=pl.Utf8), TODAY)
    expected = [(ids.clean_id(v) or None, *ids.classify_id(v, TODAY)) for v in values]
    got = list(bulk.select("id_cleaned", "id_status", "id_number").iter_rows())
    mismatches = [(v, e, g) for v, e, g in zip(values, expected, got, strict=True) if e != g]
    assert not mismatches, mismatches[:5]
    statuses = {status for _, status, _ in expected}
    assert statuses == {ids.VALID, ids.UPGRADED, ids.MISSING, ids.TRUNCATED, ids.INVALID}
