"""`dirt.Dirt` for whole columns: the same spoilings, at the same rates, that the normaliser
must undo (IDs with stray spaces, full-width digits or a lower-case x; names with a trailing
space; the clerks' spellings of dates, months, amounts and terms; a line break typed in a
cell), drawn with numpy and built with polars expressions."""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.sample.columns import as_dates

FULL_WIDTH = dict(zip("0123456789X", "０１２３４５６７８９Ｘ", strict=True))


def _styles(rng: np.random.Generator, n: int, k: int) -> pl.Expr:
    return pl.lit(pl.Series(rng.integers(0, k, n)))


def _pick_style(value: pl.Series, style: pl.Expr, options: list[pl.Expr]) -> pl.Series:
    """Per row, option number `style` of `options` (expressions over `v`)."""
    chosen = pl.when(style == 0).then(options[0])
    for i, option in enumerate(options[1:], start=1):
        chosen = chosen.when(style == i).then(option)
    return pl.DataFrame({"v": value}).select(chosen.otherwise(options[-1]).alias(value.name))[
        value.name
    ]


class ColumnDirt:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def id(self, numbers: pl.Series, unicode_spaces: bool = True) -> pl.Series:
        """One ID in five spoiled, as `Dirt.id`; `unicode_spaces=False` for GBK."""
        n, v = len(numbers), pl.col("v")
        kinds = 6 if unicode_spaces else 4
        how = np.where(self.rng.random(n) < 0.2, self.rng.integers(0, kinds, n), -1)
        options = [
            pl.concat_str([pl.lit(" "), v, pl.lit(" ")]),
            pl.concat_str([v.str.slice(0, 6), pl.lit(" "), v.str.slice(6)]),
            v.str.replace_many(FULL_WIDTH),
            v.str.replace(r"X$", "x"),
            pl.concat_str([v, pl.lit("\u200b")]),
            pl.concat_str([pl.lit("\t"), v, pl.lit("\u00a0")]),
        ][:kinds]
        style = pl.lit(pl.Series(how))
        return _pick_style(numbers, style, [*options, v])

    def name(self, names: pl.Series) -> pl.Series:
        trailing = pl.lit(pl.Series(self.rng.random(len(names)) < 0.05))
        frame = pl.DataFrame({"v": names})
        spoiled = pl.when(trailing).then(pl.col("v") + " ").otherwise(pl.col("v"))
        return frame.select(spoiled.alias(names.name))[names.name]

    def day(self, days: pl.Series) -> pl.Series:
        """Day numbers (null for none) in one of the four spellings of `Dirt.day`."""
        dates = as_dates(days.fill_null(0).to_numpy()).set(days.is_null(), None)
        v = pl.col("v")
        options = [
            v.dt.strftime("%Y-%m-%d"),
            v.dt.strftime("%Y/%-m/%-d"),
            v.dt.strftime("%Y%m%d"),
            v.dt.strftime("%Y年%-m月%-d日"),
        ]
        return _pick_style(dates.alias(days.name), _styles(self.rng, len(days), 4), options)

    def month(self, days: pl.Series) -> pl.Series:
        dates = as_dates(days.fill_null(0).to_numpy()).set(days.is_null(), None)
        v = pl.col("v")
        options = [v.dt.strftime("%Y.%m"), v.dt.strftime("%Y年%-m月"), v.dt.strftime("%Y-%m")]
        return _pick_style(dates.alias(days.name), _styles(self.rng, len(days), 3), options)

    def amount(self, values: pl.Series) -> pl.Series:
        """`Dirt.amount`: 1500, 1,500.00 or 1500元 (values under a million, two decimals)."""
        cents = (values * 100).round(0).cast(pl.Int64)
        if (cents >= 100_000_000).any():
            raise ValueError("amounts of a million yuan or more are not spelled here")
        whole, frac = cents // 100, cents % 100
        plain = (
            pl.when(frac == 0)
            .then(whole.cast(pl.Utf8))
            .when(frac % 10 == 0)
            .then(pl.concat_str([whole.cast(pl.Utf8), pl.lit("."), (frac // 10).cast(pl.Utf8)]))
            .otherwise(
                pl.concat_str([whole.cast(pl.Utf8), pl.lit("."), frac.cast(pl.Utf8).str.zfill(2)])
            )
        )
        grouped = (
            pl.when(whole >= 1000)
            .then(
                pl.concat_str(
                    [
                        (whole // 1000).cast(pl.Utf8),
                        pl.lit(","),
                        (whole % 1000).cast(pl.Utf8).str.zfill(3),
                    ]
                )
            )
            .otherwise(whole.cast(pl.Utf8))
        )
        style = pl.lit(pl.Series(self.rng.integers(0, 3, len(values))))
        spelled = (
            pl.when(style == 0)
            .then(plain)
            .when(style == 1)
            .then(pl.concat_str([grouped, pl.lit("."), frac.cast(pl.Utf8).str.zfill(2)]))
            .otherwise(pl.concat_str([plain, pl.lit("元")]))
        )
        return pl.select(spelled.alias(values.name))[values.name]

    def term(self, terms: pl.Series) -> pl.Series:
        """2025-autumn as 2025年秋季, 2025秋 or 2025-2026学年第一学期 (and the spring alike)."""
        v = pl.col("v")
        year = v.str.slice(0, 4).cast(pl.Int64)
        autumn = v.str.ends_with("autumn")
        first = pl.when(autumn).then(year).otherwise(year - 1).cast(pl.Utf8)
        options = [
            pl.concat_str(
                [
                    v.str.slice(0, 4),
                    pl.when(autumn).then(pl.lit("年秋季")).otherwise(pl.lit("年春季")),
                ]
            ),
            pl.concat_str(
                [v.str.slice(0, 4), pl.when(autumn).then(pl.lit("秋")).otherwise(pl.lit("春"))]
            ),
            pl.concat_str(
                [
                    first,
                    pl.lit("-"),
                    (first.cast(pl.Int64) + 1).cast(pl.Utf8),
                    pl.when(autumn).then(pl.lit("学年第一学期")).otherwise(pl.lit("学年第二学期")),
                ]
            ),
        ]
        return _pick_style(terms, _styles(self.rng, len(terms), 3), options)

    def measures(self, n: int, text: str = "政策宣传、岗位推荐") -> pl.Series:
        """A line break typed in the cell one time in ten (quoted in the CSV)."""
        broken = self.rng.random(n) < 0.1
        return pl.Series("measures", np.where(broken, text.replace("、", "\n", 1), text))

    def risks(self, first: pl.Series, second: pl.Series) -> pl.Series:
        """One or two risk types, separated as clerks separate them (、；，or ,)."""
        separator = pl.Series(
            np.array(["、", "；", "，", ","])[self.rng.integers(0, 4, len(first))]
        )
        frame = pl.DataFrame({"a": first, "b": second, "s": separator})
        joined = (
            pl.when(pl.col("b").is_null())
            .then(pl.col("a"))
            .otherwise(pl.concat_str([pl.col("a"), pl.col("s"), pl.col("b")]))
        )
        return frame.select(joined.alias("risks"))["risks"]

    def choice(self, options, n: int, name: str) -> pl.Series:
        return pl.Series(
            name,
            np.asarray(options, dtype=object)[self.rng.integers(0, len(options), n)],
            dtype=pl.Utf8,
        )
