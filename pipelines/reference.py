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
    """Replace every `ref` table from its CSV; codes stay text (all_varchar), others are cast.

    The path goes in as a parameter; with external access off, DuckDB cannot see Python
    variables, so the CSV is read in the statement itself rather than through a relation."""
    for table, (file_name, casts) in REFERENCE_TABLES.items():
        path = divisions if table == "divisions" and divisions else reference_dir / file_name
        source = "read_csv(?, all_varchar = true, header = true)"
        described = con.execute(f"describe select * from {source}", [str(path)]).fetchall()
        # the header names identifiers only, quoted as such
        names = {row[0]: '"' + row[0].replace('"', '""') + '"' for row in described}
        columns = ", ".join(
            f"cast({q} as {casts[c]}) as {q}" if c in casts else q for c, q in names.items()
        )
        con.execute(
            f"create or replace table ref.{table} as select {columns} from {source}", [str(path)]
        )
