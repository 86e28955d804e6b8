"""Berechnungsgrundlagen (§ 7 of the Verordnung): the absolute numbers behind every value.

For each figure and month of a unit: Zähler and Nenner of the quotient, as the data contract
defines them (a change: x[m] and x[m-12]; a 12-month quota: the 12-month sum of the flow and
the average stock of the 12 previous months; a share: both sums; a Stichtag quota: both stocks;
the averaged rates have none: they are the mean of twelve monthly quotients). The mart's
``zaehler``/``nenner``/``erfasst``/``mitglieder`` columns of the mart's ergebnisse (compute) are used.

``abschnitt(seite)`` renders the page table (German formats, EUR for money).
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from helpers import fmt, sitemodel, text, vorlagen
from helpers.kennzahlen import GESCHLECHT_LABEL, KENNZAHLEN, MONEY_COLUMNS, codes_for
from helpers.steuerung import STEUERUNG
from helpers.vorlagen import BR, Markup, element, render, td, th, zeile

EINGANG = {
    "llu": "Leistungen zum Lebensunterhalt", "kdu": "Leistungen für Unterkunft und Heizung",
    "elb": "erwerbsfähige Leistungsberechtigte (Bestand)", "elb_zugang": "Zugänge eLb",
    "elb_abgang": "Abgänge eLb", "integrationen": "Integrationen",
    "integrationen_svb": "Integrationen in sozialversicherungspflichtige Beschäftigung",
    "kontinuierlich": "davon kontinuierlich beschäftigt", "eintritte_minijob": "Eintritte in geringfügige Beschäftigung",
    "eintritte_oefb": "Eintritte in öffentlich geförderte Beschäftigung", "ae": "alleinerziehende eLb (Bestand)",
    "integrationen_ae": "Integrationen Alleinerziehender", "lzb": "Langzeitleistungsbeziehende (Bestand)",
    "lzb_zugang": "Zugänge LZB", "lzb_abgang": "Abgänge LZB", "lzb_massnahme": "LZB in Maßnahmen",
    "integrationen_lzb": "Integrationen von LZB",
}
RECHNUNG = {
    "veraenderung": "(Zähler / Nenner − 1) × 100",
    "quote12": "Zähler / Nenner × 100",
    "anteil12": "Zähler / Nenner × 100",
    "stichtag": "Zähler / Nenner × 100",
    "rate12": "Mittel der zwölf Monatsquoten (Monatswerte der Eingangsgrößen in der XLSX-Datei)",
}


def bedeutung(code: str) -> tuple[str, str]:
    """What Zähler and Nenner of a figure are (German)."""
    if code in STEUERUNG:
        return STEUERUNG[code].zaehler, STEUERUNG[code].nenner
    k = KENNZAHLEN[code]
    a, b = (k.inputs + (k.inputs[0],))[:2]
    if k.art == "veraenderung":
        return f"{EINGANG[a]} im Berichtsmonat", f"{EINGANG[a]} im Vorjahresmonat"
    if k.art == "quote12":
        return f"Summe {EINGANG[a]} der letzten 12 Monate", f"durchschnittlicher Bestand {EINGANG[b]} der 12 Vormonate"
    if k.art == "anteil12":
        return f"Summe {EINGANG[a]} (12 Monate)", f"Summe {EINGANG[b]} (12 Monate)"
    if k.art == "stichtag":
        return f"{EINGANG[a]} im Berichtsmonat", f"{EINGANG[b]} im Berichtsmonat"
    return "", ""


def ist_geld(code: str) -> bool:
    return code in KENNZAHLEN and KENNZAHLEN[code].inputs[0] in MONEY_COLUMNS


OHNE_NENNER = "nicht festgelegt: eine gemittelte Quote hat keinen einzelnen Nenner (Mittel der zwölf Monatsquoten)"


def zahl_html(code: str, x, rolle: str = "zaehler", grund: str | None = None, gruppe: bool = False) -> str:
    """A Zähler/Nenner cell as a part: the number (``zahl_text``, text) or, undefined, the sign of
    the value's reason with the reason as tooltip (a fragment; the averaged rates have no single
    Nenner: "x")."""
    if not fmt.fehlt(x):
        return zahl_text(code, x)
    if rolle == "nenner" and code in KENNZAHLEN and KENNZAHLEN[code].art == "rate12":
        return Markup(text.zeichen_html(text.GRUND_NICHT_FESTGELEGT, OHNE_NENNER))
    g = grund if isinstance(grund, str) and grund else None
    return Markup(text.zeichen_html(g, text.grund_text(g, gruppe) if g else "kein Wert"))


def zahl_text(code: str, x) -> str:
    """A Zähler/Nenner in German format: EUR with cents, counts as integers, means with 2 decimals."""
    if fmt.fehlt(x):
        return fmt.OHNE_WERT
    if ist_geld(code):
        return fmt.zahl(x, 2, " EUR")
    if code in ("JFW_K2_VJ", "JFW_K2_VJ_PP"):
        return fmt.zahl(x, 4, " %")          # the two quotas of a change
    if float(x) == round(float(x)):
        return fmt.ganzzahl(round(float(x)))
    return fmt.zahl(x, 2)


# --------------------------------------------------------------------------- derivation

def werte(m, ebene: str, uid: str) -> pd.DataFrame:
    """All figures (Kennzahlen and JFW) of a unit, all months and genders, with zaehler, nenner,
    erfasst and mitglieder (the full time series of the downloads)."""
    return ordnen(m.ergebnisse(ebene=ebene, id=uid), m.steuerung(ebene=ebene, id=uid))


def ring_werte(m, name: str, ids: list[str], e: pd.DataFrame | None = None) -> pd.DataFrame:
    """All figures (Kennzahlen and JFW) of a Vergleichsring, all months and genders, in download
    order (``ebene`` "ring", ``id`` its ``ring_kennung``): the ring's sums by the mart's rules.
    ``e``: the ring's Kennzahlen when the caller has them already (``m.gruppe`` of the page)."""
    kennung = sitemodel.ring_kennung(name)
    e = m.gruppe(ids, kennung) if e is None else e
    return ordnen(e.assign(ebene=sitemodel.RING, id=kennung),
                  m.gruppe_steuerung(ids, kennung).assign(ebene=sitemodel.RING))


def ordnen(e: pd.DataFrame, s: pd.DataFrame) -> pd.DataFrame:
    """Kennzahlen (``e``) and JFW (``s``) rows of one unit in download order (figure, gender, month)."""
    cols = ["ebene", "id", "monat", "geschlecht", "kennzahl", "wert", "grund", "erfasst", "mitglieder",
            "zaehler", "nenner"]
    df = pd.concat([e[cols], s[cols]], ignore_index=True) if len(s) else e[cols]
    order = {c: i for i, c in enumerate(list(KENNZAHLEN) + list(STEUERUNG))}
    gorder = {g: i for i, g in enumerate(GESCHLECHT_LABEL)}
    return (df.assign(_k=df["kennzahl"].map(order), _g=df["geschlecht"].map(gorder))
              .sort_values(["_k", "_g", "monat"], kind="stable").drop(columns=["_k", "_g"]).reset_index(drop=True))


# --------------------------------------------------------------------------- page table

def wert_text(code: str, wert) -> str:
    if code in STEUERUNG:
        from helpers.zielsteuerung import wert_text as jfw_text
        return jfw_text(code, wert)
    return fmt.kennzahl(code, wert)


def tabelle(d: pd.DataFrame, monat: str, geschlecht: str, name: str, gruppe: bool) -> str:
    """The Berechnungsgrundlagen table of one unit in one month (rows of ``werte``)."""
    codes = [c for c in codes_for(geschlecht)] + list(STEUERUNG)
    am = d[(d["monat"] == monat) & (d["geschlecht"] == geschlecht)].set_index("kennzahl")
    rows = []
    for code in codes:
        if code not in am.index:
            continue
        r = am.loc[code]
        bz, bn = bedeutung(code)
        art = KENNZAHLEN[code].art if code in KENNZAHLEN else (
            "veraenderung" if code.endswith("_VJ") else "differenz" if code.endswith("_PP") else "jfw")
        rechnung = RECHNUNG.get(art, {"differenz": "Zähler − Nenner",
                                      "jfw": "Zähler / Nenner × 100" if code == "JFW_K2" else
                                      ("Zähler / Nenner" if code == "JFW_LZB" else "Zähler")}.get(art, ""))
        if fmt.fehlt(r["wert"]):
            grund = text.grund_text(r["grund"], gruppe) or ("zu wenige Jobcenter mit vollständigen Eingangswerten"
                                                            if r["grund"] == "zu_wenige" else "kein Wert")
            wert = (Markup(text.zeichen_html(r["grund"], grund)), " ", element("small", f"({grund})"))
        else:
            wert = (wert_text(code, r["wert"]),)
        abdeckung = ()
        if gruppe and not fmt.fehlt(r["erfasst"]) and r["erfasst"] < r["mitglieder"]:
            abdeckung = (BR, element("small", f"ohne {int(r['mitglieder'] - r['erfasst'])} von {int(r['mitglieder'])} "
                                              "Jobcentern"))
        name_k = KENNZAHLEN[code].kurz if code in KENNZAHLEN else STEUERUNG[code].kurz
        rows.append(zeile([
            th(code, BR, element("small", name_k), scope="row"),
            td(*wert, *abdeckung, klasse="zahl", **{"data-rolle": "wert"}),
            td(zahl_html(code, r["zaehler"], "zaehler", r["grund"], gruppe), klasse="zahl", **{"data-rolle": "zaehler"}),
            td(bz),
            td(zahl_html(code, r["nenner"], "nenner", r["grund"], gruppe), klasse="zahl", **{"data-rolle": "nenner"}),
            td(bn), td(rechnung)], **{"data-kennzahl": code}))
    kopf = [zeile([th(t, scope="col") for t in ("Kennzahl", "Wert", "Zähler", "Zähler: Bedeutung", "Nenner",
                                                 "Nenner: Bedeutung", "Berechnung")])]
    tab = vorlagen.tabelle("kennzahlen-tabelle berechnungsgrundlagen", kopf, rows,
                           f"{name}: Berechnungsgrundlagen {fmt.monat(monat)} ({GESCHLECHT_LABEL[geschlecht]})")
    return render("teile/scroll.html", inhalt=Markup(tab))


def abschnitt(seite) -> HTML:
    """The page's Berechnungsgrundlagen table (the unit of a pages.*Seite object)."""
    from helpers.zielsteuerung import einheit_der_seite

    if type(seite).__name__ == "RingSeite":      # no mart level: the ring's sums, as in its downloads
        ebene, name = sitemodel.RING, seite.name
        d = ring_werte(seite.m, seite.name, seite.ids, seite.e)
    else:
        ebene, uid, name = einheit_der_seite(seite)
        d = werte(seite.m, ebene, uid)
    intro = render("teile/absatz.html", inhalt=[
        "Jeder Wert dieser Seite lässt sich aus absoluten Zahlen nachrechnen (§ 7 der Verordnung): "
        "Zähler und Nenner je Kennzahl im Berichtsmonat. Geldbeträge in Euro; Durchschnittsbestände mit "
        "zwei Nachkommastellen. Alle Monate stehen in den Dateien unter „Zahlen herunterladen“."])
    return HTML(intro + tabelle(d, seite.monat, seite.geschlecht, name, ebene != "jobcenter"))
