"""Loading `data/reference/` into the working database's `ref` schema at the start of a run."""

from __future__ import annotations

from pathlib import Path

import duckdb

REFERENCE_TABLES = {
    "divisions": ("divisions_411224.csv", {}),
    "terms": ("terms.csv", {"starts_on": "date", "ends_on": "date", "census_on": "date"}),
    "subsidy_rules": ("subsidy_rules.csv", {"amount_per_term": "double"}),
    "monitoring_lines": ("monitoring_lines.csv", {"year": "integer", "income_line": "double"}),
    "risk_reasons": ("risk_reasons.csv", {"points": "integer"}),
}


def load_reference(
    con: duckdb.DuckDBPyConnection, reference_dir: Path, divisions: Path | None = None
) -> None:
    """Replace every `ref` table from its CSV; codes stay text (all_varchar), others are cast."""
    for table, (file_name, casts) in REFERENCE_TABLES.items():
        path = divisions if table == "divisions" and divisions else reference_dir / file_name
        rel = con.read_csv(str(path), all_varchar=True, header=True)
        columns = ", ".join(
            f'cast("{c}" as {casts[c]}) as "{c}"' if c in casts else f'"{c}"' for c in rel.columns
        )
        con.execute(f"create or replace table ref.{table} as select {columns} from rel")
