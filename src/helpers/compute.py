"""The formulas of kennzahlen.md, vectorised over a cube (entity × geschlecht × month).

Every quantity travels as a pair (value, status). The status says why a value is undefined;
when quantities are combined the highest status wins, so the most telling reason is reported:

    ZU_WENIGE (6, groups only) > FENSTER (5) > NICHT_GELIEFERT (4) > GESPERRT (3) > FEHLT (2)
    > NENNER_NULL (1) > OK (0)

NICHT_GELIEFERT marks months for which the delivery has no row of a Jobcenter (data contract).

A value is NaN exactly when its status is not OK. Groups (Vergleichstyp, Land, Trägerart,
Land × Trägerart, Bund, user groups) are formed from the summed inputs of their members under the
coverage rule of 2026-12 (``group_figures``): only members with complete inputs over the figure's
window count; the value is defined when at least 90 % count (else ZU_WENIGE).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.lib.stride_tricks import sliding_window_view

from helpers.io import FEHLT, GESPERRT, NICHT_GELIEFERT, OK, Grunddaten
from helpers.kennzahlen import GESCHLECHTER, KENNZAHLEN, MINDESTANTEIL, VALUE_COLUMNS

NENNER_NULL, FENSTER, ZU_WENIGE = 1, 5, 6
STATUS_GRUND = {OK: "", NENNER_NULL: "nenner_null", FEHLT: "fehlt", GESPERRT: "gesperrt",
                NICHT_GELIEFERT: "nicht_geliefert", FENSTER: "fenster", ZU_WENIGE: "zu_wenige"}
GRUND_BY_STATUS = np.array([STATUS_GRUND[i] for i in range(len(STATUS_GRUND))], dtype=object)
WINDOW = 12
K2E3_WARTEZEIT = 6   # months until an integration's six-month follow-up is complete


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


@dataclass
class Parts:
    """A figure before dividing: one quotient (num/den) or, for the averaged rates, the monthly
    flows and stocks whose 12 monthly quotients are averaged (``kind == "rate"``)."""

    kind: str             # "quotient" | "rate"
    num: Q
    den: Q
    scale: object = None  # quotient: q -> percent


def parts(x: dict[str, Q]) -> dict[str, Parts]:
    """Numerator and denominator of all 15 figures from the inputs (each a Q over (..., T))."""

    def veraenderung(col: str) -> Parts:          # (x[m] / x[m-12] - 1) * 100
        return Parts("quotient", x[col], shift(x[col], 12), lambda q: (q - 1) * 100)

    def mean_before(col: str) -> Q:               # mean₋₁(x) = Σ_{t=m-12..m-1} x[t] / 12
        w = shift(window_sum(x[col]), 1)
        return Q(w.v / WINDOW, w.s)

    def quote12(flow: str, stock: str) -> Parts:  # Σ flow / mean₋₁(stock) * 100
        return Parts("quotient", window_sum(x[flow]), mean_before(stock), lambda q: q * 100)

    def rate12(flow: str, stock: str, previous: bool) -> Parts:   # mean_t(flow[t] / stock[t or t-1]) * 100
        return Parts("rate", x[flow], shift(x[stock], 1) if previous else x[stock])

    def anteil12(part: str, whole: str, wait: int = 0) -> Parts:  # Σ part / Σ whole * 100, months m-11-wait..m-wait
        return Parts("quotient", shift(window_sum(x[part]), wait), shift(window_sum(x[whole]), wait),
                     lambda q: q * 100)

    def stichtag(part: str, whole: str) -> Parts:  # part[m] / whole[m] * 100
        return Parts("quotient", x[part], x[whole], lambda q: q * 100)

    return {
        "K1": veraenderung("llu"),
        "K1E1": veraenderung("kdu"),
        "K1E2": veraenderung("elb"),
        "K1E3": rate12("elb_zugang", "elb", previous=False),
        "K1E4": rate12("elb_abgang", "elb", previous=True),
        "K2": quote12("integrationen", "elb"),
        "K2E1": quote12("eintritte_minijob", "elb"),
        "K2E2": quote12("eintritte_oefb", "elb"),
        # integration months m-17..m-6: the six-month follow-up must be complete (waiting time)
        "K2E3": anteil12("kontinuierlich", "integrationen_svb", wait=K2E3_WARTEZEIT),
        "K2E4": quote12("integrationen_ae", "ae"),
        "K3": veraenderung("lzb"),
        "K3E1": quote12("integrationen_lzb", "lzb"),
        "K3E2": stichtag("lzb_massnahme", "lzb"),
        "K3E3": rate12("lzb_zugang", "lzb", previous=False),
        "K3E4": rate12("lzb_abgang", "lzb", previous=True),
    }


def finish(p: Parts) -> Q:
    """The figure of one entity from its parts."""
    if p.kind == "rate":
        r = window_sum(divide(p.num, p.den))
        return Q(r.v / WINDOW * 100, r.s)
    q = divide(p.num, p.den)
    return Q(p.scale(q.v), q.s)


def formulas(x: dict[str, Q]) -> dict[str, Q]:
    """All 15 figures from the inputs (each a Q over (..., T)); percent."""
    return {code: finish(p) for code, p in parts(x).items()}


def member_status(p: Parts) -> np.ndarray:
    """Per entity and month: OK when every input the figure needs over its window is available
    (a zero denominator does not stop a member from counting), else the telling status."""
    if p.kind == "rate":
        return window_sum(Q(p.num.v, np.maximum(p.num.s, p.den.s))).s
    return np.maximum(p.num.s, p.den.s)


@dataclass
class Figure:
    """One figure over entity rows: value/status plus coverage and the quotient's parts."""

    q: Q
    erfasst: np.ndarray     # (N, G, T) members whose inputs entered the value
    mitglieder: np.ndarray  # (N,)
    zaehler: np.ndarray     # (N, G, T); NaN for averaged rates or where not formed
    nenner: np.ndarray


def jobcenter_figures(x: dict[str, Q]) -> dict[str, Figure]:
    out = {}
    for code, p in parts(x).items():
        ok = member_status(p) == OK
        q = finish(p)
        nan = np.full_like(q.v, np.nan)
        z, n = (nan, nan) if p.kind == "rate" else (np.where(ok, p.num.v, np.nan), np.where(ok, p.den.v, np.nan))
        out[code] = Figure(q, ok.astype(np.int32), np.ones(q.v.shape[0], dtype=np.int32), z, n)
    return out


def group_figures(x: dict[str, Q], membership: np.ndarray) -> dict[str, Figure]:
    """Figures of groups (rows of ``membership``, a 0/1 matrix groups × members) by the coverage
    rule of 2026-12: per figure and month only the members whose inputs over the whole window are
    complete count, the same members in numerator, denominator and every month of the window;
    the value is defined when at least 90 % of the members count."""
    members = [np.flatnonzero(row) for row in membership]
    mitglieder = np.array([len(m) for m in members], dtype=np.int32)
    mg = mitglieder[:, None, None]

    def gsum(a: np.ndarray) -> np.ndarray:       # Σ over members: (N, ...) -> (groups, ...)
        # a plain loop: small BLAS products pay thread start-up on a busy machine (measured)
        return np.stack([a[m].sum(axis=0) for m in members])

    out = {}
    for code, p in parts(x).items():
        ms = member_status(p)
        ok = ms == OK
        erfasst = gsum(ok.astype(np.int32))
        fenster = gsum((ms == FENSTER).astype(np.int32)) == mg
        zu_wenige = (MINDESTANTEIL.denominator * erfasst < MINDESTANTEIL.numerator * mg) | (erfasst == 0)
        if p.kind == "rate":
            pad = [(0, 0)] * (p.num.v.ndim - 1) + [(WINDOW - 1, 0)]
            wf = sliding_window_view(np.pad(p.num.v, pad, constant_values=np.nan), WINDOW, axis=-1)
            ws = sliding_window_view(np.pad(p.den.v, pad, constant_values=np.nan), WINDOW, axis=-1)
            f = gsum(np.where(ok[..., None], wf, 0.0))
            d = gsum(np.where(ok[..., None], ws, 0.0))
            zero = (d == 0).any(axis=-1)
            with np.errstate(divide="ignore", invalid="ignore"):
                v = (f / d).mean(axis=-1) * 100
            z = n = np.full(v.shape, np.nan)
        else:
            z = gsum(np.where(ok, p.num.v, 0.0))
            n = gsum(np.where(ok, p.den.v, 0.0))
            zero = n == 0
            with np.errstate(divide="ignore", invalid="ignore"):
                v = p.scale(z / n)
        # no member counts: the members' common reason (the least severe), e.g. "fehlt" for all
        keiner = np.stack([ms[m].min(axis=0) if len(m) else np.full(ms.shape[1:], FEHLT, np.int8)
                           for m in members])
        s = np.where(fenster, FENSTER, np.where(erfasst == 0, keiner, np.where(
            zu_wenige, ZU_WENIGE, np.where(zero, NENNER_NULL, OK))))
        formed = ~fenster & ~zu_wenige
        out[code] = Figure(Q(v, s.astype(np.int8)), erfasst, mitglieder,
                           np.where(formed, z, np.nan), np.where(formed, n, np.nan))
    return out


# --------------------------------------------------------------------------- cube and groups


@dataclass
class Cube:
    """Inputs on a full grid: entities × geschlecht × months (months without rows: NICHT_GELIEFERT)."""

    ebene: np.ndarray     # per entity row
    ids: np.ndarray       # per entity row
    months: list[str]     # YYYY-MM, consecutive
    v: np.ndarray         # (n_inputs, N, G, T)
    s: np.ndarray         # (n_inputs, N, G, T)
    n_jobcenter: int = 0  # the first rows are Jobcenter, the rest groups
    membership: np.ndarray | None = None   # (groups, n_jobcenter) 0/1

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
    # a month without any row of the Jobcenter is "nicht geliefert"; a missing gender row of a
    # delivered month is a value not available ("fehlt")
    geliefert = np.zeros((len(ids), len(months)), dtype=bool)
    geliefert[e, t] = True
    s[:, ~geliefert[:, None, :].repeat(len(GESCHLECHTER), axis=1)] = NICHT_GELIEFERT
    return v, s, months


def groups(jc: pd.DataFrame) -> list[tuple[str, str, np.ndarray]]:
    """(ebene, id, member positions) for every group level, in a stable order."""
    out = []
    for ebene, col in (("vergleichstyp", "vergleichstyp"), ("land", "land"), ("traegerart", "traegerart")):
        for key, idx in sorted(jc.groupby(col, sort=True).indices.items()):
            out.append((ebene, str(key), np.asarray(idx)))
    for (land, ta), idx in sorted(jc.groupby(["land", "traegerart"], sort=True).indices.items()):
        out.append(("land_traegerart", f"{land}-{ta}", np.asarray(idx)))
    out.append(("bund", "DE", np.arange(len(jc))))
    return out


def build_cube(jc: pd.DataFrame, gd: Grunddaten, extra_groups=()) -> Cube:
    """Jobcenter rows followed by one row per group (summed inputs, max status).

    The group rows are the Berechnungsgrundlagen over all members; the figures of groups are
    formed by ``group_figures`` under the coverage rule, not from these rows."""
    v_jc, s_jc, months = jobcenter_cube(jc, gd)
    grp = groups(jc) + list(extra_groups)
    v_g, s_g = summed_inputs(v_jc, s_jc, [idx for _, _, idx in grp])
    return Cube(
        ebene=np.array(["jobcenter"] * len(jc) + [g[0] for g in grp], dtype=object),
        ids=np.concatenate([jc["jobcenter_id"].to_numpy(dtype=object), np.array([g[1] for g in grp], dtype=object)]),
        months=months,
        v=np.concatenate([v_jc, v_g], axis=1),
        s=np.concatenate([s_jc, s_g], axis=1),
        n_jobcenter=len(jc),
        membership=_membership([idx for _, _, idx in grp], len(jc)),
    )


def summed_inputs(v: np.ndarray, s: np.ndarray, members: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The group rows of the Berechnungsgrundlagen: inputs summed over the members, max status."""
    return (np.stack([v[:, idx].sum(axis=1) for idx in members], axis=1),
            np.stack([s[:, idx].max(axis=1) for idx in members], axis=1))


def _membership(members: list[np.ndarray], n: int) -> np.ndarray:
    m = np.zeros((len(members), n), dtype=np.int8)
    for i, idx in enumerate(members):
        m[i, idx] = 1
    return m


def cube_figures(cube: Cube) -> dict[str, Figure]:
    """Figures for every row of the cube: Jobcenter directly, groups by the coverage rule."""
    n = cube.n_jobcenter
    x = {c: Q(cube.v[i, :n], cube.s[i, :n]) for i, c in enumerate(VALUE_COLUMNS)}
    jf = jobcenter_figures(x)
    if cube.membership is None or len(cube.membership) == 0:
        return jf
    gf = group_figures(x, cube.membership)
    if n == 0:
        return gf
    return {c: Figure(Q(np.concatenate([jf[c].q.v, gf[c].q.v]), np.concatenate([jf[c].q.s, gf[c].q.s])),
                      np.concatenate([jf[c].erfasst, gf[c].erfasst]),
                      np.concatenate([jf[c].mitglieder, gf[c].mitglieder]),
                      np.concatenate([jf[c].zaehler, gf[c].zaehler]),
                      np.concatenate([jf[c].nenner, gf[c].nenner])) for c in jf}


def text_column(values, idx: np.ndarray) -> pd.Series:
    """The text column ``values[idx]``, gathered in Arrow: no Python string object per row
    (building a million-row text column from an object array costs more than the figures)."""
    arr = pa.array([str(v) for v in values], type=pa.string()).take(pa.array(idx, type=pa.int32()))
    return pd.Series(arr.to_pandas(types_mapper=_STR_DTYPE.get))


_STR_DTYPE = {pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}   # pandas' default "str"


def results_frame(cube: Cube, figures: dict) -> pd.DataFrame:
    """Long table: ebene, id, monat, geschlecht, kennzahl, wert, grund, erfasst, mitglieder, zaehler, nenner.

    ``figures`` maps codes to ``Figure`` (or to a bare ``Q``: then a Jobcenter-style coverage)."""
    n, g, t = len(cube.ids), len(GESCHLECHTER), len(cube.months)
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("e", "m", "g", "k", "wert", "status", "erfasst",
                                                          "mitglieder", "zaehler", "nenner")}
    for ci, (code, f) in enumerate(figures.items()):
        if isinstance(f, Q):
            nan = np.full_like(f.v, np.nan)
            f = Figure(f, (f.s == OK).astype(np.int32), np.ones(n, dtype=np.int32), nan, nan)
        genders = [0] if KENNZAHLEN[code].nur_insgesamt else list(range(g))
        ng = len(genders)
        cols["e"].append(np.repeat(np.arange(n, dtype=np.int32), ng * t))
        cols["m"].append(np.tile(np.arange(t, dtype=np.int32), n * ng))
        cols["g"].append(np.tile(np.repeat(np.array(genders, dtype=np.int32), t), n))
        cols["k"].append(np.full(n * ng * t, ci, dtype=np.int32))
        cols["wert"].append(f.q.v[:, genders, :].reshape(-1))
        cols["status"].append(f.q.s[:, genders, :].reshape(-1))
        cols["erfasst"].append(f.erfasst[:, genders, :].reshape(-1).astype(np.int32))
        cols["mitglieder"].append(np.repeat(f.mitglieder.astype(np.int32), ng * t))
        cols["zaehler"].append(f.zaehler[:, genders, :].reshape(-1))
        cols["nenner"].append(f.nenner[:, genders, :].reshape(-1))
    c = {k: np.concatenate(v) if v else np.array([], dtype=np.int32) for k, v in cols.items()}
    return pd.DataFrame({
        "ebene": text_column(cube.ebene, c["e"]),
        "id": text_column(cube.ids, c["e"]),
        "monat": text_column(cube.months, c["m"]),
        "geschlecht": text_column(GESCHLECHTER, c["g"]),
        "kennzahl": text_column(list(figures), c["k"]),
        "wert": c["wert"].astype(np.float64),
        "grund": text_column(GRUND_BY_STATUS, c["status"].astype(np.int32)),
        "erfasst": c["erfasst"].astype(np.int32),
        "mitglieder": c["mitglieder"].astype(np.int32),
        "zaehler": c["zaehler"].astype(np.float64),
        "nenner": c["nenner"].astype(np.float64),
    })


def compute(jc: pd.DataFrame, gd: Grunddaten, extra_groups=()) -> pd.DataFrame:
    """Every figure for every level, gender and month (undefined: wert NaN, grund set)."""
    cube = build_cube(jc, gd, extra_groups)
    return results_frame(cube, cube_figures(cube))


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


def jobcenter_grid(grundlagen: pd.DataFrame) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """The mart's Jobcenter-level inputs (``grundlagen`` rows with ebene == "jobcenter", including
    the status columns) back on the full grid: (ids, months, v, s) with v, s of shape
    (input, jobcenter, geschlecht, month)."""
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
    s = np.full(shape, NICHT_GELIEFERT, dtype=np.int8)
    v[:, e, g, t] = jcg[list(VALUE_COLUMNS)].to_numpy().T
    s[:, e, g, t] = jcg[[f"status_{c}" for c in VALUE_COLUMNS]].to_numpy().T
    return ids, months, v, s


def group_positions(ids: list[str], groups_: dict[str, list[str]]) -> list[np.ndarray]:
    """Member positions (in ``ids``) of each group; unknown members are an error."""
    pos = {j: i for i, j in enumerate(ids)}
    members = []
    for name, mem in groups_.items():
        unknown = [m for m in mem if m not in pos]
        if unknown:
            raise KeyError(f"Unbekannte Jobcenter in Gruppe '{name}': {', '.join(unknown)}")
        members.append(np.array([pos[m] for m in mem], dtype=np.int64))
    return members


def group_results(grundlagen: pd.DataFrame, groups_: dict[str, list[str]], ebene: str = "gruppe") -> pd.DataFrame:
    """Figures for arbitrary groups of Jobcenter (Vergleichsring, neighbours) from the mart's
    Jobcenter-level inputs (``grundlagen`` with ebene == "jobcenter", including status columns).

    Same rules as the official levels (summed inputs, coverage rule). Returns the long results
    format with ``ebene`` and the group names as ``id``.
    """
    ids, months, v, s = jobcenter_grid(grundlagen)
    members = group_positions(ids, groups_)
    names = list(groups_)
    x = {c: Q(v[i], s[i]) for i, c in enumerate(VALUE_COLUMNS)}
    cube = Cube(ebene=np.array([ebene] * len(names), dtype=object), ids=np.array(names, dtype=object),
                months=months, v=v[:, :0], s=s[:, :0])
    return results_frame(cube, group_figures(x, _membership(members, len(ids))))


def group_grundlagen(grundlagen: pd.DataFrame, groups_: dict[str, list[str]], ebene: str = "gruppe") -> pd.DataFrame:
    """The summed inputs (Berechnungsgrundlagen) of arbitrary groups of Jobcenter, as the mart's
    grundlagen rows of the official levels (``build_cube``: sum over the members, max status)."""
    ids, months, v, s = jobcenter_grid(grundlagen)
    members = group_positions(ids, groups_)
    v_g, s_g = summed_inputs(v, s, members)
    cube = Cube(ebene=np.array([ebene] * len(members), dtype=object), ids=np.array(list(groups_), dtype=object),
                months=months, v=v_g, s=s_g)
    return group_inputs(cube)
