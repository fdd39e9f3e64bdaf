"""The extract kinds of DESIGN §3: their headers as the departments print them, mapped once to
the canonical English column names used everywhere else."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pipelines.ingest.text import INVISIBLE

DEPARTMENT_TITLES = {"education": "教育", "hrss": "人社", "rural": "乡村振兴"}

# Chinese labels → glossary codes (DESIGN §2). A label not listed is quarantined, not guessed.
RELATIONS = {
    "户主": "head",
    "配偶": "spouse",
    "之子": "son",
    "之女": "daughter",
    "之孙子": "grandson",
    "之孙女": "granddaughter",
    "之父": "father",
    "之母": "mother",
    "其他": "other",
}
GENDERS = {"男": "male", "女": "female"}
HOUSEHOLD_TYPES = {"脱贫户": "out_of_poverty", "一般农户": "ordinary"}
MONITORING_CATEGORIES = {
    "脱贫不稳定户": "unstable_out_of_poverty",
    "边缘易致贫户": "marginal_at_risk",
    "突发严重困难户": "sudden_hardship",
}
RISK_TYPES = {
    "因病": "illness",
    "因残": "disability",
    "因学": "schooling",
    "因灾": "disaster",
    "因意外事故": "accident",
    "因务工就业不稳": "employment",
    "因产业项目失败": "industry",
    "缺劳动力": "labour_shortage",
    "住房安全": "housing",
    "饮水安全": "drinking_water",
    "其他": "other",
}
YES_NO = {"是": True, "否": False}
PERSON_STATUSES = {"正常": "normal", "死亡": "deceased", "迁出": "moved_out"}
PAYMENT_STATUSES = {"已发放": "paid", "待发放": "pending", "退回": "returned"}
LEVELS = {
    "中职": "secondary_vocational",
    "高职": "higher_vocational",
    "大专": "higher_vocational",
    "高职/大专": "higher_vocational",
    "五年制高职": "five_year",
    "技工": "technical",
    "技工院校": "technical",
    "技师": "technical",
    "技师学院": "technical",
}
ENROLLMENT_STATUSES = {
    "在籍": "enrolled",
    "休学": "suspended",
    "退学": "withdrawn",
    "转出": "transferred_out",
    "毕业": "graduated",
}
INTENT_CATEGORIES = {
    "新成长劳动力": "new_growth",
    "当年毕业生": "graduate_current",
    "往届毕业生": "graduate_earlier",
}
INTENTS = {
    "就读职业院校": "vocational_school",
    "升学": "further_study",
    "就业": "employment",
    "创业": "entrepreneurship",
    "参军": "military",
    "暂无意愿": "none",
}
EMPLOYMENT_STATUSES = {
    "已就业": "employed",
    "失业登记": "registered_unemployed",
    "未就业": "not_employed",
}
EMPLOYMENT_FORMS = {
    "单位就业": "employer",
    "灵活就业": "flexible",
    "自主创业": "self_employed",
    "公益性岗位": "public_welfare_post",
}
EMPLOYMENT_REGIONS = {"县内": "in_county", "省内县外": "in_province", "省外": "out_of_province"}
# What a village cadre found on a case of a worklist (核实结果), in the worklist's order.
VERIFICATION_OUTCOMES = {
    "属实": "confirmed",
    "已整改": "rectified",
    "数据有误": "data_error",
    "无法核实": "unverifiable",
}

_INVISIBLE = re.compile(INVISIBLE + "+")


def header_key(text: str) -> str:
    """Canonical form of a header cell: NFKC, no whitespace of any class, no BOM."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text or ""))


@dataclass(frozen=True)
class Field:
    """One column of an extract.

    `kind` says how its text is normalised: text, name, code (digits only), opaque (an
    identifier such as 户编号: letters, digits, - and _, kept as written), ident (letters and
    digits, upper-cased, never checked), id, date, month, amount, int, enum, enum_list, bool or
    term.
    """

    name: str
    headers: tuple[str, ...]
    kind: str = "text"
    required: bool = True
    labels: dict | None = None
    digits: int | None = None  # exact length for `code` fields
    blank_means: str | None = None  # the code a blank cell stands for, where §3 says so
    not_after_delivery: bool = False  # a date that cannot be later than the day it was sent


@dataclass(frozen=True)
class Kind:
    name: str
    department: str
    title: str
    fields: tuple[Field, ...]
    # The columns that make two rows of one snapshot the same record; see conform/snapshot.py.
    record_key: tuple[str, ...] = field(default=())
    # A file of the kind is the kind's whole state on its day (DESIGN §3), so a file with no
    # valid row is refused rather than wiping the kind; False for returns that add up.
    snapshot: bool = True

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def header_map(self) -> dict[str, str]:
        return {header_key(h): f.name for f in self.fields for h in f.headers}


def _id(name: str, *headers: str) -> Field:
    return Field(name, headers, "id")


_ENROLLMENT_FIELDS = (
    Field("name", ("学生姓名", "姓名"), "name"),
    _id("id_number", "身份证件号", "身份证号", "证件号码", "身份证号码"),
    Field("household_id", ("户编号",), "opaque", required=False),
    Field("school_name", ("学校名称",)),
    Field("school_code", ("学校标识码",), "code", digits=10),
    Field("level", ("学历层次",), "enum", labels=LEVELS),
    Field("major_name", ("专业名称",)),
    Field("major_code", ("专业代码",), "code"),
    Field("enrolled_on", ("入学年月",), "month"),
    Field("program_years", ("学制(年)", "学制"), "int"),
    Field("grade", ("年级",)),
    Field("enrollment_status", ("学籍状态",), "enum", labels=ENROLLMENT_STATUSES),
    Field("graduated_on", ("毕业年月",), "month", required=False),
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "rural_members",
            "rural",
            "家庭成员信息",
            (
                Field("county_name", ("县(市、区、旗)", "县(市、区)", "县")),
                Field("township_name", ("乡(镇)", "乡镇")),
                Field("village_name", ("行政村",)),
                Field("village_code", ("村代码",), "code", required=False, digits=12),
                Field("natural_village", ("自然村",), required=False),
                Field("household_id", ("户编号",), "opaque"),
                Field("person_no", ("人编号",), "opaque"),
                Field("name", ("姓名",), "name"),
                _id("id_number", "证件号码", "身份证号", "身份证号码", "公民身份号码"),
                Field("relation_to_head", ("与户主关系",), "enum", labels=RELATIONS),
                Field("gender", ("性别",), "enum", labels=GENDERS),
                Field("ethnicity", ("民族",)),
                Field("education_level", ("文化程度",)),
                Field("school_status", ("在校生状况",)),
                Field("health", ("健康状况",)),
                Field("labour_skill", ("劳动技能",)),
                Field("months_worked", ("务工时间(月)",), "int"),
                Field("household_type", ("户类型",), "enum", labels=HOUSEHOLD_TYPES),
                Field(
                    "monitoring_category", ("监测对象类别",), "enum", labels=MONITORING_CATEGORIES
                ),
                Field("risk_types", ("风险类型",), "enum_list", labels=RISK_TYPES),
                Field("risk_eliminated", ("风险是否消除",), "bool", labels=YES_NO),
                Field("risk_identified_on", ("风险识别时间",), "date"),
                Field("risk_eliminated_on", ("风险消除时间",), "date"),
                Field("income_per_capita", ("家庭人均纯收入(元)", "人均纯收入(元)"), "amount"),
                Field(
                    "person_status",
                    ("人员状态",),
                    "enum",
                    required=False,
                    labels=PERSON_STATUSES,
                    blank_means="normal",
                ),
                Field("phone", ("联系电话",), "code", required=False),
            ),
            record_key=("household_id", "id_number"),
        ),
        Kind(
            "rural_subsidies",
            "rural",
            "雨露计划补助发放明细",
            (
                Field("term", ("学期",), "term"),
                Field("household_id", ("户编号",), "opaque"),
                Field("name", ("学生姓名",), "name"),
                _id("id_number", "证件号码", "身份证号", "身份证号码"),
                Field("school_name", ("就读学校",)),
                Field("level", ("学历层次",), "enum", labels=LEVELS),
                Field("grade", ("年级",)),
                Field("amount", ("补助金额(元)", "补助金额"), "amount"),
                Field("paid_on", ("发放日期",), "date"),
                Field("payment_status", ("发放状态",), "enum", labels=PAYMENT_STATUSES),
            ),
            # Every row is a payment: two rows for one term are YL-03, not duplicates.
            record_key=(),
        ),
        Kind(
            "rural_intents",
            "rural",
            "雨露计划+意愿台账",
            (
                Field("household_id", ("户编号",), "opaque"),
                Field("name", ("姓名",), "name"),
                _id("id_number", "证件号码", "身份证号", "身份证号码"),
                Field("person_category", ("人员类别",), "enum", labels=INTENT_CATEGORIES),
                Field("graduation_year", ("毕业年份",), "int"),
                Field("intent", ("意愿",), "enum", labels=INTENTS),
                Field("target", ("意向院校或地区",)),
                Field("measures", ("帮扶措施",)),
                Field("surveyed_on", ("调查日期",), "date"),
                Field("surveyor", ("调查人",), "name"),
            ),
            record_key=("id_number",),
        ),
        Kind(
            "education_enrollments",
            "education",
            "职业院校学籍信息",
            _ENROLLMENT_FIELDS,
            record_key=("id_number", "school_code"),
        ),
        Kind(
            "hrss_technical_enrollments",
            "hrss",
            "技工院校学籍",
            _ENROLLMENT_FIELDS,
            record_key=("id_number", "school_code"),
        ),
        Kind(
            "hrss_employment",
            "hrss",
            "就业登记信息",
            (
                Field("name", ("姓名",), "name"),
                _id("id_number", "公民身份号码", "身份证号码", "身份证号", "证件号码"),
                Field("employment_status", ("就业状态",), "enum", labels=EMPLOYMENT_STATUSES),
                Field("employment_form", ("就业形式",), "enum", labels=EMPLOYMENT_FORMS),
                Field("employer", ("用人单位",)),
                Field("credit_code", ("统一社会信用代码",), "ident", required=False),
                Field("employment_region", ("就业地区",), "enum", labels=EMPLOYMENT_REGIONS),
                Field("employed_on", ("就业日期",), "date"),
                Field("monthly_income", ("月收入(元)", "月收入"), "amount"),
                Field("registered_on", ("登记日期",), "date"),
            ),
            record_key=("id_number",),
        ),
        Kind(
            "hrss_training",
            "hrss",
            "职业技能培训",
            (
                Field("name", ("姓名",), "name"),
                _id("id_number", "身份证号码", "身份证号", "公民身份号码", "证件号码"),
                Field("course", ("培训项目",)),
                Field("course_category", ("培训类别",)),
                Field("started_on", ("开始日期",), "date"),
                Field("ended_on", ("结束日期",), "date"),
                Field("certified", ("是否取得证书",), "bool", labels=YES_NO),
            ),
            record_key=("id_number", "course", "started_on"),
        ),
        # A village worklist sent back filled in (`pipelines/export/worklists.py` writes it):
        # one row per case. The masked 姓名 and 证件号码 are read as plain text, never as a
        # name or an ID. Only the case, the outcome and who, when and why are used; the other
        # columns are read so that the ledger names no column as unknown. The cadre leaves
        # 核实结果 blank for a case not yet visited: such a row is staged, and is no outcome.
        Kind(
            "rural_verifications",
            "rural",
            "疑点核实结果",
            (
                Field("case_id", ("疑点编号",), "opaque"),
                Field("rule", ("规则",), required=False),
                Field("severity", ("严重程度",), required=False),
                Field("household_id", ("户编号",), "opaque", required=False),
                Field("name_masked", ("姓名",), required=False),
                Field("id_number_masked", ("证件号码",), required=False),
                Field("detail", ("各部门记录",), required=False),
                Field("checkpoint", ("核实要点",), required=False),
                Field("fingerprint", ("核对码",), required=False),
                Field("verification", ("核实结果",), "enum", labels=VERIFICATION_OUTCOMES),
                Field("note", ("说明",), required=False),
                Field("verified_by", ("核实人",), "name", required=False),
                Field(
                    "verified_on", ("核实日期",), "date", required=False, not_after_delivery=True
                ),
            ),
            # They accumulate: every row is kept, the latest per case wins
            # (`pipelines/verification/outcomes.py`). A return whose every row is wrong is
            # quarantined row by row; it replaces nothing, so it is not refused.
            record_key=(),
            snapshot=False,
        ),
    )
}

# Both enrollment kinds share one header; the department folder tells them apart.
KINDS_BY_DEPARTMENT = {
    dept: [k for k in KINDS.values() if k.department == dept] for dept in DEPARTMENT_TITLES
}


def recognise(department: str, header_cells: list[str]) -> tuple[Kind, dict[int, str]] | None:
    """The kind whose required headers all appear in `header_cells`, with column → field.

    Values are taken by header, never by position. When several kinds fit, the one that
    explains the most columns wins.
    """
    keys = [header_key(c) for c in header_cells]
    best: tuple[int, Kind, dict[int, str]] | None = None
    for kind in KINDS_BY_DEPARTMENT[department]:
        mapping = {i: kind.header_map[k] for i, k in enumerate(keys) if k in kind.header_map}
        found = set(mapping.values())
        if all(f.name in found for f in kind.fields if f.required):
            if best is None or len(mapping) > best[0]:
                best = (len(mapping), kind, mapping)
    return None if best is None else (best[1], best[2])


def closest_kind(department: str, header_cells: list[str]) -> tuple[Kind | None, list[str], int]:
    """The kind that `header_cells` most resembles, its missing required headers and the score."""
    keys = {header_key(c) for c in header_cells}
    best: tuple[Kind | None, list[str], int] = (None, [], 0)
    for kind in KINDS_BY_DEPARTMENT[department]:
        score = len(keys & set(kind.header_map))
        missing = [
            f.headers[0]
            for f in kind.fields
            if f.required and not keys & {header_key(h) for h in f.headers}
        ]
        if score > best[2]:
            best = (kind, missing, score)
    return best
