-- Indicator values for every region and period with data (mart_indicator_values), before the
-- timestamp is added. Inputs (temporary tables filled by etl/progress/indicators.py):
--   stg_indicator_inputs      sql/staging/stg_indicator_inputs.sql, measure values by period
--   tmp_indicator_components  series_code, indicator_code, measure_code, method, denominator,
--                             unit_factor (canonical measure unit -> indicator unit),
--                             component_count (measures summed into the indicator)
--   tmp_tidy_unit_factors     from_unit, to_unit, factor for the tidy values' units
-- Precedence: a tidy `indicator` value wins over a value computed from measures for the year it
-- covers (an office supplied it deliberately); computed sub-year values are kept beside it.
WITH measure_inputs AS (
    SELECT * FROM stg_indicator_inputs
),
component_values AS (
    SELECT components.series_code,
           components.indicator_code,
           components.method,
           components.denominator,
           components.unit_factor,
           components.component_count,
           inputs.region_code,
           inputs.year,
           inputs.period_end,
           inputs.period_type,
           inputs.value,
           '{"measure_code":"' || inputs.measure_code || '","region_code":"' || inputs.region_code
               || '","period_end":"' || CAST(inputs.period_end AS TEXT) || '","period_type":"'
               || inputs.source_period_type || '","basis":"' || inputs.basis || '","batch_id":"'
               || inputs.batch_id || '"}' AS input_json
    FROM tmp_indicator_components AS components
    JOIN measure_inputs AS inputs ON inputs.measure_code = components.measure_code
),
numerator_values AS (
    SELECT series_code, indicator_code, method, denominator, unit_factor, region_code, year,
           period_end, period_type,
           SUM(value) AS value,
           STRING_AGG(input_json, ',' ORDER BY input_json) AS inputs_json
    FROM component_values
    GROUP BY series_code, indicator_code, method, denominator, unit_factor, region_code, year,
             period_end, period_type
    HAVING COUNT(*) = MAX(component_count)
),
denominator_values AS (
    SELECT region_code, year, measure_code, value,
           '{"measure_code":"' || measure_code || '","region_code":"' || region_code
               || '","period_end":"' || CAST(period_end AS TEXT) || '","period_type":"'
               || source_period_type || '","basis":"' || basis || '","batch_id":"' || batch_id
               || '"}' AS input_json
    FROM measure_inputs
    WHERE period_type = 'year'
      AND measure_code IN ('population', 'market_entities')
),
measure_based_values AS (
    SELECT series_code, indicator_code, region_code, period_end, period_type,
           value * unit_factor AS value, 'measure' AS value_source, '[' || inputs_json || ']' AS inputs
    FROM numerator_values
    WHERE method <> 'derived'
),
-- per 10,000 people (万人) or per 10,000 market entities (户 / 10,000), same region and year;
-- a sub-year value uses its own year's denominator, else the previous year-end's
derived_values AS (
    SELECT numerators.series_code, numerators.indicator_code, numerators.region_code,
           numerators.period_end, numerators.period_type,
           numerators.value * numerators.unit_factor
               / (CASE WHEN numerators.denominator = 'market_entities' THEN 0.0001 ELSE 1.0 END
                  * COALESCE(same_year.value, previous_year.value)) AS value,
           'derived' AS value_source,
           '[' || numerators.inputs_json || ',' || COALESCE(same_year.input_json, previous_year.input_json)
               || ']' AS inputs
    FROM numerator_values AS numerators
    LEFT JOIN denominator_values AS same_year
           ON same_year.region_code = numerators.region_code
          AND same_year.year = numerators.year
          AND same_year.measure_code = numerators.denominator
    LEFT JOIN denominator_values AS previous_year
           ON previous_year.region_code = numerators.region_code
          AND previous_year.year = numerators.year - 1
          AND previous_year.measure_code = numerators.denominator
          AND numerators.period_type <> 'year'
    WHERE numerators.method = 'derived'
      AND COALESCE(same_year.value, previous_year.value) > 0
),
tidy_values AS (
    SELECT tidy.indicator_code AS series_code,
           tidy.indicator_code,
           tidy.region_code,
           CAST(CAST(tidy.year AS TEXT) || '-12-31' AS DATE) AS period_end,
           'year' AS period_type,
           tidy.value * factors.factor AS value,
           'tidy' AS value_source,
           '[{"indicator_code":"' || tidy.indicator_code || '","region_code":"' || tidy.region_code
               || '","year":' || CAST(tidy.year AS TEXT) || ',"batch_id":"' || tidy.batch_id
               || '"}]' AS inputs
    FROM obs_indicator_values AS tidy
    JOIN ref_indicators AS indicators ON indicators.indicator_code = tidy.indicator_code
    JOIN tmp_tidy_unit_factors AS factors
      ON factors.from_unit = tidy.unit AND factors.to_unit = indicators.unit
),
computed_values AS (
    SELECT * FROM measure_based_values
    UNION ALL
    SELECT * FROM derived_values
),
computed_values_without_tidy AS (
    SELECT computed.*
    FROM computed_values AS computed
    WHERE computed.period_type <> 'year'
       OR NOT EXISTS (
           SELECT 1 FROM tidy_values AS tidy
           WHERE tidy.series_code = computed.series_code
             AND tidy.region_code = computed.region_code
             AND tidy.period_end = computed.period_end
       )
)
SELECT series_code, indicator_code, region_code, period_end, period_type, value, value_source, inputs
FROM tidy_values
UNION ALL
SELECT series_code, indicator_code, region_code, period_end, period_type, value, value_source, inputs
FROM computed_values_without_tidy
ORDER BY series_code, region_code, period_end, period_type
