"""The full monthly regeneration, measured step by step (run with `make bench`).

Runs the three benchmark scripts one after the other and prints their figures:
  1. compute: `python -m helpers compute` on all demo Jobcenter × 60 months × 3 genders
  2. profile: CPU time per cell of a sample of Jobcenter pages (in-process shell)
  3. pages:   the whole page set with the warm-kernel runner vs. naive papermill CLI calls
  4. book:    the full Jupyter Book build of the handbook, edition size by kind, median page size
Needs the demo mart (`make mart`) and, for the book, the executed pages (`make pages`).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEPS = [
    ("Demodaten", ["bench_demo.py"]),
    ("Berechnung (compute)", ["bench_compute.py"]),
    ("Profil einer Jobcenter-Seite (CPU-Zeit je Zelle)", ["profile_pages.py", "--n", "8"]),
    ("Seiten (papermill)", ["bench_pages.py"]),
    ("Buch (Jupyter Book) und Größe der Ausgabe", ["bench_book.py"]),
]


def main() -> int:
    failed = []
    t0 = time.perf_counter()
    for title, args in STEPS:
        print(f"\n=== {title} ===", flush=True)
        rc = subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]]).returncode
        if rc:
            failed.append(title)
    print(f"\nGesamtdauer der Messungen: {time.perf_counter() - t0:.0f} s")
    if failed:
        print("Fehlgeschlagen: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
