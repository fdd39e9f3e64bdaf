"""The second count of a file's data rows, with other libraries than the reader's, and the
ledger check that holds the reader to it."""

from __future__ import annotations

import hashlib
from datetime import date

import openpyxl
from builders import HEADERS, csv_text, payment, person_id

from checks.ledger import ledger_check_results
from pipelines.ingest.count import count_data_rows
from pipelines.ingest.read import read_file
from pipelines.ingest.stage import ingest_delivery
from pipelines.settings import load_settings
from pipelines.warehouse import working_db

DAY = date(2026, 11, 30)
STUDENT = person_id("20090301", 21)
HH = "4112241000010001"


def test_delimited_text_counted_by_hand(tmp_path):
    text = csv_text("rural_subsidies", [payment("2026秋", HH, "张小明", STUDENT)] * 2, title="标题")
    text += "\r\n,,,,,,,,,\r\n"  # a blank line and a row of empty fields: not data
    text += f'2026秋,{HH},"张\r\n小明",{STUDENT},学校,中职,2025级,1500,2026-10-01,已发放\r\n'
    text += f"2026秋,{HH},张小明,{STUDENT},学校,中职,2025级,1500,2026-10-01,已发放,多余\r\n"
    text += "合计,,,,,,,3000,,\r\n"
    path = tmp_path / "补助.csv"
    path.write_bytes(text.encode("gb18030"))
    read = read_file(path, "rural")
    # two payments, the one with a line break in a quoted name, the long one, the totals row
    assert count_data_rows(path, read, read.extracts[0]) == 5
    assert sum(len(c.rows) + len(c.set_aside) for c in read.extracts[0].chunks()) == 5


def test_workbook_counted_by_hand(tmp_path):
    path = tmp_path / "补助.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active["A1"] = "本表为导出数据"
    sheet = book.create_sheet("明细")
    sheet["A1"] = "雨露计划补助发放明细"
    sheet.append(HEADERS["rural_subsidies"])
    row = payment("2026秋", HH, "张小明", STUDENT)
    for _ in range(3):
        sheet.append([row[h] for h in HEADERS["rural_subsidies"]])
    sheet.append([])
    sheet.append(["合计"])
    sheet.cell(40, 12, " ")  # a stray space far to the right and below: not data
    book.save(path)
    read = read_file(path, "rural")
    assert read.extracts[0].sheet == "明细"
    assert count_data_rows(path, read, read.extracts[0]) == 4


def test_the_ledger_check_fails_when_the_reader_and_the_second_count_disagree(data_dir):
    folder = data_dir / "inbox" / DAY.isoformat() / "rural"
    folder.mkdir(parents=True)
    text = csv_text("rural_subsidies", [payment("2026秋", HH, "张小明", STUDENT)])
    (folder / "补助.csv").write_bytes(text.encode("utf-8"))
    settings = load_settings()
    with working_db(settings) as con:
        ingest_delivery(con, settings.inbox_dir, "rural", DAY)
        assert con.execute("select rows_read, rows_counted from audit.files").fetchall() == [(1, 1)]
        assert all(r.passed for r in ledger_check_results(con, "rural", DAY))
        con.execute("update audit.files set rows_counted = 2")  # a row the reader lost
        results = {r.asset_key.path[-1]: r for r in ledger_check_results(con, "rural", DAY)}
    assert not results["rural_subsidies"].passed
    sha = hashlib.sha256((folder / "补助.csv").read_bytes()).hexdigest()
    assert results["rural_subsidies"].metadata["files"].value == sha[:12]
