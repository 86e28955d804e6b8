"""The page templates run with their default parameters (nbval) and a Jobcenter page stays small."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import paths

TEMPLATES = ["jobcenter", "vergleichstyp", "land", "bund", "ring"]

pytestmark = pytest.mark.skipif(not (paths.MART_DIR / "meta.json").exists(),
                                reason="Datenbestand fehlt; zuerst `make mart` ausführen")


@pytest.mark.slow
@pytest.mark.parametrize("name", TEMPLATES)
def test_template_runs_with_defaults(name):
    nb = paths.NOTEBOOKS / f"{name}.ipynb"
    r = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", str(nb)],
                       cwd=paths.ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_templates_have_one_parameters_cell_and_title():
    import nbformat

    for name in TEMPLATES:
        nb = nbformat.read(paths.NOTEBOOKS / f"{name}.ipynb", as_version=4)
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and tagged[0].cell_type == "code"
        assert "mart_dir = None" in tagged[0].source and "monat = None" in tagged[0].source
        assert not any("ipywidgets" in c.source for c in nb.cells)


@pytest.mark.slow
def test_jobcenter_page_output_size(tmp_path):
    import papermill as pm

    out = tmp_path / "05315.ipynb"
    pm.execute_notebook(str(paths.NOTEBOOKS / "jobcenter.ipynb"), str(out), parameters={"jobcenter_id": 5315},
                        cwd=str(paths.ROOT), progress_bar=False, log_output=False)
    nb = json.loads(out.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    size = len(json.dumps(outputs, ensure_ascii=False).encode("utf-8"))
    assert size <= 250_000, f"Ausgaben {size} Bytes"
    text = json.dumps(outputs, ensure_ascii=False)
    assert "Jobcenter Köln" in text or "05315" in text     # the int parameter became "05315"
    assert sum("application/vnd.vegalite.v6+json" in o.get("data", {}) for o in outputs) >= 4
