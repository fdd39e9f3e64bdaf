"""Masking for shareable outputs (DESIGN §7): an ID shows its first six and last four
characters, a name its surname and `*`. Used by the checks' samples and by the worklists."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A resident ID inside free text: 18 characters or the legacy 15 digits, not part of a longer
# number (a 16-digit 户编号 is not an ID and stays as it is).
_ID_IN_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")


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


def mask_text(text: str | None, names: Iterable[str]) -> str:
    """Free text (a case's detail) with every one of `names` masked, and every resident ID in
    it masked. Names of one character are left alone: they would mask ordinary words."""
    text = text or ""
    wanted = sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True)
    if wanted:
        pattern = re.compile("|".join(re.escape(n) for n in wanted))
        text = pattern.sub(lambda m: mask_name(m.group()), text)
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), text)
