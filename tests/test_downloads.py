"""Berechnungsgrundlagen, Zielsteuerung section, per-page downloads and the data package
(issue 12), on the project's demo mart (`make mart`)."""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from helpers import berechnungsgrundlagen as bg
from helpers import downloads, fmt, pages, sitemodel, zielsteuerung
from helpers.kennzahlen import GESCHLECHT_LABEL, KENNZAHLEN


def _zahl(s: str) -> float:
    """German number as shown ("13.353.112,75 EUR", "21.692,75", "16,5032 %", "-4,9 %") -> float."""
    s = s.replace("EUR", "").replace("%", "").replace("Pp.", "").replace("\u00a0", "").replace("\u2212", "-").strip()
    return float(s.replace(".", "").replace(",", "."))


def _nachgerechnet(code: str, z: float, n: float) -> float:
    if code in KENNZAHLEN:
        art = KENNZAHLEN[code].art
        return (z / n - 1) * 100 if art == "veraenderung" else z / n * 100
    return {"JFW_INT": lambda: z, "JFW_K2": lambda: z / n * 100, "JFW_K2_VJ": lambda: (z / n - 1) * 100,
            "JFW_K2_VJ_PP": lambda: z - n, "JFW_LZB": lambda: z / n, "JFW_LZB_VJ": lambda: (z / n - 1) * 100}[code]()


@pytest.fixture(scope="module")
def m(demo_mart):
    pages.setup()
    return demo_mart


def _sample_ids(m, n=4):
    ids = sorted(m.jobcenter["jobcenter_id"])
    with_goals = sorted(m.ziele()["jobcenter_id"].unique())
    return sorted({ids[0], ids[len(ids) // 2], ids[-1], *(with_goals[:1])})[:n + 1]


def _rows(html_text: str):
    soup = BeautifulSoup(html_text, "html.parser")
    for tr in soup.select("table.berechnungsgrundlagen tbody tr"):
        cells = {td.get("data-rolle"): td.get_text(" ", strip=True) for td in tr.select("td[data-rolle]")}
        yield tr["data-kennzahl"], cells, tr.select("td")[-1].get_text(strip=True)


def test_berechnungsgrundlagen_reproduce_page_values(m):
    """Every Zähler/Nenner shown reproduces the page's value to the shown precision."""
    geprueft = 0
    for jid in _sample_ids(m):
        seite = pages.JobcenterSeite(m, jid)
        haupt = seite.zeilen().set_index(["code", "geschlecht"])["wert"]
        for code, cells, rechnung in _rows(bg.abschnitt(seite).data):
            shown = cells["wert"].split(" (")[0]
            if code in KENNZAHLEN:      # the main table of the page shows the same value
                assert shown == fmt.prozent(haupt[(code, "insgesamt")]), (jid, code)
            ohne = (fmt.UNBEKANNT, fmt.NICHT_SINNVOLL)          # the official signs, never "–"
            assert fmt.STRICH not in cells.values(), (jid, code, cells)
            if shown in ohne or cells["zaehler"] in ohne:
                assert KENNZAHLEN.get(code) is None or KENNZAHLEN[code].art == "rate12" or shown in ohne, (jid, code)
                continue
            if KENNZAHLEN.get(code) is not None and KENNZAHLEN[code].art == "rate12":
                assert cells["nenner"] == fmt.NICHT_SINNVOLL, (jid, code, cells)   # no single Nenner: "x"
            z = _zahl(cells["zaehler"])
            n = _zahl(cells["nenner"]) if cells["nenner"] not in ohne else math.nan
            value = _nachgerechnet(code, z, n)
            assert zielsteuerung.wert_text(code, value) == shown if code.startswith("JFW") else \
                fmt.prozent(value) == shown, (jid, code, cells, value)
            geprueft += 1
    assert geprueft >= 4 * 17     # 11 quotients with Zähler/Nenner + 6 JFW per page


def test_berechnungsgrundlagen_group_page(m):
    seite = pages.LandSeite(m, "01")
    rows = list(_rows(bg.abschnitt(seite).data))
    k2 = next(c for code, c, _ in rows if code == "K2")
    e = m.ergebnisse(ebene="land", id="01", kennzahl="K2", monat=m.datenstand, geschlecht="insgesamt")
    assert fmt.prozent(_zahl(k2["zaehler"]) / _zahl(k2["nenner"]) * 100) == fmt.prozent(e["wert"].iloc[0])
    # the Zähler of the Land is the sum of its Jobcenter's 12-month integrations
    ids = list(m.jobcenter.loc[m.jobcenter["land"] == "01", "jobcenter_id"])
    jz = m.ergebnisse(ebene="jobcenter", id=ids, monat=m.datenstand, geschlecht="insgesamt")
    assert _zahl(k2["zaehler"]) == jz.loc[jz["kennzahl"] == "K2", "zaehler"].sum()


def test_zielsteuerung_section_jobcenter_with_goals(m, monkeypatch):
    shown = []
    monkeypatch.setattr(zielsteuerung, "display", shown.append)
    jid = sorted(m.ziele()["jobcenter_id"].unique())[0]
    zielsteuerung.abschnitt(pages.JobcenterSeite(m, jid))
    html_text = shown[0].data
    assert "Synthetische Zielwerte" in html_text                   # demo targets are declared
    assert re.search(r"Zielwert (erreicht|nicht erreicht) \(Stand: Dezember \d{4}\)", html_text)
    assert f"Zielwert noch offen (Stand: {fmt.monat(m.datenstand)})" in html_text
    spec = shown[1].to_dict()
    assert [c["title"] for c in spec["hconcat"]] == ["Integrationsquote (JFW)", "Durchschnittlicher LZB-Bestand (JFW)"]
    # the Soll line of the chart is the Soll of the table
    z = [x for x in zielsteuerung.zielerreichungen(m, jid, m.datenstand, [int(m.datenstand[:4])])
         if x.zielgroesse == "K2"][0]
    values = pd.DataFrame(spec["datasets"][next(iter(spec["datasets"]))])
    assert z.soll == pytest.approx(values.loc[values["r"].str.startswith("Soll") & (values["k"] == "JFW_K2"), "v"].iloc[0], abs=0.005)


def test_zielsteuerung_section_group_counts(m, monkeypatch):
    shown = []
    monkeypatch.setattr(zielsteuerung, "display", shown.append)
    zielsteuerung.abschnitt(pages.BundSeite(m))
    soup = BeautifulSoup(shown[0].data, "html.parser")
    jahr = int(m.datenstand[:4]) - 1
    row = [tr for tr in soup.select("table.zielsteuerung-uebersicht tbody tr")
           if tr.select("td")[0].get_text() == str(jahr) and "Integrationsquote" in tr.th.get_text()][0]
    counts = [int(td.get_text().replace(".", "")) for td in row.select("td")[1:]]
    n_mit_ziel = m.ziele().query("jahr == @jahr and zielgroesse == 'K2'")["jobcenter_id"].nunique()
    assert sum(counts) == n_mit_ziel and counts[2] == 0          # the previous year is decided


def test_download_files_roundtrip(m, tmp_path):
    jid = sorted(m.jobcenter["jobcenter_id"])[0]
    name = m.jobcenter_info(jid)["name"]
    df = downloads.zeitreihe(m, "jobcenter", jid, name)
    raw = downloads.csv_bytes(df)
    assert raw.startswith("\ufeff".encode("utf-8"))
    head = raw.decode("utf-8-sig").splitlines()[0]
    # what is constant per Kennzahl (Kurzname, Einheit) is explained once, not repeated per row
    assert head.split(";")[:5] == ["Kennung", "Monat", "Geschlecht", "Kennzahl", "Wert"]
    assert not {"Kurzname", "Einheit"} & set(head.split(";"))
    back = downloads.lese_csv(raw)
    assert back["Kennung"].iloc[0] == jid                          # leading zeros kept
    # full time series: every month, every gender, the Kennzahlen and the JFW
    assert back["Monat"].nunique() >= 48 and set(back["Geschlecht"]) == {"Insgesamt", "Frauen", "Männer"}
    assert {"K2", "K3E4", "JFW_K2", "JFW_LZB_VJ"} <= set(back["Kennzahl"])
    e = m.ergebnisse(ebene="jobcenter", id=jid, kennzahl="K2", geschlecht="frauen").set_index("monat")["wert"]
    got = back[(back["Kennzahl"] == "K2") & (back["Geschlecht"] == "Frauen")].set_index("Monat")["Wert"]
    # every number exact (shortest round-trip form), not 15 digits
    np.testing.assert_array_equal(got.dropna().to_numpy(), e.reindex(got.index).dropna().to_numpy())
    z = m.ergebnisse(ebene="jobcenter", id=jid, kennzahl="K1", geschlecht="insgesamt").set_index("monat")["zaehler"]
    got_z = back[(back["Kennzahl"] == "K1") & (back["Geschlecht"] == "Insgesamt")].set_index("Monat")["Zähler"]
    np.testing.assert_array_equal(got_z.dropna().to_numpy(), z.reindex(got_z.index).dropna().to_numpy())
    # XLSX with the documented sheets, readable with openpyxl
    import openpyxl

    xlsx = downloads.xlsx_bytes(df, downloads.eingangsgroessen(m, "jobcenter", jid), name, m.meta)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    assert wb.sheetnames == ["Zeitreihe", "Eingangsgrößen", "Erläuterungen"]
    kopf = next(wb["Zeitreihe"].iter_rows(max_row=1, values_only=True))
    assert kopf[:4] == ("Kennung", "Monat", "Geschlecht", "Kennzahl") and "Zähler" in kopf
    erkl = {r[0]: r[1] for r in wb["Erläuterungen"].iter_rows(min_row=2, values_only=True)}
    assert set(kopf) <= set(erkl) and "JFW_K2" in erkl and "Einheit" not in kopf
    assert "Prozent" in erkl["K2"] and "Personen" in erkl["JFW_LZB"]          # name and unit per code


@pytest.fixture(scope="module")
def paket(m, tmp_path_factory):
    return downloads.write_datenpaket(m, tmp_path_factory.mktemp("paket"))


@pytest.fixture(scope="module")
def paket_stichprobe(m, tmp_path_factory):
    """The package writer on a stratified sample of the real package table: every level, figure,
    gender and reason (with and without value), up to 40 rows each. frictionless reads the full
    4,5 Mio. rows in minutes; the sample holds every kind of row the schema has to accept."""
    voll = downloads.paket_tabelle(m)
    schichten = ["ebene", "kennzahl", "geschlecht", "grund"]
    probe = (voll.assign(_leer=voll["wert"].isna()).groupby(schichten + ["_leer"], dropna=False, sort=False)
             .head(40).drop(columns="_leer").reset_index(drop=True))
    assert set(probe["kennzahl"]) == set(voll["kennzahl"]) and set(probe["ebene"]) == set(voll["ebene"])
    orig = downloads.paket_tabelle
    downloads.paket_tabelle = lambda _m: probe
    try:
        return downloads.write_datenpaket(m, tmp_path_factory.mktemp("paket-probe")), probe
    finally:
        downloads.paket_tabelle = orig


@pytest.mark.slow   # frictionless reads and checks both resources (several seconds of CPU)
def test_data_package_validates(paket_stichprobe):
    from frictionless import Package

    paket, probe = paket_stichprobe
    report = Package(str(paket / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    assert [t.stats["rows"] for t in report.tasks] == [len(probe), len(probe)]
    names = [r.name for r in Package(str(paket / "datapackage.json")).resources]
    assert names == ["kennzahlen", "kennzahlen-parquet"]


@pytest.mark.slow   # writes the full package (4,5 Mio. rows): about a fifth of the fast suite's time
def test_data_package_roundtrip_equals_mart(m, paket):
    assert (paket / "kennzahlen.csv.gz").read_bytes()[:2] == b"\x1f\x8b"          # gzip-packed
    csv = pd.read_csv(paket / "kennzahlen.csv.gz", dtype={"id": str, "grund": str}, keep_default_na=False,
                      na_values={"wert": [""], "zaehler": [""], "nenner": [""]})
    pq = pd.read_parquet(paket / "kennzahlen.parquet")
    assert len(csv) == len(pq)
    np.testing.assert_array_equal(csv["wert"].to_numpy(), pq["wert"].to_numpy())      # CSV keeps full precision
    key = ["ebene", "id", "monat", "geschlecht", "kennzahl"]
    e = m.ergebnisse()
    e = e[e["grund"] != "fenster"]
    got = csv[csv["kennzahl"].isin(list(KENNZAHLEN))].merge(e, on=key, suffixes=("", "_mart"), how="outer",
                                                           indicator=True)
    assert (got["_merge"] == "both").all()
    np.testing.assert_array_equal(got["wert"].to_numpy(), got["wert_mart"].to_numpy())
    s = m.steuerung()
    s = s[s["grund"] != "fenster"]
    got = csv[csv["kennzahl"].str.startswith("JFW")].merge(s, on=key, suffixes=("", "_mart"))
    assert len(got) == len(s)
    np.testing.assert_array_equal(got["wert"].to_numpy(), got["wert_mart"].to_numpy())
    np.testing.assert_array_equal(got["zaehler"].to_numpy(), got["zaehler_mart"].to_numpy())


def _counts_as_text(raw_csv: str, sep: str, columns) -> dict[str, pd.Series]:
    t = pd.read_csv(io.StringIO(raw_csv), sep=sep, dtype=str, keep_default_na=False)
    return {c: t[c] for c in columns}


def test_group_counts_are_integers_in_every_csv_download(m, paket_stichprobe):
    """erfasst/mitglieder are printed as whole numbers ("407", never "407,0") in the unit
    downloads, the page CSV and the data package (its writer on the stratified sample: every
    level, figure, gender and reason)."""
    paket, probe = paket_stichprobe

    digits = r"\d+"
    df = downloads.zeitreihe(m, "bund", "DE", "Bund")
    raw = downloads.csv_bytes(df).decode("utf-8-sig")
    for col, s in _counts_as_text(raw, ";", ["Erfasste Jobcenter", "Mitglieder"]).items():
        assert s.str.fullmatch(digits).all(), (col, s[~s.str.fullmatch(digits)].unique()[:5])
    assert (_counts_as_text(raw, ";", ["Mitglieder"])["Mitglieder"] == str(len(m.jobcenter))).all()
    # the one-month page CSV of a Jobcenter page: Land and Bund counts
    page_csv = pages.JobcenterSeite(m, sorted(m.jobcenter["jobcenter_id"])[0]).csv_bytes().decode("utf-8-sig")
    cols = ["Land: erfasste Jobcenter", "Land: Mitglieder", "Bund: erfasste Jobcenter", "Bund: Mitglieder"]
    for col, s in _counts_as_text(page_csv, ";", cols).items():
        s = s[s != ""]
        assert len(s) and s.str.fullmatch(digits).all(), (col, s[~s.str.fullmatch(digits)].unique()[:5])
    # the data package's CSV
    t = pd.read_csv(paket / downloads.PAKET_CSV, usecols=["erfasst", "mitglieder"], dtype=str, keep_default_na=False)
    assert len(t) == len(probe)
    for col in ("erfasst", "mitglieder"):
        assert t[col].str.fullmatch(digits).all(), col


def test_downloads_generated_once_per_mart_content(tmp_path, monkeypatch):
    """The downloads folder is generated once per mart content (cache key = hash of the mart files)
    and put into the site as one downloads/ folder of hard links."""
    from helpers import mart

    mdir = tmp_path / "mart"
    mdir.mkdir()
    for name in ("meta.json", "ergebnisse.parquet", "steuerung.parquet", "grundlagen.parquet", "jobcenter.parquet"):
        (mdir / name).write_bytes(name.encode())
    calls = []

    def fake(m, dest, jobs, einheiten=None):
        calls.append((dest, einheiten))
        (dest / "jobcenter").mkdir(parents=True)
        (dest / "jobcenter" / "01001.csv").write_text("x")
        return 1

    monkeypatch.setattr(downloads, "_erzeuge_in", fake)
    monkeypatch.setattr(mart, "load", lambda p: None)
    cache = tmp_path / "cache"
    a = downloads.erzeugen(mdir, cache)
    assert downloads.erzeugen(mdir, cache) == a and len(calls) == 1          # unchanged data: nothing to do
    site = tmp_path / "site"
    site.mkdir()
    out = downloads.write_site(site, mdir, cache)
    assert out == site / "downloads" and (out / "jobcenter" / "01001.csv").stat().st_ino == \
        (a / "jobcenter" / "01001.csv").stat().st_ino and not (out / downloads.FERTIG).exists()
    (mdir / "ergebnisse.parquet").write_bytes(b"changed")
    b = downloads.erzeugen(mdir, cache)
    assert b != a and len(calls) == 2 and not list(cache.glob(".tmp-*"))
    # a partial site (a test run with --only) without a complete folder: only its units are written
    (mdir / "ergebnisse.parquet").write_bytes(b"changed again")
    (site / "book" / "seiten" / "jobcenter").mkdir(parents=True)
    (site / "book" / "seiten" / "jobcenter" / "01001.html").write_text("<html></html>")
    downloads.write_site(site, mdir, cache)
    assert len(calls) == 3 and calls[-1][1] == frozenset({("jobcenter", "01001")})
    downloads.write_site(site, mdir, cache)
    assert len(calls) == 3                                                     # cached too
    # once the complete folder of that mart exists (make pages), it serves every site
    full = downloads.erzeugen(mdir, cache)
    assert calls[-1][1] is None and downloads.write_site(site, mdir, cache) == site / "downloads"
    assert len(calls) == 4 and (site / "downloads" / "jobcenter" / "01001.csv").stat().st_ino == \
        (full / "jobcenter" / "01001.csv").stat().st_ino


@pytest.mark.slow   # the site's download step (write_site) for five pages
def test_page_csv_is_a_file_of_the_downloads_folder(m, tmp_path, monkeypatch):
    """Issue #12: the one-month CSV of a page ("Zahlen dieser Seite") is no data: URI but a file of
    downloads/, generated with the other downloads (cache _build/.downloads/<key>) for the mart's
    month and, by write_site, for pages of another month (parameters/eigene); each page's link
    resolves in the site to exactly the page's CSV."""
    from helpers import paths

    monkeypatch.setattr(downloads, "write_datenpaket", lambda _m, dest: dest)   # not under test here
    jid = sorted(m.jobcenter["jobcenter_id"])[0]
    frueher = fmt.monat_plus(m.datenstand, -8)
    site = tmp_path / "site"
    seiten = {"jobcenter/" + jid: pages.JobcenterSeite(m, jid), "vergleichstyp/Ia": pages.TypSeite(m, "Ia"),
              "land/05": pages.LandSeite(m, 5), "bund/DE": pages.BundSeite(m),
              "eigene/frueher": pages.JobcenterSeite(m, jid, frueher, "frauen")}
    for rel, s in seiten.items():
        f = site / "book" / "seiten" / f"{rel}.html"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"<html><body>{s.download().data}</body></html>", encoding="utf-8")
    cache = tmp_path / "cache"
    out = downloads.write_site(site, paths.MART_DIR, cache, jobs=1)
    for rel, s in seiten.items():
        page = site / "book" / "seiten" / f"{rel}.html"
        html_ = page.read_text(encoding="utf-8")
        assert "data:" not in html_
        target = (page.parent / pages.csv_href(html_)).resolve()
        assert target.is_file() and target.is_relative_to(out.resolve()), (rel, target)
        assert target.read_bytes() == s.csv_bytes(), rel
    key = next(p for p in cache.iterdir() if (p / downloads.FERTIG).exists())
    assert (key / "jobcenter" / f"{jid}_{m.datenstand}.csv").is_file()          # in the cache
    assert (out / "jobcenter" / f"{jid}_{frueher}.csv").is_file()                 # other month: for this site


RING = ["01001", "01002", "01003", "13003"]


def _ring_site(tmp_path, *seiten):
    """A scratch site with the download parts of Vergleichsring pages (links and one-month CSV)."""
    site = tmp_path / "site"
    for i, s in enumerate(seiten):
        f = site / "book" / "seiten" / "ring" / f"r{i}.html"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"<html><body>{downloads.links(s).data}{s.download().data}</body></html>", encoding="utf-8")
    return site


def _ohne_cache(monkeypatch, tmp_path):
    """write_site without the mart-wide cache folder (not under test here: an empty one)."""
    leer = tmp_path / "cache-leer"
    leer.mkdir(exist_ok=True)
    monkeypatch.setattr(downloads, "erzeugen", lambda *a, **k: leer)


def test_ring_time_series_is_the_groups_values(m):
    """The ring file holds the values of the official group rules: a ring of exactly the Jobcenter of
    Land 01 reproduces the mart's Land 01 in every figure (Kennzahlen and JFW), month and gender,
    with Zähler, Nenner, erfasst, Mitglieder, reason and the summed inputs."""
    ids = sorted(m.jobcenter.loc[m.jobcenter["land"] == "01", "jobcenter_id"])
    got = downloads.ring_zeitreihe(m, "Wie Schleswig-Holstein", ids)
    want = downloads.zeitreihe(m, "land", "01")
    assert set(got["Kennung"]) == {"wie-schleswig-holstein"}
    assert len(got) == len(want) and len(got["Monat"].unique()) >= 48
    assert set(got["Kennzahl"]) == set(want["Kennzahl"]) >= {"K2", "K3E4", "JFW_INT", "JFW_K2_VJ_PP", "JFW_LZB_VJ"}
    assert set(got["Geschlecht"]) == {"Insgesamt", "Frauen", "Männer"}
    pd.testing.assert_frame_equal(got.drop(columns="Kennung"), want.drop(columns="Kennung"), check_exact=False, rtol=1e-12)
    ein = downloads.ring_eingangsgroessen(m, "Wie Schleswig-Holstein", ids)
    pd.testing.assert_frame_equal(ein, downloads.eingangsgroessen(m, "land", "01"), check_exact=False, rtol=1e-12)


def test_ring_file_contents_against_mart_ring_values(m, tmp_path):
    """The written CSV and XLSX of a free ring: its values are Mart.gruppe / gruppe_steuerung (the
    ring's sums), its Zähler the members' sums where every member counts, all months and genders."""
    import openpyxl

    csv_p, xlsx_p = downloads.schreibe_ring(m, tmp_path, "Küstenstädte", RING)
    assert csv_p == tmp_path / "ring" / "kuestenstaedte.csv" and xlsx_p.name == "kuestenstaedte.xlsx"
    raw = csv_p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    back = downloads.lese_csv(raw)
    e = m.gruppe(RING, "x")
    s = m.gruppe_steuerung(RING, "x")
    mart_ring = pd.concat([e, s])
    mart_ring = mart_ring[mart_ring["grund"] != "fenster"]
    assert len(back) == len(mart_ring)
    key = {"Monat": "monat", "Kennzahl": "kennzahl"}
    back["geschlecht"] = back["Geschlecht"].map({v: k for k, v in GESCHLECHT_LABEL.items()})
    j = back.rename(columns=key).merge(mart_ring, on=["monat", "geschlecht", "kennzahl"], how="outer", indicator=True)
    assert (j["_merge"] == "both").all()
    np.testing.assert_allclose(j["Wert"], j["wert"], rtol=1e-13, equal_nan=True)
    np.testing.assert_allclose(j["Zähler"], j["zaehler"], rtol=1e-13, equal_nan=True)
    np.testing.assert_allclose(j["Nenner"], j["nenner"], rtol=1e-13, equal_nan=True)
    assert (j["Erfasste Jobcenter"] == j["erfasst"]).all() and (j["Mitglieder"] == len(RING)).all()
    # independent of the group code: where every member counts, the ring's K2 Zähler and JFW_INT are
    # the sums of the members' own values
    jc = m.ergebnisse(ebene="jobcenter", id=RING, kennzahl="K2", geschlecht="insgesamt")
    voll = jc.groupby("monat")["zaehler"].agg(["sum", "count"])
    voll = voll[voll["count"] == len(RING)]["sum"]
    k2 = back.query("Kennzahl == 'K2' and Geschlecht == 'Insgesamt'").set_index("Monat")["Zähler"].dropna()
    assert len(k2) > 12
    np.testing.assert_allclose(k2.to_numpy(), voll.reindex(k2.index).to_numpy(), rtol=1e-13)
    ji = m.steuerung(ebene="jobcenter", id=RING, kennzahl="JFW_INT", geschlecht="frauen").groupby("monat")["wert"].sum(min_count=4)
    got = back.query("Kennzahl == 'JFW_INT' and Geschlecht == 'Frauen'").set_index("Monat")["Wert"].dropna()
    np.testing.assert_allclose(got.to_numpy(), ji.reindex(got.index).to_numpy(), rtol=1e-13)
    # XLSX: the documented sheets, the same rows, the members named in "Erläuterungen"
    wb = openpyxl.load_workbook(xlsx_p, read_only=True)
    assert wb.sheetnames == ["Zeitreihe", "Eingangsgrößen", "Erläuterungen"]
    assert sum(1 for _ in wb["Zeitreihe"].iter_rows(min_row=2)) == len(back)
    erkl = {r[0]: r[1] for r in wb["Erläuterungen"].iter_rows(min_row=2, values_only=True)}
    assert all(f"({i})" in erkl["Mitglieder"] for i in RING) and "Küstenstädte" in erkl["Einheit"]
    ein = list(wb["Eingangsgrößen"].iter_rows(values_only=True))
    elb = m.gruppe_grundlagen(RING)
    assert len(ein) - 1 == len(elb) and ein[0][:3] == ("Monat", "Geschlecht", "llu")


def test_ring_page_downloads_are_files(m, tmp_path, monkeypatch):
    """A Vergleichsring page links its full time series (CSV, XLSX) and its one-month CSV as files
    of downloads/ring/ (no data: URI); write_site writes them from the page's declaration."""
    _ohne_cache(monkeypatch, tmp_path)
    s = pages.RingSeite(m, "Küstenstädte", [1001, "01002", "01003", "13003"])
    site = _ring_site(tmp_path, s)
    out = downloads.write_site(site, m.path, tmp_path / "cache", jobs=1)
    page = site / "book" / "seiten" / "ring" / "r0.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    hrefs = [a["href"] for a in soup.select("a.download-csv, a.download-xlsx, p.csv-download a")]
    assert len(hrefs) == 3 and not any(h.startswith("data:") for h in hrefs)
    ziele = [(page.parent / h).resolve() for h in hrefs]
    assert all(z.is_file() and z.is_relative_to((out / "ring").resolve()) for z in ziele), ziele
    assert ziele[0].read_bytes() == downloads.csv_bytes(downloads.ring_zeitreihe(m, "Küstenstädte", RING))
    assert ziele[2].read_bytes() == s.csv_bytes() and ziele[2].name == f"kuestenstaedte_{m.datenstand}.csv"


HOSTILE = '../../x"><script>alert(1)</script> =HYPERLINK("http://böse.example") /etc/passwd'


def test_hostile_ring_name_is_escaped_and_stays_in_its_folder(m, tmp_path, monkeypatch):
    """A ring name from a parameter file is text: escaped in the page, a safe file name in
    downloads/ring/, text (no formula, no link) in the XLSX and the CSV."""
    import openpyxl

    _ohne_cache(monkeypatch, tmp_path)
    s = pages.RingSeite(m, HOSTILE, RING)
    formel = pages.RingSeite(m, "=1+2", RING[:2])
    kennung = sitemodel.ring_kennung(HOSTILE)
    assert re.fullmatch(r"[a-z0-9-]+", kennung) and kennung == s.kennung
    links = downloads.links(s).data
    soup = BeautifulSoup(links, "html.parser")
    assert not soup.find("script") and soup.ul["data-ring-name"] == HOSTILE
    assert all(a["href"].startswith(f"../../../downloads/ring/{kennung}.") for a in soup.select("a.download-csv, a.download-xlsx"))
    site = _ring_site(tmp_path, s, formel)
    assert downloads.ring_deklarationen(site) == {kennung: (HOSTILE, RING), "1-2": ("=1+2", RING[:2])}
    out = downloads.write_site(site, m.path, tmp_path / "cache", jobs=1)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()
                     and "site/book" not in p.as_posix())
    assert written == sorted(f"site/downloads/ring/{k}{e}" for k in (kennung, "1-2")
                             for e in (".csv", ".xlsx", f"_{m.datenstand}.csv")), written
    wb = openpyxl.load_workbook(out / "ring" / "1-2.xlsx")
    zelle = next(c for row in wb["Erläuterungen"].iter_rows() for c in row if isinstance(c.value, str) and "=1+2" in c.value)
    assert zelle.data_type == "s" and zelle.value.startswith("Vergleichsring =1+2")
    # a unit name that starts the cell (the "Einheit" row of any unit's XLSX) stays text as well
    df = downloads.ring_zeitreihe(m, "=1+2", RING[:2]).head(3)
    wb = openpyxl.load_workbook(io.BytesIO(downloads.xlsx_bytes(df, df.iloc[:0], '=HYPERLINK("http://x.example")', m.meta)))
    zelle = [r[1] for r in wb["Erläuterungen"].iter_rows() if r[0].value == "Einheit"][-1]   # the unit (after the column)
    assert zelle.data_type == "s" and zelle.value == '=HYPERLINK("http://x.example")' and zelle.hyperlink is None
    monat = pages.csv_aus_bytes((out / "ring" / f"1-2_{m.datenstand}.csv").read_bytes())
    assert set(monat.loc[monat["Kennung"] == "1-2", "Name"]) == {"'=1+2"}          # no formula in Excel


def test_download_paths_are_validated():
    assert sitemodel.download_datei("ring", "kuestenstaedte", "xlsx") == "ring/kuestenstaedte.xlsx"
    assert sitemodel.download_datei("jobcenter", "01001", "csv", "2026-08") == "jobcenter/01001_2026-08.csv"
    for args in (("ring", "../x"), ("ring", "a/b"), ("ring", ""), ("ring", "x y"), ("ring", "a_b"),
                 ("../ring", "x"), ("ring", "x", "exe"), ("ring", "x", "xlsx", "2026-08"), ("ring", "x", "csv", "2026-13"),
                 ("ring", "x" * 81)):
        with pytest.raises(ValueError):
            sitemodel.download_datei(*args)
    for name in (HOSTILE, "", "///", "ä" * 200, "Ring\x00\n<b>"):
        k = sitemodel.ring_kennung(name)
        assert sitemodel.download_datei("ring", k) == f"ring/{k}.csv" and len(k) <= sitemodel.RING_KENNUNG_MAX


def test_two_rings_with_one_file_name_are_an_error(m, tmp_path):
    site = _ring_site(tmp_path, pages.RingSeite(m, "Küste", RING), pages.RingSeite(m, "KÜSTE!", RING[:2]))
    with pytest.raises(ValueError, match="derselben Kennung"):
        downloads.ring_deklarationen(site)
    f = site / "book" / "seiten" / "ring" / "r1.html"        # a declaration that does not fit its name
    f.write_text(f.read_text(encoding="utf-8").replace('data-ring="kueste"', 'data-ring="etc"'), encoding="utf-8")
    with pytest.raises(ValueError, match="ungültige Angabe"):
        downloads.ring_deklarationen(site)


def test_berechnungsgrundlagen_ring_page(m):
    """A Vergleichsring page traces its values to the ring's summed Zähler/Nenner (no mart level)."""
    ids = sorted(m.jobcenter["jobcenter_id"])[:5]
    seite = pages.RingSeite(m, "Prüfring <b>&", ids)
    html_text = bg.abschnitt(seite).data
    assert "Prüfring &lt;b&gt;&amp;" in html_text and "<b>&" not in html_text
    rows = {code: c for code, c, _ in _rows(html_text)}
    e = seite.e[(seite.e["monat"] == seite.monat) & (seite.e["geschlecht"] == "insgesamt")].set_index("kennzahl")
    jz = m.ergebnisse(ebene="jobcenter", id=ids, monat=seite.monat, geschlecht="insgesamt")
    geprueft = 0
    for code in ("K1", "K2", "K3", "K2E1", "K3E1"):
        c = rows[code]
        assert c["wert"].split(" (")[0] == fmt.prozent(e.loc[code, "wert"]), code       # the page's ring value
        if KENNZAHLEN[code].art == "rate12":
            continue
        z, n = _zahl(c["zaehler"]), _zahl(c["nenner"])
        assert fmt.prozent(_nachgerechnet(code, z, n)) == c["wert"].split(" (")[0], code
        assert z == pytest.approx(jz.loc[jz["kennzahl"] == code, "zaehler"].sum()), code   # sum of the members
        geprueft += 1
    assert geprueft >= 3
    assert {"JFW_INT", "JFW_K2", "JFW_LZB"} <= set(rows)
