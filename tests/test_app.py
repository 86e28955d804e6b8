"""The explorer as a web app (Voilà, `make explorer`) in headless Chromium.

One Voilà server (the .venv-lab env, created by test_lab._lab_env when missing) and one page
(one kernel) for the module: the tests run in file order on the same app, as an analyst would
use it. Nothing may be requested from outside 127.0.0.1; no code cell is shown.
"""

from __future__ import annotations

import io
import os
import shutil

import openpyxl
import pytest

from helpers import appserver, paths
from test_lab import NOTEBOOK, _lab_env

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory, demo_mart):
    _lab_env()
    tmp = tmp_path_factory.mktemp("voila")
    root = tmp / "app"
    (root / "notebooks").mkdir(parents=True)
    nb = root / "notebooks" / NOTEBOOK.name
    shutil.copy(NOTEBOOK, nb)
    # the files the app writes go to tmp, never into the repository
    text = nb.read_text(encoding="utf-8")
    for key in ("export_ordner", "eigene_ordner"):
        text = text.replace(f"{key} = None", f"{key} = {str(tmp / key)!r}")
    nb.write_text(text, encoding="utf-8")
    env = dict(os.environ, HANDBUCH_ROOT=str(paths.ROOT), HANDBUCH_MART=str(paths.MART_DIR),
               JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"))
    try:
        with appserver.voila(nb, cwd=root, env=env, log=tmp / "voila.log") as url:
            yield url, tmp
    except appserver.ServerFehler as exc:
        pytest.fail(f"Voilà: {exc}")


@pytest.fixture(scope="module")
def app(voila_url, browser):
    url, tmp = voila_url
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    external = []
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
              else (external.append(r.request.url), r.abort()))
    page = ctx.new_page()
    page.goto(url, wait_until="commit", timeout=120_000)
    appserver.warte_auf_app(page)
    page.external, page.tmp = external, tmp
    yield page
    ctx.close()


def _jc_box(page):
    return page.locator(".explorer-sidebar .widget-text input").first


def _type_jobcenter(page, text):
    box = _jc_box(page)
    box.fill(text)
    box.press("Enter")


def _status(page):
    return page.locator(".explorer-ansichten .widget-html").first


def test_loading_texts_german(voila_url):
    """Voilà's loading spinner and progress texts come from the template override in German."""
    import urllib.request

    html = urllib.request.urlopen(voila_url[0], timeout=120).read().decode("utf-8")
    assert "Der Explorer wird geladen …" in html and "wird ausgeführt …" in html
    assert "Running " not in html and "Executing ${" not in html


def test_app_without_code_and_offline(app):
    assert app.locator(".jp-InputArea-editor:visible, .jp-CodeMirrorEditor:visible").count() == 0
    assert not app.external, app.external
    assert _jc_box(app).input_value() == "Jobcenter Köln (05315)"
    # sidebar beside the chart, both inside 1280x720, and the period in German
    side = app.locator(".explorer-sidebar").bounding_box()
    chart = app.locator(".vega-embed svg").first.bounding_box()
    assert side["x"] + side["width"] <= chart["x"] and chart["y"] < 720 and side["y"] < 720
    assert app.get_by_text("Sep. 2023 – Aug. 2026", exact=True).first.is_visible()
    assert _abgeschnitten(app) == []


# Cut-off text: a button, label, tab title or toggle whose text overflows its box, a dropdown with
# an option wider than the box (measured with the box's font), views wider than their pane,
# a chart text vega shortened with "…" (its labelLimit)
ABGESCHNITTEN = r"""() => {
  const sichtbar = e => e.offsetParent !== null;
  const cut = [];
  for (const e of document.querySelectorAll('.explorer-app button, .explorer-app .widget-label, '
      + '.explorer-app .widget-toggle-button, .explorer-app .lm-TabBar-tabLabel, .explorer-app .widget-html-content')) {
    if (sichtbar(e) && e.scrollWidth > e.clientWidth + 1) cut.push(e.textContent.trim());
  }
  const ctx = document.createElement('canvas').getContext('2d');
  for (const s of document.querySelectorAll('.explorer-app select:not([multiple]):not([size])')) {
    if (!sichtbar(s)) continue;
    const st = getComputedStyle(s);
    ctx.font = `${st.fontStyle} ${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
    const platz = s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
    for (const o of s.options) if (ctx.measureText(o.text).width > platz) cut.push(o.text);   // any choice fits
  }
  const mitte = document.querySelector('.explorer-ansichten');   // the views: no horizontal scrolling
  if (mitte.scrollWidth > mitte.clientWidth + 1) cut.push(`Ansicht ${mitte.scrollWidth} > ${mitte.clientWidth} px`);
  for (const t of document.querySelectorAll('.vega-embed svg text')) {
    if (sichtbar(t.closest('.vega-embed')) && t.textContent.endsWith('…')) cut.push(t.textContent);
  }
  return cut;
}"""


def _abgeschnitten(page):
    return page.evaluate(ABGESCHNITTEN)


@pytest.mark.parametrize("eingabe, label, name", [
    ("05113", "Jobcenter Essen (05113)", "Jobcenter Essen"),    # with the leading zero
    ("5315", "Jobcenter Köln (05315)", "Jobcenter Köln"),       # without it
])
def test_kennung_with_and_without_leading_zero(app, eingabe, label, name):
    assert _jc_box(app).input_value() != label
    _type_jobcenter(app, eingabe)
    app.wait_for_function("l => document.querySelector('.explorer-sidebar .widget-text input').value === l", arg=label)
    _status(app).get_by_text(f"{name} im Vergleich mit dem Vergleichstyp").wait_for()
    app.locator(".vega-embed svg text", has_text=name).first.wait_for()
    app.locator(".explorer-marker").wait_for(state="hidden")


def test_partial_name_case_insensitive(app):
    _type_jobcenter(app, "jobcenter dort")
    _status(app).get_by_text("Jobcenter Dortmund im Vergleich").wait_for()
    assert _jc_box(app).input_value() == "Jobcenter Dortmund (05913)"


def test_ambiguous_name_lists_candidates(app):
    _type_jobcenter(app, "Berlin")
    meldung = app.locator(".explorer-meldung", has_text="12 Jobcenter passen zu „Berlin“")
    meldung.wait_for()
    liste = app.locator(".explorer-sidebar .widget-select select")
    liste.wait_for()   # its own widget message, after the text
    optionen = [t.replace("\xa0", " ") for t in liste.locator("option").all_inner_texts()]   # ipywidgets: nbsp
    assert "Jobcenter Berlin Mitte (11001)" in optionen
    app.locator(".explorer-marker", has_text="veraltet – Auswahl ungültig").wait_for()   # own message
    liste.select_option(index=optionen.index("Jobcenter Berlin Mitte (11001)"))
    _status(app).get_by_text("Jobcenter Berlin Mitte im Vergleich").wait_for()
    app.locator(".explorer-marker").wait_for(state="hidden")


def test_unknown_name_and_stale_marker(app):
    _type_jobcenter(app, "Atlantis")
    app.locator(".explorer-meldung", has_text="Kein Jobcenter passt zu „Atlantis“").wait_for()
    marker = app.locator(".explorer-marker", has_text="veraltet – Auswahl ungültig")
    marker.wait_for()
    # the views turn grey (the class and the marker are two widget messages: wait, do not sample)
    app.wait_for_function("() => { const e = document.querySelector('.explorer-veraltet .widget-tab-contents');"
                          " return e !== null && getComputedStyle(e).filter.includes('grayscale'); }",
                          timeout=30_000)
    _type_jobcenter(app, "Köln")
    _status(app).get_by_text("Jobcenter Köln im Vergleich").wait_for()
    marker.wait_for(state="hidden")


def test_comparison_of_several_jobcenter(app):
    box = app.locator(".explorer-sidebar textarea").last
    box.fill("05315, Essen, jobcenter dortmund")
    box.press("Tab")
    app.locator(".widget-tab .lm-TabBar-tab", has_text="Vergleich").first.click()
    app.locator(".vega-embed svg text", has_text="3 Jobcenter im Vergleich").first.wait_for(timeout=30_000)
    legend = app.evaluate("() => Array.from(document.querySelectorAll('.vega-embed svg text'), t => t.textContent)")
    assert {"Jobcenter Köln (05315)", "Jobcenter Essen (05113)", "Jobcenter Dortmund (05913)"} <= set(legend)
    box.fill("05315, 05113, 05913, 05112, 05111, 05114, 05116, 05117, 05119")
    box.press("Tab")
    app.locator(".explorer-meldung", has_text="Höchstens 8 Jobcenter").wait_for()
    app.locator(".explorer-marker").wait_for()
    box.fill("05315, Essen, jobcenter dortmund")
    box.press("Tab")
    app.locator(".explorer-marker").wait_for(state="hidden")


def _download(app, button: str):
    app.locator(".explorer-download").evaluate_all("els => els.forEach(e => e.remove())")
    app.get_by_role("button", name=button).click()
    link = app.locator(".explorer-download").first
    link.wait_for(timeout=30_000)
    with app.expect_download() as dl:
        link.click()
    return dl.value


def test_chart_exports_png_and_svg(app):
    png = _download(app, "Diagramm als PNG")
    assert png.suggested_filename.endswith(".png")
    assert open(png.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    svg = _download(app, "Diagramm als SVG")
    text = open(svg.path(), encoding="utf-8").read()
    assert svg.suggested_filename.endswith(".svg") and "<svg" in text and "Jobcenter Essen (05113)" in text
    again = _download(app, "Diagramm als SVG")
    assert again.suggested_filename != svg.suggested_filename   # never overwrites


def test_data_exports_csv_and_xlsx(app):
    app.locator(".widget-tab .lm-TabBar-tab", has_text="Zeitreihe").first.click()
    csv = _download(app, "Daten als CSV")
    text = open(csv.path(), encoding="utf-8-sig").read().splitlines()
    kopf = text[0].split(";")
    assert {"Kennung", "Jobcenter", "Monat", "Jobcenter in %", "Median der Gruppe in %", "Hinweis"} <= set(kopf)
    werte = [z.split(";")[kopf.index("Jobcenter in %")] for z in text[1:]]
    assert all(v in (".", "x") or (v.count(",") == 1 and len(v.split(",")[1]) == 1) for v in werte)
    xlsx = _download(app, "Daten als XLSX")
    wb = openpyxl.load_workbook(io.BytesIO(open(xlsx.path(), "rb").read()))
    # the Steuerungsgrößen in their own sheet (their units differ), Zielwerte where ziele exist
    assert wb.sheetnames in (["Werte", "Zielsteuerung", "Mitglieder"], ["Werte", "Zielsteuerung", "Zielwerte", "Mitglieder"])
    mitglieder = [r[1] for r in wb["Mitglieder"].iter_rows(min_row=2, values_only=True)]
    assert "05315" in mitglieder and len(mitglieder) >= 2


def test_data_exports_never_overwrite(app):
    """The same selection exported again gets a new name, and every file written stays on disk."""
    ordner = app.tmp / "export_ordner"
    vorher = {p.name: p.read_bytes() for p in ordner.iterdir()}
    namen = [_download(app, knopf).suggested_filename
             for knopf in ("Daten als CSV", "Daten als CSV", "Daten als XLSX", "Daten als XLSX")]
    assert len(set(namen)) == 4, namen
    assert not set(namen) & set(vorher), namen   # not the names of the earlier test's files
    nachher = {p.name: p.read_bytes() for p in ordner.iterdir()}
    assert all(nachher[n] == inhalt for n, inhalt in vorher.items())   # the older files unchanged
    assert set(namen) <= set(nachher)
    # a CSV export also writes its members and its Zielsteuerung file (and, with ziele, the
    # Zielwerte), each with its own name
    neu = set(nachher) - set(vorher)
    for n in namen[:2]:
        stamm = n.removesuffix(".csv")
        assert {f"{stamm}_mitglieder.csv", f"{stamm}_zielsteuerung.csv"} <= neu, (n, sorted(neu))
    neben = neu - set(namen)
    assert all(any(x.startswith(n.removesuffix(".csv") + "_") for n in namen[:2]) for x in neben), sorted(neu)
    assert len(neben) in (4, 6), sorted(neu)


# the bar labels ("rank. name") and the title of the visible chart
RANGLISTE_TEXTE = """() => {
  const el = Array.from(document.querySelectorAll('[data-gezeichnet]')).find(e => e.offsetParent !== null);
  const texte = el ? Array.from(el.querySelectorAll('svg text')) : [];
  const balken = texte.filter(t => /^\\d+\\. /.test(t.textContent))   // top to bottom (vega keeps DOM order on updates)
    .map(t => [t.getBoundingClientRect().top, t.textContent]).sort((a, b) => a[0] - b[0]).map(x => x[1]);
  return {titel: texte.map(t => t.textContent).find(t => t.startsWith('Rangliste ')) ?? null, balken,
          fehler: el ? el.dataset.fehler ?? null : null};
}"""


def test_fast_changes_last_selection_wins(app, demo_mart):
    """Changes fired one after the other without waiting for the redraws: the ranking chart ends
    on the last selection (its title and its bars, computed here from the mart)."""
    import re

    from helpers import explorer as ex
    from helpers.kennzahlen import GESCHLECHTER

    app.locator(".widget-tab .lm-TabBar-tab", has_text="Rangliste").first.click()
    app.locator(".vega-embed svg text", has_text="Rangliste K2,").first.wait_for(timeout=60_000)
    jid = re.search(r"\((\d{5})\)$", _jc_box(app).input_value()).group(1)
    codes = [code for _, code in ex.kennzahl_optionen()]
    side = app.locator(".explorer-sidebar")
    kz = side.locator(".widget-dropdown select").first
    g = side.locator(".widget-toggle-button")
    # structure changes (figure) and data-only changes (gender, also back to earlier rows) mixed
    # (K1E1 has no values by gender: an empty chart in between)
    schritte = [("kz", 3), ("g", 1), ("kz", 1), ("g", 2), ("g", 0), ("kz", 6), ("g", 1), ("kz", 7), ("g", 0),
                ("g", 2)]
    for art, i in schritte:
        if art == "kz":
            kz.select_option(index=i)
        else:
            g.nth(i).click()
    a = ex.standard_auswahl(demo_mart, jid, kennzahl=codes[7], geschlecht=GESCHLECHTER[2], gruppe_art="vergleichstyp")
    erwartet = {"titel": f"Rangliste {codes[7]}, {ex.monat_text(a.bis)}",
                "balken": list(ex._rangliste_daten(ex.rangliste(demo_mart, a))["label"]), "fehler": None}
    zwischen = ex.standard_auswahl(demo_mart, jid, kennzahl=codes[7], geschlecht=GESCHLECHTER[0],
                                   gruppe_art="vergleichstyp")
    assert list(ex._rangliste_daten(ex.rangliste(demo_mart, zwischen))["label"]) != erwartet["balken"]
    try:
        app.wait_for_function(f"e => JSON.stringify(({RANGLISTE_TEXTE})()) === JSON.stringify(e)",
                              arg=erwartet, timeout=90_000)
    except Exception:
        pytest.fail(f"Diagramm zeigt nicht die letzte Auswahl: {app.evaluate(RANGLISTE_TEXTE)} statt {erwartet}")
    assert _abgeschnitten(app) == []


@pytest.mark.parametrize("ansicht, titel", [("Vergleich", "im Vergleich"), ("Profil", "rechts = günstiger als die Gruppe"),
                                            ("Tabelle", None), ("Zeitreihe", "K2E2")])
def test_nothing_cut_off_in_any_view(app, ansicht, titel):
    """Buttons, labels, dropdowns, tab titles and chart texts fit their boxes in every view."""
    app.locator(".widget-tab .lm-TabBar-tab", has_text=ansicht).first.click()
    if titel:
        app.wait_for_function("t => Array.from(document.querySelectorAll('[data-gezeichnet]')).some(e =>"
                              " e.offsetParent !== null && e.textContent.includes(t))", arg=titel, timeout=60_000)
    else:
        app.locator(".explorer-ansichten table:visible").first.wait_for()
    assert _abgeschnitten(app) == []


def test_saved_selection_reopens(app):
    """"Auswahl speichern" writes a parameter file; after other changes, opening it restores the view."""
    side = app.locator(".explorer-sidebar")
    kz = side.locator(".widget-dropdown select").first
    g = side.locator(".widget-toggle-button")
    gewaehlt = "s => s.options[s.selectedIndex].text.replace(/\\u00a0/g, ' ')"
    vorher = kz.evaluate(gewaehlt)
    app.get_by_role("button", name="Auswahl speichern").click()
    meldung = side.locator(".widget-html", has_text="Gespeichert als")
    meldung.wait_for(timeout=30_000)
    name = meldung.locator("code").first.inner_text()
    assert name.endswith(".yml") and (app.tmp / "eigene_ordner" / name).is_file()
    kz.select_option(index=10)
    g.nth(1).click()
    app.locator(".vega-embed svg text:visible", has_text="K3 ").first.wait_for(timeout=30_000)
    dateien = side.locator("select", has=app.locator("option", has_text="Gespeicherte Auswahl"))
    dateien.select_option(label=name)
    app.get_by_role("button", name="Öffnen").click()
    side.locator(".widget-html", has_text=f"Geöffnet: {name}").wait_for(timeout=30_000)
    app.wait_for_function(f"() => ({gewaehlt})(document.querySelector('.explorer-sidebar .widget-dropdown select'))"
                          " === " + repr(vorher), timeout=30_000)
    code = vorher.split(" · ")[1].split(" ")[0]
    app.locator(".vega-embed svg text:visible", has_text=f"{code} ").first.wait_for(timeout=30_000)
    assert "mod-active" in (g.nth(2).get_attribute("class") or "")


def test_zielsteuerung_figure_ranking_and_verdict(app, demo_mart):
    """A Steuerungsgröße chosen like a figure (a Jobcenter with Zielwerte): the ranking is neutral
    (1 = highest value) with the mart's values as the explorer formats them, and the status names
    the Jobcenter page's verdict sentence."""
    from helpers import explorer as ex

    jid = sorted(demo_mart.ziele()["jobcenter_id"].unique())[0]
    _type_jobcenter(app, jid)
    side = app.locator(".explorer-sidebar")
    side.locator(".widget-toggle-button").nth(0).click()                      # insgesamt
    side.locator("select", has=app.locator("option", has_text="Nächste Nachbarn")).select_option(index=0)
    kz = side.locator(".widget-dropdown select").first
    kz.select_option(label=next(lbl for lbl, c in ex.kennzahl_optionen() if c == "JFW_K2_VJ_PP"))
    app.locator(".widget-tab .lm-TabBar-tab", has_text="Rangliste").first.click()
    app.locator(".vega-embed svg text:visible", has_text="Rangliste JFW_K2_VJ_PP,").first.wait_for(timeout=60_000)
    texte = app.evaluate("() => Array.from(document.querySelectorAll('.vega-embed svg text'), t => t.textContent)")
    assert "1 = höchster Wert (absteigend sortiert, keine Wertung)" in texte
    a = ex.standard_auswahl(demo_mart, jid, kennzahl="JFW_K2_VJ_PP", gruppe_art="vergleichstyp")
    satz = next(z for z in ex.ziele_tabelle(demo_mart, a)["Aussage"] if z.startswith("Integrationsquote"))
    nb = lambda t: t.replace("\u00a0", " ")
    app.wait_for_function("t => document.querySelector('.explorer-ansichten .widget-html').innerText"
                          ".replace(/\u00a0/g, ' ').includes(t)", arg=nb(satz), timeout=30_000)
    assert "ohne Wertung" in _status(app).inner_text()
    erster = ex._gerundet(ex.rangliste_tabelle(demo_mart, a), als_text=True).iloc[0]
    zellen = nb(app.locator(".explorer-ansichten table:visible").first.inner_text())
    assert nb(erster["JFW_K2_VJ_PP in Pp."]) in zellen and erster["Jobcenter"] in zellen
    assert not app.external
