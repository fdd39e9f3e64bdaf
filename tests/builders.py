"""Tiny department extracts written by the tests themselves, with the headers of DESIGN §3."""

from __future__ import annotations

import csv
import io
from pathlib import Path

HEADERS = {
    "rural_members": [
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
    ],
    "rural_subsidies": [
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
    ],
    "rural_intents": [
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
    ],
    "education_enrollments": [
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
    ],
    "hrss_employment": [
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
    ],
    "hrss_training": [
        "姓名",
        "身份证号码",
        "培训项目",
        "培训类别",
        "开始日期",
        "结束日期",
        "是否取得证书",
    ],
}
HEADERS["hrss_technical_enrollments"] = HEADERS["education_enrollments"]
DEPARTMENT = {
    "rural_members": "rural",
    "rural_subsidies": "rural",
    "rural_intents": "rural",
    "education_enrollments": "education",
    "hrss_employment": "hrss",
    "hrss_training": "hrss",
    "hrss_technical_enrollments": "hrss",
}
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def person_id(birth: str, seq: int, address: str = "411224") -> str:
    """A valid ID by MOD 11-2, computed here from the standard, not by the code under test."""
    body = f"{address}{birth}{seq:03d}"
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def _sex_of(id_number: str) -> str:
    """The sex an 18-character ID states (GB 11643: the 17th digit is odd for men); 男 for
    anything else, which carries no sex to contradict."""
    digit = id_number.strip()[16:17]
    return "女" if digit.isdigit() and int(digit) % 2 == 0 else "男"


VILLAGE = {
    "county": "卢氏县",
    "township": "城关镇",
    "village": "和平里社区居民委员会",
    "code": "411224100001",
}


def member(
    household: str,
    no: int,
    name: str,
    id_number: str,
    relation: str = "户主",
    *,
    sex: str | None = None,
    schooling: str = "初中",
    in_school: str = "非在校生",
    household_type: str = "脱贫户",
    category: str = "",
    income: str = "20000",
    status: str = "正常",
    months_worked: int = 0,
) -> dict:
    return {
        "县(市、区、旗)": VILLAGE["county"],
        "乡(镇)": VILLAGE["township"],
        "行政村": VILLAGE["village"],
        "村代码": VILLAGE["code"],
        "自然村": "东沟",
        "户编号": household,
        "人编号": f"{household}{no:02d}",
        "姓名": name,
        "证件号码": id_number,
        "与户主关系": relation,
        "性别": sex or _sex_of(id_number),
        "民族": "汉族",
        "文化程度": schooling,
        "在校生状况": in_school,
        "健康状况": "健康",
        "劳动技能": "普通劳动力",
        "务工时间（月）": str(months_worked),
        "户类型": household_type,
        "监测对象类别": category,
        "风险类型": "因病" if category else "",
        "风险是否消除": "否" if category else "",
        "风险识别时间": "2024-03-01" if category else "",
        "风险消除时间": "",
        "家庭人均纯收入（元）": income,
        "人员状态": status,
        "联系电话": "13800000000",
    }


def payment(
    term: str,
    household: str,
    name: str,
    id_number: str,
    *,
    status: str = "已发放",
    amount: str = "1500",
    level: str = "中职",
) -> dict:
    return {
        "学期": term,
        "户编号": household,
        "学生姓名": name,
        "证件号码": id_number,
        "就读学校": "卢氏县职业中等专业学校",
        "学历层次": level,
        "年级": "2025级",
        "补助金额（元）": amount,
        "发放日期": "2026-10-20",
        "发放状态": status,
    }


def enrollment(
    name: str,
    id_number: str,
    *,
    status: str = "在籍",
    level: str = "中职",
    household: str = "",
    entered: str = "2025.09",
    graduated: str = "",
    school: str = "卢氏县职业中等专业学校",
) -> dict:
    return {
        "学生姓名": name,
        "身份证件号": id_number,
        "户编号": household,
        "学校名称": school,
        "学校标识码": "4141012345",
        "学历层次": level,
        "专业名称": "护理",
        "专业代码": "720201",
        "入学年月": entered,
        "学制（年）": "3",
        "年级": "2025级",
        "学籍状态": status,
        "毕业年月": graduated,
    }


def intent(
    household: str, name: str, id_number: str, category: str = "当年毕业生", year: str = "2026"
) -> dict:
    return {
        "户编号": household,
        "姓名": name,
        "证件号码": id_number,
        "人员类别": category,
        "毕业年份": year,
        "意愿": "就业",
        "意向院校或地区": "郑州市",
        "帮扶措施": "岗位推荐",
        "调查日期": "2026-10-01",
        "调查人": "网格员",
    }


def job(name: str, id_number: str, status: str = "已就业", income: str = "3000") -> dict:
    return {
        "姓名": name,
        "公民身份号码": id_number,
        "就业状态": status,
        "就业形式": "单位就业",
        "用人单位": "卢氏县食用菌产业园有限公司",
        "统一社会信用代码": "91411224MA44XXXX1X",
        "就业地区": "县内",
        "就业日期": "2025-03-01",
        "月收入（元）": income,
        "登记日期": "2025-03-02",
    }


def csv_text(kind: str, rows: list[dict], title: str | None = None) -> str:
    buffer = io.StringIO(newline="")
    if title:
        buffer.write(title + "\r\n")
    writer = csv.DictWriter(buffer, fieldnames=HEADERS[kind], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_extract(
    inbox: Path,
    day: str,
    kind: str,
    rows: list[dict],
    *,
    encoding: str = "utf-8",
    name: str | None = None,
) -> Path:
    folder = inbox / day / DEPARTMENT[kind]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{kind}.csv")
    path.write_bytes(csv_text(kind, rows).encode(encoding))
    return path
