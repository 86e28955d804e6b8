"""German presentation of numbers, months and ranks (one place for every page).

Rounding: half away from zero on the number's shortest decimal representation
(``repr``): 0.25 -> "0,3", 2.675 -> "2,68" with two decimals, -0.05 -> "-0,1". Python's
``round``/``format`` would round half to even on the binary value (0.25 -> "0.2",
2.675 -> "2.67"); people checking a table by hand expect the commercial rule.
An undefined value (None, NaN, pandas NA) whose reason is not known here is ".", the sign of the
Zeichenerklärung for "Zahlenwert unbekannt" (``OHNE_WERT``); with its reason ``text.ohne_wert`` gives
the sign ("." or "x") and the reason. "–" means "nichts vorhanden" there and is never used for an
undefined value. Negative numbers carry the
typographic minus U+2212, as d3-format does in the charts (``D3_FORMAT_LOCALE``): a number in
a table, a tooltip and an aria text is the same string. Downloads keep plain numbers.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

STRICH = "–"

# Zeichenerklärung of the Statistik der BA / Destatis: the sign of a table cell without a number.
NICHTS = STRICH          # nichts vorhanden
UNBEKANNT = "."          # Zahlenwert unbekannt oder geheim zu halten
NICHT_SINNVOLL = "x"     # Tabellenfach gesperrt, weil Aussage nicht sinnvoll
ZEICHENERKLAERUNG = {
    NICHTS: "nichts vorhanden",
    UNBEKANNT: "Zahlenwert unbekannt oder geheim zu halten",
    NICHT_SINNVOLL: "Tabellenfach gesperrt, weil Aussage nicht sinnvoll (Wert nicht gebildet)",
}
OHNE_WERT = UNBEKANNT    # an undefined number whose reason is not given
MONATE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")
MONATE_KURZ = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.", "Dez.")
NBSP = "\u00a0"
MINUS = "\u2212"

# The charts' number and date locale (d3-format / d3-time-format), from the same constants:
# the book writes it to vega-locale-de.js, the explorer passes it to vega-embed.
D3_FORMAT_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", NBSP + "€"],
                    "minus": MINUS, "nan": OHNE_WERT}
D3_TIME_LOCALE = {
    "dateTime": "%A, der %e. %B %Y, %X", "date": "%d.%m.%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
    "days": ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
    "shortDays": ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
    "months": list(MONATE), "shortMonths": list(MONATE_KURZ),
}


def d3(stellen: int = 1) -> str:
    """The d3 format of a chart axis or tooltip showing what ``zahl`` shows: d3(1) -> ",.1f"."""
    return f",.{int(stellen)}f"


def stellen(codes) -> int:
    """Decimals shown for a figure (``Kennzahl.stellen`` of the catalogue in ``kennzahlen``), or for
    several figures drawn with one format (a chart): they must agree."""
    from helpers.kennzahlen import KENNZAHLEN

    s = {KENNZAHLEN[c].stellen for c in ([codes] if isinstance(codes, str) else codes)}
    s = s or {max(k.stellen for k in KENNZAHLEN.values())}        # nothing drawn: any
    if len(s) != 1:
        raise ValueError(f"Kennzahlen mit verschiedenen Nachkommastellen in einer Darstellung: {sorted(s)}")
    return s.pop()


def kennzahl(code: str, x, einheit: str = " %", vorzeichen: bool = False) -> str:
    """A figure's value with its decimals: kennzahl("K2", 12.34) -> "12,3 %"."""
    return zahl(x, stellen(code), einheit, vorzeichen)


def d3_kennzahl(codes) -> str:
    """The d3 format of a chart showing these figures (their common decimals, ``stellen``)."""
    return d3(stellen(codes))


def fehlt(x) -> bool:
    """True for None, NaN and pandas' NA/NaT."""
    if x is None:
        return True
    try:
        return bool(x != x) or (isinstance(x, float) and math.isnan(x))
    except TypeError:   # pandas.NA: comparisons raise in bool()
        return True


def runden(x: float, stellen: int = 1) -> Decimal:
    """x rounded half away from zero to `stellen` decimals (as Decimal, exact)."""
    q = Decimal(1).scaleb(-stellen)
    return Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)


def zahl(x, stellen: int = 1, einheit: str = "", vorzeichen: bool = False) -> str:
    """1234.56 -> "1.234,6"; with einheit " %" -> "1.234,6 %"; undefined -> "." (``OHNE_WERT``).

    vorzeichen: always show the sign ("+1,2"; zero stays "0,0"). A value that rounds to zero
    is shown without a minus sign ("-0,04" -> "0,0"). Minus is U+2212 ("−1,2").
    """
    if fehlt(x):
        return OHNE_WERT
    d = runden(x, stellen)
    if d == 0:
        d = abs(d)
    text = f"{d:,.{stellen}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".").replace("-", MINUS)
    if vorzeichen and d > 0:
        text = "+" + text
    return text + (einheit.replace(" ", NBSP) if einheit else "")


def prozent(x, stellen: int = 1) -> str:
    """Percent value: 12.34 -> "12,3 %" (non-breaking space)."""
    return zahl(x, stellen, " %")


def punkte(x, stellen: int = 1) -> str:
    """Difference in percentage points, always signed: 1.23 -> "+1,2 Pp."."""
    return zahl(x, stellen, " Pp.", vorzeichen=True)


def sekunden(x: float) -> str:
    """A duration for log lines: 12.34 -> "12,3 s"."""
    return zahl(x, 1, " s")


def ganzzahl(n) -> str:
    """12345 -> "12.345"; undefined -> "."."""
    if fehlt(n):
        return OHNE_WERT
    return f"{int(n):,d}".replace(",", ".").replace("-", MINUS)


def monat(ym: str | None) -> str:
    """"2026-08" -> "August 2026"; None/"" -> "–" (nichts vorhanden, e.g. no earlier edition)."""
    if not ym or fehlt(ym):
        return STRICH
    jahr, mon = str(ym)[:7].split("-")
    return f"{MONATE[int(mon) - 1]} {int(jahr)}"


def monat_kurz(ym: str) -> str:
    """"2023-09" -> "Sep. 2023" (German abbreviations as in the Duden)."""
    return f"{MONATE_KURZ[int(str(ym)[5:7]) - 1]} {str(ym)[:4]}"


def monat_plus(ym: str, k: int) -> str:
    """Month arithmetic on "YYYY-MM": monat_plus("2026-08", -12) -> "2025-08"."""
    jahr, mon = (int(p) for p in str(ym)[:7].split("-"))
    i = jahr * 12 + (mon - 1) + k
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def monate_bis(ende: str, anzahl: int) -> list[str]:
    """The `anzahl` months ending with `ende`, oldest first."""
    return [monat_plus(ende, -k) for k in range(anzahl - 1, -1, -1)]


def rang(r, n) -> str:
    """Rank "3 von 28"; undefined -> "."."""
    if fehlt(r) or fehlt(n):
        return OHNE_WERT
    return f"{int(r)} von {int(n)}"
