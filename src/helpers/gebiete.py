"""Territorial changes (data contract, optional input 4 ``gebietsaenderungen``, rule of 2026-12).

When Jobcenter merge, the Statistik der BA shows the history on today's territory ("fiktive
Gebietsstände"): for months before ``ab_monat`` the successor's inputs are the sum of its
predecessors' inputs (a missing or suppressed predecessor cell makes the sum missing or
suppressed; a predecessor without a row that month makes it "nicht geliefert"). Predecessors
get no pages of their own: they are dropped from the Jobcenter table and from the inputs.

Sits between io (reading, validation) and compute: ``load_inputs`` reads all three tables and
returns inputs on today's territory plus the page notes of the successors.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.io import NICHT_GELIEFERT, Grunddaten, InputError, Problem, load_grunddaten, load_jobcenter, read_delivery
from helpers.kennzahlen import VALUE_COLUMNS

SPALTEN = ("alt_id", "neu_id", "ab_monat")
_MONTH_RE = r"\d{4}-(0[1-9]|1[0-2])"


@dataclass
class Gebietsstand:
    aenderungen: pd.DataFrame                      # alt_id, neu_id, ab_monat
    hinweise: dict[str, str] = field(default_factory=dict)   # neu_id -> page note
    warnungen: list[str] = field(default_factory=list)


def load_gebietsaenderungen(path: Path | str, jobcenter_ids) -> pd.DataFrame:
    """The validated change table: every ``neu_id`` is a Jobcenter of today's table, months are
    ``YYYY-MM``, one successor per predecessor and one ``ab_monat`` per successor."""
    path = Path(path)
    g = read_delivery(path, "gebietsaenderungen", log=True)
    df, offset = g.frame.apply(lambda s: s.astype(str).str.strip()), g.offset
    missing = [c for c in SPALTEN if c not in df.columns]
    if missing:
        raise InputError(path, [Problem(None, c, "Pflichtspalte fehlt") for c in missing])
    known = set(jobcenter_ids)
    problems = []
    for i, r in enumerate(df[list(SPALTEN)].itertuples(index=False)):
        line = i + offset
        if r.neu_id not in known:
            problems.append(Problem(line, "neu_id", f"'{r.neu_id}': unbekannter Jobcenter (nicht in der "
                                    "Jobcenter-Tabelle); Nachfolger müssen heutige Jobcenter sein"))
        if not r.alt_id:
            problems.append(Problem(line, "alt_id", "leer: Kennung des Vorgängers fehlt"))
        if not pd.Series([r.ab_monat]).str.fullmatch(_MONTH_RE).iat[0]:
            problems.append(Problem(line, "ab_monat", f"'{r.ab_monat}': kein Monat (erwartet JJJJ-MM)"))
    dup = df["alt_id"].duplicated(keep="first")
    problems += [Problem(int(i) + offset, "alt_id", f"'{df['alt_id'].iat[i]}': Vorgänger mehrfach aufgeführt")
                 for i in np.flatnonzero(dup.to_numpy())]
    several = df.groupby("neu_id")["ab_monat"].nunique()
    for neu in several[several > 1].index:
        i = int(np.flatnonzero((df["neu_id"] == neu).to_numpy())[0])
        problems.append(Problem(i + offset, "ab_monat", f"Nachfolger '{neu}' mit verschiedenen ab_monat-Werten"))
    if problems:
        raise InputError(path, problems)
    return df[list(SPALTEN)].reset_index(drop=True)


def apply(jc: pd.DataFrame, gd: Grunddaten, aenderungen: pd.DataFrame, path: Path | str = "gebietsaenderungen"
          ) -> tuple[pd.DataFrame, Grunddaten, Gebietsstand]:
    """Inputs on today's territory: predecessors' rows before ``ab_monat`` summed into the successor."""
    from helpers import fmt

    keys = gd.keys.reset_index(drop=True)
    ids_in_gd = set(keys["jobcenter_id"])
    unknown = [(i, a) for i, a in enumerate(aenderungen["alt_id"]) if a not in ids_in_gd]
    if unknown:
        raise InputError(path, [Problem(i + 2, "alt_id", f"'{a}': Vorgänger kommt in den Grunddaten nicht vor")
                                for i, a in unknown])
    alt_to_neu = dict(zip(aenderungen["alt_id"], aenderungen["neu_id"]))
    ab = dict(zip(aenderungen["neu_id"], aenderungen["ab_monat"]))
    jid = keys["jobcenter_id"]
    succ = jid.map(alt_to_neu)
    ab_of = succ.map(ab)
    before = succ.notna() & (keys["monat"] < ab_of)
    # the successor's own rows before ab_monat are replaced by the sum (unless it is a predecessor too)
    neu_own = jid.isin(set(ab)) & ~jid.isin(set(alt_to_neu)) & (keys["monat"] < jid.map(ab))
    alt_later = succ.notna() & ~before & ~jid.isin(set(ab))
    keep = ~before & ~neu_own & ~alt_later

    vals = gd.values.reset_index(drop=True)
    stat = gd.status.reset_index(drop=True)
    src = pd.concat([keys[before].assign(jobcenter_id=succ[before]), vals[before], stat[before].add_prefix("s_")],
                    axis=1)
    n_alt = aenderungen.groupby("neu_id")["alt_id"].nunique()
    grp = src.groupby(["jobcenter_id", "monat", "geschlecht"], sort=True)
    summed = grp[list(VALUE_COLUMNS)].sum(min_count=1)
    nan_any = grp[list(VALUE_COLUMNS)].agg(lambda s: s.isna().any())
    summed = summed.mask(nan_any)
    status = grp[[f"s_{c}" for c in VALUE_COLUMNS]].max()
    status.columns = list(VALUE_COLUMNS)
    incomplete = (grp.size() < summed.index.get_level_values("jobcenter_id").map(n_alt).to_numpy()).to_numpy()
    full = np.broadcast_to(~incomplete[:, None], summed.shape)
    status = status.astype(np.int8).where(full, np.maximum(status, NICHT_GELIEFERT).astype(np.int8))
    summed = summed.where(full)
    new_keys = summed.index.to_frame(index=False)

    keys2 = pd.concat([keys[keep], new_keys], ignore_index=True)
    vals2 = pd.concat([vals[keep], summed.reset_index(drop=True)], ignore_index=True)
    stat2 = pd.concat([stat[keep], status.reset_index(drop=True).astype(np.int8)], ignore_index=True)
    order = keys2.sort_values(["jobcenter_id", "monat", "geschlecht"], kind="stable").index
    gd2 = Grunddaten(keys2.loc[order].reset_index(drop=True), vals2.loc[order].reset_index(drop=True),
                     stat2.loc[order].reset_index(drop=True).astype(np.int8))
    predecessors_only = set(alt_to_neu) - set(ab)
    jc2 = jc[~jc["jobcenter_id"].isin(predecessors_only)].reset_index(drop=True)

    stand = Gebietsstand(aenderungen)
    for neu, grp_ in aenderungen.groupby("neu_id", sort=True):
        m = ab[neu]
        stand.hinweise[neu] = (f"Werte vor {m[5:]}/{m[:4]}: Summe aus {', '.join(sorted(grp_['alt_id']))} "
                               "(fiktiver Gebietsstand)")
    stand.warnungen = spaete_jobcenter(gd2.keys, set(ab), fmt)
    return jc2, gd2, stand


def spaete_jobcenter(keys: pd.DataFrame, mit_aenderung: set[str], fmt=None) -> list[str]:
    """Jobcenter whose first month is later than the delivery's first month, without a change record."""
    first = keys.groupby("jobcenter_id")["monat"].min()
    start = keys["monat"].min()
    late = first[(first > start) & ~first.index.isin(mit_aenderung)]
    return [f"Warnung: Jobcenter {j} erscheint erst ab {m} und hat keinen Eintrag in gebietsaenderungen "
            "(frühere Monate: nicht geliefert)" for j, m in late.items()]


def load_inputs(jobcenter_file, grunddaten_file, gebietsaenderungen_file=None):
    """All inputs on today's territory: (jobcenter, grunddaten, Gebietsstand)."""
    jc = load_jobcenter(jobcenter_file)
    ids = list(jc["jobcenter_id"])
    if gebietsaenderungen_file is None:
        gd = load_grunddaten(grunddaten_file, ids)
        stand = Gebietsstand(pd.DataFrame(columns=list(SPALTEN)), warnungen=spaete_jobcenter(gd.keys, set()))
    else:
        ch = load_gebietsaenderungen(gebietsaenderungen_file, ids)
        gd = load_grunddaten(grunddaten_file, ids + [a for a in ch["alt_id"] if a not in set(ids)])
        jc, gd, stand = apply(jc, gd, ch, gebietsaenderungen_file)
    for w in stand.warnungen:
        print(w, file=sys.stderr)
    return jc, gd, stand
