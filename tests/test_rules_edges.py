"""Edges of the rules, from a review that worked out by hand what DESIGN §6 asks for: people
who moved, went back to school, died or graduated twice; records that disagree; details that
must name what one record says."""

from __future__ import annotations

import pytest
from builders import WEIGHTS, enrollment, intent, member, payment, person_id
from test_rules import cases, findings

from pipelines.settings import load_settings
from pipelines.warehouse import working_db

HEAD = person_id("19700101", 11)
STU = person_id("20080301", 21)
OTHER = person_id("19750505", 31)
A, B, C, D = "4112241000010001", "4112241000010002", "4112241000010003", "4112241000010004"


@pytest.fixture
def tmp(data_dir):
    return data_dir


def family(hh=A, student_status="正常", **kw):
    return [
        member(hh, 1, "张三", HEAD, **kw),
        member(hh, 2, "张小明", STU, "之子", status=student_status, **kw),
    ]


def school(name, code, **kw):
    return {**enrollment("张小明", STU, school=name, **kw), "学校标识码": code}


def graduate(year="2026", **kw):
    return enrollment(
        "张小明", STU, status="毕业", entered=f"{int(year) - 3}.09", graduated=f"{year}.06", **kw
    )


def test_a_payment_under_a_household_not_in_the_register_says_so(tmp):
    found = cases(
        tmp,
        {
            "rural_members": [member(A, 1, "张三", HEAD)],
            "rural_subsidies": [payment("2026秋", C, "张小明", STU)],
            "education_enrollments": [enrollment("张小明", STU)],
        },
    )
    assert [c[:3] for c in found] == [("YL-02", C, STU)]
    assert "户编号不在家庭成员信息中" in found[0][3]


def test_paid_between_graduation_and_going_back_to_school(tmp):
    # graduated June 2024, in 高职 from September 2026: 2025秋 and 2026春 were paid out of school
    found = cases(
        tmp,
        {
            "rural_members": family(),
            "rural_subsidies": [
                payment(t, A, "张小明", STU) for t in ("2025秋", "2026春", "2026秋")
            ],
            "education_enrollments": [
                graduate("2024"),
                school("三门峡职业技术学院", "4141019999", level="高职", entered="2026.09"),
            ],
        },
    )
    details = sorted(c[3] for c in found if c[0] == "YL-05")
    assert [c[:3] for c in found] == [("YL-05", A, STU)] * 2
    assert "2025年秋季学期" in details[0] and "2026年春季学期" in details[1]


def test_a_graduate_back_in_school_is_not_asked_about_work(tmp):
    assert (
        findings(
            tmp / "a",
            {
                "rural_members": family(),
                "rural_subsidies": [payment("2026秋", A, "张小明", STU, level="高职")],
                "education_enrollments": [
                    graduate(),
                    school("三门峡职业技术学院", "4141019999", level="高职", entered="2026.09"),
                ],
            },
        )
        == set()
    )


def test_a_deceased_graduate_is_not_asked_about_work(tmp):
    assert (
        findings(
            tmp,
            {
                "rural_members": family(student_status="死亡"),
                "education_enrollments": [graduate()],
            },
        )
        == set()
    )


def test_a_survey_as_a_new_growth_labourer_is_not_a_graduate_survey(tmp):
    old = {
        **intent(A, "张小明", STU, category="新成长劳动力", year="2023"),
        "调查日期": "2023-05-01",
    }
    assert findings(
        tmp,
        {
            "rural_members": family(),
            "rural_intents": [old],
            "education_enrollments": [graduate()],
        },
    ) == {("EMP-01", A, STU)}


def test_details_name_the_school_of_the_record_they_speak_of(tmp):
    found = cases(
        tmp,
        {
            "rural_members": family(),
            "rural_subsidies": [payment("2026秋", A, "张小明", STU)],
            "education_enrollments": [
                school(
                    "三门峡市中等专业学校",
                    "4141011111",
                    status="毕业",
                    entered="2020.09",
                    graduated="2023.06",
                ),
                school(
                    "卢氏县职业技术学院",
                    "4141012222",
                    status="毕业",
                    level="高职",
                    entered="2023.09",
                    graduated="2026.06",
                ),
            ],
        },
    )
    assert {c[:3] for c in found} == {("YL-05", A, STU), ("EMP-01", A, STU)}
    assert all("卢氏县职业技术学院" in c[3] and "三门峡市" not in c[3] for c in found)


def test_an_unpaid_student_in_two_schools_is_described_by_one_record(tmp):
    found = cases(
        tmp,
        {
            "rural_members": family(),
            "education_enrollments": [enrollment("张小明", STU)],  # 卢氏县职业中等专业学校, 中职
            "hrss_technical_enrollments": [school("三门峡技师学院", "4141017777", level="技工")],
        },
    )
    assert [c[:3] for c in found] == [("YL-01", A, STU)]
    assert "教育：在籍（卢氏县职业中等专业学校，中职）" in found[0][3]


def test_the_household_a_person_moved_out_of_is_not_theirs(tmp):
    # moved from ordinary A to out-of-poverty B, paid under B: nothing to report
    moved = [
        member(A, 1, "王一", OTHER, household_type="一般农户"),
        member(A, 2, "张小明", STU, "之子", household_type="一般农户", status="迁出"),
    ]
    assert (
        findings(
            tmp / "a",
            {
                "rural_members": moved + family(hh=B),
                "rural_subsidies": [payment("2026秋", B, "张小明", STU)],
                "education_enrollments": [enrollment("张小明", STU)],
            },
        )
        == set()
    )
    # moved from out-of-poverty A to ordinary B, enrolled and unpaid: B is not eligible
    left = [
        member(B, 1, "王一", OTHER, household_type="一般农户"),
        member(B, 2, "张小明", STU, "其他", household_type="一般农户"),
    ]
    assert (
        findings(
            tmp / "b",
            {
                "rural_members": family(student_status="迁出") + left,
                "education_enrollments": [enrollment("张小明", STU)],
            },
        )
        == set()
    )


def test_copies_that_differ_only_in_which_column_is_blank_differ(tmp):
    first = {
        **member(A, 1, "张三", HEAD, household_type="一般农户", category="边缘易致贫户"),
        "风险消除时间": "",
    }
    second = {**first, "风险识别时间": "", "风险消除时间": first["风险识别时间"]}
    assert findings(tmp, {"rural_members": [first, second]}) == {("DUP-01", A, HEAD)}


def test_one_id_written_in_its_18_and_its_15_character_forms_is_not_a_differing_copy(tmp):
    legacy = HEAD[:6] + HEAD[8:17]  # the same number as issued before 1999: no century, no check
    rows = [member(A, 1, "张三", HEAD), {**member(A, 1, "张三", HEAD), "证件号码": legacy}]
    # one person, no DUP-01; the copy kept is the 18-character one, so no ID-02 either
    assert findings(tmp, {"rural_members": rows}) == set()


def _with_check(body: str) -> str:
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


@pytest.mark.parametrize(
    ("printed", "says"),
    [
        (_with_check("41122420300101123"), "出生日期不存在或不可能"),  # born in 2030
        ("411224301301123", "出生日期不存在或不可能"),  # 15 digits, month 13
        ("4112242008030102", "为16位，应为18位"),
    ],
)
def test_id01_says_what_is_wrong_with_the_number(tmp, printed, says):
    found = cases(
        tmp,
        {"rural_members": [member(A, 1, "张三", HEAD), member(A, 2, "张小宝", printed, "之子")]},
    )
    assert [c[:3] for c in found] == [("ID-01", A, printed)]
    assert says in found[0][3]


def test_paid_with_a_graduation_of_unknown_month(tmp):
    found = cases(
        tmp,
        {
            "rural_members": family(),
            "rural_subsidies": [payment("2026秋", A, "张小明", STU)],
            "education_enrollments": [enrollment("张小明", STU, status="毕业", graduated="")],
        },
    )
    assert [c[:3] for c in found] == [("YL-05", A, STU)]
    assert "毕业年月不详" in found[0][3]


def test_link02_for_a_person_two_departments_file_under_different_households(tmp):
    # not in the register: the payment is under C, the school record under D
    found = cases(
        tmp,
        {
            "rural_members": [member(A, 1, "张三", HEAD)],
            "rural_subsidies": [payment("2026秋", C, "张小明", STU)],
            "education_enrollments": [enrollment("张小明", STU, household=D)],
        },
    )
    assert {c[:3] for c in found} == {("YL-02", C, STU), ("LINK-02", "", STU)}
    [link] = [c[3] for c in found if c[0] == "LINK-02"]
    assert f"户编号 {C}" in link and f"户编号 {D}" in link and "家庭成员信息中无此人" in link


def test_dup01_across_two_files_names_them(tmp):
    row = member(A, 1, "张三", HEAD)
    found = cases(tmp, {"rural_members": (("a.csv", [row]), ("b.csv", [{**row, "民族": "回族"}]))})
    assert found == [
        (
            "DUP-01",
            A,
            HEAD,
            "乡村振兴「家庭成员信息」a.csv 第2行、b.csv 第2行为同一人，内容不一致：民族",
        )
    ]


def test_a_village_the_reference_lacks_keeps_what_the_register_says(tmp):
    elsewhere = {
        **member(A, 1, "张三", HEAD, household_type="一般农户", income="1"),
        "村代码": "411202001001",
        "乡(镇)": "湖滨街道",
        "行政村": "某社区",
    }
    found = cases(tmp, {"rural_members": [elsewhere]})
    assert [c[:3] for c in found] == [("HH-04", A, "")]
    with working_db(load_settings()) as con:
        row = con.execute(
            "select county_code, township_code, township_name, village_code, village_name "
            "from conform.households"
        ).fetchall()
        [(village,)] = con.execute("select village_code from reconcile.discrepancies").fetchall()
    assert row == [("411202", "411202001", "湖滨街道", "411202001001", "某社区")]
    assert village == "411202001001"


def test_cases_go_to_the_departments_whose_records_they_concern(tmp):
    withdrawn = school("三门峡技师学院", "4141017777", level="技工", status="退学")
    # the register still has him in school: no new-growth labourer to survey (EMP-05)
    register = [
        member(A, 1, "张三", HEAD),
        member(A, 2, "张小明", STU, "之子", in_school="技工在读"),
    ]
    found = cases(
        tmp,
        {
            "rural_members": register,
            "rural_subsidies": [payment("2026秋", A, "张小明", STU)],
            "hrss_technical_enrollments": [withdrawn],
        },
    )
    assert [c[:3] for c in found] == [("YL-04", A, STU)]
    with working_db(load_settings()) as con:
        [(departments,)] = con.execute("select departments from reconcile.discrepancies").fetchall()
    assert departments == ["hrss", "rural"]


def test_a_case_reads_the_same_whatever_order_its_files_were_staged_in(tmp, monkeypatch):
    # One student paid twice for one term, in two files of one delivery that disagree on the
    # amount and the level. Files are staged in name order; swapping the names swaps that
    # order, but not what the department sent: the case's text must not change with it.
    first = payment("2026秋", A, "张小明", STU, amount="800", level="高职")
    second = payment("2026秋", A, "张小明", STU, amount="1000", level="中职")
    texts = []
    for order in ((first, second), (second, first)):
        root = tmp / f"staged-{len(texts)}"
        root.mkdir()
        monkeypatch.setenv("YULU_DATA_DIR", str(root))
        found = cases(
            root,
            {
                "rural_members": family(),
                "rural_subsidies": (("补助0.csv", [order[0]]), ("补助1.csv", [order[1]])),
                "education_enrollments": [school("三门峡职业技术学院", "4141019999")],
            },
        )
        texts.append([c for c in found if c[0] == "YL-07"])
    assert len(texts[0]) == 1 and "800" in texts[0][0][3] and "1000" in texts[0][0][3]
    assert texts[0] == texts[1]
