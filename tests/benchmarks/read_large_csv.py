"""Benchmark (issue 3): staging one large 家庭成员信息 (`rural_members`) CSV extract.

Writes a synthetic extract of the widest kind (26 columns; made-up names and IDs with valid
check digits, the value dirt of DESIGN §3, and a small share of rows that must be quarantined),
then stages it with the real `ingest_delivery` → `stage_file` into a fresh DuckDB file, in a
child process so that its peak RSS is the staging's own. It prints the file size, the wall and
CPU time of each phase (decode, normalise, validate, insert, second count; the CSV is parsed
and its rows checked as each chunk is taken, shown as "other"; timed by wrapping the product's
functions in that process, the files are not changed),
rows per second, RSS after each phase and the peak, and checks the ledger: rows read = staged +
quarantined = data rows written = rows counted by the second reader = rows in the tables.
It prints counts and sizes only, never a value of the file.

Run from the repository root, e.g.:

    .venv/bin/python -m tests.benchmarks.read_large_csv --rows 1000000 --workdir /tmp/yulu-bench

`--encoding utf-8` writes UTF-8 instead of GBK; `--profile cprofile` adds the top functions by
own time (stats saved in the workdir); `--profile tracemalloc` adds the Python allocations alive
at the end of the main phases, by source line (slow, several times the plain run); `--reuse`
stages the file a previous run wrote with the same options. The exit status is 1 where the
ledger does not balance.
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from pipelines.ingest import read as read_module
from pipelines.ingest import stage as stage_module
from pipelines.settings import REPO_ROOT, Settings
from tests.builders import HEADERS, person_id

KIND = "rural_members"
DEPARTMENT = "rural"
DELIVERY = date(2026, 12, 1)
FILE_NAME = "家庭成员信息_全县.csv"
CHUNK_ROWS = 50_000
HEADER_REPEAT_EVERY = 250_000  # a header printed again mid-file, as paged exports do
BLANK_EVERY = 100_000  # a blank line, which is not a data row
RELATIONS = ("户主", "配偶", "之子", "之女", "之孙子", "之孙女", "之父", "之母")
CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
RISKS = ("因病", "因残", "因学", "因灾", "缺劳动力", "因务工就业不稳")
# A row that must be quarantined, one defect each: (label, reason code expected, spoil)
DEFECTS = (
    ("date that does not exist", "BAD_VALUE", lambda r: r.__setitem__(21, "2024-13-45")),
    ("amount in a foreign format", "BAD_VALUE", lambda r: r.__setitem__(23, "1.500,00")),
    ("relation not in the list", "BAD_VALUE", lambda r: r.__setitem__(9, "表弟")),
    ("risk type not in the list", "BAD_VALUE", lambda r: r.__setitem__(19, "因懒")),
    ("village code of 11 digits", "BAD_VALUE", lambda r: r.__setitem__(3, "41122410000")),
    ("household number blank", "REQUIRED", lambda r: r.__setitem__(5, "")),
    ("months worked above 12", "OUT_OF_RANGE", lambda r: r.__setitem__(16, "13")),
    ("last field missing", "FIELD_COUNT", lambda r: r.pop()),
)
# IDs that stay staged but are not join keys (or are upgraded): id_status in staging
ID_FAULTS = ("wrong check character", "placeholder 无", "legacy 15 digits", "saved as a number")
# Made-up names from common characters (all in GB2312, so GBK can hold them)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文俊鹏宇浩然欣怡梓涵子轩雨晨"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


# --- writing the extract -------------------------------------------------------------------


def _villages() -> list[tuple[str, str, str, str]]:
    path = REPO_ROOT / "data" / "reference" / "divisions_411224.csv"
    with path.open(encoding="utf-8") as f:
        return [
            (r["county_name"], r["township_name"], r["village_name"], r["village_code"])
            for r in csv.DictReader(f)
        ]


def _fault_id(rng: random.Random, number: str, fault: str) -> str:
    if fault == "wrong check character":
        return number[:-1] + rng.choice([c for c in "0123456789X" if c != number[-1]])
    if fault == "placeholder 无":
        return "无"
    if fault == "legacy 15 digits":
        return number[:6] + number[8:17]
    return f"{int(number[:15]) / 1e14:.5f}E+17"  # what Excel shows of an 18-digit number


class ExtractWriter:
    """Writes the rows of one synthetic register in chunks; remembers what it injected."""

    def __init__(self, rows: int, encoding: str, dirty_share: float, seed: int):
        self.rows, self.encoding, self.dirty_share = rows, encoding, dirty_share
        self.rng = random.Random(seed)
        self.villages = _villages()
        self.injected: Counter[str] = Counter()  # expected quarantine reason → rows
        self.id_faults: Counter[str] = Counter()
        self._household = 0
        self._members = 0
        self._relations: list[str] = []
        self._household_row: list[str] = []

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            title = f"卢氏县防返贫监测信息系统 家庭成员信息（导出日期：{DELIVERY:%Y年%m月%d日}）"
            self._emit(out, [[title], HEADERS[KIND]])
            chunk: list[list[str]] = []
            for i in range(self.rows):
                chunk.append(self._data_row(i))
                if i and i % BLANK_EVERY == 0:
                    chunk.append([])
                if len(chunk) >= CHUNK_ROWS:
                    self._emit(out, chunk)
                    chunk = []
            chunk += [[], []]  # trailing blank lines
            self._emit(out, chunk)

    def _emit(self, out, rows: list[list[str]]) -> None:
        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        # strict: a character the encoding cannot hold is a bug of this script
        out.write(buffer.getvalue().encode(self.encoding, errors="strict"))

    def _data_row(self, i: int) -> list[str]:
        if i == self.rows - 1:
            self.injected["TOTALS_ROW"] += 1
            return ["合计", "", "", "", "", f"共{self.rows - 1}人"] + [""] * 20
        if i and i % HEADER_REPEAT_EVERY == 0:
            self.injected["HEADER_ROW"] += 1
            return list(HEADERS[KIND])
        row = self._member()
        if self.rng.random() < self.dirty_share:
            _, reason, spoil = self.rng.choice(DEFECTS)
            spoil(row)
            self.injected[reason] += 1
        return row

    # The value dirt every extract carries, which normalising undoes (DESIGN §3)
    def _id(self, number: str) -> str:
        spoil = [
            lambda n: f" {n} ",
            lambda n: n[:6] + " " + n[6:],
            lambda n: n.translate(FULL_WIDTH),
            lambda n: n[:-1] + "x" if n.endswith("X") else n,
        ]
        if self.encoding != "gbk":  # GBK cannot hold these spaces
            spoil += [lambda n: n + "\u200b", lambda n: "\t" + n + "\u00a0"]
        return self.rng.choice(spoil)(number) if self.rng.random() < 0.2 else number

    def _name(self) -> str:
        rng = self.rng
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randrange(1, 3)))
        return name + " " if rng.random() < 0.05 else name

    def _day(self, d: date) -> str:
        styles = (f"{d:%Y-%m-%d}", f"{d.year}/{d.month}/{d.day}", f"{d:%Y%m%d}")
        return self.rng.choice((*styles, f"{d.year}年{d.month}月{d.day}日"))

    def _amount(self, value: float) -> str:
        plain = f"{value:.2f}".rstrip("0").rstrip(".")
        return self.rng.choice((plain, f"{value:,.2f}", plain + "元"))

    def _member(self) -> list[str]:
        rng = self.rng
        if not self._relations:
            self._new_household()
        relation = self._relations.pop(0)
        male = rng.random() < 0.5 if relation != "户主" else rng.random() < 0.8
        adult = relation in ("户主", "配偶", "之父", "之母")
        age = rng.randrange(25, 80) if adult else rng.randrange(1, 24)
        born = DELIVERY - timedelta(days=365 * age + rng.randrange(365))
        seq = rng.randrange(0, 499) * 2 + int(male)
        number = person_id(f"{born:%Y%m%d}", seq)
        if rng.random() < self.dirty_share:
            fault = rng.choice(ID_FAULTS)
            self.id_faults[fault] += 1
            printed_id = _fault_id(rng, number, fault)
        else:
            printed_id = self._id(number)
        row = list(self._household_row)
        self._members += 1
        row[6] = f"{row[5]}{self._members:02d}"
        row[7] = self._name()
        row[8] = printed_id
        row[9] = relation
        row[10] = "男" if male else "女"
        row[12] = rng.choice(("小学", "初中", "高中", "中专", "大专", "文盲或半文盲"))
        row[13] = "在校生" if age < 19 and rng.random() < 0.7 else "非在校生"
        row[16] = str(rng.randrange(0, 13))
        row[24] = rng.choice(("正常", "", "正常", "正常", "迁出"))
        row[25] = f"13{rng.randrange(10**9):09d}"
        return row

    def _new_household(self) -> None:
        rng = self.rng
        self._household += 1
        county, township, village, code = self.villages[self._household % len(self.villages)]
        monitored = rng.random() < 0.12
        category = rng.choice(CATEGORIES) if monitored else ""
        separator = rng.choice(("、", "；", "，", ","))
        identified = DELIVERY - timedelta(days=rng.randrange(30, 1500))
        eliminated = monitored and rng.random() < 0.4
        size = rng.choice((1, 2, 3, 3, 4, 4, 5, 6))
        self._relations = ["户主", *rng.sample(RELATIONS[1:], size - 1)]
        self._members = 0
        self._household_row = [
            county,
            township,
            village,
            code if rng.random() < 0.7 else "",
            rng.choice(("东沟", "西坡", "南岭", "北湾", "上河", "下庄")) + "组",
            f"{code[6:]}{self._household:08d}",
            "",  # person number
            "",  # name
            "",  # ID
            "",  # relation
            "",  # sex
            "汉族",
            "",  # schooling
            "",  # in school
            rng.choice(("健康", "健康", "长期慢性病", "残疾")),
            rng.choice(("普通劳动力", "技能劳动力", "无劳动力")),
            "",  # months worked
            rng.choice(("脱贫户", "一般农户")),
            category,
            separator.join(rng.sample(RISKS, rng.randrange(1, 3))) if monitored else "",
            ("是" if eliminated else "否") if monitored else "",
            self._day(identified) if monitored else "",
            self._day(identified + timedelta(days=200)) if eliminated else "",
            self._amount(round(rng.uniform(3000, 40000), 2)),
            "",  # status
            "",  # phone
        ]


# --- staging it, in a child process ---------------------------------------------------------


def _memory_kib() -> tuple[int, int]:
    """(RSS now, peak RSS so far) of this process, KiB."""
    found = {}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    found[line[:5]] = int(line.split()[1])
    except OSError:
        pass
    peak = found.get("VmHWM", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return found.get("VmRSS", peak), peak


class Phases:
    """Wall time, RSS after, and (with tracemalloc) Python allocations after, per phase."""

    def __init__(self, snapshot_after: set[str], top: int):
        self.seconds: Counter[str] = Counter()
        self.cpu: Counter[str] = Counter()  # CPU seconds of all the process's threads
        self.memory: dict[str, tuple[int, int]] = {}
        self.order: list[str] = []
        self.snapshot_after, self.top = snapshot_after, top
        self.allocations: dict[str, dict] = {}
        self.missing: list[str] = []

    def wrap(self, module, attribute: str, label) -> None:
        """Times `module.attribute`; `label` may be a function of the arguments. A function the
        product no longer has is listed as missing and left out of the breakdown."""
        original = getattr(module, attribute, None)
        if original is None:
            self.missing.append(f"{module.__name__}.{attribute}")
            return

        @functools.wraps(original)
        def timed(*args, **kwargs):
            name = label(*args) if callable(label) else label
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.cpu[name] += time.process_time() - cpu
                self.memory[name] = _memory_kib()
                if name not in self.order:
                    self.order.append(name)
                if name in self.snapshot_after:
                    self._snapshot(name)

        setattr(module, attribute, timed)

    def _snapshot(self, name: str) -> None:
        import tracemalloc

        current, peak = tracemalloc.get_traced_memory()
        stats = tracemalloc.take_snapshot().statistics("lineno")
        self.allocations[name] = {
            "current_mib": current / 2**20,
            "peak_mib": peak / 2**20,
            "top": [
                (str(s.traceback[0]).replace(str(REPO_ROOT) + "/", ""), s.size / 2**20, s.count)
                for s in stats[: self.top]
            ],
        }


def _instrument(phases: Phases) -> None:
    r, s = read_module, stage_module
    phases.wrap(s, "read_file", "read_file")
    phases.wrap(r, "sha256_of", "read_file/sha256")
    phases.wrap(r, "decode", "read_file/decode (+ mixed-encoding scan)")
    phases.wrap(r, "sniff_delimiter", "read_file/sniff delimiter")
    phases.wrap(r, "find_extract", "read_file/find the header")
    phases.wrap(s, "_raw_frame", "raw frame (rows → Polars)")
    phases.wrap(s, "_normalise", "normalise")
    phases.wrap(s, "normalise_ids", "normalise/id")
    phases.wrap(s, "normalise_column", lambda _s, f, *_: f"normalise/{f.kind}")
    phases.wrap(s, "_validate", "validate (Pandera)")
    phases.wrap(s, "_staged_frame", "staged frame (+ raw columns)")
    phases.wrap(s, "_insert_staged", "insert staged (DuckDB)")
    phases.wrap(s, "_rejected_rows", "quarantine rows")
    phases.wrap(s, "_insert_rejected", "insert quarantined (DuckDB)")
    phases.wrap(s, "count_data_rows", "second count (PyArrow)")


def stage_child(workdir: Path, memory_limit: str, profile: str, top: int) -> dict:
    from pipelines.warehouse import working_db

    settings = Settings(workdir / "data", REPO_ROOT / "data" / "reference", memory_limit, 2)
    for suffix in ("", ".wal"):
        Path(f"{settings.working_db}{suffix}").unlink(missing_ok=True)
    snapshot_after = set()
    if profile == "tracemalloc":
        import tracemalloc

        snapshot_after = {
            "read_file/find header, set rows aside",
            "read_file",
            "normalise",
            "staged frame (+ raw columns)",
        }
        tracemalloc.start(1)
    phases = Phases(snapshot_after, top)
    _instrument(phases)
    baseline = _memory_kib()
    result: dict = {"baseline_kib": baseline, "load_before": os.getloadavg()[0]}
    with working_db(settings) as con:
        profiler = None
        if profile == "cprofile":
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        start, cpu = time.perf_counter(), time.process_time()
        outcomes = stage_module.ingest_delivery(con, settings.inbox_dir, DEPARTMENT, DELIVERY)
        result["total_seconds"] = time.perf_counter() - start
        result["total_cpu"] = time.process_time() - cpu
        result["load_after"] = os.getloadavg()[0]
        if profiler:
            profiler.disable()
            result["profile"] = _profile_top(profiler, workdir, top)
        result["after_kib"] = _memory_kib()
        result["outcomes"] = [
            {k: getattr(o, k) for k in ("status", "reason_code", "encoding", "rows_counted")}
            | {k: getattr(o, k) for k in ("rows_read", "rows_staged", "rows_quarantined")}
            for o in outcomes
        ]
        result["ledger"] = con.execute(
            "select sum(rows_read), sum(rows_staged), sum(rows_quarantined), sum(rows_counted) "
            "from audit.files where delivery_date = ? and department = ?",
            [DELIVERY, DEPARTMENT],
        ).fetchone()
        result["staging_rows"] = con.execute(f"select count(*) from staging.{KIND}").fetchone()[0]
        result["id_status"] = dict(
            con.execute(f"select id_status, count(*) from staging.{KIND} group by 1").fetchall()
        )
        result["reasons"] = dict(
            con.execute(
                "select reason_code, count(*) from audit.rejected_rows group by 1"
            ).fetchall()
        )
    result["db_bytes"] = settings.working_db.stat().st_size
    result["ru_maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["phases"] = [
        (name, phases.seconds[name], phases.cpu[name], *phases.memory[name])
        for name in phases.order
    ]
    result["allocations"] = phases.allocations
    result["not_timed"] = phases.missing
    return result


def _profile_top(profiler, workdir: Path, top: int) -> dict:
    import pstats

    path = workdir / "read_large_csv.pstats"
    profiler.dump_stats(path)
    stats = pstats.Stats(profiler)
    rows = {}
    for sort in ("tottime", "cumulative"):
        keyed = sorted(stats.stats.items(), key=lambda kv: kv[1][2 if sort == "tottime" else 3])
        rows[sort] = [
            (
                f"{Path(file).name}:{line}({func})" if file != "~" else func,
                calls,
                own,
                cumulative,
            )
            for (file, line, func), (_, calls, own, cumulative, _) in keyed[::-1][:top]
        ]
    return {"path": str(path), **rows}


# --- the report -----------------------------------------------------------------------------


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def _code_fingerprint() -> str:
    """A hash of the product code measured (the reader, the normalisers, the schemas)."""
    digest = hashlib.sha256()
    for folder in ("pipelines/ingest", "checks"):
        for source in sorted((REPO_ROOT / folder).glob("*.py")):
            digest.update(source.name.encode() + source.read_bytes())
    return digest.hexdigest()[:12]


def report(args, path: Path, writer: ExtractWriter, write_seconds: float, child: dict) -> bool:
    size = path.stat().st_size
    rows = args.rows
    print(f"\nrural_members CSV, {args.encoding.upper()}: {rows:,} data rows below the header")
    print(f"  code measured    {REPO_ROOT} (ingest + checks sources {_code_fingerprint()})")
    print(f"  file size        {size / 2**20:,.1f} MiB ({size / rows:,.0f} bytes a row)")
    print(f"  written in       {write_seconds:,.1f} s (synthetic, not part of the figures below)")
    print(f"  DuckDB file      {child['db_bytes'] / 2**20:,.1f} MiB after staging")
    total = child["total_seconds"]
    head = f"{'phase':<42}{'wall s':>8}{'share':>7}{'CPU s':>8}{'RSS after':>11}{'peak so far':>12}"
    print("\n" + head)

    def line(label: str, seconds: float, cpu: float | None = None, rss=None, peak=None) -> None:
        text = f"{label:<42}{seconds:>8.2f}{seconds / total:>7.0%}"
        if cpu is not None:
            text += f"{cpu:>8.2f}"
        if rss is not None:
            text += f"{_mib(rss):>11}{_mib(peak):>12}"
        print(text)

    phases = {name: figures for name, *figures in child["phases"]}
    top_level = [name for name in phases if "/" not in name]
    for name in top_level:
        line(name, *phases[name])
        parts = [n for n in phases if n.startswith(name + "/")]
        for part in parts:
            line("  " + part.partition("/")[2], *phases[part])
        if parts:
            rest = phases[name][0] - sum(phases[n][0] for n in parts)
            line("  (the rest of it)", rest)
    # the CSV is parsed, and its rows checked, as each chunk is taken: that time is in "other"
    line("other (CSV parse, row checks, ledger)", total - sum(phases[n][0] for n in top_level))
    line("ingest_delivery, whole", total, child["total_cpu"])
    print(
        f"load average {child['load_before']:.1f} → {child['load_after']:.1f} (above 1: other "
        "processes shared the 2 cores); CPU s counts every thread of the process"
    )
    rate = f"{rows / total:,.0f} rows/s, {size / 2**20 / total:,.1f} MiB/s"
    print(f"\n  throughput       {rate} ({rows / child['total_cpu']:,.0f} rows per CPU second)")
    base_rss, base_peak = child["baseline_kib"]
    print(f"  RSS before       {_mib(base_rss)} (interpreter, imports, peak {_mib(base_peak)})")
    print(f"  RSS after        {_mib(child['after_kib'][0])}")
    peak = child["ru_maxrss_kib"]
    print(f"  peak RSS         {_mib(peak)} (ru_maxrss of the staging process)")
    grown = (peak - base_peak) * 1024
    print(f"  peak - before    {_mib(peak - base_peak)}, {grown / size:,.1f}× the file size")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"  peak RSS, parent's view of the child (RUSAGE_CHILDREN): {_mib(children)}")

    if child["not_timed"]:
        print("  not timed (no longer in the product): " + ", ".join(child["not_timed"]))
    for outcome in child["outcomes"]:
        print(f"  file status      {outcome['status']}, read as {outcome['encoding']}")
        if outcome["status"] != "staged":
            print(f"  FAIL the file was not staged: {outcome['reason_code']}")
            return False
    read, staged, quarantined, counted = child["ledger"]
    expected_q = sum(writer.injected.values())
    checks = [
        ("rows read = data rows written", read == rows),
        ("rows read = staged + quarantined", read == staged + quarantined),
        ("rows read = rows counted by the second reader", read == counted),
        ("staged = rows in the staging table", staged == child["staging_rows"]),
        (
            "quarantined = rows in audit.rejected_rows",
            quarantined == sum(child["reasons"].values()),
        ),
        ("quarantined = rows spoiled on purpose", quarantined == expected_q),
    ]
    print(
        f"\nledger: written {rows:,}, read {read:,}, staged {staged:,}, "
        f"quarantined {quarantined:,}, counted {counted:,}"
    )
    for text, ok in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    print("  quarantined by reason (got / injected):")
    for code in sorted(set(child["reasons"]) | set(writer.injected)):
        print(f"    {code:<14}{child['reasons'].get(code, 0):>9,} / {writer.injected[code]:,}")
    print(
        "  staged by id_status: " + ", ".join(f"{k} {v:,}" for k, v in child["id_status"].items())
    )
    print(
        "  IDs spoiled on purpose (some in quarantined rows): "
        + ", ".join(f"{k} {v:,}" for k, v in writer.id_faults.items())
    )
    _report_profile(child)
    return all(ok for _, ok in checks)


def _report_profile(child: dict) -> None:
    profile = child.get("profile")
    if profile:
        print(f"\ncProfile (stats in {profile['path']}); slower than the plain run")
        for sort in ("tottime", "cumulative"):
            print(f"  by {sort}: {'calls':>11}{'own s':>9}{'cum s':>9}  function")
            for function, calls, own, cumulative in profile[sort]:
                print(f"    {calls:>20,}{own:>9.2f}{cumulative:>9.2f}  {function}")
    for phase, found in child["allocations"].items():
        print(
            f"\ntracemalloc after «{phase}»: {found['current_mib']:,.0f} MiB of Python objects "
            f"alive, peak {found['peak_mib']:,.0f} MiB (Arrow, Polars, DuckDB memory not seen)"
        )
        for where, mib, count in found["top"]:
            print(f"  {mib:>9,.1f} MiB {count:>12,} blocks  {where}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="data rows below the header")
    parser.add_argument("--workdir", type=Path, required=True, help="a folder of this benchmark")
    parser.add_argument("--encoding", choices=("gbk", "utf-8"), default="gbk")
    parser.add_argument("--dirty-share", type=float, default=0.01, help="rows to quarantine")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit")
    parser.add_argument("--profile", choices=("none", "cprofile", "tracemalloc"), default="none")
    parser.add_argument("--top", type=int, default=15, help="lines per profile listing")
    parser.add_argument("--reuse", action="store_true", help="keep a file written before")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rows < 2:
        parser.error("--rows must be at least 2")
    workdir = args.workdir.resolve()
    if args.child:
        result = stage_child(workdir, args.memory_limit, args.profile, args.top)
        print(json.dumps(result, ensure_ascii=False))
        return 0

    folder = workdir / "data" / "inbox" / DELIVERY.isoformat() / DEPARTMENT
    path = folder / FILE_NAME
    writer = ExtractWriter(args.rows, args.encoding, args.dirty_share, args.seed)
    start = time.perf_counter()
    meta = workdir / "read_large_csv.written.json"
    if args.reuse and path.exists() and meta.exists():
        saved = json.loads(meta.read_text(encoding="utf-8"))
        if saved["args"] != [args.rows, args.encoding, args.dirty_share, args.seed]:
            parser.error("--reuse: the file there was written with other options")
        writer.injected, writer.id_faults = Counter(saved["injected"]), Counter(saved["ids"])
    else:
        others = [p for p in folder.glob("*") if p.name != FILE_NAME] if folder.is_dir() else []
        if others:
            parser.error(f"{folder} holds other files; use an empty --workdir")
        print(f"writing {args.rows:,} rows ...", flush=True)
        writer.write(path)
        saved = {
            "args": [args.rows, args.encoding, args.dirty_share, args.seed],
            "injected": writer.injected,
            "ids": writer.id_faults,
        }
        meta.write_text(json.dumps(saved), encoding="utf-8")
    write_seconds = time.perf_counter() - start

    print("staging in a child process ...", flush=True)
    command = [sys.executable, "-m", "tests.benchmarks.read_large_csv", "--child"]
    command += ["--workdir", str(workdir), "--memory-limit", args.memory_limit]
    command += ["--profile", args.profile, "--top", str(args.top)]
    done = subprocess.run(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, check=True)
    child = json.loads(done.stdout.decode("utf-8").strip().splitlines()[-1])
    return 0 if report(args, path, writer, write_seconds, child) else 1


if __name__ == "__main__":
    sys.exit(main())
