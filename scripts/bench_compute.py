"""Benchmark: `python -m helpers compute` on all demo Jobcenter × 60 months × 3 genders.

Prints the wall time of the command as a user runs it (median of 3, process start included),
an in-process breakdown, and the time of the mart build. Target: compute ≤ 3 s on 2 cores.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    from helpers.compute import compute
    from helpers.demo import write
    from helpers.io import load_grunddaten, load_jobcenter, write_kennzahlen_csv

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write(tmp, seed=20260801, bis="2026-08", monate=60)
        jc_file, gd_file = tmp / "jobcenter.csv", tmp / "grunddaten.csv"
        n_rows = sum(1 for _ in open(gd_file, encoding="utf-8")) - 1
        cmd = [sys.executable, "-m", "helpers", "compute", "--jobcenter", str(jc_file),
               "--grunddaten", str(gd_file), "--out", str(tmp / "kennzahlen.csv")]
        runs = [wall(cmd) for _ in range(3)]

        t0 = time.perf_counter()
        jc = load_jobcenter(jc_file)
        gd = load_grunddaten(gd_file, jc["jobcenter_id"])
        t1 = time.perf_counter()
        res = compute(jc, gd)
        t2 = time.perf_counter()
        write_kennzahlen_csv(res, tmp / "k2.csv")
        t3 = time.perf_counter()

        mart = [wall([sys.executable, "-m", "helpers", "mart", "--jobcenter", str(jc_file), "--grunddaten",
                      str(gd_file), "--out", str(tmp / "mart")]) for _ in range(2)]

    print(f"Eingabe: {len(jc)} Jobcenter, {n_rows} Zeilen (60 Monate × 3 Geschlechter)")
    print(f"compute (Befehl, Median von 3): {statistics.median(runs):.2f} s  [{', '.join(f'{r:.2f}' for r in runs)}]")
    print(f"  davon Lesen+Prüfen {t1 - t0:.2f} s, Berechnen {t2 - t1:.2f} s, CSV schreiben {t3 - t2:.2f} s "
          f"({len(res)} Werte inkl. undefinierter)")
    print(f"mart (Befehl, Median von 2): {statistics.median(mart):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
