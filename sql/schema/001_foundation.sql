-- Foundation schema: reference data, plan catalog, load lineage, observations and their history.
-- Portable between DuckDB and PostgreSQL: plain types, no serials (ids are made in Python),
-- JSON kept as TEXT. Applied once by `ipstats db init` (see etl/warehouse.py).

CREATE TABLE IF NOT EXISTS ref_regions (
    region_code   TEXT PRIMARY KEY,          -- GB/T 2260 (zone: project code under 441200)
    name_zh       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    level         TEXT NOT NULL,             -- province | city | district | county | zone
    parent_code   TEXT,
    aliases       TEXT NOT NULL DEFAULT ''   -- '|'-separated spellings seen in exports
);

CREATE TABLE IF NOT EXISTS ref_region_aliases (
    alias         TEXT PRIMARY KEY,
    region_code   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_measures (
    measure_code   TEXT PRIMARY KEY,
    name_zh        TEXT NOT NULL,
    source_kind    TEXT NOT NULL,             -- patent | trademark | pledge | case | reference
    basis          TEXT NOT NULL,             -- flow | stock | rate
    canonical_unit TEXT NOT NULL,
    aliases        TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS ref_indicators (
    indicator_code TEXT PRIMARY KEY,
    name_zh        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    unit           TEXT NOT NULL,             -- unit as printed in the plans
    category       TEXT NOT NULL,             -- 创造 | 运用 | 保护 | 管理 | 服务
    direction      TEXT NOT NULL,             -- increase | decrease
    method         TEXT NOT NULL,             -- measure | derived | tidy
    measure_code   TEXT,                      -- numerator measure for measure/derived
    denominator    TEXT,                      -- population (per 10,000 people) or market_entities
    aggregation    TEXT,                      -- stock | annual_flow | rate
    aliases        TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS ref_periods (
    period_end    DATE NOT NULL,
    period_type   TEXT NOT NULL,              -- month | quarter | half | year
    year          INTEGER NOT NULL,
    month         INTEGER NOT NULL,           -- month of period_end
    label_zh      TEXT NOT NULL,
    PRIMARY KEY (period_end, period_type)
);

CREATE TABLE IF NOT EXISTS plan_plans (
    plan_id       TEXT PRIMARY KEY,
    name_zh       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    seed          TEXT NOT NULL,
    source_table  TEXT NOT NULL,
    base_year     INTEGER,
    target_year   INTEGER,
    catalog_hash  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS plan_targets (
    plan_id            TEXT NOT NULL,
    target_id          TEXT NOT NULL,         -- stable row key inside the plan, e.g. r04a or t03
    indicator_code     TEXT NOT NULL,
    indicator_name_zh  TEXT NOT NULL,         -- as printed in the plan
    unit               TEXT NOT NULL,         -- as printed in the plan
    source             TEXT NOT NULL,         -- table | text
    source_ref         TEXT NOT NULL,         -- table name and row, or the sentence's section
    row_no             INTEGER,
    category           TEXT NOT NULL,
    base_year          INTEGER,
    base_raw           TEXT,
    base_value         DOUBLE PRECISION,
    target_year        INTEGER,
    target_raw         TEXT,
    target_value       DOUBLE PRECISION,
    target_kind        TEXT NOT NULL,         -- level | period_total | annual_flow | avg_growth | none
    comparator         TEXT NOT NULL,         -- >= | =
    attribute          TEXT,                  -- 预期性 | 约束性
    completion_raw     TEXT,                  -- closed plans: 完成值 as printed
    completion_value   DOUBLE PRECISION,
    note               TEXT,
    PRIMARY KEY (plan_id, target_id)
);

CREATE TABLE IF NOT EXISTS load_batches (
    batch_id       TEXT PRIMARY KEY,
    source_file    TEXT NOT NULL,             -- file name as received
    archive_path   TEXT NOT NULL,             -- immutable copy, by content hash
    content_hash   TEXT NOT NULL,             -- sha256 of the bytes
    source_kind    TEXT,
    layout         TEXT,
    period_type    TEXT,
    period_start   DATE,
    period_end     DATE,
    received_at    TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    status         TEXT NOT NULL,             -- received | loaded | revised | unchanged | quarantined
    reason         TEXT,
    rows_read      INTEGER,
    rows_loaded    INTEGER,
    rows_rejected  INTEGER,
    run_id         TEXT
);

-- Parsed rows waiting for validation (write-audit-publish: nothing here is published).
CREATE TABLE IF NOT EXISTS stg_observations (
    batch_id       TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    measure_code   TEXT NOT NULL,
    period_end     DATE NOT NULL,
    period_type    TEXT NOT NULL,
    basis          TEXT NOT NULL,
    value          DOUBLE PRECISION,
    unit           TEXT NOT NULL,
    source_row     INTEGER,
    source_column  TEXT
);

CREATE TABLE IF NOT EXISTS obs_observations (
    region_code    TEXT NOT NULL,
    measure_code   TEXT NOT NULL,
    period_end     DATE NOT NULL,
    period_type    TEXT NOT NULL,             -- month | quarter | half | year
    basis          TEXT NOT NULL,             -- ytd | period | stock | rate
    value          DOUBLE PRECISION NOT NULL, -- canonical unit
    unit           TEXT NOT NULL,
    source_kind    TEXT NOT NULL,
    batch_id       TEXT NOT NULL,
    source_row     INTEGER,
    PRIMARY KEY (region_code, measure_code, period_end, period_type, basis)
);

CREATE TABLE IF NOT EXISTS obs_history (
    region_code        TEXT NOT NULL,
    measure_code       TEXT NOT NULL,
    period_end         DATE NOT NULL,
    period_type        TEXT NOT NULL,
    basis              TEXT NOT NULL,
    value              DOUBLE PRECISION NOT NULL,
    unit               TEXT NOT NULL,
    source_kind        TEXT NOT NULL,
    batch_id           TEXT NOT NULL,         -- the batch that had written the value
    superseded_by      TEXT NOT NULL,         -- the batch that replaced it
    superseded_at      TIMESTAMP NOT NULL
);

-- Tidy values of indicators that no export carries (source kind `indicator`).
CREATE TABLE IF NOT EXISTS obs_indicator_values (
    region_code     TEXT NOT NULL,
    indicator_code  TEXT NOT NULL,
    year            INTEGER NOT NULL,
    value           DOUBLE PRECISION NOT NULL,  -- in the indicator's catalog unit
    unit            TEXT NOT NULL,
    batch_id        TEXT NOT NULL,
    source_row      INTEGER,
    PRIMARY KEY (region_code, indicator_code, year)
);

CREATE TABLE IF NOT EXISTS obs_indicator_history (
    region_code     TEXT NOT NULL,
    indicator_code  TEXT NOT NULL,
    year            INTEGER NOT NULL,
    value           DOUBLE PRECISION NOT NULL,
    unit            TEXT NOT NULL,
    batch_id        TEXT NOT NULL,
    superseded_by   TEXT NOT NULL,
    superseded_at   TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS load_rejections (
    batch_id       TEXT NOT NULL,
    source_file    TEXT NOT NULL,
    row_no         INTEGER,                   -- 1-based row in the file (spreadsheet row)
    column_name    TEXT,
    raw_value      TEXT,
    reason         TEXT NOT NULL,
    rejected_at    TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS load_validation_results (
    batch_id       TEXT NOT NULL,
    suite_name     TEXT NOT NULL,
    success        BOOLEAN NOT NULL,
    evaluated      INTEGER NOT NULL,
    failed         INTEGER NOT NULL,
    result_json    TEXT NOT NULL,
    docs_path      TEXT,
    validated_at   TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS load_reconciliation (
    batch_id       TEXT,
    check_name     TEXT NOT NULL,             -- city_sum_vs_province | stock_vs_flow
    region_code    TEXT NOT NULL,
    measure_code   TEXT NOT NULL,
    period_end     DATE NOT NULL,
    expected       DOUBLE PRECISION,
    actual         DOUBLE PRECISION,
    difference     DOUBLE PRECISION,
    message        TEXT NOT NULL,
    checked_at     TIMESTAMP NOT NULL
);
