"""Load pipeline: archive → parse → stage → validate → publish, one batch per file.

Write-audit-publish: parsed rows are staged (``stg_*``), validated with the GX suite of their
source kind, and only then published, partition by partition, inside one transaction. A file is
identified by the sha256 of its bytes, so the same bytes never load twice; a later export for a
period already loaded is a revision whose replaced values move to the history tables.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, text

from etl.ingest import archive
from etl.warehouse import _LOCK_NAMESPACE, affected_rows, bulk_insert, get_engine, read_frame, transaction

log = logging.getLogger(__name__)

LOADED, UNCHANGED, REVISED, QUARANTINED = "loaded", "unchanged", "revised", "quarantined"
PUBLISHED_STATUSES = (LOADED, REVISED)
OBSERVATION_COLUMNS = ["region_code", "measure_code", "period_end", "period_type", "basis", "value", "unit",
                       "source_row", "source_column"]
INDICATOR_COLUMNS = ["region_code", "indicator_code", "year", "value", "unit", "source_row"]
Parser = Callable[..., Any]
# Files staged and validated together (one GX run per source kind per group); each is still its own
# batch: its own validation result, its own publish transaction, quarantined alone.
GROUP_SIZE = 250
PUBLISH_CHUNK = 25


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
    parse_ms: float = 0.0         # hash + archive + parse
    validation_ms: float = 0.0    # this batch's share of its group's GX run
    publish_ms: float = 0.0       # the publish transaction
    seconds: float = 0.0          # parse + validation share + publish
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
    parse_ms: float = 0.0


# ----------------------------------------------------------------------------- public API


def ingest_paths(paths: Iterable[Path | str | tuple[Path | str, str]], engine: Engine | None = None,
                 run_id: str | None = None, *, parser: Parser | None = None, reconcile: bool = True
                 ) -> list[FileOutcome]:
    """Ingest files (or folders of files); one outcome per file, in load order.

    Items may be ``(path, original_name)`` pairs (archived copies are named by hash). Files are
    archived and parsed first, then loaded in period order so year-to-date checks see earlier months.
    """
    run_id = run_id or f"manual__{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
    with _held_connection(ensure_warehouse(engine)) as engine:
        return _ingest(paths, engine, run_id, parser, reconcile)


@contextmanager
def _held_connection(engine: Engine) -> Generator[Engine, None, None]:
    """On DuckDB, keep one connection open for the whole run instead of reopening the file for every
    transaction (the shared engine uses NullPool so other processes can open the file between runs)."""
    if engine.dialect.name != "duckdb":
        yield engine
        return
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    held = create_engine(engine.url, poolclass=StaticPool)
    try:
        yield held
    finally:
        held.dispose()


def _ingest(paths: Iterable[Path | str | tuple[Path | str, str]], engine: Engine, run_id: str,
            parser: Parser | None, reconcile: bool) -> list[FileOutcome]:
    parse = parser or _default_parser()
    outcomes: list[FileOutcome] = []
    prepared: list[_Prepared] = []
    known = _published_hashes(engine)
    seen_now: set[str] = set()
    for path, original_name in expand_paths(paths):
        started = time.perf_counter()
        item = _prepare(path, original_name)
        if item.content_hash in known or item.content_hash in seen_now:
            outcomes.append(_unchanged(item, known.get(item.content_hash) or batch_id_for(item.content_hash)))
            continue
        seen_now.add(item.content_hash)
        _parse_into(item, parse)
        item.parse_ms = (time.perf_counter() - started) * 1000
        prepared.append(item)
    prepared.sort(key=lambda item: item.order_key)
    for start in range(0, len(prepared), GROUP_SIZE):
        outcomes.extend(_load_group(engine, prepared[start:start + GROUP_SIZE], run_id))
    if reconcile:
        batch_ids = [o.batch_id for o in outcomes if o.status in PUBLISHED_STATUSES and o.batch_id]
        if batch_ids:
            from etl.ingest.reconcile import reconcile_batches

            reconcile_batches(engine, batch_ids)
    return outcomes


def ensure_warehouse(engine: Engine | None = None) -> Engine:
    """The warehouse engine, with its schema applied and (when empty) its catalogs loaded."""
    from etl.warehouse import init_db

    engine = engine or get_engine()
    init_db(engine)
    with engine.connect() as conn:
        has_regions = conn.execute(text("SELECT COUNT(*) FROM ref_regions")).scalar()
    if not has_regions:
        from etl.catalog import load_catalog_into_warehouse

        load_catalog_into_warehouse(engine)
    return engine


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
def _file_locks(engine: Engine, content_hashes: list[str]) -> Generator[None, None, None]:
    """On PostgreSQL, one loader per content hash at a time (two workers given the same file)."""
    if engine.dialect.name == "duckdb":
        yield
        return
    with engine.connect() as conn, conn.begin():
        _lock_partitions(conn, {("content_hash", content_hash) for content_hash in content_hashes})
        yield


def _load_group(engine: Engine, items: list[_Prepared], run_id: str) -> list[FileOutcome]:
    """Stage, validate and publish a group of parsed files; each file stays its own batch."""
    if not items:
        return []
    with _file_locks(engine, [item.content_hash for item in items]):
        known = _published_hashes(engine)
        outcomes: dict[str, FileOutcome] = {}
        pending = []
        for item in items:
            batch_id = batch_id_for(item.content_hash)
            if item.content_hash in known:
                outcomes[batch_id] = _unchanged(item, known[item.content_hash])
                continue
            outcome = FileOutcome(path=str(item.path), original_name=item.original_name, status=QUARANTINED,
                                  batch_id=batch_id, content_hash=item.content_hash, parse_ms=item.parse_ms)
            outcomes[batch_id] = outcome
            if item.fault is not None:
                outcome.reason = item.fault
                log.warning("quarantined %s: %s", item.original_name, item.fault)
            else:
                parsed = item.parsed
                outcome.source_kind, outcome.period_type = parsed.source_kind, parsed.period_type
                outcome.period_end = parsed.period_end.isoformat() if parsed.period_end else None
                pending.append((item, outcome, *_frames(parsed)))
        faults = [item for item in items if item.fault is not None
                  and outcomes[batch_id_for(item.content_hash)].status == QUARANTINED]
        if faults:
            _record_faults(engine, faults, run_id)
        if pending:
            try:
                _stage(engine, pending, run_id)
            except Exception as exc:  # noqa: BLE001 - nothing staged, nothing published; say why
                log.exception("staging failed")
                for item, outcome, *_ in pending:
                    outcome.reason = f"load failed {type(exc).__name__}: {exc}"
                    _mark_quarantined(engine, item, outcome.batch_id, outcome.reason)
                pending = []
            try:
                passed = _validate(engine, pending)
            except Exception as exc:  # noqa: BLE001 - cannot validate: publish nothing
                log.exception("validation could not run")
                passed = set()
                for _, outcome, *_ in pending:
                    outcome.reason = f"validation could not run {type(exc).__name__}: {exc}"
            for item, outcome, *_ in pending:
                if outcome.batch_id not in passed:
                    _mark_quarantined(engine, item, outcome.batch_id, outcome.reason or "validation failed")
            _publish_all(engine, [entry for entry in pending if entry[1].batch_id in passed])
    for outcome in outcomes.values():
        outcome.seconds = (outcome.parse_ms + outcome.validation_ms + outcome.publish_ms) / 1000
    return [outcomes[batch_id_for(item.content_hash)] for item in items]


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


def _batch_row(item: _Prepared, batch_id: str, run_id: str, status: str, reason: str | None,
               received_at: datetime, rows_read: int | None = None) -> dict[str, Any]:
    parsed = item.parsed
    return {
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
        "rows_read": rows_read,
        "rows_loaded": 0,
        "rows_rejected": len(getattr(parsed, "rejections", None) or []),
        "run_id": run_id,
    }


_BATCH_TYPES = {"period_start": "object", "period_end": "object", "finished_at": "datetime64[us]",
                "received_at": "datetime64[us]", "rows_read": "Int64", "rows_loaded": "Int64",
                "rows_rejected": "Int64", "reason": "object", "source_kind": "object", "layout": "object",
                "period_type": "object"}
_REJECTION_TYPES = {"row_no": "Int64", "column_name": "object", "raw_value": "object"}


def _reset_batches(conn: Connection, batch_ids: list[str]) -> dict[str, datetime]:
    """Forget earlier unpublished attempts of the same bytes (e.g. quarantined before), keeping
    when they were first received."""
    params = {"ids": batch_ids}
    first = dict(conn.execute(text("SELECT batch_id, received_at FROM load_batches WHERE batch_id IN :ids")
                              .bindparams(bindparam("ids", expanding=True)), params).fetchall())
    if first:
        for table in ("load_batches", "load_rejections", "load_validation_results", "stg_observations",
                      "stg_indicator_values"):
            conn.execute(text(f"DELETE FROM {table} WHERE batch_id IN :ids")
                         .bindparams(bindparam("ids", expanding=True)), params)
    return first


def _record_faults(engine: Engine, items: list[_Prepared], run_id: str) -> None:
    """Whole-file faults: batch quarantined with the reason, file copied to quarantine/, nothing loads."""
    now = datetime.now(UTC).replace(tzinfo=None)
    for item in items:
        archive.quarantine_copy(item.archive_path, item.content_hash, item.original_name)
    with engine.connect() as conn:  # the same bytes with the same fault again: already recorded as such
        recorded = dict(conn.execute(text(
            "SELECT batch_id, reason FROM load_batches WHERE status = 'quarantined' AND batch_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)), {"ids": [batch_id_for(i.content_hash) for i in items]}).all())
    items = [item for item in items if recorded.get(batch_id_for(item.content_hash), object()) != item.fault]
    if not items:
        return
    batch_ids = [batch_id_for(item.content_hash) for item in items]
    with transaction(engine) as conn:
        first = _reset_batches(conn, batch_ids)
        rows = [_batch_row(item, batch_id, run_id, QUARANTINED, item.fault, first.get(batch_id, item.received_at))
                for item, batch_id in zip(items, batch_ids, strict=True)]
        bulk_insert(conn, "load_batches", pd.DataFrame(rows).astype(_BATCH_TYPES))
        bulk_insert(conn, "load_rejections", pd.DataFrame([{
            "batch_id": batch_id, "source_file": item.original_name, "row_no": None, "column_name": None,
            "raw_value": None, "reason": f"whole file quarantined: {item.fault}", "rejected_at": now}
            for item, batch_id in zip(items, batch_ids, strict=True)]).astype(_REJECTION_TYPES))


def _stage(engine: Engine, pending: list, run_id: str) -> None:
    """Register the batches, record their rejections and stage their rows (nothing published yet)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    batch_rows, rejections, observation_frames, indicator_frames = [], [], [], []
    for item, outcome, observations, indicators in pending:
        parsed = item.parsed
        outcome.rows_rejected = len(parsed.rejections)
        outcome.rows_read = len(observations) + len(indicators) + outcome.rows_rejected
        batch_rows.append((item, outcome))
        rejections.extend({
            "batch_id": outcome.batch_id, "source_file": item.original_name, "row_no": r.row_no,
            "column_name": r.column_name, "raw_value": None if r.raw_value is None else str(r.raw_value),
            "reason": r.reason, "rejected_at": now} for r in parsed.rejections)
        if not observations.empty:
            observation_frames.append(observations.assign(batch_id=outcome.batch_id))
        if not indicators.empty:
            indicator_frames.append(indicators.assign(batch_id=outcome.batch_id))
    with transaction(engine) as conn:
        first = _reset_batches(conn, [outcome.batch_id for _, outcome in batch_rows])
        bulk_insert(conn, "load_batches", pd.DataFrame([
            _batch_row(item, outcome.batch_id, run_id, "received", None,
                       first.get(outcome.batch_id, item.received_at), outcome.rows_read)
            for item, outcome in batch_rows]).astype(_BATCH_TYPES))
        if rejections:
            bulk_insert(conn, "load_rejections", pd.DataFrame(rejections).astype(_REJECTION_TYPES))
        if observation_frames:
            staged = pd.concat(observation_frames, ignore_index=True)
            staged["period_end"] = pd.to_datetime(staged["period_end"]).dt.date
            staged["source_row"] = staged["source_row"].astype("Int64")
            staged["value"] = staged["value"].astype("float64")
            bulk_insert(conn, "stg_observations", staged[["batch_id", *OBSERVATION_COLUMNS]])
        if indicator_frames:
            staged = pd.concat(indicator_frames, ignore_index=True)
            staged["year"] = staged["year"].astype("int64")
            staged["source_row"] = staged["source_row"].astype("Int64")
            staged["value"] = staged["value"].astype("float64")
            bulk_insert(conn, "stg_indicator_values", staged[["batch_id", *INDICATOR_COLUMNS]])


def _validate(engine: Engine, pending: list) -> set[str]:
    """One GX run per source kind over the group's staged rows; returns the batch ids that passed.

    Each batch gets its own stored result; a failed batch also gets its HTML page."""
    from etl.ingest import validate

    passed: set[str] = set()
    by_kind: dict[str, list] = {}
    for entry in pending:
        by_kind.setdefault(entry[0].parsed.source_kind, []).append(entry)
    stored = []
    for kind, entries in by_kind.items():
        batch_ids = [outcome.batch_id for _, outcome, *_ in entries]
        with engine.connect() as conn:
            params = validate.batch_parameters(conn, kind)
            frame = _validation_frame(kind, entries)
            if kind != "indicator":
                frame["previous_ytd"] = validate.previous_ytd(conn, frame)
        group = validate.run_suite(kind, frame, params)
        log.info("validated %d %s batches with %s in %.0f ms (%.0f ms per batch)", len(entries), kind,
                 group.suite_name, group.elapsed_ms, group.elapsed_ms / len(entries))
        per_batch = validate.split_by_batch(group, batch_ids)
        for item, outcome, *_ in entries:
            result = per_batch[outcome.batch_id]
            outcome.validation_ms = result.elapsed_ms
            if result.success:
                passed.add(outcome.batch_id)
            else:
                result.docs_path = validate.render_html(outcome.batch_id, item.original_name, result)
                outcome.docs_path = str(result.docs_path)
                outcome.reason = (f"validation failed ({result.failed} of {result.evaluated} expectations): "
                                  f"{result.summary()}; see {result.docs_path}")
                log.warning("quarantined %s: validation result %s", item.original_name, result.docs_path)
            stored.append((outcome.batch_id, result))
    with transaction(engine) as conn:
        validate.store_results(conn, stored)
    return passed


def _validation_frame(kind: str, entries: list) -> pd.DataFrame:
    frames = []
    for item, outcome, observations, indicators in entries:
        parsed = item.parsed
        # value split into columns by what it is, so each range expectation reads one column
        if kind == "indicator":
            frame = indicators.assign(
                batch_id=outcome.batch_id,
                stated_first_year=parsed.period_start.year if parsed.period_start else 1900,
                stated_last_year=parsed.period_end.year if parsed.period_end else 2100,
                count_or_amount=indicators["value"].where(indicators["unit"] != "%"))
        else:
            is_rate = observations["basis"] == "rate"
            frame = observations.assign(
                batch_id=outcome.batch_id,
                stated_period_start=pd.Timestamp(parsed.period_start or date(1900, 1, 1)),
                stated_period_end=pd.Timestamp(parsed.period_end or date(2100, 12, 31)),
                count_or_amount=observations["value"].where(~is_rate),
                rate_percent=observations["value"].where(is_rate))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _mark_quarantined(engine: Engine, item: _Prepared, batch_id: str, reason: str) -> None:
    archive.quarantine_copy(item.archive_path, item.content_hash, item.original_name)
    with transaction(engine) as conn:
        conn.execute(text("UPDATE load_batches SET status = 'quarantined', reason = :r, finished_at = :t, "
                          "rows_loaded = 0 WHERE batch_id = :b"),
                     {"r": reason, "t": datetime.now(UTC).replace(tzinfo=None), "b": batch_id})


# A batch replaces, per (source kind, period, region), the measures it carries: agencies send several
# tables of one kind for the same month (grants in one file, valid patents in another), and one
# file must never wipe what another, still current, file published.
_OBS_PARTITION_MATCH = """
    obs_observations.source_kind = :kind
    AND obs_observations.period_end BETWEEN :first_end AND :last_end AND EXISTS (
        SELECT 1 FROM stg_observations staged
        WHERE staged.batch_id = :batch
          AND staged.region_code = obs_observations.region_code
          AND staged.measure_code = obs_observations.measure_code
          AND staged.period_end = obs_observations.period_end
          AND staged.period_type = obs_observations.period_type)"""
_IND_PARTITION_MATCH = """
    EXISTS (SELECT 1 FROM stg_indicator_values staged
            WHERE staged.batch_id = :batch
              AND staged.region_code = obs_indicator_values.region_code
              AND staged.indicator_code = obs_indicator_values.indicator_code
              AND staged.year = obs_indicator_values.year)"""


def _publish_all(engine: Engine, entries: list) -> None:
    """Publish validated batches in load order. On DuckDB (one writer) up to PUBLISH_CHUNK batches
    share a transaction to save commits; if such a transaction fails, each of its batches is
    retried alone, so a failing batch publishes nothing and takes no other batch with it."""
    chunk = 1 if engine.dialect.name != "duckdb" else PUBLISH_CHUNK
    for start in range(0, len(entries), chunk):
        part = entries[start:start + chunk]
        started = time.perf_counter()
        try:
            with transaction(engine) as conn:
                results = [_publish(conn, outcome.batch_id, item.parsed.source_kind, observations, indicators)
                           for item, outcome, observations, indicators in part]
        except Exception as exc:  # noqa: BLE001 - a failed batch publishes nothing; record why
            if len(part) > 1:
                for entry in part:
                    _publish_all_one(engine, entry)
                continue
            item, outcome, *_ = part[0]
            log.exception("publishing %s failed", item.original_name)
            outcome.reason = f"load failed {type(exc).__name__}: {exc}"
            _mark_quarantined(engine, item, outcome.batch_id, outcome.reason)
            continue
        share_ms = (time.perf_counter() - started) * 1000 / len(part)
        for (_, outcome, *_), (status, loaded, replaced) in zip(part, results, strict=True):
            outcome.status, outcome.rows_loaded, outcome.rows_replaced = status, loaded, replaced
            outcome.publish_ms = share_ms


def _publish_all_one(engine: Engine, entry: tuple) -> None:
    item, outcome, observations, indicators = entry
    started = time.perf_counter()
    try:
        with transaction(engine) as conn:
            status, loaded, replaced = _publish(conn, outcome.batch_id, item.parsed.source_kind, observations,
                                                indicators)
        outcome.status, outcome.rows_loaded, outcome.rows_replaced = status, loaded, replaced
    except Exception as exc:  # noqa: BLE001 - a failed batch publishes nothing; record why
        log.exception("publishing %s failed", item.original_name)
        outcome.reason = f"load failed {type(exc).__name__}: {exc}"
        _mark_quarantined(engine, item, outcome.batch_id, outcome.reason)
    outcome.publish_ms = (time.perf_counter() - started) * 1000


def _publish(conn: Connection, batch_id: str, kind: str, observations: pd.DataFrame, indicators: pd.DataFrame
             ) -> tuple[str, int, int]:
    """Replace the batch's partitions inside the caller's transaction: lock, move to history, delete,
    insert, mark the batch published."""
    now = datetime.now(UTC).replace(tzinfo=None)
    params = {"batch": batch_id, "kind": kind, "now": now}
    replaced = loaded = 0
    if conn.dialect.name != "duckdb":  # DuckDB has one writer process at a time anyway
        keys = {(kind, str(pd.Timestamp(e).date()), t, r) for e, t, r in zip(
            observations["period_end"], observations["period_type"], observations["region_code"], strict=True)}
        keys |= {("indicator", str(int(y)), r) for y, r in zip(indicators["year"], indicators["region_code"],
                                                              strict=True)}
        _lock_partitions(conn, keys)
    if not observations.empty:
        ends = pd.to_datetime(observations["period_end"])  # lets DuckDB skip row groups by zone map
        params.update(first_end=ends.min().date(), last_end=ends.max().date())
        replaced += _replace(conn, params, _OBSERVATION_STATEMENTS)
        loaded += affected_rows(conn.execute(text(_OBSERVATION_STATEMENTS[2]), params))
        conn.execute(text("DELETE FROM stg_observations WHERE batch_id = :batch"), params)
    if not indicators.empty:
        replaced += _replace(conn, params, _INDICATOR_STATEMENTS)
        loaded += affected_rows(conn.execute(text(_INDICATOR_STATEMENTS[2]), params))
        conn.execute(text("DELETE FROM stg_indicator_values WHERE batch_id = :batch"), params)
    status = REVISED if replaced else LOADED
    conn.execute(text("UPDATE load_batches SET status = :status, rows_loaded = :loaded, finished_at = :now, "
                      "reason = :reason WHERE batch_id = :batch"),
                 {**params, "status": status, "loaded": loaded,
                  "reason": f"superseded {replaced} earlier values" if replaced else None})
    return status, loaded, replaced


def _lock_partitions(conn: Connection, keys: set[tuple[str, ...]]) -> None:
    """``lock_partition`` for many partitions in one round trip: the same advisory keys, taken in
    ascending key order so that two writers never wait on each other in a cycle."""
    digests = sorted({int.from_bytes(hashlib.sha256("|".join(key).encode()).digest()[:4], "big", signed=True)
                      for key in keys})
    if digests:
        conn.execute(text(
            "SELECT COUNT(pg_advisory_xact_lock(:ns, key)) FROM ("
            " SELECT key FROM unnest(CAST(:keys AS integer[])) WITH ORDINALITY AS k(key, position)"
            " ORDER BY position) AS ordered"), {"ns": _LOCK_NAMESPACE, "keys": digests})


def _replace(conn: Connection, params: dict[str, Any], statements: tuple[str, str, str]) -> int:
    """Copy the rows being replaced (those whose value changes) to history, then delete them all."""
    moved = affected_rows(conn.execute(text(statements[0]), params))
    conn.execute(text(statements[1]), params)
    return moved


# values the new batch repeats unchanged are not superseded (e.g. a city's total row that both the
# province export and the city's district export carry)
_OBSERVATION_STATEMENTS = (
    f"""INSERT INTO obs_history (region_code, measure_code, period_end, period_type, basis, value, unit,
                                 source_kind, batch_id, superseded_by, superseded_at)
        SELECT region_code, measure_code, period_end, period_type, basis, value, unit, source_kind,
               batch_id, :batch, :now
        FROM obs_observations WHERE {_OBS_PARTITION_MATCH} AND NOT EXISTS (
            SELECT 1 FROM stg_observations same
            WHERE same.batch_id = :batch AND same.region_code = obs_observations.region_code
              AND same.measure_code = obs_observations.measure_code
              AND same.period_end = obs_observations.period_end
              AND same.period_type = obs_observations.period_type
              AND same.basis = obs_observations.basis
              AND same.value = obs_observations.value AND same.unit = obs_observations.unit)""",
    f"DELETE FROM obs_observations WHERE {_OBS_PARTITION_MATCH}",
    """INSERT INTO obs_observations (region_code, measure_code, period_end, period_type, basis, value, unit,
                                     source_kind, batch_id, source_row)
       SELECT region_code, measure_code, period_end, period_type, basis, value, unit, :kind, batch_id, source_row
       FROM stg_observations WHERE batch_id = :batch AND value IS NOT NULL""",
)
_INDICATOR_STATEMENTS = (
    f"""INSERT INTO obs_indicator_history (region_code, indicator_code, year, value, unit, batch_id,
                                           superseded_by, superseded_at)
        SELECT region_code, indicator_code, year, value, unit, batch_id, :batch, :now
        FROM obs_indicator_values WHERE {_IND_PARTITION_MATCH} AND NOT EXISTS (
            SELECT 1 FROM stg_indicator_values same
            WHERE same.batch_id = :batch AND same.region_code = obs_indicator_values.region_code
              AND same.indicator_code = obs_indicator_values.indicator_code
              AND same.year = obs_indicator_values.year AND same.value = obs_indicator_values.value
              AND same.unit = obs_indicator_values.unit)""",
    f"DELETE FROM obs_indicator_values WHERE {_IND_PARTITION_MATCH}",
    """INSERT INTO obs_indicator_values (region_code, indicator_code, year, value, unit, batch_id, source_row)
       SELECT region_code, indicator_code, year, value, unit, batch_id, source_row
       FROM stg_indicator_values WHERE batch_id = :batch AND value IS NOT NULL""",
)


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
