"""Column builders for the province's bulk population: days as numbers, the term calendar,
unique resident IDs, names, phone numbers and credit codes, a whole column at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.sample.people import GIVEN, RARE, SURNAMES

EPOCH = date(1970, 1, 1)
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"), dtype=object)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])
SEQUENCES = 499  # sequence numbers per birth date, sex and address: odd 001-997, even 002-998


def day_number(d: date) -> int:
    return (d - EPOCH).days


def as_dates(days: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)


def first_days(years: np.ndarray, month: int) -> np.ndarray:
    """Day numbers of the first of `month` in each of `years`."""
    months = (np.asarray(years, dtype=np.int64) - 1970) * 12 + (month - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days, dtype="datetime64[D]")
    month = d.astype("datetime64[M]")
    year = month.astype("datetime64[Y]")
    return (
        year.astype(np.int64) + 1970,
        (month - year).astype(np.int64) + 1,
        (d - month).astype(np.int64) + 1,
    )


def ages_on(born: np.ndarray, today: date) -> np.ndarray:
    y, m, d = ymd(born)
    return today.year - y - ((today.month * 100 + today.day) < (m * 100 + d))


def birth_days(rng: np.random.Generator, today: date, age_from: int, age_to: int, n: int):
    """Birth days giving an age in [age_from, age_to] on `today`, as `people.birth_date`."""
    latest = date(today.year - age_from, today.month, min(today.day, 28))
    earliest = date(today.year - age_to - 1, today.month, min(today.day, 28)) + timedelta(days=1)
    return day_number(earliest) + rng.integers(0, (latest - earliest).days + 1, n)


@dataclass(frozen=True)
class Calendar:
    """The delivery days and the terms as day numbers."""

    start: date
    days: int
    line: float  # the monitoring line of the delivery days' year
    terms: np.ndarray  # term codes, in order
    starts: np.ndarray
    ends: np.ndarray
    census: np.ndarray
    current: int  # index of the term of the delivery days

    @classmethod
    def of(cls, terms: list[dict], lines: dict[int, float], start: date, days: int) -> Calendar:
        last = start + timedelta(days=days - 1)
        current = [i for i, t in enumerate(terms) if t["starts_on"] <= start <= t["ends_on"]]
        if (
            not current
            or not terms[current[0]]["starts_on"] <= last <= terms[current[0]]["ends_on"]
        ):
            raise ValueError(f"the delivery days from {start} to {last} must fall in one term")
        if last.year != start.year:
            raise ValueError(f"the delivery days from {start} to {last} must fall in one year")
        return cls(
            start,
            days,
            lines[start.year],
            np.array([t["term"] for t in terms], dtype=object),
            np.array([day_number(t["starts_on"]) for t in terms]),
            np.array([day_number(t["ends_on"]) for t in terms]),
            np.array([day_number(t["census_on"]) for t in terms]),
            current[0],
        )

    @property
    def start_day(self) -> int:
        return day_number(self.start)

    @property
    def spring(self) -> bool:
        return self.terms[self.current].endswith("spring")

    @property
    def graduation_year(self) -> int:
        """The year of the latest June graduation on or before the first delivery day."""
        return self.start.year if self.start >= date(self.start.year, 6, 1) else self.start.year - 1


class IdAllocator:
    """Valid resident IDs that never repeat, across every chunk of the province.

    For each address, birth date and sex, the k-th person drawn gets the k-th of 499 sequence
    numbers, taken in an order that differs from one birth date to the next; IDs in `reserved`
    (the embedded county's people from neighbouring counties) are passed over.
    """

    def __init__(self, codes: list[str], today: date, reserved: set[str]):
        self.codes = np.array(codes, dtype=object)
        self.first = day_number(date(today.year - 100, 1, 1))
        self.span = day_number(today) - self.first + 1
        self.taken = np.zeros(len(codes) * self.span * 2, dtype=np.int16)
        self.reserved = pl.Series(sorted(reserved), dtype=pl.Utf8)
        self.address_sum = np.array(
            [int((np.array([int(c) for c in code]) * ID_WEIGHTS[:6]).sum()) for code in codes]
        )

    def make(self, address: np.ndarray, born: np.ndarray, male: np.ndarray) -> pl.Series:
        """IDs for persons of address index `address`, birth day `born` and sex `male`."""
        cell = (address.astype(np.int64) * self.span + (born - self.first)) * 2 + male
        k = self._take(cell)
        numbers = self._numbers(address, born, male, cell, k)
        clash = numbers.is_in(self.reserved.implode()).to_numpy()
        while clash.any():  # a handful at most: the county has a few dozen such people
            k[clash] = self._take(cell[clash])
            numbers = numbers.scatter(
                np.flatnonzero(clash),
                self._numbers(address[clash], born[clash], male[clash], cell[clash], k[clash]),
            )
            clash = numbers.is_in(self.reserved.implode()).to_numpy()
        return numbers

    def _take(self, cell: np.ndarray) -> np.ndarray:
        """The next free sequence rank of each cell, persons of one cell numbered in turn."""
        order = np.argsort(cell, kind="stable")
        ordered = cell[order]
        first = np.r_[True, ordered[1:] != ordered[:-1]]
        starts = np.flatnonzero(first)
        sizes = np.diff(np.r_[starts, len(ordered)])
        rank = np.empty(len(cell), dtype=np.int64)
        rank[order] = np.arange(len(ordered)) - np.repeat(starts, sizes)
        k = self.taken[cell].astype(np.int64) + rank
        self.taken[ordered[first]] += sizes.astype(np.int16)
        if len(k) and k.max() >= SEQUENCES:
            raise RuntimeError("more people born on one day in one county than IDs for them")
        return k

    def _numbers(self, address, born, male, cell, k) -> pl.Series:
        seq = 2 * ((cell * 7919 + k) % SEQUENCES) + np.where(male, 1, 2)
        y, m, d = ymd(born)
        digits = np.stack(
            [y // 1000, y // 100 % 10, y // 10 % 10, y % 10, m // 10, m % 10, d // 10, d % 10]
            + [seq // 100, seq // 10 % 10, seq % 10],
            axis=1,
        )
        total = self.address_sum[address] + digits @ ID_WEIGHTS[6:]
        parts = [
            pick(self.codes, address),
            as_dates(born).dt.strftime("%Y%m%d"),
            pl.Series(seq).cast(pl.Utf8).str.zfill(3),
            pick(ID_CHECK, total % 11),
        ]
        return pl.DataFrame(parts).select(pl.concat_str(parts).alias("id_number")).to_series()


def pick(options, index: np.ndarray) -> pl.Series:
    """`options[index]` as a text column."""
    return pl.Series(list(options), dtype=pl.Utf8).gather(np.asarray(index, dtype=np.int64))


def join(*parts: pl.Series) -> pl.Series:
    """The parts side by side, as one text column (a null part counts as empty)."""
    frame = pl.DataFrame({str(i): p for i, p in enumerate(parts)})
    return frame.select(pl.concat_str(pl.all(), ignore_nulls=True)).to_series()


def names(
    rng: np.random.Generator, surnames: pl.Series | None, n: int, rare: np.ndarray | None = None
) -> pl.Series:
    """Made-up names as `people.name` draws them: a surname (given, or drawn) and one or two
    given characters, the last one rare (outside GBK) where `rare` says so."""
    if surnames is None:
        surnames = pick(SURNAMES, rng.integers(0, len(SURNAMES), n))
    first = rng.integers(0, len(GIVEN), n)
    second = rng.integers(0, len(GIVEN), n)
    two = rng.random(n) < 2 / 3
    odd = rng.integers(0, len(RARE), n)
    given_first = pick(GIVEN, first)
    given_second = pick(GIVEN, second).set(pl.Series(~two), None)
    if rare is not None:
        given_first = given_first.scatter(np.flatnonzero(rare & ~two), pick(RARE, odd[rare & ~two]))
        given_second = given_second.scatter(np.flatnonzero(rare & two), pick(RARE, odd[rare & two]))
    return join(surnames, given_first, given_second).alias("name")


def phones(rng: np.random.Generator, n: int) -> pl.Series:
    second = pick("3578", rng.integers(0, 4, n))
    rest = pl.Series(rng.integers(0, 10**9, n)).cast(pl.Utf8).str.zfill(9)
    return join(pl.Series(["1"] * n), second, rest).alias("phone")


def credit_codes(rng: np.random.Generator, county_codes: pl.Series) -> pl.Series:
    """Unified social credit codes of made-up employers of each county, with a valid check."""
    n = len(county_codes)
    tail = rng.integers(0, len(USCC_CHARS), (n, 9))
    code_digits = np.stack(
        [county_codes.str.slice(i, 1).cast(pl.Int64).to_numpy() for i in range(6)], axis=1
    ).reshape(n, 6)
    total = (
        9 * USCC_WEIGHTS[0]
        + USCC_WEIGHTS[1]
        + code_digits @ USCC_WEIGHTS[2:8]
        + tail @ USCC_WEIGHTS[8:]
    )
    parts = [pick(USCC_CHARS, tail[:, j]) for j in range(9)]
    check = pick(USCC_CHARS, (31 - total % 31) % 31)
    return join(pl.Series(["91"] * n), county_codes, *parts, check).alias("credit_code")
