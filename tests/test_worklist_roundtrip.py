"""A worklist goes out and comes back (issue 4, items 3 and 4), through the real Dagster job on
a generated county of two villages, so that one village's worklist holds many cases.

Day 1 (30 Nov) writes the worklists. A cadre fills one in (some 数据有误, some 属实, one 已整改,
some left blank, a date typed as 2026/12/1, and a few rows spoiled) and it is dropped, under a
new name, into the rural inbox of day 2. Day 3 brings a second return and a new subsidy
register in which the record behind one 数据有误 case has changed.

Expected values are worked out here from the rule (the brief's headers, MD5 by hashlib, the
latest outcome by 核实日期), never taken from the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import day_range, published, published_tables, read_answer_key, run_days

from pipelines.sample.generate import generate
from pipelines.settings import REPO_ROOT, load_settings

DAYS = day_range(date(2026, 11, 30), 3)
VILLAGES = ("411224100001", "411224100002")  # two villages of 城关镇
WORKLIST_HEADERS = [
    "疑点编号",
    "规则",
    "严重程度",
    "户编号",
    "姓名",
    "证件号码",
    "各部门记录",
    "核实要点",
    "核对码",
    "核实结果",
    "说明",
    "核实人",
    "核实日期",
]
CODES = {
    "属实": "confirmed",
    "已整改": "rectified",
    "数据有误": "data_error",
    "无法核实": "unverifiable",
}
HELD_BACK = {"数据有误", "已整改"}
SPOILED = 4  # rows the cadre spoiled: an unknown outcome, no case id, a bad date, a future date


def md5_8(text: str) -> str:
    """核对码 as the README states it: MD5 of the detail without its row numbers (第N行)."""
    without_rows = re.sub("第[0-9、]+行", "", text)
    return hashlib.md5(without_rows.encode("utf-8")).hexdigest()[:8]


def two_village_divisions(path: Path) -> Path:
    source = REPO_ROOT / "data" / "reference" / "divisions_411224.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line.split(",")[0] in VILLAGES]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


def read_worklists(data_dir: Path, day: date) -> dict[Path, list[dict]]:
    """Every worklist of the day: its rows by the brief's headers."""
    books = {}
    for path in sorted((data_dir / "exports" / day.isoformat()).rglob("*_疑点核实.xlsx")):
        sheet = openpyxl.load_workbook(path)["疑点核实"]
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == WORKLIST_HEADERS, path.name
        books[path] = [dict(zip(WORKLIST_HEADERS, r, strict=True)) for r in rows[1:]]
    return books


def case_ids_sent(data_dir: Path, day: date) -> set[str]:
    return {r["疑点编号"] for rows in read_worklists(data_dir, day).values() for r in rows}


def open_cases(data_dir: Path, day: date) -> dict[str, tuple[str, str | None, str]]:
    """case_id → (rule, id_number, detail) of the cases found on `day` (history)."""
    with published(data_dir) as con:
        rows = con.execute(
            "select case_id, rule_code, id_number, detail from history.discrepancies "
            "where as_of = ?",
            [day],
        ).fetchall()
    return {case: (rule, number, detail) for case, rule, number, detail in rows}


def _text_codec(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def change_payments(path: Path, id_number: str, amount: str) -> int:
    """Sets the amount of every payment to `id_number` in a subsidy register CSV; returns how
    many rows changed. IDs are compared as a person reads them (full-width digits, spaces)."""
    data = path.read_bytes()
    codec = _text_codec(data)
    rows = list(csv.reader(io.StringIO(data.decode(codec), newline="")))
    header = next(i for i, r in enumerate(rows) if any("补助金额" in c for c in r))
    amount_at = next(j for j, c in enumerate(rows[header]) if "补助金额" in c)
    id_at = next(j for j, c in enumerate(rows[header]) if "证件号码" in c)
    changed = 0
    for row in rows[header + 1 :]:
        if len(row) > max(id_at, amount_at):
            cell = "".join(unicodedata.normalize("NFKC", row[id_at]).split()).upper()
            if cell == id_number:
                row[amount_at] = amount
                changed += 1
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(codec))
    return changed


@dataclass
class Fill:
    """What the cadre wrote on one case (None: left blank)."""

    outcome: str | None
    by: str | None = None
    on: object = None
    note: str | None = None


def fill(path: Path, target: Path, fills: dict[str, Fill], spoil: dict[str, dict]) -> None:
    """Fills the worklist at `path` as a cadre would in Excel and saves it as `target`."""
    book = openpyxl.load_workbook(path)
    sheet = book["疑点核实"]
    column = {c.value: c.column for c in sheet[1]}
    for row in range(2, sheet.max_row + 1):
        case = sheet.cell(row, column["疑点编号"]).value
        if case in fills:
            wrote = fills[case]
            for header, value in (
                ("核实结果", wrote.outcome),
                ("核实人", wrote.by),
                ("核实日期", wrote.on),
                ("说明", wrote.note),
            ):
                sheet.cell(row, column[header]).value = value
        for header, value in spoil.get(case, {}).items():
            sheet.cell(row, column[header]).value = value
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)


@dataclass
class RoundTrip:
    data_dir: Path
    returned: Path  # the filled worklist, in the rural inbox of day 2
    second: Path  # a second return, in the rural inbox of day 3
    changed_register: Path  # day 3's subsidy register, with the changed record
    rows_in_book: int
    fills: dict[str, Fill]
    fingerprints: dict[str, str]  # case → 核对码 as sent on day 1
    spoiled: set[str]
    changed: str  # the 数据有误 case whose records change on day 3
    mart_after_day2: dict[str, tuple]
    held_back_day2: set[str]  # worked out here from the rule


def _pick_changed_case(cases: dict, rows: list[dict], key: set) -> str:
    """A case of the workbook whose detail hangs on the subsidy register (YL-02: what was
    paid; YL-03: the total), open on every day by the answer key."""
    for row in rows:
        rule, number, _ = cases[row["疑点编号"]]
        if rule in ("YL-02", "YL-03") and all(
            any(k[0] == d.isoformat() and k[1] == rule and k[3] == number for k in key)
            for d in DAYS
        ):
            return row["疑点编号"]
    raise AssertionError("no YL-02 or YL-03 case open on every day in this worklist")


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    root = tmp_path_factory.mktemp("roundtrip")
    data_dir = root / "data"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("YULU_DATA_DIR", str(data_dir))
        env.setenv("YULU_REFERENCE_DIR", str(REPO_ROOT / "data" / "reference"))
        env.setenv("DAGSTER_HOME", str(root / "dagster"))
        settings = load_settings()
        _, key_path = generate(
            settings.data_dir,
            settings.reference_dir,
            households=200,
            days=3,
            seed=11,
            divisions=two_village_divisions(root / "divisions.csv"),
            start=DAYS[0],
        )
        key = read_answer_key(key_path)

        run_days([DAYS[0]])
        cases = open_cases(data_dir, DAYS[0])
        books = read_worklists(data_dir, DAYS[0])
        path, rows = max(books.items(), key=lambda item: len(item[1]))
        assert len(rows) >= 10, "the two-village county should give one worklist many cases"
        changed = _pick_changed_case(cases, rows, key)
        others = [r["疑点编号"] for r in rows if r["疑点编号"] != changed]
        fills = {
            changed: Fill("数据有误", "李书记", "2026/12/1", "补助名单录入错误"),
            others[0]: Fill("数据有误", "李书记", "2026-11-30", "学校已更正"),
            others[1]: Fill("属实", "王主任", datetime(2026, 11, 30), "已入户"),
            others[2]: Fill("属实", "王主任", "2026年12月1日"),
            others[3]: Fill("已整改", "李书记", "2026.12.01", "已补录"),
            others[4]: Fill("无法核实", "王主任", "20261201", "外出务工"),
        }
        spoil = {
            others[5]: {"核实结果": "已核实", "核实日期": "2026-12-01"},  # not an outcome
            others[6]: {"疑点编号": None, "核实结果": "属实"},  # the case id erased
            others[7]: {"核实结果": "属实", "核实日期": "12月上旬"},  # not a date
            others[8]: {"核实结果": "属实", "核实日期": "2026-12-25"},  # after the delivery
        }
        returned = data_dir / "inbox" / DAYS[1].isoformat() / "rural" / "城关镇核实结果.xlsx"
        fill(path, returned, fills, spoil)

        run_days([DAYS[1]])
        on_day2 = open_cases(data_dir, DAYS[1])
        fingerprints = {r["疑点编号"]: r["核对码"] for r in rows}
        held_back = {
            case
            for case, wrote in fills.items()
            if wrote.outcome in HELD_BACK
            and case in on_day2
            and md5_8(on_day2[case][2]) == fingerprints[case]
        }
        with published(data_dir) as con:
            mart = {
                row[0]: row[1:]
                for row in con.execute(
                    "select case_id, verification, verification_note, verified_by, verified_on,"
                    " verified_detail_unchanged from mart.discrepancies"
                ).fetchall()
            }

        # Day 3: the payment behind `changed` is corrected in the register, and a second return
        # says 属实 on two cases, one dated before the first return's 数据有误.
        register = data_dir / "inbox" / DAYS[2].isoformat() / "rural" / "雨露计划补助发放明细.csv"
        assert change_payments(register, cases[changed][1], "1200") >= 1
        second = data_dir / "inbox" / DAYS[2].isoformat() / "rural" / "核实结果-补充.xlsx"
        fill(
            path,
            second,
            {
                others[0]: Fill("属实", "张干部", "2026-12-02", "复核属实"),
                changed: Fill("属实", "张干部", "2026-11-29", "早先的记录"),
            },
            {},
        )
        run_days([DAYS[2]])
        yield RoundTrip(
            data_dir,
            returned,
            second,
            register,
            len(rows),
            fills,
            fingerprints,
            {others[5], others[6], others[7], others[8]},
            changed,
            mart,
            held_back,
        )


def test_outcomes_reach_mart_discrepancies(round_trip: RoundTrip):
    dates = {
        "2026/12/1": date(2026, 12, 1),
        "2026-11-30": date(2026, 11, 30),
        "2026年12月1日": date(2026, 12, 1),
        "2026.12.01": date(2026, 12, 1),
        "20261201": date(2026, 12, 1),
    }
    for case, wrote in round_trip.fills.items():
        on = wrote.on.date() if isinstance(wrote.on, datetime) else dates[wrote.on]
        code = CODES[wrote.outcome]
        have = round_trip.mart_after_day2[case]
        assert have[:4] == (code, wrote.note, wrote.by, on), case
    blank = [c for c in round_trip.fingerprints if c not in round_trip.fills]
    for case in blank:  # left blank or spoiled: no outcome
        assert round_trip.mart_after_day2[case][:4] == (None, None, None, None), case


def test_a_case_found_to_be_a_data_error_is_not_sent_again_while_its_records_stand(
    round_trip: RoundTrip,
):
    data_dir = round_trip.data_dir
    on_day2 = open_cases(data_dir, DAYS[1])
    changed = round_trip.changed
    # its records did not change on day 2 (no rural delivery that day)
    assert md5_8(on_day2[changed][2]) == round_trip.fingerprints[changed]
    assert changed in round_trip.held_back_day2
    sent = case_ids_sent(data_dir, DAYS[1])
    assert changed not in sent
    # exactly the cases the rule holds back are missing; every other open case is sent
    assert sent == set(on_day2) - round_trip.held_back_day2
    assert round_trip.mart_after_day2[changed][4] is True  # verified_detail_unchanged


def test_the_returned_worklist_is_in_the_ledger(round_trip: RoundTrip):
    with published(round_trip.data_dir) as con:
        [(kind, status, read, staged, quarantined, counted)] = con.execute(
            "select kind, status, rows_read, rows_staged, rows_quarantined, rows_counted "
            "from audit.files where delivery_date = ? and file_name = ?",
            [DAYS[1], round_trip.returned.name],
        ).fetchall()
        reasons = con.execute(
            "select r.reason_code, count(*) from audit.rejected_rows r join audit.files f "
            "using (delivery_date, department, file_sha256) where f.file_name = ? group by all",
            [round_trip.returned.name],
        ).fetchall()
    assert (kind, status) == ("rural_verifications", "staged")
    assert read == counted == round_trip.rows_in_book
    assert quarantined == SPOILED and staged == read - SPOILED
    assert dict(reasons) == {"BAD_VALUE": 2, "REQUIRED": 1, "OUT_OF_RANGE": 1}
    settings_db = round_trip.data_dir / "warehouse" / "work.duckdb"
    import duckdb

    with duckdb.connect(str(settings_db), read_only=True) as con:
        blank = con.execute(
            "select count(*) from staging.rural_verifications where delivery_date = ? "
            "and verification is null",
            [DAYS[1]],
        ).fetchone()[0]
    # staged and ignored: every row the cadre left blank, none of the spoiled ones
    left_blank = round_trip.rows_in_book - len(round_trip.fills) - SPOILED
    assert blank == left_blank


def test_a_case_comes_back_when_its_records_change(round_trip: RoundTrip):
    data_dir = round_trip.data_dir
    changed = round_trip.changed
    on_day3 = open_cases(data_dir, DAYS[2])
    assert changed in on_day3
    assert md5_8(on_day3[changed][2]) != round_trip.fingerprints[changed]
    rows = {r["疑点编号"]: r for rs in read_worklists(data_dir, DAYS[2]).values() for r in rs}
    assert changed in rows
    assert rows[changed]["核对码"] == md5_8(on_day3[changed][2])
    with published(data_dir) as con:
        mart = dict(
            (row[0], row[1:])
            for row in con.execute(
                "select case_id, verification, verified_on, verified_detail_unchanged "
                "from mart.discrepancies"
            ).fetchall()
        )
    # the second return's 属实 is dated before the 数据有误: the 数据有误 stands, on old records
    assert mart[changed] == ("data_error", date(2026, 12, 1), False)


def test_a_later_verification_replaces_an_earlier_one(round_trip: RoundTrip):
    data_dir = round_trip.data_dir
    [case] = [c for c, f in round_trip.fills.items() if f.note == "学校已更正"]
    with published(data_dir) as con:
        got = con.execute(
            "select verification, verified_by, verified_on from mart.discrepancies "
            "where case_id = ?",
            [case],
        ).fetchone()
    assert got == ("confirmed", "张干部", date(2026, 12, 2))
    if case in open_cases(data_dir, DAYS[2]):
        assert case in case_ids_sent(data_dir, DAYS[2])  # 属实 holds nothing back


def _cells(folder: Path) -> dict[str, list]:
    """Every cell of every workbook under `folder`, by relative path and sheet."""
    found = {}
    for path in sorted(folder.rglob("*.xlsx")):
        book = openpyxl.load_workbook(path)
        for sheet in book:
            found[f"{path.relative_to(folder)}!{sheet.title}"] = list(
                sheet.iter_rows(values_only=True)
            )
    return found


def test_days_in_another_order_or_again_give_the_same_result(
    round_trip: RoundTrip, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    in_order = published_tables(round_trip.data_dir)
    exports = {d: _cells(round_trip.data_dir / "exports" / d.isoformat()) for d in DAYS}
    other = tmp_path / "data"
    monkeypatch.setenv("YULU_DATA_DIR", str(other))
    monkeypatch.setenv("YULU_REFERENCE_DIR", str(REPO_ROOT / "data" / "reference"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    settings = load_settings()
    generate(
        settings.data_dir,
        settings.reference_dir,
        households=200,
        days=3,
        seed=11,
        divisions=two_village_divisions(tmp_path / "divisions.csv"),
        start=DAYS[0],
    )
    for path in (round_trip.returned, round_trip.second, round_trip.changed_register):
        target = other / path.relative_to(round_trip.data_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    run_days([DAYS[2], DAYS[0], DAYS[1]])
    assert published_tables(other) == in_order
    for day in DAYS:
        assert _cells(other / "exports" / day.isoformat()) == exports[day], day
    run_days([DAYS[1]])  # a day again: its folder is replaced, the others stay
    assert published_tables(other) == in_order
    for day in DAYS:
        assert _cells(other / "exports" / day.isoformat()) == exports[day], day
