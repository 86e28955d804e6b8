"""Steuerungsgrößen (JFW) and Zielerreichung against hand-computed values (steuerung.md).

Series run over 25 months, 2024-01 (t=0) … 2026-01 (t=24); the reference month is t=24, its
previous-year month t=12. Values outside the windows are set to numbers that would change the
result if a window were off by one month.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kennzahlen_factory import grunddaten_table, jobcenter_table, write

from helpers import steuerung
from helpers.io import InputError, load_inputs

T = 25
M, M_VJ = "2026-01", "2025-01"
ID_A = "01001"

# integrationen: t=0 outside both windows; t=1..12 the previous-year window; t=13..24 the window.
INT = [99] + [10] * 12 + [15] * 12                 # Σ(m) = 12 × 15 = 180, Σ(m-12) = 12 × 10 = 120
# elb: mean₋₁(m) = mean(elb[12..23]) = 1250, mean₋₁(m-12) = mean(elb[0..11]) = 1000; elb[24] not used.
ELB = [1000] * 12 + [1250] * 12 + [5000]
# lzb: JFW_LZB(m) = mean(lzb[13..24]) = (6 × 500 + 6 × 580) / 12 = 540; JFW_LZB(m-12) = mean(lzb[1..12]) = 600.
LZB = [9999] + [600] * 12 + [500] * 6 + [580] * 6


def _compute(tmp_path, jc, gd):
    jp, gp = write(tmp_path, jc, gd)
    return steuerung.compute(*load_inputs(jp, gp))


def _row(res, code, monat=M, id=ID_A, ebene="jobcenter", geschlecht="insgesamt"):
    r = res[(res.ebene == ebene) & (res.id == id) & (res.kennzahl == code) & (res.monat == monat)
            & (res.geschlecht == geschlecht)]
    assert len(r) == 1
    return r.iloc[0]


@pytest.fixture(scope="module")
def einzel(tmp_path_factory):
    jc = jobcenter_table([(ID_A, "01", "gE", "Ia")])
    gd = grunddaten_table({ID_A: {"integrationen": INT, "elb": ELB, "lzb": LZB}}, T,
                          genders=("insgesamt", "frauen", "maenner"))
    return _compute(tmp_path_factory.mktemp("einzel"), jc, gd)


@pytest.mark.parametrize("code, expected, zaehler, nenner", [
    ("JFW_INT", 180.0, 180.0, math.nan),                   # Σ integrationen[13..24]
    ("JFW_K2", 14.4, 180.0, 1250.0),                       # 180 / 1250 × 100
    ("JFW_K2_VJ", 20.0, 14.4, 12.0),                       # (14.4 / 12 − 1) × 100; K2(m-12) = 120 / 1000 × 100
    ("JFW_K2_VJ_PP", 2.4, 14.4, 12.0),                     # 14.4 − 12.0
    ("JFW_LZB", 540.0, 6480.0, 12.0),                      # 6480 / 12
    ("JFW_LZB_VJ", -10.0, 540.0, 600.0),                   # (540 / 600 − 1) × 100
])
def test_jfw_hand_computed(einzel, code, expected, zaehler, nenner):
    for g in ("insgesamt", "frauen", "maenner"):          # the JFW exist for every gender
        r = _row(einzel, code, geschlecht=g)
        assert r["wert"] == pytest.approx(expected, rel=1e-12), (code, g)
        assert r["grund"] == ""
        assert r["zaehler"] == pytest.approx(zaehler, rel=1e-12)
        assert (math.isnan(r["nenner"]) if math.isnan(nenner) else r["nenner"] == pytest.approx(nenner, rel=1e-12))
        assert (r["erfasst"], r["mitglieder"]) == (1, 1)


def test_jfw_undefined_reasons(einzel, tmp_path):
    # 2025-12 (t=23): K2 of 2024-12 needs elb from 2023-12, before the series -> Zeitfenster.
    r = _row(einzel, "JFW_K2_VJ", "2025-12")
    assert math.isnan(r["wert"]) and r["grund"] == "fenster" and r["erfasst"] == 0
    # … while K2 itself is defined: (10 + 11 × 15) / ((1000 + 11 × 1250) / 12) × 100 = 14.2373…
    assert _row(einzel, "JFW_K2", "2025-12")["wert"] == pytest.approx(175 / (14750 / 12) * 100)
    # A suppressed lzb cell inside the window: gesperrt; a zero stock: Nenner 0.
    lzb = list(LZB)
    lzb[20] = "*"
    jc = jobcenter_table([(ID_A, "01", "gE", "Ia")])
    res = _compute(tmp_path, jc, grunddaten_table({ID_A: {"integrationen": INT, "elb": [0] * T, "lzb": lzb}}, T))
    assert _row(res, "JFW_LZB")["grund"] == "gesperrt"
    assert _row(res, "JFW_LZB_VJ")["grund"] == "gesperrt"
    assert _row(res, "JFW_K2")["grund"] == "nenner_null"
    assert _row(res, "JFW_INT")["wert"] == 180.0     # needs no stock


def _gruppe(tmp_path, gesperrt_bei: list[int]):
    """Ten Jobcenter of one type; member 9 has twice the integrations; members listed in
    gesperrt_bei have integrationen[5] = '*' (inside the previous-year window only)."""
    ids = [f"01{k:03d}" for k in range(1, 11)]
    jc = jobcenter_table([(i, "01", "gE", "Ia") for i in ids])
    series = {}
    for k, i in enumerate(ids):
        integ = [2 * v for v in INT] if k == 9 else list(INT)
        if k in gesperrt_bei:
            integ[5] = "*"
        series[i] = {"integrationen": integ, "elb": ELB, "lzb": LZB}
    return _compute(tmp_path, jc, grunddaten_table(series, T))


def test_group_coverage_same_members_in_both_years(tmp_path):
    res = _gruppe(tmp_path, gesperrt_bei=[9])
    for ebene, gid in (("vergleichstyp", "Ia"), ("land", "01"), ("traegerart", "gE"), ("bund", "DE")):
        # JFW_K2 at m: every member's window t=13..24 is complete: (9 × 180 + 360) / (10 × 1250) × 100 = 15.84
        r = _row(res, "JFW_K2", id=gid, ebene=ebene)
        assert r["wert"] == pytest.approx(15.84) and (r["erfasst"], r["mitglieder"]) == (10, 10)
        # The change needs t=1..12 too: member 9 does not count in either year (9 of 10 = 90 %):
        # K2 = 9 × 180 / (9 × 1250) × 100 = 14.4 against 9 × 120 / (9 × 1000) × 100 = 12 -> +20 %.
        # (Member 9 only at m would give 15.84 / 12 -> +32 %.)
        r = _row(res, "JFW_K2_VJ", id=gid, ebene=ebene)
        assert r["wert"] == pytest.approx(20.0) and (r["erfasst"], r["mitglieder"]) == (9, 10)
        assert (r["zaehler"], r["nenner"]) == (pytest.approx(14.4), pytest.approx(12.0))
        assert _row(res, "JFW_K2_VJ_PP", id=gid, ebene=ebene)["wert"] == pytest.approx(2.4)
        # The absolute JFW_INT needs every member: at m all count (1980), at m-12 one is missing.
        assert _row(res, "JFW_INT", id=gid, ebene=ebene)["wert"] == 1980.0
        r = _row(res, "JFW_INT", M_VJ, id=gid, ebene=ebene)
        assert math.isnan(r["wert"]) and r["grund"] == "zu_wenige" and r["erfasst"] == 9
        # JFW_LZB is complete for all ten: 10 × 540.
        assert _row(res, "JFW_LZB", id=gid, ebene=ebene)["wert"] == pytest.approx(5400.0)


def test_group_below_ninety_percent_is_undefined(tmp_path):
    res = _gruppe(tmp_path, gesperrt_bei=[8, 9])
    r = _row(res, "JFW_K2_VJ", id="Ia", ebene="vergleichstyp")
    assert math.isnan(r["wert"]) and r["grund"] == "zu_wenige" and (r["erfasst"], r["mitglieder"]) == (8, 10)
    assert math.isnan(r["zaehler"])
    # the quota at m itself is still complete
    assert _row(res, "JFW_K2", id="Ia", ebene="vergleichstyp")["erfasst"] == 10


# --------------------------------------------------------------------------- Zielerreichung

def _serie(werte: dict[str, float]) -> pd.Series:
    return pd.Series(werte, dtype=float)


def _jahr(start: float, ende: float, jahr: int = 2026, bis: int = 12) -> dict[str, float]:
    """A linear path from December J-1 (start) to December J (ende), and J-1 flat at start."""
    out = {f"{jahr - 1}-{k:02d}": start for k in range(1, 13)}
    for k in range(1, bis + 1):
        out[f"{jahr}-{k:02d}"] = start + (ende - start) * k / 12
    return out


def test_ziel_k2_erreicht():
    # Soll = 12.0 × (1 + 2 / 100) = 12.24; Ist 12.5 >= 12.24; Grad 12.5 / 12.24 × 100 = 102.1241…
    z = steuerung.zielerreichung(_serie(_jahr(12.0, 12.5)), "K2", 2026, 2.0, "2026-12")
    assert z.soll == pytest.approx(12.24) and z.basis == 12.0
    assert z.urteil == "erreicht" and z.stand == "2026-12"
    assert z.grad == pytest.approx(12.5 / 12.24 * 100)
    assert z.ist_veraenderung == pytest.approx((12.5 / 12.0 - 1) * 100)       # 4.1667 % against the agreed 2 %
    assert list(z.pfad["monat"]) == [f"2026-{k:02d}" for k in range(1, 13)]


def test_ziel_k2_nicht_erreicht():
    z = steuerung.zielerreichung(_serie(_jahr(12.0, 12.2)), "K2", 2026, 2.0, "2026-12")
    assert z.urteil == "nicht_erreicht"
    assert z.grad == pytest.approx(12.2 / 12.24 * 100)                          # 99.673…


def test_ziel_noch_offen_mit_stand():
    # Data up to July 2026: Ist = 12 + 0.6 × 7 / 12 = 12.35 against July 2025 (12.0): +2.9167 %
    z = steuerung.zielerreichung(_serie(_jahr(12.0, 12.6, bis=7)), "K2", 2026, 2.0, "2026-07")
    assert z.urteil == "offen" and z.stand == "2026-07"
    assert z.ist == pytest.approx(12.35) and z.ist_veraenderung == pytest.approx(0.35 / 12 * 100)
    assert math.isnan(z.grad)


def test_ziel_lzb_niedriger_ist_besser():
    # Soll = 1000 × (1 − 2 / 100) = 980. 975 undercuts the Soll by (975 / 980 − 1) × 100 = −0.5102 %.
    z = steuerung.zielerreichung(_serie(_jahr(1000.0, 975.0)), "LZB", 2026, -2.0, "2026-12")
    assert z.soll == pytest.approx(980.0) and z.urteil == "erreicht"
    assert z.grad == pytest.approx((975 / 980 - 1) * 100)
    # 985 is above the Soll: missed, although the stock fell (−1.5 %).
    z = steuerung.zielerreichung(_serie(_jahr(1000.0, 985.0)), "LZB", 2026, -2.0, "2026-12")
    assert z.urteil == "nicht_erreicht" and z.grad == pytest.approx((985 / 980 - 1) * 100)
    assert z.ist_veraenderung == pytest.approx(-1.5)


def test_ziel_ohne_vorjahresdezember_undefiniert():
    werte = {f"2026-{k:02d}": 12.0 + k / 10 for k in range(1, 13)}        # the series starts in 2026
    z = steuerung.zielerreichung(_serie(werte), "K2", 2026, 2.0, "2026-12")
    assert z.urteil == "undefiniert" and math.isnan(z.soll)
    assert "Dezember 2025" in z.grund and "nicht im Datenbestand" in z.grund
    # undefined with the JFW's own reason
    werte["2025-12"] = np.nan
    z = steuerung.zielerreichung(_serie(werte), "LZB", 2026, -1.0, "2026-12",
                                 gruende=pd.Series({"2025-12": "Eingangswert gesperrt"}))
    assert z.urteil == "undefiniert" and "Eingangswert gesperrt" in z.grund


# --------------------------------------------------------------------------- input `ziele`

def test_load_ziele_valid(tmp_path):
    p = tmp_path / "ziele.csv"
    p.write_text("jobcenter_id,jahr,zielgroesse,ziel\n01001,2026,K2,2.0\n01001,2026,LZB,-1.5\n", encoding="utf-8")
    z = steuerung.load_ziele(p, ["01001"])
    assert list(z["ziel"]) == [2.0, -1.5] and list(z["jahr"]) == [2026, 2026]
    assert z["jobcenter_id"].iloc[0] == "01001"


def test_load_ziele_errors_name_line_and_column(tmp_path):
    p = tmp_path / "ziele.csv"
    p.write_text("jobcenter_id,jahr,zielgroesse,ziel\n"
                 "01001,2026,K2,2.0\n"
                 "09999,2026,K2,1.0\n"          # line 3: unknown id
                 "01001,26,LZB,1.0\n"           # line 4: year
                 "01001,2026,K3,1.0\n"          # line 5: zielgroesse
                 "01001,2027,K2,zwei\n"         # line 6: ziel
                 "01001,2026,K2,3.0\n",         # line 7: duplicate of line 2
                 encoding="utf-8")
    with pytest.raises(InputError) as e:
        steuerung.load_ziele(p, ["01001"])
    found = {(pr.line, pr.column) for pr in e.value.problems}
    assert {(3, "jobcenter_id"), (4, "jahr"), (5, "zielgroesse"), (6, "ziel"),
            (7, "jobcenter_id, jahr, zielgroesse")} <= found
    assert "zuerst in Zeile 2" in e.value.render()


def test_demo_ziele_third_of_jobcenter():
    ids = [f"{k:05d}" for k in range(1, 301)]
    z = steuerung.demo_ziele(ids, [2025, 2026])
    assert z["jobcenter_id"].nunique() == 100
    assert set(z["zielgroesse"]) == {"K2", "LZB"}
    assert z.equals(steuerung.demo_ziele(ids, [2025, 2026]))           # deterministic
