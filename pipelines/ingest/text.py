"""Characters that a cell may carry without showing them, removed wherever text is compared."""

# Whitespace of every class, and the invisible format characters that copying from web pages
# and word processors leaves behind: soft hyphen, zero-width and direction marks, word joiners,
# the BOM. Defined once: headers, IDs and values must agree on what is invisible.
INVISIBLE = r"[\s\u00a0\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u3000]"

# What Excel shows in a cell whose formula failed. Such a cell has no value: a row with one in a
# column Yulu reads is quarantined, never read as blank or as text.
EXCEL_ERRORS = frozenset(
    ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
)
