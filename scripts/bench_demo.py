"""Demo generation time (was a wall-clock assertion in tests/test_demo.py): prints the seconds."""

from __future__ import annotations

import time

from helpers import demo


def main() -> int:
    t0 = time.perf_counter()
    demo.generate()
    print(f"Demodaten erzeugt in {time.perf_counter() - t0:.1f} s (Ziel: unter 5 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
