"""Reading extracts as departments send them: encodings, title rows, two-level headers, totals
rows, short rows, header variants, and files rejected as a whole with a clear reason."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from builders import HEADERS, csv_text, enrollment, member, payment, person_id
from conftest import ingest_files

from pipelines.ingest.read import FileRejected, read_file
from pipelines.ingest.stage import ingest_delivery
from pipelines.settings import load_settings
from pipelines.warehouse import working_db

DAY = date(2026, 11, 30)
STUDENT = person_id("20090301", 21)


def test_gb18030_names_round_trip_exactly(tmp_path):
    name = "王𠮷䶮"  # Extension B and A: not in GBK
    path = tmp_path / "学籍.csv"
    path.write_bytes(
        csv_text(
            "education_enrollments",
            [enrollment(name, STUDENT)],
            title="职业院校学籍信息（截至2026年11月30日）",
        ).encode("gb18030")
    )
    read = read_file(path, "education")
    assert read.encoding == "gb18030"
    assert read.kind.name == "education_enrollments"
    first = next(read.extracts[0].chunks()).rows[0]
    assert first[0] == 3  # the title is line 1, the header line 2
    assert first[1][0] == name


def test_utf8_bom_gbk_and_utf16(tmp_path):
    text = csv_text("rural_subsidies", [payment("2026秋", "1", "李四", STUDENT)])
    for encoding, expected in (("utf-8-sig", "utf-8-sig"), ("gbk", "gbk"), ("utf-16", "utf-16")):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        read = read_file(path, "rural")
        assert (read.encoding, read.kind.name) == (expected, "rural_subsidies")
        assert next(read.extracts[0].chunks()).rows[0][1][2] == "李四"


def test_header_variants_with_invisible_characters(tmp_path):
    header = ",".join(
        [
            "\ufeff学期",
            " 户编号\u200b",
            "学生姓名",
            "身份\u200e证号",
            "就读学校",
            "学历层次",
            "年\u00ad级",
            "补助金额(元)",
            "发放日期",
            "发放状态\u00a0",
        ]
    )
    row = "2026秋,0001,李四," + STUDENT + ",学校,中职,2025级,1500,2026-10-01,已发放"
    path = tmp_path / "x.csv"
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    extract = read_file(path, "rural").extracts[0]
    assert extract.kind.name == "rural_subsidies"
    assert sorted(extract.columns.values()) == sorted(f.name for f in extract.kind.fields)


def test_missing_required_column_names_file_missing_and_found(tmp_path):
    header = [h for h in HEADERS["rural_subsidies"] if h not in ("学期", "发放状态")]
    path = tmp_path / "补助.csv"
    path.write_text(",".join(header) + "\n", encoding="utf-8")
    with pytest.raises(FileRejected) as rejected:
        read_file(path, "rural")
    message = str(rejected.value)
    assert "学期" in message and "发放状态" in message and "户编号" in message


def _two_level_members(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "家庭成员信息"
    header = HEADERS["rural_members"]
    sheet.cell(1, 1, "卢氏县防返贫监测信息系统 家庭成员信息")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.cell(2, 1, "地址信息")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=5)
    for c, h in enumerate(header, start=1):
        if c == 6:  # 户编号 merged down across both header rows
            sheet.cell(2, c, h)
            sheet.merge_cells(start_row=2, start_column=c, end_row=3, end_column=c)
        elif c != 6:
            sheet.cell(3, c, h)
    for r, row in enumerate(rows, start=4):
        for c, h in enumerate(header, start=1):
            sheet.cell(r, c, row.get(h, ""))
    last = 4 + len(rows)
    sheet.cell(last + 1, 1, "合计")  # after one blank row
    book.save(path)


def test_xlsx_title_row_two_level_header_totals_and_excel_row_numbers(data_dir):
    folder = data_dir / "inbox" / DAY.isoformat() / "rural"
    folder.mkdir(parents=True)
    rows = [
        member("4112241000010001", 1, "张三", person_id("19700101", 11)),
        member("4112241000010001", 2, "张小明", STUDENT, "之子"),
        {
            **member("4112241000010001", 3, "张某", person_id("19720101", 12), "配偶"),
            "与户主关系": "表亲",
        },
    ]
    _two_level_members(folder / "成员.xlsx", rows)
    settings = load_settings()
    with working_db(settings) as con:
        [outcome] = ingest_delivery(con, settings.inbox_dir, "rural", DAY)
        staged = con.execute(
            "select source_row, name, household_id from staging.rural_members order by 1"
        ).fetchall()
        rejected = con.execute(
            "select source_row, reason_code, reason from audit.rejected_rows order by 1"
        ).fetchall()
    assert (outcome.rows_read, outcome.rows_staged, outcome.rows_quarantined) == (4, 2, 2)
    assert staged == [(4, "张三", "4112241000010001"), (5, "张小明", "4112241000010001")]
    assert [r[:2] for r in rejected] == [(6, "BAD_VALUE"), (8, "TOTALS_ROW")]
    assert "与户主关系" in rejected[0][2]


def test_rows_with_too_many_fields_and_missing_ids_are_quarantined_with_line_numbers(data_dir):
    folder = data_dir / "inbox" / DAY.isoformat() / "rural"
    folder.mkdir(parents=True)
    good = payment("2026秋", "4112241000010001", "张小明", STUDENT)
    no_id = payment("2026秋", "4112241000010001", "张小明", "无")
    text = csv_text("rural_subsidies", [good, no_id])
    text += "2026秋,4112241000010001,张小明," + STUDENT + ",学校,中职,2025级,1500,x,已发放,多余\r\n"
    (folder / "补助.csv").write_bytes(text.encode("utf-8-sig"))
    settings = load_settings()
    with working_db(settings) as con:
        [outcome] = ingest_delivery(con, settings.inbox_dir, "rural", DAY)
        rejected = con.execute(
            "select source_row, reason_code from audit.rejected_rows order by 1"
        ).fetchall()
        ledger = con.execute(
            "select rows_read, rows_staged, rows_quarantined, encoding from audit.files"
        ).fetchone()
    assert rejected == [(3, "ID_MISSING"), (4, "FIELD_COUNT")]
    assert ledger == (3, 1, 2, "utf-8-sig")
    assert outcome.status == "staged"


def test_a_rejected_file_is_in_the_ledger_and_stages_nothing(data_dir):
    folder = data_dir / "inbox" / DAY.isoformat() / "rural"
    folder.mkdir(parents=True)
    (folder / "乱码.csv").write_bytes(b"\xff\xfe\x00" + "学期".encode() + b"\x81")
    (folder / "~$成员.xlsx").write_bytes(b"lock")
    (folder / "empty.csv").write_bytes(b"")
    settings = load_settings()
    with working_db(settings) as con:
        ingest_delivery(con, settings.inbox_dir, "rural", DAY)
        files = con.execute(
            "select file_name, status, detail from audit.files order by file_name"
        ).fetchall()
        staged = con.execute("select count(*) from staging.rural_members").fetchone()[0]
    statuses = {name: status for name, status, _ in files}
    assert statuses == {"empty.csv": "rejected", "~$成员.xlsx": "skipped", "乱码.csv": "rejected"}
    assert all(name in detail for name, status, detail in files if status == "rejected")
    assert staged == 0


def test_the_same_file_twice_on_one_day_is_staged_once(data_dir):
    folder = data_dir / "inbox" / DAY.isoformat() / "rural"
    folder.mkdir(parents=True)
    text = csv_text("rural_subsidies", [payment("2026秋", "4112241000010001", "张小明", STUDENT)])
    (folder / "a.csv").write_text(text, encoding="utf-8")
    (folder / "b.csv").write_text(text, encoding="utf-8")
    settings = load_settings()
    with working_db(settings) as con:
        ingest_delivery(con, settings.inbox_dir, "rural", DAY)
        ingest_delivery(con, settings.inbox_dir, "rural", DAY)  # re-running changes nothing
        statuses = con.execute("select status from audit.files order by file_name").fetchall()
        rows = con.execute("select count(*) from staging.rural_subsidies").fetchone()[0]
    assert statuses == [("staged",), ("duplicate",)] and rows == 1


def test_a_returned_worklist_whose_every_row_is_wrong_is_quarantined_row_by_row(data_dir):
    """Returns add up rather than replace a snapshot: one cadre's typo in a one-case worklist
    quarantines that row and leaves the file (and the county's day) standing."""
    text = "疑点编号,核实结果,核实人,核实日期\r\nYL-01-0123456789ab,数据错误,李网格,2026-11-30\r\n"
    files, rejected = ingest_files(data_dir, {"返回.csv": text.encode("utf-8")})
    assert [f[1:5] for f in files] == [("staged", 1, 0, 1)]
    assert [(row, code) for row, code, _, _ in rejected] == [(2, "BAD_VALUE")]
