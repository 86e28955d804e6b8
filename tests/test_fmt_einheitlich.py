"""One formatter: table, chart data/tooltip and map text round the same way (half-up, decimal)."""

import math

import pandas as pd

from helpers import charts, fmt, maps


def test_half_up_from_full_precision():
    # hand-computed: 2.25 -> 2,3 (binary round-half-even would give 2,2); 57.4459 -> 57,4
    # (rounding first to 2 decimals, 57.45, and then to 1 would wrongly give 57,5)
    assert fmt.prozent(2.25) == "2,3\u00a0%"
    assert fmt.prozent(57.4459) == "57,4\u00a0%"
    assert maps.zahl(2.25) == "2,3\u00a0%"
    assert maps.zahl(57.4459, "") == "57,4"
    assert maps.zahl(float("nan")) == "kein Wert"


def test_chart_values_carry_the_shown_rounding():
    v = charts._r(pd.Series([57.4459, 2.25, 0.05, -0.05, None]))
    assert v.iloc[:4].tolist() == [57.4, 2.3, 0.1, -0.1]
    assert math.isnan(v.iloc[4])
    # the tooltip's ",.1f" (d3, German locale with U+2212 minus) of these values is the table string
    for x, s in zip(v.iloc[:4], ["57,4", "2,3", "0,1", "\u22120,1"]):
        assert f"{x:.1f}".replace(".", ",").replace("-", fmt.D3_FORMAT_LOCALE["minus"]) == s == fmt.zahl(x)
