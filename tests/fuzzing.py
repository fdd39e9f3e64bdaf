"""Valid department extracts and the ways deliveries damage them, for `test_fuzz.py`.

A case is built from one integer seed alone: the seed picks the extract kind, a small valid
table (5-30 rows, valid 18-digit resident IDs), the mutations and the file's format, so that
`build_case(seed)` gives the same bytes on every machine. To look at a case's files:

    .venv/bin/python tests/fuzzing.py SEED DIR [MUTATION ...]

IDs are checked here by GB 11643-1999 (ISO 7064 MOD 11-2 and the birth date), never by the
product's own ID code.
"""

from __future__ import annotations

import csv
import io
import random
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter
from builders import HEADERS, WEIGHTS, person_id

from pipelines.ingest.kinds import KINDS, Field, Kind, header_key

KIND_NAMES = sorted(KINDS)
LATEST_BIRTH = date(2012, 12, 31)
EXCEL_EPOCH = date(1899, 12, 30)
CREATED = datetime(2026, 11, 30, 8, 0)

# ---------------------------------------------------------------------------------------------
# The ID rules (DESIGN §3, rule ID-01), computed here from the standard.


def check_character(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character of 17 ASCII digits."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def id_rule_failure(value: object, latest: date) -> str | None:
    """Why `value` is not a usable 18-character resident ID, or None if it is one: 17 ASCII
    digits and an upper-case check character that MOD 11-2 confirms, and a birth date that
    exists, on or after 1900-01-01 and not after `latest`."""
    if not isinstance(value, str) or len(value) != 18:
        return "not 18 characters"
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        return "not 17 ASCII digits and a check character"
    if value[17] != check_character(value[:17]):
        return "wrong check character"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "impossible birth date"
    if not date(1900, 1, 1) <= born <= latest:
        return "birth date out of range"
    return None


def upgraded(legacy: str) -> str:
    """The 18-character form of a 15-digit ID (born in the 1900s)."""
    body = legacy[:6] + "19" + legacy[6:]
    return body + check_character(body)


def _valid_id(rng: random.Random, *, want_x: bool = False) -> str:
    address = rng.choice(("411224", "411202", "410102", "411221", "610102", "440305"))
    born = date(1950, 1, 1) + timedelta(days=rng.randrange((LATEST_BIRTH - date(1950, 1, 1)).days))
    for _ in range(200):
        number = person_id(born.strftime("%Y%m%d"), rng.randrange(1000), address)
        if number.endswith("X") == want_x:
            return number
    return number


# ---------------------------------------------------------------------------------------------
# A valid table of one kind.

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华建国小红"
TEXTS = {
    "county_name": ["卢氏县"],
    "township_name": ["城关镇", "东明镇", "文峪乡", "横涧乡", "杜关镇"],
    "village_name": ["和平里社区居民委员会", "东沟村民委员会", "河口村民委员会"],
    "natural_village": ["东沟", "上庄", "下河"],
    "ethnicity": ["汉族", "回族"],
    "education_level": ["小学", "初中", "高中", "中专"],
    "school_status": ["非在校生", "中职一年级", "高职二年级"],
    "health": ["健康", "长期慢性病"],
    "labour_skill": ["普通劳动力", "技能劳动力", "无劳动力"],
    "school_name": ["卢氏县职业中等专业学校", "三门峡职业技术学院", "河南省工业学校"],
    "major_name": ["护理", "计算机应用", "汽车运用与维修"],
    "grade": ["2024级", "2025级", "一年级"],
    "target": ["郑州市", "三门峡职业技术学院", "广东省"],
    "measures": ["岗位推荐", "政策宣传;技能培训", "跟踪回访"],
    "employer": ["卢氏县食用菌产业园有限公司", "郑州某建筑工程有限公司"],
    "course": ["电工", "家政服务", "电子商务"],
    "course_category": ["就业技能培训", "岗位技能提升培训"],
}
INT_RANGES = {"months_worked": (0, 12), "graduation_year": (2018, 2026), "program_years": (2, 5)}
DATE_FORMATS = ("{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}{m:02d}{d:02d}", "{y}年{m}月{d}日")
MONTH_FORMATS = ("{y}.{m:02d}", "{y}年{m}月", "{y}-{m:02d}", "{y}{m:02d}")
TERMS = ("2024秋", "2025年春季", "2024-2025学年第一学期", "2025秋季学期", "2025春")


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(1, 10)) + "".join(str(rng.randrange(10)) for _ in range(n - 1))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _value(rng: random.Random, f: Field, id_number: str, household: str) -> str:
    """A valid cell of field `f`, written as departments write it."""
    if f.kind == "id":
        return id_number
    if f.kind == "name":
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        return rng.choice(SURNAMES) + given
    if f.name == "case_id":  # a returned worklist's case: a rule code and 12 hex digits
        return rng.choice(("YL-01", "ID-05", "LINK-02")) + "-" + _hex(rng, 12)
    if f.name == "fingerprint":
        return _hex(rng, 8)
    if f.kind == "opaque":
        return household if f.name == "household_id" else household + f"{rng.randrange(1, 9):02d}"
    if f.kind == "code":
        return "13" + _digits(rng, 9) if f.name == "phone" else _digits(rng, f.digits or 6)
    if f.kind == "ident":
        return "91411224" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in "x" * 10)
    if f.kind in ("date", "month"):
        day = date(2016, 1, 1) + timedelta(days=rng.randrange(3900))
        formats = DATE_FORMATS if f.kind == "date" else MONTH_FORMATS
        return rng.choice(formats).format(y=day.year, m=day.month, d=day.day)
    if f.kind == "amount":
        yuan = rng.randrange(500, 30000)
        return rng.choice((f"{yuan}", f"{yuan:,}.00", f"{yuan}元", f"{yuan}.5"))
    if f.kind == "int":
        return str(rng.randint(*INT_RANGES.get(f.name, (1, 5))))
    if f.kind in ("enum", "bool"):
        return rng.choice(sorted(f.labels))
    if f.kind == "enum_list":
        return rng.choice("、;；，,").join(rng.sample(sorted(f.labels), rng.randint(1, 2)))
    if f.kind == "term":
        return rng.choice(TERMS)
    return rng.choice(TEXTS.get(f.name, ["其他"]))


@dataclass
class Row:
    cells: list  # one per column: text, or a number or date where a workbook holds one
    role: str = "record"  # record, totals, header, footer, ragged or blank
    key: str | None = None  # the join key a record must yield; None where its ID is unusable

    @property
    def counts(self) -> bool:
        """A row below the header that the ledger must account for (not a blank one)."""
        return self.role != "blank"


@dataclass
class Table:
    kind: Kind
    fields: list[str]  # the canonical field of each column
    headers: list[str]
    rows: list[Row]
    file_format: str  # csv or xlsx
    delimiter: str = ","
    above: list[list[str]] = field(default_factory=list)  # title and group rows
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # xlsx, from the top

    def column(self, name: str) -> int:
        return self.fields.index(name)

    def records(self) -> list[Row]:
        return [r for r in self.rows if r.role == "record"]

    def field(self, name: str) -> Field:
        return self.kind.field(name)


def valid_table(rng: random.Random, kind: Kind, file_format: str) -> Table:
    printed = {
        kind.header_map[header_key(h)]: h
        for h in HEADERS.get(kind.name, [])
        if header_key(h) in kind.header_map
    }
    fields = [f.name for f in kind.fields]
    headers = [printed.get(f.name, f.headers[0]) for f in kind.fields]
    rows = []
    for _ in range(rng.randint(5, 30)):
        number = _valid_id(rng, want_x=rng.random() < 0.25)
        household = "4112241" + _digits(rng, 9)
        cells = []
        for f in kind.fields:
            blank = not f.required and f.kind != "id" and rng.random() < 0.15
            cells.append("" if blank else _value(rng, f, number, household))
        rows.append(Row(cells, key=number if has_id(kind) else None))
    return Table(kind, fields, headers, rows, file_format, rng.choice(",,,\t;|"))


# ---------------------------------------------------------------------------------------------
# Mutations. Each changes the table (or, for the byte-level ones, the file) as deliveries do.

Mutation = Callable[[random.Random, Table], None]
MUTATIONS: dict[str, Mutation] = {}
BYTE_MUTATIONS = ("truncated", "byte_flips")
# Outcomes that the design allows to differ from "every record staged": damaged files
DAMAGING = (*BYTE_MUTATIONS, "mixed_encoding")
XLSX_ONLY = ("excel_numbers",)
# Mutations of the ID column, for the kinds that have one (a returned worklist has none: its
# masked 证件号码 is plain text)
ID_ONLY = (
    "legacy_15_digit",
    "ids_rounded_by_excel",
    "broken_ids",
    "id_placeholders",
    "fullwidth_id_digits",
    "invisible_spaces_in_ids",
    "lowercase_x",
    "second_id_column",
)


def has_id(kind: Kind) -> bool:
    return any(f.kind == "id" for f in kind.fields)


CSV_ONLY = ("ragged_rows",)


def mutation(fn: Mutation) -> Mutation:
    MUTATIONS[fn.__name__] = fn
    return fn


def _some(rng: random.Random, rows: list[Row], share: float = 0.4) -> list[Row]:
    chosen = [r for r in rows if rng.random() < share]
    return chosen or rows[:1]


def _id_column(table: Table) -> int:
    return table.column("id_number")


@mutation
def legacy_15_digit(rng: random.Random, table: Table) -> None:
    """Legacy 15-digit IDs of people born in the 1900s, upgraded for matching."""
    col = _id_column(table)
    for row in _some(rng, table.records()):
        number = row.cells[col]
        if isinstance(number, str) and len(number) == 18 and number[6:8] == "19":
            row.cells[col] = number[:6] + number[8:17]


@mutation
def ids_rounded_by_excel(rng: random.Random, table: Table) -> None:
    """A column of IDs that went through Excel as numbers and back to text: each kept 15
    significant digits and ends in 000 (IDs ending in X stayed text and are whole)."""
    col = _id_column(table)
    plain = [r for r in table.records() if re.fullmatch(r"[0-9]{18}", str(r.cells[col]))]
    if len(plain) < 2:
        return  # one rounded ID alone cannot be told from a real one ending in 000
    for row in plain:
        row.cells[col] = str((int(row.cells[col]) + 500) // 1000 * 1000)
        row.key = None


@mutation
def id_placeholders(rng: random.Random, table: Table) -> None:
    """No ID known: 无, NULL, 不详, a blank and other placeholders."""
    col = _id_column(table)
    for row in _some(rng, table.records(), 0.2):
        row.cells[col] = rng.choice(("无", "NULL", "null", "不详", "", " ", "-", "暂无", "N/A"))
        row.key = None


def _body(rng: random.Random, birth: str) -> str:
    return rng.choice(("411224", "410102")) + birth + f"{rng.randrange(1000):03d}"


@mutation
def broken_ids(rng: random.Random, table: Table) -> None:
    """IDs the rules must refuse: a wrong check character, an impossible, future or pre-1900
    birth date under a correct check character, a digit too many or too few, a letter inside,
    digits of another script, and what Excel shows for a long number (4.11224E+17)."""
    col = _id_column(table)
    for row in _some(rng, table.records(), 0.25):
        number = row.cells[col] if isinstance(row.cells[col], str) else ""
        number = number if re.fullmatch(r"[0-9]{17}[0-9X]", number) else _valid_id(rng)
        choice = rng.randrange(9)
        if choice == 0:  # wrong check character
            wrong = [c for c in "0123456789X" if c != check_character(number[:17])]
            broken = number[:17] + rng.choice(wrong)
        elif choice in (1, 2, 3):  # no such day, born in the future, born before 1900
            birth = rng.choice(("20230230", "19991301", "20000100", "19990431"))
            birth = {2: rng.choice(("20990101", "20301231")), 3: "18991231"}.get(choice, birth)
            body = _body(rng, birth)
            broken = body + check_character(body)
        elif choice == 4:
            broken = number + rng.choice("0123456789")  # a digit too many
        elif choice == 5:
            broken = number[:-1]  # a digit too few: 17 characters
        elif choice == 6:
            broken = number[:9] + rng.choice("ABOIl") + number[10:]
        elif choice == 7:  # Arabic-Indic digits, which NFKC leaves alone
            body = number[:17].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
            broken = body + number[17]
        else:  # Excel's display of an 18-digit number
            broken = rng.choice(("4.11224E+17", "4.11224200903E+17", "4.1122E17"))
        row.cells[col] = broken
        row.key = None


@mutation
def fullwidth_id_digits(rng: random.Random, table: Table) -> None:
    """IDs typed in full-width mode of an input method (４１１２２４…, Ｘ)."""
    col = _id_column(table)
    full = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
    for row in _some(rng, table.records()):
        if isinstance(row.cells[col], str):
            row.cells[col] = row.cells[col].translate(full)


INVISIBLE = ("\u00a0", "\u200b", "\u3000", " ", "\t", "\ufeff", "\u2060", "\u200e")


@mutation
def invisible_spaces_in_ids(rng: random.Random, table: Table) -> None:
    """IDs pasted from web pages and Word: NBSP, zero-width, ideographic spaces and tabs, in
    and around the digits."""
    col = _id_column(table)
    for row in _some(rng, table.records()):
        text = row.cells[col]
        if isinstance(text, str):
            for _ in range(rng.randint(1, 3)):
                at = rng.randint(0, len(text))
                text = text[:at] + rng.choice(INVISIBLE) + text[at:]
            row.cells[col] = text


@mutation
def lowercase_x(rng: random.Random, table: Table) -> None:
    """The check character X typed in lower case."""
    col = _id_column(table)
    for row in table.records():
        if isinstance(row.cells[col], str) and rng.random() < 0.8:
            row.cells[col] = row.cells[col].replace("X", "x").replace("Ｘ", "ｘ")


@mutation
def excel_numbers(rng: random.Random, table: Table) -> None:
    """Cells a workbook holds as numbers and dates: amounts, years and months, dates (as dates
    or bare day serials), and IDs that Excel made numbers of, so that an 18-digit one has lost
    its last digits while a 15-digit one is whole."""
    for col, name in enumerate(table.fields):
        f = table.field(name)
        for row in _some(rng, table.records(), 0.5):
            text = row.cells[col]
            if not isinstance(text, str):
                continue
            if f.kind in ("amount", "int") and re.fullmatch(r"[0-9]+", text):
                row.cells[col] = (
                    int(text) if f.kind == "int" else float(text) + rng.choice((0, 0.5))
                )
            elif f.kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                day = date.fromisoformat(text)
                row.cells[col] = rng.choice((day, (day - EXCEL_EPOCH).days))
            elif f.kind == "month" and re.fullmatch(r"\d{4}\.\d{2}", text):
                y, m = map(int, text.split("."))
                row.cells[col] = rng.choice((date(y, m, 1), y * 100 + m))
            elif f.kind == "id" and re.fullmatch(r"[0-9]{15}|[0-9]{18}", text):
                row.cells[col] = float(text) if len(text) == 18 else int(text)
                if len(text) == 18:
                    row.key = None  # Excel keeps 15 significant digits


@mutation
def second_id_column(rng: random.Random, table: Table) -> None:
    """The ID given twice under two synonyms (证件号码 and 身份证号), as merged systems print
    it: the same text in both, or in only one of them."""
    f = table.field("id_number")
    others = [h for h in f.headers if header_key(h) != header_key(table.headers[_id_column(table)])]
    col = _id_column(table)
    table.fields.append("id_number")
    table.headers.append(rng.choice(others))
    for row in table.rows:
        value = row.cells[col]
        share = rng.randrange(3)
        row.cells.append("" if share == 1 else value)
        if share == 2 and isinstance(value, str):
            row.cells[col] = ""


@mutation
def renamed_headers(rng: random.Random, table: Table) -> None:
    """Headers printed as one of their synonyms in kinds.py, with full-width brackets, stray
    spaces, BOMs or zero-width characters in and around them."""
    full = str.maketrans("()", "（）")
    for col, name in enumerate(table.fields):
        taken = {header_key(h) for i, h in enumerate(table.headers) if i != col}
        choices = [h for h in table.field(name).headers if header_key(h) not in taken]
        header = rng.choice(choices) if choices else table.headers[col]
        if rng.random() < 0.5:
            header = header.translate(full)
        if rng.random() < 0.3:
            at = rng.randint(0, len(header))
            header = header[:at] + rng.choice((" ", "\u3000", "\u200b")) + header[at:]
        if rng.random() < 0.3:
            header = (
                rng.choice(INVISIBLE[:4] + ("\ufeff",)) + header + rng.choice(("", " ", "\u00a0"))
            )
        table.headers[col] = header


@mutation
def shuffled_columns(rng: random.Random, table: Table) -> None:
    """Columns in the order of the exporting system: values are taken by header."""
    order = list(range(len(table.fields)))
    rng.shuffle(order)
    table.fields = [table.fields[i] for i in order]
    table.headers = [table.headers[i] for i in order]
    for row in table.rows:
        row.cells = [row.cells[i] for i in order]


@mutation
def quoted_separators_and_line_breaks(rng: random.Random, table: Table) -> None:
    """Free-text cells holding the separator, quotes and line breaks (Alt+Enter in Excel),
    which the exporter quotes."""
    texts = [i for i, name in enumerate(table.fields) if table.field(name).kind == "text"]
    if not texts:
        return
    d = table.delimiter
    extras = (f"{d}东校区", '（原"职专"）', "\n二部", "\r\n备注：住校", f'"{d}"', f"\n第{d}二行\n")
    for row in _some(rng, table.records()):
        col = rng.choice(texts)
        if isinstance(row.cells[col], str) and row.cells[col]:
            row.cells[col] += rng.choice(extras)


@mutation
def duplicated_rows(rng: random.Random, table: Table) -> None:
    """Records exported twice (a retry appended to the same file, or a copy-paste)."""
    for row in _some(rng, table.records(), 0.2):
        copy = Row(list(row.cells), "record", row.key)
        table.rows.insert(rng.randint(0, len(table.rows)), copy)


@mutation
def ragged_rows(rng: random.Random, table: Table) -> None:
    """A record with one field too few or an extra filled one, from editing by hand."""
    for row in _some(rng, table.records(), 0.1):
        cells = list(row.cells)
        if rng.random() < 0.5:
            del cells[rng.randrange(len(cells))]
        else:
            cells.append("多余")
        table.rows.insert(rng.randint(0, len(table.rows)), Row(cells, "ragged"))


@mutation
def totals_rows(rng: random.Random, table: Table) -> None:
    """合计/小计 rows under the data or between sections, the label possibly spaced."""
    for _ in range(rng.randint(1, 2)):
        cells = [""] * len(table.fields)
        cells[rng.randrange(min(2, len(cells)))] = rng.choice(
            ("合计", "合\u3000计", "小计", "总计：", " 合计")
        )
        cells[-1] = str(len(table.records()))
        at = rng.choice((len(table.rows), rng.randint(1, len(table.rows))))
        table.rows.insert(at, Row(cells, "totals"))


@mutation
def repeated_header(rng: random.Random, table: Table) -> None:
    """The header printed again inside the data (pages pasted one under another)."""
    table.rows.insert(rng.randint(1, len(table.rows)), Row(list(table.headers), "header"))


@mutation
def footer_rows(rng: random.Random, table: Table) -> None:
    """Signature and note lines under the table (制表人：…  审核人：…, 注：…)."""
    width = len(table.fields)
    line = [""] * width
    line[0] = "制表人：" + rng.choice(SURNAMES) + "某"
    line[min(3, width - 1)] = "审核人：" + rng.choice(SURNAMES) + "某"
    table.rows.append(Row(line, "footer"))
    if rng.random() < 0.5:
        table.rows.append(Row(["注：本表数据截至2026年11月30日"], "footer"))


@mutation
def blank_rows(rng: random.Random, table: Table) -> None:
    """Blank lines between, above and below the records: empty, spaces, or separators only."""
    width = len(table.fields)
    for _ in range(rng.randint(1, 4)):
        cells = rng.choice(
            ([], [""] * width, ["  "], ["\u3000"], ["", " ", ""], ["\u00a0"] * width)
        )
        table.rows.insert(rng.randint(0, len(table.rows)), Row(list(cells), "blank"))
    if rng.random() < 0.5:
        table.above.append([])


@mutation
def group_header(rng: random.Random, table: Table) -> None:
    """A two-level header: group labels (基本信息, 就读信息…) merged over the field names, and
    the first columns' names merged down over both rows."""
    width = len(table.fields)
    row = len(table.above)
    upper = [""] * width
    down = rng.randint(0, min(2, width - 1))
    for col in range(down):
        upper[col] = table.headers[col]
        table.headers[col] = ""
        table.merges.append((row, col, row + 1, col))
    start, labels = down, iter(("基本信息", "就读信息", "其他信息", "登记信息", "备注信息"))
    while start < width:
        end = min(width - 1, start + rng.randint(0, 4))
        upper[start] = next(labels, "其他")
        if end > start:
            table.merges.append((row, start, row, end))
        start = end + 1
    table.above.append(upper)


@mutation
def title_rows(rng: random.Random, table: Table) -> None:
    """A title over the table (sometimes in two lines of one cell) and a 填报单位/日期 line,
    as printed reports carry."""
    title = "卢氏县" + ("\n" if rng.random() < 0.3 else "") + table.kind.title + "（2026年11月）"
    lines = [[title]]
    if rng.random() < 0.6:
        line = ["填报单位：卢氏县" + rng.choice(("乡村振兴局", "教育局", "人社局"))]
        lines.append(line + [""] * rng.randint(0, 3) + ["填报日期：2026年11月30日"])
    table.above[:0] = lines
    n = len(lines)
    table.merges = [(r1 + n, c1, r2 + n, c2) for r1, c1, r2, c2 in table.merges]
    if len(table.fields) > 1:
        table.merges.append((0, 0, 0, len(table.fields) - 1))


# Serialisation: the text encodings of DESIGN §3 and UTF-16, or a workbook.
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-be")


def _encode(text: str, encoding: str) -> tuple[bytes, str]:
    """(bytes, the encoding used): GBK cannot hold NBSP or zero-width characters, which a GBK
    system would have written as GB18030."""
    if encoding == "utf-16-be":
        return b"\xfe\xff" + text.encode("utf-16-be"), encoding
    try:
        return text.encode(encoding), encoding
    except UnicodeEncodeError:
        return text.encode("gb18030"), "gb18030"


def _csv_text(table: Table, rng: random.Random) -> str:
    buffer = io.StringIO(newline="")
    quoting = csv.QUOTE_ALL if rng.random() < 0.2 else csv.QUOTE_MINIMAL
    ending = rng.choice(("\r\n", "\n"))
    writer = csv.writer(buffer, delimiter=table.delimiter, lineterminator=ending, quoting=quoting)
    for cells in [*table.above, table.headers, *(r.cells for r in table.rows)]:
        writer.writerow(["" if c is None else str(c) for c in cells])
    return buffer.getvalue()


def _xlsx_bytes(table: Table, sheet_name: str) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": CREATED})  # not now: the same seed gives the same bytes
    sheet = book.add_worksheet(sheet_name)
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    grid = [*table.above, table.headers, *(r.cells for r in table.rows)]
    covered = set()
    for r1, c1, r2, c2 in table.merges:
        value = grid[r1][c1] if c1 < len(grid[r1]) else ""
        sheet.merge_range(r1, c1, r2, c2, value)
        covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for r, cells in enumerate(grid):
        for c, value in enumerate(cells):
            if (r, c) in covered or value == "" or value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, day)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def _mixed(text: str, table: Table, encoding: str) -> bytes | None:
    """A GBK or GB18030 file with one name pasted in as UTF-8 (None for a kind without names,
    such as the verification returns)."""
    if "name" not in table.fields:
        return None
    names = [r.cells[table.column("name")] for r in table.records()]
    names = [n for n in names if isinstance(n, str) and len(n) >= 2]
    at = text.rfind(names[-1]) if names else -1
    if at < 0:
        return None
    name = names[-1]
    head, _ = _encode(text[:at], encoding)
    tail, _ = _encode(text[at + len(name) :], encoding)
    return head + name.encode("utf-8") + tail


def truncated(rng: random.Random, data: bytes) -> bytes:
    """The transfer cut off at a random byte."""
    return data[: rng.randrange(1, len(data))] if len(data) > 1 else data


def byte_flips(rng: random.Random, data: bytes) -> bytes:
    """Bytes damaged in transit or on a USB stick: a few bytes anywhere XOR-ed."""
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        damaged[rng.randrange(len(damaged))] ^= rng.randrange(1, 256)
    return bytes(damaged)


# Whole cases ------------------------------------------------------------------------------


@dataclass
class Case:
    seed: int
    kind: str
    department: str
    mutations: list[str]
    files: dict[str, bytes]  # file name → bytes, all in one delivery folder
    main: str  # the name of the mutated extract (the other files are its companions)
    rows_read: int  # data rows below the header, blank rows not counted
    keys: frozenset[str]  # the join keys the records must yield
    encoding: str | None  # the text encoding written, None for a workbook

    @property
    def damaged(self) -> bool:
        """Whether the file may rightly be refused or lose rows (bytes damaged, encodings
        mixed); any outcome is then allowed but a crash or an imbalance."""
        return any(m in DAMAGING for m in self.mutations)

    def label(self) -> str:
        return f"seed {self.seed} ({self.kind}; {', '.join(self.mutations) or 'unmutated'})"


ORDER = (
    "legacy_15_digit",
    "ids_rounded_by_excel",
    "broken_ids",
    "id_placeholders",
    "excel_numbers",
    "fullwidth_id_digits",
    "invisible_spaces_in_ids",
    "lowercase_x",
    "second_id_column",
    "quoted_separators_and_line_breaks",
    "renamed_headers",
    "shuffled_columns",
    "duplicated_rows",
    "ragged_rows",
    "totals_rows",
    "repeated_header",
    "footer_rows",
    "blank_rows",
    "group_header",
    "title_rows",
)
ALL_MUTATIONS = (
    *ORDER,
    "xlsx",
    *(f"encoding:{e}" for e in ENCODINGS),
    "xlsx_misnamed",
    "mixed_encoding",
    *BYTE_MUTATIONS,
    "delivered_twice",
    "lock_file",
)


def build_case(seed: int, only: Iterable[str] | None = None) -> Case:
    """The case of `seed`; `only` names the mutations to apply instead of a random choice
    (formats as `xlsx` or `encoding:gbk`), for reproducing one mutation alone."""
    rng = random.Random(seed)
    kind = KINDS[KIND_NAMES[seed % len(KIND_NAMES)]]
    wanted = set(only) if only is not None else None

    def chosen(name: str, p: float) -> bool:
        hit = rng.random() < p
        return name in wanted if wanted is not None else hit

    fmt = "xlsx" if chosen("xlsx", 0.3) else "csv"
    encoding = rng.choice(ENCODINGS)
    if wanted is not None:
        given = [w.split(":", 1)[1] for w in wanted if w.startswith("encoding:")]
        encoding = given[0] if given else "utf-8"
    table = valid_table(rng, kind, fmt)
    applied = []
    for name in ORDER:
        allowed = (
            not (fmt == "csv" and name in XLSX_ONLY)
            and not (fmt == "xlsx" and name in CSV_ONLY)
            and (has_id(kind) or name not in ID_ONLY)
        )
        if chosen(name, 0.3) and allowed:
            MUTATIONS[name](rng, table)
            applied.append(name)

    if fmt == "xlsx":
        data = _xlsx_bytes(table, rng.choice(("Sheet1", kind.title, "2026年11月")))
        misnamed = chosen("xlsx_misnamed", 0.25)
        suffix = rng.choice((".csv", ".xls")) if misnamed else ".xlsx"
        applied += ["xlsx"] + (["xlsx_misnamed"] if misnamed else [])
        written = None
    else:
        text = _csv_text(table, rng)
        data, written = _encode(text, encoding)
        applied.append(f"encoding:{written}")
        if written in ("gbk", "gb18030") and chosen("mixed_encoding", 0.2):
            mixed = _mixed(text, table, written)
            if mixed is not None:
                data = mixed
                applied.append("mixed_encoding")
        suffix = rng.choice((".csv", ".csv", ".txt"))
    for name, damage in (("truncated", truncated), ("byte_flips", byte_flips)):
        if chosen(name, 0.15):
            data = damage(rng, data)
            applied.append(name)

    main = f"{kind.title}_{seed}{suffix}"
    files = {main: data}
    if chosen("delivered_twice", 0.06):
        files[f"{kind.title}_{seed}（副本）{suffix}"] = data
        applied.append("delivered_twice")
    if chosen("lock_file", 0.05):
        files[f"~${kind.title}_{seed}.xlsx"] = bytes(rng.randrange(256) for _ in range(165))
        applied.append("lock_file")
    return Case(
        seed=seed,
        kind=kind.name,
        department=kind.department,
        mutations=applied,
        files=files,
        main=main,
        rows_read=sum(r.counts for r in table.rows),
        keys=frozenset(r.key for r in table.records() if r.key),
        encoding=written,
    )


def main(argv: list[str]) -> None:
    """Writes the files of one case into a folder: `fuzzing.py SEED DIR [MUTATION ...]`."""
    seed, folder, only = int(argv[0]), Path(argv[1]), argv[2:] or None
    case = build_case(seed, only)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    print(case.label(), "→", folder, f"(department {case.department})")


if __name__ == "__main__":
    main(sys.argv[1:])
