"""The peers the province-scale benchmark measures Yulu against (issue 7), on the same files
in the same run:

- `floor`: the least any pipeline must do with a day's files: DuckDB loads every file (already
  decoded to UTF-8, untimed) as text into a fresh database file and writes a published file
  of about the published warehouse's size. No validation, no rules.
- `pandas_peer`: what a county analyst would write in pandas: read every file with
  `read_csv(dtype=str)`, strip whitespace, drop duplicates, and do the joins and anti-joins of
  the pipeline's main rules on resident ID (证件号码/身份证号 …) and household ID (户编号).
- `largest_size_that_finishes`: the pandas peer on 1, 1/2, 1/4 … of the rows (`max_rows` per
  file), each in a child with a time budget (and an optional RSS budget), until one finishes.

Each returns a JSON-able dict; the command line runs each in a child process through
`measure.py` (wall, CPU, peak RSS of the process tree), prints a table of figures and writes
them all as JSON. It prints counts, sizes and times, never a value of the files.

    .venv/bin/python -m tests.benchmarks.peers --manifest DATA/sample/province_manifest.json \
        --day 2026-12-01 --workdir /tmp/peers-run [--max-rows N] [--published-bytes B] \
        [--memory-limit 6GB] [--time-budget S] [--rss-limit-mb MB] [--ladder] [--json PATH]

The manifest is the province generator's (`province_fixture.py` writes one for development):
file paths are relative to the data directory, the manifest's grandparent
(`$YULU_DATA_DIR/sample/province_manifest.json`) unless `data_dir` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

# Header texts of the keys, as the departments print them (pipelines/ingest/kinds.py)
ID_HEADERS = ("证件号码", "身份证号", "身份证件号", "公民身份号码", "身份证号码")
ID, HOUSEHOLD = "身份证号", "户编号"
# The frames the rules use, by extract kind; a kind not listed is read (its cost counts) and
# not used.
ROLES = {
    "rural_members": "members",
    "rural_subsidies": "payments",
    "rural_intents": "intents",
    "education_enrollments": "enrollments",
    "hrss_technical_enrollments": "enrollments",
    "hrss_employment": "employment",
    "hrss_training": "training",
}
CHUNK = 16 * 2**20


# --- the manifest ------------------------------------------------------------------------


def load_day(manifest_path, day: str | None, data_dir=None) -> tuple[Path, str, list[dict]]:
    """The data directory, the day and the day's file entries of the manifest."""
    manifest_path = Path(manifest_path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    days = {d["day"]: d["files"] for d in manifest["days"]}
    if day is None:
        day = manifest["days"][0]["day"]
    if day not in days:
        raise ValueError(f"day {day} is not in the manifest (it has {', '.join(days) or 'none'})")
    root = Path(data_dir) if data_dir else manifest_path.resolve().parent.parent
    return root, day, days[day]


# --- the floor -----------------------------------------------------------------------------


def _source_key(path: Path) -> list:
    st = path.stat()
    return [str(path), st.st_size, st.st_mtime_ns]


def prepare_utf8(manifest_path, day: str | None, workdir, data_dir=None) -> dict:
    """Decode every file of the day to UTF-8 (no BOM) under `workdir/utf8/`, as a stream.

    Reuses the files of an earlier call on the same sources (same path, size, mtime)."""
    root, day, files = load_day(manifest_path, day, data_dir)
    out_dir = Path(workdir) / "utf8"
    out_dir.mkdir(parents=True, exist_ok=True)
    ledger_path = out_dir / "prep.json"
    sources = [_source_key(root / f["path"]) for f in files]
    if ledger_path.exists():
        ledger = json.loads(ledger_path.read_text(encoding="utf-8"))
        if ledger.get("sources") == sources and all(
            Path(f["utf8_path"]).exists() for f in ledger["files"]
        ):
            return {**ledger, "reused": True}
    start = time.perf_counter()
    done = []
    for i, f in enumerate(files):
        src = root / f["path"]
        dst = out_dir / f"{i:02d}_{f['kind']}.csv"
        t = time.perf_counter()
        with (
            open(src, encoding=f["encoding"], newline="") as fin,
            open(dst, "w", encoding="utf-8", newline="") as fout,
        ):
            while chunk := fin.read(CHUNK):
                fout.write(chunk)
        done.append(
            {
                "path": f["path"],
                "kind": f["kind"],
                "encoding": f["encoding"],
                "utf8_path": str(dst),
                "source_bytes": src.stat().st_size,
                "utf8_bytes": dst.stat().st_size,
                "seconds": round(time.perf_counter() - t, 3),
            }
        )
    ledger = {
        "stage": "prep",
        "day": day,
        "sources": sources,
        "files": done,
        "source_bytes": sum(f["source_bytes"] for f in done),
        "utf8_bytes": sum(f["utf8_bytes"] for f in done),
        "seconds": round(time.perf_counter() - start, 3),
    }
    ledger_path.write_text(json.dumps(ledger, ensure_ascii=False, indent=1), encoding="utf-8")
    return {**ledger, "reused": False}


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _fresh(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def floor(
    manifest_path,
    day: str | None,
    workdir,
    published_bytes: int | None = None,
    memory_limit: str = "6GB",
    threads: int | None = None,
    data_dir=None,
) -> dict:
    """Load the day's files into a fresh DuckDB file and write a published file; see the
    module's docstring. The decoding to UTF-8 before is not timed (`prep`).

    `published_bytes`: copies of the loaded tables go into the published file until it is
    at least that big (by whole tables); None: one copy of each."""
    import duckdb

    prep = prepare_utf8(manifest_path, day, workdir, data_dir)
    _, day, files = load_day(manifest_path, day, data_dir)
    work = Path(workdir) / "floor"
    shutil.rmtree(work, ignore_errors=True)
    (work / "tmp").mkdir(parents=True)
    load_db, pub_db = work / "load.duckdb", work / "published.duckdb"

    start = time.perf_counter()
    con = duckdb.connect(str(load_db))
    con.execute(f"set memory_limit = {_sql_text(memory_limit)}")
    con.execute(f"set temp_directory = {_sql_text(str(work / 'tmp'))}")
    if threads:
        con.execute(f"set threads = {int(threads)}")
    loaded = []
    for i, (f, p) in enumerate(zip(files, prep["files"], strict=True)):
        t = time.perf_counter()
        con.execute(
            f"create table f{i:02d} as select * from read_csv({_sql_text(p['utf8_path'])}, "
            f"header = true, skip = {int(f['header_line']) - 1}, "
            f"delim = {_sql_text(f['delimiter'])}, quote = '\"', escape = '\"', "
            # the least any reader must do: a signature line under the table or a row with a
            # field too many is skipped, not a stop (Yulu quarantines them with their reasons)
            "all_varchar = true, ignore_errors = true)"
        )
        rows = con.execute(f"select count(*) from f{i:02d}").fetchone()[0]
        loaded.append(
            {
                "path": f["path"],
                "kind": f["kind"],
                "rows_expected": f.get("rows"),
                "rows": rows,
                "utf8_bytes": p["utf8_bytes"],
                "seconds": round(time.perf_counter() - t, 3),
            }
        )
    con.execute("checkpoint")
    load_seconds = time.perf_counter() - start

    t = time.perf_counter()
    con.execute(f"attach {_sql_text(str(pub_db))} as pub")
    copies = 0
    while files:
        for i in range(len(files)):
            con.execute(f"create table pub.c{copies:04d} as select * from f{i:02d}")
            copies += 1
            if published_bytes is not None:
                con.execute("checkpoint pub")
                if pub_db.stat().st_size >= published_bytes:
                    break
        if published_bytes is None or pub_db.stat().st_size >= published_bytes:
            break
    con.execute("checkpoint pub")
    con.execute("detach pub")
    con.close()
    publish_seconds = time.perf_counter() - t
    seconds = time.perf_counter() - start

    total = sum(f["rows"] for f in loaded)
    expected = [f["rows_expected"] for f in loaded]
    return {
        "stage": "floor",
        "day": day,
        "files": loaded,
        "rows_total": total,
        "rows_expected_total": None if None in expected else sum(expected),
        "rows_match": all(f["rows"] == f["rows_expected"] for f in loaded),
        "load_seconds": round(load_seconds, 3),
        "publish_seconds": round(publish_seconds, 3),
        "seconds": round(seconds, 3),
        "rows_per_s": round(total / seconds) if seconds else None,
        "load_rows_per_s": round(total / load_seconds) if load_seconds else None,
        "loaded_db_bytes": load_db.stat().st_size,
        "published_bytes_target": published_bytes,
        "published_bytes": pub_db.stat().st_size,
        "published_tables": copies,
        "memory_limit": memory_limit,
        "threads": threads,
        "prep": {k: prep[k] for k in ("source_bytes", "utf8_bytes", "seconds", "reused")},
    }


# --- the pandas peer -----------------------------------------------------------------------


def _read_one(root: Path, f: dict, max_rows: int | None):
    import pandas as pd

    df = pd.read_csv(
        root / f["path"],
        dtype=str,
        encoding=f["encoding"],
        sep=f["delimiter"],
        header=int(f["header_line"]) - 1,
        nrows=max_rows,
        # what an analyst adds after the first "Expected 10 fields, saw 11": the row is dropped
        # without a word (Yulu quarantines it with its reason)
        on_bad_lines="skip",
    )
    return df


def _clean(df):
    """Strip whitespace, name the keys alike, drop rows without an ID, drop duplicates."""
    df.columns = df.columns.str.strip()
    for col in df.columns:
        df[col] = df[col].str.strip()
    id_col = next((c for c in ID_HEADERS if c in df.columns), None)
    if id_col is not None:
        df = df.rename(columns={id_col: ID})
        df = df[df[ID].notna() & (df[ID] != "")]
    return df.drop_duplicates()


def _ids(df):
    import pandas as pd

    return pd.DataFrame({ID: df[ID].drop_duplicates()})


def _anti(left, right, on):
    """Rows of `left` with no row of `right` on `on`, as an analyst writes it."""
    m = left.merge(right[on].drop_duplicates(), on=on, how="left", indicator=True)
    return m[m["_merge"] == "left_only"].drop(columns="_merge")


def _months_column(members) -> str:
    return next(c for c in members.columns if c.startswith("务工时间"))


def _households(members):
    hh = members[[HOUSEHOLD, "户类型", "监测对象类别"]].drop_duplicates(HOUSEHOLD)
    monitored = hh["监测对象类别"].fillna("") != ""
    return hh.assign(eligible=(hh["户类型"] == "脱贫户") | monitored)


def _rule_paid_not_enrolled(f):
    """Paid (已发放) payments of students with no 在籍 school record (anti-join, cf. YL-04)."""
    paid = f["payments"][f["payments"]["发放状态"] == "已发放"]
    enrolled = f["enrollments"][f["enrollments"]["学籍状态"] == "在籍"]
    return _anti(paid, enrolled, [ID]), [paid, enrolled]


def _rule_eligible_not_paid(f):
    """在籍 students of a registered eligible household (脱贫户 or monitored) with no paid or
    pending payment (cf. YL-01)."""
    members, payments = f["members"], f["payments"]
    enrolled = _ids(f["enrollments"][f["enrollments"]["学籍状态"] == "在籍"])
    registered = enrolled.merge(members[[ID, HOUSEHOLD]].drop_duplicates(), on=ID)
    hh = _households(members)
    eligible = registered.merge(hh[hh["eligible"]][[HOUSEHOLD]], on=HOUSEHOLD)
    paying = payments[payments["发放状态"].isin(["已发放", "待发放"])]
    return _anti(eligible, paying, [ID]), [enrolled, members, payments]


def _rule_graduates_no_employment(f):
    """毕业 students in the register with no employment record at all (cf. EMP-01)."""
    graduates = _ids(f["enrollments"][f["enrollments"]["学籍状态"] == "毕业"])
    registered = graduates.merge(_ids(f["members"]), on=ID)
    return _anti(registered, f["employment"], [ID]), [graduates, f["members"], f["employment"]]


def _rule_one_person_two_households(f):
    """One ID under more than one 户编号 in the register (cf. ID-07)."""
    n = f["members"].groupby(ID)[HOUSEHOLD].nunique()
    return n[n > 1].reset_index()[[ID]], [f["members"]]


def _living(members):
    if "人员状态" not in members.columns:  # optional in DESIGN §3: blank means 正常
        return members
    return members[~members["人员状态"].isin(["死亡", "迁出"])]


def _rule_members_no_intent(f):
    """Living members (人员状态 not 死亡/迁出) with no row in the intent ledger."""
    living = _living(f["members"])
    return _anti(living[[ID, HOUSEHOLD]], f["intents"], [ID]), [living, f["intents"]]


def _rule_employment_disagrees(f):
    """Living members whose 务工时间 > 0 disagrees with 人社's 已就业 (cf. EMP-03)."""
    import pandas as pd

    living = _living(f["members"])
    months = _months_column(living)
    village = living[[ID, months]].assign(months=pd.to_numeric(living[months], errors="coerce"))
    hr = f["employment"][[ID, "就业状态"]].drop_duplicates(ID)
    m = village.merge(hr, on=ID, how="left")
    worked = m["months"].fillna(0) > 0
    employed = m["就业状态"] == "已就业"
    return m[worked != employed], [living, f["employment"]]


def _rule_paid_ineligible_household(f):
    """Paid payments whose 户编号 is no eligible household of the register (cf. YL-02)."""
    paid = f["payments"][f["payments"]["发放状态"] == "已发放"]
    m = paid.merge(_households(f["members"]), on=HOUSEHOLD, how="left")
    return m[m["eligible"].ne(True)], [paid, f["members"]]


def _rule_paid_household_mismatch(f):
    """Paid payments to a registered person under a 户编号 the register does not give them
    (merge on ID and household ID; cf. LINK-02)."""
    paid = f["payments"][f["payments"]["发放状态"] == "已发放"]
    pairs = f["members"][[ID, HOUSEHOLD]].drop_duplicates()
    off = _anti(paid[[ID, HOUSEHOLD]].drop_duplicates(), pairs, [ID, HOUSEHOLD])
    return off.merge(_ids(f["members"]), on=ID), [paid, f["members"]]


RULES = {
    "paid_not_enrolled": _rule_paid_not_enrolled,
    "eligible_not_paid": _rule_eligible_not_paid,
    "graduates_no_employment": _rule_graduates_no_employment,
    "one_person_two_households": _rule_one_person_two_households,
    "members_no_intent": _rule_members_no_intent,
    "employment_disagrees": _rule_employment_disagrees,
    "paid_ineligible_household": _rule_paid_ineligible_household,
    "paid_household_mismatch": _rule_paid_household_mismatch,
}


def pandas_peer(
    manifest_path, day: str | None, workdir, max_rows: int | None = None, data_dir=None
) -> dict:
    """The county analyst's pandas version of the main rules; see the module's docstring.

    Every result counts distinct resident IDs; each result's IDs are written to
    `workdir/pandas/<rule>.csv`, as an analyst would hand them on (never printed)."""
    import pandas as pd

    root, day, files = load_day(manifest_path, day, data_dir)
    out = Path(workdir) / "pandas"
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    steps, read = [], []
    parts: dict[str, list] = {}
    for f in files:
        t = time.perf_counter()
        df = _read_one(root, f, max_rows)
        secs = time.perf_counter() - t
        read.append({"path": f["path"], "kind": f["kind"], "rows": len(df), "seconds": secs})
        steps.append({"step": f"read {f['kind']}", "seconds": secs, "rows_in": len(df)})
        parts.setdefault(ROLES.get(f["kind"], f["kind"]), []).append(df)
    read_seconds = time.perf_counter() - start

    t0 = time.perf_counter()
    frames = {}
    for role, dfs in parts.items():
        t = time.perf_counter()
        raw = dfs[0] if len(dfs) == 1 else pd.concat(dfs, ignore_index=True)
        frames[role] = _clean(raw)
        steps.append(
            {
                "step": f"clean {role}",
                "seconds": time.perf_counter() - t,
                "rows_in": len(raw),
                "rows_out": len(frames[role]),
            }
        )
        del raw
    parts.clear()
    clean_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    results = {}
    missing = [
        r
        for r in ("members", "payments", "intents", "enrollments", "employment")
        if r not in frames
    ]
    if missing:
        raise ValueError(f"the day has no file for {', '.join(missing)}")
    for name, rule in RULES.items():
        t = time.perf_counter()
        found, inputs = rule(frames)
        ids = found[ID].drop_duplicates()
        ids.to_csv(out / f"{name}.csv", index=False)
        results[name] = len(ids)
        steps.append(
            {
                "step": name,
                "seconds": time.perf_counter() - t,
                "rows_in": sum(len(x) for x in inputs),
                "result": len(ids),
            }
        )
    rules_seconds = time.perf_counter() - t0
    seconds = time.perf_counter() - start
    rows_read = sum(r["rows"] for r in read)
    for s in (*steps, *read):
        s["seconds"] = round(s["seconds"], 3)
    return {
        "stage": "pandas_peer",
        "day": day,
        "max_rows": max_rows,
        "files": read,
        "rows_read": rows_read,
        "steps": steps,
        "results": results,
        "read_seconds": round(read_seconds, 3),
        "clean_seconds": round(clean_seconds, 3),
        "rules_seconds": round(rules_seconds, 3),
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows_read / seconds) if seconds else None,
    }


# --- the ladder ---------------------------------------------------------------------------

FRACTIONS = (1, 1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64)


def largest_size_that_finishes(
    manifest_path,
    day: str | None,
    workdir,
    time_budget_s: float = 600,
    rss_limit_bytes: int | None = None,
    fractions=FRACTIONS,
    data_dir=None,
) -> dict:
    """The pandas peer on each fraction of the rows in turn (`max_rows` = the fraction of the
    largest file's rows, None for 1), each in a child through `measure.py` with the time budget
    (and the RSS budget), until one finishes; a MemoryError, a timeout or the RSS budget is a
    size that did not finish. Returns the attempts and the largest that finished (or None)."""
    from tests.benchmarks.measure import run_callable

    _, day, files = load_day(manifest_path, day, data_dir)
    largest = max((int(f.get("rows") or 0) for f in files), default=0)
    attempts = []
    finished = None
    for fraction in fractions:
        max_rows = None if fraction >= 1 else max(1, int(largest * fraction))
        m = run_callable(
            pandas_peer,
            str(manifest_path),
            day,
            str(workdir),
            max_rows,
            None if data_dir is None else str(data_dir),
            label=f"pandas_peer x{fraction:g}",
            timeout=time_budget_s,
            rss_limit_bytes=rss_limit_bytes,
        )
        attempt = {
            "fraction": fraction,
            "max_rows": max_rows,
            "status": m.status,
            "why": m.describe_error() or None,
            "wall_s": m.wall_s,
            "cpu_s": m.cpu_s,
            "peak_rss_bytes": m.peak_rss_bytes,
            "rows_read": m.result["rows_read"] if m.ok else None,
            "seconds": m.result["seconds"] if m.ok else None,
        }
        attempts.append(attempt)
        if m.ok:
            finished = {**attempt, "results": m.result["results"]}
            break
    return {
        "stage": "ladder",
        "day": day,
        "time_budget_s": time_budget_s,
        "rss_limit_bytes": rss_limit_bytes,
        "largest_file_rows": largest,
        "attempts": attempts,
        "largest_finished": finished,
    }


# --- the command line ---------------------------------------------------------------------


def _mib(n) -> str:
    return "" if n is None else f"{n / 2**20:,.0f}"


def _machine() -> dict:
    import duckdb
    import pandas as pd
    import psutil

    return {
        "cpus": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
    }


def _table(report: dict) -> str:
    lines = [
        f"{'stage':<14}{'status':<10}{'rows':>12}{'timed s':>10}{'rows/s':>12}"
        f"{'wall s':>9}{'cpu s':>9}{'peak MiB':>10}"
    ]
    for key in ("prep", "floor", "pandas_peer"):
        m = report.get(key)
        if not m:
            continue
        r = m.get("result") or {}
        rows = r.get("rows_total", r.get("rows_read"))
        rows = "" if rows is None else f"{rows:,}"
        rate = "" if not r.get("rows_per_s") else f"{r['rows_per_s']:,}"
        lines.append(
            f"{key:<14}{m['status']:<10}{rows:>12}{r.get('seconds', ''):>10}{rate:>12}"
            f"{m['wall_s']:>9}{m['cpu_s']:>9}{_mib(m['peak_rss_bytes']):>10}"
        )
    floor_r = (report.get("floor") or {}).get("result")
    if floor_r:
        lines.append("")
        lines.append(
            f"floor: load {floor_r['load_seconds']} s, publish {floor_r['publish_seconds']}"
            f" s; loaded db {_mib(floor_r['loaded_db_bytes'])} MiB, published "
            f"{_mib(floor_r['published_bytes'])} MiB ({floor_r['published_tables']} "
            f"tables); rows as the manifest says: {floor_r['rows_match']}"
        )
        for f in floor_r["files"]:
            lines.append(f"  {f['kind']:<28}{f['rows']:>12,}{f['seconds']:>9} s")
    peer = (report.get("pandas_peer") or {}).get("result")
    if peer:
        lines.append("")
        lines.append(
            f"pandas peer: read {peer['read_seconds']} s, clean {peer['clean_seconds']}"
            f" s, rules {peer['rules_seconds']} s"
        )
        for s in peer["steps"]:
            extra = f"  -> {s['result']:,}" if "result" in s else ""
            lines.append(f"  {s['step']:<34}{s['rows_in']:>12,}{s['seconds']:>9} s{extra}")
    for key in ("prep", "floor", "pandas_peer"):
        m = report.get(key)
        if m and m["status"] != "ok":
            lines.append(f"! {m['describe']}")
    ladder = report.get("ladder")
    if ladder:
        lines.append("")
        lines.append(f"ladder (time budget {ladder['time_budget_s']} s):")
        for a in ladder["attempts"]:
            rows = "" if a["rows_read"] is None else f"{a['rows_read']:,}"
            lines.append(
                f"  x{a['fraction']:<8g}{a['status']:<10}{rows:>12}{a['wall_s']:>9} s"
                f"{_mib(a['peak_rss_bytes']):>8} MiB"
            )
        fin = ladder["largest_finished"]
        lines.append(
            "  largest that finished: "
            + ("none" if fin is None else f"x{fin['fraction']:g} ({fin['rows_read']:,} rows)")
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from tests.benchmarks.measure import run_callable

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, required=True)
    parser.add_argument("--day", help="default: the manifest's first day")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, help="default: the manifest's grandparent")
    parser.add_argument("--max-rows", type=int, help="the pandas peer reads at most N per file")
    parser.add_argument("--published-bytes", type=int, help="the floor's published file size")
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB's, for the floor")
    parser.add_argument("--threads", type=int, help="DuckDB's, for the floor")
    parser.add_argument("--time-budget", type=float, help="seconds for the pandas peer")
    parser.add_argument("--rss-limit-mb", type=float, help="RSS budget for the pandas peer")
    parser.add_argument(
        "--ladder", action="store_true", help="if the pandas peer does not finish, try 1/2, 1/4…"
    )
    parser.add_argument("--json", type=Path, help="default: WORKDIR/peers.json")
    args = parser.parse_args(argv)
    _, day, _ = load_day(args.manifest, args.day, args.data_dir)
    args.workdir.mkdir(parents=True, exist_ok=True)
    common = (str(args.manifest), day, str(args.workdir))
    data_dir = None if args.data_dir is None else str(args.data_dir)
    rss_limit = None if args.rss_limit_mb is None else int(args.rss_limit_mb * 2**20)
    report: dict = {"manifest": str(args.manifest), "day": day, "machine": _machine()}

    def record(key, m):
        report[key] = {**m.as_dict(), "describe": m.describe_error()}
        print(f"{key}: {m.status} in {m.wall_s} s", file=sys.stderr, flush=True)

    record("prep", run_callable(prepare_utf8, *common, data_dir, label="prep"))
    record(
        "floor",
        run_callable(
            floor,
            *common,
            args.published_bytes,
            args.memory_limit,
            args.threads,
            data_dir,
            label="floor",
        ),
    )
    peer = run_callable(
        pandas_peer,
        *common,
        args.max_rows,
        data_dir,
        label="pandas_peer",
        timeout=args.time_budget,
        rss_limit_bytes=rss_limit,
    )
    record("pandas_peer", peer)
    if args.ladder and not peer.ok and args.max_rows is None:
        ladder = largest_size_that_finishes(
            *common,
            time_budget_s=args.time_budget or 600,
            rss_limit_bytes=rss_limit,
            fractions=FRACTIONS[1:],
            data_dir=data_dir,
        )
        full = {
            "fraction": 1,
            "max_rows": None,
            "status": peer.status,
            "why": peer.describe_error(),
            "wall_s": peer.wall_s,
            "cpu_s": peer.cpu_s,
            "peak_rss_bytes": peer.peak_rss_bytes,
            "rows_read": None,
            "seconds": None,
        }
        ladder["attempts"].insert(0, full)
        report["ladder"] = ladder
    out = args.json or args.workdir / "peers.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(_table(report))
    print(f"\nJSON: {out}")
    ok = all(report[k]["status"] == "ok" for k in ("prep", "floor"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
