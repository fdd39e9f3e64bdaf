"""The data dictionary of both published warehouses, defined once: what every table and column
holds, in Chinese and in English, and how the shared file carries each column.

Publishing writes these as `COMMENT ON` into `yulu.duckdb` and `yulu_shared.duckdb`;
`yulu dictionary` prints them as the Markdown page `pipelines/DICTIONARY.md`. A column with no
entry here stops the publish: the shared file would not know whether to mask it.
"""

from __future__ import annotations

from dataclasses import dataclass

# How the shared file carries a column of the restricted one
KEEP = "keep"
MASK_ID = "mask_id"  # first 6 and last 4 characters, `*` between
MASK_NAME = "mask_name"  # surname and `*`
MASK_TEXT = "mask_text"  # free text: names and IDs in it masked
BLANK = "blank"  # column kept, every value null
DROP = "drop"  # not in the shared file

SHARED_NOTES = {
    KEEP: ("", ""),
    MASK_ID: ("共享库中仅显示前6位和后4位", "shared file: first 6 and last 4 characters only"),
    MASK_NAME: ("共享库中仅显示姓氏加*", "shared file: surname and * only"),
    MASK_TEXT: ("共享库中其中的姓名和证件号码已脱敏", "shared file: names and IDs in it masked"),
    BLANK: (
        "共享库中为空（与脱敏证号合起来即可还原完整证号）",
        "shared file: always null (with the masked ID it would give the whole number)",
    ),
}


@dataclass(frozen=True)
class Entry:
    zh: str
    en: str
    shared: str = KEEP


TABLES: dict[str, Entry] = {
    "mart.households": Entry(
        "一户一档：截至最新处理日的每一户", "one row per household (一户一档)"
    ),
    "mart.persons": Entry("人员：截至最新处理日的每一个人", "one row per person"),
    "mart.vocational_intent": Entry(
        "清单1：新成长劳动力入读职业院校意愿，每人一行",
        "list 1: one row per new-growth labourer of an eligible household, surveyed or not",
    ),
    "mart.enrolled_students": Entry(
        "清单2：雨露计划在读学生，每人每学期一行",
        "list 2: one row per student and term, with the subsidy paid",
    ),
    "mart.graduates_current": Entry(
        "清单3：当年毕业学生就业意愿，每人一行", "list 3: one row per graduate of this year"
    ),
    "mart.graduates_earlier": Entry(
        "清单4：已毕业生就业意愿，每人一行", "list 4: one row per graduate of earlier years"
    ),
    "mart.discrepancies": Entry(
        "疑点：发现过的每一个疑点，含首次、末次发现日期和核实结果",
        "one row per case ever found: first and last seen, open or resolved, verification",
    ),
    "history.discrepancies": Entry(
        "疑点历史：每个处理日发现的每一个疑点", "one row per case per processed day"
    ),
    "audit.files": Entry(
        "收到的文件：每个文件一行，含编码、读取、入库和隔离行数",
        "one row per delivered file: encoding, rows read, staged and quarantined",
    ),
    "audit.rejected_rows": Entry(
        "隔离的行：每个被隔离的行一行，含原始文本（仅限制级库）",
        "one row per quarantined row with its raw text (restricted file only)",
        DROP,
    ),
}

# Columns that mean the same in every table they appear in
COLUMNS: dict[str, Entry] = {
    "as_of": Entry("数据截至日期（最新处理的交付日）", "the day the row is as of (newest day)"),
    "household_id": Entry("户编号（防返贫监测系统）", "household number of the monitoring system"),
    "county_code": Entry("县级区划代码（6位）", "county division code, 6 digits"),
    "township_code": Entry("乡镇区划代码（9位）", "township division code, 9 digits"),
    "township_name": Entry("乡（镇）名称", "township name"),
    "village_code": Entry("行政村区划代码（12位）", "village division code, 12 digits"),
    "village_name": Entry("行政村名称", "village name"),
    "grid_id": Entry("网格编号", "grid the household belongs to"),
    "household_type": Entry(
        "户类型：out_of_poverty 脱贫户，ordinary 一般农户",
        "household type: out_of_poverty or ordinary",
    ),
    "monitoring_category": Entry(
        "监测对象类别（脱贫不稳定户、边缘易致贫户、突发严重困难户），非监测对象为空",
        "monitoring category, null if not monitored",
    ),
    "risk_types": Entry("风险类型列表", "list of risk types"),
    "risk_eliminated": Entry("风险是否已消除", "whether the risk was formally eliminated"),
    "income_per_capita": Entry("家庭人均纯收入（元）", "net income per household member, yuan"),
    "member_count": Entry("家庭成员人数", "number of household members"),
    "head_name": Entry("户主姓名", "name of the head of household", MASK_NAME),
    "students_enrolled": Entry("本学期在读学生人数", "members enrolled in school this term"),
    "subsidy_terms_paid": Entry("已发放雨露计划补助的学期数", "terms of subsidy paid"),
    "members_employed": Entry("已就业成员人数（人社）", "members employed according to HR"),
    "open_discrepancies": Entry("未解决疑点数", "number of open cases of the household"),
    "risk_level": Entry("风险等级（0-3）", "risk level, 0 to 3"),
    "risk_reasons": Entry("风险等级的理由代码", "codes of the reasons behind the risk level"),
    "id_number": Entry(
        "公民身份号码（18位，已规范化）", "resident ID number, normalised to 18 characters", MASK_ID
    ),
    "id_status": Entry(
        "证号状态：valid、upgraded（15位旧号）、missing、truncated、invalid",
        "ID status: valid, upgraded (from 15 digits), missing, truncated, invalid",
    ),
    "person_no": Entry("人编号（防返贫监测系统）", "person number of the monitoring system"),
    "name": Entry("姓名", "name", MASK_NAME),
    "relation_to_head": Entry("与户主关系", "relation to the head of household"),
    "gender": Entry("性别：male 男，female 女", "gender: male or female"),
    "birth_date": Entry("出生日期（取自证件号码）", "date of birth, from the ID number", BLANK),
    "age": Entry("截至as_of的周岁年龄", "age in full years on as_of"),
    "person_status": Entry("人员状态：normal 正常、deceased 死亡等", "person status"),
    "enrollment_status": Entry(
        "学籍状态：enrolled 在籍、suspended 休学、withdrawn 退学、transferred_out 转出、"
        "graduated 毕业、no_record 无学籍",
        "enrollment status",
    ),
    "school_name": Entry("学校名称", "school name"),
    "level": Entry(
        "学历层次", "level of study: secondary, higher vocational, five-year, technical"
    ),
    "employment_status": Entry("就业状态（人社）", "employment status according to HR"),
    "sources": Entry("记录此人的部门", "departments that know the person"),
    "intent": Entry("意愿（意愿台账）", "stated intent from the survey"),
    "target": Entry("意向院校或地区", "intended school or region"),
    "surveyed_on": Entry("调查日期", "date of the survey"),
    "surveyed": Entry("是否已调查意愿", "whether a survey exists"),
    "term": Entry("学期（YYYY-spring / YYYY-autumn）", "term, YYYY-spring or YYYY-autumn"),
    "subsidy_paid": Entry("本学期是否已发放补助", "whether the term's subsidy was paid"),
    "amount": Entry("补助金额（元）", "subsidy amount, yuan"),
    "graduated_on": Entry("毕业年月", "month of graduation"),
    "employer": Entry("用人单位", "employer"),
    "case_id": Entry("疑点编号（同一疑点各日相同）", "case number, stable across days"),
    "rule_code": Entry("规则代码（DESIGN §6）", "rule code of the catalogue"),
    "severity": Entry("严重程度：error、warning、info", "severity: error, warning or info"),
    "departments": Entry("涉及的部门", "departments whose records are involved"),
    "detail": Entry(
        "各部门记录的说明（姓名已脱敏）", "what each source says, names masked", MASK_TEXT
    ),
    "first_seen": Entry("首次发现日期", "first day the case was found"),
    "last_seen": Entry("最近发现日期", "last day the case was found"),
    "verification": Entry(
        "核实结果：confirmed 属实、rectified 已整改、data_error 数据有误、unverifiable 无法核实",
        "latest verification outcome sent back by a cadre",
    ),
    "verification_note": Entry("核实说明", "the cadre's note", MASK_TEXT),
    "verified_by": Entry("核实人", "who verified", MASK_NAME),
    "verified_on": Entry("核实日期", "date of verification"),
    "verified_detail_unchanged": Entry(
        "核实时的说明是否与现在相同", "whether the verification was given on the current detail"
    ),
    "file_sha256": Entry("文件的SHA-256", "SHA-256 of the file's bytes"),
    "file_name": Entry("文件名（含子文件夹）", "file name, with its subfolder", MASK_TEXT),
    "department": Entry("交付部门：education、hrss、rural", "delivering department"),
    "kind": Entry("数据种类（由表头识别）", "kind of extract, told from its header"),
    "delivery_date": Entry("交付日期", "delivery day"),
    "encoding": Entry("文本编码", "text encoding"),
    "file_format": Entry("文件格式", "file format"),
    "sheet": Entry("工作表名称", "sheet name", MASK_TEXT),
    "rows_read": Entry("读取的行数", "rows read"),
    "rows_staged": Entry("入库的行数", "rows staged"),
    "rows_quarantined": Entry("隔离的行数", "rows quarantined"),
    "rows_counted": Entry("第二个读取器数出的行数", "data rows a second reader counted"),
    "reason_code": Entry("原因代码", "reason code"),
    "unknown_columns": Entry("未识别的列名", "column headers not recognised"),
    "source_row": Entry("源文件中的行号", "row number in the source file"),
    "reason": Entry("隔离原因", "why the row was quarantined"),
    "raw": Entry("原始行文本（含个人信息）", "raw text of the row (personal data)", DROP),
}

# Columns whose meaning depends on the table
TABLE_COLUMNS: dict[str, dict[str, Entry]] = {
    "mart.persons": {
        "person_key": Entry(
            "人员键：有效证号本身，无有效证号时为文件和行号",
            "key of the person: the valid ID, or file and row where there is none",
            DROP,
        ),
    },
    "mart.discrepancies": {
        "as_of": Entry("数据截至日期（最新处理日）", "newest day processed"),
        "status": Entry(
            "open 最新处理日仍发现，resolved 已不再发现", "open if found on as_of, else resolved"
        ),
    },
    "history.discrepancies": {"as_of": Entry("发现疑点的处理日", "the processed day")},
    "audit.files": {
        "status": Entry(
            "staged 已入库、rejected 拒收、skipped 跳过、duplicate 重复",
            "staged, rejected, skipped or duplicate",
        ),
        "detail": Entry("处理说明（中文）", "what happened to the file, in Chinese", MASK_TEXT),
    },
}

SHARED_PERSON_KEY = Entry(
    "人员假名键：规范化18位证号的HMAC-SHA256（十六进制小写），证号无效时为空；"
    "同一人在各表、各日相同，无密钥无法由证号算出",
    "pseudonymous person key: lowercase hex HMAC-SHA256 of the normalised 18-character ID, "
    "null where the ID is no valid join key; the same for a person in every table and day",
)
SHARED_TABLE_NOTE = (
    "共享库：已脱敏，不含未满14周岁儿童的个人行",
    "shared file: masked, no person-level rows of children under 14",
)


# The columns of each restricted table, in order; a test holds the published files to them.
LAYOUT: dict[str, tuple[str, ...]] = {
    "mart.households": (
        *("as_of", "household_id", "county_code", "township_code", "township_name"),
        *("village_code", "village_name", "grid_id", "household_type", "monitoring_category"),
        *("risk_types", "risk_eliminated", "income_per_capita", "member_count", "head_name"),
        *("students_enrolled", "subsidy_terms_paid", "members_employed", "open_discrepancies"),
        *("risk_level", "risk_reasons"),
    ),
    "mart.persons": (
        *("as_of", "person_key", "id_number", "id_status", "household_id", "person_no", "name"),
        *("relation_to_head", "gender", "birth_date", "age", "person_status"),
        *("enrollment_status", "school_name", "level", "employment_status", "sources"),
    ),
    "mart.vocational_intent": (
        *("as_of", "household_id", "id_number", "name", "village_code", "age", "intent"),
        *("target", "surveyed_on", "surveyed"),
    ),
    "mart.enrolled_students": (
        *("as_of", "household_id", "id_number", "name", "village_code", "school_name", "level"),
        *("enrollment_status", "term", "subsidy_paid", "amount"),
    ),
    "mart.graduates_current": (
        *("as_of", "household_id", "id_number", "name", "village_code", "graduated_on"),
        *("intent", "employment_status", "employer", "surveyed"),
    ),
    "mart.graduates_earlier": (
        *("as_of", "household_id", "id_number", "name", "village_code", "graduated_on"),
        *("intent", "employment_status", "employer", "surveyed"),
    ),
    "mart.discrepancies": (
        *("case_id", "rule_code", "severity", "household_id", "id_number", "village_code"),
        *("departments", "detail", "first_seen", "last_seen", "status", "as_of"),
        *("verification", "verification_note", "verified_by", "verified_on"),
        "verified_detail_unchanged",
    ),
    "history.discrepancies": (
        *("as_of", "case_id", "rule_code", "severity", "household_id", "id_number"),
        *("village_code", "departments", "detail"),
    ),
    "audit.files": (
        *("file_sha256", "file_name", "department", "kind", "delivery_date", "encoding"),
        *("file_format", "sheet", "rows_read", "rows_staged", "rows_quarantined"),
        *("rows_counted", "status", "reason_code", "detail", "unknown_columns"),
    ),
    "audit.rejected_rows": (
        *("file_sha256", "sheet", "source_row", "reason_code", "reason", "raw"),
        *("delivery_date", "department"),
    ),
}


def shared_layout(table: str, columns: tuple[str, ...] | list[str]) -> list[str]:
    """The shared file's columns for a restricted table's: dropped ones left out, `person_key`
    right after `id_number`."""
    out = []
    for column in columns:
        if entry(table, column).shared == DROP:
            continue
        out.append(column)
        if column == "id_number":
            out.append("person_key")
    return out


def shared_tables() -> list[str]:
    return [t for t, e in TABLES.items() if e.shared != DROP]


def entry(table: str, column: str) -> Entry:
    """The entry of a restricted table's column; KeyError if it has none."""
    found = TABLE_COLUMNS.get(table, {}).get(column) or COLUMNS.get(column)
    if found is None:
        raise KeyError(f"{table}.{column} has no entry in pipelines/dictionary.py")
    return found


def describe(table: str, column: str | None, shared: bool) -> str:
    """The comment of a table (column None) or column, Chinese then English."""
    if column is None:
        e = TABLES[table]
        zh, en = e.zh, e.en
        if shared:
            zh, en = f"{zh}（{SHARED_TABLE_NOTE[0]}）", f"{en} ({SHARED_TABLE_NOTE[1]})"
        return f"{zh}。{en}"
    if shared and column == "person_key":
        e = SHARED_PERSON_KEY
    else:
        e = entry(table, column)
    zh, en = e.zh, e.en
    note_zh, note_en = SHARED_NOTES.get(e.shared, ("", ""))
    if shared and note_zh:
        zh, en = f"{zh}（{note_zh}）", f"{en} ({note_en})"
    return f"{zh}。{en}"


def comment_sql(table: str, columns: list[str], shared: bool, database: str) -> list[str]:
    """COMMENT ON statements for a table of the attached `database` and its columns."""

    def quote(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    statements = [f"comment on table {database}.{table} is {quote(describe(table, None, shared))}"]
    statements += [
        f"comment on column {database}.{table}.{c} is {quote(describe(table, c, shared))}"
        for c in columns
    ]
    return statements


def markdown() -> str:
    """The dictionary page: every table of both files and its columns."""
    restricted = {t: list(c) for t, c in LAYOUT.items()}
    masked = {t: shared_layout(t, LAYOUT[t]) for t in shared_tables()}
    lines = [
        "# Yulu data dictionary / 数据字典",
        "",
        "Generated by `yulu dictionary` from `pipelines/dictionary.py`; the same texts are the "
        "`COMMENT ON` of every table and column of both published files (read them with "
        "`select * from duckdb_columns()`). A test keeps this page the same as the code.",
        "",
        "- `warehouse/yulu.duckdb`: restricted, full IDs and names.",
        "- `warehouse/yulu_shared.duckdb`: shared, masked, with the pseudonymous `person_key`.",
    ]
    for title, shared, tables in (
        ("Restricted: yulu.duckdb", False, restricted),
        ("Shared: yulu_shared.duckdb", True, masked),
    ):
        lines += ["", f"## {title}"]
        for table, names in tables.items():
            lines += ["", f"### `{table}`", "", describe(table, None, shared), ""]
            lines += ["| column | 说明 / description |", "|---|---|"]
            lines += [f"| `{c}` | {describe(table, c, shared)} |" for c in names]
    return "\n".join(lines) + "\n"
