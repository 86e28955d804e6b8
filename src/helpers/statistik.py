"""Statistics of a peer group, in one place: distribution, ranks, position, classes, neighbours.

Used by compare/mart (Vergleichstyp), pages (Vergleichsring), explorer and maps, so that a
median, a quartile or a rank is the same number wherever it is shown.

- Quantiles: linear interpolation between order statistics (pandas' and numpy's default),
  over the defined values only.
- Ranks: 1 = first; ties share the best rank (``method="min"``); undefined values get none.
  Only the Kennzahlen K1–K3 are ranked by "goodness" (lower-is-better ones on the negated
  value); Ergänzungsgrößen are ordered by height, highest first ("absteigend sortiert"),
  as the reading rules of kennzahlen.md require.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers import fmt
from helpers.kennzahlen import KENNZAHLEN

VERTEILUNG = ("median", "q1", "q3", "min", "max", "n")


def ausrichtung(code: str) -> int:
    """-1 when larger values of ``code`` are ranked later (K1, K3), else +1 (by height)."""
    if code.startswith("JFW_"):      # Steuerungsgrößen of the Zielsteuerung are never rated: by height
        return 1
    k = KENNZAHLEN[code]
    return -1 if k.wertend and k.richtung == -1 else 1


def orientiert(wert, code: str):
    """The value oriented so that larger = ranked first (scalar, array or Series)."""
    return -wert if ausrichtung(code) == -1 else wert


def verteilung(df: pd.DataFrame, by: list[str], wert: str = "wert") -> pd.DataFrame:
    """Median, quartiles, minimum, maximum and number of defined values per group of ``by``
    (columns ``by`` + VERTEILUNG)."""
    g = df.groupby(by, sort=False, observed=True)[wert]
    return pd.DataFrame({"median": g.median(), "q1": g.quantile(0.25), "q3": g.quantile(0.75),
                         "min": g.min(), "max": g.max(), "n": g.count()}).reset_index()


def quantile(werte, q):
    """Quantile(s) of the defined values (linear interpolation); NaN when none is defined."""
    v = np.asarray(werte, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return np.full(np.shape(q), np.nan) if np.ndim(q) else math.nan
    return np.quantile(v, q)


def median(werte) -> float:
    return float(quantile(werte, 0.5))


def rang_allein(df: pd.DataFrame, by: list[str], wert: str = "wert", kennzahl: str = "kennzahl") -> pd.Series:
    """The rank of ``rang`` without the count (Int64)."""
    richtung = {c: ausrichtung(c) for c in KENNZAHLEN}
    score = df[wert].to_numpy(dtype=float) * df[kennzahl].astype(str).map(richtung).to_numpy(dtype=float)
    return (df[by].assign(_s=score).groupby(by, sort=False, observed=True)["_s"]
            .rank(method="min", ascending=False).astype("Int64"))


def rang(df: pd.DataFrame, by: list[str], wert: str = "wert", kennzahl: str = "kennzahl") -> tuple[pd.Series, pd.Series]:
    """(rank, number of ranked values) per row within the groups of ``by`` (which must
    include the figure column), both Int64; see the module doc for the order."""
    anzahl = df[by].assign(_w=df[wert]).groupby(by, sort=False, observed=True)["_w"].transform("count")
    return rang_allein(df, by, wert, kennzahl), anzahl.astype("Int64")


def rang_einer_reihe(werte: pd.Series, code: str) -> pd.Series:
    """The rank of each value of one figure (same rule as ``rang``), Int64."""
    return orientiert(werte.astype(float), code).rank(method="min", ascending=False).astype("Int64")


def einordnung(wert: float, andere: np.ndarray, richtung: int) -> tuple[float, float]:
    """(share of the others the value is above in %, distance to their median in IQR units),
    both oriented by ``richtung`` (-1: the negated values). Ties count half."""
    andere = np.asarray(andere, dtype=float)
    andere = andere[~np.isnan(andere)]
    if np.isnan(wert) or len(andere) == 0:
        return math.nan, math.nan
    s, o = (-wert, -andere) if richtung == -1 else (wert, andere)
    anteil = float(((o < s).sum() + 0.5 * (o == s).sum()) / len(o) * 100)
    q1, med, q3 = quantile(o, [0.25, 0.5, 0.75])
    spread = q3 - q1 if q3 > q1 else (o.std() if o.std() > 0 else math.nan)
    return anteil, float((s - med) / spread) if spread == spread else math.nan


def klassengrenzen(werte, klassen: int, stellen: int = 1) -> list[float]:
    """Thresholds of ``klassen`` equal-count classes of the defined values, rounded half-up to
    the decimals a reader sees (``stellen``): a legend "unter 3,7" then never holds a value
    shown as "3,7". Classify the shown (rounded) value against them; no empty lowest class."""
    v = pd.to_numeric(pd.Series(werte), errors="coerce").dropna()
    if v.empty:
        return []
    t = sorted({float(fmt.runden(x, stellen)) for x in quantile(v, [i / klassen for i in range(1, klassen)])})
    return [x for x in t if x > float(fmt.runden(v.min(), stellen))]


# --------------------------------------------------------------------------- neighbours


def standardisiert(wide: pd.DataFrame) -> pd.DataFrame:
    """z-scores per column (population sd); columns with fewer than two values or sd 0 dropped."""
    sd = wide.std(ddof=0)
    keep = (wide.count() >= 2) & (sd > 0)
    wide = wide.loc[:, keep]
    return (wide - wide.mean()) / sd[keep]


def distanzen(z: pd.DataFrame, jobcenter_id: str, min_gemeinsam: int) -> pd.DataFrame:
    """Distance of one Jobcenter to all others: RMS of z differences over figures defined for both.

    Returns jobcenter_id, distanz (NaN if fewer than min_gemeinsam common figures), gemeinsam,
    sorted by distance (then id); the Jobcenter itself is not in the result.
    """
    if jobcenter_id not in z.index:
        raise KeyError(f"Jobcenter „{jobcenter_id}“ ist im Datenbestand nicht vorhanden.")
    others = z.drop(index=jobcenter_id)
    diff = others.to_numpy() - z.loc[jobcenter_id].to_numpy()[None, :]
    common = ~np.isnan(diff)
    n = common.sum(axis=1)
    sq = np.where(common, diff * diff, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.sqrt(sq / n)
    dist[n < min_gemeinsam] = np.nan
    out = pd.DataFrame({"jobcenter_id": others.index.astype(str), "distanz": dist, "gemeinsam": n})
    return out.sort_values(["distanz", "jobcenter_id"], na_position="last", kind="stable").reset_index(drop=True)
