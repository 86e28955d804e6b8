"""The interactive explorer (notebooks/explorer.ipynb): pure functions from a selection to frames and charts.

The notebook only wires ipywidgets to these functions; everything here runs without a browser.

Selection (``Auswahl``): one Jobcenter, one figure, a gender, a period ``von``..``bis`` (the time
series) and a comparison group. ``bis`` is also "the chosen month" of the ranking, the profile,
the table and the nearest-neighbour search.

Comparison groups (``gruppe_art``):
    vergleichstyp, land, traegerart  all Jobcenter sharing that attribute with the chosen one
                                     (the group's own value is the mart's official level)
    nachbarn                         the chosen Jobcenter and its k nearest neighbours (below)
    ring                             a free list of Jobcenter (``Ring``, saved as YAML in
                                     parameters/ringe/*.yml: name, beschreibung, mitglieder)
For every group: the members' median and quartiles (distribution) and the group's own value
from its summed inputs (``Mart.gruppe``), never an average of the members' percentages.

Nearest neighbours: each figure defined for the gender is standardised over all Jobcenter at
the chosen month (z = (x - mean) / sd over the defined values; a figure with fewer than two
defined values or sd 0 is left out). The distance of two Jobcenter is the root mean square
of their z differences over the figures defined for BOTH; a pair with fewer than
``MIN_GEMEINSAM`` common figures has no distance (NaN) and is never a neighbour. An undefined
figure therefore never counts as "no difference". The distance is symmetric by construction.

Zielsteuerung (``helpers.steuerung``, § 48b SGB II): the Jahresfortschrittswerte JFW_* can be chosen
like a figure (time series, Vergleich, Rangliste, export) and stand in the profile's table. They are
never rated (no günstiger/ungünstiger; a ranking is by height), their values are formatted as on
the pages (``zielsteuerung.wert_text``), and where ``ziele`` exist the status names Soll, Ist and
the verdict of the Jobcenter.

Profile: for K1–K3 the share of the other group members the Jobcenter is more favourable than
(0..100 %, direction-aware: lower-is-better figures are negated first), so "right" always
means günstiger; the Ergänzungsgrößen are never rated (reading rule): they are shown
separately as the share of members with a lower value.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import yaml

from helpers import fmt, paths, sitemodel, statistik, text
from helpers.kennzahlen import GESCHLECHT_LABEL, GESCHLECHTER, KENNZAHLEN, ZIELE, codes_for
from helpers.steuerung import STEUERUNG

GRUPPEN_ARTEN = {
    "vergleichstyp": "Vergleichstyp",
    "land": "Land",
    "traegerart": "Trägerart",
    "nachbarn": "Nächste Nachbarn (ähnliche Kennzahlen)",
    "ring": "Vergleichsring (freie Liste)",
}
MIN_GEMEINSAM = 5          # figures two Jobcenter must both have defined to get a distance
STANDARD_MONATE = 36       # default length of the time series
RINGE = paths.PARAMETERS / "ringe"
EIGENE = paths.PARAMETERS / "eigene"
EXPORTE = paths.ROOT / "exports"
LEER = fmt.OHNE_WERT       # an undefined value without a reason at hand (else: text.zeichen of its reason)

FARBE = {"jobcenter": "#08519c", "gruppe": "#e6550d", "median": "#636363", "band": "#bdbdbd",
         "bund": "#31a354", "günstiger": "#2166ac", "ungünstiger": "#b2182b", "gleich": "#737373",
         "kontext": "#737373"}


# --------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Ring:
    """A saved Vergleichsring: a free, user-defined list of Jobcenter."""

    name: str
    mitglieder: tuple[str, ...]
    beschreibung: str = ""

    def __post_init__(self):
        if not str(self.name).strip():
            raise ValueError("Ein Vergleichsring braucht einen Namen.")
        ids = tuple(dict.fromkeys(str(m).strip() for m in self.mitglieder if str(m).strip()))
        if not ids:
            raise ValueError(f"Vergleichsring „{self.name}“ hat keine Mitglieder.")
        object.__setattr__(self, "mitglieder", ids)


@dataclass(frozen=True)
class Auswahl:
    """What the explorer shows. ``von``/``bis`` None: the last STANDARD_MONATE months up to Datenstand."""

    jobcenter_id: str
    kennzahl: str = "K2"
    geschlecht: str = "insgesamt"
    von: str | None = None
    bis: str | None = None
    gruppe_art: str = "vergleichstyp"
    k: int = 10
    ring: Ring | None = field(default=None)

    def __post_init__(self):
        object.__setattr__(self, "jobcenter_id", str(self.jobcenter_id))
        if self.kennzahl not in KENNZAHLEN and self.kennzahl not in STEUERUNG:
            raise ValueError(f"Unbekannte Kennzahl „{self.kennzahl}“.")
        if self.geschlecht not in GESCHLECHTER:
            raise ValueError(f"Unbekanntes Geschlecht „{self.geschlecht}“ (erlaubt: {', '.join(GESCHLECHTER)}).")
        if self.gruppe_art not in GRUPPEN_ARTEN:
            raise ValueError(f"Unbekannte Vergleichsgruppe „{self.gruppe_art}“.")
        if int(self.k) < 1:
            raise ValueError("k muss mindestens 1 sein.")
        object.__setattr__(self, "k", int(self.k))
        if self.gruppe_art == "ring" and self.ring is None:
            raise ValueError("Für die Vergleichsgruppe „Vergleichsring“ fehlt der Ring.")
        for monat in (self.von, self.bis):
            if monat is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", monat):
                raise ValueError(f"Monat „{monat}“ ist nicht im Format JJJJ-MM.")
        if self.von and self.bis and self.von > self.bis:
            raise ValueError(f"Zeitraum: {self.von} liegt nach {self.bis}.")


_monat_plus = fmt.monat_plus
monat_text = fmt.monat


def monate(m) -> list[str]:
    """All months of the mart, oldest first."""
    return [str(p) for p in pd.period_range(m.meta["erster_monat"], m.meta["datenstand"], freq="M")]


def vervollstaendigt(m, a: Auswahl) -> Auswahl:
    """The selection with von/bis filled in and clipped to the months of the mart."""
    alle = monate(m)
    bis = min(max(a.bis or alle[-1], alle[0]), alle[-1])
    von = a.von or _monat_plus(bis, -(STANDARD_MONATE - 1))
    von = min(max(von, alle[0]), bis)
    if a.jobcenter_id not in set(m.jobcenter["jobcenter_id"]):
        raise KeyError(f"Jobcenter „{a.jobcenter_id}“ ist im Datenbestand nicht vorhanden.")
    return replace(a, von=von, bis=bis)


def standard_auswahl(m, jobcenter_id: str | None = None, **kw) -> Auswahl:
    """A complete default selection (first Jobcenter by id if none is given)."""
    jid = jobcenter_id or sorted(m.jobcenter["jobcenter_id"])[0]
    return vervollstaendigt(m, Auswahl(jobcenter_id=jid, **kw))


class _Lesen:
    """Memoised mart reads for the interactive session: the same slice is read once (a slice is
    a few hundred rows; the whole cache stays small). Returned frames must not be modified."""

    def __init__(self):
        self.cache: dict = {}

    def __call__(self, m, **kw):
        key = (m, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kw.items())))
        if key not in self.cache:
            if len(self.cache) > 4000:
                self.cache.clear()
            self.cache[key] = _lies(m, kw)
        return self.cache[key]


def _lies(m, kw: dict) -> pd.DataFrame:
    """Rows of ``Mart.ergebnisse``; Steuerungsgrößen (JFW_*) asked for by ``kennzahl`` come from
    ``Mart.steuerung`` (same columns)."""
    k = kw.get("kennzahl")
    codes = [k] if isinstance(k, str) else list(k) if k is not None else []
    jfw = [c for c in codes if c in STEUERUNG]
    if not jfw:
        return m.ergebnisse(**kw)
    rest = [c for c in codes if c not in STEUERUNG]
    s = m.steuerung(**{**kw, "kennzahl": jfw})
    return pd.concat([m.ergebnisse(**{**kw, "kennzahl": rest}), s], ignore_index=True) if rest else s


_erg = _Lesen()


# --------------------------------------------------------------------------- options for widgets


def jobcenter_optionen(m) -> list[tuple[str, str]]:
    """(label "Name (id)", id) for every Jobcenter, sorted by name."""
    jc = m.jobcenter.sort_values(["name", "jobcenter_id"])
    return [(f"{n} ({j})", j) for n, j in zip(jc["name"], jc["jobcenter_id"])]


def jobcenter_aus_text(m, text: str) -> str | None:
    """The id for a picker text: "Name (id)", a bare id, or a name matching exactly one Jobcenter."""
    text = (text or "").strip()
    if not text:
        return None
    ids = set(m.jobcenter["jobcenter_id"])
    hit = re.search(r"\(([^()]+)\)\s*$", text)
    if hit and hit.group(1) in ids:
        return hit.group(1)
    if text in ids:
        return text
    names = m.jobcenter[m.jobcenter["name"].str.casefold() == text.casefold()]
    return names["jobcenter_id"].iloc[0] if len(names) == 1 else None


MAX_KANDIDATEN = 12        # candidates listed for an ambiguous name
MAX_VERGLEICH = 8          # Jobcenter in one "Vergleich" chart


monat_kurz = fmt.monat_kurz


def zeitraum_text(von: str, bis: str) -> str:
    """"Sep. 2023 – Aug. 2026"; a single month once."""
    return monat_kurz(von) if von == bis else f"{monat_kurz(von)} – {monat_kurz(bis)}"


@dataclass(frozen=True)
class Treffer:
    """The result of a Jobcenter search: an id, or candidates, or neither; ``meldung`` says why."""

    jobcenter_id: str | None
    kandidaten: tuple[tuple[str, str], ...] = ()   # (label "Name (id)", id)
    meldung: str = ""


def _woerter(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def jobcenter_suchen(m, text: str) -> Treffer:
    """Find a Jobcenter by what an analyst types.

    Accepted: "Name (Kennung)"; a Kennung with or without its leading zero ("5113" = "05113");
    a full or partial name, case-insensitive, where every typed word starts a word of the name
    ("essen", "jobcenter essen", "berlin mitte"); failing that, any substring of the name.
    Exactly one match gives its id; several give the candidates; none gives a message.
    """
    roh = (text or "").strip()
    if not roh:
        return Treffer(None, (), "Bitte einen Namen oder eine Kennung eingeben.")
    jc = m.jobcenter.sort_values(["name", "jobcenter_id"])
    ids = set(jc["jobcenter_id"])
    hit = re.search(r"\(([^()]+)\)\s*$", roh)
    if hit and hit.group(1).strip() in ids:
        return Treffer(hit.group(1).strip())
    if re.fullmatch(r"\d{1,5}", roh):
        jid = roh.zfill(5)
        if jid in ids:
            return Treffer(jid)
        return Treffer(None, (), f"Keine Jobcenter-Kennung „{roh}“ im Datenbestand.")
    gefaltet = jc["name"].str.casefold()
    exakt = jc[gefaltet == roh.casefold()]
    if len(exakt) == 1:
        return Treffer(exakt["jobcenter_id"].iloc[0])
    woerter = _woerter(roh)
    namen_woerter = [_woerter(n) for n in jc["name"]]
    passt = [bool(woerter) and all(any(nw.startswith(w) for nw in nws) for w in woerter) for nws in namen_woerter]
    treffer = jc[passt]
    if treffer.empty:
        treffer = jc[gefaltet.str.contains(roh.casefold(), regex=False)]
    if len(treffer) == 1:
        return Treffer(treffer["jobcenter_id"].iloc[0])
    if treffer.empty:
        return Treffer(None, (), f"Kein Jobcenter passt zu „{roh}“.")
    kandidaten = tuple((f"{n} ({j})", j) for n, j in zip(treffer["name"], treffer["jobcenter_id"]))
    mehr = len(kandidaten) - MAX_KANDIDATEN
    meldung = f"{len(kandidaten)} Jobcenter passen zu „{roh}“ – bitte eines auswählen"
    meldung += f" (die ersten {MAX_KANDIDATEN} stehen in der Liste; genauer tippen grenzt ein)." if mehr > 0 else "."
    return Treffer(None, kandidaten[:MAX_KANDIDATEN], meldung)


def jobcenter_liste(m, text: str, maximal: int = MAX_VERGLEICH) -> tuple[list[str], list[str]]:
    """Several Jobcenter from free text (comma, semicolon or line separated): (ids, German problems)."""
    ids, probleme = [], []
    for teil in (t.strip() for t in re.split(r"[,;\n]+", text or "")):
        if not teil:
            continue
        t = jobcenter_suchen(m, teil)
        if t.jobcenter_id is None:
            probleme.append(t.meldung if not t.kandidaten else
                            f"„{teil}“ ist mehrdeutig ({', '.join(k for k, _ in t.kandidaten[:3])}"
                            f"{' …' if len(t.kandidaten) > 3 else ''}).")
        elif t.jobcenter_id not in ids:
            ids.append(t.jobcenter_id)
    if len(ids) > maximal:
        probleme.append(f"Höchstens {maximal} Jobcenter in einem Vergleich ({len(ids)} angegeben).")
    return ids, probleme


def kennzahl_optionen() -> list[tuple[str, str]]:
    """(label, code) for all 15 figures, grouped by goal (Ziel 1, 2, 3), then the Steuerungsgrößen
    of the Zielsteuerung (JFW_*; ``erklaerung`` says what they are)."""
    return ([(f"Ziel {k.ziel} · {k.code} {k.kurz}", k.code)
             for k in sorted(KENNZAHLEN.values(), key=lambda k: (k.ziel, list(KENNZAHLEN).index(k.code)))]
            + [(f"{c} {JFW_AUSWAHL[c]}", c) for c in STEUERUNG])


JFW_AUSWAHL = {   # the Steuerungsgrößen in the figure list: short enough for the sidebar (the code says JFW)
    "JFW_INT": "Integrationen, 12 Monate", "JFW_K2": "Integrationsquote (JFW)",
    "JFW_K2_VJ": "Integrationsquote, Veränderung in %", "JFW_K2_VJ_PP": "Integrationsquote, Veränderung in Pp.",
    "JFW_LZB": "LZB-Bestand, Durchschnitt (JFW)", "JFW_LZB_VJ": "LZB-Bestand, Veränderung in %"}


def ist_jfw(code: str) -> bool:
    """A Steuerungsgröße (Jahresfortschrittswert of the Zielsteuerung), not a Kennzahl."""
    return code in STEUERUNG


JFW_LESART = "Zielsteuerung nach § 48b SGB II, ohne Wertung"
JFW_EINHEIT = {"anzahl": "Anzahl", "bestand": "Personen (Durchschnitt)", "prozent": "in %", "punkte": "in Pp."}


def kurz(code: str) -> str:
    return STEUERUNG[code].kurz if ist_jfw(code) else KENNZAHLEN[code].kurz


def lesart(code: str) -> str:
    """How to read a figure (the Steuerungsgrößen are neutral)."""
    return JFW_LESART if ist_jfw(code) else KENNZAHLEN[code].lesart


def wertend(code: str) -> bool:
    return not ist_jfw(code) and KENNZAHLEN[code].wertend


def nur_insgesamt(code: str) -> bool:
    return not ist_jfw(code) and KENNZAHLEN[code].nur_insgesamt


def einheit(code: str) -> str:
    """The unit after a figure's code in headers and axis titles ("in %", "Anzahl", …)."""
    return JFW_EINHEIT[STEUERUNG[code].einheit] if ist_jfw(code) else "in %"


def stellen(code) -> int:
    """Decimals of a figure as the pages show it (Kennzahlen: ``fmt.stellen``; JFW:
    ``zielsteuerung.stellen``); a tuple of Kennzahlen: their common decimals."""
    from helpers import zielsteuerung

    return zielsteuerung.stellen(code) if isinstance(code, str) and ist_jfw(code) else fmt.stellen(code)


def wert_text(code: str, x) -> str:
    """A value as the pages print it: Kennzahlen without unit ("12,3"; the header says "in %"),
    JFW with theirs (``zielsteuerung.wert_text``: "1.234", "12,35 %", "+1,2 %", "0,35 Pp.")."""
    from helpers import zielsteuerung

    return zielsteuerung.wert_text(code, x) if ist_jfw(code) else fmt.kennzahl(code, x, "")


def d3_format(code: str) -> str:
    return fmt.d3(stellen(code))


def erklaerung(code: str) -> str:
    """One line explaining a figure: full name, goal and how to read it."""
    if ist_jfw(code):
        g = STEUERUNG[code]
        return (f"{g.code} – {g.name} (Steuerungsgröße zu Ziel {g.ziel}: {ZIELE[g.ziel]}; Zielsteuerung nach "
                f"§ 48b SGB II). Ohne Wertung: ein höherer Wert ist weder günstiger noch ungünstiger.")
    k = KENNZAHLEN[code]
    art = "Kennzahl" if k.ist_kennzahl else "Ergänzungsgröße"
    extra = "; nur für „insgesamt“" if k.nur_insgesamt else ""
    return f"{k.code} – {k.name} ({art} zu Ziel {k.ziel}: {ZIELE[k.ziel]}). Lesart: {k.lesart}{extra}."


def gruppe_optionen(m, jobcenter_id: str) -> list[tuple[str, str]]:
    """(label, gruppe_art) naming the concrete groups of a Jobcenter."""
    info = m.jobcenter_info(jobcenter_id)
    jc = m.jobcenter
    n = {col: int((jc[col] == info[col]).sum()) for col in ("vergleichstyp", "land", "traegerart")}
    return [
        (f"Vergleichstyp {info['vergleichstyp']} ({n['vergleichstyp']} Jobcenter)", "vergleichstyp"),
        (f"Land {info['land_name']} ({n['land']} Jobcenter)", "land"),
        (f"Trägerart {info['traegerart']} ({n['traegerart']} Jobcenter)", "traegerart"),
        ("Nächste Nachbarn (ähnliche Kennzahlen)", "nachbarn"),
        ("Vergleichsring (freie Liste)", "ring"),
    ]


# --------------------------------------------------------------------------- nearest neighbours


@lru_cache(maxsize=16)
def zwerte(m, monat: str, geschlecht: str) -> pd.DataFrame:
    """Standardised figures (z-scores over all Jobcenter) at one month: index jobcenter_id.

    NaN where a figure is undefined; figures with fewer than two defined values or sd 0 are dropped.
    """
    codes = list(codes_for(geschlecht))
    e = _erg(m, ebene="jobcenter", monat=monat, geschlecht=geschlecht, kennzahl=codes,
                     columns=["id", "kennzahl", "wert"])
    wide = e.pivot(index="id", columns="kennzahl", values="wert").reindex(
        index=sorted(m.jobcenter["jobcenter_id"]), columns=codes)
    wide.index.name = "jobcenter_id"
    return statistik.standardisiert(wide)


def distanzen_aus_z(z: pd.DataFrame, jobcenter_id: str, min_gemeinsam: int = MIN_GEMEINSAM) -> pd.DataFrame:
    """``statistik.distanzen`` with the explorer's minimum of common figures."""
    return statistik.distanzen(z, jobcenter_id, min_gemeinsam)


def distanzen(m, jobcenter_id: str, monat: str, geschlecht: str) -> pd.DataFrame:
    """distanzen_aus_z on the mart, with the Jobcenter names."""
    d = distanzen_aus_z(zwerte(m, monat, geschlecht), str(jobcenter_id))
    return d.merge(m.jobcenter[["jobcenter_id", "name"]], on="jobcenter_id", how="left")[
        ["jobcenter_id", "name", "distanz", "gemeinsam"]]


def nachbarn(m, jobcenter_id: str, monat: str, geschlecht: str, k: int) -> pd.DataFrame:
    """The k nearest neighbours (fewer if fewer have a defined distance); never the Jobcenter itself."""
    d = distanzen(m, jobcenter_id, monat, geschlecht)
    return d[d["distanz"].notna()].head(int(k)).reset_index(drop=True)


# --------------------------------------------------------------------------- groups


def mitglieder(m, a: Auswahl) -> list[str]:
    """Ids of the comparison group's members, sorted."""
    return list(_mitglieder(m, a))


@lru_cache(maxsize=256)
def _mitglieder(m, a: Auswahl) -> tuple[str, ...]:
    return tuple(_mitglieder_roh(m, a))


def _mitglieder_roh(m, a: Auswahl) -> list[str]:
    jc = m.jobcenter
    if a.gruppe_art in ("vergleichstyp", "land", "traegerart"):
        wert = m.jobcenter_info(a.jobcenter_id)[a.gruppe_art]
        return sorted(jc.loc[jc[a.gruppe_art] == wert, "jobcenter_id"])
    if a.gruppe_art == "nachbarn":
        a = vervollstaendigt(m, a)
        nb = nachbarn(m, a.jobcenter_id, a.bis, a.geschlecht, a.k)
        return sorted([a.jobcenter_id, *nb["jobcenter_id"]])
    unknown = sorted(set(a.ring.mitglieder) - set(jc["jobcenter_id"]))
    if unknown:
        raise KeyError(f"Vergleichsring „{a.ring.name}“: unbekannte Jobcenter {', '.join(unknown)}.")
    return sorted(a.ring.mitglieder)


def gruppe_name(m, a: Auswahl) -> str:
    info = m.jobcenter_info(a.jobcenter_id)
    if a.gruppe_art == "vergleichstyp":
        return f"Vergleichstyp {info['vergleichstyp']}"
    if a.gruppe_art == "land":
        return f"Land {info['land_name']}"
    if a.gruppe_art == "traegerart":
        return f"Trägerart {info['traegerart']}"
    if a.gruppe_art == "nachbarn":
        return f"{info['name']} und {_nachbarn_text(a.k, 'seine')}"
    return a.ring.name


def _nachbarn_text(k: int, artikel: str) -> str:
    """"seine 10 nächsten Nachbarn" / "seinem nächsten Nachbarn" (artikel: seine | seinen)."""
    if k == 1:
        return {"seine": "sein nächster Nachbar", "seinen": "seinem nächsten Nachbarn"}[artikel]
    return f"{artikel} {k} nächsten Nachbarn"


def vergleich_text(m, a: Auswahl, n: int | None = None) -> str:
    """The status sentence, grammatical in every case ("Jobcenter Köln im Vergleich mit seinen
    10 nächsten Nachbarn, Sep. 2023 – Aug. 2026, Insgesamt")."""
    info = m.jobcenter_info(a.jobcenter_id)
    n = len(mitglieder(m, a)) if n is None else n
    mit = {
        "vergleichstyp": f"dem Vergleichstyp {info['vergleichstyp']} ({n} Jobcenter)",
        "land": f"dem Land {info['land_name']} ({n} Jobcenter)",
        "traegerart": f"der Trägerart {info['traegerart']} ({n} Jobcenter)",
        "nachbarn": _nachbarn_text(n - 1, "seinen"),
        "ring": f"dem Vergleichsring „{a.ring.name}“ ({n} Jobcenter)" if a.ring else "",
    }[a.gruppe_art]
    zeit = zeitraum_text(a.von, a.bis) if a.von and a.bis else ""
    return f"{info['name']} im Vergleich mit {mit}, {zeit}, {GESCHLECHT_LABEL[a.geschlecht]}"


@lru_cache(maxsize=32)
def _gruppe_summe(m, members: tuple[str, ...]) -> pd.DataFrame:
    return m.gruppe(list(members), name="gruppe")


@lru_cache(maxsize=32)
def _gruppe_jfw(m, members: tuple[str, ...]) -> pd.DataFrame:
    return m.gruppe_steuerung(list(members), name="gruppe")


def gruppe_werte(m, a: Auswahl, codes: list[str] | None = None) -> pd.DataFrame:
    """The group's own figures (from summed inputs): monat, geschlecht, kennzahl, wert, grund.
    With ``codes`` that name Steuerungsgrößen, their group values too (same rules)."""
    cols = ["monat", "geschlecht", "kennzahl", "wert", "grund"]
    jfw = [c for c in (codes or []) if ist_jfw(c)]
    if a.gruppe_art in ("vergleichstyp", "land", "traegerart"):
        gid = m.jobcenter_info(a.jobcenter_id)[a.gruppe_art]
        e = _erg(m, ebene=a.gruppe_art, id=gid, columns=cols)
        return pd.concat([e, _erg(m, ebene=a.gruppe_art, id=gid, kennzahl=jfw, columns=cols)],
                         ignore_index=True) if jfw else e
    e = _gruppe_summe(m, tuple(mitglieder(m, a)))[cols]
    return pd.concat([e, _gruppe_jfw(m, tuple(mitglieder(m, a)))[cols]], ignore_index=True) if jfw else e


def ziele(m, a: Auswahl) -> list:
    """The Zielerreichung (``steuerung.Zielerreichung``, insgesamt) of the chosen Jobcenter for the
    Zielgröße of the chosen Steuerungsgröße (Ziel 2: K2, Ziel 3: LZB), for the year of ``bis`` and
    the year before, where ``ziele`` exist; empty otherwise."""
    from helpers import zielsteuerung
    from helpers.steuerung import ZIELGROESSEN

    if not ist_jfw(a.kennzahl):
        return []
    a = vervollstaendigt(m, a)
    zg = "K2" if STEUERUNG[a.kennzahl].ziel == 2 else "LZB"
    z = m.ziele(a.jobcenter_id)
    jahr = int(a.bis[:4])
    jahre = sorted(j for j in set(z.loc[z["zielgroesse"] == zg, "jahr"].astype(int)) if jahr - 1 <= j <= jahr)
    if not jahre:
        return []
    s = _erg(m, ebene="jobcenter", id=a.jobcenter_id, geschlecht="insgesamt", kennzahl=[ZIELGROESSEN[zg]])
    return [x for x in zielsteuerung.zielerreichungen(m, a.jobcenter_id, a.bis, jahre, s) if x.zielgroesse == zg]


def ziel_saetze(m, a: Auswahl) -> list[str]:
    """Soll, Ist and the verdict as the Jobcenter page says them (``zielsteuerung.urteil_satz``)."""
    from helpers import zielsteuerung

    saetze = [zielsteuerung.urteil_satz(z) for z in ziele(m, a)]
    if saetze and m.meta.get("demo"):
        saetze.append("Die Zielwerte der Demodaten sind synthetisch.")
    return saetze


def _grund_text(grund: str, gruppe: bool = False) -> str:
    """The reason text of the handbook's pages (``text.grund_text``)."""
    return text.grund_text(grund, gruppe)


# --------------------------------------------------------------------------- views (data)


def reihen(m, a: Auswahl, kennzahlen: list[str] | None = None) -> pd.DataFrame:
    """Per figure and month of the period: the Jobcenter, the group (own value, median, quartiles,
    number of members with a value) and the Bund. The basis of the time series and the export."""
    a = vervollstaendigt(m, a)
    codes = list(kennzahlen or [a.kennzahl])
    months = [x for x in monate(m) if a.von <= x <= a.bis]
    grid = pd.MultiIndex.from_product([codes, months], names=["kennzahl", "monat"]).to_frame(index=False)
    members = mitglieder(m, a)
    mw = _erg(m, ebene="jobcenter", id=members, kennzahl=codes, geschlecht=a.geschlecht,
                      columns=["id", "monat", "kennzahl", "wert"])
    mw = mw[mw["monat"].between(a.von, a.bis)]
    dist = statistik.verteilung(mw, ["kennzahl", "monat"])[["kennzahl", "monat", "median", "q1", "q3", "n"]].rename(
        columns={"median": "gruppe_median", "q1": "gruppe_q1", "q3": "gruppe_q3", "n": "gruppe_n"})
    own = _erg(m, ebene="jobcenter", id=a.jobcenter_id, kennzahl=codes, geschlecht=a.geschlecht,
                       columns=["monat", "kennzahl", "wert", "grund"]).rename(
        columns={"wert": "jobcenter_wert", "grund": "jobcenter_grund"})
    grp = gruppe_werte(m, a, codes)
    grp = grp[(grp["geschlecht"] == a.geschlecht) & grp["kennzahl"].isin(codes)].drop(columns="geschlecht")
    grp = grp.rename(columns={"wert": "gruppe_wert", "grund": "gruppe_grund"})
    bund = _erg(m, ebene="bund", kennzahl=codes, geschlecht=a.geschlecht,
                        columns=["monat", "kennzahl", "wert", "grund"]).rename(
        columns={"wert": "bund_wert", "grund": "bund_grund"})
    df = grid
    for part in (own, grp, dist, bund):
        df = df.merge(part, on=["kennzahl", "monat"], how="left")
    nur = df["kennzahl"].map(nur_insgesamt).astype(bool) & (a.geschlecht != "insgesamt")
    for col in ("jobcenter_grund", "gruppe_grund", "bund_grund"):
        df[col] = df[col].fillna("").astype(str)
        df.loc[nur, col] = "nur_insgesamt"
        missing = df[col.replace("_grund", "_wert")].isna() & (df[col] == "")
        df.loc[missing, col] = "fehlt"
    df["gruppe_n"] = df["gruppe_n"].fillna(0).astype(int)
    df.insert(0, "jobcenter_id", a.jobcenter_id)
    df.insert(1, "geschlecht", a.geschlecht)
    return df[["jobcenter_id", "geschlecht", "kennzahl", "monat", "jobcenter_wert", "jobcenter_grund",
               "gruppe_wert", "gruppe_grund", "gruppe_median", "gruppe_q1", "gruppe_q3", "gruppe_n",
               "bund_wert", "bund_grund"]]


def zeitreihe(m, a: Auswahl) -> pd.DataFrame:
    """The chosen figure over the period (see ``reihen``)."""
    return reihen(m, a)


def rangliste(m, a: Auswahl) -> pd.DataFrame:
    """The group's ranking for the chosen month: 1 = best (direction-aware; context: 1 = highest).

    The chosen Jobcenter is ranked too when it is not a member of a ring (``mitglied`` False).
    Ties share the best rank; undefined values get no rank and come last.
    """
    a = vervollstaendigt(m, a)
    members = mitglieder(m, a)
    ids = sorted(set(members) | {a.jobcenter_id})
    e = _erg(m, ebene="jobcenter", id=ids, monat=a.bis, geschlecht=a.geschlecht, kennzahl=a.kennzahl,
                     columns=["id", "wert", "grund"]).rename(columns={"id": "jobcenter_id"})
    df = pd.DataFrame({"jobcenter_id": ids}).merge(e, on="jobcenter_id", how="left")
    df = df.merge(m.jobcenter[["jobcenter_id", "name"]], on="jobcenter_id", how="left")
    df["grund"] = df["grund"].fillna("nur_insgesamt" if nur_insgesamt(a.kennzahl)
                                     and a.geschlecht != "insgesamt" else "fehlt")
    df["rang"] = statistik.rang_einer_reihe(df["wert"], a.kennzahl)
    df["rang_n"] = int(df["wert"].notna().sum())
    df["auswahl"] = df["jobcenter_id"] == a.jobcenter_id
    df["mitglied"] = df["jobcenter_id"].isin(members)
    df = df.sort_values(["rang", "name"], na_position="last", kind="stable").reset_index(drop=True)
    return df[["rang", "rang_n", "jobcenter_id", "name", "wert", "grund", "auswahl", "mitglied"]]


def raenge(m, a: Auswahl, codes: list[str]) -> dict[str, dict]:
    """The chosen Jobcenter's rank per figure in one read (same rule as ``rangliste``):
    {code: {"rang": int | NA, "rang_n": int}}."""
    a = vervollstaendigt(m, a)
    ids = sorted(set(mitglieder(m, a)) | {a.jobcenter_id})
    e = _erg(m, ebene="jobcenter", id=ids, monat=a.bis, geschlecht=a.geschlecht, kennzahl=codes,
                     columns=["id", "kennzahl", "wert"])
    wide = e.pivot(index="id", columns="kennzahl", values="wert").reindex(index=ids, columns=codes)
    out = {}
    for c in codes:
        r = statistik.rang_einer_reihe(wide[c], c)
        eigen = r.loc[a.jobcenter_id]
        out[c] = {"rang": pd.NA if pd.isna(eigen) else int(eigen), "rang_n": int(wide[c].notna().sum())}
    return out


einordnung = statistik.einordnung


def profil(m, a: Auswahl) -> pd.DataFrame:
    """All figures of the Jobcenter at the chosen month relative to its group.

    ``anteil_besser``: % of the other members with a defined value that the Jobcenter is better
    than (right = better; for context figures: % with a lower value). ``abstand``: distance to the
    other members' median in interquartile ranges, same orientation. After the Kennzahlen the
    changes of the Zielsteuerung (``PROFIL_JFW``, ``zielsteuerung`` True), neutral like the
    Ergänzungsgrößen (share of members with a lower value).
    """
    a = vervollstaendigt(m, a)
    codes = list(codes_for(a.geschlecht)) + list(PROFIL_JFW)
    r = reihen(m, replace(a, von=a.bis), codes)
    members = mitglieder(m, a)
    mw = _erg(m, ebene="jobcenter", id=[x for x in members if x != a.jobcenter_id], monat=a.bis,
                      geschlecht=a.geschlecht, kennzahl=codes, columns=["kennzahl", "wert"])
    rows = []
    for row in r.itertuples(index=False):
        if ist_jfw(row.kennzahl):
            anteil, abstand = einordnung(row.jobcenter_wert,
                                         mw.loc[mw["kennzahl"] == row.kennzahl, "wert"].to_numpy(), 0)
            rows.append({"kennzahl": row.kennzahl, "kurz": kurz(row.kennzahl), "ziel": STEUERUNG[row.kennzahl].ziel,
                         "richtung": 0, "kontext": True, "zielsteuerung": True, "anteil_besser": anteil,
                         "abstand": abstand, "lesart": "" if math.isnan(anteil) else "kontext"})
            continue
        k = KENNZAHLEN[row.kennzahl]
        gewertet = k.ist_kennzahl and k.richtung != 0   # reading rule: only K1–K3 are rated
        anteil, abstand = einordnung(row.jobcenter_wert, mw.loc[mw["kennzahl"] == row.kennzahl, "wert"].to_numpy(),
                                     k.richtung if gewertet else 0)
        if math.isnan(anteil):
            lesart = ""
        elif not gewertet:
            lesart = "kontext"
        else:
            lesart = "günstiger" if anteil > 50 else "ungünstiger" if anteil < 50 else "gleich"
        rows.append({"kennzahl": k.code, "kurz": k.kurz, "ziel": k.ziel, "richtung": k.richtung,
                     "kontext": not gewertet, "zielsteuerung": False, "anteil_besser": anteil, "abstand": abstand,
                     "lesart": lesart})
    return r.merge(pd.DataFrame(rows), on="kennzahl")


PROFIL_JFW = ("JFW_K2_VJ", "JFW_LZB_VJ")   # the Zielsteuerung in the profile: the changes (comparable across sizes)


# --------------------------------------------------------------------------- German formatting


def zahl(x, stellen: int | None = None) -> str:
    """German number as in the handbook (helpers.fmt): "1.234,6"; "." if undefined; default
    decimals: the figures' (catalogue, ``fmt.stellen``)."""
    return fmt.zahl(x, fmt.stellen(CODES_ALLE) if stellen is None else stellen)


def deutsch(df: pd.DataFrame, spalten: dict[str, str], kennzahl: str | None = None) -> pd.DataFrame:
    """The given columns, renamed; numbers as German text ("." if undefined), with the decimals of
    each row's figure (column ``kennzahl``, or the one figure ``kennzahl`` of the whole frame)."""
    out = df[list(spalten)].copy()
    stellen_ = ([stellen(c) for c in df["kennzahl"]] if "kennzahl" in df.columns
                else [stellen(kennzahl) if kennzahl else fmt.stellen(CODES_ALLE)] * len(df))
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [zahl(x, n) for x, n in zip(out[col], stellen_)]
    return out.rename(columns=spalten)


ZEITREIHE_SPALTEN = {"monat": "Monat", "jobcenter_wert": "Jobcenter", "gruppe_wert": "Gruppe (Summe)",
                     "gruppe_median": "Median der Gruppe", "gruppe_q1": "1. Quartil", "gruppe_q3": "3. Quartil",
                     "bund_wert": "Bund"}
RANGLISTE_SPALTEN = {"rang": "Rang", "name": "Jobcenter", "jobcenter_id": "Kennung", "wert": "Wert"}
PROFIL_SPALTEN = {"kennzahl": "Kennzahl", "kurz": "Bezeichnung", "jobcenter_wert": "Jobcenter",
                  "gruppe_median": "Median der Gruppe", "anteil_besser": "übertrifft % der Gruppe"}


def _mit_grund(code: str, wert, grund: str, gruppe: bool, hinweise: list[str], wer: str) -> str:
    """The number, or the sign of its reason (``text.zeichen``, as in the page table; the reason
    goes to the column "Hinweis")."""
    if not fmt.fehlt(wert):
        return wert_text(code, wert)
    t = _grund_text(grund, gruppe)
    if t:
        hinweise.append(f"{wer}: {t}")
    return text.zeichen(grund) if grund else LEER


def tabelle(m, a: Auswahl) -> pd.DataFrame:
    """The numbers of the profile as German text: one row per figure at the chosen month, the
    Kennzahlen, then the Steuerungsgrößen of the Zielsteuerung (never rated; rank by height).

    An undefined value shows its sign ("." or "x", ``text.zeichen``); the column "Hinweis" says why.
    """
    a = vervollstaendigt(m, a)
    p = profil(m, a)
    p = p[~p["zielsteuerung"]]
    jfw = reihen(m, replace(a, von=a.bis), list(STEUERUNG)).assign(lesart="jfw")
    zeilen = pd.concat([p, jfw], ignore_index=True)
    rang = raenge(m, a, list(zeilen["kennzahl"]))
    out = []
    for row in zeilen.itertuples(index=False):
        hinweise: list[str] = []
        eigen = rang[row.kennzahl]
        ohne = text.zeichen(row.jobcenter_grund) if row.jobcenter_grund else LEER
        code = row.kennzahl
        out.append({
            "Kennzahl": code,
            "Bezeichnung": kurz(code),
            "Lesart": lesart(code),
            "Jobcenter": _mit_grund(code, row.jobcenter_wert, row.jobcenter_grund, False, hinweise, "Jobcenter"),
            "Gruppe (Summe)": _mit_grund(code, row.gruppe_wert, row.gruppe_grund, True, hinweise, "Gruppe"),
            "Median der Gruppe": wert_text(code, row.gruppe_median),
            "1.–3. Quartil": LEER if pd.isna(row.gruppe_q1) else
            f"{wert_text(code, row.gruppe_q1)} bis {wert_text(code, row.gruppe_q3)}",
            "Bund": _mit_grund(code, row.bund_wert, row.bund_grund, True, hinweise, "Bund"),
            "Rang": ohne if pd.isna(eigen["rang"]) else f"{int(eigen['rang'])} von {int(eigen['rang_n'])}",
            "Einordnung": {"günstiger": "günstiger als der Median", "ungünstiger": "ungünstiger als der Median",
                           "gleich": "gleich dem Median", "kontext": "ohne Wertung",
                           "jfw": "ohne Wertung"}.get(row.lesart, ohne),
            "Hinweis": "; ".join(dict.fromkeys(hinweise)),
        })
    return pd.DataFrame(out)


def hinweise(m, a: Auswahl) -> list[str]:
    """German notes on the selection: demo data, restricted figures, unusable groups."""
    a = vervollstaendigt(m, a)
    notes = []
    if m.meta.get("demo"):
        notes.append("Demodaten: alle Zahlen sind synthetisch erzeugt und keine amtlichen Werte.")
    if m.meta.get("vergleichstypen_synthetisch") and a.gruppe_art == "vergleichstyp":
        notes.append("Die Vergleichstypen der Demodaten sind synthetisch zugeordnet, nicht die amtlichen.")
    if nur_insgesamt(a.kennzahl) and a.geschlecht != "insgesamt":
        notes.append(f"{a.kennzahl} ist {text.grund_text(text.GRUND_NUR_INSGESAMT)}.")
    if ist_jfw(a.kennzahl):
        notes.append(f"{a.kennzahl}: {JFW_LESART} (Rangliste nach Höhe).")
        notes += ziel_saetze(m, a)
    if a.gruppe_art == "nachbarn":
        n = len(mitglieder(m, a)) - 1
        if n < a.k:
            notes.append(f"Nur {n} Nachbarn mit mindestens {MIN_GEMEINSAM} gemeinsam definierten Kennzahlen gefunden.")
    return notes


# --------------------------------------------------------------------------- charts

DE_FORMAT = fmt.D3_FORMAT_LOCALE
# the explorer's chart templates serve every figure: one d3 format from the catalogue's decimals
# (fmt.stellen raises if the figures ever get different decimals; then the templates need a field)
D3_WERT = fmt.d3_kennzahl(KENNZAHLEN)
DE_ZEIT = fmt.D3_TIME_LOCALE
VL_VERSION = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]   # "6.4" for vl-convert
EMBED_OPTIONEN = {"actions": False, "renderer": "svg", "formatLocale": DE_FORMAT, "timeFormatLocale": DE_ZEIT}


# Charts are built on named data (``alt.NamedData``) with the rows in the top-level ``datasets``.
# The explorer redraws from ``Vorlage``: each chart's vega-lite dict is built by altair once per
# shape with placeholder texts, kept as JSON text, and per redraw only the texts and the rows are
# swapped in (no altair objects, no schema work on the hot path). The result equals
# ``spec(diagramm_...)`` exactly (a unit test compares both); a front end can then swap only the
# data when nothing but the rows changed.

_PLATZ = "\u27e6{}\u27e7"   # ⟦name⟧: a placeholder text in a template


@dataclass(frozen=True)
class _KzTexte:
    """The texts of a figure a chart shows (real ones, or placeholders for a template)."""

    code: str
    kurz: str
    lesart: str
    wertend: bool
    einheit: str = "in %"      # after the code in axis titles and tooltips
    d3: str = D3_WERT          # the d3 format of the values (the figure's decimals)


def _kz_texte(kennzahl: str) -> _KzTexte:
    return _KzTexte(kennzahl, kurz(kennzahl), lesart(kennzahl), wertend(kennzahl), einheit(kennzahl),
                    d3_format(kennzahl))


def _kz_platz(wertend: bool) -> _KzTexte:
    return _KzTexte(_PLATZ.format("code"), _PLATZ.format("kurz"), _PLATZ.format("lesart"), wertend,
                    _PLATZ.format("einheit"), _PLATZ.format("d3"))


def _werte(df: pd.DataFrame) -> list[dict]:
    """Rows as altair embeds them (NaN and NA as null, Python scalars), without its data transformer."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


class Vorlage:
    """A chart's vega-lite dict without its data, with placeholders ⟦name⟧ for texts."""

    def __init__(self, chart: alt.TopLevelMixin):
        d = chart.to_dict(validate=False)
        d.pop("datasets", None)
        self.text = json.dumps(d, ensure_ascii=False)

    def fuelle(self, texte: dict[str, str], datasets: dict[str, list[dict]]) -> dict:
        t = self.text
        for name, wert in texte.items():
            t = t.replace(_PLATZ.format(name), json.dumps(str(wert), ensure_ascii=False)[1:-1])
        out = json.loads(t)
        out["datasets"] = datasets
        return out


def _kz_werte(kennzahl: str) -> dict[str, str]:
    return {"code": kennzahl, "kurz": kurz(kennzahl), "lesart": lesart(kennzahl), "einheit": einheit(kennzahl),
            "d3": d3_format(kennzahl)}


def absolut(code: str) -> bool:
    """An absolute Steuerungsgröße (a count, a mean stock): the group's and the Bund's value are
    totals of many Jobcenter, not comparable with one in a chart (they stay in tables and exports)."""
    return ist_jfw(code) and STEUERUNG[code].einheit in ("anzahl", "bestand")


def _zeitreihe_namen(jobcenter: str, gruppe: str, summen: bool = True) -> dict[str, str]:
    namen = {"jobcenter_wert": jobcenter, "gruppe_wert": f"{gruppe} (Summe)",
             "gruppe_median": f"{gruppe} (Median)", "bund_wert": "Bund"}
    return namen if summen else {k: v for k, v in namen.items() if k in ("jobcenter_wert", "gruppe_median")}


def _zeitreihe_daten(df: pd.DataFrame, jobcenter: str, gruppe: str, summen: bool = True) -> dict[str, pd.DataFrame]:
    d = df[["monat", "jobcenter_wert", "gruppe_wert", "gruppe_median", "gruppe_q1", "gruppe_q3", "bund_wert"]].assign(
        datum=df["monat"] + "-01")
    namen = _zeitreihe_namen(jobcenter, gruppe, summen)
    long = d.melt(id_vars=["datum", "monat"], value_vars=list(namen), var_name="reihe", value_name="wert")
    long["gestrichelt"] = long["reihe"] == "gruppe_median"
    long["reihe"] = long["reihe"].map(namen)
    return {"band": d[["datum", "monat", "gruppe_q1", "gruppe_q3"]], "reihen": long}


def _zeitreihe_chart(k: _KzTexte, jobcenter: str, gruppe: str, summen: bool = True) -> alt.LayerChart:
    namen = list(_zeitreihe_namen(jobcenter, gruppe, summen).values())
    farben = [FARBE["jobcenter"], FARBE["gruppe"], FARBE["median"], FARBE["bund"]] if summen else \
        [FARBE["jobcenter"], FARBE["median"]]
    x = alt.X("datum:T", title=None, axis=alt.Axis(format="%b %Y"))
    band = alt.Chart(alt.NamedData("band")).mark_area(color=FARBE["band"], opacity=0.45).encode(
        x=x, y="gruppe_q1:Q", y2="gruppe_q3:Q",
        tooltip=[alt.Tooltip("monat:N", title="Monat"),
                 alt.Tooltip("gruppe_q1:Q", title="1. Quartil", format=k.d3),
                 alt.Tooltip("gruppe_q3:Q", title="3. Quartil", format=k.d3)])
    lines = alt.Chart(alt.NamedData("reihen")).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=x, y=alt.Y("wert:Q", title=f"{k.code} {k.einheit}", scale=alt.Scale(zero=False), axis=alt.Axis(format=k.d3)),
        color=alt.Color("reihe:N", title=None, sort=namen, scale=alt.Scale(domain=namen, range=farben),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=0)),
        strokeDash=alt.condition(alt.datum.gestrichelt, alt.value([4, 3]), alt.value([1, 0])),
        tooltip=[alt.Tooltip("reihe:N", title="Reihe"), alt.Tooltip("monat:N", title="Monat"),
                 alt.Tooltip("wert:Q", title=f"Wert {k.einheit}", format=k.d3)])
    return (band + lines).properties(
        width=620, height=300,
        title=alt.Title(f"{k.code} {k.kurz}", subtitle=f"{k.lesart}; graues Band: 1. bis 3. Quartil der Gruppe"
                        + ("" if summen else "; Summen der Gruppe und des Bundes nur in der Tabelle (andere "
                                             "Größenordnung)")))


def diagramm_zeitreihe(df: pd.DataFrame, jobcenter: str, gruppe: str, kennzahl: str) -> alt.LayerChart:
    """Jobcenter, group value, group median with quartile band, Bund over time (an absolute
    Steuerungsgröße: Jobcenter and the group's distribution only)."""
    summen = not absolut(kennzahl)
    daten = _zeitreihe_daten(df, jobcenter, gruppe, summen)
    return _zeitreihe_chart(_kz_texte(kennzahl), jobcenter, gruppe, summen).properties(
        datasets={n: _werte(d) for n, d in daten.items()})


@lru_cache(maxsize=None)
def _vorlage(art: str, *schluessel) -> Vorlage:
    if art == "zeitreihe":
        (summen,) = schluessel
        return Vorlage(_zeitreihe_chart(_kz_platz(True), _PLATZ.format("jobcenter"), _PLATZ.format("gruppe"), summen))
    if art == "vergleich":
        (n,) = schluessel
        return Vorlage(_vergleich_chart(_kz_platz(True), [_PLATZ.format(f"l{i}") for i in range(n)]))
    if art == "rangliste":
        (wertend,) = schluessel
        return Vorlage(_rangliste_chart(_kz_platz(wertend), _PLATZ.format("monat")))
    if art == "profil":
        wertung, kontext, steuerung = schluessel
        return Vorlage(_profil_chart(list(wertung), list(kontext), list(steuerung)))
    raise ValueError(art)


def spec_zeitreihe(df: pd.DataFrame, jobcenter: str, gruppe: str, kennzahl: str) -> dict:
    """``spec(diagramm_zeitreihe(...))`` from the template (fast)."""
    summen = not absolut(kennzahl)
    daten = _zeitreihe_daten(df, jobcenter, gruppe, summen)
    return _vorlage("zeitreihe", summen).fuelle({**_kz_werte(kennzahl), "jobcenter": jobcenter, "gruppe": gruppe},
                                         {n: _werte(d) for n, d in daten.items()})


VERGLEICH_FARBEN = ["#08519c", "#e6550d", "#31a354", "#756bb1", "#636363", "#d6616b", "#8c6d31", "#17becf"]


def vergleich_reihen(m, ids: list[str], kennzahl: str, geschlecht: str, von: str, bis: str) -> pd.DataFrame:
    """One figure over the period for up to MAX_VERGLEICH Jobcenter: monat, jobcenter_id, name, wert, grund."""
    if not ids:
        raise ValueError("Bitte mindestens ein Jobcenter für den Vergleich angeben.")
    if len(ids) > MAX_VERGLEICH:
        raise ValueError(f"Höchstens {MAX_VERGLEICH} Jobcenter in einem Vergleich.")
    months = [x for x in monate(m) if von <= x <= bis]
    grid = pd.MultiIndex.from_product([list(ids), months], names=["jobcenter_id", "monat"]).to_frame(index=False)
    e = _erg(m, ebene="jobcenter", id=list(ids), kennzahl=kennzahl, geschlecht=geschlecht,
                     columns=["id", "monat", "wert", "grund"]).rename(columns={"id": "jobcenter_id"})
    df = grid.merge(e, on=["jobcenter_id", "monat"], how="left")
    df["grund"] = df["grund"].fillna("fehlt").astype(str)
    namen = m.jobcenter.set_index("jobcenter_id")["name"]
    df.insert(1, "name", df["jobcenter_id"].map(namen))
    return df


def _vergleich_daten(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    d = df.assign(datum=df["monat"] + "-01", label=df["name"] + " (" + df["jobcenter_id"] + ")")
    return d, list(dict.fromkeys(d["label"]))


def _vergleich_chart(k: _KzTexte, labels: list[str]) -> alt.Chart:
    return alt.Chart(alt.NamedData("vergleich")).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("datum:T", title=None, axis=alt.Axis(format="%b %Y")),
        y=alt.Y("wert:Q", title=f"{k.code} {k.einheit}", scale=alt.Scale(zero=False), axis=alt.Axis(format=k.d3)),
        color=alt.Color("label:N", title=None, sort=labels,
                        scale=alt.Scale(domain=labels, range=VERGLEICH_FARBEN[:len(labels)]),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=0)),
        tooltip=[alt.Tooltip("label:N", title="Jobcenter"), alt.Tooltip("monat:N", title="Monat"),
                 alt.Tooltip("wert:Q", title=f"Wert {k.einheit}", format=k.d3)],
    ).properties(width=620, height=300, title=alt.Title(
        f"{k.code} {k.kurz}: {len(labels)} Jobcenter im Vergleich", subtitle=f"{k.lesart}"))


def diagramm_vergleich(df: pd.DataFrame, kennzahl: str) -> alt.Chart:
    """The chosen Jobcenter as lines in one chart (colours in the order given)."""
    d, labels = _vergleich_daten(df)
    return _vergleich_chart(_kz_texte(kennzahl), labels).properties(datasets={"vergleich": _werte(d)})


def spec_vergleich(df: pd.DataFrame, kennzahl: str) -> dict:
    """``spec(diagramm_vergleich(...))`` from the template (fast)."""
    d, labels = _vergleich_daten(df)
    texte = {**_kz_werte(kennzahl), **{f"l{i}": lbl for i, lbl in enumerate(labels)}}
    return _vorlage("vergleich", len(labels)).fuelle(texte, {"vergleich": _werte(d)})


def spec(chart: alt.TopLevelMixin) -> dict:
    """The vega-lite dict of a chart without schema validation (the tests validate; ~3x faster)."""
    return chart.to_dict(validate=False)


def rangliste_auszug(df: pd.DataFrame, maximal: int = 40) -> pd.DataFrame:
    """At most ``maximal`` rows for the chart: the best and worst ten and the chosen one's neighbourhood."""
    if len(df) <= maximal:
        return df
    keep = np.zeros(len(df), dtype=bool)
    keep[:10] = True
    keep[-10:] = True
    for pos in np.flatnonzero(df["auswahl"].to_numpy()):   # none if its value is undefined
        keep[max(pos - 5, 0):pos + 6] = True
    return df[keep]


def _rangliste_daten(df: pd.DataFrame) -> pd.DataFrame:
    d = rangliste_auszug(df[df["wert"].notna()])
    d = d.assign(label=d["rang"].astype(str) + ". " + d["name"], pos=np.arange(len(d)))
    return d[["pos", "label", "rang", "name", "wert", "auswahl"]]


def _rangliste_chart(k: _KzTexte, monat: str) -> alt.Chart:
    return alt.Chart(alt.NamedData("rangliste")).mark_bar().encode(
        y=alt.Y("label:N", sort=alt.EncodingSortField("pos", order="ascending"), title=None,
                axis=alt.Axis(labelLimit=0)),
        x=alt.X("wert:Q", title=f"{k.code} {k.einheit}", axis=alt.Axis(format=k.d3)),
        color=alt.condition(alt.datum.auswahl, alt.value(FARBE["jobcenter"]), alt.value(FARBE["band"])),
        tooltip=[alt.Tooltip("rang:Q", title="Rang"), alt.Tooltip("name:N", title="Jobcenter"),
                 alt.Tooltip("wert:Q", title=f"Wert {k.einheit}", format=k.d3)],
    ).properties(width=520, height=alt.Step(16), title=alt.Title(
        f"Rangliste {k.code}, {monat}", subtitle=("1 = höchster Wert (absteigend sortiert, keine Wertung)"
                                                 if not k.wertend else f"1 = bester Wert ({k.lesart})")))


def diagramm_rangliste(df: pd.DataFrame, kennzahl: str, monat: str) -> alt.Chart:
    """Horizontal bars, best first; the chosen Jobcenter highlighted."""
    return _rangliste_chart(_kz_texte(kennzahl), monat_text(monat)).properties(
        datasets={"rangliste": _werte(_rangliste_daten(df))})


def spec_rangliste(df: pd.DataFrame, kennzahl: str, monat: str) -> dict:
    """``spec(diagramm_rangliste(...))`` from the template (fast)."""
    return _vorlage("rangliste", wertend(kennzahl)).fuelle(
        {**_kz_werte(kennzahl), "monat": monat_text(monat)}, {"rangliste": _werte(_rangliste_daten(df))})


def _profil_daten(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    d = df[["kennzahl", "kurz", "kontext", "zielsteuerung", "lesart", "anteil_besser", "jobcenter_wert",
            "gruppe_median"]].copy()
    d["label"] = d["kennzahl"] + " " + d["kurz"]
    d["mitte"] = 50.0   # the rule from the group's middle to the Jobcenter's position
    d = d.drop(columns="zielsteuerung").assign(_z=df["zielsteuerung"].astype(bool).to_numpy())
    teile = d[~d["kontext"]], d[d["kontext"] & ~d["_z"]], d[d["_z"]]
    return tuple(t.drop(columns="_z") for t in teile)


def _profil_chart(wertung: list[str], kontext: list[str], steuerung: list[str] = ()) -> alt.VConcatChart:
    def panel(name: str, labels: list[str], titel: str, x_titel: str, farbe) -> alt.LayerChart:
        base = alt.Chart(alt.NamedData(name)).encode(y=alt.Y("label:N", sort=labels, title=None,
                                                              axis=alt.Axis(labelLimit=280)))
        achse = alt.X("anteil_besser:Q", scale=alt.Scale(domain=[0, 100]), title=x_titel)
        rule = alt.Chart(alt.NamedData("mitte")).mark_rule(strokeDash=[4, 3], color=FARBE["median"]).encode(x="x:Q")
        strich = base.mark_rule(color=FARBE["band"], strokeWidth=2).encode(x="mitte:Q", x2=alt.X2("anteil_besser:Q"))
        punkte = base.mark_circle(size=110, opacity=1).encode(
            x=achse, color=farbe,
            tooltip=[alt.Tooltip("label:N", title="Kennzahl"),
                     alt.Tooltip("jobcenter_wert:Q", title="Jobcenter in %", format=D3_WERT),
                     alt.Tooltip("gruppe_median:Q", title="Median der Gruppe in %", format=D3_WERT),
                     alt.Tooltip("anteil_besser:Q", title="Anteil übertroffen in %", format=fmt.d3(0))])
        return (strich + rule + punkte).properties(width=480, height=22 * max(len(labels), 1), title=titel)

    farbe = alt.Color("lesart:N", title=None, scale=alt.Scale(
        domain=["günstiger", "gleich", "ungünstiger"], range=[FARBE["günstiger"], FARBE["gleich"], FARBE["ungünstiger"]]),
        legend=alt.Legend(orient="bottom", labelLimit=0))
    oben = panel("wertung", wertung, "Kennzahlen K1–K3: rechts = günstiger als die Gruppe",
                 "Anteil der Gruppenmitglieder, die das Jobcenter übertrifft (%)", farbe)
    unten = panel("kontext", kontext, "Ergänzungsgrößen (ohne Wertung): rechts = höherer Wert",
                  "Anteil der Gruppenmitglieder mit niedrigerem Wert (%)", alt.value(FARBE["kontext"]))
    if not steuerung:
        return alt.vconcat(oben, unten).resolve_scale(color="independent")
    ziel = panel("zielsteuerung", list(steuerung), "Zielsteuerung, Veränderung zum Vorjahr (ohne Wertung): "
                 "rechts = höherer Wert", "Anteil der Gruppenmitglieder mit niedrigerem Wert (%)",
                 alt.value(FARBE["kontext"]))
    return alt.vconcat(oben, unten, ziel).resolve_scale(color="independent")


def _profil_datasets(wertung: pd.DataFrame, kontext: pd.DataFrame, steuerung: pd.DataFrame | None = None) -> dict:
    d = {"wertung": _werte(wertung), "kontext": _werte(kontext), "mitte": [{"x": 50}]}
    if steuerung is not None and len(steuerung):
        d["zielsteuerung"] = _werte(steuerung)
    return d


def diagramm_profil(df: pd.DataFrame) -> alt.VConcatChart:
    """Parallel-dot profile: share of the group the Jobcenter is better than; right = better.
    Context figures in a separate, neutral panel (right = higher value)."""
    wertung, kontext, steuerung = _profil_daten(df)
    return _profil_chart(list(wertung["label"]), list(kontext["label"]), list(steuerung["label"])).properties(
        datasets=_profil_datasets(wertung, kontext, steuerung))


def spec_profil(df: pd.DataFrame) -> dict:
    """``spec(diagramm_profil(...))`` from the template (fast)."""
    wertung, kontext, steuerung = _profil_daten(df)
    return _vorlage("profil", tuple(wertung["label"]), tuple(kontext["label"]), tuple(steuerung["label"])).fuelle(
        {}, _profil_datasets(wertung, kontext, steuerung))


def diagramm_modus() -> str:
    """"widget" (altair JupyterChart, offline) when anywidget and vl-convert are installed — the
    JupyterLab env; "text" otherwise (CI env, nbval): a table plus the raw vega-lite v6 bundle.
    HANDBUCH_DIAGRAMME=text forces the fallback."""
    if os.environ.get("HANDBUCH_DIAGRAMME") == "text":
        return "text"
    return "widget" if find_spec("anywidget") and find_spec("vl_convert") else "text"


class _Ersatz:
    """Fallback display: frontends that render vega-lite v6 show the chart, others the table."""

    def __init__(self, chart: alt.TopLevelMixin | dict, daten: pd.DataFrame | None):
        self.chart, self.daten = chart, daten

    def _repr_mimebundle_(self, include=None, exclude=None):
        tabelle_html = "" if self.daten is None else self.daten.to_html(index=False, na_rep=LEER)
        hinweis = ("<p><em>Diagramme erscheinen in JupyterLab mit der Umgebung aus <code>make lab</code> "
                   "(anywidget, vl-convert); hier die Zahlen als Tabelle.</em></p>")
        spec = self.chart if isinstance(self.chart, dict) else self.chart.to_dict()
        return {"application/vnd.vegalite.v6+json": spec,
                "text/html": hinweis + tabelle_html,
                "text/plain": "<Diagramm: in JupyterLab mit `make lab` sichtbar>"}


# --------------------------------------------------------------------------- exports
#
# Data exports have readable German headers and the handbook's rounding (helpers.fmt: one
# decimal, half away from zero). CSV: the numbers as the handbook prints them ("12,3"; undefined: the
# sign of its reason, "." or "x", kept per column in ``df.attrs["zeichen"]`` by ``mit_zeichen``),
# ";" separated, UTF-8 with BOM (German spreadsheets). XLSX: the rounded numbers as numbers,
# undefined cells empty; the reason is in "Hinweis". The group's members come with every export
# (CSV: a second file ..._mitglieder.csv; XLSX: sheet "Mitglieder"). Existing files are never
# overwritten: a free name gets "-2", "-3", ...

CSV_OPTIONEN = {"sep": ";"}
EXPORT_FORMATE = ("csv", "xlsx")
BILD_FORMATE = ("png", "svg")


def _datenbasis(m) -> str:
    return (f"{'synthetische Demodaten' if m.meta.get('demo') else 'Statistik der BA'}, "
            f"Datenstand {fmt.monat(m.meta['datenstand'])}")


def export_tabelle(m, a: Auswahl, codes: list[str] | None = None) -> pd.DataFrame:
    """All figures defined for the gender over the period (or ``codes``): Jobcenter, group, Bund.

    German headers ("… in %" for the Kennzahlen; with Steuerungsgrößen, whose units differ, a column
    "Einheit" instead); numbers still at full precision (rounded only when written)."""
    a = vervollstaendigt(m, a)
    df = reihen(m, a, list(codes or codes_for(a.geschlecht)))
    e = "" if not df["kennzahl"].map(ist_jfw).any() else None   # None: the unit is a column
    hinweis = [
        "; ".join(dict.fromkeys(t for t in (
            f"Jobcenter: {_grund_text(r.jobcenter_grund)}" if pd.isna(r.jobcenter_wert) and r.jobcenter_grund else "",
            f"Gruppe: {_grund_text(r.gruppe_grund, True)}" if pd.isna(r.gruppe_wert) and r.gruppe_grund else "",
            f"Bund: {_grund_text(r.bund_grund, True)}" if pd.isna(r.bund_wert) and r.bund_grund else "") if t))
        for r in df.itertuples(index=False)]
    out = pd.DataFrame({
        "Kennung": df["jobcenter_id"],
        "Jobcenter": m.jobcenter_info(a.jobcenter_id)["name"],
        "Vergleichsgruppe": gruppe_name(m, a),
        "Geschlecht": GESCHLECHT_LABEL[a.geschlecht],
        "Kennzahl": df["kennzahl"],
        "Bezeichnung": df["kennzahl"].map(kurz),
        **({} if e == "" else {"Einheit": df["kennzahl"].map(einheit).str.removeprefix("in ")}),
        "Monat": df["monat"].map(fmt.monat),
        **{f"{k}{' in %' if e == '' else ''}": df[c] for k, c in (
            ("Jobcenter", "jobcenter_wert"), ("Gruppe (aus Summen)", "gruppe_wert"), ("Median der Gruppe", "gruppe_median"),
            ("1. Quartil der Gruppe", "gruppe_q1"), ("3. Quartil der Gruppe", "gruppe_q3"))},
        "Mitglieder mit Wert": df["gruppe_n"],
        f"Bund{' in %' if e == '' else ''}": df["bund_wert"],
        "Hinweis": hinweis,
        "Datenbasis": _datenbasis(m),
    })
    ohne_gruppe = ["fenster" if g == "fenster" else "nur_insgesamt" if g == "nur_insgesamt" else GRUND_KEIN_MITGLIED
                   for g in df["jobcenter_grund"]]
    p = " in %" if e == "" else ""
    return mit_zeichen(out, {f"Jobcenter{p}": df["jobcenter_grund"], f"Gruppe (aus Summen){p}": df["gruppe_grund"],
                             f"Median der Gruppe{p}": ohne_gruppe, f"1. Quartil der Gruppe{p}": ohne_gruppe,
                             f"3. Quartil der Gruppe{p}": ohne_gruppe, f"Bund{p}": df["bund_grund"]})


def ziele_tabelle(m, a: Auswahl) -> pd.DataFrame:
    """Soll, Ist and verdict of the chosen Jobcenter for both Zielgrößen (insgesamt) in the year of
    ``bis`` and the year before, numbers as on the Jobcenter page; empty without ``ziele``."""
    from helpers import zielsteuerung
    from helpers.steuerung import URTEIL_TEXT, ZIELGROESSE_LABEL, ZIELGROESSEN

    a = vervollstaendigt(m, a)
    zs = ziele(m, replace(a, kennzahl="JFW_K2")) + ziele(m, replace(a, kennzahl="JFW_LZB"))
    zeilen = []
    for z in sorted(zs, key=lambda z: (z.jahr, z.zielgroesse)):
        code = ZIELGROESSEN[z.zielgroesse]
        zeilen.append({
            "Zielgröße": ZIELGROESSE_LABEL[z.zielgroesse], "Jahr": z.jahr,
            "Vereinbarte Veränderung": fmt.zahl(z.ziel, 1, " %", vorzeichen=True),
            "Ausgangswert Dezember Vorjahr": zielsteuerung.wert_text(code, z.basis),
            "Soll Dezember": zielsteuerung.wert_text(code, z.soll),
            "Ist": zielsteuerung.wert_text(code, z.ist), "Stand": fmt.monat(z.stand) if z.stand else LEER,
            "Ist-Veränderung": zielsteuerung.wert_text(code + "_VJ", z.ist_veraenderung),
            "Ergebnis": URTEIL_TEXT[z.urteil], "Aussage": zielsteuerung.urteil_satz(z)})
    return pd.DataFrame(zeilen, columns=["Zielgröße", "Jahr", "Vereinbarte Veränderung", "Ausgangswert Dezember Vorjahr",
                                         "Soll Dezember", "Ist", "Stand", "Ist-Veränderung", "Ergebnis", "Aussage"])


GRUND_KEIN_MITGLIED = text.GRUND_KEIN_MITGLIED
CODES_ALLE = tuple(KENNZAHLEN)     # a table without figure column: the catalogue's common decimals


def mit_zeichen(df: pd.DataFrame, gruende: dict) -> pd.DataFrame:
    """df with, per value column, the sign of each row's reason (``text.zeichen``) for the CSV export
    (``_gerundet``); gruende: column -> reason codes or texts, one per row."""
    df.attrs["zeichen"] = {c: [text.zeichen(g) if isinstance(g, str) and g else LEER for g in gs]
                           for c, gs in gruende.items()}
    return df


def mitglieder_tabelle(m, a: Auswahl) -> pd.DataFrame:
    """The comparison group's members with their master data (German headers)."""
    a = vervollstaendigt(m, a)
    ids = mitglieder(m, a)
    jc = m.jobcenter.set_index("jobcenter_id").loc[ids].reset_index()
    return pd.DataFrame({"Vergleichsgruppe": gruppe_name(m, a), "Kennung": jc["jobcenter_id"],
                         "Jobcenter": jc["name"], "Land": jc["land_name"], "Trägerart": jc["traegerart"],
                         "Vergleichstyp": jc["vergleichstyp"],
                         "Ausgewähltes Jobcenter": np.where(jc["jobcenter_id"] == a.jobcenter_id, "ja", "")})


RANGLISTE_SORTIERUNG = {"rang": "Rang (bester zuerst)", "rang_ab": "Rang (schlechtester zuerst)",
                        "name": "Name (A–Z)", "kennung": "Kennung"}


def rangliste_sortiert(df: pd.DataFrame, sortierung: str = "rang") -> pd.DataFrame:
    """The ranking in the chosen order (undefined values always last)."""
    if sortierung not in RANGLISTE_SORTIERUNG:
        raise ValueError(f"Unbekannte Sortierung „{sortierung}“.")
    by, asc = {"rang": (["rang", "name"], [True, True]), "rang_ab": (["rang", "name"], [False, True]),
               "name": (["name", "jobcenter_id"], [True, True]), "kennung": (["jobcenter_id"], [True])}[sortierung]
    return df.sort_values(by, ascending=asc, na_position="last", kind="stable").reset_index(drop=True)


def rangliste_tabelle(m, a: Auswahl, sortierung: str = "rang") -> pd.DataFrame:
    """The ranking with German headers (numbers at full precision)."""
    a = vervollstaendigt(m, a)
    rl = rangliste_sortiert(rangliste(m, a), sortierung)
    out = pd.DataFrame({
        "Rang": rl["rang"], "von": rl["rang_n"], "Kennung": rl["jobcenter_id"], "Jobcenter": rl["name"],
        f"{a.kennzahl} {einheit(a.kennzahl)}": rl["wert"],
        "Hinweis": [_grund_text(g) if pd.isna(w) else "" for w, g in zip(rl["wert"], rl["grund"])],
        "Mitglied der Gruppe": np.where(rl["mitglied"], "ja", "nein"),
        "Monat": fmt.monat(a.bis), "Datenbasis": _datenbasis(m)})
    out.attrs["kennzahl"] = a.kennzahl
    return mit_zeichen(out, {f"{a.kennzahl} {einheit(a.kennzahl)}": rl["grund"], "Rang": rl["grund"], "von": rl["grund"]})


def _gerundet(df: pd.DataFrame, als_text: bool) -> pd.DataFrame:
    """Float columns rounded as in the handbook: as German text (CSV) or as numbers (XLSX)."""
    out = df.copy()
    zeichen = df.attrs.get("zeichen", {})
    codes = df["Kennzahl"] if "Kennzahl" in df.columns else [df.attrs.get("kennzahl", CODES_ALLE)] * len(df)
    stellen_ = [stellen(c) for c in codes]          # the figure's decimals (catalogue; JFW as on the pages)
    for col in out.columns:
        ohne = zeichen.get(col) or [LEER] * len(out)
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [(fmt.zahl(x, n) if not fmt.fehlt(x) else z) if als_text
                        else (None if fmt.fehlt(x) else float(fmt.runden(x, n))) for x, z, n in zip(out[col], ohne, stellen_)]
        elif isinstance(out[col].dtype, pd.Int64Dtype):
            out[col] = [(z if x is pd.NA else int(x)) if als_text else (None if x is pd.NA else int(x))
                        for x, z in zip(out[col], ohne)]
    return out


def freier_pfad(pfad: Path | str) -> Path:
    """pfad, or pfad with "-2", "-3", ... before the suffix: never an existing file."""
    pfad = Path(pfad)
    n = 1
    kandidat = pfad
    while kandidat.exists():
        n += 1
        kandidat = pfad.with_name(f"{pfad.stem}-{n}{pfad.suffix}")
    return kandidat


def schreibe_csv(df: pd.DataFrame, pfad: Path | str) -> Path:
    """CSV for German spreadsheets: ";", numbers as the handbook prints them, UTF-8 with BOM."""
    pfad = Path(pfad)
    pfad.parent.mkdir(parents=True, exist_ok=True)
    _gerundet(df, als_text=True).to_csv(pfad, index=False, encoding="utf-8-sig", **CSV_OPTIONEN)
    return pfad


def schreibe_xlsx(blaetter: dict[str, pd.DataFrame], pfad: Path | str) -> Path:
    """One sheet per table; rounded numbers as numbers with one decimal, undefined cells empty."""
    pfad = Path(pfad)
    pfad.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(pfad, engine="openpyxl") as xw:
        for name, df in blaetter.items():
            _gerundet(df, als_text=False).to_excel(xw, sheet_name=name[:31], index=False)
            ws = xw.sheets[name[:31]]
            for j, col in enumerate(df.columns, start=1):
                breite = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
                ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = min(60, breite + 2)
                if pd.api.types.is_float_dtype(df[col]):
                    for cell in ws.iter_cols(min_col=j, max_col=j, min_row=2):
                        for c in cell:
                            c.number_format = "#,##0.0"
    return pfad


def lese_csv(pfad: Path | str) -> pd.DataFrame:
    """An explorer CSV back as text (exactly what a spreadsheet shows)."""
    return pd.read_csv(pfad, encoding="utf-8-sig", dtype=str, keep_default_na=False, **CSV_OPTIONEN)


def slug(text: str) -> str:
    """File-name-safe lower-case slug (German umlauts transliterated)."""
    t = str(text).lower()
    for a_, b_ in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        t = t.replace(a_, b_)
    t = re.sub(r"[^a-z0-9]+", "-", t).strip("-")
    return t or "auswahl"


def export_dateiname(a: Auswahl, ansicht: str = "werte", endung: str = "csv") -> str:
    return f"explorer_{a.jobcenter_id}_{ansicht}_{a.kennzahl}_{a.gruppe_art}_{a.geschlecht}_{a.von}_{a.bis}.{endung}"


def exportiere(m, a: Auswahl, ordner: Path | str = EXPORTE, format: str = "csv",
               ansicht: str = "werte") -> list[Path]:
    """Write the data of a view (werte | rangliste) and the members; returns the files written."""
    if format not in EXPORT_FORMATE:
        raise ValueError(f"Unbekanntes Format „{format}“ (erlaubt: {', '.join(EXPORT_FORMATE)}).")
    a = vervollstaendigt(m, a)
    haupt = {"werte": export_tabelle, "rangliste": rangliste_tabelle}[ansicht](m, a)
    glieder = mitglieder_tabelle(m, a)
    weitere = {}
    if ansicht == "werte":    # the Steuerungsgrößen (other units) and, with ``ziele``, Soll/Ist/verdict
        weitere["Zielsteuerung"] = export_tabelle(m, a, list(STEUERUNG))
        zt = ziele_tabelle(m, a)
        if len(zt):
            weitere["Zielwerte"] = zt
    ziel = freier_pfad(Path(ordner) / export_dateiname(a, ansicht, format))
    if format == "xlsx":
        return [schreibe_xlsx({"Werte" if ansicht == "werte" else "Rangliste": haupt, **weitere,
                               "Mitglieder": glieder}, ziel)]
    dateien = [schreibe_csv(haupt, ziel)]
    for name, df in weitere.items():
        dateien.append(schreibe_csv(df, freier_pfad(ziel.with_name(f"{ziel.stem}_{slug(name)}.csv"))))
    neben = freier_pfad(ziel.with_name(f"{ziel.stem}_mitglieder.csv"))
    return [*dateien, schreibe_csv(glieder, neben)]


def speichere_diagramm(spec: dict, pfad: Path | str, format: str | None = None) -> Path:
    """A chart as PNG or SVG via vl-convert, German number and month formats; never overwrites."""
    import vl_convert as vlc

    pfad = freier_pfad(pfad)
    format = format or pfad.suffix.lstrip(".")
    if format not in BILD_FORMATE:
        raise ValueError(f"Unbekanntes Bildformat „{format}“ (erlaubt: png, svg).")
    opts = {"vl_version": VL_VERSION, "format_locale": DE_FORMAT, "time_format_locale": DE_ZEIT}
    pfad.parent.mkdir(parents=True, exist_ok=True)
    if format == "svg":
        pfad.write_text(vlc.vegalite_to_svg(spec, **opts), encoding="utf-8")
    else:
        pfad.write_bytes(vlc.vegalite_to_png(spec, scale=2, **opts))
    return pfad


MIME = {".csv": "text/csv;charset=utf-8", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".png": "image/png", ".svg": "image/svg+xml", ".yml": "text/yaml;charset=utf-8"}


def download_link(pfad: Path | str, text: str = "herunterladen") -> str:
    """HTML link carrying the file as a data URI (works without a file server)."""
    pfad = Path(pfad)
    data = base64.b64encode(pfad.read_bytes()).decode("ascii")
    mime = MIME.get(pfad.suffix, "application/octet-stream")
    from helpers import vorlagen

    return vorlagen.render("teile/download_link.html", datei=pfad.name, href=f"data:{mime};base64,{data}", text=text)


# --------------------------------------------------------------------------- rings (YAML)


def lade_ring(pfad: Path | str) -> Ring:
    """A Vergleichsring from YAML: name, beschreibung, mitglieder (ids as quoted strings)."""
    pfad = Path(pfad)
    data = yaml.safe_load(pfad.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or "mitglieder" not in data:
        raise ValueError(f"{pfad.name}: erwartet werden die Schlüssel name, beschreibung, mitglieder.")
    roh = data["mitglieder"] or []
    nicht_text = [str(x) for x in roh if not isinstance(x, str)]
    if nicht_text:
        raise ValueError(f"{pfad.name}: Jobcenter-Kennungen bitte in Anführungszeichen schreiben "
                         f"(z. B. \"05315\"), sonst gehen führende Nullen verloren: {', '.join(nicht_text)}")
    return Ring(name=str(data.get("name") or pfad.stem), mitglieder=tuple(roh),
                beschreibung=str(data.get("beschreibung") or ""))


def ringe(ordner: Path | str = RINGE) -> dict[str, Ring]:
    """All saved rings by file stem."""
    ordner = Path(ordner)
    return {p.stem: lade_ring(p) for p in sorted(ordner.glob("*.yml"))} if ordner.is_dir() else {}


class _Dumper(yaml.SafeDumper):
    """Quotes every string that starts with a digit ("05315", "2026-08"): other YAML readers
    (YAML 1.2, spreadsheets) would otherwise turn ids into numbers and drop the leading zeros."""


def _str(dumper: yaml.SafeDumper, text: str):
    style = '"' if re.match(r"[0-9+\-.]", text) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _str)


def _yaml(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=100)


def speichere_ring(ring: Ring, ordner: Path | str = RINGE) -> Path:
    pfad = Path(ordner) / f"{slug(ring.name)}.yml"
    pfad.parent.mkdir(parents=True, exist_ok=True)
    pfad.write_text(_yaml({"name": ring.name, "beschreibung": ring.beschreibung,
                           "mitglieder": list(ring.mitglieder)}), encoding="utf-8")
    return pfad


def ring_aus_text(m, text: str, name: str = "Eigene Liste", beschreibung: str = "") -> Ring:
    """A ring from free text: ids or "Name (id)" entries separated by commas, semicolons or lines."""
    teile = [t.strip() for t in re.split(r"[,;\n]+", text or "") if t.strip()]
    ids, unbekannt = [], []
    for t in teile:
        jid = jobcenter_aus_text(m, t)
        (ids if jid else unbekannt).append(jid or t)
    if unbekannt:
        raise KeyError(f"Unbekannte Jobcenter: {', '.join(unbekannt)}")
    return Ring(name=name, mitglieder=tuple(ids), beschreibung=beschreibung)


# --------------------------------------------------------------------------- papermill parameter file
#
# Written in the format the page runner reads (helpers.pipeline.config.ParameterFile; every
# parameters/eigene/*.yml is merged with parameters/pages.yml by `python -m helpers run`):
#   art "jobcenter"       -> sets: {<name>: {template: notebooks/jobcenter.ipynb, entities: jobcenter,
#                            ids: [<id>], output, title, parameters: {jobcenter_id, monat, geschlecht}}}
#   art "ring"            -> vergleichsringe: [{name, jobcenter_ids, template: notebooks/ring.ipynb,
#                            [jobcenter_id], title, parameters: {monat, geschlecht, beschreibung}}]
#   art "jobcenter_ring"  -> the same ring entry with template notebooks/jobcenter.ipynb: the
#                            Jobcenter's own page, compared with the ring.

SEITENARTEN = {"jobcenter": "Jobcenter-Seite (Vergleich mit dem Vergleichstyp)",
               "ring": "Seite der Vergleichsgruppe (Vorlage ring.ipynb)",
               "jobcenter_ring": "Jobcenter-Seite mit der Vergleichsgruppe als Ring"}


def parameterdatei(m, a: Auswahl, art: str | None = None, titel: str | None = None) -> dict:
    """A page definition for parameters/eigene/<datei>.yml (see the format above).

    Default art: "jobcenter" when the group is the Vergleichstyp (the standard page compares with
    it), "ring" for every other group.
    """
    a = vervollstaendigt(m, a)
    art = art or ("jobcenter" if a.gruppe_art == "vergleichstyp" else "ring")
    if art not in SEITENARTEN:
        raise ValueError(f"Unbekannte Seitenart „{art}“ (erlaubt: {', '.join(SEITENARTEN)}).")
    info = m.jobcenter_info(a.jobcenter_id)
    zusatz = f"{monat_text(a.bis)}, {GESCHLECHT_LABEL[a.geschlecht]}"
    params = {"monat": a.bis, "geschlecht": a.geschlecht}
    if art == "jobcenter":
        name = f"eigene-{a.jobcenter_id}-{a.bis}-{a.geschlecht}".lower()
        return {"sets": {name: {
            "template": "notebooks/jobcenter.ipynb",
            "output": f"{sitemodel.PAGES_ROOT}{sitemodel.EIGENE}/{{id}}-{a.bis}-{a.geschlecht}.ipynb",
            "title": titel or f"{info['name']}, {zusatz}",
            "entities": "jobcenter",
            "ids": [a.jobcenter_id],
            "parameters": {"jobcenter_id": "{id}", **params},
        }}}
    members = mitglieder(m, a)
    if len(members) < 2:
        raise ValueError("Eine Seite für eine Vergleichsgruppe braucht mindestens zwei Jobcenter.")
    name = gruppe_name(m, a)
    ring = {"name": name, "jobcenter_ids": list(members)}
    if art == "ring":
        ring["template"] = "notebooks/ring.ipynb"
        if a.jobcenter_id in members:
            ring["jobcenter_id"] = a.jobcenter_id
        ring["title"] = titel or f"Vergleichsring {name}, {zusatz}"
        beschreibung = a.ring.beschreibung if a.gruppe_art == "ring" and a.ring else ""
        params = {**params, "beschreibung": beschreibung}
    else:
        ring["template"] = "notebooks/jobcenter.ipynb"
        ring["jobcenter_id"] = a.jobcenter_id
        ring["title"] = titel or f"{info['name']} im Vergleich mit {name}, {zusatz}"
    ring["parameters"] = params
    return {"vergleichsringe": [ring]}


def parameterdatei_name(daten: dict) -> str:
    """File name for a parameter file: the set name, or ring-<slug of the ring name>."""
    if daten.get("sets"):
        return f"{next(iter(daten['sets']))}.yml"
    # one file per ring name: the runner makes one page per ring name (folder sitemodel.RING, <slug>)
    return f"ring-{slug(daten['vergleichsringe'][0]['name'])}.yml"


ANSICHT_KOMMENTAR = "# explorer-ansicht: "


def ansicht_daten(a: Auswahl) -> dict:
    """What the runner's format does not hold but the explorer's view needs (kept as a comment)."""
    return {"kennzahl": a.kennzahl, "von": a.von, "bis": a.bis, "gruppe_art": a.gruppe_art, "k": a.k}


def schreibe_parameterdatei(daten: dict, ordner: Path | str = EIGENE, auswahl: Auswahl | None = None) -> Path:
    """Write the page definition; with ``auswahl`` also the explorer's view as a JSON comment
    line (the runner ignores comments; ``auswahl_aus_parameterdatei`` reads it back)."""
    import json

    pfad = Path(ordner) / parameterdatei_name(daten)
    pfad.parent.mkdir(parents=True, exist_ok=True)
    kopf = "# Erzeugt vom Explorer (notebooks/explorer.ipynb); `make book` erzeugt daraus die Seite.\n"
    if auswahl is not None:
        kopf += ANSICHT_KOMMENTAR + json.dumps(ansicht_daten(auswahl), ensure_ascii=False) + "\n"
    pfad.write_text(kopf + _yaml(daten), encoding="utf-8")
    return pfad


def auswahl_aus_parameterdatei(m, pfad: Path | str) -> Auswahl:
    """The explorer selection saved in a parameter file ("Auswahl speichern" -> reopen).

    From the runner's keys: Jobcenter, month, gender and (for a ring) the members; from the
    explorer's comment line, if present: figure, period start, group kind and k. Every value is
    validated by ``Auswahl``; unknown Jobcenter raise KeyError.
    """
    import json

    pfad = Path(pfad)
    daten = lese_parameterdatei(pfad)
    ansicht: dict = {}
    for zeile in pfad.read_text(encoding="utf-8").splitlines():
        if zeile.startswith(ANSICHT_KOMMENTAR):
            try:
                roh = json.loads(zeile[len(ANSICHT_KOMMENTAR):])
            except ValueError:
                raise ValueError(f"{pfad.name}: die Zeile „{ANSICHT_KOMMENTAR.strip()}“ ist beschädigt.") from None
            if not isinstance(roh, dict):
                raise ValueError(f"{pfad.name}: die Zeile „{ANSICHT_KOMMENTAR.strip()}“ ist beschädigt.")
            ansicht = {k: roh[k] for k in ("kennzahl", "von", "bis", "gruppe_art", "k") if k in roh}
            break
    ring = None
    if daten.get("sets"):
        spec = next(iter(daten["sets"].values()))
        jid, params = spec["ids"][0], spec.get("parameters", {})
        art = ansicht.get("gruppe_art", "vergleichstyp")
        if art == "ring":
            art = "vergleichstyp"
    else:
        spec = daten["vergleichsringe"][0]
        params = spec.get("parameters", {})
        jid = spec.get("jobcenter_id") or spec["jobcenter_ids"][0]
        art = ansicht.get("gruppe_art", "ring")
        ring = Ring(name=str(spec["name"]), mitglieder=tuple(spec["jobcenter_ids"]),
                    beschreibung=str(params.get("beschreibung") or ""))
        if art != "ring":
            ring = None
    a = Auswahl(jobcenter_id=jid, kennzahl=ansicht.get("kennzahl", "K2"),
                geschlecht=params.get("geschlecht", "insgesamt"), von=ansicht.get("von"),
                bis=params.get("monat") or ansicht.get("bis"), gruppe_art=art, k=int(ansicht.get("k", 10)), ring=ring)
    if ring is not None:
        unbekannt = sorted(set(ring.mitglieder) - set(m.jobcenter["jobcenter_id"]))
        if unbekannt:
            raise KeyError(f"{pfad.name}: unbekannte Jobcenter {', '.join(unbekannt)}.")
    return vervollstaendigt(m, a)


def gespeicherte_auswahlen(ordner: Path | str = EIGENE) -> dict[str, Path]:
    """The explorer's saved selections (files with the explorer comment line), by file name."""
    ordner = Path(ordner)
    if not ordner.is_dir():
        return {}
    return {p.name: p for p in sorted(ordner.glob("*.yml"))
            if ANSICHT_KOMMENTAR in p.read_text(encoding="utf-8")}


def lese_parameterdatei(pfad: Path | str) -> dict:
    """Read a parameter file with plain yaml.safe_load and check that all ids are strings."""
    data = yaml.safe_load(Path(pfad).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not (data.get("sets") or data.get("vergleichsringe")):
        raise ValueError(f"{Path(pfad).name}: erwartet wird „sets“ oder „vergleichsringe“.")
    ids = [i for s in (data.get("sets") or {}).values() for i in s.get("ids", [])]
    for r in data.get("vergleichsringe") or []:
        ids += r.get("jobcenter_ids", []) + ([r["jobcenter_id"]] if "jobcenter_id" in r else [])
    if any(not isinstance(x, str) for x in ids):
        raise ValueError(f"{Path(pfad).name}: Jobcenter-Kennungen müssen Texte sein (in Anführungszeichen).")
    return data
