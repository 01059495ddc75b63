-- Ingestion lookup indexes, PostgreSQL only: on DuckDB, ART indexes would slow every bulk insert
-- and delete while its scans (zone maps) need none.

CREATE INDEX IF NOT EXISTS idx_load_batches_hash ON load_batches (content_hash);
CREATE INDEX IF NOT EXISTS idx_load_batches_run ON load_batches (run_id);
CREATE INDEX IF NOT EXISTS idx_stg_observations_batch ON stg_observations (batch_id);
CREATE INDEX IF NOT EXISTS idx_stg_indicator_values_batch ON stg_indicator_values (batch_id);
CREATE INDEX IF NOT EXISTS idx_obs_observations_partition ON obs_observations (source_kind, period_end, period_type, region_code);
CREATE INDEX IF NOT EXISTS idx_obs_observations_batch ON obs_observations (batch_id);
CREATE INDEX IF NOT EXISTS idx_obs_history_superseded ON obs_history (superseded_by);
CREATE INDEX IF NOT EXISTS idx_load_rejections_batch ON load_rejections (batch_id);
CREATE INDEX IF NOT EXISTS idx_load_reconciliation_batch ON load_reconciliation (batch_id);
