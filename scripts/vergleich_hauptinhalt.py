"""Compare the main content of the pages of two builds (before/after a performance change).

    .venv/bin/python scripts/vergleich_hauptinhalt.py VORHER NACHHER [--stichprobe 60] [--alle]

For each page of a sample (spread over all page kinds: Jobcenter, Vergleichstyp, Land, Bund,
Hilfe, generated lists) the ``<main …>…</main>`` element of both builds is compared byte for
byte after removing build time stamps. Navigation, head and footer may differ (that is where
the lighter site changes things); the content a reader sees must not. Exit status 1 and the
first difference per page when anything differs.

Chart payloads split into a shared Vorlage (``_static/diagramme/``), data shared by many pages
(``_seitendaten/``) and the page's own values (helpers.mystnb_vega.teilen, teile_einsetzen) are
put together again first, as vega-init.js does in the
browser, and written as the whole spec – so the comparison covers exactly what is drawn.
"""

from __future__ import annotations

import argparse
import html as html_mod
import json
import re
import sys
from pathlib import Path

from helpers import mystnb_vega

MAIN = re.compile(r"<main\b.*?</main>", re.S)
STAMPS = [
    re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"),
    re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4},? (?:um )?\d{1,2}:\d{2}(?::\d{2})?(?: Uhr)?"),
]


CHART = re.compile(r'(<div class="vega-chart" id="(?P<id>[^"]+)"(?: role="figure" aria-label="(?P<aria>[^"]*)")?></div>'
                   r'.*?<script type="application/vnd\.vegalite\+json" data-target="(?P=id)">)(?P<payload>.*?)(</script>)', re.S)


def ganze_specs(text: str, site: Path | None) -> str:
    """Every chart payload as the whole spec (split payloads joined with their Vorlage)."""
    if site is None:
        return text
    vorlagen: dict[str, object] = {}

    def ersetzen(m: re.Match) -> str:
        payload = json.loads(m.group("payload"))
        mystnb_vega.dateien_laden(site, payload, vorlagen)
        aria = html_mod.unescape(m.group("aria")) if m.group("aria") is not None else None
        spec = mystnb_vega.spec_aus_payload(payload, vorlagen, aria)
        return m.group(1) + json.dumps(spec, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c") + m.group(5)

    return CHART.sub(ersetzen, text)


def main_content(html: str, site: Path | None = None) -> str | None:
    m = MAIN.search(html)
    if m is None:
        return None
    text = ganze_specs(m.group(0), site)
    for rx in STAMPS:
        text = rx.sub("<STEMPEL>", text)
    return text


def sample(site: Path, n: int | None) -> list[str]:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                   if "_static" not in p.parts and p.name not in ("search.html", "genindex.html"))
    if n is None or n >= len(pages):
        return pages
    groups: dict[str, list[str]] = {}
    for p in pages:
        groups.setdefault(str(Path(p).parent), []).append(p)
    chosen: list[str] = []
    per = max(1, n // max(1, len(groups)))
    for items in groups.values():
        step = max(1, len(items) // per)
        chosen += items[::step][:per]
    return sorted(chosen)


def first_difference(a: str, b: str, context: int = 80) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"ab Zeichen {i}:\n    vorher:  {a[max(0, i - 20):i + context]!r}\n    nachher: {b[max(0, i - 20):i + context]!r}"


def compare(before: Path, after: Path, n: int | None) -> list[str]:
    problems = []
    for rel in sample(before, n):
        pa, pb = before / rel, after / rel
        if not pb.is_file():
            problems.append(f"{rel}: fehlt im neuen Build")
            continue
        a = main_content(pa.read_text(encoding="utf-8"), before)
        b = main_content(pb.read_text(encoding="utf-8"), after)
        if a != b:
            problems.append(f"{rel}: Hauptinhalt verschieden, " + first_difference(a or "", b or ""))
    return problems


def run(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("vorher", type=Path)
    ap.add_argument("nachher", type=Path)
    ap.add_argument("--stichprobe", type=int, default=60)
    ap.add_argument("--alle", action="store_true")
    args = ap.parse_args(argv)
    n = None if args.alle else args.stichprobe
    pages = sample(args.vorher, n)
    problems = compare(args.vorher, args.nachher, n)
    for p in problems[:20]:
        print(p)
    print(f"{len(pages)} Seiten verglichen, {len(problems)} mit verschiedenem Hauptinhalt.")
    return 1 if problems or not pages else 0


if __name__ == "__main__":
    raise SystemExit(run())
