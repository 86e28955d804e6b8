"""Downloads of the site: per unit the full time series (CSV and XLSX), per edition one data
package (CSV + Parquet + datapackage.json, Frictionless Data Package).

Files, not inline data, and generated outside the Sphinx build: ``erzeugen(mart_dir, cache_root)``
(command ``python -m helpers downloads``, run by ``make pages``) writes, once per mart content,

    <cache_root>/<key>/jobcenter/<id>.csv     ';', decimal comma, UTF-8 with BOM (Excel)
    <cache_root>/<key>/jobcenter/<id>.xlsx    sheets "Zeitreihe", "Eingangsgrößen", "Erläuterungen"
    <cache_root>/<key>/vergleichstyp/…, land/…, bund/DE.*
    <cache_root>/<key>/jobcenter/<id>_<JJJJ-MM>.csv   the page's one-month CSV ("Zahlen dieser Seite")
    <cache_root>/<key>/datenpaket/            kennzahlen.csv.gz, kennzahlen.parquet, datapackage.json

(``key``: hash of the mart files; unchanged data costs nothing). ``write_site(site, …)`` puts that
folder once into the built site as ``<site>/downloads/`` (hard links where possible). Pages link
the files with ``links(seite)``; paths come from the site model (``sitemodel.download_datei``).

Vergleichsringe (user-defined groups, not in the mart) declare themselves on their page (the
``data-ring-*`` attributes of the links, ``links(seite)``); ``write_site`` writes their files from
that declaration, with the ring's values from ``Mart.gruppe``/``gruppe_steuerung``/
``gruppe_grundlagen`` (the rules of the official groups):

    <site>/downloads/ring/<ring_kennung>.csv, .xlsx, <ring_kennung>_<JJJJ-MM>.csv
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML

from helpers import fmt, sitemodel, text
from helpers.vorlagen import render
from helpers.kennzahlen import EBENE_LABEL, GESCHLECHT_LABEL, KENNZAHLEN, VALUE_COLUMNS

VERSION = "4"                  # bump when the file layout or content changes (cache key)
SETS = ("jobcenter", "vergleichstyp", "land", "bund")
SITE_DIR = sitemodel.DOWNLOADS  # in the built site, beside book/
RING = sitemodel.RING          # downloads/ring/: the Vergleichsringe
PAKET = "datenpaket"           # SITE_DIR/PAKET/datapackage.json
PAKET_CSV = "kennzahlen.csv.gz"
PAKET_PARQUET = "kennzahlen.parquet"
FERTIG = ".fertig"             # marker of a complete cache folder

SPALTEN = {   # column -> (German header, explanation)
    "id": ("Kennung", "Jobcenter-ID, Code des Vergleichstyps, Landesschlüssel, DE (Bund) oder Kennung des "
                      "Vergleichsrings"),
    "monat": ("Monat", "Berichtsmonat (JJJJ-MM)"),
    "geschlecht": ("Geschlecht", "Insgesamt, Frauen oder Männer"),
    "kennzahl": ("Kennzahl", "Code: K1 … K3E4 (Kennzahlen und Ergänzungsgrößen nach § 48a SGB II) oder JFW_* "
                             "(Jahresfortschrittswerte der Zielsteuerung nach § 48b SGB II)"),
    "bezeichnung": ("Kurzname", "Kurzname der Kennzahl (der volle Name steht im Blatt „Erläuterungen“ der XLSX-Datei)"),
    "einheit": ("Einheit", "Prozent, Prozentpunkte, Anzahl oder Personen (Durchschnittsbestand)"),
    "wert": ("Wert", "Wert in voller Genauigkeit (kürzeste exakte Dezimalschreibweise, ungerundet; auf der Seite "
                     "gerundet; Excel rechnet mit höchstens 15 Stellen); leer = nicht ausgewiesen"),
    "zeichen": ("Zeichen (kein Wert)", "Zeichen eines nicht ausgewiesenen Werts wie auf den Seiten: "
                + "; ".join(f"{z} = {t}" for z, t in fmt.ZEICHENERKLAERUNG.items() if z != fmt.NICHTS)),
    "grund": ("Grund (kein Wert)", "warum kein Wert ausgewiesen ist"),
    "zaehler": ("Zähler", "Zähler des Quotienten (Berechnungsgrundlage); Geld in Euro"),
    "nenner": ("Nenner", "Nenner des Quotienten (Berechnungsgrundlage); leer bei gemittelten Quoten"),
    "erfasst": ("Erfasste Jobcenter", "Zahl der Jobcenter, deren Eingangswerte in den Wert eingehen"),
    "mitglieder": ("Mitglieder", "Zahl der Jobcenter der Einheit"),
}
# Constant per Kennzahl, so not repeated in every row of a unit's CSV and XLSX (they were 40 % of a
# CSV): the XLSX explains each code with name and unit in "Erläuterungen", the Hilfe lists them all.
DATEI_OHNE = ("bezeichnung", "einheit")
XLSX_OHNE = DATEI_OHNE


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


def _kurz(code: str) -> str:
    from helpers.steuerung import STEUERUNG

    return KENNZAHLEN[code].kurz if code in KENNZAHLEN else STEUERUNG[code].kurz


def _grund(g, gruppe: bool) -> str:
    from helpers.zielsteuerung import grund_text

    return grund_text(g, gruppe) if isinstance(g, str) and g else ""


def _map(s: pd.Series, f) -> pd.Series:
    """Apply f once per distinct value (the columns repeat few values)."""
    u = pd.unique(s)
    return s.map(dict(zip(u, (f(x) for x in u))))


def _alle_werte(m, ebenen=SETS) -> pd.DataFrame:
    """All figures (Kennzahlen and JFW) of the units of ``ebenen`` in download order (unit, figure,
    gender, month); the rows of the "fenster" months (no value possible yet) left out."""
    from helpers.steuerung import STEUERUNG

    cols = ["ebene", "id", "monat", "geschlecht", "kennzahl", "wert", "grund", "erfasst", "mitglieder",
            "zaehler", "nenner"]
    parts = [m._table_plain("ergebnisse.parquet")[cols], m.steuerung()[cols]]
    d = pd.concat([p for p in parts if len(p)], ignore_index=True)
    d = d[d["ebene"].isin(ebenen) & (d["grund"] != "fenster")]
    order = {c: i for i, c in enumerate(list(KENNZAHLEN) + list(STEUERUNG))}
    gorder = {g: i for i, g in enumerate(GESCHLECHT_LABEL)}
    eorder = {e: i for i, e in enumerate(ebenen)}
    return (d.assign(_e=d["ebene"].map(eorder), _k=d["kennzahl"].map(order), _g=d["geschlecht"].map(gorder))
             .sort_values(["_e", "id", "_k", "_g", "monat"], kind="stable")
             .drop(columns=["_e", "_k", "_g"]).reset_index(drop=True))


def _deutsch(d: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``_alle_werte`` with the German download columns (SPALTEN)."""
    gruppe = d["ebene"] != "jobcenter"
    grund = d["grund"].where(d["grund"].notna() & (d["grund"] != ""), "")
    out = pd.DataFrame({
        "id": d["id"].astype(str), "monat": d["monat"].astype(str),
        "geschlecht": d["geschlecht"].map(GESCHLECHT_LABEL),
        "kennzahl": d["kennzahl"].astype(str), "bezeichnung": _map(d["kennzahl"], _kurz),
        "einheit": _map(d["kennzahl"], _einheit), "wert": d["wert"].astype(float),
        "zeichen": np.where(d["wert"].isna(), _map(grund, text.zeichen), ""),
        "grund": _map(grund + "|" + gruppe.map({True: "1", False: ""}),
                      lambda x: _grund(x.split("|")[0], x.endswith("1"))),
        "zaehler": d["zaehler"].astype(float), "nenner": d["nenner"].astype(float),
        "erfasst": pd.to_numeric(d["erfasst"], errors="coerce").astype("Int64"),
        "mitglieder": pd.to_numeric(d["mitglieder"], errors="coerce").astype("Int64"),
    })
    return out.rename(columns={k: v[0] for k, v in SPALTEN.items()}).reset_index(drop=True)


def zeitreihe(m, ebene: str, uid: str, name: str | None = None) -> pd.DataFrame:
    """The full time series of a unit with German headers (the CSV and the first XLSX sheet)."""
    from helpers.berechnungsgrundlagen import werte

    d = werte(m, ebene, uid)
    return datei_spalten(_deutsch(d[d["grund"] != "fenster"]))


def datei_spalten(df: pd.DataFrame) -> pd.DataFrame:
    """The columns of a unit's CSV/XLSX: without what is constant per Kennzahl (DATEI_OHNE)."""
    return df.drop(columns=[SPALTEN[c][0] for c in DATEI_OHNE], errors="ignore")


def _eingang_deutsch(g: pd.DataFrame) -> pd.DataFrame:
    cols = ["monat", "geschlecht", *VALUE_COLUMNS]
    if g.empty:
        return pd.DataFrame(columns=["Monat", "Geschlecht", *VALUE_COLUMNS])
    g = g.copy()
    for c in VALUE_COLUMNS:
        if f"status_{c}" in g:
            g.loc[g[f"status_{c}"] != 0, c] = np.nan
    g["geschlecht"] = g["geschlecht"].map(GESCHLECHT_LABEL)
    return g[cols].rename(columns={"monat": "Monat", "geschlecht": "Geschlecht"}).reset_index(drop=True)


def eingangsgroessen(m, ebene: str, uid: str) -> pd.DataFrame:
    """The unit's monthly (summed) inputs: the basis of the averaged rates."""
    return _eingang_deutsch(m.grundlagen(ebene=ebene, id=uid))


def csv_bytes(df: pd.DataFrame) -> bytes:
    """German Excel CSV: ';', decimal comma, CRLF, UTF-8 with BOM; every number exact in its shortest
    form (repr: 4223290.69 stays 4223290,69, a quotient keeps the digits it needs to read back bit
    for bit)."""
    buf = io.StringIO()
    df.to_csv(buf, sep=";", decimal=",", index=False, lineterminator="\r\n")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def lese_csv(path_or_bytes) -> pd.DataFrame:
    """Read a download CSV back (tests, checks)."""
    raw = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    return pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig", dtype={"Kennung": str},
                       keep_default_na=False, na_values=[""])


def _schreibe_blatt(wb, ws, frame: pd.DataFrame, kopf) -> None:
    """One sheet: readable header row (frozen, with filter), then the values cell by cell with the
    typed writers (constant_memory: row by row; empty and undefined cells are left out)."""
    ws.freeze_panes(1, 0)
    ws.write_row(0, 0, list(frame.columns), kopf)
    ws.set_row(0, 30)
    ws.set_column(0, len(frame.columns) - 1, 14)
    spalten = []
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_numeric_dtype(s):
            v = s.astype(float).to_numpy()
            spalten.append((ws.write_number, [None if x != x else x for x in v.tolist()]))
        else:
            spalten.append((ws.write_string, [x if isinstance(x, str) and x else None for x in s.tolist()]))
    for i in range(len(frame)):
        r = i + 1
        for j, (write, vals) in enumerate(spalten):
            v = vals[i]
            if v is not None:
                write(r, j, v)
    ws.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)


def xlsx_bytes(df: pd.DataFrame, eingang: pd.DataFrame, titel: str, meta: dict, einheit: str = "",
               mitglieder: list[tuple[str, str]] | None = None) -> bytes:
    """XLSX: "Zeitreihe" (readable header, frozen, filter), "Eingangsgrößen", "Erläuterungen" (with
    ``mitglieder``, (id, name) of a group's Jobcenter, listed there). Text is never a formula or
    link (strings_to_formulas/urls off: a name like "=HYPERLINK(…)" stays text)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    wb.set_properties({"title": titel, "created": pd.Timestamp("2000-01-01").to_pydatetime()})
    kopf = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#e8eef5", "border": 1})
    schmal = df.drop(columns=[SPALTEN[c][0] for c in XLSX_OHNE], errors="ignore")
    for name, frame in (("Zeitreihe", schmal), ("Eingangsgrößen", eingang)):
        _schreibe_blatt(wb, wb.add_worksheet(name), frame, kopf)
    ws = wb.add_worksheet("Erläuterungen")
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 100)
    ws.write_row(0, 0, ["Spalte", "Bedeutung"], kopf)
    zeilen = [(h, erkl) for c, (h, erkl) in SPALTEN.items() if c not in XLSX_OHNE]
    zeilen.append(("Eingangsgrößen", "Blatt mit den monatlichen (summierten) Eingangsgrößen der Einheit nach dem "
                                     "Datenvertrag; leer = nicht verfügbar oder gesperrt"))
    zeilen.append(("Einheit", f"{titel}" + (f" ({einheit})" if einheit else "")))
    if mitglieder:
        zeilen.append(("Mitglieder", f"{len(mitglieder)} Jobcenter, deren summierte Eingangsgrößen die Werte bilden: "
                       + ", ".join(f"{n} ({i})" for i, n in mitglieder)))
    for code in dict.fromkeys(df[SPALTEN["kennzahl"][0]]):
        zeilen.append((code, f"{_bezeichnung(code)} ({_einheit(code)})"))
    zeilen.append(("Datenstand", fmt.monat(meta.get("datenstand"))))
    zeilen.append(("Quelle", "synthetische Demodaten, keine amtlichen Zahlen" if meta.get("demo")
                   else "Statistik der Bundesagentur für Arbeit"))
    for i, (a, b) in enumerate(zeilen, start=1):
        ws.write_row(i, 0, [a, b])
    wb.close()
    return buf.getvalue()


def _ist_ring(seite) -> bool:
    from helpers import pages

    return isinstance(seite, pages.RingSeite)


def links(seite) -> HTML:
    """Links to the unit's download files (full time series as CSV and XLSX) and the data package.
    Links from a page (``helpers.sitemodel``: one folder below book/seiten) to downloads/ of the site.
    A Vergleichsring page declares the ring (id, name, members) for ``write_site``."""
    from helpers.zielsteuerung import einheit_der_seite

    ring = None
    if _ist_ring(seite):
        ebene, uid = RING, seite.kennung
        ring = {"kennung": uid, "name": seite.name, "mitglieder": " ".join(seite.ids)}
        inhalt = ("alle Monate, alle Kennzahlen und Jahresfortschrittswerte des Rings aus den summierten "
                  "Eingangsgrößen seiner Mitglieder, alle Geschlechter, Zähler und Nenner")
    else:
        ebene, uid, _ = einheit_der_seite(seite)
        inhalt = "alle Monate, alle Kennzahlen und Jahresfortschrittswerte, alle Geschlechter, Zähler und Nenner"
    return HTML(render("teile/downloads.html", ring=ring, inhalt=inhalt,
                       csv=sitemodel.download_href(ebene, uid, "csv"), xlsx=sitemodel.download_href(ebene, uid, "xlsx"),
                       paket=f"{sitemodel.ZUR_SITE}{SITE_DIR}/{PAKET}/datapackage.json"))


# --------------------------------------------------------------------------- Vergleichsringe

def ring_zeitreihe(m, name: str, ids: list[str]) -> pd.DataFrame:
    """The full time series of a Vergleichsring with German headers (CSV, first XLSX sheet)."""
    from helpers.berechnungsgrundlagen import ring_werte

    d = ring_werte(m, name, ids)
    return datei_spalten(_deutsch(d[d["grund"] != "fenster"]))


def ring_eingangsgroessen(m, name: str, ids: list[str]) -> pd.DataFrame:
    return _eingang_deutsch(m.gruppe_grundlagen(ids, sitemodel.ring_kennung(name)))


def schreibe_ring(m, dest: Path, name: str, ids: list[str]) -> list[Path]:
    """The CSV and XLSX of a Vergleichsring under dest (downloads/ring/<ring_kennung>.*)."""
    kennung = sitemodel.ring_kennung(name)
    df = ring_zeitreihe(m, name, ids)
    jc = m.jobcenter.set_index("jobcenter_id")["name"]
    csv_p, xlsx_p = (dest / sitemodel.download_datei(RING, kennung, e) for e in ("csv", "xlsx"))
    csv_p.parent.mkdir(parents=True, exist_ok=True)
    csv_p.write_bytes(csv_bytes(df))
    xlsx_p.write_bytes(xlsx_bytes(df, ring_eingangsgroessen(m, name, ids),
                                  f"Vergleichsring {name}: Kennzahlen nach § 48a SGB II", m.meta, "Vergleichsring",
                                  mitglieder=[(i, str(jc.get(i, ""))) for i in ids]))
    return [csv_p, xlsx_p]


_RING_RE = None


def ring_deklarationen(site: Path) -> dict[str, tuple[str, list[str]]]:
    """Vergleichsringe declared on the site's pages (``links``): ring_kennung -> (name, member ids).
    The declaration is checked (the id is the name's ring_kennung, ids are Jobcenter-IDs); two
    pages declaring different rings under one id are an error (their files would collide)."""
    import re

    global _RING_RE
    if _RING_RE is None:
        _RING_RE = re.compile(r'<ul class="downloads" data-ring="([^"]*)" data-ring-name="([^"]*)" '
                              r'data-ring-mitglieder="([^"]*)">')
    out: dict[str, tuple[str, list[str]]] = {}
    for f in sorted((Path(site) / sitemodel.PAGES_ROOT).rglob("*.html")):
        for kennung, name, mitglieder in _RING_RE.findall(f.read_text(encoding="utf-8")):
            kennung, name = html.unescape(kennung), html.unescape(name)
            ids = html.unescape(mitglieder).split()
            if kennung != sitemodel.ring_kennung(name) or not ids or not all(re.fullmatch(r"\d{5}", i) for i in ids):
                raise ValueError(f"{f.name}: ungültige Angabe des Vergleichsrings {name!r}")
            if kennung in out and out[kennung] != (name, ids):
                raise ValueError(f"Zwei Vergleichsringe mit derselben Kennung {kennung!r} (Dateinamen der Downloads): "
                                 f"„{out[kennung][0]}“ und „{name}“ – bitte einen anderen Namen wählen.")
            out[kennung] = (name, ids)
    return out


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


def schreibe_parquet(df: pd.DataFrame, path: Path) -> None:
    """The package table as Parquet, exact and compact: dictionary-encoded keys and counts, the
    floats byte-stream-split (their exponent bytes line up), zstd (17,5 -> 10,7 MB on the demo data;
    pyarrow, DuckDB, R arrow and polars read it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    zahlen = [c for c in ("wert", "zaehler", "nenner") if c in df]
    tabelle = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(tabelle, path, compression="zstd", compression_level=15,
                   use_dictionary=[c for c in df.columns if c not in zahlen], use_byte_stream_split=zahlen)


def write_datenpaket(m, dest: Path) -> Path:
    """kennzahlen.csv.gz (UTF-8, comma, '.' decimals, gzip), kennzahlen.parquet and datapackage.json."""
    dest.mkdir(parents=True, exist_ok=True)
    df = paket_tabelle(m)
    # gzip (fixed mtime: byte-stable): the CSV is the package's largest file, ~8x smaller packed
    # numbers in their shortest exact form (repr: round-trips bit for bit, shorter than %.17g)
    df.to_csv(dest / PAKET_CSV, index=False, lineterminator="\n",
              compression={"method": "gzip", "compresslevel": 6, "mtime": 0})
    schreibe_parquet(df, dest / PAKET_PARQUET)
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
            {"name": "kennzahlen", "path": PAKET_CSV, "format": "csv", "compression": "gz",
             "mediatype": "text/csv", "encoding": "utf-8", "profile": "tabular-data-resource",
             "dialect": {"delimiter": ",", "header": True}, "schema": schema},
            {"name": "kennzahlen-parquet", "path": PAKET_PARQUET, "format": "parquet",
             "mediatype": "application/vnd.apache.parquet", "profile": "tabular-data-resource", "schema": schema,
             "description": "dieselbe Tabelle als Parquet (volle Genauigkeit, Typen erhalten)"},
        ],
    }
    (dest / "datapackage.json").write_text(json.dumps(paket, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return dest




# --------------------------------------------------------------------------- generation (cached)

def _key(mart_dir: Path) -> str:
    h = hashlib.sha256(VERSION.encode())
    for name in ("meta.json", "ergebnisse.parquet", "steuerung.parquet", "grundlagen.parquet", "jobcenter.parquet"):
        p = mart_dir / name
        if p.exists():
            h.update(name.encode() + hashlib.sha256(p.read_bytes()).digest())   # mart files are byte-stable
    return h.hexdigest()[:16]


def _namen(m) -> dict[tuple[str, str], str]:
    from helpers.kennzahlen import LAENDER

    jc = m.jobcenter
    names = {("jobcenter", j): n for j, n in zip(jc["jobcenter_id"], jc["name"])}
    names.update({("land", k): v for k, v in LAENDER.items()})
    names.update({("vergleichstyp", t): f"Vergleichstyp {t}" for t in jc["vergleichstyp"].unique()})
    names[("bund", "DE")] = "Bund"
    return names


def _xlsx_job(args) -> None:
    path, df, eingang, titel, meta, einheit = args
    path.write_bytes(xlsx_bytes(df, eingang, titel, meta, einheit))


def _bloecke(df: pd.DataFrame, keys: list[str]):
    """(key tuple, block) of a frame sorted by keys, without a groupby copy per block."""
    if df.empty:
        return
    k = df[keys[0]].astype(str)
    for col in keys[1:]:                      # vectorised (a row-wise join costs seconds per million rows)
        k = k + "\x1f" + df[col].astype(str)
    k = k.to_numpy()
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    ends = np.r_[starts[1:], len(k)]
    for a, b in zip(starts, ends):
        yield tuple(k[a].split("\x1f")), df.iloc[a:b].reset_index(drop=True)


def _erzeuge_in(m, dest: Path, jobs: int, einheiten: frozenset | None = None) -> int:
    """Write every unit's CSV and XLSX (or only those of ``einheiten``, a set of (ebene, id)) and the
    data package into dest; returns the number of units."""
    names = _namen(m)
    werte = _alle_werte(m)
    deutsch = _deutsch(werte)
    deutsch.insert(0, "_ebene", werte["ebene"].to_numpy())
    g = m._table_plain("grundlagen.parquet")
    g = g[g["ebene"].isin(SETS)].sort_values(["ebene", "id", "geschlecht", "monat"], kind="stable")
    gorder = {x: i for i, x in enumerate(GESCHLECHT_LABEL)}
    g = g.assign(_g=g["geschlecht"].map(gorder)).sort_values(["ebene", "id", "_g", "monat"], kind="stable")
    eingang = {key: block for key, block in _bloecke(g.drop(columns="_g"), ["ebene", "id"])}
    xlsx_jobs = []
    n = 0
    for (ebene, uid), block in _bloecke(deutsch, ["_ebene", SPALTEN["id"][0]]):
        if (ebene, uid) not in names or (einheiten is not None and (ebene, uid) not in einheiten):
            continue
        df = datei_spalten(block.drop(columns="_ebene"))
        csv_p = dest / sitemodel.download_datei(ebene, uid, "csv")
        csv_p.parent.mkdir(parents=True, exist_ok=True)
        csv_p.write_bytes(csv_bytes(df))
        ein = _eingang_deutsch(eingang.get((ebene, uid), g.iloc[:0]))
        xlsx_jobs.append((dest / sitemodel.download_datei(ebene, uid, "xlsx"), df, ein,
                          f"{names[(ebene, uid)]}: Kennzahlen nach § 48a SGB II", m.meta, EBENE_LABEL[ebene]))
        n += 1
    seiten = sorted(k for k in names if einheiten is None or k in einheiten)
    if jobs > 1 and len(seiten) > 8:   # page objects cost ~0.06 s each: one mart per worker
        with ProcessPoolExecutor(jobs) as ex:
            list(ex.map(_monats_csv_job, [(m.path, dest, seiten[i::jobs], m.datenstand) for i in range(jobs)]))
    else:
        for ebene, uid in seiten:
            schreibe_monats_csv(m, dest, ebene, uid, m.datenstand)
    if jobs > 1 and len(xlsx_jobs) > 8:
        with ProcessPoolExecutor(jobs) as ex:
            list(ex.map(_xlsx_job, xlsx_jobs, chunksize=8))
    else:
        for j in xlsx_jobs:
            _xlsx_job(j)
    write_datenpaket(m, dest / PAKET)
    return n


def schreibe_monats_csv(m, dest: Path, ebene: str, uid: str, monat: str) -> Path:
    """The one-month CSV of a unit's page (``pages.seite(...).csv_bytes()``) under dest."""
    from helpers import pages

    path = dest / pages.monats_csv_pfad(ebene, uid, monat)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pages.seite(m, ebene, uid, monat).csv_bytes())
    return path


def _monats_csv_job(args) -> None:
    from helpers import mart

    mart_dir, dest, seiten, monat = args
    m = mart.load(mart_dir)
    for ebene, uid in seiten:
        schreibe_monats_csv(m, dest, ebene, uid, monat)


def erzeugen(mart_dir: Path, cache_root: Path, jobs: int = 2, *, behalten: int = 3,
             einheiten: frozenset | None = None) -> Path:
    """The folder with all downloads of the mart at mart_dir (generated once per mart content under
    cache_root/<key>/; written to a temporary folder and renamed, so a folder is complete or absent).
    With ``einheiten`` (a set of (ebene, id)) only those units' files are needed: a complete folder
    of the mart is used if there is one, else one for just those units (a partial build, e.g. a
    test run with --only, does not pay for 441 XLSX files). Keeps the ``behalten`` newest folders."""
    from helpers import mart

    mart_dir = Path(mart_dir).resolve()
    cache_root = Path(cache_root)
    final = cache_root / _key(mart_dir)
    if (final / FERTIG).exists():
        return final
    if einheiten is not None:
        teil = hashlib.sha256("\n".join(sorted(f"{e}/{i}" for e, i in einheiten)).encode()).hexdigest()[:8]
        final = cache_root / f"{final.name}-teil-{teil}"
        if (final / FERTIG).exists():
            return final
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = cache_root / f".tmp-{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.perf_counter()
    n = _erzeuge_in(mart.load(mart_dir), tmp, jobs, einheiten)
    (tmp / FERTIG).write_text(f"{n}\n")
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    print(f"Downloads erzeugt: {n} Einheiten und das Datenpaket in {fmt.sekunden(time.perf_counter() - t0)} ({final}).",
          file=sys.stderr)
    alte = sorted((p for p in cache_root.iterdir() if p.is_dir() and (p / FERTIG).exists() and p != final),
                  key=lambda p: (p / FERTIG).stat().st_mtime, reverse=True)
    for p in alte[max(behalten - 1, 0):]:
        shutil.rmtree(p, ignore_errors=True)
    return final


def seiten_einheiten(site: Path) -> frozenset:
    """(ebene, id) of every unit page in a built site (where the site model puts each set's pages)
    and of every unit whose time series a page links (pages of parameters/eigene/)."""
    import re

    root = Path(site) / sitemodel.PAGES_ROOT
    model = sitemodel.laden()
    seiten = {(e, uid) for e in SETS if model.hat(e)
              for p in (root / model.satz(e).ordner).glob("*.html")
              if (uid := model.satz(e).id_von(p.stem)) is not None}
    muster = re.compile(r'class="download-csv" href="' + re.escape(f"{sitemodel.ZUR_SITE}{SITE_DIR}/")
                        + r'(' + "|".join(SETS) + r')/([^"/_]+)\.csv"')
    verlinkt = {hit for f in root.rglob("*.html") for hit in muster.findall(f.read_text(encoding="utf-8"))}
    return frozenset(seiten | verlinkt)


def write_site(site: Path, mart_dir: Path, cache_root: Path, jobs: int = 2) -> Path:
    """Put the downloads of the site's unit pages once into the built site as <site>/downloads/ (hard
    links into the cache where the file system allows, else copies); returns that folder."""
    src = erzeugen(mart_dir, cache_root, jobs, einheiten=seiten_einheiten(site))
    dest = Path(site) / SITE_DIR
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest, copy_function=_link_or_copy, ignore=shutil.ignore_patterns(FERTIG))
    fehlend = sorted(monats_csv_links(site) - {p.relative_to(dest).as_posix() for p in dest.rglob("*_*.csv")})
    ringe = ring_deklarationen(site)
    if fehlend or ringe:   # pages of another month (parameters/eigene), Vergleichsringe: written here once
        from helpers import mart, pages

        m = mart.load(mart_dir)
        for kennung, (name, ids) in ringe.items():
            schreibe_ring(m, dest, name, ids)
        for rel in fehlend:
            ebene, datei = rel.split("/")
            uid, monat = datei[:-len(".csv")].rsplit("_", 1)
            if ebene == RING:
                if uid not in ringe:
                    raise ValueError(f"Vergleichsring {uid!r}: verlinkte Monatsdatei ohne Angabe des Rings")
                name, ids = ringe[uid]
                path = dest / sitemodel.download_datei(RING, uid, "csv", monat)
                path.write_bytes(pages.RingSeite(m, name, ids, monat=monat).csv_bytes())
            else:
                schreibe_monats_csv(m, dest, ebene, uid, monat)
    return dest


def monats_csv_links(site: Path) -> set[str]:
    """Paths (relative to downloads/) of the one-month CSVs that the site's pages link."""
    import re

    from helpers import pages

    muster = re.compile(r'class="csv-download"><a download="[^"]*" href="' + re.escape(pages.DOWNLOADS_HREF)
                        + r'((?:' + "|".join((*SETS, RING)) + r')/[^"/]+_\d{4}-\d{2}\.csv)"')
    return {hit for f in (Path(site) / sitemodel.PAGES_ROOT).rglob("*.html")
            for hit in muster.findall(f.read_text(encoding="utf-8"))}


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _cmd_downloads(args) -> int:
    from helpers import paths

    mart_dir = Path(args.mart) if args.mart else paths.MART_DIR
    if not (mart_dir / "meta.json").is_file():
        print(f"Fehler: kein Datenbestand in {mart_dir} (zuerst `make mart`).", file=sys.stderr)
        return 2
    folder = erzeugen(mart_dir, paths.ROOT / "_build" / ".downloads", args.jobs)
    print(f"Downloads bereit: {folder}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("downloads", help="Downloads (CSV, XLSX je Einheit, Datenpaket) erzeugen; "
                                                "zwischengespeichert je Datenstand")
    p.add_argument("--mart", help="Ordner des Datenbestands (Standard: data/processed)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallele Prozesse für die XLSX-Dateien")
    p.set_defaults(func=_cmd_downloads)
