"""Benchmark plan monitoring: every plan at every as-of month of 2021-2025 on the embedded DuckDB.

Builds a throwaway warehouse with synthetic observations (every region, every canonical measure,
monthly 2020-2025 year-to-date flows and stocks plus year rows, tidy values for the tidy
indicators), then times ``refresh_marts`` (indicator values + progress for all plans and months).
Writes ``bench/results/progress.json``. Not a test: run it by hand.

    .venv/bin/python scripts/bench_progress.py [--repeat 3] [--out bench/results/progress.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from calendar import monthrange
from datetime import date
from pathlib import Path

import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))


def synthetic_inputs(seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observations for 2020-2025 (monthly YTD flows/stocks + year rows) and tidy indicator values."""
    from etl.catalog import load_indicators, load_measures, load_regions

    rng = random.Random(seed)
    regions = [r.region_code for r in load_regions()]
    observations: list[tuple] = []
    for region in regions:
        for measure in load_measures():
            level = rng.uniform(100, 10000)
            growth = rng.uniform(-0.02, 0.25)
            for year in range(2020, 2026):
                yearly = level * (1 + growth) ** (year - 2020)
                for month in range(1, 13):
                    end = date(year, month, monthrange(year, month)[1])
                    if measure.basis == "flow":
                        value, basis = yearly * month / 12, "ytd"
                    elif measure.basis == "stock":
                        value, basis = yearly * (1 + growth * month / 12), "stock"
                    else:
                        value, basis = rng.uniform(60, 99), "rate"
                    observations.append((region, measure.measure_code, end, "month", basis, round(value, 2),
                                         measure.canonical_unit, measure.source_kind, f"bench-{year}-{month}"))
                year_basis = {"flow": "period", "stock": "stock"}.get(measure.basis, "rate")
                observations.append((region, measure.measure_code, date(year, 12, 31), "year", year_basis,
                                     round(yearly, 2), measure.canonical_unit, measure.source_kind, f"bench-{year}"))
    obs = pd.DataFrame(observations, columns=["region_code", "measure_code", "period_end", "period_type", "basis",
                                              "value", "unit", "source_kind", "batch_id"])
    tidy = [(region, ind.indicator_code, year, round(rng.uniform(1, 100), 2), ind.unit, f"bench-tidy-{year}")
            for region in regions for ind in load_indicators() if ind.method == "tidy"
            for year in range(2020, 2025)]
    tidy_frame = pd.DataFrame(tidy, columns=["region_code", "indicator_code", "year", "value", "unit", "batch_id"])
    return obs, tidy_frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "results" / "progress.json")
    args = parser.parse_args(argv)

    from etl.catalog import load_catalog_into_warehouse
    from etl.progress import refresh_marts
    from etl.progress.indicators import compute_indicator_values
    from etl.warehouse import bulk_insert, dispose_engines, get_engine, init_db, transaction

    with tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(f"duckdb:///{tmp}/bench.duckdb")
        init_db(engine)
        load_catalog_into_warehouse(engine)
        obs, tidy = synthetic_inputs()
        with transaction(engine) as conn:
            bulk_insert(conn, "obs_observations", obs)
            bulk_insert(conn, "obs_indicator_values", tidy)
        timings, rows = [], 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            rows = refresh_marts(engine)
            timings.append(time.perf_counter() - started)
        with transaction(engine) as conn:
            started = time.perf_counter()
            values = compute_indicator_values(conn)
            values_seconds = time.perf_counter() - started
            plans = conn.exec_driver_sql("SELECT COUNT(DISTINCT plan_id), COUNT(*) FROM plan_targets").fetchone()
            months = conn.exec_driver_sql("SELECT COUNT(DISTINCT as_of) FROM mart_progress").scalar()
        dispose_engines()
    result = {
        "benchmark": "refresh_marts: indicator values + progress, all plans x all as-of months",
        "backend": "duckdb (embedded)",
        "observations": len(obs),
        "tidy_values": len(tidy),
        "indicator_values": len(values),
        "plans": plans[0],
        "targets": plans[1],
        "as_of_months": months,
        "progress_rows": rows,
        "indicator_values_seconds": round(values_seconds, 3),
        "refresh_seconds": [round(t, 3) for t in timings],
        "refresh_seconds_best": round(min(timings), 3),
        "goal_seconds": 10,
        "meets_goal": min(timings) < 10,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "measured_on": date.today().isoformat(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
