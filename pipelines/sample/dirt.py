"""The dirt of real deliveries, put into the sample on purpose: values spoiled the ways clerks
and systems spoil them, and the key of what the ledger must show for each file written."""

from __future__ import annotations

import csv
import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from pipelines.sample.people import OTHER_CODES, IdMaker


class Dirt:
    """The ways real extracts spoil values that a normaliser must undo."""

    FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ids = IdMaker(random.Random(rng.random()))
        self.expected: dict[Path, tuple[str, Counter]] = {}  # file → (status, rows set aside)

    def expect(
        self, path: Path, status: str = "staged", records: int | None = None, **set_aside: int
    ) -> None:
        """What the ledger must show for a file written with known dirt (the ingestion key). A
        table without records (a small county may have no technical students) is refused."""
        if records == 0:
            status, set_aside = "rejected", {}
        self.expected[path] = (status, Counter(set_aside))

    def id(self, number: str, unicode_spaces: bool = True) -> str:
        """`unicode_spaces=False` for encodings (GBK) that cannot hold NBSP or zero-width."""
        spoil = [
            lambda n: f" {n} ",
            lambda n: n[:6] + " " + n[6:],
            lambda n: n.translate(self.FULL_WIDTH),
            lambda n: n[:-1] + "x" if n.endswith("X") else n,
        ]
        if unicode_spaces:
            spoil += [lambda n: n + "\u200b", lambda n: "\t" + n + "\u00a0"]
        if self.rng.random() < 0.2:
            return self.rng.choice(spoil)(number)
        return number

    def name(self, text: str) -> str:
        return text + " " if self.rng.random() < 0.05 else text

    def day(self, d: date | None) -> str:
        if d is None:
            return ""
        style = self.rng.randrange(4)
        return (
            f"{d:%Y-%m-%d}",
            f"{d.year}/{d.month}/{d.day}",
            f"{d:%Y%m%d}",
            f"{d.year}年{d.month}月{d.day}日",
        )[style]

    def month(self, d: date | None) -> str:
        if d is None:
            return ""
        return (f"{d.year}.{d.month:02d}", f"{d.year}年{d.month}月", f"{d:%Y-%m}")[
            self.rng.randrange(3)
        ]

    def amount(self, value: float) -> str:
        plain = f"{value:.2f}".rstrip("0").rstrip(".")
        return (plain, f"{value:,.2f}", plain + "元")[self.rng.randrange(3)]

    def term(self, term: str) -> str:
        year, season = term.split("-")
        y = int(year)
        if season == "autumn":
            options = (f"{y}年秋季", f"{y}秋", f"{y}-{y + 1}学年第一学期")
        else:
            options = (f"{y}年春季", f"{y}春", f"{y - 1}-{y}学年第二学期")
        return self.rng.choice(options)

    def measures(self, text: str) -> str:
        """Free text typed with a line break in the cell (Alt+Enter), quoted in the CSV."""
        return text.replace("、", "\n", 1) if self.rng.random() < 0.1 else text

    def outsider_id(self) -> str:
        """A valid ID of somebody in no household here, for rows that never become keys."""
        born = date(1990, 1, 1) + timedelta(days=self.rng.randrange(10_000))
        return self.ids.make(born, self.rng.random() < 0.5, OTHER_CODES[0])


def write_ingest_key(path: Path, dirt: Dirt, inbox: Path) -> None:
    """sample/ingest_key.csv: per file written, its status and the rows it sets aside by reason,
    written with the sample, before any pipeline reads it."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["delivery_date", "department", "file_name", "status", "set_aside"])
        for file, (status, aside) in sorted(dirt.expected.items()):
            day, department = file.relative_to(inbox).parts[:2]
            reasons = ";".join(f"{code}={n}" for code, n in sorted(aside.items()))
            writer.writerow([day, department, file.name, status, reasons])
