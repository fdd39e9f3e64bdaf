"""The `yulu` command: `yulu sample`, `yulu run` (DESIGN §5, Command line), `yulu rollback`,
`yulu versions`, `yulu dictionary`, `yulu rules` and `yulu demo-key`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from pipelines.permissions import restrict_process
from pipelines.settings import load_settings


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _parser() -> argparse.ArgumentParser:
    from pipelines.sample.generate import DEFAULT_START

    parser = argparse.ArgumentParser(prog="yulu", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    sample = commands.add_parser(
        "sample", help="write a synthetic county (or, with --province, 河南) into the inbox"
    )
    sample.add_argument(
        "--province",
        action="store_true",
        help="all of 河南's villages as CSV, 2 delivery days, the county sample embedded",
    )
    sample.add_argument(
        "--households",
        type=int,
        default=None,
        help="households to draw (default 3000; 2,000,000 with --province); a small county "
        "grows until every rule has cases",
    )
    sample.add_argument(
        "--days",
        type=int,
        default=None,
        help="delivery days to write (default 3; not with --province)",
    )
    sample.add_argument("--seed", type=int, default=20261130, help="same seed, same files")
    sample.add_argument(
        "--divisions",
        type=Path,
        default=None,
        help="division codes CSV (default: 卢氏县 from data/reference; with --province, "
        "河南's divisions_41.csv)",
    )
    sample.add_argument(
        "--start",
        type=_day,
        default=DEFAULT_START,
        help=f"first delivery day (default {DEFAULT_START})",
    )
    run = commands.add_parser("run", help="process delivery days through Dagster")
    run.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="one delivery day")
    run.add_argument(
        "--from", dest="first", type=_day, metavar="YYYY-MM-DD", help="first day of a range"
    )
    run.add_argument(
        "--to", dest="last", type=_day, metavar="YYYY-MM-DD", help="last day, included"
    )
    commands.add_parser("rules", help="print the rule catalogue as a Markdown table")
    commands.add_parser("dictionary", help="print the data dictionary as Markdown")
    commands.add_parser("versions", help="list the kept versions of the published warehouses")
    rollback = commands.add_parser(
        "rollback", help="swap a kept version of both published warehouses back in"
    )
    rollback.add_argument(
        "--to", metavar="VERSION", help="a version from `yulu versions` (default: the previous)"
    )
    commands.add_parser(
        "demo-key", help="create the local demo pseudonym key if missing; print its path"
    )
    return parser


def _dictionary(args) -> int:
    from pipelines.dictionary import markdown

    print(markdown(), end="")
    return 0


def _versions(args) -> int:
    from pipelines.versions import read_manifest

    manifest = read_manifest(load_settings().warehouse_dir)
    for v in sorted(manifest["versions"], key=lambda v: v["published_at"]):
        mark = "*" if v["version"] == manifest["current"] else " "
        sizes = ", ".join(f"{stem} {r['bytes']:,} B" for stem, r in v["files"].items())
        print(f"{mark} {v['version']}  as of {v['as_of']}  ({sizes})")
    if not manifest["versions"]:
        print("no version kept yet")
    return 0


def _rollback(args) -> int:
    from pipelines.versions import PublishRefused, rollback

    try:
        target = rollback(load_settings().warehouse_dir, args.to)
    except PublishRefused as refused:
        print(f"rollback refused: {refused}", file=sys.stderr)
        return 1
    print(f"published files are now version {target['version']} (as of {target['as_of']})")
    print("the next `yulu run` publishes the newest day again")
    return 0


def _demo_key(args) -> int:
    from pipelines.pseudonym import ensure_demo_key

    path = ensure_demo_key(load_settings().data_dir)
    print(
        f"demo pseudonym key: {path} (owner-only, for the sample only; set "
        "YULU_PSEUDONYM_KEY to a secret of your own for real data)",
        file=sys.stderr,
    )
    print(path)
    return 0


def _rules(args) -> int:
    from pipelines.reconcile.rules import rule_table

    print(rule_table())
    return 0


def _sample(args) -> int:
    if args.province:
        return _sample_province(args)
    from pipelines.sample.generate import generate

    settings = load_settings()
    args.households = 3000 if args.households is None else args.households
    args.days = 3 if args.days is None else args.days
    world, key = generate(
        settings.data_dir,
        settings.reference_dir,
        args.households,
        args.days,
        args.seed,
        args.divisions,
        args.start,
    )
    last = args.start + timedelta(days=args.days - 1)
    print(
        f"sample county: {len(world.households):,} households, "
        f"{sum(len(h.members) for h in world.households):,} members, {args.days} days "
        f"({args.start} to {last})"
    )
    print(f"inbox: {settings.inbox_dir}")
    print(f"answer key: {key} ({len(world.cases)} injected cases)")
    print(
        f"ingestion key: {key.with_name('ingest_key.csv')} (each file's status and rows set aside)"
    )
    return 0


def _sample_province(args) -> int:
    from pipelines.sample.province import DEFAULT_HOUSEHOLDS, generate_province

    if args.days is not None:
        raise SystemExit("--days does not apply to --province: it writes two delivery days")
    settings = load_settings()
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    try:
        province = generate_province(
            settings.data_dir,
            settings.reference_dir,
            DEFAULT_HOUSEHOLDS if args.households is None else args.households,
            args.seed,
            args.start,
            args.divisions,
            progress,
        )
    except ValueError as refused:
        raise SystemExit(f"yulu sample --province: {refused}") from None
    print(
        f"sample province: {province.households:,} households, {province.members:,} members, "
        f"2 days ({args.start} to {args.start + timedelta(days=1)}), "
        f"{time.monotonic() - started:.0f} s"
    )
    print(f"inbox: {settings.inbox_dir}")
    print(f"answer key: {province.key_path} ({province.cases} injected cases, all in 卢氏县)")
    print(f"ingestion key: {province.key_path.with_name('ingest_key.csv')}")
    print(f"manifest: {province.manifest_path}")
    return 0


def _run(args) -> int:
    if args.date and (args.first or args.last):
        raise SystemExit("give --date, or --from and --to, not both")
    first, last = (args.date, args.date) if args.date else (args.first, args.last)
    if not first or not last or last < first:
        raise SystemExit("give --date D, or --from D1 --to D2 with D1 <= D2")
    from pipelines.instance import prepare_dagster_home
    from pipelines.pseudonym import MissingKeyError, pseudonym_key

    try:
        pseudonym_key()  # said before a day runs, not after each fails on it
    except MissingKeyError as missing:
        raise SystemExit(str(missing)) from None
    settings = load_settings()
    prepare_dagster_home(settings)
    # Imported here: Dagster takes about a second to import, which `yulu sample` need not pay.
    import dagster as dg
    from tqdm import tqdm

    from pipelines.definitions import DAILY_JOB, defs
    from pipelines.partitions import FIRST_DELIVERY_DAY, daily_partitions
    from pipelines.summary import summary_lines

    job = defs.resolve_job_def(DAILY_JOB)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    outside = [d for d in days if d.isoformat() not in set(daily_partitions.get_partition_keys())]
    if outside:
        raise SystemExit(
            f"no such delivery day: {outside[0]}; days run from {FIRST_DELIVERY_DAY} to today "
            "(Beijing time)"
        )
    failed = []
    with dg.DagsterInstance.get() as instance:
        # disable=None: a bar on a terminal, nothing when the output goes to a file or pipe
        progress = tqdm(days, desc="yulu run", unit="day", file=sys.stderr, disable=None)
        for day in progress:
            progress.set_postfix_str(day.isoformat())
            if not (settings.inbox_dir / day.isoformat()).is_dir():
                progress.write(
                    f"{day}: nothing delivered that day; earlier snapshots stay in force"
                )
            result = job.execute_in_process(
                partition_key=day.isoformat(),
                instance=instance,
                raise_on_error=False,
                tags={"yulu/launched_by": "cli"},
                # the run's full event log is in the instance; the terminal shows progress
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            )
            if not result.success:
                failed.append(day)
                progress.write(f"{day}: run {result.run_id} failed; see the Dagster UI", sys.stderr)
                for line in refused_files(settings, day):
                    progress.write(f"  {line}", sys.stderr)
    if settings.published_db.exists():
        print("\n".join(summary_lines(settings.published_db, settings.exports_dir)))
    if failed:
        print(f"failed days: {', '.join(map(str, failed))}", file=sys.stderr)
        return 1
    return 0


def refused_files(settings, day: date) -> list[str]:
    """The files of `day` refused as a whole, for the operator's terminal only (never a log):
    where they are and why, so that the right one can be sent again or taken out."""
    from pipelines.reader import open_read_only

    if not settings.working_db.exists():
        return []
    with open_read_only(settings.working_db) as con:
        rows = con.execute(
            "select department, file_name, reason_code, detail from audit.files "
            "where delivery_date = ? and status = 'rejected' order by 1, 2",
            [day],
        ).fetchall()
    return [
        f"refused: inbox/{day}/{dept}/{name} [{code}] {detail}" for dept, name, code, detail in rows
    ]


def main(argv: list[str] | None = None) -> int:
    restrict_process()  # every file the command writes is owner-only
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    commands = {
        "sample": _sample,
        "run": _run,
        "rules": _rules,
        "dictionary": _dictionary,
        "versions": _versions,
        "rollback": _rollback,
        "demo-key": _demo_key,
    }
    try:
        return commands[args.command](args)
    except BrokenPipeError:  # `yulu rules | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
