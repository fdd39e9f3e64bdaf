"""Readers never fail and never see a mix of two versions while the warehouse is republished.

Eight reader processes open the published warehouse read-only in a loop and read every table
(rows and a checksum of its content, and each mart table's `as_of`) while the working database
is published 200 times, alternating between two reconciled days, so that each publish differs
from the one before and a reader can tell a whole version from a mix.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections import Counter

from conftest import day_range
from stress_reader import read_until_stopped, read_version
from test_days_any_order import process

from pipelines.publish import publish
from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import load_settings
from pipelines.warehouse import working_db

READERS = 8
PUBLISHES = 200


def test_readers_see_whole_versions_while_publishing(data_dir, capsys):
    settings = load_settings()
    generate(settings.data_dir, settings.reference_dir, households=60, days=2, seed=5)
    days = day_range(DEFAULT_START, 2)
    process(days)
    path = settings.published_db

    with working_db(settings) as con:
        con.execute(
            "create temp table newest as select * from reconcile.days where as_of = ?", [days[1]]
        )
        versions = {}
        for older in (True, False):
            _switch(con, older)
            publish(con, settings.working_db, path)
            versions[older] = read_version(path)
        assert versions[True] != versions[False]
        assert [v[1] for v in versions.values()] == [(days[0],), (days[1],)]

        context = mp.get_context("spawn")
        ready, stop, results = context.Queue(), context.Event(), context.Queue()
        readers = [
            context.Process(target=read_until_stopped, args=(str(path), ready, stop, results))
            for _ in range(READERS)
        ]
        for p in readers:
            p.start()
        for _ in readers:
            ready.get(timeout=60)
        started = time.monotonic()
        for i in range(PUBLISHES):
            _switch(con, older=i % 2 == 0)
            publish(con, settings.working_db, path)
        stop.set()
        elapsed = time.monotonic() - started
        reports = [results.get(timeout=60) for _ in readers]
        for p in readers:
            p.join(timeout=30)

    seen = sum((r[0] for r in reports), Counter())
    errors = sum(r[1] for r in reports)
    mixed = sum(n for version, n in seen.items() if version not in versions.values())
    reads = sum(seen.values())
    with capsys.disabled():
        print(
            f"\n{PUBLISHES} publishes in {elapsed:.1f}s, {READERS} readers: {reads} reads, "
            f"{errors} errors, {mixed} mixed, {sorted(seen.values())} per version"
        )
    assert errors == 0, [e for r in reports for e in r[2]]
    assert mixed == 0
    assert len(seen) == 2  # both versions were read, each whole


def _switch(con, older: bool) -> None:
    """Make the older or the newer of the two reconciled days the one publish shows."""
    con.execute("delete from reconcile.days where as_of = (select as_of from newest)")
    if not older:
        con.execute("insert into reconcile.days select * from newest")
