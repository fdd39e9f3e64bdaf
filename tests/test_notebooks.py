"""The analyst notebooks run top to bottom against a shared warehouse built from a sample."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import matplotlib
import pytest
from conftest import day_range, run_days

from pipelines.reader import open_warehouse
from pipelines.sample.generate import DEFAULT_START, generate
from pipelines.settings import REPO_ROOT, load_settings

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
# The tables of the shared warehouse (its contract), and the columns it masks
SHARED_TABLES = ["history.discrepancies", "audit.files"]  # and every mart table
NAME_COLUMNS = ("name", "head_name")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def run_cell(source: str, namespace: dict):
    """Run a cell as Jupyter would and return the value of its last expression, if any."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "cell", "exec"), namespace)
    if last is not None:
        return eval(compile(ast.Expression(last.value), "cell", "eval"), namespace)
    return None


def run_notebook(name: str, **parameters) -> dict:
    """Run every code cell; `parameters` replace those the cell tagged `parameters` sets, as
    papermill does. Returns the notebook's variables."""
    namespace: dict = {}
    for cell in _cells(REPO_ROOT / "notebooks" / name):
        if cell["cell_type"] == "code":
            run_cell("".join(cell["source"]), namespace)
            if "parameters" in cell["metadata"].get("tags", []):
                namespace.update(parameters)
    return namespace


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    """A published warehouse of a small sample county, two days, and its shared warehouse."""
    root = tmp_path_factory.mktemp("notebooks")
    with pytest.MonkeyPatch.context() as mp:
        _environment(mp, root)
        settings = load_settings()
        generate(settings.data_dir, settings.reference_dir, households=300, days=2, seed=21)
        run_days(day_range(DEFAULT_START, 2))
        assert settings.shared_db.exists(), "publish writes the shared file"
    return root


def _environment(mp: pytest.MonkeyPatch, root: Path) -> None:
    mp.setenv("YULU_DATA_DIR", str(root / "data"))
    mp.setenv("YULU_REFERENCE_DIR", str(REPO_ROOT / "data" / "reference"))
    mp.setenv("DAGSTER_HOME", str(root / "dagster"))
    mp.setenv("MPLBACKEND", "Agg")


@pytest.fixture
def shared(demo_data, monkeypatch):
    """The demo's environment, and a connection to its shared warehouse to check against."""
    _environment(monkeypatch, demo_data)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open_warehouse() as con:
        yield con
    plt.close("all")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    for cell in _cells(path):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_reads_the_shared_warehouse_and_joins_on_no_id(path):
    code = "\n".join("".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code")
    assert "open_warehouse()" in code
    assert "id_number" not in code.replace("exclude (id_number)", "")
    assert "duckdb.connect" not in code


def test_overview_counts_every_open_case(shared):
    import matplotlib.pyplot as plt

    ns = run_notebook("open_cases.ipynb")
    [(open_cases, found)] = shared.execute(
        "select count(*) filter (where status = 'open'), "
        "(select count(*) from history.discrepancies) from mart.discrepancies"
    ).fetchall()
    assert open_cases > 0
    assert ns["by_rule"]["cases"].sum() == open_cases
    assert ns["by_township"]["cases"].sum() == open_cases
    assert ns["over_time"]["cases"].sum() == found
    assert set(ns["over_time"]["as_of"].astype(str)) == {
        str(d) for d in day_range(DEFAULT_START, 2)
    }
    assert len(plt.get_fignums()) == 3


def test_village_drill_down(shared):
    ns = run_notebook("village.ipynb")
    village = ns["village_code"]
    assert (
        len(ns["open_cases"])
        == shared.execute(
            "select count(*) from mart.discrepancies where status = 'open' and village_code = ?",
            [village],
        ).fetchone()[0]
        > 0
    )

    [(other,)] = shared.execute(
        "select village_code from mart.households where village_code <> ? "
        "group by all order by count(*) desc, 1 limit 1",
        [village],
    ).fetchall()
    ns = run_notebook("village.ipynb", village_code=other)
    assert set(ns["households"]["household_id"]) == {
        h
        for (h,) in shared.execute(
            "select household_id from mart.households where village_code = ?", [other]
        ).fetchall()
    }
    assert len(ns["four_lists"]) == 4
    for rows in ns["four_lists"].values():
        assert "id_number" not in rows.columns and set(rows["village_code"]) <= {other}


def test_household_file(shared):
    ns = run_notebook("household.ipynb")
    household = ns["household_id"]
    [(level, cases, members)] = shared.execute(
        "select risk_level, (select count(*) from mart.discrepancies where household_id = ?), "
        "(select count(*) from mart.persons where household_id = ?) "
        "from mart.households where household_id = ?",
        [household] * 3,
    ).fetchall()
    assert ns["risk_level"] == level == 3
    assert len(ns["reasons"]) > 0
    assert len(ns["cases"]) == cases > 0
    assert len(ns["members"]) == members > 0
    assert ns["members"]["person_key"].notna().all()
    assert ns["history"]["cases"].sum() >= cases
