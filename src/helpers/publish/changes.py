"""What changed against the previous edition: Jobcenter, largest movements, revised months.

Compares two marts: the new one and the previous edition's data (``ausgaben/<ed>/daten/``: meta.json
and the Jobcenter list; the figures from the edition's data package
``downloads/datenpaket/kennzahlen.parquet``, or ``daten/ergebnisse.parquet`` of an older edition).
The result is plain data (``aenderungen.json``, deterministic: no timestamps) and a German
Markdown section for the "Über diese Ausgabe" page and stdout.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import fmt
from helpers.kennzahlen import KENNZAHLEN
from helpers.publish.site import monat_text

MAIN_FIGURES = ("K1", "K2", "K3")
TOP = 10
TOLERANCE = 1e-9   # values are percent with full float precision; below this counts as equal
MONTHS_SHOWN = 24


PAKET_PARQUET = Path("downloads") / "datenpaket" / "kennzahlen.parquet"   # helpers.downloads (data package)


def daten_der_ausgabe(edition: Path) -> Path | None:
    """The ``daten/`` folder of a published edition if the change report can read it (meta.json,
    jobcenter.parquet and the figures: the data package or an older edition's ergebnisse.parquet)."""
    d = Path(edition) / "daten"
    if not all((d / n).is_file() for n in ("meta.json", "jobcenter.parquet")):
        return None
    return d if (d / "ergebnisse.parquet").is_file() or (d.parent / PAKET_PARQUET).is_file() else None


def _read(mart: Path):
    import json

    mart = Path(mart)
    meta = json.loads((mart / "meta.json").read_text(encoding="utf-8"))
    jc = pd.read_parquet(mart / "jobcenter.parquet", columns=["jobcenter_id", "name"])
    cols = ["id", "monat", "geschlecht", "kennzahl", "wert"]
    if (mart / "ergebnisse.parquet").is_file():
        erg = pd.read_parquet(mart / "ergebnisse.parquet", filters=[("ebene", "==", "jobcenter")], columns=cols)
    else:   # a published edition: its data package (no "fenster" rows; JFW rows left out as in the mart)
        erg = pd.read_parquet(mart.parent / PAKET_PARQUET, filters=[("ebene", "==", "jobcenter")], columns=cols)
        erg = erg[erg["kennzahl"].astype(str).isin(list(KENNZAHLEN))]
    erg = erg.astype({"id": str, "monat": str, "geschlecht": str, "kennzahl": str})
    return meta, jc.astype(str), erg


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)


def compare(previous: Path | None, new: Path, *, edition: str, previous_edition: str | None,
            korrektur: int = 0) -> dict:
    """The change report of the mart ``new`` against the mart ``previous`` (None: first edition)."""
    meta_n, jc_n, erg_n = _read(new)
    report: dict = {
        "ausgabe": edition,
        "vorherige_ausgabe": previous_edition,
        "korrektur": korrektur,
        "datenstand": meta_n["datenstand"],
        "datenstand_vorher": None,
        "jobcenter_neu": [],
        "jobcenter_entfallen": [],
        "jobcenter_zusammengelegt": [],
        "bewegungen": {},
        "rueckwirkend": {"werte": 0, "jobcenter": 0, "monate": []},
    }
    if previous is None:
        return report
    meta_p, jc_p, erg_p = _read(previous)
    report["datenstand_vorher"] = meta_p["datenstand"]

    names = dict(zip(jc_p["jobcenter_id"], jc_p["name"])) | dict(zip(jc_n["jobcenter_id"], jc_n["name"]))
    ids_p, ids_n = set(jc_p["jobcenter_id"]), set(jc_n["jobcenter_id"])
    report["jobcenter_neu"] = [{"jobcenter_id": i, "name": names[i]} for i in sorted(ids_n - ids_p)]
    # mergers (gebietsaenderungen of the new delivery): predecessors that were pages before
    merged: dict[str, list[str]] = {}
    for a in meta_n.get("gebietsstand", {}).get("aenderungen", []):
        if a["alt_id"] in ids_p and a["alt_id"] != a["neu_id"]:
            merged.setdefault(a["neu_id"], []).append(a["alt_id"])
    alt = {i for ids in merged.values() for i in ids}
    report["jobcenter_entfallen"] = [{"jobcenter_id": i, "name": names[i]} for i in sorted(ids_p - ids_n - alt)]
    report["jobcenter_zusammengelegt"] = [
        {"jobcenter_id": n, "name": names.get(n, n),
         "vorgaenger": [{"jobcenter_id": i, "name": names.get(i, i)} for i in sorted(ids)]}
        for n, ids in sorted(merged.items())]

    # Largest movements: the value at the new Datenstand against the previous edition's Datenstand.
    for code in MAIN_FIGURES:
        sel = lambda e, m: (e[(e["kennzahl"] == code) & (e["geschlecht"] == "insgesamt") & (e["monat"] == m)]  # noqa: E731
                            .set_index("id")["wert"])
        before, after = sel(erg_p, meta_p["datenstand"]), sel(erg_n, meta_n["datenstand"])
        both = pd.DataFrame({"vorher": before, "nachher": after}).dropna()
        both["differenz"] = both["nachher"] - both["vorher"]
        both = both[both["differenz"].abs() > TOLERANCE]
        both = both.assign(_abs=both["differenz"].abs()).sort_values(["_abs"], ascending=False, kind="stable")
        both = both.iloc[:TOP]
        report["bewegungen"][code] = [
            {"jobcenter_id": i, "name": names.get(i, i), "vorher": _num(r.vorher), "nachher": _num(r.nachher),
             "differenz": _num(r.differenz)}
            for i, r in zip(both.index, both.itertuples(index=False))
        ]

    # Revised past values: every (Jobcenter, month, gender, figure) both editions have.
    keys = ["id", "monat", "geschlecht", "kennzahl"]
    common = erg_p.merge(erg_n, on=keys, suffixes=("_p", "_n"), how="inner")
    common = common[common["monat"] <= meta_p["datenstand"]]
    a, b = common["wert_p"].to_numpy(float), common["wert_n"].to_numpy(float)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    with np.errstate(invalid="ignore"):
        changed = (nan_a != nan_b) | (~nan_a & ~nan_b & (np.abs(a - b) > TOLERANCE))
    diff = common.loc[changed, keys]
    report["rueckwirkend"]["werte"] = int(len(diff))
    report["rueckwirkend"]["jobcenter"] = int(diff["id"].nunique())
    months = []
    for monat, g in diff.groupby("monat", sort=True):
        per_code = g.groupby("kennzahl")["id"].nunique()
        months.append({
            "monat": str(monat),
            "jobcenter": int(g["id"].nunique()),
            "kennzahlen": {c: int(per_code[c]) for c in KENNZAHLEN if c in per_code.index},
        })
    report["rueckwirkend"]["monate"] = months
    return report


# --------------------------------------------------------------------------- Markdown


def _esc(text: str) -> str:
    return str(text).replace("|", "\\|").replace("*", "\\*").replace("[", "\\[").replace("]", "\\]")


def _de(x: float | None, digits: int = 2, sign: bool = False) -> str:
    return fmt.zahl(x, digits, vorzeichen=sign)


def aenderungshinweis(report: dict) -> str | None:
    """The short German note for a correction (None for a regular edition)."""
    if not report.get("korrektur"):
        return None
    rw = report["rueckwirkend"]
    text = (f"Änderungshinweis: Diese Ausgabe {report['ausgabe']} ist die {report['korrektur']}. Korrektur "
            f"der Lieferung für {monat_text(report['datenstand'])}")
    if report.get("vorherige_ausgabe"):
        text += f" und ersetzt die Ausgabe {report['vorherige_ausgabe']}"
    text += ". "
    if rw["monate"]:
        first, last = rw["monate"][0]["monat"], rw["monate"][-1]["monat"]
        span = monat_text(first) if first == last else f"{monat_text(first)} bis {monat_text(last)}"
        text += (f"Geändert haben sich {rw['werte']} Werte in {len(rw['monate'])} Monat(en) ({span}) "
                 f"bei {rw['jobcenter']} Jobcenter.")
    else:
        text += "Die veröffentlichten Werte der Jobcenter haben sich dadurch nicht geändert."
    return text


def markdown(report: dict, level: int = 2) -> str:
    """German Markdown section (headings start at ``level``; no level is skipped)."""
    h = "#" * level
    h2 = "#" * (level + 1)
    lines: list[str] = []
    prev = report.get("vorherige_ausgabe")
    if not prev:
        lines += [f"{h} Änderungen", "", "Dies ist die erste veröffentlichte Ausgabe; es gibt keine "
                  "frühere Ausgabe zum Vergleich.", ""]
        return "\n".join(lines)
    lines += [f"{h} Änderungen gegenüber der Ausgabe {prev}", ""]
    hinweis = aenderungshinweis(report)
    if hinweis:
        lines += [":::{important}", hinweis, ":::", ""]
    lines += [f"Datenstand: {monat_text(report['datenstand_vorher'])} (Ausgabe {prev}) → "
              f"{monat_text(report['datenstand'])} (diese Ausgabe).", ""]

    lines += [f"{h2} Jobcenter", ""]
    for key, label in (("jobcenter_neu", "Neu aufgenommen"), ("jobcenter_entfallen", "Entfallen")):
        items = report[key]
        text = ", ".join(f"{_esc(j['name'])} ({j['jobcenter_id']})" for j in items) if items else "keine"
        lines.append(f"- {label}: {text}")
    zus = report.get("jobcenter_zusammengelegt", [])
    text = "; ".join(f"{_esc(j['name'])} ({j['jobcenter_id']}) aus "
                     + ", ".join(f"{_esc(v['name'])} ({v['jobcenter_id']})" for v in j["vorgaenger"])
                     for j in zus) if zus else "keine"
    lines.append(f"- Zusammengelegt: {text}")
    lines.append("")

    lines += [f"{h2} Größte Veränderungen bei den Kennzahlen", "",
              f"Wert zum Datenstand dieser Ausgabe gegenüber dem Wert zum Datenstand der Ausgabe {prev} "
              f"(insgesamt, in Prozent; Veränderung in Prozentpunkten), je Kennzahl die {TOP} Jobcenter "
              "mit der größten Veränderung.", ""]
    for code in MAIN_FIGURES:
        rows = report["bewegungen"].get(code, [])
        lines += [f"**{code} – {KENNZAHLEN[code].kurz}**", ""]
        if not rows:
            lines += ["Keine Veränderung.", ""]
            continue
        lines += [f"| Jobcenter | {monat_text(report['datenstand_vorher'])} | {monat_text(report['datenstand'])} "
                  "| Veränderung |", "|---|---:|---:|---:|"]
        for r in rows:
            lines.append(f"| {_esc(r['name'])} | {_de(r['vorher'])} | {_de(r['nachher'])} "
                         f"| {_de(r['differenz'], sign=True)} |")
        lines.append("")

    rw = report["rueckwirkend"]
    lines += [f"{h2} Rückwirkende Änderungen", ""]
    if not rw["monate"]:
        lines += ["Für die Monate, die schon in der Ausgabe " + prev + " enthalten waren, sind alle "
                  "Werte der Jobcenter unverändert.", ""]
    else:
        lines += [f"{rw['werte']} bereits veröffentlichte Werte haben sich geändert, in {len(rw['monate'])} "
                  f"Monat(en) bei insgesamt {rw['jobcenter']} Jobcenter.", ""]
        shown = rw["monate"][-MONTHS_SHOWN:]
        if len(shown) < len(rw["monate"]):
            lines += [f"Die letzten {len(shown)} betroffenen Monate (alle in aenderungen.json):", ""]
        lines += ["| Monat | Jobcenter mit Änderungen | geänderte Kennzahlen |", "|---|---:|---|"]
        for m in shown:
            codes = list(m["kennzahlen"])
            per = f"alle {len(KENNZAHLEN)}" if len(codes) == len(KENNZAHLEN) else ", ".join(codes)
            lines.append(f"| {monat_text(m['monat'])} | {m['jobcenter']} | {per} |")
        lines.append("")
    return "\n".join(lines)
