"""Export safety (issue 4, items 3 and 6): masking, fingerprints, what to check per rule, and
workbooks that never hold a formula or a number made of an ID, on their own and as the real
job writes them from a generated county.

Expected values are worked out here: masks by the rule of DESIGN §7, MD5 by hashlib and its
published test vectors (RFC 1321), never by the code under test.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import day_range, run_days

from pipelines.export.checkpoints import GENERAL, checkpoint
from pipelines.export.folder import export_day
from pipelines.export.workbook import Column, Sheet, write_workbook
from pipelines.masking import mask_id, mask_name, mask_text
from pipelines.sample.generate import generate
from pipelines.settings import REPO_ROOT, load_settings
from pipelines.verification.outcomes import fingerprint, fingerprint_sql

DAYS = day_range(date(2026, 11, 30), 3)
FORMULA_STARTS = ("=", "+", "-", "@")
# A resident ID anywhere in a text: 18 characters or 15 digits, not inside a longer number
ID_IN_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
# Every rule code the brief names, whether or not its rule exists yet
BRIEF_CODES = (
    [f"ID-0{i}" for i in range(1, 8)]
    + ["DUP-01"]
    + [f"HH-0{i}" for i in range(1, 6)]
    + [f"YL-0{i}" for i in range(1, 9)]
    + [f"EMP-0{i}" for i in range(1, 6)]
    + ["LINK-02"]
)


def test_ids_show_their_first_six_and_last_four():
    assert mask_id("41122420050327288X") == "411224********288X"
    assert mask_id("411224850101123") == "411224*****1123"  # the legacy 15 digits
    assert mask_id(None) == ""


def test_names_show_their_surname_and_one_star():
    assert mask_name("侯俊菊") == "侯*"
    assert mask_name("欧阳娜娜") == "欧*"
    assert mask_name("李") == "李*"
    assert mask_name("") == ""


def test_detail_texts_lose_names_and_ids_but_keep_household_numbers():
    detail = (
        "乡村振兴：侯俊菊；人社：侯花强；证号411224200503272880，旧号 411224850101123，"
        "户编号 4112241000010001"
    )
    assert mask_text(detail, ["侯俊菊", "侯花强"]) == (
        "乡村振兴：侯*；人社：侯*；证号411224********2880，旧号 411224*****1123，"
        "户编号 4112241000010001"
    )


def test_the_fingerprint_is_the_start_of_the_md5_of_the_detail():
    # RFC 1321 test vectors: md5("") = d41d8cd9…, md5("abc") = 90015098…
    assert fingerprint("") == "d41d8cd9"
    assert fingerprint("abc") == "90015098"
    detail = "乡村振兴：2026年秋季学期已发放2笔补助，合计3000元"
    expected = hashlib.md5(detail.encode("utf-8")).hexdigest()[:8]
    assert fingerprint(detail) == expected
    with duckdb.connect() as con:
        [(in_sql,)] = con.execute(
            f"select {fingerprint_sql('d')} from (select ?::varchar as d)", [detail]
        ).fetchall()
    assert in_sql == expected


def test_the_fingerprint_leaves_out_where_the_record_sits_in_its_extract():
    """A row inserted above moves a record from line 433 to 434: what it says is unchanged."""
    before = "乡村振兴「家庭成员信息」第433行：证件号码校验码错误；人社「就业登记信息」第2、7行"
    after = "乡村振兴「家庭成员信息」第434行：证件号码校验码错误；人社「就业登记信息」第3、8行"
    changed = (
        "乡村振兴「家庭成员信息」第434行：证件号码为17位，应为18位；人社「就业登记信息」第3、8行"
    )
    assert fingerprint(before) == fingerprint(after) != fingerprint(changed)
    bare = "乡村振兴「家庭成员信息」：证件号码校验码错误；人社「就业登记信息」"
    assert fingerprint(before) == hashlib.md5(bare.encode("utf-8")).hexdigest()[:8]
    with duckdb.connect() as con:
        in_sql = [
            con.execute(
                f"select {fingerprint_sql('d')} from (select ?::varchar as d)", [d]
            ).fetchall()[0][0]
            for d in (before, after, changed)
        ]
    assert in_sql == [fingerprint(before), fingerprint(after), fingerprint(changed)]


def test_an_id_typed_into_a_household_or_free_text_column_is_masked_in_the_lists():
    from pipelines.export.village_lists import _text

    assert _text("411224200801010010") == "411224********0010"
    assert _text("4112241000010001") == "4112241000010001"  # a 16-digit 户编号 is no ID
    assert _text("卢氏县职业中等专业学校") == "卢氏县职业中等专业学校"


def test_every_rule_code_has_what_to_check_and_an_unknown_one_the_general_sentence():
    for code in BRIEF_CODES:
        assert checkpoint(code).endswith("。"), code
    assert checkpoint("ZZ-99") == GENERAL
    # the codes DESIGN §6 defines have a sentence of their own
    defined = {"ID-01", "ID-05", "ID-07", "DUP-01", "HH-04", "YL-01", "YL-05", "EMP-01", "LINK-02"}
    assert all(checkpoint(code) != GENERAL for code in defined)


DANGEROUS = [
    "=1+1",
    '=HYPERLINK("http://example.invalid","点击")',
    "+86 13800138000",
    "-2+3",
    "@SUM(A1:A2)",
    "=cmd|' /C calc'!A0",
]
LONG_DIGITS = ["411224200503272880", "4112241000010001", "13800138000", "0012345", "1E5"]


def _all_cells(path: Path):
    book = openpyxl.load_workbook(path)
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield sheet.title, cell


def test_text_that_looks_like_a_formula_or_a_number_is_written_as_text(tmp_path: Path):
    path = tmp_path / "book.xlsx"
    values = DANGEROUS + LONG_DIGITS
    sheet = Sheet("表", [Column("文本"), Column("年龄", number=True)], [[v, 17] for v in values])
    write_workbook(path, [sheet], notes=["=不是公式"])
    cells = list(_all_cells(path))
    assert not [c.coordinate for _, c in cells if c.data_type == "f"]
    texts = {c.value: c for _, c in cells if c.column == 1 and c.row > 1}
    assert set(texts) >= set(values)
    for value in values:
        assert texts[value].data_type == "s", value
        assert texts[value].quotePrefix, value  # an edit in Excel keeps it text
    assert all(
        c.value == 17 and c.data_type == "n" for _, c in cells if c.column == 2 and c.row > 1
    )
    assert not list(tmp_path.glob(".*"))  # the temporary name is gone


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated county run for three days through the job; its data folder."""
    root = tmp_path_factory.mktemp("county")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("YULU_DATA_DIR", str(root / "data"))
        env.setenv("YULU_REFERENCE_DIR", str(REPO_ROOT / "data" / "reference"))
        env.setenv("DAGSTER_HOME", str(root / "dagster"))
        settings = load_settings()
        generate(settings.data_dir, settings.reference_dir, households=300, days=3, seed=3)
        run_days(DAYS)
        yield settings.data_dir


def _people(con: duckdb.DuckDBPyConnection) -> tuple[set[str], set[str]]:
    """Every ID (as cleaned, and as a join key) and every name any staged extract holds."""
    kinds = [
        t
        for (t,) in con.execute(
            "select table_name from information_schema.columns where table_schema = 'staging' "
            "and column_name = 'id_cleaned'"
        ).fetchall()
    ]
    ids, names = set(), set()
    for kind in kinds:
        for number, cleaned, name in con.execute(
            f"select id_number, id_cleaned, name from staging.{kind}"
        ).fetchall():
            ids |= {v for v in (number, cleaned) if v and len(v) >= 15}
            names |= {name} if name and len(name) > 1 else set()
    return ids, names


def test_no_id_and_no_full_name_in_any_exported_cell(county: Path):
    with duckdb.connect(str(county / "warehouse" / "work.duckdb"), read_only=True) as con:
        ids, names = _people(con)
    assert len(ids) > 500 and len(names) > 500
    books = sorted((county / "exports").rglob("*.xlsx"))
    assert {d.isoformat() for d in DAYS} == {p.name for p in (county / "exports").iterdir()}
    assert len(books) > 100
    scanned, found = 0, []
    for path in books:
        for sheet, cell in _all_cells(path):
            text = str(cell.value)
            scanned += 1
            if ID_IN_TEXT.search(text) or any(number in text for number in ids):
                found.append(f"{path.name}!{sheet}!{cell.coordinate}: an ID")
            if any(name in text for name in names):
                found.append(f"{path.name}!{sheet}!{cell.coordinate}: a name")
    assert scanned > 1000
    assert not found, found[:10]


def test_the_job_writes_no_formula_and_keeps_codes_as_text(county: Path):
    for path in sorted((county / "exports").rglob("*.xlsx")):
        for sheet, cell in _all_cells(path):
            assert cell.data_type != "f", (path.name, sheet, cell.coordinate)
            if cell.row > 1 and sheet == "疑点核实" and cell.column in (1, 4, 6, 9):
                assert cell.data_type == "s", (path.name, cell.coordinate)  # IDs, codes


def test_formula_text_from_the_records_stays_text(county: Path, tmp_path: Path):
    """A detail, a name and a school name starting with = + - @ in the working database:
    the exports of the day hold them as string cells."""
    work = tmp_path / "work.duckdb"
    shutil.copyfile(county / "warehouse" / "work.duckdb", work)
    day = DAYS[-1]
    with duckdb.connect(str(work)) as con:
        cases = con.execute(
            "select case_id, id_number from reconcile.discrepancies where as_of = ? "
            "and id_number is not null and village_code is not null order by case_id limit 3",
            [day],
        ).fetchall()
        for (case, _), detail in zip(cases, DANGEROUS, strict=False):
            con.execute(
                "update reconcile.discrepancies set detail = ? where as_of = ? and case_id = ?",
                [detail, day, case],
            )
        person = cases[0][1]
        for table in ("members", "subsidies", "intents", "enrollments", "employment"):
            con.execute(
                f"update conform.{table} set name = '+周星星' where as_of = ? and id_number = ?",
                [day, person],
            )
        con.execute(
            "update reconcile.enrolled_students set school_name = '@SUM(1+1)' where as_of = ?",
            [day],
        )
        written = export_day(con, tmp_path / "exports", day)
    assert written.worklists > 0 and written.list_workbooks > 0
    seen = {}
    for path in (tmp_path / "exports").rglob("*.xlsx"):
        for _, cell in _all_cells(path):
            assert cell.data_type != "f", (path.name, cell.coordinate)
            seen.setdefault(cell.value, set()).add(cell.data_type)
    for value in DANGEROUS[: len(cases)] + ["@SUM(1+1)", "+*"]:
        assert seen.get(value) == {"s"}, value


def _values(path: Path) -> list:
    return [(sheet, cell.coordinate, cell.value) for sheet, cell in _all_cells(path)]


def test_lists_that_did_not_change_are_copied_from_the_day_before(county: Path, tmp_path: Path):
    """A day exported again, beside the earlier days' folders: a village whose lists are what
    they were gets the earlier file, byte for byte; one whose lists changed gets a new one; and
    every workbook reads as a fresh export (into an empty folder) reads."""
    work, exports = tmp_path / "work.duckdb", tmp_path / "exports"
    shutil.copyfile(county / "warehouse" / "work.duckdb", work)
    shutil.copytree(county / "exports", exports)
    before, day = DAYS[-2], DAYS[-1]
    with duckdb.connect(str(work)) as con:
        [(village,)] = con.execute(
            "select village_code from reconcile.enrolled_students where as_of = ? "
            "and village_code is not null order by village_code limit 1",
            [day],
        ).fetchall()
        con.execute(
            "update reconcile.enrolled_students set school_name = '改过的学校' "
            "where as_of = ? and village_code = ?",
            [day, village],
        )
        export_day(con, exports, day)
        export_day(con, tmp_path / "fresh", day)
    books = sorted(
        p.relative_to(exports / day.isoformat())
        for p in (exports / day.isoformat()).rglob("*四类清单.xlsx")
    )
    assert len(books) > 20
    copied = changed = 0
    for book in books:
        path, earlier = exports / day.isoformat() / book, exports / before.isoformat() / book
        assert _values(path) == _values(tmp_path / "fresh" / day.isoformat() / book), book
        if book.name.startswith(village):
            assert "改过的学校" in {v for _, _, v in _values(path)}
            assert not earlier.exists() or earlier.read_bytes() != path.read_bytes()
            changed += 1
        elif earlier.exists() and earlier.read_bytes() == path.read_bytes():
            copied += 1
    assert changed == 1
    assert copied > len(books) // 2  # most villages' lists are the same two days running
