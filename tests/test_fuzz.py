"""Fuzzing ingestion (issue 3): valid extracts of every kind, mutated as deliveries mutate them,
staged by the real staging code into a real DuckDB file. For every file: nothing escapes, the
ledger balances, the second count agrees, and no staged join key breaks the ID rules.

YULU_FUZZ_FILES sets how many extracts (default 210, each with its own seed; a few cases add a
copy or an Excel lock file beside the extract), YULU_FUZZ_SEED the base seed, and
YULU_FUZZ_SEEDS=s1,s2 runs only those cases. A failure names the seed of its case; write the
case's files with `.venv/bin/python tests/fuzzing.py SEED DIR` to look at them.
"""

from __future__ import annotations

import os
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from fuzzing import (
    ALL_MUTATIONS,
    KIND_NAMES,
    Case,
    build_case,
    check_character,
    has_id,
    id_rule_failure,
    upgraded,
)

from pipelines.ingest.kinds import KINDS, KINDS_BY_DEPARTMENT
from pipelines.ingest.stage import ingest_delivery
from pipelines.settings import REPO_ROOT, load_settings
from pipelines.warehouse import working_db

DAY = date(2026, 11, 30)
FILES = int(os.environ.get("YULU_FUZZ_FILES") or 210)
BASE_SEED = int(os.environ.get("YULU_FUZZ_SEED") or 3)
ONLY = [int(s) for s in (os.environ.get("YULU_FUZZ_SEEDS") or "").split(",") if s.strip()]
SEEDS = ONLY or [BASE_SEED * 1_000_000 + i for i in range(FILES)]
STATUSES = {"staged", "rejected", "skipped", "duplicate"}
JOIN_KEY_STATUSES = {"valid", "upgraded"}
SHOWN = 25  # problems listed in one assertion message


@dataclass
class FuzzRun:
    cases: list[Case]
    seconds: float
    files: int = 0
    statuses: Counter = field(default_factory=Counter)
    # problems by the property they break: crash, ledger, id, count, well_formed
    problems: dict[str, list[str]] = field(default_factory=dict)

    def add(self, what: str, case: Case, text: str) -> None:
        self.problems.setdefault(what, []).append(f"{case.label()}: {text}")

    def report(self, what: str, title: str) -> str:
        found = self.problems.get(what, [])
        seeds = ",".join(list(dict.fromkeys(p.split()[1] for p in found))[:10])
        lines = [f"{len(found)} {title} in {len(self.cases)} cases:", *found[:SHOWN]]
        if len(found) > SHOWN:
            lines.append(f"… and {len(found) - SHOWN} more")
        lines.append(f"reproduce: YULU_FUZZ_SEEDS={seeds} .venv/bin/pytest tests/test_fuzz.py")
        return "\n".join(lines)


def _where(exc: BaseException) -> str:
    """The innermost frame of the project's code and the innermost frame overall."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/pipelines/" in f.filename or "/checks/" in f.filename]
    shown = [f for f in (ours[-1:] + frames[-1:]) if f]
    return " → ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in shown)


def _stage(con, root: Path, case: Case):
    """Delivers the case's files in a folder of their own and stages that delivery."""
    inbox = root / "cases" / str(case.seed) / "inbox"
    folder = inbox / DAY.isoformat() / case.department
    folder.mkdir(parents=True)
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    return ingest_delivery(con, inbox, case.department, DAY)


def _check(con, run: FuzzRun, case: Case, outcomes) -> None:
    """Every property of one staged delivery, each problem under the property it breaks."""
    kinds = [k.name for k in KINDS_BY_DEPARTMENT[case.department]]
    audit = con.execute(
        "select file_name, file_sha256, kind, status, reason_code, rows_read, rows_staged, "
        "rows_quarantined, rows_counted from audit.files "
        "where delivery_date = ? and department = ?",
        [DAY, case.department],
    ).fetchall()
    audit_by_name = {row[0]: row for row in audit}
    staged_in = {
        (kind, sha): n
        for kind in kinds
        for sha, n in con.execute(
            f"select file_sha256, count(*) from staging.{kind} where delivery_date = ? group by 1",
            [DAY],
        ).fetchall()
    }
    rejected_in = dict(
        con.execute(
            "select file_sha256, count(*) from audit.rejected_rows "
            "where delivery_date = ? and department = ? group by 1",
            [DAY, case.department],
        ).fetchall()
    )
    if sorted(o.file_name for o in outcomes) != sorted(case.files):
        run.add("ledger", case, f"outcomes for {sorted(o.file_name for o in outcomes)}")
    if len(audit) != len(outcomes):
        run.add("ledger", case, f"{len(audit)} rows in audit.files for {len(outcomes)} files")
    staged_shas = set()
    for o in outcomes:
        run.files += 1
        run.statuses[o.status] += 1
        name = "the extract" if o.file_name == case.main else f"companion {o.file_name[-12:]}"

        def bad(text: str, what: str = "ledger", name: str = name) -> None:
            run.add(what, case, f"{name}: {text}")

        if o.status not in STATUSES:
            bad(f"status {o.status!r}")
        row = audit_by_name.get(o.file_name)
        counts = (o.rows_read, o.rows_staged, o.rows_quarantined, o.rows_counted)
        if row is None or (row[3], *row[5:]) != (o.status, *counts):
            bad(f"audit.files says {row and (row[3], *row[5:])}, the outcome {(o.status, *counts)}")
        if o.status == "staged":
            staged_shas.add(o.file_sha256)
            if o.kind not in kinds:
                bad(f"staged as {o.kind!r}, not a kind of {case.department}")
            if o.rows_read != o.rows_staged + o.rows_quarantined:
                staged, held = o.rows_staged, o.rows_quarantined
                bad(f"read {o.rows_read} ≠ staged {staged} + quarantined {held}")
            in_table = staged_in.get((o.kind, o.file_sha256), 0)
            if in_table != o.rows_staged:
                bad(f"staging.{o.kind} holds {in_table} rows, the ledger says {o.rows_staged}")
            if rejected_in.get(o.file_sha256, 0) != o.rows_quarantined:
                held = rejected_in.get(o.file_sha256, 0)
                bad(f"audit.rejected_rows holds {held} rows, the ledger says {o.rows_quarantined}")
            if o.rows_counted != o.rows_read:
                bad(f"rows_counted {o.rows_counted} ≠ rows_read {o.rows_read}", "count")
        elif o.status == "rejected":
            if not o.reason_code:
                bad("rejected without a reason_code")
            staged = sum(n for (_, sha), n in staged_in.items() if sha == o.file_sha256)
            quarantined = rejected_in.get(o.file_sha256, 0)
            if (o.rows_staged, o.rows_quarantined, staged, quarantined) != (0, 0, 0, 0):
                bad(f"rejected ({o.reason_code}) yet {staged} rows staged, {quarantined} held")
        elif o.status == "skipped" and o.file_name == case.main:
            bad("an extract skipped as if it were a lock or system file")
        elif o.status == "duplicate" and o.file_sha256 not in staged_shas:
            bad("a duplicate of no file staged before it")

    for o in outcomes:
        if o.status == "staged" and o.kind in kinds and has_id(KINDS[o.kind]):
            _check_ids(con, run, case, o)
    main = next((o for o in outcomes if o.file_name == case.main), None)
    if not case.damaged and main is not None:
        _check_well_formed(con, run, case, main, outcomes)


def _check_ids(con, run: FuzzRun, case: Case, outcome) -> None:
    """Every join key staged obeys the ID rules, checked here, and agrees with its status."""
    rows = con.execute(
        f"select source_row, id_number, id_status, id_cleaned from staging.{outcome.kind} "
        "where delivery_date = ? and file_sha256 = ?",
        [DAY, outcome.file_sha256],
    ).fetchall()
    for source_row, key, status, cleaned in rows:
        where = f"row {source_row}"
        if key is not None:
            failure = id_rule_failure(key, DAY)
            if failure:
                run.add("id", case, f"{where}: join key {key!r} staged: {failure}")
            if status not in JOIN_KEY_STATUSES:
                run.add("id", case, f"{where}: join key staged with status {status!r}")
        elif status in JOIN_KEY_STATUSES:
            run.add("id", case, f"{where}: status {status!r} without a join key")
        if status == "valid" and key is not None and key != cleaned:
            run.add("id", case, f"{where}: valid key {key!r} is not the cleaned ID {cleaned!r}")
        if status == "upgraded" and key is not None:
            legacy = cleaned if cleaned and len(cleaned) == 15 and cleaned.isascii() else None
            if legacy is None or not legacy.isdigit() or upgraded(legacy) != key:
                run.add("id", case, f"{where}: {key!r} is not the upgrade of {cleaned!r}")


def _check_well_formed(con, run: FuzzRun, case: Case, main, outcomes) -> None:
    """A file that only carries the dirt DESIGN §3 allows is staged as its kind, every row of
    it is read, and every ID that cleaning can save becomes a join key."""

    def bad(text: str) -> None:
        run.add("well_formed", case, text)

    if main.status != "staged":
        bad(f"{main.status} ({main.reason_code}): {main.detail[:160]}")
        return
    if main.kind != case.kind:
        bad(f"read as {main.kind}")
        return
    if main.rows_read != case.rows_read:
        bad(f"rows_read {main.rows_read}, the file has {case.rows_read} rows below its header")
    keys = (
        {
            k
            for (k,) in con.execute(
                f"select distinct id_number from staging.{case.kind} "
                "where delivery_date = ? and file_sha256 = ? and id_number is not null",
                [DAY, main.file_sha256],
            ).fetchall()
        }
        if has_id(KINDS[case.kind])
        else set()
    )
    if keys != case.keys:
        lost, extra = sorted(case.keys - keys), sorted(keys - case.keys)
        bad(f"join keys: {len(lost)} lost {lost[:3]}, {len(extra)} not in the file {extra[:3]}")
    for o in outcomes:
        copy = o is not main and not o.file_name.startswith("~$")
        if copy and o.status != "duplicate":
            bad(f"the second copy is {o.status}, not a duplicate")


@pytest.fixture(scope="module")
def fuzz_run(tmp_path_factory: pytest.TempPathFactory) -> FuzzRun:
    """Every case staged in turn into one working database (the project's own, made by
    `working_db`), each delivery checked as soon as it is staged."""
    root = tmp_path_factory.mktemp("fuzz")
    started = time.perf_counter()
    cases = [build_case(seed) for seed in SEEDS]
    run = FuzzRun(cases, 0.0)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("YULU_DATA_DIR", str(root / "data"))
        env.setenv("YULU_REFERENCE_DIR", str(REPO_ROOT / "data" / "reference"))
        with working_db(load_settings()) as con:
            for case in cases:
                try:
                    outcomes = _stage(con, root, case)
                except Exception as exc:  # the property under test: nothing escapes
                    run.add("crash", case, f"{type(exc).__name__} escaped ({_where(exc)})")
                    continue
                _check(con, run, case, outcomes)
    run.seconds = time.perf_counter() - started
    print(
        f"\nfuzz: {len(cases)} cases, {run.files} files in {run.seconds:.1f} s; "
        f"{dict(run.statuses)}; problems: { {k: len(v) for k, v in run.problems.items()} }"
    )
    return run


def _assert_none(run: FuzzRun, what: str, title: str) -> None:
    if run.problems.get(what):
        pytest.fail(run.report(what, title), pytrace=False)


def test_no_file_makes_ingestion_raise(fuzz_run: FuzzRun):
    _assert_none(fuzz_run, "crash", "exceptions escaped")


def test_every_file_has_an_outcome_and_the_ledger_balances(fuzz_run: FuzzRun):
    _assert_none(fuzz_run, "ledger", "ledger problems")


def test_no_staged_join_key_breaks_the_id_rules(fuzz_run: FuzzRun):
    _assert_none(fuzz_run, "id", "ID rule breaches")


def test_the_second_count_agrees_with_rows_read(fuzz_run: FuzzRun):
    """Kept apart from the ledger: the second count is a different reader's view."""
    _assert_none(fuzz_run, "count", "mismatches of rows_counted and rows_read")


def test_files_with_only_allowed_dirt_lose_no_row_and_no_id(fuzz_run: FuzzRun):
    """Files whose bytes are intact are checked against what the generator wrote."""
    _assert_none(fuzz_run, "well_formed", "losses in undamaged files")


@pytest.mark.skipif(bool(ONLY), reason="a chosen set of seeds need not cover everything")
def test_the_cases_cover_every_kind_mutation_and_outcome(fuzz_run: FuzzRun):
    """Every kind in turn (the seed picks it); with 200 cases or more, every mutation, format
    and encoding, and every status a file can end in."""
    assert fuzz_run.files >= min(200, len(SEEDS))
    kinds = Counter(c.kind for c in fuzz_run.cases)
    assert set(KIND_NAMES) == set(KINDS)
    assert len(kinds) == min(len(KINDS), len(SEEDS)), kinds
    used = Counter(m for c in fuzz_run.cases for m in c.mutations)
    if len(SEEDS) >= 200:
        assert not set(ALL_MUTATIONS) - set(used), set(ALL_MUTATIONS) - set(used)
        assert set(fuzz_run.statuses) == STATUSES, fuzz_run.statuses


@pytest.mark.parametrize("kind", KIND_NAMES)
@pytest.mark.parametrize("fmt", ["encoding:utf-8", "xlsx"])
def test_an_unmutated_extract_stages_every_row(data_dir, kind, fmt):
    """The fuzzer's starting point is valid: otherwise its findings would mean nothing."""
    seed = next(s for s in range(100, 200) if KIND_NAMES[s % len(KIND_NAMES)] == kind)
    case = build_case(seed, only=[fmt])
    with working_db(load_settings()) as con:
        [outcome] = _stage(con, data_dir, case)
    assert (outcome.status, outcome.kind) == ("staged", kind), (case.label(), outcome.detail)
    counts = (outcome.rows_read, outcome.rows_staged, outcome.rows_quarantined)
    assert counts == (case.rows_read, case.rows_read, 0), case.label()


def _with_check(body: str) -> str:
    return body + check_character(body)


def test_the_id_oracle_refuses_what_the_rules_refuse():
    """The test's own ID rules: if they let anything through, the fuzz proves nothing."""
    good = _with_check("41122420090301021")
    ends_in_x = next(
        _with_check(f"41122420090301{n:03d}")
        for n in range(1000)
        if check_character(f"41122420090301{n:03d}") == "X"
    )
    assert id_rule_failure(good, DAY) is None and id_rule_failure(ends_in_x, DAY) is None
    refused = [
        good[:-1] + ("0" if good[-1] != "0" else "1"),  # check character
        good[:-1],  # length
        ends_in_x.lower(),  # a lower-case x is not the join key
        good.replace("4", "４", 1),  # full-width digits are not the join key
        _with_check("41122420230230001"),  # 30 February
        _with_check("41122420991231001"),  # born after the delivery
        _with_check("41122418991231001"),  # born before 1900
        None,
    ]
    assert all(id_rule_failure(v, DAY) for v in refused)
    assert upgraded("411224850101123") == _with_check("41122419850101123")
