"""Files whose format is not what their name says, and the parts of a workbook that are not
records: each fixture is built here, and the staged values are checked cell by cell."""

from __future__ import annotations

import io
import os
from datetime import date

import openpyxl
import pytest
import xlwt
from builders import HEADERS, csv_text, payment, person_id
from conftest import DAY, ingest_files
from msoffcrypto.format.ooxml import OOXMLFile

from pipelines.ingest.read import read_file
from pipelines.ingest.stage import ingest_delivery
from pipelines.settings import load_settings
from pipelines.warehouse import working_db

HH = "0411224100001"  # a household ID with a leading zero, which must survive every format
PAY = HEADERS["rural_subsidies"]
IDS = [person_id("20090301", 21), person_id("20081115", 42), person_id("20070520", 63)]


def _staged(columns: str = "source_row, household_id, name, id_number, paid_on"):
    with working_db(load_settings()) as con:
        return con.execute(f"select {columns} from staging.rural_subsidies order by 1").fetchall()


def test_a_real_binary_xls_is_read_with_its_error_cells_and_without_its_hidden_sheet(data_dir):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("补助名单", cell_overwrite_ok=True)
    dated = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for c, h in enumerate(PAY):
        sheet.write(0, c, h)
    serial = (date(2026, 10, 20) - date(1899, 12, 30)).days  # Excel counts days from here
    for r, (name, id_number) in enumerate(zip(["张三", "李四"], IDS[:2], strict=True), start=1):
        for c, h in enumerate(PAY):
            sheet.write(r, c, payment("2026秋", HH, name, id_number)[h])
        sheet.write(r, PAY.index("发放日期"), serial, dated)
    sheet.row(2).set_cell_error(PAY.index("发放状态"), 0x2A)  # BIFF code of #N/A
    hidden = book.add_sheet("旧名单")
    hidden.visibility = 1
    for c, h in enumerate(PAY):
        hidden.write(0, c, h)
        hidden.write(1, c, payment("2025秋", HH, "王五", IDS[2])[h])
    path = data_dir / "补助.xls"
    book.save(str(path))

    files, rejected = ingest_files(data_dir, {"补助.xls": path.read_bytes()})

    assert files[0][1:6] == ("staged", 2, 1, 1, 2)  # counted again by xlrd
    assert "隐藏的工作表「旧名单」" in files[0][6]
    assert [r[:2] for r in rejected] == [(3, "CELL_ERROR")]
    assert rejected[0][2].startswith("列「发放状态」是 Excel 公式错误值（#N/A）")
    assert _staged() == [(2, HH, "张三", IDS[0], date(2026, 10, 20))]


def test_a_web_page_saved_as_xls_is_read_as_the_table_excel_shows(data_dir):
    rows = [payment("2026秋", HH, n, i) for n, i in zip(["张三", "李四", "赵六"], IDS, strict=True)]
    body = "".join(
        "<tr>"
        + (f'<td rowspan="2">{r["学期"]}</td>' if k == 0 else "<td>2026秋</td>" if k == 2 else "")
        + "".join(f"<td>\n  {r[h]}\n</td>" for h in PAY[1:])
        + "</tr>"
        for k, r in enumerate(rows)
    )
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head>'
        f'<body><table border="1"><tr><td colspan="{len(PAY)}">卢氏县雨露计划补助发放名单</td></tr>'
        + "<tr>"
        + "".join(f"<th>{h}</th>" for h in PAY)
        + "</tr>"
        + body
        + "<tr><td>制表人：王五</td></tr></table></body></html>"
    )

    files, rejected = ingest_files(data_dir, {"名单.xls": page.encode("gbk")})

    assert files[0][1:6] == ("staged", 4, 3, 1, 4)  # the footer is a row read, set aside
    assert [r[:2] for r in rejected] == [(6, "FOOTER_ROW")]
    staged = _staged("source_row, household_id, name, id_number, term")
    assert staged == [
        (3, HH, "张三", IDS[0], "2026-autumn"),  # the first row's term spans two rows
        (4, HH, "李四", IDS[1], "2026-autumn"),
        (5, HH, "赵六", IDS[2], "2026-autumn"),
    ]
    with working_db(load_settings()) as con:
        ledger = con.execute("select file_format, encoding from audit.files").fetchall()
    assert ledger == [("html", "gbk")]


def test_a_notes_sheet_repeating_the_column_names_is_left_out(data_dir):
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "填表说明"
    notes.append(PAY)
    notes.append(["学期按“2026秋”填写，金额单位为元"])
    data = book.create_sheet("名单")
    data.append(PAY)
    data.append([payment("2026秋", HH, "张三", IDS[0])[h] for h in PAY])
    path = data_dir / "p.xlsx"
    book.save(path)

    files, rejected = ingest_files(data_dir, {"p.xlsx": path.read_bytes()})

    assert files[0][1:6] == ("staged", 1, 1, 0, 1) and rejected == []
    assert "说明页「填表说明」" in files[0][6]


def test_signature_and_note_lines_under_the_table_are_set_aside_not_quarantined_as_records(
    data_dir,
):
    rows = [payment("2026秋", HH, "张三", IDS[0])]
    text = csv_text("rural_subsidies", rows) + "制表人：王五,,审核人：赵六\r\n注：金额单位为元\r\n"
    files, rejected = ingest_files(data_dir, {"p.csv": text.encode("gbk")})
    assert files[0][1:6] == ("staged", 3, 1, 2, 3)
    assert [r[:2] for r in rejected] == [(3, "FOOTER_ROW"), (4, "FOOTER_ROW")]


def _passing_id_ending_000() -> str:
    """An ID whose 顺序码 ends in 00 and whose check digit happens to be 0."""
    births = (f"2008{m:02d}{d:02d}" for m in (1, 2, 3) for d in range(1, 29))
    return next(i for i in (person_id(b, 100) for b in births) if i.endswith("000"))


def test_ids_that_went_through_excel_as_numbers_are_truncated_not_keys(data_dir):
    """Saved with Excel's "0" format, every ID comes back with 000 for its last three digits;
    about one in eleven of those still passes the check digit and must not become a key."""
    rounded = [_passing_id_ending_000(), IDS[0][:-3] + "000", IDS[1][:-3] + "000"]
    rows = [payment("2026秋", HH, f"学生{k}", i) for k, i in enumerate(rounded)]
    ingest_files(data_dir, {"p.csv": csv_text("rural_subsidies", rows).encode()})
    with working_db(load_settings()) as con:
        found = con.execute(
            "select id_cleaned, id_status, id_number from staging.rural_subsidies order by 1"
        ).fetchall()
    assert found == sorted((i, "truncated", None) for i in rounded)


def test_one_real_id_ending_in_000_among_ordinary_ones_stays_a_key(data_dir):
    """Even on two rows (paid for two terms): the rule counts distinct IDs, not rows."""
    real = _passing_id_ending_000()
    others = [person_id("20090301", n) for n in range(1, 5)]
    rows = [payment("2026秋", HH, f"学生{k}", i) for k, i in enumerate([real, *others])]
    rows.append(payment("2026春", HH, "学生0", real))
    ingest_files(data_dir, {"p.csv": csv_text("rural_subsidies", rows).encode()})
    with working_db(load_settings()) as con:
        status = con.execute(
            "select id_status, id_number from staging.rural_subsidies where id_cleaned = ?", [real]
        ).fetchall()
    assert status == [("valid", real)] * 2


def _xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_password(workbook: bytes) -> bytes:
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(workbook)).encrypt("口令", encrypted)
    return encrypted.getvalue()


GOOD_CSV = csv_text(
    "rural_subsidies", [payment("2026秋", HH, n, i) for n, i in zip("甲乙", IDS[:2], strict=True)]
)
GOOD_XLSX = _xlsx([PAY, *([payment("2026秋", HH, "甲", IDS[0])[h] for h in PAY] for _ in "x")])


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (csv_text("rural_subsidies", []).encode(), "NO_ROWS", "只有表头"),
        (
            (csv_text("rural_subsidies", []) + "合计,,,,,,,0,,\r\n").encode(),
            "NO_ROWS",
            "只有1行合计",
        ),
        (_xlsx([PAY]), "NO_ROWS", "只有表头"),
        (GOOD_CSV.encode()[: GOOD_CSV.encode().rindex(b",") - 3], "TRUNCATED", "第3行中途结束"),
        (GOOD_CSV.encode("gbk")[:-5], "TRUNCATED", "一个字的中间结束"),  # cut inside a character
        (GOOD_CSV.encode()[:-4], "TRUNCATED", "一个字的中间结束"),  # UTF-8: a byte of 放 left
        (GOOD_XLSX[: len(GOOD_XLSX) // 2], "UNREADABLE", "文件已损坏"),
        (GOOD_XLSX[:1000] + b"\x00" * 500 + GOOD_XLSX[1500:], "UNREADABLE", "损坏"),
        (_with_password(GOOD_XLSX), "PASSWORD", "打开密码"),
    ],
    ids=[
        "header-only",
        "totals-only",
        "xlsx-header-only",
        "text-cut-mid-line",
        "gbk-cut-mid-character",
        "utf8-cut-mid-character",
        "xlsx-cut-in-half",
        "zip-zeroed",
        "password",
    ],
)
def test_broken_files_are_refused_whole_and_stage_nothing(data_dir, data, code, words):
    files, rejected = ingest_files(data_dir, {"坏.dat": data, "好.csv": GOOD_CSV.encode()})
    assert [(f[0], f[1], f[7]) for f in files] == [
        ("坏.dat", "rejected", code),
        ("好.csv", "staged", None),
    ]
    assert words in files[0][6] and files[0][2:5] == (0, 0, 0) and rejected == []
    assert [r[1] for r in _staged()] == [HH, HH]  # only the good file's two rows


def test_a_file_read_in_chunks_stages_what_it_stages_in_one(data_dir, monkeypatch):
    """Rows are staged a chunk at a time; a file is still judged as a whole: IDs rounded by
    Excel in one chunk and the next, and a fault on the last line that takes the file out."""
    ids = [person_id(f"200903{day:02d}", 11) for day in range(1, 7)]
    rounded = [ids[0][:-3] + "000", ids[1][:-3] + "000"]  # rows 2 and 6: chunks 1 and 3
    rows = [payment("2026秋", HH, f"学生{k}", i) for k, i in enumerate([rounded[0], *ids[2:5]])]
    rows += [payment("2026秋", HH, "学生9", rounded[1]), {**rows[1], "学生姓名": ""}]
    text = csv_text("rural_subsidies", rows)
    monkeypatch.setattr("pipelines.ingest.read.CHUNK_ROWS", 2)
    files, rejected = ingest_files(
        data_dir, {"p.csv": text.encode(), "cut.csv": text[:-8].encode()}
    )
    assert [f[:6] for f in files] == [
        ("cut.csv", "rejected", 0, 0, 0, None),
        ("p.csv", "staged", 6, 5, 1, 6),
    ]
    assert [r[:2] for r in rejected] == [(7, "REQUIRED")]
    with working_db(load_settings()) as con:
        found = con.execute(
            "select source_row, id_status from staging.rural_subsidies order by 1"
        ).fetchall()
        files_staged = con.execute(
            "select count(distinct file_sha256) from staging.rural_subsidies"
        ).fetchone()
    assert found == [(2, "truncated"), (3, "valid"), (4, "valid"), (5, "valid"), (6, "truncated")]
    assert files_staged == (1,)


def test_a_file_name_left_in_gbk_bytes_by_an_unzip_is_read_and_named(data_dir):
    folder = data_dir / "inbox" / DAY.isoformat() / "rural"
    folder.mkdir(parents=True)
    name = os.fsdecode("补助名单.csv".encode("gbk"))  # what Linux shows of a Windows zip name
    (folder / name).write_text(GOOD_CSV, encoding="utf-8")
    with working_db(load_settings()) as con:
        [outcome] = ingest_delivery(con, load_settings().inbox_dir, "rural", DAY)
        ledger = con.execute("select file_name, status from audit.files").fetchall()
    assert (outcome.status, ledger) == ("staged", [("补助名单.csv", "staged")])


def test_blank_looking_rows_and_spans_past_the_last_record_make_no_record(data_dir):
    """A row of &nbsp; under the table, and a merged cell reaching down into blank rows above a
    signature: no phantom record, and the second count agrees with the reader."""
    rows = [payment("2026秋", HH, n, i) for n, i in zip(["张三", "李四"], IDS[:2], strict=True)]
    body = "".join(
        "<tr>"
        + (f'<td rowspan="4">{r["学期"]}</td>' if k == 0 else "")
        + "".join(f"<td>{r[h]}</td>" for h in PAY[1:])
        + "</tr>"
        for k, r in enumerate(rows)
    )
    page = (
        "<html><body><table><tr>"
        + "".join(f"<th>{h}</th>" for h in PAY)
        + "</tr>"
        + body
        + "<tr><td>&nbsp;</td><td>\u3000</td></tr><tr></tr>"
        + "<tr><td>制表人：王五</td></tr></table></body></html>"
    )
    files, rejected = ingest_files(data_dir, {"名单.xls": page.encode()})
    assert files[0][1:6] == ("staged", 3, 2, 1, 3)
    assert [r[:2] for r in rejected] == [(6, "FOOTER_ROW")]


def test_records_run_on_into_a_sheet_without_header_refuse_the_file(data_dir):
    book = openpyxl.Workbook()
    book.active.append(PAY)
    book.active.append([payment("2026秋", HH, "张三", IDS[0])[h] for h in PAY])
    more = book.create_sheet("Sheet2")  # the export ran on: 李四 has no header above him
    more.append([payment("2026秋", HH, "李四", IDS[1])[h] for h in PAY])
    chart = book.create_sheet("图表")  # a sheet of a few words is no record
    chart.append(["补助人数", 2])
    buffer = io.BytesIO()
    book.save(buffer)
    files, _ = ingest_files(data_dir, {"p.xlsx": buffer.getvalue()})
    assert files[0][1] == "rejected" and files[0][7] == "NO_HEADER"
    assert "工作表「Sheet2」" in files[0][6]
    del book["Sheet2"]
    book.save(data_dir / "without.xlsx")
    read = read_file(data_dir / "without.xlsx", "rural")  # the few words alone are no records
    assert [e.sheet for e in read.extracts] == ["Sheet"]


@pytest.mark.parametrize(
    "page",
    [
        lambda table: ("<html><body>" + table + "</body></html>").encode("utf-16"),
        lambda table: ("<head><style>" + "td{}" * 5000 + "</style></head><body>" + table).encode(),
        lambda table: ("导出自某系统\n<html><body>" + table).encode("gbk"),
        lambda table: ('<?xml version="1.0" encoding="utf-8"?><html><body>' + table).encode(),
        lambda table: ("<html><body><table><tr><td>" + table + "</td></tr></table>").encode(),
    ],
    ids=["utf-16", "long-head", "text-first", "xhtml", "layout-table"],
)
def test_web_pages_however_they_open_are_read_as_tables(data_dir, page):
    rows = [payment("2026秋", HH, n, i) for n, i in zip(["张三", "李四"], IDS[:2], strict=True)]
    table = (
        "<table><tr>"
        + "".join(f"<th>{h}</th>" for h in PAY)
        + "</tr>"
        + "".join("<tr>" + "".join(f"<td>{r[h]}</td>" for h in PAY) + "</tr>" for r in rows)
        + "</table>"
    )
    files, rejected = ingest_files(data_dir, {"名单.xls": page(table)})
    assert files[0][1:6] == ("staged", 2, 2, 0, 2) and rejected == []
    assert [r[2] for r in _staged()] == ["张三", "李四"]


def test_a_stray_value_far_away_in_an_xls_refuses_it_before_it_is_loaded(data_dir):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名单")
    for c, h in enumerate(PAY):
        sheet.write(0, c, h)
        sheet.write(1, c, payment("2026秋", HH, "张三", IDS[0])[h])
    sheet.write(65535, 255, "x")  # IV65536, the last cell an .xls has
    path = data_dir / "p.xls"
    book.save(str(path))
    files, _ = ingest_files(data_dir, {"p.xls": path.read_bytes()})
    assert files[0][1] == "rejected" and files[0][7] == "SHEET_TOO_LARGE"
    assert "工作表「名单」" in files[0][6] and "第65536行、第IV列" in files[0][6]


def test_files_in_a_subfolder_are_read_and_named_with_it(data_dir):
    files, _ = ingest_files(
        data_dir,
        {
            "补助名单/补助.csv": GOOD_CSV.encode(),
            "__MACOSX/补助名单/._补助.csv": b"\x00\x05\x16\x07",  # a Mac zip's resource fork
        },
    )
    assert [f[:3] for f in files] == [("补助名单/补助.csv", "staged", 2)]


def test_the_same_table_exported_twice_is_staged_once(data_dir):
    """Another title (the export time) makes other bytes; the records are the same payments."""
    rows = [payment("2026秋", HH, n, i) for n, i in zip(["张三", "李四"], IDS[:2], strict=True)]
    first = csv_text("rural_subsidies", rows, title="补助名单（导出时间 09:01）")
    second = csv_text("rural_subsidies", rows, title="补助名单（导出时间 09:07）")
    other = csv_text("rural_subsidies", rows[:1])  # one of the two: a file of its own
    files, _ = ingest_files(
        data_dir, {"a.csv": first.encode(), "b.csv": second.encode(), "c.csv": other.encode()}
    )
    assert [f[:4] for f in files] == [
        ("a.csv", "staged", 2, 2),
        ("b.csv", "duplicate", 0, 0),
        ("c.csv", "staged", 1, 1),
    ]
    assert "a.csv" in files[1][6]
    assert [r[1] for r in _staged()] == [HH] * 3
