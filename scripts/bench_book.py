"""Time the full book build and print it.

    .venv/bin/python scripts/bench_book.py                 # the project's book (after `make pages toc`)
    .venv/bin/python scripts/bench_book.py --synthetisch   # a full-size stand-in book in a temp dir

--synthetisch needs only the mart: it executes one small page notebook (chart, map, table),
copies it for every Jobcenter, Vergleichstyp, Land and the Bund of the mart, adds the
hand-written chapters of book/, and builds that — useful before the real pages exist.
Each run is a full build (`python -m helpers build --neu`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers import paths

ROOT = paths.ROOT


def _run(args: list[str], root: Path) -> float:
    env = dict(os.environ, HANDBUCH_ROOT=str(root), HANDBUCH_MART=str(paths.MART_DIR))
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "helpers", *args], cwd=root, env=env,
                       capture_output=True, text=True)
    dauer = time.perf_counter() - t0
    if r.returncode:
        sys.stderr.write(r.stdout[-4000:] + r.stderr[-4000:])
        raise SystemExit(f"Fehlgeschlagen: python -m helpers {' '.join(args)}")
    return dauer


def _template(path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# TITEL"),
        nbformat.v4.new_code_cell(
            "import altair as alt, pandas as pd\nfrom helpers import maps, mart\n"
            "from helpers.mystnb_vega import enable_renderer\nenable_renderer()\nm = mart.load()"),
        nbformat.v4.new_code_cell(
            "df = pd.DataFrame({'monat': pd.date_range('2025-09-01', periods=12, freq='MS'),"
            " 'wert': [10 + i * 0.5 for i in range(12)]})\n"
            "alt.Chart(df).mark_line(point=True).encode(x='monat:T', y='wert:Q')"
            ".properties(width=500, description='Verlauf der Integrationsquote (K2)')"),
        nbformat.v4.new_code_cell(
            "from IPython.display import HTML\n"
            "HTML('<table class=\"kennzahlen-tabelle\"><tr><th>Kennzahl</th><th>Wert</th></tr>'"
            " + ''.join(f'<tr><td>K{i}</td><td class=\"zahl\">{i},5 %</td></tr>' for i in range(15)) + '</table>')"),
        nbformat.v4.new_code_cell(
            "jc = m.jobcenter\n"
            "from helpers.kennzahlen import KENNZAHLEN\n"
            "maps.karte_kennzahlen(pd.DataFrame({'jobcenter_id': jc.jobcenter_id, 'kennzahl': 'K2', 'wert': range(len(jc))}),"
            " jc, {'K2': KENNZAHLEN['K2']}, 'Karte').chart"),
    ]
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    nbformat.write(nb, path)


def synthetic_project(tmp: Path) -> Path:
    import nbformat

    from helpers import mart

    m = mart.load()
    root = tmp / "buch"
    (root / "data" / "reference").mkdir(parents=True)
    (root / "data" / "reference" / "geo").symlink_to(ROOT / "data" / "reference" / "geo")
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    shutil.copytree(ROOT / "book", root / "book",
                    ignore=shutil.ignore_patterns("seiten", "generated", ".ipynb_checkpoints"))
    template = tmp / "vorlage.ipynb"
    _template(template)
    nb = nbformat.read(template, as_version=4)

    def page(set_name: str, page_id: str, title: str) -> None:
        nb.cells[0].source = f"# {title}"
        out = root / "book" / "seiten" / set_name / f"{page_id}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)

    jc = m.jobcenter
    for r in jc.itertuples(index=False):
        page("jobcenter", str(r.jobcenter_id), r.name)
    for vt in sorted(set(jc["vergleichstyp"])):
        page("vergleichstyp", vt, f"Vergleichstyp {vt}")
    for land, name in sorted(set(zip(jc["land"], jc["land_name"]))):
        page("land", land, name)
    page("bund", "DE", "Deutschland")
    return root


def groessen(site: Path) -> dict[str, float]:
    """Bytes of the built site by kind (MB): Jobcenter pages, other pages, static files, the rest."""
    out = {"Jobcenter-Seiten (HTML)": 0, "übrige Seiten (HTML)": 0, "_static (Theme, Bibliotheken, Geometrie)": 0,
           "Suchindex": 0, "Downloads und Datenpaket": 0, "Rest": 0}
    for p in site.rglob("*"):
        if not p.is_file():
            continue
        rel = p.relative_to(site).as_posix()
        n = p.stat().st_size
        if rel.startswith("_static/"):
            k = "_static (Theme, Bibliotheken, Geometrie)"
        elif rel == "searchindex.js":
            k = "Suchindex"
        elif p.suffix == ".html":
            k = "Jobcenter-Seiten (HTML)" if rel.startswith("book/seiten/jobcenter/") else "übrige Seiten (HTML)"
        elif p.suffix in (".csv", ".xlsx", ".zip", ".json", ".parquet"):
            k = "Downloads und Datenpaket"
        else:
            k = "Rest"
        out[k] += n
    return {k: v / 1e6 for k, v in out.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetisch", action="store_true", help="Stellvertreter-Buch in einem Temp-Ordner bauen")
    ap.add_argument("--wiederholungen", type=int, default=1, help="Anzahl der Messungen (Median)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-book-") as tmp:
        if args.synthetisch:
            t0 = time.perf_counter()
            root = synthetic_project(Path(tmp))
            print(f"Stellvertreter-Seiten erzeugt in {time.perf_counter() - t0:.1f} s")
            print(f"toc: {_run(['toc'], root):.1f} s")
        else:
            root = ROOT
            if not (root / "_toc.yml").exists():
                raise SystemExit("Kein _toc.yml: zuerst `make pages toc` ausführen.")
        zeiten = [_run(["build", "--neu", "--leise"], root) for _ in range(args.wiederholungen)]
        site = root / "_build" / "html"
        pages = list(site.rglob("*.html"))
        jc_pages = list((site / "book" / "seiten" / "jobcenter").glob("*.html"))
        size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
        print(f"Buch-Build (voll, {len(pages)} HTML-Seiten, davon {len(jc_pages)} Jobcenter): "
              f"Median {statistics.median(zeiten):.1f} s ({', '.join(f'{z:.1f}' for z in zeiten)})")
        if jc_pages:
            sizes = [p.stat().st_size for p in jc_pages]
            print(f"Jobcenter-Seite: Median {statistics.median(sizes) / 1000:.0f} KB HTML "
                  f"(Mittel {statistics.mean(sizes) / 1000:.0f} KB; Ziel Median ≤ 120 KB)")
            print(f"Ausgabe insgesamt {size / 1e6:.1f} MB (Ziel ≤ 25 MB), davon:")
            for label, mb in groessen(site).items():
                print(f"  {label:44}{mb:8.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
