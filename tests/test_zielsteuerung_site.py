"""Issue 12 on the built site (`make book`): Zielsteuerung section, the download files behind the
links of a sampled Jobcenter page (fetched from the served site), the Geschlecht choice of the
time series with its data table, and the page weight of every Jobcenter page."""

from __future__ import annotations

import io
import re

import pytest

from helpers import charts, downloads, fmt, pages

MAX_PAGE_BYTES = 300_000
CHART_DONE = "el => el.classList.contains('vega-fertig') || el.classList.contains('vega-fehler')"


@pytest.fixture(scope="module")
def m(demo_mart):
    pages.setup()
    return demo_mart


@pytest.fixture(scope="module")
def jobcenter_mit_ziel(m, site_dir):
    """A Jobcenter with Zielwerte whose page is built (sampled from the data, not fixed)."""
    ids = sorted(m.ziele()["jobcenter_id"].unique())
    built = [j for j in ids if (site_dir / f"book/seiten/jobcenter/{j}.html").is_file()]
    assert built, "keine gebaute Jobcenter-Seite mit Zielwerten"
    return built[len(built) // 2]


def _abschnitt(page, titel: str):
    """The section of the page whose heading starts with titel."""
    return page.locator("section").filter(has=page.locator(f"h2:text-matches('^{re.escape(titel)}')")).first


@pytest.mark.browser
def test_zielsteuerung_section_and_download_links(browser_page, site_url, m, jobcenter_mit_ziel):
    jid = jobcenter_mit_ziel
    page = browser_page.page
    url = f"{site_url}/book/seiten/jobcenter/{jid}.html"
    page.goto(url)
    ziel = _abschnitt(page, "Zielsteuerung")
    assert ziel.count() == 1 and ziel.is_visible()
    text = ziel.inner_text()
    assert "Jahresfortschrittswerte" in text
    assert re.search(r"Zielwert (erreicht|nicht erreicht|noch offen) \(Stand: \w+ \d{4}\)", text), text[:500]
    chart = ziel.locator(".vega-chart").first
    page.wait_for_function(CHART_DONE, arg=chart.element_handle(), timeout=30000)
    assert "vega-fertig" in chart.get_attribute("class") and chart.locator("svg").count() >= 1

    links = _abschnitt(page, "Zahlen herunterladen")
    csv_a, xlsx_a = links.locator("a.download-csv"), links.locator("a.download-xlsx")
    assert csv_a.count() == 1 and xlsx_a.count() == 1
    absolut = [a.evaluate("a => a.href") for a in (csv_a, xlsx_a)]
    assert all(u.startswith(site_url + "/downloads/jobcenter/") for u in absolut), absolut

    # CSV from the served site: UTF-8 with BOM, ';', decimal comma, the unit's full time series
    r = page.request.get(absolut[0])
    assert r.ok, (absolut[0], r.status)
    raw = r.body()
    assert raw.startswith(b"\xef\xbb\xbf")
    kopf, zeile = raw.decode("utf-8-sig").split("\r\n")[:2]
    assert kopf.split(";")[:4] == ["Kennung", "Monat", "Geschlecht", "Kennzahl"]
    assert re.search(r";-?\d+,\d+;", zeile) and "." not in zeile.split(";")[6], zeile
    back = downloads.lese_csv(raw)
    assert set(back["Kennung"]) == {jid} and set(back["Geschlecht"]) == {"Insgesamt", "Frauen", "Männer"}
    mart_k2 = m.ergebnisse(ebene="jobcenter", id=jid, kennzahl="K2", geschlecht="insgesamt",
                           monat=m.datenstand)["wert"].iloc[0]
    got = back.query("Kennzahl == 'K2' and Geschlecht == 'Insgesamt' and Monat == @m.datenstand")["Wert"]
    assert got.iloc[0] == pytest.approx(mart_k2, rel=1e-13)
    # the page shows the same K2 as the file
    assert fmt.prozent(got.iloc[0]) in page.locator(".kennzahlen-tabelle").first.inner_text()

    # XLSX from the served site opens with openpyxl and has the documented sheets
    import openpyxl

    r = page.request.get(absolut[1])
    assert r.ok, (absolut[1], r.status)
    wb = openpyxl.load_workbook(io.BytesIO(r.body()), read_only=True)
    assert wb.sheetnames == ["Zeitreihe", "Eingangsgrößen", "Erläuterungen"]
    kopf = next(wb["Zeitreihe"].iter_rows(max_row=1, values_only=True))
    assert kopf[:4] == ("Kennung", "Monat", "Geschlecht", "Kennzahl") and "Zähler" in kopf
    n_rows = sum(1 for _ in wb["Zeitreihe"].iter_rows(min_row=2))
    assert n_rows == len(back)

    # the data package of the edition: datapackage.json and its resources are served
    paket = links.locator("a.download-paket").evaluate("a => a.href")
    r = page.request.get(paket)
    assert r.ok
    for res in r.json()["resources"]:
        assert page.request.head(paket.rsplit("/", 1)[0] + "/" + res["path"]).ok, res["path"]
    assert not browser_page.external and not browser_page.errors, (browser_page.external, browser_page.errors)


@pytest.mark.browser
def test_ring_page_download_links(browser_page, site_url, site_dir, m):
    """A built Vergleichsring page (parameters/eigene): both time-series links and the one-month CSV
    are files of downloads/ring/ served by the site; the CSV holds the ring's sums (Mart.gruppe,
    Mart.gruppe_steuerung) and the XLSX opens with openpyxl with the documented sheets."""
    import openpyxl
    from bs4 import BeautifulSoup

    from helpers import sitemodel

    gebaut = sorted((site_dir / sitemodel.PAGES_ROOT / sitemodel.RING).glob("*.html"))
    assert gebaut, "keine gebaute Vergleichsring-Seite"
    datei = gebaut[0]
    decl = BeautifulSoup(datei.read_text(encoding="utf-8"), "html.parser").select_one("ul.downloads[data-ring]")
    name, ids = decl["data-ring-name"], decl["data-ring-mitglieder"].split()
    assert datei.stat().st_size <= MAX_PAGE_BYTES
    page = browser_page.page
    page.goto(f"{site_url}/{datei.relative_to(site_dir).as_posix()}")
    links = _abschnitt(page, "Zahlen herunterladen")
    csv_a, xlsx_a = links.locator("a.download-csv"), links.locator("a.download-xlsx")
    assert csv_a.count() == 1 and xlsx_a.count() == 1
    absolut = [a.evaluate("a => a.href") for a in (csv_a, xlsx_a)]
    kennung = sitemodel.ring_kennung(name)
    assert absolut == [f"{site_url}/{sitemodel.DOWNLOADS}/{sitemodel.download_datei('ring', kennung, e)}"
                       for e in ("csv", "xlsx")], absolut

    r = page.request.get(absolut[0])
    assert r.ok, (absolut[0], r.status)
    raw = r.body()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = downloads.lese_csv(raw)
    assert set(back["Kennung"]) == {kennung} and set(back["Geschlecht"]) == {"Insgesamt", "Frauen", "Männer"}
    assert {"K2", "K3E4", "JFW_INT", "JFW_K2_VJ_PP", "JFW_LZB_VJ"} <= set(back["Kennzahl"])
    for code, tab in (("K2", m.gruppe(ids)), ("JFW_LZB", m.gruppe_steuerung(ids))):
        want = tab.query("kennzahl == @code and geschlecht == 'insgesamt' and monat == @m.datenstand")["wert"].iloc[0]
        got = back.query("Kennzahl == @code and Geschlecht == 'Insgesamt' and Monat == @m.datenstand")["Wert"].iloc[0]
        assert got == pytest.approx(want, rel=1e-13), code
    # the ring's value on the page is the file's, as the page formats it
    k2 = back.query("Kennzahl == 'K2' and Geschlecht == 'Insgesamt' and Monat == @m.datenstand")["Wert"].iloc[0]
    assert fmt.prozent(k2) in page.locator(".kennzahlen-tabelle").first.inner_text()

    r = page.request.get(absolut[1])
    assert r.ok, (absolut[1], r.status)
    wb = openpyxl.load_workbook(io.BytesIO(r.body()), read_only=True)
    assert wb.sheetnames == ["Zeitreihe", "Eingangsgrößen", "Erläuterungen"]
    kopf = next(wb["Zeitreihe"].iter_rows(max_row=1, values_only=True))
    assert kopf[:4] == ("Kennung", "Monat", "Geschlecht", "Kennzahl") and "Zähler" in kopf and "Nenner" in kopf
    assert sum(1 for _ in wb["Zeitreihe"].iter_rows(min_row=2)) == len(back)
    erkl = {row[0]: row[1] for row in wb["Erläuterungen"].iter_rows(min_row=2, values_only=True)}
    assert all(f"({i})" in erkl["Mitglieder"] for i in ids)

    # the one-month CSV of the page is a file too (no data: URI)
    monat_href = page.locator("p.csv-download a").first.evaluate("a => a.href")
    assert monat_href.startswith(f"{site_url}/{sitemodel.DOWNLOADS}/ring/") and page.request.get(monat_href).ok
    assert not browser_page.external and not browser_page.errors, (browser_page.external, browser_page.errors)


@pytest.mark.browser
def test_time_series_gender_choice_by_keyboard_and_table_follows(browser_page, site_url, m, jobcenter_mit_ziel):
    """Ziel 2 chart: whole period, radio Insgesamt/Frauen/Männer reachable by keyboard; the
    "Daten als Tabelle" rows are those drawn (checked against rows computed in Python)."""
    jid = jobcenter_mit_ziel
    page = browser_page.page
    page.goto(f"{site_url}/book/seiten/jobcenter/{jid}.html")
    seite = pages.JobcenterSeite(m, jid)
    spec = seite.zeitreihen(2).to_dict()
    chart = page.locator(".vega-chart").filter(has=page.locator("input[type=radio]")).nth(1)
    page.wait_for_function(CHART_DONE, arg=chart.element_handle(), timeout=30000)
    radios = chart.locator("input[type=radio]")
    labels = [radios.nth(i).evaluate("r => r.parentElement.textContent.trim()") for i in range(radios.count())]
    assert labels == ["Insgesamt", "Frauen", "Männer"], labels
    details = chart.locator("xpath=following-sibling::details[contains(@class,'hb-daten')][1]")

    def rows():
        return details.locator("tbody tr").evaluate_all(
            "trs => trs.map(tr => Array.from(tr.children).map(c => c.textContent))")

    erwartet = {}
    d = _chart_rows(seite)
    reihen = {"w": seite.name, "md": f"Median Vergleichstyp {seite.vt}", "b": "Bund"}
    for g in ("i", "f", "m"):
        erwartet[g] = charts.tabelle_zeitreihen(d[d["g"] == g], reihen)["zeilen"]
    assert rows() == erwartet["i"]
    monate = sorted({z[0].split(" ", 1)[1] for z in erwartet["i"]}, key=lambda t: (t[-4:], fmt.MONATE.index(t.split()[0])))
    assert len(monate) > 36                      # more than the former three years
    assert monate[-1] == fmt.monat(m.datenstand)
    radios.nth(0).focus()
    page.keyboard.press("ArrowRight")            # native radio group: the arrow key selects "Frauen"
    assert radios.nth(1).is_checked()
    page.wait_for_function("el => el.querySelector('caption').textContent.includes('Frauen')",
                           arg=details.element_handle(), timeout=5000)
    assert rows() == erwartet["f"]
    radios.nth(2).check()
    page.wait_for_function("el => el.querySelector('caption').textContent.includes('Männer')",
                           arg=details.element_handle(), timeout=5000)
    assert rows() == erwartet["m"] and erwartet["m"] != erwartet["f"]
    assert spec["params"][0]["bind"]["input"] == "radio"
    assert not browser_page.errors, browser_page.errors


def _chart_rows(seite):
    """The chart data of Ziel 2 as the page builds it (all genders, whole period)."""
    from helpers.kennzahlen import KENNZAHLEN

    codes = [c for c in pages.CODES if KENNZAHLEN[c].ziel == 2]
    v = seite.v[(seite.v["monat"] <= seite.monat) & seite.v["kennzahl"].isin(codes)]
    v = v[(v["geschlecht"] == "insgesamt") | ~v["kennzahl"].map(lambda c: KENNZAHLEN[c].nur_insgesamt)]
    return charts.zeitreihen_daten(v, {"w": "wert", "md": "vt_median", "b": "bund_wert"})


@pytest.mark.slow
def test_every_jobcenter_page_within_weight_budget(site_dir, m):
    """Every built Jobcenter page's HTML ≤ 300 KB; the time series downloads are files
    (downloads/), not inline data."""
    files = sorted(site_dir.glob("book/seiten/jobcenter/*.html"))
    assert len(files) == len(m.jobcenter)
    sizes = {f.name: f.stat().st_size for f in files}
    zu_gross = {k: v for k, v in sizes.items() if v > MAX_PAGE_BYTES}
    print(f"Jobcenter-Seiten: {len(sizes)}, größte {max(sizes.values())} Bytes, "
          f"Median {sorted(sizes.values())[len(sizes) // 2]} Bytes")
    assert not zu_gross, zu_gross
    for f in files[:: max(len(files) // 20, 1)]:
        text = f.read_text(encoding="utf-8")
        for cls in ("download-csv", "download-xlsx"):
            href = re.search(rf'class="{cls}" href="([^"]+)"', text).group(1)
            assert not href.startswith("data:")
            assert (f.parent / href).resolve().is_file(), (f.name, href)
    # the one-month page CSV ("Zahlen dieser Seite") is a file of downloads/ too, on group pages as well
    for f in files[:: max(len(files) // 20, 1)] + sorted(site_dir.glob("book/seiten/[vlb]*/*.html")):
        href = pages.csv_href(f.read_text(encoding="utf-8"))
        assert not href.startswith("data:") and (f.parent / href).resolve().is_file(), (f.name, href)
