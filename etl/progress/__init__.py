"""Plan monitoring: indicator values and progress against every plan target.

- :mod:`etl.progress.compute`: the spec's arithmetic (completion, elapsed share, status,
  projection, yearly path, verdict) for one target; pure, no database.
- :mod:`etl.progress.indicators`: indicator values from measures, ratios and tidy values (SQL in
  ``sql/staging`` and ``sql/marts``).
- :mod:`etl.progress.refresh`: :func:`refresh_marts` (``mart_indicator_values``, ``mart_progress``)
  and :func:`evaluate_plan`.
- :mod:`etl.progress.settings`: the status thresholds (0.95 / 0.6 by default) as configuration.
- :mod:`etl.progress.formatting`: the terminal table (aligned by display width), JSON and CSV.

Where a tidy ``indicator`` value and a value computed from measures exist for the same region,
indicator and year, the tidy value wins (an office supplied it deliberately); ``value_source``
records which one was used. Sub-year values: a stock or rate at a month end is that month's value;
a year-to-date flow is a partial year, used only by ``period_total`` (added to the full years) and
never by ``annual_flow`` or by ``level`` targets on flow indicators.
"""

from __future__ import annotations

from etl.progress.refresh import PROGRESS_COLUMNS, compute_progress, evaluate_plan, refresh_marts

__all__ = ["PROGRESS_COLUMNS", "compute_progress", "evaluate_plan", "refresh_marts"]
