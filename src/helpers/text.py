"""Generated German text: summaries of a page's findings and explanations of undefined values.

The summary works on plain rows (one per figure, reference month, one gender) so it can be
tested without a mart. Each row carries a ``score`` in comparable units, positive = better
than the reference, negative = worse (None for context figures and undefined values):

* Jobcenter against its Vergleichstyp: position by rank, 1 - 2·(rang-1)/(n-1) (+1 best, -1 last);
* aggregates (Vergleichstyp, Land, Ring) against the Bund: direction-aware difference to
  the Bund in units of the spread (interquartile range) of all Jobcenter in that month.

"Strongest"/"weakest" are the rows with the highest/lowest score; a change is "notable"
when the score moved by at least ``SCHWELLE_AENDERUNG`` since the same month a year before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from helpers import fmt, vorlagen
from helpers.kennzahlen import GRUENDE, GRUENDE_GRUPPE, KENNZAHLEN, SCHWELLE_PP, SCHWELLE_PUNKTE

GRUND_NUR_INSGESAMT = "nur_insgesamt"
GRUND_KEIN_MITGLIED = "kein_mitglied"
GRUND_NICHT_IM_RING = "nicht_im_ring"
GRUND_NICHT_FESTGELEGT = "nicht_festgelegt"   # e.g. no change in Pp. for a count
GRUENDE_SEITE = {
    GRUND_NICHT_IM_RING: "nicht Mitglied des Vergleichsrings",
    GRUND_NUR_INSGESAMT: "nur für insgesamt festgelegt: die Geldleistungen liegen nicht nach Geschlecht vor",
    GRUND_KEIN_MITGLIED: "kein Mitglied der Vergleichsgruppe hat einen Wert",
}
SCHWELLE_AENDERUNG = 0.5

# Sign of a value without a number (Zeichenerklärung, fmt): unknown or secret inputs ".",
# a value that is not formed or not meaningful "x". The reason itself stays a footnote.
ZEICHEN = {"nicht_geliefert": fmt.UNBEKANNT, "gesperrt": fmt.UNBEKANNT, "fehlt": fmt.UNBEKANNT, "zu_wenige": fmt.UNBEKANNT,
           GRUND_KEIN_MITGLIED: fmt.UNBEKANNT, "fenster": fmt.NICHT_SINNVOLL,
           "nenner_null": fmt.NICHT_SINNVOLL, GRUND_NUR_INSGESAMT: fmt.NICHT_SINNVOLL,
           GRUND_NICHT_IM_RING: fmt.NICHT_SINNVOLL, GRUND_NICHT_FESTGELEGT: fmt.NICHT_SINNVOLL}


def grund_text(grund: str | None, gruppe: bool = False) -> str:
    """German explanation of an undefined value's reason code ("" if the value is defined).

    gruppe: the value belongs to a group (Vergleichstyp, Land, Bund, Ring): suppressed or
    missing inputs then concern at least one member.
    """
    if not grund or fmt.fehlt(grund):
        return ""
    if gruppe and grund in GRUENDE_GRUPPE:
        return GRUENDE_GRUPPE[grund]
    if grund in GRUENDE:
        return GRUENDE[grund]
    if grund in GRUENDE_SEITE:
        return GRUENDE_SEITE[grund]
    return f"kein Wert ({grund})"


def zeichen(grund: str | None) -> str:
    """The sign of an undefined value from its reason code or its reason text (``grund_text``);
    an unknown reason is "." (Zahlenwert unbekannt)."""
    if grund in ZEICHEN:
        return ZEICHEN[grund]
    return _ZEICHEN_TEXT.get(grund or "", fmt.UNBEKANNT)


_ZEICHEN_TEXT = {grund_text(code, gruppe): z for code, z in ZEICHEN.items() for gruppe in (False, True)}


def ohne_wert(grund: str | None, gruppe: bool = False) -> str:
    """The one plain-text form of a value without a number, where no footnote can follow it (chart
    data table, aria text, map tooltip, explorer, download): its sign (``zeichen``) and the reason,
    "x (Nenner ist 0)"; grund: a reason code or its text (``grund_text``); none: the sign alone."""
    if not grund or fmt.fehlt(grund):
        return fmt.OHNE_WERT
    t = grund_text(grund, gruppe) if grund in ZEICHEN or grund in GRUENDE else grund
    return f"{zeichen(grund)} ({t})"


def wert(x, grund: str | None = None, gruppe: bool = False, einheit: str = " %", stellen: int = 1) -> str:
    """A figure's value as plain text: the number (``fmt.zahl``) or, undefined, ``ohne_wert``."""
    return ohne_wert(grund, gruppe) if fmt.fehlt(x) else fmt.zahl(x, stellen, einheit)


def zeichen_html(grund: str | None, titel: str | None = None) -> str:
    """The one HTML form of a value without a number: its sign (``zeichen``) with the reason as
    tooltip (``titel``, default: the reason itself). Used by every table of the site."""
    t = grund if titel is None else titel
    return vorlagen.render("teile/zeichen.html", titel=t or "", zeichen=zeichen(grund))


@dataclass
class Befund:
    """One figure's reading in the reference month (and the same month a year before)."""

    code: str
    wert: float | None
    score: float | None = None          # >0 better than the reference, <0 worse; None: no judgement
    detail: str = ""                   # e.g. "Rang 2 von 37; Median 65,3 %"
    score_vj: float | None = None
    detail_vj: str = ""
    wert_vj: float | None = None
    grund: str = ""                    # reason text if wert is undefined
    lesart: str = ""                   # besser|schlechter|gleich as shown in the table (else: sign of score)
    extra: dict = field(default_factory=dict)
    bezug: float | None = None         # reference value (for the neutral über/unter reading)

    @property
    def wertend(self) -> bool:
        """Only K1-K3 are rated (reading rules); Ergänzungsgrößen are read neutrally."""
        return KENNZAHLEN[self.code].wertend

    @property
    def seite(self) -> str:
        """besser | schlechter | gleich relative to the reference."""
        if self.lesart in ("besser", "schlechter", "gleich"):
            return self.lesart
        return "besser" if self.score > 0 else "schlechter" if self.score < 0 else "gleich"

    @property
    def lage(self) -> str:
        """über | unter | gleich: neutral position against the reference value ("" if undefined)."""
        if fmt.fehlt(self.wert) or fmt.fehlt(self.bezug):
            return ""
        d = float(self.wert) - float(self.bezug)
        return "über" if d > 0 else "unter" if d < 0 else "gleich"


def _name(code: str) -> str:
    return f"{code} ({KENNZAHLEN[code].kurz})"


def subjekt_jobcenter(name: str) -> str:
    """The directory name used as it is, in a form that needs no article ("Jobcenter Flensburg")."""
    return " ".join(str(name).split())


def zusammenfassung(subjekt: str, bezug: str, monat: str, befunde: list[Befund],
                    fehlend: list[tuple[str, str]] | None = None, anzahl: int = 2,
                    wertend: bool = True) -> list[str]:
    """Sentences summarising the main findings.

    subjekt: who, as a label without article (the directory name "Kreisagentur für
    Beschäftigung Darmstadt-Dieburg", "Vergleichstyp IIId insgesamt"); the sentences use a
    neutral form ("Name, Dezember 2025: ...") so no article or case is needed.
    bezug: wertend: the reference with article, nominative ("der Median des Vergleichstyps IIId");
    neutral: dative ("dem Bund"). wertend=False for comparisons with Land, Bund, Trägerart or other
    types: only über / unter, never günstiger / ungünstiger (reading rules).
    fehlend: (label, reason text) of every undefined value on the page.
    """
    saetze: list[str] = []
    kopf = f"{subjekt}, {fmt.monat(monat)}:"
    kz = [b for b in befunde if b.wertend]
    if wertend:
        bewertet = [b for b in kz if b.score is not None and not fmt.fehlt(b.score)]
        besser = [b for b in bewertet if b.seite == "besser"]
        schlechter = [b for b in bewertet if b.seite == "schlechter"]
        gleich = len(bewertet) - len(besser) - len(schlechter)
        if bewertet:
            s = (f"{kopf} bei {len(besser)} von {len(bewertet)} Kennzahlen günstiger als {bezug}, "
                 f"bei {len(schlechter)} ungünstiger")
            s += f", bei {gleich} gleichauf." if gleich else "."
            saetze.append(s)
        else:
            saetze.append(f"{kopf} keine Kennzahl lässt sich mit {bezug} vergleichen.")
        stark = sorted(besser, key=lambda b: -b.score)[:anzahl]
        schwach = sorted(schlechter, key=lambda b: b.score)[:anzahl]
        if stark:
            saetze.append("Am günstigsten im Vergleich: " + "; ".join(
                f"{_name(b.code)} mit {fmt.kennzahl(b.code, b.wert)}" + (f" ({b.detail})" if b.detail else "") for b in stark) + ".")
        if schwach:
            saetze.append("Am ungünstigsten im Vergleich: " + "; ".join(
                f"{_name(b.code)} mit {fmt.kennzahl(b.code, b.wert)}" + (f" ({b.detail})" if b.detail else "") for b in schwach) + ".")
    else:
        bewertet = [b for b in kz if b.lage]
        lagen = {x: [b for b in bewertet if b.lage == x] for x in ("über", "unter", "gleich")}
        if bewertet:
            teile = [f"{len(lagen[x])} über {bezug}" if x == "über" else f"{len(lagen[x])} unter {bezug}"
                     if x == "unter" else f"{len(lagen[x])} gleich" for x in ("über", "unter", "gleich") if lagen[x]]
            saetze.append(f"{kopf} von {len(bewertet)} Kennzahlen mit Wert liegen " + ", ".join(teile)
                          + " (ohne Wertung: Unterschiede zu Land, Bund und Trägerart entstehen schon durch die "
                            "Zusammensetzung).")
            for x in ("über", "unter"):
                if lagen[x]:
                    saetze.append(f"{x.capitalize()} {bezug}: " + "; ".join(
                        f"{_name(b.code)} mit {fmt.kennzahl(b.code, b.wert)}" + (f" ({b.detail})" if b.detail else "")
                        for b in lagen[x]) + ".")
        else:
            saetze.append(f"{kopf} keine Kennzahl lässt sich mit {bezug} vergleichen.")
    vj = fmt.monat(fmt.monat_plus(monat, -12))
    # "deutlich": the value itself moved by at least the threshold (0,5 Pp. / 1 Punkt) and, when
    # rated, the position against the reference moved by at least SCHWELLE_AENDERUNG.
    bewegt = [b for b in kz if KENNZAHLEN[b.code].deutlich(b.wert_vj, b.wert)
              and (not wertend or (b.score is not None and b.score_vj is not None and not fmt.fehlt(b.score)
                                   and not fmt.fehlt(b.score_vj) and abs(b.score - b.score_vj) >= SCHWELLE_AENDERUNG))]
    bewegt.sort(key=lambda b: -abs(float(b.wert) - float(b.wert_vj)))
    if bewegt:
        teile = []
        for b in bewegt[:3]:
            t = f"{_name(b.code)}: {fmt.kennzahl(b.code, b.wert_vj)} → {fmt.kennzahl(b.code, b.wert)}"
            if wertend:
                t += " (im Vergleich " + ("verbessert" if b.score > b.score_vj else "verschlechtert")
                t += f"; {b.detail_vj} → {b.detail})" if b.detail_vj and b.detail else ")"
            teile.append(t)
        saetze.append(f"Deutliche Veränderungen gegenüber {vj}: " + "; ".join(teile) + ".")
    elif kz:
        saetze.append(f"Gegenüber {vj} hat sich keine Kennzahl deutlich verändert (Schwelle: "
                      f"{fmt.zahl(SCHWELLE_PP, 1)} Pp. bei Quoten, {fmt.zahl(SCHWELLE_PUNKTE, 0)} Punkt bei Veränderungen).")
    ergaenzung = [b.code for b in befunde if not b.wertend]
    if ergaenzung:
        saetze.append(f"Die Ergänzungsgrößen {', '.join(ergaenzung)} werden nicht gewertet (nur über oder unter dem "
                      "Vergleichswert).")
    fehlend = fehlend or []
    if fehlend:
        gruende = sorted({g for _, g in fehlend})
        liste = ", ".join(lab for lab, _ in fehlend[:6]) + (" …" if len(fehlend) > 6 else "")
        saetze.append(f"Nicht ausgewiesen ({len(fehlend)} {'Wert' if len(fehlend) == 1 else 'Werte'}): {liste}. "
                      f"Grund: {'; '.join(gruende)}.")
    else:
        saetze.append("Alle Werte dieser Seite für den Berichtsmonat sind ausgewiesen.")
    return saetze


def rang_score(rang, n) -> float | None:
    """Position by rank: +1 for rank 1, -1 for the last rank, 0 in the middle."""
    if fmt.fehlt(rang) or fmt.fehlt(n) or int(n) < 2:
        return None
    return 1.0 - 2.0 * (int(rang) - 1) / (int(n) - 1)


def abstand_score(wert, bezug, richtung: int, spreizung) -> float | None:
    """Direction-aware difference (wert - bezug) in units of spreizung (> 0: better)."""
    if richtung == 0 or any(fmt.fehlt(x) for x in (wert, bezug, spreizung)) or spreizung <= 0:
        return None
    return richtung * (float(wert) - float(bezug)) / float(spreizung)
