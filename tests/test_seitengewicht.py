"""Page weight (issue 15).

Unit tests: a chart spec split into a shared Vorlage and the page's own values, with packed
number arrays (helpers.mystnb_vega.teilen), is put together again into the same spec – the same
JSON text – in Python; what is page-specific stays on the page.

On the built site (`make book`): the median Jobcenter page is at most 120 KB; the specs
vega-init.js puts together in the browser are the notebooks' specs; the "Daten als Tabelle"
rows of a time series with a gender choice are built in the browser from the chart's own data
(the page carries the numbers once) and read exactly as the rows helpers.charts formatted in
Python (kept in the page notebook's chart spec); the sidebar of a Jobcenter page lists the
chapters, not its siblings."""

from __future__ import annotations

import html as html_mod
import json
import math
import re
import statistics

import pandas as pd
import pytest

from helpers import charts, mystnb_vega

ZIEL_KB = 120


def _gleich(a, b) -> bool:
    """Equal as JSON text (so 1.0 vs 1 and -0.0 vs 0.0 count as different)."""
    return mystnb_vega._dumps(a) == mystnb_vega._dumps(b)


def _zurueck(spec, aria=None):
    name, text, payload = mystnb_vega.teilen(spec, aria)
    assert mystnb_vega.vorlage_name(text) == name
    return mystnb_vega.spec_aus_payload(json.loads(mystnb_vega._dumps(payload)), {name: json.loads(text)}, aria), payload


def _zeitreihe(jc_name: str, basis: float) -> dict:
    monate = [f"2025-{m:02d}" for m in range(1, 13)]
    df = pd.DataFrame({"kennzahl": "K2", "monat": monate, "geschlecht": "insgesamt",
                       "wert": [basis + 0.37 * i - (0.049 if i == 3 else 0) for i in range(12)],
                       "vt_median": [basis - 0.04 - i * 0.01 for i in range(12)]})
    daten = charts.zeitreihen_daten(df, {"w": "wert", "md": "vt_median"})
    chart = charts.zeitreihen(daten, f"Zeitreihen {jc_name}", {"w": jc_name, "md": "Median Vergleichstyp"},
                              beschreibung=f"Verlauf bei {jc_name}.")
    return chart.to_dict(validate=False)


def test_split_chart_is_the_same_spec_and_the_vorlage_is_shared():
    a, b = _zeitreihe("Jobcenter A", 10.0), _zeitreihe("Jobcenter B <x>", 0.02)
    na, ta, pa = mystnb_vega.teilen(a)
    nb, tb, pb = mystnb_vega.teilen(b)
    assert na == nb and ta == tb                         # one Vorlage for both pages
    assert "Jobcenter" not in ta and "data-" not in ta   # names and data are the page's own
    for spec in (a, b):
        zurueck, payload = _zurueck(spec)
        assert _gleich(zurueck, spec)
        assert len(mystnb_vega._dumps(payload)) < len(mystnb_vega._dumps(spec))


def test_packed_numbers_give_the_same_doubles():
    werte = [0.1, 0.2, 0.3, None, -0.0, -1.5, 2.25, 1e-6, 123456.789, 7.0, None]
    zurueck, payload = _zurueck({"datasets": {"d": [{"v": werte, "n": [1, 2, 3, 4, 5]}]}})
    got = zurueck["datasets"]["d"][0]["v"]
    assert _gleich(zurueck["datasets"]["d"][0], {"v": werte, "n": [1, 2, 3, 4, 5]})
    assert math.copysign(1, got[4]) < 0                  # -0.0 keeps its sign ("−0,0" on the page)
    assert '"$zahlen"' in mystnb_vega._dumps(payload)  # packed
    z, _ = _zurueck({"datasets": {"d": [{"v": [0.1, 0.2, 0.1 + 0.2, 0.4]}]}})
    assert z["datasets"]["d"][0]["v"][2] == 0.30000000000000004   # not a rounded 0.3
    # ints stay ints, floats with integral values stay floats (the same JSON text)
    for ganz in ([1, 2, 3, 4, 5], [1.0, 2.0, -3.0, 4.0], [1, 2.5, 3, 4]):
        z, _ = _zurueck({"datasets": {"d": [{"v": ganz}]}})
        assert _gleich(z["datasets"]["d"][0]["v"], ganz), ganz
    # values that need more than 6 decimals stay as they are
    roh = [math.pi, 1.0, 2.0, 3.0]
    z, payload = _zurueck({"datasets": {"d": [{"v": roh}]}})
    assert _gleich(z["datasets"]["d"][0]["v"], roh) and str(math.pi) in mystnb_vega._dumps(payload)


def test_repeated_arrays_travel_once_and_description_is_the_aria_label():
    ids = ["01001", "01002", "01003", "01004", "01005"]
    spec = {"description": "Lage der Werte.", "datasets": {"d": [{"k": k, "i": ids, "v": [1.5, 2.5, 3.5, 4.5, 5.5]}
                                                                  for k in ("K1", "K2", "K3")]}}
    zurueck, payload = _zurueck(spec, aria="Lage der Werte.")
    assert _gleich(zurueck, spec)
    text = mystnb_vega._dumps(payload)
    assert text.count("01003") == 1 and "Lage der Werte" not in text
    # another aria text: the description stays in the payload
    zurueck, payload = _zurueck(spec, aria="anders")
    assert _gleich(zurueck, spec) and "Lage der Werte" in mystnb_vega._dumps(payload)


def test_spec_with_marker_keys_is_not_split():
    spec = {"datasets": {"d": [{"$zahlen": [1, 2, 3, 4]}]}}
    assert mystnb_vega.teilen(spec) is None
    vorlagen: dict = {}
    out = mystnb_vega.spec_to_html(spec, "vl-c1-o0", vorlagen)
    assert vorlagen == {} and '"$zahlen":[1,2,3,4]' in out


def test_html_payload_in_a_sphinx_build_is_split_and_safe():
    spec = _zeitreihe("Jobcenter </script><!-- A", 5.0)
    vorlagen: dict = {}
    out = mystnb_vega.spec_to_html(spec, "vl-c3-o0", vorlagen)
    assert len(vorlagen) == 1
    payload = out.split('data-target="vl-c3-o0">', 1)[1].split("</script>", 1)[0]
    assert "<" not in payload
    aria = html_mod.unescape(re.search(r'aria-label="([^"]*)"', out).group(1))
    name, text = next(iter(vorlagen.items()))
    ohne_tabelle = dict(spec, usermeta={k: v for k, v in spec["usermeta"].items() if k != "tabelle"})
    assert _gleich(mystnb_vega.spec_aus_payload(json.loads(payload), {name: json.loads(text)}, aria), ohne_tabelle)


def test_vorlagen_folder_holds_exactly_the_used_files(tmp_path):
    text = mystnb_vega._dumps({"a": "Zeile\u2028trenner\nund </script>"})
    mystnb_vega.vorlagen_schreiben(tmp_path, {"a1": text, "b2": "[]"})
    ordner = tmp_path / "_static" / mystnb_vega.VORLAGEN_ORDNER
    assert sorted(p.name for p in ordner.iterdir()) == ["a1.js", "b2.js"]
    assert mystnb_vega.vorlage_lesen((ordner / "a1.js").read_text(encoding="utf-8")) == json.loads(text)
    mystnb_vega.vorlagen_schreiben(tmp_path, {"b2": "[]"})
    assert sorted(p.name for p in ordner.iterdir()) == ["b2.js"]


def _gruppe(typ: str, median_basis: float, jc: list[tuple[str, float]]) -> dict[str, dict]:
    """Time-series and position specs of the Jobcenter pages of one Vergleichstyp: each page has its
    own series and the type's median (the same on every page of the type) and members' values."""
    monate = [f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(24)]
    ids = [f"{typ}{i:03d}" for i in range(len(jc))]
    namen = {i: n for i, (n, _) in zip(ids, jc)}
    pos = pd.DataFrame([{"kennzahl": k, "jobcenter_id": i, "wert": basis + j * 0.731}
                        for j, k in enumerate(("K1", "K2", "K3")) for i, (_, basis) in zip(ids, jc)])
    seiten = {}
    for i, (name, basis) in zip(ids, jc):
        df = pd.DataFrame({"kennzahl": "K2", "monat": monate, "geschlecht": "insgesamt",
                           "wert": [basis + 0.37 * m for m in range(24)],
                           "vt_median": [median_basis + (m % 7) * 0.83 - m * 0.041 for m in range(24)]})
        zeit = charts.zeitreihen(charts.zeitreihen_daten(df, {"w": "wert", "md": "vt_median"}), f"Zeitreihen {name}",
                                 {"w": name, "md": f"Median Vergleichstyp {typ}"}, beschreibung=f"Verlauf bei {name}.")
        lage = charts.position(charts.position_daten(pos), namen, f"Lage {name}", hervorheben=i, haupt_label=name,
                               beschreibung=f"Lage von {name}.")
        seiten[f"book/seiten/jobcenter/{i}"] = {"vl-c1-o0": zeit.to_dict(validate=False),
                                                "vl-c2-o0": lage.to_dict(validate=False)}
    return seiten


def _bauen(seiten: dict[str, dict]) -> tuple[dict[str, dict[str, str]], dict[str, object]]:
    """What the Sphinx build does: HTML per chart (read), the plan over all pages, the payloads
    rewritten to the shared files (write), the files' contents; returns (page -> id -> HTML,
    name -> parsed file) as a browser would load them."""
    vorlagen: dict[str, str] = {}
    html: dict[str, dict[str, str]] = {}
    stuecke: dict[str, dict[str, int]] = {}
    for doc, specs in seiten.items():
        html[doc] = {d: mystnb_vega.spec_to_html(spec, d, vorlagen, stuecke.setdefault(doc, {}))
                     for d, spec in specs.items()}
    plan = mystnb_vega.teile_planen(stuecke)
    gesammelt: dict = {}
    for doc in html:
        html[doc] = {d: mystnb_vega.payload_umschreiben(h, d, plan.get(doc, {}), gesammelt) for d, h in html[doc].items()}
    dateien = {n: json.loads(t) for n, t in vorlagen.items()}
    for name, stuecke_n in gesammelt.items():
        text = mystnb_vega.vorlage_datei(name, mystnb_vega.seitendaten_datei(stuecke_n))
        dateien[name] = mystnb_vega.vorlage_lesen(text)
    return html, dateien


def _aus_html(h: str, d: str, dateien: dict) -> tuple[dict, dict]:
    payload = json.loads(h.split(f'data-target="{d}">', 1)[1].split("</script>", 1)[0])
    m = re.search(r'aria-label="([^"]*)"', h)
    aria = html_mod.unescape(m.group(1)) if m else None
    return mystnb_vega.spec_aus_payload(payload, dateien, aria), payload


def _ohne_tabelle(spec: dict) -> dict:
    return dict(spec, usermeta={k: v for k, v in spec["usermeta"].items() if k != "tabelle"})


@pytest.fixture
def kleine_dateien(monkeypatch):
    """The few pages of a unit test share less than a real Vergleichstyp: smaller thresholds."""
    monkeypatch.setattr(mystnb_vega, "_MIN_DATEI", 100)


def test_shared_data_of_different_vergleichstypen_reassemble_to_the_notebook_specs(kleine_dateien):
    seiten = {**_gruppe("Ia", 20.0, [(f"Jobcenter A{n}", 10.0 + n) for n in range(3)]),
              **_gruppe("IIb", 30.0, [(f"Jobcenter B{n}", 40.0 - n) for n in range(4)])}
    html, dateien = _bauen(seiten)
    geteilt = set()
    for doc, specs in seiten.items():
        for d, spec in specs.items():
            zurueck, payload = _aus_html(html[doc][d], d, dateien)
            assert _gleich(zurueck, _ohne_tabelle(spec)), (doc, d)
            geteilt.update(payload.get("teile", []))
    # one file per type (its median and members), none shared between the types
    je_typ = {typ: {n for doc in html if f"/{typ}0" in doc
                    for d in html[doc] for n in json.loads(html[doc][d].split(f'data-target="{d}">', 1)[1]
                                                           .split("</script>", 1)[0]).get("teile", [])}
              for typ in ("Ia", "IIb")}
    assert je_typ["Ia"] and je_typ["IIb"] and not je_typ["Ia"] & je_typ["IIb"]
    assert geteilt == je_typ["Ia"] | je_typ["IIb"]
    # the type's median values are in its file, not on its pages
    median = mystnb_vega._dumps(mystnb_vega.packen([[round(20.0 + (m % 7) * 0.83 - m * 0.041, 1) for m in range(24)]])[0][0])
    datei_ia = mystnb_vega._dumps([dateien[n] for n in je_typ["Ia"]])
    assert median in datei_ia
    assert all(median not in h for doc in html if "/Ia" in doc for h in html[doc].values())
    # a page of only one type's pages changed: only that type's file name changes (content hash)
    seiten2 = dict(seiten)
    seiten2.update(_gruppe("Ia", 20.5, [(f"Jobcenter A{n}", 10.0 + n) for n in range(3)]))
    html2, _ = _bauen(seiten2)
    teile = lambda hh: {n for doc in hh for d in hh[doc] for n in
                        json.loads(hh[doc][d].split(f'data-target="{d}">', 1)[1].split("</script>", 1)[0]).get("teile", [])}
    assert teile(html2) & je_typ["IIb"] == je_typ["IIb"] and not teile(html2) & je_typ["Ia"]


def test_shared_data_with_hostile_names_stays_escaped(tmp_path, kleine_dateien):
    boese = '</script><!--<script>alert(1)</script> & "x" \u2028 \n'
    seiten = _gruppe("Ia", 20.0, [(f"{boese} {n}", 10.0 + n) for n in range(3)])
    html, dateien = _bauen(seiten)
    for doc, specs in seiten.items():
        for d, spec in specs.items():
            payload_text = html[doc][d].split(f'data-target="{d}">', 1)[1].split("</script>", 1)[0]
            assert "<" not in payload_text
            zurueck, _ = _aus_html(html[doc][d], d, dateien)
            assert _gleich(zurueck, _ohne_tabelle(spec))
    # the member names (shared by the type's pages) travel in a file, as JSON text of a script
    gesammelt: dict = {}
    stuecke: dict = {}
    vorlagen: dict = {}
    for doc, specs in seiten.items():
        for d, spec in specs.items():
            mystnb_vega.spec_to_html(spec, d, vorlagen, stuecke.setdefault(doc, {}))
    plan = mystnb_vega.teile_planen(stuecke)
    for doc in html:
        for d, spec in seiten[doc].items():
            mystnb_vega.payload_umschreiben(mystnb_vega.spec_to_html(spec, d, {}), d, plan[doc], gesammelt)
    benutzt = {n for p in plan.values() for n, _ in p.values()}
    mystnb_vega.seitendaten_schreiben(tmp_path, gesammelt, benutzt)
    dateien_text = [p.read_text(encoding="utf-8") for p in (tmp_path / mystnb_vega.SEITENDATEN_ORDNER).iterdir()]
    assert sorted(p.stem for p in (tmp_path / mystnb_vega.SEITENDATEN_ORDNER).iterdir()) == sorted(benutzt)
    assert any("alert(1)" in t for t in dateien_text)
    for t in dateien_text:
        assert t.count("\n") >= 2 and t.splitlines()[0].startswith("(window.HANDBUCH_VORLAGEN")
        assert len(t.split("\n")) == 4            # the JSON stays one line (names with line breaks escaped)
    # a file name that is not a hash is refused (the browser's check too)
    with pytest.raises(ValueError):
        mystnb_vega.dateien_laden(tmp_path, {"vorlage": "../x", "loecher": []}, {})
    # files no page names any more go
    mystnb_vega.seitendaten_schreiben(tmp_path, {}, set())
    assert not list((tmp_path / mystnb_vega.SEITENDATEN_ORDNER).iterdir())


def test_small_or_rare_pieces_stay_on_the_page(kleine_dateien):
    seiten = _gruppe("Ia", 20.0, [("Jobcenter A0", 10.0), ("Jobcenter A1", 11.0)])     # two pages only
    html, _ = _bauen(seiten)
    assert all('"teile"' not in h for doc in html for h in html[doc].values())
    plan = mystnb_vega.teile_planen({"a": {"k1": 50}, "b": {"k1": 50}, "c": {"k1": 50}})
    assert plan == {}                                    # 150 bytes: not worth a file


def _jobcenter_seiten(site_dir):
    seiten = sorted((site_dir / "book/seiten/jobcenter").glob("*.html"))
    if not seiten:
        pytest.skip("keine Jobcenter-Seiten gebaut")
    return seiten


@pytest.mark.slow
def test_median_jobcenter_page_is_at_most_120_kb(site_dir):
    groessen = [p.stat().st_size for p in _jobcenter_seiten(site_dir)]
    median_kb = statistics.median(groessen) / 1000
    print(f"Jobcenter-Seiten: {len(groessen)}, Median {median_kb:.1f} KB, größte {max(groessen) / 1000:.1f} KB")
    assert median_kb <= ZIEL_KB


@pytest.mark.slow
def test_jobcenter_sidebar_lists_chapters_not_siblings(site_dir):
    seite = _jobcenter_seiten(site_dir)[0]
    text = seite.read_text(encoding="utf-8")
    nav = text.split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
    assert "../vergleichstyp/" in nav                       # the chapters, its own among them
    assert 'toctree-l1 current' in nav                       # its chapter is marked
    assert "../jobcenter/" not in nav                        # no sibling Jobcenter pages
    kapitel = (site_dir / "book/seiten/vergleichstyp/Ia.html").read_text(encoding="utf-8")
    assert "../jobcenter/" in kapitel.split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]

CHART_DONE = "el => el.classList.contains('vega-fertig') || el.classList.contains('vega-fehler')"


def _tabellen(nb: dict) -> list[dict]:
    """usermeta.tabelle of every time-series chart with a gender choice, in page order."""
    out = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            spec = o.get("data", {}).get(mystnb_vega.VEGALITE_MIMES[0])
            meta = spec.get("usermeta", {}) if isinstance(spec, dict) else {}
            if "tabelle_param" in meta:
                out.append(meta["tabelle"])
    return out


@pytest.mark.browser
def test_time_series_tables_built_in_the_browser_read_as_in_python(browser_page, site_url, site_dir, seiten_dir):
    built = sorted(p.stem for p in (site_dir / "book/seiten/jobcenter").glob("*.html"))
    assert built
    page = browser_page.page
    geprueft = 0
    for jid in (built[0], built[len(built) // 2], built[-1]):        # spread over the Länder
        erwartet = _tabellen(json.loads((seiten_dir / "jobcenter" / f"{jid}.ipynb").read_text(encoding="utf-8")))
        assert len(erwartet) == 3, jid
        html_text = (site_dir / f"book/seiten/jobcenter/{jid}.html").read_text(encoding="utf-8")
        assert html_text.count("<tbody></tbody>") >= 3            # not in the HTML: built from the data
        page.goto(f"{site_url}/book/seiten/jobcenter/{jid}.html")
        charts = page.locator(".vega-chart").filter(has=page.locator("input[type=radio]"))
        assert charts.count() == 3
        for i, tabelle in enumerate(erwartet):
            chart = charts.nth(i)
            page.wait_for_function(CHART_DONE, arg=chart.element_handle(), timeout=30000)
            details = chart.locator("xpath=following-sibling::details[contains(@class,'hb-daten')][1]")
            rows = details.locator("tbody tr").evaluate_all(
                "trs => trs.map(tr => Array.from(tr.children).map(c => c.textContent))")
            assert rows == tabelle["zeilen"], (jid, i)
            assert details.locator("caption").text_content() == tabelle["titel"]
            geprueft += len(rows)
    assert geprueft > 3 * 3 * 100
    assert not browser_page.errors, browser_page.errors


def _specs(nb: dict) -> dict[str, dict]:
    """Container id -> the chart spec as the page draws it (usermeta.tabelle is the HTML table)."""
    out = {}
    for ci, cell in enumerate(nb["cells"]):
        for oi, o in enumerate(cell.get("outputs", [])):
            spec = o.get("data", {}).get(mystnb_vega.VEGALITE_MIMES[0])
            if isinstance(spec, dict):
                meta = spec.get("usermeta")
                if isinstance(meta, dict) and "tabelle" in meta:
                    spec = dict(spec, usermeta={k: v for k, v in meta.items() if k != "tabelle"})
                out[f"vl-c{ci}-o{oi}"] = spec
    return out


def _je_vergleichstyp(site_dir, demo_mart) -> list[str]:
    """One built Jobcenter page per Vergleichstyp (the first of each type)."""
    built = {p.stem for p in (site_dir / "book/seiten/jobcenter").glob("*.html")}
    if not built:
        pytest.skip("keine Jobcenter-Seiten gebaut")
    jc = demo_mart.jobcenter.sort_values("jobcenter_id")
    jc = jc[jc["jobcenter_id"].astype(str).isin(built)]
    return [str(g["jobcenter_id"].iloc[0]) for _, g in jc.groupby("vergleichstyp", observed=True)]


def _payloads(html_text: str) -> dict[str, tuple[dict, str | None]]:
    """Container id -> (payload, unescaped aria-label) of every chart of a built page."""
    out = {}
    for m in re.finditer(r'<div class="vega-chart" id="([^"]+)"(?: role="figure" aria-label="([^"]*)")?></div>.*?'
                         r'<script type="application/vnd\.vegalite\+json" data-target="\1">(.*?)</script>', html_text, re.S):
        out[m.group(1)] = (json.loads(m.group(3)), html_mod.unescape(m.group(2)) if m.group(2) is not None else None)
    return out


@pytest.mark.slow
def test_built_pages_of_every_vergleichstyp_reassemble_to_the_notebook_specs(site_dir, seiten_dir, demo_mart):
    """Python reads the files a built page names (as the browser does) and gets the notebook's specs;
    the shared data a page names differ between Vergleichstypen (their own medians and members)."""
    dateien: dict = {}
    teile_je_seite = {}
    seiten = [("jobcenter", j) for j in _je_vergleichstyp(site_dir, demo_mart)]
    seiten += [(ordner, p.stem) for ordner in ("vergleichstyp", "land")
               for p in sorted((site_dir / "book/seiten" / ordner).glob("*.html"))[:2]]
    assert len(seiten) >= 4
    for ordner, name in seiten:
        erwartet = _specs(json.loads((seiten_dir / ordner / f"{name}.ipynb").read_text(encoding="utf-8")))
        payloads = _payloads((site_dir / "book/seiten" / ordner / f"{name}.html").read_text(encoding="utf-8"))
        assert set(payloads) == set(erwartet), (ordner, name)
        for div_id, (payload, aria) in payloads.items():
            mystnb_vega.dateien_laden(site_dir, payload, dateien)
            assert _gleich(mystnb_vega.spec_aus_payload(payload, dateien, aria), erwartet[div_id]), (ordner, name, div_id)
        teile_je_seite[(ordner, name)] = {n for p, _ in payloads.values() for n in p.get("teile", [])}
    jc = [t for (o, _), t in teile_je_seite.items() if o == "jobcenter"]
    assert all(jc) and len(jc) >= 2
    # every type has a file of its own (its median, quartiles and members), and the Bund series one for all
    assert len({frozenset(t) for t in jc}) == len(jc)
    assert all(t - set().union(*(u for u in jc if u is not t)) for t in jc)
    ordner = site_dir / mystnb_vega.SEITENDATEN_ORDNER
    assert {n for t in teile_je_seite.values() for n in t} <= {p.stem for p in ordner.glob("*.js")}


@pytest.mark.browser
def test_browser_puts_together_the_notebook_specs(browser_page, site_url, site_dir, seiten_dir, demo_mart):
    page = browser_page.page
    typen = _je_vergleichstyp(site_dir, demo_mart)
    for jid in (typen[0], typen[-1]):                          # two Vergleichstypen: different shared data
        erwartet = _specs(json.loads((seiten_dir / "jobcenter" / f"{jid}.ipynb").read_text(encoding="utf-8")))
        html_text = (site_dir / f"book/seiten/jobcenter/{jid}.html").read_text(encoding="utf-8")
        assert '"vorlage":' in html_text and '"$schema"' not in html_text     # split payloads
        page.goto(f"{site_url}/book/seiten/jobcenter/{jid}.html")
        for div_id in erwartet:
            page.wait_for_function(CHART_DONE, arg=page.locator(f"#{div_id}").element_handle(), timeout=30000)
        im_browser = page.evaluate("() => window.HANDBUCH_DIAGRAMME")
        assert set(im_browser) == set(erwartet), jid
        for div_id, spec in erwartet.items():
            assert im_browser[div_id] == spec, (jid, div_id)
            assert page.locator(f"#{div_id}").evaluate("el => el.classList.contains('vega-fertig')"), (jid, div_id)
    assert not browser_page.errors, browser_page.errors
