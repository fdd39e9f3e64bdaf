"""Great Expectations suites on the published warehouse, run as asset checks of the publish step
once the new file is in place: keys unique and present, every list row's household in
`mart.households`, codes within their sets.

Results keep only whether each expectation held (`BOOLEAN_ONLY`): GX would otherwise keep up
to 20 failing values, which here are ID numbers and names. Usage analytics are switched off
before GX is imported. The Data Docs site of the latest publish is built under
`$YULU_DATA_DIR/docs/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from checks.schemas import ID_18
from pipelines.ingest import ids, kinds
from pipelines.permissions import make_private
from pipelines.reader import open_read_only
from pipelines.reconcile.rules import RULES

EXPECTATIONS_CHECK = "expectations"
LIST_TABLES = (
    "vocational_intent",
    "enrolled_students",
    "graduates_current",
    "graduates_earlier",
)


@dataclass
class Suite:
    """The expectations on one published table, as (GX class name, its arguments)."""

    table: str
    query: str
    expectations: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The columns its expectations name, each once, in the order first named."""
        named = []
        for _, arguments in self.expectations:
            named += [arguments["column"]] if "column" in arguments else []
            named += arguments.get("column_list", [])
        return list(dict.fromkeys(named))


def _unique_key(*columns: str) -> list[tuple[str, dict]]:
    found = [("ExpectColumnValuesToNotBeNull", {"column": c}) for c in columns]
    if len(columns) == 1:
        return [*found, ("ExpectColumnValuesToBeUnique", {"column": columns[0]})]
    return [*found, ("ExpectCompoundColumnsToBeUnique", {"column_list": list(columns)})]


def _in_set(column: str, values) -> tuple[str, dict]:
    return ("ExpectColumnValuesToBeInSet", {"column": column, "value_set": sorted(set(values))})


def suites() -> list[Suite]:
    household_found = (
        "exists (select 1 from mart.households as h where h.household_id = l.household_id)"
    )
    lists = [
        Suite(
            f"mart.{name}",
            f"select l.*, {household_found} as household_found from mart.{name} as l",
            [
                ("ExpectColumnValuesToNotBeNull", {"column": "household_id"}),
                _in_set("household_found", [True]),
                ("ExpectColumnValuesToMatchRegex", {"column": "id_number", "regex": ID_18}),
            ],
        )
        for name in LIST_TABLES
    ]
    return [
        Suite(
            "mart.households",
            "select * from mart.households",
            [
                *_unique_key("household_id"),
                _in_set("household_type", kinds.HOUSEHOLD_TYPES.values()),
                (
                    "ExpectColumnValuesToMatchRegex",
                    {"column": "village_code", "regex": r"^\d{12}$"},
                ),
                (
                    "ExpectColumnValuesToBeBetween",
                    {"column": "risk_level", "min_value": 0, "max_value": 3},
                ),
            ],
        ),
        Suite(
            "mart.persons",
            "select * from mart.persons",
            [
                *_unique_key("person_key"),
                _in_set(
                    "id_status", [ids.VALID, ids.UPGRADED, ids.MISSING, ids.TRUNCATED, ids.INVALID]
                ),
                ("ExpectColumnValuesToMatchRegex", {"column": "id_number", "regex": ID_18}),
            ],
        ),
        Suite(
            "mart.discrepancies",
            "select * from mart.discrepancies",
            [
                *_unique_key("case_id"),
                _in_set("rule_code", (r.code for r in RULES)),
                _in_set("severity", (r.severity for r in RULES)),
                _in_set("status", ["open", "resolved"]),
                _in_set("verification", kinds.VERIFICATION_OUTCOMES.values()),
            ],
        ),
        *lists,
    ]


def expectation_results(published: Path, docs: Path):
    """One check result per suite, on the published table's asset."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"  # before GX is imported: it reads it then
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        # stores in memory, and no temporary docs site left behind in /tmp by each run
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    site = {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    context.add_data_docs_site("yulu", site)
    source = context.data_sources.add_pandas("yulu")
    con = open_read_only(published)
    try:
        for suite in suites():
            # only the columns the suite looks at: a province's mart.persons holds millions of
            # rows, and pandas holds every text cell as an object
            frame = con.execute(f"select {', '.join(suite.columns)} from ({suite.query})").df()
            batch = source.add_dataframe_asset(suite.table).add_batch_definition_whole_dataframe(
                "latest"
            )
            expectations = context.suites.add(gx.ExpectationSuite(name=suite.table))
            for name, arguments in suite.expectations:
                expectations.add_expectation(getattr(gxe, name)(**arguments))
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=suite.table, data=batch, suite=expectations)
            )
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name=suite.table,
                    validation_definitions=[validation],
                    actions=[gx.checkpoint.UpdateDataDocsAction(name="docs", site_names=["yulu"])],
                    result_format={"result_format": "BOOLEAN_ONLY"},
                )
            )
            outcome = checkpoint.run(batch_parameters={"dataframe": frame})
            held = {
                f"{r.expectation_config.type} {_column_of(r.expectation_config.kwargs)}": r.success
                for run in outcome.run_results.values()
                for r in run.results
            }
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey(suite.table.split(".")),
                check_name=EXPECTATIONS_CHECK,
                passed=bool(outcome.success),
                metadata={
                    "rows": len(frame),
                    "failed": ", ".join(k for k, ok in held.items() if not ok) or "none",
                    "expectations": len(held),
                    "data_docs": dg.MetadataValue.path(str(docs / "index.html")),
                },
            )
    finally:
        con.close()
        if docs.exists():
            make_private(docs)  # GX writes its pages with the process umask


def _column_of(arguments: dict) -> str:
    return arguments.get("column") or ",".join(arguments.get("column_list", []))
