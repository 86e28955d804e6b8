"""The built handbook in a real browser (Debian chromium via Playwright), served on 127.0.0.1.

Needs `make book` first (_build/html). Without it the tests skip — except in CI (env CI set),
where they fail. Stable selectors used here (documented for the page engineer):

* ``.vega-chart`` — chart container made by helpers.mystnb_vega; ``vega-init.js`` adds
  ``vega-fertig`` when rendered and ``vega-fehler`` on failure.
* ``.kennzahlen-tabelle`` — the main figure table of a Jobcenter page.
* ``.bd-header-announcement`` — the site-wide demo banner.
* maps reference ``_static/geo/kreise.json`` (helpers.maps).
"""

from __future__ import annotations

import json
import re
import time

import pytest

from helpers import book, paths

pytestmark = pytest.mark.browser

MAX_PAGE_BYTES = 300_000
ALL_CHARTS_DONE = """() => {
  const all = document.querySelectorAll('.vega-chart');
  const done = document.querySelectorAll('.vega-chart.vega-fertig, .vega-chart.vega-fehler');
  return all.length > 0 && all.length === done.length;
}"""


@pytest.fixture(scope="module")
def meta(site_dir):
    return json.loads((paths.MART_DIR / "meta.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def flensburg(site_dir):
    """(id, name) of the Jobcenter in Flensburg, from the data; its page must be built."""
    import pandas as pd

    jc = pd.read_parquet(paths.MART_DIR / "jobcenter.parquet")
    hit = jc[jc["name"].str.contains("Flensburg") & ~jc["name"].str.contains("Schleswig")]
    assert len(hit) == 1, "Jobcenter Flensburg nicht eindeutig im Datenbestand"
    jid, name = str(hit.iloc[0]["jobcenter_id"]), hit.iloc[0]["name"]
    assert (site_dir / f"book/seiten/jobcenter/{jid}.html").is_file(), "Seite des Jobcenters Flensburg fehlt"
    return jid, name


def _clean(bp):
    assert bp.external == [], f"Anfragen an fremde Hosts: {bp.external[:5]}"
    assert bp.errors == [], f"Konsolenfehler: {bp.errors[:5]}"


def _search(bp, site_url, query):
    page = bp.page
    page.goto(f"{site_url}/search.html?q={query}")
    page.wait_for_function(
        "() => document.querySelector('#search-results h2')?.innerText === 'Suchergebnisse'", timeout=30000)
    time.sleep(0.3)  # results are appended one by one; the summary comes last
    summary = page.locator("#search-results p.search-summary").inner_text()
    links = page.locator("#search-results ul.search li > a")
    return [(links.nth(i).inner_text(), links.nth(i).get_attribute("href")) for i in range(links.count())], summary


def test_home_page_loads(browser_page, site_url, meta):
    page = browser_page.page
    page.goto(site_url + "/")
    page.wait_for_url(re.compile(r".*/book/intro\.html$"))
    assert "Kennzahlen" in page.title()
    body = page.locator("main").inner_text()
    assert book.datenstand_text(meta["datenstand"]) in body
    if meta.get("demo"):
        banner = page.locator(".bd-header-announcement")
        assert banner.is_visible() and book.DEMO_TEXT in banner.inner_text()
    _clean(browser_page)


def test_jobcenter_page_table_charts_banner_weight(browser_page, site_url, flensburg, meta):
    jid, name = flensburg
    page = browser_page.page
    page.goto(f"{site_url}/book/seiten/jobcenter/{jid}.html")
    assert name in page.locator("h1").first.inner_text()
    table = page.locator(".kennzahlen-tabelle").first
    assert table.is_visible()
    assert "K2" in table.inner_text()
    page.wait_for_function(ALL_CHARTS_DONE, timeout=30000)
    assert page.locator(".vega-chart.vega-fehler").count() == 0
    n = page.locator(".vega-chart").count()
    rendered = page.locator(".vega-chart svg.marks, .vega-chart canvas.marks").count()
    assert n >= 1 and rendered == n
    # German number formats in axes (no "1,000"-style grouping)
    labels = page.eval_on_selector_all(".vega-chart svg text", "els => els.map(e => e.textContent)")
    assert not any(re.fullmatch(r"\d{1,3}(,\d{3})+", t) for t in labels)
    if meta.get("demo"):
        assert book.DEMO_TEXT in page.locator(".bd-header-announcement").inner_text()
    page.wait_for_load_state("networkidle")
    # Shared assets (theme, libraries, geometry, the site-wide search index) are cached once for
    # the whole site; the page's own weight is its HTML plus anything only it loads.
    own = [(u, size) for u, size in browser_page.responses
           if "/_static/" not in u and not u.endswith("/searchindex.js")]
    weight = sum(size for _, size in own)
    assert weight <= MAX_PAGE_BYTES, f"Seitengewicht {weight} Bytes: {own}"
    _clean(browser_page)


def test_search_finds_place_code_and_term(browser_page, site_url, flensburg):
    jid, _ = flensburg
    hits, summary = _search(browser_page, site_url, "Flensburg")
    assert any(f"jobcenter/{jid}.html" in (href or "") for _, href in hits), hits
    assert summary.strip(), "Zusammenfassung der Suche ist leer"
    hits, _ = _search(browser_page, site_url, "K2E4")
    assert hits, "Suche nach K2E4 ohne Treffer"
    assert any("hilfe" in (href or "") or "seiten" in (href or "") for _, href in hits), hits
    hits, _ = _search(browser_page, site_url, "Alleinerziehende")
    assert hits, "Suche nach Alleinerziehende ohne Treffer"
    _clean(browser_page)


def test_map_renders_with_geometry_and_attribution(browser_page, site_url, site_dir):
    preferred = site_dir / "book/seiten/bund/DE.html"
    candidates = [preferred] if preferred.is_file() else []
    candidates += sorted(site_dir.glob("book/seiten/*/*.html"))
    page_file = next((p for p in candidates if "_static/geo/kreise.json" in p.read_text(encoding="utf-8")), None)
    assert page_file is not None, "keine Seite mit Karte gefunden (helpers.maps)"
    page = browser_page.page
    page.goto(f"{site_url}/{page_file.relative_to(site_dir).as_posix()}")
    page.wait_for_function(ALL_CHARTS_DONE, timeout=30000)
    assert page.locator(".vega-chart.vega-fehler").count() == 0
    # the map is the chart that carries the BKG attribution (under its svg); it draws the Kreise
    maps_ = page.locator(".vega-chart", has_text="GeoBasis-DE")
    assert maps_.count() >= 1
    assert maps_.first.locator("svg path").count() >= 100
    _clean(browser_page)


def nachher_dunkel(fills):
    """The most frequent class colour among the fills (a Kreis with a value)."""
    farben = [f for f in fills if f and f.startswith("#") and f not in ("#d9d9d9", "#bdbdbd", "#efefef")]
    return max(set(farben), key=farben.count)


def _map_fills(map_chart):
    return map_chart.locator("svg path").evaluate_all("els => els.map(e => e.getAttribute('fill'))")


@pytest.mark.parametrize("seite", ["bund/DE", "land/01", "vergleichstyp/Ia"])
def test_map_figure_is_chosen_by_the_reader(browser_page, site_url, site_dir, seite):
    """The select input under the map switches the figure: the Kreise are re-coloured, the legend follows."""
    if not (site_dir / f"book/seiten/{seite}.html").is_file():
        pytest.skip(f"Seite {seite} nicht gebaut")
    page = browser_page.page
    page.goto(f"{site_url}/book/seiten/{seite}.html")
    page.wait_for_function(ALL_CHARTS_DONE, timeout=30000)
    assert page.locator(".vega-chart.vega-fehler").count() == 0
    karte = page.locator(".vega-chart", has_text="GeoBasis-DE").first
    select = karte.locator(".vega-bindings select")
    assert select.count() == 1 and "Kennzahl" in karte.locator(".vega-bindings").inner_text()
    assert select.input_value() == "K2"
    options = select.locator("option").all_inner_texts()
    assert "K2 – Integrationsquote" in options and any(o.startswith("K3 – ") for o in options)
    legende = karte.locator(".hb-karte-legende")          # HTML under the map (vega-init.js)
    assert "K2 Integrationsquote" in legende.inner_text() and "höher ist besser" in legende.inner_text()
    vorher = _map_fills(karte)
    assert len(vorher) >= 20
    select.select_option("K3")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.hb-karte-legende strong')].some(t => t.textContent.startsWith('K3 '))",
        timeout=10000)
    nachher = _map_fills(karte)
    assert "niedriger ist besser" in legende.inner_text() and "K2 Integrationsquote" not in legende.inner_text()
    farbig = lambda fills: {f for f in fills if f and f.startswith("#") and f not in ("#d9d9d9", "#bdbdbd")}
    assert len(farbig(nachher)) >= 2                       # still a choropleth, several classes
    # the tooltip gives the real value (German format); hover a coloured Kreis
    karte.scroll_into_view_if_needed()
    box = karte.locator(f"path[fill='{nachher_dunkel(nachher)}']").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] / 2 + 1, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.querySelector('#vg-tooltip-element.visible')", timeout=5000)
    tip = page.locator("#vg-tooltip-element").inner_text()
    assert "Kreis" in tip and "Jobcenter" in tip and re.search(r"-?\d+,\d %", tip), tip
    geaendert = sum(a != b for a, b in zip(vorher, nachher)) if len(vorher) == len(nachher) else len(vorher)
    assert geaendert >= 5, "Auswahl von K3 hat die Karte nicht neu eingefärbt"
    _clean(browser_page)
