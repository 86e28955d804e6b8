"""Comparison measures, computed once for all Jobcenter, months, genders and figures.

For each Jobcenter value: the distribution of its Vergleichstyp's members (median, quartiles,
min, max, count of defined values), the type's own aggregate value (from summed inputs), the
values of its Land, its Trägerart and the Bund, its rank within the type, and a reading
against the type median that respects the figure's direction.

Distribution and ranks come from ``helpers.statistik`` (quartiles by linear interpolation;
rank 1 = best for K1-K3, highest for Ergänzungsgrößen; ties share the best rank).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import statistik
from helpers.kennzahlen import KENNZAHLEN

KEYS = ["monat", "geschlecht", "kennzahl"]


def _richtung(kennzahl: pd.Series) -> np.ndarray:
    return kennzahl.map({c: k.richtung for c, k in KENNZAHLEN.items()}).to_numpy(dtype=np.int8)


def comparison(results: pd.DataFrame, jc: pd.DataFrame) -> pd.DataFrame:
    """One row per Jobcenter × monat × geschlecht × kennzahl with its comparison measures."""
    res = results[results["ebene"] == "jobcenter"].rename(columns={"id": "jobcenter_id"})
    df = res.merge(jc[["jobcenter_id", "vergleichstyp", "land", "traegerart"]], on="jobcenter_id", how="left")
    df = df.drop(columns="ebene")

    stats = statistik.verteilung(df, ["vergleichstyp", *KEYS]).rename(
        columns={c: f"vt_{c}" for c in statistik.VERTEILUNG})
    df = df.merge(stats, on=["vergleichstyp", *KEYS], how="left")

    for ebene, col, name in (("vergleichstyp", "vergleichstyp", "vt_wert"), ("land", "land", "land_wert"),
                             ("traegerart", "traegerart", "traegerart_wert")):
        lvl = results.loc[results["ebene"] == ebene, ["id", *KEYS, "wert"]].rename(columns={"id": col, "wert": name})
        df = df.merge(lvl, on=[col, *KEYS], how="left")
    bund = results.loc[results["ebene"] == "bund", [*KEYS, "wert"]].rename(columns={"wert": "bund_wert"})
    df = df.merge(bund, on=KEYS, how="left")

    richtung = _richtung(df["kennzahl"])
    # Reading rules: only K1-K3 are rated; Ergänzungsgrößen are ranked by height (highest = 1).
    wertend = np.isin(df["kennzahl"].astype(str).to_numpy(), [c for c, k in KENNZAHLEN.items() if k.wertend])
    df["rang"] = statistik.rang_allein(df, ["vergleichstyp", *KEYS])
    df["rang_n"] = df["vt_n"].astype("Int64")       # the type's defined values = the ranked ones

    diff = df["wert"].to_numpy() - df["vt_median"].to_numpy()
    defined = ~np.isnan(diff)
    lesart = np.full(len(df), "", dtype=object)
    # Reading rules: only K1-K3 are rated against the Vergleichstyp; Ergänzungsgrößen stay neutral.
    lesart[defined & ~wertend] = "kontext"
    signed = diff * richtung
    lesart[defined & wertend & (signed > 0)] = "besser"
    lesart[defined & wertend & (signed < 0)] = "schlechter"
    lesart[defined & wertend & (signed == 0)] = "gleich"
    df["lesart"] = lesart

    cols = ["jobcenter_id", "vergleichstyp", "land", "traegerart", "monat", "geschlecht", "kennzahl",
            "wert", "grund", "vt_wert", "vt_median", "vt_q1", "vt_q3", "vt_min", "vt_max", "vt_n",
            "land_wert", "bund_wert", "traegerart_wert", "rang", "rang_n", "lesart"]
    return df[cols].sort_values(["jobcenter_id", "kennzahl", "geschlecht", "monat"], kind="stable").reset_index(drop=True)
