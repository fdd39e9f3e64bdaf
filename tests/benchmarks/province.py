"""`make bench` (issue 7): a province's day, measured against the floor and a naive pandas peer in
the same run, on the same files.

1. The sample: `yulu sample --province` (河南, every village of divisions_41.csv) into the work
   folder, kept for the next run with the same size and seed (writing it is not measured).
2. The full day: every department's first delivery through every stage the daily job runs,
   in a child process, with the wall time of each stage, rows per second and the peak memory
   of the whole process tree (`measure.py`); then the findings against the answer key.
3. The following day, on the same warehouse: only 人社 delivers, with about 1 % of its rows
   changed.
4. The floor: DuckDB loading every file of the first day (decoded to UTF-8 beforehand, not
   timed) into tables and writing a file of the published warehouse's size (`peers.floor`).
5. The naive peer: the same joins and anti-joins in pandas at the largest size it finishes
   within its time budget (`peers.largest_size_that_finishes`); where that is not the whole
   province, Yulu's day is timed again on the same first rows of every file.
6. The county sample through Dagster: `yulu run` on the first day, start to finish, so the
   fixed cost of a run shows.

It prints the table of figures and ratios, with each target met or not, and writes it as JSON
to `$YULU_DATA_DIR/bench/` (a file per run, and `latest.json`). It prints counts, sizes and
times, never a value of the files.

    .venv/bin/python -m tests.benchmarks.province [--households 2000000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from tests.benchmarks import peers
from tests.benchmarks.measure import Measurement, run_callable, run_command

REPO = Path(__file__).resolve().parents[2]
YULU = str(Path(sys.executable).with_name("yulu"))
START = date(2026, 11, 30)
BENCH_KEY = "yulu-bench-only-" + "0" * 48  # the benchmark's own pseudonym key: synthetic data
GiB = 2**30
TARGETS = {
    "day_vs_floor": 2.0,  # at most
    "pandas_vs_day": 10.0,  # at least
    "following_vs_full": 0.5,  # at most
    "peak_gib": 8.0,  # under
    "county_dagster_s": 20.0,  # under
}


def _env(data_dir: Path, **more: str) -> dict:
    env = dict(os.environ)
    env.update(
        YULU_DATA_DIR=str(data_dir),
        YULU_REFERENCE_DIR=str(REPO / "data" / "reference"),
        YULU_PSEUDONYM_KEY=BENCH_KEY,
        DAGSTER_HOME=str(data_dir / "dagster"),
        **more,
    )
    return env


def _say(text: str) -> None:
    print(text, flush=True)


# --- the sample ----------------------------------------------------------------------------


def ensure_sample(data_dir: Path, households: int, seed: int) -> dict:
    """The province sample of this size and seed, written unless the last one matches."""
    manifest = data_dir / "sample" / "province_manifest.json"
    if manifest.exists():
        written = json.loads(manifest.read_text(encoding="utf-8"))
        if (written.get("households"), written.get("seed")) == (households, seed):
            return {"reused": True, "seconds": None, "manifest": written}
    if data_dir.exists():
        shutil.rmtree(data_dir)
    _say(f"writing the province sample ({households:,} households; not measured) …")
    argv = [YULU, "sample", "--province", "--households", str(households), "--seed", str(seed)]
    began = time.perf_counter()
    subprocess.run(argv, env=_env(data_dir), check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - began
    return {
        "reused": False,
        "seconds": round(seconds, 1),
        "manifest": json.loads(manifest.read_text()),
    }


def _fresh_warehouse(data_dir: Path) -> None:
    for name in ("warehouse", "exports", "docs", "dagster"):
        shutil.rmtree(data_dir / name, ignore_errors=True)


# --- Yulu's days ----------------------------------------------------------------------------


def yulu_day(data_dir: Path, day: str, label: str) -> Measurement:
    _say(f"{label}: Yulu, every stage of {day} …")
    measured = run_callable(
        "tests.benchmarks.day_stages:run_day", day, label=label, env=_env(data_dir)
    )
    return measured.check()


def answer_key_check(data_dir: Path, days: list[str]) -> dict:
    """Findings of the published history against the generator's answer key, per day."""
    import duckdb

    key = data_dir / "sample" / "answer_key.csv"
    with key.open(encoding="utf-8") as f:
        expected = {
            (r["as_of"], r["rule_code"], r["household_id"], r["id_number"])
            for r in csv.DictReader(f)
            if r["as_of"] in days
        }
    con = duckdb.connect(str(data_dir / "warehouse" / "yulu.duckdb"), read_only=True)
    try:
        found = set(
            con.execute(
                "select as_of::varchar, rule_code, coalesce(household_id, ''), "
                "coalesce(id_number, '') from history.discrepancies"
            ).fetchall()
        )
    finally:
        con.close()
    found = {f for f in found if f[0] in days}
    return {
        "expected": len(expected),
        "found": len(found),
        "missed": len(expected - found),
        "extra": len(found - expected),
        "rules": len({r for _, r, _, _ in expected}),
    }


def truncated_inbox(data_dir: Path, target: Path, day: str, max_rows: int) -> None:
    """The first `max_rows` data rows of every file of `day`, as the pandas peer reads them, in
    the files' own encodings, for timing Yulu at the peer's size."""
    _, _, files = peers.load_day(data_dir / "sample" / "province_manifest.json", day)
    if target.exists():
        shutil.rmtree(target)
    for f in files:
        source = data_dir / f["path"]
        out = target / f["path"]
        out.parent.mkdir(parents=True, exist_ok=True)
        keep = int(f["header_line"]) + max_rows
        with source.open("rb") as src, out.open("wb") as dst:
            for number, line in enumerate(src, start=1):
                if number > keep:
                    break
                dst.write(line)


# --- the county through Dagster ---------------------------------------------------------------


def county_through_dagster(workdir: Path) -> dict:
    data_dir = workdir / "county"
    if not (data_dir / "inbox").is_dir():
        subprocess.run([YULU, "sample"], env=_env(data_dir), check=True, stdout=subprocess.DEVNULL)
    _fresh_warehouse(data_dir)
    _say("county sample: `yulu run` through Dagster, start to finish …")
    argv = [YULU, "run", "--date", START.isoformat()]
    measured = run_command(
        argv,
        label="county via Dagster",
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ).check()
    return {"wall_s": round(measured.wall_s, 2), "peak_rss_bytes": measured.peak_rss_bytes}


# --- the report --------------------------------------------------------------------------------


def _row(name: str, seconds: float | None, rows: int | None, peak: int | None = None) -> str:
    rate = f"{rows / seconds:>12,.0f}" if rows and seconds else f"{'':>12}"
    shown_rows = f"{rows:>12,}" if rows is not None else f"{'':>12}"
    shown_peak = f"{peak / GiB:>10.2f}" if peak else f"{'':>10}"
    shown_s = f"{seconds:>9.1f}" if seconds is not None else f"{'':>9}"
    return f"  {name:<34}{shown_s}{shown_rows}{rate}{shown_peak}"


def _day_table(title: str, measured: Measurement) -> list[str]:
    result = measured.result
    lines = [
        f"{title} ({result['day']})",
        f"  {'stage':<34}{'wall s':>9}{'rows':>12}{'rows/s':>12}{'peak GiB':>10}",
    ]
    for stage in result["stages"]:
        lines.append(_row(stage["stage"], stage["seconds"], stage["rows"]))
        if stage["stage"].startswith("ingest"):
            department = stage["stage"].split()[1]
            for f in result["files"]:
                if f["department"] == department and f["kind"]:
                    lines.append(_row(f"  {f['kind']}", f["seconds"], f["rows_read"]))
    rows_in = sum(f["rows_read"] for f in result["files"])
    lines.append(
        _row("whole day (child process)", measured.wall_s, rows_in, measured.peak_rss_bytes)
    )
    return lines


def _ratio_line(name: str, value: float | None, target: float, at_most: bool, unit="") -> str:
    if value is None:
        return f"  {name:<46} {'n/a':>8}   target {'≤' if at_most else '≥'} {target:g}{unit}"
    met = value <= target if at_most else value >= target
    sign = "≤" if at_most else "≥"
    verdict = "met" if met else "NOT met"
    return f"  {name:<46} {value:>8.2f}{unit}   target {sign} {target:g}{unit}   {verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/yulu-bench/province"))
    parser.add_argument("--out", type=Path, default=None, help="default $YULU_DATA_DIR/bench")
    parser.add_argument("--peer-budget", type=float, default=900, help="seconds per pandas try")
    parser.add_argument("--skip-county", action="store_true")
    args = parser.parse_args(argv)
    out = args.out or Path(os.environ.get("YULU_DATA_DIR") or REPO / "data") / "bench"
    workdir = args.workdir.resolve()
    data_dir = workdir / "data"
    began = time.time()

    sample = ensure_sample(data_dir, args.households, args.seed)
    days = [d["day"] for d in sample["manifest"]["days"]]
    rows_written = {
        d["day"]: sum(int(f["rows"]) for f in d["files"]) for d in sample["manifest"]["days"]
    }
    _fresh_warehouse(data_dir)
    full = yulu_day(data_dir, days[0], "full day")
    following = yulu_day(data_dir, days[1], "following day")
    key = answer_key_check(data_dir, days)

    partial = workdir / "partial.json"  # what is measured so far, should a later step fail
    partial.write_text(
        json.dumps({"full_day": full.as_dict(), "following_day": following.as_dict()}), "utf-8"
    )
    _say("floor: DuckDB loading the same files (decoded to UTF-8 first, not timed) …")
    manifest = data_dir / "sample" / "province_manifest.json"
    floor_dir = workdir / "floor"
    run_callable(peers.prepare_utf8, str(manifest), days[0], str(floor_dir), label="utf-8").check()
    floor = run_callable(
        peers.floor,
        str(manifest),
        days[0],
        str(floor_dir),
        full.result["published_bytes"],
        label="floor",
    )
    if not floor.ok:
        _say(f"  the floor did not finish: {floor.describe_error()}")

    _say(f"naive pandas peer (each try at most {args.peer_budget:.0f} s) …")
    ladder = peers.largest_size_that_finishes(
        str(manifest), days[0], str(workdir / "pandas"), time_budget_s=args.peer_budget
    )
    finished = ladder.get("largest_finished")
    same_size = None
    if finished and finished.get("max_rows"):
        small = workdir / "at-peer-size"
        truncated_inbox(data_dir, small, days[0], finished["max_rows"])
        shutil.copytree(data_dir / "sample", small / "sample", dirs_exist_ok=True)
        same_size = yulu_day(small, days[0], "Yulu at the peer's size")
        shutil.rmtree(small, ignore_errors=True)

    county = None
    if not args.skip_county:
        try:
            county = county_through_dagster(workdir)
        except Exception as failed:  # the province's figures are still worth writing
            _say(f"  the county run did not finish: {type(failed).__name__}: {failed}")

    core = ("ingest", "catch up", "reference", "conform", "reconcile", "publish")
    core_s = sum(s["seconds"] for s in full.result["stages"] if s["stage"].startswith(core))
    yulu_at_peer = same_size.wall_s if same_size else full.wall_s
    ratios = {
        "day_vs_floor": full.wall_s / floor.wall_s if floor.ok else None,
        "core_vs_floor": core_s / floor.wall_s if floor.ok else None,
        "pandas_vs_day": (finished["wall_s"] / yulu_at_peer) if finished else None,
        "following_vs_full": following.wall_s / full.wall_s,
        "peak_gib": max(full.peak_rss_bytes, following.peak_rss_bytes) / GiB,
        "county_dagster_s": county["wall_s"] if county else None,
    }
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(began)),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_before": os.getloadavg(),
        },
        "households": args.households,
        "members": sample["manifest"].get("members"),
        "rows_written": rows_written,
        "sample": {k: v for k, v in sample.items() if k != "manifest"},
        "full_day": full.as_dict(),
        "following_day": following.as_dict(),
        "answer_key": key,
        "floor": floor.as_dict(),
        "pandas_ladder": ladder,
        "yulu_at_peer_size": same_size.as_dict() if same_size else None,
        "county_dagster": county,
        "core_seconds": core_s,
        "ratios": ratios,
        "targets": TARGETS,
        "seconds": round(time.time() - began, 1),
    }
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(began))
    for name in (f"province-{stamp}.json", "latest.json"):
        (out / name).write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")

    lines = [
        "",
        f"Yulu province benchmark: {args.households:,} households, "
        f"{sample['manifest'].get('members') or 0:,} members, "
        f"{rows_written[days[0]]:,} rows on the first day; {os.cpu_count()} cores",
        "",
        *_day_table("Full province day", full),
        "",
        *_day_table("Following day (人社 only, ~1 % of its rows changed)", following),
        "",
        f"answer key ({', '.join(days)}): {key['expected']:,} findings expected over "
        f"{key['rules']} rules, {key['found']:,} found, {key['missed']} missed, "
        f"{key['extra']} extra",
        "",
        "Peers, same files, same run",
        _row(
            "floor: DuckDB load + write",
            floor.wall_s,
            floor.result["rows_total"] if floor.ok else None,
            floor.peak_rss_bytes,
        ),
    ]
    for attempt in ladder["attempts"]:
        label = f"pandas peer x{attempt['fraction']:g} ({attempt['status']})"
        lines.append(
            _row(label, attempt["wall_s"], attempt["rows_read"], attempt["peak_rss_bytes"])
        )
    if same_size:
        lines.append(
            _row("Yulu at the peer's size", same_size.wall_s, None, same_size.peak_rss_bytes)
        )
    if county:
        lines.append(
            _row(
                "county day via Dagster (yulu run)",
                county["wall_s"],
                None,
                county["peak_rss_bytes"],
            )
        )
    lines += [
        "",
        "Ratios (one run)",
        _ratio_line("full day / floor", ratios["day_vs_floor"], TARGETS["day_vs_floor"], True),
        _ratio_line(
            "  ingest→publish only / floor", ratios["core_vs_floor"], TARGETS["day_vs_floor"], True
        ),
        _ratio_line(
            "pandas peer / Yulu, same size",
            ratios["pandas_vs_day"],
            TARGETS["pandas_vs_day"],
            False,
        ),
        _ratio_line(
            "following day / full day",
            ratios["following_vs_full"],
            TARGETS["following_vs_full"],
            True,
        ),
        _ratio_line(
            "peak memory, process tree", ratios["peak_gib"], TARGETS["peak_gib"], True, " GiB"
        ),
        _ratio_line(
            "county day via Dagster",
            ratios["county_dagster_s"],
            TARGETS["county_dagster_s"],
            True,
            " s",
        ),
        "",
        f"written to {out / f'province-{stamp}.json'} (and latest.json)",
    ]
    _say("\n".join(lines))
    return 0 if key["missed"] == 0 and key["extra"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
