-- Measure values that indicators are computed from: one row per region, measure and period.
--   period_type 'year'  : the full-year value. A `period_type = year` row wins; else the December
--                         period end of a month/quarter/half export (a Dec year-to-date flow is
--                         the year's flow; a December stock is the year-end stock).
--   period_type month|quarter|half : a sub-year period end (not December): the stock at that
--                         date, a rate, or the year-to-date flow (a partial year). When several
--                         exports end on the same day, month beats quarter beats half.
-- `当月` flows (basis `period` below a year) are never used: they are not year-to-date.
-- Read by sql/marts/mart_indicator_values.sql as the temporary table stg_indicator_inputs.
WITH observations AS (
    SELECT region_code,
           measure_code,
           period_end,
           period_type,
           basis,
           value,
           unit,
           batch_id,
           CAST(EXTRACT(YEAR FROM period_end) AS INTEGER)  AS year,
           CAST(EXTRACT(MONTH FROM period_end) AS INTEGER) AS month,
           CASE period_type WHEN 'year' THEN 0 WHEN 'month' THEN 1 WHEN 'quarter' THEN 2 ELSE 3 END
               AS type_preference
    FROM obs_observations
),
full_year_candidates AS (
    SELECT observations.*,
           ROW_NUMBER() OVER (PARTITION BY region_code, measure_code, year
                              ORDER BY type_preference, basis) AS candidate_rank
    FROM observations
    WHERE period_type = 'year'
       OR (month = 12 AND basis IN ('ytd', 'stock', 'rate'))
),
full_year_values AS (
    SELECT region_code, measure_code, year, period_end, 'year' AS period_type, basis, value, unit,
           batch_id, period_type AS source_period_type
    FROM full_year_candidates
    WHERE candidate_rank = 1
),
sub_year_candidates AS (
    SELECT observations.*,
           ROW_NUMBER() OVER (PARTITION BY region_code, measure_code, period_end
                              ORDER BY type_preference, basis) AS candidate_rank
    FROM observations
    WHERE period_type <> 'year'
      AND month <> 12
      AND basis IN ('ytd', 'stock', 'rate')
),
sub_year_values AS (
    SELECT region_code, measure_code, year, period_end, period_type, basis, value, unit,
           batch_id, period_type AS source_period_type
    FROM sub_year_candidates
    WHERE candidate_rank = 1
)
SELECT * FROM full_year_values
UNION ALL
SELECT * FROM sub_year_values
