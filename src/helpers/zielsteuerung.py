"""The "Zielsteuerung" section of the pages (presentation of helpers.steuerung).

A template cell calls ``abschnitt(seite)`` with its page object (pages.JobcenterSeite,
TypSeite, LandSeite, BundSeite). Jobcenter pages show the Jahresfortschrittswerte, their change
against the previous year, a chart of the running year against the previous year and, with the
optional input ``ziele``, Soll, Ist and the verdict. Group pages show the JFW of the unit and a
count of the verdicts of their Jobcenter. Every number goes through helpers.fmt.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
from IPython.display import HTML, display

from helpers import fmt, sitemodel, text
from helpers.vorlagen import Markup, element, link, render, tabelle, td, th, zeile
from helpers.charts import FARBEN, STRICHE
from helpers.steuerung import (ABDECKUNG_GRUND, STEUERUNG, URTEIL_TEXT, ZIELGROESSE_LABEL, ZIELGROESSEN,
                               Zielerreichung, zielerreichung)

HILFE_URL = f"{sitemodel.ZUM_BUCH}hilfe/zielsteuerung.html"
ABDECKUNG_TEXT = "zu wenige Jobcenter mit vollständigen Eingangswerten"


def einheit_der_seite(seite) -> tuple[str, str, str]:
    """(ebene, id, name) of a page object."""
    art = type(seite).__name__
    if art == "JobcenterSeite":
        return "jobcenter", seite.id, seite.name
    ebene = {"TypSeite": "vergleichstyp", "LandSeite": "land", "BundSeite": "bund"}.get(art)
    if ebene is None:
        raise TypeError(f"Keine Zielsteuerung für Seiten der Art {art}")
    return ebene, seite.kennung, seite.name


def grund_text(grund: str, gruppe: bool) -> str:
    if grund == ABDECKUNG_GRUND:
        return ABDECKUNG_TEXT
    return text.grund_text(grund, gruppe) or "kein Wert"


def stellen(code: str) -> int:
    """Decimals of a JFW value as the pages show it (``wert_text``; the explorer rounds with them)."""
    e = STEUERUNG[code].einheit
    if e == "anzahl":
        return 0
    if e == "bestand" or code.endswith("_VJ"):
        return 1
    return 2


def wert_text(code: str, wert) -> str:
    """A JFW value in its unit (count, mean stock, percent, percentage points)."""
    e = STEUERUNG[code].einheit
    if fmt.fehlt(wert):
        return fmt.OHNE_WERT
    if e == "anzahl":
        return fmt.ganzzahl(round(wert))
    if e == "bestand":
        return fmt.zahl(wert, stellen(code))
    if e == "punkte":
        return fmt.punkte(wert, stellen(code))
    if code.endswith("_VJ"):
        return fmt.zahl(wert, stellen(code), " %", vorzeichen=True)
    return fmt.prozent(wert, stellen(code))


def _zelle(code: str, row, gruppe: bool) -> tuple:
    """The parts of a value cell: the value, or its sign with the reason."""
    if row is None or fmt.fehlt(row["wert"]):
        code_g = "" if row is None else row["grund"]
        grund = grund_text(code_g, gruppe)
        return Markup(text.zeichen_html(code_g, grund)), " ", element("small", f"({grund})")
    return (wert_text(code, row["wert"]),)


# --------------------------------------------------------------------------- tables

ZEILEN = (  # (JFW code, change in %, change in percentage points)
    ("JFW_INT", None, None),
    ("JFW_K2", "JFW_K2_VJ", "JFW_K2_VJ_PP"),
    ("JFW_LZB", "JFW_LZB_VJ", None),
)


def jfw_tabelle(s: pd.DataFrame, monat: str, geschlecht: str, gruppe: bool, name: str) -> str:
    """JFW at monat and the same month a year before, with the changes (rows of one unit)."""
    vj = fmt.monat_plus(monat, -12)
    idx = {(r["kennzahl"], r["monat"]): r for r in s[s["geschlecht"] == geschlecht].to_dict("records")}
    body = []
    hinweise = set()
    for code, ver, pp in ZEILEN:
        jetzt, vor = idx.get((code, monat)), idx.get((code, vj))
        cells = [th(STEUERUNG[code].name, " ", element("small", f"({code})"), scope="row"),
                 td(*_zelle(code, jetzt, gruppe), klasse="zahl"),
                 td(*_zelle(code, vor, gruppe), klasse="zahl")]
        for c in (ver, pp):
            cells.append(td(*_zelle(c, idx.get((c, monat)), gruppe), klasse="zahl") if c else
                         td(Markup(text.zeichen_html(text.GRUND_NICHT_FESTGELEGT, "nicht festgelegt")), klasse="zahl"))
        body.append(zeile(cells))
        for r in (jetzt, idx.get((ver, monat)) if ver else None):
            if gruppe and r is not None and not fmt.fehlt(r["wert"]) and r["erfasst"] < r["mitglieder"]:
                hinweise.add(f"{STEUERUNG[r['kennzahl']].kurz}: ohne {int(r['mitglieder'] - r['erfasst'])} von "
                             f"{int(r['mitglieder'])} Jobcentern (Eingangswerte unvollständig)")
    kopf = [zeile([th("Steuerungsgröße", scope="col"), th(fmt.monat(monat), scope="col"), th(fmt.monat(vj), scope="col"),
                   th("Veränderung zum Vorjahr", scope="col"), th("in Prozentpunkten", scope="col")])]
    tab = tabelle("kennzahlen-tabelle zielsteuerung-jfw", kopf, body,
                  f"{name}: Jahresfortschrittswerte ({fmt.monat(monat)}, {_gl(geschlecht)})")
    return tab + (render("teile/liste.html", klasse="anmerkungen", eintraege=sorted(hinweise)) if hinweise else "")


def _gl(g: str) -> str:
    return {"insgesamt": "insgesamt", "frauen": "Frauen", "maenner": "Männer"}[g]


def urteil_satz(z: Zielerreichung) -> str:
    """ "Integrationsquote (Ziel 2): Zielwert erreicht (Stand: Dezember 2025)." and the numbers."""
    label = ZIELGROESSE_LABEL[z.zielgroesse]
    stand = f" (Stand: {fmt.monat(z.stand)})" if z.stand else ""
    if z.urteil == "undefiniert":
        return f"{label} {z.jahr}: {URTEIL_TEXT['undefiniert']} – {z.grund}."
    satz = f"{label} {z.jahr}: {URTEIL_TEXT[z.urteil]}{stand}."
    code = ZIELGROESSEN[z.zielgroesse]
    if z.urteil == "offen":
        if z.stand:
            satz += (f" Bisher {wert_text(code + '_VJ', z.ist_veraenderung)} gegenüber dem Vorjahresmonat, "
                     f"vereinbart sind {fmt.zahl(z.ziel, 1, ' %', vorzeichen=True)} bis Dezember.")
        return satz
    if z.zielgroesse == "K2":
        satz += f" Zielerreichungsgrad {fmt.prozent(z.grad)} (Ist {wert_text(code, z.ist)}, Soll {wert_text(code, z.soll)})."
    else:
        richtung = "unterschritten" if z.grad <= 0 else "überschritten"
        satz += (f" Der Soll-Bestand wurde um {fmt.zahl(abs(z.grad), 1, ' %')} {richtung} "
                 f"(Ist {wert_text(code, z.ist)}, Soll {wert_text(code, z.soll)}; niedriger ist besser).")
    return satz


def ziele_tabelle(zs: list[Zielerreichung]) -> str:
    kopf = [zeile([th(t, scope="col") for t in ("Zielgröße", "Jahr", "Vereinbarte Veränderung",
                                                 "Ausgangswert Dezember Vorjahr", "Soll Dezember", "Ist",
                                                 "Ist-Veränderung", "Ergebnis")])]
    rows = []
    for z in zs:
        code = ZIELGROESSEN[z.zielgroesse]
        stand = f" ({fmt.monat(z.stand)})" if z.stand else ""
        rows.append(zeile([
            th(ZIELGROESSE_LABEL[z.zielgroesse], scope="row"), td(str(z.jahr)),
            td(fmt.zahl(z.ziel, 1, " %", vorzeichen=True), klasse="zahl"),
            td(wert_text(code, z.basis), klasse="zahl"), td(wert_text(code, z.soll), klasse="zahl"),
            td(wert_text(code, z.ist) + stand, klasse="zahl"),
            td(wert_text(code + "_VJ", z.ist_veraenderung), klasse="zahl"),
            td(URTEIL_TEXT[z.urteil], klasse=f"ziel-{z.urteil}")]))
    return tabelle("kennzahlen-tabelle zielsteuerung-ziele", kopf, rows, "Zielwerte und Zielerreichung (insgesamt)")


# --------------------------------------------------------------------------- chart

def jahresvergleich_daten(s: pd.DataFrame, jahr: int, bis: str, zs: dict[str, Zielerreichung]) -> pd.DataFrame:
    """k (JFW_K2 / JFW_LZB), mo (1..12), r (series label), v: the JFW of year J up to bis, of J-1,
    and the Soll line (flat over the year) where a target exists."""
    rows = []
    for code in ("JFW_K2", "JFW_LZB"):
        d = s[(s["kennzahl"] == code) & (s["geschlecht"] == "insgesamt")].set_index("monat")["wert"]
        for j, label in ((jahr - 1, str(jahr - 1)), (jahr, str(jahr))):
            for mo in range(1, 13):
                m = f"{j}-{mo:02d}"
                if m <= bis and m in d.index and not fmt.fehlt(d[m]):
                    rows.append((code, mo, label, round(float(d[m]), 2)))
        z = zs.get({"JFW_K2": "K2", "JFW_LZB": "LZB"}[code])
        if z is not None and not math.isnan(z.soll):
            rows += [(code, mo, f"Soll {jahr}", round(z.soll, 2)) for mo in (1, 12)]
    return pd.DataFrame(rows, columns=["k", "mo", "r", "v"])


def jahresvergleich(daten: pd.DataFrame, jahr: int, titel: str, beschreibung: str) -> alt.HConcatChart:
    reihen = [str(jahr - 1), str(jahr), f"Soll {jahr}"]
    farben = [FARBEN["bund"], FARBEN["haupt"], FARBEN["median"]]
    striche = [STRICHE["bund"], STRICHE["haupt"], STRICHE["median"]]
    monate = {i + 1: fmt.MONATE[i][:3] for i in range(12)}
    charts = []
    for code, y_titel in (("JFW_K2", "Prozent"), ("JFW_LZB", "Personen (Durchschnitt)")):
        d = daten[daten["k"] == code]
        charts.append(
            alt.Chart(d).mark_line(strokeWidth=1.8, point=alt.OverlayMarkDef(size=30)).encode(
                x=alt.X("mo:Q", title=None, scale=alt.Scale(domain=[1, 12]),
                        axis=alt.Axis(values=list(range(1, 13)), labelExpr=f"{monate}[datum.value]".replace("'", '"'))),
                y=alt.Y("v:Q", title=y_titel, scale=alt.Scale(zero=False)),
                color=alt.Color("r:N", title=None, sort=reihen, scale=alt.Scale(domain=reihen, range=farben),
                                legend=alt.Legend(orient="bottom", direction="horizontal")),
                strokeDash=alt.StrokeDash("r:N", title=None, sort=reihen,
                                          scale=alt.Scale(domain=reihen, range=striche)),
                tooltip=[alt.Tooltip("r:N", title="Reihe"), alt.Tooltip("mo:Q", title="Monat"),
                         alt.Tooltip("v:Q", format=fmt.d3(2), title="Wert")],
            ).properties(width=260, height=150, title=STEUERUNG[code].kurz))
    tabelle = {"spalten": ["Größe", "Reihe", "Monat", "Wert"],
               "zeilen": [[STEUERUNG[r["k"]].kurz, r["r"], fmt.MONATE[int(r["mo"]) - 1], wert_text(r["k"], r["v"])]
                          for r in daten.to_dict("records")]}
    return alt.hconcat(*charts).properties(title=alt.Title(titel, anchor="start"), description=beschreibung,
                                           usermeta={"tabelle": tabelle})


def beschreibung(daten: pd.DataFrame, jahr: int) -> str:
    teile = [f"Monatliche Jahresfortschrittswerte {jahr} gegenüber {jahr - 1}"]
    for code in ("JFW_K2", "JFW_LZB"):
        d = daten[(daten["k"] == code) & (daten["r"] == str(jahr))]
        if len(d):
            last = d.iloc[-1]
            teile.append(f"{STEUERUNG[code].kurz} {fmt.MONATE[int(last['mo']) - 1]} {jahr}: "
                         f"{wert_text(code, last['v'])}")
        soll = daten[(daten["k"] == code) & (daten["r"] == f"Soll {jahr}")]
        if len(soll):
            teile.append(f"Soll {wert_text(code, soll['v'].iloc[0])}")
    return "; ".join(teile) + "."


# --------------------------------------------------------------------------- section

def zielerreichungen(m, jobcenter_id: str, monat: str, jahre: list[int], s: pd.DataFrame | None = None
                     ) -> list[Zielerreichung]:
    """The verdicts of one Jobcenter for the given years (insgesamt), in target order.
    s: its JFW rows (default: read from the mart)."""
    ziele = m.ziele(jobcenter_id)
    out = []
    if ziele.empty:
        return out
    if s is None:
        s = m.steuerung(ebene="jobcenter", id=jobcenter_id, geschlecht="insgesamt",
                        kennzahl=list(ZIELGROESSEN.values()))
    for jahr in jahre:
        for zg in ZIELGROESSEN:
            hit = ziele[(ziele["jahr"] == jahr) & (ziele["zielgroesse"] == zg)]
            if hit.empty:
                continue
            d = s[s["kennzahl"] == ZIELGROESSEN[zg]].set_index("monat")
            out.append(zielerreichung(d["wert"], zg, jahr, float(hit["ziel"].iloc[0]), monat,
                                      d["grund"].map(lambda g: grund_text(g, False) if g else "")))
    return out


def _einleitung(gruppe: bool) -> str:
    wer = ("Für einen Verbund von Jobcentern gibt es keine eigene Zielvereinbarung; gezeigt werden die "
           "Jahresfortschrittswerte aus den summierten Eingangsgrößen und wie viele seiner Jobcenter ihre "
           "Zielwerte erreicht haben." if gruppe else
           "Ziel 2 wird über die Integrationsquote, Ziel 3 über den durchschnittlichen Bestand an "
           "Langzeitleistungsbeziehenden gesteuert, jeweils als Jahresfortschrittswert (Wert über die "
           "letzten zwölf Monate) im Vergleich mit dem Vorjahr. Ziel 1 (K1) wird beobachtet, nicht vereinbart.")
    return render("teile/absatz.html", inhalt=[f"{wer} Wie der Abschnitt zu lesen ist: ",
                                                link(HILFE_URL, "Zielsteuerung nach § 48b SGB II"), "."])


def _ziel_hinweis(m) -> str:
    if m.meta.get("ziele_synthetisch") or (m.meta.get("demo") and "ziele" in m.meta.get("quellen", {})):
        return render("teile/ziele_hinweis.html")
    return ""


def abschnitt(seite) -> None:
    """Display the Zielsteuerung section of a page (HTML, and on Jobcenter pages the chart)."""
    m = seite.m
    ebene, uid, name = einheit_der_seite(seite)
    monat, geschlecht = seite.monat, seite.geschlecht
    gruppe = ebene != "jobcenter"
    s = m.steuerung(ebene=ebene, id=uid)
    teile = [_einleitung(gruppe), jfw_tabelle(s, monat, geschlecht, gruppe, name)]
    jahr = int(monat[:4])
    if not gruppe:
        zs = zielerreichungen(m, uid, monat, [jahr - 1, jahr])
        if zs:
            teile.append(_ziel_hinweis(m))
            teile.append(render("teile/liste.html", klasse="zielerreichung", eintraege=[urteil_satz(z) for z in zs]))
            teile.append(ziele_tabelle(zs))
        else:
            teile.append(render("teile/absatz.html", inhalt=["Für dieses Jobcenter liegen keine Zielwerte vor."
                                                              if not m.ziele().empty else
                                                              "Zu dieser Ausgabe wurden keine Zielwerte geliefert."]))
        display(HTML("".join(teile)))
        aktuell = {z.zielgroesse: z for z in zs if z.jahr == jahr}
        daten = jahresvergleich_daten(s, jahr, monat, aktuell)
        if len(daten):
            titel = f"{name}: Jahresfortschrittswerte {jahr} gegenüber {jahr - 1} (insgesamt)"
            display(jahresvergleich(daten, jahr, titel, f"{titel}. " + beschreibung(daten, jahr)))
        return
    teile.append(gruppen_uebersicht(m, seite, jahr, monat))
    display(HTML("".join(teile)))


def gruppen_uebersicht(m, seite, jahr: int, monat: str) -> str:
    """How many member Jobcenter reached their targets (year J-1 and J)."""
    ziele = m.ziele()
    ids = list(getattr(seite, "ids", []))
    ziele = ziele[ziele["jobcenter_id"].isin(ids)]
    if ziele.empty:
        return render("teile/absatz.html", inhalt=["Für die Jobcenter dieser Seite liegen keine Zielwerte vor."])
    zaehl: dict[tuple[int, str], dict[str, int]] = {}
    mit_ziel = sorted(ziele["jobcenter_id"].unique())
    alle = m.steuerung(ebene="jobcenter", id=mit_ziel, geschlecht="insgesamt", kennzahl=list(ZIELGROESSEN.values()))
    for jid, s in alle.groupby("id", sort=True):
        for z in zielerreichungen(m, jid, monat, [jahr - 1, jahr], s):
            d = zaehl.setdefault((z.jahr, z.zielgroesse), {k: 0 for k in URTEIL_TEXT})
            d[z.urteil] += 1
    kopf = [zeile([th("Zielgröße", scope="col"), th("Jahr", scope="col")]
                  + [th(t, scope="col") for t in URTEIL_TEXT.values()])]
    rows = [zeile([th(ZIELGROESSE_LABEL[zg], scope="row"), td(str(j))]
                  + [td(fmt.ganzzahl(d[k]), klasse="zahl") for k in URTEIL_TEXT])
            for (j, zg), d in sorted(zaehl.items())]
    n = ziele["jobcenter_id"].nunique()
    absatz = render("teile/absatz.html", inhalt=[f"Zielwerte liegen für {fmt.ganzzahl(n)} von {fmt.ganzzahl(len(ids))} "
                                                 f"Jobcentern vor (Stand: {fmt.monat(monat)})."])
    return (_ziel_hinweis(m) + absatz
            + tabelle("kennzahlen-tabelle zielsteuerung-uebersicht", kopf, rows, "Zielerreichung der Jobcenter (Anzahl)"))
