"""The rule catalogue (DESIGN §6): each rule is one unit with its code, name, severity and the
query that finds its cases, with a detail text in Chinese that says what each source says.

Every query reads the day views of `views.py` and returns `household_id, id_number,
discriminator, departments, detail`. A case is keyed by rule, household, ID and discriminator
(a term, or the extract kind), which makes `case_id` stable from day to day. The household of
a case is the household of the person in the rural register, where the person is in it.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING = "error", "warning"  # DESIGN §6 also has info; no rule here uses it yet

# Tables whose rows carry an ID, with their department and whether they carry a household.
ID_SOURCES = (
    ("members", "rural_members", "'rural'", "household_id"),
    ("subsidies", "rural_subsidies", "'rural'", "household_id"),
    ("intents", "rural_intents", "'rural'", "household_id"),
    ("enrollments", "kind", "department", "household_id"),
    ("employment", "hrss_employment", "'hrss'", "null"),
    ("training", "hrss_training", "'hrss'", "null"),
)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    finding: str  # what the rule finds, in English, for the rule table
    sql: str


def _id_rows_sql(where: str, extra: str = "") -> str:
    parts = []
    for table, kind, dept, household in ID_SOURCES:
        kind_expr = kind if kind == "kind" else f"'{kind}'"
        parts.append(
            f"select {household} as household_id, {kind_expr} as kind, {dept} as department, "
            f"id_number, id_status, id_cleaned, name, source_row{extra} from {table} where {where}"
        )
    return " union all ".join(parts)


ID_01 = Rule(
    "ID-01",
    "身份证号错误",
    ERROR,
    "ID malformed: wrong length, bad check character, impossible birth date",
    f"""
    with bad as ({_id_rows_sql("id_status = 'invalid'")}),
    born as (
        select *, try_strptime(
                      case when length(id_cleaned) = 18 then substr(id_cleaned, 7, 8)
                           else '19' || substr(id_cleaned, 7, 6) end, '%Y%m%d')::date as born
        from bad
    )
    select household_id, id_cleaned as id_number, null as discriminator,
           list(distinct department order by department) as departments,
           string_agg(distinct format('{{}}「{{}}」第{{}}行：证件号码{{}}', dept_label(department),
                      kind_label(kind), source_row,
                      case when length(id_cleaned) not in (15, 18)
                               then format('为{{}}位，应为18位', length(id_cleaned))
                           when not regexp_matches(id_cleaned, '^([0-9]{{17}}[0-9X]|[0-9]{{15}})$')
                               then '含有数字以外的字符'
                           when born is null or born < date '1900-01-01' or born > p.as_of
                               then '中的出生日期不存在或不可能'
                           else '校验码错误' end), '；') as detail
    from born cross join params as p
    group by household_id, id_cleaned
    """,
)

ID_05 = Rule(
    "ID-05",
    "同号不同名",
    WARNING,
    "same ID, different names across departments (after normalising)",
    """
    with names as (
        select id_number, 'rural' as department, name from members where id_number is not null
        union select id_number, department, name from enrollments where id_number is not null
        union select id_number, 'hrss', name from employment where id_number is not null
        union select id_number, 'hrss', name from training where id_number is not null
    )
    select r.household_id, n.id_number, null as discriminator,
           list(distinct n.department order by n.department) as departments,
           string_agg(distinct dept_label(n.department) || '：' || n.name, '；'
                      order by dept_label(n.department) || '：' || n.name) as detail
    from names as n left join register as r using (id_number)
    group by r.household_id, n.id_number
    having count(distinct n.name) > 1 and count(distinct n.department) > 1
    """,
)

ID_07 = Rule(
    "ID-07",
    "一人多户",
    ERROR,
    "same ID in two households",
    """
    select m.household_id, r.id_number, null as discriminator, ['rural'] as departments,
           format('乡村振兴：同一证件号码登记在{}个户中（户编号 {}）', len(r.households),
                  array_to_string(r.households, '、')) as detail
    from register as r
    join (select distinct household_id, id_number from members) as m using (id_number)
    where len(r.households) > 1 and list_contains(r.households, m.household_id)
    """,
)

DUP_01 = Rule(
    "DUP-01",
    "同一来源重复记录",
    WARNING,
    "same ID twice in one extract, with differing content",
    f"""
    with dup as ({_id_rows_sql("copies_disagree", ", copy_places, differing_columns")})
    select coalesce(d.household_id, r.household_id) as household_id, d.id_number,
           d.kind as discriminator, [d.department] as departments,
           format('{{}}「{{}}」{{}}为同一人，内容不一致：{{}}', dept_label(d.department),
                  kind_label(d.kind), d.copy_places,
                  array_to_string(d.differing_columns, '、')) as detail
    from dup as d left join register as r using (id_number)
    """,
)

HH_04 = Rule(
    "HH-04",
    "收入低于监测线未纳入",
    WARNING,
    "income per capita below the year's monitoring line, not monitored",
    """
    select h.household_id, null as id_number, null as discriminator, ['rural'] as departments,
           format('乡村振兴：家庭人均纯收入{}元，低于{}年监测线{}元，未纳入监测对象',
                  yuan(h.income_per_capita), year(p.as_of), yuan(p.income_line)) as detail
    from households as h, params as p
    where h.monitoring_category is null and h.income_per_capita < p.income_line
    """,
)

YL_01 = Rule(
    "YL-01",
    "应享未享",
    ERROR,
    "eligible student enrolled this term, no subsidy paid",
    """
    select r.household_id, e.id_number, p.current_term as discriminator,
           list_sort(list_distinct(['rural', e.department])) as departments,
           format('{}：在籍（{}，{}）；乡村振兴：{}无已发放或待发放的雨露计划补助；该户为{}',
                  dept_label(e.department), e.school_name, level_label(e.level),
                  term_label(p.current_term),
                  household_label(h.household_type, h.monitoring_category)) as detail
    from enrolled_now as e
    join register as r using (id_number)
    join households as h on h.household_id = r.household_id and h.eligible
    cross join params as p
    where not exists (
        select 1 from subsidies as s
        where s.id_number = e.id_number and s.term = p.current_term
          and s.payment_status in ('paid', 'pending'))
    """,
)

YL_02 = Rule(
    "YL-02",
    "不符合条件享受",
    ERROR,
    "subsidy paid to a household that is neither out-of-poverty nor monitored",
    """
    select coalesce(r.household_id, s.household_id) as household_id, s.id_number,
           s.term as discriminator, ['rural'] as departments,
           format('乡村振兴：{}已发放补助{}元；该户为{}', term_label(s.term), yuan(s.amount),
                  coalesce(household_label(h.household_type, h.monitoring_category),
                           '户编号不在家庭成员信息中')) as detail
    from paid as s
    left join register as r using (id_number)
    left join households as h on h.household_id = coalesce(r.household_id, s.household_id)
    where not coalesce(h.eligible, false)
    """,
)

YL_03 = Rule(
    "YL-03",
    "重复享受",
    ERROR,
    "two payments to one student for one term",
    """
    select coalesce(r.household_id, min(s.household_id)) as household_id, s.id_number,
           s.term as discriminator, ['rural'] as departments,
           format('乡村振兴：{}已发放{}笔补助，合计{}元', term_label(s.term), count(*),
                  yuan(sum(s.amount))) as detail
    from paid as s left join register as r using (id_number)
    group by r.household_id, s.id_number, s.term
    having count(*) > 1
    """,
)

YL_04 = Rule(
    "YL-04",
    "在读状态不一致",
    ERROR,
    "paid, but the school record says suspended, withdrawn, transferred out or no record",
    """
    with statuses as (
        select id_number, string_agg(distinct dept_label(department) || '：' || school_name
                                     || status_label(enrollment_status), '；') as says,
               list(distinct department) as schools_of
        from enrollments where id_number is not null group by id_number
    )
    select coalesce(r.household_id, min(s.household_id)) as household_id, s.id_number,
           s.term as discriminator,
           -- the departments whose records say so; both school departments where none does
           list_sort(list_distinct(
               coalesce(any_value(st.schools_of), ['education', 'hrss']) || ['rural']))
               as departments,
           format('乡村振兴：{}已发放补助；{}', term_label(s.term),
                  coalesce(any_value(st.says), '教育、人社：均无该生学籍记录')) as detail
    from paid as s
    join params as p on s.term = p.current_term
    left join register as r using (id_number)
    left join statuses as st using (id_number)
    where s.id_number not in (select id_number from enrolled_now)
      and s.id_number not in (select id_number from graduated)
    group by r.household_id, s.id_number, s.term
    """,
)

YL_05 = Rule(
    "YL-05",
    "已毕业仍享受",
    ERROR,
    "paid for a term after graduation",
    """
    select coalesce(r.household_id, min(s.household_id)) as household_id, s.id_number,
           s.term as discriminator,
           list_sort(list_distinct(['rural', any_value(g.department)])) as departments,
           format('学籍：{}{}毕业；乡村振兴：{}仍发放补助', any_value(g.school_name),
                  coalesce('于' || strftime(any_value(g.graduated_on), '%Y年%m月'),
                           '（毕业年月不详）'), term_label(s.term)) as detail
    from paid as s
    join graduated as g using (id_number)
    left join register as r using (id_number)
    where (g.graduated_on is null or s.term_starts_on > g.graduated_on)
      -- in school again during the paid term (a graduate of 中职 gone on to 高职, say)
      and not exists (
          select 1 from enrollments as e
          where e.id_number = s.id_number
            and (e.enrollment_status = 'enrolled'
                 or (e.enrollment_status = 'graduated' and e.graduated_on is not null))
            and coalesce(e.enrolled_on, date '1900-01-01') <= s.term_ends_on
            and coalesce(e.graduated_on, date '9999-12-31') >= s.term_starts_on)
    group by r.household_id, s.id_number, s.term
    """,
)

EMP_01 = Rule(
    "EMP-01",
    "毕业生未纳入意愿清单",
    ERROR,
    "this year's graduate with no employment-intent survey",
    """
    select r.household_id, g.id_number, cast(year(g.graduated_on) as varchar) as discriminator,
           list_sort(list_distinct(['rural', g.department])) as departments,
           format('学籍：{}年{}毕业（{}）；乡村振兴：意愿台账中无该生', year(g.graduated_on),
                  strftime(g.graduated_on, '%m月'), g.school_name) as detail
    from graduated as g
    join register as r using (id_number)
    join households as h on h.household_id = r.household_id and h.eligible
    cross join params as p
    where year(g.graduated_on) = year(p.as_of)
      and g.id_number not in (select id_number from graduate_intents)
      -- back in school, or deceased: nobody to ask about work
      and g.id_number not in (select id_number from enrolled_now)
      and not coalesce(r.deceased, false)
    """,
)

LINK_02 = Rule(
    "LINK-02",
    "户编号冲突",
    WARNING,
    "one person under different household IDs in different departments",
    """
    with filed as (
        select id_number, household_id, 'rural' as department, 'rural_subsidies' as kind
        from subsidies where id_number is not null and household_id is not null
        union select id_number, household_id, 'rural', 'rural_intents'
        from intents where id_number is not null and household_id is not null
        union select id_number, household_id, department, kind
        from enrollments where id_number is not null and household_id is not null
    )
    select r.household_id, f.id_number, null as discriminator,
           list_distinct(list(f.department) || ['rural']) as departments,
           format('乡村振兴「家庭成员信息」：户编号 {}；{}', r.household_id,
                  string_agg(distinct dept_label(f.department) || '「' || kind_label(f.kind)
                             || '」：户编号 ' || f.household_id, '；')) as detail
    from filed as f join register as r using (id_number)
    where not list_contains(r.households, f.household_id)
    group by r.household_id, f.id_number
    union all
    -- not in the register at all: the departments that name a household disagree among
    -- themselves; the case has no household until the register finds the person
    select null, f.id_number, null, list_distinct(list(f.department)),
           format('家庭成员信息中无此人；{}',
                  string_agg(distinct dept_label(f.department) || '「' || kind_label(f.kind)
                             || '」：户编号 ' || f.household_id, '；'))
    from filed as f
    where f.id_number not in (select id_number from register)
    group by f.id_number
    having count(distinct f.household_id) > 1
    """,
)

RULES: tuple[Rule, ...] = (
    ID_01,
    ID_05,
    ID_07,
    DUP_01,
    HH_04,
    YL_01,
    YL_02,
    YL_03,
    YL_04,
    YL_05,
    EMP_01,
    LINK_02,
)
