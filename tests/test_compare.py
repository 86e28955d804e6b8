"""Comparison measures: type distribution, ranks, direction-aware reading, group values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.compare import comparison
from kennzahlen_factory import compute_from, grunddaten_table, jobcenter_table

T = 13
M = "2025-01"
IDS = ["01001", "01002", "01003", "01004", "02001"]
JC = jobcenter_table([(IDS[0], "01", "gE", "Ia"), (IDS[1], "01", "zkT", "Ia"), (IDS[2], "01", "gE", "Ia"),
                      (IDS[3], "01", "gE", "Ia"), (IDS[4], "02", "gE", "Ib")])
# K2 = 12 * integrationen / 1000 * 100 -> 12 %, 24 %, 36 %, 36 %, 6 %
INTEG = {IDS[0]: 10, IDS[1]: 20, IDS[2]: 30, IDS[3]: 30, IDS[4]: 5}
# K3 (lower is better): lzb 1000 -> lzb[m]; -10 %, +10 %, 0 %, +20 %
LZB_END = {IDS[0]: 900, IDS[1]: 1100, IDS[2]: 1000, IDS[3]: 1200, IDS[4]: 1000}
# K2E1 (context): minijob 1, 2, 3, 4 per month
MINI = {IDS[0]: 1, IDS[1]: 2, IDS[2]: 3, IDS[3]: 4, IDS[4]: 1}


@pytest.fixture(scope="module")
def cmp(tmp_path_factory):
    series = {i: {"elb": [1000] * T, "integrationen": [INTEG[i]] * T, "lzb": [1000] * 12 + [LZB_END[i]],
                  "eintritte_minijob": [MINI[i]] * T, "lzb_zugang": [10 * (n + 1)] * T}
              for n, i in enumerate(IDS)}
    series[IDS[2]]["integrationen"] = ["30"] * 6 + [""] + ["30"] * 6   # undefined K2 for 01003
    res = compute_from(tmp_path_factory.mktemp("cmp"), JC, grunddaten_table(series, T))
    df = comparison(res, JC)
    return df[(df.monat == M) & (df.geschlecht == "insgesamt")].set_index(["jobcenter_id", "kennzahl"])


def test_type_distribution_over_defined_members(cmp):
    row = cmp.loc[(IDS[0], "K2")]
    # defined K2 in Ia: 12, 24, 36 (01003 undefined) -> median 24, q1 18, q3 30 (linear interpolation)
    assert row.vt_n == 3
    assert row.vt_median == pytest.approx(24.0)
    assert row.vt_q1 == pytest.approx(18.0) and row.vt_q3 == pytest.approx(30.0)
    assert row.vt_min == pytest.approx(12.0) and row.vt_max == pytest.approx(36.0)
    # the type's own value comes from summed inputs, and is undefined since a member's input is missing
    assert math.isnan(row.vt_wert)


def test_ranks_higher_is_better(cmp):
    ranks = {i: cmp.loc[(i, "K2")].rang for i in IDS[:4]}
    assert ranks[IDS[3]] == 1 and ranks[IDS[1]] == 2 and ranks[IDS[0]] == 3
    assert pd.isna(ranks[IDS[2]])                  # undefined value has no rank
    assert cmp.loc[(IDS[0], "K2")].rang_n == 3


def test_ranks_lower_is_better_and_ties(cmp):
    # K3: -10, +10, 0, +20 -> best is the largest decrease
    ranks = {i: cmp.loc[(i, "K3")].rang for i in IDS[:4]}
    assert [ranks[i] for i in IDS[:4]] == [1, 3, 2, 4]
    # K3E1 all 0 (no integrations of LZB): ties share rank 1
    assert {cmp.loc[(i, "K3E1")].rang for i in IDS[:4]} == {1}


def test_direction_aware_reading(cmp):
    # K2 median 24: 12 -> schlechter, 24 -> gleich, 36 -> besser
    assert cmp.loc[(IDS[0], "K2")].lesart == "schlechter"
    assert cmp.loc[(IDS[1], "K2")].lesart == "gleich"
    assert cmp.loc[(IDS[3], "K2")].lesart == "besser"
    assert cmp.loc[(IDS[2], "K2")].lesart == ""          # undefined
    # K3 lower is better: median of -10, 10, 0, 20 = 5 -> -10 besser, 20 schlechter
    assert cmp.loc[(IDS[0], "K3")].lesart == "besser"
    assert cmp.loc[(IDS[3], "K3")].lesart == "schlechter"
    # context figure: no judgement, ranked by size (highest = 1)
    assert cmp.loc[(IDS[3], "K2E1")].lesart == "kontext"
    # K3E3 (Zugangsrate LZB, lower reads better) is an Ergänzungsgröße: not rated, ranked by height
    k3e3 = [cmp.loc[(i, "K3E3")] for i in IDS[:4]]
    assert [r.lesart for r in k3e3] == ["kontext"] * 4
    assert [r.rang for r in k3e3] == [4, 3, 2, 1]            # rates 1 %, 2 %, 3 %, 4 % of lzb 1000
    assert cmp.loc[(IDS[3], "K2E1")].rang == 1


def test_group_values_beside_each_member(cmp):
    row = cmp.loc[(IDS[4], "K2")]
    assert row.vt_wert == pytest.approx(6.0)            # one-member type equals its member
    assert row.land_wert == pytest.approx(6.0)          # Land 02 = 02001 alone
    assert row.vt_n == 1 and row.rang == 1
    k3 = cmp.loc[(IDS[0], "K3")]
    # Land 01 K3: (900 + 1100 + 1000 + 1200) / 4000 - 1 = +5 %; Bund adds 1000 -> 5200 / 5000 - 1 = +4 %
    assert k3.land_wert == pytest.approx(5.0)
    assert k3.bund_wert == pytest.approx(4.0)
    # Trägerart zkT = 01002 alone
    assert cmp.loc[(IDS[1], "K3")].traegerart_wert == pytest.approx(10.0)


def test_user_group_from_mart_inputs_equals_official_level(tmp_path):
    """A Vergleichsring with the members of type Ia reproduces the type's own values and reasons
    (both under the coverage rule of 2026-12, kennzahlen.md)."""
    from helpers.compute import build_cube, compute, group_inputs, group_results
    from helpers.io import load_inputs
    from kennzahlen_factory import write

    series = {i: {"elb": [1000] * T, "integrationen": [INTEG[i]] * T, "lzb": [1000] * 12 + [LZB_END[i]]}
              for i in IDS}
    series[IDS[1]]["lzb"] = ["1000"] * 3 + ["*"] + ["1000"] * 8 + ["1100"]
    jc, gd = load_inputs(*write(tmp_path, JC, grunddaten_table(series, T)))
    official = compute(jc, gd)
    ring = group_results(group_inputs(build_cube(jc, gd)), {"Ring": IDS[:4]})
    a = official[(official.ebene == "vergleichstyp") & (official.id == "Ia")].reset_index(drop=True)
    b = ring.reset_index(drop=True)
    pd.testing.assert_series_equal(a["wert"], b["wert"])
    pd.testing.assert_series_equal(a["grund"], b["grund"])
    pd.testing.assert_series_equal(a["erfasst"], b["erfasst"])
    k3e1 = b[(b.kennzahl == "K3E1") & (b.geschlecht == "insgesamt") & (b.monat == M)]
    # the mean LZB stock of t=0..11 holds the "*" of 01002 at t=3: 3 of 4 members count, below 90 %
    assert list(k3e1["grund"]) == ["zu_wenige"] and list(k3e1["erfasst"]) == [3]
    assert list(k3e1["mitglieder"]) == [4]


@pytest.mark.slow
def test_rings_of_the_demo_types_equal_the_official_types(demo_mart):
    """Every Vergleichstyp of the demo mart, recomputed as a Vergleichsring from the mart's
    Jobcenter inputs, has the same value, reason and coverage in every cell."""
    import numpy as np

    from helpers.compute import group_results

    jc = demo_mart.jobcenter
    ring = group_results(demo_mart.grundlagen(ebene="jobcenter"), {vt: sorted(d.jobcenter_id) for vt, d in jc.groupby("vergleichstyp")})
    off = demo_mart.ergebnisse(ebene="vergleichstyp")
    m = off.merge(ring, on=["id", "monat", "geschlecht", "kennzahl"], suffixes=("_o", "_r"), validate="1:1")
    assert len(m) == len(off) == len(ring) > 0
    assert np.allclose(m.wert_o, m.wert_r, equal_nan=True, rtol=1e-12, atol=0)
    assert (m.grund_o == m.grund_r).all(), m[m.grund_o != m.grund_r].groupby(["grund_o", "grund_r"]).size()
    assert (m.erfasst_o == m.erfasst_r).all()
    assert set(m.grund_o) > {""}                      # the demo has undefined type values to compare
