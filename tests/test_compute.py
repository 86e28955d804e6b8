"""The 15 formulas against hand-computed values, and the rules for undefined values.

Series run over 13 months, 2024-01 (t=0) … 2025-01 (t=12); the reference month is t=12.
Each expectation is worked out by hand in the comment beside it. Where a plausible mistake
(wrong denominator month, wrong window) would give another number, the series are chosen so
that it does.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kennzahlen_factory import compute_from, grunddaten_table, jobcenter_table, value

T = 13
M = "2025-01"          # t = 12
M_PREV = "2024-12"     # t = 11
ID_A = "01001"
ID_B = "02002"
ID_C = "02003"
ID_F = "01011"
ID_M = "01012"
ID_S = "01013"
ONE = jobcenter_table([(ID_A, "01", "gE", "Ia")])

alt_elb = [1000 if t % 2 == 0 else 1250 for t in range(T)]
alt_lzb = [800 if t % 2 == 0 else 1000 for t in range(T)]
odd_even = lambda odd, even: [odd if t % 2 else even for t in range(T)]  # noqa: E731
lin = lambda a, b: [a + b * t for t in range(T)]  # noqa: E731
const = lambda c: [c] * T  # noqa: E731

CASES = {
    # (1100 / 1000 - 1) * 100 = 10
    "K1": ({"llu": [1000.0] + [5.0] * 11 + [1100.0]}, 10.0),
    # (1500 / 2000 - 1) * 100 = -25
    "K1E1": ({"kdu": [2000.0] + [7.0] * 11 + [1500.0]}, -25.0),
    # elb = 1000 + 10 t: (1120 / 1000 - 1) * 100 = 12
    "K1E2": ({"elb": lin(1000, 10)}, 12.0),
    # t = 1..12; odd t: 50 / 1250 = 4 %, even t: 25 / 1000 = 2.5 % -> mean 3.25
    # (with the previous month's stock it would be 3.5)
    "K1E3": ({"elb": alt_elb, "elb_zugang": odd_even(50, 25)}, 3.25),
    # odd t: 50 / elb[t-1] = 50 / 1000 = 5 %, even t: 25 / 1250 = 2 % -> mean 3.5
    # (with the same month's stock it would be 3.25)
    "K1E4": ({"elb": alt_elb, "elb_abgang": odd_even(50, 25)}, 3.5),
    # Σ_{t=1..12} 10 = 120 over mean(elb[0..11]) = 1000 + 10 * 5.5 = 1055 -> 11.374407582938389
    # (with elb[1..12] the mean would be 1065)
    "K2": ({"elb": lin(1000, 10), "integrationen": const(10)}, 120 / 1055 * 100),
    # 60 / 1055
    "K2E1": ({"elb": lin(1000, 10), "eintritte_minijob": const(5)}, 60 / 1055 * 100),
    # 24 / 1055
    "K2E2": ({"elb": lin(1000, 10), "eintritte_oefb": const(2)}, 24 / 1055 * 100),
    # ae = 100 + t: mean(ae[0..11]) = 105.5; Σ integrationen_ae = 24 -> 22.748815165876778
    "K2E4": ({"ae": lin(100, 1), "integrationen_ae": const(2)}, 24 / 105.5 * 100),
    # (665 / 700 - 1) * 100 = -5
    "K3": ({"lzb": [700] + [1] * 11 + [665]}, -5.0),
    # lzb = 700 + 2 t: mean(lzb[0..11]) = 711; Σ integrationen_lzb = 84 -> 11.814345991561181
    "K3E1": ({"lzb": lin(700, 2), "integrationen_lzb": const(7)}, 84 / 711 * 100),
    # 70 / 700 * 100 = 10 (reference month only)
    "K3E2": ({"lzb": const(700), "lzb_massnahme": [0] * 12 + [70]}, 10.0),
    # odd t: 20 / 1000 = 2 %, even t: 40 / 800 = 5 % -> mean 3.5
    "K3E3": ({"lzb": alt_lzb, "lzb_zugang": odd_even(20, 40)}, 3.5),
    # odd t: 20 / lzb[t-1] = 20 / 800 = 2.5 %, even t: 40 / 1000 = 4 % -> mean 3.25
    "K3E4": ({"lzb": alt_lzb, "lzb_abgang": odd_even(20, 40)}, 3.25),
}


@pytest.fixture(scope="module")
def case_results(tmp_path_factory):
    out = {}
    for code, (series, _) in CASES.items():
        tmp = tmp_path_factory.mktemp(code)
        # Denominators that the case does not set must not be 0 for the figure under test only.
        out[code] = compute_from(tmp, ONE, grunddaten_table({ID_A: series}, T))
    return out


@pytest.mark.parametrize("code", list(CASES))
def test_formula_hand_computed(case_results, code):
    wert, grund = value(case_results[code], code, M)
    assert grund == ""
    assert wert == pytest.approx(CASES[code][1], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("code", ["K1", "K1E1", "K1E2", "K1E4", "K2", "K2E1", "K2E2", "K2E4", "K3", "K3E1", "K3E4"])
def test_partial_window_at_series_start_is_undefined(case_results, code):
    # These figures need month m-12; at t = 11 the window reaches before the series.
    wert, grund = value(case_results[code], code, M_PREV)
    assert math.isnan(wert) and grund == "fenster"


@pytest.mark.parametrize("code", ["K1E3", "K3E3"])
def test_windows_of_twelve_without_lag_start_at_month_twelve(case_results, code):
    wert, grund = value(case_results[code], code, M_PREV)
    assert grund == "" and not math.isnan(wert)
    wert, grund = value(case_results[code], code, "2024-11")
    assert math.isnan(wert) and grund == "fenster"


def test_k2e3_looks_at_integration_months_m17_to_m6(tmp_path):
    # 19 months, t = 0..18; kontinuierlich is empty for the last six months (t = 13..18), as in a
    # real delivery. At t = 18 the window is t = 1..12: Σ kontinuierlich = 4 * (1 + 2 + 0) = 12,
    # Σ svb = 12 * 10 = 120 -> 10 %. (m-11..m would hit the empty months; m-18..m-7 would add
    # svb[0] = 1000.)
    n = 19
    kont = [t % 3 for t in range(13)] + [""] * 6
    svb = [1000] + [10] * 12 + [50] * 6
    res = compute_from(tmp_path, ONE, grunddaten_table({ID_A: {"integrationen_svb": svb, "kontinuierlich": kont}}, n))
    assert value(res, "K2E3", "2025-07") == (pytest.approx(10.0), "")
    # t = 17: window t = 0..11: Σ kontinuierlich = 12, Σ svb = 1000 + 11 * 10 = 1110
    assert value(res, "K2E3", "2025-06") == (pytest.approx(12 / 1110 * 100), "")
    # t = 16 needs t = -1: before the series
    assert value(res, "K2E3", "2025-05")[1] == "fenster"
    row = res[(res.kennzahl == "K2E3") & (res.monat == "2025-07") & (res.ebene == "jobcenter")].iloc[0]
    assert (row.zaehler, row.nenner, row.erfasst, row.mitglieder) == (12, 120, 1, 1)


def test_stichtag_figure_needs_no_window(case_results):
    assert value(case_results["K3E2"], "K3E2", "2024-01") == (0.0, "")


def test_k1_and_k1e1_exist_only_for_insgesamt(tmp_path):
    res = compute_from(tmp_path, ONE, grunddaten_table({ID_A: CASES["K1"][0]}, T,
                                                       genders=("insgesamt", "frauen", "maenner")))
    for code in ("K1", "K1E1"):
        assert set(res.loc[res.kennzahl == code, "geschlecht"]) == {"insgesamt"}
    assert set(res.loc[res.kennzahl == "K2", "geschlecht"]) == {"insgesamt", "frauen", "maenner"}


def test_suppressed_input_makes_every_window_containing_it_undefined(tmp_path):
    elb = [str(v) for v in lin(1000, 10)] + ["1130", "1140"]
    elb[5] = "*"                      # t = 5 (2024-06) suppressed
    series = {"elb": elb, "integrationen": ["10"] * 15}
    res = compute_from(tmp_path, ONE, grunddaten_table({ID_A: series}, 15))
    # K2 at t=12 (2025-01) uses elb[0..11] -> contains t=5
    assert value(res, "K2", "2025-01") == (pytest.approx(np.nan, nan_ok=True), "gesperrt")
    # K1E2 at t=12 uses elb[12] and elb[0] -> defined; at t=5 uses elb[5] -> gesperrt
    assert value(res, "K1E2", "2025-01")[1] == ""
    assert value(res, "K1E2", "2024-06")[1] in ("gesperrt", "fenster")
    # K1E2 at t=14 uses elb[14] and elb[2] -> defined
    assert value(res, "K1E2", "2025-03")[1] == ""


def test_suppressed_wins_over_missing_and_window_wins_over_both(tmp_path):
    elb = [str(v) for v in lin(1000, 10)]
    elb[3], elb[4] = "", "*"
    res = compute_from(tmp_path, ONE, grunddaten_table({ID_A: {"elb": elb, "integrationen": ["1"] * T}}, T))
    assert value(res, "K2", M)[1] == "gesperrt"          # window holds "" and "*"
    assert value(res, "K2", M_PREV)[1] == "fenster"      # and reaches before the series start
    assert value(res, "K1E2", "2024-04")[1] == "fenster"
    assert value(res, "K3E2", "2024-04")[1] == "nenner_null"   # lzb is 0 here: other inputs unaffected


def test_missing_cell_is_fehlt_and_missing_row_is_nicht_geliefert(tmp_path):
    gd = grunddaten_table({ID_A: {"elb": [str(v) for v in lin(1000, 10)], "integrationen": ["10"] * T}}, T)
    gd.loc[gd.monat == "2024-03", "integrationen"] = ""          # empty cell
    res = compute_from(tmp_path, ONE, gd)
    assert value(res, "K2", M)[1] == "fehlt"
    gd2 = gd[gd.monat != "2024-07"].copy()                         # whole row absent: not delivered
    gd2.loc[gd2.monat == "2024-03", "integrationen"] = "10"
    res2 = compute_from(tmp_path, ONE, gd2)
    assert value(res2, "K2", M)[1] == "nicht_geliefert"            # window t = 0..12 holds t = 6
    assert value(res2, "K3E2", "2024-07")[1] == "nicht_geliefert"  # the month itself
    assert value(res2, "K3E2", "2024-08")[1] == "nenner_null"      # the next month is delivered (lzb 0)
    # both in one window: the absent month is the more telling reason
    gd3 = gd2.copy()
    gd3.loc[gd3.monat == "2024-03", "integrationen"] = ""
    assert value(compute_from(tmp_path, ONE, gd3), "K2", M)[1] == "nicht_geliefert"
    # a delivered month without its frauen row: that value is not available, the month was delivered
    gd4 = grunddaten_table({ID_A: {"elb": lin(1000, 10), "integrationen": const(10)}}, T,
                           genders=("insgesamt", "frauen", "maenner"))
    gd4 = gd4[~((gd4.monat == "2024-07") & (gd4.geschlecht == "frauen"))]
    res4 = compute_from(tmp_path, ONE, gd4)
    assert value(res4, "K2", M, geschlecht="frauen")[1] == "fehlt"
    assert value(res4, "K2", M, geschlecht="maenner") == (pytest.approx(120 / 1055 * 100), "")


def test_member_not_delivered_for_some_months_is_left_out_of_the_group(tmp_path):
    # Member 10 has no rows for 2024-04 (t = 3): it is "nicht geliefert" there, not an input error.
    # K2 at t = 12 (window t = 0..12) over members 1..9: Σ integrationen 12 * 10 * 45 = 5400 over mean
    # elb 9 * 1000 = 9000 -> 60 %, erfasst 9 of 10. K1E2 at t = 12 needs t = 0 and t = 12 only: all
    # ten count. K3E2 at t = 3 (stichtag, lzb 0 for all): member 10 does not count there.
    gd = grunddaten_table(_ten(), T)
    gd = gd[~((gd.jobcenter_id == TEN[9]) & (gd.monat == "2024-04"))]
    res = compute_from(tmp_path, TEN_JC, gd)
    row = _row(res, "K2", "bund", "DE")
    assert row.grund == "" and row.wert == pytest.approx(60.0)
    assert (row.erfasst, row.mitglieder, row.zaehler, row.nenner) == (9, 10, 5400, 9000)
    member = _row(res, "K2", "jobcenter", TEN[9])
    assert member.grund == "nicht_geliefert" and (member.erfasst, member.mitglieder) == (0, 1)
    assert _row(res, "K1E2", "bund", "DE").erfasst == 10
    assert _row(res, "K3E2", "bund", "DE", "2024-04").erfasst == 9
    assert _row(res, "K3E2", "jobcenter", TEN[9], "2024-04").grund == "nicht_geliefert"


def test_group_whose_members_were_not_delivered_says_nicht_geliefert(tmp_path):
    # C is the only member of type Ib and of Land 02 × gE; it has no rows for 2024-06.
    gd = grunddaten_table(_two_members(), T)
    gd = gd[~((gd.jobcenter_id == ID_C) & (gd.monat == "2024-06"))]
    res = compute_from(tmp_path, TWO, gd)
    for ebene, gid in (("jobcenter", ID_C), ("vergleichstyp", "Ib"), ("land_traegerart", "02-gE")):
        wert, grund = value(res, "K2", M, gid, ebene)
        assert math.isnan(wert) and grund == "nicht_geliefert"
    assert value(res, "K2", M, "DE", "bund")[1] == "zu_wenige"      # 2 of 3 members count
    assert value(res, "K2", M, "Ia", "vergleichstyp")[1] == ""      # A and B


def test_zero_denominator(tmp_path):
    series = {"llu": [0.0] + [1.0] * 11 + [50.0], "ae": const(0), "integrationen_ae": const(0),
              "lzb": const(100), "lzb_massnahme": const(5)}
    res = compute_from(tmp_path, ONE, grunddaten_table({ID_A: series}, T))
    assert value(res, "K1", M)[1] == "nenner_null"      # llu[m-12] = 0
    assert value(res, "K2E4", M)[1] == "nenner_null"    # mean ae = 0
    assert value(res, "K3E2", M) == (5.0, "")
    # a numerator of 0 is a defined 0, not undefined
    assert value(res, "K3E1", M) == (0.0, "")


def test_zero_stock_in_one_month_makes_averaged_rate_undefined(tmp_path):
    elb = [str(v) for v in alt_elb]
    elb[6] = "0"
    res = compute_from(tmp_path, ONE, grunddaten_table({ID_A: {"elb": elb, "elb_zugang": ["5"] * T}}, T))
    assert value(res, "K1E3", M)[1] == "nenner_null"


TWO = jobcenter_table([(ID_A, "01", "gE", "Ia"), (ID_B, "02", "zkT", "Ia"), (ID_C, "02", "gE", "Ib")])


def _two_members():
    return {
        ID_A: {"elb": const(1000), "integrationen": const(30), "elb_zugang": const(40), "lzb": const(600),
              "llu": const(100.0)},
        ID_B: {"elb": const(3000), "integrationen": const(30), "elb_zugang": const(300), "lzb": const(2000),
              "llu": const(300.0)},
        ID_C: {"elb": const(500), "integrationen": const(15), "elb_zugang": const(10), "lzb": const(300),
              "llu": const(50.0)},
    }


def test_group_uses_summed_inputs_not_averaged_percentages(tmp_path):
    res = compute_from(tmp_path, TWO, grunddaten_table(_two_members(), T))
    # A: 360 / 1000 = 36 %, B: 360 / 3000 = 12 %; type Ia: 720 / 4000 = 18 % (mean of rates: 24 %)
    assert value(res, "K2", M, ID_A)[0] == pytest.approx(36.0)
    assert value(res, "K2", M, ID_B)[0] == pytest.approx(12.0)
    assert value(res, "K2", M, "Ia", "vergleichstyp")[0] == pytest.approx(18.0)
    # averaged rate: monthly rate from summed counts (340 / 4000 = 8.5 %), then averaged
    assert value(res, "K1E3", M, "Ia", "vergleichstyp")[0] == pytest.approx(8.5)
    # Land 02 = B + C: (30 + 15) * 12 / 3500 = 15.43 %; Bund: 75 * 12 / 4500 = 20 %
    assert value(res, "K2", M, "02", "land")[0] == pytest.approx(45 * 12 / 3500 * 100)
    assert value(res, "K2", M, "zkT", "traegerart")[0] == pytest.approx(12.0)
    assert value(res, "K2", M, "DE", "bund")[0] == pytest.approx(20.0)


def test_missing_member_input_group_needs_ninety_percent(tmp_path):
    # A, B form type Ia: without B only 1 of 2 count (50 % < 90 %); C alone is Ib.
    series = _two_members()
    series[ID_B]["elb"] = ["3000"] * 6 + [""] + ["3000"] * 6
    res = compute_from(tmp_path, TWO, grunddaten_table(series, T))
    assert value(res, "K2", M, ID_A)[1] == ""
    assert value(res, "K2", M, ID_B)[1] == "fehlt"
    assert value(res, "K2", M, "Ia", "vergleichstyp")[1] == "zu_wenige"
    assert value(res, "K2", M, "DE", "bund")[1] == "zu_wenige"     # 2 of 3
    assert value(res, "K2", M, "Ib", "vergleichstyp")[1] == ""     # C alone: unaffected
    assert value(res, "K2", M, "gE", "traegerart")[1] == ""        # A and C


TEN = [f"01{i:03d}" for i in range(1, 11)]
TEN_JC = jobcenter_table([(j, "01", "gE", "Ia") for j in TEN])


def _ten(**override):
    """Ten members, elb 1000 each, member i (1-based) with 10 * i integrations and entries per month."""
    series = {j: {"elb": const(1000), "integrationen": const(10 * i), "elb_zugang": const(10 * i)}
              for i, j in enumerate(TEN, start=1)}
    for j, cols in override.items():
        series[j].update(cols)
    return series


def _row(res, code, ebene, gid, monat=M):
    return res[(res.kennzahl == code) & (res.ebene == ebene) & (res.id == gid) & (res.monat == monat)
               & (res.geschlecht == "insgesamt")].iloc[0]


def test_group_coverage_exactly_ninety_percent_counts_the_same_members(tmp_path):
    # Member 10 lacks elb in t = 6 only: it does not count for any window containing t = 6.
    # K2 at t = 12 over members 1..9: Σ integrationen = 12 * 10 * (1 + … + 9) = 5400,
    # mean stock 9 * 1000 = 9000 -> 60 % (with member 10's flows and stock: 6600 / 10000 = 66 %;
    # numerator of ten over denominator of nine: 75.6 %).
    missing = {TEN[9]: {"elb": ["1000"] * 6 + [""] + ["1000"] * 6}}
    res = compute_from(tmp_path, TEN_JC, grunddaten_table(_ten(**missing), T))
    for ebene, gid in (("bund", "DE"), ("vergleichstyp", "Ia"), ("land", "01"), ("land_traegerart", "01-gE")):
        row = _row(res, "K2", ebene, gid)
        assert row.grund == "" and row.wert == pytest.approx(60.0)
        assert (row.erfasst, row.mitglieder, row.zaehler, row.nenner) == (9, 10, 5400, 9000)
    member = _row(res, "K2", "jobcenter", TEN[9])
    assert (member.erfasst, member.mitglieder, member.grund) == (0, 1, "fehlt")
    assert _row(res, "K2", "jobcenter", TEN[0]).erfasst == 1
    # K1E3 (averaged monthly rates): member 10 is left out of every month of the window, not only
    # of t = 6: each month 450 / 9000 = 5 % -> 5.0 (with member 10 in the other 11 months: 5.46).
    row = _row(res, "K1E3", "bund", "DE")
    assert row.wert == pytest.approx(5.0) and (row.erfasst, row.mitglieder) == (9, 10)
    assert math.isnan(row.zaehler) and math.isnan(row.nenner)
    # K1E2 (x[m] / x[m-12]) needs only t = 0 and t = 12: member 10 counts there.
    assert (_row(res, "K1E2", "bund", "DE").erfasst) == 10


def test_group_coverage_below_ninety_percent_is_undefined(tmp_path):
    # Two of ten lack elb in t = 6: 8 / 10 = 80 % < 90 % -> zu_wenige, no value, no parts.
    gap = ["1000"] * 6 + [""] + ["1000"] * 6
    res = compute_from(tmp_path, TEN_JC, grunddaten_table(_ten(**{TEN[8]: {"elb": gap}, TEN[9]: {"elb": gap}}), T))
    row = _row(res, "K2", "bund", "DE")
    assert row.grund == "zu_wenige" and math.isnan(row.wert) and math.isnan(row.zaehler)
    assert (row.erfasst, row.mitglieder) == (8, 10)
    # a suppressed cell ("*") does not count either: 9 of 10 with one "*"
    res = compute_from(tmp_path, TEN_JC, grunddaten_table(_ten(**{TEN[9]: {"integrationen": ["100"] * 12 + ["*"]}}), T))
    row = _row(res, "K2", "bund", "DE")
    assert row.wert == pytest.approx(60.0) and row.erfasst == 9


def test_all_levels_present(tmp_path):
    res = compute_from(tmp_path, TWO, grunddaten_table(_two_members(), T))
    levels = res.groupby("ebene")["id"].unique().map(sorted).to_dict()
    assert levels == {"jobcenter": [ID_A, ID_B, ID_C], "vergleichstyp": ["Ia", "Ib"], "land": ["01", "02"],
                      "traegerart": ["gE", "zkT"], "land_traegerart": ["01-gE", "02-gE", "02-zkT"],
                      "bund": ["DE"]}


# --------------------------------------------------------------------------- properties

counts = st.lists(st.integers(min_value=0, max_value=5000), min_size=T, max_size=T)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(elb=counts, integ=counts, lzb=counts, zug=counts)
def test_one_member_group_equals_its_member(tmp_path, elb, integ, lzb, zug):
    jc = jobcenter_table([(ID_A, "05", "zkT", "IIIe")])
    series = {ID_A: {"elb": elb, "integrationen": integ, "lzb": lzb, "lzb_zugang": zug, "elb_zugang": zug,
                    "llu": [float(v) for v in elb]}}
    res = compute_from(tmp_path, jc, grunddaten_table(series, T))
    member = res[res.ebene == "jobcenter"].set_index(["monat", "geschlecht", "kennzahl"])
    for ebene, gid in (("vergleichstyp", "IIIe"), ("land", "05"), ("traegerart", "zkT"), ("land_traegerart", "05-zkT"),
                       ("bund", "DE")):
        grp = res[(res.ebene == ebene) & (res.id == gid)].set_index(["monat", "geschlecht", "kennzahl"])
        pd.testing.assert_series_equal(grp["wert"], member["wert"], check_names=False)
        # no member counts: the group gives its members' reason
        pd.testing.assert_series_equal(grp["grund"], member["grund"], check_names=False)
        pd.testing.assert_series_equal(grp["erfasst"], member["erfasst"], check_names=False)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(f_elb=counts, m_elb=counts, f_int=counts, m_int=counts)
def test_summing_frauen_and_maenner_inputs_reproduces_insgesamt(tmp_path, f_elb, m_elb, f_int, m_int):
    jc = jobcenter_table([(ID_F, "01", "gE", "Ia"), (ID_M, "01", "gE", "Ia"), (ID_S, "01", "gE", "Ib")])
    tot = lambda a, b: [x + y for x, y in zip(a, b)]  # noqa: E731
    series = {ID_F: {"elb": f_elb, "integrationen": f_int, "ae": f_elb},
              ID_M: {"elb": m_elb, "integrationen": m_int, "ae": m_elb},
              ID_S: {"elb": tot(f_elb, m_elb), "integrationen": tot(f_int, m_int), "ae": tot(f_elb, m_elb)}}
    res = compute_from(tmp_path, jc, grunddaten_table(series, T))
    # Type Ia = F + M must equal the Jobcenter S whose inputs are the sums.
    a = res[(res.ebene == "vergleichstyp") & (res.id == "Ia")].set_index(["monat", "geschlecht", "kennzahl"])
    b = res[(res.ebene == "jobcenter") & (res.id == ID_S)].set_index(["monat", "geschlecht", "kennzahl"])
    pd.testing.assert_series_equal(a["wert"], b["wert"], check_names=False)
    pd.testing.assert_series_equal(a["grund"], b["grund"], check_names=False)


def test_gender_split_sums_to_insgesamt_through_the_geschlecht_column(tmp_path):
    """frauen + maenner rows of one Jobcenter vs. its insgesamt row: same K2 when inputs add up."""
    f = {"elb": lin(400, 3), "integrationen": const(4)}
    m = {"elb": lin(600, 7), "integrationen": const(9)}
    s = {k: [a + b for a, b in zip(f[k], m[k])] for k in f}
    parts = []
    for g, ser in (("frauen", f), ("maenner", m), ("insgesamt", s)):
        parts.append(grunddaten_table({ID_A: ser}, T, genders=(g,)))
    gd = pd.concat(parts, ignore_index=True)
    res = compute_from(tmp_path, ONE, gd)
    k2 = {g: value(res, "K2", M, geschlecht=g)[0] for g in ("frauen", "maenner", "insgesamt")}
    assert k2["insgesamt"] == pytest.approx((12 * 13) / (sum(s["elb"][:12]) / 12) * 100)
    assert min(k2["frauen"], k2["maenner"]) < k2["insgesamt"] < max(k2["frauen"], k2["maenner"])


def test_compute_output_columns_and_coverage_in_contract_order(tmp_path):
    import subprocess
    import sys

    from kennzahlen_factory import write

    jp, gp = write(tmp_path, TEN_JC, grunddaten_table(_ten(**{TEN[9]: {"elb": ["1000"] * 6 + [""] + ["1000"] * 6}}), T))
    out = tmp_path / "k.csv"
    proc = subprocess.run([sys.executable, "-m", "helpers", "compute", "--jobcenter", str(jp), "--grunddaten", str(gp),
                           "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    import csv
    header = next(csv.reader(out.open(encoding="utf-8")))
    assert header == ["ebene", "id", "monat", "geschlecht", "kennzahl", "wert", "erfasst", "mitglieder", "zaehler",
                      "nenner"]
    res = pd.read_csv(out, dtype={"id": str})
    bund = res[(res.ebene == "bund") & (res.kennzahl == "K2") & (res.monat == M) & (res.geschlecht == "insgesamt")]
    # members 1..9: Σ integrationen 5400 over mean stock 9000 (see the 90 % test above)
    assert bund[["wert", "erfasst", "mitglieder", "zaehler", "nenner"]].iloc[0].tolist() == \
        pytest.approx([60.0, 9, 10, 5400.0, 9000.0])
    lt = res[(res.ebene == "land_traegerart") & (res.kennzahl == "K2") & (res.monat == M)
             & (res.geschlecht == "insgesamt")]
    assert lt["id"].tolist() == ["01-gE"]
    rate = res[(res.ebene == "jobcenter") & (res.kennzahl == "K1E3") & (res.monat == M)
               & (res.geschlecht == "insgesamt") & (res.id == TEN[0])]
    assert rate["zaehler"].isna().all() and rate["nenner"].isna().all()   # averaged rate: no single quotient
    # group counts are printed as integers in every row (Kennzahlen and JFW): "9", never "9.0"
    raw = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert set(raw["kennzahl"].str[:3]) >= {"K1E", "K2", "JFW"}
    for col in ("erfasst", "mitglieder"):
        assert raw[col].str.fullmatch(r"\d+").all(), raw.loc[~raw[col].str.fullmatch(r"\d+"), col].unique()
    assert (raw["mitglieder"] == "10").any() and (raw["erfasst"] == "9").any()
    # whole-number parts too ("5400", not "5400.0")
    assert raw.loc[(raw.ebene == "bund") & (raw.kennzahl == "K2") & (raw.monat == M)
                   & (raw.geschlecht == "insgesamt"), ["zaehler", "nenner"]].iloc[0].tolist() == ["5400", "9000"]
