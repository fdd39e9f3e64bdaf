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
    check: str  # 核实要点: what a cadre checks at the door, printed on the village worklist
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
    "查看本人身份证原件，核对证件号码，说明是哪个部门录错。",
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

ID_02 = Rule(
    "ID-02",
    "15位旧号",
    WARNING,
    "legacy 15-digit ID, upgraded for matching",
    "查看本人身份证原件，确认现用的18位号码，请登记15位旧号的部门更正。",
    f"""
    with old as ({_id_rows_sql("id_status = 'upgraded'")})
    select coalesce(r.household_id, min(o.household_id)) as household_id, o.id_number,
           null as discriminator,
           list(distinct o.department order by o.department) as departments,
           string_agg(distinct format('{{}}「{{}}」第{{}}行：证件号码为15位旧号，已按18位匹配',
                      dept_label(o.department), kind_label(o.kind), o.source_row), '；')
               as detail
    from old as o left join register as r using (id_number)
    group by r.household_id, o.id_number
    """,
)

ID_03 = Rule(
    "ID-03",
    "证号被科学计数法截断",
    ERROR,
    "ID stored as a number in Excel, digits lost",
    "查看本人身份证原件，抄录完整号码，请号码被截断的部门重新录入。",
    # Keyed like ID-01 by what was written: the digits lost cannot be recovered.
    f"""
    with cut as ({_id_rows_sql("id_status = 'truncated'")})
    select household_id, id_cleaned as id_number, null as discriminator,
           list(distinct department order by department) as departments,
           string_agg(distinct format('{{}}「{{}}」第{{}}行：证件号码{{}}',
                      dept_label(department), kind_label(kind), source_row,
                      case when regexp_matches(id_cleaned, 'E')
                               then '显示为科学计数法，后几位已丢失'
                           when length(id_cleaned) = 15 then '只剩前15位，后3位已丢失'
                           else '末3位被Excel改为000' end), '；') as detail
    from cut
    group by household_id, id_cleaned
    """,
)

ID_04 = Rule(
    "ID-04",
    "性别/出生日期与证号不符",
    WARNING,
    "the register's 性别 contradicts the ID's sex digit (no extract states a birth date)",
    "查看本人身份证原件，核对登记的性别和出生日期是否与证件一致。",
    # Only the register states a gender, and no extract states a birth date (DESIGN §3): the
    # rule compares the register's 性别 with the ID's 17th digit (odd for men).
    """
    select household_id, id_number, null as discriminator, ['rural'] as departments,
           format('乡村振兴「家庭成员信息」第{}行：性别登记为{}，证件号码第17位表示{}',
                  min(source_row), if(any_value(gender) = 'male', '男', '女'),
                  if(any_value(gender) = 'male', '女', '男')) as detail
    from members
    where id_number is not null and gender is not null
      and gender <> if(cast(substr(id_number, 17, 1) as integer) % 2 = 1, 'male', 'female')
    group by household_id, id_number
    """,
)

ID_05 = Rule(
    "ID-05",
    "同号不同名",
    WARNING,
    "same ID, different names across departments (after normalising)",
    "查看本人身份证原件，核对姓名，说明哪个部门登记的姓名有误。",
    # The detail masks the names (DESIGN §7: it reaches village worklists) and says instead
    # which department wrote which characters differently from the register.
    """
    with names as (
        select id_number, 'rural' as department, name from members where id_number is not null
        union select id_number, department, name from enrollments where id_number is not null
        union select id_number, 'hrss', name from employment where id_number is not null
        union select id_number, 'hrss', name from training where id_number is not null
    ),
    differing as (
        select id_number from names
        group by id_number
        having count(distinct name) > 1 and count(distinct department) > 1
    ),
    base as (
        select id_number,
               coalesce(min(name) filter (where department = 'rural'), min(name)) as base_name,
               if(bool_or(department = 'rural'), 'rural', min(department)) as base_department
        from names where id_number in (select id_number from differing)
        group by id_number
    )
    select r.household_id, n.id_number, null as discriminator,
           list(distinct n.department order by n.department) as departments,
           string_agg(distinct format('{}登记为{}，与{}登记的{}{}',
                      dept_label(n.department), masked_name(n.name),
                      dept_label(b.base_department), masked_name(b.base_name),
                      case when length(n.name) <> length(b.base_name) then '字数不同'
                           else '第' || array_to_string(list_filter(
                               range(1, length(n.name) + 1),
                               lambda i: substr(n.name, i, 1) <> substr(b.base_name, i, 1)),
                               '、') || '字不同' end),
                      '；') filter (where n.name <> b.base_name) as detail
    from names as n
    join base as b using (id_number)
    left join register as r using (id_number)
    group by r.household_id, n.id_number
    """,
)

ID_07 = Rule(
    "ID-07",
    "一人多户",
    ERROR,
    "same ID in two households",
    "核实此人实际在哪一户，另一户中的登记应注销。",
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
    "核实同一人的两条记录哪条属实，请该部门删除错误或重复的记录。",
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

HH_01 = Rule(
    "HH-01",
    "户主数异常",
    WARNING,
    "household with no living head, or several",
    "核实该户户主是谁，每户应有且只有一名户主。",
    """
    select household_id, null as id_number, null as discriminator, ['rural'] as departments,
           if(heads = 0, '乡村振兴「家庭成员信息」：该户没有登记户主',
              format('乡村振兴「家庭成员信息」：该户登记了{}名户主', heads)) as detail
    from (
        select household_id,
               count(distinct coalesce(id_number, person_no, cast(source_row as varchar)))
                   filter (where relation_to_head = 'head'
                           and coalesce(person_status, 'normal') = 'normal') as heads
        from members group by household_id
    )
    where heads <> 1
    """,
)

HH_03 = Rule(
    "HH-03",
    "监测类别与户类型冲突",
    ERROR,
    "脱贫不稳定户 on an ordinary household, 边缘易致贫户 on an out-of-poverty one",
    "核实该户的户类型和监测对象类别，二者应相符。",
    """
    select household_id, null as id_number, null as discriminator, ['rural'] as departments,
           format('乡村振兴：户类型为{}，监测对象类别却为{}',
                  if(household_type = 'ordinary', '一般农户', '脱贫户'),
                  if(monitoring_category = 'unstable_out_of_poverty',
                     '脱贫不稳定户（只适用于脱贫户）', '边缘易致贫户（只适用于一般农户）'))
               as detail
    from households
    where (monitoring_category = 'unstable_out_of_poverty' and household_type = 'ordinary')
       or (monitoring_category = 'marginal_at_risk' and household_type = 'out_of_poverty')
    """,
)

HH_04 = Rule(
    "HH-04",
    "收入低于监测线未纳入",
    WARNING,
    "income per capita below the year's monitoring line, not monitored",
    "入户核算家庭人均纯收入，低于监测线的按程序纳入监测对象。",
    """
    select h.household_id, null as id_number, null as discriminator, ['rural'] as departments,
           format('乡村振兴：家庭人均纯收入{}元，低于{}年监测线{}元，未纳入监测对象',
                  yuan(h.income_per_capita), year(p.as_of), yuan(p.income_line)) as detail
    from households as h, params as p
    where h.monitoring_category is null and h.income_per_capita < p.income_line
    """,
)

HH_05 = Rule(
    "HH-05",
    "风险消除过早",
    WARNING,
    "eliminated less than 6 months after identification",
    "核实风险识别和消除的时间，监测不满6个月的不应标注风险消除。",
    """
    select household_id, null as id_number, null as discriminator, ['rural'] as departments,
           format('乡村振兴：风险识别时间{}，风险消除时间{}，相隔不足6个月',
                  strftime(risk_identified_on, '%Y-%m-%d'),
                  strftime(risk_eliminated_on, '%Y-%m-%d')) as detail
    from households
    where risk_eliminated and risk_eliminated_on < risk_identified_on + interval 6 month
    """,
)

YL_01 = Rule(
    "YL-01",
    "应享未享",
    ERROR,
    "student enrolled this term (education or 人社 technical school) of a household eligible "
    "on the term's census day, no subsidy paid or pending",
    "核实学生本学期是否在读、是否已申请雨露计划补助，符合条件的及时补发。",
    """
    select r.household_id, e.id_number, p.current_term as discriminator,
           list_sort(list_distinct(['rural', e.department])) as departments,
           format('{}：在籍（{}，{}）；乡村振兴：{}无已发放或待发放的雨露计划补助；该户为{}',
                  dept_label(e.department), e.school_name, level_label(e.level),
                  term_label(p.current_term),
                  household_label(h.household_type, h.monitoring_category)) as detail
    from enrolled_now as e
    join register as r using (id_number)
    cross join params as p
    join households as h on h.household_id = r.household_id
      and eligible_on(h.household_type, h.monitoring_category, h.risk_identified_on, p.census_on)
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
    "paid for a term to a household neither out of poverty nor monitored on the term's census day",
    "核实该户是否为脱贫户或监测对象，不符合条件领取的补助应追回。",
    """
    select coalesce(r.household_id, s.household_id) as household_id, s.id_number,
           s.term as discriminator, ['rural'] as departments,
           format('乡村振兴：{}已发放补助{}元；该户{}', term_label(s.term), yuan(s.amount),
                  case when h.household_id is null then '户编号不在家庭成员信息中'
                       when h.eligible then format('{}年{}月{}日才纳入监测（该学期认定日为{}）',
                           year(h.risk_identified_on), month(h.risk_identified_on),
                           day(h.risk_identified_on), strftime(s.census_on, '%Y-%m-%d'))
                       else '为' || household_label(h.household_type, h.monitoring_category)
                  end) as detail
    from paid as s
    cross join params as p
    left join register as r using (id_number)
    left join households as h on h.household_id = coalesce(r.household_id, s.household_id)
    -- judged on the term's census day, or today for a term whose census day is still to come
    where not coalesce(eligible_on(h.household_type, h.monitoring_category, h.risk_identified_on,
                                   least(s.census_on, p.as_of)), false)
    """,
)

YL_03 = Rule(
    "YL-03",
    "重复享受",
    ERROR,
    "two payments to one student for one term",
    "核实该生同一学期是否领了两次补助，多领的部分应追回。",
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
    "向学生家庭或学校核实在读状态，未在读的应停发补助。",
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
    "核实学生的毕业时间，毕业后发放的补助应追回。",
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

YL_07 = Rule(
    "YL-07",
    "补助金额不符",
    ERROR,
    "amount paid or pending differs from `subsidy_rules.csv` for that term and level",
    "核对发放金额与该学期、该学历层次的补助标准是否一致。",
    # The rule in force for a term: the row of ref.subsidy_rules for the level whose first
    # and last terms (blank: still in force) enclose it, compared by their start dates.
    """
    with due as (
        select s.id_number, s.term, s.level, s.amount, s.household_id, s.payment_status,
               (select min(sr.amount_per_term)
                from ref.subsidy_rules as sr
                join ref.terms as f on f.term = sr.first_term
                left join ref.terms as l on l.term = sr.last_term
                where sr.level = s.level and f.starts_on <= t.starts_on
                  and (sr.last_term is null or l.starts_on >= t.starts_on)) as rule_amount
        from subsidies as s left join ref.terms as t using (term)
        where s.id_number is not null and s.payment_status in ('paid', 'pending')
    )
    select coalesce(r.household_id, min(d.household_id)) as household_id, d.id_number,
           d.term as discriminator, ['rural'] as departments,
           format('乡村振兴：{}{}补助{}元；标准：{}每学期{}', term_label(d.term),
                  if(bool_or(d.payment_status = 'paid'), '已发放', '待发放'),
                  -- amounts smallest first, and the lowest level with its own standard: the
                  -- same text whatever order the rows are read in
                  array_to_string(list_transform(
                      list_sort(list_distinct(list(d.amount))), lambda x: yuan(x)), '、'),
                  level_label(min(d.level)),
                  coalesce(yuan(arg_min(d.rule_amount, d.level)) || '元',
                           '无对应标准（学期不在 terms.csv 中，或该学历层次没有标准）')) as detail
    from due as d left join register as r using (id_number)
    where d.rule_amount is null or d.amount <> d.rule_amount
    group by r.household_id, d.id_number, d.term
    """,
)

YL_08 = Rule(
    "YL-08",
    "已死亡仍享受",
    ERROR,
    "paid this term for a person the register records as deceased",
    "核实此人是否已去世，去世后发放的补助应追回。",
    # The register keeps no date of death: payments of the current term are the ones to stop.
    """
    select r.household_id, s.id_number, s.term as discriminator, ['rural'] as departments,
           format('乡村振兴「家庭成员信息」：人员状态为死亡；{}仍发放补助{}元',
                  term_label(s.term), yuan(sum(s.amount))) as detail
    from paid as s
    join register as r using (id_number)
    cross join params as p
    where r.deceased and s.term = p.current_term
    group by r.household_id, s.id_number, s.term
    """,
)

EMP_01 = Rule(
    "EMP-01",
    "毕业生未纳入意愿清单",
    ERROR,
    "this year's graduate of an eligible household with no employment-intent survey",
    "走访该毕业生，了解就业意愿，补录到意愿台账。",
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

EMP_03 = Rule(
    "EMP-03",
    "就业状态矛盾",
    WARNING,
    "the register's 务工时间 says worked and HR has no employment, or HR says employed and "
    "the register says 0 months",
    "核实本人目前是否就业，请登记有误的一方更正就业状态。",
    # The village's word is 务工时间（月） in the register: months worked this year.
    """
    with village as (
        select household_id, id_number, max(months_worked) as months_worked
        from members
        where id_number is not null and coalesce(person_status, 'normal') = 'normal'
          and months_worked is not null
        group by household_id, id_number
    )
    select v.household_id, v.id_number, null as discriminator, ['hrss', 'rural'] as departments,
           format('乡村振兴：务工时间{}个月；人社：{}', v.months_worked,
                  case e.employment_status when 'employed' then '已就业'
                       when 'registered_unemployed' then '失业登记'
                       when 'not_employed' then '未就业' else '无就业登记' end) as detail
    from village as v
    left join employment as e using (id_number)
    where (v.months_worked > 0) <> (coalesce(e.employment_status, '') = 'employed')
    """,
)

EMP_05 = Rule(
    "EMP-05",
    "新成长劳动力漏登",
    WARNING,
    "a new-growth labourer of an eligible household (list 1) with no survey",
    "核实此人是否为新成长劳动力，是的补录入清单1并调查意愿。",
    # list 1 of the day, built before the rules run (`run.py`)
    """
    select household_id, id_number, null as discriminator, ['rural'] as departments,
           format('乡村振兴：{}岁，初中或高中毕业后未在校，意愿台账中无该人（清单1漏登）', age)
               as detail
    from day_vocational_intent
    where not surveyed
    """,
)

LINK_02 = Rule(
    "LINK-02",
    "户编号冲突",
    WARNING,
    "one person under different household IDs in different departments",
    "核实此人实际所属的户编号，请登记有误的部门更正。",
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


def rule_table(rules: tuple[Rule, ...] | None = None) -> str:
    """The catalogue as the Markdown table the README shows (`yulu rules` prints it)."""
    lines = [
        "| code | name | severity | finds | 核实要点 (on the worklist) |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.code} | {r.name} | {r.severity} | {r.finding} | {r.check} |" for r in rules or RULES
    ]
    return "\n".join(lines)


RULES: tuple[Rule, ...] = (
    ID_01,
    ID_02,
    ID_03,
    ID_04,
    ID_05,
    ID_07,
    DUP_01,
    HH_01,
    HH_03,
    HH_04,
    HH_05,
    YL_01,
    YL_02,
    YL_03,
    YL_04,
    YL_05,
    YL_07,
    YL_08,
    EMP_01,
    EMP_03,
    EMP_05,
    LINK_02,
)
