"""Synthetic but consistent figures for every region, measure, year and month.

Consistency is built in, not checked after the fact:

- every province figure is *allocated* to the cities (and a city's to its districts) with
  integer largest-remainder rounding, so the parts add up to the whole exactly and the printed
  plan values (``profiles.PINS``) come out exactly;
- monthly year-to-date values are cumulative shares of the year's total (never decreasing, and
  the December value is the year); the province and the cities with districts are the sums of
  their parts, month by month;
- valid invention patents and valid trademarks follow their flows:
  ``stock(y) = stock(y-1) + grants(y) - lapses(y)``, anchored at the 2020 year end.

Randomness comes only from ``random.Random`` seeded with strings built from the seed and the
key, so the figures do not depend on the order in which they are computed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from etl.samples import profiles as P

PROVINCE = "440000"
MONOTONE_START = 2010
MONTH_WEIGHTS = (7.0, 5.0, 8.0, 8.0, 8.5, 9.5, 8.5, 8.5, 9.0, 7.5, 8.5, 12.5)

FLOW_MEASURES = (
    "patent_invention_applications", "patent_invention_grants", "patent_utility_grants",
    "patent_design_grants", "patent_grants_total", "patent_pct_applications", "patent_sei_invention_grants",
    "patent_overseas_invention_grants", "tm_applications", "tm_registrations", "pledge_amount_patent",
    "pledge_amount_trademark", "pledge_amount_total", "pledge_projects", "case_admin_closed",
    "case_copyright", "case_aid_mediation", "case_court_civil_closed",
)
RATE_MEASURES = ("case_court_acceptance_rate",)
# Which monthly profile a measure follows (one profile per leaf, year and kind keeps parts, such as
# SEI grants within invention grants, below their whole in every month).
KIND_OF_MEASURE = {m: m.split("_")[0] for m in FLOW_MEASURES}
KIND_OF_MEASURE.update({"patent_invention_valid": "patent", "tm_valid": "tm"})


def rng_for(seed: int, *key: object) -> random.Random:
    """A generator that depends only on the seed and the key (not on call order)."""
    return random.Random("|".join(str(k) for k in (seed, *key)))


def allocate(total: int, weights: dict[str, float], pins: dict[str, int] | None = None) -> dict[str, int]:
    """Split an integer total over regions by weight (largest remainder); pinned regions get their
    pin and the others share what is left, so the parts always add up to ``total``."""
    pins = pins or {}
    result = {code: int(pins[code]) for code in weights if code in pins}
    rest = int(total) - sum(result.values())
    free = {code: max(w, 0.0) for code, w in weights.items() if code not in pins}
    if rest < 0:
        raise ValueError(f"pins {pins} exceed the total {total}")
    weight_sum = sum(free.values())
    if not free:
        if rest:
            raise ValueError(f"pins {pins} do not add up to the total {total}")
        return result
    if weight_sum <= 0:
        free = dict.fromkeys(free, 1.0)
        weight_sum = float(len(free))
    exact = {code: rest * w / weight_sum for code, w in free.items()}
    floors = {code: int(v) for code, v in exact.items()}
    left = rest - sum(floors.values())
    by_remainder = sorted(free, key=lambda c: (-(exact[c] - floors[c]), c))
    for code in by_remainder[:left]:
        floors[code] += 1
    result.update(floors)
    return result


@dataclass
class SampleData:
    """Figures per measure, region and year: ``annual`` (flows: the year; stocks: year end; rates:
    the year) and ``monthly`` (flows: year to date; stocks: month end; rates: only June and
    December, the half-year and the year)."""

    years: list[int]
    seed: int
    cities: list[str]
    districts: dict[str, list[str]]
    annual: dict[str, dict[str, dict[int, float]]] = field(default_factory=dict)
    monthly: dict[str, dict[str, dict[int, list[float]]]] = field(default_factory=dict)

    def value(self, measure: str, code: str, year: int, month: int = 12) -> float:
        return self.monthly[measure][code][year][month - 1]

    def year_value(self, measure: str, code: str, year: int) -> float:
        return self.annual[measure][code][year]


def province_path(measure: str, year: int) -> float:
    """The province figure of a year; outside 2016-2025, extrapolated with the end growth."""
    if year in P.PROVINCE_EXTRA.get(measure, {}):
        return P.PROVINCE_EXTRA[measure][year]
    path = P.PROVINCE_PATHS[measure]
    first, last = P.PATH_YEARS[0], P.PATH_YEARS[-1]
    if first <= year <= last:
        return path[year - first]
    if year < first:
        growth = path[1] / path[0]
        return path[0] / growth ** (first - year)
    growth = path[-1] / path[-2]
    return path[-1] * growth ** (year - last)


class _Builder:
    def __init__(self, years: list[int], seed: int, cities: list[str], districts: dict[str, list[str]]):
        self.seed = seed
        self.out_years = years
        # two years before the first (month-end stocks need the previous year end, and year-on-year
        # columns the previous year's months) and the 2020 anchor: a file's bytes do not depend
        # on the range it was generated in
        self.years = list(range(min(years[0], 2020) - 2, max(years[-1], 2020) + 1))
        self.cities = cities
        self.districts = districts
        self.leaves_all = [c for c in cities if c not in districts] + [d for ds in districts.values() for d in ds]
        self.annual: dict[str, dict[str, dict[int, float]]] = {}

    # ------------------------------------------------------------------ weights
    def _noise(self, measure: str, code: str, year: int | None, spread: float) -> float:
        return 1.0 + rng_for(self.seed, "w", measure, code, year).uniform(-spread, spread)

    def city_weights(self, measure: str, year: int, group: str | None = None) -> dict[str, float]:
        group = group or P.MEASURE_GROUP[measure]
        trends = P.SHARE_TRENDS.get(measure, {})
        factors = P.SHARE_FACTORS.get(measure, {})
        return {
            c: P.CITY_WEIGHTS[c][group] * factors.get(c, 1.0) * (1 + trends.get(c, 0.0)) ** (year - 2020)
            * self._noise(measure, c, None, 0.08) * self._noise(measure, c, year, self._yearly_spread(group))
            for c in self.cities
        }

    def district_weights(self, measure: str, city: str, year: int, group: str | None = None) -> dict[str, float]:
        group = group or P.MEASURE_GROUP[measure]
        return {d: P.DISTRICT_WEIGHTS[d][group] * self._noise(measure, d, None, 0.10)
                * self._noise(measure, d, year, 1.5 * self._yearly_spread(group)) for d in self.districts[city]}

    @staticmethod
    def _yearly_spread(group: str) -> float:
        """Population and market entities move smoothly; IP counts jitter a little more."""
        return 0.001 if group in ("pop", "mkt") else 0.02

    def pins(self, measure: str, year: int) -> dict[str, int]:
        return {code: int(values[year]) for (code, m), values in P.PINS.items()
                if m == measure and year in values}

    def _calibrated(self, measure: str, weights_by_year: dict[int, dict[str, float]],
                    totals: dict[int, float]) -> dict[int, dict[str, float]]:
        """Scale the weight of each pinned city so that its share in its first pinned year is the
        pin's share: the years around a pin then move smoothly instead of jumping."""
        for (code, m), values in P.PINS.items():
            if m != measure or code not in self.cities:
                continue
            year = min(values)
            if year not in weights_by_year:
                continue
            weights = weights_by_year[year]
            others = sum(w for c, w in weights.items() if c != code)
            share = values[year] / totals[year]
            if not 0 < share < 1 or others <= 0:
                continue
            scale = share * others / ((1 - share) * weights[code])
            for wy in weights_by_year.values():
                wy[code] *= scale
        return weights_by_year

    # ------------------------------------------------------------------ allocation
    def allocate_top_down(self, measure: str, province_totals: dict[int, float],
                          city_weights: dict[int, dict[str, float]] | None = None,
                          district_weight_fn=None, with_districts: bool = True) -> None:
        """Province -> cities (pins honoured) -> districts, every year."""
        table: dict[str, dict[int, float]] = {PROVINCE: {}}
        if city_weights is None:
            city_weights = {y: self.city_weights(measure, y) for y in self.years}
        city_weights = self._calibrated(measure, city_weights, province_totals)
        for y in self.years:
            total = int(round(province_totals[y]))
            table[PROVINCE][y] = total
            by_city = allocate(total, city_weights[y], self.pins(measure, y))
            for c, v in by_city.items():
                table.setdefault(c, {})[y] = v
                if with_districts and c in self.districts:
                    weights = (district_weight_fn(c, y) if district_weight_fn
                               else self.district_weights(measure, c, y))
                    for d, dv in allocate(v, weights).items():
                        table.setdefault(d, {})[y] = dv
        self.annual[measure] = table

    def sum_up(self, measure: str, with_districts: bool = True) -> None:
        """Cities with districts and the province as sums of their parts (bottom-up measures)."""
        table = self.annual[measure]
        for y in self.years:
            if with_districts:
                for c, ds in self.districts.items():
                    table.setdefault(c, {})[y] = sum(table[d][y] for d in ds)
            table.setdefault(PROVINCE, {})[y] = sum(table[c][y] for c in self.cities)

    def monotone_stock(self, measure: str, weights_fn) -> None:
        """A stock that never shrinks (Madrid, GI): allocate the first year, then each increment."""
        table: dict[str, dict[int, float]] = {PROVINCE: {}}
        previous: dict[str, int] | None = None
        # always start from the same year, so that a year's figures do not depend on the range
        for y in range(min(MONOTONE_START, self.years[0]), self.years[-1] + 1):
            total = int(round(province_path(measure, y)))
            if previous is None:
                by_city = allocate(total, weights_fn(y))
            else:
                increment = max(total - previous[PROVINCE], 0)
                total = previous[PROVINCE] + increment
                step = allocate(increment, weights_fn(y))
                by_city = {c: previous[c] + step[c] for c in self.cities}
            table[PROVINCE][y] = total
            current = {PROVINCE: total}
            for c, v in by_city.items():
                table.setdefault(c, {})[y] = v
                current[c] = v
                if c in self.districts:
                    dweights = self.district_weights(measure, c, y)
                    if previous is None:
                        parts = allocate(v, dweights)
                    else:
                        inc = allocate(v - previous[c], dweights)
                        parts = {d: previous[d] + inc[d] for d in self.districts[c]}
                    for d, dv in parts.items():
                        table.setdefault(d, {})[y] = dv
                        current[d] = dv
            previous = current
        self.annual[measure] = table

    def stock_dynamics(self, measure: str) -> None:
        """stock(y) = stock(y-1) + flow(y) - lapses, per leaf, anchored at the 2020 year end."""
        spec = P.STOCK_DYNAMICS[measure]
        flows = self.annual[spec["flow"]]
        anchor_year = spec["anchor_year"]
        pins = {code: v for (code, m), v in P.ANCHOR_PINS.items() if m == measure}
        by_city = allocate(spec["anchor"], self.city_weights(measure, anchor_year), pins)
        anchors: dict[str, int] = {}
        for c, v in by_city.items():
            if c in self.districts:
                anchors.update(allocate(v, self.district_weights(measure, c, anchor_year)))
            else:
                anchors[c] = v
        low, high = spec["lapse"]
        table: dict[str, dict[int, float]] = {}
        for leaf, anchor in anchors.items():
            lapse = rng_for(self.seed, "lapse", measure, leaf).uniform(low, high)
            series = {anchor_year: anchor}
            for y in range(anchor_year + 1, self.years[-1] + 1):
                prev = series[y - 1]
                series[y] = prev + flows[leaf][y] - round(lapse * prev)
            for y in range(anchor_year, self.years[0], -1):
                earlier = round((series[y] - flows[leaf][y]) / (1 - lapse))
                series[y - 1] = max(earlier, 0)
            table[leaf] = series
        self.annual[measure] = table
        self.sum_up(measure)

    def rates(self, measure: str) -> None:
        table: dict[str, dict[int, float]] = {PROVINCE: {}}
        for y in self.years:
            table[PROVINCE][y] = round(province_path(measure, y), 1)
        for c in self.cities:
            if c in P.RATE_MISSING.get(measure, ()):
                table[c] = dict.fromkeys(self.years)
                continue
            pinned = P.RATE_PINS.get((c, measure), {})
            offset = rng_for(self.seed, "rate", measure, c).uniform(-4.0, 3.0)
            table[c] = {}
            for y in self.years:
                if y in pinned:
                    table[c][y] = pinned[y]
                else:
                    noise = rng_for(self.seed, "rate", measure, c, y).uniform(-0.6, 0.6)
                    table[c][y] = round(min(max(table[PROVINCE][y] + offset + noise, 55.0), 99.5), 1)
        self.annual[measure] = table

    # ------------------------------------------------------------------ all of it
    def build_annual(self) -> None:
        years = self.years
        for m in ("patent_invention_applications", "patent_invention_grants", "patent_utility_grants",
                  "patent_design_grants", "patent_pct_applications", "tm_applications", "tm_registrations"):
            self.allocate_top_down(m, {y: province_path(m, y) for y in years})
        # parts of invention grants: weighted by the grants of the same region and year
        grants = self.annual["patent_invention_grants"]
        for m in ("patent_sei_invention_grants", "patent_overseas_invention_grants"):
            weights = {y: {c: float(grants[c][y]) for c in self.cities} for y in years}
            self.allocate_top_down(m, {y: province_path(m, y) for y in years}, weights,
                                   lambda c, y: {d: float(grants[d][y]) for d in self.districts[c]})
        table = {}
        for code in grants:
            table[code] = {y: sum(self.annual[m][code][y] for m in (
                "patent_invention_grants", "patent_utility_grants", "patent_design_grants")) for y in years}
        self.annual["patent_grants_total"] = table
        self.stock_dynamics("patent_invention_valid")
        self.stock_dynamics("tm_valid")
        # high-value inventions: weighted by the valid inventions of the region and year
        valid = self.annual["patent_invention_valid"]
        hv = "patent_invention_high_value"
        trends = P.SHARE_TRENDS.get(hv, {})
        weights = {y: {c: valid[c][y] * (1 + trends.get(c, 0.0)) ** (y - 2020) for c in self.cities}
                   for y in years}
        totals = {y: province_path(hv, y) for y in years}
        self.allocate_top_down(hv, totals, weights,
                               lambda c, y: {d: float(valid[d][y]) for d in self.districts[c]})
        tm_valid = self.annual["tm_valid"]
        share = {y: P.TM_HIGH_VALUE_SHARE[min(max(y - 2016, 0), len(P.TM_HIGH_VALUE_SHARE) - 1)] for y in years}
        self.allocate_top_down("tm_high_value", {y: share[y] * tm_valid[PROVINCE][y] for y in years},
                               {y: {c: float(tm_valid[c][y]) for c in self.cities} for y in years},
                               lambda c, y: {d: float(tm_valid[d][y]) for d in self.districts[c]})
        self.monotone_stock("tm_madrid_valid", lambda y: self.city_weights("tm_madrid_valid", y))
        self.monotone_stock("tm_gi", lambda y: self.city_weights("tm_gi", y, group="pop"))
        # pledge: cities only; patent + trademark = total
        totals = {y: province_path("pledge_amount_total", y) for y in years}
        patent = {y: round(totals[y] * P.PLEDGE_PATENT_SHARE) for y in years}
        self.allocate_top_down("pledge_amount_patent", patent, with_districts=False)
        self.allocate_top_down("pledge_amount_trademark", {y: round(totals[y]) - patent[y] for y in years},
                               with_districts=False)
        self.annual["pledge_amount_total"] = {
            code: {y: self.annual["pledge_amount_patent"][code][y] + self.annual["pledge_amount_trademark"][code][y]
                   for y in years} for code in self.annual["pledge_amount_patent"]}
        for m in ("pledge_projects", "case_admin_closed", "case_copyright", "case_aid_mediation",
                  "case_court_civil_closed"):
            self.allocate_top_down(m, {y: province_path(m, y) for y in years}, with_districts=False)
        self.rates("case_court_acceptance_rate")
        for m in ("population", "market_entities"):
            self.allocate_top_down(m, {y: province_path(m, y) for y in years})

    # ------------------------------------------------------------------ months
    def profile(self, leaf: str, kind: str, year: int) -> list[float]:
        """Cumulative share of the year reached at each month end (ends at exactly 1)."""
        rng = rng_for(self.seed, "months", leaf, kind, year)
        weights = [w * (1 + rng.uniform(-0.15, 0.15)) for w in MONTH_WEIGHTS]
        total = sum(weights)
        cum, running = [], 0.0
        for w in weights:
            running += w
            cum.append(running / total)
        cum[-1] = 1.0
        return cum

    def build_monthly(self) -> dict[str, dict[str, dict[int, list[float]]]]:
        monthly: dict[str, dict[str, dict[int, list[float]]]] = {}
        district_kinds = {"patent", "tm"}
        for measure, table in self.annual.items():
            if measure in ("population", "market_entities"):
                continue
            kind = KIND_OF_MEASURE.get(measure)
            leaves = (self.leaves_all if kind in district_kinds or kind is None
                      else self.cities)
            out: dict[str, dict[int, list[float]]] = {}
            for y in self.years[1:]:
                for leaf in leaves:
                    if measure in RATE_MEASURES:
                        continue
                    annual = table[leaf][y]
                    if measure in FLOW_MEASURES:
                        cum = self.profile(leaf, kind, y)
                        values = [round(annual * s) for s in cum]
                    elif kind is not None:  # stock following its flow
                        cum = self.profile(leaf, kind, y)
                        prev = table[leaf][y - 1]
                        values = [prev + round((annual - prev) * s) for s in cum]
                    else:  # other stocks: straight line between year ends
                        prev = table[leaf][y - 1]
                        values = [prev + round((annual - prev) * (m + 1) / 12) for m in range(12)]
                    out.setdefault(leaf, {})[y] = values
            if measure in RATE_MEASURES:
                for code, by_year in table.items():
                    for y in self.years[1:]:
                        if by_year[y] is None:
                            out.setdefault(code, {})[y] = [None] * 12
                            continue
                        half = round(by_year[y] + rng_for(self.seed, "h1", measure, code, y).uniform(-1.2, 0.4), 1)
                        out.setdefault(code, {})[y] = [None] * 5 + [half] + [None] * 5 + [by_year[y]]
            else:
                with_districts = kind in district_kinds or kind is None
                for y in self.years[1:]:
                    if with_districts:
                        for c, ds in self.districts.items():
                            out.setdefault(c, {})[y] = [sum(out[d][y][m] for d in ds) for m in range(12)]
                    out.setdefault(PROVINCE, {})[y] = [sum(out[c][y][m] for c in self.cities) for m in range(12)]
            monthly[measure] = out
        parts = ("patent_invention_grants", "patent_utility_grants", "patent_design_grants")
        monthly["patent_grants_total"] = {
            code: {y: [sum(monthly[m][code][y][i] for m in parts) for i in range(12)] for y in by_year}
            for code, by_year in monthly[parts[0]].items()}
        return monthly


def build_sample_data(years: list[int], seed: int, cities: list[str],
                      districts: dict[str, list[str]]) -> SampleData:
    """All figures for ``years`` (plus what the 2020 anchors and month-end stocks need)."""
    builder = _Builder(sorted(years), seed, cities, districts)
    builder.build_annual()
    monthly = builder.build_monthly()
    return SampleData(years=sorted(years), seed=seed, cities=cities, districts=districts,
                      annual=builder.annual, monthly=monthly)
