"""The reference and plan catalogs: regions, canonical measures, indicators and plans.

The data live in ``etl/catalog/`` as reviewable files (``regions.csv``, ``measures.yaml``,
``indicators.yaml``, ``plans/<plan_id>.yaml``); this module loads them into frozen dataclasses,
validates them, and writes them into the warehouse (``load_catalog_into_warehouse``).

Region names are normalised before lookup (:func:`normalise_name`): every space (also the
ideographic space U+3000) is removed and full-width ASCII is folded (``ＡＢ１`` -> ``AB1``).

``市本级`` (a city's own-level row, without its districts) is *not* an alias on its own: which city
it belongs to depends on the export, so :func:`resolve_region` returns ``None`` for a bare
``市本级``/``本级`` and the row is rejected with the name in the reason. Qualified spellings
(``惠州市本级``, ``惠州本级``) map to the city's code. Likewise ``高新区`` is not an alias of
肇庆高新区 (every city has one); only the qualified names are.

Plan files are validated when loaded; a fault raises :class:`CatalogError` naming the file,
the row (``target_id``/``row_no``) and the problem.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from calendar import monthrange
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from etl import units
from etl.config import CATALOG_DIR

__all__ = [
    "CatalogError",
    "Region",
    "Measure",
    "Indicator",
    "Plan",
    "PlanTarget",
    "normalise_name",
    "load_regions",
    "region_lookup",
    "resolve_region",
    "load_measures",
    "measure_lookup",
    "resolve_measure",
    "load_indicators",
    "indicator_lookup",
    "resolve_indicator",
    "load_plans",
    "load_plan",
    "load_plan_file",
    "plan_targets_frame",
    "period_rows",
    "parse_raw_number",
    "load_catalog_into_warehouse",
    "CATEGORIES",
    "TARGET_KINDS",
]

CATEGORIES = ("创造", "运用", "保护", "管理", "服务")
TARGET_KINDS = ("level", "period_total", "annual_flow", "avg_growth", "none")
COMPARATORS = (">=", "=")
ATTRIBUTES = ("预期性", "约束性")
METHODS = ("measure", "derived", "tidy")
AGGREGATIONS = ("stock", "annual_flow", "rate", "growth")
DENOMINATORS = ("population", "market_entities")
LEVELS = ("province", "city", "district", "county", "zone")
PERIOD_YEARS = (2010, 2035)
# Cells that mean "no value": empty, dashes, slashes, ellipsis, 暂无.
_MISSING = re.compile(r"^[\s\-－—–―_/／…\.·]*$|^暂无$")
_QUARTERS_ZH = ("一", "二", "三", "四")


class CatalogError(ValueError):
    """A fault in a catalog file; the message names the file, the row and the problem."""

    def __init__(self, path: Path | str, problem: str, row: str | None = None) -> None:
        where = f"{Path(path).name}" + (f", {row}" if row else "")
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.row = row
        self.problem = problem


# ----------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Region:
    region_code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measure:
    measure_code: str
    name_zh: str
    source_kind: str
    basis: str
    canonical_unit: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    indicator_code: str
    name_zh: str
    name_en: str
    unit: str
    category: str
    direction: str
    method: str                      # measure | derived | tidy
    measure_code: str | None         # the numerator (derived), the measure (measure), what grows (growth)
    denominator: str | None          # population (per 10,000 people) | market_entities (per 10,000 entities)
    aggregation: str | None          # stock | annual_flow | rate | growth
    aliases: tuple[str, ...] = ()
    growth_of: str | None = None     # growth indicators: what grows, in words
    note: str | None = None


@dataclass(frozen=True)
class PlanTarget:
    plan_id: str
    target_id: str
    indicator_code: str
    indicator_name_zh: str
    unit: str
    source: str                      # table | text
    source_ref: str
    row_no: int | None
    category: str
    base_year: int | None
    base_raw: str | None
    base_value: float | None
    target_year: int | None
    target_raw: str | None
    target_value: float | None
    target_kind: str
    comparator: str
    attribute: str | None
    completion_raw: str | None
    completion_value: float | None
    note: str | None
    note_zh: str | None = None       # the note in Chinese (zh reports); required when note is set


@dataclass(frozen=True)
class Plan:
    plan_id: str
    name_zh: str
    name_en: str
    region_code: str
    seed: str
    source_table: str
    base_year: int | None
    target_year: int | None
    catalog_hash: str
    path: str
    lost_decimal_points: bool = False
    targets: tuple[PlanTarget, ...] = field(default=())

    def target(self, target_id: str) -> PlanTarget:
        for t in self.targets:
            if t.target_id == target_id:
                return t
        raise KeyError(f"{self.plan_id}: no target {target_id!r}")


PLAN_COLUMNS = ("plan_id", "name_zh", "name_en", "region_code", "seed", "source_table", "base_year",
                "target_year", "catalog_hash")
TARGET_COLUMNS = tuple(f.name for f in fields(PlanTarget))


# ----------------------------------------------------------------------------- names


def normalise_name(name: object) -> str:
    """Strip every space (ASCII, U+3000, NBSP…) and fold full-width ASCII to ASCII."""
    if name is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(name))
    return re.sub(r"\s+", "", folded)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise CatalogError(path, f"not valid YAML: {exc}") from exc


def _aliases(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(a.strip() for a in value.split("|") if a.strip())
    return tuple(str(a).strip() for a in value if str(a).strip())


# ----------------------------------------------------------------------------- regions


@cache
def load_regions(path: Path | None = None) -> tuple[Region, ...]:
    """The regions of ``regions.csv`` (province, 21 cities, districts/counties, 肇庆高新区)."""
    path = Path(path) if path else CATALOG_DIR / "regions.csv"
    regions: list[Region] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for line_no, row in enumerate(csv.DictReader(fh), start=2):
            code = (row.get("region_code") or "").strip()
            where = f"line {line_no}"
            if not re.fullmatch(r"\d{6}", code):
                raise CatalogError(path, f"region_code {code!r} is not six digits", where)
            if code in seen:
                raise CatalogError(path, f"duplicate region_code {code}", where)
            seen.add(code)
            level = (row.get("level") or "").strip()
            if level not in LEVELS:
                raise CatalogError(path, f"unknown level {level!r}", where)
            regions.append(Region(
                region_code=code,
                name_zh=row["name_zh"].strip(),
                name_en=row["name_en"].strip(),
                level=level,
                parent_code=(row.get("parent_code") or "").strip() or None,
                aliases=_aliases(row.get("aliases")),
            ))
    for r in regions:
        if r.parent_code and r.parent_code not in seen:
            raise CatalogError(path, f"parent_code {r.parent_code} of {r.region_code} is not a region")
    return tuple(regions)


@cache
def region_lookup() -> dict[str, str]:
    """Every known spelling (normalised) -> region code; codes themselves map to themselves."""
    return _spelling_lookup(CATALOG_DIR / "regions.csv",
                            ((r.region_code, (r.name_zh, *r.aliases)) for r in load_regions()))


def _spelling_lookup(path: Path, entries: Iterable[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """Normalised spelling -> code for (code, spellings) entries; the code spells itself. A spelling
    that would name two codes is a catalog fault, reported against ``path``."""
    lookup: dict[str, str] = {}
    for code, spellings in entries:
        for spelling in (code, *spellings):
            key = normalise_name(spelling)
            other = lookup.get(key)
            if other is not None and other != code:
                raise CatalogError(path, f"alias {spelling!r} names both {other} and {code}")
            lookup[key] = code
    return lookup


def resolve_region(name: object) -> str | None:
    """The region code for a name as printed in an export, or None when it names no known region."""
    key = normalise_name(name)
    if not key:
        return None
    return region_lookup().get(key)


def region_by_code() -> dict[str, Region]:
    return {r.region_code: r for r in load_regions()}


# ----------------------------------------------------------------------------- measures


@cache
def load_measures() -> tuple[Measure, ...]:
    path = CATALOG_DIR / "measures.yaml"
    data = _read_yaml(path) or {}
    measures: list[Measure] = []
    for i, item in enumerate(data.get("measures") or [], start=1):
        where = f"measure #{i} {item.get('measure_code')!r}"
        try:
            measure = Measure(
                measure_code=str(item["measure_code"]),
                name_zh=str(item["name_zh"]),
                source_kind=str(item["source_kind"]),
                basis=str(item["basis"]),
                canonical_unit=str(item["canonical_unit"]),
                aliases=_aliases(item.get("aliases")),
            )
        except KeyError as exc:
            raise CatalogError(path, f"missing field {exc.args[0]}", where) from exc
        if measure.basis not in ("flow", "stock", "rate"):
            raise CatalogError(path, f"unknown basis {measure.basis!r}", where)
        if not units.is_known_unit(measure.canonical_unit):
            raise CatalogError(path, f"unknown unit {measure.canonical_unit!r}", where)
        measures.append(measure)
    codes = [m.measure_code for m in measures]
    if len(set(codes)) != len(codes):
        raise CatalogError(path, "duplicate measure_code")
    return tuple(measures)


@cache
def measure_lookup() -> dict[str, str]:
    """Known spellings (normalised zh names, aliases and codes) -> measure code."""
    return _spelling_lookup(CATALOG_DIR / "measures.yaml",
                            ((m.measure_code, (m.name_zh, *m.aliases)) for m in load_measures()))


def resolve_measure(name: object) -> str | None:
    return measure_lookup().get(normalise_name(name))


def measure_by_code() -> dict[str, Measure]:
    return {m.measure_code: m for m in load_measures()}


# ----------------------------------------------------------------------------- indicators


@cache
def load_indicators() -> tuple[Indicator, ...]:
    path = CATALOG_DIR / "indicators.yaml"
    data = _read_yaml(path) or {}
    known_measures = {m.measure_code for m in load_measures()}
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for i, item in enumerate(data.get("indicators") or [], start=1):
        code = item.get("indicator_code")
        where = f"indicator #{i} {code!r}"
        try:
            ind = Indicator(
                indicator_code=str(code),
                name_zh=str(item["name_zh"]),
                name_en=str(item["name_en"]),
                unit=str(item["unit"]),
                category=str(item["category"]),
                direction=str(item.get("direction") or "increase"),
                method=str(item["method"]),
                measure_code=item.get("measure_code"),
                denominator=item.get("denominator"),
                aggregation=item.get("aggregation"),
                aliases=_aliases(item.get("aliases")),
                growth_of=item.get("growth_of"),
                note=item.get("note"),
            )
        except KeyError as exc:
            raise CatalogError(path, f"missing field {exc.args[0]}", where) from exc
        if not code or not re.fullmatch(r"[a-z][a-z0-9_]*", ind.indicator_code):
            raise CatalogError(path, f"bad indicator_code {code!r}", where)
        if ind.indicator_code in seen:
            raise CatalogError(path, f"duplicate indicator_code {code!r}", where)
        seen.add(ind.indicator_code)
        if not units.is_known_unit(ind.unit):
            raise CatalogError(path, f"unknown unit {ind.unit!r}", where)
        if ind.category not in CATEGORIES:
            raise CatalogError(path, f"unknown category {ind.category!r}", where)
        if ind.direction not in ("increase", "decrease"):
            raise CatalogError(path, f"unknown direction {ind.direction!r}", where)
        if ind.method not in METHODS:
            raise CatalogError(path, f"unknown method {ind.method!r}", where)
        if ind.aggregation is not None and ind.aggregation not in AGGREGATIONS:
            raise CatalogError(path, f"unknown aggregation {ind.aggregation!r}", where)
        if ind.method in ("measure", "derived") and ind.measure_code not in known_measures:
            raise CatalogError(path, f"method {ind.method} needs a known measure_code, got "
                                     f"{ind.measure_code!r}", where)
        if ind.measure_code is not None and ind.measure_code not in known_measures:
            raise CatalogError(path, f"unknown measure_code {ind.measure_code!r}", where)
        if ind.method == "derived" and ind.denominator not in DENOMINATORS:
            raise CatalogError(path, f"derived indicator needs denominator population|market_entities, "
                                     f"got {ind.denominator!r}", where)
        if ind.method != "derived" and ind.denominator is not None:
            raise CatalogError(path, "only derived indicators have a denominator", where)
        if ind.method in ("measure", "derived") and ind.aggregation is None:
            raise CatalogError(path, f"method {ind.method} needs an aggregation", where)
        indicators.append(ind)
    return tuple(indicators)


@cache
def indicator_lookup() -> dict[str, str]:
    """Printed names (normalised zh name and aliases) and codes -> indicator code."""
    return _spelling_lookup(CATALOG_DIR / "indicators.yaml",
                            ((i.indicator_code, (i.name_zh, *i.aliases)) for i in load_indicators()))


def resolve_indicator(name: object) -> str | None:
    return indicator_lookup().get(normalise_name(name))


def indicator_by_code() -> dict[str, Indicator]:
    return {i.indicator_code: i for i in load_indicators()}


# ----------------------------------------------------------------------------- raw cells


def is_missing_cell(raw: object) -> bool:
    """Empty, ``-``, ``——``, ``/``, ``…``, ``暂无``: a cell without a value."""
    if raw is None:
        return True
    return bool(_MISSING.match(normalise_name(raw)))


def parse_raw_number(raw: object, lost_decimal_points: bool = False) -> list[float]:
    """The numbers printed in a raw cell, after folding full-width characters.

    With ``lost_decimal_points`` (seed 002, whose PDF extraction dropped decimal points), a single
    space between two digit runs is read as the decimal point: ``'１３ ５'`` -> ``[13.5]``.
    Thousands separators (``1,234``) are removed.
    """
    if raw is None:
        return []
    text = unicodedata.normalize("NFKC", str(raw)).replace("\u3000", " ")
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    if lost_decimal_points:
        text = re.sub(r"(?<=\d) (?=\d)", ".", text)
    return [float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)]


def _brackets(raw: str) -> str | None:
    """'cumulative' for 〔〕 (累计数), 'period' for （）/() (规划期间新增数), else None."""
    text = unicodedata.normalize("NFKC", raw)
    if re.search(r"[〔［\[].*\d.*[〕］\]]", text):
        return "cumulative"
    if re.search(r"\(.*\d.*\)", text):
        return "period"
    return None


def _expected_kind(raw: str | None, unit: str, indicator: Indicator) -> str:
    """The target kind the notation implies (plan-monitoring.md, 'Reading a target cell')."""
    if is_missing_cell(raw):
        return "none"
    brackets = _brackets(str(raw))
    if brackets == "cumulative":
        return "level"
    if brackets == "period":
        return "period_total"
    if indicator.aggregation == "growth":
        return "avg_growth"
    if units.is_annual(unit):
        return "annual_flow"
    return "level"


# ----------------------------------------------------------------------------- plans


def _opt_int(value: object) -> int | None:
    if value is None or value == "":
        return None
    return int(value)  # type: ignore[arg-type]


def _opt_float(value: object) -> float | None:
    if value is None or value == "":
        return None
    return float(value)  # type: ignore[arg-type]


def _opt_str(value: object) -> str | None:
    if value is None:
        return None
    return str(value)


def _check_value(path: Path, where: str, name: str, raw: str | None, value: float | None,
                 source: str, lost_decimal_points: bool) -> None:
    """The parsed value must be what the raw cell prints."""
    if raw is None or is_missing_cell(raw):
        if value is not None:
            raise CatalogError(path, f"{name}_value {value} but {name}_raw {raw!r} prints no value", where)
        return
    numbers = parse_raw_number(raw, lost_decimal_points)
    if value is None:
        if source == "table" and numbers:
            raise CatalogError(path, f"{name}_raw {raw!r} prints a value but {name}_value is missing", where)
        return
    if source == "table":
        if len(numbers) != 1 or abs(numbers[0] - value) > 1e-9 * max(1.0, abs(value)):
            raise CatalogError(path, f"{name}_value {value:g} does not match {name}_raw {raw!r} "
                                     f"(reads {', '.join(f'{n:g}' for n in numbers) or 'no number'})", where)
    elif not any(abs(n - value) <= 1e-9 * max(1.0, abs(value)) for n in numbers):
        raise CatalogError(path, f"{name}_value {value:g} does not appear in {name}_raw {raw!r}", where)


def load_plan_file(path: Path | str) -> Plan:
    """Load and validate one plan file; raises :class:`CatalogError` on any fault.

    Parsed plans are cached by path and content hash, so repeated calls cost one file read.
    """
    path = Path(path)
    raw_bytes = path.read_bytes()
    return _load_plan_bytes(path, raw_bytes, hashlib.sha256(raw_bytes).hexdigest())


@cache
def _load_plan_bytes(path: Path, raw_bytes: bytes, digest: str) -> Plan:
    try:
        data = yaml.safe_load(raw_bytes.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CatalogError(path, f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(path, "a plan file must be a mapping with a header and 'targets'")
    for key in ("plan_id", "name_zh", "name_en", "region_code", "seed", "source_table", "targets"):
        if data.get(key) in (None, ""):
            raise CatalogError(path, f"header field {key!r} is missing")
    if not isinstance(data["targets"], list):
        raise CatalogError(path, "'targets' must be a list of rows")
    plan_id = str(data["plan_id"])
    if plan_id != path.stem:
        raise CatalogError(path, f"plan_id {plan_id!r} does not match the file name")
    region_code = str(data["region_code"])
    if region_code not in region_by_code():
        raise CatalogError(path, f"unknown region {region_code!r}")
    lost_decimal_points = bool(data.get("lost_decimal_points", False))
    plan_base = _opt_int(data.get("base_year"))
    plan_target = _opt_int(data.get("target_year"))
    if plan_base is not None and plan_target is not None and plan_target <= plan_base:
        raise CatalogError(path, f"target_year {plan_target} is not after base_year {plan_base}")
    indicators = indicator_by_code()
    targets: list[PlanTarget] = []
    seen: set[str] = set()
    allowed = set(TARGET_COLUMNS) - {"plan_id"}
    for i, item in enumerate(data["targets"], start=1):
        if not isinstance(item, dict):
            raise CatalogError(path, "a target row must be a mapping", f"target #{i}")
        tid = item.get("target_id")
        where = f"target {tid or '#' + str(i)}" + (f" (row {item['row_no']})" if item.get("row_no") else "")
        unknown = set(item) - allowed
        if unknown:
            raise CatalogError(path, f"unknown field(s) {', '.join(sorted(unknown))}", where)
        for key in ("target_id", "indicator_code", "indicator_name_zh", "unit", "source_ref", "target_kind"):
            if item.get(key) in (None, ""):
                raise CatalogError(path, f"field {key!r} is missing", where)
        if tid in seen:
            raise CatalogError(path, f"duplicate target_id {tid!r}", where)
        seen.add(tid)
        code = str(item["indicator_code"])
        indicator = indicators.get(code)
        if indicator is None:
            raise CatalogError(path, f"unknown indicator code {code!r}", where)
        unit = str(item["unit"])
        try:
            units.parse_unit(unit)
        except units.UnknownUnit:
            raise CatalogError(path, f"unknown unit {unit!r}", where) from None
        if not units.compatible(unit, indicator.unit):
            raise CatalogError(path, f"unit {unit!r} is not convertible to the indicator's unit "
                                     f"{indicator.unit!r} ({code})", where)
        source = str(item.get("source") or "table")
        if source not in ("table", "text"):
            raise CatalogError(path, f"source must be table or text, got {source!r}", where)
        kind = str(item["target_kind"])
        if kind not in TARGET_KINDS:
            raise CatalogError(path, f"unknown target kind {kind!r}", where)
        comparator = str(item.get("comparator") or ">=")
        if comparator not in COMPARATORS:
            raise CatalogError(path, f"unknown comparator {comparator!r}", where)
        attribute = _opt_str(item.get("attribute"))
        if attribute is not None and attribute not in ATTRIBUTES:
            raise CatalogError(path, f"unknown attribute {attribute!r}", where)
        category = str(item.get("category") or indicator.category)
        if category not in CATEGORIES:
            raise CatalogError(path, f"unknown category {category!r}", where)
        note = _opt_str(item.get("note"))
        note_zh = _opt_str(item.get("note_zh"))
        if note and not note_zh:
            raise CatalogError(path, "field 'note_zh' is missing: a target with a note needs its Chinese "
                                     "rendering (note_zh) for the zh reports", where)
        base_raw = _opt_str(item.get("base_raw"))
        target_raw = _opt_str(item.get("target_raw"))
        completion_raw = _opt_str(item.get("completion_raw"))
        base_value = _opt_float(item.get("base_value"))
        target_value = _opt_float(item.get("target_value"))
        completion_value = _opt_float(item.get("completion_value"))
        row_no = _opt_int(item.get("row_no"))
        base_year = _opt_int(item.get("base_year", plan_base))
        target_year = _opt_int(item.get("target_year", plan_target))
        if kind != "none" and target_year is None:
            raise CatalogError(path, f"target kind {kind} needs a target_year", where)
        if base_year is not None and target_year is not None and target_year <= base_year:
            raise CatalogError(path, f"target_year {target_year} is not after base_year {base_year}", where)
        if source == "table" and row_no is None:
            raise CatalogError(path, "a table row needs row_no", where)

        # the kind must agree with the notation of the target cell
        if kind == "none":
            if target_value is not None or not is_missing_cell(target_raw):
                raise CatalogError(path, f"target kind none but target_raw {target_raw!r} prints a target",
                                   where)
        else:
            if target_value is None:
                raise CatalogError(path, f"target kind {kind} needs a target_value (target_raw "
                                         f"{target_raw!r})", where)
            if is_missing_cell(target_raw):
                raise CatalogError(path, f"target kind {kind} needs a target_raw", where)
        if source == "table":
            expected = _expected_kind(target_raw, unit, indicator)
            brackets = _brackets(target_raw or "")
            if brackets == "cumulative" and kind != "level":
                raise CatalogError(path, f"target kind {kind} contradicts the brackets of target_raw "
                                         f"{target_raw!r} (〔〕 = cumulative stock: level)", where)
            if brackets == "period" and kind != "period_total":
                raise CatalogError(path, f"target kind {kind} contradicts the brackets of target_raw "
                                         f"{target_raw!r} (（） = sum over the plan period: period_total)",
                                   where)
            if kind != expected and not note:
                raise CatalogError(path, f"target kind {kind} contradicts target_raw {target_raw!r} with "
                                         f"unit {unit!r} (the notation reads {expected}); add a note to keep "
                                         f"this reading", where)
        if kind == "avg_growth" and units.base_unit(unit) != "%":
            raise CatalogError(path, f"target kind avg_growth needs unit %, got {unit!r}", where)
        _check_value(path, where, "base", base_raw, base_value, source, lost_decimal_points)
        _check_value(path, where, "target", target_raw, target_value, source, lost_decimal_points)
        _check_value(path, where, "completion", completion_raw, completion_value, source,
                     lost_decimal_points)

        targets.append(PlanTarget(
            plan_id=plan_id,
            target_id=str(tid),
            indicator_code=code,
            indicator_name_zh=str(item["indicator_name_zh"]),
            unit=unit,
            source=source,
            source_ref=str(item["source_ref"]),
            row_no=row_no,
            category=category,
            base_year=base_year,
            base_raw=base_raw,
            base_value=base_value,
            target_year=target_year,
            target_raw=target_raw,
            target_value=target_value,
            target_kind=kind,
            comparator=comparator,
            attribute=attribute,
            completion_raw=completion_raw,
            completion_value=completion_value,
            note=note,
            note_zh=note_zh,
        ))
    return Plan(
        plan_id=plan_id,
        name_zh=str(data["name_zh"]),
        name_en=str(data["name_en"]),
        region_code=region_code,
        seed=str(data["seed"]),
        source_table=str(data["source_table"]),
        base_year=plan_base,
        target_year=plan_target,
        catalog_hash=digest,
        path=str(path),
        lost_decimal_points=lost_decimal_points,
        targets=tuple(targets),
    )


def load_plans(directory: Path | str | None = None) -> tuple[Plan, ...]:
    """Every plan of ``etl/catalog/plans/*.yaml``, validated, ordered by plan_id."""
    directory = Path(directory) if directory else CATALOG_DIR / "plans"
    return tuple(load_plan_file(p) for p in sorted(directory.glob("*.yaml")))


def load_plan(plan_id: str) -> Plan:
    path = CATALOG_DIR / "plans" / f"{plan_id}.yaml"
    if not path.exists():
        known = ", ".join(p.plan_id for p in load_plans())
        raise KeyError(f"unknown plan {plan_id!r} (known: {known})")
    return load_plan_file(path)


# ----------------------------------------------------------------------------- frames


def plan_targets_frame(plans: tuple[Plan, ...] | None = None):
    """All plan targets as a DataFrame with the columns of ``plan_targets``."""
    import pandas as pd

    plans = load_plans() if plans is None else plans
    rows = [{c: getattr(t, c) for c in TARGET_COLUMNS} for p in plans for t in p.targets]
    frame = pd.DataFrame(rows, columns=list(TARGET_COLUMNS))
    for col in ("row_no", "base_year", "target_year"):
        frame[col] = frame[col].astype("Int64")
    for col in ("base_value", "target_value", "completion_value"):
        frame[col] = frame[col].astype("float64")
    return frame


def period_rows(first_year: int = PERIOD_YEARS[0], last_year: int = PERIOD_YEARS[1]) -> list[dict]:
    """Month, quarter, half-year and year periods with zh labels (2024年6月, 2024年第二季度,
    2024年上半年, 2024年), keyed by period end."""
    rows: list[dict] = []
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            end = date(year, month, monthrange(year, month)[1])
            rows.append({"period_end": end, "period_type": "month", "year": year, "month": month,
                         "label_zh": f"{year}年{month}月"})
        for q in range(1, 5):
            month = q * 3
            end = date(year, month, monthrange(year, month)[1])
            rows.append({"period_end": end, "period_type": "quarter", "year": year, "month": month,
                         "label_zh": f"{year}年第{_QUARTERS_ZH[q - 1]}季度"})
        rows.append({"period_end": date(year, 6, 30), "period_type": "half", "year": year, "month": 6,
                     "label_zh": f"{year}年上半年"})
        rows.append({"period_end": date(year, 12, 31), "period_type": "half", "year": year, "month": 12,
                     "label_zh": f"{year}年下半年"})
        rows.append({"period_end": date(year, 12, 31), "period_type": "year", "year": year, "month": 12,
                     "label_zh": f"{year}年"})
    return rows


def _catalog_frames() -> dict[str, Any]:
    import pandas as pd

    regions = load_regions()
    region_frame = pd.DataFrame([{
        "region_code": r.region_code, "name_zh": r.name_zh, "name_en": r.name_en, "level": r.level,
        "parent_code": r.parent_code, "aliases": "|".join(r.aliases),
    } for r in regions])
    alias_frame = pd.DataFrame(sorted(region_lookup().items()), columns=["alias", "region_code"])
    measure_frame = pd.DataFrame([{
        "measure_code": m.measure_code, "name_zh": m.name_zh, "source_kind": m.source_kind,
        "basis": m.basis, "canonical_unit": m.canonical_unit, "aliases": "|".join(m.aliases),
    } for m in load_measures()])
    indicator_frame = pd.DataFrame([{
        "indicator_code": i.indicator_code, "name_zh": i.name_zh, "name_en": i.name_en, "unit": i.unit,
        "category": i.category, "direction": i.direction, "method": i.method,
        "measure_code": i.measure_code, "denominator": i.denominator, "aggregation": i.aggregation,
        "aliases": "|".join(i.aliases),
    } for i in load_indicators()], columns=["indicator_code", "name_zh", "name_en", "unit", "category",
                                             "direction", "method", "measure_code", "denominator",
                                             "aggregation", "aliases"])
    periods = pd.DataFrame(period_rows())
    periods["year"] = periods["year"].astype("int32")
    periods["month"] = periods["month"].astype("int32")
    plans = load_plans()
    plan_frame = pd.DataFrame([{c: getattr(p, c) for c in PLAN_COLUMNS} for p in plans],
                              columns=list(PLAN_COLUMNS))
    plan_frame["base_year"] = plan_frame["base_year"].astype("Int64")
    plan_frame["target_year"] = plan_frame["target_year"].astype("Int64")
    return {
        "ref_regions": region_frame,
        "ref_region_aliases": alias_frame,
        "ref_measures": measure_frame,
        "ref_indicators": indicator_frame,
        "ref_periods": periods,
        "plan_plans": plan_frame,
        "plan_targets": plan_targets_frame(plans),
    }


def load_catalog_into_warehouse(engine=None) -> dict[str, int]:
    """Replace the ref_* and plan_* tables with the catalog, in one transaction (idempotent).

    Returns the number of rows written per table.
    """
    from sqlalchemy import text

    from etl.warehouse import bulk_insert, get_engine, lock_partition, transaction

    engine = engine or get_engine()
    frames = _catalog_frames()  # validate everything before touching the warehouse
    counts: dict[str, int] = {}
    with transaction(engine) as conn:
        lock_partition(conn, "catalog")
        for table, frame in frames.items():
            conn.execute(text(f"DELETE FROM {table}"))
            counts[table] = bulk_insert(conn, table, frame)
    return counts
