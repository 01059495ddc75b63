"""DAG integrity over the DagBag: every file under dags/ imports cleanly and quickly, every DAG
has tags and retries, and no DAG file drags a heavy library in at parse time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

DAGS_DIR = PROJECT_ROOT / "dags"
DAG_FILES = sorted(p for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))
HEAVY_MODULES = ("great_expectations", "matplotlib", "weasyprint", "pandas", "duckdb", "openpyxl", "xlsxwriter")
PARSE_BUDGET_SECONDS = 0.5

_PROBE = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import airflow.sdk  # the framework itself is not the DAG file's cost
from airflow.dag_processing.dagbag import DagBag
before = set(sys.modules)
path = sys.argv[1]
started = time.perf_counter()
bag = DagBag(dag_folder=path)
elapsed = time.perf_counter() - started
heavy = sorted({m.split(".")[0] for m in set(sys.modules) - before} & set(sys.argv[2].split(",")))
dags = {
    dag_id: {
        "tags": sorted(dag.tags or []),
        "retries": [t.retries for t in dag.tasks],
        "tasks": len(dag.tasks),
    }
    for dag_id, dag in bag.dags.items()
}
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()}, "seconds": elapsed,
                  "heavy": heavy, "dags": dags}))
"""


def _probe(dag_file: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(dag_file), ",".join(HEAVY_MODULES)],
        capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
        env={**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_there_are_dags() -> None:
    assert DAG_FILES, "dags/ holds no DAG file"


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_integrity(dag_file: Path) -> None:
    report = _probe(dag_file)
    assert report["errors"] == {}, report["errors"]
    assert report["dags"], f"{dag_file.name} defines no DAG"
    assert report["heavy"] == [], f"{dag_file.name} imports {report['heavy']} at parse time"
    assert report["seconds"] < PARSE_BUDGET_SECONDS, f"{dag_file.name} took {report['seconds']:.2f}s to parse"
    for dag_id, dag in report["dags"].items():
        assert dag["tags"], f"{dag_id} has no tags"
        assert dag["tasks"] > 0, f"{dag_id} has no task"
        assert all(r >= 1 for r in dag["retries"]), f"{dag_id} has a task without retries: {dag['retries']}"
