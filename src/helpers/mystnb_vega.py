"""Vega-Lite charts on the static site without any CDN.

Two halves:

* In notebooks, :func:`enable_renderer` registers the altair renderer ``"vl6json"``, which
  emits the plain JSON mime bundle ``application/vnd.vegalite.v6+json`` (deterministic, valid
  for nbformat; altair's own ``"mimetype"`` renderer writes ``.v6.json`` with a dot, which
  nbformat rejects).
* At build time, myst-nb finds :class:`VegaLiteMimeRenderer` through the entry point group
  ``myst_nb.mime_renderers`` (declared in pyproject.toml) and turns such outputs into
  ``<div class="vega-chart" id="vl-c<cell>-o<output>">`` plus a
  ``<script type="application/vnd.vegalite+json">`` payload, which ``book/_vendor/vega-init.js``
  renders with the vendored vega libraries. The chart's ``description`` becomes the div's
  aria-label and a visually hidden paragraph (text alternative).

Page weight (issue 15): inside a Sphinx build the payload does not carry the whole spec. The
parts every page of a kind shares (marks, encodings, axes, legends: the *Vorlage*) go once into
``_static/diagramme/<hash>.js``; the page keeps only what is its own (the *Löcher*: data,
titles, texts, label domains, expressions; :data:`LOCH_UEBERALL`, :data:`LOCH_OBEN`), and number
arrays in it are packed losslessly (:func:`packen`). ``vega-init.js`` puts the spec together
again before anything is drawn; :func:`zusammensetzen` is the same in Python, and the result is
equal to the spec the notebook holds (tests). Outside Sphinx (no environment) the payload is the
whole spec, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

VEGALITE_MIMES = tuple(f"application/vnd.vegalite.v{v}+json" for v in (6, 5, 4))
PAYLOAD_TYPE = "application/vnd.vegalite+json"
RENDERER_NAME = "vl6json"
PLAIN_TEXT = "<Altair-Diagramm>"


OHNE_SKRIPT = ("Die Zeilen dieser Tabelle werden aus den Daten des Diagramms aufgebaut; dafür ist "
               "JavaScript nötig.")
# Without JavaScript the monthly values are one link away: the page's section of download files
# (the whole series as CSV and XLSX, helpers.downloads.links); every page with such a chart has
# that section (tests/test_a11y.py checks the built site).
OHNE_SKRIPT_ZIEL = "#zahlen-herunterladen"
OHNE_SKRIPT_LINK = ("Alle Monatswerte stehen in der ganzen Zeitreihe als CSV- und Excel-Datei unter",
                    "Zahlen herunterladen")


def tabelle_html(tabelle: dict[str, Any], *, aus_daten: bool = False) -> str:
    """"Daten als Tabelle" disclosure from ``usermeta.tabelle`` ({"spalten": [...], "zeilen":
    [[...], ...]}, cells already formatted with helpers.fmt); every cell is escaped. The value cells
    carry no class (handbuch.css aligns them): long time series keep the page small.
    ``aus_daten``: the body stays empty – vega-init.js builds the rows from the chart's own data
    when the page loads (the same strings, see tests), so the numbers are on the page once;
    without JavaScript a note links to the page's download files (the whole series as CSV/XLSX)."""
    from helpers.vorlagen import Markup, render, tabelle as tabelle_vorlage, td, th, zeile

    kopf = [zeile([th(str(c), scope="col") for c in tabelle["spalten"]])]
    zeilen = [zeile([th(str(c), scope="row") if i == 0 else td(str(c)) for i, c in enumerate(z)])
              for z in ([] if aus_daten else tabelle["zeilen"])]
    tab = tabelle_vorlage("kennzahlen-tabelle hb-daten-tabelle", kopf, zeilen, str(tabelle["titel"]) if tabelle.get("titel") else None)
    return render("teile/daten_tabelle.html", tabelle=Markup(tab), aus_daten=aus_daten, ohne_skript=OHNE_SKRIPT,
                  ohne_skript_link=OHNE_SKRIPT_LINK, ohne_skript_ziel=OHNE_SKRIPT_ZIEL)


# ------------------------------------------------------------------ Vorlage + Löcher, packing

VORLAGEN_ORDNER = "diagramme"          # below the site's _static/: one file per distinct Vorlage
LOCH, ZAHLEN, LISTE, MINUS_NULL, GANZ, ARIA, TEIL = "$loch", "$zahlen", "$liste", "-0", "int", "$aria", "$teil"
MARKEN = frozenset({LOCH, ZAHLEN, LISTE, ARIA, TEIL})
# Keys whose values belong to the page, at any depth: data and datasets (names are hashes of the
# data), texts, parameter values, scale domains and sort orders (legend labels carry names),
# calculate and filter expressions (name maps, the highlighted member); and the chart title at the top.
LOCH_UEBERALL = frozenset({"data", "datasets", "description", "usermeta", "params", "domain", "sort", "calculate",
                           "filter"})
LOCH_OBEN = frozenset({"title"})
_MIN_ZAHLEN = 4                        # shorter number arrays stay as they are
_MAX_STELLEN = 6


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def zerlegen(spec: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """(Vorlage, Löcher): the spec with every page-specific value replaced by {"$loch": i}, and
    those values in order. zusammensetzen(*zerlegen(spec)) == spec."""
    loecher: list[Any] = []

    def walk(obj: Any, oben: bool) -> Any:
        if isinstance(obj, dict):
            if MARKEN & obj.keys():
                raise _MarkeVorhanden
            out = {}
            for k, v in obj.items():
                if k in LOCH_UEBERALL or (oben and k in LOCH_OBEN):
                    out[k] = {LOCH: len(loecher)}
                    loecher.append(v)
                else:
                    out[k] = walk(v, False)
            return out
        if isinstance(obj, list):
            return [walk(v, False) for v in obj]
        return obj

    return walk(spec, True), loecher


def zusammensetzen(vorlage: Any, loecher: list[Any]) -> Any:
    """The spec again from a Vorlage and its (unpacked) Löcher."""
    if isinstance(vorlage, dict):
        if LOCH in vorlage and len(vorlage) == 1:
            return loecher[vorlage[LOCH]]
        return {k: zusammensetzen(v, loecher) for k, v in vorlage.items()}
    if isinstance(vorlage, list):
        return [zusammensetzen(v, loecher) for v in vorlage]
    return vorlage


# Differences as text: one character for -31..30 (most month-to-month steps), "~" for None,
# "(n)" for any other integer. Only characters that need no escaping in JSON or HTML.
_ZEICHEN = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_VERSATZ = 31


def _kodieren(diffs: list[int | None]) -> str:
    out = []
    for d in diffs:
        if d is None:
            out.append("~")
        elif -_VERSATZ <= d < len(_ZEICHEN) - _VERSATZ:
            out.append(_ZEICHEN[d + _VERSATZ])
        else:
            out.append(f"({d})")
    return "".join(out)


def _dekodieren(code: str) -> list[int | None]:
    out: list[int | None] = []
    i = 0
    while i < len(code):
        c = code[i]
        if c == "~":
            out.append(None)
            i += 1
        elif c == "(":
            j = code.index(")", i)
            out.append(int(code[i + 1:j]))
            i = j + 1
        else:
            out.append(_ZEICHEN.index(c) - _VERSATZ)
            i += 1
    return out


_GROSS = 2 ** 52 / 10 ** _MAX_STELLEN
_NONE = type(None)


def _zahlen_art(werte: list) -> type | None:
    """float or int when werte is a packable number array (None allowed), else None."""
    if len(werte) < _MIN_ZAHLEN:
        return None
    arten = set(map(type, werte))
    arten.discard(_NONE)
    if arten == {float}:
        return float
    if arten == {int}:
        return int
    return None                           # texts, bools, or ints and floats mixed ("7" vs "7.0")


def _zahlen_packen_viele(felder: list[list], arten: list[type]) -> list[dict | None]:
    """{"$zahlen": [s, code]} (or None: not packable) for each number array, all in one pass:
    s the fewest decimals (0..6) with x == rint(x·10^s) / 10^s for every x of the array (the same
    double in Python and in JavaScript: both divisions are correctly rounded), code the
    differences of the integers x·10^s as text (``_kodieren``, None as "~"); a -0.0 (a small
    negative value rounded, shown as "−0,0") counts as 0 and its position is listed under "-0";
    an int array says so under "int" (for Python; JavaScript has one number type)."""
    import numpy as np

    if not felder:
        return []
    laengen = np.array([len(f) for f in felder])
    starts = np.concatenate(([0], np.cumsum(laengen)[:-1]))
    flach = np.array([x for f in felder for x in f], dtype=float)      # None -> nan
    leer = np.isnan(flach)
    with np.errstate(invalid="ignore"):
        schlecht = ~leer & (~np.isfinite(flach) | (np.abs(flach) >= _GROSS))
    werte = np.where(leer | schlecht, 0.0, flach)
    noetig = np.full(len(werte), _MAX_STELLEN + 1)
    for st in range(_MAX_STELLEN, -1, -1):
        p = 10.0 ** st
        noetig[np.rint(werte * p) / p == werte] = st
    stellen = np.maximum.reduceat(noetig, starts)
    stellen[np.add.reduceat(schlecht.astype(int), starts) > 0] = _MAX_STELLEN + 1
    stellen[np.add.reduceat((~leer).astype(int), starts) == 0] = _MAX_STELLEN + 1   # only None
    je_wert = np.repeat(np.minimum(stellen, _MAX_STELLEN), laengen)
    faktor = 10.0 ** je_wert
    ganz = np.rint(werte * faktor)
    stimmt = (ganz / faktor == werte) | leer
    stellen[np.add.reduceat((~stimmt).astype(int), starts) > 0] = _MAX_STELLEN + 1
    ganz = ganz.astype(np.int64)
    feld = np.repeat(np.arange(len(felder)), laengen)
    belegt = np.flatnonzero(~leer)
    vorher = np.concatenate(([0], ganz[belegt][:-1]))
    vorher[np.concatenate(([True], feld[belegt][1:] != feld[belegt][:-1]))] = 0      # first of an array
    diffs = ganz[belegt] - vorher
    klein = (diffs >= -_VERSATZ) & (diffs < len(_ZEICHEN) - _VERSATZ)
    zeichen = np.array(list(_ZEICHEN), dtype=object)
    teile = np.full(len(werte), "~", dtype=object)
    teile[belegt[klein]] = zeichen[diffs[klein] + _VERSATZ]
    teile[belegt[~klein]] = [f"({d})" for d in diffs[~klein].tolist()]
    teile = teile.tolist()
    minus = np.flatnonzero(~leer & (flach == 0) & np.signbit(flach))
    out: list[dict | None] = []
    for i, (f, art) in enumerate(zip(felder, arten)):
        if stellen[i] > _MAX_STELLEN or (art is int and stellen[i] != 0):
            out.append(None)
            continue
        a, n = int(starts[i]), len(f)
        z: dict[str, Any] = {ZAHLEN: [int(stellen[i]), "".join(teile[a:a + n])]}
        if art is float:
            m = minus[(minus >= a) & (minus < a + n)]
            if len(m):
                z[MINUS_NULL] = (m - a).tolist()
        else:
            z[GANZ] = 1
        out.append(z)
    return out


def _zahlen_entpacken(z: dict) -> list:
    """The numbers again: floats (x / 10^s) when the array held floats, ints when it held ints
    (then s is 0 and only ints are summed; JavaScript has one number type)."""
    s, code = z[ZAHLEN]
    p, summe, out = 10 ** s, 0, []
    for x in _dekodieren(code):
        if x is None:
            out.append(None)
            continue
        summe += x
        out.append(summe / p if z.get(GANZ) is None else summe)
    for i in z.get(MINUS_NULL, []):
        out[i] = -0.0
    return out


def packen(obj: Any) -> tuple[Any, list[Any]]:
    """(packed, Listen): number arrays as {"$zahlen": …} (lossless, see _zahlen_packen_viele), and
    arrays of texts or numbers that occur more than once (the member list of every figure, equal
    series) once in Listen, referred to as {"$liste": i}. entpacken(*packen(obj)) == obj."""
    zahlen: list[list] = []
    arten: list[type] = []
    texte: dict[int, tuple] = {}          # id -> key of a text array
    vorkommen: list[int] = []             # ids of the arrays in order (one object may occur twice)

    def sammeln(o: Any) -> None:
        if isinstance(o, dict):
            if MARKEN & o.keys():
                raise _MarkeVorhanden
            for v in o.values():
                if isinstance(v, (dict, list)):
                    sammeln(v)
        elif isinstance(o, list):
            art = _zahlen_art(o)
            if art is not None:
                zahlen.append(o)
                arten.append(art)
                vorkommen.append(id(o))
                return
            if len(o) >= _MIN_ZAHLEN and set(map(type, o)) == {str}:
                texte[id(o)] = ("t", *o)
                vorkommen.append(id(o))
                return
            for v in o:
                if isinstance(v, (dict, list)):
                    sammeln(v)

    sammeln(obj)
    gepackt = {id(o): z for o, z in zip(zahlen, _zahlen_packen_viele(zahlen, arten))}
    # the key of a number array: its packed form (keeps 1 and 1.0, 0.0 and -0.0 apart)
    schluessel = {i: ("z", z[ZAHLEN][0], z[ZAHLEN][1], tuple(z.get(MINUS_NULL, ())), GANZ in z)
                  for i, z in gepackt.items() if z is not None}
    schluessel.update(texte)
    zaehler: dict[tuple, int] = {}
    for i in vorkommen:
        key = schluessel.get(i)
        if key is not None:
            zaehler[key] = zaehler.get(key, 0) + 1
    listen: list[Any] = []
    index: dict[tuple, int] = {}

    def walk(o: Any) -> Any:
        if isinstance(o, dict):
            return {k: walk(v) if isinstance(v, (dict, list)) else v for k, v in o.items()}
        key = schluessel.get(id(o))
        z = gepackt.get(id(o))
        if key is not None and zaehler[key] > 1:
            if key not in index:
                index[key] = len(listen)
                listen.append(z if z is not None else list(o))
            return {LISTE: index[key]}
        if z is not None:
            return z
        return [walk(v) if isinstance(v, (dict, list)) else v for v in o]

    return walk(obj), listen


class _MarkeVorhanden(Exception):
    """A dict of the spec already has one of the marker keys: not split."""


def entpacken(obj: Any, listen: list[Any], aria: str | None = None, teile: list[list[Any]] | None = None) -> Any:
    """The values again; aria: the chart container's aria-label ({"$aria": 1} stands for it);
    teile: the parsed shared data files the payload names ({"$teil": [j, i]}: piece i of file j)."""
    if isinstance(obj, dict):
        if ZAHLEN in obj and obj.keys() <= {ZAHLEN, MINUS_NULL, GANZ}:
            return _zahlen_entpacken(obj)
        if len(obj) == 1 and LISTE in obj:
            return entpacken(listen[obj[LISTE]], listen, aria, teile)
        if len(obj) == 1 and ARIA in obj:
            return aria
        if len(obj) == 1 and TEIL in obj:
            j, i = obj[TEIL]
            return entpacken(teile[j][i], listen, aria, teile)
        return {k: entpacken(v, listen, aria, teile) for k, v in obj.items()}
    if isinstance(obj, list):
        return [entpacken(v, listen, aria, teile) for v in obj]
    return obj


def vorlage_text(vorlage: dict[str, Any]) -> str:
    """The file content of a Vorlage (its name is the hash of exactly this text)."""
    return _dumps(vorlage)


def vorlage_name(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def vorlage_datei(name: str, text: str) -> str:
    """The file _static/diagramme/<name>.js: a script, not a JSON fetch, so the charts also draw
    from a copy of the site opened from disk (file://). The JSON is the second line."""
    return f'(window.HANDBUCH_VORLAGEN = window.HANDBUCH_VORLAGEN || {{}})["{name}"] =\n{text}\n;\n'


def vorlage_lesen(datei_text: str) -> Any:
    """The parsed Vorlage from the text of its file (``vorlage_datei``)."""
    return json.loads(datei_text.split("\n")[1])


def teilen(spec: dict[str, Any], aria: str | None = None) -> tuple[str, str, dict[str, Any]] | None:
    """(name, Vorlage text, page payload) of a spec, or None if it cannot be split (it already
    uses one of the markers). The payload: {"vorlage": name, "loecher": […], "listen": […]}.
    aria: the text of the container's aria-label; a description equal to it is not sent twice."""
    try:
        vorlage, loecher = zerlegen(spec)
        gepackt, listen = packen(loecher)
    except _MarkeVorhanden:
        return None
    d = vorlage.get("description")
    if aria is not None and isinstance(d, dict) and spec.get("description") == aria:
        gepackt[d[LOCH]] = {ARIA: 1}
    text = vorlage_text(vorlage)
    name = vorlage_name(text)
    payload = {"vorlage": name, "loecher": gepackt}
    if listen:
        payload["listen"] = listen
    return name, text, payload


def spec_aus_payload(payload: dict[str, Any], vorlagen: dict[str, Any], aria: str | None = None) -> dict[str, Any]:
    """The whole spec from a page payload (split or not); vorlagen: name -> parsed Vorlage or
    parsed shared data file (payload["teile"], :func:`teile_einsetzen`); aria: the container's
    aria-label (unescaped). What vega-init.js does in the browser."""
    if "vorlage" not in payload or "loecher" not in payload:
        return payload
    teile = [vorlagen[n] for n in payload.get("teile", [])]
    loecher = entpacken(payload["loecher"], payload.get("listen", []), aria, teile)
    return zusammensetzen(vorlagen[payload["vorlage"]], loecher)


def dateien_laden(site: os.PathLike | str, payload: Any, vorlagen: dict[str, Any]) -> None:
    """Read the Vorlage and shared data files a built page's payload names into vorlagen
    (name -> parsed), from <site>/_static/diagramme/ and <site>/_seitendaten/, as the browser
    does; names are checked (hex only, as in vega-init.js)."""
    from pathlib import Path

    if not isinstance(payload, dict) or not isinstance(payload.get("vorlage"), str):
        return
    orte = [(payload["vorlage"], Path(site) / "_static" / VORLAGEN_ORDNER)]
    orte += [(n, Path(site) / SEITENDATEN_ORDNER) for n in payload.get("teile", [])]
    for name, ordner in orte:
        if name in vorlagen:
            continue
        if not (isinstance(name, str) and name and all(c in "0123456789abcdef" for c in name)):
            raise ValueError(f"Dateiname ungültig: {name!r}")
        vorlagen[name] = vorlage_lesen((ordner / f"{name}.js").read_text(encoding="utf-8"))


def spec_to_html(spec: dict[str, Any], div_id: str, vorlagen: dict[str, str] | None = None,
                 stuecke: dict[str, int] | None = None) -> str:
    """The deterministic HTML for one chart: container, text alternative, JSON payload and,
    when the chart carries ``usermeta.tabelle``, its values as a table (taken out of the payload).
    vorlagen: when given (a Sphinx build), the spec is split (:func:`teilen`) and its Vorlage is
    added there (name -> text) to be written once into _static/diagramme/.
    stuecke: when given, the pieces of the split payload that other pages may share are added
    there (key -> bytes, :func:`stuecke_sammeln`)."""
    tabelle = ""
    meta = spec.get("usermeta")
    if isinstance(meta, dict) and isinstance(meta.get("tabelle"), dict):
        spec = dict(spec, usermeta={k: v for k, v in meta.items() if k != "tabelle"})
        # A time series with a gender choice: the page script builds the rows from the data.
        tabelle = tabelle_html(meta["tabelle"], aus_daten=isinstance(meta.get("tabelle_param"), dict))
    description = spec.get("description")
    text = description.strip() if isinstance(description, str) else ""
    inhalt: dict[str, Any] = spec
    geteilt = teilen(spec, text or None) if vorlagen is not None else None
    if geteilt is not None:
        name, vorlage, inhalt = geteilt
        vorlagen[name] = vorlage
        if stuecke is not None:
            stuecke_sammeln(inhalt, stuecke)
    # "<" only occurs inside JSON strings, where \u003c is the same character: no "</script>"
    # or "<!--" can end or confuse the script element.
    payload = _dumps(inhalt).replace("<", "\\u003c")
    from helpers.vorlagen import Markup, render

    # The payload is the one fragment that is not escaped text: JSON inside <script> is raw text
    # (entities would not be decoded); "<" is \u003c in it, so it cannot end the element.
    return render("teile/diagramm.html", id=div_id, text=text, typ=PAYLOAD_TYPE, payload=Markup(payload),
                  tabelle=Markup(tabelle))


class VegaLiteMimeRenderer:
    """myst-nb mime render plugin for Vega-Lite v4–v6 JSON outputs."""

    # Lower number = higher priority; myst-nb's html table puts text/html at 30.
    mime_priority_overrides = [
        (builder, mime, 5) for builder in ("html", "dirhtml", "singlehtml") for mime in VEGALITE_MIMES
    ]

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list | None:
        if inline or data.mime_type not in VEGALITE_MIMES:
            return None
        from docutils import nodes

        content = data.content
        if isinstance(content, bytes):
            content = content.decode("utf-8")
        spec = content if isinstance(content, dict) else json.loads(content)
        div_id = f"vl-c{data.cell_index}-o{data.output_index}"
        vorlagen = _vorlagen_der_seite(renderer)
        stuecke = _stuecke_der_seite(renderer) if vorlagen is not None else None
        # RAW_MARKE: the payload may get references to shared data when the page is written
        return [nodes.raw("", spec_to_html(spec, div_id, vorlagen, stuecke), format="html", **{RAW_MARKE: div_id})]


# ------------------------------------------------------------------ data shared by many pages

# Every Jobcenter page of a Vergleichstyp draws the same median and quartile series, the same
# Bund and Land series and (position chart) the same member values; a Vergleichstyp page draws
# them too. Such pieces of a payload go once per edition into <site>/_seitendaten/<name>.js (one
# file per set of pages sharing them), and the payload names the files ("teile") and refers to a
# piece as {"$teil": [j, i]}: piece i of its j-th file. Outside _static/ on purpose: the theme
# assets stay equal between editions and are stored once per site (publish/statik.py); a page
# finds the folder through its own data-content_root, so each edition reads its own files.
SEITENDATEN_ORDNER = "_seitendaten"
_MIN_TEIL = 40            # bytes of JSON: a smaller piece stays on the page (a reference is ~14)
_MIN_SEITEN = 3           # a piece of fewer pages stays on them
_MIN_DATEI = 2000         # the pieces of one set of pages are worth a file (one request) from here on
_APP_PLAN, _APP_GESAMMELT = "_handbuch_teile_plan", "_handbuch_teile_gesammelt"


def _teil_schluessel(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _stuecke_ersetzen(obj: list[Any], ersatz) -> list[Any]:
    """The elements of obj (the Löcher or Listen of a payload) with every candidate piece p (a packed number array, an array of plain values, a
    string; at least _MIN_TEIL bytes as JSON) replaced by ersatz(key, p) unless that is None.
    Other dicts and arrays are walked; markers ({"$liste"}, {"$aria"}) stay."""
    def kandidat(o: Any) -> Any:
        text = _dumps(o)
        if len(text) < _MIN_TEIL:
            return o
        r = ersatz(_teil_schluessel(text), o, len(text))
        return o if r is None else r

    def walk(o: Any) -> Any:
        if isinstance(o, str):
            return kandidat(o)
        if isinstance(o, dict):
            if ZAHLEN in o:
                return kandidat(o)
            if len(o) == 1 and (LISTE in o or ARIA in o):
                return o
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            if all(not isinstance(v, (dict, list)) for v in o):
                return kandidat(o)
            return [walk(v) for v in o]
        return o

    return [walk(v) for v in obj]


def stuecke_sammeln(payload: dict[str, Any], stuecke: dict[str, int]) -> None:
    """Add the candidate pieces of a split payload's Löcher and Listen to stuecke (key -> bytes)."""
    def merken(key: str, _o: Any, n: int) -> None:
        stuecke[key] = n

    _stuecke_ersetzen(payload.get("loecher", []), merken)
    _stuecke_ersetzen(payload.get("listen", []), merken)


def teile_planen(seiten: dict[str, dict[str, int]]) -> dict[str, dict[str, tuple[str, int]]]:
    """docname -> {piece key: (file name, index)} from docname -> {piece key: bytes}. A piece on
    at least _MIN_SEITEN pages goes into the file of exactly the pages that carry it (sorted by
    key); files below _MIN_DATEI bytes stay on their pages. The name is a hash of the pieces'
    keys, which are hashes of their content: another content, another name (an older edition
    never reads a newer edition's data, a cache never mixes them)."""
    seiten_je: dict[str, list[str]] = {}
    for doc in sorted(seiten):
        for key in seiten[doc]:
            seiten_je.setdefault(key, []).append(doc)
    gruppen: dict[tuple[str, ...], list[str]] = {}
    for key, docs in seiten_je.items():
        if len(docs) >= _MIN_SEITEN:
            gruppen.setdefault(tuple(docs), []).append(key)
    plan: dict[str, dict[str, tuple[str, int]]] = {}
    for docs, keys in gruppen.items():
        if sum(seiten[docs[0]][k] for k in keys) < _MIN_DATEI:
            continue
        keys.sort()
        name = vorlage_name("\n".join(keys))
        for doc in docs:
            eigene = plan.setdefault(doc, {})
            for i, key in enumerate(keys):
                eigene[key] = (name, i)
    return plan


def teile_einsetzen(payload: dict[str, Any], plan: dict[str, tuple[str, int]],
                    gesammelt: dict[str, dict[int, Any]]) -> dict[str, Any]:
    """The payload with the pieces the plan puts into shared files replaced by {"$teil": [j, i]}
    and the files named under "teile"; the pieces are added to gesammelt (name -> {index: piece})."""
    if "vorlage" not in payload or "loecher" not in payload:
        return payload
    namen: list[str] = []

    def ersatz(key: str, o: Any, _n: int) -> Any:
        ziel = plan.get(key)
        if ziel is None:
            return None
        name, i = ziel
        if name not in namen:
            namen.append(name)
        gesammelt.setdefault(name, {})[i] = o
        return {TEIL: [namen.index(name), i]}

    loecher = _stuecke_ersetzen(payload["loecher"], ersatz)
    listen = _stuecke_ersetzen(payload.get("listen", []), ersatz)
    if not namen:
        return payload
    out: dict[str, Any] = {"vorlage": payload["vorlage"], "teile": namen, "loecher": loecher}
    if "listen" in payload:
        out["listen"] = listen
    return out


def payload_umschreiben(html: str, div_id: str, plan: dict[str, tuple[str, int]],
                        gesammelt: dict[str, dict[int, Any]]) -> str:
    """The chart HTML (spec_to_html) with its payload referring to shared data (teile_einsetzen)."""
    auf = f'data-target="{div_id}">'
    a = html.find(auf)
    if a < 0:
        return html
    a += len(auf)
    e = html.index("</script>", a)
    payload = json.loads(html[a:e])
    neu = teile_einsetzen(payload, plan, gesammelt) if isinstance(payload, dict) else payload
    if neu is payload:
        return html
    return html[:a] + _dumps(neu).replace("<", "\\u003c") + html[e:]


def seitendaten_datei(stuecke: dict[int, Any]) -> str:
    """The JSON of a shared data file: its pieces in index order."""
    if sorted(stuecke) != list(range(len(stuecke))):
        raise ValueError("Seitendaten unvollständig")
    return _dumps([stuecke[i] for i in range(len(stuecke))])


def seitendaten_schreiben(site: os.PathLike | str, gesammelt: dict[str, dict[int, Any]], benutzt: set[str]) -> None:
    """Write the shared data files of the pages written now into <site>/_seitendaten/<name>.js
    (the same script form as a Vorlage, vorlage_datei); keep the files pages not written now still
    name (same name, same content); remove the rest."""
    from pathlib import Path

    from helpers.dateien import atomic_write_text

    ordner = Path(site) / SEITENDATEN_ORDNER
    if not benutzt and not ordner.is_dir():
        return
    ordner.mkdir(parents=True, exist_ok=True)
    for name in sorted(gesammelt):
        ziel, inhalt = ordner / f"{name}.js", vorlage_datei(name, seitendaten_datei(gesammelt[name]))
        if not ziel.is_file() or ziel.read_text(encoding="utf-8") != inhalt:
            atomic_write_text(ziel, inhalt)
    for alt in ordner.iterdir():
        if alt.is_file() and alt.stem not in benutzt:
            alt.unlink()


# ------------------------------------------------------------------ Sphinx: the Vorlage files

ENV_ATTR = "handbuch_diagramm_vorlagen"     # env: docname -> {name: Vorlage text}
ENV_STUECKE = "handbuch_diagramm_stuecke"   # env: docname -> {piece key: bytes} (stuecke_sammeln)
ENV_DATEIEN = "handbuch_seitendaten"        # env: docname -> shared data files its HTML names (last written)
RAW_MARKE = "hb_diagramm"                   # attribute of the raw node of a chart (its container id)


def _je_seite(renderer: Any, attr: str) -> dict | None:
    env = getattr(getattr(renderer, "renderer", None), "sphinx_env", None)
    if env is None or getattr(env, "docname", None) is None:
        return None
    alle = getattr(env, attr, None)
    if alle is None:
        alle = {}
        setattr(env, attr, alle)
    return alle.setdefault(env.docname, {})


def _vorlagen_der_seite(renderer: Any) -> dict[str, str] | None:
    return _je_seite(renderer, ENV_ATTR)


def _stuecke_der_seite(renderer: Any) -> dict[str, int] | None:
    return _je_seite(renderer, ENV_STUECKE)


def _purge(_app, env, docname) -> None:
    for attr in (ENV_ATTR, ENV_STUECKE):
        getattr(env, attr, {}).pop(docname, None)


def _merge(_app, env, docnames, other) -> None:
    for attr in (ENV_ATTR, ENV_STUECKE):
        alle = getattr(env, attr, None)
        if alle is None:
            alle = {}
            setattr(env, attr, alle)
        fremd = getattr(other, attr, {})
        for d in docnames:
            if d in fremd:
                alle[d] = fremd[d]


def vorlagen_schreiben(site: os.PathLike | str, vorlagen: dict[str, str]) -> None:
    """Write every Vorlage into <site>/_static/diagramme/<name>.js and remove files no page uses any more
    (an incremental build ends with the same folder as a full one)."""
    from pathlib import Path

    from helpers.dateien import atomic_write_text

    ordner = Path(site) / "_static" / VORLAGEN_ORDNER
    ordner.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(vorlagen.items()):
        ziel, inhalt = ordner / f"{name}.js", vorlage_datei(name, text)
        if not ziel.is_file() or ziel.read_text(encoding="utf-8") != inhalt:
            atomic_write_text(ziel, inhalt)
    for alt in ordner.iterdir():
        if alt.is_file() and alt.stem not in vorlagen:
            alt.unlink()


def _schreiben(app, exception) -> None:
    if exception is not None or app.builder is None or app.builder.format != "html":
        return
    alle: dict[str, str] = {}
    for vorlagen in getattr(app.env, ENV_ATTR, {}).values():
        alle.update(vorlagen)
    vorlagen_schreiben(app.builder.outdir, alle)
    benutzt = {n for namen in getattr(app.env, ENV_DATEIEN, {}).values() for n in namen}
    seitendaten_schreiben(app.builder.outdir, getattr(app, _APP_GESAMMELT, {}), benutzt)


def _planen(app, env) -> list[str]:
    """After reading: which pieces go into which shared data file (teile_planen over every page of
    the environment, not only the pages read now). Pages whose list of files changed, or that name
    a file the site no longer has, are written again (returned); the others keep their HTML."""
    if app.builder is None or app.builder.format != "html":
        return []
    seiten = getattr(env, ENV_STUECKE, {})
    plan = teile_planen({d: s for d, s in seiten.items() if d in env.all_docs})
    setattr(app, _APP_PLAN, plan)
    setattr(app, _APP_GESAMMELT, {})
    vorher = getattr(env, ENV_DATEIEN, {})
    neu = {d: tuple(sorted({n for n, _ in p.values()})) for d, p in plan.items()}
    setattr(env, ENV_DATEIEN, neu)
    from pathlib import Path

    ordner = Path(app.builder.outdir) / SEITENDATEN_ORDNER
    vorhanden = {p.stem for p in ordner.glob("*.js")} if ordner.is_dir() else set()
    return sorted(d for d in set(vorher) | set(neu)
                  if d in env.all_docs and (vorher.get(d, ()) != neu.get(d, ()) or not set(neu.get(d, ())) <= vorhanden))


def _seite_schreiben(app, doctree, docname) -> None:
    """When a page is written: its chart payloads refer to the shared data files of the plan."""
    plan = getattr(app, _APP_PLAN, {}).get(docname)
    if not plan or app.builder is None or app.builder.format != "html":
        return
    from docutils import nodes

    gesammelt = getattr(app, _APP_GESAMMELT)
    for node in doctree.findall(nodes.raw):
        if node.get(RAW_MARKE) is None:
            continue
        html_alt = node.astext()
        html_neu = payload_umschreiben(html_alt, node[RAW_MARKE], plan, gesammelt)
        if html_neu != html_alt:
            node.clear()
            node.append(nodes.Text(html_neu))


def sphinx_setup(app) -> None:
    """Hooks of the Vorlage and shared data files (called by helpers.sphinx_leicht's setup)."""
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-updated", _planen)
    app.connect("doctree-resolved", _seite_schreiben)
    app.connect("build-finished", _schreiben)


def mimebundle(spec: dict[str, Any], **_: Any) -> dict[str, Any]:
    """The altair renderer: a JSON mime bundle nbformat accepts (and JupyterLab ≤ v5 shows)."""
    return {VEGALITE_MIMES[0]: spec, "text/plain": PLAIN_TEXT}


def enable_renderer(name: str | None = None) -> str:
    """Register ``vl6json`` with altair and enable a renderer; returns the enabled name.

    ``name`` defaults to $HANDBUCH_ALTAIR_RENDERER, else ``vl6json`` (what the published pages
    must use). In JupyterLab, pass e.g. ``"jupyter"`` (offline JupyterChart) instead.
    """
    import altair as alt

    alt.renderers.register(RENDERER_NAME, mimebundle)
    chosen = name or os.environ.get("HANDBUCH_ALTAIR_RENDERER") or RENDERER_NAME
    if chosen == "jupyter":
        alt.renderers.enable("jupyter", offline=True)
    else:
        alt.renderers.enable(chosen)
    _register_display()
    return chosen


VALIDATE_ENV = "HANDBUCH_DIAGRAMME_PRUEFEN"


def validate_on_display() -> bool:
    """Whether displayed charts are checked against the Vega-Lite schema: only when
    $HANDBUCH_DIAGRAMME_PRUEFEN is set (the tests set it). The published pages skip altair's
    jsonschema validation (about 40 % of a chart's cost); the spec is the same either way."""
    return os.environ.get(VALIDATE_ENV, "") not in ("", "0")


def display_bundle(chart: Any) -> dict[str, Any] | None:
    """What IPython shows for an altair chart while ``vl6json`` is active: the same bundle as
    altair's own ``_repr_mimebundle_``, with schema validation only if validate_on_display()."""
    import altair as alt

    if alt.renderers.active != RENDERER_NAME:
        return chart._repr_mimebundle_()
    spec = chart.to_dict(validate=validate_on_display(), context={"pre_transform": False})
    return alt.renderers.get()(spec)


def _register_display() -> None:
    """Route the display of altair charts in this IPython kernel through display_bundle."""
    from IPython import get_ipython

    ip = get_ipython()
    if ip is None:
        return
    import altair as alt

    ip.display_formatter.mimebundle_formatter.for_type(alt.TopLevelMixin, display_bundle)
