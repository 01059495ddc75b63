"""Reconciliation after load: warnings with figures, never failures.

- ``city_sum_vs_province`` / ``district_sum_vs_city``: the children of a region (cities; districts,
  counties and zones administered apart) add up to it
  (within rounding), checked when every child is present;
- ``stock_vs_flow``: a stock cannot grow by more than what flowed in since the previous year end
  (valid invention patents vs invention grants, valid trademarks vs registrations).

Each run replaces the checks of the periods it touched, so ``load_reconciliation`` always holds
the current warnings.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import Engine, bindparam, text

from etl.ingest.sqlframe import query_frame
from etl.warehouse import bulk_insert, transaction

log = logging.getLogger(__name__)

PROVINCE = "440000"
STOCK_FLOW_PAIRS = {  # stock measure -> the flow that feeds it
    "patent_invention_valid": "patent_invention_grants",
    "tm_valid": "tm_registrations",
}
RECONCILIATION_COLUMNS = ["batch_id", "check_name", "region_code", "measure_code", "period_end", "expected",
                          "actual", "difference", "message", "checked_at"]


def sum_tolerance(parent_value: float, children: int) -> float:
    """Rounding allowance: half a unit per child, or 0.5 % of the total (amounts converted from 亿元)."""
    return max(0.5 * children, 0.005 * abs(parent_value))


def reconcile_batches(engine: Engine, batch_ids: Sequence[str]) -> int:
    """Check the periods the given batches published; returns the number of warnings written."""
    if not batch_ids:
        return 0
    ids = list(batch_ids)
    with engine.connect() as conn:
        result = conn.execute(text("SELECT DISTINCT period_end, period_type FROM obs_observations "
                                   "WHERE batch_id IN :ids").bindparams(bindparam("ids", expanding=True)),
                              {"ids": ids})
        touched = pd.DataFrame(result.fetchall(), columns=["period_end", "period_type"])
        if touched.empty:
            return 0
        regions = query_frame(conn, "SELECT region_code, level, parent_code FROM ref_regions")
        ends = sorted({pd.Timestamp(d).date() for d in touched["period_end"]})
        first_year = min(ends).year - 1
        observations = query_frame(conn, """
            SELECT region_code, measure_code, period_end, period_type, basis, value, batch_id
            FROM obs_observations
            WHERE period_end >= :since AND basis <> 'rate'""", {"since": date(first_year, 12, 31)})
    observations["period_end"] = pd.to_datetime(observations["period_end"]).dt.date
    in_scope = observations[observations["period_end"].isin(set(ends))]
    checks = [_sum_checks(in_scope, regions), _stock_flow_checks(observations, set(ends))]
    checked = pd.concat([c for c in checks if not c.empty], ignore_index=True) if any(
        not c.empty for c in checks) else pd.DataFrame(columns=[*RECONCILIATION_COLUMNS, "warn"])
    warnings = checked.loc[checked["warn"].astype(bool)].drop(columns="warn")
    with transaction(engine) as conn:
        # every check of the touched period ends is recomputed above: replace them in one statement
        conn.execute(text("DELETE FROM load_reconciliation WHERE period_end IN :ends")
                     .bindparams(bindparam("ends", expanding=True)), {"ends": ends})
        if not warnings.empty:
            bulk_insert(conn, "load_reconciliation", warnings[RECONCILIATION_COLUMNS])
    log.info("reconciliation: %d checks, %d warnings", len(checked), len(warnings))
    return len(warnings)


def _sum_checks(observations: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Children (cities of the province; districts and counties of a city) against their parent."""
    if observations.empty or regions.empty:
        return pd.DataFrame()
    children = regions[regions["level"].isin(["city", "district", "county", "zone"]) & regions["parent_code"].notna()]
    expected_children = children.groupby("parent_code").size()
    rows = observations.merge(children[["region_code", "parent_code"]], on="region_code")
    key = ["parent_code", "measure_code", "period_end", "period_type", "basis"]
    sums = rows.groupby(key).agg(actual=("value", "sum"), children=("value", "size")).reset_index()
    parents = observations.rename(columns={"region_code": "parent_code", "value": "expected"})
    merged = sums.merge(parents[[*key, "expected", "batch_id"]], on=key)
    merged = merged[merged["children"] == merged["parent_code"].map(expected_children)]
    if merged.empty:
        return pd.DataFrame()
    merged["difference"] = merged["actual"] - merged["expected"]
    merged["tolerance"] = [sum_tolerance(e, n) for e, n in zip(merged["expected"], merged["children"], strict=True)]
    merged["warn"] = merged["difference"].abs() > merged["tolerance"]
    merged["check_name"] = ["city_sum_vs_province" if p == PROVINCE else "district_sum_vs_city"
                            for p in merged["parent_code"]]
    merged["message"] = [
        f"{int(n)} sub-regions of {p} sum to {a:,.2f} but {p} reports {e:,.2f} ({m}, {t} {b}, "
        f"difference {d:+,.2f}, tolerance {tol:,.2f})"
        for n, p, a, e, m, t, b, d, tol in zip(merged["children"], merged["parent_code"], merged["actual"],
                                               merged["expected"], merged["measure_code"], merged["period_type"],
                                               merged["basis"], merged["difference"], merged["tolerance"],
                                               strict=True)]
    merged["region_code"] = merged["parent_code"]
    merged["checked_at"] = datetime.now(UTC).replace(tzinfo=None)
    return merged[[*RECONCILIATION_COLUMNS, "warn"]]


def _stock_flow_checks(observations: pd.DataFrame, period_ends: set[date]) -> pd.DataFrame:
    """Stock change since the previous year end against the year-to-date flow at the same date."""
    results = []
    stocks_all = observations[observations["basis"] == "stock"]
    for stock_measure, flow_measure in STOCK_FLOW_PAIRS.items():
        stocks = stocks_all[stocks_all["measure_code"] == stock_measure]
        flows = observations[(observations["measure_code"] == flow_measure)
                             & (observations["basis"].isin(["ytd", "period"]))
                             & ((observations["basis"] == "ytd") | (observations["period_type"] == "year"))]
        if stocks.empty or flows.empty:
            continue
        latest_stock = stocks.drop_duplicates(["region_code", "period_end"])
        prior = {(r, d): v for r, d, v in zip(latest_stock["region_code"], latest_stock["period_end"],
                                              latest_stock["value"], strict=True)}
        flow_at = {(r, d): v for r, d, v in zip(flows["region_code"], flows["period_end"], flows["value"], strict=True)}
        for region, period_end, value, batch in zip(latest_stock["region_code"], latest_stock["period_end"],
                                                    latest_stock["value"], latest_stock["batch_id"], strict=True):
            before = prior.get((region, date(period_end.year - 1, 12, 31)))
            flow = flow_at.get((region, period_end))
            if before is None or flow is None or period_end not in period_ends:
                continue
            change = value - before
            tolerance = max(1.0, 0.01 * abs(flow))
            results.append({
                "batch_id": batch, "check_name": "stock_vs_flow", "region_code": region,
                "measure_code": stock_measure, "period_end": period_end, "expected": flow, "actual": change,
                "difference": change - flow,
                "message": (f"{stock_measure} grew by {change:,.0f} from {period_end.year - 1}-12-31 to {period_end}"
                            f" but only {flow:,.0f} {flow_measure} flowed in (year to date)"),
                "checked_at": datetime.now(UTC).replace(tzinfo=None),
                "warn": change > flow + tolerance,
            })
    return pd.DataFrame(results)
