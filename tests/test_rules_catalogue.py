"""The rules of DESIGN §6 added with the whole catalogue, each on a tiny county written by hand:
one record that breaks the rule beside a near miss that must not, the cases worked out by hand
from the rule's wording."""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from builders import enrollment, intent, job, member, payment, person_id
from test_rules import DAY, HEAD, HH, HH2, OTHER, STUDENT, THIS_TERM, cases, findings

from pipelines.reconcile.rules import RULES, rule_table
from pipelines.settings import load_settings
from pipelines.warehouse import working_db

WORKER = person_id("19800202", 51)  # a man: the 17th digit, 1, is odd


def this_terms_census_day() -> date:
    """The census day of the term containing DAY, as the reference table states it."""
    path = load_settings().reference_dir / "terms.csv"
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["starts_on"] <= DAY <= row["ends_on"]:
                return date.fromisoformat(row["census_on"])
    raise AssertionError("terms.csv does not cover DAY")


def household(*extra):
    return [member(HH, 1, "张三", HEAD), *extra]


def test_id02_a_legacy_15_digit_id_is_reported_where_it_was_written(data_dir):
    legacy = WORKER[:6] + WORKER[8:17]  # no century, no check character
    found = cases(
        data_dir,
        {
            "rural_members": household(member(HH, 2, "王五", WORKER, "之子")),
            "hrss_training": [
                {
                    "姓名": "王五",
                    "身份证号码": legacy,
                    "培训项目": "电工",
                    "培训类别": "就业技能培训",
                    "开始日期": "2026-05-01",
                    "结束日期": "2026-05-20",
                    "是否取得证书": "是",
                }
            ],
        },
    )
    assert [c[:3] for c in found] == [("ID-02", HH, WORKER)]
    assert "人社「职业技能培训」第2行" in found[0][3] and "15位" in found[0][3]


def test_id03_an_id_excel_turned_into_a_number_is_keyed_as_written(data_dir):
    found = cases(
        data_dir, {"rural_members": household(member(HH, 2, "王五", "4.11224E+17", "之子"))}
    )
    assert [c[:3] for c in found] == [("ID-03", HH, "4.11224E+17")]
    assert "科学计数法" in found[0][3]


def test_id04_the_registers_gender_contradicts_the_id(data_dir):
    assert findings(
        data_dir,
        {
            "rural_members": household(
                member(HH, 2, "王五", WORKER, "之子", sex="女"),  # odd 17th digit: a man
                member(HH, 3, "李四", OTHER, "配偶", sex="男"),  # 31: odd, a man, as stated
            )
        },
    ) == {("ID-04", HH, WORKER)}


def test_id05_detail_masks_the_names_and_says_which_characters_differ(data_dir):
    found = cases(
        data_dir,
        {
            "rural_members": household(member(HH, 2, "王小五", WORKER, "之子")),
            "hrss_employment": [job("王晓五", WORKER, status="未就业")],
        },
    )
    assert [c[:3] for c in found] == [("ID-05", HH, WORKER)]
    detail = found[0][3]
    assert "王小五" not in detail and "王晓五" not in detail
    assert detail == "人社登记为王*，与乡村振兴登记的王*第2字不同"


def test_hh01_a_household_without_a_head_and_one_with_two(data_dir):
    assert findings(
        data_dir,
        {
            "rural_members": [
                member(HH, 1, "张三", HEAD, "其他"),
                member(HH2, 1, "李四", OTHER),
                member(HH2, 2, "王五", WORKER, "户主"),
            ]
        },
    ) == {("HH-01", HH, ""), ("HH-01", HH2, "")}


def test_hh01_a_deceased_former_head_beside_the_new_one_is_fine(data_dir):
    members = [member(HH, 1, "张三", HEAD, status="死亡"), member(HH, 2, "李四", OTHER, "户主")]
    assert findings(data_dir, {"rural_members": members}) == set()


def test_hh03_categories_each_household_type_cannot_have(data_dir):
    assert findings(
        data_dir,
        {
            "rural_members": [
                member(HH, 1, "张三", HEAD, household_type="一般农户", category="脱贫不稳定户"),
                member(HH2, 1, "李四", OTHER, household_type="脱贫户", category="边缘易致贫户"),
                # both allowed: sudden hardship on either type
                member("4112241000010003", 1, "王五", WORKER, category="突发严重困难户"),
            ]
        },
    ) == {("HH-03", HH, ""), ("HH-03", HH2, "")}


def _eliminated(hh, no, name, id_number, identified, eliminated):
    return {
        **member(hh, no, name, id_number, category="脱贫不稳定户"),
        "风险是否消除": "是",
        "风险识别时间": identified,
        "风险消除时间": eliminated,
    }


def test_hh05_risk_eliminated_less_than_six_months_after_identification(data_dir):
    assert findings(
        data_dir,
        {
            "rural_members": [
                _eliminated(HH, 1, "张三", HEAD, "2025-03-01", "2025-08-31"),  # a day short
                _eliminated(HH2, 1, "李四", OTHER, "2025-03-01", "2025-09-01"),  # six months
            ]
        },
    ) == {("HH-05", HH, "")}


def test_yl07_an_amount_the_rule_does_not_give(data_dir):
    found = cases(
        data_dir,
        {
            "rural_members": household(
                member(HH, 2, "张小明", STUDENT, "之子", in_school="中职在读")
            ),
            "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT, amount="1,200元")],
            "education_enrollments": [enrollment("张小明", STUDENT)],
        },
    )
    assert [c[:3] for c in found] == [("YL-07", HH, STUDENT)]
    rule = _rule_amount("secondary_vocational")
    assert found[0][3] == (f"乡村振兴：2026年秋季学期已发放补助1200元；标准：中职每学期{rule:g}元")


def _rule_amount(level: str) -> float:
    path = load_settings().reference_dir / "subsidy_rules.csv"
    with path.open(encoding="utf-8") as f:
        return next(float(r["amount_per_term"]) for r in csv.DictReader(f) if r["level"] == level)


def test_yl07_the_rule_amount_is_not_a_case(data_dir):
    amount = f"{_rule_amount('secondary_vocational'):g}"
    assert (
        findings(
            data_dir,
            {
                "rural_members": household(
                    member(HH, 2, "张小明", STUDENT, "之子", in_school="中职在读")
                ),
                "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT, amount=amount)],
                "education_enrollments": [enrollment("张小明", STUDENT)],
            },
        )
        == set()
    )


def test_yl08_paid_this_term_for_a_person_recorded_as_deceased(data_dir):
    student = member(HH, 2, "张小明", STUDENT, "之子", in_school="中职在读", status="死亡")
    assert findings(
        data_dir,
        {
            "rural_members": household(student),
            "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT)],
            "education_enrollments": [enrollment("张小明", STUDENT)],
        },
    ) == {("YL-08", HH, STUDENT)}


def test_emp03_the_village_and_hr_disagree_about_work(data_dir):
    assert findings(
        data_dir,
        {
            "rural_members": household(
                member(HH, 2, "王五", WORKER, "之子", months_worked=8),  # HR knows no job
                member(HH, 3, "李四", OTHER, "配偶", months_worked=0),  # HR: employed
            ),
            "hrss_employment": [job("李四", OTHER), job("张三", HEAD, status="失业登记")],
        },
    ) == {("EMP-03", HH, WORKER), ("EMP-03", HH, OTHER)}


def test_emp05_a_new_growth_labourer_never_surveyed(data_dir):
    youth = person_id("20080303", 61)  # 18 on DAY
    surveyed = person_id("20080404", 71)
    members = household(
        member(HH, 2, "张小红", youth, "之女", schooling="高中"),
        member(HH, 3, "张小刚", surveyed, "之子", schooling="初中"),
    )
    assert findings(
        data_dir,
        {
            "rural_members": members,
            "rural_intents": [intent(HH, "张小刚", surveyed, "新成长劳动力", "2025")],
        },
    ) == {("EMP-05", HH, youth)}


def test_eligibility_is_judged_on_the_terms_census_day(data_dir):
    """Monitored the day after this term's census day: not eligible for this term, so paying
    it is YL-02 and not paying it is not YL-01; monitored on the census day itself is eligible."""
    census = this_terms_census_day()
    late, on_time = census + timedelta(days=1), census
    late_student, on_time_student = STUDENT, person_id("20090505", 81)

    def monitored(hh, name, id_number, identified):
        return {
            **member(hh, 1, name, id_number, household_type="一般农户", category="边缘易致贫户"),
            "风险识别时间": identified.isoformat(),
        }

    members = [
        monitored(HH, "张三", HEAD, late),
        member(
            HH, 2, "张小明", late_student, "之子", in_school="中职在读", household_type="一般农户"
        ),
        monitored(HH2, "李四", OTHER, on_time),
        member(
            HH2,
            2,
            "李小华",
            on_time_student,
            "之子",
            in_school="中职在读",
            household_type="一般农户",
        ),
    ]
    paid_late = {
        "rural_members": members,
        "rural_subsidies": [payment(THIS_TERM, HH, "张小明", late_student)],
        "education_enrollments": [
            enrollment("张小明", late_student),
            enrollment("李小华", on_time_student),
        ],
    }
    assert findings(data_dir, paid_late) == {
        ("YL-02", HH, late_student),
        ("YL-01", HH2, on_time_student),
    }


def test_the_readme_lists_every_rule_of_the_catalogue_as_the_code_defines_it():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert rule_table() in readme
    # DESIGN §6, copied from the contract
    design_codes = (
        "ID-01 ID-02 ID-03 ID-04 ID-05 ID-07 DUP-01 HH-01 HH-03 HH-04 HH-05 YL-01 YL-02 YL-03 "
        "YL-04 YL-05 YL-07 YL-08 EMP-01 EMP-03 EMP-05 LINK-02"
    ).split()
    assert [r.code for r in RULES] == design_codes


def _risk_points() -> dict[str, tuple[int, str]]:
    path = load_settings().reference_dir / "risk_reasons.csv"
    with path.open(encoding="utf-8") as f:
        return {r["reason_code"]: (int(r["points"]), r["label"]) for r in csv.DictReader(f)}


def test_risk_level_is_the_sum_of_the_reasons_that_hold_capped_at_three(data_dir):
    third = "4112241000010003"
    graduate = person_id("20040606", 91)
    members = [
        # monitored, not eliminated, income below any line, and an error case (a bad ID)
        member(
            HH, 1, "张三", HEAD, household_type="一般农户", category="边缘易致贫户", income="100"
        ),
        member(HH, 2, "张四", HEAD[:-1] + ("0" if HEAD[-1] != "0" else "1"), "之子"),
        member(HH2, 1, "李四", OTHER, household_type="一般农户"),  # nothing holds
        member(third, 1, "王五", WORKER),
        member(third, 2, "王小五", graduate, "之子", schooling="中专"),
    ]
    cases(
        data_dir,
        {
            "rural_members": members,
            "education_enrollments": [
                enrollment(
                    "王小五", graduate, status="毕业", entered="2022.09", graduated="2025.06"
                )
            ],
            "rural_intents": [intent(third, "王小五", graduate, "往届毕业生", "2025")],
            "hrss_employment": [job("王小五", graduate, status="未就业")],
        },
    )
    points = _risk_points()

    def expected(*reasons):
        return (
            min(sum(points[r][0] for r in reasons if r in points), 3),
            sorted(points[r][1] for r in reasons if r in points),
        )

    with working_db(load_settings()) as con:
        got = {
            h: (level, sorted(reasons))
            for h, level, reasons in con.execute(
                "select household_id, risk_level, risk_reasons from reconcile.households"
            ).fetchall()
        }
    assert got == {
        HH: expected("monitored_not_eliminated", "income_below_line", "open_error_cases"),
        HH2: expected(),
        third: expected("unemployed_graduate"),
    }


def test_a_risk_reason_yulu_does_not_know_stops_the_day(data_dir, tmp_path, monkeypatch):
    reference = tmp_path / "reference"
    shutil.copytree(load_settings().reference_dir, reference)
    with (reference / "risk_reasons.csv").open("a", encoding="utf-8") as f:
        f.write("owns_a_car,1,有车,a reason no code stands for\n")
    monkeypatch.setenv("YULU_REFERENCE_DIR", str(reference))
    with pytest.raises(ValueError, match="owns_a_car"):
        cases(data_dir, {"rural_members": household()})


def test_an_amount_too_large_for_whole_yuan_is_a_case_not_a_crash(data_dir):
    """An account number pasted into 补助金额: YL-07 reports it; nothing overflows."""
    found = cases(
        data_dir,
        {
            "rural_members": household(
                member(HH, 2, "张小明", STUDENT, "之子", in_school="中职在读")
            ),
            "rural_subsidies": [
                payment(THIS_TERM, HH, "张小明", STUDENT, amount="100000000000000000000")
            ],
            "education_enrollments": [enrollment("张小明", STUDENT)],
        },
    )
    assert [c[:3] for c in found] == [("YL-07", HH, STUDENT)]


def test_a_payment_for_a_term_the_calendar_lacks_is_reported(data_dir):
    """2062秋, a typo for 2026秋: no term of terms.csv, so no rule amount to pay against."""
    found = cases(
        data_dir,
        {
            "rural_members": household(
                member(HH, 2, "张小明", STUDENT, "之子", in_school="中职在读")
            ),
            "rural_subsidies": [
                payment(THIS_TERM, HH, "张小明", STUDENT),
                payment("2062秋", HH, "张小明", STUDENT),
            ],
            "education_enrollments": [enrollment("张小明", STUDENT)],
        },
    )
    assert [c[:3] for c in found] == [("YL-07", HH, STUDENT)]
    assert "2062年秋季学期" in found[0][3] and "terms.csv" in found[0][3]
