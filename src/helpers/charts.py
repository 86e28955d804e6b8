"""Altair charts of the pages: time series, position among peers, distributions.

One palette for every page (``FARBEN``); lines also differ by dash pattern, so a series can
be told apart without colour. Every chart has a title and a German ``description`` (the
text alternative the book shows to screen readers). Chart data are kept small: short field
names, values rounded to 2 decimals, one row per figure and month (wide), labels mapped
in the spec instead of repeated per row.
"""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd

from helpers import fmt, statistik, text
from helpers.kennzahlen import KENNZAHLEN

# Series -> colour. "haupt" is the page's subject (Jobcenter, Vergleichstyp, Land, Ring).
FARBEN = {
    "haupt": "#1b5e9e",      # dark blue
    "median": "#c75b00",     # orange (median of the peer group)
    "band": "#f6c89a",       # light orange (1st–3rd quartile of the peer group)
    "bund": "#3d3d3d",       # near black, dashed
    "land": "#7b3294",       # purple, dotted
    "punkt": "#9e9e9e",      # other members (grey)
    "gE": "#1b5e9e",
    "zkT": "#c75b00",
}
STRICHE = {"haupt": [1, 0], "median": [6, 3], "bund": [2, 2], "land": [1, 3]}
BREITE = 210         # one small multiple
HOEHE = 120


def _r(s: pd.Series, codes) -> pd.Series:
    """Chart values rounded half-up (decimal, from the full-precision value) to the decimals of
    their figure (``fmt.stellen``, as the tooltips show them), so a tooltip's d3 format gives the
    same string as the page table (fmt.kennzahl). codes: the figure of each value."""
    v = pd.to_numeric(s, errors="coerce").astype(float)
    n = pd.Series(codes, index=v.index).astype(str).map({c: fmt.stellen(c) for c in pd.unique(pd.Series(codes).astype(str))})
    return pd.Series([x if fmt.fehlt(x) else float(fmt.runden(x, k)) for x, k in zip(v, n)], index=v.index, dtype=float)


def _header_expr(codes) -> str:
    """Vega expression: facet value (code) -> two-line label [code, short name]."""
    m = {c: [c, KENNZAHLEN[c].kurz] for c in codes}
    return f"{json.dumps(m, ensure_ascii=False)}[datum.value]"


def _monat_x(title: str | None = None) -> alt.X:
    return alt.X("m:T", timeUnit="utcyearmonth", title=title,
                 axis=alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1}, labelAngle=0))


GESCHLECHT_KURZ = {"insgesamt": "i", "frauen": "f", "maenner": "m"}
GESCHLECHT_WAHL = {"i": "Insgesamt", "f": "Frauen", "m": "Männer"}
PARAM_GESCHLECHT = "geschlecht"


def zeitreihen_daten(df: pd.DataFrame, spalten: dict[str, str], ohne: dict[str, str] | None = None) -> pd.DataFrame:
    """Chart data from a frame with columns monat, kennzahl (optionally geschlecht) and the value
    columns named in ``spalten`` (short field -> source column, e.g. {"w": "wert", "md": "vt_median"}).
    ohne: short field -> source column with the text of an undefined value (``text.ohne_wert``: sign
    and reason); kept as column "z" + field for the chart's data table and aria text."""
    out = pd.DataFrame({"k": df["kennzahl"].astype(str), "m": df["monat"].astype(str)})
    if "geschlecht" in df.columns:
        out["g"] = df["geschlecht"].map(GESCHLECHT_KURZ).to_numpy()
    for short, col in spalten.items():
        out[short] = _r(df[col], out["k"].to_numpy())
    for short, col in (ohne or {}).items():
        out["z" + short] = df[col].to_numpy()
    return out.reset_index(drop=True)


def _zelle(d: dict, f: str) -> str:
    """A chart value as the page shows it: the number, or sign and reason (``text.ohne_wert``)."""
    v = d.get(f)
    if not fmt.fehlt(v):
        return fmt.kennzahl(d["k"], v)
    z = d.get("z" + f)
    return z if isinstance(z, str) and z else fmt.OHNE_WERT


def _zeichen_kompakt(daten: pd.DataFrame, werte: list[dict], erster: str, felder: list[str]) -> dict:
    """Texts of the undefined values inside the compact series ("k|g" -> field -> index -> text),
    for the page's script that rebuilds the data table when the gender changes."""
    if not erster:
        return {}
    start = pd.Period(erster, "M")
    offset = {(r["k"], r["g"]): (r["o"], len(r[felder[0]])) for r in werte}
    out: dict = {}
    for f in felder:
        if "z" + f not in daten.columns:
            continue
        for k, g, m, v, z in zip(daten["k"], daten["g"], daten["m"], daten[f], daten["z" + f]):
            if (k, g) not in offset or not fmt.fehlt(v) or not isinstance(z, str) or not z:
                continue
            o, n = offset[(k, g)]
            i = (pd.Period(m, "M") - start).n - o
            if 0 <= i < n:
                out.setdefault(f"{k}|{g}", {}).setdefault(f, {})[str(i)] = z
    return out


def _kompakt(daten: pd.DataFrame, felder: list[str]) -> tuple[list[dict], str]:
    """Compact chart data: one row per figure and gender with one array per series over a common
    month axis (from the first month with any value to the last month); returns (rows, first month).
    The chart expands it with flatten/window/calculate (a few KB instead of one object per month)."""
    werte = daten.dropna(subset=felder, how="all")
    if werte.empty:
        return [], ""
    achse = [str(p) for p in pd.period_range(werte["m"].min(), daten["m"].max(), freq="M")]
    keys = list(dict.fromkeys(zip(daten["k"], daten["g"])))
    w = (daten.set_index(["k", "g", "m"])[felder].astype(float).unstack("m")
         .reindex(index=pd.MultiIndex.from_tuples(keys), columns=pd.MultiIndex.from_product([felder, achse])))
    arr = w.to_numpy().reshape(len(keys), len(felder), len(achse))
    rows = []
    for (k, g), a in zip(keys, arr):
        da = np.flatnonzero(~np.isnan(a).all(axis=0))
        if not len(da):
            continue
        a = a[:, da[0]:da[-1] + 1]                 # "o": months before the first value (not sent)
        row = {"k": k, "g": g, "o": int(da[0])}
        for f, v in zip(felder, a):
            row[f] = [None if x != x else x for x in v.tolist()]
        rows.append(row)
    return rows, achse[0]


def zeitreihen(daten: pd.DataFrame, titel: str, reihen: dict[str, str], *, band: str | None = None,
               beschreibung: str = "", spalten_anzahl: int = 3, geschlecht: str = "insgesamt") -> alt.FacetChart:
    """Small multiples (one per figure) of monthly series over the whole period of ``daten``.

    daten: k, m, optional g (gender, GESCHLECHT_KURZ) and one column per series
        (``zeitreihen_daten``), optional q1/q3 for the band.
    reihen: field -> legend label, in drawing order; the field names select palette entries
        ("w" haupt, "md" median, "b" bund, "l" land).
    band: label of the q1–q3 band (None: no band).
    geschlecht: the gender shown first; with more than one gender in ``daten`` a radio choice
        (parameter ``geschlecht``) switches the chart, and the page's script rebuilds the
        "Daten als Tabelle" rows from the same data (usermeta.tabelle_param).
    """
    rolle = {"w": "haupt", "md": "median", "b": "bund", "l": "land"}
    if "g" not in daten.columns:
        daten = daten.assign(g=GESCHLECHT_KURZ[geschlecht])
    felder = [f for f in reihen if f in daten.columns]
    labels = [reihen[f] for f in felder]
    alle = felder + [f for f in ("q1", "q3") if band and f in daten.columns]
    codes = list(dict.fromkeys(daten["k"]))
    werte, erster = _kompakt(daten, alle)
    start = pd.Period(erster or "2000-01", "M")
    g0 = GESCHLECHT_KURZ[geschlecht]
    gewaehlt = [g for g in GESCHLECHT_WAHL if g in set(daten["g"])]
    x = _monat_x()
    layers = []
    if band and {"q1", "q3"} <= set(daten.columns):
        layers.append(alt.Chart().mark_area(color=FARBEN["band"], opacity=0.6).encode(
            x=x, y=alt.Y("q1:Q"), y2="q3:Q"))
    mapping = json.dumps({f: reihen[f] for f in felder}, ensure_ascii=False)
    layers.append(
        alt.Chart().transform_fold(felder, as_=["r", "v"])
        .transform_calculate(Reihe=f"{mapping}[datum.r]")
        .mark_line(strokeWidth=1.8, invalid="break-paths-show-domains",
                   point=alt.OverlayMarkDef(size=40, opacity=0))   # invisible points carry the tooltips
        .encode(
            x=x,
            y=alt.Y("v:Q", title="Prozent", scale=alt.Scale(zero=False)),
            color=alt.Color("Reihe:N", title=None, sort=labels,
                            scale=alt.Scale(domain=labels, range=[FARBEN[rolle[f]] for f in felder]),
                            legend=alt.Legend(orient="bottom", direction="horizontal", labelLimit=320,
                                              symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=400)),
            strokeDash=alt.StrokeDash("Reihe:N", title=None, sort=labels,
                                      scale=alt.Scale(domain=labels, range=[STRICHE[rolle[f]] for f in felder])),
            tooltip=[alt.Tooltip("m:T", timeUnit="utcyearmonth", format="%B %Y", title="Monat"),
                     alt.Tooltip("Reihe:N", title="Reihe"),
                     alt.Tooltip("v:Q", format=fmt.d3_kennzahl(codes), title="Wert (%)")],
        )
    )
    untertitel = [f"Fläche: {band}"] if band else []
    tabelle = tabelle_zeitreihen(daten[daten["g"] == g0], {f: reihen[f] for f in felder})
    tabelle["titel"] = f"Werte für {GESCHLECHT_WAHL[g0]}"
    usermeta = {"tabelle": tabelle}
    chart = (
        alt.layer(*layers)
        .properties(width=BREITE, height=HOEHE)
        .facet(facet=alt.Facet("k:N", sort=codes, title=None,
                               header=alt.Header(labelExpr=_header_expr(codes), labelFontWeight="bold",
                                                 labelLimit=BREITE + 20)),
               columns=spalten_anzahl, data=pd.DataFrame(werte))   # a frame: altair does not deep-copy it
    )
    if len(gewaehlt) > 1:
        wahl = alt.param(name=PARAM_GESCHLECHT, value=g0, bind=alt.binding_radio(
            options=gewaehlt, labels=[GESCHLECHT_WAHL[g] for g in gewaehlt], name="Geschlecht: "))
        chart = chart.add_params(wahl).transform_filter(f"datum.g == {PARAM_GESCHLECHT}")
        usermeta["tabelle_param"] = {"param": PARAM_GESCHLECHT, "felder": felder, "start": erster,
                                     "titel": {g: f"Werte für {GESCHLECHT_WAHL[g]}" for g in gewaehlt},
                                     "ohne_wert": fmt.OHNE_WERT, "stellen": {c: fmt.stellen(c) for c in codes},
                                     "zeichen": _zeichen_kompakt(daten, werte, erster, felder)}
    else:
        chart = chart.transform_filter(alt.datum.g == g0)
    return (
        chart.transform_flatten(alle)
        .transform_window(i="row_number()", groupby=["k", "g"])
        .transform_calculate(m=f"utc({start.year}, {start.month - 1} + datum.o + datum.i - 1, 1)")
        .resolve_scale(y="independent")
        .properties(title=alt.Title(titel, subtitle=untertitel, anchor="start"), description=beschreibung,
                    usermeta=usermeta)
    )


def position(daten: pd.DataFrame, namen: dict[str, str], titel: str, *, hervorheben: str | None = None,
             haupt_label: str = "", beschreibung: str = "", ohne: dict[str, str] | None = None) -> alt.FacetChart:
    """Every member's value per figure as a dot (one row per figure, own x scale); the median
    as a vertical tick; optionally one member highlighted.

    daten: k (code), i (jobcenter_id), v (value), md (median of the figure; ``position_daten``).
    namen: jobcenter_id -> name (tooltip).
    ohne: code -> text of the highlighted member's undefined value (``text.ohne_wert``).
    """
    codes = list(dict.fromkeys(daten["k"]))
    # Names via one map expression (a lookup into inline data fails inside a faceted layer).
    name_expr = f"{json.dumps({str(i): str(n) for i, n in namen.items()}, ensure_ascii=False)}[datum.i] || datum.i"
    d3 = fmt.d3_kennzahl(codes)
    tooltip = [alt.Tooltip("n:N", title="Jobcenter"), alt.Tooltip("v:Q", format=d3, title="Wert (%)")]
    x = alt.X("v:Q", title=None, scale=alt.Scale(zero=False, nice=True))
    punkte = (alt.Chart().transform_calculate(n=name_expr)
              .mark_circle(size=45, opacity=0.55, color=FARBEN["punkt"])
              .encode(x=x, tooltip=tooltip))
    # the median of the full-precision values (statistik, as in the page table), not vega's
    # median of the rounded chart values; every row of a figure carries it (md)
    median = alt.Chart().mark_tick(color=FARBEN["median"], thickness=2.5, size=22).encode(
        x=alt.X("min(md):Q"), tooltip=[alt.Tooltip("min(md):Q", format=d3, title="Median (%)")])
    layers = [punkte, median]
    if hervorheben is not None:
        layers.append(
            alt.Chart().transform_filter(alt.datum.i == str(hervorheben)).transform_calculate(n=name_expr)
            .mark_point(shape="diamond", size=140, filled=True, color=FARBEN["haupt"], stroke="white",
                        strokeWidth=1)
            .encode(x=x, tooltip=tooltip))
    untertitel = "Punkte: Mitglieder; senkrechter Strich: Median"
    if hervorheben is not None:
        untertitel += f"; Raute: {haupt_label}"
    # Compact data: one row per figure with its median and two arrays (members, values), expanded
    # by flatten (a third of one object per member and figure).
    kompakt = [{"k": k, "md": None if fmt.fehlt(g["md"].iloc[0]) else float(g["md"].iloc[0]),
                "i": g["i"].astype(str).tolist(), "v": g["v"].astype(float).tolist()}
               for k, g in daten.groupby("k", sort=False)]
    return (
        alt.layer(*layers)
        .properties(width=520, height=26)
        .facet(row=alt.Row("k:N", sort=codes, title=None,
                           header=alt.Header(labelExpr=_header_expr(codes), labelAngle=0, labelAlign="left",
                                             labelLimit=230, labelFontSize=11)),
               data=pd.DataFrame(kompakt))
        .transform_flatten(["i", "v"])
        .resolve_scale(x="independent")
        .properties(title=alt.Title(titel, subtitle=[untertitel], anchor="start"), description=beschreibung,
                    usermeta={"tabelle": tabelle_position(daten, hervorheben, haupt_label, ohne)})
        .configure_facet(spacing=6)
    )


def position_daten(df: pd.DataFrame) -> pd.DataFrame:
    """k, i, v, md from rows of vergleich (kennzahl, jobcenter_id, wert); undefined values dropped.
    md: the median of the figure's full-precision values (``statistik``), rounded as shown."""
    out = pd.DataFrame({"k": df["kennzahl"].astype(str), "i": df["jobcenter_id"].astype(str),
                        "v": _r(df["wert"], df["kennzahl"].to_numpy()),
                        "w": pd.to_numeric(df["wert"], errors="coerce").to_numpy()})
    out = out.dropna(subset=["v"]).reset_index(drop=True)
    md = statistik.verteilung(out, ["k"], wert="w").set_index("k")["median"]
    return out.drop(columns="w").assign(md=_r(out["k"].map(md), out["k"].to_numpy())).reset_index(drop=True)


def verteilung_gruppen(stats: pd.DataFrame, titel: str, *, gruppe_titel: str, beschreibung: str = "",
                       spalten_anzahl: int = 3) -> alt.FacetChart:
    """Box plots from precomputed statistics: one box per group (y) and figure (facet).

    stats: k, g (group label), mn, q1, md, q3, mx, n.
    """
    codes = list(dict.fromkeys(stats["k"]))
    gruppen = list(dict.fromkeys(stats["g"]))
    y = alt.Y("g:N", sort=gruppen, title=gruppe_titel)
    d3 = fmt.d3_kennzahl(codes)
    tooltip = [alt.Tooltip("g:N", title=gruppe_titel), alt.Tooltip("n:Q", title="Anzahl Jobcenter"),
               alt.Tooltip("mn:Q", format=d3, title="Minimum"), alt.Tooltip("q1:Q", format=d3, title="1. Quartil"),
               alt.Tooltip("md:Q", format=d3, title="Median"), alt.Tooltip("q3:Q", format=d3, title="3. Quartil"),
               alt.Tooltip("mx:Q", format=d3, title="Maximum")]
    base = alt.Chart()
    layers = [
        base.mark_rule(color=FARBEN["punkt"]).encode(x=alt.X("mn:Q", title="Prozent", scale=alt.Scale(zero=False)),
                                                      x2="mx:Q", y=y, tooltip=tooltip),
        base.mark_bar(color=FARBEN["band"], size=9).encode(x="q1:Q", x2="q3:Q", y=y, tooltip=tooltip),
        base.mark_tick(color=FARBEN["median"], thickness=2.5, size=12).encode(x="md:Q", y=y, tooltip=tooltip),
    ]
    s = stats.copy()
    for c in ("mn", "q1", "md", "q3", "mx"):
        s[c] = _r(s[c], s["k"].to_numpy())
    return (
        alt.layer(*layers, data=s)
        .properties(width=BREITE, height=max(60, 13 * len(gruppen)))
        .facet(facet=alt.Facet("k:N", sort=codes, title=None,
                               header=alt.Header(labelExpr=_header_expr(codes), labelFontWeight="bold",
                                                 labelLimit=BREITE + 20)),
               columns=spalten_anzahl)
        .resolve_scale(x="independent")
        .properties(title=alt.Title(titel, subtitle=["Linie: Minimum bis Maximum; Balken: mittlere Hälfte "
                                                     "(1. bis 3. Quartil); Strich: Median"], anchor="start"),
                    description=beschreibung, usermeta={"tabelle": tabelle_verteilung(stats, gruppe_titel)})
    )


def tabelle_zeitreihen(daten: pd.DataFrame, reihen: dict[str, str]) -> dict:
    """Values of a time-series chart as table rows (Kennzahl, Monat, one column per series)."""
    felder = [f for f in reihen if f in daten.columns]
    zeilen = [[f"{r['k']} {fmt.monat(r['m'])}"] + [_zelle(r, f) for f in felder]
              for r in daten.dropna(subset=felder, how="all").to_dict("records")]
    return {"spalten": ["Kennzahl, Monat"] + [reihen[f] for f in felder], "zeilen": zeilen}


def _ohne(ohne: dict[str, str] | None, k: str) -> str:
    return (ohne or {}).get(k) or fmt.OHNE_WERT


def tabelle_position(daten: pd.DataFrame, hervorheben: str | None, haupt_label: str,
                     ohne: dict[str, str] | None = None) -> dict:
    """A position chart as table rows per figure: members, minimum, median, maximum and the
    highlighted member's value (the page's own table lists the values themselves)."""
    zeilen = []
    for k, g in daten.groupby("k", sort=False):
        z = [k, fmt.ganzzahl(len(g)), fmt.kennzahl(k, g["v"].min()), fmt.kennzahl(k, g["md"].iloc[0]),
             fmt.kennzahl(k, g["v"].max())]
        if hervorheben is not None:
            h = g.loc[g["i"] == str(hervorheben), "v"]
            z.append(fmt.kennzahl(k, h.iloc[0]) if len(h) else _ohne(ohne, k))
        zeilen.append(z)
    spalten = ["Kennzahl", "Anzahl Werte", "Minimum", "Median", "Maximum"]
    return {"spalten": spalten + ([haupt_label or "Hervorgehoben"] if hervorheben is not None else []), "zeilen": zeilen}


def tabelle_verteilung(stats: pd.DataFrame, gruppe_titel: str) -> dict:
    """Box-plot statistics as table rows."""
    zeilen = [[f"{r['k']} {r['g']}", fmt.ganzzahl(r["n"])] + [fmt.kennzahl(r["k"], r[c]) for c in ("mn", "q1", "md", "q3", "mx")]
              for r in stats.to_dict("records")]
    return {"spalten": [f"Kennzahl, {gruppe_titel}", "Anzahl Jobcenter", "Minimum", "1. Quartil", "Median",
                        "3. Quartil", "Maximum"], "zeilen": zeilen}


def beschreibung_zeitreihen(daten: pd.DataFrame, reihen: dict[str, str], band: str | None) -> str:
    """Text alternative: what is drawn and the values of the last month per figure."""
    monate = sorted(daten["m"].unique())
    if not monate:
        return "Keine Werte vorhanden."
    teile = [f"Monatswerte von {fmt.monat(monate[0])} bis {fmt.monat(monate[-1])}, je Kennzahl ein Diagramm. "
             f"Linien: {', '.join(reihen.values())}" + (f"; Fläche: {band}" if band else "") + "."]
    last = daten[daten["m"] == monate[-1]]
    werte = []
    for r in last.itertuples(index=False):
        d = r._asdict()
        werte.append(f"{d['k']}: " + ", ".join(f"{lab} {_zelle(d, f)}" for f, lab in reihen.items()
                                               if f in d))
    if werte:
        teile.append(f"Werte {fmt.monat(monate[-1])}: " + "; ".join(werte) + ".")
    return " ".join(teile)


def beschreibung_position(daten: pd.DataFrame, hervorheben: str | None, haupt_label: str,
                          raenge: dict[str, str] | None = None, ohne: dict[str, str] | None = None) -> str:
    """Text alternative of the position chart: per figure the number of members, the median
    and (if highlighted) the member's value and rank."""
    teile = []
    for k, g in daten.groupby("k", sort=False):
        t = f"{k}: {len(g)} Werte, Median {fmt.kennzahl(k, g['md'].iloc[0])}"
        if hervorheben is not None:
            h = g.loc[g["i"] == str(hervorheben), "v"]
            t += f", {haupt_label} {fmt.kennzahl(k, h.iloc[0]) if len(h) else _ohne(ohne, k)}"
            if raenge and k in raenge:
                t += f" (Rang {raenge[k]})"
        teile.append(t)
    return "Lage der Werte je Kennzahl. " + "; ".join(teile) + "."
