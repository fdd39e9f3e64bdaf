"""Conforming day D: each kind's latest snapshot on or before D, deduplicated, and the person
and household masters built from them (DESIGN §4 step 4)."""
