"""Plan-monitoring reports: monthly briefs, quarterly reports and annual evaluations per plan,
rendered to HTML, PDF and XLSX, archived with their inputs' fingerprint, and delivered by e-mail.

- :mod:`etl.reports.inputs`: the canonical input bundle (mart rows, series, data quality) and its hash
- :mod:`etl.reports.context`, :mod:`etl.reports.narrative`: what the templates print
- :mod:`etl.reports.charts`: one matplotlib chart per indicator
- :mod:`etl.reports.render`: HTML (inline CSS), PDF (WeasyPrint), XLSX (XlsxWriter)
- :mod:`etl.reports.archive`: :func:`render_report`, the archive, :func:`verify_archived`
- :mod:`etl.reports.delivery`: :func:`deliver`, :func:`deliver_pending` (SMTP or outbox)
- :mod:`etl.reports.jobs`: every plan's due reports (the DAG's and the benchmark's entry point)
"""

from __future__ import annotations

from etl.reports.archive import RenderedReport, archived_report, render_report, verify_archived
from etl.reports.delivery import DeliveryFailed, DeliveryResult, deliver, deliver_pending
from etl.reports.periods import ReportPeriod, due_periods, parse_period

__all__ = [
    "DeliveryFailed", "DeliveryResult", "RenderedReport", "ReportPeriod", "archived_report", "deliver",
    "deliver_pending", "due_periods", "parse_period", "render_report", "verify_archived",
]
