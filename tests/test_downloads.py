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
from helpers import downloads, fmt, pages, zielsteuerung
from helpers.kennzahlen import KENNZAHLEN


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


def test_data_package_validates(paket_stichprobe):
    from frictionless import Package

    paket, probe = paket_stichprobe
    report = Package(str(paket / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    assert [t.stats["rows"] for t in report.tasks] == [len(probe), len(probe)]
    names = [r.name for r in Package(str(paket / "datapackage.json")).resources]
    assert names == ["kennzahlen", "kennzahlen-parquet"]


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


def test_group_counts_are_integers_in_every_csv_download(m, paket):
    """erfasst/mitglieder are printed as whole numbers ("407", never "407,0") in the unit
    downloads, the page CSV and the data package."""

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


def test_ring_page_csv_stays_inline(m):
    """A Vergleichsring page (its members are the user's) has no downloads file: inline CSV."""
    s = pages.RingSeite(m, "R", [1001, "01002", "01003"])
    link = s.download().data
    assert pages.csv_href(link).startswith("data:text/csv;") and len(pages.csv_lesen(link)) > 0
