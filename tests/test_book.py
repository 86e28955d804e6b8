"""Book infrastructure: TOC from data, config validation, the Vega-Lite mime plugin, maps.

Fast tests, plus one slow end-to-end build of a tiny scratch book (no browser).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers import book, fmt, maps, mystnb_vega, paths, text

ROOT = paths.ROOT
SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json",
    "description": 'Verlauf der Integrationsquote "K2" </script><!-- x',
    "data": {"values": [{"monat": "2026-01", "wert": 1.5}, {"monat": "2026-02", "wert": 2.5}]},
    "mark": "line",
    "encoding": {"x": {"field": "monat", "type": "temporal"}, "y": {"field": "wert", "type": "quantitative"}},
}


# ------------------------------------------------------------------------------------ TOC


def _touch(root: Path, rel: str, text: str = "# Seite\n") -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


@pytest.fixture
def book_root(tmp_path):
    root = tmp_path / "projekt"
    for rel in ["book/intro.md", "book/lesehilfe.md", "book/hilfe/index.md", "book/hilfe/ziel2.md",
                "book/hilfe/glossar.md", "book/seiten/bund/DE.ipynb", "book/seiten/land/01.ipynb",
                "book/seiten/land/11.ipynb", "book/seiten/vergleichstyp/Ia.ipynb",
                "book/seiten/vergleichstyp/IIa.ipynb", "book/seiten/jobcenter/01001.ipynb",
                "book/seiten/jobcenter/11001.ipynb", "book/seiten/jobcenter/11002.ipynb",
                "book/seiten/jobcenter/09278.ipynb", "book/seiten/ring/index.md",
                "book/seiten/ring/nord.ipynb",
                # stale page of a Jobcenter not in the data: must not be listed
                "book/seiten/jobcenter/99999.ipynb"]:
        _touch(root, rel)
    return root


def test_toc_lists_exactly_the_existing_pages_nested(book_root, fake_mart):
    mart = fake_mart()
    meta = book.read_meta(mart)
    toc = book.write_toc(book.read_jobcenter(mart), meta, book_root)

    from sphinx_external_toc.parsing import parse_toc_yaml

    site_map = parse_toc_yaml(book_root / "_toc.yml")   # valid sphinx-external-toc file
    assert site_map.root.docname == "book/intro"
    files = book.toc_files(toc)
    assert len(files) == len(set(files))
    expected = {
        "book/intro", "book/lesehilfe", "book/hilfe/index", "book/hilfe/ziel2", "book/hilfe/glossar",
        "book/seiten/bund/DE", "book/seiten/land/01", "book/seiten/land/11",
        "book/seiten/vergleichstyp/Ia", "book/seiten/vergleichstyp/IIa",
        "book/seiten/jobcenter/01001", "book/seiten/jobcenter/11001", "book/seiten/jobcenter/11002",
        "book/seiten/jobcenter/09278", "book/seiten/ring/index", "book/seiten/ring/nord",
        "book/generated/jobcenter-a-z", "book/generated/jobcenter-nach-land",
        "book/generated/vergleichstypen",
    }
    assert set(files) == expected
    for f in files:
        assert any((book_root / f"{f}{s}").is_file() for s in (".md", ".ipynb")), f

    parts = {p["caption"]: p["chapters"] for p in toc["parts"]}
    assert list(parts) == ["Einstieg", "Bund und Länder", "Vergleichstypen und Jobcenter",
                           "Jobcenter finden", "Eigene Auswertungen", "Hilfe und Erläuterungen"]
    bund = parts["Bund und Länder"]
    assert bund == [{"file": "book/seiten/bund/DE",
                     "sections": [{"file": "book/seiten/land/01"}, {"file": "book/seiten/land/11"}]}]
    vt = {c["file"]: [s["file"] for s in c.get("sections", [])] for c in parts["Vergleichstypen und Jobcenter"]}
    assert list(vt) == ["book/seiten/vergleichstyp/Ia", "book/seiten/vergleichstyp/IIa"]
    # members sorted by name: Flensburg, Straubing-Bogen (Dithmarschen has no page)
    assert vt["book/seiten/vergleichstyp/Ia"] == ["book/seiten/jobcenter/01001", "book/seiten/jobcenter/09278"]
    assert vt["book/seiten/vergleichstyp/IIa"] == ["book/seiten/jobcenter/11001", "book/seiten/jobcenter/11002"]
    hilfe = parts["Hilfe und Erläuterungen"][0]
    assert hilfe["file"] == "book/hilfe/index"
    assert [s["file"] for s in hilfe["sections"]] == ["book/hilfe/ziel2", "book/hilfe/glossar"]
    assert parts["Eigene Auswertungen"] == [{"file": "book/seiten/ring/index",
                                              "sections": [{"file": "book/seiten/ring/nord"}]}]


def test_generated_pages_list_all_jobcenter_and_link_only_existing(book_root, fake_mart):
    mart = fake_mart()
    book.write_toc(book.read_jobcenter(mart), book.read_meta(mart), book_root)
    az = (book_root / "book/generated/jobcenter-a-z.md").read_text(encoding="utf-8")
    jc = pd.read_parquet(mart / "jobcenter.parquet")
    for name in jc["name"]:
        assert name in az
    assert "[Jobcenter Flensburg](../seiten/jobcenter/01001.ipynb)" in az
    assert "[Kommunales Jobcenter Kreis Dithmarschen]" not in az  # no page -> plain text
    # Sorted by the distinctive part: Berlin < Dithmarschen < Flensburg < Kiel < Straubing
    order = [az.index(n) for n in ["Berlin Mitte", "Dithmarschen", "Flensburg", "Kiel", "Straubing"]]
    assert order == sorted(order)
    assert "synthetisch" in az  # demo note on generated pages
    by_land = (book_root / "book/generated/jobcenter-nach-land.md").read_text(encoding="utf-8")
    assert by_land.index("## Schleswig-Holstein") < by_land.index("## Bayern") < by_land.index("## Berlin")
    assert "[Seite des Landes Berlin](../seiten/land/11.ipynb)" in by_land


def test_toc_skips_missing_parents_and_builds_from_partial_sets(tmp_path, fake_mart):
    root = tmp_path / "p"
    _touch(root, "book/intro.md")
    _touch(root, "book/seiten/jobcenter/01001.ipynb")
    mart = fake_mart(meta={"demo": False, "vergleichstypen_synthetisch": False})
    toc = book.write_toc(book.read_jobcenter(mart), book.read_meta(mart), root)
    files = book.toc_files(toc)
    assert "book/seiten/jobcenter/01001" in files
    assert not any(f.startswith(("book/seiten/vergleichstyp", "book/hilfe", "book/lesehilfe")) for f in files)
    az = (root / "book/generated/jobcenter-a-z.md").read_text(encoding="utf-8")
    assert "synthetisch" not in az


def test_toc_requires_intro(tmp_path, fake_mart):
    mart = fake_mart()
    with pytest.raises(book.BuchFehler):
        book.write_toc(book.read_jobcenter(mart), book.read_meta(mart), tmp_path)


def test_vergleichstyp_order_and_sort_names():
    codes = ["IIIa", "Ib", "IIe", "Ia", "IIa", "IIIe"]
    assert sorted(codes, key=book.vt_sort_key) == ["Ia", "Ib", "IIa", "IIe", "IIIa", "IIIe"]
    assert book.sort_name("Jobcenter Kreis Pinneberg") == "Pinneberg"
    assert book.sort_name("Kommunales Jobcenter Hochsauerlandkreis") == "Hochsauerlandkreis"
    assert book.sort_name("job-com Düren") == "job-com Düren"


# ------------------------------------------------------------------------------------ config


def test_committed_config_is_valid():
    cfg = book.load_config(ROOT / "_config.yml")
    sc = cfg["sphinx"]["config"]
    assert sc["nb_ipywidgets_js"] == {}
    assert "sphinx_thebe" not in sc["extensions"]


@pytest.mark.parametrize("breakage, message", [
    (lambda c: c.pop("title"), "title"),
    (lambda c: c["execute"].update(execute_notebooks="auto"), "execute_notebooks"),
    (lambda c: c["sphinx"]["config"].update(nb_ipywidgets_js={"x.js": {}}), "nb_ipywidgets_js"),
    (lambda c: c["sphinx"]["config"]["extensions"].append("sphinx_thebe"), "sphinx_thebe"),
    (lambda c: c["sphinx"]["config"]["html_static_path"].append("_static"), "_static"),
    (lambda c: c["sphinx"]["config"]["html_js_files"].remove("vega-init.js"), "vega-init.js"),
    (lambda c: c.update(only_build_toc_files="ja"), "only_build_toc_files"),
    (lambda c: c.update(unbekannter_schluessel=1), "unbekannter_schluessel"),
])
def test_broken_config_is_rejected(tmp_path, breakage, message):
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    breakage(cfg)
    path = tmp_path / "_config.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    with pytest.raises(book.BuchFehler, match=message):
        book.load_config(path)


def test_invalid_yaml_is_rejected(tmp_path):
    path = tmp_path / "_config.yml"
    path.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(book.BuchFehler, match="YAML"):
        book.load_config(path)


def test_runtime_values_from_meta():
    demo = book.runtime_overrides({"datenstand": "2026-08", "demo": True})
    assert demo["handbuch_werte"]["datenstand"] == "August 2026"
    assert book.DEMO_TEXT in demo["handbuch_werte"]["demo_hinweis"]
    assert book.DEMO_TEXT in demo["html_theme_options"]["announcement"]
    assert not demo["html_theme_options"]["announcement"].startswith("http")  # else fetched remotely
    real = book.runtime_overrides({"datenstand": "2025-03", "demo": False, "vergleichstypen_synthetisch": False})
    assert real["handbuch_werte"] == {"datenstand": "März 2025", "demo_hinweis": ""}
    assert real["html_theme_options"]["announcement"] == ""
    with pytest.raises(book.BuchFehler):
        book.datenstand_text("2025-13")


def test_external_load_scanner(tmp_path):
    (tmp_path / "a.html").write_text(
        '<script src="_static/vega.min.js"></script><link rel="canonical" href="https://x.de/a.html">'
        '<a href="https://www.bkg.bund.de">BKG</a>', encoding="utf-8")
    assert book.external_loads(tmp_path) == []
    (tmp_path / "b.html").write_text('<script src="https://cdn.jsdelivr.net/npm/vega@6"></script>', encoding="utf-8")
    assert len(book.external_loads(tmp_path)) == 1


# ------------------------------------------------------------------------------------ mime plugin


def _mime(mime=mystnb_vega.VEGALITE_MIMES[0], content=None, cell=3, output=0):
    from myst_nb.core.render import MimeData

    return MimeData(mime, content if content is not None else SPEC, cell_index=cell, output_index=output)


def test_mime_plugin_is_registered_and_preferred():
    from myst_nb.core.render import get_mime_priority, load_mime_renders

    assert mystnb_vega.VegaLiteMimeRenderer in load_mime_renders()
    prio = get_mime_priority("html", [])
    for mime in mystnb_vega.VEGALITE_MIMES:
        assert prio.index(mime) < prio.index("text/html") < prio.index("text/plain")


def test_mime_plugin_output_is_deterministic_and_safe():
    a = mystnb_vega.VegaLiteMimeRenderer.handle_mime(None, _mime(), False)
    b = mystnb_vega.VegaLiteMimeRenderer.handle_mime(None, _mime(content=json.dumps(SPEC)), False)
    assert len(a) == 1 and a[0].astext() == b[0].astext()
    html = a[0].astext()
    assert a[0]["format"] == "html"
    assert '<div class="vega-chart" id="vl-c3-o0" role="figure"' in html
    assert 'aria-label="Verlauf der Integrationsquote &quot;K2&quot; &lt;/script&gt;&lt;!-- x"' in html
    assert '<p class="hb-visually-hidden">' in html
    payload = html.split('data-target="vl-c3-o0">', 1)[1].rsplit("</script>", 1)[0]
    assert "<" not in payload                          # nothing can close the script early
    assert json.loads(payload) == SPEC                 # and it is still the same spec
    other = mystnb_vega.VegaLiteMimeRenderer.handle_mime(None, _mime(cell=7, output=1), False)
    assert 'id="vl-c7-o1"' in other[0].astext()


def test_mime_plugin_rejects_other_outputs():
    r = mystnb_vega.VegaLiteMimeRenderer
    assert r.handle_mime(None, _mime(mime="text/html", content="<b>x</b>"), False) is None
    assert r.handle_mime(None, _mime(), True) is None                       # inline
    for mime in mystnb_vega.VEGALITE_MIMES:                                  # v6, v5, v4
        assert r.handle_mime(None, _mime(mime=mime), False) is not None


def test_altair_renderer_writes_valid_notebook_output():
    import altair as alt
    import nbformat

    assert mystnb_vega.enable_renderer() == "vl6json"
    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_bar().encode(x="x:O", y="y:Q")
    bundle = chart._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert set(bundle) == {"application/vnd.vegalite.v6+json", "text/plain"}
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("chart")
    cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    nb.cells = [cell]
    nbformat.validate(nb)
    again = chart._repr_mimebundle_()
    again = again[0] if isinstance(again, tuple) else again
    assert json.dumps(again, sort_keys=True) == json.dumps(bundle, sort_keys=True)


# ------------------------------------------------------------------------------------ maps


def test_geometry_is_prepared():
    kreise, laender = maps.geometry()
    ags = {f["properties"]["ags"] for f in kreise["features"]}
    assert len(ags) == 400 and "16063" in ags and "16056" not in ags   # Eisenach merged
    assert {f["properties"]["land"] for f in laender["features"]} == {f"{i:02d}" for i in range(1, 17)}
    ring = kreise["features"][0]["geometry"]["coordinates"][0]
    pt = ring[0] if isinstance(ring[0][0], float) else ring[0][0]
    assert all(round(c, 3) == c for c in pt)
    assert len(json.dumps(kreise)) < 600_000


def _vals(jc: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"jobcenter_id": jc["jobcenter_id"], "wert": [2.5 + i for i in range(len(jc))]})


def test_map_handles_shared_kreise_and_multi_kreis_jobcenter(fake_mart):
    jc = pd.read_parquet(fake_mart() / "jobcenter.parquet")
    werte, hinweise = maps.kreiswerte(_vals(jc), jc)
    rows = {r["kreis_ags"]: r for r in werte.to_dict("records")}
    berlin = rows["11000"]
    assert berlin["geteilt"] is True and pd.isna(berlin["wert"])
    assert "Jobcenter Berlin Mitte" in berlin["jobcenter"] and "Jobcenter Berlin Pankow" in berlin["jobcenter"]
    straubing = jc.index[jc["jobcenter_id"] == "09278"][0]
    wert = 2.5 + straubing
    for ags in ("09278", "09263"):                                      # both Kreise, JC's value
        assert rows[ags]["wert"] == wert and rows[ags]["jobcenter"] == "Jobcenter Straubing-Bogen"
        assert "2 Kreise" in rows[ags]["label"]
    arten = set(hinweise["Art"])
    assert {"Kreis mit mehreren Jobcentern", "Jobcenter für mehrere Kreise"} <= arten
    assert hinweise.loc[hinweise["Art"] == "Kreis mit mehreren Jobcentern", "Gebiet"].str.contains("11000").all()


def test_map_kreis_aggregate_subset_and_undefined_value(fake_mart):
    jc = pd.read_parquet(fake_mart() / "jobcenter.parquet")
    werte, _ = maps.kreiswerte(_vals(jc), jc, kreis_aggregate={"11000": 4.25})
    rows = {r["kreis_ags"]: r for r in werte.to_dict("records")}
    assert rows["11000"]["wert"] == 4.25 and rows["11000"]["geteilt"] is False
    assert "4,3\u00a0%" in rows["11000"]["label"]          # 4.25 half-up (one formatter)
    # a subset (e.g. one type) with only one of Berlin's two Jobcenter -> Berlin stays "shared"
    werte, _ = maps.kreiswerte(_vals(jc)[jc["jobcenter_id"].isin(["01002", "11001"])], jc)
    rows = {r["kreis_ags"]: r for r in werte.to_dict("records")}
    assert set(rows) == {"01002", "11000"}
    assert rows["11000"]["geteilt"] is True and "gezeigt 1 von 2" in rows["11000"]["jobcenter"]
    # an undefined value: the sign of its reason with the reason (text.ohne_wert), as in the page table
    v = _vals(jc).assign(grund="")
    v.loc[v["jobcenter_id"] == "01002", ["wert", "grund"]] = [float("nan"), "gesperrt"]
    rows = {r["kreis_ags"]: r for r in maps.kreiswerte(v, jc)[0].to_dict("records")}
    assert rows["01002"]["label"] == rows["01002"]["ohne"] == text.ohne_wert("gesperrt")
    assert rows["01002"]["ohne"].startswith(". (Eingangswert aus Datenschutzgründen gesperrt")


def test_german_number_text():
    assert maps.zahl(1234.56) == "1.234,6\u00a0%"
    assert maps.zahl(float("nan")) == "."
    assert maps.zahl(float("nan"), grund="nenner_null") == "x (Nenner ist 0)"
    assert maps.zahl(-0.25, einheit="", stellen=2) == "\u22120,25"


# ------------------------------------------------------------------------------------ scratch build


def _scratch_notebook(path: Path, title: str, mart: Path) -> None:
    """An executed page notebook: one line chart and one map through the vl6json renderer."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}"),
        nbformat.v4.new_code_cell(
            "import altair as alt, pandas as pd\nfrom helpers import maps\n"
            "from helpers.mystnb_vega import enable_renderer\nenable_renderer()"),
        nbformat.v4.new_code_cell(
            "df = pd.DataFrame({'monat': ['2026-01-01', '2026-02-01'], 'wert': [1.5, 2.5]})\n"
            "alt.Chart(df).mark_line().encode(x='monat:T', y='wert:Q')"
            ".properties(description='Verlauf der Integrationsquote der Alleinerziehenden (K2E4)')"),
        nbformat.v4.new_code_cell(
            f"jc = pd.read_parquet({str(mart / 'jobcenter.parquet')!r})\n"
            "from helpers.kennzahlen import KENNZAHLEN\n"
            "maps.karte_kennzahlen(pd.DataFrame({'jobcenter_id': jc.jobcenter_id, 'kennzahl': 'K2', 'wert': 1.0}), jc,"
            " {'K2': KENNZAHLEN['K2']}, 'Karte').chart"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _scratch_project(root: Path) -> Path:
    """A book project in root with the repository's config, vendored assets, geometry and node_modules."""
    (root / "data" / "reference").mkdir(parents=True)
    (root / "data" / "reference" / "geo").symlink_to(ROOT / "data" / "reference" / "geo")
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    shutil.copytree(ROOT / "book" / "_vendor", root / "book" / "_vendor")
    return root


@pytest.mark.slow
def test_scratch_book_builds_offline(tmp_path, fake_mart):
    root = _scratch_project(tmp_path / "buch")
    mart = fake_mart()
    _touch(root, "book/intro.md", "# Handbuch\n\nDatenstand: {{ datenstand }}. {{ demo_hinweis }}\n")
    _scratch_notebook(root / "book/seiten/jobcenter/01001.ipynb", "Jobcenter Flensburg", mart)

    env = dict(os.environ, HANDBUCH_ROOT=str(root))
    run = lambda *a: subprocess.run([sys.executable, "-m", "helpers", *a, "--mart", str(mart)],
                                    env=env, cwd=root, capture_output=True, text=True)
    r = run("toc")
    assert r.returncode == 0, r.stderr
    r = run("build")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "Buch gebaut in" in r.stdout

    site = root / "_build" / "html"
    page = (site / "book/seiten/jobcenter/01001.html").read_text(encoding="utf-8")
    assert page.count('<script type="application/vnd.vegalite+json"') == 2
    assert 'id="vl-c2-o0"' in page and 'id="vl-c3-o0"' in page
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page and "thebe" not in page.lower()
    assert book.DEMO_TEXT in page                                       # banner on every page
    intro = (site / "book/intro.html").read_text(encoding="utf-8")
    assert "August 2026" in intro and book.DEMO_TEXT in intro            # substitutions
    for name in ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "vega-init.js",
                 "vega-locale-de.js", "suche-de.js", "handbuch.css", "geo/kreise.json", "geo/laender.json"]:
        assert (site / "_static" / name).is_file(), name
    assert book.external_loads(site) == []
    assert "book/intro.html" in (site / "index.html").read_text(encoding="utf-8")
    assert len(page.encode()) < 300_000
    assert not (site / "_sources").exists()

    # A warning fails the build (warnings are errors): a broken cross-reference.
    _touch(root, "book/intro.md", "# Handbuch\n\nSiehe {doc}`gibt-es-nicht`.\n")
    r = run("build")
    assert r.returncode == 1
    assert "fehlgeschlagen" in r.stderr


def test_map_with_figure_chosen_by_the_reader(fake_mart):
    from helpers.kennzahlen import KENNZAHLEN

    jc = pd.read_parquet(fake_mart() / "jobcenter.parquet")
    ids = list(jc["jobcenter_id"])
    codes = {c: KENNZAHLEN[c] for c in ("K2", "K3", "K1E3")}
    long = pd.DataFrame([{"jobcenter_id": j, "kennzahl": c, "wert": 10.0 + i + 0.123 if c != "K1E3" or i else None}
                         for c in codes for i, j in enumerate(ids)])
    k = maps.karte_kennzahlen(long, jc, codes, "Kennzahlen je Kreis", start="K2")
    spec = k.chart.to_dict()
    sel = [p for p in spec["params"] if p["name"] == maps.PARAM][0]
    assert sel["value"] == "K2" and sel["bind"]["input"] == "select"
    assert sel["bind"]["options"] == ["K2", "K3", "K1E3"]
    assert sel["bind"]["labels"][0] == "K2 – Integrationsquote"
    werte = spec["datasets"]["werte"]
    assert {r["k"] for r in werte} == set(codes)
    assert all(r["w"] == round(r["w"], 2) for r in werte if "w" in r)
    text = json.dumps(spec, ensure_ascii=False)
    assert maps.ATTRIBUTION in text and '"coordinates"' not in text
    # colour classes per figure; neutral (reading rules): darker = higher, for K3 (lower is better) too
    def kreis(code, jid):
        ags = maps._split_ags(jc.loc[jc["jobcenter_id"] == jid, "kreis_ags"].iloc[0])[0]
        return next(r for r in werte if r["k"] == code and r["a"] == ags)
    single = [j for j, a in zip(jc["jobcenter_id"], jc["kreis_ags"]) if not str(a).startswith("11")]
    assert kreis("K2", single[-1])["f"] == maps.KLASSEN and kreis("K3", single[-1])["f"] == maps.KLASSEN
    assert kreis("K3", single[0])["f"] < maps.KLASSEN
    # undefined value: no w, no colour class (grey; the tooltip shows sign and reason, "z")
    leer = kreis("K1E3", ids[0]) if not str(jc["kreis_ags"].iloc[0]).startswith("11") else None
    if leer is not None:
        assert "w" not in leer and "f" not in leer and leer["z"] == fmt.OHNE_WERT   # no reason given: "."
    assert "datum.z" in text and "'–'" not in text
    # shared Berlin: dashed, the per-Jobcenter values in the tooltip; hinweise name Jobcenter only
    berlin = [r for r in werte if r["a"] == "11000"]
    assert all(r.get("g") == 1 and "Jobcenter Berlin Mitte" in r["l"] for r in berlin)
    assert not k.hinweise["Jobcenter"].str.contains("%").any()
    legende = [r for r in spec["datasets"]["legende"] if r["k"] == "K3"]
    assert "niedriger ist besser" in legende[1]["t"]
    land = maps.karte_kennzahlen(long, jc, codes, "SH", land="01").chart.to_dict()
    assert {r["a"][:2] for r in land["datasets"]["werte"]} == {"01"}


@pytest.mark.slow
def test_scratch_book_builds_in_parallel_with_the_same_bytes(tmp_path, fake_mart):
    """`build --jobs 2` really reads and writes in parallel (every extension Jupyter Book loads is
    declared parallel-safe, so Sphinx neither warns nor falls back to serial reading, which would
    fail the build) and writes the same files as a serial build."""
    root = _scratch_project(tmp_path / "buch")
    mart = fake_mart()
    _touch(root, "book/intro.md", "# Handbuch\n\nDatenstand: {{ datenstand }}.\n")
    kapitel = [f"book/hilfe/k{i}" for i in range(8)]          # Sphinx forks readers only for > 5 pages
    for i, k in enumerate(kapitel):
        _touch(root, k + ".md", f"# Kapitel {i}\n\n## Abschnitt\n\nText {i}, siehe {{doc}}`../intro`.\n")
    (root / "_toc.yml").write_text(yaml.safe_dump({"format": "jb-book", "root": "book/intro",
                                                   "chapters": [{"file": k} for k in kapitel]}), encoding="utf-8")
    env = dict(os.environ, HANDBUCH_ROOT=str(root))
    sites = {}
    for jobs in ("2", "1"):
        out = tmp_path / f"site-{jobs}"
        r = subprocess.run([sys.executable, "-m", "helpers", "build", "--mart", str(mart), "--jobs", jobs,
                            "--out", str(out)], env=env, cwd=root, capture_output=True, text=True)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        assert "serial" not in r.stdout + r.stderr
        sites[jobs] = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
                       if p.is_file() and p.name != ".buildinfo"}
    assert sites["2"].keys() == sites["1"].keys() and "book/hilfe/k7.html" in sites["2"]
    assert [f for f in sites["2"] if sites["2"][f] != sites["1"][f]] == []
