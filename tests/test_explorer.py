"""The explorer's logic (helpers.explorer) on synthetic frames and on the processed mart."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import explorer as ex
from helpers import paths
from helpers.kennzahlen import GRUENDE, KENNZAHLEN, codes_for


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
    assert p.loc["K1", "lesart"] == "besser"
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
    assert list(t["Kennzahl"]) == list(codes_for("insgesamt"))
    assert t["Jobcenter"].str.fullmatch(r"−?\d{1,3}(\.\d{3})*,\d").all()
    early = ex.tabelle(m, replace(a, bis=m.meta["erster_monat"], von=None))
    window = early[early["Kennzahl"].map(lambda c: KENNZAHLEN[c].art != "stichtag")]   # 12-month figures
    assert len(window) == 14 and (window["Jobcenter"] == "–").all()
    assert window["Hinweis"].str.contains(GRUENDE["fenster"], regex=False).all()
    frauen = ex.tabelle(m, replace(a, geschlecht="frauen"))
    assert "K1" not in set(frauen["Kennzahl"])
    assert ex.zahl(-1234.56) == "−1.234,6" and ex.zahl(float("nan")) == "–" and ex.zahl(-0.01) == "0,0"


def test_table_reason_for_suppressed_value(m):
    e = m.ergebnisse(ebene="jobcenter", monat=m.datenstand, geschlecht="frauen")
    hit = e[e["grund"] == "gesperrt"]
    if hit.empty:
        pytest.skip("keine gesperrten Werte im Datenbestand")
    row = hit.iloc[0]
    t = ex.tabelle(m, ex.standard_auswahl(m, row["id"], geschlecht="frauen")).set_index("Kennzahl")
    assert t.loc[row["kennzahl"], "Jobcenter"] == "–"
    assert GRUENDE["gesperrt"] in t.loc[row["kennzahl"], "Hinweis"]


def test_csv_export_round_trips(m, jid, tmp_path):
    a = ex.standard_auswahl(m, jid, gruppe_art="nachbarn", k=4)
    pfad = ex.exportiere(m, a, tmp_path)
    assert pfad.parent == tmp_path and pfad.name.endswith(".csv")
    original = ex.export_tabelle(m, a)
    back = ex.lese_csv(pfad)
    pd.testing.assert_frame_equal(back, original, check_exact=True, check_dtype=False)
    assert back["jobcenter_id"].iloc[0] == jid
    text = pfad.read_text(encoding="utf-8-sig")
    assert ";" in text.splitlines()[0] and "," in text.splitlines()[-1]
    assert "synthetische Demodaten" in text if m.demo else True
    link = ex.download_link(pfad)
    assert link.startswith('<a download="') and "base64," in link


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
    assert [c for _, c in kz] == list(KENNZAHLEN)           # all 15, grouped by goal
    assert all(label.startswith(f"Ziel {KENNZAHLEN[c].ziel} · {c} ") for label, c in kz)
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
    assert "rechts = besser" in titles[0] and "ohne Wertung" in titles[1]
    bundle = ex._Ersatz(ex.diagramm_zeitreihe(zr, "JC", "G", a.kennzahl), ex.deutsch(zr, ex.ZEITREIHE_SPALTEN))
    mime = bundle._repr_mimebundle_()
    assert "application/vnd.vegalite.v6+json" in mime and "<table" in mime["text/html"]
