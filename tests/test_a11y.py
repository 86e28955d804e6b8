"""Accessibility and print (issue 13): chart data as tables (unit tests) and, against the built
site, axe-core, the keyboard walk on the Bund page, print to A4, 390 px and the German theme."""

from __future__ import annotations

import pandas as pd

from helpers import charts, mystnb_vega, text


def test_chart_table_is_taken_out_of_the_payload_and_escaped():
    spec = {"description": "Text", "usermeta": {"tabelle": {"spalten": ["A<b>", "Wert"],
                                                           "zeilen": [["Bad <Ort> & Co", "1,5 %"]]}}}
    out = mystnb_vega.spec_to_html(spec, "vl-c1-o0")
    payload = out.split('data-target="vl-c1-o0">')[1].split("</script>")[0]
    assert "tabelle" not in payload and "Bad" not in payload
    assert "<summary>Daten als Tabelle</summary>" in out
    assert "<th scope=\"row\">Bad &lt;Ort&gt; &amp; Co</th>" in out and "A&lt;b&gt;" in out
    assert "<td>1,5 %</td>" in out


def test_time_series_table_rows_come_from_the_chart_data_once():
    """A time series with a gender choice carries its numbers once (chart data): the table keeps
    caption and header, its rows are built by vega-init.js (checked in the browser by
    test_zielsteuerung_site against charts.tabelle_zeitreihen), and without JavaScript a note says why."""
    tabelle = {"titel": "Werte für Insgesamt", "spalten": ["Kennzahl, Monat", "Jobcenter"],
               "zeilen": [["K2 Januar 2024", "12,3\u00a0%"]]}
    mit = {"description": "Text", "usermeta": {"tabelle": tabelle, "tabelle_param": {"param": "geschlecht"}}}
    out = mystnb_vega.spec_to_html(mit, "vl-c1-o0")
    assert "<caption>Werte für Insgesamt</caption>" in out and '<th scope="col">Jobcenter</th>' in out
    assert "<tbody></tbody>" in out and "K2 Januar 2024" not in out
    note = out.split("<noscript>")[1].split("</noscript>")[0]
    assert note.startswith(f"<p>{mystnb_vega.OHNE_SKRIPT} ")
    assert f'<a href="{mystnb_vega.OHNE_SKRIPT_ZIEL}">Zahlen herunterladen</a>' in note   # the downloads, no JS needed
    ohne = mystnb_vega.spec_to_html({"description": "Text", "usermeta": {"tabelle": tabelle}}, "vl-c1-o0")
    assert "<th scope=\"row\">K2 Januar 2024</th>" in ohne and "noscript" not in ohne


def test_time_series_table_uses_the_project_formatter():
    daten = pd.DataFrame({"k": ["K2", "K2"], "m": ["2024-01", "2024-02"], "w": [12.345, float("nan")],
                          "md": [10.0, 9.96], "zw": ["", text.ohne_wert("gesperrt")]})
    t = charts.tabelle_zeitreihen(daten.drop(columns="zw"), {"w": "Jobcenter", "md": "Median"})
    assert t["spalten"] == ["Kennzahl, Monat", "Jobcenter", "Median"]
    assert t["zeilen"] == [["K2 Januar 2024", "12,3\u00a0%", "10,0\u00a0%"],
                           ["K2 Februar 2024", ".", "10,0\u00a0%"]]       # no reason given: "." alone
    # with the reason (zeitreihen_daten(..., ohne=...)): sign and reason, as the page table's footnote
    d = charts.zeitreihen_daten(daten.rename(columns={"k": "kennzahl", "m": "monat"}), {"w": "w", "md": "md"},
                                ohne={"w": "zw"})
    t = charts.tabelle_zeitreihen(d, {"w": "Jobcenter", "md": "Median"})
    assert t["zeilen"][1] == ["K2 Februar 2024", ". (Eingangswert aus Datenschutzgründen gesperrt (*))", "10,0\u00a0%"]


def test_position_table_summarises_each_figure():
    daten = charts.position_daten(pd.DataFrame({"kennzahl": ["K2"] * 3, "jobcenter_id": ["1", "2", "3"],
                                                "wert": [1.0, 4.0, 10.0]}))
    t = charts.tabelle_position(daten, "3", "Flensburg")
    assert t["spalten"][-1] == "Flensburg"
    assert t["zeilen"] == [["K2", "3", "1,0\u00a0%", "4,0\u00a0%", "10,0\u00a0%", "10,0\u00a0%"]]


def test_position_median_is_the_full_precision_median():
    """1,02 and 1,06: median 1,04 -> "1,0" (as the page table), not the median 1,05 -> "1,1" of
    the rounded chart values 1,0 and 1,1."""
    daten = charts.position_daten(pd.DataFrame({"kennzahl": ["K2", "K2"], "jobcenter_id": ["1", "2"],
                                                "wert": [1.02, 1.06]}))
    assert daten["v"].tolist() == [1.0, 1.1] and daten["md"].tolist() == [1.0, 1.0]
    assert charts.tabelle_position(daten, None, "")["zeilen"][0][3] == "1,0\u00a0%"
    assert "Median 1,0\u00a0%" in charts.beschreibung_position(daten, None, "")


# --------------------------------------------------------------------------------------------
# Built site in headless Chromium (needs `make book`; skips without it, fails in CI)

import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402

import pytest  # noqa: E402


CHARTS_DONE = """() => {
  const all = document.querySelectorAll('.vega-chart');
  const done = document.querySelectorAll('.vega-chart.vega-fertig, .vega-chart.vega-fehler');
  return all.length === done.length;
}"""
# English strings of Sphinx / pydata-sphinx-theme / sphinx-book-theme that must not remain.
ENGLISH = ["Link to this heading", "Toggle primary sidebar", "Toggle secondary sidebar", "Skip to main content",
           "Back to top", "Search Ctrl+K", "Search the docs", "Light/Dark", "Color mode", "Main", "By ",
           "Contents", "previous page", "next page", "On this page", "Print to PDF", "Download this page",
           "Search Results", "Fullscreen mode", "Section Navigation", "Site navigation"]
# The page kinds of issue 13 in a build of the handbook (`make book`); the edition page exists
# after a monthly run only: tests/test_publish.py runs axe on it and on the editions' index.
SEITENARTEN = {"start", "jobcenter", "vergleichstyp", "land", "bund", "vergleichsring", "eigene", "hilfe", "suche"}
SUCHE = "Integrationsquote"
SUCHE_FERTIG = "() => /\\d/.test(document.querySelector('#search-results p.search-summary')?.innerText || '')"


def _pages(site_dir):
    """One built page per page kind (those that exist in this build)."""
    kinds = {"start": "book/intro.html", "hilfe": next((p for p in sorted(site_dir.glob("book/hilfe/*.html"))), None),
             "suche": f"search.html?q={SUCHE}"}
    for kind, folder in (("jobcenter", "jobcenter"), ("vergleichstyp", "vergleichstyp"), ("land", "land"),
                         ("bund", "bund"), ("vergleichsring", "ring"), ("eigene", "eigene")):
        hit = sorted(site_dir.glob(f"book/seiten/{folder}/*.html"))
        if hit:
            kinds[kind] = hit[0]
    # the edition page ("Über diese Ausgabe", helpers.book.edition_page) exists after a monthly run only
    edition = site_dir / "book/generated/ueber-diese-ausgabe.html"
    if edition.is_file():
        kinds["ausgabe"] = edition
    out = {}
    for k, v in kinds.items():
        if v is None:
            continue
        out[k] = v if isinstance(v, str) else v.relative_to(site_dir).as_posix()
    return out


def _open(page, url):
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_function(CHARTS_DONE, timeout=60000)


@pytest.mark.browser
def test_axe_no_violations_on_every_page_kind(browser_page, site_url, site_dir, axe):
    pages = _pages(site_dir)
    assert SEITENARTEN <= set(pages), sorted(SEITENARTEN - set(pages))
    page = browser_page.page
    found = {}
    for kind, rel in pages.items():
        _open(page, f"{site_url}/{rel}")
        if kind == "suche":      # checked with its results listed (snippets, the announced count)
            page.wait_for_function(SUCHE_FERTIG, timeout=30000)
            assert page.locator("#search-results ul.search li").count() >= 3
        bad = axe(page)
        if bad:
            found[kind] = bad
    print(f"axe (WCAG 2.1 A/AA) geprüft: {', '.join(pages)}")
    assert found == {}, found


@pytest.mark.browser
def test_keyboard_walk_on_the_bund_page(browser_page, site_url, site_dir):
    if not (site_dir / "book/seiten/bund/DE.html").is_file():
        pytest.skip("Bund-Seite nicht gebaut")
    page = browser_page.page
    _open(page, f"{site_url}/book/seiten/bund/DE.html")
    karte = page.locator(".vega-chart", has_text="GeoBasis-DE").first
    select = karte.locator("select")
    # the picker sits before the map's drawing
    assert select.evaluate("s => !!(s.compareDocumentPosition(s.closest('.vega-chart').querySelector('svg')) & 4)")
    # keyboard only: skip link to the content, then Tab until the picker has the focus
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    presses = 0
    while presses < 40 and not select.evaluate("s => s === document.activeElement"):
        page.keyboard.press("Tab")
        presses += 1
    assert select.evaluate("s => s === document.activeElement"), "Auswahlfeld nicht per Tab erreichbar"
    print(f"Bund-Seite: {presses} Tab-Drücke nach dem Sprunglink bis zum Auswahlfeld der Karte")
    assert presses <= 15, f"{presses} Tab-Drücke bis zum Auswahlfeld"
    page.keyboard.press("ArrowDown")   # next figure (Chromium changes a focused select with arrows)
    gewaehlt = select.evaluate("s => s.options[s.selectedIndex].text")
    assert not gewaehlt.startswith("K2 ")
    live = karte.locator("[aria-live]")
    page.wait_for_function("el => el.textContent.length > 0", arg=live.element_handle(), timeout=5000)
    assert gewaehlt in live.inner_text()
    assert gewaehlt in karte.locator("svg").first.get_attribute("aria-label")
    # the data table holds every figure of the picker
    details = page.locator("details.hb-daten").filter(has=page.locator("th", has_text=gewaehlt)).first
    assert details.count() == 1
    details.locator("summary").focus()
    page.keyboard.press("Enter")
    assert details.locator("tbody tr").count() >= 20


@pytest.mark.browser
def test_no_mouse_only_instruction_and_every_chart_has_a_table(site_dir):
    for f in sorted(site_dir.glob("book/**/*.html")):
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"mit der Maus|Maus über|hover", text, re.IGNORECASE), f
        n = text.count('class="vega-chart"')
        assert text.count('<summary>Daten als Tabelle</summary>') >= n, f"{f}: Diagramm ohne Datentabelle"


@pytest.mark.browser
def test_no_english_theme_string_on_any_page(site_dir):
    from html.parser import HTMLParser

    class Texts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.out, self.skip = [], 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style"):
                self.skip += 1
            for k, v in attrs:
                if k in ("aria-label", "title", "alt", "placeholder", "data-tooltip") and v:
                    self.out.append(v)

        def handle_endtag(self, tag):
            if tag in ("script", "style"):
                self.skip -= 1

        def handle_data(self, data):
            if not self.skip and data.strip():
                self.out.append(data.strip())

    problems = {}
    for f in sorted(site_dir.rglob("*.html")):
        p = Texts()
        p.feed(f.read_text(encoding="utf-8"))
        hits = sorted({e for e in ENGLISH for t in p.out if t == e.strip() or (len(e) > 5 and e in t)})
        if hits:
            problems[f.relative_to(site_dir).as_posix()] = hits
    assert problems == {}, dict(list(problems.items())[:5])


# Print (the Steckbrief of a Jobcenter page). Printed: the header facts, the comparison table
# ("Alle Kennzahlen im Vergleich"), the time-series charts, the Zielsteuerung table and chart, the
# download addresses. Not printed: the monthly values under each chart ("Daten als Tabelle"),
# the Berechnungsgrundlagen and the Lage chart (rank and median are in the comparison table);
# the printed page says so, and names the download files.
NICHT_GEDRUCKT = "details.hb-daten table, #berechnungsgrundlagen table"
TABELLEN = """sel => [...document.querySelectorAll('.bd-article table')].map(t => ({
  klasse: t.className, gedruckt: t.getClientRects().length > 0, ausgenommen: t.matches(sel),
  koepfe: [...t.querySelectorAll('thead th, th[scope=col]')].map(th => th.innerText)}))"""


def _kompakt(s: str) -> str:
    """PDF text and HTML text compared without white space and hyphens: a header cell may wrap
    inside its column. The PDF text is read in drawing order (pdftotext -raw), which keeps the
    lines of one cell together (the layout modes join lines of neighbouring cells)."""
    return re.sub(r"[\s\-\u00ad]", "", s)


@pytest.mark.browser
def test_jobcenter_page_prints_on_at_most_4_a4_pages(browser_page, site_url, site_dir, tmp_path):
    if not shutil.which("pdftotext"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "poppler-utils"], check=False)
    rel = _pages(site_dir)["jobcenter"]
    page = browser_page.page
    _open(page, f"{site_url}/{rel}")
    page.emulate_media(media="print")
    tabellen = page.evaluate(TABELLEN, NICHT_GEDRUCKT)
    gedruckt = [t for t in tabellen if t["gedruckt"]]
    # exactly the tables named above are printed
    assert all(t["gedruckt"] != t["ausgenommen"] for t in tabellen), [(t["klasse"], t["gedruckt"]) for t in tabellen]
    klassen = [t["klasse"] for t in gedruckt]
    assert "kennzahlen-tabelle" in klassen and "kennzahlen-tabelle zielsteuerung-jfw" in klassen, klassen
    assert sum("hb-daten-tabelle" in t["klasse"] for t in tabellen) >= 4   # the charts' tables exist, unprinted
    pdf = tmp_path / "steckbrief.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    seiten = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    print(f"Steckbrief {rel}: {seiten} A4-Seiten, gedruckte Tabellen: {klassen}")
    assert seiten <= 4, f"{seiten} Seiten"
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = _kompakt(text)
    for t in gedruckt:
        for h in t["koepfe"]:
            assert _kompakt(h) in flat, f"Spalte {h!r} der Tabelle {t['klasse']!r} fehlt im Druck"
    koepfe = next(t["koepfe"] for t in gedruckt if t["klasse"] == "kennzahlen-tabelle")
    assert koepfe[-3:] == ["Bund", "Rang im Vergleichstyp", "Einordnung gegenüber Median"], koepfe
    erste = re.sub(r"\s+", " ", text.split("\f")[0])
    assert "Datenstand" in erste and "Demodaten" in erste
    # what is left out is said on paper, with the full addresses of the download files
    assert flat.count(_kompakt("im Ausdruck nicht enthalten")) == 3
    charts = page.eval_on_selector_all(".bd-article .vega-chart", "els => els.map(e => e.getClientRects().length > 0)")
    assert charts.count(True) >= 4 and not page.locator("#lage-im-vergleichstyp .vega-chart").first.is_visible()
    jc = rel.rsplit("/", 1)[-1].removesuffix(".html")
    for endung in ("csv", "xlsx"):
        assert _kompakt(f"{site_url}/downloads/jobcenter/{jc}.{endung}") in flat
    assert flat.count(_kompakt("Daten als Tabelle")) == 1   # only in that sentence: no closed disclosure on paper
    assert "base64" not in text


# Smallest drawn text of the charts and maps: svg text (font size times the svg's scale on the
# screen) and the HTML legends of the maps; vega-init.js draws every chart as svg (no canvas).
SCHRIFTEN = """() => {
  const svg = [...document.querySelectorAll('.vega-chart svg text')].filter(e => e.textContent.trim()).map(e => {
    const fs = parseFloat(getComputedStyle(e).fontSize); const m = e.getScreenCTM();
    return [fs * (m ? Math.hypot(m.a, m.b) : 1), e.textContent.trim()]; });
  const html = [...document.querySelectorAll('.vega-chart .hb-karte-legende *, .vega-chart .hb-karte-quelle,'
    + ' .vega-chart .vega-bindings label')].filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    .map(e => [parseFloat(getComputedStyle(e).fontSize), e.textContent.trim()]);
  return {svg, html, canvas: document.querySelectorAll('.vega-chart canvas').length};
}"""
GRAFIKEN = ("jobcenter", "vergleichstyp", "land", "bund", "vergleichsring", "eigene")


@pytest.mark.browser
def test_390px_charts_readable_and_nothing_covers_content(browser, site_url, site_dir, tmp_path):
    pages = _pages(site_dir)
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    geprueft = {}
    try:
        for kind in GRAFIKEN:
            rel = pages.get(kind)
            if rel is None:
                continue
            _open(page, f"{site_url}/{rel}")
            n = page.locator(".vega-chart").count()
            if not n:
                continue
            assert page.locator(".vega-chart.vega-fehler").count() == 0, rel
            schrift = page.evaluate(SCHRIFTEN)
            assert schrift["canvas"] == 0 and schrift["svg"], rel
            kleinste = min(schrift["svg"] + schrift["html"])
            geprueft[kind] = (n, round(kleinste[0], 1))
            assert kleinste[0] >= 11, f"{rel}: kleinste Schrift {kleinste[0]:.1f} px ({kleinste[1]!r})"
            # each chart and map is drawn for its box (not drawn wider and shrunk) and stays on the screen
            boxes = page.eval_on_selector_all(
                ".vega-chart svg", "els => els.map(e => [e.getBoundingClientRect().right,"
                " e.getBoundingClientRect().width, parseFloat(e.getAttribute('width'))])")
            assert max(r for r, _, _ in boxes) <= 390, (rel, boxes)
            assert all(abs(w - natur) < 1 for _, w, natur in boxes), (rel, boxes)
            breite = page.evaluate("() => document.documentElement.scrollWidth")
            assert breite <= 390, f"{rel}: Seite {breite} px breit"
            if kind in ("bund", "land", "vergleichstyp"):   # the map's legend is on the page, under the map
                karte = page.locator(".vega-chart", has_text="GeoBasis-DE").first
                assert karte.locator(".hb-karte-legende li").count() >= 3, rel
            if kind == "jobcenter":
                # small multiples one below the other: the cells of a faceted chart share one x position
                spalten = page.eval_on_selector_all(
                    ".vega-chart svg", "els => els.map(s => new Set([...s.querySelectorAll("
                    "'g.mark-group.role-scope.cell > g')].map(g => (g.getAttribute('transform') || '').split(',')[0])).size)")
                assert max(spalten) == 1 and spalten.count(1) >= 4, spalten   # the three time series and the Lage chart
                page.screenshot(path=str(tmp_path / "390.png"), full_page=True)
                back = page.locator("#pst-back-to-top")
                assert back.count() == 0 or not back.is_visible()
        print(f"390 px: Diagramme und kleinste Schrift je Seitenart {geprueft}")
        assert {"jobcenter", "vergleichstyp", "land", "bund"} <= set(geprueft), geprueft
    finally:
        ctx.close()


@pytest.mark.browser
def test_time_series_tables_without_javascript_link_to_the_downloads(site_dir):
    """A time-series table filled by the page script says so without JavaScript and links to the
    page's section of download files (present on every such page): the whole series as CSV and
    XLSX. (The rows themselves are not in the HTML: on a Jobcenter page they would add about 64 KB.)"""
    from html.parser import HTMLParser

    class Ids(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids, self.section, self.links = set(), None, []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if a.get("id"):
                self.ids.add(a["id"])
            if tag == "section" and a.get("id"):
                self.section = a["id"]
            if tag == "a" and self.section == mystnb_vega.OHNE_SKRIPT_ZIEL[1:]:
                self.links.append(a.get("href") or "")

    ziel = f'<a href="{mystnb_vega.OHNE_SKRIPT_ZIEL}">'
    seiten = 0
    for f in sorted(site_dir.glob("book/seiten/*/*.html")):
        text = f.read_text(encoding="utf-8")
        n = text.count(mystnb_vega.OHNE_SKRIPT)
        if not n:
            continue
        seiten += 1
        assert text.count(ziel) == n, f
        p = Ids()
        p.feed(text)
        assert mystnb_vega.OHNE_SKRIPT_ZIEL[1:] in p.ids, f
        assert any(h.endswith(".csv") for h in p.links) and any(h.endswith(".xlsx") for h in p.links), (f, p.links)
    assert seiten >= 1


@pytest.mark.browser
def test_search_announces_the_count_and_snippets_end_at_words(browser_page, site_url):
    page = browser_page.page
    page.goto(f"{site_url}/search.html?q={SUCHE}")
    page.wait_for_function(SUCHE_FERTIG, timeout=30000)
    summary = page.locator("#search-results p.search-summary")
    # a live region: role status (implicitly aria-live polite), set while the search was still running
    assert summary.get_attribute("role") == "status" or summary.get_attribute("aria-live") in ("polite", "assertive")
    n = int(re.search(r"\d+", summary.inner_text()).group(0))
    treffer = page.locator("#search-results ul.search > li")
    assert n == treffer.count() >= 3
    snippets = page.eval_on_selector_all(
        "#search-results ul.search > li", "lis => lis.map(li => [li.querySelector('a').href,"
        " li.querySelector('p.context')?.textContent || ''])")
    geprueft = 0
    for href, snippet in snippets[:8]:
        if not snippet.strip():
            continue
        quelle = page.evaluate("async u => { const d = new DOMParser().parseFromString(await (await fetch(u)).text(),"
                               " 'text/html'); return (d.querySelector('[role=main], main') || d.body).textContent; }",
                               href.split("#")[0])
        quelle = re.sub(r"\s+", " ", quelle)
        woerter = snippet.replace("…", " ").split()
        for wort in (woerter[0], woerter[-1]):
            wort = wort.strip(".,;:!?()„“\"'")
            if wort:
                assert re.search(rf"(?<!\w){re.escape(wort)}(?!\w)", quelle), (href, snippet, wort)
        geprueft += 1
    assert geprueft >= 1
