"""Cases across days: processing the delivery days in any order, and running a day again, gives
the same `history` and `mart` as processing them in order (DESIGN §5).

The days run through the plain functions each asset calls, in the assets' order, so that every
order of the sample's days fits in a minute; `test_pipeline.py` runs one other order through
Dagster itself.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import process_day, published_tables

from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import load_settings


def process(days: list[date]) -> None:
    for day in days:
        process_day(day)


def county(root: Path, monkeypatch, days: int, seed: int) -> list[date]:
    """A fresh data directory with a sample county of `days` delivery days."""
    root.mkdir(parents=True)
    monkeypatch.setenv("YULU_DATA_DIR", str(root))
    generate(root, load_settings().reference_dir, households=60, days=days, seed=seed)
    return _days(days)


def _days(count: int) -> list[date]:
    """The sample's delivery days, from its default first day."""
    return [DEFAULT_START + timedelta(days=i) for i in range(count)]


@pytest.fixture
def in_order(tmp_path, monkeypatch):
    """The published tables after processing the days in order, for a county of a given size."""

    def run(days: int, seed: int) -> dict:
        ordered = county(tmp_path / "in-order", monkeypatch, days, seed)
        process(ordered)
        tables = published_tables(tmp_path / "in-order")
        assert tables["history.discrepancies"], "the sample must have cases to compare"
        return tables

    return run


def test_every_order_of_three_days_gives_the_same_history_and_mart(in_order, tmp_path, monkeypatch):
    expected = in_order(3, seed=21)
    for n, order in enumerate(itertools.permutations(_days(3))):
        county(tmp_path / f"order-{n}", monkeypatch, 3, seed=21)
        process(list(order))
        assert published_tables(tmp_path / f"order-{n}") == expected, order


def test_a_longer_run_in_a_random_order_with_days_run_twice(in_order, tmp_path, monkeypatch):
    expected = in_order(6, seed=22)
    shuffle = random.Random(2026)
    order = _days(6)
    shuffle.shuffle(order)
    order += shuffle.sample(order, 2)  # two days re-run after the others
    county(tmp_path / "shuffled", monkeypatch, 6, seed=22)
    process(order)
    assert published_tables(tmp_path / "shuffled") == expected, order
