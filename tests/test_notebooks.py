"""The analyst notebooks run top to bottom against a warehouse the pipeline published."""

from __future__ import annotations

import ast
import json

import pytest
from conftest import day_range, published, run_days

from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import REPO_ROOT, load_settings

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def _code_cells(path) -> list[str]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def run_cell(source: str, namespace: dict):
    """Run a cell as Jupyter would and return the value of its last expression, if any."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "cell", "exec"), namespace)
    if last is not None:
        return eval(compile(ast.Expression(last.value), "cell", "eval"), namespace)
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_open_cases_notebook_runs_on_the_published_warehouse(data_dir):
    settings = load_settings()
    generate(settings.data_dir, settings.reference_dir, households=300, days=2, seed=21)
    run_days(day_range(DEFAULT_START, 2))
    namespace: dict = {}
    charts = 0
    for source in _code_cells(REPO_ROOT / "notebooks" / "open_cases.ipynb"):
        shown = run_cell(source, namespace)
        if hasattr(shown, "to_dict") and hasattr(shown, "mark_bar"):
            assert shown.to_dict()["data"]  # Altair validates the chart spec here
            charts += 1
    assert charts == 2
    with published(data_dir) as con:
        open_cases = con.execute(
            "select count(*) from mart.discrepancies where status = 'open'"
        ).fetchone()[0]
    assert open_cases > 0
    assert namespace["by_rule"]["cases"].sum() == open_cases
    assert namespace["by_township"]["cases"].sum() == open_cases
