"""Hostile and careless deliveries (issue 9): data is text, never code; no file outside the project.

Fast tests check each defence on its own; one slow test builds a scratch book from a delivery
whose names carry a Jinja payload, HTML/JS and a MyST raw fence.
"""

from __future__ import annotations

import html as _h
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from markdown_it import MarkdownIt

from helpers import book, paths
from helpers.buchwerte import _replace
from helpers.mdsafe import md_text
from helpers.pipeline import config
from helpers.pipeline.config import ConfigError

from cli_lauf import helpers_cli
from kennzahlen_factory import grunddaten_table, jobcenter_table, write

ROOT = paths.ROOT
PWNED = "/tmp/handbuch-pwned-{}"
XSS = "<img src=x onerror=alert(2)>"
RAW = "```{raw} html\n<script>alert(3)</script>\n```"


def _jinja(marker: Path) -> str:
    return "Jobcenter {{ cycler.__init__.__globals__.os.system(\"touch " + str(marker) + "\") }}"


# ------------------------------------------------------------------------ Markdown escaping

@pytest.mark.parametrize("payload", [XSS, RAW, "{{ 7*7 }}", "a | b [x](javascript:alert(1)) *y* `z`",
                                     "{raw}`<b>x</b>`", "&lt;b&gt;", "$x$", "line\nbreak\x00"])
def test_md_text_is_literal_in_commonmark(payload):
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    out = md.render(f"| a |\n|---|\n| {md_text(payload)} |\n\n# {md_text(payload)}\n")
    assert "<img" not in out and "<script" not in out and "<em>" not in out and "<code>" not in out
    assert "<a " not in out and "<b>" not in out
    assert out.count("<td>") == 1                      # the cell did not split
    visible = payload.replace("\n", " ").replace("\x00", " ").strip()
    assert visible in _h.unescape(re.sub(r"<[^>]+>", "", out))


def test_generated_pages_carry_hostile_names_as_text(tmp_path, fake_mart):
    marker = tmp_path / "pwned"
    rows = [
        dict(jobcenter_id="01001", name=XSS, land="01", traegerart="gE", vergleichstyp="Ia",
             kreis_ags="01001", ort=RAW),
        dict(jobcenter_id="01002", name=_jinja(marker), land="01", traegerart="gE", vergleichstyp="Ia",
             kreis_ags="01002", ort="Kiel"),
    ]
    mart = fake_mart(rows=rows)
    root = tmp_path / "projekt"
    (root / "book").mkdir(parents=True)
    (root / "book" / "intro.md").write_text("# Start\n", encoding="utf-8")
    book.write_toc(book.read_jobcenter(mart), book.read_meta(mart), root)
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    for name in ("jobcenter-a-z", "jobcenter-nach-land", "vergleichstypen"):
        html = md.render((root / "book" / "generated" / f"{name}.md").read_text(encoding="utf-8"))
        assert "<img" not in html and "<script" not in html, name
    az = md.render((root / "book" / "generated" / "jobcenter-a-z.md").read_text(encoding="utf-8"))
    assert "&lt;img src=x onerror=alert(2)&gt;" in az
    assert "{{ cycler.__init__" in az
    assert not marker.exists()


# ------------------------------------------------------------------------ no Jinja on data

def test_substitutions_are_off_and_refused(tmp_path):
    cfg = book.load_config(ROOT / "_config.yml")
    assert "substitution" not in cfg["parse"]["myst_enable_extensions"]
    cfg["parse"]["myst_enable_extensions"].append("substitution")
    with pytest.raises(book.BuchFehler, match="substitution ist nicht erlaubt"):
        book.validate_config(cfg)


def test_start_page_values_are_filled_as_text_not_evaluated(tmp_path):
    marker = tmp_path / "pwned"

    class App:
        class config:
            handbuch_werte = {"datenstand": _jinja(marker), "demo_hinweis": XSS}

    src = ["Stand {{ datenstand }}. {{ demo_hinweis }} {{ 7*7 }}"]
    _replace(App, "book/intro", src)
    assert src[0] == f"Stand {md_text(_jinja(marker))}. {md_text(XSS)} {{{{ 7*7 }}}}"
    other = ["{{ datenstand }}"]
    _replace(App, "book/seiten/jobcenter/01001", other)
    assert other == ["{{ datenstand }}"]                 # only the start page
    assert not marker.exists()


# ------------------------------------------------------------------------ identifiers

@pytest.mark.parametrize("column,value,fragment", [
    ("vergleichstyp", "../../../../tmp/x", "ungültiger Vergleichstyp"),
    ("vergleichstyp", "Ia<script>", "ungültiger Vergleichstyp"),
    ("jobcenter_id", "../../x", "ungültige jobcenter_id"),
    ("jobcenter_id", "123", "ungültige jobcenter_id"),
    ("land", "../01", "ungültiges Land"),
    ("traegerart", "gE/../x", "ungültige Trägerart"),
    ("name", "Jobcenter\nKiel", "Steuerzeichen"),
    ("name", "Jobcenter\x1b[31mKiel", "Steuerzeichen"),
])
def test_bad_identifiers_are_refused_with_exit_2(tmp_path, column, value, fragment):
    jc = jobcenter_table([("01001", "01", "gE", "Ia"), ("05315", "05", "zkT", "IIb")])
    lin = [900 + 7 * t for t in range(14)]
    gd = grunddaten_table({i: {"elb": lin, "integrationen": [12] * 14, "llu": [5000.0] * 14,
                               "lzb": lin, "ae": lin} for i in jc.jobcenter_id}, 14)
    jc.loc[1, column] = value
    jp, gp = write(tmp_path, jc, gd)
    out = tmp_path / "out" / "kennzahlen.csv"
    proc = helpers_cli("compute", "--jobcenter", str(jp), "--grunddaten", str(gp), "--out", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


# ------------------------------------------------------------------------ paths

def test_page_output_outside_book_seiten_is_refused(tmp_path):
    root = tmp_path / "p"
    (root / "parameters").mkdir(parents=True)
    (root / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "vergleichstyp.ipynb", root / "notebooks" / "vergleichstyp.ipynb")
    (root / "parameters" / "pages.yml").write_text(
        "sets:\n  vergleichstyp:\n    template: notebooks/vergleichstyp.ipynb\n"
        "    output: book/seiten/vergleichstyp/{id}.ipynb\n    title: Vergleichstyp {id}\n"
        "    entities: vergleichstyp\n", encoding="utf-8")
    bad = "../../../../tmp/x"
    ents = config.Entities(kinds={"vergleichstyp": {bad: {"id": bad}}})
    with pytest.raises(ConfigError, match="außerhalb von book/seiten/"):
        config.load_plan(root, ents)


def test_stale_cleanup_deletes_only_manifest_pages_inside_book_seiten(tmp_path):
    from helpers.pipeline import cache, runner

    root = tmp_path / "p"
    outside = tmp_path / "fremd.ipynb"
    outside.write_text("{}")
    orphan = root / "book" / "seiten" / "jobcenter" / "nicht-von-uns.ipynb"
    orphan.parent.mkdir(parents=True)
    orphan.write_text("{}")
    ours = root / "book" / "seiten" / "jobcenter" / "01001.ipynb"
    ours.write_text("{}")
    manifest = cache.Manifest(root / cache.MANIFEST)
    manifest.entries = {"../fremd.ipynb": {"set": "..", "id": "x"},
                        "book/seiten/jobcenter/01001.ipynb": {"set": "jobcenter", "id": "01001"}}
    plan = config.Plan(pages=[], warmup=None, files=[])
    removed = runner._remove_stale(root, plan, manifest)
    assert not ours.exists()
    assert outside.exists() and orphan.exists()
    assert sorted(removed) == ["../fremd.ipynb", "book/seiten/jobcenter/01001.ipynb"]


# ------------------------------------------------------------------------ bounded YAML

BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def test_yaml_bomb_is_refused(tmp_path):
    p = tmp_path / "bombe.yml"
    p.write_text(BOMB, encoding="utf-8")
    assert len(BOMB) < 1000
    with pytest.raises(ConfigError, match="YAML-Verweise"):
        config.read_yaml(p, "parameters/eigene/bombe.yml")


def test_deep_nesting_is_refused_without_recursion_error(tmp_path):
    p = tmp_path / "tief.yml"
    p.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Ebenen verschachtelt"):
        config.read_yaml(p, "parameters/eigene/tief.yml")


def test_big_yaml_is_refused(tmp_path):
    p = tmp_path / "gross.yml"
    p.write_text("a: " + "x" * (config.MAX_YAML_BYTES + 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="zu groß"):
        config.read_yaml(p, "parameters/eigene/gross.yml")


def test_small_anchors_and_normal_nesting_still_work(tmp_path):
    p = tmp_path / "ok.yml"
    p.write_text("ids: &ids ['01001', '01002']\nringe:\n  - {name: Nord, jobcenter_ids: *ids}\n", encoding="utf-8")
    assert config.read_yaml(p, "ok.yml")["ringe"][0]["jobcenter_ids"] == ["01001", "01002"]


def test_ring_names_with_control_characters_and_duplicate_ids(tmp_path):
    with pytest.raises(Exception, match="Steuerzeichen"):
        config.RingSpec(name="Nord\nSüd", jobcenter_ids=["01001", "01002"])
    ids = [f"{i:05d}" for i in range(20_000)] * 2          # linear check: 40k entries
    with pytest.raises(Exception, match="doppelte Einträge: 00000, 00001"):
        config.RingSpec(name="Groß", jobcenter_ids=ids)


def test_page_title_heading_is_escaped():
    from helpers.pipeline.notebook import finalize

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Vorlage\n\nText")]
    finalize(nb, f"Vergleichsring {XSS} {RAW}", input_path="x.ipynb", output_path="y.ipynb", template_ids=[])
    first = nb.cells[0].source.split("\n")[0]
    html = MarkdownIt("commonmark", {"html": True}).render(first)
    assert html.startswith("<h1>") and "<img" not in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


# ------------------------------------------------------------------------ make and shell

@pytest.mark.parametrize("data", ["ordner mit leerzeichen", "x; touch {marker}", "x$(touch {marker})", "x'; touch {marker}; '"])
def test_make_data_with_spaces_and_metacharacters_is_data(tmp_path, data):
    marker = tmp_path / "pwned"
    value = str(tmp_path / data.format(marker=marker))
    proc = subprocess.run(["make", "--no-print-directory", "-o", ".venv/.installed", "mart",
                           f"DATA={value}", f"MART={tmp_path / 'mart'}"],
                          cwd=ROOT, capture_output=True, text=True)
    assert not marker.exists()
    assert proc.returncode != 0                        # the folder does not exist: exit 2 from helpers
    # the folder reaches helpers verbatim, as one argument (make mart DATA=folder -> mart --data folder)
    assert f"Lieferordner nicht gefunden: {value}\n" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------------------------------ end to end (slow)

def _page(path: Path, title: str) -> None:
    from helpers.pipeline.notebook import finalize

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Vorlage\n\nText der Seite.")]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(finalize(nb, title, input_path="vorlage.ipynb", output_path=str(path), template_ids=[]))


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and p.suffix in (".html", ".js") and "_static" not in p.parts}


@pytest.mark.slow
def test_hostile_names_build_as_visible_text_and_rebuild_is_identical(tmp_path, fake_mart):
    marker = tmp_path / "pwned"
    rows = [
        dict(jobcenter_id="01001", name=XSS, land="01", traegerart="gE", vergleichstyp="Ia",
             kreis_ags="01001", ort="Flensburg"),
        dict(jobcenter_id="01002", name=_jinja(marker), land="01", traegerart="gE", vergleichstyp="Ia",
             kreis_ags="01002", ort="Kiel"),
        dict(jobcenter_id="01003", name="Jobcenter " + RAW.replace("\n", " "), land="01", traegerart="zkT",
             vergleichstyp="IIa", kreis_ags="01003", ort="Lübeck"),
    ]
    mart = fake_mart(rows=rows)
    root = tmp_path / "buch"
    (root / "data" / "reference").mkdir(parents=True)
    (root / "data" / "reference" / "geo").symlink_to(ROOT / "data" / "reference" / "geo")
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    (root / "parameters").mkdir()
    shutil.copy(ROOT / "parameters" / "pages.yml", root / "parameters" / "pages.yml")   # the site model
    shutil.copytree(ROOT / "book" / "_vendor", root / "book" / "_vendor")
    (root / "book" / "intro.md").write_text("# Handbuch\n\nDatenstand: {{ datenstand }}.\n", encoding="utf-8")
    for r in rows:
        _page(root / f"book/seiten/jobcenter/{r['jobcenter_id']}.ipynb", r["name"])

    env = dict(os.environ, HANDBUCH_ROOT=str(root))
    run = lambda *a: subprocess.run([sys.executable, "-m", "helpers", *a, "--mart", str(mart)],  # noqa: E731
                                    env=env, cwd=root, capture_output=True, text=True)
    assert run("toc").returncode == 0
    r = run("build")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert not marker.exists()

    site = root / "_build" / "html"
    first = _tree(site)
    pages = "".join(v.decode() for k, v in first.items() if k.endswith(".html"))
    assert "<img src=x" not in pages and "<script>alert(3)" not in pages
    assert "&lt;img src=x onerror=alert(2)&gt;" in (site / "book/seiten/jobcenter/01001.html").read_text()
    assert "{{ cycler.__init__.__globals__.os.system(" in _h.unescape(
        (site / "book/generated/jobcenter-a-z.html").read_text())
    assert "```{raw} html" in _h.unescape((site / "book/seiten/jobcenter/01003.html").read_text())
    assert "August 2026" in (site / "book/intro.html").read_text()

    r = run("build", "--neu")
    assert r.returncode == 0, r.stderr[-3000:]
    second = _tree(site)
    assert sorted(first) == sorted(second)
    assert [k for k in first if first[k] != second[k]] == []


def test_compute_out_equal_to_an_input_is_refused(tmp_path):
    jc = jobcenter_table([("01001", "01", "gE", "Ia")])
    gd = grunddaten_table({"01001": {"elb": [900] * 14}}, 14)
    jp, gp = write(tmp_path, jc, gd)
    before = gp.read_bytes()
    proc = helpers_cli("compute", "--jobcenter", str(jp), "--grunddaten", str(gp),
                       "--out", str(tmp_path / "." / "grunddaten.csv"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("Abbruch: --out") and "Traceback" not in proc.stderr
    assert gp.read_bytes() == before


def test_environment_failure_is_one_abbruch_line_and_debug_shows_the_traceback(tmp_path):
    jc = jobcenter_table([("01001", "01", "gE", "Ia")])
    gd = grunddaten_table({"01001": {"elb": [900] * 14}}, 14)
    jp, gp = write(tmp_path, jc, gd)
    blocker = tmp_path / "datei"
    blocker.write_text("x")                              # --out below a file: the folder cannot be made
    cmd = [sys.executable, "-m", "helpers", "compute", "--jobcenter", str(jp), "--grunddaten", str(gp),
           "--out", str(blocker / "kennzahlen.csv")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()   # info lines (format read) may precede it
    assert lines[-1].startswith("Abbruch: ") and sum(x.startswith("Abbruch") for x in lines) == 1
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(cmd + ["--debug"], capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_leftovers_of_a_killed_mart_write_are_removed_at_the_next_start(tmp_path):
    from helpers import mart

    out = tmp_path / "processed"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    left = tmp_path / f".processed.tmp-{dead}-abc"
    left.mkdir()
    (left / "ergebnisse.parquet").write_bytes(b"x" * 100)
    running = tmp_path / f".processed.tmp-{os.getpid()}-def"      # a live writer's folder stays
    running.mkdir()
    other = tmp_path / ".anderes.tmp-1-x"
    other.mkdir()
    assert mart.clean_leftovers(out) == [left]
    assert not left.exists() and running.exists() and other.exists()


@pytest.mark.parametrize("exc", [
    OSError(28, os.strerror(28), "/daten/kennzahlen.csv"),                      # ENOSPC from Python
    OSError("Error writing bytes to file. Detail: [errno 28] No space left on device"),   # pyarrow
    OSError(30, os.strerror(30), "/daten/raw/2026-08"),                          # EROFS
    PermissionError(13, os.strerror(13), "/daten/raw"),                           # EACCES
    OSError(122, os.strerror(122)),                                              # EDQUOT
    OSError(67, os.strerror(67)),                                                # ENOLINK: not in the table
])
def test_disk_full_and_read_only_end_in_one_german_abbruch_line(tmp_path, monkeypatch, capsys, exc):
    """The write of the result fails like a full or read-only disk would: one German line, exit 1,
    no English strerror, no traceback."""
    from helpers import cli, io

    jc = jobcenter_table([("01001", "01", "gE", "Ia")])
    gd = grunddaten_table({"01001": {"elb": [900] * 14}}, 14)
    jp, gp = write(tmp_path, jc, gd)
    out = tmp_path / "aus" / "kennzahlen.csv"

    def failing_write(path, write):
        raise exc

    monkeypatch.setattr(io, "atomic_write", failing_write)
    code = cli.main(["compute", "--jobcenter", str(jp), "--grunddaten", str(gp), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    line = err.strip().splitlines()[-1]
    assert line.startswith("Abbruch: ") and sum(x.startswith("Abbruch") for x in err.splitlines()) == 1
    english = os.strerror(exc.errno or 28)
    assert english not in err and "No space" not in err and "Traceback" not in err
    if getattr(exc, "filename", None):
        assert exc.filename in line


def test_read_only_raw_folder_in_a_monthly_run_is_one_german_line(tmp_path, monkeypatch, capsys):
    """data/raw cannot be written (read-only mount): the monthly run ends with a German Abbruch line."""
    import errno as _errno

    from helpers import cli
    from helpers.publish import delivery as _delivery
    from helpers.publish import monthly as _m

    lf = tmp_path / "lieferung"
    lf.mkdir()
    (lf / "jobcenter.csv").write_text("jobcenter_id,name\n01001,X\n")
    (lf / "grunddaten.csv").write_text("a,b\n1,2\n")

    def pruefen(run):
        run.delivery = _delivery.find(run.data)
        run.meta = {"datenstand": "2026-08"}

    def read_only_copy(src, dst, *a, **k):
        raise OSError(_errno.EROFS, os.strerror(_errno.EROFS), str(dst))

    monkeypatch.setattr(_delivery.shutil, "copy2", read_only_copy)
    monkeypatch.setattr(_m, "STEPS", [("pruefen", "Prüfen", pruefen), *[s for s in _m.STEPS if s[0] == "ablegen"]])
    monkeypatch.setattr(paths, "ROOT", tmp_path / "checkout")
    code = cli.main(["monthly", "--data", str(lf), "--site", str(tmp_path / "site")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("Abbruch: der Datenträger ist schreibgeschützt")
    assert "Read-only" not in err and "Traceback" not in err


def _site_files(site: Path) -> dict[str, bytes]:
    """Every HTML page and the search index (the CSS/JS query strings are in the HTML)."""
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and (p.suffix == ".html" or p.name == "searchindex.js")}


def _searchindex(site: Path) -> dict:
    import json

    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


@pytest.mark.slow
def test_incremental_and_fresh_rebuilds_give_identical_html_and_search_index(tmp_path, demo_mart):
    """A small real book (start page, Lesehilfe, the whole Hilfe chapter with the glossary, the
    executed Bund page): the first build, an incremental rebuild from the same notebooks and a
    fresh (--neu) build give byte-identical HTML and the same searchindex.js, glossary included."""
    root = tmp_path / "buch"
    root.mkdir()
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    shutil.copytree(ROOT / "parameters", root / "parameters")
    spec = yaml.safe_load((root / "parameters" / "pages.yml").read_text(encoding="utf-8"))
    spec["sets"] = {k: v for k, v in spec["sets"].items() if v.get("entities") == "bund"}
    (root / "parameters" / "pages.yml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    for extra in [*(root / "parameters").glob("eigene/*.y*ml"), *(root / "parameters").glob("ringe/*.y*ml")]:
        extra.unlink()
    for name in ("notebooks", "node_modules", "src"):
        (root / name).symlink_to(ROOT / name)
    (root / "data").mkdir()
    (root / "data" / "reference").symlink_to(ROOT / "data" / "reference")
    (root / "book").mkdir()
    for p in (ROOT / "book").iterdir():
        if p.name not in ("seiten", "generated") and not p.name.startswith("."):
            (shutil.copytree if p.is_dir() else shutil.copy2)(p, root / "book" / p.name)
    mart = paths.MART_DIR
    env = dict(os.environ, HANDBUCH_ROOT=str(root))
    env.pop("HANDBUCH_MART", None)

    def helpers(*args):
        r = subprocess.run([sys.executable, "-m", "helpers", *args, "--mart", str(mart)], env=env, cwd=root,
                           capture_output=True, text=True)
        assert r.returncode == 0, " ".join(args) + "\n" + r.stdout[-3000:] + r.stderr[-3000:]

    helpers("run", "--jobs", "1")
    assert (root / "book" / "seiten" / "bund" / "DE.ipynb").is_file()
    helpers("toc")
    site = root / "_build" / "html"
    builds = []
    for args in (("build",), ("build",), ("build", "--neu")):
        helpers(*args)
        builds.append(_site_files(site))
    first = builds[0]
    assert "book/hilfe/glossar.html" in first and "book/seiten/bund/DE.html" in first
    for label, other in zip(("inkrementell", "--neu"), builds[1:]):
        assert sorted(other) == sorted(first), label
        assert [k for k in first if first[k] != other[k]] == [], label
    index = _searchindex(site)
    # the glossary's terms are index entries of the search index (anchors term-…), e.g. "Abgang"
    glossary = [k for k, refs in (index.get("indexentries") or {}).items()
                if any(str(r[1]).startswith("term-") for r in refs)]
    assert len(glossary) >= 10 and "abgang" in glossary, sorted(index.get("indexentries") or {})[:20]


def test_ring_name_with_traversal_and_html_stays_inside_book_seiten_and_is_escaped(tmp_path):
    """A Vergleichsring named like a path and like HTML: the page lands in book/seiten/ring/ and
    its heading (sidebar, TOC, page title) carries the name as text."""
    from helpers.pipeline.notebook import finalize

    root = tmp_path / "p"
    (root / "parameters" / "eigene").mkdir(parents=True)
    (root / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "ring.ipynb", root / "notebooks" / "ring.ipynb")
    (root / "parameters" / "pages.yml").write_text("sets: {}\n", encoding="utf-8")
    name = f"../../../../tmp/x {XSS}"
    (root / "parameters" / "eigene" / "ring.yml").write_text(
        f"vergleichsringe:\n  - name: '{name}'\n    jobcenter_ids: ['01001', '01002']\n", encoding="utf-8")
    ents = config.Entities(kinds={"jobcenter": {i: {"id": i, "name": f"Jobcenter {i}", "kurzname": i}
                                                for i in ("01001", "01002")}})
    plan = config.load_plan(root, ents)
    [page] = [p for p in plan.pages if p.set == config.RING_SET]
    out = (root / page.output).resolve()
    assert out.is_relative_to((root / "book" / "seiten" / "ring").resolve()), page.output
    assert ".." not in page.output and "<" not in page.output
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Vorlage")]
    finalize(nb, page.title, input_path="x.ipynb", output_path=page.output, template_ids=[])
    html = MarkdownIt("commonmark", {"html": True}).render(nb.cells[0].source.split("\n")[0])
    assert "<img" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html


def test_a_failing_step_of_the_monthly_run_ends_the_run_with_exactly_one_abbruch_line(tmp_path, monkeypatch, capfd):
    """A step (a real `python -m helpers` child) fails on its environment: it reports "Fehler: …"
    in German, and the monthly run adds the single "Abbruch: …" line; no traceback."""
    from helpers import cli
    from helpers.publish import monthly as _m

    jc = jobcenter_table([("01001", "01", "gE", "Ia")])
    gd = grunddaten_table({"01001": {"elb": [900] * 14}}, 14)
    jp, gp = write(tmp_path, jc, gd)
    blocker = tmp_path / "datei"
    blocker.write_text("x")                              # --out below a file: the folder cannot be made

    def schritt(run):
        rc = run.helpers("compute", "--jobcenter", str(jp), "--grunddaten", str(gp),
                         "--out", str(blocker / "kennzahlen.csv"))
        if rc:
            raise _m.StepFailed("Berechnung fehlgeschlagen", rc)

    monkeypatch.setattr(_m, "STEPS", [("berechnen", "Berechnen", schritt)])
    monkeypatch.setattr(paths, "ROOT", tmp_path / "checkout")
    (tmp_path / "lieferung").mkdir()
    code = cli.main(["monthly", "--data", str(tmp_path / "lieferung"), "--site", str(tmp_path / "site")])
    err = capfd.readouterr().err
    lines = err.strip().splitlines()
    assert code == 1
    assert sum(x.startswith("Abbruch") for x in lines) == 1 and lines[-1].startswith("Abbruch: nichts wurde")
    assert any(x.startswith("Fehler: ") and str(blocker) in x for x in lines), err   # the step's own reason
    assert "Traceback" not in err
