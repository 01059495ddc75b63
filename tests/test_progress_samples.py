"""Every plan evaluates on the synthetic sample data, as of every year-end 2021-2025, without error;
an indicator without data is ``no_data``. Uses the sample generator and the ingestion pipeline
(``ipstats samples generate`` / ``ipstats ingest``), on the embedded DuckDB.

To stay well under a minute, only the year-closing files (annual, 1-12月, tidy indicator and
reference files) and the 2024 half-year files are ingested: the claims hold for any subset.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from etl import warehouse

generate = pytest.importorskip("etl.samples.generate", reason="sample generator (ipstats samples) not in the tree")
pipeline = pytest.importorskip("etl.ingest.pipeline", reason="ingestion (ipstats ingest) not in the tree")

YEAR_ENDS = [date(y, 12, 31) for y in range(2021, 2026)]
STATUSES = {"achieved", "on_track", "behind", "off_track", "no_data"}


def _year_closing(name: str) -> bool:
    if name.startswith("2024年上半年"):
        return True
    return not re.search(r"\d月|季度|半年|期", name) or bool(re.search(r"1[-—]12月", name))


def test_every_plan_evaluates_on_the_samples_and_missing_data_is_no_data(tmp_path, duckdb_url):
    if not hasattr(generate, "generate_samples") or not hasattr(pipeline, "ingest_paths"):
        pytest.skip("generate_samples / ingest_paths not available yet")
    from etl.catalog import load_catalog_into_warehouse, load_plans
    from etl.progress import evaluate_plan, refresh_marts

    summary = generate.generate_samples(tmp_path / "samples", 2020, 2025)
    files = [p for p in summary.files if _year_closing(p.name)]
    assert files, "the generator wrote no year-closing files"
    engine = warehouse.get_engine(duckdb_url)
    warehouse.init_db(engine)
    load_catalog_into_warehouse(engine)
    outcomes = pipeline.ingest_paths(files, engine)
    assert any(o.status == "loaded" for o in outcomes)

    with engine.connect() as conn:
        values = warehouse.read_frame(conn, "SELECT COUNT(*) AS n FROM obs_observations")
    assert int(values["n"].iloc[0]) > 0

    written = refresh_marts(engine)
    assert written > 0
    with engine.connect() as conn:
        indicator_values = warehouse.read_frame(
            conn, "SELECT DISTINCT region_code, indicator_code FROM mart_indicator_values")
    with_data = set(zip(indicator_values["region_code"], indicator_values["indicator_code"], strict=True))

    with engine.connect() as conn:
        progress = warehouse.read_frame(conn, "SELECT * FROM mart_progress")
    progress["as_of"] = [d if isinstance(d, date) else d.date() for d in progress["as_of"]]
    for plan in load_plans():
        # the CLI's path: evaluate in memory (here as of the last year-end) ...
        frame = evaluate_plan(engine, plan.plan_id, YEAR_ENDS[-1])
        assert len(frame) == len(plan.targets)
        # ... and the mart, refreshed for every month, at every year-end 2021-2025
        for as_of in YEAR_ENDS:
            rows = progress[(progress["plan_id"] == plan.plan_id) & (progress["as_of"] == as_of)]
            assert len(rows) == len(plan.targets), (plan.plan_id, as_of)
            assert set(rows["status"]) <= STATUSES
            for row in rows.itertuples():
                if (row.region_code, row.indicator_code) not in with_data and row.target_kind != "avg_growth":
                    assert row.status == "no_data", (plan.plan_id, row.target_id, as_of)
                if row.target_kind == "none":
                    assert row.status == "no_data"
                if row.status == "no_data":
                    assert row.ratio is None or row.ratio != row.ratio  # None or NaN
                else:
                    assert isinstance(row.latest_label, str)
                if isinstance(row.verdict, str):
                    assert row.verdict in {"achieved", "not_achieved"}
        last = progress[(progress["plan_id"] == plan.plan_id) & (progress["as_of"] == YEAR_ENDS[-1])]
        assert sorted(last["status"]) == sorted(frame["status"])
