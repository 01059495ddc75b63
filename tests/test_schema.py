"""The warehouse schema on DuckDB and PostgreSQL: every table of sql/schema exists after `init_db`,
and loading the catalog is idempotent (twice -> the same rows)."""

from __future__ import annotations

import re

from etl import catalog, warehouse

CATALOG_TABLES = ("ref_regions", "ref_region_aliases", "ref_measures", "ref_indicators", "ref_periods",
                  "plan_plans", "plan_targets")


def schema_tables(postgres: bool) -> set[str]:
    """Tables created by the migration files that apply to the backend."""
    names: set[str] = set()
    for path in warehouse.migration_files():
        if path.stem.endswith("_postgres") and not postgres:
            continue
        sql = path.read_text(encoding="utf-8")
        sql = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
        names.update(m.lower() for m in re.findall(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", sql, re.I))
    return names


def existing_tables(engine) -> set[str]:
    with engine.connect() as conn:
        frame = warehouse.read_frame(
            conn, "SELECT table_name FROM information_schema.tables WHERE table_schema = :s",
            {"s": "main" if warehouse.is_duckdb(engine) else "public"})
    return {name.lower() for name in frame["table_name"]}


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: int(warehouse.read_frame(conn, f"SELECT COUNT(*) AS n FROM {t}")["n"].iloc[0])
                for t in CATALOG_TABLES}


def test_init_and_catalog_load_are_idempotent(warehouse_url):
    engine = warehouse.get_engine(warehouse_url)
    first = warehouse.init_db(engine)
    assert first, "a fresh warehouse gets every migration"
    assert warehouse.init_db(engine) == []
    expected = schema_tables(postgres=not warehouse.is_duckdb(engine))
    assert {"ref_regions", "plan_targets", "obs_observations", "load_batches"} <= expected
    assert expected <= existing_tables(engine)

    counts = catalog.load_catalog_into_warehouse(engine)
    assert counts == table_counts(engine)
    again = catalog.load_catalog_into_warehouse(engine)
    assert again == counts == table_counts(engine)
    assert counts["ref_regions"] == 44
    assert counts["ref_measures"] == 27
    assert counts["ref_periods"] == (2035 - 2010 + 1) * 19
    assert counts["plan_plans"] == 5
    assert counts["plan_targets"] == sum(len(p.targets) for p in catalog.load_plans())
    assert counts["ref_indicators"] == len(catalog.load_indicators())

    with engine.connect() as conn:
        plan = warehouse.read_frame(conn, "SELECT plan_id, catalog_hash FROM plan_plans ORDER BY plan_id")
        target = warehouse.read_frame(
            conn, "SELECT base_raw, base_value, target_raw, target_value, target_kind, row_no, completion_value "
                  "FROM plan_targets WHERE plan_id = 'guangdong-14fyp' AND target_id = 'r04a'")
        periods = warehouse.read_frame(
            conn, "SELECT period_type, label_zh FROM ref_periods WHERE period_end = DATE '2024-06-30' "
                  "ORDER BY period_type")
        zone = warehouse.read_frame(conn, "SELECT region_code FROM ref_region_aliases WHERE alias = :a",
                                    {"a": "肇庆高新技术产业开发区"})
    import hashlib

    hashes = {p.plan_id: hashlib.sha256(open(p.path, "rb").read()).hexdigest() for p in catalog.load_plans()}
    assert dict(zip(plan["plan_id"], plan["catalog_hash"], strict=True)) == hashes
    row = target.iloc[0]
    assert (row["base_raw"], float(row["base_value"]), row["target_raw"], float(row["target_value"]),
            row["target_kind"], int(row["row_no"])) == ("(９０７ ６)、", 907.6, "(２５００)、", 2500.0,
                                                        "period_total", 4)
    assert dict(zip(periods["period_type"], periods["label_zh"], strict=True)) == {
        "half": "2024年上半年", "month": "2024年6月", "quarter": "2024年第二季度"}
    assert list(zone["region_code"]) == ["441290"]
    warehouse.dispose_engines()


def test_catalog_load_is_one_transaction(warehouse_url, monkeypatch):
    """A failure while writing the last table rolls back the deletes of the tables before it."""
    import pandas as pd

    engine = warehouse.get_engine(warehouse_url)
    warehouse.init_db(engine)
    before = catalog.load_catalog_into_warehouse(engine)
    real_frames = catalog._catalog_frames

    def frames_with_a_duplicate_key():
        frames = real_frames()
        targets = frames["plan_targets"]
        frames["plan_targets"] = pd.concat([targets, targets.iloc[:1]], ignore_index=True)
        return frames

    monkeypatch.setattr(catalog, "_catalog_frames", frames_with_a_duplicate_key)
    try:
        catalog.load_catalog_into_warehouse(engine)
    except Exception:  # noqa: BLE001 - the backend's own integrity error
        pass
    else:  # pragma: no cover
        raise AssertionError("a duplicate primary key must fail the load")
    assert table_counts(engine) == before
    warehouse.dispose_engines()
