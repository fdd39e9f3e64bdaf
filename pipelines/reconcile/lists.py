"""The four village lists (清单, DESIGN §5) and the one-household-one-file profiles."""

from __future__ import annotations

# Ages of a new-growth labourer (新成长劳动力), DESIGN §2.
NEW_GROWTH_AGES = (15, 22)

# Whole years between birth and the day of `params as p`, as a person counts their age.
PERSON_AGE = (
    "date_diff('year', {born}, p.as_of)"
    " - (strftime(p.as_of, '%m%d') < strftime({born}, '%m%d'))::int"
)


def _age(born: str) -> str:
    return PERSON_AGE.format(born=born)


def vocational_intent_sql() -> str:
    """List 1: everyone who should be asked about vocational school, surveyed or not.

    A new-growth labourer is a member of an eligible household aged 15-22 who finished junior
    or senior high school, is not in school by the register, has no current school record
    and has not graduated from a vocational school.
    """
    low, high = NEW_GROWTH_AGES
    return f"""
        with candidates as (
            select m.household_id, m.id_number, m.name, h.village_code,
                   {_age("q.birth_date")} as age
            from members as m
            join persons as q on q.id_number = m.id_number
            join households as h on h.household_id = m.household_id and h.eligible
            cross join params as p
            where m.education_level in ('初中', '高中')
              and (m.school_status is null or m.school_status like '%非在校%')
              and m.id_number not in (select id_number from enrolled_now)
              -- a graduate of a vocational school belongs to lists 3 and 4
              and m.id_number not in (select id_number from graduated)
              and coalesce(m.person_status, 'normal') = 'normal'
        )
        select p.as_of, c.household_id, c.id_number, c.name, c.village_code, c.age,
               i.intent, i.target, i.surveyed_on, i.id_number is not null as surveyed
        from candidates as c
        cross join params as p
        left join intents as i on i.id_number = c.id_number
        where c.age between {low} and {high}
        order by c.village_code, c.household_id, c.id_number"""


def enrolled_students_sql() -> str:
    """List 2: students of eligible households (and anyone paid) by term, with the payment."""
    return """
        with pairs as (
            select e.id_number, p.current_term as term
            from enrolled_now as e
            join register as r using (id_number)
            cross join params as p
            join households as h on h.household_id = r.household_id
              and eligible_on(h.household_type, h.monitoring_category, h.risk_identified_on,
                              p.census_on)
            union
            select id_number, term from subsidies where id_number is not null
        ),
        payments as (
            select id_number, term, min(household_id) as household_id, min(name) as name,
                   min(school_name) as school_name, min(level) as level,
                   sum(amount) filter (where payment_status = 'paid') as amount,
                   bool_or(payment_status = 'paid') as subsidy_paid
            from subsidies where id_number is not null group by id_number, term
        ),
        best_record as (
            select id_number, arg_min(enrollment_status,
                       case enrollment_status when 'enrolled' then 0 when 'suspended' then 1
                            when 'graduated' then 2 else 3 end) as enrollment_status,
                   arg_min(school_name, case enrollment_status when 'enrolled' then 0 else 1 end)
                       as school_name,
                   arg_min(level, case enrollment_status when 'enrolled' then 0 else 1 end)
                       as level
            from enrollments where id_number is not null group by id_number
        )
        select p.as_of, coalesce(r.household_id, pay.household_id) as household_id,
               x.id_number, coalesce(r.name, pay.name) as name, h.village_code,
               coalesce(b.school_name, pay.school_name) as school_name,
               coalesce(b.level, pay.level) as level,
               coalesce(b.enrollment_status, 'no_record') as enrollment_status, x.term,
               coalesce(pay.subsidy_paid, false) as subsidy_paid, coalesce(pay.amount, 0) as amount
        from pairs as x
        cross join params as p
        left join register as r using (id_number)
        left join payments as pay using (id_number, term)
        left join best_record as b using (id_number)
        left join households as h on h.household_id = coalesce(r.household_id, pay.household_id)
        order by household_id, x.id_number, x.term"""


def graduates_sql(current_year: bool) -> str:
    """Lists 3 and 4: graduates of eligible households, this year's or earlier years'."""
    which = "=" if current_year else "<"
    return f"""
        select p.as_of, r.household_id, g.id_number, r.name, h.village_code, g.graduated_on,
               i.intent, e.employment_status, e.employer, i.id_number is not null as surveyed
        from graduated as g
        join register as r using (id_number)
        join households as h on h.household_id = r.household_id and h.eligible
        cross join params as p
        left join graduate_intents as i using (id_number)
        left join employment as e using (id_number)
        where year(g.graduated_on) {which} year(p.as_of)
          and g.id_number not in (select id_number from enrolled_now)
        order by h.village_code, r.household_id, g.id_number"""


def persons_sql() -> str:
    """mart.persons: the person master with what school and HR say of each person today."""
    return f"""
        select p.as_of, q.person_key, q.id_number, q.id_status, q.household_id, q.person_no,
               q.name, q.relation_to_head, coalesce(q.gender, q.gender_from_id) as gender,
               q.birth_date, {_age("q.birth_date")} as age, q.person_status,
               coalesce(s.enrollment_status, 'no_record') as enrollment_status, s.school_name,
               s.level, e.employment_status, q.sources
        from persons as q
        cross join params as p
        left join (
            select id_number,
                   arg_min(enrollment_status, case enrollment_status when 'enrolled' then 0
                           when 'suspended' then 1 when 'graduated' then 2 else 3 end)
                       as enrollment_status,
                   arg_min(school_name, case enrollment_status when 'enrolled' then 0 else 1 end)
                       as school_name,
                   arg_min(level, case enrollment_status when 'enrolled' then 0 else 1 end)
                       as level
            from enrollments where id_number is not null group by id_number
        ) as s using (id_number)
        left join employment as e using (id_number)
        order by q.person_key"""


# The conditions a reason of `ref.risk_reasons` (data/reference/risk_reasons.csv) stands for,
# over a household `h`, the day `p`, its cases `c` and its idle graduates `ig`. The points and
# labels live in the CSV: a county changes them there, or drops a row to drop the reason.
RISK_CONDITIONS = {
    "monitored_not_eliminated": (
        "h.monitoring_category is not null and not coalesce(h.risk_eliminated, false)"
    ),
    "income_below_line": "h.income_per_capita < p.income_line",
    "open_error_cases": "c.has_error",
    "unemployed_graduate": "ig.household_id is not null",
}


def household_profiles_sql() -> str:
    """mart.households: one household, one file, with its risk level and the reasons for it.

    The reasons and their points come from `ref.risk_reasons`; the level is their sum, capped
    at 3. Counts of cases are those found on this day.
    """
    flags = ", ".join(
        f"case when {condition} then '{code}' end" for code, condition in RISK_CONDITIONS.items()
    )
    return f"""
        with cases as (
            select household_id, count(*) as open_discrepancies,
                   bool_or(severity = 'error') as has_error
            from day_discrepancies where household_id is not null group by household_id
        ),
        students as (
            select r.household_id, count(distinct e.id_number) as students_enrolled
            from enrolled_now as e join register as r using (id_number) group by r.household_id
        ),
        terms_paid as (
            select coalesce(r.household_id, s.household_id) as household_id,
                   count(distinct (s.id_number, s.term)) as subsidy_terms_paid
            from paid as s left join register as r using (id_number) group by all
        ),
        employed as (
            select r.household_id, count(distinct e.id_number) as members_employed
            from employment as e join register as r using (id_number)
            where e.employment_status = 'employed' group by r.household_id
        ),
        idle_graduates as (
            select distinct r.household_id
            from graduated as g join register as r using (id_number)
            left join employment as e using (id_number)
            where coalesce(e.employment_status, 'none') <> 'employed'
              and g.id_number not in (select id_number from enrolled_now)
        ),
        flags as (
            select h.household_id, unnest([{flags}]) as reason_code
            from households as h cross join params as p
            left join cases as c using (household_id)
            left join idle_graduates as ig using (household_id)
        ),
        reasons as (
            select f.household_id, sum(rr.points) as points,
                   list(rr.label order by rr.reason_code) as risk_reasons
            from flags as f join ref.risk_reasons as rr using (reason_code)
            group by f.household_id
        )
        select p.as_of, h.household_id, h.county_code, h.township_code, h.township_name,
               h.village_code, h.village_name, h.grid_id, h.household_type,
               h.monitoring_category, h.risk_types, h.risk_eliminated, h.income_per_capita,
               h.member_count, h.head_name,
               coalesce(st.students_enrolled, 0) as students_enrolled,
               coalesce(tp.subsidy_terms_paid, 0) as subsidy_terms_paid,
               coalesce(em.members_employed, 0) as members_employed,
               coalesce(c.open_discrepancies, 0) as open_discrepancies,
               least(coalesce(rs.points, 0), 3)::integer as risk_level,
               coalesce(rs.risk_reasons, []::varchar[]) as risk_reasons
        from households as h
        cross join params as p
        left join cases as c using (household_id)
        left join students as st using (household_id)
        left join terms_paid as tp using (household_id)
        left join employed as em using (household_id)
        left join reasons as rs using (household_id)
        order by h.household_id"""
