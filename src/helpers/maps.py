"""Choropleth maps of the Kreise (altair), for Bund, Land and Vergleichstyp pages.

Geometry: ``data/reference/geo/kreise.geojson`` (BKG VG5000, Stand 01.01.2021). Eisenach
(16056) is merged into the Wartburgkreis (16063); the coverage is simplified without gaps
(shapely ``coverage_simplify``) and rounded. The build writes it once as a static file of the
site (``_static/geo/kreise.json``, ``laender.json``); map specs reference it by URL relative to
the site root (``vega-init.js`` resolves data URLs against the root), so each page carries
only its own values. ``geometrie="inline"`` embeds the geometry instead (JupyterLab).

Jobcenter and Kreise do not match one to one:

* a Jobcenter covering several Kreise: every covered Kreis gets the Jobcenter's value; the
  tooltip names the Jobcenter;
* a Kreis shared by several Jobcenter (Berlin 11000 with 12, 13071 and 13075 with 2 each): the
  Kreis is drawn grey with a dashed outline unless an aggregate for the Kreis is given; the
  tooltip lists the Jobcenter and their values.

Each map function returns ``Karte(chart, hinweise)``; ``hinweise`` is a small German table of
these cases for the page.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from helpers import fmt, paths, statistik, text

ATTRIBUTION = "© GeoBasis-DE / BKG 2021 (Daten verändert)"
GEO_URL = {"kreise": "_static/geo/kreise.json", "laender": "_static/geo/laender.json"}
MERGE = {"16056": "16063"}   # Eisenach -> Wartburgkreis (since 1 Jul 2021)
SIMPLIFY_TOLERANCE = 0.01    # ~sqrt(area) of removed triangles in degrees; < 1 px on a Bund map
GRID = 0.001                 # coordinate rounding (~100 m)

GREY = "#d9d9d9"
SHARED_FILL = "#bdbdbd"
WIDTH = {"bund": 420, "land": 420}
HEIGHT = {"bund": 540, "land": 420}


class Karte(NamedTuple):
    chart: object            # altair.LayerChart
    hinweise: pd.DataFrame   # Art, Gebiet, Jobcenter, Darstellung


# --------------------------------------------------------------------------------------------
# Geometry


@lru_cache(maxsize=2)
def _prepared(geo_dir: str) -> tuple[str, str]:
    """(kreise, laender) FeatureCollections as compact JSON strings."""
    import shapely
    from shapely.geometry import mapping, shape

    src = json.loads((Path(geo_dir) / "kreise.geojson").read_text(encoding="utf-8"))
    geoms: dict[str, list] = {}
    props: dict[str, dict] = {}
    for f in src["features"]:
        ags = str(f["properties"]["ARS"])[:5]
        target = MERGE.get(ags, ags)
        geoms.setdefault(target, []).append(shape(f["geometry"]))
        if ags == target:
            props[target] = {"ags": target, "name": f["properties"]["GEN"], "land": target[:2]}
    order = sorted(geoms)
    merged = [shapely.union_all(geoms[a]) if len(geoms[a]) > 1 else geoms[a][0] for a in order]
    simple = shapely.coverage_simplify(shapely.make_valid(merged), SIMPLIFY_TOLERANCE)
    simple = shapely.set_precision(simple, GRID)

    def fc(features):
        return json.dumps({"type": "FeatureCollection", "features": features},
                          ensure_ascii=False, separators=(",", ":"))

    def feature(geom, properties):
        g = mapping(geom)
        return {"type": "Feature", "properties": properties, "geometry": _round(g)}

    kreise = fc([feature(g, props[a]) for a, g in zip(order, simple)])
    laender = []
    for land in sorted({a[:2] for a in order}):
        parts = [g for a, g in zip(order, simple) if a[:2] == land]
        outline = shapely.set_precision(shapely.coverage_union_all(parts), GRID)
        laender.append(feature(outline, {"land": land}))
    return kreise, fc(laender)


def _round(obj):
    """Round coordinates in a GeoJSON geometry mapping (lists, not tuples)."""
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(x), 3) for x in obj]
        return [_round(x) for x in obj]
    return obj


def geometry(geo_dir: Path | None = None) -> tuple[dict, dict]:
    """The prepared Kreise and Länder FeatureCollections."""
    kreise, laender = _prepared(str(geo_dir or paths.REFERENCE / "geo"))
    return json.loads(kreise), json.loads(laender)


def write_geometry(dest: Path, geo_dir: Path | None = None) -> None:
    """Write kreise.json and laender.json (the site's static geometry) unless up to date."""
    geo_dir = Path(geo_dir or paths.REFERENCE / "geo")
    outputs = [dest / "kreise.json", dest / "laender.json"]
    newest_source = max((geo_dir / "kreise.geojson").stat().st_mtime, Path(__file__).stat().st_mtime)
    if all(o.exists() and o.stat().st_mtime > newest_source for o in outputs):
        return
    kreise, laender = _prepared(str(geo_dir))
    dest.mkdir(parents=True, exist_ok=True)
    for name, text in (("kreise.json", kreise), ("laender.json", laender)):
        path = dest / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


@lru_cache(maxsize=1)
def _kreis_namen() -> dict[str, str]:
    kreise, _ = geometry()
    return {f["properties"]["ags"]: f["properties"]["name"] for f in kreise["features"]}


# --------------------------------------------------------------------------------------------
# Values per Kreis


def zahl(wert: float | None, einheit: str = " %", stellen: int = 1, grund: str | None = None) -> str:
    """German number text: 1234.5 -> '1.234,5 %'; undefined: sign and reason (``text.wert``)."""
    return text.wert(wert, grund, einheit=einheit, stellen=stellen)


def _split_ags(value) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    out = []
    for a in str(value).split(";"):
        a = a.strip()
        if a:
            out.append(MERGE.get(a, a))
    return list(dict.fromkeys(out))


def kreiswerte(
    jc_werte: pd.DataFrame,
    jobcenter: pd.DataFrame,
    *,
    einheit: str = " %",
    stellen: int = 1,
    kreis_aggregate: dict[str, float] | None = None,
    mit_werten: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spread Jobcenter values onto Kreise.

    jc_werte: jobcenter_id, wert, optional grund — the Jobcenter to show (may be a subset, e.g. one type).
    jobcenter: the full master table (jobcenter_id, name, kreis_ags ";"-joined); it decides
    which Kreise are shared, so a Kreis is never shown as one Jobcenter's area when it is not.
    kreis_aggregate: optional value per shared Kreis (e.g. Berlin as a whole).
    mit_werten: False leaves the values out of the hinweise (names only), for maps of several figures.
    Returns (werte per Kreis: kreis_ags, wert, label, jobcenter, geteilt, ohne — the text of an
    undefined value, ``text.ohne_wert``; hinweise).
    """
    jc = jobcenter[["jobcenter_id", "name", "kreis_ags"]].copy()
    jc["jobcenter_id"] = jc["jobcenter_id"].astype(str)
    jc["kreise"] = jc["kreis_ags"].map(_split_ags)
    vals = dict(zip(jc_werte["jobcenter_id"].astype(str), pd.to_numeric(jc_werte["wert"], errors="coerce")))
    gruende = (dict(zip(jc_werte["jobcenter_id"].astype(str), jc_werte["grund"])) if "grund" in jc_werte.columns
               else {})
    unbekannt = sorted(set(vals) - set(jc["jobcenter_id"]))
    if unbekannt:
        raise ValueError(f"Jobcenter nicht in der Stammdatentabelle: {', '.join(unbekannt[:5])}")
    names = _kreis_namen()
    kreis_aggregate = {MERGE.get(k, k): v for k, v in (kreis_aggregate or {}).items()}

    def wert_of(jid):
        v = vals.get(jid)
        return None if v is None or pd.isna(v) else float(v)

    def grund_of(jid):
        g = gruende.get(jid)
        return g if isinstance(g, str) and g else None

    def mit_wert(r):
        return f"{r.name}: {zahl(wert_of(r.jobcenter_id), einheit, stellen, grund_of(r.jobcenter_id))}" if mit_werten else r.name

    covering: dict[str, list] = {}
    for r in jc.itertuples(index=False):
        for a in r.kreise:
            covering.setdefault(a, []).append(r)

    rows, hinweise = [], []
    for ags in sorted(covering):
        members = covering[ags]
        shown = [r for r in members if r.jobcenter_id in vals]
        if not shown:
            continue
        if len(members) == 1:
            r = members[0]
            wert = wert_of(r.jobcenter_id)
            label = zahl(wert, einheit, stellen, grund_of(r.jobcenter_id))
            if len(r.kreise) > 1:
                label += f" (Wert des Jobcenters für {len(r.kreise)} Kreise)"
            rows.append({"kreis_ags": ags, "wert": wert, "label": label, "jobcenter": r.name, "geteilt": False,
                         "ohne": "" if wert is not None else zahl(None, grund=grund_of(r.jobcenter_id))})
            continue
        agg = kreis_aggregate.get(ags)
        agg = None if agg is None or pd.isna(agg) else float(agg)
        einzel = "; ".join(mit_wert(r) for r in shown)
        if len(shown) < len(members):
            einzel += f" (gezeigt {len(shown)} von {len(members)} Jobcentern des Kreises)"
        label = (f"{zahl(agg, einheit, stellen)} (Kreis insgesamt)" if agg is not None
                 else f"{len(members)} Jobcenter, siehe Tabelle unter der Karte")
        rows.append({"kreis_ags": ags, "wert": agg, "label": label, "jobcenter": einzel, "geteilt": agg is None,
                     "ohne": ""})
        hinweise.append({
            "Art": "Kreis mit mehreren Jobcentern",
            "Gebiet": f"{names.get(ags, ags)} ({ags})",
            "Jobcenter": einzel,
            "Darstellung": ("Wert des Kreises insgesamt" if agg is not None
                            else "grau, gestrichelt umrandet; Werte der einzelnen Jobcenter hier"),
        })
    for r in jc.itertuples(index=False):
        if r.jobcenter_id not in vals:
            continue
        if len(r.kreise) > 1:
            hinweise.append({
                "Art": "Jobcenter für mehrere Kreise",
                "Gebiet": ", ".join(f"{names.get(a, a)} ({a})" for a in r.kreise),
                "Jobcenter": mit_wert(r),
                "Darstellung": "jeder dieser Kreise zeigt den Wert des Jobcenters",
            })
        elif not r.kreise:
            hinweise.append({
                "Art": "Jobcenter ohne Kreiszuordnung",
                "Gebiet": "–",
                "Jobcenter": r.name,
                "Darstellung": "nicht auf der Karte",
            })
    werte = pd.DataFrame(rows, columns=["kreis_ags", "wert", "label", "jobcenter", "geteilt", "ohne"])
    return werte, pd.DataFrame(hinweise, columns=["Art", "Gebiet", "Jobcenter", "Darstellung"])


# --------------------------------------------------------------------------------------------
# Charts


def _geo_data(kind: str, geometrie: str):
    import altair as alt

    if geometrie == "inline":
        fc = geometry()[0 if kind == "kreise" else 1]
        return alt.Data(values=fc["features"])
    if geometrie != "url":
        raise ValueError("geometrie muss 'url' oder 'inline' sein")
    return alt.Data(url=GEO_URL[kind], format=alt.DataFormat(type="json", property="features"))


# --------------------------------------------------------------------------------------------
# One map, figure chosen by the reader (vega-lite parameter bound to a select input)

KLASSEN = 5                                                        # Fünftel
FARBEN = ["#c6dbef", "#6baed6", "#4292c6", "#2171b5", "#08306b"]   # light -> dark (dark = höher)
PARAM = "kennzahl"
AUSSERHALB = "#efefef"   # Kreise outside the page's Jobcenter (lighter than GREY = no value)


def _klassen(jc_werte: pd.Series, richtung: int, stellen: int) -> tuple[list[float], list[int]]:
    """Quintile thresholds of the Jobcenter values and the colour index (1..5) of each class.

    Class i holds values in [t[i-1], t[i]) (open at both ends). Colour 5 (darkest) is the most
    favourable class: the highest values, or the lowest for lower-is-better figures; for context
    figures (richtung 0) simply the highest.
    """
    t = statistik.klassengrenzen(jc_werte, KLASSEN, stellen)
    if not t and pd.to_numeric(pd.Series(jc_werte), errors="coerce").dropna().empty:
        return [], []
    m = len(t) + 1
    farbe = [KLASSEN - m + 1 + i for i in range(m)] if richtung >= 0 else [KLASSEN - i for i in range(m)]
    return t, farbe


def _klasse(wert: float, t: list[float]) -> int:
    return sum(wert >= x for x in t)


def _spanne(i: int, t: list[float], einheit: str, stellen: int) -> str:
    z = lambda x: zahl(x, einheit, stellen)           # noqa: E731
    if not t:
        return "alle Werte"
    if i == 0:
        return f"unter {z(t[0])}"
    if i == len(t):
        return f"{z(t[-1])} und mehr"
    return f"{zahl(t[i - 1], '', stellen)} bis unter {z(t[i])}"


def kennzahl_daten(
    jc_werte: pd.DataFrame,
    jobcenter: pd.DataFrame,
    kennzahlen: dict,
    *,
    einheit: str = " %",
    kreis_aggregate: dict[str, dict[str, float]] | None = None,
) -> tuple[list[dict], list[dict], list[dict], pd.DataFrame]:
    """Data of a map with a figure chosen by the reader.

    jc_werte: long table jobcenter_id, kennzahl, wert — the Jobcenter to show (may be a subset).
    kennzahlen: code -> Kennzahl (name, kurz, richtung, lesart), in the order of the select input.
    kreis_aggregate: optional {kennzahl: {kreis_ags: wert}} for Kreise shared by several Jobcenter.
    Returns (werte, kreise, legende, hinweise):
      werte   — one row per Kreis and figure: a (AGS), k (code), w (value, 2 decimals, None if
                undefined), f (colour class 1..5), g (1: shared Kreis without own value),
                l (per-Jobcenter values of a shared Kreis); absent keys are omitted;
      kreise  — one row per Kreis: a, j (Jobcenter names), n (note, e.g. one Jobcenter for 2 Kreise);
      legende — per figure the legend lines: k, i (line), t (text), f (colour class or None);
      hinweise — the page's table of special cases (names only, valid for every figure).
    """
    jc_werte = jc_werte.copy()
    jc_werte["jobcenter_id"] = jc_werte["jobcenter_id"].astype(str)
    codes = [c for c in kennzahlen if c in set(jc_werte["kennzahl"])]
    if not codes:
        raise ValueError("Keine Werte für die Karte")
    ids = set(jc_werte["jobcenter_id"])
    basis, hinweise = kreiswerte(pd.DataFrame({"jobcenter_id": sorted(ids), "wert": float("nan")}), jobcenter,
                                 einheit=einheit, mit_werten=False)
    covering: dict[str, list[tuple[str, str]]] = {}
    n_kreise: dict[str, int] = {}
    for jid, name, ags in zip(jobcenter["jobcenter_id"].astype(str), jobcenter["name"], jobcenter["kreis_ags"]):
        n_kreise[jid] = len(_split_ags(ags))
        for a in _split_ags(ags):
            covering.setdefault(a, []).append((jid, name))
    kreise = []
    for ags in basis["kreis_ags"]:
        members = covering[ags]
        shown = [name for jid, name in members if jid in ids]
        row = {"a": ags, "j": "; ".join(shown)}
        if len(shown) < len(members):
            row["n"] = f"(gezeigt {len(shown)} von {len(members)} Jobcentern des Kreises)"
        elif len(members) == 1 and n_kreise[members[0][0]] > 1:
            row["n"] = f"(Wert des Jobcenters für {n_kreise[members[0][0]]} Kreise)"
        kreise.append(row)
    multi = {ags for ags, m in covering.items() if len(m) > 1}

    werte, legende = [], []
    for code in codes:
        k = kennzahlen[code]
        sub = jc_werte[jc_werte["kennzahl"] == code][["jobcenter_id", "wert"] + (["grund"] if "grund" in jc_werte else [])]
        # Reading rules: the map compares with all Jobcenter in the Bund, so it is neutral for
        # every figure (dunkler = höher), never günstiger / ungünstiger.
        stellen = fmt.stellen(code)               # the figure's decimals (catalogue), as in the page tables
        t, farbe = _klassen(sub["wert"], 0, stellen)
        agg = (kreis_aggregate or {}).get(code)
        kw, _ = kreiswerte(sub, jobcenter, einheit=einheit, stellen=stellen, kreis_aggregate=agg)
        for r in kw.itertuples(index=False):
            row = {"a": r.kreis_ags, "k": code}
            if r.geteilt:
                row["g"] = 1
                row["l"] = r.jobcenter
            elif r.wert is not None and not pd.isna(r.wert):
                row["w"] = round(float(r.wert), 2)
                row["s"] = fmt.kennzahl(code, r.wert, "")          # shown text: as in the page tables
                row["f"] = farbe[_klasse(float(fmt.runden(r.wert, stellen)), t)]   # the class of the shown value
                if r.kreis_ags in multi:
                    row["l"] = r.jobcenter
            else:
                row["z"] = r.ohne                      # sign and reason, as in the page table
            werte.append(row)
        richtung = f"dunkler = höher (ohne Wertung); {k.lesart}"
        legende.append({"k": code, "i": 0, "t": f"{code} {k.kurz} (Fünftel der Jobcenter)"})
        legende.append({"k": code, "i": 1, "t": richtung})
        order = range(len(farbe) - 1, -1, -1)
        for line, i in enumerate(order, start=2):
            legende.append({"k": code, "i": line, "t": _spanne(i, t, einheit, stellen), "f": farbe[i]})
        legende.append({"k": code, "i": len(farbe) + 2, "t": "kein Wert (Zeichen und Grund im Tooltip und in der Tabelle)", "f": 0})
    return werte, kreise, legende, hinweise


def karte_kennzahlen(
    jc_werte: pd.DataFrame,
    jobcenter: pd.DataFrame,
    kennzahlen: dict,
    titel: str,
    *,
    start: str = "K2",
    land: str | None = None,
    einheit: str = " %",
    kreis_aggregate: dict[str, dict[str, float]] | None = None,
    geometrie: str = "url",
) -> Karte:
    """Choropleth of the Kreise; the reader picks the figure in a select input (vega-init.js puts
    it before the map).

    Colours are the figure's quintile classes among the Jobcenter shown (recomputed per figure),
    darker = higher (neutral, reading rules); the tooltip gives the real value, the legend the
    value range of each class. Kreise without a value: grey, the tooltip gives the sign and
    reason (``text.ohne_wert``), as the page table does.
    The legend and the attribution are not marks: the page script draws them as HTML under the
    map from ``datasets.legende`` (``usermeta.legende``: picker parameter, colour by class,
    attribution), so their text wraps and keeps its size when the map is drawn narrower on a
    small screen (vega-init.js fits the map to its box).
    land: restrict the geometry to one Land; otherwise all Kreise (those without data grey).
    """
    import altair as alt

    werte, kreise, legende, hinweise = kennzahl_daten(jc_werte, jobcenter, kennzahlen, einheit=einheit,
                                                      kreis_aggregate=kreis_aggregate)
    codes = [c for c in kennzahlen if any(r["k"] == c for r in legende)]
    start = start if start in codes else codes[0]
    if land is not None:
        werte = [r for r in werte if r["a"][:2] == land]
        kreise = [r for r in kreise if r["a"][:2] == land]
    width, height = (WIDTH["land"], HEIGHT["land"]) if land else (WIDTH["bund"], HEIGHT["bund"])

    wahl = alt.param(
        name=PARAM, value=start,
        bind=alt.binding_select(options=codes, labels=[wahl_label(c, kennzahlen) for c in codes],
                                name="Kennzahl: "),
    )
    geo = alt.LookupData(data=_geo_data("kreise", geometrie), key="properties.ags")
    info = alt.LookupData(data=alt.NamedData(name="kreise"), key="a", fields=["j", "n"])
    tooltip = [alt.Tooltip("geo.properties.name:N", title="Kreis"), alt.Tooltip("j:N", title="Jobcenter"),
               alt.Tooltip("t:N", title="Wert")]
    text = (f"isValid(datum.w) ? datum.s + '{einheit}' + (datum.n ? ' ' + datum.n : '')"
            f" : (datum.l ? datum.l : (datum.z || '{fmt.OHNE_WERT}') + (datum.n ? ' ' + datum.n : ''))")

    def auswahl(bedingung: str):
        return (alt.Chart(alt.NamedData(name="werte"))
                .transform_filter(alt.datum.k == wahl)
                .transform_filter(bedingung)
                .transform_lookup(lookup="a", from_=geo, as_="geo")
                .transform_lookup(lookup="a", from_=info)
                .transform_calculate(t=text))

    grund_data = _geo_data("kreise", geometrie)
    grund = alt.Chart(grund_data)
    if land is not None:
        grund = grund.transform_filter(alt.datum["properties"]["land"] == land)
    grund = grund.mark_geoshape(fill=AUSSERHALB, stroke="white", strokeWidth=0.3).encode(
        tooltip=[alt.Tooltip("properties.name:N", title="Kreis")])
    leer = auswahl("!isValid(datum.w) && !datum.g").mark_geoshape(
        fill=GREY, stroke="white", strokeWidth=0.3).encode(shape="geo:G", tooltip=tooltip)
    geteilt = auswahl("datum.g === 1").mark_geoshape(
        fill=SHARED_FILL, stroke="#333", strokeWidth=0.8, strokeDash=[3, 2]).encode(shape="geo:G", tooltip=tooltip)
    farbe = auswahl("isValid(datum.w)").mark_geoshape(stroke="white", strokeWidth=0.3).encode(
        shape="geo:G",
        color=alt.Color("f:O", scale=alt.Scale(domain=list(range(1, KLASSEN + 1)), range=FARBEN), legend=None),
        tooltip=tooltip,
    )
    grenzen = alt.Chart(_geo_data("laender", geometrie))
    if land is not None:
        grenzen = grenzen.transform_filter(alt.datum["properties"]["land"] == land)
    grenzen = grenzen.mark_geoshape(fill="none", stroke="#444", strokeWidth=0.9)  # "none": hovers reach the Kreise

    beschreibung = (
        f"Karte: {titel}. Kreise eingefärbt nach der im Auswahlfeld gewählten Kennzahl (zu Beginn {start}), "
        "in Fünfteln der Jobcenter; dunkler = höher (ohne Wertung); grau: kein Wert"
        + ("; grau gestrichelt: Kreis mit mehreren Jobcentern" if any(r.get("g") for r in werte) else "")
        + f". Kartengrundlage {ATTRIBUTION}."
    )
    chart = (
        alt.layer(grund, leer, geteilt, farbe, grenzen)
        .add_params(wahl)
        .properties(datasets={"werte": werte, "kreise": kreise, "legende": legende})
        .resolve_scale(color="independent")
        .project(type="mercator")
        .properties(width=width, height=height, title=titel, description=beschreibung,
                    usermeta={"tabelle": _tabelle(werte, kreise, codes, kennzahlen, einheit),
                              "legende": {"param": PARAM, "daten": "legende", "farben": [GREY] + FARBEN,
                                          "quelle": ATTRIBUTION}})
        .configure_view(stroke=None)
    )
    return Karte(chart, hinweise)


def _tabelle(werte: list[dict], kreise: list[dict], codes: list[str], kennzahlen: dict, einheit: str) -> dict:
    """The map's values as a table: one row per Kreis, one column per figure (the tooltip's texts)."""
    namen = _kreis_namen()
    wert = {(r["a"], r["k"]): r for r in werte}

    def zelle(r):
        if r is None:
            return fmt.OHNE_WERT
        if "s" in r:
            return r["s"] + einheit.replace(" ", fmt.NBSP)      # the tooltip's text
        return r.get("l") or r.get("z") or fmt.OHNE_WERT

    zeilen = [[f"{namen.get(k['a'], k['a'])} ({k['j']})"] + [zelle(wert.get((k["a"], c))) for c in codes]
              for k in kreise]
    return {"spalten": ["Kreis (Jobcenter)"] + [wahl_label(c, kennzahlen) for c in codes], "zeilen": zeilen}


def wahl_label(code: str, kennzahlen: dict) -> str:
    """A figure's name in the map's picker and in its table's column head (the same text, so
    the column of the chosen figure is found by its name)."""
    return f"{code} – {kennzahlen[code].kurz}"
