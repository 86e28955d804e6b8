"""The `compute` command: Kennzahlen and Steuerungsgrößen of a delivery as CSV (data contract).

Its own module above helpers.compute and helpers.steuerung, so neither imports the other back.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from helpers import io, steuerung
from helpers.compute import compute
from helpers.eingabefehler import abbruch
from helpers.gebiete import load_inputs


def cmd_compute(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    for given in (args.jobcenter, args.grunddaten, getattr(args, "gebietsaenderungen", None)):
        if given is not None and Path(given).resolve() == out:
            print(abbruch(f"--out {args.out} ist zugleich eine Eingabedatei; bitte eine andere "
                          "Ausgabedatei angeben."), file=sys.stderr)
            return 2
    try:
        # on today's territory; warns about Jobcenter that appear late without a change record
        jc, gd, _stand = load_inputs(args.jobcenter, args.grunddaten, getattr(args, "gebietsaenderungen", None))
    except io.InputError as exc:
        print(exc.render(), file=sys.stderr)
        print(abbruch("es wurde nichts geschrieben."), file=sys.stderr)
        return 2
    results = pd.concat([compute(jc, gd), steuerung.compute(jc, gd)], ignore_index=True)
    io.write_kennzahlen_csv(results, args.out)
    n = int(results["wert"].notna().sum())
    print(f"{n} Werte berechnet → {args.out}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("compute", help="Kennzahlen berechnen und als CSV schreiben (Datenvertrag)")
    p.add_argument("--jobcenter", required=True, type=Path, help="Jobcenter-Stammdaten (CSV, Parquet, XLSX)")
    p.add_argument("--grunddaten", required=True, type=Path, help="Berechnungsgrundlagen (CSV, Parquet, XLSX)")
    p.add_argument("--gebietsaenderungen", type=Path, default=None,
                   help="optional: Gebietsänderungen (alt_id, neu_id, ab_monat) für fiktive Gebietsstände")
    p.add_argument("--out", required=True, type=Path, help="Ergebnisdatei (CSV)")
    p.set_defaults(func=cmd_compute)
