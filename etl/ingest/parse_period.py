"""The reporting period of an export, from its title lines and its file name.

Recognised wordings (full-width digits folded, spaces ignored), strongest first::

    2024年1-6月 2024年1—6月 2024年1至6月 2024年前三季度 2024年1-3季度   year to date -> month (or quarter)
    2024年第二季度 2024年二季度 2024年第2季度 2024Q2 2024-Q2           quarter (year to date)
    2024年上半年 2024年下半年 2024H1 2024-H2                           half
    2024年6月 2024-06 2024.06 2024_06 202406                           month (year to date)
    2024年度 2024年全年 2024年年报                                      year
    2024年 2024 (alone)                                                 year, *weak*

A weak year (a bare ``2024年``) agrees with any period of that year found in the other source.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from etl.ingest.parse_values import squash

_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12, "两": 2}
_YEAR = r"(?<!\d)(20\d{2}|19\d{2})"
_NUM = r"(\d{1,2}|十[一二]?|[一二三四五六七八九])"

_DATES = re.compile(r"(?:19|20)\d{2}(?:年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2}(?!\d))")
_YEAR_RANGE = re.compile(_YEAR + r"年?[-—–~～至到](20\d{2}|19\d{2})年?")
_YTD_MONTHS = re.compile(_YEAR + r"年度?(?:1|一|01)月?(?:份)?[-—–~～至到]" + _NUM + r"月")
_YTD_QUARTERS = re.compile(
    _YEAR + r"年度?(?:前([一二三四1-4])个?季度|(?:第)?(?:1|一)[-—–~～至到](?:第)?([一二三四1-4])季度)"
)
_QUARTER = re.compile(_YEAR + r"年度?第?([一二三四1-4])季度?|" + _YEAR + r"[-_. ]?[Qq]([1-4])(?![0-9])")
_HALF = re.compile(_YEAR + r"年度?([上下])半年|" + _YEAR + r"[-_. ]?[Hh]([12])(?![0-9])")
_MONTH_CN = re.compile(_YEAR + r"年" + _NUM + r"月")
_MONTH_ASCII = re.compile(_YEAR + r"(?:[-_.](0?[1-9]|1[0-2])|(0[1-9]|1[0-2]))(?!\d)")
_YEAR_STRONG = re.compile(_YEAR + r"(?:年度|年?全年|年年报|年年度|[-_ ]?annual)")
_YEAR_WEAK = re.compile(_YEAR + r"(?:年|(?!\d))")


@dataclass(frozen=True)
class Period:
    """A reporting period: ``period_type`` month|quarter|half|year, ``cumulative`` when the flows it
    labels run from 1 January (year to date); ``weak`` for a bare year."""

    year: int
    period_type: str
    end_month: int
    cumulative: bool
    text: str
    weak: bool = False

    @property
    def period_end(self) -> date:
        return date(self.year, self.end_month, calendar.monthrange(self.year, self.end_month)[1])

    @property
    def period_start(self) -> date:
        if self.cumulative:
            return date(self.year, 1, 1)
        start_month = {"month": self.end_month, "quarter": self.end_month - 2, "half": self.end_month - 5,
                       "year": 1}[self.period_type]
        return date(self.year, start_month, 1)

    @property
    def closes_year(self) -> bool:
        """True when the flows of the period add up to the whole year (1-12月, Q4 to date, 年度)."""
        return self.end_month == 12 and self.period_start == date(self.year, 1, 1)

    def span(self) -> tuple[date, date]:
        return (self.period_start, self.period_end)

    def describe(self) -> str:
        return f"{self.text!r} ({self.period_type} ending {self.period_end.isoformat()})"


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _CN_NUM[token]


def find_period(text: str) -> Period | None:
    """The first period named in ``text`` (a title line or a file name), or None."""
    s = squash(text)
    if not s:
        return None
    s = _DATES.sub(" ", s)
    s = _YEAR_RANGE.sub(" ", s)
    m = _YTD_MONTHS.search(s)
    if m:
        month = _number(m.group(2))
        if 1 <= month <= 12:
            return Period(int(m.group(1)), "month", month, True, m.group(0))
    m = _YTD_QUARTERS.search(s)
    if m:
        quarter = _number(m.group(2) or m.group(3))
        return Period(int(m.group(1)), "quarter", quarter * 3, True, m.group(0))
    m = _QUARTER.search(s)
    if m:
        year, quarter = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return Period(int(year), "quarter", _number(quarter) * 3, True, m.group(0))
    m = _HALF.search(s)
    if m:
        if m.group(1):
            year, first = m.group(1), m.group(2) == "上"
        else:
            year, first = m.group(3), m.group(4) == "1"
        # 上半年 is also the year to date; 下半年 is July-December only
        return Period(int(year), "half", 6 if first else 12, first, m.group(0))
    m = _MONTH_CN.search(s)
    if m:
        month = _number(m.group(2))
        if 1 <= month <= 12:
            return Period(int(m.group(1)), "month", month, True, m.group(0))
    m = _YEAR_STRONG.search(s)
    if m:
        return Period(int(m.group(1)), "year", 12, True, m.group(0))
    m = _MONTH_ASCII.search(s)
    if m:
        month = int(m.group(2) or m.group(3))
        return Period(int(m.group(1)), "month", month, True, m.group(0))
    m = _YEAR_WEAK.search(s)
    if m:
        return Period(int(m.group(1)), "year", 12, True, m.group(0), weak=True)
    return None


def agree(first: Period, second: Period) -> bool:
    """Two statements of a file's period agree when they cover the same span (a weak bare year
    agrees with any period of its year)."""
    if first.weak or second.weak:
        return first.year == second.year
    return first.span() == second.span()


def pick(first: Period, second: Period) -> Period:
    """The more informative of two agreeing periods (the first unless it is a weak year)."""
    if first.weak and not second.weak:
        return second
    return first
