"""Great Expectations validation of a staged batch, one suite per source kind.

Suites are reviewable JSON lists of expectation configurations in ``expectations/<kind>.json``;
values that depend on the batch (its stated period, the known regions and measures) are suite
parameters (``{"$PARAMETER": name}``) filled in at run time. GX is imported lazily (it takes
seconds) and one ephemeral context is reused per process, so a batch costs ~0.1-0.2 s.
"""

from __future__ import annotations

import html
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection

from etl.config import EXPECTATIONS_DIR, get_settings
from etl.ingest.sqlframe import query_frame
from etl.warehouse import bulk_insert, read_frame

log = logging.getLogger(__name__)

OBSERVATION_KINDS = ("patent", "trademark", "pledge", "case", "reference")


@dataclass
class ValidationOutcome:
    """What a suite said about one batch."""

    suite_name: str
    success: bool
    evaluated: int
    failed: int
    failures: list[str] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    docs_path: Path | None = None
    elapsed_ms: float = 0.0

    def summary(self) -> str:
        return "; ".join(self.failures) if self.failures else "all expectations met"


class _GX:
    """One ephemeral GX context with a pandas dataframe asset, built once per process."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # no usage statistics sent anywhere
        _quiet_gx_loggers()  # before the import (it logs while importing) and after (it sets levels)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _quiet_gx_loggers()

        self.context = gx.get_context(mode="ephemeral")
        try:
            self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        except Exception:  # noqa: BLE001 - cosmetic only
            pass
        source = self.context.data_sources.add_pandas("ipstats_staging")
        self.batch_definition = source.add_dataframe_asset("staged_batch").add_batch_definition_whole_dataframe(
            "whole_batch")
        self.suites: dict[str, tuple[float, Any]] = {}

    def suite(self, kind: str) -> Any:
        """The suite of ``kind``, rebuilt when its JSON file changes."""
        from great_expectations.core.expectation_suite import ExpectationSuite
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        path = suite_path(kind)
        mtime = path.stat().st_mtime
        cached = self.suites.get(kind)
        if cached and cached[0] == mtime:
            return cached[1]
        suite = ExpectationSuite(name=f"ipstats_{kind}")
        for config in load_suite_configs(kind):
            suite.add_expectation_configuration(ExpectationConfiguration(
                type=config["type"], kwargs=config["kwargs"], meta=config.get("meta") or {}))
        if any(existing.name == suite.name for existing in self.context.suites.all()):
            self.context.suites.delete(suite.name)
        suite = self.context.suites.add(suite)
        self.suites[kind] = (mtime, suite)
        return suite


def _quiet_gx_loggers() -> None:
    """GX logs every context and datasource it creates at INFO; keep warnings only."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("great_expectations."):
            logging.getLogger(name).setLevel(logging.WARNING)


_GX_SINGLETON: _GX | None = None
# The context is shared by the threads of a process (one loader thread per file in some callers);
# GX contexts are not thread-safe, and validation is CPU-bound anyway.
_GX_LOCK = threading.RLock()


def _gx() -> _GX:
    global _GX_SINGLETON
    with _GX_LOCK:
        if _GX_SINGLETON is None:
            started = time.perf_counter()
            _GX_SINGLETON = _GX()
            log.info("great_expectations ready in %.1f s", time.perf_counter() - started)
    return _GX_SINGLETON


def suite_path(kind: str) -> Path:
    path = EXPECTATIONS_DIR / f"{kind}.json"
    if not path.exists():
        raise FileNotFoundError(f"no expectation suite for source kind {kind!r}: {path}")
    return path


def load_suite_configs(kind: str) -> list[dict[str, Any]]:
    """The reviewable list of expectation configurations of ``kind``."""
    configs = json.loads(suite_path(kind).read_text(encoding="utf-8"))
    if not isinstance(configs, list) or not all("type" in c and "kwargs" in c for c in configs):
        raise ValueError(f"{suite_path(kind)} must be a JSON list of {{type, kwargs, meta}} objects")
    return configs


def previous_ytd(conn: Connection, frame: pd.DataFrame) -> pd.Series:
    """For each year-to-date row, the latest value known for an EARLIER period of the same year,
    region and measure: loaded in the warehouse or staged in the same group of files.

    Only earlier periods count, so a revision of the same period is never held to its old value.
    """
    result = pd.Series(float("nan"), index=frame.index, dtype="float64")
    is_ytd = (frame["basis"] == "ytd") & (frame["period_type"] != "year")
    if not is_ytd.any():
        return result
    rows = frame.loc[is_ytd, ["region_code", "measure_code", "period_end", "value"]].copy()
    rows["period_end"] = pd.to_datetime(rows["period_end"])
    years = sorted(set(rows["period_end"].dt.year))
    loaded = query_frame(conn, """
        SELECT region_code, measure_code, period_end, value
        FROM obs_observations
        WHERE basis = 'ytd' AND period_type <> 'year' AND period_end >= :first AND period_end <= :last
    """, {"first": date(years[0], 1, 1), "last": date(years[-1], 12, 31)})
    loaded["period_end"] = pd.to_datetime(loaded["period_end"])
    candidates = pd.concat([loaded, rows], ignore_index=True).astype(
        {"region_code": str, "measure_code": str, "value": "float64", "period_end": "datetime64[ns]"})
    rows = rows.astype({"region_code": str, "measure_code": str, "period_end": "datetime64[ns]"})
    candidates = candidates.drop_duplicates(["region_code", "measure_code", "period_end"], keep="last")
    candidates = candidates.rename(columns={"value": "previous_ytd", "period_end": "previous_end"})
    candidates["year"] = candidates["previous_end"].dt.year
    rows["year"] = rows["period_end"].dt.year
    rows["row_index"] = rows.index
    matched = pd.merge_asof(
        rows.sort_values("period_end"), candidates.sort_values("previous_end"),
        left_on="period_end", right_on="previous_end", by=["region_code", "measure_code", "year"],
        allow_exact_matches=False, direction="backward")
    result.loc[matched["row_index"].to_numpy()] = matched["previous_ytd"].to_numpy(dtype="float64")
    return result


def batch_parameters(conn: Connection, kind: str) -> dict[str, Any]:
    """Values the suite's ``$PARAMETER`` placeholders take (catalog sets; periods are row columns)."""
    regions = read_frame(conn, "SELECT region_code FROM ref_regions")["region_code"].tolist()
    params: dict[str, Any] = {"known_regions": sorted(regions)}
    if kind == "indicator":
        indicators = read_frame(conn, "SELECT indicator_code FROM ref_indicators")["indicator_code"].tolist()
        params["known_indicators"] = sorted(indicators)
    else:
        measures = read_frame(conn, "SELECT measure_code FROM ref_measures WHERE source_kind = :k",
                              {"k": kind})["measure_code"].tolist()
        params["known_measures"] = sorted(measures)
    return params


def run_suite(kind: str, frame: pd.DataFrame, parameters: dict[str, Any]) -> ValidationOutcome:
    """Validate ``frame`` (one or many batches, told apart by ``batch_id``) against the suite of
    ``kind`` (GX 1.x, ephemeral context). Unexpected rows carry their batch_id in the result."""
    gx_state = _gx()  # the one-off import/setup is not part of the per-batch figure
    data = frame.reset_index(drop=True).copy()
    for column in ("period_end", "stated_period_start", "stated_period_end"):
        if column in data.columns:
            data[column] = pd.to_datetime(data[column])
    with _GX_LOCK:
        started = time.perf_counter()
        suite = gx_state.suite(kind)
        batch = gx_state.batch_definition.get_batch(batch_parameters={"dataframe": data})
        result = batch.validate(suite, expectation_parameters=parameters, result_format={
            "result_format": "COMPLETE", "unexpected_index_column_names": ["batch_id"],
            "return_unexpected_index_query": False})
    stats = result.statistics
    payload = json.loads(json.dumps(result.to_json_dict(), default=str))
    return ValidationOutcome(
        suite_name=suite.name,
        success=bool(result.success),
        evaluated=int(stats.get("evaluated_expectations", 0)),
        failed=int(stats.get("unsuccessful_expectations", 0)),
        failures=_failure_lines(payload.get("results", [])),
        result=payload,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


def split_by_batch(group: ValidationOutcome, batch_ids: list[str]) -> dict[str, ValidationOutcome]:
    """One outcome per batch out of a group validation: a batch fails an expectation when one of
    its rows is unexpected (or when a table-level expectation failed for the whole group)."""
    per_batch: dict[str, list[dict[str, Any]]] = {batch_id: [] for batch_id in batch_ids}
    for item in group.result.get("results", []):
        config = item.get("expectation_config", {})
        detail = item.get("result") or {}
        index_list = detail.get("unexpected_index_list")
        row_level = index_list is not None or "unexpected_count" in detail
        by_batch: dict[str, list[Any]] = {}
        for entry in index_list or []:
            values = {k: v for k, v in entry.items() if k != "batch_id"}
            by_batch.setdefault(entry.get("batch_id"), []).append(values)
        for batch_id in batch_ids:
            if row_level:
                unexpected = by_batch.get(batch_id, [])
                success = not unexpected if index_list is not None else bool(item.get("success"))
                result = {"unexpected_count": len(unexpected), "partial_unexpected_list": unexpected[:20]}
            else:
                success, result = bool(item.get("success")), {"observed_value": detail.get("observed_value")}
            per_batch[batch_id].append({"expectation_config": config, "success": success, "result": result})
    outcomes = {}
    share_ms = group.elapsed_ms / max(1, len(batch_ids))
    for batch_id, results in per_batch.items():
        failed = sum(1 for r in results if not r["success"])
        payload = {"suite_name": group.suite_name, "success": failed == 0, "results": results,
                   "statistics": {"evaluated_expectations": len(results), "unsuccessful_expectations": failed,
                                  "validated_together_with": len(batch_ids) - 1}}
        outcomes[batch_id] = ValidationOutcome(
            suite_name=group.suite_name, success=failed == 0, evaluated=len(results), failed=failed,
            failures=_failure_lines(results), result=payload, elapsed_ms=share_ms)
    return outcomes


def _failure_lines(results: list[dict[str, Any]]) -> list[str]:
    lines = []
    for item in results:
        if item.get("success"):
            continue
        config = item.get("expectation_config", {})
        kwargs = {k: v for k, v in (config.get("kwargs") or {}).items()
                  if k in ("column", "column_list", "column_A", "column_B")}
        detail = item.get("result") or {}
        sample = detail.get("partial_unexpected_list") or detail.get("observed_value") or ""
        lines.append(f"{config.get('type')}({', '.join(f'{k}={v}' for k, v in kwargs.items())}): "
                     f"{detail.get('unexpected_count', '?')} unexpected, e.g. {str(sample)[:200]}")
    return lines


def store_results(conn: Connection, results: list[tuple[str, ValidationOutcome]]) -> None:
    """Keep each batch's validation result in the warehouse (replacing earlier attempts)."""
    from sqlalchemy import bindparam, text

    if not results:
        return
    conn.execute(text("DELETE FROM load_validation_results WHERE batch_id IN :ids")
                 .bindparams(bindparam("ids", expanding=True)), {"ids": [b for b, _ in results]})
    now = datetime.now(UTC).replace(tzinfo=None)
    bulk_insert(conn, "load_validation_results", pd.DataFrame([{
        "batch_id": batch_id,
        "suite_name": outcome.suite_name,
        "success": outcome.success,
        "evaluated": outcome.evaluated,
        "failed": outcome.failed,
        "result_json": json.dumps(outcome.result, ensure_ascii=False, default=str),
        "docs_path": str(outcome.docs_path) if outcome.docs_path else None,
        "validated_at": now,
    } for batch_id, outcome in results]).astype({"docs_path": "object"}))


def render_html(batch_id: str, source_file: str, outcome: ValidationOutcome, out_dir: Path | None = None) -> Path:
    """A self-contained page of the validation result (the equivalent of a GX Data Docs page)."""
    out_dir = out_dir or get_settings().artifacts_dir / "validation"
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for item in outcome.result.get("results", []):
        config = item.get("expectation_config", {})
        detail = item.get("result") or {}
        observed = detail.get("partial_unexpected_list", detail.get("observed_value", ""))
        rows.append(
            f"<tr class=\"{'ok' if item.get('success') else 'fail'}\">"
            f"<td>{'✔' if item.get('success') else '✘'}</td>"
            f"<td><code>{html.escape(str(config.get('type')))}</code><br><small>"
            f"{html.escape(json.dumps(config.get('kwargs', {}), ensure_ascii=False, default=str)[:400])}</small></td>"
            f"<td>{html.escape(str((config.get('meta') or {}).get('why', '')))}</td>"
            f"<td>{html.escape(str(detail.get('unexpected_count', '')))}</td>"
            f"<td><small>{html.escape(str(observed)[:600])}</small></td></tr>")
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Validation {html.escape(batch_id)}</title><style>
body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #ccc;padding:4px;vertical-align:top}} tr.fail{{background:#fde2e2}}
tr.ok{{background:#e6f4ea}}</style></head><body>
<h1>Validation of batch {html.escape(batch_id)}</h1>
<p>File: <b>{html.escape(source_file)}</b><br>Suite: <code>{html.escape(outcome.suite_name)}</code><br>
Result: <b>{'passed' if outcome.success else 'FAILED — batch quarantined, nothing published'}</b>
({outcome.evaluated} expectations, {outcome.failed} failed)</p>
<table><tr><th></th><th>Expectation</th><th>Why</th><th>Unexpected</th><th>Examples / observed</th></tr>
{''.join(rows)}</table></body></html>"""
    path = out_dir / f"{batch_id}.html"
    path.write_text(page, encoding="utf-8")
    return path
