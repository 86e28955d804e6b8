"""Downloads of the built site: per page the full time series (CSV and XLSX), per edition one
data package (CSV + Parquet + datapackage.json, Frictionless Data Package).

Files, not inline data: ``write_site(site, mart_dir)`` runs after the Sphinx build and writes

    <site>/book/seiten/<ebene>/daten/<id>.csv     ';', decimal comma, UTF-8 with BOM (Excel)
    <site>/book/seiten/<ebene>/daten/<id>.xlsx    sheets "Zeitreihe", "Eingangsgrößen", "Erläuterungen"
    <site>/daten/datenpaket/                       kennzahlen.csv, kennzahlen.parquet, datapackage.json

for every unit whose page exists in the site. The files are generated once per mart content into
``_build/.downloads/<key>/`` and copied from there (a rebuild with the same data is cheap).
Pages link them with ``links(seite)``.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML

from helpers import fmt
from helpers.kennzahlen import EBENE_LABEL, GESCHLECHT_LABEL, KENNZAHLEN, VALUE_COLUMNS

VERSION = "1"                  # bump when the file layout changes (cache key)
SETS = ("jobcenter", "vergleichstyp", "land", "bund")
PAKET_DIR = "daten/datenpaket"

SPALTEN = {   # column -> (German header, explanation)
    "ebene": ("Ebene", "Jobcenter, Vergleichstyp, Land, Trägerart oder Bund"),
    "id": ("Kennung", "Jobcenter-ID, Code des Vergleichstyps, Landesschlüssel, gE/zkT oder DE"),
    "name": ("Name", "Name der Einheit"),
    "monat": ("Monat", "Berichtsmonat (JJJJ-MM)"),
    "geschlecht": ("Geschlecht", "Insgesamt, Frauen oder Männer"),
    "kennzahl": ("Kennzahl", "Code: K1 … K3E4 (Kennzahlen und Ergänzungsgrößen nach § 48a SGB II) oder JFW_* "
                             "(Jahresfortschrittswerte der Zielsteuerung nach § 48b SGB II)"),
    "bezeichnung": ("Bezeichnung", "Name der Kennzahl"),
    "einheit": ("Einheit", "Prozent, Prozentpunkte, Anzahl oder Personen (Durchschnittsbestand)"),
    "wert": ("Wert", "Wert mit voller Genauigkeit (auf der Seite gerundet); leer = nicht ausgewiesen"),
    "grund": ("Grund (kein Wert)", "warum kein Wert ausgewiesen ist"),
    "zaehler": ("Zähler", "Zähler des Quotienten (Berechnungsgrundlage); Geld in Euro"),
    "nenner": ("Nenner", "Nenner des Quotienten (Berechnungsgrundlage); leer bei gemittelten Quoten"),
    "erfasst": ("Erfasste Jobcenter", "Zahl der Jobcenter, deren Eingangswerte in den Wert eingehen"),
    "mitglieder": ("Mitglieder", "Zahl der Jobcenter der Einheit"),
}


def _e(s) -> str:
    return html.escape(str(s))


# --------------------------------------------------------------------------- content

def _einheit(code: str) -> str:
    from helpers.steuerung import STEUERUNG

    if code in STEUERUNG:
        return {"anzahl": "Anzahl", "bestand": "Personen (Durchschnitt)", "prozent": "Prozent",
                "punkte": "Prozentpunkte"}[STEUERUNG[code].einheit]
    return "Prozent"


def _bezeichnung(code: str) -> str:
    from helpers.steuerung import STEUERUNG

    return KENNZAHLEN[code].name if code in KENNZAHLEN else STEUERUNG[code].name


def _grund(g, gruppe: bool) -> str:
    from helpers.zielsteuerung import grund_text

    return grund_text(g, gruppe) if isinstance(g, str) and g else ""


def zeitreihe(m, ebene: str, uid: str, name: str) -> pd.DataFrame:
    """The full time series of a unit with German headers (the CSV and the first XLSX sheet)."""
    from helpers.berechnungsgrundlagen import werte

    d = werte(m, ebene, uid)
    d = d[d["grund"] != "fenster"]
    gruppe = ebene != "jobcenter"
    out = pd.DataFrame({
        "ebene": EBENE_LABEL.get(ebene, ebene), "id": d["id"].astype(str), "name": name,
        "monat": d["monat"], "geschlecht": d["geschlecht"].map(GESCHLECHT_LABEL),
        "kennzahl": d["kennzahl"], "bezeichnung": d["kennzahl"].map(_bezeichnung),
        "einheit": d["kennzahl"].map(_einheit), "wert": d["wert"].astype(float),
        "grund": d["grund"].map(lambda g: _grund(g, gruppe)),
        "zaehler": d["zaehler"].astype(float), "nenner": d["nenner"].astype(float),
        "erfasst": pd.to_numeric(d["erfasst"], errors="coerce").astype("Int64"),
        "mitglieder": pd.to_numeric(d["mitglieder"], errors="coerce").astype("Int64"),
    })
    return out.rename(columns={k: v[0] for k, v in SPALTEN.items()}).reset_index(drop=True)


def eingangsgroessen(m, ebene: str, uid: str) -> pd.DataFrame:
    """The unit's monthly (summed) inputs: the basis of the averaged rates."""
    g = m.grundlagen(ebene=ebene, id=uid)
    cols = ["monat", "geschlecht", *VALUE_COLUMNS]
    if g.empty:
        return pd.DataFrame(columns=cols)
    g = g.copy()
    for c in VALUE_COLUMNS:
        if f"status_{c}" in g:
            g.loc[g[f"status_{c}"] != 0, c] = np.nan
    g["geschlecht"] = g["geschlecht"].map(GESCHLECHT_LABEL)
    return g[cols].rename(columns={"monat": "Monat", "geschlecht": "Geschlecht"})


def csv_bytes(df: pd.DataFrame) -> bytes:
    """German Excel CSV: ';', decimal comma, CRLF, UTF-8 with BOM; full precision."""
    buf = io.StringIO()
    df.to_csv(buf, sep=";", decimal=",", index=False, lineterminator="\r\n", float_format="%.15g")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def lese_csv(path_or_bytes) -> pd.DataFrame:
    """Read a download CSV back (tests, checks)."""
    raw = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    return pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig", dtype={"Kennung": str},
                       keep_default_na=False, na_values=[""])


XLSX_OHNE = ("ebene", "name", "bezeichnung")   # constant per file or per code: in "Erläuterungen"


def xlsx_bytes(df: pd.DataFrame, eingang: pd.DataFrame, titel: str, meta: dict) -> bytes:
    """XLSX: "Zeitreihe" (readable header, frozen, filter), "Eingangsgrößen", "Erläuterungen"."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "in_memory": True})
    wb.set_properties({"title": titel, "created": pd.Timestamp("2000-01-01").to_pydatetime()})
    kopf = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#e8eef5", "border": 1})
    schmal = df.drop(columns=[SPALTEN[c][0] for c in XLSX_OHNE])
    for name, frame in (("Zeitreihe", schmal), ("Eingangsgrößen", eingang)):
        ws = wb.add_worksheet(name)
        ws.freeze_panes(1, 0)
        ws.write_row(0, 0, list(frame.columns), kopf)
        ws.set_row(0, 30)
        ws.set_column(0, len(frame.columns) - 1, 14)
        for i, row in enumerate(frame.itertuples(index=False, name=None), start=1):
            for j, v in enumerate(row):
                if v is None or v is pd.NA or (isinstance(v, float) and v != v):
                    continue
                ws.write(i, j, v.item() if isinstance(v, np.generic) else v)
        ws.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    ws = wb.add_worksheet("Erläuterungen")
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 100)
    ws.write_row(0, 0, ["Spalte", "Bedeutung"], kopf)
    zeilen = [(h, erkl) for c, (h, erkl) in SPALTEN.items() if c not in XLSX_OHNE]
    zeilen.append(("Eingangsgrößen", "Blatt mit den monatlichen (summierten) Eingangsgrößen der Einheit nach dem "
                                     "Datenvertrag; leer = nicht verfügbar oder gesperrt"))
    zeilen.append(("Einheit", f"{titel} ({df[SPALTEN['ebene'][0]].iloc[0] if len(df) else ''})"))
    for code in dict.fromkeys(df[SPALTEN["kennzahl"][0]]):
        zeilen.append((code, f"{_bezeichnung(code)} ({_einheit(code)})"))
    zeilen.append(("Datenstand", fmt.monat(meta.get("datenstand"))))
    zeilen.append(("Quelle", "synthetische Demodaten, keine amtlichen Zahlen" if meta.get("demo")
                   else "Statistik der Bundesagentur für Arbeit"))
    for i, (a, b) in enumerate(zeilen, start=1):
        ws.write_row(i, 0, [a, b])
    wb.close()
    return buf.getvalue()


def dateiname(uid: str) -> str:
    return f"{uid}"


def links(seite) -> HTML:
    """Links to the page's download files (full time series as CSV and XLSX)."""
    from helpers.zielsteuerung import einheit_der_seite

    ebene, uid, _ = einheit_der_seite(seite)
    base = f"../{ebene}/daten/{dateiname(uid)}"
    return HTML(
        '<ul class="downloads">'
        f'<li><a class="download-csv" href="{_e(base)}.csv" download>Ganze Zeitreihe als CSV</a> '
        "(alle Monate, alle Kennzahlen und Jahresfortschrittswerte, alle Geschlechter, Zähler und Nenner; "
        "Semikolon, Dezimalkomma, UTF-8 – öffnet sich direkt in Excel)</li>"
        f'<li><a class="download-xlsx" href="{_e(base)}.xlsx" download>Ganze Zeitreihe als Excel-Datei (XLSX)</a> '
        "(mit den Blättern „Zeitreihe“, „Eingangsgrößen“ und „Erläuterungen“)</li>"
        f'<li><a class="download-paket" href="../../../{PAKET_DIR}/datapackage.json">Datenpaket dieser Ausgabe</a> '
        "(alle Ebenen, CSV und Parquet, beschrieben nach dem Frictionless-Data-Package-Standard)</li></ul>")


# --------------------------------------------------------------------------- data package

PAKET_FELDER = [   # name, frictionless type, description
    ("ebene", "string", "jobcenter, vergleichstyp, land, traegerart oder bund"),
    ("id", "string", "Kennung der Einheit"),
    ("monat", "yearmonth", "Berichtsmonat"),
    ("geschlecht", "string", "insgesamt, frauen oder maenner"),
    ("kennzahl", "string", "K1 … K3E4 oder JFW_*"),
    ("wert", "number", "Wert (Prozent, Prozentpunkte, Anzahl oder Durchschnittsbestand); leer = nicht definiert"),
    ("grund", "string", "Grund, wenn kein Wert: fenster, nicht_geliefert, gesperrt, fehlt, nenner_null, zu_wenige"),
    ("erfasst", "integer", "Zahl der Jobcenter, deren Eingangswerte eingehen"),
    ("mitglieder", "integer", "Zahl der Jobcenter der Einheit"),
    ("zaehler", "number", "Zähler des Quotienten"),
    ("nenner", "number", "Nenner des Quotienten"),
]


def paket_tabelle(m) -> pd.DataFrame:
    """All levels, months, genders and figures (Kennzahlen and JFW) in one long table."""
    e = m._table_plain("ergebnisse.parquet")
    s = m.steuerung()
    cols = [f[0] for f in PAKET_FELDER]
    df = pd.concat([e[cols], s[cols]], ignore_index=True)
    df = df[df["grund"] != "fenster"]
    df["erfasst"] = df["erfasst"].astype("int64")
    df["mitglieder"] = df["mitglieder"].astype("int64")
    return df.sort_values(["ebene", "id", "kennzahl", "geschlecht", "monat"], kind="stable").reset_index(drop=True)


def write_datenpaket(m, dest: Path) -> Path:
    """kennzahlen.csv (UTF-8, comma, '.' decimals), kennzahlen.parquet and datapackage.json."""
    dest.mkdir(parents=True, exist_ok=True)
    df = paket_tabelle(m)
    df.to_csv(dest / "kennzahlen.csv", index=False, lineterminator="\n", float_format="%.17g")
    df.to_parquet(dest / "kennzahlen.parquet", index=False)
    schema = {"fields": [{"name": n, "type": t, "description": d} for n, t, d in PAKET_FELDER],
              "primaryKey": ["ebene", "id", "monat", "geschlecht", "kennzahl"], "missingValues": [""]}
    meta = m.meta
    paket = {
        "name": f"kennzahlen-sgb2-{meta['datenstand']}",
        "title": f"Kennzahlen nach § 48a SGB II, Datenstand {fmt.monat(meta['datenstand'])}"
                 + (" (synthetische Demodaten)" if meta.get("demo") else ""),
        "description": "Kennzahlen und Ergänzungsgrößen nach § 48a SGB II und Jahresfortschrittswerte der "
                       "Zielsteuerung nach § 48b SGB II für alle Jobcenter und Gruppen, alle Monate und "
                       "Geschlechter, mit Zähler und Nenner."
                       + (" Alle Zahlen sind synthetische Demodaten, keine amtlichen Ergebnisse." if meta.get("demo") else ""),
        "version": meta["datenstand"],
        "licenses": [{"name": "dl-de/by-2-0", "title": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
                      "path": "https://www.govdata.de/dl-de/by-2-0"}],
        "resources": [
            {"name": "kennzahlen", "path": "kennzahlen.csv", "format": "csv", "mediatype": "text/csv",
             "encoding": "utf-8", "profile": "tabular-data-resource",
             "dialect": {"delimiter": ",", "header": True}, "schema": schema},
            {"name": "kennzahlen-parquet", "path": "kennzahlen.parquet", "format": "parquet",
             "mediatype": "application/vnd.apache.parquet", "profile": "tabular-data-resource", "schema": schema,
             "description": "dieselbe Tabelle als Parquet (volle Genauigkeit, Typen erhalten)"},
        ],
    }
    (dest / "datapackage.json").write_text(json.dumps(paket, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return dest


# --------------------------------------------------------------------------- site

def _key(mart_dir: Path) -> str:
    h = hashlib.sha256(VERSION.encode())
    for name in ("meta.json", "ergebnisse.parquet", "steuerung.parquet", "grundlagen.parquet", "jobcenter.parquet"):
        p = mart_dir / name
        if p.exists():
            h.update(name.encode() + p.read_bytes())      # the mart files are byte-stable
    return h.hexdigest()[:16]


def _units(site: Path, m) -> list[tuple[str, str, str]]:
    """(ebene, id, name) of every standard page present in the built site."""
    jc = m.jobcenter
    names = {("jobcenter", j): n for j, n in zip(jc["jobcenter_id"], jc["name"])}
    from helpers.kennzahlen import LAENDER

    names.update({("land", k): v for k, v in LAENDER.items()})
    names.update({("vergleichstyp", t): f"Vergleichstyp {t}" for t in jc["vergleichstyp"].unique()})
    names[("bund", "DE")] = "Bund"
    out = []
    for ebene in SETS:
        folder = site / "book" / "seiten" / ebene
        if not folder.is_dir():
            continue
        for page in sorted(folder.glob("*.html")):
            key = (ebene, page.stem)
            if key in names:
                out.append((ebene, page.stem, names[key]))
    return out


def _write_unit(args) -> None:
    mart_dir, ebene, uid, name, target = args
    from helpers import mart

    m = mart.load(mart_dir)
    df = zeitreihe(m, ebene, uid, name)
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{dateiname(uid)}.csv").write_bytes(csv_bytes(df))
    (target / f"{dateiname(uid)}.xlsx").write_bytes(
        xlsx_bytes(df, eingangsgroessen(m, ebene, uid), f"{name}: Kennzahlen nach § 48a SGB II", m.meta))


def write_site(site: Path, mart_dir: Path, cache_root: Path, jobs: int = 2) -> int:
    """Write every page's downloads and the data package into the built site; returns the number
    of units. Cached per mart content under cache_root."""
    from helpers import mart

    mart_dir = Path(mart_dir).resolve()
    m = mart.load(mart_dir)
    cache = Path(cache_root) / _key(mart_dir)
    units = _units(site, m)
    todo = [(mart_dir, e, i, n, cache / e) for e, i, n in units
            if not (cache / e / f"{dateiname(i)}.xlsx").exists()]
    if todo:
        if jobs > 1 and len(todo) > 8:
            with ProcessPoolExecutor(jobs) as ex:
                list(ex.map(_write_unit, todo, chunksize=8))
        else:
            for t in todo:
                _write_unit(t)
    if not (cache / "paket" / "datapackage.json").exists():
        write_datenpaket(m, cache / "paket.tmp")
        shutil.rmtree(cache / "paket", ignore_errors=True)
        (cache / "paket.tmp").rename(cache / "paket")
    for e, i, _ in units:
        target = site / "book" / "seiten" / e / "daten"
        target.mkdir(parents=True, exist_ok=True)
        for suffix in (".csv", ".xlsx"):
            _copy(cache / e / f"{dateiname(i)}{suffix}", target / f"{dateiname(i)}{suffix}")
    paket = site / PAKET_DIR
    paket.mkdir(parents=True, exist_ok=True)
    for f in (cache / "paket").iterdir():
        _copy(f, paket / f.name)
    return len(units)


def _copy(src: Path, dst: Path) -> None:
    dst.unlink(missing_ok=True)
    try:
        dst.hardlink_to(src)
    except OSError:
        shutil.copy2(src, dst)
