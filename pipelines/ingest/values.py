"""Vectorised normalisers for the value types of `kinds.Field` (polars expressions).

Each normaliser returns the normalised column and a boolean column that is true where the
cell held text that could not be read as that type; such a row is quarantined, never guessed.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.ingest import ids
from pipelines.ingest.kinds import Field
from pipelines.ingest.text import INVISIBLE, PYTHON_SPACE, nfkc

_WS = INVISIBLE
TERM_PATTERNS = (
    # (regex, season of group 2 or fixed season)
    (r"^(\d{4})年?(秋|秋季|秋季学期)$", "autumn"),
    (r"^(\d{4})年?(春|春季|春季学期)$", "spring"),
    (r"^(\d{4})-(autumn|spring)$", None),
)
_ACADEMIC_YEAR = r"^(\d{4})-(\d{4})学年第(一|二|1|2)学期$"
EXCEL_EPOCH = date(1899, 12, 30)
# What a name cell holds when there is no name: never a person's name.
NAME_PLACEHOLDERS = ["无", "NULL", "NONE", "NAN", "#N/A", "N/A", "不详", "-", "--", "/", "?"]


def _text(s: pl.Series) -> pl.Expr:
    """NFKC, outer whitespace of every class trimmed, blank → null."""
    expr = pl.lit(nfkc(s)).str.replace_all(f"^{_WS}+|{_WS}+$", "")
    return pl.when(expr == "").then(None).otherwise(expr)


def _compact(s: pl.Series) -> pl.Expr:
    expr = pl.lit(nfkc(s)).str.replace_all(f"{_WS}+", "")
    return pl.when(expr == "").then(None).otherwise(expr)


def _date_from_text(text: pl.Expr, month_only: bool, numeric: pl.Expr | None) -> pl.Expr:
    ymd = text.str.extract_groups(
        r"^(?<y>\d{4})(?:[-/.年](?<m>\d{1,2})(?:[-/.月](?<d>\d{1,2})日?)?月?|(?<m2>\d{2})(?<d2>\d{2})?)$"
    )
    y = ymd.struct.field("y")
    m = pl.coalesce(ymd.struct.field("m"), ymd.struct.field("m2"))
    d = pl.coalesce(ymd.struct.field("d"), ymd.struct.field("d2"))
    # A month column may be given a whole date: the day must exist, then the month is kept.
    iso = pl.concat_str(
        [y, m.str.zfill(2), pl.coalesce(d, pl.lit("1")).str.zfill(2)], separator="-"
    )
    parsed = iso.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    if month_only:
        parsed = parsed.dt.truncate("1mo")
    if numeric is not None:
        # A cell Excel holds as a number: five digits are a day serial (1927 to 2119), six or
        # eight are 202309 or 20230901 typed as numbers; anything else (2026, 2025.1 for
        # 2025.10) cannot be told apart once Excel made it a number, so it is not guessed.
        serial = text.str.extract(r"^([0-9]{5})$").cast(pl.Int64, strict=False)
        from_serial = pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)
        as_digits = text.str.contains(r"^([0-9]{6}|[0-9]{8})$")
        parsed = (
            pl.when(numeric & serial.is_between(10_000, 80_000))
            .then(from_serial)
            .when(numeric & ~as_digits)
            .then(None)
            .otherwise(parsed)
        )
    return parsed


def _term(text: pl.Expr) -> pl.Expr:
    options = []
    for pattern, season in TERM_PATTERNS:
        year = text.str.extract(pattern, 1)
        label = pl.lit(season) if season else text.str.extract(pattern, 2)
        options.append(pl.when(year.is_not_null()).then(year + "-" + label))
    first = text.str.extract(_ACADEMIC_YEAR, 1).cast(pl.Int64, strict=False)
    second = text.str.extract(_ACADEMIC_YEAR, 2).cast(pl.Int64, strict=False)
    half = text.str.extract(_ACADEMIC_YEAR, 3)
    academic = (
        pl.when(second != first + 1)
        .then(None)  # 2030-2020学年: not a school year, so not a term
        .when(half.is_in(["一", "1"]))
        .then(first.cast(pl.Utf8) + "-autumn")
        .when(half.is_in(["二", "2"]))
        .then((first + 1).cast(pl.Utf8) + "-spring")
    )
    return pl.coalesce(*options, academic)


def _labels(text: pl.Expr, labels: dict) -> pl.Expr:
    dtype = pl.Boolean if all(isinstance(v, bool) for v in labels.values()) else pl.Utf8
    return text.replace_strict(labels, default=None, return_dtype=dtype)


def normalise_column(
    s: pl.Series, f: Field, numeric: pl.Series | None = None
) -> tuple[pl.Series, pl.Series]:
    """(normalised values, unreadable flag) for one raw text column; `numeric` marks the cells
    a workbook held as numbers (None for text files)."""
    frame = pl.DataFrame({"raw": s})
    text = _text(s)
    kind = f.kind
    if kind == "name":
        compact = _compact(s)
        placeholder = compact.str.to_uppercase().is_in(NAME_PLACEHOLDERS)
        unreadable = placeholder | compact.str.contains(r"[\x00-\x1f\x7f]")
        value = pl.when(~unreadable).then(compact.str.replace_all(r"[•・.．]", "·"))
        return _finish(frame, value, compact)
    elif kind == "ident":
        value = _compact(s).str.to_uppercase()
    elif kind == "opaque":
        # DESIGN §2: opaque text, never a number. What Excel made of a long number
        # (4112241000010000.0, 4.1E+15) has a point or a plus and is not taken as an ID.
        compact = _compact(s)
        value = pl.when(compact.str.contains(r"^[0-9A-Za-z][0-9A-Za-z_-]*$")).then(compact)
        return _finish(frame, value, compact)
    elif kind == "code":
        compact = _compact(s)
        # [0-9], not \d: other scripts' digits would make keys that never match
        pattern = rf"^[0-9]{{{f.digits}}}$" if f.digits else r"^[0-9]+$"
        value = pl.when(compact.str.contains(pattern)).then(compact)
        return _finish(frame, value, compact)
    elif kind in ("date", "month"):
        flags = None if numeric is None else pl.lit(numeric)
        value = _date_from_text(_compact(s), kind == "month", flags)
        return _finish(frame, value, _compact(s))
    elif kind in ("amount", "int"):
        compact = _compact(s).str.replace_all(r"[元¥￥]", "")
        # Commas only as thousands separators (1,500.00); 1,50 or 1.500,00 is not guessed at.
        plain = pl.when(compact.str.contains(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")).then(
            compact.str.replace_all(",", "")
        )
        dtype = pl.Float64 if kind == "amount" else pl.Int64
        number = plain.cast(dtype, strict=False)
        value = pl.when(number >= 0).then(number)
        return _finish(frame, value, compact)
    elif kind in ("enum", "bool"):
        value = _labels(text, f.labels)
        if f.blank_means is not None:
            value = pl.when(text.is_null()).then(pl.lit(f.blank_means)).otherwise(value)
        return _finish(frame, value, text)
    elif kind == "enum_list":
        return _enum_list(s, f)
    elif kind == "term":
        compact = _compact(s)
        return _finish(frame, _term(compact), compact)
    else:
        value = text
    out = frame.select(value.alias(f.name))
    return out.to_series(), pl.Series(f.name, [False] * len(s), dtype=pl.Boolean)


def _finish(frame: pl.DataFrame, value: pl.Expr, given: pl.Expr) -> tuple[pl.Series, pl.Series]:
    out = frame.select(value.alias("value"), (given.is_not_null() & value.is_null()).alias("bad"))
    return out["value"], out["bad"].cast(pl.Boolean)


def _enum_list(s: pl.Series, f: Field) -> tuple[pl.Series, pl.Series]:
    """A list of labels (因病、因学): each part stripped and mapped, blank parts left out; the
    whole cell unreadable where one part is not a label; the codes sorted, each once."""
    parts = _text(s).str.replace_all(r"[、;；，,]", ",").str.split(",")
    stripped = parts.list.eval(pl.element().str.strip_chars(PYTHON_SPACE)).list.eval(
        pl.element().filter(pl.element() != "")
    )
    mapped = stripped.list.eval(
        pl.element().replace_strict(f.labels, default=None, return_dtype=pl.Utf8)
    )
    frame = pl.DataFrame({"raw": s}).select(stripped.alias("stripped"), mapped.alias("mapped"))
    bad = frame["mapped"].list.eval(pl.element().is_null()).list.any().fill_null(False)
    value = frame.select(
        pl.when(bad.not_()).then(pl.col("mapped").list.unique().list.sort()).alias(f.name)
    )[f.name]
    return value.cast(pl.List(pl.Utf8)), bad.alias(f.name).cast(pl.Boolean)


def normalise_ids(s: pl.Series, latest: date) -> pl.DataFrame:
    """Columns id_number (join key or null), id_status and id_cleaned for a raw ID column."""
    return ids.classify_ids(s, latest).select("id_number", "id_status", "id_cleaned")
