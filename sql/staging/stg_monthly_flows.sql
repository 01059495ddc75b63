-- Single-period flows derived from year-to-date totals: one row per region, measure and sub-year
-- period end. The first period of a year is its year-to-date value; later periods are the
-- difference to the immediately preceding period of the same type (no gap allowed: when the
-- previous month/quarter/half was never loaded, the flow is unknown and left out).
-- init_db creates it as the view stg_monthly_flows (etl.warehouse.VIEW_FILES).
WITH ytd_values AS (
    SELECT region_code,
           measure_code,
           period_end,
           period_type,
           value,
           unit,
           batch_id,
           CAST(EXTRACT(YEAR FROM period_end) AS INTEGER)  AS year,
           CAST(EXTRACT(MONTH FROM period_end) AS INTEGER) AS month,
           CASE period_type WHEN 'month' THEN 1 WHEN 'quarter' THEN 3 ELSE 6 END AS months_per_period
    FROM obs_observations
    WHERE basis = 'ytd' AND period_type IN ('month', 'quarter', 'half')
),
ytd_with_previous AS (
    SELECT ytd_values.*,
           LAG(value) OVER (PARTITION BY region_code, measure_code, period_type, year ORDER BY period_end)
               AS previous_ytd,
           LAG(month) OVER (PARTITION BY region_code, measure_code, period_type, year ORDER BY period_end)
               AS previous_month
    FROM ytd_values
)
SELECT region_code,
       measure_code,
       period_end,
       period_type,
       'period' AS basis,
       CASE WHEN month = months_per_period THEN value ELSE value - previous_ytd END AS value,
       unit,
       value AS ytd_value,
       CASE WHEN month = months_per_period THEN NULL ELSE previous_ytd END AS previous_ytd,
       CASE WHEN month = months_per_period THEN 'first_period_of_year' ELSE 'ytd_difference' END AS derivation,
       batch_id
FROM ytd_with_previous
WHERE month = months_per_period
   OR previous_month = month - months_per_period
