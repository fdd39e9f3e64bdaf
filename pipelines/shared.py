"""The shared warehouse, `yulu_shared.duckdb`: the restricted file's tables, masked (Contract).

Same schemas and table names as `yulu.duckdb` for `mart.*`, `history.discrepancies` and
`audit.files` (not `audit.rejected_rows`: its raw text is personal data). Each column is carried
as `pipelines/dictionary.py` says: IDs show their first 6 and last 4 characters, names their
surname and `*`, free text has the names and IDs in it masked, and every table with an ID gets
`person_key` right after it, the ID's HMAC (`pipelines/pseudonym.py`).

Children under 14 on a row's `as_of` (by the birth date in the ID) have no person-level row in
the shared file: their rows of the person tables and lists are left out. A case about a child
is kept, because the case itself (a payment to check, a household to visit) matters to whoever
reads the shared file, but its ID, person_key and every trace of the ID in its detail are blank.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.dictionary import BLANK, KEEP, MASK_ID, MASK_NAME, MASK_TEXT, entry, shared_layout
from pipelines.ingest.kinds import KINDS
from pipelines.masking import NameMasker, mask_id_sql, mask_name_sql
from pipelines.pseudonym import pseudonym_table

CHILD_AGE = 14
# Cases whose ID is by definition no join key: malformed (ID-01) or cut short by Excel (ID-03;
# a cut ID ending in 000 passes the check digit one time in eleven).
NOT_JOIN_KEY_RULES = ("ID-01", "ID-03")
PSEUDONYMS = "yulu_pseudonyms"
TEXTS = "yulu_masked_texts"


def _child_sql(table_alias: str) -> str:
    born = (
        f"case when length({table_alias}.id_number) = 18 then "
        f"try_strptime(substr({table_alias}.id_number, 7, 8), '%Y%m%d')::date end"
    )
    return f"coalesce({born} > {table_alias}.as_of - interval {CHILD_AGE} year, false)"


def shared_table_sql(table: str, columns: list[str], source: str) -> str:
    """The query filling the shared `table` from the restricted one in the attached `source`."""
    has_id = "id_number" in columns
    is_case = "case_id" in columns
    child = _child_sql("r") if has_id else "false"
    joins, select = [], []
    for column in shared_layout(table, columns):
        if column == "person_key":
            blank = f"{child} or r.rule_code in {NOT_JOIN_KEY_RULES}" if is_case else child
            select.append(f"case when {blank} then null else p.person_key end as person_key")
            joins.append(f"left join {PSEUDONYMS} as p on p.id_number = r.id_number")
            continue
        how = entry(table, column).shared
        value = f"r.{column}"
        if how == MASK_ID:
            value = f"case when {child} then null else {mask_id_sql(value)} end"
        elif how == MASK_NAME:
            value = mask_name_sql(value)
            if is_case:
                value = f"case when {child} then null else {value} end"
        elif how == MASK_TEXT:
            alias = f"t_{column}"
            joins.append(f"left join {TEXTS} as {alias} on {alias}.text = r.{column}")
            value = f"case when {child} then {alias}.hidden else {alias}.masked end"
        elif how == BLANK:
            value = f"case when false then r.{column} end"
        elif how != KEEP:
            raise ValueError(f"{table}.{column}: unknown treatment {how}")
        select.append(f"{value} as {column}")
    where = "" if is_case or not has_id else f"where not {child}"
    return (
        f"select {', '.join(select)} from {source}.{table} as r {' '.join(joins)} {where}"
    ).strip()


def known_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every name any staged extract holds (names, surveyors, verifiers), to mask in texts."""
    found: set[str] = set()
    for kind in KINDS.values():
        for field in kind.fields:
            if field.kind != "name":
                continue
            rows = con.execute(
                f"select distinct {field.name} from staging.{kind.name} "
                f"where {field.name} is not null"
            ).fetchall()
            found.update(name for (name,) in rows)
    return found


def register_masks(
    con: duckdb.DuckDBPyConnection,
    source: str,
    columns: dict[str, list[str]],
    key: bytes,
    latest: date,
) -> None:
    """The person keys of every published ID and the masked form of every free text, as Arrow
    tables the shared queries join on, computed once per distinct value."""
    id_queries, text_queries, name_queries = [], [], []
    for table, names in columns.items():
        for column in names:
            how = entry(table, column).shared
            if column == "id_number":
                id_queries.append(f"select id_number as v from {source}.{table}")
            elif how == MASK_TEXT:
                text_queries.append(f"select {column}::varchar as v from {source}.{table}")
            elif how == MASK_NAME:
                name_queries.append(f"select {column}::varchar as v from {source}.{table}")

    def distinct(queries: list[str]) -> pl.Series:
        """Each value once, sorted by DuckDB and handed over as one column (a province
        publishes seven million IDs)."""
        if not queries:
            return pl.Series(dtype=pl.Utf8)
        sql = (
            f"select distinct v from ({' union all '.join(queries)}) where v is not null order by v"
        )
        return pl.from_arrow(con.sql(sql).to_arrow_table()["v"])

    con.register(PSEUDONYMS, pseudonym_table(distinct(id_queries), key, latest))
    masker = NameMasker(known_names(con) | set(distinct(name_queries).to_list()))
    texts = distinct(text_queries).to_list()
    con.register(
        TEXTS,
        pa.table(
            {
                "text": pa.array(texts, pa.string()),
                "masked": [masker(t) for t in texts],
                "hidden": [masker(t, hide_ids=True) for t in texts],
            }
        ),
    )


def unregister_masks(con: duckdb.DuckDBPyConnection) -> None:
    for name in (PSEUDONYMS, TEXTS):
        con.unregister(name)
