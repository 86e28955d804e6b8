"""Synthetic demo data: ``python -m helpers demo --out DIR``.

Writes the two input tables of the data contract (``jobcenter.csv``, ``grunddaten.csv``)
plus ``demo.json``, the marker the mart reads as "these are demo data". Everything here is
SYNTHETIC: no figure and no Vergleichstyp assignment is an official number of the
Statistik der BA, the IAB or the BMAS. Only the 407 Jobcenter (ids, names, Land,
Trägerart) and the structural features of their Kreise (kreise.csv: population, area,
kreisfreie Stadt or Landkreis, Ost/West) are real reference data.

Model (one seeded numpy Generator, fully vectorised, deterministic for a given seed):

* Structure score ``z`` per Jobcenter (seed-free): Land effect (Bayern, Baden-Württemberg,
  Thüringen high; city states low), share of population in kreisfreien Städten, population
  density, Ruhr area, Ost. Standardised to mean 0, sd 1.
* Synthetic Vergleichstypen (seed-free, so the assignment is the same for every seed): the
  407 Jobcenter are ranked by ``z`` into three tiers (I = highest score … III = lowest);
  inside each tier they are ranked by population density (a = least dense … e = densest)
  and cut with fixed group sizes between 18 and 37. The codes Ia … IIIe are only labels;
  the groups are NOT the IAB's SGB II-Vergleichstypen and carry no description.
* Latent labour-market strength ``s = z + noise(seed)`` drives the eLb level (share of the
  population), the LZB share, the integration rates and turnover, so that the types differ
  in a meaningful way.
* National eLb path (calibration targets from domain-facts.md §5): about 3.7 M in autumn
  2021, falling to 3.55 M in May 2022, then rising from June 2022 by about 0.4 M (refugees
  from Ukraine entering SGB II, distributed by population, 62 % women); about 3.9–4.0 M
  from 2023. Those entrants become LZB 21 months later. Each Jobcenter gets its own drift
  and a small random walk.
* Stocks are integers per gender (frauen, maenner); ``insgesamt`` is their sum, so every
  count column is additive. Flows: a Poisson turnover plus the net change, so
  ``elb[t] = elb[t-1] + elb_zugang[t] - elb_abgang[t]`` (same for LZB) holds exactly.
* Monthly counts are Poisson draws from rates applied to the previous month's stock
  (national K2 calibrated to 20.5 % over the last 12 months, women about 2/3 of men);
  subsets (integrationen_svb, kontinuierlich, integrationen_lzb, lzb_massnahme) are
  binomial thinnings, so ``subset <= total`` holds by construction.
* ``llu`` and ``kdu`` (insgesamt only) follow the eLb stock times a per-head amount; llu
  jumps with the Regelbedarf in January 2023 (+11.8 %) and January 2024 (+12.2 %).
* A few dozen irregular cells, deterministic: ``*`` (withheld) for integrationen_ae of
  frauen and maenner in the three smallest Jobcenter, and for eintritte_oefb in the
  smallest one, wherever the men's value is 1 or 2 in the last 12 months (primary plus
  secondary suppression); one zkT lacks llu and kdu 14 months before the last month;
  another zkT lacks lzb_massnahme in the month before the last; six random empty cells
  lie in months at least two years before the last month.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import fmt, paths
from .dateien import atomic_write_bytes
from .kennzahlen import COUNT_COLUMNS, GESCHLECHTER, JOBCENTER_COLUMNS, KEY_COLUMNS, VALUE_COLUMNS

DEFAULT_SEED = 20260801
DEFAULT_BIS = "2026-08"
DEFAULT_MONATE = 60
MIN_MONATE = 48
MAX_MONATE = 240
HINWEIS = "Synthetische Demodaten – keine amtlichen Zahlen"

TYPE_CODES = [f"{tier}{sub}" for tier in ("I", "II", "III") for sub in "abcde"]
# Group sizes per tier (a..e); tiers hold 136, 136 and 135 Jobcenter.
TYPE_SIZES = {"I": [20, 28, 34, 30, 24], "II": [24, 30, 36, 26, 20], "III": [18, 26, 32, 37, 22]}

# Land effects on the structure score (synthetic, shaped after the patterns in
# domain-facts.md §5: Bayern, Baden-Württemberg, Thüringen high; city states low).
LAND_EFFECT = {
    "01": -0.05, "02": -0.35, "03": 0.0, "04": -0.7, "05": -0.35, "06": 0.0, "07": 0.35,
    "08": 0.8, "09": 0.9, "10": -0.2, "11": -0.6, "12": 0.0, "13": -0.2, "14": 0.2,
    "15": -0.25, "16": 0.45,
}
# Kreise of the Ruhr area (Regionalverband Ruhr).
RUHR = {"05112", "05113", "05117", "05119", "05170", "05512", "05513", "05562", "05911",
        "05913", "05914", "05915", "05916", "05954", "05978"}
CITY_TYPES = {"Kreisfreie Stadt", "Stadtkreis"}

# National paths in million persons, anchored at months (piecewise linear in between).
ELB_BASE_PATH = [("2018-01", 4.15), ("2019-01", 3.98), ("2020-03", 3.80), ("2020-06", 3.93),
                 ("2021-01", 3.88), ("2021-09", 3.70), ("2022-05", 3.56), ("2023-06", 3.52),
                 ("2024-06", 3.60), ("2025-06", 3.62), ("2026-08", 3.58)]
ELB_UKR_PATH = [("2022-05", 0.0), ("2022-06", 0.10), ("2022-07", 0.22), ("2022-08", 0.30),
                ("2022-10", 0.36), ("2023-06", 0.40), ("2024-06", 0.41), ("2025-06", 0.38),
                ("2026-08", 0.36)]
UKR_LZB_LAG = 21          # months until a new entrant can count as LZB
UKR_LZB_SHARE = 0.7
UKR_WOMEN = 0.62
# Business-cycle factor of integration rates (mid-year anchors).
INT_CYCLE = [("2019-07", 1.12), ("2020-07", 0.95), ("2021-07", 1.10), ("2022-07", 1.08),
             ("2023-07", 0.96), ("2024-07", 1.0), ("2025-07", 1.02), ("2026-07", 1.0)]
INT_SEASON = np.array([1.10, 1.00, 1.05, 1.00, 0.95, 0.90, 0.95, 1.15, 1.10, 1.00, 0.95, 0.85])
STOCK_SEASON = np.array([1.006, 1.008, 1.005, 1.0, 0.997, 0.995, 0.997, 0.998, 0.995, 0.994,
                         0.995, 1.0])
ACT_SEASON = np.array([0.95, 1.02, 1.04, 1.03, 1.02, 1.0, 0.93, 0.92, 1.02, 1.04, 1.04, 0.9])
# Regelbedarf for a single adult (EUR) by year; drives llu.
REGELBEDARF = {2017: 409, 2018: 416, 2019: 424, 2020: 432, 2021: 446, 2022: 449, 2023: 502,
               2024: 563, 2025: 563, 2026: 563}
TARGET_K2 = 0.205
# Withheld cells lie in this many last months (so they reach the latest 12-month window).
SUPPRESS_MONTHS = 12


def _ordinal(monat: str) -> int:
    year, month = int(monat[:4]), int(monat[5:7])
    return year * 12 + month - 1


def _path(anchors: list[tuple[str, float]], ords: np.ndarray) -> np.ndarray:
    xs = np.array([_ordinal(m) for m, _ in anchors], dtype=float)
    ys = np.array([v for _, v in anchors], dtype=float)
    return np.interp(ords, xs, ys)


def _regelbedarf(ords: np.ndarray) -> np.ndarray:
    years = ords // 12
    lo, hi = min(REGELBEDARF), max(REGELBEDARF)
    return np.array([REGELBEDARF[int(min(max(y, lo), hi))] for y in years], dtype=float)


def _read_reference(reference: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    jc = pd.read_csv(reference / "jobcenter_list.csv", dtype=str, keep_default_na=False)
    kreise = pd.read_csv(reference / "kreise.csv", dtype=str, keep_default_na=False)
    return jc, kreise


def structure(reference: Path | None = None) -> pd.DataFrame:
    """Structural features per Jobcenter from the reference lists (no randomness).

    Columns: jobcenter_id, name, land, traegerart, pop, density, city_share, ost, ruhr, z.
    A Kreis shared by several Jobcenter (Berlin, the two split Kreise in MV) is divided
    equally among them (population and area).
    """
    jc, kreise = _read_reference(reference or paths.REFERENCE)
    kreise = kreise.set_index("ags")
    links = jc[["jc_id", "kreis_ags"]].assign(ags=jc["kreis_ags"].str.split(";")).explode("ags")
    share = 1.0 / links.groupby("ags")["jc_id"].transform("size")
    k = kreise.loc[links["ags"]]
    links = links.assign(
        pop=k["population_2018"].astype(float).to_numpy() * share.to_numpy(),
        area=k["area_km2"].astype(float).to_numpy() * share.to_numpy(),
        city=k["kreistyp"].isin(CITY_TYPES).to_numpy(),
        ost=(k["ost_west"] == "Ost").to_numpy(),
        ruhr=links["ags"].isin(RUHR).to_numpy(),
    )
    links["city_pop"] = links["pop"] * links["city"]
    agg = links.groupby("jc_id", sort=True).agg(
        pop=("pop", "sum"), area=("area", "sum"), city_pop=("city_pop", "sum"),
        ost=("ost", "max"), ruhr=("ruhr", "max"))
    out = pd.DataFrame({
        "jobcenter_id": jc["jc_id"].to_numpy(),
        "name": jc["jc_name"].to_numpy(),
        "land": jc["bundesland_code"].to_numpy(),
        "traegerart": jc["traegerform"].to_numpy(),
    })
    agg = agg.loc[out["jobcenter_id"]]
    out["pop"] = agg["pop"].to_numpy()
    out["density"] = (agg["pop"] / agg["area"]).to_numpy()
    out["city_share"] = (agg["city_pop"] / agg["pop"]).to_numpy()
    out["ost"] = agg["ost"].to_numpy()
    out["ruhr"] = agg["ruhr"].to_numpy()
    log_dens = np.log(out["density"])
    raw = (out["land"].map(LAND_EFFECT).to_numpy()
           - 0.45 * out["city_share"].to_numpy()
           - 0.2 * ((log_dens - log_dens.mean()) / log_dens.std()).to_numpy()
           - 0.6 * out["ruhr"].to_numpy()
           - 0.1 * out["ost"].to_numpy())
    out["z"] = (raw - raw.mean()) / raw.std()
    return out


def assign_vergleichstypen(struct: pd.DataFrame) -> pd.Series:
    """Synthetic Vergleichstyp per Jobcenter: tier by structure score, sub-type by density.

    Deterministic and seed-free; ties are broken by jobcenter_id.
    """
    order = np.lexsort((struct["jobcenter_id"].to_numpy(), -struct["z"].to_numpy()))
    codes = np.empty(len(struct), dtype=object)
    start = 0
    for tier, sizes in TYPE_SIZES.items():
        idx = order[start:start + sum(sizes)]
        start += sum(sizes)
        sub = struct.iloc[idx]
        by_density = idx[np.lexsort((sub["jobcenter_id"].to_numpy(), sub["density"].to_numpy()))]
        pos = 0
        for letter, size in zip("abcde", sizes):
            codes[by_density[pos:pos + size]] = tier + letter
            pos += size
    if start != len(struct):
        raise ValueError(f"Typgrößen ergeben {start} Jobcenter, erwartet {len(struct)}")
    return pd.Series(codes, index=struct.index, name="vergleichstyp")


def _months(bis: str, monate: int) -> list[str]:
    return list(pd.period_range(end=pd.Period(bis, freq="M"), periods=monate, freq="M")
                .strftime("%Y-%m"))


def generate(seed: int = DEFAULT_SEED, bis: str = DEFAULT_BIS, monate: int = DEFAULT_MONATE,
             reference: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate (jobcenter, grunddaten) as they are written to the CSV files.

    All columns of both frames are strings (contract column order); a withheld value is
    ``"*"``, a missing value is NA (an empty cell in the file).
    """
    if monate < MIN_MONATE or monate > MAX_MONATE:
        raise ValueError(f"monate muss zwischen {MIN_MONATE} und {MAX_MONATE} liegen")
    months = _months(bis, monate)
    rng = np.random.default_rng(seed)
    st = structure(reference)
    n_jc, n_t = len(st), monate
    # Month ordinals including one virtual month before the first (for t-1 and flows).
    ords = np.arange(_ordinal(months[0]) - 1, _ordinal(months[-1]) + 1)
    moy = ords % 12

    # --- Jobcenter parameters -----------------------------------------------------------
    z = st["z"].to_numpy()
    s = z + rng.normal(0.0, 0.4, n_jc)
    pop = st["pop"].to_numpy()
    elb_rate = np.clip(0.047 * np.exp(-0.55 * s), 0.008, 0.17)
    base_share = pop * elb_rate / np.sum(pop * elb_rate)
    ukr_share = pop / pop.sum()
    women_base = np.clip(rng.normal(0.495, 0.015, n_jc), 0.45, 0.55)
    drift = rng.normal(0.0, 0.025, n_jc)                       # per year
    walk = np.cumsum(rng.normal(0.0, 0.004, (n_jc, n_t + 1)), axis=1)
    walk -= walk.mean(axis=1, keepdims=True)
    years_from_mid = (ords - ords.mean()) / 12.0
    local = np.exp(drift[:, None] * years_from_mid[None, :] + walk)
    lzb_share = np.clip(0.645 - 0.045 * s + rng.normal(0.0, 0.025, n_jc), 0.56, 0.78)

    # --- stocks by gender (axis 1: frauen, maenner) -------------------------------------
    base_nat = _path(ELB_BASE_PATH, ords) * 1e6 * STOCK_SEASON[moy]
    ukr_nat = _path(ELB_UKR_PATH, ords) * 1e6
    ukr_lzb_nat = _path(ELB_UKR_PATH, ords - UKR_LZB_LAG) * 1e6 * UKR_LZB_SHARE
    gshare_base = np.stack([women_base, 1 - women_base], axis=1)[:, :, None]
    gshare_ukr = np.array([UKR_WOMEN, 1 - UKR_WOMEN])[None, :, None]
    base = base_share[:, None, None] * base_nat[None, None, :] * gshare_base * local[:, None, :]
    ukr = ukr_share[:, None, None] * gshare_ukr * local[:, None, :]
    elb = np.rint(base + ukr * ukr_nat).astype(np.int64)
    lzb_target = lzb_share[:, None, None] * base + ukr * ukr_lzb_nat
    lzb = np.minimum(np.rint(lzb_target).astype(np.int64), elb)

    def flows(stock: np.ndarray, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        net = np.diff(stock, axis=2)
        turnover = rng.poisson(rate[:, None, None] * stock[:, :, :-1])
        return turnover + np.maximum(net, 0), turnover + np.maximum(-net, 0)

    elb_zugang, elb_abgang = flows(elb, 0.038 * np.exp(0.1 * s))
    lzb_zugang, lzb_abgang = flows(lzb, 0.026 * np.exp(0.08 * s))
    prev_elb, prev_lzb = elb[:, :, :-1], lzb[:, :, :-1]

    # --- integrations -------------------------------------------------------------------
    ratio_fm = np.clip(rng.normal(0.66, 0.04, n_jc), 0.55, 0.8)
    k2 = np.exp(0.18 * s + rng.normal(0.0, 0.05, n_jc))
    k2_m = k2 / (women_base * ratio_fm + 1 - women_base)
    k2_g = np.stack([k2_m * ratio_fm, k2_m], axis=1)           # relative annual rates
    time_fac = (_path(INT_CYCLE, ords) * INT_SEASON[moy])[1:]
    mu_rel = k2_g[:, :, None] / 12.0 * time_fac[None, None, :] * prev_elb
    last12 = slice(n_t - 12, n_t)
    scale = TARGET_K2 * prev_elb[:, :, last12].sum() / 12.0 / mu_rel[:, :, last12].sum()
    integrationen = rng.poisson(mu_rel * scale)
    p_svb = np.clip(rng.normal(0.86, 0.02, n_jc), 0.78, 0.93)
    integrationen_svb = rng.binomial(integrationen, p_svb[:, None, None])
    p_kont = np.clip(0.60 + 0.03 * s + rng.normal(0.0, 0.03, n_jc), 0.45, 0.75)
    kontinuierlich = rng.binomial(integrationen_svb, p_kont[:, None, None])
    r_lzb = np.clip(rng.normal(0.75, 0.04, n_jc), 0.62, 0.88)
    p_lzb = np.clip(r_lzb[:, None, None] * prev_lzb / np.maximum(prev_elb, 1), 0.0, 1.0)
    integrationen_lzb = rng.binomial(integrationen, p_lzb)

    # --- Alleinerziehende ---------------------------------------------------------------
    ae_f = np.clip(rng.normal(0.245, 0.03, n_jc), 0.17, 0.32)
    ae_m = np.clip(rng.normal(0.022, 0.005, n_jc), 0.01, 0.035)
    ae_p = np.stack([ae_f, ae_m], axis=1)[:, :, None]
    ae = np.minimum(np.rint(ae_p * elb * (1 + rng.normal(0.0, 0.005, elb.shape))).astype(np.int64),
                    elb)
    ae_rate = np.array([1.05, 0.85])[None, :, None] * k2_g[:, :, None] * scale
    mu_ae = ae_rate / 12.0 * time_fac[None, None, :] * ae[:, :, :-1]
    integrationen_ae = np.minimum(rng.poisson(mu_ae), integrationen)

    # --- other entries and activation ---------------------------------------------------
    k2e1 = np.array([0.095, 0.065])[None, :] * np.exp(rng.normal(0.0, 0.15, n_jc))[:, None]
    eintritte_minijob = rng.poisson(k2e1[:, :, None] / 12.0 * INT_SEASON[moy][None, None, 1:]
                                    * prev_elb)
    k2e2 = np.clip(0.015 * np.exp(-0.25 * s + 0.2 * st["ost"].to_numpy()
                                  + rng.normal(0.0, 0.3, n_jc)), 0.004, 0.04)
    k2e2_g = k2e2[:, None] * np.array([0.85, 1.15])[None, :]
    eintritte_oefb = rng.poisson(k2e2_g[:, :, None] / 12.0 * prev_elb)
    p_act = np.clip(0.10 * np.exp(-0.05 * s + rng.normal(0.0, 0.2, n_jc)), 0.045, 0.17)
    p_act_t = np.clip(p_act[:, None] * ACT_SEASON[moy][None, 1:], 0.0, 1.0)[:, None, :]
    lzb_massnahme = rng.binomial(lzb[:, :, 1:], p_act_t)

    # --- money (insgesamt only) ---------------------------------------------------------
    elb_tot = elb[:, :, 1:].sum(axis=1).astype(float)
    ae_share = ae[:, :, 1:].sum(axis=1) / np.maximum(elb_tot, 1)
    llu_pp = 560.0 / REGELBEDARF[2023] * np.exp(rng.normal(0.0, 0.03, n_jc))
    llu = (elb_tot * llu_pp[:, None] * (1 + 0.8 * (ae_share - 0.13))
           * _regelbedarf(ords[1:])[None, :] * (1 + rng.normal(0.0, 0.004, elb_tot.shape)))
    log_dens = np.log(st["density"].to_numpy())
    rent_z = ((log_dens - log_dens.mean()) / log_dens.std()
              + st["land"].isin(["02", "06", "08", "09"]).to_numpy() * 0.6
              - st["ost"].to_numpy() * 0.6)
    kdu_pp = 360.0 * np.exp(0.12 * rent_z + rng.normal(0.0, 0.04, n_jc))
    years_2023 = (ords[1:] - _ordinal("2023-01")) / 12.0
    heating = np.where(ords[1:] >= _ordinal("2023-01"), 1.06, 1.0)
    kdu = (elb_tot * kdu_pp[:, None] * 1.04 ** years_2023[None, :] * heating[None, :]
           * (1 + rng.normal(0.0, 0.005, elb_tot.shape)))

    # --- assemble (rows: Jobcenter, month, gender = insgesamt, frauen, maenner) ---------
    counts = {
        "elb": elb[:, :, 1:], "elb_zugang": elb_zugang, "elb_abgang": elb_abgang,
        "integrationen": integrationen, "integrationen_svb": integrationen_svb,
        "kontinuierlich": kontinuierlich, "eintritte_minijob": eintritte_minijob,
        "eintritte_oefb": eintritte_oefb, "ae": ae[:, :, 1:],
        "integrationen_ae": integrationen_ae, "lzb": lzb[:, :, 1:], "lzb_zugang": lzb_zugang,
        "lzb_abgang": lzb_abgang, "lzb_massnahme": lzb_massnahme,
        "integrationen_lzb": integrationen_lzb,
    }
    assert set(counts) == set(COUNT_COLUMNS)
    n_rows = n_jc * n_t * 3
    columns: dict[str, np.ndarray] = {
        "jobcenter_id": np.repeat(st["jobcenter_id"].to_numpy(), n_t * 3),
        "monat": np.tile(np.repeat(np.array(months), 3), n_jc),
        "geschlecht": np.tile(np.array(GESCHLECHTER), n_jc * n_t),
    }
    for name in VALUE_COLUMNS:
        if name in counts:
            fm = counts[name]                                   # (jc, 2, t)
            full = np.concatenate([fm.sum(axis=1, keepdims=True), fm], axis=1)
            columns[name] = full.transpose(0, 2, 1).reshape(n_rows).astype(str).astype(object)
        else:
            money = np.round(llu if name == "llu" else kdu, 2)
            text = np.char.mod("%.2f", money).astype(object)    # (jc, t)
            full = np.full((n_jc, n_t, 3), None, dtype=object)
            full[:, :, 0] = text
            columns[name] = full.reshape(n_rows)

    _irregular_cells(columns, counts, st, months, rng)
    # `kontinuierlich` is not yet observable for the last six months (data contract): empty there.
    recent = np.tile(np.repeat(np.arange(n_t) >= n_t - KONT_LEER_MONATE, 3), n_jc)
    columns["kontinuierlich"][recent] = None
    grunddaten = pd.DataFrame({c: pd.array(columns[c], dtype="str")
                               for c in (*KEY_COLUMNS, *VALUE_COLUMNS)})
    jobcenter = pd.DataFrame({
        "jobcenter_id": st["jobcenter_id"], "name": st["name"], "land": st["land"],
        "traegerart": st["traegerart"], "vergleichstyp": assign_vergleichstypen(st),
    })[list(JOBCENTER_COLUMNS)].astype("str")
    return jobcenter, grunddaten


KONT_LEER_MONATE = 6   # waiting time of K2E3: the six-month follow-up is incomplete


def _irregular_cells(columns: dict[str, np.ndarray], counts: dict[str, np.ndarray],
                     st: pd.DataFrame, months: list[str], rng: np.random.Generator) -> None:
    """Mark a few dozen cells as withheld ("*") or missing (None), in place."""
    n_jc, n_t = len(st), len(months)

    def row(j: int, t: int, g: int) -> int:
        return (j * n_t + t) * 3 + g

    # Withheld (primary: value 1 or 2; secondary: the other gender's cell of that month,
    # which would otherwise follow from insgesamt): integrationen_ae in the three smallest
    # Jobcenter and eintritte_oefb in the smallest one, within the last SUPPRESS_MONTHS months.
    # By the aggregation rule of kennzahlen.md this also leaves the gender values of those
    # figures undefined for the Jobcenter's Vergleichstyp, Land, Trägerart and the Bund.
    size = counts["elb"].sum(axis=1).mean(axis=1)
    smallest = np.argsort(size, kind="stable")[:3]
    for name, members in (("integrationen_ae", smallest), ("eintritte_oefb", smallest[:1])):
        for j in members:
            men = counts[name][j, 1]
            for t in range(n_t - SUPPRESS_MONTHS, n_t):
                if 1 <= men[t] <= 2:
                    columns[name][row(j, t, 1)] = "*"
                    columns[name][row(j, t, 2)] = "*"
    # Missing: one zkT without llu and kdu in one month; another without lzb_massnahme.
    zkt = np.flatnonzero(st["traegerart"].to_numpy() == "zkT")
    first, second = rng.choice(zkt, size=2, replace=False)
    for name in ("llu", "kdu"):
        columns[name][row(first, n_t - 15, 0)] = None
    for g in range(3):
        columns["lzb_massnahme"][row(second, n_t - 2, g)] = None
    # Six random empty cells in flow columns, at least two years before the last month.
    pick_cols = ["eintritte_minijob", "eintritte_oefb", "kontinuierlich", "integrationen_svb"]
    for _ in range(6):
        j = int(rng.integers(n_jc))
        t = int(rng.integers(n_t - 24))
        g = int(rng.integers(3))
        columns[pick_cols[int(rng.integers(len(pick_cols)))]][row(j, t, g)] = None



def to_csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write(out: Path, seed: int = DEFAULT_SEED, bis: str = DEFAULT_BIS,
          monate: int = DEFAULT_MONATE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate and write jobcenter.csv, grunddaten.csv and demo.json into ``out``."""
    jobcenter, grunddaten = generate(seed, bis, monate)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "jobcenter.csv", to_csv_bytes(jobcenter))
    atomic_write_bytes(out / "grunddaten.csv", to_csv_bytes(grunddaten))
    # Synthetic Zielwerte (input `ziele`) for about a third of the Jobcenter, for every year whose
    # previous December lies in the data (helpers.steuerung).
    from helpers.steuerung import demo_ziele

    jahre = range(int(grunddaten["monat"].min()[:4]) + 1, int(grunddaten["monat"].max()[:4]) + 1)
    atomic_write_bytes(out / "ziele.csv", to_csv_bytes(demo_ziele(jobcenter["jobcenter_id"], jahre, seed)))
    meta = {"demo": True, "erzeugt_von": "helpers.demo", "seed": seed, "hinweis": HINWEIS,
            "vergleichstypen": "synthetisch", "ziele": "synthetisch"}
    atomic_write_bytes(out / "demo.json",
                  (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return jobcenter, grunddaten


def _monat(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"ungültiger Monat {value!r}, erwartet JJJJ-MM")
    return value


def _monate(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"keine ganze Zahl: {value!r}") from None
    if not MIN_MONATE <= n <= MAX_MONATE:
        raise argparse.ArgumentTypeError(f"--monate muss zwischen {MIN_MONATE} und {MAX_MONATE} liegen")
    return n


def _run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    out = Path(args.out)
    jobcenter, grunddaten = write(out, args.seed, args.bis, args.monate)
    months = grunddaten["monat"]
    print(f"Synthetische Demodaten geschrieben nach {out}: {len(jobcenter)} Jobcenter, "
          f"{months.nunique()} Monate ({months.min()} bis {months.max()}), "
          f"{len(grunddaten)} Zeilen, Seed {args.seed} ({fmt.sekunden(time.perf_counter() - start)}). "
          "Keine amtlichen Zahlen.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo", help="Synthetische Demodaten erzeugen (keine amtlichen Zahlen)",
        description="Erzeugt deterministische, synthetische Eingabetabellen (jobcenter.csv, "
                    "grunddaten.csv) und die Markierung demo.json. Die Zahlen und die "
                    "Zuordnung zu Vergleichstypen sind erfunden, keine amtlichen Zahlen.")
    p.add_argument("--out", default=str(paths.DEMO_DIR), metavar="ORDNER",
                   help="Zielordner (Standard: data/demo)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help=f"Startwert des Zufallsgenerators (Standard: {DEFAULT_SEED})")
    p.add_argument("--bis", type=_monat, default=DEFAULT_BIS, metavar="JJJJ-MM",
                   help=f"letzter Monat (Standard: {DEFAULT_BIS})")
    p.add_argument("--monate", type=_monate, default=DEFAULT_MONATE, metavar="N",
                   help=f"Anzahl Monate, {MIN_MONATE} bis {MAX_MONATE} (Standard: {DEFAULT_MONATE})")
    p.set_defaults(func=_run)
