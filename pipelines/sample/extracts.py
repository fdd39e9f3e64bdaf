"""Rendering the world's records into each department's files, formats and dirt (DESIGN §3)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from pipelines.sample.dirt import Dirt
from pipelines.sample.formats import (
    ExcelError,
    XlsSheet,
    workbook,
    write_csv,
    write_html_xls,
    write_xls,
)
from pipelines.sample.people import excel_scientific
from pipelines.sample.people import name as made_up_name
from pipelines.sample.world import LEVEL_YEARS, World, active

LEVEL_LABELS = {
    "secondary_vocational": "中职",
    "higher_vocational": "高职",
    "five_year": "五年制高职",
    "technical": "技工院校",
}


MEMBER_GROUPS = [  # (label, first column, last column); None label = vertically merged field
    ("地址信息", 0, 4),
    (None, 5, 5),
    (None, 6, 6),
    (None, 7, 7),
    (None, 8, 8),
    ("基本信息", 9, 16),
    ("家庭信息", 17, 23),
    (None, 24, 24),
    (None, 25, 25),
]
MEMBER_HEADER = [
    "县(市、区、旗)",
    "乡(镇)",
    "行政村",
    "村代码",
    "自然村",
    "户编号",
    "人编号",
    "姓名",
    "证件号码",
    "与户主关系",
    "性别",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "务工时间（月）",
    "户类型",
    "监测对象类别",
    "风险类型",
    "风险是否消除",
    "风险识别时间",
    "风险消除时间",
    "家庭人均纯收入（元）",
    "人员状态",
    "联系电话",
]


def member_rows(world: World, day: int, dirt: Dirt) -> list[list]:
    """The register's rows on world day `day`; dates, amounts and blanks left typed (a workbook
    writes them as cells, `as_text` spells them for a delimited file)."""
    rng = dirt.rng
    rows = []
    extra = {}
    for hh, p, change in world.extra_member_rows:
        extra.setdefault(hh.household_id, []).append((p, change))
    for hh in world.households:
        v = hh.village
        printed = [(p, {}) for p in hh.members if active(p, day)]
        printed += extra.get(hh.household_id, [])
        for p, change in printed:
            code = v["village_code"] if int(hh.household_id[-4:]) % 10 < 7 else ""
            risks = rng.choice(("、", "；", "，", ",")).join(hh.risk_types)
            relation = change.get("relation", p.relation)
            rows.append(
                [
                    v["county_name"],
                    v["township_name"],
                    v["village_name"],
                    code,
                    hh.natural_village,
                    hh.household_id,
                    p.person_no,
                    dirt.name(p.name),
                    dirt.id(change.get("id_number") or p.printed_id or p.id_number),
                    relation,
                    "男" if (p.male if p.printed_male is None else p.printed_male) else "女",
                    "汉族",
                    change.get("education_level", p.education_level),
                    p.school_status,
                    "健康",
                    "普通劳动力",
                    str(p.months_worked),
                    hh.household_type,
                    hh.category,
                    risks,
                    ("是" if hh.eliminated else "否") if hh.category else "",
                    hh.identified_on,
                    hh.eliminated_on,
                    hh.income,
                    p.status if p.status != "正常" else rng.choice(("正常", "", "正常")),
                    change.get("phone", p.phone),
                ]
            )
    return rows


def as_text(row: list, dirt: Dirt) -> list[str]:
    """A register row as a delimited file prints it: dates and amounts spelled as clerks do."""
    return [
        dirt.day(v)
        if isinstance(v, date)
        else dirt.amount(v)
        if isinstance(v, float)
        else ""
        if v is None
        else v
        for v in row
    ]


def write_members(path: Path, world: World, day: int, dirt: Dirt, as_of: date) -> None:
    """家庭成员信息 as the monitoring system exports it: a title row, a two-level header."""
    book = workbook(path)
    sheet = book.add_worksheet("家庭成员信息")
    bold = book.add_format({"bold": True, "align": "center", "valign": "vcenter"})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(
        0,
        0,
        0,
        len(MEMBER_HEADER) - 1,
        f"卢氏县防返贫监测信息系统 家庭成员信息（导出日期：{as_of:%Y年%m月%d日}）",
        bold,
    )
    for label, first, last in MEMBER_GROUPS:
        if label is None:
            sheet.merge_range(1, first, 2, first, MEMBER_HEADER[first], bold)
        else:
            sheet.merge_range(1, first, 1, last, label, bold)
            for c in range(first, last + 1):
                sheet.write_string(2, c, MEMBER_HEADER[c], bold)
    rows = member_rows(world, day, dirt)
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if isinstance(value, date):
                if dirt.rng.random() < 0.5:
                    sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), dates)
                else:
                    sheet.write_string(r, c, dirt.day(value))
            elif isinstance(value, float):
                if dirt.rng.random() < 0.5:
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, dirt.amount(value))
            elif value is None:
                continue
            else:
                sheet.write_string(r, c, value)
    sheet.write_string(3 + len(rows), 0, "合计")
    sheet.write_string(3 + len(rows), 5, f"共{len(rows)}人")
    book.close()
    dirt.expect(path, records=len(rows), TOTALS_ROW=1)


SUBSIDY_HEADER = [
    "学期",
    "户编号",
    "学生姓名",
    "证件号码",
    "就读学校",
    "学历层次",
    "年级",
    "补助金额（元）",
    "发放日期",
    "发放状态",
]
SUBSIDY_FOOTER = ("制表人：王丽,,,审核人：张建国,,,,,,", "注：本表共{records}人，金额单位为元")


def subsidy_rows(world: World, day: int, dirt: Dirt) -> list[list[str]]:
    return [
        [
            dirt.term(x.term),
            x.household_id,
            dirt.name(x.person.name),
            dirt.id(x.person.id_number),
            x.school,
            LEVEL_LABELS[x.level],
            f"{x.term[:4]}级",
            dirt.amount(x.amount),
            dirt.day(x.paid_on) if x.status != "待发放" else "",
            x.status,
        ]
        for x in world.payments
        if active(x, day)
    ]


def write_subsidies(path: Path, world: World, day: int, dirt: Dirt) -> None:
    rows = subsidy_rows(world, day, dirt)
    records = len(rows)
    rows.insert(records // 2, [""] * len(SUBSIDY_HEADER))  # a blank line left in the middle
    footer = (SUBSIDY_FOOTER[0], SUBSIDY_FOOTER[1].format(records=records))
    write_csv(path, SUBSIDY_HEADER, rows, "utf-8-sig", footer=footer)
    dirt.expect(path, records=records, FOOTER_ROW=2)


INTENT_HEADER = [
    "户编号",
    "姓名",
    "证件号码",
    "人员类别",
    "毕业年份",
    "意愿",
    "意向院校或地区",
    "帮扶措施",
    "调查日期",
    "调查人",
]


def intent_rows(world: World, day: int, dirt: Dirt, unicode_spaces: bool = True) -> list[list[str]]:
    return [
        [
            i.household_id,
            dirt.name(i.person.name),
            dirt.id(i.person.id_number, unicode_spaces),
            i.category,
            str(i.graduation_year or ""),
            i.intent,
            i.target,
            dirt.measures("政策宣传、岗位推荐"),
            dirt.day(i.surveyed_on),
            "网格员",
        ]
        for i in world.intents
        if active(i, day)
    ]


def write_intents(path: Path, world: World, day: int, dirt: Dirt) -> None:
    rows = intent_rows(world, day, dirt)
    write_csv(path, INTENT_HEADER, rows, "utf-8")
    dirt.expect(path, records=len(rows))


ENROLLMENT_HEADER = [
    "学生姓名",
    "身份证件号",
    "户编号",
    "学校名称",
    "学校标识码",
    "学历层次",
    "专业名称",
    "专业代码",
    "入学年月",
    "学制（年）",
    "年级",
    "学籍状态",
    "毕业年月",
]


def enrollment_rows(world: World, day: int, dirt: Dirt, department: str) -> list[list[str]]:
    return [
        [
            dirt.name(e.person.name),
            dirt.id(e.person.id_number),
            e.printed_household or e.person.household_id,
            e.school[0],
            e.school[1],
            LEVEL_LABELS[e.level] if e.level != "technical" else "技工",
            e.major[0],
            e.major[1],
            dirt.month(e.entered),
            str(LEVEL_YEARS[e.level]),
            f"{e.entered.year}级",
            e.status,
            dirt.month(e.graduated_on),
        ]
        for e in world.enrollments
        if e.department == department and active(e, day)
    ]


def write_education(path: Path, world: World, day: int, dirt: Dirt, as_of: date) -> None:
    """The provincial student system's "Excel" export: a web page, in GB18030, one school's
    students together with the school's name merged down them."""
    rows = sorted(enrollment_rows(world, day, dirt, "education"), key=lambda r: r[3])
    title = f"职业院校学籍信息（截至{as_of:%Y年%m月%d日}）"
    write_html_xls(path, ENROLLMENT_HEADER, rows, "gb18030", title=title, merge_down=3)
    dirt.expect(path, records=len(rows))


def failed_formula_row(shape: list[str], dirt: Dirt) -> list[str]:
    """A stranger's row whose 学籍状态 formula failed (#N/A): quarantined as CELL_ERROR."""
    failed = [made_up_name(dirt.rng), dirt.outsider_id(), *shape[2:]]
    failed[ENROLLMENT_HEADER.index("学籍状态")] = ExcelError("#N/A")
    return failed


def write_technical(path: Path, world: World, day: int, dirt: Dirt) -> None:
    """技工院校学籍 from an old system, as a binary .xls: a notes sheet first, a hidden sheet
    with an earlier copy, and now and then a row whose 学籍状态 formula failed (#N/A)."""
    rows = enrollment_rows(world, day, dirt, "hrss")
    data = [ENROLLMENT_HEADER, *rows]
    if rows:
        failed = failed_formula_row(rows[0], dirt)
        data.insert(dirt.rng.randint(1, len(data)), failed)
    notes = XlsSheet("填表说明", [ENROLLMENT_HEADER], notes=["学籍状态按“在籍、休学、毕业”填写"])
    earlier = XlsSheet("上期数据", [ENROLLMENT_HEADER, *rows], hidden=True)
    write_xls(path, [notes, XlsSheet("技工院校学籍", data), earlier])
    dirt.expect(path, records=len(rows), CELL_ERROR=1)


EMPLOYMENT_HEADER = [
    "姓名",
    "公民身份号码",
    "就业状态",
    "就业形式",
    "用人单位",
    "统一社会信用代码",
    "就业地区",
    "就业日期",
    "月收入（元）",
    "登记日期",
]


def employment_rows(
    world: World, day: int, dirt: Dirt, unicode_spaces: bool = False
) -> list[list[str]]:
    """HR's records on world day `day`, without the strangers' rows (`strangers`)."""

    def row(j, change=None):
        change = change or {}
        return [
            dirt.name(j.printed_name or j.person.name),
            dirt.id(change.get("id_number", j.person.id_number), unicode_spaces=unicode_spaces),
            j.status,
            j.form,
            j.employer,
            j.credit_code,
            j.region,
            dirt.day(j.employed_on),
            dirt.amount(change.get("income", j.income)) if j.income else "",
            dirt.day(j.registered_on),
        ]

    rows = [row(j) for j in world.jobs if active(j, day)]
    rows += [row(j, change) for j, change in world.extra_job_rows if active(j, day)]
    return rows


def write_employment(path: Path, world: World, day: int, dirt: Dirt) -> None:
    rows = employment_rows(world, day, dirt)
    records = len(rows)
    if rows:
        rows += strangers(rows[0], dirt)
    write_csv(path, EMPLOYMENT_HEADER, rows, "gbk")
    dirt.expect(path, records=records, ID_MISSING=1, FIELD_COUNT=1)


def strangers(shape: list[str], dirt: Dirt) -> list[list[str]]:
    """Rows of people in no household here, each spoiled so that it can never become a key:
    an ID Excel turned into a number (staged as truncated), a placeholder ID (quarantined), and
    a row with one field too many (quarantined)."""
    number = dirt.outsider_id()
    as_number = excel_scientific(number)
    return [
        [made_up_name(dirt.rng), as_number, *shape[2:]],
        [made_up_name(dirt.rng), "不详", *shape[2:]],
        [made_up_name(dirt.rng), dirt.outsider_id(), *shape[2:], "备注：信息待核"],
    ]


TRAINING_HEADER = [
    "姓名",
    "身份证号码",
    "培训项目",
    "培训类别",
    "开始日期",
    "结束日期",
    "是否取得证书",
]


def training_rows(world: World, dirt: Dirt) -> list[list[str]]:
    return [
        [
            dirt.name(c.person.name),
            dirt.id(c.person.id_number),
            c.course,
            c.category,
            dirt.day(c.started_on),
            dirt.day(c.ended_on),
            "是" if c.certified else "否",
        ]
        for c in world.courses
    ]


def write_training(path: Path, world: World, day: int, dirt: Dirt) -> None:
    rows = training_rows(world, dirt)
    # Excel's "Unicode text": UTF-16 with a BOM, separated by tabs
    write_csv(path, TRAINING_HEADER, rows, "utf-16", delimiter="\t")
    dirt.expect(path, records=len(rows))
