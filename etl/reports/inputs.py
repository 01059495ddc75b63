"""Gather everything a report shows from the warehouse into one canonical, JSON-serialisable
bundle. The bundle is archived with the report, hashed for its fingerprint, and is the only
thing the renderer reads: rendering the archived bundle again gives the same files."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, inspect

from etl.reports.periods import ReportPeriod
from etl.warehouse import read_frame

log = logging.getLogger(__name__)

SAMPLE_ENV = "IPSTATS_SAMPLE_DATA"
# Batches whose source file names carry one of these markers came from `ipstats samples`.
SAMPLE_FILE_MARKERS = ("sample", "样例", "synthetic")
# mart_progress columns that say when, not what: left out of the fingerprint.
_VOLATILE_COLUMNS = {"computed_at"}
_QUALITY_LIST_LIMIT = 20


class ReportInputError(LookupError):
    """The plan or its rows cannot be found."""


def canonical_value(value: Any) -> Any:
    """One spelling per value: ISO dates, plain floats, None for NaN/NaT, bool kept."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        try:
            value = value.item()
        except (AttributeError, ValueError):
            pass
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return 0.0 if value == 0 else value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, str)):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime().isoformat(sep=" ", timespec="seconds")
    except (TypeError, ValueError):
        pass
    return str(value)


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_rows(frame, drop: set[str] = frozenset()) -> list[dict[str, Any]]:
    """DataFrame rows as sorted-key dicts of canonical values."""
    rows = []
    for record in frame.to_dict(orient="records"):
        rows.append({key: canonical_value(val) for key, val in sorted(record.items()) if key not in drop})
    return rows


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _period_rows(engine: Engine, plan_id: str, as_of: date, tables: set[str]) -> list[dict[str, Any]]:
    """The plan's mart_progress rows at ``as_of``; evaluated on the fly when the mart lacks them."""
    frame = None
    if "mart_progress" in tables:
        with engine.connect() as conn:
            frame = read_frame(conn, "SELECT * FROM mart_progress WHERE plan_id = :p AND as_of = :a",
                               {"p": plan_id, "a": as_of})
    if frame is None or frame.empty:
        try:
            from etl.progress import evaluate_plan
        except ImportError:
            evaluate_plan = None
        if evaluate_plan is not None:
            log.info("mart_progress has no rows for %s at %s: evaluating the plan", plan_id, as_of)
            frame = evaluate_plan(engine, plan_id, as_of)
    if frame is None or frame.empty:
        return []
    rows = canonical_rows(frame, drop=_VOLATILE_COLUMNS)
    return sorted(rows, key=lambda row: str(row.get("target_id")))


def _plan_header(engine: Engine, plan_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        plans = read_frame(conn, "SELECT * FROM plan_plans WHERE plan_id = :p", {"p": plan_id})
        if plans.empty:
            known = read_frame(conn, "SELECT plan_id FROM plan_plans ORDER BY plan_id")["plan_id"].tolist()
            raise ReportInputError(f"plan {plan_id!r} is not in plan_plans (known: {', '.join(known) or 'none'})")
        plan = canonical_rows(plans)[0]
        regions = read_frame(conn, "SELECT region_code, name_zh, name_en, level FROM ref_regions "
                                   "WHERE region_code = :r", {"r": plan["region_code"]})
    region = canonical_rows(regions)[0] if not regions.empty else {
        "region_code": plan["region_code"], "name_zh": plan["region_code"], "name_en": plan["region_code"],
        "level": "city"}
    plan.pop("catalog_hash", None)
    return {**plan, "region": region}


def _targets(engine: Engine, plan_id: str) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        frame = read_frame(conn, "SELECT * FROM plan_targets WHERE plan_id = :p", {"p": plan_id})
    return {row["target_id"]: row for row in canonical_rows(frame)}


def _indicators(engine: Engine, codes: list[str]) -> dict[str, dict[str, Any]]:
    if not codes:
        return {}
    with engine.connect() as conn:
        frame = read_frame(conn, "SELECT indicator_code, name_zh, name_en, unit, category, direction "
                                 "FROM ref_indicators")
    return {row["indicator_code"]: row for row in canonical_rows(frame) if row["indicator_code"] in codes}


def _series(engine: Engine, rows: list[dict[str, Any]], as_of: date, tables: set[str]) -> list[dict[str, Any]]:
    """Values of the plan's indicators up to ``as_of`` (for the XLSX appendix and the charts)."""
    if "mart_indicator_values" not in tables or not rows:
        return []
    pairs = sorted({(row["region_code"], row["indicator_code"]) for row in rows
                    if row.get("region_code") and row.get("indicator_code")})
    if not pairs:
        return []
    regions = sorted({region for region, _ in pairs})
    codes = sorted({code for _, code in pairs})
    params: dict[str, Any] = {"as_of": as_of}
    region_marks = []
    for i, region in enumerate(regions):
        params[f"r{i}"] = region
        region_marks.append(f":r{i}")
    code_marks = []
    for i, code in enumerate(codes):
        params[f"c{i}"] = code
        code_marks.append(f":c{i}")
    sql = ("SELECT region_code, indicator_code, period_end, period_type, value, unit, value_source "
           "FROM mart_indicator_values WHERE period_end <= :as_of "
           f"AND region_code IN ({', '.join(region_marks)}) AND indicator_code IN ({', '.join(code_marks)})")
    with engine.connect() as conn:
        frame = read_frame(conn, sql, params)
    wanted = set(pairs)
    out = [row for row in canonical_rows(frame) if (row["region_code"], row["indicator_code"]) in wanted]
    return sorted(out, key=lambda r: (r["indicator_code"], r["region_code"], r["period_end"], r["period_type"]))


def _quality(engine: Engine, period: ReportPeriod, tables: set[str]) -> dict[str, Any]:
    """Load lineage of the period: batches whose data falls in it (or, for files quarantined
    before their period was known, that were received in it), their rejections and failed
    validations, and reconciliation warnings for the period."""
    empty = {"batches": {}, "quarantined": [], "revised": [], "rejections": 0, "validation_failures": [],
             "reconciliation": [], "reconciliation_count": 0}
    if "load_batches" not in tables:
        return empty
    params = {"start": period.start, "end": period.end}
    with engine.connect() as conn:
        batches = read_frame(conn, (
            "SELECT batch_id, source_file, status, reason, source_kind, period_end, rows_rejected "
            "FROM load_batches WHERE (period_end BETWEEN :start AND :end) OR "
            "(period_end IS NULL AND CAST(received_at AS DATE) BETWEEN :start AND :end)"), params)
        batch_rows = sorted(canonical_rows(batches), key=lambda r: (str(r["source_file"]), r["batch_id"]))
        ids = [row["batch_id"] for row in batch_rows]
        failures: list[dict[str, Any]] = []
        rejections = 0
        if ids and "load_validation_results" in tables:
            marks = ", ".join(f":b{i}" for i in range(len(ids)))
            bparams = {f"b{i}": batch for i, batch in enumerate(ids)}
            frame = read_frame(conn, "SELECT batch_id, suite_name, evaluated, failed FROM load_validation_results "
                                     f"WHERE success = FALSE AND batch_id IN ({marks})", bparams)
            files = {row["batch_id"]: row["source_file"] for row in batch_rows}
            failures = sorted(({**row, "source_file": files.get(row["batch_id"], "")}
                               for row in canonical_rows(frame)), key=lambda r: (r["source_file"], r["suite_name"]))
        if ids and "load_rejections" in tables:
            marks = ", ".join(f":b{i}" for i in range(len(ids)))
            bparams = {f"b{i}": batch for i, batch in enumerate(ids)}
            rejections = int(read_frame(conn, f"SELECT COUNT(*) AS n FROM load_rejections WHERE batch_id IN ({marks})",
                                        bparams)["n"].iloc[0])
        reconciliation: list[dict[str, Any]] = []
        if "load_reconciliation" in tables:
            frame = read_frame(conn, "SELECT check_name, region_code, measure_code, period_end, expected, actual, "
                                     "difference, message FROM load_reconciliation "
                                     "WHERE period_end BETWEEN :start AND :end", params)
            reconciliation = sorted(canonical_rows(frame), key=lambda r: (r["period_end"], r["check_name"],
                                                                          r["region_code"], r["measure_code"],
                                                                          r["message"]))
    counts: dict[str, int] = {}
    for row in batch_rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    quarantined = [{"source_file": r["source_file"], "reason": r["reason"]} for r in batch_rows
                   if r["status"] == "quarantined"]
    revised = [{"source_file": r["source_file"]} for r in batch_rows if r["status"] == "revised"]
    return {
        "batches": dict(sorted(counts.items())),
        "quarantined": quarantined[:_QUALITY_LIST_LIMIT],
        "quarantined_count": len(quarantined),
        "revised": revised[:_QUALITY_LIST_LIMIT],
        "rejections": rejections,
        "validation_failures": failures[:_QUALITY_LIST_LIMIT],
        "validation_failure_count": len(failures),
        "reconciliation": reconciliation[:_QUALITY_LIST_LIMIT],
        "reconciliation_count": len(reconciliation),
    }


def sample_data_in_use(engine: Engine, tables: set[str] | None = None) -> bool:
    """Whether the warehouse holds synthetic sample data: ``IPSTATS_SAMPLE_DATA=1`` says so, and so
    does any loaded batch whose source file name carries a sample marker (sample, 样例, synthetic)
    or whose ``run_id`` starts with ``sample`` (an ingest run of ``ipstats samples`` output)."""
    if os.environ.get(SAMPLE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
        return True
    tables = tables if tables is not None else _tables(engine)
    if "load_batches" not in tables:
        return False
    clauses = " OR ".join(f"LOWER(source_file) LIKE :m{i}" for i in range(len(SAMPLE_FILE_MARKERS)))
    clauses += " OR LOWER(COALESCE(run_id, '')) LIKE 'sample%'"
    params = {f"m{i}": f"%{marker}%" for i, marker in enumerate(SAMPLE_FILE_MARKERS)}
    with engine.connect() as conn:
        sql = f"SELECT COUNT(*) AS n FROM load_batches WHERE status <> 'quarantined' AND ({clauses})"
        found = read_frame(conn, sql, params)
    return int(found["n"].iloc[0]) > 0


def gather_inputs(engine: Engine, plan_id: str, period: ReportPeriod) -> dict[str, Any]:
    """The canonical input bundle of one report (see module docstring)."""
    tables = _tables(engine)
    plan = _plan_header(engine, plan_id)
    rows = _period_rows(engine, plan_id, period.as_of, tables)
    targets = _targets(engine, plan_id)
    indicators = _indicators(engine, sorted({row["indicator_code"] for row in rows if row.get("indicator_code")}))
    return {
        "plan": plan,
        "period": period.label,
        "as_of": period.as_of.isoformat(),
        "rows": rows,
        "targets": {tid: targets[tid] for tid in sorted(targets) if tid in {r["target_id"] for r in rows}},
        "indicators": indicators,
        "series": _series(engine, rows, period.as_of, tables),
        "quality": _quality(engine, period, tables),
        "sample_data": sample_data_in_use(engine, tables),
    }


def fingerprint(inputs: dict[str, Any]) -> tuple[str, str]:
    """(fingerprint of the whole bundle, sha256 of the canonicalised mart rows alone)."""
    return sha256_text(canonical_json(inputs)), sha256_text(canonical_json(inputs["rows"]))
