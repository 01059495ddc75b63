"""Units: conversion inside a family, canonical units of the measures, the annual flag, and errors."""

from __future__ import annotations

import pytest

from etl import units
from etl.units import IncompatibleUnits, UnknownUnit


@pytest.mark.parametrize("value, src, dst, expected", [
    (1, "亿元", "万元", 10_000),
    (3, "亿元", "元", 300_000_000),
    (12_345, "元", "万元", 1.2345),
    (907.6, "亿元", "万元", 9_076_000),
    (35.1, "万件", "件", 351_000),      # no binary noise (351000.00000000006)
    (543.0, "万件", "件", 5_430_000),
    (8_612, "件", "万件", 0.8612),
    (12_000_000, "人", "万人", 1_200),
    (1_270.1, "万人", "人", 12_701_000),
    (2.5, "万户", "户", 25_000),
    (50, "万人次", "人次", 500_000),
    (50, "万人次/年", "人次", 500_000),  # the annual flag does not change conversion
    (3_000, "件 /年", "件", 3_000),
    (13.5, "％", "%", 13.5),
    (40, "家", "个", 40),               # counted things compare at face value
    (3, "万件", "项", 30_000),
    (7, "分", "分", 7),
])
def test_convert(value, src, dst, expected):
    assert units.convert(value, src, dst) == pytest.approx(expected, rel=1e-12)


def test_convert_is_exact_for_printed_decimals():
    assert units.convert(35.1, "万件", "件") == 351000.0
    assert units.convert(181.5, "亿元", "万元") == 1815000.0
    assert units.convert(0.8612, "万件", "件") == 8612.0


@pytest.mark.parametrize("unit, canonical", [
    ("元", "万元"), ("万元", "万元"), ("亿元", "万元"),
    ("件", "件"), ("万件", "件"), ("件/年", "件"),
    ("人", "万人"), ("万人", "万人"), ("名", "万人"),
    ("户", "户"), ("万户", "户"),
    ("人次", "人次"), ("万人次 /年", "人次"),
    ("项", "项"), ("个", "个"), ("家", "家"), ("分", "分"), ("%", "%"), ("％", "%"),
])
def test_canonical_unit_for(unit, canonical):
    assert units.canonical_unit_for(unit) == canonical


def test_annual_units():
    parsed = units.parse_unit("万人次 /年")
    assert (parsed.base, parsed.annual, parsed.canonical, parsed.factor) == ("万人次", True, "人次", 10_000)
    assert units.is_annual("件/年") and units.is_annual("件／年")
    assert not units.is_annual("件")
    assert units.base_unit("件 /年") == "件"


def test_normalise_unit():
    assert units.normalise_unit(" 件 /年 ") == "件/年"
    assert units.normalise_unit("％") == "%"
    assert units.normalise_unit("万\u3000件") == "万件"


@pytest.mark.parametrize("unit", ["公斤", "", None, "万亿元", "件/月", "千件", "亿元、项"])
def test_unknown_units_raise(unit):
    assert not units.is_known_unit(unit)
    with pytest.raises(UnknownUnit):
        units.parse_unit(unit)
    with pytest.raises(UnknownUnit):
        units.convert(1, unit, "件")


@pytest.mark.parametrize("src, dst", [("件", "万元"), ("亿元", "%"), ("人", "件"), ("分", "%"), ("户", "家")])
def test_different_kinds_of_quantity_do_not_convert(src, dst):
    assert not units.compatible(src, dst)
    with pytest.raises(IncompatibleUnits, match="cannot convert"):
        units.convert(1, src, dst)


def test_every_measure_and_indicator_unit_is_known():
    from etl import catalog

    for measure in catalog.load_measures():
        assert units.canonical_unit_for(measure.canonical_unit) == measure.canonical_unit
    for indicator in catalog.load_indicators():
        assert units.is_known_unit(indicator.unit)
