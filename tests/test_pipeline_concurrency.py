"""Two loaders replacing the same (source kind, period) partitions at once on PostgreSQL serialise:
the warehouse ends as one of them in full after the other, never a mix, never a duplicate."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from etl import warehouse
from etl.ingest.pipeline import ingest_paths
from tests.conftest import create_pg_database, drop_pg_database
from tests.test_pipeline import dump, observations, patent_csv

pytestmark = pytest.mark.postgres

PUBLISHED = ["obs_observations", "obs_history", "load_batches", "load_validation_results"]


def _ready_engine(url: str):
    from etl.catalog import load_catalog_into_warehouse

    engine = warehouse.get_engine(url)
    warehouse.init_db(engine)
    load_catalog_into_warehouse(engine)
    return engine


def _run_together(engine, files: list[Path]) -> list:
    """Start one loader thread per file at the same instant; return their outcomes."""
    barrier = threading.Barrier(len(files))
    results: list = [None] * len(files)
    errors: list[BaseException] = []

    def load(index: int, path: Path) -> None:
        try:
            barrier.wait()
            [results[index]] = ingest_paths([path], engine, run_id=f"thread-{index}", reconcile=False)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=load, args=(i, f)) for i, f in enumerate(files)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    return results


@pytest.fixture
def pg_engine(pg_url: str):
    engine = _ready_engine(pg_url)
    ingest_paths([], engine)  # warm GX and the schema before the race
    yield engine
    warehouse.dispose_engines()


def test_same_file_twice_at_once_equals_one_run(pg_engine, tmp_path: Path) -> None:
    first_dir, second_dir = tmp_path / "a", tmp_path / "b"
    first_dir.mkdir()
    second_dir.mkdir()
    one = patent_csv(first_dir, "2024年1-6月专利统计.csv", "2024年1-6月")
    other = patent_csv(second_dir, "2024年1-6月专利统计.csv", "2024年1-6月")
    outcomes = _run_together(pg_engine, [one, other])
    assert sorted(o.status for o in outcomes) == ["loaded", "unchanged"]
    reference_url = create_pg_database()
    try:
        reference = _ready_engine(reference_url)
        ingest_paths([one], reference, reconcile=False)
        assert dump(pg_engine, PUBLISHED, drop_timestamps=True) == dump(reference, PUBLISHED, drop_timestamps=True)
    finally:
        drop_pg_database(reference_url)


def test_two_exports_of_one_period_at_once_serialise(pg_engine, tmp_path: Path) -> None:
    first_dir, second_dir = tmp_path / "a", tmp_path / "b"
    first_dir.mkdir()
    second_dir.mkdir()
    original = patent_csv(first_dir, "2024年1-6月专利统计.csv", "2024年1-6月", scale=1.0)
    revision = patent_csv(second_dir, "2024年1-6月专利统计（修订）.csv", "2024年1-6月", scale=1.5)
    outcomes = _run_together(pg_engine, [original, revision])
    assert sorted(o.status for o in outcomes) == ["loaded", "revised"]
    winner = next(o for o in outcomes if o.status == "revised")
    loser = next(o for o in outcomes if o.status == "loaded")
    obs = observations(pg_engine)
    assert len(obs) == 44 and set(obs["batch_id"]) == {winner.batch_id}  # all of one export, no mix
    history = dump(pg_engine, ["obs_history"])["obs_history"]
    assert history and {row[8] for row in history} == {loser.batch_id}
    assert {row[9] for row in history} == {winner.batch_id}
