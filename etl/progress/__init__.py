"""Plan monitoring: indicator values and progress against every plan target.

- :mod:`etl.progress.compute`: the spec's arithmetic (completion, elapsed share, status,
  projection, yearly path, verdict) for one target; pure, no database.
- :mod:`etl.progress.indicators`: indicator values from measures, ratios and tidy values (SQL in
  ``sql/staging`` and ``sql/marts``).
- :mod:`etl.progress.refresh`: :func:`refresh_marts` (``mart_indicator_values``, ``mart_progress``)
  and :func:`evaluate_plan`.
- :mod:`etl.progress.settings`: the status thresholds (0.95 / 0.6 by default) as configuration.
"""

from __future__ import annotations

from etl.progress.refresh import PROGRESS_COLUMNS, compute_progress, evaluate_plan, refresh_marts

__all__ = ["PROGRESS_COLUMNS", "compute_progress", "evaluate_plan", "refresh_marts"]
