"""CPU profile of the book build by part, without cProfile's overhead (issue 15).

    .venv/bin/python scripts/profil_buch.py [--jobs 1]

Runs `python -m helpers build --neu --leise` in this process and samples the stack every 5 ms
of CPU time (signal ITIMER_PROF); each sample counts for the first matching module of the stack
(search index, chart splitting, myst-nb, nbformat, theme navigation, …). Prints seconds and
shares per part and the 15 functions most often on top. Serial builds only (the samples see the
main process). Needs the executed pages and _toc.yml (`make pages toc`).
"""

from __future__ import annotations

import collections
import signal
import sys
import traceback

from helpers import cli

TAKT = 0.005
TEILE = [("sphinx/search", "Suchindex"), ("snowballstemmer", "Suchindex"),
         ("helpers/mystnb_vega", "Diagramme teilen und packen"), ("nbformat", "nbformat"),
         ("myst_nb", "myst-nb lesen"), ("myst_parser", "myst-nb lesen"),
         ("pydata_sphinx_theme", "Theme (Navigation)"), ("sphinx_book_theme", "Theme (Navigation)"),
         ("bs4", "Theme (Navigation)"), ("sphinx/environment/adapters/toctree", "Theme (Navigation)"),
         ("jinja2", "Jinja-Vorlagen"), ("sphinx/writers", "HTML schreiben"), ("docutils/writers", "HTML schreiben"),
         ("docutils/transforms", "Transformationen"), ("sphinx/transforms", "Transformationen"),
         ("pickle", "pickle"), ("docutils", "docutils sonst"), ("sphinx/", "Sphinx sonst")]


def main() -> int:
    teile: collections.Counter = collections.Counter()
    oben: collections.Counter = collections.Counter()

    def probe(_sig, frame) -> None:
        stapel = traceback.extract_stack(frame)
        dateien = [f.filename for f in stapel]
        teil = next((t for key, t in TEILE if any(key in d for d in dateien)), "sonst")
        teile[teil] += 1
        oben[f"{stapel[-1].filename.split('site-packages/')[-1]}:{stapel[-1].name}"] += 1

    signal.signal(signal.SIGPROF, probe)
    signal.setitimer(signal.ITIMER_PROF, TAKT, TAKT)
    try:
        rc = cli.main(["build", "--neu", "--leise", *sys.argv[1:]])
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
    n = sum(teile.values()) or 1
    print(f"CPU-Zeit des Hauptprozesses: {n * TAKT:.1f} s ({n} Stichproben je {TAKT * 1000:.0f} ms)")
    for teil, k in teile.most_common():
        print(f"  {teil:30s} {k * TAKT:6.1f} s  {100 * k / n:4.1f} %")
    print("Häufigste Funktionen oben im Stapel:")
    for f, k in oben.most_common(15):
        print(f"  {f:70s} {k * TAKT:6.1f} s")
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
