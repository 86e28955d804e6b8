"""The page pipeline: ``python -m helpers run`` executes the page notebooks into book/seiten/.

- ``config``      parameters/pages.yml + parameters/eigene/*.yml -> validated list of pages
- ``cache``       cache keys (template, helpers source, parameters, mart content) and manifest
- ``engine``      the "warm" papermill engine: one live, prewarmed kernel per worker
- ``kernelside``  prewarm/reset code that runs inside the kernels
- ``notebook``    page title, hidden parameter cells, deterministic output
- ``runner``      planning, process pool, logs, summary

This module stays light (the CLI imports it for every command); the work is imported lazily.
"""

from __future__ import annotations

import argparse
import os


def _cmd_run(args: argparse.Namespace) -> int:
    from helpers.pipeline.runner import execute

    return execute(args)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "run",
        help="Seiten-Notebooks ausführen (inkrementell, parallel) nach book/seiten/",
        description="Führt die Seiten-Notebooks aus parameters/pages.yml und parameters/eigene/*.yml "
                    "mit papermill aus. Nur Seiten, deren Vorlage, Parameter, helpers-Code oder Daten "
                    "sich geändert haben, werden neu berechnet.",
    )
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="parallele Arbeitsprozesse (Standard: Anzahl der Kerne, hier %(default)s)")
    p.add_argument("--only", action="append", metavar="SATZ=ID", default=[],
                   help="nur diese Seite(n), z. B. --only jobcenter=05315 (mehrfach möglich)")
    p.add_argument("--force", action="store_true",
                   help="auch unveränderte Seiten neu ausführen")
    p.add_argument("--mart", metavar="ORDNER", default=None,
                   help="Datenbestand (Standard: data/processed)")
    p.add_argument("--root", metavar="ORDNER", default=None, help=argparse.SUPPRESS)
    p.add_argument("--timeout", type=float, default=600, metavar="SEK",
                   help="Zeitlimit je Zelle in Sekunden (Standard: %(default)s)")
    p.add_argument("--start-timeout", type=float, default=60, metavar="SEK",
                   help="Zeitlimit für den Kernelstart in Sekunden (Standard: %(default)s)")
    p.set_defaults(func=_cmd_run)
