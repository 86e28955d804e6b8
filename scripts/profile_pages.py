"""Where a page's time goes: the page templates' cells run in an in-process IPython shell (as in
the warm kernel: imports and mart loaded once, display formatting included), per cell and per
function (cProfile).

    .venv/bin/python scripts/profile_pages.py [--set jobcenter] [--n 12] [--top 20]

Times are CPU seconds of this process (robust on a shared machine; wall time is higher under
load). Prints the median time per cell over ``--n`` pages of the set (after one warm-up page); with
``--pruefen`` charts are validated against the schema on display (as in the tests), with
``--profil`` the cProfile top functions by own time follow (cProfile inflates the times).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def cells(template: Path, params: dict) -> list[tuple[str, str]]:
    import nbformat

    nb = nbformat.read(template, as_version=4)
    out = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        if "parameters" in c.metadata.get("tags", []):
            src = c.source + "\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())
        else:
            src = c.source
        label = src.strip().splitlines()[-1][:48]
        out.append((label, src))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="jobcenter")
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--profil", action="store_true", help="also cProfile (inflates the times)")
    ap.add_argument("--pruefen", action="store_true",
                    help="with altair's schema validation of displayed charts (as in the tests)")
    args = ap.parse_args()
    import os

    from helpers import mystnb_vega

    os.environ.pop(mystnb_vega.VALIDATE_ENV, None)
    if args.pruefen:
        os.environ[mystnb_vega.VALIDATE_ENV] = "1"

    from IPython.core.interactiveshell import InteractiveShell

    from helpers import paths
    from helpers.pipeline.config import entities_from_mart, load_plan

    plan = load_plan(ROOT, entities_from_mart(paths.MART_DIR), mart_param=str(paths.MART_DIR))
    pages = [p for p in plan.pages if p.set == args.set]
    step = max(1, len(pages) // (args.n + 1))
    sample = pages[::step][: args.n + 1]
    shell = InteractiveShell.instance()
    from helpers import mart, pages as _pages  # noqa: F401  (warm: imported once, as in the kernel)

    mart.load(paths.MART_DIR).preload()

    per_cell: dict[str, list[float]] = {}
    totals = []
    prof = cProfile.Profile()
    for i, pg in enumerate(sample):
        shell.reset(new_session=False)
        t_page = time.process_time()
        for label, src in cells(ROOT / pg.template, pg.parameters):
            t0 = time.process_time()
            if i and args.profil:
                prof.enable()
            with contextlib.redirect_stdout(io.StringIO()):
                res = shell.run_cell(src, silent=False, store_history=False)
            if i and args.profil:
                prof.disable()
            if not res.success:
                print(f"{pg.label}: Zelle '{label}' fehlgeschlagen: {res.error_in_exec!r}", file=sys.stderr)
                return 1
            if i:
                per_cell.setdefault(label, []).append(time.process_time() - t0)
        if i:
            totals.append(time.process_time() - t_page)

    ms = lambda x: f"{1000 * x:8.1f} ms"  # noqa: E731
    print(f"Schema-Prüfung der Diagramme: {'an (wie in den Tests)' if args.pruefen else 'aus (wie im Seitenlauf)'}")
    print(f"Satz {args.set}: {len(totals)} Seiten (nach einer Aufwärmseite), Median CPU-Zeit je Seite {ms(statistics.median(totals))}")
    print("\nZelle (letzte Zeile)                              Median")
    for label, ts in sorted(per_cell.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"  {label:48}{ms(statistics.median(ts))}")
    if not args.profil:
        return 0
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(args.top)
    print("\ncProfile, eigene Zeit (alle Messseiten zusammen):")
    print("\n".join(s.getvalue().splitlines()[4:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
