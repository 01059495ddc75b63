"""Parse one statistics export (XLSX or CSV) into normalised observations.

``parse_file(path, original_name=None) -> ParsedFile``; whole-file faults raise
:class:`FileQuarantined` (``.reason``); bad cells and rows become :class:`Rejection` entries whose
reason names the file, the 1-based row, the column and the raw value. Nothing is guessed.

Supported layouts (one parser per layout family, not per file)
==============================================================

Files
-----
* ``.xlsx`` / ``.xlsm`` (recognised by content: a zip archive): the first visible non-empty
  sheet. Merged cells are read (the top-left value fills the range). Numbers stored as numbers;
  cells formatted as percentages (0.125 shown as 12.5%) are read as 12.5.
* ``.csv`` / ``.txt`` / anything else that is not a zip: text in UTF-8 (with or without BOM),
  GB18030/GBK/GB2312 or UTF-16 (Excel's "Unicode text"), detected, never declared (UTF-16 by
  its BOM or its zero bytes, then strict UTF-8, then GB18030, then charset-normalizer); comma,
  tab or semicolon separated (detected). Quote numbers that contain a thousands separator.
* Legacy ``.xls`` (BIFF) is quarantined: save it as ``.xlsx``.

Wide family (patent, trademark, pledge, case, reference) -- layout ``wide_1row_header`` /
``wide_2row_header`` / ``wide_3row_header`` (``wide_year_…`` with a year column)::

    2024年1-6月全省各地市专利授权状况统计表   <- 0-3 title lines (more are tolerated)
    单位：件                                  <- optional unit line
    地区 | 发明专利        | 外观设计专利 | 有效发明专利量（件）   <- header row 1
         | 申请量 | 授权量 | 授权量       |                        <- optional header row 2
    单位 | 件     | 件     | 件           |                        <- optional unit row
    全省 | 3512   | 1,234* | ——           | 12,345
    广州 | ３５１２ | 暂无   | 27.8         | 6789                  <- data rows, blank rows ok
    注：… / 数据来源：… / 说明：…                                 <- footnotes end the table

* The header row is the first of the first 15 rows with a region header word (``地区``,
  ``地市``, ``城市``, ``区域``, ``县（市、区）``, ``单位`` …, see ``header_aliases.yaml``), or else
  with a cell naming a known measure; the region column is then the column of mostly known
  region names. No region column -> quarantined.
* Header rows 2 and 3 exist when the next row has no region name and holds text (not numbers);
  a third row usually splits ``当月 | 累计``. Blank group cells of a CSV take the group to
  their left. Column header = group + sub-header: ``发明专利``+``申请量`` -> 发明专利申请量; also
  sub-header + group (``专利授权量`` over ``发明``/``实用新型``/``外观设计``/``合计``), and the
  sub-header alone when nothing longer matches (``项目数``). Header names map to measures
  through the catalog's aliases (``etl/catalog/measures.yaml``) plus ``header_aliases.yaml``.
  No column maps to a measure -> quarantined (unknown header layout).
* Units: header suffix ``金额（亿元）`` / ``（件）`` / ``率（%）`` / ``率%`` first, then the unit row
  (``单位 | 件 | 万元 | -``), then the title line ``单位：万元`` or ``单位：件、万元`` (a title unit
  applies only to the columns of its kind of unit). Values are converted
  to the measure's canonical unit (元/万元/亿元 -> 万元, 万件 -> 件, 人 -> 万人). Counts (件, 项)
  and rates (%) without any stated unit are taken in the canonical unit; money, population and
  market entities without a stated unit, and any unknown unit (``万美元``), reject the values.
* Column markers: ``当月``/``本月`` -> single-month flows (basis ``period``, period_type month),
  ``当季``/``本季`` -> single-quarter flows; ``累计``/``本年累计``/``1-6月`` -> year to date (the
  default). Comparison columns (``同比``, ``增长``, ``上年同期``, ``排名``, ``占比``, ``序号``) and
  columns for another year than the file's are skipped (listed in ``ParsedFile.notes``). Two
  columns for the same measure: the more exact header match wins; a tie rejects both.
* Regions: names through the catalog (with or without 市/区/县; ``其中：``, list numbering and a
  trailing note such as ``（含深汕特别合作区）`` dropped). ``合计``/``总计``/``全市`` in a table of
  the districts of one city name that city; otherwise ``合计``/``全省`` name the province.
  Unknown name -> the row is rejected. A region twice in a file -> all of its rows are
  rejected (none is loaded).
* A ``年份`` column (wide_year layout): one row per region and year, annual values.

Tidy family (kind ``indicator``) -- layout ``tidy_indicator``: a header row with
``region, indicator, year, value, unit`` (or ``地区, 指标, 年份, 数值, 单位``), title lines
allowed above. Indicator names as printed in plan tables (catalog ``indicator_lookup``) or
codes; the unit must be given and is converted to the indicator's catalog unit.

Periods: from the title lines and the file name (``etl/ingest/parse_period.py``)
---------------------------------------------------------------------------------
``2024年1-6月`` (month, year to date), ``2024年6月`` / ``2024-06`` / ``202406`` (month, year to
date), ``2024年第二季度`` / ``2024Q2`` / ``2024年前三季度`` (quarter, year to date),
``2024年上半年`` / ``2024H1`` (half, Jan-Jun), ``2024年下半年`` / ``2024H2`` (half, Jul-Dec only),
``2024年度`` / ``2024年全年`` (year), ``2024年`` / ``2024`` alone (year, weak: agrees with any
period of 2024 stated elsewhere). Title and file name must agree when both state a period
(same span), else the file is quarantined; no period anywhere -> quarantined (header texts
are the last resort). File-name examples: ``广东省专利统计_2024年1-6月.xlsx``,
``2024年第二季度商标统计.csv``, ``patent_2024-06.csv``, ``pledge_2024H1.xlsx``,
``cases_2024年度.xlsx``, ``population_2024.csv``.

Observations: flows are ``ytd`` in month/quarter/上半年 files, ``period`` for 当月/当季 columns,
下半年 files and year files; stocks ``stock``; rates ``rate``. A file whose period closes a year
(1-12月, 第四季度 to date, 年度) also yields ``period_type=year`` rows (flows ``period``,
stocks ``stock``, rates ``rate``); any file ending in December yields the year's stock rows.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from etl import catalog, units
from etl.ingest import layouts
from etl.ingest.layouts import Column, LayoutError, TidyLayout, WideLayout
from etl.ingest.parse_period import Period, agree, find_period, pick
from etl.ingest.parse_readers import Cell, Grid, UnreadableFile, read_csv, read_xlsx
from etl.ingest.parse_values import fold, is_missing, parse_number, squash, vocabulary

__all__ = ["FileQuarantined", "ParsedFile", "Rejection", "parse_file", "OBSERVATION_COLUMNS",
           "INDICATOR_VALUE_COLUMNS"]

OBSERVATION_COLUMNS = ("region_code", "measure_code", "period_end", "period_type", "basis", "value", "unit",
                       "source_row", "source_column")
INDICATOR_VALUE_COLUMNS = ("region_code", "indicator_code", "year", "value", "unit", "source_row")
_KIND_WORDS = {
    "patent": ("专利",),
    "trademark": ("商标",),
    "pledge": ("质押",),
    "case": ("案件", "执法", "维权", "审结", "诉"),
    "reference": ("人口", "市场主体"),
}
_YEAR_CELL = re.compile(r"((?:19|20)\d{2})(?:\.0+)?(?:年度?)?")


@dataclass(frozen=True)
class Rejection:
    """One value or row that is not loaded, and why (the reason names file, row, column and value)."""

    row_no: int | None
    column_name: str | None
    raw_value: str | None
    reason: str


class FileQuarantined(Exception):
    """A whole-file fault: nothing of the file loads; ``reason`` says why."""

    def __init__(self, reason: str, source_file: str | None = None) -> None:
        self.reason = reason
        self.source_file = source_file
        super().__init__(f"{source_file}: {reason}" if source_file else reason)


@dataclass
class ParsedFile:
    source_file: str
    source_kind: str
    layout: str
    period_type: str
    period_start: date
    period_end: date
    observations: pd.DataFrame
    indicator_values: pd.DataFrame
    rejections: list[Rejection]
    rows_read: int = 0                      # data rows with a known region (or tidy rows) seen
    notes: list[str] = field(default_factory=list)   # skipped columns/lines, for the batch log
    title: str = ""
    encoding: str | None = None             # CSV: the detected encoding
    sheet: str | None = None                # XLSX: the sheet read


# ----------------------------------------------------------------------------- entry point


def parse_file(path: Path | str, original_name: str | None = None) -> ParsedFile:
    """Parse one export. ``original_name`` is the name as received (the archive copy is named by
    hash); its file name carries the period and the kind of file."""
    path = Path(path)
    name = Path(original_name).name if original_name else path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileQuarantined(f"unreadable file: {exc}", name) from exc
    if not data.strip(b" \t\r\n\x00") or data.strip(b" \t\r\n\x00") == b"\xef\xbb\xbf":
        raise FileQuarantined("empty file", name)
    try:
        grid = _read_grid(data, name)
    except UnreadableFile as exc:
        raise FileQuarantined(str(exc), name) from exc
    rows = grid.rows
    while rows and layouts.is_blank(rows[-1]):
        rows.pop()
    if not rows:
        raise FileQuarantined("empty file: no cells with content", name)
    try:
        tidy = layouts.find_tidy_layout(rows)
        if tidy is not None:
            parsed = _parse_tidy(name, grid, tidy)
        else:
            parsed = _parse_wide(name, grid, layouts.find_wide_layout(rows))
    except LayoutError as exc:
        raise FileQuarantined(str(exc), name) from exc
    parsed.rejections.sort(key=lambda r: r.row_no or 0)  # stable: columns stay in order within a row
    parsed.notes = grid.notes + parsed.notes
    parsed.encoding = grid.encoding
    parsed.sheet = grid.sheet
    return parsed


def _read_grid(data: bytes, name: str) -> Grid:
    suffix = Path(name).suffix.lower()
    if data[:4] == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile("legacy .xls (BIFF) workbook: not supported, save it as .xlsx")
    return read_csv(data)


# ----------------------------------------------------------------------------- helpers


def _raw_text(raw: Cell) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    return str(raw)


def _rejection(file: str, row_no: int | None, column: str | None, raw: Cell, why: str) -> Rejection:
    text = _raw_text(raw)
    return Rejection(row_no=row_no, column_name=column, raw_value=text,
                     reason=f"{file}: row {row_no}, column '{column}', value '{text}': {why}")


def _unknown_region(raw: Cell) -> str:
    return f"unknown region name '{layouts.display_text(raw)}'; the row is not loaded"


def _cell(row: list[Cell], j: int) -> Cell:
    return row[j] if j < len(row) else None


def _file_period(name: str, title_lines: list[str], header_texts: list[str], required: bool) -> Period | None:
    """The period stated by the title lines and the file name, which must agree."""
    title_periods = [p for p in (find_period(line) for line in title_lines) if p is not None]
    strong = [p for p in title_periods if not p.weak]
    for other in strong[1:]:
        if not agree(strong[0], other):
            raise FileQuarantined(f"contradictory periods in the title lines: {strong[0].describe()} and "
                                  f"{other.describe()}", name)
    title_period = strong[0] if strong else (title_periods[0] if title_periods else None)
    name_period = find_period(Path(name).stem)
    if title_period and name_period:
        if not agree(title_period, name_period):
            raise FileQuarantined(f"period in the title {title_period.describe()} contradicts the period in "
                                  f"the file name {name_period.describe()}", name)
        return pick(title_period, name_period)
    period = title_period or name_period
    if period is None:
        for text in header_texts:
            period = find_period(text)
            if period:
                break
    if period is None and required:
        raise FileQuarantined("period missing: no period (such as 2024年1-6月, 2024年第二季度, 2024年度) in "
                              "the title lines or the file name", name)
    return period


def _source_kind(name: str, title: str, codes: list[str], notes: list[str]) -> str:
    measures = _measures()
    counts = Counter(measures[c].source_kind for c in codes)
    if len(counts) == 1:
        return next(iter(counts))
    words = title + " " + name
    hinted = [k for k in counts if any(w in words for w in _KIND_WORDS.get(k, ()))]
    kind = hinted[0] if len(hinted) == 1 else counts.most_common(1)[0][0]
    notes.append(f"measures of several source kinds ({', '.join(sorted(counts))}); file kind {kind}")
    return kind


_INT_COLUMNS = {"source_row", "year"}


@cache
def _measures() -> dict[str, catalog.Measure]:
    return catalog.measure_by_code()


@cache
def _regions() -> dict[str, catalog.Region]:
    return catalog.region_by_code()


@cache
def _empty_template(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="float64" if c == "value" else "int64" if c in _INT_COLUMNS
                                      else "object") for c in columns})


def _empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    return _empty_template(columns).copy()


def _frame(columns: tuple[str, ...], records: list[tuple]) -> pd.DataFrame:
    """A frame from row tuples with the contract's dtypes (float64 value, int64 rows and years),
    built column-wise: three times faster than ``DataFrame(records)`` plus ``astype``."""
    if not records:
        return _empty_frame(columns)
    count = len(records)
    data = {}
    for name, values in zip(columns, zip(*records, strict=True), strict=True):
        if name == "value":
            data[name] = np.fromiter(values, dtype="float64", count=count)
        elif name in _INT_COLUMNS:
            data[name] = np.fromiter(values, dtype="int64", count=count)
        else:
            data[name] = np.array(values, dtype=object)
    return pd.DataFrame(data, copy=False)


# ----------------------------------------------------------------------------- wide family


@dataclass
class _ColumnPlan:
    column: Column
    canonical_unit: str
    basis: str                    # measure basis: flow | stock | rate
    from_unit: str | None
    problem: str | None
    factor: float = 1.0           # from_unit -> canonical unit


def _plan_column(column: Column, notes: list[str]) -> _ColumnPlan:
    measure = _measures()[column.measure_code]
    canonical = measure.canonical_unit
    plan = _ColumnPlan(column, canonical, measure.basis, None, column.problem)
    if plan.problem:
        return plan
    if column.unit and column.unit_source == "title":
        # a table-wide unit applies to the columns of its kind of unit only
        candidates = layouts.split_units(column.unit)
        known = [units.parse_unit(u) for u in candidates if units.is_known_unit(u)]
        family = units.parse_unit(canonical).family
        matching = [u for u in known if u.family == family]
        if matching:
            plan.from_unit = matching[0].base
            plan.factor = units.convert(1.0, matching[0].base, canonical)
            return plan
        if len(known) < len(candidates):
            plan.problem = f"unknown unit {column.unit!r} (from the title); values are not assumed"
            return plan
    elif column.unit:
        try:
            stated = units.parse_unit(column.unit)
        except units.UnknownUnit:
            plan.problem = f"unknown unit {column.unit!r} (from the {column.unit_source}); values are not assumed"
            return plan
        if stated.family != units.parse_unit(canonical).family:
            plan.problem = (f"unit {column.unit!r} (from the {column.unit_source}) cannot be converted to "
                            f"{canonical}, the unit of {column.measure_code}")
            return plan
        plan.from_unit = stated.base
        plan.factor = units.convert(1.0, stated.base, canonical)
        return plan
    implicit = {squash(u) for u in vocabulary().get("implicit_units") or []}
    if canonical in implicit:
        plan.from_unit = canonical
        if not column.unit:
            notes.append(f"column {column.header!r}: no unit stated, counted in {canonical}")
        return plan
    plan.problem = (f"no unit stated for {column.measure_code} (canonical {canonical}); a value whose unit "
                    "cannot be determined is not assumed")
    return plan


def _targets(plan: _ColumnPlan, period: Period) -> list[tuple[str, str]]:
    """(period_type, basis) of the observations one cell of the column yields."""
    single = plan.column.single_period
    if plan.basis == "stock":
        out = [(period.period_type, "stock")]
        if period.end_month == 12 and period.period_type != "year":
            out.append(("year", "stock"))
        return out
    if plan.basis == "rate":
        if single:
            return [(single, "rate")]
        out = [(period.period_type, "rate")]
        if period.closes_year and period.period_type != "year":
            out.append(("year", "rate"))
        return out
    if single:
        return [(single, "period")]
    if period.period_type == "year":
        return [("year", "period")]
    if not period.cumulative:
        return [(period.period_type, "period")]
    out = [(period.period_type, "ytd")]
    if period.closes_year:
        out.append(("year", "period"))
    return out


@dataclass
class _Entry:
    row_no: int
    name: str
    code: str | None
    year: int | None
    row: list[Cell]


def _resolve_context_totals(entries: list[_Entry], pending: list[_Entry]) -> dict[int, str | None]:
    """Codes for 合计/总计/全市 rows: the city when every other row is one of its districts (or
    the city itself)."""
    by_code = _regions()
    codes = {e.code for e in entries if e.code}
    children = {c for c in codes if by_code[c].level in ("district", "county", "zone")}
    parents = {by_code[c].parent_code for c in children}
    city = None
    if len(parents) == 1 and codes - children <= parents:
        city = next(iter(parents))
    return {id(e): city or catalog.resolve_region(e.name) for e in pending}


def _parse_wide(name: str, grid: Grid, layout: WideLayout) -> ParsedFile:
    rows = grid.rows
    notes = list(layout.notes)
    header_texts = [" ".join(layouts.distinct_values(rows[i])) for i in layout.header_rows]
    period = _file_period(name, layout.title_lines, header_texts, required=layout.year_col is None)
    kept: list[Column] = []
    for column in layout.columns:
        years = layouts.column_years(column)
        if period is not None and years and any(y != period.year for y in years):
            notes.append(f"column {column.header!r} skipped: it is for {years[0]}, the file is for {period.year}")
            continue
        kept.append(column)
    layouts.reject_duplicate_measures(kept)
    plans = [_plan_column(column, notes) for column in kept]
    if not plans:
        raise FileQuarantined("unknown header layout: no column holds a measure of the file's period", name)
    region_header = layout.region_header
    context_names = {squash(n) for n in vocabulary().get("context_total_names") or []}
    rejections: list[Rejection] = []
    entries: list[_Entry] = []
    pending_totals: list[_Entry] = []
    value_cols = [p.column.index for p in plans]
    for i in range(layout.data_start, len(rows)):
        row = rows[i]
        row_no = i + 1
        if layouts.is_blank(row):
            continue
        if layouts.is_footnote(row):
            notes.append(f"table ends at row {row_no} (footnote {fold(layouts.distinct_values(row)[0])[:40]!r})")
            break
        region_raw = _cell(row, layout.region_col)
        has_values = any(not is_missing(_cell(row, j)) for j in value_cols)
        key = layouts.region_key(region_raw) if region_raw is not None else ""
        if not key:
            if has_values:
                rejections.append(_rejection(name, row_no, region_header, region_raw,
                                             "no region name; the row is not loaded"))
            continue
        year = None
        if layout.year_col is not None:
            year_raw = _cell(row, layout.year_col)
            m = _YEAR_CELL.fullmatch(squash(_raw_text(year_raw)))
            if not m:
                year_header = layouts.display_text(_cell(rows[layout.header_rows[0]], layout.year_col))
                rejections.append(_rejection(name, row_no, year_header, year_raw, "not a year; the row is not loaded"))
                continue
            year = int(m.group(1))
        if key in context_names:
            entry = _Entry(row_no, key, None, year, row)
            pending_totals.append(entry)
            entries.append(entry)
            continue
        code = layouts.resolve_region_name(key)
        if code is None:
            if len(layouts.distinct_values(row)) == 1 or not has_values:
                notes.append(f"row {row_no}: line {fold(region_raw)[:40]!r} skipped (no values, not a region)")
            else:
                rejections.append(_rejection(name, row_no, region_header, region_raw, _unknown_region(region_raw)))
            continue
        entries.append(_Entry(row_no, key, code, year, row))
    if not entries:
        raise FileQuarantined(f"no data rows: no row under the header names a known region "
                              f"(header at row {layout.header_rows[0] + 1})", name)
    if pending_totals:
        resolved = _resolve_context_totals([e for e in entries if e.code], pending_totals)
        for entry in pending_totals:
            entry.code = resolved[id(entry)]
            if entry.code is None:
                rejections.append(_rejection(name, entry.row_no, region_header, _cell(entry.row, layout.region_col),
                                             f"total row {entry.name!r} names no region here (not a table of "
                                             "one city's districts); the row is not loaded"))
        entries = [e for e in entries if e.code]
    entries = _drop_duplicates(name, entries, layout, rejections)

    if layout.year_col is not None:
        years = sorted({e.year for e in entries if e.year is not None}) or ([period.year] if period else [])
        if not years:
            raise FileQuarantined("period missing: no valid year in the year column", name)
        file_period = Period(years[-1], "year", 12, True, "year column")
        period_start, period_end = date(years[0], 1, 1), date(years[-1], 12, 31)
    else:
        assert period is not None
        file_period = period
        period_start, period_end = period.period_start, period.period_end

    records: list[tuple] = []
    targets_by_year: dict[int | None, list[list[tuple[str, str]]]] = {}
    for entry in entries:
        row_period = file_period if entry.year is None else Period(entry.year, "year", 12, True, str(entry.year))
        targets = targets_by_year.get(entry.year)
        if targets is None:
            targets = targets_by_year[entry.year] = [_targets(p, row_period) for p in plans]
        end = row_period.period_end
        for plan, column_targets in zip(plans, targets, strict=True):
            column = plan.column
            raw = _cell(entry.row, column.index)
            if plan.problem:
                if not is_missing(raw):
                    rejections.append(_rejection(name, entry.row_no, column.header, raw, plan.problem))
                continue
            parsed = parse_number(raw)
            if parsed.error:
                rejections.append(_rejection(name, entry.row_no, column.header, raw, parsed.error))
                continue
            if parsed.value is None:
                continue
            if parsed.percent and plan.canonical_unit != "%":
                rejections.append(_rejection(name, entry.row_no, column.header, raw,
                                             f"a percentage in a column of {plan.canonical_unit}"))
                continue
            value = parsed.value
            if plan.factor != 1.0:
                value = float(f"{value * plan.factor:.12g}")  # as units.convert: no binary noise
            for period_type, basis in column_targets:
                records.append((entry.code, column.measure_code, end, period_type, basis, value,
                                plan.canonical_unit, entry.row_no, column.header))
    observations = _frame(OBSERVATION_COLUMNS, records)
    title = " | ".join(layout.title_lines)
    kind = _source_kind(name, title, [p.column.measure_code for p in plans], notes)
    return ParsedFile(
        source_file=name, source_kind=kind, layout=layout.name,
        period_type=file_period.period_type, period_start=period_start, period_end=period_end,
        observations=observations, indicator_values=_empty_frame(INDICATOR_VALUE_COLUMNS),
        rejections=rejections, rows_read=len(entries), notes=notes, title=title,
    )


def _drop_duplicates(name: str, entries: list[_Entry], layout: WideLayout,
                     rejections: list[Rejection]) -> list[_Entry]:
    """A region twice (per year) in one file: none of its rows is loaded, each is rejected."""
    groups: dict[tuple[str, int | None], list[_Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.code, entry.year), []).append(entry)
    kept = []
    for (code, year), group in groups.items():
        if len(group) == 1:
            kept.append(group[0])
            continue
        where = ", ".join(str(e.row_no) for e in group)
        for entry in group:
            rejections.append(_rejection(
                name, entry.row_no, layout.region_header, _cell(entry.row, layout.region_col),
                f"region {code}{'' if year is None else f' ({year})'} appears {len(group)} times in the file "
                f"(rows {where}); none of these rows is loaded"))
    kept.sort(key=lambda e: e.row_no)
    return kept


# ----------------------------------------------------------------------------- tidy family


_TRAILING_PARENTHETICAL = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


def _resolve_indicator(raw: Cell) -> str | None:
    """An indicator as printed in a plan table (or its code); a trailing ``（件）`` may be dropped."""
    if raw is None:
        return None
    code = catalog.resolve_indicator(raw)
    if code is None and isinstance(raw, str) and _TRAILING_PARENTHETICAL.search(raw):
        code = catalog.resolve_indicator(_TRAILING_PARENTHETICAL.sub("", raw))
    return code


def _parse_tidy(name: str, grid: Grid, layout: TidyLayout) -> ParsedFile:
    rows = grid.rows
    cols = layout.columns
    headers = layout.headers
    notes: list[str] = []
    fallback_year = None
    if "year" not in cols:
        period = _file_period(name, layout.title_lines, [], required=False)
        if period is None:
            raise FileQuarantined("period missing: the tidy table has no year column and neither title nor file "
                                  "name states a year", name)
        fallback_year = period.year
        notes.append(f"no year column: every row is for {fallback_year} (from the title or file name)")
    indicators = catalog.indicator_by_code()
    rejections: list[Rejection] = []
    candidates: list[tuple[int, str, str, int, float, str]] = []
    years_seen: list[int] = []
    rows_read = 0

    def get(row: list[Cell], role: str) -> Cell:
        return _cell(row, cols[role]) if role in cols else None

    for i in range(layout.header_row + 1, len(rows)):
        row = rows[i]
        row_no = i + 1
        if layouts.is_blank(row):
            continue
        if layouts.is_footnote(row):
            notes.append(f"table ends at row {row_no} (footnote)")
            break
        rows_read += 1
        region_raw, indicator_raw, value_raw = get(row, "region"), get(row, "indicator"), get(row, "value")
        if fallback_year is None:
            year_raw = get(row, "year")
            m = _YEAR_CELL.fullmatch(squash(_raw_text(year_raw)))
            if not m:
                rejections.append(_rejection(name, row_no, headers["year"], year_raw, "not a year"))
                continue
            year = int(m.group(1))
        else:
            year = fallback_year
        years_seen.append(year)
        code = layouts.resolve_region_name(region_raw) if region_raw is not None else None
        if code is None:
            rejections.append(_rejection(name, row_no, headers["region"], region_raw, _unknown_region(region_raw)))
            continue
        indicator_code = _resolve_indicator(indicator_raw)
        if indicator_code is None:
            rejections.append(_rejection(name, row_no, headers["indicator"], indicator_raw,
                                         "unknown indicator (not a name or alias in the indicator catalog)"))
            continue
        parsed = parse_number(value_raw)
        if parsed.error:
            rejections.append(_rejection(name, row_no, headers["value"], value_raw, parsed.error))
            continue
        if parsed.value is None:
            continue
        target_unit = indicators[indicator_code].unit
        unit_raw = get(row, "unit")
        row_unit = squash(unit_raw) if not is_missing(unit_raw) else ("%" if parsed.percent else None)
        if row_unit is None:
            rejections.append(_rejection(name, row_no, headers.get("unit", "unit"), unit_raw,
                                         f"no unit given for {indicator_code} (catalog unit {target_unit}); "
                                         "not assumed"))
            continue
        if parsed.percent and units.normalise_unit(row_unit) != "%":
            rejections.append(_rejection(name, row_no, headers["value"], value_raw,
                                         f"a percentage, but the unit column says {row_unit!r}"))
            continue
        value = parsed.value
        if units.normalise_unit(row_unit) != units.normalise_unit(target_unit):
            try:
                value = units.convert(value, row_unit, target_unit)
            except (units.UnknownUnit, units.IncompatibleUnits) as exc:
                rejections.append(_rejection(name, row_no, headers.get("unit", "unit"), unit_raw,
                                             f"unit cannot be converted to {target_unit!r}, the unit of "
                                             f"{indicator_code}: {exc}"))
                continue
        candidates.append((row_no, code, indicator_code, year, value, target_unit, region_raw))
    if rows_read == 0:
        raise FileQuarantined(f"no data rows under the tidy header (row {layout.header_row + 1})", name)
    if not years_seen:
        raise FileQuarantined("period missing: no row has a valid year", name)

    counts = Counter((c[1], c[2], c[3]) for c in candidates)
    records: list[tuple] = []
    for row_no, code, indicator_code, year, value, unit, region_raw in candidates:
        key = (code, indicator_code, year)
        if counts[key] > 1:
            where = ", ".join(str(c[0]) for c in candidates if (c[1], c[2], c[3]) == key)
            rejections.append(_rejection(name, row_no, headers["region"], region_raw,
                                         f"{indicator_code} for region {code} in {year} appears {counts[key]} "
                                         f"times (rows {where}); none of these rows is loaded"))
            continue
        records.append((code, indicator_code, year, value, unit, row_no))
    values = _frame(INDICATOR_VALUE_COLUMNS, records)
    return ParsedFile(
        source_file=name, source_kind="indicator", layout=layout.name, period_type="year",
        period_start=date(min(years_seen), 1, 1), period_end=date(max(years_seen), 12, 31),
        observations=_empty_frame(OBSERVATION_COLUMNS), indicator_values=values, rejections=rejections,
        rows_read=rows_read, notes=notes, title=" | ".join(layout.title_lines),
    )
