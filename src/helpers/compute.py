"""The formulas of kennzahlen.md, vectorised over a cube (entity × geschlecht × month).

Every quantity travels as a pair (value, status). The status says why a value is undefined;
when quantities are combined the highest status wins, so the most telling reason is reported:

    FENSTER (4) > GESPERRT (3) > FEHLT (2) > NENNER_NULL (1) > OK (0)

A value is NaN exactly when its status is not OK. Groups (Vergleichstyp, Land, Trägerart,
Bund) are formed from the summed inputs of their members; a member's missing input makes the
group's input missing (its status is the maximum over the members).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from helpers.io import FEHLT, GESPERRT, OK, Grunddaten
from helpers.kennzahlen import GESCHLECHTER, KENNZAHLEN, VALUE_COLUMNS

NENNER_NULL, FENSTER = 1, 4
STATUS_GRUND = {OK: "", NENNER_NULL: "nenner_null", FEHLT: "fehlt", GESPERRT: "gesperrt", FENSTER: "fenster"}
GRUND_BY_STATUS = np.array([STATUS_GRUND[i] for i in range(len(STATUS_GRUND))], dtype=object)
WINDOW = 12


@dataclass
class Q:
    """A quantity over the cube: values (float64) and statuses (int8), same shape (..., T)."""

    v: np.ndarray
    s: np.ndarray

    def __post_init__(self):
        self.v = np.where(self.s == OK, self.v, np.nan)


def shift(x: Q, k: int) -> Q:
    """x[t-k]; months before the series start are FENSTER."""
    v = np.full_like(x.v, np.nan)
    s = np.full_like(x.s, FENSTER)
    v[..., k:] = x.v[..., : x.v.shape[-1] - k]
    s[..., k:] = x.s[..., : x.s.shape[-1] - k]
    return Q(v, s)


def window_sum(x: Q, n: int = WINDOW) -> Q:
    """Σ_{t=m-n+1..m} x[t]; incomplete windows at the series start are FENSTER."""
    pad = [(0, 0)] * (x.v.ndim - 1) + [(n - 1, 0)]
    v = sliding_window_view(np.pad(x.v, pad, constant_values=np.nan), n, axis=-1).sum(axis=-1)
    s = sliding_window_view(np.pad(x.s, pad, constant_values=FENSTER), n, axis=-1).max(axis=-1)
    return Q(v, s)


def divide(num: Q, den: Q) -> Q:
    """num / den; a zero denominator makes the quotient NENNER_NULL."""
    s = np.maximum(num.s, den.s)
    zero = (s == OK) & (den.v == 0)
    s = np.where(zero, NENNER_NULL, s).astype(np.int8)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = num.v / np.where(zero, np.nan, den.v)
    return Q(v, s)


def formulas(x: dict[str, Q]) -> dict[str, Q]:
    """All 15 figures from the inputs (each a Q over (..., T)); percent."""

    def veraenderung(col: str) -> Q:               # (x[m] / x[m-12] - 1) * 100
        q = divide(x[col], shift(x[col], 12))
        return Q((q.v - 1) * 100, q.s)

    def mean_before(col: str) -> Q:               # mean₋₁(x) = Σ_{t=m-12..m-1} x[t] / 12
        w = shift(window_sum(x[col]), 1)
        return Q(w.v / WINDOW, w.s)

    def quote12(flow: str, stock: str) -> Q:       # Σ flow / mean₋₁(stock) * 100
        q = divide(window_sum(x[flow]), mean_before(stock))
        return Q(q.v * 100, q.s)

    def rate12(flow: str, stock: str, previous: bool) -> Q:   # mean_t(flow[t] / stock[t or t-1]) * 100
        den = shift(x[stock], 1) if previous else x[stock]
        r = window_sum(divide(x[flow], den))
        return Q(r.v / WINDOW * 100, r.s)

    def anteil12(part: str, whole: str) -> Q:      # Σ part / Σ whole * 100
        q = divide(window_sum(x[part]), window_sum(x[whole]))
        return Q(q.v * 100, q.s)

    def stichtag(part: str, whole: str) -> Q:      # part[m] / whole[m] * 100
        q = divide(x[part], x[whole])
        return Q(q.v * 100, q.s)

    return {
        "K1": veraenderung("llu"),
        "K1E1": veraenderung("kdu"),
        "K1E2": veraenderung("elb"),
        "K1E3": rate12("elb_zugang", "elb", previous=False),
        "K1E4": rate12("elb_abgang", "elb", previous=True),
        "K2": quote12("integrationen", "elb"),
        "K2E1": quote12("eintritte_minijob", "elb"),
        "K2E2": quote12("eintritte_oefb", "elb"),
        "K2E3": anteil12("kontinuierlich", "integrationen_svb"),
        "K2E4": quote12("integrationen_ae", "ae"),
        "K3": veraenderung("lzb"),
        "K3E1": quote12("integrationen_lzb", "lzb"),
        "K3E2": stichtag("lzb_massnahme", "lzb"),
        "K3E3": rate12("lzb_zugang", "lzb", previous=False),
        "K3E4": rate12("lzb_abgang", "lzb", previous=True),
    }


# --------------------------------------------------------------------------- cube and groups


@dataclass
class Cube:
    """Inputs on a full grid: entities × geschlecht × months (absent rows are FEHLT)."""

    ebene: np.ndarray     # per entity row
    ids: np.ndarray       # per entity row
    months: list[str]     # YYYY-MM, consecutive
    v: np.ndarray         # (n_inputs, N, G, T)
    s: np.ndarray         # (n_inputs, N, G, T)

    def inputs(self) -> dict[str, Q]:
        return {c: Q(self.v[i], self.s[i]) for i, c in enumerate(VALUE_COLUMNS)}


def month_range(first: str, last: str) -> list[str]:
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def jobcenter_cube(jc: pd.DataFrame, gd: Grunddaten) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Scatter the long input rows onto the full (input, jobcenter, geschlecht, month) grid."""
    ids = jc["jobcenter_id"].to_numpy(dtype=object)
    months = month_range(gd.keys["monat"].min(), gd.keys["monat"].max())
    e = pd.Categorical(gd.keys["jobcenter_id"], categories=ids).codes
    g = pd.Categorical(gd.keys["geschlecht"], categories=GESCHLECHTER).codes
    t = pd.Categorical(gd.keys["monat"], categories=months).codes
    shape = (len(VALUE_COLUMNS), len(ids), len(GESCHLECHTER), len(months))
    v = np.full(shape, np.nan)
    s = np.full(shape, FEHLT, dtype=np.int8)
    v[:, e, g, t] = gd.values[list(VALUE_COLUMNS)].to_numpy().T
    s[:, e, g, t] = gd.status[list(VALUE_COLUMNS)].to_numpy().T
    return v, s, months


def groups(jc: pd.DataFrame) -> list[tuple[str, str, np.ndarray]]:
    """(ebene, id, member positions) for every group level, in a stable order."""
    out = []
    for ebene, col in (("vergleichstyp", "vergleichstyp"), ("land", "land"), ("traegerart", "traegerart")):
        for key, idx in sorted(jc.groupby(col, sort=True).indices.items()):
            out.append((ebene, str(key), np.asarray(idx)))
    out.append(("bund", "DE", np.arange(len(jc))))
    return out


def build_cube(jc: pd.DataFrame, gd: Grunddaten, extra_groups=()) -> Cube:
    """Jobcenter rows followed by one row per group (summed inputs, max status)."""
    v_jc, s_jc, months = jobcenter_cube(jc, gd)
    grp = groups(jc) + list(extra_groups)
    v_g = np.stack([v_jc[:, idx].sum(axis=1) for _, _, idx in grp], axis=1)
    s_g = np.stack([s_jc[:, idx].max(axis=1) for _, _, idx in grp], axis=1)
    return Cube(
        ebene=np.array(["jobcenter"] * len(jc) + [g[0] for g in grp], dtype=object),
        ids=np.concatenate([jc["jobcenter_id"].to_numpy(dtype=object), np.array([g[1] for g in grp], dtype=object)]),
        months=months,
        v=np.concatenate([v_jc, v_g], axis=1),
        s=np.concatenate([s_jc, s_g], axis=1),
    )


def results_frame(cube: Cube, figures: dict[str, Q]) -> pd.DataFrame:
    """Long table: ebene, id, monat, geschlecht, kennzahl, wert, grund."""
    n, g, t = len(cube.ids), len(GESCHLECHTER), len(cube.months)
    parts = []
    for code, q in figures.items():
        genders = [0] if KENNZAHLEN[code].nur_insgesamt else list(range(g))
        vv = q.v[:, genders, :]
        ss = q.s[:, genders, :]
        ng = len(genders)
        parts.append(pd.DataFrame({
            "ebene": np.repeat(cube.ebene, ng * t),
            "id": np.repeat(cube.ids, ng * t),
            "monat": np.tile(np.array(cube.months, dtype=object), n * ng),
            "geschlecht": np.tile(np.repeat(np.array(GESCHLECHTER, dtype=object)[genders], t), n),
            "kennzahl": code,
            "wert": vv.reshape(-1),
            "status": ss.reshape(-1),
        }))
    df = pd.concat(parts, ignore_index=True)
    df["grund"] = GRUND_BY_STATUS[df.pop("status").to_numpy()]
    return df


def compute(jc: pd.DataFrame, gd: Grunddaten, extra_groups=()) -> pd.DataFrame:
    """Every figure for every level, gender and month (undefined: wert NaN, grund set)."""
    cube = build_cube(jc, gd, extra_groups)
    return results_frame(cube, formulas(cube.inputs()))


def group_inputs(cube: Cube) -> pd.DataFrame:
    """The summed inputs (Berechnungsgrundlagen) per ebene/id/monat/geschlecht."""
    n, g, t = len(cube.ids), len(GESCHLECHTER), len(cube.months)
    df = pd.DataFrame({
        "ebene": np.repeat(cube.ebene, g * t),
        "id": np.repeat(cube.ids, g * t),
        "monat": np.tile(np.array(cube.months, dtype=object), n * g),
        "geschlecht": np.tile(np.repeat(np.array(GESCHLECHTER, dtype=object), t), n),
    })
    for i, col in enumerate(VALUE_COLUMNS):
        df[col] = np.where(cube.s[i] == OK, cube.v[i], np.nan).reshape(-1)
    for i, col in enumerate(VALUE_COLUMNS):
        df[f"status_{col}"] = cube.s[i].reshape(-1).astype(np.int8)
    return df


def group_results(grundlagen: pd.DataFrame, groups_: dict[str, list[str]], ebene: str = "gruppe") -> pd.DataFrame:
    """Figures for arbitrary groups of Jobcenter (Vergleichsring, neighbours) from the mart's
    Jobcenter-level inputs (``grundlagen`` with ebene == "jobcenter", including status columns).

    Same rules as the official levels: summed inputs, a member's missing input makes the group's
    input missing. Returns the long results format with ``ebene`` and the group names as ``id``.
    """
    jcg = grundlagen[grundlagen["ebene"] == "jobcenter"]
    months = sorted(jcg["monat"].unique())
    months = month_range(months[0], months[-1])
    ids = sorted(jcg["id"].unique())
    pos = {j: i for i, j in enumerate(ids)}
    e = jcg["id"].map(pos).to_numpy()
    g = pd.Categorical(jcg["geschlecht"], categories=GESCHLECHTER).codes
    t = pd.Categorical(jcg["monat"], categories=months).codes
    shape = (len(VALUE_COLUMNS), len(ids), len(GESCHLECHTER), len(months))
    v = np.full(shape, np.nan)
    s = np.full(shape, FEHLT, dtype=np.int8)
    v[:, e, g, t] = jcg[list(VALUE_COLUMNS)].to_numpy().T
    s[:, e, g, t] = jcg[[f"status_{c}" for c in VALUE_COLUMNS]].to_numpy().T
    names, vg, sg = [], [], []
    for name, members in groups_.items():
        unknown = [m for m in members if m not in pos]
        if unknown:
            raise KeyError(f"Unbekannte Jobcenter in Gruppe '{name}': {', '.join(unknown)}")
        idx = np.array([pos[m] for m in members])
        names.append(name)
        vg.append(v[:, idx].sum(axis=1))
        sg.append(s[:, idx].max(axis=1))
    cube = Cube(ebene=np.array([ebene] * len(names), dtype=object), ids=np.array(names, dtype=object),
                months=months, v=np.stack(vg, axis=1), s=np.stack(sg, axis=1))
    return results_frame(cube, formulas(cube.inputs()))
