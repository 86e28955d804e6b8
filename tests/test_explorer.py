"""The explorer's logic (helpers.explorer) on synthetic frames and on the processed mart."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import explorer as ex
from helpers import fmt, paths
from helpers.kennzahlen import GRUENDE, KENNZAHLEN, codes_for
from helpers.steuerung import STEUERUNG


@pytest.fixture(scope="module")
def m(demo_mart):
    return demo_mart


@pytest.fixture(scope="module")
def jid(m):
    return "05315" if "05315" in set(m.jobcenter["jobcenter_id"]) else sorted(m.jobcenter["jobcenter_id"])[0]


# --------------------------------------------------------------------------- nearest neighbours


def test_distances_are_symmetric_exclude_self_and_respect_k(m):
    monat = m.datenstand
    ids = sorted(m.jobcenter["jobcenter_id"])
    z = ex.zwerte(m, monat, "insgesamt")
    sample = ids[::37]
    tables = {a: ex.distanzen_aus_z(z, a).set_index("jobcenter_id")["distanz"] for a in sample}
    for a in sample:
        assert a not in tables[a].index
        assert len(tables[a]) == len(ids) - 1
        for b in sample:
            if a != b:
                assert tables[a][b] == tables[b][a]          # exactly, not approximately
                assert tables[a][b] > 0
    for k in (1, 7, 25):
        nb = ex.nachbarn(m, sample[0], monat, "insgesamt", k)
        assert len(nb) == k
        assert sample[0] not in set(nb["jobcenter_id"])
        assert nb["distanz"].is_monotonic_increasing
        assert (nb["distanz"].to_numpy() <= tables[sample[0]].drop(nb["jobcenter_id"]).min()).all()


def test_distance_uses_only_figures_defined_for_both():
    codes = ["K1E2", "K1E3", "K1E4", "K2", "K2E1", "K2E2"]
    z = pd.DataFrame(
        [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0],          # A
         [1.0, 1.0, 1.0, 1.0, 1.0, np.nan],       # B: one figure undefined
         [0.0, 0.0, np.nan, np.nan, np.nan, np.nan],  # C: identical where defined, but only 2 figures
         [0.5, 0.5, 0.5, 0.5, 0.5, 9.0]],         # D
        index=["A", "B", "C", "D"], columns=codes)
    d = ex.distanzen_aus_z(z, "A", min_gemeinsam=5).set_index("jobcenter_id")
    # B: RMS over the 5 common figures = 1 (the NaN is neither 0 nor a penalty)
    assert d.loc["B", "distanz"] == pytest.approx(1.0)
    assert d.loc["B", "gemeinsam"] == 5
    # C would be at distance 0 if its NaN were read as "no difference": it has no distance instead
    assert math.isnan(d.loc["C", "distanz"]) and d.loc["C", "gemeinsam"] == 2
    assert d.loc["D", "distanz"] == pytest.approx(math.sqrt((5 * 0.25 + 81) / 6))
    assert list(d.index) == ["B", "D", "C"]               # undefined distances last


def test_neighbours_with_suppressed_figures(m):
    """A Jobcenter with a suppressed figure: distances only over common figures, no NaN inside."""
    e = m.ergebnisse(ebene="jobcenter", monat=m.datenstand, geschlecht="frauen")
    gesperrt = e.loc[e["grund"] == "gesperrt", "id"]
    if gesperrt.empty:
        pytest.skip("keine gesperrten Werte im Datenbestand")
    j = gesperrt.iloc[0]
    n_defined = e[(e["id"] == j)]["wert"].notna().sum()
    d = ex.distanzen(m, j, m.datenstand, "frauen")
    assert d["distanz"].notna().all()
    assert (d["gemeinsam"] <= n_defined).all()
    assert d["gemeinsam"].max() < len(codes_for("frauen"))
    nb = ex.nachbarn(m, j, m.datenstand, "frauen", 5)
    assert len(nb) == 5 and j not in set(nb["jobcenter_id"])


def test_zscores_drop_constant_figures():
    class FakeMart:
        jobcenter = pd.DataFrame({"jobcenter_id": ["a", "b", "c"]})

        def ergebnisse(self, **kw):
            rows = []
            for j, v in zip("abc", (1.0, 2.0, 3.0)):
                rows += [{"id": j, "kennzahl": "K2", "wert": v}, {"id": j, "kennzahl": "K3", "wert": 5.0}]
            rows.append({"id": "a", "kennzahl": "K1", "wert": np.nan})
            return pd.DataFrame(rows)

    z = ex.zwerte(FakeMart(), "2026-08", "insgesamt")
    assert list(z.columns) == ["K2"]                      # K3 constant, K1 undefined: left out
    assert z["K2"].tolist() == pytest.approx([-math.sqrt(1.5), 0.0, math.sqrt(1.5)])


# --------------------------------------------------------------------------- groups


@pytest.mark.parametrize("art", ["vergleichstyp", "land", "traegerart"])
def test_group_members_by_attribute(m, jid, art):
    a = ex.standard_auswahl(m, jid, gruppe_art=art)
    info = m.jobcenter_info(jid)
    expected = sorted(m.jobcenter.loc[m.jobcenter[art] == info[art], "jobcenter_id"])
    got = ex.mitglieder(m, a)
    assert got == expected and jid in got
    others = m.jobcenter.loc[m.jobcenter[art] != info[art], "jobcenter_id"]
    assert not set(got) & set(others)
    # the group's own value is the official level, which equals the summed-input computation
    own = ex.gruppe_werte(m, a)
    own = own[(own["monat"] == a.bis) & (own["geschlecht"] == "insgesamt")].set_index("kennzahl")["wert"]
    summed = m.gruppe(got, name="x")
    summed = summed[(summed["monat"] == a.bis) & (summed["geschlecht"] == "insgesamt")].set_index("kennzahl")["wert"]
    pd.testing.assert_series_equal(own.sort_index(), summed.sort_index(), check_names=False, rtol=1e-12)


def test_group_of_neighbours_and_ring(m, jid):
    a = ex.standard_auswahl(m, jid, gruppe_art="nachbarn", k=6)
    members = ex.mitglieder(m, a)
    nb = ex.nachbarn(m, jid, a.bis, a.geschlecht, 6)
    assert members == sorted([jid, *nb["jobcenter_id"]])
    ring = ex.lade_ring(paths.PARAMETERS / "ringe" / "beispielring.yml")
    r = replace(a, gruppe_art="ring", ring=ring)
    assert ex.mitglieder(m, r) == sorted(ring.mitglieder)
    rl = ex.rangliste(m, r)
    assert set(rl["jobcenter_id"]) == set(ring.mitglieder) | {jid}
    assert rl.loc[rl["jobcenter_id"] == jid, "mitglied"].item() == (jid in ring.mitglieder)
    with pytest.raises(KeyError, match="unbekannte Jobcenter 99999"):
        ex.mitglieder(m, replace(a, gruppe_art="ring", ring=ex.Ring("x", ("99999", jid))))


def test_time_series_median_and_quartiles_of_members(m, jid):
    a = ex.standard_auswahl(m, jid, kennzahl="K3")
    zr = ex.zeitreihe(m, a)
    assert zr["monat"].tolist() == [x for x in ex.monate(m) if a.von <= x <= a.bis]
    last = zr.iloc[-1]
    members = ex.mitglieder(m, a)
    vals = m.ergebnisse(ebene="jobcenter", id=members, monat=a.bis, kennzahl="K3", geschlecht="insgesamt")["wert"]
    assert last["gruppe_median"] == pytest.approx(vals.median())
    assert last["gruppe_q1"] == pytest.approx(vals.quantile(0.25))
    assert last["gruppe_n"] == vals.notna().sum()
    bund = m.ergebnisse(ebene="bund", monat=a.bis, kennzahl="K3", geschlecht="insgesamt")["wert"].item()
    assert last["bund_wert"] == bund


# --------------------------------------------------------------------------- direction


def test_direction_lower_is_better_best_shows_outward():
    anteil, abstand = ex.einordnung(-5.0, np.array([-1.0, 0.0, 2.0, 3.0, np.nan]), richtung=-1)
    assert anteil == 100 and abstand > 0                  # right / outward = better
    anteil, abstand = ex.einordnung(4.0, np.array([-1.0, 0.0, 2.0, 3.0]), richtung=-1)
    assert anteil == 0 and abstand < 0
    anteil, abstand = ex.einordnung(4.0, np.array([-1.0, 0.0, 2.0, 3.0]), richtung=1)
    assert anteil == 100 and abstand > 0
    anteil, _ = ex.einordnung(2.0, np.array([1.0, 2.0, 3.0]), richtung=1)
    assert anteil == 50                                   # ties count half


def test_direction_in_profile_and_ranking_on_mart(m):
    """The Jobcenter with the lowest K1 (lower is better) of its type is best in profile and ranking."""
    monat = m.datenstand
    v = m.vergleich(monat=monat, geschlecht="insgesamt", kennzahl="K1").dropna(subset=["wert"])
    best = v.loc[v.groupby("vergleichstyp")["wert"].idxmin()].iloc[0]
    a = ex.standard_auswahl(m, best["jobcenter_id"], kennzahl="K1")
    p = ex.profil(m, a).set_index("kennzahl")
    assert p.loc["K1", "anteil_besser"] == 100 and p.loc["K1", "abstand"] > 0
    assert p.loc["K1", "lesart"] == "günstiger"
    assert p.loc["K1E3", "lesart"] == "kontext" and bool(p.loc["K1E3", "kontext"])
    rl = ex.rangliste(m, a)
    assert rl.iloc[0]["jobcenter_id"] == best["jobcenter_id"] and rl.iloc[0]["rang"] == 1
    assert rl["wert"].dropna().is_monotonic_increasing     # lower first for lower-is-better
    # agrees with the mart's own ranks
    assert best["rang"] == 1
    hb = ex.rangliste(m, replace(a, kennzahl="K2"))
    assert hb["wert"].dropna().is_monotonic_decreasing


# --------------------------------------------------------------------------- table, export, files


def test_table_german_numbers_and_reasons(m, jid):
    a = ex.standard_auswahl(m, jid)
    t = ex.tabelle(m, a)
    assert list(t["Kennzahl"]) == list(codes_for("insgesamt")) + list(STEUERUNG)
    t = t[t["Kennzahl"].isin(list(KENNZAHLEN))]
    assert t["Jobcenter"].str.fullmatch(r"\u2212?\d{1,3}(\.\d{3})*,\d").all()
    early = ex.tabelle(m, replace(a, bis=m.meta["erster_monat"], von=None))
    early = early[early["Kennzahl"].isin(list(KENNZAHLEN))]
    window = early[early["Kennzahl"].map(lambda c: KENNZAHLEN[c].art != "stichtag")]   # 12-month figures
    assert len(window) == 14 and (window["Jobcenter"] == "x").all()         # not formed (window): "x"
    assert window["Hinweis"].str.contains(GRUENDE["fenster"], regex=False).all()
    frauen = ex.tabelle(m, replace(a, geschlecht="frauen"))
    assert "K1" not in set(frauen["Kennzahl"])
    assert ex.zahl(-1234.56) == "\u22121.234,6" and ex.zahl(float("nan")) == "." and ex.zahl(-0.01) == "0,0"


def test_table_reason_for_suppressed_value(m):
    e = m.ergebnisse(ebene="jobcenter", monat=m.datenstand, geschlecht="frauen")
    hit = e[e["grund"] == "gesperrt"]
    if hit.empty:
        pytest.skip("keine gesperrten Werte im Datenbestand")
    row = hit.iloc[0]
    t = ex.tabelle(m, ex.standard_auswahl(m, row["id"], geschlecht="frauen")).set_index("Kennzahl")
    assert t.loc[row["kennzahl"], "Jobcenter"] == "."                        # Zahlenwert geheim zu halten
    assert GRUENDE["gesperrt"] in t.loc[row["kennzahl"], "Hinweis"]


def test_csv_export_german_headers_handbook_rounding_members(m, jid, tmp_path):
    # from the first month: the 12-month figures are undefined at the start (reason "fenster")
    a = ex.standard_auswahl(m, jid, gruppe_art="nachbarn", k=4, von=m.meta["erster_monat"])
    werte, *zs, glieder = ex.exportiere(m, a, tmp_path)
    assert werte.parent == tmp_path and werte.suffix == ".csv" and glieder.name.endswith("_mitglieder.csv")
    assert zs[0].name.endswith("_zielsteuerung.csv")
    original = ex.export_tabelle(m, a)
    back = ex.lese_csv(werte)
    assert list(back.columns) == list(original.columns)
    assert {"Kennung", "Jobcenter in %", "Median der Gruppe in %", "Hinweis"} <= set(back.columns)
    assert not any("_" in c for c in back.columns)                       # no technical headers
    # the handbook's formatter: one decimal, half away from zero; undefined: the sign of its reason
    undefined = original["Jobcenter in %"].isna()
    assert back.loc[~undefined, "Jobcenter in %"].tolist() == [fmt.zahl(x) for x in original.loc[~undefined, "Jobcenter in %"]]
    assert back["Kennung"].iloc[0] == jid
    assert undefined.any() and back.loc[undefined, "Jobcenter in %"].isin(["x", "."]).all()
    assert (back.loc[undefined & original["Hinweis"].str.contains(GRUENDE["fenster"], regex=False),
                     "Jobcenter in %"] == "x").all()
    assert (back.loc[undefined, "Hinweis"] != "").all()
    text = werte.read_text(encoding="utf-8-sig")
    assert "synthetische Demodaten" in text if m.demo else True
    members = ex.lese_csv(glieder)
    assert members["Kennung"].tolist() == ex.mitglieder(m, a) and len(members) == 5
    assert (members["Ausgewähltes Jobcenter"] == "ja").sum() == 1
    # never overwrites: the second export gets new names
    again = ex.exportiere(m, a, tmp_path)
    assert again[0].name.endswith("-2.csv") and werte.exists() and again[0] != werte
    link = ex.download_link(werte)
    assert link.startswith('<a class="explorer-download" download="') and "base64," in link


def test_xlsx_export_numbers_rounded_and_members_sheet(m, jid, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    a = ex.standard_auswahl(m, jid, kennzahl="K1")
    (pfad,) = ex.exportiere(m, a, tmp_path, format="xlsx")
    wb = openpyxl.load_workbook(pfad)
    assert wb.sheetnames in (["Werte", "Zielsteuerung", "Mitglieder"], ["Werte", "Zielsteuerung", "Zielwerte", "Mitglieder"])
    rows = list(wb["Werte"].iter_rows(values_only=True))
    kopf = list(rows[0])
    col = kopf.index("Jobcenter in %")
    original = ex.export_tabelle(m, a)["Jobcenter in %"].tolist()
    got = [r[col] for r in rows[1:]]
    assert got == [None if math.isnan(x) else float(fmt.runden(x)) for x in original]
    assert len(list(wb["Mitglieder"].iter_rows())) == 1 + len(ex.mitglieder(m, a))
    rl = ex.exportiere(m, a, tmp_path, format="xlsx", ansicht="rangliste")[0]
    assert openpyxl.load_workbook(rl).sheetnames == ["Rangliste", "Mitglieder"]


def test_free_path_never_overwrites(tmp_path):
    p = tmp_path / "a.csv"
    assert ex.freier_pfad(p) == p
    p.write_text("x")
    assert ex.freier_pfad(p) == tmp_path / "a-2.csv"
    (tmp_path / "a-2.csv").write_text("x")
    assert ex.freier_pfad(p) == tmp_path / "a-3.csv"


def test_chart_image_export(m, jid, tmp_path):
    pytest.importorskip("vl_convert")
    a = ex.standard_auswahl(m, jid)
    spec = ex.spec(ex.diagramm_zeitreihe(ex.zeitreihe(m, a), "Jobcenter X", "Gruppe", "K2"))
    svg = ex.speichere_diagramm(spec, tmp_path / "z.svg")
    assert "<svg" in svg.read_text(encoding="utf-8") and "Jobcenter X" in svg.read_text(encoding="utf-8")
    png = ex.speichere_diagramm(spec, tmp_path / "z.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert ex.speichere_diagramm(spec, tmp_path / "z.png").name == "z-2.png"


# --------------------------------------------------------------------------- inputs and words


def test_jobcenter_search(m):
    assert ex.jobcenter_suchen(m, "05113").jobcenter_id == "05113"
    assert ex.jobcenter_suchen(m, "5113").jobcenter_id == "05113"              # leading zero optional
    assert ex.jobcenter_suchen(m, "Jobcenter Essen (05113)").jobcenter_id == "05113"
    assert ex.jobcenter_suchen(m, "essen").jobcenter_id == "05113"              # partial, any case
    assert ex.jobcenter_suchen(m, "JOBCENTER ESSEN").jobcenter_id == "05113"
    assert ex.jobcenter_suchen(m, "dortm").jobcenter_id == "05913"
    berlin = ex.jobcenter_suchen(m, "Berlin")
    assert berlin.jobcenter_id is None and len(berlin.kandidaten) == 12
    assert ("Jobcenter Berlin Mitte (11001)", "11001") in berlin.kandidaten and "12 Jobcenter passen" in berlin.meldung
    assert ex.jobcenter_suchen(m, "berlin mitte").jobcenter_id == "11001"
    viele = ex.jobcenter_suchen(m, "Jobcenter")
    assert len(viele.kandidaten) == ex.MAX_KANDIDATEN and "genauer tippen" in viele.meldung
    unbekannt = ex.jobcenter_suchen(m, "Atlantis")
    assert unbekannt.jobcenter_id is None and not unbekannt.kandidaten
    assert unbekannt.meldung == "Kein Jobcenter passt zu „Atlantis“."
    assert "Keine Jobcenter-Kennung „99999“" in ex.jobcenter_suchen(m, "99999").meldung
    assert ex.jobcenter_suchen(m, "  ").jobcenter_id is None


def test_jobcenter_list_for_comparison(m):
    ids, probleme = ex.jobcenter_liste(m, "05315, Essen; jobcenter dortmund\n05315")
    assert ids == ["05315", "05113", "05913"] and probleme == []
    ids, probleme = ex.jobcenter_liste(m, "05315, Berlin, Atlantis")
    assert ids == ["05315"] and "mehrdeutig" in probleme[0] and "Atlantis" in probleme[1]
    many = ", ".join(sorted(m.jobcenter["jobcenter_id"])[:9])
    assert "Höchstens 8" in ex.jobcenter_liste(m, many)[1][-1]


def test_german_months_and_grammar(m):
    assert ex.monat_kurz("2023-09") == "Sep. 2023" and ex.monat_kurz("2026-03") == "März 2026"
    assert ex.zeitraum_text("2023-09", "2026-08") == "Sep. 2023 – Aug. 2026"
    assert ex.zeitraum_text("2026-08", "2026-08") == "Aug. 2026"
    a = ex.standard_auswahl(m, "05315", gruppe_art="nachbarn", k=10)
    assert ex.vergleich_text(m, a) == "Jobcenter Köln im Vergleich mit seinen 10 nächsten Nachbarn, " \
        f"{ex.zeitraum_text(a.von, a.bis)}, Insgesamt"
    assert ex.gruppe_name(m, a) == "Jobcenter Köln und seine 10 nächsten Nachbarn"
    eins = replace(a, k=1)
    assert "mit seinem nächsten Nachbarn," in ex.vergleich_text(m, eins)
    assert ex.gruppe_name(m, eins) == "Jobcenter Köln und sein nächster Nachbar"
    land = ex.vergleich_text(m, replace(a, gruppe_art="land"))
    assert land.startswith("Jobcenter Köln im Vergleich mit dem Land Nordrhein-Westfalen (")
    assert "mit der Trägerart" in ex.vergleich_text(m, replace(a, gruppe_art="traegerart"))


def test_comparison_series_and_sorted_ranking(m):
    df = ex.vergleich_reihen(m, ["05315", "05113"], "K2", "insgesamt", "2025-01", "2025-12")
    assert len(df) == 24 and set(df["jobcenter_id"]) == {"05315", "05113"}
    direct = m.ergebnisse(ebene="jobcenter", id="05113", kennzahl="K2", geschlecht="insgesamt", monat="2025-06")
    got = df[(df["jobcenter_id"] == "05113") & (df["monat"] == "2025-06")]["wert"].iloc[0]
    assert got == direct["wert"].iloc[0]
    spec = ex.spec(ex.diagramm_vergleich(df, "K2"))
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Jobcenter Köln (05315)", "Jobcenter Essen (05113)"]
    with pytest.raises(ValueError, match="Höchstens 8"):
        ex.vergleich_reihen(m, [str(i) for i in range(9)], "K2", "insgesamt", "2025-01", "2025-12")
    a = ex.standard_auswahl(m, "05315")
    rl = ex.rangliste(m, a)
    assert ex.rangliste_sortiert(rl, "name")["name"].tolist() == sorted(rl["name"])
    ab = ex.rangliste_sortiert(rl, "rang_ab")["rang"].dropna().tolist()
    assert ab == sorted(ab, reverse=True)
    # the ranks of the table (one read) agree with the ranking of each figure
    r = ex.raenge(m, a, ["K1", "K2", "K3"])
    for c in ("K1", "K2", "K3"):
        own = ex.rangliste(m, replace(a, kennzahl=c)).query("auswahl").iloc[0]
        assert (r[c]["rang"], r[c]["rang_n"]) == (int(own["rang"]), int(own["rang_n"]))


def test_saved_selection_reopens(m, tmp_path):
    ring = ex.lade_ring(paths.PARAMETERS / "ringe" / "beispielring.yml")
    for a in (ex.standard_auswahl(m, "05315", kennzahl="K3", geschlecht="frauen", von="2024-02", bis="2026-01"),
              ex.standard_auswahl(m, "05913", kennzahl="K1E2", gruppe_art="nachbarn", k=4),
              ex.standard_auswahl(m, "05113", gruppe_art="ring", ring=ring, von="2025-01")):
        pfad = ex.schreibe_parameterdatei(ex.parameterdatei(m, a), tmp_path, auswahl=a)
        back = ex.auswahl_aus_parameterdatei(m, pfad)
        assert back == a, (back, a)
        assert pfad.name in ex.gespeicherte_auswahlen(tmp_path)
    kaputt = tmp_path / "kaputt.yml"
    kaputt.write_text(pfad.read_text(encoding="utf-8").replace('"kennzahl": "K2"', '"kennzahl": "K9"'), encoding="utf-8")
    with pytest.raises(ValueError, match="Kennzahl"):
        ex.auswahl_aus_parameterdatei(m, kaputt)


def _check_with_runner(tmp_path: Path, datei: Path):
    """The runner's own reader accepts the file (when the runner is there)."""
    config = pytest.importorskip("helpers.pipeline.config")
    root = tmp_path / "root"
    (root / "parameters" / "eigene").mkdir(parents=True)
    (root / "parameters" / "pages.yml").write_text("sets: {}\n", encoding="utf-8")
    (root / "notebooks").symlink_to(paths.NOTEBOOKS)
    (root / "parameters" / "eigene" / datei.name).write_bytes(datei.read_bytes())
    return config.load_plan(root, config.entities_from_mart(paths.MART_DIR)).pages


@pytest.mark.parametrize("gruppe_art,art", [("vergleichstyp", None), ("nachbarn", None), ("ring", None),
                                             ("land", "jobcenter_ring")])
def test_parameter_file_round_trips(m, tmp_path, gruppe_art, art):
    jid = "05513" if "05513" in set(m.jobcenter["jobcenter_id"]) else sorted(m.jobcenter["jobcenter_id"])[0]
    ring = ex.lade_ring(paths.PARAMETERS / "ringe" / "beispielring.yml") if gruppe_art == "ring" else None
    a = ex.standard_auswahl(m, jid, gruppe_art=gruppe_art, ring=ring, geschlecht="frauen", k=3)
    daten = ex.parameterdatei(m, a, art=art)
    pfad = ex.schreibe_parameterdatei(daten, tmp_path / "eigene")
    roh = yaml.safe_load(pfad.read_text(encoding="utf-8"))
    assert roh == daten == ex.lese_parameterdatei(pfad)
    text = pfad.read_text(encoding="utf-8")
    assert f'"{jid}"' in text and f'"{a.bis}"' in text          # quoted: no YAML reader turns them into numbers
    if "sets" in roh:
        spec = next(iter(roh["sets"].values()))
        assert spec["ids"] == [jid] and spec["parameters"]["monat"] == a.bis
        assert spec["parameters"]["geschlecht"] == "frauen"
    else:
        ring_spec = roh["vergleichsringe"][0]
        assert ring_spec["jobcenter_ids"] == ex.mitglieder(m, a)
        assert all(isinstance(x, str) and len(x) == 5 for x in ring_spec["jobcenter_ids"])
        assert ring_spec["template"] == ("notebooks/jobcenter.ipynb" if art == "jobcenter_ring"
                                         else "notebooks/ring.ipynb")
    pages = _check_with_runner(tmp_path, pfad)
    assert len(pages) == 1
    assert pages[0].parameters["monat"] == a.bis and pages[0].parameters["geschlecht"] == "frauen"


def test_rings_yaml(m, tmp_path):
    beispiel = ex.ringe(paths.PARAMETERS / "ringe")
    assert "beispielring" in beispiel
    assert set(beispiel["beispielring"].mitglieder) <= set(m.jobcenter["jobcenter_id"])
    ring = ex.ring_aus_text(m, "05315, Jobcenter Essen (05113)\n05913", name="Mein Ring", beschreibung="Test")
    pfad = ex.speichere_ring(ring, tmp_path)
    assert pfad.name == "mein-ring.yml"
    assert ex.lade_ring(pfad) == ring
    assert yaml.safe_load(pfad.read_text(encoding="utf-8"))["mitglieder"] == ["05315", "05113", "05913"]
    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\nmitglieder: [05315, 05913]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="Anführungszeichen"):
        ex.lade_ring(bad)
    with pytest.raises(KeyError, match="Unbekannte Jobcenter: Nirgendwo"):
        ex.ring_aus_text(m, "05315, Nirgendwo")


def test_selection_validation():
    with pytest.raises(ValueError):
        ex.Auswahl("05315", kennzahl="K9")
    with pytest.raises(ValueError):
        ex.Auswahl("05315", gruppe_art="ring")
    with pytest.raises(ValueError):
        ex.Auswahl("05315", von="2026-09", bis="2026-01")
    assert ex.Auswahl(5315).jobcenter_id == "5315"


def test_options_for_widgets(m):
    opts = ex.jobcenter_optionen(m)
    assert len(opts) == len(m.jobcenter) and len({label for label, _ in opts}) == len(opts)
    label, j = opts[0]
    assert ex.jobcenter_aus_text(m, label) == j and ex.jobcenter_aus_text(m, j) == j
    kz = ex.kennzahl_optionen()
    assert [c for _, c in kz] == list(KENNZAHLEN) + list(STEUERUNG)     # all 15 grouped by goal, then the JFW
    assert all(label.startswith(f"Ziel {KENNZAHLEN[c].ziel} · {c} ") for label, c in kz if c in KENNZAHLEN)
    assert all(label.startswith(f"{c} ") for label, c in kz if c in STEUERUNG)
    assert "Zielsteuerung" in ex.erklaerung("JFW_K2_VJ_PP") and "Ohne Wertung" in ex.erklaerung("JFW_INT")
    assert "niedriger ist besser" in ex.erklaerung("K1")


def test_charts_build_valid_specs(m, jid):
    a = ex.standard_auswahl(m, jid, gruppe_art="traegerart")
    zr = ex.zeitreihe(m, a)
    spec = ex.diagramm_zeitreihe(zr, "JC", "Gruppe", a.kennzahl).to_dict()
    assert spec["$schema"].endswith("v6.4.1.json") or "v6" in spec["$schema"]
    rl = ex.rangliste(m, a)
    assert len(ex.rangliste_auszug(rl[rl["wert"].notna()])) <= 40 < len(rl)
    assert rl.loc[rl["auswahl"]].index[0] in ex.rangliste_auszug(rl).index
    ex.diagramm_rangliste(rl, a.kennzahl, a.bis).to_dict()
    prof = ex.diagramm_profil(ex.profil(m, a)).to_dict()
    titles = [c["title"] for c in prof["vconcat"]]
    assert "rechts = günstiger" in titles[0] and "ohne Wertung" in titles[1]
    assert set(ex.profil(m, a).query("not kontext")["kennzahl"]) <= {"K1", "K2", "K3"}   # only K1–K3 rated
    bundle = ex._Ersatz(ex.diagramm_zeitreihe(zr, "JC", "G", a.kennzahl), ex.deutsch(zr, ex.ZEITREIHE_SPALTEN))
    mime = bundle._repr_mimebundle_()
    assert "application/vnd.vegalite.v6+json" in mime and "<table" in mime["text/html"]


def test_fast_chart_specs_equal_altair_specs(demo_mart):
    """The app's template specs (texts and rows swapped into a cached dict) are exactly what
    altair builds, also for names with quotes; a changed builder or template fails here."""
    m = demo_mart
    a = ex.standard_auswahl(m, "05315")
    zr = ex.zeitreihe(m, a)
    name = 'Jobcenter O\'Neil "Test"'
    assert ex.spec_zeitreihe(zr, name, "Gruppe ⟦x⟧", "K2") == ex.spec(ex.diagramm_zeitreihe(zr, name, "Gruppe ⟦x⟧", "K2"))
    df = ex.vergleich_reihen(m, ["05315", "05113", "05913"], "K3", "frauen", a.von, a.bis)
    assert ex.spec_vergleich(df, "K3") == ex.spec(ex.diagramm_vergleich(df, "K3"))
    for code in ("K1", "K1E1"):
        rl = ex.rangliste(m, replace(a, kennzahl=code, gruppe_art="land"))
        assert ex.spec_rangliste(rl, code, a.bis) == ex.spec(ex.diagramm_rangliste(rl, code, a.bis))
    pr = ex.profil(m, replace(a, geschlecht="frauen"))
    assert ex.spec_profil(pr) == ex.spec(ex.diagramm_profil(pr))


# --------------------------------------------------------------------------- Zielsteuerung (issue 14, item 5)


@pytest.fixture(scope="module")
def jid_ziel(m):
    """A Jobcenter with Zielwerte (sampled from the data)."""
    ids = sorted(m.ziele()["jobcenter_id"].unique())
    assert ids, "keine Zielwerte im Datenbestand"
    return ids[len(ids) // 2]


def test_jfw_time_series_and_comparison_are_the_mart_values(m, jid_ziel):
    """A Steuerungsgröße chosen like a figure: the Jobcenter's, the official group's and the Bund's
    values are the mart's JFW; a ring's group value is Mart.gruppe_steuerung (the ring's sums)."""
    a = ex.standard_auswahl(m, jid_ziel, kennzahl="JFW_K2_VJ_PP", gruppe_art="land")
    r = ex.zeitreihe(m, a).set_index("monat")
    land = m.jobcenter_info(jid_ziel)["land"]
    for ebene, uid, col in (("jobcenter", jid_ziel, "jobcenter_wert"), ("land", land, "gruppe_wert"),
                            ("bund", "DE", "bund_wert")):
        mart = m.steuerung(ebene=ebene, id=uid, kennzahl="JFW_K2_VJ_PP", geschlecht="insgesamt").set_index("monat")["wert"]
        np.testing.assert_allclose(r[col].to_numpy(dtype=float), mart.reindex(r.index).to_numpy(), rtol=1e-13)
    assert r["jobcenter_wert"].notna().sum() >= 24
    mw = m.steuerung(ebene="jobcenter", id=ex.mitglieder(m, a), kennzahl="JFW_K2_VJ_PP", geschlecht="insgesamt",
                     monat=a.bis)["wert"]
    assert r.loc[a.bis, "gruppe_median"] == pytest.approx(mw.median()) and r.loc[a.bis, "gruppe_n"] == mw.notna().sum()
    ring = ex.Ring("Test", tuple(sorted(m.jobcenter["jobcenter_id"])[:5]))
    rr = ex.zeitreihe(m, replace(a, kennzahl="JFW_INT", gruppe_art="ring", ring=ring)).set_index("monat")
    summe = m.gruppe_steuerung(list(ring.mitglieder)).query("kennzahl == 'JFW_INT' and geschlecht == 'insgesamt'")
    np.testing.assert_allclose(rr["gruppe_wert"].to_numpy(dtype=float),
                               summe.set_index("monat")["wert"].reindex(rr.index).to_numpy(), rtol=1e-13)
    ids = sorted(m.jobcenter["jobcenter_id"])[:3]
    v = ex.vergleich_reihen(m, ids, "JFW_LZB", "frauen", a.von, a.bis)
    want = m.steuerung(ebene="jobcenter", id=ids, kennzahl="JFW_LZB", geschlecht="frauen")
    j = v.merge(want, left_on=["jobcenter_id", "monat"], right_on=["id", "monat"], suffixes=("", "_mart"))
    assert len(j) == len(v) and np.allclose(j["wert"], j["wert_mart"], equal_nan=True)


def test_jfw_ranking_is_neutral_by_height(m, jid_ziel):
    a = ex.standard_auswahl(m, jid_ziel, kennzahl="JFW_LZB_VJ")
    rl = ex.rangliste(m, a)
    mart = m.steuerung(ebene="jobcenter", id=ex.mitglieder(m, a), kennzahl="JFW_LZB_VJ", monat=a.bis,
                       geschlecht="insgesamt").set_index("id")["wert"]
    d = rl.dropna(subset=["wert"])
    assert d["wert"].is_monotonic_decreasing and d["rang"].iloc[0] == 1          # 1 = highest, no direction
    assert np.allclose(d.set_index("jobcenter_id")["wert"], mart.reindex(d["jobcenter_id"]))
    spec = ex.spec_rangliste(rl, a.kennzahl, a.bis)
    assert spec["title"]["subtitle"] == "1 = höchster Wert (absteigend sortiert, keine Wertung)"
    assert spec == ex.spec(ex.diagramm_rangliste(rl, a.kennzahl, a.bis))       # template = altair
    assert "günstig" not in str(spec)
    tab = ex.rangliste_tabelle(m, a)
    assert "JFW_LZB_VJ in %" in tab.columns


def test_jfw_formatted_as_on_the_pages(m, jid_ziel):
    """Table, export and chart of the JFW use the pages' formatter (zielsteuerung.wert_text, its
    decimals): a count without decimals, percentage points with "Pp.", changes with sign."""
    from helpers import zielsteuerung

    a = ex.standard_auswahl(m, jid_ziel)
    t = ex.tabelle(m, a).set_index("Kennzahl")
    assert list(t.index[-len(STEUERUNG):]) == list(STEUERUNG)
    for code in STEUERUNG:
        w = m.steuerung(ebene="jobcenter", id=jid_ziel, kennzahl=code, monat=a.bis, geschlecht="insgesamt")["wert"].iloc[0]
        assert t.loc[code, "Jobcenter"] == zielsteuerung.wert_text(code, w)
        assert t.loc[code, "Einordnung"] == "ohne Wertung" and t.loc[code, "Lesart"] == ex.JFW_LESART
    assert re.fullmatch(r"[\d.]+", t.loc["JFW_INT", "Jobcenter"]) and t.loc["JFW_K2_VJ_PP", "Jobcenter"].endswith("Pp.")
    assert t.loc["K2", "Einordnung"] in ("günstiger als der Median", "ungünstiger als der Median",
                                         "gleich dem Median")                  # the Kennzahlen stay rated
    # the export sheet "Zielsteuerung": unit column, values rounded to the pages' decimals
    z = ex.export_tabelle(m, a, list(STEUERUNG))
    assert "Einheit" in z.columns and "Jobcenter" in z.columns and not any(c.endswith("in %") for c in z.columns)
    assert set(z["Einheit"]) == {"Anzahl", "Personen (Durchschnitt)", "%", "Pp."}
    gerundet = ex._gerundet(z, als_text=True)
    zeile = z.index[(z["Kennzahl"] == "JFW_K2") & z["Jobcenter"].notna()][-1]
    assert gerundet.loc[zeile, "Jobcenter"] == fmt.zahl(z.loc[zeile, "Jobcenter"], 2)      # as "12,35 %" on the page
    zeile = z.index[(z["Kennzahl"] == "JFW_INT") & z["Jobcenter"].notna()][-1]
    assert gerundet.loc[zeile, "Jobcenter"] == zielsteuerung.wert_text("JFW_INT", z.loc[zeile, "Jobcenter"])
    # chart: the unit and the figure's d3 format, template equal to altair
    zr = ex.zeitreihe(m, replace(a, kennzahl="JFW_INT"))
    spec = ex.spec_zeitreihe(zr, "JC", "Gruppe", "JFW_INT")
    assert spec == ex.spec(ex.diagramm_zeitreihe(zr, "JC", "Gruppe", "JFW_INT"))
    y = spec["layer"][1]["encoding"]["y"]
    assert y["title"] == "JFW_INT Anzahl" and y["axis"]["format"] == fmt.d3(0)
    # an absolute figure: the group's and the Bund's totals (other magnitude) are not drawn, only in tables
    reihen_ = {r["reihe"] for r in spec["datasets"]["reihen"]}
    assert reihen_ == {"JC", "Gruppe (Median)"} and spec["layer"][1]["encoding"]["color"]["scale"]["domain"] == ["JC", "Gruppe (Median)"]
    rel = ex.spec_zeitreihe(ex.zeitreihe(m, replace(a, kennzahl="JFW_K2")), "JC", "Gruppe", "JFW_K2")
    assert {r["reihe"] for r in rel["datasets"]["reihen"]} == {"JC", "Gruppe (Summe)", "Gruppe (Median)", "Bund"}
    assert ex.spec_zeitreihe(ex.zeitreihe(m, a), "JC", "Gruppe", "K2")["layer"][1]["encoding"]["y"]["title"] == "K2 in %"


def test_jfw_target_and_verdict_where_ziele_exist(m, jid_ziel, tmp_path):
    """With ``ziele``: Soll, Ist and verdict in the status (the page's sentence) and in the export,
    computed by steuerung.zielerreichung from the mart's JFW; none without ziele."""
    from helpers import steuerung, zielsteuerung

    a = ex.standard_auswahl(m, jid_ziel, kennzahl="JFW_K2")
    jahr = int(a.bis[:4])
    ziel = m.ziele(jid_ziel).query("zielgroesse == 'K2' and jahr == @jahr")
    assert len(ziel) == 1
    s = m.steuerung(ebene="jobcenter", id=jid_ziel, kennzahl="JFW_K2", geschlecht="insgesamt").set_index("monat")["wert"]
    erwartet = steuerung.zielerreichung(s, "K2", jahr, float(ziel["ziel"].iloc[0]), a.bis)
    (z,) = [x for x in ex.ziele(m, a) if x.jahr == jahr]
    assert z.soll == pytest.approx(erwartet.soll) and z.urteil == erwartet.urteil == "offen"
    assert z.soll == pytest.approx(s[f"{jahr - 1}-12"] * (1 + float(ziel["ziel"].iloc[0]) / 100))
    notes = ex.hinweise(m, a)
    assert zielsteuerung.urteil_satz(z) in notes and any("ohne Wertung" in n for n in notes)
    assert f"Zielwert noch offen (Stand: {fmt.monat(a.bis)})" in " ".join(notes)
    lzb = ex.ziele(m, replace(a, kennzahl="JFW_LZB_VJ"))
    assert lzb and all(x.zielgroesse == "LZB" for x in lzb)
    tab = ex.ziele_tabelle(m, a)
    assert set(tab["Zielgröße"]) == {steuerung.ZIELGROESSE_LABEL["K2"], steuerung.ZIELGROESSE_LABEL["LZB"]}
    zeile = tab[(tab["Jahr"] == jahr) & (tab["Zielgröße"] == steuerung.ZIELGROESSE_LABEL["K2"])].iloc[0]
    assert zeile["Soll Dezember"] == zielsteuerung.wert_text("JFW_K2", erwartet.soll) and zeile["Ergebnis"] == "Zielwert noch offen"
    (pfad,) = ex.exportiere(m, a, tmp_path, format="xlsx")
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(pfad)
    assert wb.sheetnames == ["Werte", "Zielsteuerung", "Zielwerte", "Mitglieder"]
    # a Jobcenter without ziele: no target sentence, no sheet; a Kennzahl: no target sentence
    ohne = sorted(set(m.jobcenter["jobcenter_id"]) - set(m.ziele()["jobcenter_id"]))[0]
    b = ex.standard_auswahl(m, ohne, kennzahl="JFW_K2")
    assert ex.ziele(m, b) == [] and ex.ziele_tabelle(m, b).empty
    assert not any("Zielwert" in n for n in ex.hinweise(m, b))
    assert ex.ziele(m, replace(a, kennzahl="K2")) == []


def test_profile_shows_the_zielsteuerung_changes_neutral(m, jid_ziel):
    """The profile's third panel: the JFW changes as the share of the other members with a lower
    value (no direction), from the mart's values; template equal to altair."""
    a = ex.standard_auswahl(m, jid_ziel, gruppe_art="land")
    p = ex.profil(m, a).set_index("kennzahl")
    z = p[p["zielsteuerung"]]
    assert list(z.index) == list(ex.PROFIL_JFW) and z["kontext"].all() and set(z["lesart"]) <= {"kontext", ""}
    andere = [j for j in ex.mitglieder(m, a) if j != jid_ziel]
    s = m.steuerung(ebene="jobcenter", id=andere + [jid_ziel], kennzahl="JFW_LZB_VJ", monat=a.bis,
                    geschlecht="insgesamt").set_index("id")["wert"]
    eigen, rest = s[jid_ziel], s.drop(jid_ziel).dropna()
    assert z.loc["JFW_LZB_VJ", "anteil_besser"] == pytest.approx(((rest < eigen).sum() + 0.5 * (rest == eigen).sum())
                                                                  / len(rest) * 100)
    spec = ex.spec_profil(ex.profil(m, a))
    assert spec == ex.spec(ex.diagramm_profil(ex.profil(m, a)))
    titel = [c["title"] for c in spec["vconcat"]]
    assert len(titel) == 3 and titel[2].startswith("Zielsteuerung") and "ohne Wertung" in titel[2]
    assert "günstig" not in titel[2]
