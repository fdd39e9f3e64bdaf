"""The benchmark's peers and measurement (issue 7) on a tiny hand-made day: the floor loads
every row the manifest says, the pandas peer finds what was counted by hand, and measure.py
sees a child's memory, errors and time budget."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

# The benchmarks are modules of the repository (`python -m tests.benchmarks.peers`), run
# from its root; pytest puts only tests/ on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.benchmarks import measure, peers  # noqa: E402
from tests.benchmarks.province_fixture import file_entry, write_manifest  # noqa: E402
from tests.builders import (  # noqa: E402
    HEADERS,
    enrollment,
    intent,
    job,
    member,
    payment,
    person_id,
)

DAY = "2026-12-01"

# Eight made-up people; G is in no household of the register.
A, B, C, D, E, F, G, H = (person_id("20080101", seq) for seq in range(11, 27, 2))


def _training(id_number: str) -> dict:
    return {
        "姓名": "培训甲",
        "身份证号码": id_number,
        "培训项目": "电工",
        "培训类别": "就业技能培训",
        "开始日期": "2025-04-01",
        "结束日期": "2025-04-20",
        "是否取得证书": "是",
    }


def _day() -> dict[str, list[dict]]:
    """H1 脱贫户 (eligible), H2 一般农户 (not), H3 一般农户 monitored 边缘易致贫户 (eligible)."""
    h3 = {"household_type": "一般农户", "category": "边缘易致贫户"}
    h2 = {"household_type": "一般农户"}
    return {
        "rural_members": [
            member("H1", 1, "甲", A, months_worked=6),
            member("H1", 2, "乙", B, "之子", months_worked=0),
            member("H1", 3, "辛", H, "之父", status="死亡"),
            member("H2", 1, "丙", C, **h2, months_worked=0),
            member("H2", 2, "己", F, "之子", **h2, months_worked=12),
            member("H2", 3, "戊", E, "之女", **h2),  # E in two households
            member("H3", 1, "丁", D, **h3, months_worked=3),
            member("H3", 2, "戊", E, "之女", **h3),
        ],
        "rural_subsidies": [
            payment("2026年秋季", "H1", "甲", A),
            payment("2026年秋季", "H2", "甲", A),  # under a household not A's
            payment("2026年秋季", "H2", "丙", f"  {C} "),  # C is enrolled nowhere
            payment("2026年秋季", "H2", "丙", C),  # the same payment again, once stripped
            payment("2026年秋季", "H3", "丁", D, status="待发放"),
            payment("2026年秋季", "H1", "庚", G),  # G graduated and is in no household
        ],
        "education_enrollments": [
            enrollment("甲", A),
            enrollment("乙", B),
            enrollment("丁", D),
            enrollment("戊", E, status="毕业", graduated="2026.06"),
            enrollment("己", F, status="毕业", graduated="2026.06"),
            enrollment("庚", G, status="毕业", graduated="2026.06"),
        ],
        "hrss_employment": [job("甲", A), job("丙", C), job("己", F)],
        "rural_intents": [intent("H1", "甲", A), intent("H3", "丁", D)],
        "hrss_training": [_training(A), _training(B)],
    }


@pytest.fixture
def tiny_manifest(tmp_path):
    data = tmp_path / "data"
    rows = {kind: [[r[h] for h in HEADERS[kind]] for r in rs] for kind, rs in _day().items()}
    files = [file_entry(data, DAY, kind, rs) for kind, rs in rows.items()]
    path = write_manifest(data, [{"day": DAY, "files": files}], households=3, members=8, seed=0)
    return path, {kind: len(rs) for kind, rs in rows.items()}


def test_the_tiny_day_has_the_departments_formats(tiny_manifest):
    path, _ = tiny_manifest
    files = json.loads(path.read_text(encoding="utf-8"))["days"][0]["files"]
    fmt = {f["kind"]: (f["encoding"], f["delimiter"], f["header_line"]) for f in files}
    assert fmt["rural_members"] == ("gb18030", ",", 1)
    assert fmt["rural_subsidies"] == ("utf-8-sig", ",", 2)  # a title row above the header
    assert fmt["hrss_training"] == ("utf-8", "\t", 1)


def test_floor_loads_every_row_the_manifest_says(tiny_manifest, tmp_path):
    path, written = tiny_manifest
    result = peers.floor(path, DAY, tmp_path / "work", memory_limit="1GB")
    assert {f["kind"]: f["rows"] for f in result["files"]} == written
    assert result["rows_total"] == 8 + 6 + 6 + 3 + 2 + 2
    assert result["rows_match"]
    assert result["published_bytes"] > 0 and result["published_tables"] == 6
    # a published size asked for: copies until the file is at least that big
    bigger = peers.floor(path, DAY, tmp_path / "work", published_bytes=3 * 2**20)
    assert bigger["published_bytes"] >= 3 * 2**20
    assert bigger["published_tables"] > 6


def test_pandas_peer_finds_what_was_counted_by_hand(tiny_manifest, tmp_path):
    path, _ = tiny_manifest
    result = peers.pandas_peer(path, DAY, tmp_path / "work")
    assert result["rows_read"] == 27
    assert result["results"] == {
        "paid_not_enrolled": 2,  # C (enrolled nowhere), G (graduated)
        "eligible_not_paid": 1,  # B; D's payment is pending, which counts
        "graduates_no_employment": 1,  # E; F has a job, G is in no household
        "one_person_two_households": 1,  # E
        "members_no_intent": 4,  # B, C, E, F; H is deceased
        "employment_disagrees": 2,  # C (0 months, employed), D (3 months, no record)
        "paid_ineligible_household": 2,  # A under H2, C
        "paid_household_mismatch": 1,  # A under H2
    }
    capped = peers.pandas_peer(path, DAY, tmp_path / "work", max_rows=2)
    assert capped["rows_read"] == 2 * 6


def allocate_and_return(nbytes: int) -> dict:
    buffer = bytearray(nbytes)
    buffer[::4096] = b"\x01" * len(range(0, nbytes, 4096))  # every page resident
    time.sleep(0.4)
    return {"allocated": len(buffer)}


def fail(message: str) -> None:
    raise ValueError(message)


def test_measure_sees_a_childs_buffer_and_returns_its_value():
    size = 200 * 2**20
    m = measure.run_callable(allocate_and_return, size)
    assert m.status == "ok" and m.exit_code == 0
    assert m.result == {"allocated": size}
    assert m.peak_rss_bytes >= size
    assert m.peak_rss_sampled_bytes >= size  # seen by sampling the tree, not only ru_maxrss
    assert m.wall_s >= 0.4 and m.cpu_s > 0


def test_measure_reports_a_childs_error_and_kills_at_the_budgets():
    m = measure.run_callable(fail, "no such file")
    assert m.status == "error" and m.exit_code == 1
    assert m.error["type"] == "ValueError" and "no such file" in m.error["message"]
    with pytest.raises(measure.ChildError, match="ValueError: no such file"):
        m.check()
    m = measure.run_command(["sleep", "10"], timeout=0.5)
    assert m.status == "timeout" and m.wall_s < 5
    m = measure.run_command(["sh", "-c", "exit 3"])
    assert m.status == "error" and m.exit_code == 3


def test_ladder_reports_sizes_that_do_not_finish(tiny_manifest, tmp_path):
    path, _ = tiny_manifest
    ladder = peers.largest_size_that_finishes(
        path, DAY, tmp_path / "work", rss_limit_bytes=1, fractions=(1, 1 / 2)
    )
    assert [a["status"] for a in ladder["attempts"]] == ["rss_limit", "rss_limit"]
    assert [a["max_rows"] for a in ladder["attempts"]] == [None, 4]  # half the 8 members
    assert ladder["largest_finished"] is None
