"""Units of the IP statistics: parsing, canonical units and conversion.

Every unit belongs to a family with one canonical unit (the unit of the canonical measures of
``shared/specs/source-exports.md``)::

    money       元, 万元, 亿元          canonical 万元   (1 亿元 = 10,000 万元)
    count       件, 万件                canonical 件     (1 万件 = 10,000 件)
    population  人 (名), 万人           canonical 万人
    entities    户, 万户                canonical 户
    visits      人次, 万人次            canonical 人次
    项, 个, 家, 分, %                   each its own family, factor 1

Counted things (件, 项, 个, 家) are distinct units with their own canonical unit, but
:func:`convert` converts between them at face value (a plan may count 知识产权信息公共服务网点 in
个 where another counts them in 家).

A unit written with ``/年`` (``件/年``, ``万人次 /年``) is the base unit with the *annual* flag:
the value is the flow of one year. The flag does not change conversion.

Spellings are normalised before lookup: spaces (also U+3000) removed, full-width ASCII folded
(``％`` -> ``%``, ``／`` -> ``/``). Anything else raises :class:`UnknownUnit`; a value whose unit
is unknown is never assumed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "UnknownUnit",
    "IncompatibleUnits",
    "Unit",
    "normalise_unit",
    "parse_unit",
    "is_known_unit",
    "canonical_unit_for",
    "base_unit",
    "is_annual",
    "family_of",
    "compatible",
    "convert",
    "KNOWN_UNITS",
]


class UnknownUnit(ValueError):
    """A unit that is not in the table of known units."""

    def __init__(self, unit: object) -> None:
        super().__init__(f"unknown unit {unit!r}")
        self.unit = unit


class IncompatibleUnits(ValueError):
    """Two known units of different families (e.g. 件 and 万元)."""

    def __init__(self, from_unit: str, to_unit: str) -> None:
        super().__init__(f"cannot convert {from_unit!r} to {to_unit!r}: different kinds of quantity")
        self.from_unit = from_unit
        self.to_unit = to_unit


# unit -> (family, factor to the family's canonical unit)
_UNITS: dict[str, tuple[str, float]] = {
    "元": ("money", 1e-4),
    "万元": ("money", 1.0),
    "亿元": ("money", 1e4),
    "件": ("count", 1.0),
    "万件": ("count", 1e4),
    "人": ("population", 1e-4),
    "名": ("population", 1e-4),
    "万人": ("population", 1.0),
    "户": ("entities", 1.0),
    "万户": ("entities", 1e4),
    "人次": ("visits", 1.0),
    "万人次": ("visits", 1e4),
    "项": ("项", 1.0),
    "个": ("个", 1.0),
    "家": ("家", 1.0),
    "分": ("分", 1.0),
    "%": ("%", 1.0),
}
_CANONICAL: dict[str, str] = {
    "money": "万元",
    "count": "件",
    "population": "万人",
    "entities": "户",
    "visits": "人次",
    "项": "项",
    "个": "个",
    "家": "家",
    "分": "分",
    "%": "%",
}
# families of counted things, convertible among themselves at face value
_COUNTABLE = frozenset({"count", "项", "个", "家"})
KNOWN_UNITS: tuple[str, ...] = tuple(_UNITS)
_ANNUAL_SUFFIX = re.compile(r"/(?:年|每年)$")


@dataclass(frozen=True)
class Unit:
    """A parsed unit: ``base`` without the annual suffix, its family and factor to canonical."""

    text: str          # normalised spelling, e.g. "万人次/年"
    base: str          # e.g. "万人次"
    family: str        # e.g. "visits"
    factor: float      # multiply a value in ``base`` by this to get the canonical unit
    canonical: str     # e.g. "人次"
    annual: bool       # written with "/年": the flow of one year


def normalise_unit(unit: str) -> str:
    """Fold full-width ASCII and remove every space: ``'件 /年'`` -> ``'件/年'``, ``'％'`` -> ``'%'``."""
    folded = unicodedata.normalize("NFKC", str(unit))
    return re.sub(r"\s+", "", folded)


def parse_unit(unit: str | None) -> Unit:
    """Parse a unit spelling; raises :class:`UnknownUnit` for anything not in the table."""
    if unit is None:
        raise UnknownUnit(unit)
    text = normalise_unit(unit)
    annual = bool(_ANNUAL_SUFFIX.search(text))
    base = _ANNUAL_SUFFIX.sub("", text)
    if base not in _UNITS:
        raise UnknownUnit(unit)
    family, factor = _UNITS[base]
    return Unit(text=text, base=base, family=family, factor=factor, canonical=_CANONICAL[family],
                annual=annual)


def is_known_unit(unit: str | None) -> bool:
    try:
        parse_unit(unit)
    except UnknownUnit:
        return False
    return True


def canonical_unit_for(unit: str) -> str:
    """The canonical unit of ``unit``'s family: 亿元 -> 万元, 万件 -> 件, 人 -> 万人, 件/年 -> 件."""
    return parse_unit(unit).canonical


def base_unit(unit: str) -> str:
    """The unit without its annual suffix: ``'万人次 /年'`` -> ``'万人次'``."""
    return parse_unit(unit).base


def is_annual(unit: str) -> bool:
    """True for units written per year (``件/年``)."""
    return parse_unit(unit).annual


def family_of(unit: str) -> str:
    return parse_unit(unit).family


def compatible(unit_a: str, unit_b: str) -> bool:
    """True when :func:`convert` can convert between the two units."""
    a, b = parse_unit(unit_a), parse_unit(unit_b)
    return a.family == b.family or (a.family in _COUNTABLE and b.family in _COUNTABLE)


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert ``value`` between two units of one family (1 亿元 = 10,000 万元, 1 万件 = 10,000 件).

    Raises :class:`UnknownUnit` for an unknown unit and :class:`IncompatibleUnits` across families.
    The annual flag (``/年``) is ignored: ``convert(3, '万件/年', '件') == 30000``.
    """
    src = parse_unit(from_unit)
    dst = parse_unit(to_unit)
    if src.family != dst.family and not (src.family in _COUNTABLE and dst.family in _COUNTABLE):
        raise IncompatibleUnits(from_unit, to_unit)
    if src.factor == dst.factor:
        return float(value)
    # 12 significant digits drop binary noise (35.1 万件 -> 351000 件, not 351000.00000000006)
    return float(f"{float(value) * src.factor / dst.factor:.12g}")
