-- Marts of plan monitoring (etl/progress/): indicator values and progress against plan targets.
-- Rebuilt by etl.progress.refresh_marts after every load; readers never see a half-built mart
-- (delete + insert in one transaction).

CREATE TABLE IF NOT EXISTS mart_indicator_values (
    region_code     TEXT NOT NULL,
    indicator_code  TEXT NOT NULL,
    period_end      DATE NOT NULL,
    period_type     TEXT NOT NULL,              -- year | month | quarter | half
    value           DOUBLE PRECISION NOT NULL,  -- in the indicator's catalog unit
    unit            TEXT NOT NULL,
    value_source    TEXT NOT NULL,              -- measure | derived | tidy
    inputs          TEXT NOT NULL,              -- JSON list of the observation / tidy keys used
    computed_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (region_code, indicator_code, period_end, period_type)
);

CREATE TABLE IF NOT EXISTS mart_progress (
    plan_id             TEXT NOT NULL,
    target_id           TEXT NOT NULL,
    indicator_code      TEXT NOT NULL,
    region_code         TEXT NOT NULL,
    as_of               DATE NOT NULL,              -- a month end
    indicator_name_zh   TEXT NOT NULL,
    indicator_name_en   TEXT,
    unit                TEXT NOT NULL,              -- the plan's printed unit
    category            TEXT,
    target_kind         TEXT NOT NULL,              -- level | period_total | annual_flow | avg_growth | none
    comparator          TEXT,
    source              TEXT,                       -- table | text
    source_ref          TEXT,
    base_year           INTEGER,
    base_value          DOUBLE PRECISION,
    target_year         INTEGER,
    target_value        DOUBLE PRECISION,
    latest_value        DOUBLE PRECISION,
    latest_period_end   DATE,
    latest_period_type  TEXT,
    latest_label        TEXT,                       -- '2024-06' (sub-year) or '2023' (full year)
    cumulative_value    DOUBLE PRECISION,           -- period_total: S
    completion          DOUBLE PRECISION,
    elapsed             DOUBLE PRECISION,
    ratio               DOUBLE PRECISION,
    status              TEXT NOT NULL,              -- achieved | on_track | behind | off_track | no_data
    projected_value     DOUBLE PRECISION,
    projected_meets     BOOLEAN,
    verdict             TEXT,                       -- achieved | not_achieved (closed plans)
    yearly_path         TEXT,                       -- JSON [{"year", "actual", "path"}]
    value_source        TEXT,                       -- measure | derived | tidy (of the latest value)
    observations_used   TEXT,                       -- JSON list of observation keys and batch ids
    note                TEXT,
    computed_at         TIMESTAMP NOT NULL,
    observed_growth     DOUBLE PRECISION,           -- g: avg_growth's rate, else the projection's
    PRIMARY KEY (plan_id, target_id, as_of)
);
