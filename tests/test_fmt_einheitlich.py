"""One formatter: table, chart data/tooltip and map text round the same way (half-up, decimal)."""

import json
import math
import re

import pandas as pd
import pytest

from helpers import charts, fmt, maps


def test_half_up_from_full_precision():
    # hand-computed: 2.25 -> 2,3 (binary round-half-even would give 2,2); 57.4459 -> 57,4
    # (rounding first to 2 decimals, 57.45, and then to 1 would wrongly give 57,5)
    assert fmt.prozent(2.25) == "2,3\u00a0%"
    assert fmt.prozent(57.4459) == "57,4\u00a0%"
    assert maps.zahl(2.25) == "2,3\u00a0%"
    assert maps.zahl(57.4459, "") == "57,4"
    assert maps.zahl(float("nan")) == fmt.OHNE_WERT == "."      # never "–" (that means "nichts vorhanden")


def test_chart_values_carry_the_shown_rounding():
    v = charts._r(pd.Series([57.4459, 2.25, 0.05, -0.05, None]), ["K2"] * 5)
    assert v.iloc[:4].tolist() == [57.4, 2.3, 0.1, -0.1]
    assert math.isnan(v.iloc[4])
    # the tooltip's ",.1f" (d3, German locale with U+2212 minus) of these values is the table string
    for x, s in zip(v.iloc[:4], ["57,4", "2,3", "0,1", "\u22120,1"]):
        assert f"{x:.1f}".replace(".", ",").replace("-", fmt.D3_FORMAT_LOCALE["minus"]) == s == fmt.zahl(x)


# --------------------------------------------------------------------------- decimals from the catalogue


def test_decimals_come_from_the_catalogue(demo_mart, monkeypatch):
    """Kennzahl.stellen is the one place of a figure's decimals: set to 2 for every figure, the page
    table, the summary, the chart (data, tooltip format, data table, aria text), the map (text and
    legend) and the explorer's table all show two decimals of the same full-precision value."""
    from dataclasses import replace

    from helpers import kennzahlen, pages
    from helpers import explorer as ex

    m = demo_mart
    assert {k.stellen for k in kennzahlen.KENNZAHLEN.values()} == {1}
    for c, k in list(kennzahlen.KENNZAHLEN.items()):
        monkeypatch.setitem(kennzahlen.KENNZAHLEN, c, replace(k, stellen=2))
    zwei = re.compile(r"^\u2212?\d{1,3}(\.\d{3})*,\d\d(\u00a0%)?$")
    jid = str(m.jobcenter["jobcenter_id"].iloc[0])
    seite = pages.JobcenterSeite(m, jid)
    wert = seite.vm.set_index(["kennzahl", "geschlecht"]).loc[("K2", "insgesamt"), "wert"]
    shown = _zelle(seite.tabelle().data, "K2", "Insgesamt", "Jobcenter").get_text("", strip=True)
    assert shown == fmt.zahl(wert, 2, " %") and zwei.match(shown)
    prozente = re.findall(r"[\d.,\u2212]+\u00a0%", seite.zusammenfassung().data)
    assert prozente and all(zwei.match(p) for p in prozente), prozente     # the summary's values too

    spec = seite.zeitreihen(2).to_dict()
    assert _tooltip_formats(spec) == {",.2f"}
    rows = [r for r in _zeilen(spec) if r.get("k") == "K2" and r.get("m") == m.datenstand and r.get("g") == "i"]
    assert rows and rows[0]["w"] == float(fmt.runden(wert, 2))
    zeile = next(z for z in spec["usermeta"]["tabelle"]["zeilen"] if z[0] == f"K2 {fmt.monat(m.datenstand)}")
    assert zeile[1] == shown and f"K2: {seite.name} {shown}" in spec["description"]
    assert spec["usermeta"]["tabelle_param"]["stellen"]["K2"] == 2           # the page script's tables

    shown_map = []
    monkeypatch.setattr(pages, "display", shown_map.append)
    pages.BundSeite(m).karte("K2")
    karte = shown_map[0].to_dict()
    texte = [r["s"] for r in karte["datasets"]["werte"] if r["k"] == "K2" and "s" in r]
    assert texte and all(zwei.match(t) for t in texte)
    klassen = [r["t"] for r in karte["datasets"]["legende"] if r["k"] == "K2" and r.get("f")]
    assert any(re.search(r"\d,\d\d\u00a0%", t) for t in klassen)

    t = ex.tabelle(m, ex.standard_auswahl(m, jid)).set_index("Kennzahl")
    assert t.loc["K2", "Jobcenter"] == fmt.zahl(wert, 2)


# --------------------------------------------------------------------------- a value without a number


def _zelle(html_text: str, code: str, geschlecht: str, spalte: str):
    """The td of the page table for figure, gender label and column header."""
    from bs4 import BeautifulSoup

    t = BeautifulSoup(html_text, "html.parser").find("table", class_="kennzahlen-tabelle")
    head = [th.get_text(" ", strip=True) for th in t.thead.find_all("th")]
    c = None
    for tr in t.tbody.find_all("tr"):
        th = tr.find("th", scope="rowgroup")
        if th is not None:
            c = th.find("a").get_text(strip=True)
        tds = tr.find_all("td")
        if c == code and tds and tds[0].get_text(strip=True) == geschlecht:
            return dict(zip(head[2:], tds[1:]))[spalte]
    raise AssertionError((code, geschlecht, spalte))


def _fall(m, grund: str):
    """(jobcenter_id, monat, geschlecht, code) of a Jobcenter value undefined for ``grund``."""
    e = m.ergebnisse(ebene="jobcenter", columns=["id", "monat", "geschlecht", "kennzahl", "grund"])
    e = e[e["grund"] == grund]
    if grund == "fenster":          # the last month a figure is still undefined by its window
        e = e[e["kennzahl"] == "K2E3"]
        r = e.sort_values("monat").iloc[-1]
    else:
        e = e.sort_values("monat", ascending=False)
        if e.empty:
            pytest.skip(f"kein Wert mit Grund {grund} im Datenbestand")
        r = e.iloc[0]
    return str(r["id"]), str(r["monat"]), str(r["geschlecht"]), str(r["kennzahl"])


@pytest.mark.parametrize("grund", ["gesperrt", "fenster"])
def test_a_value_without_number_reads_the_same_everywhere(demo_mart, monkeypatch, tmp_path, grund):
    """One sign function (text.zeichen / text.ohne_wert): an undefined value shows the same official
    sign (Zeichenerklärung: "." unknown or secret, "x" not formed) and the same reason in the page
    table, the chart's data table and aria text, the map's tooltip and data table, the explorer's
    table and CSV export and the download; "–" (nichts vorhanden) appears in none of them."""
    from helpers import downloads, pages, text
    from helpers import explorer as ex
    from helpers.kennzahlen import GESCHLECHT_LABEL, KENNZAHLEN

    m = demo_mart
    jid, monat, geschlecht, code = _fall(m, grund)
    zeichen, gr = text.zeichen(grund), text.grund_text(grund)
    assert zeichen == {"gesperrt": fmt.UNBEKANNT, "fenster": fmt.NICHT_SINNVOLL}[grund]
    voll = f"{zeichen} ({gr})"
    assert text.ohne_wert(grund) == voll
    g_label = GESCHLECHT_LABEL[geschlecht]

    # page table: the sign, the reason as its tooltip and footnote
    seite = pages.JobcenterSeite(m, jid, monat=monat, geschlecht=geschlecht)
    td = _zelle(seite.tabelle().data, code, g_label, "Jobcenter")
    span = td.find("span", class_="wert-fehlt")
    assert span.get_text() == zeichen and span["title"] == gr
    assert fmt.STRICH not in td.get_text()
    tabelle = seite.tabelle().data
    assert ">\u2013<" not in tabelle                  # no cell of the table uses "–" for a missing value
    einordnung = _zelle(tabelle, code, g_label, "Einordnung gegenüber Median").find("span", class_="wert-fehlt")
    assert einordnung.get_text() == fmt.NICHT_SINNVOLL and einordnung["title"] == pages.KEINE_EINORDNUNG
    rang = _zelle(tabelle, code, g_label, "Rang im Vergleichstyp").find("span", class_="wert-fehlt")
    assert rang.get_text() == zeichen and rang["title"] == gr      # no rank of a value without number
    assert fmt.ZEICHENERKLAERUNG[fmt.NICHT_SINNVOLL] in tabelle and fmt.ZEICHENERKLAERUNG[zeichen] in tabelle

    # time-series chart: data table ("Daten als Tabelle") and aria text of the page's gender
    spec = seite.zeitreihen(KENNZAHLEN[code].ziel).to_dict()
    tab = spec["usermeta"]["tabelle"]
    zeilen = [z for z in tab["zeilen"] if z[0] == f"{code} {fmt.monat(monat)}"]
    if grund == "fenster":       # no series has a value yet: the month is neither drawn nor listed
        assert not zeilen and f"{code}: " not in spec["description"]
    else:
        assert zeilen[0][tab["spalten"].index(seite.name)] == voll
        assert f"{code}: {seite.name} {voll}" in spec["description"]
    assert not re.search(" \u2013[;,.]", spec["description"])        # no "–" as a value (only as a dash)
    # the other genders' tables (rebuilt by vega-init.js from usermeta.tabelle_param) carry the same text
    tp = spec["usermeta"].get("tabelle_param")
    if tp is not None and grund != "fenster":
        assert voll in json.dumps(tp["zeichen"], ensure_ascii=False)

    # map of the Bund page: tooltip text (vega expression: datum.z, the Kreis note after it) and map table
    shown = []
    monkeypatch.setattr(pages, "display", shown.append)
    pages.BundSeite(m, monat=monat, geschlecht=geschlecht).karte(code)
    karte = shown[0].to_dict()
    ags = maps._split_ags(m.jobcenter.set_index("jobcenter_id").loc[jid, "kreis_ags"])
    eigene = [r for r in karte["datasets"]["werte"] if r["a"] in ags and r["k"] == code and "l" not in r]
    assert eigene and all(r["z"] == voll and "s" not in r for r in eigene)
    assert "datum.z" in json.dumps(karte) and "'\u2013'" not in json.dumps(karte)
    kt = karte["usermeta"]["tabelle"]
    spalte = kt["spalten"].index(maps.wahl_label(code, KENNZAHLEN))
    kreis_zeilen = [z for z in kt["zeilen"] if any(f"({a})" in z[0] or z[0].startswith(maps._kreis_namen()[a]) for a in ags)]
    assert kreis_zeilen and all(z[spalte] == voll for z in kreis_zeilen if seite.name in z[0])

    # explorer: table (sign, reason in "Hinweis") and CSV export
    a = ex.standard_auswahl(m, jid, geschlecht=geschlecht, bis=monat)
    t = ex.tabelle(m, a).set_index("Kennzahl")
    assert t.loc[code, "Jobcenter"] == zeichen and gr in t.loc[code, "Hinweis"]
    csv, *_ = ex.exportiere(m, a, tmp_path)    # values, Zielsteuerung (, Zielwerte), members
    back = ex.lese_csv(csv)
    z = back[(back["Kennzahl"] == code) & (back["Monat"] == fmt.monat(monat))].iloc[0]
    assert z["Jobcenter in %"] == zeichen and gr in z["Hinweis"]
    assert not (back.drop(columns=["Hinweis"]) == fmt.STRICH).any().any()

    # download (the unit's CSV/XLSX table; the "fenster" months are left out there)
    d = downloads.zeitreihe(m, "jobcenter", jid)
    dz = d[(d["Kennzahl"] == code) & (d["Monat"] == monat) & (d["Geschlecht"] == g_label)]
    if grund == "fenster":
        assert dz.empty
    else:
        assert dz["Zeichen (kein Wert)"].tolist() == [zeichen] and dz["Grund (kein Wert)"].tolist() == [gr]
        assert dz["Wert"].isna().all()


# --------------------------------------------------------------------------- every Jobcenter page


def _d3(x: float, spec: str, locale: dict) -> str:
    """d3-format of a fixed-point spec (",.1f") under a d3 locale, as vega renders a tooltip:
    grouping by three, the locale's separators, its minus sign, no sign for a negative zero."""
    assert spec == ",.1f", spec
    s = f"{abs(x):,.1f}".replace(",", "\x00").replace(".", locale["decimal"]).replace("\x00", locale["thousands"])
    return (locale["minus"] if x < 0 and float(f"{abs(x):.1f}") != 0 else "") + s


def _outputs(nb: dict):
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            yield o.get("data", {})


def _vega(nb: dict):
    for d in _outputs(nb):
        for k, v in d.items():
            if k.startswith("application/vnd.vegalite"):
                yield v


def _zeilen(spec: dict) -> list[dict]:
    """The rows a chart draws: compact series rows ({k, g, o, w: [...], md: [...], ...}, expanded in
    the chart by flatten/window and utc(Jahr, Monat0 + o + i - 1)) become one row per month with
    ``m`` = JJJJ-MM, as the chart's transforms do; other rows as they are."""
    import json
    import re

    start = re.search(r"utc\((\d{4}), (\d+) \+ datum\.o \+ datum\.i - 1, 1\)", json.dumps(spec))
    out = []
    for v in spec.get("datasets", {}).values():
        for r in v:
            if not isinstance(r, dict):
                continue
            reihen = {f: x for f, x in r.items() if isinstance(x, list)}
            if not reihen or start is None:
                out.append(r)
                continue
            jahr, monat0 = int(start[1]), int(start[2])
            fest = {f: x for f, x in r.items() if f not in reihen and f != "o"}
            for j in range(max(len(x) for x in reihen.values())):
                n = monat0 + r.get("o", 0) + j
                zeile = {**fest, "m": f"{jahr + n // 12:04d}-{n % 12 + 1:02d}"}
                zeile.update({f: x[j] for f, x in reihen.items() if j < len(x) and x[j] is not None})
                out.append(zeile)
    return out


def _tooltip_formats(spec) -> set[str]:
    found = set()
    if isinstance(spec, dict):
        for t in spec.get("tooltip", []) if isinstance(spec.get("tooltip"), list) else []:
            if t.get("type") == "quantitative":
                found.add(t.get("format"))
        for v in spec.values():
            found |= _tooltip_formats(v)
    elif isinstance(spec, list):
        for v in spec:
            found |= _tooltip_formats(v)
    return found


def _table(html_text: str) -> dict[str, dict[str, str]]:
    """The page table: code -> column header -> shown text of the row 'Insgesamt'."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html_text, "html.parser")
    t = soup.find("table", class_="kennzahlen-tabelle")
    head = [th.get_text(" ", strip=True) for th in t.thead.find_all("th")]
    out, code = {}, None
    for tr in t.tbody.find_all("tr"):
        th = tr.find("th", scope="rowgroup")
        if th is not None:
            code = th.find("a").get_text(strip=True)
        tds = tr.find_all("td")
        if code and tds and tds[0].get_text(strip=True) == "Insgesamt":
            out[code] = dict(zip(head[2:], [td.get_text("", strip=True) for td in tds[1:]]))
    return out


@pytest.mark.slow
def test_every_jobcenter_page_shows_each_value_as_one_string(demo_mart, seiten_dir):
    """Must show (issue 11): on every Jobcenter page of the demo build, each figure's value of the
    Datenstand month is the same string in the page table, in the time-series chart's tooltip
    data (d3 format of the chart's German locale), in the chart's aria text and in the map of the
    Bund page (the Kreis's tooltip text, and the legend class it is coloured in holds it)."""
    import json
    import re

    from helpers import paths

    pages = sorted((seiten_dir / "jobcenter").glob("*.ipynb"))
    jc = demo_mart.jobcenter.set_index("jobcenter_id")
    assert len(pages) == len(jc)
    monat = demo_mart.meta["datenstand"]
    locale = fmt.D3_FORMAT_LOCALE
    vega_locale = (paths.ROOT / "book" / "_static" / "vega-locale-de.js")
    if vega_locale.is_file():       # the book's chart locale is fmt's
        assert json.dumps(locale, ensure_ascii=False, sort_keys=True) in vega_locale.read_text(encoding="utf-8")

    bund = json.loads((seiten_dir / "bund" / "DE.ipynb").read_text(encoding="utf-8"))
    karte = next(v for v in _vega(bund) if "legende" in v.get("datasets", {}))
    karte_wert = {(r["a"], r["k"]): r for r in karte["datasets"]["werte"] if "s" in r}
    legende = {(r["k"], r["f"]): r["t"] for r in karte["datasets"]["legende"] if r.get("f")}
    anteil = re.compile(r"^(?:unter (?P<o1>\S+)\u00a0%|(?P<u1>\S+)\u00a0% und mehr|(?P<u2>\S+) bis unter (?P<o2>\S+)\u00a0%"
                        r"|alle Werte)$")

    def zahl(s: str) -> float:
        return float(s.replace(".", "").replace(",", ".").replace(locale["minus"], "-"))

    geprueft = {"tabelle": 0, "tooltip": 0, "aria": 0, "karte": 0}
    abweichungen = []
    for page in pages:
        jid = page.stem
        nb = json.loads(page.read_text(encoding="utf-8"))
        html_table = next("".join(d["text/html"]) for d in _outputs(nb)
                          if "text/html" in d and 'class="kennzahlen-tabelle"' in "".join(d["text/html"]))
        tabelle = _table(html_table)
        name = jc.loc[jid, "name"]
        spalte_jc = "Jobcenter"
        spalte_md = next(c for c in next(iter(tabelle.values())) if c.startswith("Median Vergleichstyp"))
        for spec in _vega(nb):
            rows = _zeilen(spec)      # the table shows Insgesamt: the chart's default choice
            last = {r["k"]: r for r in rows if r.get("m") == monat and "w" in r and r.get("g", "i") == "i"}
            if not last:
                continue
            assert _tooltip_formats(spec) == {",.1f"}
            aria = spec["description"]
            for code, r in last.items():
                t = tabelle[code]
                for feld, spalte, label in (("w", spalte_jc, name), ("md", spalte_md, spalte_md), ("b", "Bund", "Bund")):
                    shown = t[spalte]
                    if r.get(feld) is None:
                        continue
                    tip = _d3(r[feld], ",.1f", locale) + "\u00a0%"
                    if tip != shown:
                        abweichungen.append(f"{jid} {code} {spalte}: Tabelle {shown!r}, Tooltip {tip!r}")
                    if f"{label} {shown}" not in aria.split(f"{code}: ", 1)[-1]:
                        abweichungen.append(f"{jid} {code} {spalte}: Tabelle {shown!r} fehlt im aria-Text")
                    geprueft["tooltip"] += 1
                    geprueft["aria"] += 1
                geprueft["tabelle"] += 1
        for code, t in tabelle.items():
            shown = t[spalte_jc]
            for ags in maps._split_ags(jc.loc[jid, "kreis_ags"]):
                r = karte_wert.get((ags, code))
                if r is None or "l" in r:          # Kreis without own value, or shared by several Jobcenter
                    continue
                if r["s"] + "\u00a0%" != shown:
                    abweichungen.append(f"{jid} {code} Karte {ags}: Tabelle {shown!r}, Karte {r['s']!r}")
                m = anteil.match(legende[(code, r["f"])])
                assert m, legende[(code, r["f"])]
                u, o = m["u1"] or m["u2"], m["o1"] or m["o2"]
                w = zahl(r["s"])
                if (u and w < zahl(u)) or (o and w >= zahl(o)):
                    abweichungen.append(f"{jid} {code} Karte: {shown!r} in der Legendenklasse {legende[(code, r['f'])]!r}")
                geprueft["karte"] += 1
    assert not abweichungen, f"{len(abweichungen)} Abweichungen, z. B.: " + "; ".join(abweichungen[:8])
    assert geprueft["tooltip"] > 10 * len(pages) and geprueft["karte"] > 5 * len(pages), geprueft
