"""Latest snapshot of each kind as of a day, and its deduplication.

Each file is a full snapshot, so the state of a kind on day D is the staged rows of its latest
delivery on or before D (all accepted files of that delivery together). Within a snapshot, rows
with the same record key (`Kind.record_key`, a valid ID among it) are one record: the copy from
the first file and the lowest source row is kept; if the copies disagree, DUP-01 is raised.
Rows without a usable ID are never merged with each other.
"""

from __future__ import annotations

from datetime import date

from pipelines.ingest.kinds import KINDS, Kind
from pipelines.warehouse import ROW_META


def _content_columns(kind: Kind) -> list[str]:
    """The values that make two copies of a record the same; an ID written once in its
    18-character and once in its 15-digit form (`id_status` valid and upgraded) is one value."""
    return [f.name for f in kind.fields]


def snapshot_sql(kind: Kind, as_of: date) -> str:
    """The staged rows of the kind's latest accepted delivery on or before `as_of`."""
    return f"""
        select s.*
        from staging.{kind.name} as s
        where s.delivery_date = (
            select max(f.delivery_date) from audit.files as f
            where f.kind = '{kind.name}' and f.status = 'staged'
              and f.delivery_date <= date '{as_of.isoformat()}'
        )"""


def _disagreement_sql(kind: Kind, key: str) -> str:
    """Per record key whose copies disagree: where they are (第2、5行, or with the file names
    when they are in several files of one delivery) and the headers of the columns that
    differ."""
    differing = ", ".join(
        f"case when count(distinct coalesce(cast({f.name} as varchar), '␀')) > 1 "
        f"then '{f.headers[0]}' end"
        for f in kind.fields
        if f.name not in kind.record_key
    )
    return f"""
        select {key},
               case when count(distinct file_sha256) > 1
                    then string_agg(file_name || ' 第' || source_row || '行', '、'
                                    order by file_name, source_row)
                    else '第' || string_agg(cast(source_row as varchar), '、' order by source_row)
                         || '行' end as copy_places,
               list_filter([{differing}], lambda x: x is not null) as differing_columns
        from grouped
        left join (
            select distinct file_sha256, delivery_date, file_name
            from audit.files where status = 'staged'
        ) using (file_sha256, delivery_date)
        where keyed and copies > same_content
        group by {key}"""


def deduplicated_sql(kind: Kind, as_of: date) -> str:
    """One row per record of the snapshot, with the number of `copies` of its key and, where
    they disagree (DUP-01), their rows and the columns that differ.

    Only keys with several copies are hashed and compared: in a province's register they are
    a few hundred of seven million rows, and hashing every row was most of conforming it.
    """
    # concat_ws skips nulls: a null marker keeps (a, null) and (null, a) apart
    content = ", ".join(f"coalesce(cast({c} as varchar), '␀')" for c in _content_columns(kind))
    key = list(kind.record_key)
    if not key:
        keyed = "false"
        partition = "file_sha256, source_row"
    else:
        keyed = " and ".join(f"{k} is not null" for k in key)
        partition = ", ".join(key)
    # in the order the departments wrote them: rules that list several records in a case's
    # text list them in this order, whatever order the files were staged in
    meta = ", ".join(name for name, _ in ROW_META)
    day = as_of.isoformat()
    return f"""
        with snap as not materialized ({snapshot_sql(kind, as_of)}),
        several as (
            select {partition}, count(*) as copies
            from snap where {keyed}
            group by {partition} having count(*) > 1
        ),
        counted as not materialized (
            select s.*, coalesce(several.copies, 1) as copies
            from snap as s left join several using ({partition})
        ),
        grouped as (
            select *, true as keyed,
                   row_number() over (
                       partition by {partition} order by file_sha256, source_row) as copy_no,
                   count(*) over (partition by {partition}, content_hash) as same_content
            from (select *, md5(concat_ws('|', {content})) as content_hash
                  from counted where copies > 1)
        )
        select date '{day}' as as_of, *, false as copies_disagree,
               cast(null as varchar) as copy_places, cast(null as varchar[]) as differing_columns
        from counted
        where copies = 1
        union all by name
        select date '{day}' as as_of, * exclude (keyed, copy_no, same_content, content_hash),
               (copies > same_content) as copies_disagree
        from grouped
        left join ({_disagreement_sql(kind, partition)}) using ({partition})
        where copy_no = 1
        order by {meta}"""


CONFORMED_KINDS = {
    "members": "rural_members",
    "subsidies": "rural_subsidies",
    "intents": "rural_intents",
    "employment": "hrss_employment",
    "training": "hrss_training",
}
ENROLLMENT_KINDS = ("education_enrollments", "hrss_technical_enrollments")


def enrollments_sql(as_of: date) -> str:
    """Vocational (education) and technical (hrss) student records, one table."""
    parts = [
        f"select '{name}' as kind, * from ({deduplicated_sql(KINDS[name], as_of)})"
        for name in ENROLLMENT_KINDS
    ]
    return " union all by name ".join(parts)
