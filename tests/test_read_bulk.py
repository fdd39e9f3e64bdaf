"""The bulk reader (`pipelines/ingest/bulk.py`) against the row reader: every delimited fuzz case
is staged twice, once taken in bulk and once row by row, and the two must leave the same ledger,
the same staged rows and the same quarantined rows with the same reasons. The row reader is
the reference: its behaviour is what the read tests check against hand-made files."""

from __future__ import annotations

from datetime import date

import pytest
from fuzzing import build_case

from pipelines.ingest import bulk
from pipelines.ingest import read as read_module
from pipelines.ingest.kinds import KINDS_BY_DEPARTMENT
from pipelines.ingest.stage import ingest_delivery
from pipelines.settings import load_settings
from pipelines.warehouse import working_db

DAY = date(2026, 11, 30)
SEEDS = range(4_000_000, 4_000_000 + 160)


MODES = {  # how a delimited file is taken: (bulk above chars, in blocks above bytes, block)
    "rows": (float("inf"), float("inf"), read_module.BLOCK_BYTES),
    "bulk": (0, float("inf"), read_module.BLOCK_BYTES),
    "blocks": (0, 0, 97),  # decoded a few lines at a time: every block boundary is tried
}


def _staged(root, case, monkeypatch, mode: str, taken: list) -> dict:
    inbox = root / mode / str(case.seed)
    folder = inbox / DAY.isoformat() / case.department
    folder.mkdir(parents=True)
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    chars, stream, block = MODES[mode]
    monkeypatch.setattr(bulk, "BULK_MIN_CHARS", chars)
    monkeypatch.setattr(read_module, "STREAM_BYTES", stream)
    monkeypatch.setattr(read_module, "BLOCK_BYTES", block)
    real = bulk.lines_of

    def counted(*args):
        taken.append(True)
        return real(*args)

    monkeypatch.setattr(bulk, "lines_of", counted)
    monkeypatch.setenv("YULU_DATA_DIR", str(root / f"{mode}-db"))
    with working_db(load_settings()) as con:
        ingest_delivery(con, inbox, case.department, DAY)
        found = {
            "files": con.execute(
                "select file_name, kind, status, reason_code, rows_read, rows_staged, "
                "rows_quarantined, rows_counted, detail from audit.files order by file_name"
            ).fetchall(),
            "rejected": con.execute(
                "select file_sha256, sheet, source_row, reason_code, reason, raw "
                "from audit.rejected_rows order by all"
            ).fetchall(),
        }
        for kind in KINDS_BY_DEPARTMENT[case.department]:
            found[kind.name] = con.execute(
                f"select * exclude (delivery_date) from staging.{kind.name} order by all"
            ).fetchall()
    monkeypatch.undo()
    return found


@pytest.mark.parametrize("seed", SEEDS)
def test_bulk_and_row_readers_stage_the_same(seed, tmp_path, monkeypatch):
    case = build_case(seed)
    if case.encoding is None:
        pytest.skip("a workbook: always read row by row")
    by_rows = _staged(tmp_path, case, monkeypatch, "rows", [])
    assert _staged(tmp_path, case, monkeypatch, "bulk", []) == by_rows, case.label()
    assert _staged(tmp_path, case, monkeypatch, "blocks", []) == by_rows, case.label()


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
@pytest.mark.parametrize("mode", ["bulk", "blocks"])
def test_a_plain_delimited_file_is_taken_in_bulk(encoding, mode, tmp_path, monkeypatch):
    case = build_case(4_000_001, only=[f"encoding:{encoding}", "ragged_rows", "totals_rows"])
    taken: list[bool] = []
    found = _staged(tmp_path, case, monkeypatch, mode, taken)
    assert taken and all(taken)
    assert [status for _, _, status, *_ in found["files"]] == ["staged"]


def test_a_file_holding_every_line_mark_is_read_row_by_row_and_loses_nothing(tmp_path, monkeypatch):
    case = build_case(4_000_001, only=["encoding:utf-8"])
    name = case.main
    text = case.files[name].decode("utf-8")
    lines = text.split("\n")
    # a control character of each kind the bulk reader could cut lines with, in a name cell
    lines[1] = lines[1].replace(",", ",\x1f\x1e\x1d\x1c\x07", 1)
    case.files[name] = "\n".join(lines).encode("utf-8")
    taken: list[bool] = []
    in_bulk = _staged(tmp_path, case, monkeypatch, "blocks", taken)
    assert _staged(tmp_path, case, monkeypatch, "bulk", taken) == in_bulk
    assert taken == []  # never handed to the bulk reader
    assert in_bulk == _staged(tmp_path, case, monkeypatch, "rows", [])
    [(_, _, status, _, rows_read, staged, quarantined, *_)] = in_bulk["files"]
    assert (status, rows_read, staged + quarantined) == ("staged", case.rows_read, case.rows_read)
