"""The import graph of helpers (including imports inside functions) has no circle."""

import ast
import graphlib
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def _name(f: Path) -> str:
    parts = list(f.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULE = {_name(f) for f in (SRC / "helpers").rglob("*.py")}


def _graph() -> dict[str, set[str]]:
    g: dict[str, set[str]] = defaultdict(set)
    for f in (SRC / "helpers").rglob("*.py"):
        mod = _name(f)
        g[mod]
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
                # "from helpers import fmt" names a module, "from helpers.publish import footer_html"
                # a name of the package helpers.publish (its __init__)
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULE else node.module
                           for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("helpers")]
            else:
                continue
            for t in targets:
                if t != mod:
                    g[mod].add(t)
    return g


def test_no_import_circle():
    try:
        graphlib.TopologicalSorter(_graph()).prepare()
    except graphlib.CycleError as exc:
        raise AssertionError(f"Importkreis: {' -> '.join(exc.args[1])}") from None


def test_circle_is_found():
    """The check sees a circle through an import inside a function (as formats -> io once was)."""
    g = _graph()
    g["helpers.eingabefehler"].add("helpers.io")
    with pytest.raises(graphlib.CycleError):
        graphlib.TopologicalSorter(g).prepare()


def test_graph_sees_the_modules():
    g = _graph()
    assert "helpers.io" in g["helpers.compute"] and "helpers.compute" not in g["helpers.io"]
    assert "helpers.eingabefehler" in g["helpers.formats"] and "helpers.io" not in g["helpers.formats"]
    assert "helpers.compute" in g["helpers.steuerung"] and "helpers.steuerung" not in g["helpers.compute"]
    assert "helpers.book" in g["helpers.publish.monthly"]
    assert "helpers.publish.provenance" in g["helpers.book"] and "helpers.publish" not in g["helpers.book"]


def test_cli_imports_only_the_command_module():
    import subprocess
    import sys

    code = ("import sys; from helpers import cli; cli.build_parser('demo'); "
            "print(sorted(m for m in ('helpers.book', 'helpers.pages', 'helpers.mart', 'helpers.demo') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['helpers.demo']"


def test_compute_command_loads_no_heavy_unused_library(tmp_path):
    """`compute` (issue #10: ≤ 3 s) runs without hypothesis (pandera loads it only for data
    synthesis), the chart, page and spreadsheet libraries; pandera still validates afterwards
    and hypothesis stays importable in the same process."""
    import subprocess
    import sys

    from helpers.demo import write

    write(tmp_path, seed=7, bis="2026-08", monate=48)
    jc, gd = tmp_path / "jobcenter.csv", tmp_path / "grunddaten.csv"
    code = ("import runpy, sys\n"
            f"sys.argv = ['helpers', 'compute', '--jobcenter', {str(jc)!r}, '--grunddaten', {str(gd)!r}, "
            f"'--out', {str(tmp_path / 'k.csv')!r}]\n"
            "from helpers import cli\n"
            "rc = cli.main(sys.argv[1:])\n"
            "heavy = ('hypothesis', 'altair', 'openpyxl', 'jinja2', 'matplotlib', 'python_calamine', 'helpers.pages')\n"
            "print(rc, sorted(m for m in heavy if m in sys.modules))\n"
            "import hypothesis\n"
            "print(hypothesis.__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[-3:-1] == ["0 []", "hypothesis"]
    assert (tmp_path / "k.csv").stat().st_size > 0


def test_pandera_validates_with_hypothesis_hidden(tmp_path):
    """The hidden hypothesis does not switch validation off: a bad cell is still found."""
    import subprocess
    import sys

    (tmp_path / "jc.csv").write_text("jobcenter_id,name,land,traegerart,vergleichstyp\n"
                                     "0531X,Bonn,NW,gE,Ia\n", encoding="utf-8")
    code = ("import sys\nfrom helpers import io\n"
            "assert 'hypothesis' not in sys.modules\n"
            f"try:\n    io.load_jobcenter({str(tmp_path / 'jc.csv')!r})\nexcept io.InputError as e:\n"
            "    print(e.render())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "0531X" in out and "Zeile 2" in out
