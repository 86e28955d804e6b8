"""Benchmark: reading a delivery in its formats (data contract, rule of 2026-12).

Demo grunddaten (407 Jobcenter × 60 months × 3 genders) as plain CSV and as German CSV
(semicolon, decimal comma, thousands dots, Windows-1252); a 12-month slice as XLSX. Prints the
read times of the candidate libraries (median of 3) and of `load_grunddaten` per format.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def median(fn, n=3) -> float:
    runs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> int:
    from helpers.demo import write
    from helpers.io import load_grunddaten, load_jobcenter
    from helpers.kennzahlen import VALUE_COLUMNS
    from test_formats import _german_number

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write(tmp, seed=20260801, bis="2026-08", monate=60)
        jc_file, plain = tmp / "jobcenter.csv", tmp / "grunddaten.csv"
        jc = load_jobcenter(jc_file)
        gd = pd.read_csv(plain, dtype=str, keep_default_na=False)
        german = tmp / "grunddaten_de.csv"
        g = gd.copy()
        for c in VALUE_COLUMNS:
            g[c] = g[c].map(_german_number)
        g.to_csv(german, sep=";", index=False, encoding="cp1252")
        xlsx = tmp / "grunddaten.xlsx"
        months = sorted(gd["monat"].unique())[-12:]
        gd[gd["monat"].isin(months)].to_excel(xlsx, index=False, sheet_name="grunddaten")
        n_x = int(gd["monat"].isin(months).sum())

        kw = dict(dtype=str, keep_default_na=False, na_filter=False)
        rows = [
            (f"CSV {len(gd)} Zeilen: pandas (C-Parser)", median(lambda: pd.read_csv(plain, **kw))),
            (f"CSV {len(gd)} Zeilen: pandas (pyarrow-Parser)", median(lambda: pd.read_csv(plain, engine="pyarrow", dtype=str))),
            ("load_grunddaten, einfache CSV (Lesen + Prüfen)", median(lambda: load_grunddaten(plain, jc["jobcenter_id"]))),
            ("load_grunddaten, deutsche CSV (Lesen + Umwandeln + Prüfen)",
             median(lambda: load_grunddaten(german, jc["jobcenter_id"]))),
            (f"XLSX {n_x} Zeilen: pandas + openpyxl", median(lambda: pd.read_excel(xlsx, engine="openpyxl", dtype=object), 1)),
            (f"XLSX {n_x} Zeilen: pandas + python-calamine", median(lambda: pd.read_excel(xlsx, engine="calamine", dtype=object))),
        ]
    for name, sec in rows:
        print(f"{name}: {sec:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
