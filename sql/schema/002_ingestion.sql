-- Ingestion: staging of tidy indicator values and the derived single-period flows
-- (PostgreSQL lookup indexes: 002_ingestion_postgres.sql; DuckDB scans with zone maps instead).
-- Portable DuckDB/PostgreSQL. Applied once by init_db (see etl/warehouse.py).

-- Parsed tidy indicator values waiting for validation (write-audit-publish: unpublished).
CREATE TABLE IF NOT EXISTS stg_indicator_values (
    batch_id        TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    indicator_code  TEXT NOT NULL,
    year            INTEGER NOT NULL,
    value           DOUBLE PRECISION,
    unit            TEXT NOT NULL,
    source_row      INTEGER
);

-- The view stg_monthly_flows is (re)created from sql/staging/stg_monthly_flows.sql by init_db.
