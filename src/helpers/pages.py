"""Content builders for the page templates (notebooks/*.ipynb).

A template calls ``setup()`` once and then one page object's methods, one per cell; each
method returns something the notebook displays (``IPython.display.HTML`` or an altair chart)
or None when there is nothing to show. All numbers go through ``helpers.fmt``.

Pages:
    JobcenterSeite    one Jobcenter against its Vergleichstyp, Land and Bund (optional Ring)
    TypSeite          one Vergleichstyp: members, distributions, aggregate vs Bund
    LandSeite         one Land: its Jobcenter, aggregate vs Bund, gE/zkT within types
    BundSeite         Bund: Länder, Vergleichstypen, Trägerarten
    RingSeite         a user-defined group of Jobcenter (Vergleichsring)

Links are relative to the built page; where each page lies is the site model's (``helpers.sitemodel``).
"""

from __future__ import annotations

import base64
import html
import io
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from helpers import charts, fmt, sitemodel, statistik, text
from helpers.vorlagen import BR, Markup, element, link, render, tabelle, td, th, zeile
from helpers.kennzahlen import (CODES, EBENE_LABEL, GESCHLECHT_LABEL, GESCHLECHTER, KENNZAHLEN, LAENDER,
                                TRAEGERART_LABEL, ZIELE, codes_for)

BUND_ID = "DE"

# --------------------------------------------------------------------------- setup and ids


def setup(mart_dir=None):
    """Enable the chart renderer (JSON mime bundle) and load the mart (cached). Returns the mart."""
    from helpers import mart
    from helpers.mystnb_vega import enable_renderer

    enable_renderer()
    return mart.load(mart_dir)


def jobcenter_id(x) -> str:
    """A Jobcenter id as string; ints (papermill CLI turns "05315" into 5315) are zero-padded."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return f"{int(x):05d}"
    if isinstance(x, float) and x.is_integer():
        return f"{int(x):05d}"
    s = str(x).strip()
    return s.zfill(5) if s.isdigit() and len(s) < 5 else s


def land_id(x) -> str:
    """A Land code "01".."16" from "1", 1 or "01"."""
    if isinstance(x, (int, np.integer, float)) and not isinstance(x, bool):
        return f"{int(x):02d}"
    s = str(x).strip()
    return s.zfill(2) if s.isdigit() and len(s) < 2 else s


def _monat(m, monat) -> str:
    if monat is None or monat == "":
        return m.datenstand
    s = str(monat).strip()
    if not (m.meta["erster_monat"] <= s <= m.datenstand) or len(s) != 7:
        raise ValueError(f"Monat '{s}' liegt nicht im Datenbestand ({m.meta['erster_monat']} bis {m.datenstand}).")
    return s


def _geschlecht(g) -> str:
    g = "insgesamt" if g in (None, "") else str(g)
    if g not in GESCHLECHTER:
        raise ValueError(f"Geschlecht '{g}' ist unbekannt (erlaubt: {', '.join(GESCHLECHTER)}).")
    return g


# --------------------------------------------------------------------------- links


def hilfe_url(code: str) -> str:
    k = KENNZAHLEN[code]
    return f"{sitemodel.ZUM_BUCH}hilfe/ziel{k.ziel}.html#{k.anker}"


def _url(kind: str, uid: str) -> str | None:
    """The link to a unit's page (site model), None when the site has no page set of that kind."""
    model = sitemodel.laden()
    return model.url(kind, uid) if model.hat(kind) else None


def jobcenter_url(jid: str) -> str | None:
    return _url("jobcenter", jid)


def typ_url(vt: str) -> str | None:
    return _url("vergleichstyp", vt)


def land_url(land: str) -> str | None:
    return _url("land", land)


def bund_url() -> str | None:
    return _url("bund", BUND_ID)


LESEHILFE_URL = f"{sitemodel.ZUM_BUCH}lesehilfe.html"
VERGLEICHSTYPEN_HILFE_URL = f"{sitemodel.ZUM_BUCH}hilfe/vergleichstypen.html"


# --------------------------------------------------------------------------- common blocks


def demo_hinweis(meta: dict, typ_hinweis: bool = True) -> str:
    """The visible notice for synthetic data ("" for real data)."""
    if not meta.get("demo"):
        return ""
    return render("teile/demo_hinweis.html", typen=typ_hinweis and meta.get("vergleichstypen_synthetisch", True))


def datenstand_html(meta: dict, monat: str) -> str:
    quellen = [{"datei": v.get("datei", k), "sha": str(v.get("sha256", ""))[:12]}
               for k, v in meta.get("quellen", {}).items()]
    return render("teile/datenstand.html", datenstand=fmt.monat(meta["datenstand"]),
                  monat=fmt.monat(monat) if monat != meta["datenstand"] else "",
                  erster=fmt.monat(meta["erster_monat"]), quellen=quellen,
                  art="synthetische Demodaten" if meta.get("demo") else "Daten der Statistik der Bundesagentur für Arbeit")


def zusammenfassung_html(geschlecht: str, saetze: list[str], zusatz: str = "") -> str:
    """The generated sentences of a page (``text.zusammenfassung``) as a list."""
    return render("teile/zusammenfassung.html", geschlecht=GESCHLECHT_LABEL[geschlecht], saetze=saetze, zusatz=zusatz)


_link = link   # a link as one part of a run of text and links in a template (url None: the label as text)


def _aufzaehlung(eintraege, trenner: str = ", ") -> list:
    """Parts (text and links) of several entries, each a list of parts, separated by ``trenner``."""
    out: list = []
    for i, e in enumerate(eintraege):
        out += ([trenner] if i else []) + list(e)
    return out


def kopf_html(meta: dict, monat: str, fakten: list[tuple[str, list]], absatz: list | None = None,
              synthetisch: bool = False) -> HTML:
    """A page's head (template ``teile/kopf.html``): fakten are (label, parts) with parts text or ``_link``."""
    return HTML(render("teile/kopf.html", demo=Markup(demo_hinweis(meta)), synthetisch=synthetisch,
                       fakten=fakten, datenstand=Markup(datenstand_html(meta, monat)), absatz=absatz or []))


def hilfe_liste(codes=CODES) -> HTML:
    """Links to the Hilfe section of every figure and to the Lesehilfe."""
    ziele = [{"nr": z, "name": ziel,
              "links": [{"url": hilfe_url(c), "label": f"{c} {KENNZAHLEN[c].kurz}", "title": KENNZAHLEN[c].name}
                        for c in codes if KENNZAHLEN[c].ziel == z]} for z, ziel in ZIELE.items()]
    return HTML(render("teile/hilfe_liste.html", ziele=ziele, lesehilfe=LESEHILFE_URL))


DOWNLOADS_HREF = f"{sitemodel.ZUR_SITE}downloads/"   # the site's downloads folder (helpers.downloads)


CSV_NAMENSSPALTEN = ("Name", "Jobcenter")   # names from deliveries and parameter files (untrusted)


def _kein_formelanfang(x):
    """A name cell Excel would read as a formula ("=…", "+…", "-…", "@…") gets a leading apostrophe."""
    return "'" + x if isinstance(x, str) and x[:1] in ("=", "+", "-", "@", "\t", "\r") else x


def csv_bytes(df: pd.DataFrame) -> bytes:
    """A page's CSV as Excel opens it: UTF-8 with BOM, ';' separator, decimal comma, CRLF; the name
    columns never start a formula."""
    buf = io.StringIO()
    namen = [c for c in CSV_NAMENSSPALTEN if c in df.columns]
    if namen:
        df = df.assign(**{c: df[c].map(_kein_formelanfang) for c in namen})
    df.to_csv(buf, sep=";", decimal=",", index=False, lineterminator="\r\n")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def monats_csv_pfad(ebene: str, uid: str, monat: str) -> str:
    """Where the one-month CSV of a unit's page lives, relative to the site's downloads folder
    (written by ``helpers downloads`` into the cache _build/.downloads/<key>/; Vergleichsringe by
    ``downloads.write_site``); validated by the site model."""
    return sitemodel.download_datei(ebene, uid, "csv", monat)


def csv_link(df: pd.DataFrame | None, dateiname: str, beschriftung: str = "Tabelle als CSV herunterladen",
             href: str | None = None) -> HTML:
    """A download link: to the file ``href`` (a page's CSV in the downloads folder), or without one
    the CSV inside a data: URI (pages whose CSV is not a download file, e.g. Vergleichsringe)."""
    if href is None:
        # base64 grows the text by a third; percent-encoding (";", ",", umlauts) would nearly double it.
        href = "data:text/csv;charset=utf-8;base64," + base64.b64encode(csv_bytes(df)).decode("ascii")
    return HTML(render("teile/csv_link.html", dateiname=dateiname, href=href, beschriftung=beschriftung))


def csv_href(link_html: str) -> str:
    """The href of a ``csv_link``."""
    start = link_html.index('class="csv-download"><a download="')
    start = link_html.index('href="', start) + len('href="')
    return html.unescape(link_html[start:link_html.index('"', start)])


def csv_aus_bytes(raw: bytes) -> pd.DataFrame:
    """Read a page CSV (``csv_bytes``) back (for tests and checks)."""
    return pd.read_csv(io.StringIO(raw.decode("utf-8").lstrip("\ufeff")), sep=";", decimal=",",
                       dtype={"Jobcenter-ID": str, "Kennung": str})


# --------------------------------------------------------------------------- tables


class Fussnoten:
    """Numbered reasons of undefined values on a page, with the cells they concern."""

    def __init__(self, prefix: str = "anm"):
        self.prefix = prefix
        self.nummer: dict[str, int] = {}
        self.betroffen: dict[str, list[str]] = {}
        self.zeichen: set[str] = set()

    def zelle(self, grund: str, label: str) -> str:
        grund = grund or "kein Wert"
        n = self.nummer.setdefault(grund, len(self.nummer) + 1)
        self.betroffen.setdefault(grund, []).append(label)
        return render("teile/fussnote.html", zeichen=Markup(zeichen_html(grund, self)), prefix=self.prefix,
                      n=n, grund=grund)

    def eintraege(self) -> list[tuple[str, str]]:
        return [(lab, g) for g, labs in self.betroffen.items() for lab in labs]

    def html(self, titel: str = "Nicht ausgewiesene Werte") -> str:
        eintraege = [{"n": n, "grund": g[0].upper() + g[1:], "betroffen": ", ".join(self.betroffen[g])}
                     for g, n in self.nummer.items()]
        return render("teile/anmerkungen.html", eintraege=eintraege, titel=titel, prefix=self.prefix,
                      legende=Markup(self.legende()))

    def legende(self) -> str:
        """The Zeichenerklärung of the signs used in the table (none: empty)."""
        if not self.zeichen:
            return ""
        return render("teile/zeichenerklaerung.html",
                      zeichen=[(z, t) for z, t in fmt.ZEICHENERKLAERUNG.items() if z in self.zeichen])


def zeichen_html(grund: str, fn: Fussnoten | None = None) -> str:
    """The sign of an undefined value (Zeichenerklärung) with its reason as tooltip."""
    if fn is not None:
        fn.zeichen.add(text.zeichen(grund))
    return text.zeichen_html(grund)


def wert_zelle(code: str, wert, grund: str, label: str, fn: Fussnoten) -> str:
    """A figure's value (its decimals: fmt.kennzahl) as text, or its sign with its reason
    (tooltip + footnote) when undefined as a rendered fragment (Markup): a part of a cell."""
    if fmt.fehlt(wert):
        return Markup(fn.zelle(grund, label))
    return fmt.kennzahl(code, wert)


LESART_TEXT = {"besser": "besser", "schlechter": "schlechter", "gleich": "gleich"}


KEINE_EINORDNUNG = "keine Einordnung: Wert oder Vergleichswert nicht ausgewiesen"


def lesart_zelle(lesart: str, code: str, bezug: str, ueber: bool | None = None, fn: Fussnoten | None = None) -> str:
    """Direction-aware marker as text (the site CSS adds ▲/▼/● and colour); without a reading
    (value or reference undefined) the sign "x" (not meaningful), registered in ``fn``'s legend."""
    k = KENNZAHLEN[code]
    if lesart in LESART_TEXT:
        titel = f"{LESART_TEXT[lesart]} als {bezug} ({k.lesart})"
        return render("teile/lesart.html", lesart=lesart, titel=titel, text=LESART_TEXT[lesart])
    if lesart == "kontext":
        # Neutral reading (Ergänzungsgröße, or a comparison with Land/Bund/Trägerart): über / unter only.
        dativ = bezug.replace("der ", "dem ", 1)
        lage = "ohne Wertung" if ueber is None else ("über " if ueber else "unter ") + dativ
        grund = "Ergänzungsgröße" if not k.wertend else "Vergleich mit anders zusammengesetzter Gruppe"
        return render("teile/lesart.html", lesart="kontext", titel=f"{grund}: keine Wertung", text=lage)
    if fn is not None:
        fn.zeichen.add(text.zeichen(text.GRUND_NICHT_FESTGELEGT))
    return text.zeichen_html(text.GRUND_NICHT_FESTGELEGT, KEINE_EINORDNUNG)


def lesart(wert, bezug, code: str, wertend: bool = True) -> str:
    """besser | schlechter | gleich | kontext | "" (undefined) of wert against bezug.

    Reading rules: only K1-K3 and only against the Vergleichstyp or a Vergleichsring are rated;
    wertend=False (Land, Bund, Trägerart, other types) and Ergänzungsgrößen give "kontext".
    """
    if fmt.fehlt(wert) or fmt.fehlt(bezug):
        return ""
    r = KENNZAHLEN[code].richtung
    if not (wertend and KENNZAHLEN[code].wertend):
        return "kontext"
    d = (float(wert) - float(bezug)) * r
    return "besser" if d > 0 else "schlechter" if d < 0 else "gleich"


@dataclass
class Spalte:
    kopf: str
    feld: str
    art: str = "wert"      # wert | text (tuple of parts) | lesart
    bezug: str = ""        # for lesart: what the value is compared with


def kennzahlen_tabelle(zeilen: pd.DataFrame, spalten: list[Spalte], fn: Fussnoten, caption: str) -> str:
    """The main table of a page: one row group per figure, one row per gender.

    zeilen: code, geschlecht and per column ``feld`` (value) and ``feld + '_grund'`` (reason text)
    for art "wert"; a tuple of parts (text, rendered fragment, ``element``) for art "text" and
    "lesart" (a tuple: a pandas column of str would lose the Markup of a fragment).
    """
    ncol = 2 + len(spalten)
    kopf = [zeile([th("Kennzahl", scope="col"), th("Geschlecht", scope="col")]
                  + [th(s.kopf, scope="col") for s in spalten])]
    body = []
    ziel = None
    for code, grp in itertools.groupby(zeilen.to_dict("records"), key=lambda r: r["code"]):
        k = KENNZAHLEN[code]
        grp = list(grp)
        if k.ziel != ziel:
            ziel = k.ziel
            body.append(zeile([th(f"Ziel {ziel}: {ZIELE[ziel]}", colspan=ncol, scope="colgroup")], "ziel"))
        for i, r in enumerate(grp):
            cells = []
            if i == 0:
                cells.append(th(_link(hilfe_url(code), code, k.name), BR, element("span", k.kurz, klasse="kennzahl-kurz"),
                                BR, element("small", k.lesart), scope="rowgroup", rowspan=len(grp)))
            g_label = GESCHLECHT_LABEL[r["geschlecht"]]
            cells.append(td(g_label))
            if r.get("nur_insgesamt_zeile"):
                cells.append(td(Markup(zeichen_html(text.grund_text(text.GRUND_NUR_INSGESAMT), fn)),
                                " " + text.grund_text(text.GRUND_NUR_INSGESAMT),
                                colspan=len(spalten), klasse="nur-insgesamt"))
                body.append(zeile(cells))
                continue
            for s in spalten:
                if s.art == "wert":
                    label = f"{code} {g_label}, {s.kopf}"
                    cells.append(td(wert_zelle(r["code"], r.get(s.feld), r.get(s.feld + "_grund", ""), label, fn),
                                    klasse="zahl"))
                elif s.art == "lesart":
                    cells.append(td(*r.get(s.feld, ())))
                else:
                    cells.append(td(*r.get(s.feld, ()), klasse="zahl"))
            body.append(zeile(cells))
    return tabelle("kennzahlen-tabelle", kopf, body, caption)


def _alle_zeilen() -> pd.DataFrame:
    """code × geschlecht grid of the table (all 15 figures, all genders)."""
    return pd.DataFrame([(c, g) for c in CODES for g in GESCHLECHTER], columns=["code", "geschlecht"])


def _grund_series(df: pd.DataFrame, gruppe: bool) -> pd.Series:
    return df["grund"].map(lambda g: text.grund_text(g, gruppe))


def _ohne_wert(werte: pd.Series, gruende, gruppe: bool) -> list[str]:
    """Per row the text of an undefined value (``text.ohne_wert``: sign and reason), "" if defined."""
    return ["" if not fmt.fehlt(w) else text.ohne_wert(g if isinstance(g, str) else None, gruppe)
            for w, g in zip(werte, gruende)]


def _median_grund(gruende, codes, geschlechter) -> list[str]:
    """Reason code of an undefined median of the Vergleichstyp, from the Jobcenter's row: a figure only
    formed for insgesamt or an incomplete window holds for every member; otherwise no member has a value."""
    out = []
    for g, c, ge in zip(gruende, codes, geschlechter):
        if KENNZAHLEN[str(c)].nur_insgesamt and ge != "insgesamt":
            out.append(text.GRUND_NUR_INSGESAMT)
        else:
            out.append("fenster" if g == "fenster" else text.GRUND_KEIN_MITGLIED)
    return out


def _werte_mit_grund(grid: pd.DataFrame, werte: pd.DataFrame, feld: str, gruppe: bool) -> pd.DataFrame:
    """Merge ergebnisse-like rows (kennzahl, geschlecht, wert, grund) onto the grid as feld/feld_grund."""
    w = werte.rename(columns={"kennzahl": "code"})[["code", "geschlecht", "wert", "grund"]].copy()
    w[feld + "_grund"] = _grund_series(w, gruppe)
    w = w.rename(columns={"wert": feld}).drop(columns="grund")
    out = grid.merge(w, on=["code", "geschlecht"], how="left")
    nur = out["code"].map(lambda c: KENNZAHLEN[c].nur_insgesamt) & (out["geschlecht"] != "insgesamt")
    out["nur_insgesamt_zeile"] = nur
    out.loc[nur, feld] = np.nan
    out.loc[nur, feld + "_grund"] = text.grund_text(text.GRUND_NUR_INSGESAMT)
    fehlt = out[feld].isna() & out[feld + "_grund"].isna()
    out.loc[fehlt, feld + "_grund"] = text.grund_text("fehlt", gruppe)
    return out


_KURZ = {"median": "md", "min": "mn", "max": "mx"}


def verteilung_je_monat(df: pd.DataFrame, by=("monat", "geschlecht", "kennzahl")) -> pd.DataFrame:
    """Median, quartiles, min, max and count of the defined member values (``statistik``) per
    monat × geschlecht × kennzahl (columns md, q1, q3, mn, mx, n). df: vergleich rows of the members."""
    return statistik.verteilung(df.dropna(subset=["wert"]), list(by)).rename(columns=_KURZ)


def rang_in_gruppe(df: pd.DataFrame) -> pd.DataFrame:
    """Rank within df per monat × geschlecht × kennzahl (``statistik.rang``); adds rang_g and rang_g_n."""
    d = df.copy()
    d["rang_g"], d["rang_g_n"] = statistik.rang(d, ["monat", "geschlecht", "kennzahl"])
    return d


def zeitreihen_ziel(df: pd.DataFrame, ziel: int, felder: dict[str, str], reihen: dict[str, str], band: str,
                    geschlecht: str, wer: str = ""):
    """The time series chart of one Ziel, for the Jobcenter and the group pages alike: every month
    of ``df`` (the whole available period up to the page's month), Frauen/Männer as a choice where
    the figure is defined by gender, the page's gender drawn first.

    df: monat, geschlecht, kennzahl, the value columns named in ``felder`` (short field -> column,
    as ``charts.zeitreihen_daten``) and per field "z" + field, the text of an undefined value."""
    codes = [c for c in CODES if KENNZAHLEN[c].ziel == ziel]
    df = df[df["kennzahl"].isin(codes)
            & ((df["geschlecht"] == "insgesamt") | ~df["kennzahl"].map(lambda c: KENNZAHLEN[c].nur_insgesamt))]
    d = charts.zeitreihen_daten(df, felder, ohne={f: "z" + f for f in felder if "z" + f in df.columns})
    titel = f"Ziel {ziel}: {ZIELE[ziel]}"
    eigen = d[d["g"] == charts.GESCHLECHT_KURZ[geschlecht]].dropna(subset=list(reihen), how="all")
    return charts.zeitreihen(d, titel, reihen, band=band, geschlecht=geschlecht,
                             beschreibung=f"Zeitreihen{wer}, {titel} – {GESCHLECHT_LABEL[geschlecht]}. "
                                          + charts.beschreibung_zeitreihen(eigen, reihen, band)
                                          + " Frauen und Männer sind über die Auswahl „Geschlecht“ wählbar.")


# --------------------------------------------------------------------------- Jobcenter page


class JobcenterSeite:
    """A Jobcenter against its Vergleichstyp (median, quartiles, rank), Land and Bund."""

    def __init__(self, m, jobcenter_id_, monat=None, geschlecht="insgesamt", vergleichsring=None):
        self.m = m
        self.id = jobcenter_id(jobcenter_id_)
        self.info = m.jobcenter_info(self.id)
        self.monat = _monat(m, monat)
        self.geschlecht = _geschlecht(geschlecht)
        self.vt = str(self.info["vergleichstyp"])
        self.land = str(self.info["land"])
        self.name = str(self.info["name"])
        self.v = m.vergleich(jobcenter_id=self.id)
        self.vm = self.v[self.v["monat"] == self.monat]
        self.ring = _ring_param(vergleichsring)
        gruppen = m.ergebnisse(id=[self.land, BUND_ID], monat=self.monat)
        self._land_e = gruppen[(gruppen["ebene"] == "land") & (gruppen["id"] == self.land)]
        self._bund_e = gruppen[gruppen["ebene"] == "bund"]
        self.fn = Fussnoten("anm")
        self._tabelle = self._baue_tabelle()

    # -- data
    def zeilen(self) -> pd.DataFrame:
        """The table's numbers: code × geschlecht with Jobcenter, type, Land, Bund, rank, reading."""
        grid = _alle_zeilen()
        vm = self.vm.rename(columns={"kennzahl": "code"})
        out = grid.merge(vm[["code", "geschlecht", "wert", "grund", "vt_median", "vt_q1", "vt_q3", "vt_n", "rang",
                             "rang_n", "lesart"]], on=["code", "geschlecht"], how="left")
        out["wert_grund"] = out["grund"].map(lambda g: text.grund_text(g, False))
        nur = out["code"].map(lambda c: KENNZAHLEN[c].nur_insgesamt) & (out["geschlecht"] != "insgesamt")
        out.loc[nur, "wert_grund"] = text.grund_text(text.GRUND_NUR_INSGESAMT)
        out["vt_median_grund"] = [text.grund_text(g) for g in _median_grund(out["grund"], out["code"], out["geschlecht"])]
        out = _werte_mit_grund(out, self._land_e, "land_wert", True)
        out = _werte_mit_grund(out, self._bund_e, "bund_wert", True)
        return out.drop(columns="grund")

    def _baue_tabelle(self) -> str:
        z = self.zeilen()
        bezug = f"der Median des Vergleichstyps {self.vt}"
        z["rang_html"] = [
            ((fmt.rang(r, n),) + ((BR, element("small", "nach Höhe")) if not KENNZAHLEN[c].wertend else ()))
            if not fmt.fehlt(r) else (Markup(zeichen_html(g if isinstance(g, str) and g else text.grund_text(text.GRUND_KEIN_MITGLIED), self.fn)),)
            for r, n, c, g in zip(z["rang"], z["rang_n"], z["code"], z["wert_grund"])]
        z["lesart_html"] = [(Markup(lesart_zelle(la if isinstance(la, str) else "", c, bezug,
                                                 None if fmt.fehlt(w) or fmt.fehlt(md) else w > md, self.fn)),)
                            for la, c, w, md in zip(z["lesart"], z["code"], z["wert"], z["vt_median"])]
        self._zeilen = z
        spalten = [Spalte("Jobcenter", "wert"), Spalte(f"Median Vergleichstyp {self.vt}", "vt_median"),
                   Spalte(f"Land ({LAENDER.get(self.land, self.land)})", "land_wert"), Spalte("Bund", "bund_wert"),
                   Spalte(f"Rang im Vergleichstyp", "rang_html", "text"),
                   Spalte("Einordnung gegenüber Median", "lesart_html", "lesart")]
        return kennzahlen_tabelle(z, spalten, self.fn,
                                  f"{self.name}: alle Kennzahlen im {fmt.monat(self.monat)} (Werte in Prozent)")

    # -- outputs
    def kopf(self) -> HTML:
        ta = str(self.info["traegerart"])
        land = _link(land_url(self.land), LAENDER.get(self.land, self.land))
        fakten = [
            ("Jobcenter", [self.name] + ([f" ({self.info['ort']})"] if self.info.get("ort") else [])),
            ("Kennung", [self.id]),
            ("Land", [land]),
            ("Trägerart", [TRAEGERART_LABEL.get(ta, ta)]),
            ("Vergleichstyp", [_link(typ_url(self.vt), self.vt, f"Seite des Vergleichstyps {self.vt}"),
                               f" ({len(self.m.jobcenter[self.m.jobcenter['vergleichstyp'] == self.vt])} Jobcenter)"]),
            ("Berichtsmonat", [fmt.monat(self.monat)]),
        ]
        if self.ring:
            fakten.append(("Vergleichsring", [self.ring["name"], f" ({len(self.ring['jobcenter_ids'])} Jobcenter)"]))
        gebiet = self.m.meta.get("gebietsstand", {}).get("hinweise", {}).get(self.id)
        if gebiet:   # fiktiver Gebietsstand (gebietsaenderungen)
            fakten.append(("Gebietsstand", [gebiet]))
        return kopf_html(self.m.meta, self.monat, fakten,
                         ["Übergeordnete Seiten: ", _link(bund_url(), "Bund"), " · ", land, " · ",
                          _link(typ_url(self.vt), "Vergleichstyp " + self.vt)])

    def befunde(self, geschlecht: str | None = None) -> list[text.Befund]:
        g = geschlecht or self.geschlecht
        vj = fmt.monat_plus(self.monat, -12)
        jetzt = self.vm[self.vm["geschlecht"] == g].set_index("kennzahl")
        vor = self.v[(self.v["monat"] == vj) & (self.v["geschlecht"] == g)].set_index("kennzahl")
        out = []
        for c in jetzt.index:
            r = jetzt.loc[c]
            p = vor.loc[c] if c in vor.index else None
            out.append(text.Befund(
                code=c, wert=r["wert"], score=text.rang_score(r["rang"], r["rang_n"]),
                detail=f"Rang {fmt.rang(r['rang'], r['rang_n'])}, Median {fmt.kennzahl(c, r['vt_median'])}",
                score_vj=None if p is None else text.rang_score(p["rang"], p["rang_n"]),
                detail_vj="" if p is None else f"Rang {fmt.rang(p['rang'], p['rang_n'])}",
                wert_vj=None if p is None else p["wert"], lesart=r["lesart"] if isinstance(r["lesart"], str) else ""))
        return out

    def zusammenfassung(self) -> HTML:
        saetze = text.zusammenfassung(
            text.subjekt_jobcenter(self.name), f"der Median des Vergleichstyps {self.vt}", self.monat, self.befunde(),
            self.fn.eintraege())
        return HTML(zusammenfassung_html(self.geschlecht, saetze))

    def tabelle(self) -> HTML:
        from helpers.abdeckung import hinweis_html
        return HTML(self._tabelle + self.fn.html()
                    + hinweis_html([(f"Land {self.info.get('land_name', self.land)}", self._land_e),
                                    ("Bund", self._bund_e)]))

    def zeitreihen(self, ziel: int):
        """The whole available period up to the page's month; Frauen/Männer as a choice where the
        figure is defined by gender (the page's gender drawn first)."""
        codes = [c for c in CODES if KENNZAHLEN[c].ziel == ziel]
        v = self.v[(self.v["monat"] <= self.monat) & self.v["kennzahl"].isin(codes)]
        b = self.m.ergebnisse(ebene="bund", id=BUND_ID, kennzahl=codes, columns=["monat", "geschlecht", "kennzahl", "grund"])
        v = v.merge(b.astype(str).rename(columns={"grund": "bund_grund"}), on=["monat", "geschlecht", "kennzahl"], how="left")
        v = v.assign(zw=_ohne_wert(v["wert"], v["grund"], False),
                     zmd=_ohne_wert(v["vt_median"], _median_grund(v["grund"], v["kennzahl"], v["geschlecht"]), False),
                     zb=_ohne_wert(v["bund_wert"], v["bund_grund"], True))
        v = v.rename(columns={"wert": "w", "vt_median": "md", "vt_q1": "q1", "vt_q3": "q3", "bund_wert": "b"})
        reihen = {"w": self.name, "md": f"Median Vergleichstyp {self.vt}", "b": "Bund"}
        band = f"mittlere Hälfte der Jobcenter des Vergleichstyps {self.vt} (1. bis 3. Quartil)"
        return zeitreihen_ziel(v, ziel, {f: f for f in ("w", "md", "q1", "q3", "b")}, reihen, band, self.geschlecht)

    def position(self):
        mv = self.m.vergleich(vergleichstyp=self.vt, monat=self.monat, geschlecht=self.geschlecht,
                              columns=["jobcenter_id", "kennzahl", "wert"])
        d = charts.position_daten(mv)
        namen = self._namen(d["i"].unique())
        r = self.vm[self.vm["geschlecht"] == self.geschlecht]
        raenge = {c: fmt.rang(a, b) for c, a, b in zip(r["kennzahl"], r["rang"], r["rang_n"])}
        ohne = dict(zip(r["kennzahl"].astype(str), _ohne_wert(r["wert"], r["grund"], False)))
        titel = (f"Lage im Vergleichstyp {self.vt}, {fmt.monat(self.monat)} ({GESCHLECHT_LABEL[self.geschlecht]})")
        return charts.position(d, namen, titel, hervorheben=self.id, haupt_label=self.name, ohne=ohne,
                               beschreibung=f"{titel}. " + charts.beschreibung_position(d, self.id, self.name, raenge, ohne))

    def _namen(self, ids) -> dict[str, str]:
        jc = self.m.jobcenter
        sel = jc[jc["jobcenter_id"].isin(list(ids))]
        return dict(zip(sel["jobcenter_id"], sel["name"]))

    def vergleichsring(self) -> HTML | None:
        """The Jobcenter against a user-defined Vergleichsring (None without a ring)."""
        if not self.ring:
            return None
        return ring_vergleich_html(self.m, self.id, self.name, self.ring, self.monat, self.geschlecht)

    def csv_daten(self) -> pd.DataFrame:
        z = self._zeilen
        return pd.DataFrame({
            "Jobcenter-ID": self.id, "Jobcenter": self.name, "Monat": self.monat,
            "Kennzahl": z["code"], "Geschlecht": z["geschlecht"].map(GESCHLECHT_LABEL),
            "Wert": z["wert"], "Grund (kein Wert)": z["wert_grund"].fillna(""),
            f"Median Vergleichstyp {self.vt}": z["vt_median"], "1. Quartil": z["vt_q1"], "3. Quartil": z["vt_q3"],
            "Land": z["land_wert"], "Bund": z["bund_wert"], **self._csv_abdeckung(z),
            "Rang": z["rang"], "Anzahl im Rang": z["rang_n"], "Einordnung": z["lesart"].fillna(""),
        })

    def _csv_abdeckung(self, z) -> dict:
        """erfasst/mitglieder of the Land and Bund values (coverage rule of 2026-12)."""
        out = {}
        for name, e in (("Land", self._land_e), ("Bund", self._bund_e)):
            k = e.set_index(["kennzahl", "geschlecht"])
            keys = list(zip(z["code"], z["geschlecht"]))
            for col, label in (("erfasst", "erfasste Jobcenter"), ("mitglieder", "Mitglieder")):
                out[f"{name}: {label}"] = pd.array([k[col].get(key) if col in k else None for key in keys],
                                                   dtype="Int64")
        return out

    download_ebene = "jobcenter"

    def download(self) -> HTML:
        """Link to the page's one-month CSV, a file in the site's downloads folder (``csv_bytes``)."""
        return csv_link(None, f"kennzahlen_{self.id}_{self.monat}.csv",
                        f"Zahlen dieser Seite ({fmt.monat(self.monat)}) als CSV herunterladen",
                        href=DOWNLOADS_HREF + monats_csv_pfad(self.download_ebene, self.id, self.monat))

    def csv_bytes(self) -> bytes:
        return csv_bytes(self.csv_daten())

    def hilfe(self) -> HTML:
        return hilfe_liste()


def seite(m, ebene: str, uid: str, monat: str | None = None):
    """The page object of a unit with a one-month CSV file (``download_ebene``), as its notebook builds it."""
    if ebene == "jobcenter":
        return JobcenterSeite(m, uid, monat)
    if ebene == "bund":
        return BundSeite(m, monat)
    return {"vergleichstyp": TypSeite, "land": LandSeite}[ebene](m, uid, monat)


def _ring_param(ring) -> dict | None:
    """Normalise the ``vergleichsring`` parameter: None, a list of ids, or {"name", "jobcenter_ids"}."""
    if ring is None or ring == "" or ring == {}:
        return None
    if isinstance(ring, (list, tuple)):
        ring = {"name": "Vergleichsring", "jobcenter_ids": list(ring)}
    ids = [jobcenter_id(x) for x in ring.get("jobcenter_ids") or ring.get("mitglieder") or []]
    return {"name": str(ring.get("name") or "Vergleichsring"), "jobcenter_ids": ids}


def ring_vergleich_html(m, jid: str, name: str, ring: dict, monat: str, geschlecht: str) -> HTML:
    ids = ring["jobcenter_ids"]
    g = m.gruppe(ids, ring["name"])
    g = g[(g["monat"] == monat) & (g["geschlecht"] == geschlecht)]
    mv = m.vergleich(jobcenter_id=ids, monat=monat, geschlecht=geschlecht,
                     columns=["jobcenter_id", "monat", "geschlecht", "kennzahl", "wert"])
    mv = rang_in_gruppe(mv)
    stats = verteilung_je_monat(mv).set_index("kennzahl")
    eigen = mv[mv["jobcenter_id"] == jid].set_index("kennzahl")
    fn = Fussnoten("ring")
    grid = pd.DataFrame({"code": [c for c in CODES if geschlecht == "insgesamt" or not KENNZAHLEN[c].nur_insgesamt]})
    grid["geschlecht"] = geschlecht
    z = _werte_mit_grund(grid, g, "ring", True)
    z["wert"] = z["code"].map(eigen["wert"]) if len(eigen) else np.nan
    z["wert_grund"] = text.grund_text("fehlt") if jid in ids else text.grund_text(text.GRUND_NICHT_IM_RING)
    z["md"] = z["code"].map(stats["md"]) if len(stats) else np.nan
    z["md_grund"] = text.grund_text(text.GRUND_KEIN_MITGLIED)
    z["rang_html"] = [(fmt.rang(eigen.loc[c, "rang_g"], eigen.loc[c, "rang_g_n"]),) if c in eigen.index
                      else (Markup(text.zeichen_html(z.loc[z["code"] == c, "wert_grund"].iloc[0])),) for c in z["code"]]
    z["lesart_html"] = [(Markup(lesart_zelle(lesart(w, md, c), c, "der Median des Rings",
                                             None if fmt.fehlt(w) or fmt.fehlt(md) else w > md)),)
                        for w, md, c in zip(z["wert"], z["md"], z["code"])]
    spalten = [Spalte("Jobcenter", "wert"), Spalte(f"{ring['name']} (Summe)", "ring"),
               Spalte("Median der Mitglieder", "md"), Spalte("Rang im Ring", "rang_html", "text"),
               Spalte("Einordnung gegenüber Median", "lesart_html", "lesart")]
    jc = m.jobcenter
    mitglieder = _aufzaehlung([_link(jobcenter_url(i), n)] for i, n in
                              zip(jc.loc[jc["jobcenter_id"].isin(ids), "jobcenter_id"], jc.loc[jc["jobcenter_id"].isin(ids), "name"]))
    tab = kennzahlen_tabelle(z, spalten, fn, f"{name} im Vergleichsring {ring['name']}, {fmt.monat(monat)} "
                                             f"({GESCHLECHT_LABEL[geschlecht]})")
    absatz = render("teile/absatz.html", inhalt=[f"Mitglieder des Vergleichsrings ({len(ids)}): ", *mitglieder,
                                                 ". Der Wert des Rings wird aus den summierten Eingangsgrößen der "
                                                 "Mitglieder berechnet, nicht als Mittel der Quoten."])
    return HTML(absatz + tab + fn.html())


# --------------------------------------------------------------------------- aggregate pages


class _GruppenSeite:
    """Shared parts of the Vergleichstyp, Land, Bund and Ring pages: an aggregate (from summed
    inputs) with its members' distribution, compared with the Bund."""

    art = ""                 # "Vergleichstyp" etc.
    gruppe_bezug = "Bund"
    bund_vergleich = True    # compare the aggregate with the Bund

    def __init__(self, m, monat, geschlecht):
        self.m = m
        self.monat = _monat(m, monat)
        self.geschlecht = _geschlecht(geschlecht)
        self.vj = fmt.monat_plus(self.monat, -12)

    # subclasses set: self.name, self.ids (member ids), self.e (aggregate ergebnisse rows, all months)
    def _init_daten(self):
        jc = self.m.jobcenter
        self.jc = jc[jc["jobcenter_id"].isin(self.ids)].sort_values("name").reset_index(drop=True)
        monate = sorted({self.monat, self.vj})   # the table and its previous year; charts: zeitreihen
        mv = self.m.vergleich(jobcenter_id=None if self.alle else self.ids, monat=monate,
                              columns=["jobcenter_id", "vergleichstyp", "land", "traegerart", "monat", "geschlecht",
                                       "kennzahl", "wert", "grund", "rang", "rang_n", "lesart"])
        self.mv = mv
        self.stats = verteilung_je_monat(mv)
        b = self.m.ergebnisse(ebene="bund", monat=monate)
        self.bund = b
        self.fn = Fussnoten("anm")
        self._tabelle = self._baue_tabelle()

    alle = False
    hervorheben: str | None = None

    def _am(self, df, monat=None, geschlecht=None):
        sel = df["monat"] == (monat or self.monat)
        if geschlecht:
            sel &= df["geschlecht"] == geschlecht
        return df[sel]

    def zeilen(self) -> pd.DataFrame:
        grid = _alle_zeilen()
        z = _werte_mit_grund(grid, self._am(self.e), "wert", True)
        s = self._am(self.stats).rename(columns={"kennzahl": "code"})
        z = z.merge(s[["code", "geschlecht", "md", "q1", "q3", "n"]], on=["code", "geschlecht"], how="left")
        z["md_grund"] = np.where(z["wert_grund"].eq(text.grund_text(text.GRUND_NUR_INSGESAMT)), z["wert_grund"],
                                 text.grund_text(text.GRUND_KEIN_MITGLIED))
        z["q1_grund"] = z["md_grund"]
        z["q3_grund"] = z["md_grund"]
        z = _werte_mit_grund(z, self._am(self.bund), "bund", True)
        return z

    def _spalten(self) -> list[Spalte]:
        sp = [Spalte(f"{self.art_kurz} (Summe)", "wert"), Spalte("Median der Jobcenter", "md"),
              Spalte("1. Quartil", "q1"), Spalte("3. Quartil", "q3"), Spalte("Anzahl Jobcenter mit Wert", "n_html", "text")]
        if self.bund_vergleich:
            sp += [Spalte("Bund", "bund"), Spalte("Einordnung gegenüber Bund", "lesart_html", "lesart")]
        return sp

    art_kurz = "Gruppe"

    def _baue_tabelle(self) -> str:
        z = self.zeilen()
        z["n_html"] = [(fmt.ganzzahl(n),) if not fmt.fehlt(n) else ("0",) for n in z["n"]]
        z["lesart"] = [lesart(w, b, c, wertend=False) for w, b, c in zip(z["wert"], z["bund"], z["code"])]
        z["lesart_html"] = [(Markup(lesart_zelle(la, c, "der Bund", None if fmt.fehlt(w) or fmt.fehlt(b) else w > b,
                                                 self.fn)),)
                            for la, c, w, b in zip(z["lesart"], z["code"], z["wert"], z["bund"])]
        self._zeilen = z
        return kennzahlen_tabelle(z, self._spalten(), self.fn,
                                  f"{self.name}: alle Kennzahlen im {fmt.monat(self.monat)} (Werte in Prozent)")

    def _einheiten(self) -> list[tuple[str, pd.DataFrame]]:
        """The group units whose values the table shows (label, their rows in the page's month)."""
        return [(self.name, self._am(self.e))] + ([("Bund", self._am(self.bund))] if self.bund_vergleich else [])

    def tabelle(self) -> HTML:
        from helpers.abdeckung import hinweis_html
        return HTML(self._tabelle + self.fn.html() + hinweis_html(self._einheiten()))

    def _spreizung(self, monat) -> dict[str, float]:
        """IQR of all Jobcenter per figure (unit of the aggregate's distance to the Bund)."""
        alle = self.m.vergleich(monat=monat, geschlecht=self.geschlecht, columns=["kennzahl", "wert"])
        v = statistik.verteilung(alle, ["kennzahl"]).set_index("kennzahl")
        return (v["q3"] - v["q1"]).to_dict()

    def befunde(self) -> list[text.Befund]:
        out = []
        sp, sp_vj = self._spreizung(self.monat), self._spreizung(self.vj)
        e = self.e[self.e["geschlecht"] == self.geschlecht]
        b = self.bund[self.bund["geschlecht"] == self.geschlecht]
        for c in CODES:
            if self.geschlecht != "insgesamt" and KENNZAHLEN[c].nur_insgesamt:
                continue
            w = _eins(e, self.monat, c)
            bw = _eins(b, self.monat, c)
            w_vj, b_vj = _eins(e, self.vj, c), _eins(b, self.vj, c)
            r = KENNZAHLEN[c].richtung
            out.append(text.Befund(
                code=c, wert=w, score=text.abstand_score(w, bw, r, sp.get(c)),
                detail=f"Bund {fmt.kennzahl(c, bw)}", score_vj=text.abstand_score(w_vj, b_vj, r, sp_vj.get(c)),
                detail_vj=f"Bund {fmt.kennzahl(c, b_vj)}", wert_vj=w_vj, bezug=bw))
        return out

    def zusammenfassung(self) -> HTML:
        saetze = text.zusammenfassung(self.subjekt, "dem Bund", self.monat, self.befunde(), self.fn.eintraege(),
                                      wertend=False)
        return HTML(zusammenfassung_html(self.geschlecht, saetze,
                                         "; der Abstand zum Bund wird an der Streuung aller Jobcenter gemessen"))

    def zeitreihen(self, ziel: int):
        """As on the Jobcenter page (``zeitreihen_ziel``): the whole available period, all genders;
        median and quartiles of the members' values per month."""
        codes = [c for c in CODES if KENNZAHLEN[c].ziel == ziel]
        keys = ["monat", "geschlecht", "kennzahl"]
        e = self.e[(self.e["monat"] <= self.monat) & self.e["kennzahl"].isin(codes)][keys + ["wert", "grund"]]
        mv = self.m.vergleich(jobcenter_id=None if self.alle else self.ids, kennzahl=codes, columns=keys + ["wert"])
        s = verteilung_je_monat(mv[mv["monat"] <= self.monat])[keys + ["md", "q1", "q3"]]
        df = e.merge(s, on=keys, how="left")
        felder = {"w": "wert", "md": "md", "q1": "q1", "q3": "q3"}
        reihen = {"w": f"{self.name} (Summe)", "md": f"Median der Jobcenter ({self.art_kurz})"}
        if self.bund_vergleich:
            b = self.m.ergebnisse(ebene="bund", id=BUND_ID, kennzahl=codes, columns=keys + ["wert", "grund"])
            df = df.merge(b.rename(columns={"wert": "bund", "grund": "bund_grund"}), on=keys, how="left")
            df["zb"] = _ohne_wert(df["bund"], df["bund_grund"], True)
            felder["b"] = "bund"
            reihen["b"] = "Bund"
        df = df.assign(zw=_ohne_wert(df["wert"], df["grund"], True),
                       zmd=_ohne_wert(df["md"], _median_grund(df["grund"], df["kennzahl"], df["geschlecht"]), True))
        df = df.sort_values(["kennzahl", "geschlecht", "monat"],
                            key=lambda col: col.map(CODES.index) if col.name == "kennzahl" else col)
        band = f"mittlere Hälfte der Jobcenter ({self.art_kurz}, 1. bis 3. Quartil)"
        return zeitreihen_ziel(df, ziel, felder, reihen, band, self.geschlecht, f" {self.name}")

    def verteilung(self):
        mv = self.mv[(self.mv["monat"] == self.monat) & (self.mv["geschlecht"] == self.geschlecht)]
        d = charts.position_daten(mv)
        namen = dict(zip(self.jc["jobcenter_id"], self.jc["name"]))
        titel = f"Werte der Jobcenter ({self.name}), {fmt.monat(self.monat)} ({GESCHLECHT_LABEL[self.geschlecht]})"
        h = self.hervorheben
        label = namen.get(h, "") if h else ""
        eigen = mv[mv["jobcenter_id"] == h] if h else mv.iloc[:0]
        ohne = dict(zip(eigen["kennzahl"].astype(str), _ohne_wert(eigen["wert"], eigen["grund"], False)))
        return charts.position(d, namen, titel, hervorheben=h, haupt_label=label, ohne=ohne,
                               beschreibung=f"{titel}. " + charts.beschreibung_position(d, h, label, ohne=ohne))

    def mitglieder_tabelle(self, rang_spalte: str = "rang", rang_kopf: str = "Rang im Vergleichstyp",
                           codes=("K1", "K2", "K3")) -> HTML:
        """Members with K1, K2, K3 (value, rank, reading), sorted by name; all 15 in a details block."""
        mv = self.mv[(self.mv["monat"] == self.monat) & (self.mv["geschlecht"] == self.geschlecht)]
        if rang_spalte == "rang_g":
            mv = rang_in_gruppe(mv)
        fn = Fussnoten("mitgl")
        kopf = [th("Jobcenter", scope="col"), th("Land", scope="col"), th("Vergleichstyp", scope="col"),
                th("Trägerart", scope="col")]
        for c in codes:
            kopf += [th(_link(hilfe_url(c), c, KENNZAHLEN[c].name), BR, element("small", KENNZAHLEN[c].kurz), scope="col"),
                     th(rang_kopf, scope="col")]
        by = {(r["jobcenter_id"], r["kennzahl"]): r for r in mv.to_dict("records")}
        rows = []
        for j in self.jc.to_dict("records"):
            cells = [th(_link(jobcenter_url(j["jobcenter_id"]), j["name"]), scope="row"),
                     td(_link(land_url(j["land"]), j["land_name"])),
                     td(_link(typ_url(j["vergleichstyp"]), j["vergleichstyp"])),
                     td(str(j["traegerart"]))]
            for c in codes:
                r = by.get((j["jobcenter_id"], c))
                if r is None:
                    grund = text.grund_text(text.GRUND_NUR_INSGESAMT if KENNZAHLEN[c].nur_insgesamt else "fehlt")
                    cells += [td(Markup(fn.zelle(grund, j["name"] + " " + c)), klasse="zahl"),
                              td(Markup(zeichen_html(grund, fn)))]
                    continue
                w = wert_zelle(c, r["wert"], text.grund_text(r["grund"]), f"{j['name']} {c}", fn)
                rang_txt = (fmt.rang(r[rang_spalte], r[rang_spalte + "_n"]) if not fmt.fehlt(r[rang_spalte])
                            else Markup(zeichen_html(text.grund_text(r["grund"]) or text.grund_text("fehlt"), fn)))
                la = r["lesart"] if rang_spalte == "rang" else ""
                mark = ((" ", Markup(lesart_zelle(la, c, "der Median des Vergleichstyps")))
                        if la in ("besser", "schlechter", "gleich") else ())
                cells += [td(w, klasse="zahl"), td(rang_txt, *mark)]
            rows.append(zeile(cells))
        tab = tabelle("kennzahlen-tabelle mitglieder", [zeile(kopf)], rows,
                      f"Jobcenter ({len(self.jc)}) – {fmt.monat(self.monat)}, {GESCHLECHT_LABEL[self.geschlecht]}, "
                      "nach Namen sortiert; Rang 1 = günstigster Wert")
        return HTML(tab + fn.html() + self._breit(mv))

    def _breit(self, mv: pd.DataFrame) -> str:
        """All 15 figures of all members (values only) in a collapsible block."""
        codes = [c for c in CODES if self.geschlecht == "insgesamt" or not KENNZAHLEN[c].nur_insgesamt]
        sel = mv.assign(kennzahl=mv["kennzahl"].astype(str), jobcenter_id=mv["jobcenter_id"].astype(str))
        werte = {(j, c): (w, g) for j, c, w, g in zip(sel["jobcenter_id"], sel["kennzahl"], sel["wert"], sel["grund"])}
        kopf = [th("Jobcenter", scope="col")] + [th(_link(hilfe_url(c), c, KENNZAHLEN[c].name), scope="col")
                                                  for c in codes]
        fn = Fussnoten("breit")

        def zelle(j, c):
            w, g = werte.get((j, c), (None, "fehlt"))
            return (fmt.kennzahl(c, w, "") if not fmt.fehlt(w)
                    else Markup(zeichen_html(text.grund_text(g if isinstance(g, str) else "fehlt"), fn)))

        rows = [zeile([th(_link(jobcenter_url(j["jobcenter_id"]), j["name"]), scope="row")]
                      + [td(zelle(str(j["jobcenter_id"]), c), klasse="zahl") for c in codes])
                for j in self.jc.to_dict("records")]
        return render("teile/alle_kennzahlen.html", n=len(codes), legende=Markup(fn.legende()),
                      tabelle=Markup(tabelle("kennzahlen-tabelle breit", [zeile(kopf)], rows)))

    def csv_daten(self) -> pd.DataFrame:
        """Wide: one row per series (aggregate, median, quartiles, Bund, members) × gender, one
        column per figure; undefined values are empty."""
        z = self._zeilen
        rows: list[dict] = []

        def add(zeile, kennung, name, g, werte):
            rows.append({"Zeile": zeile, "Kennung": kennung, "Name": name, "Monat": self.monat,
                         "Geschlecht": GESCHLECHT_LABEL[g], **{c: werte.get(c, np.nan) for c in CODES}})

        def abdeckung(zeile, kennung, name, g, e):
            """erfasst/mitglieder of a group value (coverage rule of 2026-12), one row each."""
            eg = e[e["geschlecht"] == g].set_index("kennzahl")
            for col, label in (("erfasst", "erfasste Jobcenter"), ("mitglieder", "Mitglieder")):
                if col in eg:
                    add(f"{zeile}: {label}", kennung, name, g, eg[col].to_dict())

        for g in GESCHLECHTER:
            zg = z[z["geschlecht"] == g].set_index("code")
            add(f"{self.art_kurz} (Summe)", self.kennung, self.name, g, zg["wert"].to_dict())
            abdeckung(self.art_kurz, self.kennung, self.name, g, self._am(self.e))
            add("Median der Jobcenter", self.kennung, self.name, g, zg["md"].to_dict())
            add("1. Quartil der Jobcenter", self.kennung, self.name, g, zg["q1"].to_dict())
            add("3. Quartil der Jobcenter", self.kennung, self.name, g, zg["q3"].to_dict())
            if self.bund_vergleich:
                add("Bund", BUND_ID, "Bund", g, zg["bund"].to_dict())
                abdeckung("Bund", BUND_ID, "Bund", g, self._am(self.bund))
        for zeile, kennung, name, g, werte in self._csv_weitere():
            add(zeile, kennung, name, g, werte)
        for zeile, kennung, name, e in self._csv_weitere_gruppen():
            for g in GESCHLECHTER:
                add(zeile, kennung, name, g, e[e["geschlecht"] == g].set_index("kennzahl")["wert"].to_dict())
                abdeckung(zeile, kennung, name, g, e)
        return pd.DataFrame(rows)

    def _csv_weitere_gruppen(self):
        """Further group rows (label, id, name, their ergebnisse in the month); Bund: Länder etc."""
        return []

    def _csv_weitere(self):
        """Further CSV rows: the member Jobcenter (Bund: Länder and Vergleichstypen instead)."""
        mv = self.mv[self.mv["monat"] == self.monat]
        namen = dict(zip(self.jc["jobcenter_id"], self.jc["name"]))
        w = {(j, g): grp.set_index("kennzahl")["wert"].to_dict()
             for (j, g), grp in mv.groupby(["jobcenter_id", "geschlecht"], sort=False, observed=True)}
        for j in self.jc["jobcenter_id"]:
            for g in GESCHLECHTER:
                yield "Jobcenter", j, namen[j], g, w.get((j, g), {})

    download_ebene: str | None = None   # set: the CSV is a file of the downloads folder, else inline

    def download(self) -> HTML:
        """Link to the page's one-month CSV: a file in the site's downloads folder (Vergleichstyp,
        Land, Bund, Vergleichsring), inline only for a page without ``download_ebene``."""
        e = self.download_ebene
        return csv_link(None if e else self.csv_daten(),
                        f"kennzahlen_{self.art.lower()}_{self.kennung}_{self.monat}.csv",
                        f"Zahlen dieser Seite ({fmt.monat(self.monat)}; {self.art_kurz} und alle Jobcenter) als CSV "
                        "herunterladen", href=DOWNLOADS_HREF + monats_csv_pfad(e, self.kennung, self.monat) if e else None)

    def csv_bytes(self) -> bytes:
        """The wide CSV; erfasst/Mitglieder rows as whole numbers ("36", not "36,0")."""
        df = self.csv_daten()
        zaehl = df["Zeile"].str.endswith((": erfasste Jobcenter", ": Mitglieder")).to_numpy()
        out = df.copy()
        for c in CODES:
            out[c] = ["" if pd.isna(v) else (str(int(v)) if z else repr(float(v)).replace(".", ","))
                      for v, z in zip(df[c], zaehl)]
        return csv_bytes(out)

    def hilfe(self) -> HTML:
        return hilfe_liste()

    def traegervergleich(self, codes=("K1", "K2", "K3")) -> HTML:
        """gE vs zkT inside each Vergleichstyp: medians of the members of each Trägerart, with n."""
        mv = self.mv[(self.mv["monat"] == self.monat) & (self.mv["geschlecht"] == self.geschlecht)
                     & self.mv["kennzahl"].isin(codes)].dropna(subset=["wert"])
        g = mv.groupby(["vergleichstyp", "kennzahl", "traegerart"], observed=True)["wert"].agg(["median", "count"])
        typen = sorted(mv["vergleichstyp"].unique(), key=_typ_sort)
        kopf = [th("Vergleichstyp", scope="col")]
        for c in codes:
            kopf += [th(_link(hilfe_url(c), c, KENNZAHLEN[c].name), " gE", scope="col"), th(f"{c} zkT", scope="col"),
                     th("Median zkT gegenüber gE", scope="col")]
        rows = []
        beide = {c: [0, 0] for c in codes}
        for t in typen:
            cells = [th(_link(typ_url(t), t), scope="row")]
            for c in codes:
                ge = g.loc[(t, c, "gE")] if (t, c, "gE") in g.index else None
                zk = g.loc[(t, c, "zkT")] if (t, c, "zkT") in g.index else None
                for x in (ge, zk):
                    if x is None:
                        cells.append(td(Markup(render("teile/zeichen.html", zeichen=fmt.NICHTS,
                                                      titel="keine Jobcenter dieser Trägerart im Typ")), klasse="zahl"))
                    else:
                        cells.append(td(fmt.kennzahl(c, x["median"]), " ", element("small", f"(n = {int(x['count'])})"),
                                        klasse="zahl"))
                if ge is not None and zk is not None:
                    la = lesart(zk["median"], ge["median"], c, wertend=False)
                    beide[c][0] += 1
                    beide[c][1] += zk["median"] > ge["median"]
                    cells.append(td(Markup(lesart_zelle(la, c, "der Median der gE", zk["median"] > ge["median"]))))
                else:
                    cells.append(td(Markup(render("teile/zeichen.html", zeichen="nicht vergleichbar", titel=None))))
            rows.append(zeile(cells))
        satz = " ".join(
            f"{c}: In {beide[c][0]} Vergleichstypen gibt es Jobcenter beider Trägerarten; in {beide[c][1]} davon "
            f"liegt der Median der zkT über dem der gE (ohne Wertung: wenige Jobcenter je Trägerart)." for c in codes)
        tab = tabelle("kennzahlen-tabelle traeger", [zeile(kopf)], rows,
                      f"gE und zkT je Vergleichstyp, {fmt.monat(self.monat)} ({GESCHLECHT_LABEL[self.geschlecht]})")
        return HTML(render("teile/traegervergleich.html", tabelle=Markup(tab), satz=satz))

    def karte(self, code: str = "K2"):
        """Map of the Kreise of the members; the reader picks the figure (start: code) in a select input."""
        from helpers import maps

        codes = codes_for(self.geschlecht)
        werte = self.mv[(self.mv["monat"] == self.monat) & (self.mv["geschlecht"] == self.geschlecht)
                        & self.mv["kennzahl"].isin(codes)][["jobcenter_id", "kennzahl", "wert", "grund"]]
        titel = f"Kennzahlen je Kreis, {fmt.monat(self.monat)} – {self.name}"
        if self.geschlecht != "insgesamt":
            titel += f" ({GESCHLECHT_LABEL[self.geschlecht]})"
        karte = maps.karte_kennzahlen(werte.astype({"kennzahl": str}), self.m.jobcenter,
                                      {c: KENNZAHLEN[c] for c in codes}, titel, start=code, **self._karte_args())
        display(karte.chart)
        h = karte.hinweise
        zeilen = [["" if pd.isna(w) else w for w in r] for r in h.itertuples(index=False)]
        return HTML(render("teile/karte_hinweis.html", quelle=maps.ATTRIBUTION, spalten=list(h.columns), zeilen=zeilen))

    def _karte_args(self) -> dict:
        """Extra arguments of maps.karte_kennzahlen: the area shown (all Kreise on the Bund page)."""
        return {}


def _eins(df: pd.DataFrame, monat: str, code: str):
    s = df.loc[(df["monat"] == monat) & (df["kennzahl"] == code), "wert"]
    return float(s.iloc[0]) if len(s) else None


def _typ_sort(t: str):
    roem = {"I": 1, "II": 2, "III": 3}
    kopf = t.rstrip("abcdefghijklmnopqrstuvwxyz")
    return (roem.get(kopf, 9), t[len(kopf):])


class TypSeite(_GruppenSeite):
    download_ebene = "vergleichstyp"
    art = "Vergleichstyp"
    art_kurz = "Vergleichstyp"

    def __init__(self, m, vergleichstyp, monat=None, geschlecht="insgesamt"):
        super().__init__(m, monat, geschlecht)
        self.vt = self.kennung = str(vergleichstyp)
        jc = m.jobcenter
        self.ids = list(jc.loc[jc["vergleichstyp"] == self.vt, "jobcenter_id"])
        if not self.ids:
            raise KeyError(f"Vergleichstyp '{self.vt}' ist im Datenbestand nicht vorhanden.")
        self.name = f"Vergleichstyp {self.vt}"
        self.subjekt = f"Vergleichstyp {self.vt} insgesamt"
        self.e = m.ergebnisse(ebene="vergleichstyp", id=self.vt)
        self._init_daten()

    def kopf(self) -> HTML:
        ta = self.jc["traegerart"].value_counts()
        laender = _aufzaehlung([_link(land_url(l), LAENDER.get(l, l)), f" ({c})"]
                               for l, c in self.jc["land"].value_counts().sort_index().items())
        fakten = [("Vergleichstyp", [self.vt]), ("Jobcenter", [len(self.jc)]),
                  ("Trägerart", [f"{ta.get('gE', 0)} gE, {ta.get('zkT', 0)} zkT"]),
                  ("Länder", laender), ("Berichtsmonat", [fmt.monat(self.monat)])]
        return kopf_html(self.m.meta, self.monat, fakten,
                         ["Die Jobcenter eines Vergleichstyps haben ähnliche Rahmenbedingungen; ihre Ergebnisse werden "
                          "miteinander verglichen. Übergeordnet: ", _link(bund_url(), "Bund"), " · ",
                          _link(VERGLEICHSTYPEN_HILFE_URL, "Was sind Vergleichstypen?")],
                         synthetisch=bool(self.m.meta.get("vergleichstypen_synthetisch")))

    def mitglieder(self) -> HTML:
        return self.mitglieder_tabelle("rang", "Rang im Vergleichstyp")



class LandSeite(_GruppenSeite):
    download_ebene = "land"
    art = "Land"
    art_kurz = "Land"

    def __init__(self, m, land, monat=None, geschlecht="insgesamt"):
        super().__init__(m, monat, geschlecht)
        self.land = self.kennung = land_id(land)
        if self.land not in LAENDER:
            raise KeyError(f"Land '{self.land}' ist unbekannt (01 bis 16).")
        jc = m.jobcenter
        self.ids = list(jc.loc[jc["land"] == self.land, "jobcenter_id"])
        self.name = LAENDER[self.land]
        self.subjekt = f"{self.name} insgesamt"
        self.e = m.ergebnisse(ebene="land", id=self.land)
        self._init_daten()

    def kopf(self) -> HTML:
        ta = self.jc["traegerart"].value_counts()
        typen = _aufzaehlung([_link(typ_url(t), t), f" ({c})"] for t, c in
                             sorted(self.jc["vergleichstyp"].value_counts().items(), key=lambda x: _typ_sort(x[0])))
        fakten = [("Land", [f"{self.name} ({self.land})"]), ("Jobcenter", [len(self.jc)]),
                  ("Trägerart", [f"{ta.get('gE', 0)} gE, {ta.get('zkT', 0)} zkT"]),
                  ("Vergleichstypen der Jobcenter", typen), ("Berichtsmonat", [fmt.monat(self.monat)])]
        return kopf_html(self.m.meta, self.monat, fakten,
                         ["Die Jobcenter eines Landes gehören zu verschiedenen Vergleichstypen; ihre Ränge beziehen sich "
                          "auf ihren Vergleichstyp. Übergeordnet: ", _link(bund_url(), "Bund")])

    def jobcenter(self) -> HTML:
        return self.mitglieder_tabelle("rang", "Rang im Vergleichstyp")

    def _karte_args(self) -> dict:
        return {"land": self.land}


class BundSeite(_GruppenSeite):
    download_ebene = "bund"
    art = "Bund"
    art_kurz = "Bund"
    bund_vergleich = False
    alle = True

    def __init__(self, m, monat=None, geschlecht="insgesamt"):
        super().__init__(m, monat, geschlecht)
        self.kennung = BUND_ID
        self.ids = list(m.jobcenter["jobcenter_id"])
        self.name = "Bund"
        self.subjekt = "Bund"
        self.e = m.ergebnisse(ebene="bund")
        self._init_daten()

    def kopf(self) -> HTML:
        ta = self.jc["traegerart"].value_counts()
        fakten = [("Jobcenter", [len(self.jc)]), ("Trägerart", [f"{ta.get('gE', 0)} gE, {ta.get('zkT', 0)} zkT"]),
                  # counts with a link to their section (whose table links every page): 31 links
                  # here would stand between the skip link and the map for keyboard users
                  ("Vergleichstypen", [f'{self.jc["vergleichstyp"].nunique()} (',
                                       _link("#vergleichstypen", "Abschnitt Vergleichstypen"), ")"]),
                  ("Länder", [f"{len(LAENDER)} (", _link("#lander", "Abschnitt Länder"), ")"]),
                  ("Berichtsmonat", [fmt.monat(self.monat)])]
        return kopf_html(self.m.meta, self.monat, fakten)

    def _spalten(self) -> list[Spalte]:
        return [Spalte("Bund", "wert"), Spalte("gE (Summe)", "ge"), Spalte("zkT (Summe)", "zkt"),
                Spalte("Median der Jobcenter", "md"), Spalte("1. Quartil", "q1"), Spalte("3. Quartil", "q3"),
                Spalte("Anzahl Jobcenter mit Wert", "n_html", "text")]

    def zeilen(self) -> pd.DataFrame:
        z = super().zeilen()
        t = self.m.ergebnisse(ebene="traegerart", monat=self.monat)
        z = _werte_mit_grund(z, t[t["id"] == "gE"], "ge", True)
        return _werte_mit_grund(z, t[t["id"] == "zkT"], "zkt", True)

    def _einheiten(self) -> list[tuple[str, pd.DataFrame]]:
        t = self.m.ergebnisse(ebene="traegerart", monat=self.monat)
        return super()._einheiten() + [(f"{ta} (Summe)", t[t["id"] == ta]) for ta in ("gE", "zkT")]

    def zusammenfassung(self) -> HTML:
        b = self.e[self.e["geschlecht"] == self.geschlecht]
        saetze = []
        for c in ("K1", "K2", "K3"):
            if self.geschlecht != "insgesamt" and KENNZAHLEN[c].nur_insgesamt:
                continue
            w, w_vj = _eins(b, self.monat, c), _eins(b, self.vj, c)
            d = None if w is None or w_vj is None else w - w_vj
            saetze.append(f"{c} ({KENNZAHLEN[c].kurz}): {fmt.kennzahl(c, w)} im {fmt.monat(self.monat)}, "
                          f"{fmt.kennzahl(c, w_vj)} ein Jahr zuvor ({fmt.punkte(d, fmt.stellen(c))}; {KENNZAHLEN[c].lesart}).")
        f = self.fn.eintraege()
        saetze.append(f"Nicht ausgewiesen: {len(f)} Werte der Tabelle (Gründe unter der Tabelle)." if f
                      else "Alle Werte der Tabelle sind ausgewiesen.")
        return HTML(zusammenfassung_html(self.geschlecht, saetze))

    def _uebersicht(self, ebene: str, ids: list[str], label, url, codes=("K1", "K2", "K3")) -> HTML:
        e = self.m.ergebnisse(ebene=ebene, monat=self.monat, geschlecht=self.geschlecht)
        bund = self._am(self.e, geschlecht=self.geschlecht).set_index("kennzahl")["wert"]
        n = self.jc.groupby("land" if ebene == "land" else "vergleichstyp").size()
        fn = Fussnoten(f"anm-{ebene}")
        by = {(r["id"], r["kennzahl"]): r for r in e.to_dict("records")}
        kopf = [th(EBENE_LABEL[ebene], scope="col"), th("Jobcenter", scope="col")]
        for c in codes:
            kopf += [th(_link(hilfe_url(c), c, KENNZAHLEN[c].name), BR, element("small", KENNZAHLEN[c].kurz), scope="col"),
                     th("gegenüber Bund", scope="col")]
        rows = []
        for i in ids:
            cells = [th(_link(url(i), label(i)), scope="row"), td(str(n.get(i, 0)), klasse="zahl")]
            for c in codes:
                r = by.get((i, c))
                w = None if r is None else r["wert"]
                cells.append(td(wert_zelle(c, w, text.grund_text(r["grund"] if r else "fehlt", True), f"{label(i)} {c}", fn),
                                klasse="zahl"))
                ueber = None if fmt.fehlt(w) or fmt.fehlt(bund.get(c)) else w > bund.get(c)
                cells.append(td(Markup(lesart_zelle(lesart(w, bund.get(c), c, wertend=False), c, "der Bund", ueber, fn))))
            rows.append(zeile(cells))
        titel = EBENE_LABEL[ebene] if ebene != "land" else "Länder"
        return HTML(tabelle("kennzahlen-tabelle", [zeile(kopf)], rows,
                            f"{titel}: Kennzahlen im {fmt.monat(self.monat)} ({GESCHLECHT_LABEL[self.geschlecht]}, "
                            "Summe ihrer Jobcenter)") + fn.html())

    def _csv_weitere(self):
        return []

    def _csv_weitere_gruppen(self):
        e = self.m.ergebnisse(ebene=["traegerart", "land", "vergleichstyp"], monat=self.monat)
        label = {"traegerart": lambda i: TRAEGERART_LABEL.get(i, i), "land": lambda i: LAENDER.get(i, i),
                 "vergleichstyp": lambda i: f"Vergleichstyp {i}"}
        for (ebene, i), grp in e.groupby(["ebene", "id"], sort=True, observed=True):
            yield f"{EBENE_LABEL[ebene]} (Summe)", i, label[ebene](i), grp

    def laender(self) -> HTML:
        return self._uebersicht("land", list(LAENDER), lambda i: LAENDER[i], land_url)

    def typen(self) -> HTML:
        typen = sorted(self.jc["vergleichstyp"].unique(), key=_typ_sort)
        return self._uebersicht("vergleichstyp", typen, lambda t: t, typ_url)

    def verteilung(self):
        """Box plots per Vergleichstyp (statistics precomputed: small chart data)."""
        mv = self.mv[(self.mv["monat"] == self.monat) & (self.mv["geschlecht"] == self.geschlecht)].dropna(subset=["wert"])
        s = verteilung_je_monat(mv, ("kennzahl", "vergleichstyp"))
        s = s.rename(columns={"kennzahl": "k", "vergleichstyp": "g"})
        s["_k"] = s["k"].map(CODES.index)
        s["_g"] = s["g"].map(_typ_sort)
        s = s.sort_values(["_k", "_g"]).drop(columns=["_k", "_g"]).reset_index(drop=True)
        titel = f"Verteilung der Jobcenter-Werte je Vergleichstyp, {fmt.monat(self.monat)} ({GESCHLECHT_LABEL[self.geschlecht]})"
        teile = []
        for k, grp in s.groupby("k", sort=False):
            hi, lo = grp.loc[grp["md"].idxmax()], grp.loc[grp["md"].idxmin()]
            teile.append(f"{k}: höchster Median {fmt.kennzahl(k, hi['md'])} ({hi['g']}), niedrigster {fmt.kennzahl(k, lo['md'])} ({lo['g']})")
        return charts.verteilung_gruppen(s, titel, gruppe_titel="Vergleichstyp",
                                         beschreibung=f"{titel}. Je Kennzahl ein Kastendiagramm je Vergleichstyp. "
                                                      + "; ".join(teile) + ".")


class RingSeite(_GruppenSeite):
    art = "Vergleichsring"
    art_kurz = "Ring"
    download_ebene = sitemodel.RING    # its files are written by downloads.write_site from the page's declaration

    def __init__(self, m, name, mitglieder, beschreibung="", monat=None, geschlecht="insgesamt",
                 vergleichsring=None, jobcenter_id_=None):
        super().__init__(m, monat, geschlecht)
        ring = _ring_param(vergleichsring)
        if ring:   # the pipeline's ring declaration: {"name", "jobcenter_ids"} replaces name/mitglieder
            name, mitglieder = ring["name"], ring["jobcenter_ids"]
        ids = [jobcenter_id(x) for x in mitglieder]
        unbekannt = sorted(set(ids) - set(m.jobcenter["jobcenter_id"]))
        if unbekannt:
            raise KeyError(f"Jobcenter nicht im Datenbestand: {', '.join(unbekannt)}")
        if len(ids) < 2:
            raise ValueError("Ein Vergleichsring braucht mindestens zwei Jobcenter.")
        self.ids = ids
        self.name = str(name)
        self.kennung = sitemodel.ring_kennung(self.name)   # file names of its downloads (site model)
        self.beschreibung = str(beschreibung or "")
        self.subjekt = f"Vergleichsring {self.name} insgesamt"
        self.hervorheben = jobcenter_id(jobcenter_id_) if jobcenter_id_ not in (None, "") else None
        if self.hervorheben is not None and self.hervorheben not in ids:
            raise ValueError(f"Jobcenter '{self.hervorheben}' ist kein Mitglied des Vergleichsrings.")
        self.e = m.gruppe(ids, self.name)
        self._init_daten()

    def kopf(self) -> HTML:
        ta = self.jc["traegerart"].value_counts()
        mitgl = _aufzaehlung([_link(jobcenter_url(i), n), " (", _link(typ_url(t), t), ")"]
                             for i, n, t in zip(self.jc["jobcenter_id"], self.jc["name"], self.jc["vergleichstyp"]))
        fakten = [("Vergleichsring", [self.name])]
        if self.beschreibung:
            fakten.append(("Beschreibung", [self.beschreibung]))
        fakten += [("Jobcenter", [len(self.jc)]), ("Mitglieder (Vergleichstyp)", mitgl),
                   ("Trägerart", [f"{ta.get('gE', 0)} gE, {ta.get('zkT', 0)} zkT"]),
                   ("Berichtsmonat", [fmt.monat(self.monat)])]
        return kopf_html(self.m.meta, self.monat, fakten,
                         ["Ein Vergleichsring ist eine selbst gewählte Gruppe von Jobcentern, keine amtliche "
                          "Vergleichsgruppe. Sein Wert wird aus den summierten Eingangsgrößen der Mitglieder berechnet; "
                          "ist ein Eingangswert bei einem Mitglied gesperrt oder nicht verfügbar, hat der Ring für diesen "
                          "Monat keinen Wert. Zum Vergleich: ", _link(bund_url(), "Bund")])

    def mitglieder(self) -> HTML:
        return self.mitglieder_tabelle("rang_g", "Rang im Ring")
