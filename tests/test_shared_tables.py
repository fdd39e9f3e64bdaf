"""The shared tables' rules on hand-made rows: masking as `pipelines/masking.py` does it, the
HMAC, children's rows left out and their cases kept without ID, IDs that are no join key."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import duckdb
import pytest
from stdnum.cn import ric

from pipelines.dictionary import DROP, LAYOUT, TABLE_COLUMNS, entry, shared_layout
from pipelines.ingest.kinds import KINDS
from pipelines.masking import mask_id, mask_name
from pipelines.pseudonym import MissingKeyError, pseudonym_key
from pipelines.shared import register_masks, shared_table_sql
from pipelines.warehouse import staging_columns

KEY = b"k" * 40
AS_OF = date(2026, 12, 2)


def _valid(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def _hmac(number: str) -> str:
    return hmac.new(KEY, number.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def con():
    adult, child = _valid("41122419800101002"), _valid("41122420150101001")
    con = duckdb.connect()
    con.execute("attach ':memory:' as src")
    con.execute("create schema src.mart")
    con.execute("create schema staging")
    con.execute(
        "create table src.mart.vocational_intent as select * from (values "
        f"(date '{AS_OF}', 'H1', '{adult}', '张三丰', 'V1', 46, 'x', 't', null::date, true), "
        f"(date '{AS_OF}', 'H1', '{child}', '张小宝', 'V1', 11, 'x', 't', null::date, true)) "
        "as t(as_of, household_id, id_number, name, village_code, age, intent, target, "
        "surveyed_on, surveyed)"
    )
    con.execute(
        "create table src.mart.discrepancies as select * from (values "
        f"('c1', 'YL-01', 'error', 'H1', '{adult}', 'V1', ['rural'], "
        f"'张三丰 证号{adult}', date '{AS_OF}', date '{AS_OF}', 'open', date '{AS_OF}', "
        "null, '见张三丰', '李四光', null::date, null::boolean), "
        f"('c2', 'EMP-05', 'warning', 'H1', '{child}', 'V1', ['rural'], "
        f"'张小宝 411224********{child[-4:]}', date '{AS_OF}', date '{AS_OF}', 'open', "
        f"date '{AS_OF}', null, null, null, null::date, null::boolean), "
        f"('c3', 'ID-03', 'error', 'H1', '{adult[:15]}000', 'V1', ['rural'], '', "
        f"date '{AS_OF}', date '{AS_OF}', 'open', date '{AS_OF}', null, null, null, "
        "null::date, null::boolean)) as t(" + ", ".join(LAYOUT["mart.discrepancies"]) + ")"
    )
    # the names the masker knows come from the staged extracts
    for kind in KINDS.values():
        body = ", ".join(f"{n} {t}" for n, t in staging_columns(kind))
        con.execute(f"create table staging.{kind.name} ({body})")
    con.execute("insert into staging.rural_members (name) values ('张三丰'), ('张小宝')")
    yield con, adult, child
    con.close()


def _shared(con, table: str) -> list[dict]:
    columns = list(LAYOUT[table])
    register_masks(con, "src", {table: columns}, KEY, AS_OF)
    rows = con.execute(shared_table_sql(table, columns, "src")).fetchall()
    names = shared_layout(table, columns)
    return [dict(zip(names, r, strict=True)) for r in rows]


def test_a_person_list_masks_keys_and_leaves_out_children(con):
    con, adult, _ = con
    [row] = _shared(con, "mart.vocational_intent")
    assert row["id_number"] == mask_id(adult) == adult[:6] + "*" * 8 + adult[-4:]
    assert row["person_key"] == _hmac(adult) and len(row["person_key"]) == 64
    assert row["name"] == mask_name("张三丰") == "张*"
    assert list(row)[list(row).index("id_number") + 1] == "person_key"


def test_a_childs_case_stays_without_its_id_and_a_cut_id_has_no_key(con):
    con, adult, child = con
    rows = {r["case_id"]: r for r in _shared(con, "mart.discrepancies")}
    assert set(rows) == {"c1", "c2", "c3"}
    assert rows["c1"]["person_key"] == _hmac(adult)
    assert rows["c1"]["detail"] == f"张* 证号{mask_id(adult)}"
    assert rows["c1"]["verification_note"] == "见张*" and rows["c1"]["verified_by"] == "李*"
    assert (rows["c2"]["id_number"], rows["c2"]["person_key"]) == (None, None)
    assert child[-4:] not in rows["c2"]["detail"] and "张小宝" not in rows["c2"]["detail"]
    assert rows["c3"]["person_key"] is None  # ID-03: never a join key
    assert rows["c3"]["id_number"] == mask_id(adult[:15] + "000")


def test_every_column_of_the_restricted_tables_says_how_the_shared_file_carries_it():
    for table, columns in LAYOUT.items():
        for column in columns:
            assert entry(table, column).shared  # a KeyError names a missing entry
    assert entry("mart.persons", "person_key").shared == DROP
    assert "raw" not in TABLE_COLUMNS.get("audit.files", {})
    with pytest.raises(KeyError, match="mart.households.new_column"):
        shared_table_sql("mart.households", [*LAYOUT["mart.households"], "new_column"], "src")


def test_without_a_key_or_with_a_short_one_the_shared_file_is_refused(monkeypatch):
    monkeypatch.delenv("YULU_PSEUDONYM_KEY", raising=False)
    with pytest.raises(MissingKeyError, match="YULU_PSEUDONYM_KEY is not set"):
        pseudonym_key()
    monkeypatch.setenv("YULU_PSEUDONYM_KEY", "short")
    with pytest.raises(MissingKeyError, match="shorter than 32"):
        pseudonym_key()
