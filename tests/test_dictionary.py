"""The data dictionary: every published table and column of both files carries its comment in
Chinese and English, the layout is what publishing writes, and the committed page is current."""

from __future__ import annotations

import re

import duckdb
import pytest
from conftest import day_range, process_day

from pipelines.dictionary import LAYOUT, describe, markdown, shared_layout, shared_tables
from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import REPO_ROOT, load_settings

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3}")


@pytest.fixture
def published_files(data_dir):
    generate(data_dir, load_settings().reference_dir, households=60, days=1, seed=41)
    process_day(day_range(DEFAULT_START, 1)[0])
    return data_dir / "warehouse" / "yulu.duckdb", data_dir / "warehouse" / "yulu_shared.duckdb"


def _comments(path) -> tuple[dict, dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {
            f"{s}.{t}": c
            for s, t, c in con.execute(
                "select schema_name, table_name, comment from duckdb_tables() where not internal"
            ).fetchall()
        }
        columns = {}
        for s, t, c, comment in con.execute(
            "select schema_name, table_name, column_name, comment from duckdb_columns() "
            "where not internal order by column_index"
        ).fetchall():
            columns.setdefault(f"{s}.{t}", {})[c] = comment
    return tables, columns


def test_every_published_table_and_column_has_its_comment_in_both_languages(published_files):
    restricted, shared = published_files
    for path, is_shared, layout in (
        (restricted, False, dict(LAYOUT)),
        (shared, True, {t: shared_layout(t, LAYOUT[t]) for t in shared_tables()}),
    ):
        tables, columns = _comments(path)
        assert set(tables) == set(layout), path.name
        for table, comment in tables.items():
            assert comment == describe(table, None, is_shared)
            assert list(columns[table]) == list(layout[table]), table
            for column, text in columns[table].items():
                assert text, f"{path.name} {table}.{column} has no comment"
                assert CJK.search(text) and LATIN.search(text), (table, column)
                assert text == describe(table, column, is_shared)


def test_the_committed_dictionary_page_is_what_yulu_dictionary_prints():
    page = REPO_ROOT / "pipelines" / "dictionary.md"
    assert page.read_text(encoding="utf-8") == markdown(), "run: yulu dictionary > " + str(page)
    assert "dictionary.md" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
