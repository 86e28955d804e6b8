"""Zielsteuerung nach § 48b SGB II: Jahresfortschrittswerte (JFW) and Zielerreichung.

Operationalisation of ``shared/spec/steuerung.md``:

    JFW_INT       Σ_{t=m-11..m} integrationen[t]                    (count)
    JFW_K2        K2[m]                                              (percent)
    JFW_K2_VJ     (K2[m] / K2[m-12] - 1) * 100                       (percent)
    JFW_K2_VJ_PP  K2[m] - K2[m-12]                                   (percentage points)
    JFW_LZB       Σ_{t=m-11..m} lzb[t] / 12                          (mean stock)
    JFW_LZB_VJ    (JFW_LZB[m] / JFW_LZB[m-12] - 1) * 100             (percent)

Every figure is a combination of *linear parts* (window sums and shifted window sums of one
input). For a Jobcenter the parts are its own; for a group they are the sums of the parts of the
members that *count* at month m (all parts available at m), so numerator and denominator and
every month of the window use the same members (coverage rule of kennzahlen.md). The quotas and
changes need ``erfasst >= 90 % of mitglieder``; the absolute figures JFW_INT and JFW_LZB need every
member (a sum over part of the members is not the group's total).

Zielerreichung (optional input ``ziele``): Soll = JFW[Dez J-1] * (1 + ziel/100); the running Ist
is the change of the JFW against the same month of J-1; the verdict at December J is "erreicht"
when the Ist-JFW reaches the Soll (K2: Ist >= Soll; LZB, lower is better: Ist <= Soll).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.compute import FENSTER, OK, ZU_WENIGE, Q, divide, shift, window_sum
from helpers.kennzahlen import GESCHLECHTER, MINDESTANTEIL

ABDECKUNG = ZU_WENIGE      # status: too few members count (group value undefined), as in compute
ABDECKUNG_GRUND = "zu_wenige"


@dataclass(frozen=True)
class Steuerungsgroesse:
    code: str
    name: str
    kurz: str
    einheit: str        # anzahl | bestand | prozent | punkte
    ziel: int
    alle_mitglieder: bool   # group value only when every member counts (absolute figures)
    zaehler: str            # what zaehler / nenner mean (Berechnungsgrundlagen, downloads)
    nenner: str


STEUERUNG: dict[str, Steuerungsgroesse] = {s.code: s for s in [
    Steuerungsgroesse("JFW_INT", "Integrationen, Jahresfortschrittswert", "Integrationen (12 Monate)",
                      "anzahl", 2, True, "Summe der Integrationen der letzten 12 Monate", ""),
    Steuerungsgroesse("JFW_K2", "Integrationsquote, Jahresfortschrittswert", "Integrationsquote (JFW)",
                      "prozent", 2, False, "Summe der Integrationen der letzten 12 Monate",
                      "durchschnittlicher Bestand an eLb der 12 Vormonate"),
    Steuerungsgroesse("JFW_K2_VJ", "Veränderung der Integrationsquote gegenüber dem Vorjahr, in Prozent",
                      "Integrationsquote: Veränderung zum Vorjahr", "prozent", 2, False,
                      "Integrationsquote im Monat", "Integrationsquote im Vorjahresmonat"),
    Steuerungsgroesse("JFW_K2_VJ_PP", "Veränderung der Integrationsquote gegenüber dem Vorjahr, in Prozentpunkten",
                      "Integrationsquote: Veränderung in Prozentpunkten", "punkte", 2, False,
                      "Integrationsquote im Monat", "Integrationsquote im Vorjahresmonat"),
    Steuerungsgroesse("JFW_LZB", "Durchschnittlicher Bestand an Langzeitleistungsbeziehenden, Jahresfortschrittswert",
                      "Durchschnittlicher LZB-Bestand (JFW)", "bestand", 3, True,
                      "Summe der LZB-Bestände der letzten 12 Monate", "Zahl der Monate (12)"),
    Steuerungsgroesse("JFW_LZB_VJ", "Veränderung des durchschnittlichen LZB-Bestands gegenüber dem Vorjahr",
                      "LZB-Bestand (JFW): Veränderung zum Vorjahr", "prozent", 3, False,
                      "durchschnittlicher LZB-Bestand der letzten 12 Monate",
                      "derselbe Wert ein Jahr zuvor"),
]}
CODES = tuple(STEUERUNG)
WINDOW = 12


# --------------------------------------------------------------------------- formulas

def parts(x: dict[str, Q]) -> dict[str, Q]:
    """The linear parts of every JFW figure (sums over members are meaningful)."""
    w_int = window_sum(x["integrationen"])
    m_elb = shift(window_sum(x["elb"]), 1)                 # 12 × mean₋₁(elb)
    w_lzb = window_sum(x["lzb"])
    return {"w_int": w_int, "m_elb": m_elb, "w_int_vj": shift(w_int, 12), "m_elb_vj": shift(m_elb, 12),
            "w_lzb": w_lzb, "w_lzb_vj": shift(w_lzb, 12)}


NEEDS = {   # parts each figure needs (its coverage)
    "JFW_INT": ("w_int",),
    "JFW_K2": ("w_int", "m_elb"),
    "JFW_K2_VJ": ("w_int", "m_elb", "w_int_vj", "m_elb_vj"),
    "JFW_K2_VJ_PP": ("w_int", "m_elb", "w_int_vj", "m_elb_vj"),
    "JFW_LZB": ("w_lzb",),
    "JFW_LZB_VJ": ("w_lzb", "w_lzb_vj"),
}


def _scale(q: Q, f: float) -> Q:
    return Q(q.v * f, q.s)


def _veraenderung(now: Q, before: Q) -> Q:
    q = divide(now, before)
    return Q((q.v - 1) * 100, q.s)


def combine(p: dict[str, Q]) -> dict[str, tuple[Q, Q, Q]]:
    """Figure -> (wert, zaehler, nenner) from the parts (of one unit or summed over members)."""
    k2 = _scale(divide(p["w_int"], _scale(p["m_elb"], 1 / WINDOW)), 100)
    k2_vj = _scale(divide(p["w_int_vj"], _scale(p["m_elb_vj"], 1 / WINDOW)), 100)
    lzb = _scale(p["w_lzb"], 1 / WINDOW)
    lzb_vj = _scale(p["w_lzb_vj"], 1 / WINDOW)
    empty = Q(np.full_like(lzb.v, np.nan), np.full_like(lzb.s, OK))
    pp = Q(k2.v - k2_vj.v, np.maximum(k2.s, k2_vj.s))
    twelve = Q(np.where(p["w_lzb"].s == OK, float(WINDOW), np.nan), p["w_lzb"].s)
    return {
        "JFW_INT": (p["w_int"], p["w_int"], empty),
        "JFW_K2": (k2, p["w_int"], _scale(p["m_elb"], 1 / WINDOW)),
        "JFW_K2_VJ": (_veraenderung(k2, k2_vj), k2, k2_vj),
        "JFW_K2_VJ_PP": (pp, k2, k2_vj),
        "JFW_LZB": (lzb, p["w_lzb"], twelve),
        "JFW_LZB_VJ": (_veraenderung(lzb, lzb_vj), lzb, lzb_vj),
    }


def formulas(x: dict[str, Q]) -> dict[str, Q]:
    """The JFW figures of single units (each input a Q over (..., T)); no group coverage."""
    return {c: t[0] for c, t in combine(parts(x)).items()}


def group_parts(p: dict[str, Q], members: np.ndarray, needs: tuple[str, ...]) -> tuple[dict[str, Q], np.ndarray, np.ndarray]:
    """Sum the parts over the members that count at each month (axis 0 of the parts = units).

    Returns the summed parts (shape (G, T)), erfasst (G, T) and the status of a group that has
    no counting member at all (FENSTER when every member's window is incomplete)."""
    stat = np.maximum.reduce([p[n].s[members] for n in needs])          # (n_members, G, T)
    counts = stat == OK
    summed = {}
    for n in needs:
        v = np.where(counts, p[n].v[members], 0.0).sum(axis=0)
        summed[n] = Q(v, np.zeros(v.shape, dtype=np.int8))
    erfasst = counts.sum(axis=0)
    leer = np.where((stat == FENSTER).all(axis=0), FENSTER, ABDECKUNG).astype(np.int8)
    return summed, erfasst, leer


@dataclass
class Einheiten:
    """Jobcenter rows (inputs as Q over (N, G, T)) and the groups to aggregate."""

    ids: np.ndarray
    months: list[str]
    x: dict[str, Q]
    groups: list[tuple[str, str, np.ndarray]] = field(default_factory=list)


def results(e: Einheiten) -> pd.DataFrame:
    """Long results (ebene, id, monat, geschlecht, kennzahl, wert, grund, erfasst, mitglieder,
    zaehler, nenner) of the six JFW figures for every Jobcenter and group."""
    from helpers.compute import GRUND_BY_STATUS, text_column

    p = parts(e.x)
    frames = []
    jc = combine(p)
    n, g, t = p["w_int"].v.shape
    codes = list(CODES)
    for code, (w, z, nn) in jc.items():
        counts = np.maximum.reduce([p[k].s for k in NEEDS[code]]) == OK
        frames.append(_long(np.arange(n), codes.index(code), w, z, nn, counts, np.ones((n, g, t), dtype=np.int32)))
    for u, (ebene, gid, idx) in enumerate(e.groups, start=n):
        for code in CODES:
            needs = NEEDS[code]
            summed, erfasst, leer = group_parts(p, idx, needs)
            full = {k: summed.get(k, Q(np.full((g, t), np.nan), np.full((g, t), FENSTER, dtype=np.int8)))
                    for k in p}
            w, z, nn = combine(full)[code]
            need = len(idx) if STEUERUNG[code].alle_mitglieder else math.ceil(MINDESTANTEIL * len(idx))
            ok = (erfasst >= need) & (erfasst > 0)
            s = np.where(ok, w.s, leer).astype(np.int8)
            frames.append(_long(np.array([u]), codes.index(code),
                                Q(w.v[None], s[None]), Q(z.v[None], s[None]), Q(nn.v[None], s[None]),
                                erfasst[None], np.full((1, g, t), len(idx), dtype=np.int32)))
    # one frame from the parts' arrays, text columns gathered in Arrow from small code tables
    # (hundreds of small frames, a concat or object arrays cost more than the figures)
    c = {k: np.concatenate([np.broadcast_to(f[k], f["wert"].shape) for f in frames]) for k in frames[0]}
    ebenen = ["jobcenter"] * n + [ebene for ebene, _, _ in e.groups]
    ids = [*e.ids, *(gid for _, gid, _ in e.groups)]
    return pd.DataFrame({
        "ebene": text_column(ebenen, c["unit"]),
        "id": text_column(ids, c["unit"]),
        "monat": text_column(e.months, c["monat"]),
        "geschlecht": text_column(GESCHLECHTER, c["geschlecht"]),
        "kennzahl": text_column(codes, c["kennzahl"]),
        "wert": c["wert"],
        "grund": text_column(GRUND_BY_STATUS, c["status"]),
        "erfasst": c["erfasst"].astype(np.int64),
        "mitglieder": c["mitglieder"].astype(np.int64),
        "zaehler": c["zaehler"],
        "nenner": c["nenner"],
    })


def _long(units: np.ndarray, kennzahl: int, w: Q, z: Q, nn: Q, erfasst, mitglieder) -> dict[str, np.ndarray]:
    """The columns of one unit's (or all Jobcenter's) rows of one JFW figure; text as codes."""
    n, g, t = w.v.shape
    ok = w.s == OK
    return {
        "unit": np.repeat(units.astype(np.int32), g * t),
        "monat": np.tile(np.arange(t, dtype=np.int32), n * g),
        "geschlecht": np.tile(np.repeat(np.arange(g, dtype=np.int32), t), n),
        "kennzahl": np.array([kennzahl], dtype=np.int32),
        "wert": w.v.reshape(-1),
        "status": w.s.reshape(-1).astype(np.int32),
        "erfasst": np.asarray(erfasst).reshape(-1).astype(np.int32),
        "mitglieder": np.asarray(mitglieder).reshape(-1).astype(np.int32),
        "zaehler": np.where(ok, z.v, np.nan).reshape(-1),
        "nenner": np.where(ok, nn.v, np.nan).reshape(-1),
    }


# --------------------------------------------------------------------------- Zielerreichung

URTEIL_TEXT = {
    "erreicht": "Zielwert erreicht",
    "nicht_erreicht": "Zielwert nicht erreicht",
    "offen": "Zielwert noch offen",
    "undefiniert": "Zielerreichung nicht bestimmbar",
}
ZIELGROESSEN = {"K2": "JFW_K2", "LZB": "JFW_LZB"}
ZIELGROESSE_LABEL = {"K2": "Integrationsquote (Ziel 2)",
                     "LZB": "durchschnittlicher Bestand an Langzeitleistungsbeziehenden (Ziel 3)"}


@dataclass
class Zielerreichung:
    zielgroesse: str          # K2 | LZB
    jahr: int
    ziel: float               # agreed change in percent
    basis: float              # JFW in December J-1
    soll: float               # Soll-JFW for December J
    stand: str | None         # latest month of J with a JFW (the verdict's "Stand")
    ist: float                # JFW at stand
    ist_veraenderung: float   # change of the JFW at stand against the same month of J-1, percent
    grad: float               # K2: Ist/Soll*100 at December; LZB: (Ist/Soll - 1)*100 at December
    urteil: str               # erreicht | nicht_erreicht | offen | undefiniert
    grund: str = ""           # why undefined
    pfad: pd.DataFrame | None = None   # monat, ist, vorjahr (JFW of the same month in J-1)


def zielerreichung(jfw: pd.Series, zielgroesse: str, jahr: int, ziel: float, bis: str,
                   gruende: pd.Series | None = None) -> Zielerreichung:
    """The target of one year for one unit.

    jfw: the unit's JFW series (JFW_K2 or JFW_LZB), indexed by monat "YYYY-MM", NaN = undefined;
    gruende: optional reason text per month for undefined values; bis: the last month to use
    (page month / Datenstand)."""
    if zielgroesse not in ZIELGROESSEN:
        raise ValueError(f"unbekannte Zielgröße {zielgroesse!r}")
    jahr = int(jahr)
    ziel = float(ziel)

    def wert(m: str) -> float:
        v = jfw.get(m, np.nan)
        return float(v) if not pd.isna(v) else math.nan

    def warum(m: str) -> str:
        if gruende is not None and m in gruende.index and isinstance(gruende[m], str) and gruende[m]:
            return gruende[m]
        return "nicht im Datenbestand" if m not in jfw.index else "nicht verfügbar"

    dez_vj = f"{jahr - 1}-12"
    monate = [f"{jahr}-{k:02d}" for k in range(1, 13) if f"{jahr}-{k:02d}" <= bis]
    pfad = pd.DataFrame({"monat": monate, "ist": [wert(m) for m in monate],
                         "vorjahr": [wert(f"{jahr - 1}-{m[5:]}") for m in monate]})
    basis = wert(dez_vj)
    soll = basis * (1 + ziel / 100) if not math.isnan(basis) else math.nan
    definiert = pfad.dropna(subset=["ist"])
    stand = definiert["monat"].iloc[-1] if len(definiert) else None
    ist = float(definiert["ist"].iloc[-1]) if len(definiert) else math.nan
    vj = float(definiert["vorjahr"].iloc[-1]) if len(definiert) else math.nan
    ist_ver = (ist / vj - 1) * 100 if not (math.isnan(ist) or math.isnan(vj) or vj == 0) else math.nan
    z = Zielerreichung(zielgroesse, jahr, ziel, basis, soll, stand, ist, ist_ver, math.nan, "offen", "", pfad)
    if math.isnan(basis):
        z.urteil = "undefiniert"
        z.grund = f"Jahresfortschrittswert im Dezember {jahr - 1} fehlt ({warum(dez_vj)}): ohne Ausgangswert kein Soll"
        return z
    dez = f"{jahr}-12"
    if dez > bis:
        return z                                  # noch offen (Stand: last defined month)
    if math.isnan(wert(dez)):
        z.urteil = "undefiniert"
        z.grund = f"Jahresfortschrittswert im Dezember {jahr} fehlt ({warum(dez)})"
        return z
    ist_dez = wert(dez)
    if zielgroesse == "K2":
        z.grad = ist_dez / soll * 100 if soll != 0 else math.nan
        z.urteil = "erreicht" if ist_dez >= soll else "nicht_erreicht"
    else:
        z.grad = (ist_dez / soll - 1) * 100 if soll != 0 else math.nan
        z.urteil = "erreicht" if ist_dez <= soll else "nicht_erreicht"
    return z


# --------------------------------------------------------------------------- input `ziele`

ZIELE_COLUMNS = ("jobcenter_id", "jahr", "zielgroesse", "ziel")
_ZIEL_RE = r"^-?\d+(\.\d+)?$"


def load_ziele(path: Path | str, jobcenter_ids) -> pd.DataFrame:
    """The validated optional input ``ziele``: jobcenter_id, jahr (int), zielgroesse, ziel (float).

    Errors are ``io.InputError`` with file, line and column (the commands exit with status 2)."""
    import pandera.pandas as pa

    from helpers.io import MAX_PROBLEMS, InputError, Problem, _problems_from, read_raw

    path = Path(path)
    df, offset = read_raw(path)
    df = df.apply(lambda s: s.astype(str).str.strip())
    missing = [c for c in ZIELE_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(path, [Problem(None, c, "Pflichtspalte fehlt") for c in missing])
    schema = pa.DataFrameSchema({
        "jobcenter_id": pa.Column(str, pa.Check.isin(sorted(set(map(str, jobcenter_ids))), name="unbekannt",
                                                      error="unbekannte jobcenter_id (nicht in der Jobcenter-Tabelle)")),
        "jahr": pa.Column(str, pa.Check.str_matches(r"^(19|20)\d\d$", name="jahr",
                                                     error="ungültiges Jahr (erwartet JJJJ, z. B. 2026)")),
        "zielgroesse": pa.Column(str, pa.Check.isin(list(ZIELGROESSEN), name="zielgroesse",
                                                     error="ungültige Zielgröße (erwartet K2 oder LZB)")),
        "ziel": pa.Column(str, pa.Check.str_matches(_ZIEL_RE, name="ziel",
                                                     error="kein Zielwert (erwartet eine Zahl in Prozent mit Punkt "
                                                           "als Dezimaltrenner, z. B. 2.0 oder -1.5)")),
    }, strict=False, coerce=False)
    problems: list[Problem] = []
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems += _problems_from(exc, offset, schema, df)
    keys = df[["jobcenter_id", "jahr", "zielgroesse"]].agg("|".join, axis=1)
    first = {}
    for i, k in enumerate(keys):
        if k in first:
            problems.append(Problem(i + offset, "jobcenter_id, jahr, zielgroesse",
                                    f"doppelter Schlüssel ({k.replace('|', ', ')}); zuerst in Zeile {first[k]}"))
        else:
            first[k] = i + offset
    if problems:
        problems.sort(key=lambda p: (p.line is not None, p.line or 0, p.column or ""))
        raise InputError(path, problems[:MAX_PROBLEMS], total=len(problems))
    out = df[list(ZIELE_COLUMNS)].copy()
    out["jahr"] = out["jahr"].astype(int)
    out["ziel"] = out["ziel"].astype(float)
    return out.sort_values(["jobcenter_id", "jahr", "zielgroesse"]).reset_index(drop=True)


def demo_ziele(jobcenter_ids, jahre, seed: int = 48) -> pd.DataFrame:
    """Synthetic targets for about a third of the Jobcenter (every third id in a seeded order):
    K2 between +0.5 and +4 %, LZB between -4 and +1 %, one decimal."""
    rng = np.random.default_rng(seed)
    ids = sorted(map(str, jobcenter_ids))
    chosen = sorted(rng.permutation(ids)[: round(len(ids) / 3)])
    rows = []
    for j in chosen:
        for jahr in jahre:
            rows.append((j, int(jahr), "K2", round(float(rng.uniform(0.5, 4.0)), 1)))
            rows.append((j, int(jahr), "LZB", round(float(rng.uniform(-4.0, 1.0)), 1)))
    return pd.DataFrame(rows, columns=list(ZIELE_COLUMNS))


def einheiten(jc: pd.DataFrame, gd, extra_groups=()) -> Einheiten:
    """Jobcenter inputs on the full grid plus every group level of ``compute.groups``."""
    from helpers.compute import groups, jobcenter_cube
    from helpers.kennzahlen import VALUE_COLUMNS

    v, s, months = jobcenter_cube(jc, gd)
    x = {c: Q(v[i], s[i]) for i, c in enumerate(VALUE_COLUMNS)}
    return Einheiten(jc["jobcenter_id"].to_numpy(dtype=object), months, x, groups(jc) + list(extra_groups))


def group_results(grundlagen: pd.DataFrame, groups_: dict[str, list[str]], ebene: str = "gruppe") -> pd.DataFrame:
    """The JFW figures of arbitrary groups of Jobcenter (Vergleichsring) from the mart's
    Jobcenter-level inputs, by the same rules as the official levels (``results``: parts summed
    over the counting members, coverage rule); long results format, the group names as ``id``."""
    from helpers.compute import group_positions, jobcenter_grid
    from helpers.kennzahlen import VALUE_COLUMNS

    ids, months, v, s = jobcenter_grid(grundlagen)
    members = group_positions(ids, groups_)
    beteiligt = np.unique(np.concatenate(members)) if members else np.array([], dtype=np.int64)
    neu = {p: i for i, p in enumerate(beteiligt)}          # only the members' rows are needed
    x = {c: Q(v[i][beteiligt], s[i][beteiligt]) for i, c in enumerate(VALUE_COLUMNS)}
    gruppen = [(ebene, name, np.array([neu[p] for p in idx], dtype=np.int64)) for name, idx in zip(groups_, members)]
    out = results(Einheiten(np.asarray(ids, dtype=object)[beteiligt], months, x, gruppen))
    return out[out["ebene"] != "jobcenter"].reset_index(drop=True)


def compute(jc: pd.DataFrame, gd, extra_groups=()) -> pd.DataFrame:
    """The JFW figures of every Jobcenter and group level (long results format)."""
    return results(einheiten(jc, gd, extra_groups))
