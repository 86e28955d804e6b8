"""Unit tests of the page content: German formats, generated text, tables, CSV, charts."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from helpers import charts, fmt, text
from helpers.kennzahlen import CODES, GESCHLECHTER, KENNZAHLEN

# --------------------------------------------------------------------------- fmt


@pytest.mark.parametrize("wert, erwartet", [
    (1234.56, "1.234,6"), (0.0, "0,0"), (-0.04, "0,0"), (-1.25, "\u22121,3"), (1234567.0, "1.234.567,0"),
    (0.25, "0,3"), (0.35, "0,4"), (2.45, "2,5"), (12.0, "12,0"),
])
def test_zahl_german_one_decimal_half_away_from_zero(wert, erwartet):
    assert fmt.zahl(wert) == erwartet


def test_rounding_is_not_bankers():
    # Python's format rounds half to even on the binary value: 0.25 -> 0.2, 2.675 -> 2.67
    assert f"{0.25:.1f}" == "0.2" and fmt.zahl(0.25) == "0,3"
    assert f"{2.675:.2f}" == "2.67" and fmt.zahl(2.675, 2) == "2,68"


@pytest.mark.parametrize("leer", [None, float("nan"), np.nan, pd.NA])
def test_undefined_is_the_sign_for_unknown(leer):
    # the Zeichenerklärung reserves "–" for "nichts vorhanden": an undefined value without reason is "."
    assert fmt.zahl(leer) == "."
    assert fmt.prozent(leer) == "."
    assert fmt.punkte(leer) == "."
    assert fmt.rang(leer, 5) == "."
    assert fmt.ganzzahl(leer) == "."


def test_units_months_ranks():
    assert fmt.prozent(12.34) == "12,3\u00a0%"
    assert fmt.punkte(1.23) == "+1,2\u00a0Pp."
    assert fmt.punkte(-1.23) == "\u22121,2\u00a0Pp."
    assert fmt.monat("2026-08") == "August 2026"
    assert fmt.monat("2025-03") == "März 2025"
    assert fmt.monat_plus("2026-01", -1) == "2025-12"
    assert fmt.monat_plus("2026-08", -12) == "2025-08"
    assert fmt.monate_bis("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]
    assert fmt.rang(3, 28) == "3 von 28"
    assert fmt.ganzzahl(12345) == "12.345"


# --------------------------------------------------------------------------- text


def _befund(code, wert, score, lesart="", score_vj=None, wert_vj=None):
    return text.Befund(code=code, wert=wert, score=score, detail=f"d{code}", score_vj=score_vj,
                       wert_vj=wert if wert_vj is None else wert_vj, detail_vj="vj", lesart=lesart)


def test_summary_names_best_and_worst():
    befunde = [_befund("K2", 30.0, 0.9, "besser"), _befund("K3", -1.0, -0.8, "schlechter"),
               _befund("K1E4", 3.0, 0.2, "besser"), _befund("K3E2", 9.0, -0.1, "schlechter"),
               _befund("K1E3", 3.4, None, "kontext")]
    s = text.zusammenfassung("Jobcenter X", "der Median", "2026-08", befunde, [], anzahl=1)
    joined = " ".join(s)
    # only K1-K3 are rated: the Ergänzungsgrößen K1E4 and K3E2 do not count (reading rules)
    assert s[0] == "Jobcenter X, August 2026: bei 1 von 2 Kennzahlen günstiger als der Median, bei 1 ungünstiger."
    best = next(x for x in s if x.startswith("Am günstigsten"))
    worst = next(x for x in s if x.startswith("Am ungünstigsten"))
    assert "K2 " in best and "K1E4" not in best
    assert "K3 " in worst and "K3E2" not in worst
    assert "K1E3" in joined and "Ergänzungsgrößen K1E4, K3E2, K1E3 werden nicht gewertet" in joined
    assert "Alle Werte dieser Seite" in joined


def test_summary_notable_changes_and_undefined():
    befunde = [_befund("K2", 30.0, 0.9, "besser", score_vj=-0.5, wert_vj=29.0),
               _befund("K3", -1.0, -0.1, "schlechter", score_vj=0.0, wert_vj=-3.0)]
    fehlend = [("K2E4 Frauen, Bund", text.grund_text("gesperrt", True))]
    s = " ".join(text.zusammenfassung("Jobcenter X", "der Median", "2026-08", befunde, fehlend))
    assert "Deutliche Veränderungen gegenüber August 2025: K2 (Integrationsquote): 29,0" in s
    assert "(im Vergleich verbessert; vj → dK2)" in s
    # K3 moved 2 points but its position only by 0.1: not "deutlich"
    assert "K3 (" not in s.split("Deutliche Veränderungen")[1].split(".")[0]
    assert "Nicht ausgewiesen (1 Wert): K2E4 Frauen, Bund" in s and "gesperrt" in s


def test_grund_texts():
    assert text.grund_text("") == ""
    assert "gesperrt" in text.grund_text("gesperrt")
    assert "Mitglied" in text.grund_text("gesperrt", gruppe=True)
    assert "Zeitfenster" in text.grund_text("fenster")
    assert "Nenner" in text.grund_text("nenner_null")
    assert "insgesamt" in text.grund_text(text.GRUND_NUR_INSGESAMT)


def test_scores():
    assert text.rang_score(1, 11) == 1.0 and text.rang_score(11, 11) == -1.0 and text.rang_score(6, 11) == 0.0
    assert text.rang_score(None, 11) is None
    assert text.abstand_score(12.0, 10.0, -1, 2.0) == -1.0
    assert text.abstand_score(12.0, 10.0, 0, 2.0) is None


# --------------------------------------------------------------------------- pages (on the mart)


@pytest.fixture(scope="module")
def m(demo_mart):
    from helpers import pages

    return pages.setup()


@pytest.fixture(scope="module")
def seite(m):
    from helpers import pages

    return pages.JobcenterSeite(m, "01001")


def _cells(table_html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", table_html, flags=re.S)
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, flags=re.S) for r in rows]


def test_ids_are_normalised():
    from helpers import pages

    assert pages.jobcenter_id(5315) == "05315"
    assert pages.jobcenter_id("5315") == "05315"
    assert pages.jobcenter_id("13071-1") == "13071-1"
    assert pages.land_id(1) == "01" and pages.land_id("01") == "01"


def test_table_has_all_codes_and_genders(seite):
    html = seite.tabelle().data
    assert 'class="kennzahlen-tabelle"' in html
    for c in CODES:
        assert f">{c}</a>" in html
        assert f'href="../../hilfe/ziel{KENNZAHLEN[c].ziel}.html#hilfe-{c.lower()}"' in html
    z = seite.zeilen()
    assert len(z) == len(CODES) * len(GESCHLECHTER)
    assert set(zip(z["code"], z["geschlecht"])) == {(c, g) for c in CODES for g in GESCHLECHTER}
    assert html.count("Insgesamt</td>") == len(CODES)
    assert html.count("Frauen</td>") == len(CODES) and html.count("Männer</td>") == len(CODES)
    # only K1-K3 are rated (7 cells: K1 only insgesamt), every Ergänzungsgröße is neutral
    rated = sum(html.count(f'class="lesart-{m}"') for m in ("besser", "schlechter", "gleich"))
    assert 1 <= rated <= 7
    assert html.count('class="lesart-kontext"') >= 1


def test_table_shows_no_number_for_undefined_values(m, seite):
    z = seite.zeilen()
    assert z["wert"].isna().any() and z["bund_wert"].isna().any()   # demo data: K1 frauen (nur insgesamt)
    html = seite.tabelle().data
    rows = _cells(html)
    # Bund column is the 6th cell in rows with a Kennzahl header, 5th otherwise; check by value instead:
    for r in z.itertuples():
        label = {"insgesamt": "Insgesamt", "frauen": "Frauen", "maenner": "Männer"}[r.geschlecht]
        if math.isnan(r.bund_wert) and not r.nur_insgesamt_zeile:
            assert f"{r.code} {label}, Bund" in html          # listed in the explanation below the table
    # every value cell either has a German number or the dash
    for r in rows:
        for c in r:
            if "wert-fehlt" in c:
                assert not re.search(r"\d,\d", re.sub(r"<sup>.*?</sup>", "", c))
    # demo: the Bund's K2E4 for women and men is formed without the three smallest Jobcenter
    # (suppressed cells) by the coverage rule of 2026-12, and the page says so
    assert "Werte ohne einzelne Jobcenter" in html and "K2E4 (Frauen)" in html


def test_bund_k2e4_without_suppressed_members_is_shown_with_note(m):
    from helpers import pages

    # demo: integrationen_ae is suppressed for men and women in the three smallest Jobcenter;
    # by the coverage rule of 2026-12 the Bund value is formed over the other 404 (≥ 90 %)
    b = m.ergebnisse(ebene="bund", monat=m.datenstand, kennzahl="K2E4", geschlecht="frauen").iloc[0]
    assert b["grund"] == "" and not np.isnan(b["wert"]) and (b["erfasst"], b["mitglieder"]) == (404, 407)
    s = pages.BundSeite(m)
    html = s.tabelle().data
    assert "K2E4 (Frauen), K2E4 (Männer): ohne 3 von 407 Jobcentern" in html
    csv = s.csv_daten()
    row = csv[(csv["Zeile"] == "Bund: erfasste Jobcenter") & (csv["Geschlecht"] == "Frauen")]
    assert row["K2E4"].iloc[0] == 404


def test_csv_round_trip(m, seite):
    from helpers import pages

    link = seite.download().data
    assert '<a download="kennzahlen_01001_' in link and "data:" not in link     # a file, not inline data
    assert pages.csv_href(link) == f"../../../downloads/jobcenter/01001_{seite.monat}.csv"
    assert "Semikolon" in link and "Dezimalkomma" in link
    raw = seite.csv_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    df = pages.csv_aus_bytes(raw)
    v = m.vergleich(jobcenter_id="01001", monat=m.datenstand)
    merged = df.merge(v, left_on=["Kennzahl", "Geschlecht"],
                      right_on=["kennzahl", v["geschlecht"].map({"insgesamt": "Insgesamt", "frauen": "Frauen",
                                                                  "maenner": "Männer"})])
    assert len(merged) == len(v) == 41
    assert np.allclose(merged["Wert"], merged["wert"], equal_nan=True, rtol=0, atol=1e-12)
    assert np.allclose(merged["Bund"], merged["bund_wert"], equal_nan=True, rtol=0, atol=1e-12)
    assert (df["Jobcenter-ID"] == "01001").all()


def test_group_csv_round_trip(m):
    from helpers import pages

    s = pages.TypSeite(m, "Ia")
    df = pages.csv_aus_bytes(s.csv_bytes())
    e = m.ergebnisse(ebene="vergleichstyp", id="Ia", monat=m.datenstand, geschlecht="insgesamt").set_index("kennzahl")
    row = df[(df["Zeile"] == "Vergleichstyp (Summe)") & (df["Geschlecht"] == "Insgesamt")].iloc[0]
    for c in CODES:
        assert (math.isnan(row[c]) and math.isnan(e.loc[c, "wert"])) or abs(row[c] - e.loc[c, "wert"]) < 1e-12
    assert set(df.loc[df["Zeile"] == "Jobcenter", "Kennung"]) == set(s.ids)


def test_demo_notice_and_datenstand(m, seite):
    html = seite.kopf().data
    if m.meta.get("demo"):
        assert 'class="demo-hinweis' in html and "synthetische Demodaten" in html
    assert f"Datenstand: {fmt.monat(m.datenstand)}" in html
    assert f'href="../vergleichstyp/{seite.vt}.html"' in html


def test_charts_have_description_and_bounded_data(seite):
    for chart in (seite.zeitreihen(1), seite.zeitreihen(2), seite.zeitreihen(3), seite.position()):
        spec = chart.to_dict()      # validates against the Vega-Lite schema
        assert spec["description"] and spec["title"]
        rows = sum(len(v) for v in spec.get("datasets", {}).values())
        assert 0 < rows <= 600
        assert len(json.dumps(spec)) < 60_000
    d = seite.zeitreihen(2).to_dict()["description"]
    assert "August 2026" in d or fmt.monat(seite.monat) in d


def test_group_pages_build(m):
    from helpers import pages

    for s in (pages.TypSeite(m, "IIb"), pages.LandSeite(m, 5), pages.RingSeite(m, "R", [1001, "01002", "01003"])):
        assert len(s.zeilen()) == 45
        assert "kennzahlen-tabelle" in s.tabelle().data
        s.zeitreihen(1).to_dict()
        s.verteilung().to_dict()
    t = pages.LandSeite(m, "05").traegervergleich().data
    assert "n = " in t and "gE" in t and "zkT" in t


def _reihe(spec, code, g):
    """(first month index o, values per field) of one figure × gender in a time series chart."""
    rows = [r for ds in spec["datasets"].values() for r in ds if r.get("k") == code and r.get("g") == g]
    assert len(rows) == 1, (code, g, rows)
    return rows[0]


@pytest.mark.parametrize("art", ["typ", "land", "bund", "jobcenter"])
def test_group_time_series_have_whole_period_and_gender_choice_like_jobcenter(m, art):
    """Issue #12: Vergleichstyp, Land and Bund pages chart the whole available period with the
    Geschlecht radio, as the Jobcenter page (one chart builder, pages.zeitreihen_ziel); the
    women's last value is the mart's group value and the median that of the members' values."""
    from helpers import pages

    seite = {"typ": lambda: pages.TypSeite(m, "Ia"), "land": lambda: pages.LandSeite(m, 5),
             "bund": lambda: pages.BundSeite(m), "jobcenter": lambda: pages.JobcenterSeite(m, "05315")}[art]()
    spec = seite.zeitreihen(2).to_dict()
    p = spec["params"][0]
    assert p["name"] == "geschlecht" and p["bind"]["input"] == "radio" and p["bind"]["labels"] == [
        "Insgesamt", "Frauen", "Männer"]
    assert "Frauen und Männer sind über die Auswahl „Geschlecht“ wählbar" in spec["description"]
    monate = sorted(m.ergebnisse(ebene="bund", kennzahl="K2", geschlecht="frauen").dropna(subset=["wert"])["monat"])
    for g in ("i", "f", "m"):
        r = _reihe(spec, "K2", g)
        assert len(r["w"]) == len(monate) > 36          # every month with a value, not only three years
    r = _reihe(spec, "K2", "f")
    if art == "jobcenter":
        mine = m.vergleich(jobcenter_id="05315", monat=m.datenstand, kennzahl="K2", geschlecht="frauen").iloc[0]
        wert, median = mine["wert"], mine["vt_median"]
    else:
        ebene, gid, members = {"typ": ("vergleichstyp", "Ia", seite.ids), "land": ("land", "05", seite.ids),
                               "bund": ("bund", "DE", None)}[art]
        wert = m.ergebnisse(ebene=ebene, id=gid, monat=m.datenstand, kennzahl="K2", geschlecht="frauen")["wert"].iloc[0]
        mv = m.vergleich(jobcenter_id=members, monat=m.datenstand, kennzahl="K2", geschlecht="frauen")
        median = float(np.median(mv["wert"].dropna()))
    assert r["w"][-1] == round(wert, 1) and r["md"][-1] == round(median, 1)
