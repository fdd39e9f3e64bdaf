"""Each implemented rule on a tiny county written by hand, with the cases worked out by hand.

Plain functions only (no Dagster): extracts → staging → conform → reconcile on a DuckDB file
under tmp_path.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from builders import enrollment, intent, job, member, payment, person_id, write_extract

from pipelines.conform.run import conform_day
from pipelines.ingest.stage import ingest_delivery
from pipelines.reconcile.run import reconcile_day
from pipelines.reference import load_reference
from pipelines.settings import load_settings
from pipelines.warehouse import working_db

DAY = "2026-11-30"
AS_OF = date.fromisoformat(DAY)
THIS_TERM = "2026年秋季"  # the autumn 2026 term contains 30 November 2026
LAST_TERM = "2026年春季"

HEAD = person_id("19700101", 11)
STUDENT = person_id("20090301", 21)
OTHER = person_id("19750505", 31)
HH, HH2 = "4112241000010001", "4112241000010002"


def base_members(**student):
    return [
        member(HH, 1, "张三", HEAD),
        member(HH, 2, "张小明", STUDENT, "之子", in_school="中职在读", **student),
    ]


def cases(tmp: Path, extracts: dict[str, list[dict]]) -> list[tuple[str, str, str, str]]:
    """(rule, household, id, detail) of every case found on DAY for the given extracts, each
    kind's rows written as one CSV of its department (a list of (file name, rows) for several)."""
    inbox = tmp / "inbox"
    for kind, rows in extracts.items():
        files = rows if isinstance(rows, tuple) else ((None, rows),)
        for name, file_rows in files:
            write_extract(inbox, DAY, kind, file_rows, name=name)
    settings = load_settings()
    with working_db(settings) as con:
        load_reference(con, settings.reference_dir)
        for department in ("rural", "education", "hrss"):
            ingest_delivery(con, inbox, department, AS_OF)
        conform_day(con, AS_OF)
        reconcile_day(con, AS_OF)
        return con.execute(
            "select rule_code, coalesce(household_id, ''), coalesce(id_number, ''), detail "
            "from reconcile.discrepancies order by all"
        ).fetchall()


def findings(tmp: Path, extracts: dict[str, list[dict]]) -> set[tuple[str, str, str]]:
    """(rule, household, id) of every case found on DAY for the given extracts."""
    return {c[:3] for c in cases(tmp, extracts)}


def income_line() -> float:
    """The 2026 line as the reference table states it: tests assert behaviour, not numbers."""
    path = load_settings().reference_dir / "monitoring_lines.csv"
    return duckdb.execute(
        "select income_line from read_csv(?) where year = 2026", [str(path)]
    ).fetchone()[0]


@pytest.fixture
def tmp(data_dir: Path) -> Path:
    return data_dir


def test_a_clean_county_has_no_case(tmp):
    assert (
        findings(
            tmp,
            {
                "rural_members": base_members(),
                "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT)],
                "education_enrollments": [enrollment("张小明", STUDENT, household=HH)],
            },
        )
        == set()
    )


def test_yl01_enrolled_unpaid_but_pending_and_other_households_are_fine(tmp):
    ordinary_student = person_id("20090401", 41)
    members = base_members() + [
        member(HH2, 1, "李四", OTHER, household_type="一般农户"),
        member(HH2, 2, "李小红", ordinary_student, "之女", household_type="一般农户"),
    ]
    assert findings(
        tmp,
        {
            "rural_members": members,
            "rural_subsidies": [
                payment(LAST_TERM, HH, "张小明", STUDENT),
                payment(THIS_TERM, HH, "张小明", STUDENT, status="退回"),
            ],
            "education_enrollments": [
                enrollment("张小明", STUDENT),
                enrollment("李小红", ordinary_student),
            ],
        },
    ) == {("YL-01", HH, STUDENT)}


def test_yl01_pending_payment_counts_as_paid(tmp):
    assert (
        findings(
            tmp,
            {
                "rural_members": base_members(),
                "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT, status="待发放")],
                "education_enrollments": [enrollment("张小明", STUDENT)],
            },
        )
        == set()
    )


def test_yl01_technical_school_students_count_as_enrolled(tmp):
    assert findings(
        tmp,
        {
            "rural_members": base_members(),
            "hrss_technical_enrollments": [enrollment("张小明", STUDENT, level="技工")],
        },
    ) == {("YL-01", HH, STUDENT)}


def test_yl02_paid_to_an_ordinary_unmonitored_household(tmp):
    members = [
        member(HH, 1, "张三", HEAD, household_type="一般农户"),
        member(HH, 2, "张小明", STUDENT, "之子", household_type="一般农户"),
    ]
    assert findings(
        tmp,
        {
            "rural_members": members,
            "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT)],
            "education_enrollments": [enrollment("张小明", STUDENT)],
        },
    ) == {("YL-02", HH, STUDENT)}


def test_yl02_monitored_ordinary_household_is_eligible(tmp):
    members = [
        member(
            HH, 1, "张三", HEAD, household_type="一般农户", category="边缘易致贫户", income="6000"
        ),
        member(
            HH,
            2,
            "张小明",
            STUDENT,
            "之子",
            household_type="一般农户",
            category="边缘易致贫户",
            income="6000",
        ),
    ]
    assert (
        findings(
            tmp,
            {
                "rural_members": members,
                "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT)],
                "education_enrollments": [enrollment("张小明", STUDENT)],
            },
        )
        == set()
    )


def test_yl03_two_payments_one_term_but_a_returned_one_does_not_count(tmp):
    assert findings(
        tmp,
        {
            "rural_members": base_members(),
            "rural_subsidies": [
                payment(THIS_TERM, HH, "张小明", STUDENT),
                payment("2026秋", HH, "张小明", STUDENT),
                payment(LAST_TERM, HH, "张小明", STUDENT, status="退回"),
                payment(LAST_TERM, HH, "张小明", STUDENT),
            ],
            "education_enrollments": [enrollment("张小明", STUDENT)],
        },
    ) == {("YL-03", HH, STUDENT)}


@pytest.mark.parametrize("status", ["休学", "退学", "转出", None])
def test_yl04_paid_but_not_in_school(tmp, status):
    records = [] if status is None else [enrollment("张小明", STUDENT, status=status)]
    assert findings(
        tmp,
        {
            "rural_members": base_members(),
            "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT)],
            "education_enrollments": records,
        },
    ) == {("YL-04", HH, STUDENT)}


def test_yl04_a_transfer_with_a_new_school_record_is_fine(tmp):
    assert (
        findings(
            tmp,
            {
                "rural_members": base_members(),
                "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT)],
                "education_enrollments": [
                    enrollment("张小明", STUDENT, status="转出"),
                    {
                        **enrollment("张小明", STUDENT, school="三门峡市中等专业学校"),
                        "学校标识码": "4141014321",
                    },
                ],
            },
        )
        == set()
    )


def test_yl05_paid_for_a_term_after_graduation_and_emp01(tmp):
    assert findings(
        tmp,
        {
            "rural_members": base_members(),
            "rural_subsidies": [
                payment(LAST_TERM, HH, "张小明", STUDENT),
                payment(THIS_TERM, HH, "张小明", STUDENT),
            ],
            "education_enrollments": [
                enrollment("张小明", STUDENT, status="毕业", graduated="2026.06", entered="2023.09")
            ],
        },
    ) == {("YL-05", HH, STUDENT), ("EMP-01", HH, STUDENT)}


def test_emp01_not_raised_once_surveyed(tmp):
    assert (
        findings(
            tmp,
            {
                "rural_members": base_members(),
                "rural_subsidies": [payment(LAST_TERM, HH, "张小明", STUDENT)],
                "rural_intents": [intent(HH, "张小明", STUDENT)],
                "education_enrollments": [
                    enrollment(
                        "张小明", STUDENT, status="毕业", graduated="2026.06", entered="2023.09"
                    )
                ],
            },
        )
        == set()
    )


def test_id01_malformed_ids_keyed_by_what_was_written(tmp):
    bad_check = HEAD[:-1] + ("0" if HEAD[-1] != "0" else "1")
    members = [member(HH, 1, "张三", bad_check), member(HH, 2, "王五", OTHER[:17], "配偶")]
    assert findings(
        tmp,
        {
            "rural_members": members,
            "hrss_employment": [job("赵六", " " + bad_check.lower())],
        },
    ) == {("ID-01", HH, bad_check), ("ID-01", HH, OTHER[:17]), ("ID-01", "", bad_check)}


def test_id05_names_differ_across_departments_but_not_by_spacing(tmp):
    assert findings(
        tmp,
        {
            "rural_members": base_members() + [member(HH, 3, "欧阳 娜", OTHER, "配偶")],
            "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT)],
            "education_enrollments": [enrollment("张晓明", STUDENT)],
            "hrss_employment": [
                job("欧阳娜", OTHER, status="未就业"),
                job("张三 ", HEAD, status="未就业"),
            ],
        },
    ) == {("ID-05", HH, STUDENT)}


def test_id07_one_person_in_two_households(tmp):
    members = base_members() + [member(HH2, 1, "李四", OTHER), member(HH2, 2, "张三", HEAD, "其他")]
    assert findings(
        tmp,
        {
            "rural_members": members,
            "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT)],
            "education_enrollments": [enrollment("张小明", STUDENT)],
        },
    ) == {("ID-07", HH, HEAD), ("ID-07", HH2, HEAD)}


def test_dup01_differing_copies_only(tmp):
    copy_same = member(HH, 1, "张三", HEAD)
    worker = member(HH2, 1, "李四", OTHER, months_worked=10)
    copy_other_phone = {**worker, "联系电话": "13900000000"}
    members = base_members() + [copy_same, worker, copy_other_phone]
    assert findings(
        tmp,
        {
            "rural_members": members,
            "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT)],
            "education_enrollments": [enrollment("张小明", STUDENT)],
            "hrss_employment": [
                job("李四", OTHER, income="3000"),
                job("李四", OTHER, income="3500"),
            ],
        },
    ) == {("DUP-01", HH2, OTHER)}


def test_dup01_detail_names_the_rows_and_the_columns_that_differ(tmp):
    head = member(HH, 1, "张三", HEAD, months_worked=10)
    members = [head, {**head, "民族": "回族"}]
    jobs = [job("张三", HEAD, income="3000"), job("张三", HEAD, income="3500")]
    assert findings(tmp, {"rural_members": members, "hrss_employment": jobs}) == {
        ("DUP-01", HH, HEAD)
    }
    with working_db(load_settings()) as con:
        details = con.execute(
            "select detail from reconcile.discrepancies order by detail"
        ).fetchall()
    # the header is line 1 of each CSV, so the two copies are lines 2 and 3
    assert details == [
        ("乡村振兴「家庭成员信息」第2、3行为同一人，内容不一致：民族",),
        ("人社「就业登记信息」第2、3行为同一人，内容不一致：月收入(元)",),
    ]


def test_hh04_below_the_line_and_not_monitored(tmp):
    line = income_line()
    members = [
        member(HH, 1, "张三", HEAD, household_type="一般农户", income=str(line - 1)),
        member(HH2, 1, "李四", OTHER, household_type="一般农户", income=str(line)),
        member(
            "4112241000010003",
            1,
            "王五",
            person_id("19800101", 51),
            household_type="一般农户",
            category="边缘易致贫户",
            income=str(line - 500),
        ),
    ]
    assert findings(tmp, {"rural_members": members}) == {("HH-04", HH, "")}


def test_link02_other_department_files_another_household(tmp):
    members = base_members() + [member(HH2, 1, "李四", OTHER)]
    assert findings(
        tmp,
        {
            "rural_members": members,
            "rural_subsidies": [payment(THIS_TERM, HH, "张小明", STUDENT)],
            "education_enrollments": [enrollment("张小明", STUDENT, household=HH2)],
        },
    ) == {("LINK-02", HH, STUDENT)}


def test_a_day_the_reference_tables_do_not_cover_is_refused_not_passed_over(tmp, monkeypatch):
    reference = tmp / "reference"
    shutil.copytree(load_settings().reference_dir, reference)
    lines = reference / "monitoring_lines.csv"
    lines.write_text(
        "".join(r for r in lines.read_text().splitlines(True) if not r.startswith("2026,"))
    )
    monkeypatch.setenv("YULU_REFERENCE_DIR", str(reference))
    with pytest.raises(ValueError, match="monitoring_lines.csv has no income line for 2026"):
        findings(tmp, {"rural_members": base_members()})


def test_amounts_in_details_read_as_yuan(tmp):
    line = income_line()
    [(_, _, _, detail)] = cases(
        tmp,
        {
            "rural_members": [
                member(HH, 1, "张三", HEAD, household_type="一般农户", income=f"{line - 0.5}")
            ]
        },
    )
    # whole yuan without decimals, anything else with two
    whole = f"{line:.0f}" if line == int(line) else f"{line:.2f}"
    assert f"{line - 0.5:.2f}元" in detail and f"监测线{whole}元" in detail
