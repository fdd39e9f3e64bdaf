"""Masking for shareable outputs (DESIGN §7): an ID shows its first six and last four
characters, a name its surname and `*`. In Python for the checks' samples and the worklists,
and in SQL (`mask_id_sql`, `mask_name_sql`) for the shared warehouse and the rules' details."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A resident ID inside free text: 18 characters or the legacy 15 digits, not part of a longer
# number (a 16-digit 户编号 is not an ID and stays as it is).
_ID_IN_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_MASKED_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{6}\*{5,}[0-9]{3}[0-9Xx](?![0-9Xx])")


def mask_id(text: str | None) -> str:
    """An ID cut to its first six and last four characters (the county and the sequence): it
    can be found in the file by who holds the file, and tells nobody else who it is."""
    text = "".join((text or "").split())
    if len(text) < 12:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_name(name: str | None) -> str:
    """The surname and one `*`, whatever the length of the given name."""
    name = (name or "").strip()
    return name[:1] + "*" if name else ""


def mask_id_sql(column: str) -> str:
    """`masking.mask_id` in SQL (published IDs carry no whitespace)."""
    return (
        f"case when {column} is null then null when length({column}) < 12 "
        f"then repeat('*', length({column})) else left({column}, 6) "
        f"|| repeat('*', length({column}) - 10) || right({column}, 4) end"
    )


def mask_name_sql(column: str) -> str:
    """`masking.mask_name` in SQL."""
    return (
        f"case when {column} is null then null when trim({column}) = '' then '' "
        f"else left(trim({column}), 1) || '*' end"
    )


class NameMasker:
    """Masks every one of a set of names inside free text, leftmost and longest first.

    A scan with set look-ups rather than one regular expression: the shared warehouse masks
    texts against every name of the county (tens of thousands), where an alternation of that
    many names would be slow to build and to run. Names of one character are left alone: they
    would mask ordinary words."""

    def __init__(self, names: Iterable[str]):
        self.names = frozenset(n for n in names if n and len(n) > 1)
        self.lengths = sorted({len(n) for n in self.names}, reverse=True)

    def __call__(self, text: str | None, hide_ids: bool = False) -> str:
        text = text or ""
        out, i = [], 0
        while i < len(text):
            hit = next((n for n in self.lengths if text[i : i + n] in self.names), 0)
            out.append(mask_name(text[i : i + hit]) if hit else text[i])
            i += hit or 1
        text = "".join(out)
        if hide_ids:
            # nothing of the number left, not even the masked form (a child's case)
            text = _MASKED_ID_IN_TEXT.sub(lambda m: "*" * len(m.group()), text)
            return _ID_IN_TEXT.sub(lambda m: "*" * len(m.group()), text)
        return _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), text)


def mask_text(text: str | None, names: Iterable[str]) -> str:
    """Free text (a case's detail) with every one of `names` masked, and every resident ID in
    it masked. Names of one character are left alone: they would mask ordinary words."""
    return NameMasker(names)(text)
