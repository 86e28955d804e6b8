"""What a built page consists of: bytes per part (issue 15, page weight).

    .venv/bin/python scripts/seitenteile.py [SITE] [--ordner book/seiten/jobcenter] [--seite 01001]

Takes the page of median size in the folder (or the one given) and prints a Markdown table
(German, as in the README's Messwerte): the theme's head, header, sidebar and footer, each
section of the main content (tables, charts' payloads, chart text alternatives, "Daten als
Tabelle", the rest), and across the whole page the bytes in class/title/aria/id attributes.
For the chart payloads it also says how much of them other pages carry in the same form
(pieces of helpers.mystnb_vega on at least three pages of the folder; already shared pieces are
counted as their reference) – the data a group of pages repeats. Prints figures only.
"""

from __future__ import annotations

import argparse
import html as html_mod
import json
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

from helpers import mystnb_vega

PAYLOAD = re.compile(r'<script type="application/vnd\.vegalite\+json" data-target="[^"]+">(.*?)</script>', re.S)
CHART = re.compile(r'<div class="vega-chart"[^>]*></div>(?:<p class="hb-visually-hidden">.*?</p>)?', re.S)
DETAILS = re.compile(r'<details class="hb-daten.*?</details>', re.S)
TABLE = re.compile(r'<table\b.*?</table>', re.S)
ATTR = re.compile(r'\s(class|title|aria-[a-z]+|id|href|role|scope)="[^"]*"')


def _kb(n: int) -> str:
    return f"{n / 1000:.1f}".replace(".", ",")


def _anteil(n: int, ganz: int) -> str:
    return f"{100 * n / ganz:.1f} %".replace(".", ",") if ganz else "–"


def _sections(main: str) -> list[tuple[str, str]]:
    """(heading, HTML) of every second-level section of the main content, in order."""
    out, depth, start, titel = [], 0, None, None
    for m in re.finditer(r"<section\b[^>]*>|</section>", main):
        if m.group(0).startswith("</"):
            depth -= 1
            if depth == 1 and start is not None:
                out.append((titel, main[start:m.end()]))
                start = None
        else:
            depth += 1
            if depth == 2:
                start = m.start()
                h = re.search(r"<h2>(.*?)<a class=\"headerlink\"|<h2>(.*?)</h2>", main[m.end():m.end() + 400], re.S)
                roh = (h.group(1) or h.group(2)) if h else m.group(0)
                titel = html_mod.unescape(re.sub(r"<[^>]+>", "", roh)).strip()
    return out


def _stuecke(text: str) -> Counter:
    """Candidate pieces (mystnb_vega) of every chart payload of a page, by key."""
    c: Counter = Counter()
    for m in PAYLOAD.finditer(text):
        p = json.loads(m.group(1))
        if isinstance(p, dict) and "loecher" in p:
            s: dict[str, int] = {}
            mystnb_vega.stuecke_sammeln(p, s)
            c.update(s)
    return c


def teile(text: str) -> list[tuple[str, int]]:
    """(part, bytes) of one page, in page order; the parts add up to the page."""
    rows: list[tuple[str, int]] = []
    head = re.search(r"<head>.*?</head>", text, re.S)
    main = re.search(r"<main\b.*?</main>", text, re.S)
    if head is None or main is None:
        raise SystemExit("Seite ohne <head> oder <main>")
    rows.append(("Kopf (`<head>`: Metadaten, CSS-/JS-Verweise des Themes)", head.end() - head.start()))
    vor_main = text[head.end():main.start()]
    nav = re.search(r'<div class="bd-sidebar-primary.*?(?=<main\b|<div class="bd-main)', vor_main, re.S)
    nav_n = (nav.end() - nav.start()) if nav else 0
    rows.append(("Seitenleiste (Navigation)", nav_n))
    rows.append(("Theme: Kopfzeile, Sprunglink, Suche, übrige Rahmen vor dem Inhalt",
                 len(vor_main) - nav_n + head.start()))
    inhalt = main.group(0)
    rest = inhalt
    sections = _sections(inhalt)
    for titel, sec in sections:
        payload = sum(len(m.group(0)) for m in PAYLOAD.finditer(sec))
        charts = sum(len(m.group(0)) for m in CHART.finditer(sec))
        details = sum(len(m.group(0)) for m in DETAILS.finditer(sec))
        ohne_details = DETAILS.sub("", sec)
        tables = sum(len(m.group(0)) for m in TABLE.finditer(ohne_details))
        andere = len(sec) - payload - charts - details - tables
        for name, n in ((f"{titel}: Diagrammdaten (Payload)", payload),
                        (f"{titel}: Textalternative der Diagramme (aria-label, verborgener Absatz)", charts),
                        (f"{titel}: „Daten als Tabelle“", details),
                        (f"{titel}: Tabellen", tables),
                        (f"{titel}: Text und Übriges", andere)):
            if n:
                rows.append((name, n))
        rest = rest.replace(sec, "", 1)
    rows.append(("Hauptinhalt außerhalb der Abschnitte (Titel, Fakten, Datenstand, Rahmen)", len(rest)))
    rows.append(("Theme: Fuß, Skripte nach dem Inhalt", len(text) - main.end()))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", type=Path, nargs="?", default=Path("_build/html"))
    ap.add_argument("--ordner", default="book/seiten/jobcenter")
    ap.add_argument("--seite", help="Dateiname ohne .html (Standard: die Seite mittlerer Größe)")
    args = ap.parse_args(argv)
    seiten = sorted((args.site / args.ordner).glob("*.html"))
    if not seiten:
        print(f"keine Seiten in {args.site / args.ordner}", file=sys.stderr)
        return 1
    groessen = {p: p.stat().st_size for p in seiten}
    if args.seite:
        seite = args.site / args.ordner / f"{args.seite}.html"
    else:
        seite = sorted(seiten, key=lambda p: (groessen[p], p.name))[len(seiten) // 2]
    text = seite.read_text(encoding="utf-8")
    ganz = len(text)
    print(f"{len(seiten)} Seiten in {args.ordner}: Median {_kb(int(statistics.median(groessen.values())))} KB, "
          f"größte {_kb(max(groessen.values()))} KB, zusammen {sum(groessen.values()) / 1e6:.1f} MB".replace(".", ",", 1))
    print(f"Gemessen: {seite.relative_to(args.site)} ({_kb(ganz)} KB; Bytes als UTF-8-Zeichen gezählt)\n")
    print("| Teil | KB | Anteil |\n|---|---:|---:|")
    rows = teile(text)
    for name, n in rows:
        print(f"| {name} | {_kb(n)} | {_anteil(n, ganz)} |")
    assert sum(n for _, n in rows) == ganz, (sum(n for _, n in rows), ganz)
    print(f"| **ganze Seite** | **{_kb(ganz)}** | 100 % |\n")

    print("Quer über die Seite (in den Teilen oben enthalten):\n")
    print("| Merkmal | KB | Anteil |\n|---|---:|---:|")
    attrs: Counter = Counter()
    for m in ATTR.finditer(text):
        attrs[m.group(1) if not m.group(1).startswith("aria-") else "aria-*"] += len(m.group(0))
    for name, n in attrs.most_common():
        print(f"| Attribute `{name}=\"…\"` | {_kb(n)} | {_anteil(n, ganz)} |")
    payloads = sum(len(m.group(1)) for m in PAYLOAD.finditer(text))
    # pieces other pages of the folder carry too (the data a group repeats)
    vorkommen: Counter = Counter()
    for p in seiten:
        vorkommen.update(set(_stuecke(p.read_text(encoding="utf-8"))))
    eigene = _stuecke(text)
    geteilt = sum(n for k, n in eigene.items() if vorkommen[k] >= mystnb_vega._MIN_SEITEN)
    print(f"| Diagrammdaten zusammen (JSON der Payloads) | {_kb(payloads)} | {_anteil(payloads, ganz)} |")
    print(f"| davon Stücke, die ≥ {mystnb_vega._MIN_SEITEN} Seiten des Ordners gleich tragen | {_kb(geteilt)} | "
          f"{_anteil(geteilt, ganz)} |")
    verweise = sum(len(m.group(0)) for m in re.finditer(r'\{"\$teil":\[\d+,\d+\]\}', text))
    if verweise:
        print(f"| davon Verweise auf gemeinsame Seitendaten (`$teil`) | {_kb(verweise)} | {_anteil(verweise, ganz)} |")
    ordner = args.site / mystnb_vega.SEITENDATEN_ORDNER
    if ordner.is_dir():
        dateien = list(ordner.glob("*.js"))
        print(f"\nGemeinsame Seitendaten: {len(dateien)} Dateien, {sum(p.stat().st_size for p in dateien) / 1000:.1f} KB"
              .replace(".", ","))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
