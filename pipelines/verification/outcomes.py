"""The outcome of each case as of a day, from the worklists village cadres send back.

A filled worklist dropped into `inbox/<day>/rural/` is staged like any extract, as the kind
`rural_verifications` (`pipelines/ingest/kinds.py`). Unlike the departments' extracts it is no
snapshot: deliveries add up. The outcome of a case as of day D is its latest verification
delivered on or before D, latest by 核实日期 (the delivery day where it was left blank), then by
delivery day; a row whose 核实结果 is blank is no outcome. Everything here depends on D and the
deliveries up to D only, so days processed in any order, or again, give the same outcomes.

Each worklist row carries 核对码, the fingerprint of the detail text the cadre saw. A case the
cadre found to be a data error or put right (数据有误, 已整改) is held back from later worklists
while its detail still has that fingerprint; once the records behind it change, it comes back.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

VERIFICATIONS_KIND = "rural_verifications"
# Outcomes after which a case is not sent again while its records stay as the cadre saw them
HELD_BACK = ("data_error", "rectified")
FINGERPRINT_LENGTH = 8


# Where in an extract a record sits (第433行, 第580、584行): a row inserted above it moves it
# without changing what the records say, so the fingerprint leaves it out.
ROW_NUMBERS = "第[0-9、]+行"


def fingerprint(detail: str | None) -> str:
    """核对码: the first 8 hex digits of the MD5 of the detail text (UTF-8), row numbers left
    out."""
    text = re.sub(ROW_NUMBERS, "", detail or "")
    return hashlib.md5(text.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


def fingerprint_sql(detail: str) -> str:
    """The same fingerprint in DuckDB (its md5 hashes the UTF-8 bytes of a varchar)."""
    text = f"regexp_replace(coalesce({detail}, ''), '{ROW_NUMBERS}', '', 'g')"
    return f"left(md5({text}), {FINGERPRINT_LENGTH})"


def case_outcomes_sql(as_of: date) -> str:
    """One row per case verified on or before `as_of`: its latest outcome, note, who and when,
    and the fingerprint of the detail the cadre saw. Only rows of files the ledger shows as
    staged count (a copy set aside as a duplicate, or a half-staged file, does not)."""
    return f"""
        select v.case_id, v.verification, v.note as verification_note, v.verified_by,
               v.verified_on, lower(v.fingerprint) as verified_fingerprint
        from staging.{VERIFICATIONS_KIND} as v
        join (
            select distinct delivery_date, file_sha256 from audit.files
            where kind = '{VERIFICATIONS_KIND}' and status = 'staged'
        ) using (delivery_date, file_sha256)
        where v.verification is not null and v.delivery_date <= date '{as_of.isoformat()}'
        qualify row_number() over (
            partition by v.case_id
            order by coalesce(v.verified_on, v.delivery_date) desc, v.delivery_date desc,
                     v.file_sha256 desc, v.sheet desc, v.source_row desc) = 1"""


def held_back_sql(as_of: date) -> str:
    """The cases open on `as_of` that are not sent again: latest outcome 数据有误 or 已整改,
    given on the same detail as today's (equal fingerprints)."""
    held = ", ".join(f"'{code}'" for code in HELD_BACK)
    return f"""
        select d.case_id
        from reconcile.discrepancies as d
        join ({case_outcomes_sql(as_of)}) as o using (case_id)
        where d.as_of = date '{as_of.isoformat()}' and o.verification in ({held})
          and o.verified_fingerprint = {fingerprint_sql("d.detail")}"""
