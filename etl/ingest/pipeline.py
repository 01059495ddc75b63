"""Load pipeline: archive → parse → stage → validate → publish, one batch per file.

Write-audit-publish: parsed rows are staged (``stg_*``), validated with the GX suite of their
source kind, and only then published, partition by partition, inside one transaction. A file is
identified by the sha256 of its bytes, so the same bytes never load twice; a later export for a
period already loaded is a revision whose replaced values move to the history tables.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, text

from etl.ingest import archive
from etl.warehouse import bulk_insert, get_engine, lock_partition, read_frame, transaction

log = logging.getLogger(__name__)

LOADED, UNCHANGED, REVISED, QUARANTINED = "loaded", "unchanged", "revised", "quarantined"
PUBLISHED_STATUSES = (LOADED, REVISED)
OBSERVATION_COLUMNS = ["region_code", "measure_code", "period_end", "period_type", "basis", "value", "unit",
                       "source_row", "source_column"]
INDICATOR_COLUMNS = ["region_code", "indicator_code", "year", "value", "unit", "source_row"]
Parser = Callable[..., Any]


@dataclass
class FileOutcome:
    """What happened to one file; ``line()`` is what the CLI prints."""

    path: str
    original_name: str
    status: str
    reason: str | None = None
    batch_id: str | None = None
    content_hash: str = ""
    source_kind: str | None = None
    period_type: str | None = None
    period_end: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_replaced: int = 0
    validation_ms: float = 0.0
    seconds: float = 0.0
    docs_path: str | None = None

    def line(self) -> str:
        text_ = f"{self.status:<11} {self.original_name}"
        if self.status in PUBLISHED_STATUSES:
            text_ += (f"  [{self.source_kind} {self.period_type} {self.period_end}] {self.rows_loaded} rows"
                      f", {self.rows_rejected} rejected")
            if self.rows_replaced:
                text_ += f", {self.rows_replaced} superseded"
        if self.reason:
            text_ += f"  — {self.reason}"
        return text_

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Prepared:
    """A file archived and parsed, waiting to be loaded."""

    path: Path
    original_name: str
    content_hash: str
    archive_path: Path
    received_at: datetime
    order_key: tuple = field(default_factory=tuple)
    parsed: Any = None
    fault: str | None = None


# ----------------------------------------------------------------------------- public API


def ingest_paths(paths: Iterable[Path | str | tuple[Path | str, str]], engine: Engine | None = None,
                 run_id: str | None = None, *, parser: Parser | None = None, reconcile: bool = True
                 ) -> list[FileOutcome]:
    """Ingest files (or folders of files); one outcome per file, in load order.

    Items may be ``(path, original_name)`` pairs (archived copies are named by hash). Files are
    archived and parsed first, then loaded in period order so year-to-date checks see earlier months.
    """
    engine = engine or get_engine()
    run_id = run_id or f"manual__{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
    parse = parser or _default_parser()
    outcomes: list[FileOutcome] = []
    prepared: list[_Prepared] = []
    known = _published_hashes(engine)
    for path, original_name in expand_paths(paths):
        item = _prepare(path, original_name)
        if item.content_hash in known:
            outcomes.append(_unchanged(item, known[item.content_hash]))
            continue
        _parse_into(item, parse)
        prepared.append(item)
    prepared.sort(key=lambda item: item.order_key)
    for item in prepared:
        outcomes.append(_load_one(engine, item, run_id))
    if reconcile:
        batch_ids = [o.batch_id for o in outcomes if o.status in PUBLISHED_STATUSES and o.batch_id]
        if batch_ids:
            from etl.ingest.reconcile import reconcile_batches

            reconcile_batches(engine, batch_ids)
    return outcomes


def expand_paths(paths: Iterable[Path | str | tuple[Path | str, str]]) -> Iterator[tuple[Path, str]]:
    """Files in the given order; folders expand to their visible files, sorted by name."""
    for item in paths:
        path, original = (Path(item[0]), item[1]) if isinstance(item, tuple) else (Path(item), None)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path)):
                yield child, child.name
        else:
            yield path, original or path.name


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith((".", "~$")) for part in path.relative_to(root).parts)


def _default_parser() -> Parser:
    from etl.ingest.parse import parse_file

    return parse_file


# ----------------------------------------------------------------------------- steps


def _prepare(path: Path, original_name: str) -> _Prepared:
    """Hash and archive the bytes before anything else reads them."""
    content_hash = archive.file_sha256(path)
    archived = archive.archive_file(path, content_hash, original_name)
    return _Prepared(path=path, original_name=original_name, content_hash=content_hash,
                     archive_path=archived, received_at=datetime.now(UTC).replace(tzinfo=None))


def _parse_into(item: _Prepared, parse: Parser) -> None:
    try:
        item.parsed = parse(item.archive_path, original_name=item.original_name)
    except Exception as exc:  # noqa: BLE001 - any parser fault quarantines this file only
        reason = getattr(exc, "reason", None) or str(exc)
        if type(exc).__name__ != "FileQuarantined":
            reason = f"parser error {type(exc).__name__}: {exc}"
            log.exception("parser crashed on %s", item.original_name)
        item.fault = reason
        item.order_key = (date.min, item.path.stat().st_mtime_ns, item.original_name)
        return
    parsed = item.parsed
    archive.record_parsed_period(item.content_hash, parsed.source_kind, parsed.period_type,
                                 parsed.period_start, parsed.period_end)
    item.order_key = (parsed.period_end or date.min, item.path.stat().st_mtime_ns, item.original_name)


def batch_id_for(content_hash: str) -> str:
    """Batch ids derive from content, so a rebuild from the archive gives the same lineage."""
    return f"b{content_hash[:15]}"


def _published_hashes(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        frame = read_frame(conn, "SELECT content_hash, batch_id FROM load_batches "
                                 "WHERE status IN ('loaded', 'revised')")
    return dict(zip(frame["content_hash"], frame["batch_id"], strict=True))


def _unchanged(item: _Prepared, batch_id: str) -> FileOutcome:
    return FileOutcome(path=str(item.path), original_name=item.original_name, status=UNCHANGED,
                       reason=f"same bytes already loaded as batch {batch_id}", batch_id=batch_id,
                       content_hash=item.content_hash)


@contextmanager
def _file_lock(engine: Engine, content_hash: str) -> Generator[None, None, None]:
    """On PostgreSQL, one loader per content hash at a time (two workers given the same file)."""
    if engine.dialect.name == "duckdb":
        yield
        return
    with engine.connect() as conn, conn.begin():
        lock_partition(conn, "content_hash", content_hash)
        yield


def _load_one(engine: Engine, item: _Prepared, run_id: str) -> FileOutcome:
    started = time.perf_counter()
    batch_id = batch_id_for(item.content_hash)
    parsed = item.parsed
    outcome = FileOutcome(path=str(item.path), original_name=item.original_name, status=QUARANTINED,
                          batch_id=batch_id, content_hash=item.content_hash)
    with _file_lock(engine, item.content_hash):
        known = _published_hashes(engine)
        if item.content_hash in known:
            return _unchanged(item, known[item.content_hash])
        if item.fault is not None:
            _record_fault(engine, item, batch_id, run_id, item.fault)
            outcome.reason = item.fault
            outcome.seconds = time.perf_counter() - started
            log.warning("quarantined %s: %s", item.original_name, item.fault)
            return outcome
        kind = parsed.source_kind
        outcome.source_kind, outcome.period_type = kind, parsed.period_type
        outcome.period_end = parsed.period_end.isoformat() if parsed.period_end else None
        try:
            observations, indicators = _frames(parsed)
            outcome.rows_rejected = len(parsed.rejections)
            outcome.rows_read = len(observations) + len(indicators) + outcome.rows_rejected
            _stage(engine, item, batch_id, run_id, parsed, observations, indicators)
            validation = _validate(engine, batch_id, item, parsed, observations, indicators)
            outcome.validation_ms = validation.elapsed_ms
            if not validation.success:
                reason = f"validation failed ({validation.failed} of {validation.evaluated} expectations): " \
                         f"{validation.summary()}; see {validation.docs_path}"
                outcome.docs_path = str(validation.docs_path)
                _mark_quarantined(engine, item, batch_id, reason)
                outcome.reason = reason
                log.warning("quarantined %s: validation result %s", item.original_name, validation.docs_path)
            else:
                status, loaded, replaced = _publish(engine, batch_id, kind)
                outcome.status, outcome.rows_loaded, outcome.rows_replaced = status, loaded, replaced
        except Exception as exc:  # noqa: BLE001 - a failed batch publishes nothing; record why
            log.exception("loading %s failed", item.original_name)
            reason = f"load failed {type(exc).__name__}: {exc}"
            _mark_quarantined(engine, item, batch_id, reason)
            outcome.status, outcome.reason = QUARANTINED, reason
    outcome.seconds = time.perf_counter() - started
    return outcome


def _frames(parsed: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    observations = parsed.observations if parsed.observations is not None else pd.DataFrame()
    observations = ensure_year_rows(observations.reindex(columns=OBSERVATION_COLUMNS))
    indicators = parsed.indicator_values if parsed.indicator_values is not None else pd.DataFrame()
    indicators = indicators.reindex(columns=INDICATOR_COLUMNS)
    return observations, indicators


def ensure_year_rows(observations: pd.DataFrame) -> pd.DataFrame:
    """A file that closes a year also yields ``period_type=year`` rows (the parser emits them;
    this fills any it left out): Dec year-to-date flows → the year's flow, Dec stocks and rates → the year's."""
    if observations.empty:
        return observations
    ends = pd.to_datetime(observations["period_end"])
    closing = observations[(ends.dt.month == 12) & (ends.dt.day == 31) & (observations["period_type"] != "year")
                           & observations["basis"].isin(["ytd", "stock", "rate"])].copy()
    if closing.empty:
        return observations
    closing["period_type"] = "year"
    closing["basis"] = closing["basis"].replace({"ytd": "period"})
    have = observations[observations["period_type"] == "year"]
    key = ["region_code", "measure_code", "period_end"]
    have_keys = set(map(tuple, have[key].astype(str).to_numpy()))
    missing = closing[[tuple(row) not in have_keys for row in closing[key].astype(str).to_numpy()]]
    missing = missing.drop_duplicates(subset=key + ["basis"])
    if missing.empty:
        return observations
    return pd.concat([observations, missing], ignore_index=True)


def _batch_row(item: _Prepared, batch_id: str, run_id: str, parsed: Any, status: str, reason: str | None,
               received_at: datetime) -> pd.DataFrame:
    return pd.DataFrame([{
        "batch_id": batch_id,
        "source_file": item.original_name,
        "archive_path": str(item.archive_path),
        "content_hash": item.content_hash,
        "source_kind": getattr(parsed, "source_kind", None),
        "layout": getattr(parsed, "layout", None),
        "period_type": getattr(parsed, "period_type", None),
        "period_start": getattr(parsed, "period_start", None),
        "period_end": getattr(parsed, "period_end", None),
        "received_at": received_at,
        "finished_at": None if status == "received" else datetime.now(UTC).replace(tzinfo=None),
        "status": status,
        "reason": reason,
        "rows_read": None,
        "rows_loaded": 0,
        "rows_rejected": len(getattr(parsed, "rejections", []) or []),
        "run_id": run_id,
    }]).astype({"period_start": "object", "period_end": "object", "finished_at": "datetime64[us]",
                "rows_read": "Int64", "reason": "object"})


def _reset_batch(conn: Connection, batch_id: str) -> datetime | None:
    """Forget an earlier unpublished attempt of the same bytes (e.g. quarantined before), keeping
    when they were first received."""
    first = conn.execute(text("SELECT received_at FROM load_batches WHERE batch_id = :b"), {"b": batch_id}).scalar()
    for table in ("load_batches", "load_rejections", "load_validation_results", "stg_observations",
                  "stg_indicator_values"):
        conn.execute(text(f"DELETE FROM {table} WHERE batch_id = :b"), {"b": batch_id})
    return first


def _record_fault(engine: Engine, item: _Prepared, batch_id: str, run_id: str, reason: str) -> None:
    """A whole-file fault: batch quarantined with the reason, file copied to quarantine/, nothing loads."""
    archive.quarantine_copy(item.archive_path, item.content_hash, item.original_name)
    with transaction(engine) as conn:
        received = _reset_batch(conn, batch_id) or item.received_at
        bulk_insert(conn, "load_batches", _batch_row(item, batch_id, run_id, None, QUARANTINED, reason, received))
        bulk_insert(conn, "load_rejections", pd.DataFrame([{
            "batch_id": batch_id, "source_file": item.original_name, "row_no": None, "column_name": None,
            "raw_value": None, "reason": f"whole file quarantined: {reason}",
            "rejected_at": datetime.now(UTC).replace(tzinfo=None)}]).astype({"row_no": "Int64", "column_name": "object",
                                                                           "raw_value": "object"}))


def _stage(engine: Engine, item: _Prepared, batch_id: str, run_id: str, parsed: Any,
           observations: pd.DataFrame, indicators: pd.DataFrame) -> None:
    """Register the batch, record its rejections and stage its rows (nothing published yet)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with transaction(engine) as conn:
        received = _reset_batch(conn, batch_id) or item.received_at
        row = _batch_row(item, batch_id, run_id, parsed, "received", None, received)
        row["rows_read"] = len(observations) + len(indicators) + len(parsed.rejections)
        bulk_insert(conn, "load_batches", row)
        if parsed.rejections:
            bulk_insert(conn, "load_rejections", pd.DataFrame([{
                "batch_id": batch_id, "source_file": item.original_name, "row_no": r.row_no,
                "column_name": r.column_name, "raw_value": None if r.raw_value is None else str(r.raw_value),
                "reason": r.reason, "rejected_at": now} for r in parsed.rejections]).astype(
                    {"row_no": "Int64", "column_name": "object", "raw_value": "object"}))
        if not observations.empty:
            staged = observations.assign(batch_id=batch_id)
            staged["period_end"] = pd.to_datetime(staged["period_end"]).dt.date
            staged["source_row"] = staged["source_row"].astype("Int64")
            staged["value"] = staged["value"].astype("float64")
            bulk_insert(conn, "stg_observations", staged[["batch_id", *OBSERVATION_COLUMNS]])
        if not indicators.empty:
            staged = indicators.assign(batch_id=batch_id)
            staged["year"] = staged["year"].astype("int64")
            staged["source_row"] = staged["source_row"].astype("Int64")
            staged["value"] = staged["value"].astype("float64")
            bulk_insert(conn, "stg_indicator_values", staged[["batch_id", *INDICATOR_COLUMNS]])


def _validate(engine: Engine, batch_id: str, item: _Prepared, parsed: Any, observations: pd.DataFrame,
              indicators: pd.DataFrame) -> Any:
    from etl.ingest import validate

    kind = parsed.source_kind
    with engine.connect() as conn:
        params = validate.batch_parameters(conn, kind, parsed.period_start, parsed.period_end)
        if kind == "indicator":
            frame = indicators
        else:
            frame = observations.copy()
            frame["previous_ytd"] = validate.previous_ytd(conn, frame)
    outcome = validate.run_suite(kind, frame, params)
    if not outcome.success:
        outcome.docs_path = validate.render_html(batch_id, item.original_name, outcome)
    with transaction(engine) as conn:
        validate.store_result(conn, batch_id, outcome)
    log.info("validated %s with %s in %.0f ms: %s", item.original_name, outcome.suite_name,
             outcome.elapsed_ms, "passed" if outcome.success else "FAILED")
    return outcome


def _mark_quarantined(engine: Engine, item: _Prepared, batch_id: str, reason: str) -> None:
    archive.quarantine_copy(item.archive_path, item.content_hash, item.original_name)
    with transaction(engine) as conn:
        conn.execute(text("UPDATE load_batches SET status = 'quarantined', reason = :r, finished_at = :t, "
                          "rows_loaded = 0 WHERE batch_id = :b"),
                     {"r": reason, "t": datetime.now(UTC).replace(tzinfo=None), "b": batch_id})


_OBS_PARTITION_MATCH = """
    obs_observations.source_kind = :kind AND EXISTS (
        SELECT 1 FROM stg_observations staged
        WHERE staged.batch_id = :batch
          AND staged.region_code = obs_observations.region_code
          AND staged.period_end = obs_observations.period_end
          AND staged.period_type = obs_observations.period_type)"""
_IND_PARTITION_MATCH = """
    EXISTS (SELECT 1 FROM stg_indicator_values staged
            WHERE staged.batch_id = :batch
              AND staged.region_code = obs_indicator_values.region_code
              AND staged.indicator_code = obs_indicator_values.indicator_code
              AND staged.year = obs_indicator_values.year)"""


def _publish(engine: Engine, batch_id: str, kind: str) -> tuple[str, int, int]:
    """Replace the batch's partitions in ONE transaction: lock, move to history, delete, insert."""
    now = datetime.now(UTC).replace(tzinfo=None)
    params = {"batch": batch_id, "kind": kind, "now": now}
    with transaction(engine) as conn:
        partitions = conn.execute(text(
            "SELECT DISTINCT period_end, period_type, region_code FROM stg_observations WHERE batch_id = :batch"
        ), params).fetchall()
        years = conn.execute(text(
            "SELECT DISTINCT year, region_code FROM stg_indicator_values WHERE batch_id = :batch"), params).fetchall()
        for period_end, period_type, region in sorted((str(p), t, r) for p, t, r in partitions):
            lock_partition(conn, kind, period_end, period_type, region)
        for year, region in sorted((int(y), r) for y, r in years):
            lock_partition(conn, "indicator", str(year), region)
        replaced = conn.execute(text(f"""
            INSERT INTO obs_history (region_code, measure_code, period_end, period_type, basis, value, unit,
                                     source_kind, batch_id, superseded_by, superseded_at)
            SELECT region_code, measure_code, period_end, period_type, basis, value, unit, source_kind,
                   batch_id, :batch, :now
            FROM obs_observations WHERE {_OBS_PARTITION_MATCH}"""), params).rowcount
        conn.execute(text(f"DELETE FROM obs_observations WHERE {_OBS_PARTITION_MATCH}"), params)
        loaded = conn.execute(text("""
            INSERT INTO obs_observations (region_code, measure_code, period_end, period_type, basis, value, unit,
                                          source_kind, batch_id, source_row)
            SELECT region_code, measure_code, period_end, period_type, basis, value, unit, :kind, batch_id,
                   source_row
            FROM stg_observations WHERE batch_id = :batch AND value IS NOT NULL"""), params).rowcount
        replaced += conn.execute(text(f"""
            INSERT INTO obs_indicator_history (region_code, indicator_code, year, value, unit, batch_id,
                                               superseded_by, superseded_at)
            SELECT region_code, indicator_code, year, value, unit, batch_id, :batch, :now
            FROM obs_indicator_values WHERE {_IND_PARTITION_MATCH}"""), params).rowcount
        conn.execute(text(f"DELETE FROM obs_indicator_values WHERE {_IND_PARTITION_MATCH}"), params)
        loaded += conn.execute(text("""
            INSERT INTO obs_indicator_values (region_code, indicator_code, year, value, unit, batch_id, source_row)
            SELECT region_code, indicator_code, year, value, unit, batch_id, source_row
            FROM stg_indicator_values WHERE batch_id = :batch AND value IS NOT NULL"""), params).rowcount
        status = REVISED if replaced else LOADED
        for table in ("stg_observations", "stg_indicator_values"):
            conn.execute(text(f"DELETE FROM {table} WHERE batch_id = :batch"), params)
        conn.execute(text("UPDATE load_batches SET status = :status, rows_loaded = :loaded, finished_at = :now, "
                          "reason = :reason WHERE batch_id = :batch"),
                     {**params, "status": status, "loaded": loaded,
                      "reason": f"superseded {replaced} earlier values" if replaced else None})
    return status, loaded, replaced


# ----------------------------------------------------------------------------- queries for callers


def batches_of_run(engine: Engine, run_id: str) -> pd.DataFrame:
    """The batches a run recorded (for the DAG's reconcile and final check)."""
    with engine.connect() as conn:
        return read_frame(conn, "SELECT batch_id, source_file, status, reason FROM load_batches WHERE run_id = :r "
                          "ORDER BY received_at", {"r": run_id})


def new_files(engine: Engine, folder: Path) -> list[str]:
    """Files in ``folder`` whose bytes the warehouse has never seen (any status)."""
    with engine.connect() as conn:
        seen = set(read_frame(conn, "SELECT content_hash FROM load_batches")["content_hash"])
    return [str(path) for path, _ in expand_paths([folder]) if archive.file_sha256(path) not in seen]
