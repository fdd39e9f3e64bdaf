"""The household and person masters of day D, built from the conformed snapshots."""

from __future__ import annotations

from datetime import date


def households_sql(as_of: date) -> str:
    """One row per household of the register; household fields come from the head's row.

    A household is eligible for the Rain and Dew Plan when it is out of poverty or monitored
    (including monitored households whose risk has been eliminated). The grid is the natural
    village within the village until the county supplies a grid register.
    """
    day = as_of.isoformat()
    return f"""
        with rows as (
            select *,
                   row_number() over (
                       partition by household_id
                       order by (relation_to_head = 'head') desc, file_sha256, source_row
                   ) as pick
            from conform.members where as_of = date '{day}'
        ),
        counts as (
            select household_id,
                   count(*) filter (where coalesce(person_status, 'normal') = 'normal')
                       as member_count,
                   count(*) filter (where relation_to_head = 'head') as heads,
                   any_value(name) filter (where relation_to_head = 'head') as head_name
            from rows group by household_id
        )
        select date '{day}' as as_of, r.household_id,
               -- a village the reference lacks (a new code, another county) keeps what the
               -- register says of it, and its codes are cut from the 12-digit village code
               coalesce(d.county_code, left(r.village_code, 6)) as county_code,
               coalesce(d.township_code, left(r.village_code, 9)) as township_code,
               coalesce(d.township_name, r.township_name) as township_name,
               coalesce(d.village_code, r.village_code) as village_code,
               coalesce(d.village_name, r.village_name) as village_name,
               coalesce(d.village_code, r.village_code) || '-' || coalesce(r.natural_village, '')
                   as grid_id,
               r.household_type, r.monitoring_category, r.risk_types, r.risk_eliminated,
               r.risk_identified_on, r.risk_eliminated_on, r.income_per_capita,
               c.member_count, c.heads, c.head_name,
               (r.household_type = 'out_of_poverty' or r.monitoring_category is not null)
                   as eligible
        from rows as r
        join counts as c using (household_id)
        left join ref.divisions as d
          on d.village_code = coalesce(
              r.village_code,
              (select v.village_code from ref.divisions as v
               where v.township_name = r.township_name and v.village_name = r.village_name))
        where r.pick = 1
        order by r.household_id"""


def register_sql(as_of: date) -> str:
    """Per valid ID in the rural register: its households (more than one is ID-07).

    A row marked 迁出 records where the person lived before: the household they moved to is
    theirs. Only someone recorded as moved out everywhere keeps the households they left.
    Almost every ID has one row, which is its own answer; only IDs with several rows are
    grouped (grouping all seven million rows of a province took eight times as long).
    """
    here = "coalesce(person_status, 'normal') <> 'moved_out'"
    return f"""
        with rows as (
            select id_number, household_id, name, person_status,
                   count(*) over (partition by id_number) as rows_of_id
            from conform.members
            where as_of = date '{as_of.isoformat()}' and id_number is not null
        )
        select id_number, household_id, [household_id] as households, name,
               person_status = 'deceased' as deceased
        from rows
        where rows_of_id = 1 and household_id is not null
        union all
        select id_number,
               coalesce(min(household_id) filter (where {here}), min(household_id))
                   as household_id,
               coalesce(
                   list(distinct household_id order by household_id) filter (where {here}),
                   list(distinct household_id order by household_id)) as households,
               min(name) as name,
               bool_or(person_status = 'deceased') as deceased
        from rows
        where rows_of_id > 1 or household_id is null
        group by id_number"""


SOURCES = (  # (conformed table, the department it comes from or the column naming it)
    ("members", "'rural'"),
    ("subsidies", "'rural'"),
    ("intents", "'rural'"),
    ("enrollments", "department"),
    ("employment", "'hrss'"),
    ("training", "'hrss'"),
)


def persons_sql(as_of: date) -> str:
    """One row per person: everyone in the register, and every valid ID another source knows.

    The key is the ID where it is valid; a register row without a usable ID is its own person
    (`person_key` names the file and row), never merged with another.
    """
    day = as_of.isoformat()
    known = " union all ".join(
        f"select id_number, {dept} as department from conform.{table} "
        f"where as_of = date '{day}' and id_number is not null"
        for table, dept in SOURCES
    )
    return f"""
        with known as ({known}),
        sources as (
            select id_number, list_sort(list(distinct department)) as sources
            from known group by id_number
        ),
        register_rows as (
            select id_number, id_status, household_id, person_no, name, relation_to_head,
                   gender, person_status, education_level, school_status, file_sha256,
                   source_row, row_number() over (
                partition by coalesce(id_number, file_sha256 || ':' || source_row)
                order by household_id, file_sha256, source_row) as pick
            from conform.members where as_of = date '{day}'
        ),
        from_register as (
            select coalesce(id_number, 'row:' || left(file_sha256, 12) || ':' || source_row)
                       as person_key,
                   id_number, id_status, household_id, person_no, name, relation_to_head,
                   gender, coalesce(person_status, 'normal') as person_status,
                   education_level, school_status
            from register_rows where pick = 1
        ),
        others as (
            select k.id_number, min(k.department) as department
            from known as k
            anti join from_register as r on r.id_number = k.id_number
            group by k.id_number
        ),
        other_names as (
            select id_number, min(name) as name from conform.enrollments
            where as_of = date '{day}' and id_number is not null group by id_number
            union all
            select id_number, min(name) from conform.employment
            where as_of = date '{day}' and id_number is not null group by id_number
            union all
            select id_number, min(name) from conform.training
            where as_of = date '{day}' and id_number is not null group by id_number
        ),
        from_others as (
            select o.id_number as person_key, o.id_number, 'valid' as id_status,
                   null as household_id, null as person_no,
                   (select min(n.name) from other_names as n where n.id_number = o.id_number)
                       as name,
                   null as relation_to_head, null as gender, 'normal' as person_status,
                   null as education_level, null as school_status
            from others as o
        ),
        everyone as (select * from from_register union all by name select * from from_others)
        select date '{day}' as as_of, e.*,
               try_strptime(substr(e.id_number, 7, 8), '%Y%m%d')::date as birth_date,
               case when substr(e.id_number, 17, 1) in ('1', '3', '5', '7', '9') then 'male'
                    when e.id_number is not null then 'female' end as gender_from_id,
               coalesce(s.sources, ['rural']) as sources
        from everyone as e left join sources as s using (id_number)"""
