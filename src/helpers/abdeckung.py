"""Coverage of group values on the pages (rule of 2026-12): where a group value was formed
without some members (``erfasst < mitglieder``), the page says so: "ohne 1 von 407 Jobcentern".

Works on ``ergebnisse`` rows (ebene, id, kennzahl, geschlecht, wert, erfasst, mitglieder).
Presentation layer: uses the formatters of ``fmt``; every text is escaped.
"""

from __future__ import annotations

import pandas as pd

from helpers import fmt, vorlagen
from helpers.kennzahlen import CODES, GESCHLECHT_LABEL, GESCHLECHTER


def ohne_text(erfasst, mitglieder) -> str:
    """ "ohne 1 von 407 Jobcentern" ("" when every member counted or the counts are unknown)."""
    if fmt.fehlt(erfasst) or fmt.fehlt(mitglieder) or int(erfasst) >= int(mitglieder):
        return ""
    fehlen = int(mitglieder) - int(erfasst)
    return f"ohne {fmt.ganzzahl(fehlen)} von {fmt.ganzzahl(int(mitglieder))} Jobcentern"


def unvollstaendig(rows: pd.DataFrame) -> pd.DataFrame:
    """The defined group values formed without some members."""
    if rows is None or len(rows) == 0 or "erfasst" not in rows.columns:
        return pd.DataFrame(columns=["kennzahl", "geschlecht", "erfasst", "mitglieder"])
    sel = rows["wert"].notna() & (rows["erfasst"] < rows["mitglieder"])
    return rows[sel]


def hinweis_html(einheiten: list[tuple[str, pd.DataFrame]]) -> str:
    """A note listing, per unit (label, its ergebnisse rows of one month), the figures whose value
    leaves members out; "" when none does."""
    order = {c: i for i, c in enumerate(CODES)}
    items = []
    for label, rows in einheiten:
        u = unvollstaendig(rows)
        if len(u) == 0:
            continue
        teile = []
        for (e, mg), grp in u.groupby(["erfasst", "mitglieder"], sort=True):
            werte = []
            for code, g in sorted(zip(grp["kennzahl"], grp["geschlecht"]), key=lambda x: (order.get(x[0], 99),
                                                                                          GESCHLECHTER.index(x[1]))):
                werte.append(f"{code} ({GESCHLECHT_LABEL[g]})")
            teile.append(f"{', '.join(werte)}: {ohne_text(e, mg)}")
        items.append((label, "; ".join(teile)))
    if not items:
        return ""
    return vorlagen.render("teile/abdeckung.html", eintraege=items)
