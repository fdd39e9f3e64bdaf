"""Characters that a cell may carry without showing them, removed wherever text is compared, and
the Unicode folding applied before comparing."""

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

# Whitespace of every class, and the invisible format characters that copying from web pages
# and word processors leaves behind: soft hyphen, zero-width and direction marks, word joiners,
# the BOM. Defined once: headers, IDs and values must agree on what is invisible.
INVISIBLE = r"[\s\u00a0\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u3000]"
# The same class for the regex engine of Polars, whose \s lacks the separators \x1c-\x1f that
# Python's includes
INVISIBLE_POLARS = INVISIBLE[:-1] + r"\x1c-\x1f]"
# What Python's str.strip() takes away (the row reader's test of a blank cell), spelled out for
# Polars' strip_chars
PYTHON_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)

# What Excel shows in a cell whose formula failed. Such a cell has no value: a row with one in a
# column Yulu reads is quarantined, never read as blank or as text.
EXCEL_ERRORS = frozenset(
    ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
)


def nfkc(s: pl.Series) -> pl.Series:
    """Unicode NFKC over a whole column (full-width digits and brackets become ASCII); nulls
    stay null."""
    arrow = s.to_arrow()
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    return pl.Series(s.name, pc.utf8_normalize(arrow.cast(pa.large_string()), "NFKC"))
