"""The page runner (python -m helpers run) on toy templates in a temporary project.

Kernels are real (ipykernel); a few runs start one or two of them, so the module takes
some seconds, not minutes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # runs notebook kernels or the whole demo set (make test)

from helpers.cli import main
from helpers.pipeline import cache
from helpers.pipeline.cache import source_digest as real_source_digest
from helpers.pipeline.config import ConfigError, entities_from_mart, load_plan, parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "pipeline"
JOBCENTER = [
    # id, name, land, traegerart, vergleichstyp
    ("01001", "Jobcenter Flensburg", "01", "gE", "IIa"),
    ("05315", "Jobcenter Köln", "05", "gE", "IIIb"),
    ("13071-1", "Jobcenter Mecklenburgische Seenplatte-Nord", "13", "zkT", "IIa"),
]

PAGES_YML = """\
warmup:
  imports: [json]
  load_mart: false
sets:
  jobcenter:
    template: notebooks/seite.ipynb
    output: book/seiten/jobcenter/{id}.ipynb
    title: "Jobcenter {kurzname}"
    entities: jobcenter
    parameters:
      jobcenter_id: "{id}"
      monat: null
      geschlecht: insgesamt
"""


def write_mart(mart: Path, jobcenter=JOBCENTER, wert: float = 1.0) -> None:
    mart.mkdir(parents=True, exist_ok=True)
    jc = pd.DataFrame(JOBCENTER if jobcenter is None else jobcenter,
                      columns=["jobcenter_id", "name", "land", "traegerart", "vergleichstyp"])
    jc["land_name"] = jc["land"].map({"01": "Schleswig-Holstein", "05": "Nordrhein-Westfalen",
                                      "13": "Mecklenburg-Vorpommern"})
    jc.to_parquet(mart / "jobcenter.parquet", index=False)
    erg = pd.DataFrame({"ebene": "jobcenter", "id": jc["jobcenter_id"], "monat": "2024-06",
                        "geschlecht": "insgesamt", "kennzahl": "K1", "wert": wert, "grund": ""})
    erg.to_parquet(mart / "ergebnisse.parquet", index=False)
    (mart / "meta.json").write_text(json.dumps({"datenstand": "2024-06", "erster_monat": "2023-01",
                                                "demo": True}), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    # Other work in this tree may edit src/helpers while the tests run; pin the source digest
    # for the runs here (its effect on the key is tested on a package of its own below).
    monkeypatch.setattr(cache, "source_digest", lambda pkg: "0" * 64)
    root = tmp_path / "projekt"
    (root / "notebooks").mkdir(parents=True)
    for nb in FIXTURES.glob("*.ipynb"):
        shutil.copy(nb, root / "notebooks" / nb.name)
    (root / "parameters" / "eigene").mkdir(parents=True)
    (root / "parameters" / "pages.yml").write_text(PAGES_YML, encoding="utf-8")
    write_mart(root / "data" / "processed")
    return root


def run(root: Path, *extra: str) -> int:
    return main(["run", "--root", str(root), "--jobs", "1", *extra])


def page_stdout(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    texts = [o["text"] for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
             if o.get("output_type") == "stream" and o.get("name") == "stdout"]
    return json.loads(texts[-1].strip().splitlines()[-1])


def manifest(root: Path) -> dict:
    return json.loads((root / cache.MANIFEST).read_text(encoding="utf-8"))["pages"]


# --------------------------------------------------------------------------- cache keys


def _keys(root: Path, mart: Path, pkg: Path) -> dict[str, str]:
    plan = load_plan(root, entities_from_mart(mart), mart_param="data/processed")
    src, data = real_source_digest(pkg), cache.data_digest(mart)
    return {p.output: cache.page_key(template_sha=cache.file_sha256(root / p.template), source_sha=src,
                                     data_sha=data, parameters=p.parameters, title=p.title, output=p.output)
            for p in plan.pages}


def test_cache_keys_change_with_inputs_and_only_then(project: Path, tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "b.py").write_text("y = 2\n")
    (pkg / "notes.txt").write_text("kein Python\n")
    mart = project / "data" / "processed"
    base = _keys(project, mart, pkg)
    assert len(base) == 3 and len(set(base.values())) == 3

    # nothing changed, files touched (mtime) or rewritten with the same content: same keys
    for f in mart.iterdir():
        f.write_bytes(f.read_bytes())
    (pkg / "notes.txt").write_text("anderer Text, kein Python\n")
    assert _keys(project, mart, pkg) == base

    # data content changed -> every key changes
    write_mart(mart, wert=2.0)
    changed = _keys(project, mart, pkg)
    assert all(changed[k] != base[k] for k in base)
    write_mart(mart, wert=1.0)
    assert _keys(project, mart, pkg) == base

    # helpers source changed -> every key changes
    (pkg / "sub" / "b.py").write_text("y = 3\n")
    assert all(_keys(project, mart, pkg)[k] != base[k] for k in base)
    (pkg / "sub" / "b.py").write_text("y = 2\n")

    # template changed -> the pages of that template change
    tpl = project / "notebooks" / "seite.ipynb"
    nb = nbformat.read(tpl, as_version=4)
    nb.cells[-1].source += "\n# geändert"
    nbformat.write(nb, tpl)
    assert all(_keys(project, mart, pkg)[k] != base[k] for k in base)


def test_parameter_change_changes_only_that_page(project: Path, tmp_path: Path) -> None:
    (project / "parameters" / "eigene" / "koeln.yml").write_text(
        "sets:\n  koeln:\n    template: notebooks/seite.ipynb\n    output: book/seiten/eigene/{id}.ipynb\n"
        "    title: 'Köln {kurzname}'\n    entities: jobcenter\n    ids: [05315]\n"
        "    parameters: {jobcenter_id: '{id}', geschlecht: frauen}\n", encoding="utf-8")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text("x = 1\n")
    mart = project / "data" / "processed"
    base = _keys(project, mart, pkg)
    text = (project / "parameters" / "eigene" / "koeln.yml").read_text(encoding="utf-8")
    (project / "parameters" / "eigene" / "koeln.yml").write_text(text.replace("frauen", "maenner"),
                                                                  encoding="utf-8")
    after = _keys(project, mart, pkg)
    differ = [k for k in base if base[k] != after[k]]
    assert differ == ["book/seiten/eigene/05315.ipynb"]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("content, key", [
    ("sets:\n  jc:\n    template: notebooks/seite.ipynb\n    output: book/seiten/jc/{id}.ipynb\n"
     "    title: x\n    entities: kreis\n", "sets.jc.entities"),
    ("sets:\n  jc:\n    template: notebooks/seite.ipynb\n    output: book/seiten/jc/{id}.ipynb\n"
     "    entities: jobcenter\n", "sets.jc.title"),
    ("sets:\n  jc:\n    template: notebooks/seite.ipynb\n    output: book/seiten/jc/{id}.ipynb\n"
     "    title: x\n    entities: jobcenter\n    farbe: rot\n", "sets.jc.farbe"),
    ("vergleichsringe:\n  - name: Nord\n    jobcenter_ids: ['01001']\n", "vergleichsringe[0].jobcenter_ids"),
    ("vergleichsringe:\n  - name: Nord\n    jobcenter_ids: ['01001', '99999']\n"
     "    template: notebooks/seite.ipynb\n", "vergleichsringe[0].jobcenter_ids[1]"),
    ("sets:\n  jc:\n    template: notebooks/seite.ipynb\n    output: book/seiten/jc/{id}.ipynb\n"
     "    title: x\n    entities: jobcenter\n    parameters: {jobcenter_id: '{id}', farbe: rot}\n",
     "sets.jc.parameters.farbe"),
    ("sets:\n  jc:\n    template: notebooks/seite.ipynb\n    output: book/seiten/jc/{id}.ipynb\n"
     "    title: x\n    entities: jobcenter\n    parameters: {jobcenter_id: '{id}', monat: 2031-01}\n",
     "sets.jc.parameters.monat"),
])
def test_bad_parameter_file_exits_2_naming_file_and_key(project: Path, capsys, content: str, key: str) -> None:
    (project / "parameters" / "eigene" / "kaputt.yml").write_text(content, encoding="utf-8")
    assert run(project) == 2
    err = capsys.readouterr().err
    assert "parameters/eigene/kaputt.yml" in err
    assert f"'{key}'" in err
    assert "Abbruch" in err
    assert not (project / "book" / "seiten" / "jobcenter").exists()


def test_yaml_syntax_error_names_file_and_line(project: Path, capsys) -> None:
    (project / "parameters" / "eigene" / "kaputt.yml").write_text("sets:\n  a: [1,\n", encoding="utf-8")
    assert run(project) == 2
    err = capsys.readouterr().err
    assert "parameters/eigene/kaputt.yml" in err and "Zeile" in err


def test_unquoted_ids_keep_leading_zeros(tmp_path: Path) -> None:
    f = tmp_path / "x.yml"
    f.write_text("vergleichsringe:\n  - name: Nord\n    jobcenter_ids: [01001, 05315, 01009]\n"
                 "    parameters: {monat: 2024-01}\n", encoding="utf-8")
    spec = parse_file(f, "x.yml")
    assert spec.vergleichsringe[0].jobcenter_ids == ["01001", "05315", "01009"]
    assert spec.vergleichsringe[0].parameters == {"monat": "2024-01"}


def test_entities_are_derived_from_the_mart(project: Path) -> None:
    ent = entities_from_mart(project / "data" / "processed")
    assert list(ent.get("jobcenter")) == ["01001", "05315", "13071-1"]
    assert list(ent.get("vergleichstyp")) == ["IIa", "IIIb"]
    assert list(ent.get("land")) == ["01", "05", "13"]
    assert ent.get("land")["05"]["name"] == "Nordrhein-Westfalen"
    assert list(ent.get("bund")) == ["DE"]
    with pytest.raises(ConfigError, match="make mart"):
        entities_from_mart(project / "fehlt")


# --------------------------------------------------------------------------- running


def test_run_ids_titles_tags_cache_only_and_stale(project: Path, capsys) -> None:
    assert run(project) == 0
    out = capsys.readouterr().out
    assert "3 ausgeführt" in out and "0 fehlgeschlagen" in out
    pages = project / "book" / "seiten" / "jobcenter"
    p = pages / "01001.ipynb"
    # ids with leading zeros arrive as strings
    got = page_stdout(p)
    assert got["jobcenter_id"] == "01001" and got["typ"] == "str"
    assert page_stdout(pages / "13071-1.ipynb")["jobcenter_id"] == "13071-1"
    assert got["mart_dir"] == "data/processed" and got["monat"] is None
    # title heading replaces the template's, parameter cells are removed from the book
    nb = nbformat.read(p, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.splitlines()[0] == "# Jobcenter Flensburg"
    tagged = {c.id: c.metadata.get("tags", []) for c in nb.cells}
    assert "remove-cell" in tagged["injected-parameters"]
    assert all("remove-cell" in t for t in tagged.values() if "parameters" in t)
    assert "start_time" not in nb.metadata.papermill and "duration" not in nb.metadata.papermill
    assert nb.metadata.papermill["input_path"] == "notebooks/seite.ipynb"
    log = (project / "logs" / "pages" / "jobcenter" / "01001.log").read_text(encoding="utf-8")
    assert "Ergebnis: OK" in log and "Ausführen:" in log
    first = {f.name: f.read_bytes() for f in pages.glob("*.ipynb")}

    # second run: nothing changed -> nothing executed
    assert run(project) == 0
    out = capsys.readouterr().out
    assert "0 ausgeführt" in out and "3 unverändert" in out

    # --only with --force reruns exactly that page; output is byte-identical
    mtimes = {f.name: f.stat().st_mtime_ns for f in pages.glob("*.ipynb")}
    assert run(project, "--only", "jobcenter=05315", "--force") == 0
    out = capsys.readouterr().out
    assert "1 von 3 ausgewählt – 1 ausgeführt" in out
    assert {f.name: f.stat().st_mtime_ns for f in pages.glob("*.ipynb") if f.name != "05315.ipynb"} == \
        {k: v for k, v in mtimes.items() if k != "05315.ipynb"}
    assert {f.name: f.read_bytes() for f in pages.glob("*.ipynb")} == first

    # data change + --only: only that page runs, the others stay to be done
    write_mart(project / "data" / "processed", wert=3.0)
    assert run(project, "--only", "jobcenter=01001") == 0
    assert "1 ausgeführt" in capsys.readouterr().out
    assert run(project) == 0
    assert "2 ausgeführt, 1 unverändert" in capsys.readouterr().out

    # unknown --only
    assert run(project, "--only", "jobcenter=77777") == 2
    assert "77777" in capsys.readouterr().err

    # an entity disappears from the data -> its page and log are removed
    write_mart(project / "data" / "processed", jobcenter=JOBCENTER[:2], wert=3.0)
    assert run(project) == 0
    assert "Entfernt: 1 veraltete Seite" in capsys.readouterr().out
    assert not (pages / "13071-1.ipynb").exists()
    assert "book/seiten/jobcenter/13071-1.ipynb" not in manifest(project)
    assert not (project / "logs" / "pages" / "jobcenter" / "13071-1.log").exists()


def test_failing_page_is_reported_and_others_finish(project: Path, capsys) -> None:
    (project / "parameters" / "eigene" / "fehler.yml").write_text(
        "sets:\n  fehler:\n    template: notebooks/seite.ipynb\n    output: book/seiten/fehler/{id}.ipynb\n"
        "    title: 'Fehler {id}'\n    entities: jobcenter\n    ids: ['05315']\n"
        "    parameters: {jobcenter_id: '{id}', fehler: true}\n", encoding="utf-8")
    assert main(["run", "--root", str(project), "--jobs", "2"]) == 1
    err = capsys.readouterr().err
    assert "1 fehlgeschlagen" in err and "3 ausgeführt" in err
    assert "fehler=05315" in err and "logs/pages/fehler/05315.log" in err
    log = (project / "logs" / "pages" / "fehler" / "05315.log").read_text(encoding="utf-8")
    assert "absichtlicher Fehler in der Seite 05315" in log and "FEHLGESCHLAGEN" in log
    assert (project / "logs" / "pages" / "fehler" / "05315.ipynb").exists()
    assert not (project / "book" / "seiten" / "fehler" / "05315.ipynb").exists()
    assert len(list((project / "book" / "seiten" / "jobcenter").glob("*.ipynb"))) == 3
    assert "book/seiten/fehler/05315.ipynb" not in manifest(project)
    # the failed page is retried on the next run, the good ones are not
    assert main(["run", "--root", str(project), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "0 ausgeführt, 3 unverändert" in err, err


def _sets(*names_templates: tuple[str, str]) -> str:
    lines = ["warmup:\n  imports: [pandas]\n  load_mart: false\nsets:\n"]
    for name, tpl in names_templates:
        lines.append(f"  {name}:\n    template: notebooks/{tpl}.ipynb\n    output: book/seiten/{name}/{{id}}.ipynb\n"
                     f"    title: '{name}'\n    entities: bund\n    parameters: {{land: '{{id}}'}}\n")
    return "".join(lines)


def test_no_state_leaks_and_failures_do_not_poison_the_warm_kernel(project: Path, capsys) -> None:
    (project / "parameters" / "pages.yml").write_text(_sets(
        ("a", "zustand_setzen"), ("b", "zustand_pruefen"),
        ("c", "abbruch"), ("d", "zustand_pruefen"),
        ("e", "kernel_tod"), ("f", "zustand_pruefen"),
    ), encoding="utf-8")
    assert run(project) == 1    # one worker: a..f run in this order in one process
    err = capsys.readouterr().err
    assert "2 fehlgeschlagen" in err and "c=DE" in err and "e=DE" in err
    seiten = project / "book" / "seiten"
    a = page_stdout(seiten / "a" / "DE.ipynb")
    b = page_stdout(seiten / "b" / "DE.ipynb")
    d = page_stdout(seiten / "d" / "DE.ipynb")
    f = page_stdout(seiten / "f" / "DE.ipynb")
    # a and b (and d, after the failing page c) ran in the same warm kernel ...
    assert a["kernel_pid"] == b["kernel_pid"] == d["kernel_pid"]
    # ... and nothing of a (or c) is visible to b or d
    for befund in (b, d, f):
        leaks = {k: v for k, v in befund.items() if k not in ("kernel_pid", "ausfuehrungszaehler") and v}
        assert leaks == {}, leaks
    # execution counts restart for every page, as in a fresh kernel
    assert b["ausfuehrungszaehler"] == d["ausfuehrungszaehler"] == f["ausfuehrungszaehler"]
    for name in "bdf":
        nb = nbformat.read(seiten / name / "DE.ipynb", as_version=4)
        assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3]
    # the kernel that died in e was replaced for f
    assert f["kernel_pid"] != a["kernel_pid"]
    assert "Seite bricht absichtlich ab" in (project / "logs/pages/c/DE.log").read_text(encoding="utf-8")
    assert "DeadKernelError" in (project / "logs/pages/e/DE.log").read_text(encoding="utf-8")


def test_vergleichsring_page(project: Path, capsys) -> None:
    tpl = project / "notebooks" / "seite.ipynb"
    nb = nbformat.read(tpl, as_version=4)
    nb.cells[1].source += "\nvergleichsring = None"
    nb.cells[2].source += "\nprint(json.dumps(vergleichsring))"
    nbformat.write(nb, tpl)
    (project / "parameters" / "eigene" / "ring.yml").write_text(
        "vergleichsringe:\n  - name: Küste Nord\n    jobcenter_ids: [01001, 13071-1]\n"
        "    template: notebooks/seite.ipynb\n", encoding="utf-8")
    assert run(project, "--only", "ring=kueste-nord") == 0
    page = project / "book" / "seiten" / "ring" / "kueste-nord.ipynb"
    assert page_stdout(page) == {"name": "Küste Nord", "jobcenter_ids": ["01001", "13071-1"]}
    assert nbformat.read(page, as_version=4).cells[0].source.startswith("# Vergleichsring Küste Nord")


def test_single_page_file_as_written_by_the_explorer(project: Path, capsys) -> None:
    # the explorer writes one page per file: set, template, id, titel, parameters
    (project / "parameters" / "eigene" / "jobcenter-05315-2024-03-frauen.yml").write_text(
        "# Erzeugt vom Explorer\nset: jobcenter\ntemplate: notebooks/seite.ipynb\n"
        "id: jobcenter-05315-2024-03-frauen\ntitel: Jobcenter Köln (05315), 2024-03, Frauen\n"
        "parameters:\n  jobcenter_id: '05315'\n  monat: 2024-03\n  geschlecht: frauen\n", encoding="utf-8")
    assert run(project, "--only", "jobcenter=jobcenter-05315-2024-03-frauen") == 0
    page = project / "book" / "seiten" / "eigene" / "jobcenter-05315-2024-03-frauen.ipynb"
    got = page_stdout(page)
    assert (got["jobcenter_id"], got["monat"], got["geschlecht"]) == ("05315", "2024-03", "frauen")
    assert nbformat.read(page, as_version=4).cells[0].source.startswith("# Jobcenter Köln (05315), 2024-03, Frauen")
    # a member that is not in the data is named with file and key
    (project / "parameters" / "eigene" / "jobcenter-05315-2024-03-frauen.yml").write_text(
        "set: jobcenter\ntemplate: notebooks/seite.ipynb\nid: x\ntitel: X\n"
        "parameters: {jobcenter_id: '5315'}\n", encoding="utf-8")
    assert run(project) == 2
    err = capsys.readouterr().err
    assert "jobcenter-05315-2024-03-frauen.yml: Schlüssel 'parameters'" in err and "'5315'" in err
