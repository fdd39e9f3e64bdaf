"""A made-up delivery day in the province generator's manifest format, for developing the
benchmark's peers (issue 7) before the real generator lands.

Writes, under DATA_DIR, one CSV file per extract kind of DESIGN §3 (headers as
`tests/builders.py` prints them), in the encodings and delimiters the departments use, and
`DATA_DIR/sample/province_manifest.json`:

    {"households": N, "members": M, "seed": S,
     "days": [{"day": "YYYY-MM-DD", "files": [{"path": "inbox/<day>/<dept>/<name>.csv",
               "department", "kind", "encoding", "delimiter", "header_line", "rows"}]}]}

The other kinds scale with the members as in the issue's province-scale day (7M members:
300k students, 600k payments, 3M employment, 1M training, 1M intents). Values are made up
(valid ID check characters, names from a few common characters); a small share of the rows
carries what the rules look for: a person in two households, payments to students not
enrolled, enrolled students of eligible households not paid, graduates with no job, members
with 务工时间 and no employment, payments under another household's number. `write_manifest`
writes a manifest for files written by someone else (the tests' hand-made days).

    .venv/bin/python -m tests.benchmarks.province_fixture --data-dir /tmp/peers-dev \
        --members 300000 [--day 2026-12-01] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from datetime import date, timedelta
from pathlib import Path

from tests.builders import DEPARTMENT, HEADERS, person_id

# per member of the register, from the province-scale day (7M members)
SHARES = {
    "education_enrollments": 300_000 / 7_000_000,
    "rural_subsidies": 600_000 / 7_000_000,
    "hrss_employment": 3_000_000 / 7_000_000,
    "hrss_training": 1_000_000 / 7_000_000,
    "rural_intents": 1_000_000 / 7_000_000,
}
# (file name, encoding, delimiter, title rows above the header) per kind
FILES = {
    "rural_members": ("家庭成员信息.csv", "gb18030", ",", 0),
    "rural_subsidies": ("雨露计划补助发放明细.csv", "utf-8-sig", ",", 1),
    "rural_intents": ("雨露计划+意愿台账.csv", "utf-8", ",", 0),
    "education_enrollments": ("职业院校学籍信息.csv", "gb18030", ",", 0),
    "hrss_employment": ("就业登记信息.csv", "gb18030", ",", 0),
    "hrss_training": ("职业技能培训.txt", "utf-8", "\t", 0),
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文俊鹏宇浩然欣怡梓涵子轩雨晨"
RELATIONS = ("户主", "配偶", "之子", "之女", "之孙子", "之孙女", "之父", "之母")
TOWNSHIPS = ("城关镇", "东明镇", "杜关镇", "五里川镇", "官道口镇", "朱阳关镇")


def _id_of(i: int) -> str:
    """The i-th made-up ID: distinct for every i below 25,000 × 1,000."""
    birth = date(1950, 1, 1) + timedelta(days=i % 25_000)
    return person_id(f"{birth:%Y%m%d}", i // 25_000 % 1000)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))


def write_manifest(data_dir: Path, days: list[dict], households: int, members: int, seed: int):
    path = Path(data_dir) / "sample" / "province_manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = {"households": households, "members": members, "seed": seed, "days": days}
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def file_entry(data_dir: Path, day: str, kind: str, rows: list[list[str]], **fmt) -> dict:
    """Write one extract of `kind` (rows in HEADERS order) and return its manifest entry.

    `fmt`: name, encoding, delimiter, title_rows (lines above the header)."""
    name, encoding, delimiter, title_rows = FILES[kind]
    name = fmt.get("name", name)
    encoding = fmt.get("encoding", encoding)
    delimiter = fmt.get("delimiter", delimiter)
    title_rows = fmt.get("title_rows", title_rows)
    rel = Path("inbox") / day / DEPARTMENT[kind] / name
    path = Path(data_dir) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as f:
        for t in range(title_rows):
            f.write(f"{kind} 导出表 {t + 1}\r\n")
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(HEADERS[kind])
        writer.writerows(rows)
    return {
        "path": rel.as_posix(),
        "department": DEPARTMENT[kind],
        "kind": kind,
        "encoding": encoding,
        "delimiter": delimiter,
        "header_line": title_rows + 1,
        "rows": len(rows),
    }


def _rows(members: int, seed: int) -> tuple[int, dict[str, list[list[str]]]]:
    rng = random.Random(seed)
    out: dict[str, list[list[str]]] = {k: [] for k in FILES}
    people: list[tuple[str, str, str, bool, int]] = []  # (household, id, name, eligible, months)
    household_no = 0
    while len(people) < members:
        household_no += 1
        hh = f"4112241{household_no:09d}"
        kind_of = rng.random()
        hh_type = "脱贫户" if kind_of < 0.3 else "一般农户"
        category = "边缘易致贫户" if 0.3 <= kind_of < 0.35 else ""
        eligible = hh_type == "脱贫户" or bool(category)
        town = rng.choice(TOWNSHIPS)
        income = str(rng.randint(6000, 30000))
        for no in range(1, min(rng.randint(1, 6), members - len(people)) + 1):
            pid = _id_of(len(people))
            name = _name(rng)
            months = rng.choice((0, 0, 3, 6, 10, 12))
            people.append((hh, pid, name, eligible, months))
            rows = [[hh, no, pid, name, hh_type, category, town, income, months]]
            if rng.random() < 0.005:  # the same person also under another household (ID-07)
                rows.append(
                    [
                        f"4112241{rng.randint(1, household_no):09d}",
                        9,
                        pid,
                        name,
                        hh_type,
                        category,
                        town,
                        income,
                        months,
                    ]
                )
            for r_hh, r_no, r_id, r_name, r_type, r_cat, r_town, r_income, r_months in rows:
                out["rural_members"].append(
                    [
                        "卢氏县",
                        r_town,
                        f"{r_town[:2]}村",
                        "",
                        "",
                        r_hh,
                        f"{r_hh}{r_no:02d}",
                        r_name,
                        r_id,
                        RELATIONS[min(r_no - 1, 7)],
                        "男" if int(r_id[16]) % 2 else "女",
                        "汉族",
                        "初中",
                        "非在校生",
                        "健康",
                        "普通劳动力",
                        str(r_months),
                        r_type,
                        r_cat,
                        "因病" if r_cat else "",
                        "否" if r_cat else "",
                        "2024-03-01" if r_cat else "",
                        "",
                        r_income,
                        "",
                        "13800000000",
                    ]
                )
    n = len(people)
    students = rng.sample(range(n), int(n * SHARES["education_enrollments"]))
    for i in students:
        hh, pid, name, _, _ = people[i]
        status = rng.choices(("在籍", "毕业", "休学", "退学"), (80, 14, 3, 3))[0]
        out["education_enrollments"].append(
            [
                name,
                pid,
                hh,
                "卢氏县职业中等专业学校",
                "4141012345",
                "中职",
                "护理",
                "720201",
                "2024.09",
                "3",
                "2024级",
                status,
                "2026.06" if status == "毕业" else "",
            ]
        )
    # payments: mostly two terms of enrolled students of eligible households, a few to others
    paid_to = [i for i in students if people[i][3]]
    rng.shuffle(paid_to)
    want = int(n * SHARES["rural_subsidies"])
    while len(out["rural_subsidies"]) < want:
        k = len(out["rural_subsidies"])
        i = (
            rng.randrange(n)
            if rng.random() < 0.03 or not paid_to
            else paid_to[k // 2 % len(paid_to)]
        )
        hh, pid, name, _, _ = people[i]
        if rng.random() < 0.01:  # paid under another household's number (LINK-02)
            hh = f"4112241{rng.randint(1, household_no):09d}"
        term = rng.choice(("2026年春季", "2026年秋季"))
        status = rng.choices(("已发放", "待发放", "退回"), (90, 8, 2))[0]
        out["rural_subsidies"].append(
            [
                term,
                hh,
                name,
                pid,
                "卢氏县职业中等专业学校",
                "中职",
                "2024级",
                "1500",
                "2026-10-20",
                status,
            ]
        )
    for i in rng.sample(range(n), int(n * SHARES["hrss_employment"])):
        _, pid, name, _, months = people[i]
        status = "已就业" if (months > 0) == (rng.random() < 0.9) else "未就业"
        out["hrss_employment"].append(
            [
                name,
                pid,
                status,
                "单位就业",
                "卢氏县食用菌产业园有限公司",
                "91411224MA44XXXX1X",
                "县内",
                "2025-03-01",
                "3000",
                "2025-03-02",
            ]
        )
    for i in rng.sample(range(n), int(n * SHARES["hrss_training"])):
        _, pid, name, _, _ = people[i]
        out["hrss_training"].append(
            [name, pid, "电工", "就业技能培训", "2025-04-01", "2025-04-20", "是"]
        )
    for i in rng.sample(range(n), int(n * SHARES["rural_intents"])):
        hh, pid, name, _, _ = people[i]
        out["rural_intents"].append(
            [
                hh,
                name,
                pid,
                "新成长劳动力",
                "2026",
                "就业",
                "郑州市",
                "岗位推荐",
                "2026-10-01",
                "网格员",
            ]
        )
    return household_no, out


def write_dev_day(data_dir: Path, members: int, day: str = "2026-12-01", seed: int = 7) -> Path:
    """Write a made-up day of `members` register rows (and the rest in proportion) and its
    manifest; return the manifest's path."""
    households, rows = _rows(members, seed)
    files = [file_entry(data_dir, day, kind, rows[kind]) for kind in FILES]
    return write_manifest(data_dir, [{"day": day, "files": files}], households, members, seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--members", type=int, default=300_000)
    parser.add_argument("--day", default="2026-12-01")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = write_dev_day(args.data_dir, args.members, args.day, args.seed)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for f in manifest["days"][0]["files"]:
        print(f"{f['kind']:<24} {f['rows']:>10,} rows  {f['encoding']}")
    print(f"manifest: {path}  ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
