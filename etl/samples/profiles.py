"""The numbers behind the synthetic sample exports: province paths, regional weights and pins.

Everything here is invented for demonstrations and tests, except the *pins*: the 2020 values (and
a few period sums) that the plan tables of the seeds print as base or completion values. The
generator allocates every province figure to the cities, and every city figure to its districts,
so that whatever the seed, the pinned figures come out exactly and the parts add up to the whole.

Units inside the generator: counts in 件/项, money in whole 万元, population in 人, market
entities in 户, rates in %.
"""

from __future__ import annotations

PATH_YEARS = tuple(range(2016, 2026))

# ----------------------------------------------------------------------------- province paths
# Yearly province totals 2016..2025 (flows: the year's total; stocks: the year end). Outside
# 2016-2025 the generator extrapolates with the growth of the nearest end.
PROVINCE_PATHS: dict[str, tuple[float, ...]] = {
    "patent_invention_applications": (155600, 182600, 216500, 203300, 223400, 237900, 247600, 258200,
                                      270100, 281000),
    "patent_invention_grants": (38626, 45740, 53259, 59742, 70695, 102900, 115080, 111500, 128300, 139000),
    "patent_utility_grants": (150300, 199800, 282600, 327000, 424600, 560800, 601000, 490000, 455000,
                              470000),
    "patent_design_grants": (70600, 86900, 142900, 140000, 214400, 208000, 182000, 170000, 165000, 168000),
    "patent_pct_applications": (23574, 26830, 25256, 24725, 28632, 26000, 23800, 22000, 21500, 21800),
    "patent_sei_invention_grants": (13000, 15500, 18500, 21000, 25800, 38000, 43500, 42800, 50000, 55000),
    # 14th plan: (8) 万件 over 2021-2025 -> 73,800 by 2025: behind
    "patent_overseas_invention_grants": (5000, 6100, 7300, 8600, 10500, 12000, 13500, 14800, 16000, 17500),
    # 13.5 per 10,000 people in 2020 (x 12601.25 万人) -> 20 in 2025: on track
    "patent_invention_high_value": (80000, 98000, 118000, 141000, 170100, 185400, 202100, 220300, 240100,
                                    261700),
    "tm_applications": (800000, 1100000, 1500000, 1600000, 1750000, 1850000, 1550000, 1500000, 1450000,
                        1420000),
    "tm_registrations": (480000, 620000, 950000, 1200000, 1280000, 1450000, 1250000, 1000000, 980000,
                         950000),
    "tm_madrid_valid": (4600, 5500, 6500, 7600, 8862, 10100, 11300, 12400, 13600, 14800),
    "tm_gi": (55, 63, 70, 78, 85, 92, 97, 101, 106, 110),
    # 907.6 亿元 over 2016-2020, 181.5 亿元 in 2020; (2500) 亿元 over 2021-2025: on track
    "pledge_amount_total": (1600000, 1753000, 1905000, 2003000, 1815000, 4200000, 4800000, 5200000,
                            5600000, 6000000),
    # 3765 over 2016-2020; (5000) over 2021-2025: behind
    "pledge_projects": (520, 640, 760, 900, 945, 820, 860, 880, 900, 930),
    "case_admin_closed": (4200, 4800, 5600, 6100, 5900, 6300, 6800, 7100, 7400, 7600),
    "case_copyright": (900, 1000, 1100, 1150, 1050, 1120, 1180, 1230, 1260, 1300),
    # >= 3000 件/年: achieved from 2023
    "case_aid_mediation": (1200, 1450, 1700, 1950, 2150, 2450, 2780, 3050, 3210, 3350),
    "case_court_civil_closed": (62000, 78000, 95000, 125000, 148000, 160000, 152000, 158000, 163000, 167000),
    # >= 85 %: behind until 2025
    "case_court_acceptance_rate": (78.5, 79.1, 79.6, 80.2, 80.8, 81.2, 82.5, 83.4, 84.1, 84.6),
    # 2020 census: 126,012,510 people = 12601.25 万人; grows slowly
    "population": (120900000, 122600000, 124100000, 125200000, 126012510, 126840000, 127050000, 127380000,
                   127800000, 128200000),
    "market_entities": (9300000, 10500000, 11700000, 12800000, 13822000, 15200000, 16300000, 17600000,
                        18800000, 19800000),
}

# Province values before 2016 where extrapolation would not do: the 13th plan's PCT growth
# (13.1 %/yr over 2015-2020) needs the 2015 figure.
PROVINCE_EXTRA: dict[str, dict[int, float]] = {
    "patent_pct_applications": {2015: 15469},
}

# Stocks that follow their flows: stock(y) = stock(y-1) + flow(y) - lapses, anchored at the
# 2020 year end (13th plan completion values: 35.1 万件 -> 27.8 per 10,000 people; 543.0 万件).
STOCK_DYNAMICS: dict[str, dict] = {
    "patent_invention_valid": {"flow": "patent_invention_grants", "anchor_year": 2020, "anchor": 350720,
                               "lapse": (0.045, 0.065)},
    "tm_valid": {"flow": "tm_registrations", "anchor_year": 2020, "anchor": 5430000, "lapse": (0.025, 0.035)},
}

# 高价值商标 as a share of valid registered trademarks (province), by year offset from 2016.
TM_HIGH_VALUE_SHARE = (0.22, 0.23, 0.24, 0.25, 0.26, 0.27, 0.28, 0.29, 0.30, 0.31)
# The share of pledge money that is patent pledge (the rest is trademark pledge).
PLEDGE_PATENT_SHARE = 0.72

# ----------------------------------------------------------------------------- weights
# Relative size of each city (and district) per weight group; the allocator normalises them.
# innov: patents; tm: trademarks; pledge; case; pop: 2020 census population (万人); mkt: entities.
CITY_WEIGHTS: dict[str, dict[str, float]] = {
    #          innov    tm       pledge case  pop      mkt
    "440100": dict(innov=70000, tm=1500000, pledge=30, case=30, pop=1867.66, mkt=310),
    "440200": dict(innov=1300, tm=25000, pledge=0.6, case=1.0, pop=285.51, mkt=25),
    "440300": dict(innov=150000, tm=1600000, pledge=35, case=30, pop=1756.01, mkt=360),
    "440400": dict(innov=13000, tm=100000, pledge=3, case=3, pop=243.96, mkt=30),
    "440500": dict(innov=3000, tm=250000, pledge=1.2, case=3, pop=550.24, mkt=45),
    "440600": dict(innov=26000, tm=450000, pledge=9, case=8, pop=949.89, mkt=95),
    "440700": dict(innov=4500, tm=100000, pledge=1.5, case=2.5, pop=479.81, mkt=45),
    "440800": dict(innov=1700, tm=60000, pledge=0.6, case=1.5, pop=698.12, mkt=40),
    "440900": dict(innov=900, tm=50000, pledge=0.4, case=1.2, pop=617.41, mkt=35),
    "441200": dict(innov=2200, tm=45000, pledge=2.0, case=1.2, pop=411.36, mkt=30),
    "441300": dict(innov=8612, tm=97570, pledge=2.5, case=2.5, pop=604.29, mkt=55),
    "441400": dict(innov=800, tm=35000, pledge=0.3, case=1.0, pop=387.32, mkt=25),
    "441500": dict(innov=300, tm=20000, pledge=0.2, case=0.6, pop=267.22, mkt=15),
    "441600": dict(innov=600, tm=25000, pledge=0.3, case=0.8, pop=283.77, mkt=18),
    "441700": dict(innov=600, tm=25000, pledge=0.3, case=0.7, pop=260.30, mkt=17),
    "441800": dict(innov=2100, tm=35000, pledge=0.8, case=1.0, pop=396.97, mkt=25),
    "441900": dict(innov=30000, tm=400000, pledge=8, case=10, pop=1046.66, mkt=150),
    "442000": dict(innov=7000, tm=200000, pledge=2.5, case=4, pop=441.81, mkt=60),
    "445100": dict(innov=700, tm=100000, pledge=0.3, case=1.0, pop=256.85, mkt=20),
    "445200": dict(innov=900, tm=150000, pledge=0.4, case=1.5, pop=557.73, mkt=35),
    "445300": dict(innov=400, tm=15000, pledge=0.2, case=0.5, pop=238.33, mkt=12),
}

DISTRICT_WEIGHTS: dict[str, dict[str, float]] = {
    # 肇庆
    "441202": dict(innov=22, tm=28, pop=62, mkt=30),
    "441203": dict(innov=8, tm=7, pop=18, mkt=7),
    "441204": dict(innov=16, tm=16, pop=72, mkt=15),
    "441223": dict(innov=4, tm=5, pop=42, mkt=6),
    "441224": dict(innov=5, tm=8, pop=80, mkt=9),
    "441225": dict(innov=2, tm=3, pop=39, mkt=4),
    "441226": dict(innov=3, tm=4, pop=34, mkt=4),
    "441284": dict(innov=15, tm=15, pop=55, mkt=14),
    "441290": dict(innov=25, tm=14, pop=9.5, mkt=11),
    # 惠州
    "441302": dict(innov=40, tm=42, pop=150, mkt=40),
    "441303": dict(innov=22, tm=20, pop=140, mkt=22),
    "441322": dict(innov=22, tm=22, pop=123, mkt=22),
    "441323": dict(innov=12, tm=12, pop=95, mkt=12),
    "441324": dict(innov=4, tm=4, pop=33, mkt=4),
    # 清远
    "441802": dict(innov=38, tm=40, pop=70, mkt=36),
    "441803": dict(innov=14, tm=12, pop=37, mkt=12),
    "441821": dict(innov=8, tm=7, pop=30, mkt=8),
    "441823": dict(innov=4, tm=5, pop=37, mkt=6),
    "441825": dict(innov=1.5, tm=2, pop=10, mkt=2),
    "441826": dict(innov=1.5, tm=2, pop=14, mkt=2),
    "441881": dict(innov=25, tm=22, pop=95, mkt=24),
    "441882": dict(innov=7, tm=8, pop=37, mkt=8),
}

# Cities whose districts get their own exports (district files); their figures are the sum of
# their districts.
CITIES_WITH_DISTRICTS = ("441300", "441800", "441200")

# Annual drift of a region's share (multiplicative, per year from 2020) for one measure.
SHARE_TRENDS: dict[str, dict[str, float]] = {
    "patent_invention_high_value": {"441800": -0.03, "440300": 0.01},
    "patent_invention_grants": {"440300": 0.01},
    "population": {"440300": 0.006, "440100": 0.004, "441900": 0.003, "441500": -0.006, "441400": -0.008,
                   "445300": -0.006},
    "market_entities": {"440300": 0.01, "440100": 0.006},
}

# Static multiplier of a region's weight for one measure (惠州 grants fewer inventions per valid
# patent than the province average, so its stock grows more slowly).
SHARE_FACTORS: dict[str, dict[str, float]] = {
    "patent_invention_grants": {"441300": 0.65},
    "patent_invention_applications": {"441300": 0.7},
    # regions lacking a figure: no geographical-indication trademarks in the most urban cities, no
    # first-instance IP civil court in 汕尾 and 云浮 (their rows print a missing marker)
    "tm_gi": {"440300": 0.0, "441900": 0.0, "442000": 0.0, "440400": 0.0},
    "case_court_civil_closed": {"441500": 0.0, "445300": 0.0},
}
# Cities without the rate (no court of their own for IP cases): missing, never zero.
RATE_MISSING: dict[str, tuple[str, ...]] = {"case_court_acceptance_rate": ("441500", "445300")}

MEASURE_GROUP: dict[str, str] = {
    "patent_invention_applications": "innov", "patent_invention_grants": "innov",
    "patent_utility_grants": "innov", "patent_design_grants": "innov", "patent_pct_applications": "innov",
    "patent_sei_invention_grants": "innov", "patent_overseas_invention_grants": "innov",
    "patent_invention_high_value": "innov", "patent_invention_valid": "innov",
    "tm_applications": "tm", "tm_registrations": "tm", "tm_valid": "tm", "tm_madrid_valid": "tm",
    "tm_gi": "tm", "tm_high_value": "tm",
    "pledge_amount_patent": "pledge", "pledge_amount_trademark": "pledge", "pledge_projects": "pledge",
    "case_admin_closed": "case", "case_copyright": "case", "case_aid_mediation": "case",
    "case_court_civil_closed": "case",
    "population": "pop", "market_entities": "mkt",
}

# ----------------------------------------------------------------------------- pins
# (region, measure) -> {year: value}: printed plan values (2020 bases) and the chosen paths of the
# plan regions, so that some targets are on track and some behind. Money in 万元.
_QINGYUAN_PLEDGE = {2016: 6200, 2017: 8100, 2018: 10500, 2019: 12800, 2020: 15700, 2021: 4800, 2022: 5900,
                    2023: 6800, 2024: 7500, 2025: 8000}
_HUIZHOU_PLEDGE = {2016: 22500, 2017: 28400, 2018: 33800, 2019: 40100, 2020: 48900,  # sum 17.37 亿元
                   2021: 95000, 2022: 120000, 2023: 140000, 2024: 160000, 2025: 175000}


def _split(total: dict[int, int], share: float) -> tuple[dict[int, int], dict[int, int]]:
    first = {y: round(v * share) for y, v in total.items()}
    return first, {y: v - first[y] for y, v in total.items()}


_HZ_PAT, _HZ_TM = _split(_HUIZHOU_PLEDGE, 0.8)
_QY_PAT, _QY_TM = _split(_QINGYUAN_PLEDGE, 0.75)

PINS: dict[tuple[str, str], dict[int, float]] = {
    # 惠州 (seed 004, 表 1)
    ("441300", "patent_invention_high_value"): {2020: 5366},       # / 604.29 万人 = 8.88
    ("441300", "population"): {2020: 6042852},
    ("441300", "pledge_amount_patent"): _HZ_PAT,
    ("441300", "pledge_amount_trademark"): _HZ_TM,
    ("441300", "case_aid_mediation"): {2016: 60, 2017: 75, 2018: 90, 2019: 110, 2020: 140, 2021: 180,
                                       2022: 220, 2023: 250, 2024: 265, 2025: 280},
    # 清远 (seed 003, 专栏1)
    ("441800", "patent_invention_high_value"): {2020: 349},        # / 396.95 万人 = 0.88
    ("441800", "population"): {2020: 3969473},
    ("441800", "patent_sei_invention_grants"): {2020: 236, 2021: 262, 2022: 290, 2023: 305, 2024: 318,
                                                2025: 330},
    ("441800", "pledge_amount_patent"): _QY_PAT,
    ("441800", "pledge_amount_trademark"): _QY_TM,
    ("441800", "pledge_projects"): {2016: 4, 2017: 6, 2018: 7, 2019: 9, 2020: 11, 2021: 5, 2022: 6,
                                    2023: 6, 2024: 5, 2025: 6},
    ("441800", "case_aid_mediation"): {2016: 1, 2017: 2, 2018: 2, 2019: 3, 2020: 4, 2021: 6, 2022: 7,
                                       2023: 8, 2024: 9, 2025: 9},
    ("441800", "case_admin_closed"): {2016: 70, 2017: 82, 2018: 95, 2019: 104, 2020: 115, 2021: 110,
                                      2022: 118, 2023: 122, 2024: 125, 2025: 130},
    ("441800", "case_copyright"): {2016: 8, 2017: 9, 2018: 10, 2019: 11, 2020: 12, 2021: 4, 2022: 5,
                                   2023: 4, 2024: 5, 2025: 5},
    # 肇庆 (seed 000): patent pledge +26 %/yr (target 30 %), trademark +21 %/yr (target 20 %)
    ("441200", "pledge_amount_patent"): {2016: 9000, 2017: 12500, 2018: 17000, 2019: 23000, 2020: 30000,
                                         2021: 37800, 2022: 47600, 2023: 60000, 2024: 75600, 2025: 95300},
    ("441200", "pledge_amount_trademark"): {2016: 3000, 2017: 4200, 2018: 5400, 2019: 6600, 2020: 8000,
                                            2021: 9680, 2022: 11710, 2023: 14170, 2024: 17150, 2025: 20750},
}

# Stock anchors of cities (year-end 2020), allocated before the districts run their dynamics.
ANCHOR_PINS: dict[tuple[str, str], int] = {
    ("441300", "patent_invention_valid"): 8612,
    ("441300", "tm_valid"): 97570,
}

# Rates of the plan regions (一审服判息诉率, %); other cities scatter around the province.
RATE_PINS: dict[tuple[str, str], dict[int, float]] = {
    ("441800", "case_court_acceptance_rate"): {2016: 72.4, 2017: 73.0, 2018: 73.9, 2019: 74.6, 2020: 75.2,
                                               2021: 76.5, 2022: 77.8, 2023: 78.4, 2024: 79.1, 2025: 79.5},
}

# ----------------------------------------------------------------------------- tidy indicators
# Indicator values that no export carries, supplied as tidy rows (region, indicator, year, value,
# unit); names as printed in the plan tables. None = not reported that year.
_Y = PATH_YEARS


def _series(*values: float | None) -> dict[int, float]:
    return {y: v for y, v in zip(_Y, values, strict=True) if v is not None}


TIDY_SERIES: list[dict] = [
    # 广东省 14th plan (seed 002)
    dict(region="广东省", indicator="商标品牌发展指数", unit="分",
         values=_series(82.1, 83.6, 85.0, 86.4, 87.95, 88.4, 88.9, 89.3, 89.6, 90.1)),
    dict(region="广东省", indicator="知识产权使用费年进出口总额", unit="亿元",
         values=_series(None, None, None, 610, 690, 780, 840, 905, 960, 1020)),
    dict(region="广东省", indicator="专利密集型产业增加值占地区生产总值比重", unit="%",
         values=_series(None, None, 11.8, 12.3, 12.7, 13.1, 13.4, 13.6, 13.9, 14.3)),
    dict(region="广东省", indicator="版权产业增加值占地区生产总值比重", unit="%",
         values=_series(8.2, 8.4, 8.5, 8.6, 8.7, 8.75, 8.8, 8.82, 8.85, 8.9)),
    dict(region="广东省", indicator="地理标志产品交易额", unit="亿元",  # 2016-2020 sum = 752.5
         values=_series(120.3, 135.8, 150.2, 163.7, 182.5, 240.0, 275.0, 305.0, 330.0, 360.0)),
    dict(region="广东省", indicator="知识产权保护社会满意度", unit="分",  # 14th base 80 (13th printed 75.07)
         values=_series(73.5, 74.2, 74.6, 75.0, 80.0, 80.5, 81.3, 81.9, 82.3, 82.8)),
    dict(region="广东省", indicator="知识产权信息公共服务网站访问量", unit="万人次",
         values=_series(None, None, None, 21, 26, 32, 38, 41, 44, 47)),
    dict(region="广东省", indicator="知识产权信息公共服务节点、网点数量", unit="家",
         values=_series(None, None, None, 6, 11, 18, 26, 31, 35, 41)),
    dict(region="广东省", indicator="广东发明专利申请代理授权率", unit="%",
         values=_series(52.3, 53.8, 54.6, 55.9, 56.5, 57.2, 57.9, 58.1, 58.3, 58.6)),
    # 广东省 13th plan completion values (seed 002), 2020 = printed 完成值
    dict(region="广东省", indicator="每万人口作品著作权和计算机软件著作权拥有量", unit="件",
         values=_series(48, 59, 71, 86, 103, None, None, None, None, None)),
    dict(region="广东省", indicator="年均林业植物新品种申请量", unit="件",
         values=_series(18, 21, 24, 27, 29, None, None, None, None, None)),
    dict(region="广东省", indicator="农业植物新品种权申请量", unit="件",
         values=_series(420, 560, 690, 820, 945, None, None, None, None, None)),
    dict(region="广东省", indicator="农业植物新品种权授权量", unit="件",
         values=_series(150, 210, 270, 330, 397, None, None, None, None, None)),
    dict(region="广东省", indicator="农产品地理标志登记", unit="个",
         values=_series(38, 42, 46, 50, 54, None, None, None, None, None)),
    dict(region="广东省", indicator="建设知识产权运营交易服务机构", unit="家",
         values=_series(21, 30, 39, 48, 57, None, None, None, None, None)),
    dict(region="广东省", indicator="建设专利密集型产业集聚区", unit="个",
         values=_series(4, 6, 8, 10, 11, None, None, None, None, None)),
    dict(region="广东省", indicator="建设商标密集型产业集聚区", unit="个",
         values=_series(3, 5, 7, 9, 11, None, None, None, None, None)),
    dict(region="广东省", indicator="知识产权服务业营业收入年均增长率", unit="%",
         values=_series(19.5, 20.2, 20.8, 21.0, 21.1, None, None, None, None, None)),
    # 广东省 14th plan, targets from the text (seed 002)
    dict(region="广东省", indicator="建立知识产权快保护机制的地市比例", unit="%",
         values=_series(None, None, None, None, 24, 38, 52, 62, 71, 81)),
    dict(region="广东省", indicator="维权援助服务站", unit="个",
         values=_series(None, None, None, None, 120, 210, 330, 420, 510, 590)),
    dict(region="广东省", indicator="规模以上制造业发明专利有效量", unit="万件",
         values=_series(None, None, None, None, 15.2, 16.8, 18.3, 19.9, 21.2, 22.6)),
    dict(region="广东省", indicator="高价值专利协同培育布局机构", unit="个",
         values=_series(None, None, None, None, 60, 120, 210, 300, 390, 470)),
    dict(region="广东省", indicator="中国专利奖获奖数量", unit="项",
         values=_series(140, 150, 165, 180, 185, 190, 210, 205, 220, 215)),
    dict(region="广东省", indicator="转化为标准必要专利的专利数", unit="个",
         values=_series(None, None, None, None, 230, 260, 310, 350, 410, 460)),
    dict(region="广东省", indicator="战略性产业集群知识产权协同运营机构", unit="家",
         values=_series(None, None, None, None, 2, 6, 10, 13, 16, 19)),
    dict(region="广东省", indicator="重点园区知识产权综合运营服务机构", unit="家",
         values=_series(None, None, None, None, 2, 5, 9, 12, 14, 17)),
    dict(region="广东省", indicator="知识产权证券化产品", unit="个",
         values=_series(None, None, None, 1, 3, 6, 9, 11, 12, 13)),
    dict(region="广东省", indicator="地市级综合性知识产权公共服务机构覆盖率", unit="%",
         values=_series(None, None, None, None, 5, 14, 24, 33, 43, 52)),
    dict(region="广东省", indicator="知识产权高层次人才培养数", unit="人",
         values=_series(None, None, None, None, 120, 150, 180, 200, 210, 220)),
    # 惠州市 (seed 004)
    dict(region="惠州市", indicator="地理标志产品数", unit="个",
         values=_series(11, 12, 13, 14, 15, 15, 16, 16, 16, 17)),
    dict(region="惠州市", indicator="作品登记量", unit="件",
         values=_series(None, None, 3100, 3900, 4800, 6500, 7400, 8200, 8900, 9600)),
    dict(region="惠州市", indicator="新增实施产业类专利导航示范项目", unit="个",
         values=_series(None, None, None, None, None, 3, 3, 3, 3, 2)),
    dict(region="惠州市", indicator="重点培育和扶持知识产权密集型产业", unit="个",
         values=_series(None, None, None, None, 0, 1, 2, 3, 3, 3)),
    dict(region="惠州市", indicator="知识产权保护社会满意度", unit="分",
         values=_series(76.2, 77.0, 78.1, 79.0, 80.0, 80.6, 81.2, 81.7, 82.1, 82.6)),
    dict(region="惠州市", indicator="知识产权管理体系贯标认证企事业单位数", unit="家",
         values=_series(60, 95, 130, 168, 200, 240, 285, 330, 372, 405)),
    dict(region="惠州市", indicator="国家知识产权强国建设试点示范县域、园区", unit="个",
         values=_series(None, None, None, None, 0, 0, 1, 0, 0, 1)),
    dict(region="惠州市", indicator="知识产权信息公共服务网点", unit="个",
         values=_series(None, None, None, None, 0, 1, 2, 3, 3, 4)),
    dict(region="惠州市", indicator="新增执业专利代理师、中级以上知识产权师（含中级）", unit="人",
         values=_series(None, None, None, None, None, 8, 11, 12, 10, 8)),
    # 清远市 (seed 003)
    dict(region="清远市", indicator="著作权登记量年均增长率", unit="%",
         values=_series(22.0, 25.3, 27.9, 29.6, 31.0, 28.5, 26.0, 24.3, 25.1, 25.8)),
    dict(region="清远市", indicator="广东省最具价值版权产品", unit="件",
         values=_series(None, None, None, None, None, 0, 1, 1, 2, 2)),
    dict(region="清远市", indicator="知识产权和技术合同交易额", unit="万元",
         values=_series(3100, 3900, 4700, 5600, 6645, 1800, 2100, 2300, 2500, 2600)),
    dict(region="清远市", indicator="地理标志保护产品产业值规模", unit="亿元",
         values=_series(61.0, 66.5, 72.3, 77.8, 83.0, 86.2, 89.5, 92.1, 95.0, 98.2)),
    dict(region="清远市", indicator="省级以上版权兴业示范单位", unit="件",
         values=_series(None, None, None, None, None, 1, 1, 1, 1, 2)),
    dict(region="清远市", indicator="知识产权信息公共服务网站访问量", unit="人次",
         values=_series(None, None, None, None, 1500, 2100, 3300, 4200, 4700, 5100)),
    dict(region="清远市", indicator="新增实施产业类专利导航示范项目", unit="个",
         values=_series(None, None, None, None, None, 1, 1, 1, 1, 1)),
    dict(region="清远市", indicator="知识产权信息公共服务节点、网点数量", unit="家",
         values=_series(None, None, None, None, 0, 1, 1, 2, 2, 3)),
]
