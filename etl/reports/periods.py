"""Reporting periods: ``YYYY-MM`` (monthly brief), ``YYYY-Qn`` (quarterly report), ``YYYY``
(annual evaluation), and which of them are due on a given day."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

KINDS = ("monthly", "quarterly", "annual")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class BadPeriod(ValueError):
    """A period string that is none of YYYY-MM, YYYY-Qn, YYYY."""


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class ReportPeriod:
    """A closed reporting period; ``as_of`` is its last month end, the mart's evaluation date."""

    label: str          # canonical text: 2024-06 | 2024-Q2 | 2024
    kind: str           # monthly | quarterly | annual
    year: int
    start: date
    end: date

    @property
    def as_of(self) -> date:
        return self.end

    def title(self, lang: str = "zh") -> str:
        """The period as printed: 2024年6月 / 2024年第二季度 / 2024年度."""
        if lang == "en":
            if self.kind == "monthly":
                return self.end.strftime("%B %Y")
            if self.kind == "quarterly":
                return f"Q{(self.end.month - 1) // 3 + 1} {self.year}"
            return f"year {self.year}"
        if self.kind == "monthly":
            return f"{self.year}年{self.end.month}月"
        if self.kind == "quarterly":
            return f"{self.year}年第{'一二三四'[(self.end.month - 1) // 3]}季度"
        return f"{self.year}年度"


def parse_period(text: str) -> ReportPeriod:
    """Parse ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``; raises BadPeriod naming the value."""
    value = (text or "").strip()
    if match := _MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise BadPeriod(f"period {text!r}: month must be 01-12")
        return ReportPeriod(f"{year}-{month:02d}", "monthly", year, date(year, month, 1), month_end(year, month))
    if match := _QUARTER.match(value):
        year, quarter = int(match[1]), int(match[2])
        first = 3 * quarter - 2
        return ReportPeriod(f"{year}-Q{quarter}", "quarterly", year, date(year, first, 1),
                            month_end(year, first + 2))
    if match := _YEAR.match(value):
        year = int(match[1])
        return ReportPeriod(str(year), "annual", year, date(year, 1, 1), date(year, 12, 31))
    raise BadPeriod(f"period {text!r}: expected YYYY-MM (monthly brief), YYYY-Qn (quarterly report) "
                    "or YYYY (annual evaluation)")


def due_periods(today: date) -> list[ReportPeriod]:
    """The periods whose reports are due on ``today``: the previous month always; the previous
    quarter when that month closed a quarter; the previous year when it closed a year."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    due = [parse_period(f"{year}-{month:02d}")]
    if month % 3 == 0:
        due.append(parse_period(f"{year}-Q{month // 3}"))
    if month == 12:
        due.append(parse_period(str(year)))
    return due
