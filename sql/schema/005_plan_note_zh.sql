-- Chinese renderings of the notes: the catalog's reading notes of plan targets (note_zh of
-- etl/catalog/plans/*.yaml) and the progress mart's notes (catalog + computed), for zh reports.
ALTER TABLE plan_targets ADD COLUMN IF NOT EXISTS note_zh TEXT;
ALTER TABLE mart_progress ADD COLUMN IF NOT EXISTS note_zh TEXT;
