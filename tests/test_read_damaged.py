"""Damaged extracts: each is either read without loss or refused as a whole with a message that
names what is wrong, and one bad file never stops the rest of a delivery."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest
import xlsxwriter
from builders import HEADERS, csv_text, intent, job, member, payment, person_id
from conftest import ingest_files

from pipelines.ingest.read import FileRejected, read_file
from pipelines.settings import load_settings
from pipelines.warehouse import working_db

HH = "4112241000010001"
STUDENT = person_id("20090301", 21)


def _pay(name: str = "张小明", **changes) -> dict:
    return {**payment("2026秋", HH, name, STUDENT), **changes}


@pytest.mark.parametrize(
    ("data", "words", "code"),
    [
        (b"\xef\xbb\xbf" + "学期,户编号\r\n".encode() + "张".encode("gbk"), "UTF-8", "ENCODING"),
        (b"\xff\xfe" + "学期".encode("utf-16-le") + b"\x0a", "中间结束", "TRUNCATED"),
        (b"\xef\xbb\xbf", "文件为空", "EMPTY"),
    ],
    ids=["bom-then-gbk", "utf16-odd-length", "bom-only"],
)
def test_broken_encodings_reject_the_file_and_the_next_file_is_still_read(
    data_dir, data, words, code
):
    good = csv_text("rural_subsidies", [_pay()]).encode("utf-8")
    files, _ = ingest_files(data_dir, {"a.csv": data, "b.csv": good})
    assert [(f[0], f[1]) for f in files] == [("a.csv", "rejected"), ("b.csv", "staged")]
    assert words in files[0][6] and "a.csv" in files[0][6] and files[0][7] == code


def test_a_gbk_file_with_a_line_pasted_in_utf8_is_refused_not_garbled(tmp_path):
    text = csv_text("rural_subsidies", [_pay("李四"), _pay("张伟")])
    head, pasted = text.rsplit("张伟", 1)
    path = tmp_path / "补助.csv"
    path.write_bytes(head.encode("gbk") + "张伟".encode() + pasted.encode("gbk"))
    with pytest.raises(FileRejected, match="第3行有 UTF-8 编码的文字") as rejected:
        read_file(path, "rural")
    assert rejected.value.reason_code == "MIXED_ENCODING"


def test_a_sheet_with_a_value_far_from_the_data_is_refused_before_it_is_loaded(tmp_path):
    path = tmp_path / "补助.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for c, h in enumerate(HEADERS["rural_subsidies"]):
        sheet.write_string(0, c, h)
    sheet.write_string(1_000_000, 16_000, "x")  # 16 billion cells from A1
    sheet.write_string(9, 40, "")  # formatting alone does not count
    book.close()
    with pytest.raises(FileRejected, match="数据区域过大") as rejected:
        read_file(path, "rural")
    assert rejected.value.reason_code == "SHEET_TOO_LARGE"
    assert "工作表「Sheet1」" in str(rejected.value) and "第1000001行" in str(rejected.value)


def test_data_on_two_sheets_is_all_read(data_dir):
    book = openpyxl.Workbook()
    for title, names in (("一月", ["甲", "乙"]), ("二月", ["丙"])):
        sheet = book.create_sheet(title)
        sheet.append(HEADERS["rural_subsidies"])
        for name in names:
            sheet.append([_pay(name)[h] for h in HEADERS["rural_subsidies"]])
    book.remove(book.worksheets[0])
    path = data_dir / "two.xlsx"
    book.save(path)
    files, _ = ingest_files(data_dir, {"two.xlsx": path.read_bytes()})
    assert files[0][1:6] == ("staged", 3, 3, 0, 3)


def test_two_kinds_in_one_workbook_are_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(HEADERS["rural_subsidies"])
    book.active.append([_pay()[h] for h in HEADERS["rural_subsidies"]])
    other = book.create_sheet("意愿")
    other.append(HEADERS["rural_intents"])
    path = tmp_path / "mixed.xlsx"
    book.save(path)
    with pytest.raises(FileRejected, match="一个文件中有多种报表"):
        read_file(path, "rural")


def test_a_header_repeated_in_the_data_is_quarantined_and_no_row_above_it_is_lost(data_dir):
    first = csv_text("rural_subsidies", [_pay("甲"), _pay("乙")])
    again = csv_text("rural_subsidies", [_pay("丙")])  # pasted below with its header
    files, rejected = ingest_files(data_dir, {"p.csv": (first + again).encode()})
    assert files[0][1:6] == ("staged", 4, 3, 1, 4)
    assert [r[:2] for r in rejected] == [(4, "HEADER_ROW")]


def test_an_unclosed_quote_refuses_the_file_naming_its_line(data_dir):
    rows = [intent(HH, f"学生{i}", person_id("20080101", 10 + i)) for i in range(4)]
    text = csv_text("rural_intents", rows).replace(",网格员\r\n", ',"网格员\r\n', 2)
    text = text.replace(',"网格员\r\n', ",网格员\r\n", 1)  # the second row opens a quote
    files, _ = ingest_files(data_dir, {"i.csv": text.encode()})
    assert files[0][1] == "rejected" and "第3行的引号未闭合" in files[0][6]


def test_rows_with_fields_missing_are_quarantined_not_shifted(data_dir):
    text = csv_text("hrss_employment", [job("张三", person_id("19900101", 11))])
    short = ["李四", person_id("19900202", 13), "已就业", "单位就业", "某公司", "县内"]
    text += ",".join([*short, "2025-03-01", "3000", "2025-03-02"]) + "\r\n"  # no credit code
    files, rejected = ingest_files(data_dir, {"e.csv": text.encode()}, "hrss")
    assert files[0][1:6] == ("staged", 2, 1, 1, 2)
    assert rejected[0][:2] == (3, "FIELD_COUNT") and "少于表头" in rejected[0][2]


def test_cells_past_the_header_are_kept_in_the_raw_text_of_a_quarantined_row(data_dir):
    text = csv_text("rural_subsidies", [_pay()])
    text += f"2026秋,{HH},张小明,{STUDENT},学校,中职,2025级,1500,2026-10-01,已发放,多余\r\n"
    _, rejected = ingest_files(data_dir, {"p.csv": text.encode()})
    assert json.loads(rejected[0][3])["第11列"] == "多余"


def test_a_file_whose_every_row_is_quarantined_is_refused_not_taken_as_empty(data_dir):
    """暂无数据 under the header would otherwise be the day's whole snapshot: no students."""
    text = csv_text("rural_subsidies", []) + "暂无数据,,,,,,,,,\r\n"
    files, rejected = ingest_files(data_dir, {"p.csv": text.encode()})
    assert files[0][1:5] == ("rejected", 0, 0, 0) and files[0][7] == "NO_VALID_ROWS"
    assert "无一通过校验" in files[0][6] and rejected == []


def test_totals_with_a_full_width_space_are_totals(data_dir):
    text = csv_text("rural_subsidies", [_pay()]) + "合\u3000计,,,,,,,1500,,\r\n"
    _, rejected = ingest_files(data_dir, {"p.csv": text.encode()})
    assert [r[1] for r in rejected] == ["TOTALS_ROW"]


def test_semicolons_in_the_text_do_not_make_them_the_separator(data_dir):
    rows = [{**intent(HH, "张三", STUDENT), "帮扶措施": "政策宣传;岗位推荐;技能培训;跟踪回访"}] * 3
    files, _ = ingest_files(data_dir, {"i.csv": csv_text("rural_intents", rows).encode()})
    assert files[0][1:4] == ("staged", 3, 3)


def test_two_columns_for_one_field_are_compared_row_by_row(data_dir):
    header = HEADERS["rural_subsidies"] + ["身份证号"]
    other = person_id("20080808", 33)
    rows = [
        [*_pay().values(), STUDENT],  # the same ID twice
        [*_pay(证件号码="").values(), STUDENT],  # only in the second column
        [*_pay().values(), other],  # two different IDs: not decided
    ]
    text = ",".join(header) + "\r\n" + "".join(",".join(r) + "\r\n" for r in rows)
    files, rejected = ingest_files(data_dir, {"p.csv": text.encode()})
    assert files[0][1:5] == ("staged", 3, 2, 1)
    assert "「证件号码」「身份证号」" in files[0][6]
    assert [r[:3] for r in rejected] == [(4, "CONFLICT", "列「证件号码」与「身份证号」的值不一致")]


def test_placeholders_and_control_characters_are_not_names_and_odd_digits_not_codes(data_dir):
    rows = [_pay("NULL"), _pay("#N/A"), _pay("张\x00三"), _pay(户编号="٤١١٢٢٤"), _pay("张三")]
    files, rejected = ingest_files(data_dir, {"p.csv": csv_text("rural_subsidies", rows).encode()})
    assert files[0][1:5] == ("staged", 5, 1, 4)
    assert [r[1] for r in rejected] == ["BAD_VALUE", "CELL_ERROR", "BAD_VALUE", "BAD_VALUE"]


def test_numbers_in_a_workbook_date_column_are_serials_only_where_they_can_be(data_dir):
    book = openpyxl.Workbook()
    header = HEADERS["rural_subsidies"]
    book.active.append(header)
    for paid_on in (date(2026, 10, 20), 46315, 2026, "2026-10-20"):  # 46315 is 2026-10-20
        row = [_pay()[h] for h in header]
        row[header.index("发放日期")] = paid_on
        book.active.append(row)
    path = data_dir / "p.xlsx"
    book.save(path)
    files, rejected = ingest_files(data_dir, {"p.xlsx": path.read_bytes()})
    assert files[0][1:5] == ("staged", 4, 3, 1)
    assert [r[:2] for r in rejected] == [(4, "BAD_VALUE")] and "发放日期" in rejected[0][2]
    with working_db(load_settings()) as con:
        dates = con.execute("select distinct paid_on from staging.rural_subsidies").fetchall()
    assert dates == [(date(2026, 10, 20),)]


# Legitimate files a guard or the second count once got wrong (a second bad-input round).


def test_gbk_text_of_gb2312_characters_is_never_taken_for_utf8(data_dir):
    # the GBK bytes of 宸风华 happen to be valid UTF-8 for two common characters
    rows = [job("王芳", person_id("19980101", 5)) | {"用人单位": "宸风华"}]
    files, _ = ingest_files(
        data_dir, {"e.csv": csv_text("hrss_employment", rows).encode("gbk")}, "hrss"
    )
    assert files[0][1:6] == ("staged", 1, 1, 0, 1)


def test_a_closed_quoted_cell_over_two_lines_with_commas_is_read(data_dir):
    header = "姓名,身份证号码,培训项目,培训类别,开始日期,结束日期,是否取得证书,备注\r\n"
    row = f"王五,{person_id('19990101', 3)},电工,就业技能培训,2026-03-01,2026-03-20,是,"
    row += '"地址:\n卢氏县,城关镇,东沟村,3组,12号"\r\n'
    files, _ = ingest_files(data_dir, {"t.csv": (header + row).encode()}, "hrss")
    assert files[0][1:6] == ("staged", 1, 1, 0, 1)


def test_rows_of_any_whitespace_and_header_lines_closed_by_blank_cells(data_dir):
    text = csv_text("rural_subsidies", [_pay("甲"), _pay("乙")])
    header, rest = text.split("\r\n", 1)
    text = header + ",,\r\n" + rest + "\u2003\r\n\x0c\r\n"  # em space, form feed
    files, _ = ingest_files(data_dir, {"p.csv": text.encode()})
    assert files[0][1:6] == ("staged", 2, 2, 0, 2)


def test_one_id_in_two_columns_differing_only_in_the_case_of_x_is_one_id(data_dir):
    header = HEADERS["rural_subsidies"] + ["身份证号"]
    x_id = person_id("20090301", 2)  # ends in X
    assert x_id.endswith("X")
    text = ",".join(header) + "\r\n" + ",".join([*_pay(证件号码=x_id).values(), x_id.lower()])
    files, _ = ingest_files(data_dir, {"p.csv": (text + "\r\n").encode()})
    assert files[0][1:5] == ("staged", 1, 1, 0)


def test_a_failed_formula_is_quarantined_never_read_as_blank(data_dir):
    path = data_dir / "p.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for c, h in enumerate(HEADERS["rural_subsidies"]):
        sheet.write_string(0, c, h)
        sheet.write_string(1, c, _pay()[h])
    sheet.write_formula(2, 2, "=NA()", None, "#N/A")  # 学生姓名, alone on its row
    book.close()
    files, rejected = ingest_files(data_dir, {"p.xlsx": path.read_bytes()})
    assert files[0][1:6] == ("staged", 2, 1, 1, 2)
    assert [r[:2] for r in rejected] == [(3, "CELL_ERROR")]
    reasons = rejected[0][2].split("；")
    assert reasons[:2] == ["列「学生姓名」是 Excel 公式错误值（#N/A）", "列「学期」为空"]
    assert not any("学生姓名" in r for r in reasons[1:])


def test_household_cells_merged_down_its_members_belong_to_each(data_dir):
    header = HEADERS["rural_members"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    people = [("张三", person_id("19700101", 11), "户主"), ("张小明", STUDENT, "之子")]
    for name, id_number, relation in people:
        row = member(HH, len(sheet["A"]), name, id_number, relation)
        sheet.append([row[h] for h in header])
    for col in (1, 2, 3, 6):  # county, township, village, 户编号 merged over both rows
        sheet.cell(3, col).value = None
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    path = data_dir / "m.xlsx"
    book.save(path)
    files, rejected = ingest_files(data_dir, {"m.xlsx": path.read_bytes()})
    assert files[0][1:6] == ("staged", 2, 2, 0, 2) and rejected == []
    with working_db(load_settings()) as con:
        households = con.execute("select distinct household_id from staging.rural_members")
        assert households.fetchall() == [(HH,)]
