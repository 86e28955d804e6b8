"""Duplicate-code scan of src/helpers (issue 11): month names, number formatting and statistics
(ranks, quantiles, medians) exist in one place only, and so does the atomic writer.

The scan walks the syntax tree of every module, so comments and docstrings do not count, but
an f-string format spec, a d3 format string, a month-name literal or a ``.rank()`` call do.
"""

from __future__ import annotations

import ast
import functools
import re
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "helpers"

MONATSNAMEN = {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
               "November", "Dezember", "Jan", "Jan.", "Feb", "Feb.", "Mrz", "Mär", "Apr", "Apr.", "Jun", "Jul",
               "Aug", "Aug.", "Sep", "Sep.", "Sept.", "Okt", "Okt.", "Nov", "Nov.", "Dez", "Dez."}
STATISTIK = {"rank", "quantile", "median", "percentile", "nanmedian", "nanquantile", "nanpercentile"}
ZAHLFORMAT = re.compile(r"[,+]?\.\d*[f%eg]|,d|,")          # f-string specs and d3 formats of numbers
D3_ZAHL = re.compile(r"^[,+]?\.\d+[f%]$|^,d$")
PROZENT_FORMAT = re.compile(r"%[-+ 0#]*\d*\.\d*[fg]")     # "%.2f" % x
ATOMAR = {"replace", "rename"}                           # os.replace / Path.rename outside dateien

# where each kind of code may live (module path relative to src/helpers)
ORT = {"monatsname": {"fmt.py"}, "zahlformat": {"fmt.py"}, "statistik": {"statistik.py"},
       "atomar": {"dateien.py", "mart.py", "downloads.py", "publish/site.py", "publish/delivery.py",
                  "publish/monthly.py", "publish/store.py", "publish/statik.py"}}
# Beside dateien.py only folder moves: mart.py swaps the mart folder, downloads.py a finished
# cache folder, publish/ moves a copied delivery, a built edition, an archived edition and
# switches symlinks; publish/statik.py moves an edition's _static into the shared folder.


def _funde(quelle: str) -> dict[str, list[int]]:
    """Lines of each kind of code in one module's source."""
    out = defaultdict(list)
    for n in ast.walk(ast.parse(quelle)):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            if n.value in MONATSNAMEN:
                out["monatsname"].append(n.lineno)
            if D3_ZAHL.match(n.value):
                out["zahlformat"].append(n.lineno)
        elif isinstance(n, ast.FormattedValue) and n.format_spec is not None:
            spec = "".join(v.value for v in n.format_spec.values if isinstance(v, ast.Constant))
            if ZAHLFORMAT.search(spec) or n.format_spec.values and not spec.strip("0123456789d"):
                if not re.fullmatch(r"0\d+d", spec):          # zero-padded ids and months ("{m:02d}")
                    out["zahlformat"].append(n.lineno)
        elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mod) and isinstance(n.left, ast.Constant) \
                and isinstance(n.left.value, str) and PROZENT_FORMAT.search(n.left.value):
            out["zahlformat"].append(n.lineno)
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "format":
            out["zahlformat"].append(n.lineno)
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            owner = n.func.value.id if isinstance(n.func.value, ast.Name) else None
            if n.func.attr in STATISTIK and owner != "statistik":
                out["statistik"].append(n.lineno)
            if n.func.attr in ATOMAR and owner == "os":
                out["atomar"].append(n.lineno)
            if n.func.attr == "mkstemp":
                out["atomar"].append(n.lineno)
    return out


@functools.lru_cache(maxsize=1)
def _scan() -> dict[str, dict[str, list[int]]]:
    found: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for f in sorted(SRC.rglob("*.py")):
        rel = f.relative_to(SRC).as_posix()
        for art, zeilen in _funde(f.read_text(encoding="utf-8")).items():
            found[art][rel] = zeilen
    return found


@pytest.mark.parametrize("art", sorted(ORT))
def test_only_in_its_module(art):
    fremd = {rel: z for rel, z in _scan().get(art, {}).items() if rel not in ORT[art]}
    assert not fremd, f"{art} außerhalb von {sorted(ORT[art])}: " + "; ".join(
        f"{rel} Zeile {', '.join(map(str, z))}" for rel, z in sorted(fremd.items()))


def test_each_kind_is_defined_where_expected():
    """The scan sees the one place of each kind (so an empty result means something)."""
    s = _scan()
    assert "fmt.py" in s["monatsname"] and "fmt.py" in s["zahlformat"]
    assert "statistik.py" in s["statistik"] and "dateien.py" in s["atomar"]


@pytest.mark.parametrize("code, art", [
    ('MONATE = ("Januar", "Februar")', "monatsname"),
    ('x = f"{wert:.1f} %"', "zahlformat"),
    ('x = f"{n:,}"', "zahlformat"),
    ('alt.Tooltip("v:Q", format=",.1f")', "zahlformat"),
    ('t = "%.2f" % x', "zahlformat"),
    ('r = s.rank(method="min")', "statistik"),
    ('q = np.quantile(v, 0.25)', "statistik"),
    ('m = g["v"].median()', "statistik"),
    ('os.replace(tmp, path)', "atomar"),
    ('fd, tmp = tempfile.mkstemp()', "atomar"),
])
def test_scan_finds_each_kind(code, art):
    assert set(_funde(code)[art]) == {1}


@pytest.mark.parametrize("code", ['x = f"{monat:02d}"', 'x = statistik.median(v)', 'x = f"{name}: {wert}"',
                                  'x = "im Dezember"'])
def test_scan_leaves_other_code_alone(code):
    assert not any(_funde(code).values())


# --------------------------------------------------------------------------- figure metadata


def test_hilfe_overview_table_comes_from_the_figure_metadata():
    """The Hilfe overview holds only a placeholder; the build fills it from KENNZAHLEN (one row per
    figure with name, short name, Ziel, unit, reading and Hilfe anchor)."""
    from types import SimpleNamespace

    from helpers import buchwerte, paths
    from helpers.kennzahlen import KENNZAHLEN

    quelle = (paths.ROOT / "book" / "hilfe" / "index.md").read_text(encoding="utf-8")
    assert quelle.count(buchwerte.TABELLE) == 1
    assert not [k.code for k in KENNZAHLEN.values() if k.name in quelle], "Name einer Kennzahl doppelt geschrieben"
    source = [quelle]
    buchwerte._replace(SimpleNamespace(config=SimpleNamespace(handbuch_werte={})), buchwerte.HILFE, source)
    zeilen = [z for z in source[0].splitlines() if z.startswith("| {ref}`")]
    assert len(zeilen) == len(KENNZAHLEN)
    for z, k in zip(zeilen, KENNZAHLEN.values()):
        zellen = [c.strip() for c in z.strip("|").split("|")]
        assert zellen[0] == f"{{ref}}`{k.code} <{k.anker}>`"
        assert [c.replace("\\", "") for c in zellen[1:]] == [k.name, k.kurz, str(k.ziel), k.einheit, k.lesart]
    # reading rules: only K1-K3 carry a direction in the table
    assert sum("ist besser" in z for z in zeilen) == 3


def test_hilfe_sections_take_the_figure_names_from_the_metadata():
    """Each figure's Hilfe section (ziel1-3) has its anchor and a heading placeholder, filled
    from KENNZAHLEN at build time; no figure name is written in those files' headings."""
    from types import SimpleNamespace

    from helpers import buchwerte, paths
    from helpers.kennzahlen import KENNZAHLEN

    app = SimpleNamespace(config=SimpleNamespace(handbuch_werte={}))
    gefunden = {}
    for doc in buchwerte.ZIELE:
        quelle = (paths.ROOT / f"{doc}.md").read_text(encoding="utf-8")
        source = [quelle]
        buchwerte._replace(app, doc, source)
        assert "{{" not in source[0]
        for k in KENNZAHLEN.values():
            if f"({k.anker})=\n## {{{{ kennzahl_titel {k.code} }}}}\n" in quelle:
                gefunden[k.code] = doc
                assert f"({k.anker})=\n## {k.code} – {k.name}\n" in source[0].replace("\\", "")
        assert not re.search(r"^## K\d", quelle, flags=re.M), f"{doc}: Überschrift mit festem Namen"
    assert {c: int(d[-1]) for c, d in gefunden.items()} == {c: k.ziel for c, k in KENNZAHLEN.items()}


def _definitionstabellen(pfad: Path, codes: set[str]) -> list[str]:
    """Columns or mappings of a data file that list the figures one per row or key (a catalogue)."""
    import csv
    import json

    import yaml

    text = pfad.read_text(encoding="utf-8", errors="replace")
    funde = []
    if pfad.suffix in (".csv", ".tsv"):
        zeilen = list(csv.reader(text.splitlines(), delimiter=";" if text.count(";") > text.count(",") else ","))
        for j, spalte in enumerate(zip(*zeilen[1:]) if len(zeilen) > 1 else []):
            werte = [w.strip() for w in spalte]
            if len(set(werte) & codes) >= 10 and len(werte) == len(set(werte)):
                funde.append(f"{pfad.name}: Spalte {zeilen[0][j]!r}")
    elif pfad.suffix in (".yml", ".yaml", ".json"):
        daten = json.loads(text) if pfad.suffix == ".json" else yaml.safe_load(text)

        def walk(x, wo):
            if isinstance(x, dict):
                if len(set(map(str, x)) & codes) >= 10:
                    funde.append(f"{pfad.name}: {wo or 'oberste Ebene'}")
                for k, v in x.items():
                    walk(v, f"{wo}.{k}" if wo else str(k))
            elif isinstance(x, list):
                for i, v in enumerate(x):
                    walk(v, f"{wo}[{i}]")
        walk(daten, "")
    return funde


def test_figure_definitions_exist_once(tmp_path):
    """The catalogue in kennzahlen.py is the one source of the figure definitions: no data file of
    the repository (reference data, parameters, book, templates) lists the 15 figures again as a
    table (one row or key per figure, as the former data/reference/kennzahlen_definitionen.csv did)."""
    import subprocess

    from helpers import paths
    from helpers.kennzahlen import KENNZAHLEN

    dateien = subprocess.run(["git", "ls-files"], cwd=paths.ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    daten = [paths.ROOT / d for d in dateien if Path(d).suffix in (".csv", ".tsv", ".yml", ".yaml", ".json")
             and not d.startswith(("book/_build/", "node_modules/")) and d != "package-lock.json"]
    assert any(p.name == "jobcenter_list.csv" for p in daten)      # the scan sees the reference data
    funde = [f for p in daten if p.is_file() for f in _definitionstabellen(p, set(KENNZAHLEN))]
    assert not funde, "zweite Quelle der Kennzahl-Definitionen: " + "; ".join(funde)
    # the scan does find such a table (the deleted CSV's shape: code, ziel, name, ...)
    probe = tmp_path / "kennzahlen_definitionen.csv"
    probe.write_text("code,ziel,name\n" + "".join(f"{k.code},{k.ziel},\"{k.name}\"\n" for k in KENNZAHLEN.values()),
                     encoding="utf-8")
    assert _definitionstabellen(probe, set(KENNZAHLEN)) == ["kennzahlen_definitionen.csv: Spalte 'code'"]
