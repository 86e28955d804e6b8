"""Benchmark: `python -m helpers compute` on all demo Jobcenter × 60 months × 3 genders.

Prints the wall time of the command as a user runs it (median of 7, process start included) and
its CPU time (user + system of the child: the figure that holds on a busy machine), for the plain
CSV and for the same delivery as German CSV (semicolon, decimal comma, thousands dots,
Windows-1252), an in-process breakdown, and the time of the mart build. Target: compute ≤ 3 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str]) -> float:
    return timed(cmd)[0]


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of cmd."""
    c0, t = os.times(), time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    w, c1 = time.perf_counter() - t, os.times()
    return w, (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)


def german_csv(plain: Path, out: Path) -> None:
    """The delivery as an office exports it from Excel (same values; the converter of test_formats)."""
    import pandas as pd

    from helpers.kennzahlen import VALUE_COLUMNS

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_formats import _german_number

    g = pd.read_csv(plain, dtype=str, keep_default_na=False)
    for c in VALUE_COLUMNS:
        g[c] = g[c].map(_german_number)
    g.to_csv(out, sep=";", index=False, encoding="cp1252")


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
        plain_runs = [timed(cmd) for _ in range(7)]
        runs = [w for w, _ in plain_runs]
        de_file = tmp / "grunddaten_de.csv"
        german_csv(gd_file, de_file)
        cmd_de = cmd[:-3] + [str(de_file), "--out", str(tmp / "kennzahlen_de.csv")]
        de_runs = [timed(cmd_de) for _ in range(7)]
        same = (tmp / "kennzahlen.csv").read_bytes() == (tmp / "kennzahlen_de.csv").read_bytes()

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
    for label, rr in (("einfache CSV", plain_runs), ("deutsche CSV", de_runs)):
        ws, cs = [w for w, _ in rr], [c for _, c in rr]
        print(f"compute {label} (Befehl, Median von 7): {statistics.median(ws):.2f} s Wandzeit "
              f"[{', '.join(f'{r:.2f}' for r in ws)}], CPU {statistics.median(cs):.2f} s")
    print(f"  Ergebnis deutsche CSV = einfache CSV (byte-gleich): {'ja' if same else 'NEIN'}")
    print(f"  Last (loadavg 1 min) am Ende: {os.getloadavg()[0]:.1f}")
    print(f"  davon Lesen+Prüfen {t1 - t0:.2f} s, Berechnen {t2 - t1:.2f} s, CSV schreiben {t3 - t2:.2f} s "
          f"({len(res)} Werte inkl. undefinierter)")
    print(f"mart (Befehl, Median von 2): {statistics.median(mart):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
