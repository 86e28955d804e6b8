"""Benchmark of the page runner: warm engine vs. naive papermill CLI calls.

    .venv/bin/python scripts/bench_pages.py [--mart data/processed] [--jobs 2] [--sample 8]

1. the full page set with ``python -m helpers run --force`` (warm kernels, N workers),
2. the same again with nothing changed (incremental: nothing to execute),
3. a naive baseline on a sample: one ``papermill`` CLI call per page, sequentially,
   extrapolated to the full set.

If the four real templates (notebooks/jobcenter|vergleichstyp|land|bund.ipynb) exist, the
real page sets of parameters/pages.yml are run in the project (like ``make pages``).
Otherwise a realistic stand-in template (tests/fixtures/pipeline/bench_seite.ipynb: imports
pandas and altair, reads its slice of the mart through helpers.mart, two charts, a table)
is run for every Jobcenter, Vergleichstyp, Land and the Bund in a temporary project, and the
output says so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = Path(sys.executable)
REAL = ["jobcenter", "vergleichstyp", "land", "bund"]
TOY_TEMPLATE = ROOT / "tests" / "fixtures" / "pipeline" / "bench_seite.ipynb"
TOY_PAGES = """\
warmup:
  imports: [pandas, numpy, pyarrow, altair, helpers, helpers.mart]
  load_mart: true
sets:
"""
TOY_SET = """\
  {name}:
    template: notebooks/bench_seite.ipynb
    output: book/seiten/{name}/{{id}}.ipynb
    title: "{title}"
    entities: {name}
    parameters: {{ebene: {name}, einheit: "{{id}}", monat: null, geschlecht: insgesamt}}
"""
TITLES = {"jobcenter": "Jobcenter {kurzname}", "vergleichstyp": "Vergleichstyp {id}",
          "land": "Land {name}", "bund": "Bund"}


def sh(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - t0, proc


def last_line(text: str, prefix: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.startswith(prefix)]
    return lines[-1] if lines else text.strip().splitlines()[-1] if text.strip() else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mart", type=Path, default=ROOT / "data" / "processed")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sample", type=int, default=8, help="pages for the naive baseline")
    ap.add_argument("--toy", action="store_true", help="use the stand-in template even if real ones exist")
    ap.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = ap.parse_args()
    mart = args.mart.resolve()
    if not (mart / "jobcenter.parquet").exists():
        print(f"Kein Datenbestand in {mart} – bitte zuerst 'make mart'.", file=sys.stderr)
        return 2

    real = not args.toy and all((ROOT / "notebooks" / f"{s}.ipynb").exists() for s in REAL)
    tmp = None
    if real:
        root = ROOT
        mode = "echte Vorlagen (notebooks/*.ipynb), Seitensätze aus parameters/pages.yml"
    else:
        tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
        root = tmp
        (root / "notebooks").mkdir()
        shutil.copy(TOY_TEMPLATE, root / "notebooks" / "bench_seite.ipynb")
        (root / "parameters").mkdir()
        (root / "parameters" / "pages.yml").write_text(
            TOY_PAGES + "".join(TOY_SET.format(name=s, title=TITLES[s]) for s in REAL), encoding="utf-8")
        mode = ("ERSATZVORLAGE tests/fixtures/pipeline/bench_seite.ipynb (die echten Vorlagen fehlen): "
                "pandas + altair, Ausschnitt des Datenbestands über helpers.mart, 2 Diagramme, 1 Tabelle")

    sys.path.insert(0, str(ROOT / "src"))
    from helpers.pipeline.config import entities_from_mart, load_plan

    plan = load_plan(root, entities_from_mart(mart), mart_param=str(mart))
    pages = plan.pages
    n = len(pages)
    run = [str(PY), "-m", "helpers", "run", "--root", str(root), "--mart", str(mart), "--jobs", str(args.jobs)]

    print(f"Modus: {mode}")
    print(f"Seiten: {n}, Arbeitsprozesse: {args.jobs}, Kerne: {os.cpu_count()}")

    t_full, p = sh([*run, "--force"], ROOT)
    full_ok = p.returncode == 0
    print(f"[warm] voller Lauf --force: {t_full:.1f} s  ({last_line(p.stdout + p.stderr, 'Seiten:')})")
    if not full_ok:
        print(p.stderr[-3000:], file=sys.stderr)
    for _ in range(3):
        t_again, p2 = sh(run, ROOT)
        text = p2.stdout + p2.stderr
        print(f"[warm] zweiter Lauf ohne Änderung: {t_again:.1f} s  ({last_line(text, 'Seiten:')})")
        if "Grund der Ausführung" not in text:
            break
        # someone edited src/helpers meanwhile (shared work tree): that run was a real rerun
        print(f"       {last_line(text, 'Grund der Ausführung')} – noch einmal", file=sys.stderr)

    # per-page execution time inside the warm kernels (from the page logs)
    exec_times = []
    for pg in pages:
        log = root / pg.log
        if log.exists():
            for ln in log.read_text(encoding="utf-8").splitlines():
                if ln.startswith("Ausführen:"):
                    exec_times.append(float(ln.split()[1]))

    # naive baseline: sequential papermill CLI calls on a sample spread over the sets
    step = max(1, n // max(1, args.sample))
    sample = pages[::step][: args.sample]
    out_dir = Path(tempfile.mkdtemp(prefix="bench-naive-"))
    naive = []
    for i, pg in enumerate(sample):
        cmd = [str(PY.parent / "papermill"), str(root / pg.template), str(out_dir / f"{i}.ipynb"),
               "--no-progress-bar", "--cwd", str(root)]
        for k, v in pg.parameters.items():
            if v is None:
                cmd += ["-p", k, "None"]
            elif isinstance(v, str):
                cmd += ["-r", k, v]          # raw: "05315" must stay a string
            else:
                cmd += ["-y", json.dumps({k: v})]
        t, proc = sh(cmd, root)
        if proc.returncode != 0:
            print(f"[naiv] {pg.label} fehlgeschlagen:\n{proc.stderr[-2000:]}", file=sys.stderr)
        naive.append(t)
    shutil.rmtree(out_dir, ignore_errors=True)

    per_naive = statistics.mean(naive)
    naive_full = per_naive * n
    print(f"[naiv] papermill-CLI, sequentiell, Stichprobe {len(sample)} Seiten: "
          f"{per_naive:.2f} s je Seite (Median {statistics.median(naive):.2f} s)")
    print()
    print(f"{'':34}{'gesamt':>12}{'je Seite':>12}")
    print(f"{'naiv (papermill-CLI, hochgerechnet)':34}{naive_full:>11.0f}s{per_naive:>11.2f}s")
    print(f"{'warm (' + str(args.jobs) + ' Arbeitsprozesse)':34}{t_full:>11.0f}s{t_full / n:>11.2f}s")
    if exec_times:
        print(f"{'  davon Ausführen im warmen Kernel':34}{'':>12}{statistics.mean(exec_times):>11.2f}s")
    print(f"{'zweiter Lauf ohne Änderung':34}{t_again:>11.1f}s")
    print(f"Beschleunigung warm gegenüber naiv: {naive_full / t_full:.1f}×")
    ok = full_ok and naive_full / t_full >= 25 and t_again <= 5
    print(f"Ziele (≥ 25× gegenüber naiv, zweiter Lauf ≤ 5 s): {'erreicht' if ok else 'NICHT erreicht'}")
    try:
        load = os.getloadavg()[0]
        print(f"Lastmittel der Maschine (1 min) am Ende: {load:.1f} bei {os.cpu_count()} Kernen"
              + (" – Zeiten unter Fremdlast, nur Verhältnisse belastbar" if load > (os.cpu_count() or 1) else ""))
    except OSError:
        pass
    if tmp is not None and not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    elif tmp is not None:
        print(f"Temporäres Projekt: {tmp}")
    return 0 if full_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
