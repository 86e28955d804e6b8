"""The site model (helpers.sitemodel): parameters/pages.yml owns where pages live, how they link
each other and where the TOC places them; book (TOC, overview pages) and pages (links) follow it."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest

from helpers import book, downloads, pages, paths, sitemodel
from helpers.pipeline import config

PAGES_YML = (paths.ROOT / "parameters" / "pages.yml").read_text(encoding="utf-8")


def _scratch_yml() -> str:
    """The project's pages.yml with the Jobcenter pages moved and two TOC parts renamed."""
    text = PAGES_YML.replace("output: book/seiten/jobcenter/{id}.ipynb", "output: book/seiten/jc/seite-{id}.ipynb")
    text = text.replace("output: book/seiten/land/{id}.ipynb", "output: book/seiten/laender/{id}.ipynb")
    text = text.replace("teil: Vergleichstypen und Jobcenter", "teil: Typen und ihre Jobcenter")
    text = text.replace("teil: Bund und Länder", "teil: Deutschland")
    assert text.count("book/seiten/jc/") == 1 and "Typen und ihre Jobcenter" in text and "Deutschland\n" in text
    return text


def _touch(root: Path, rel: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("# Seite\n", encoding="utf-8")


def _resolve(from_doc: str, href: str) -> str:
    """The document (without .html) a relative link on the built page ``from_doc`` goes to."""
    target = posixpath.normpath(posixpath.join(posixpath.dirname(from_doc), href.split("#")[0]))
    assert target.endswith(".html"), href
    return target[:-len(".html")]


def test_project_model_is_what_the_toc_and_links_use():
    m = sitemodel.laden()
    assert [t.caption for t in m.teile][:3] == ["Einstieg", "Bund und Länder", "Vergleichstypen und Jobcenter"]
    assert pages.jobcenter_url("05315") == m.url("jobcenter", "05315")
    assert _resolve(m.doc("vergleichstyp", "Ia"), pages.jobcenter_url("05315")) == m.doc("jobcenter", "05315")


def test_changed_output_and_caption_move_toc_links_and_overview_pages_together(tmp_path, fake_mart, monkeypatch):
    model = sitemodel.aus_text(_scratch_yml())
    root = tmp_path / "p"
    for rel in ["book/intro.md", "book/seiten/bund/DE.ipynb", "book/seiten/laender/01.ipynb",
                "book/seiten/vergleichstyp/Ia.ipynb", "book/seiten/jc/seite-01001.ipynb",
                "book/seiten/jc/seite-09278.ipynb"]:
        _touch(root, rel)
    mart = fake_mart()
    toc = book.write_toc(book.read_jobcenter(mart), book.read_meta(mart), root, model)
    parts = {p["caption"]: p["chapters"] for p in toc["parts"]}
    assert "Vergleichstypen und Jobcenter" not in parts and "Bund und Länder" not in parts
    assert list(parts)[:2] == ["Deutschland", "Typen und ihre Jobcenter"]
    assert parts["Deutschland"] == [{"file": "book/seiten/bund/DE", "sections": [{"file": "book/seiten/laender/01"}]}]
    typ = parts["Typen und ihre Jobcenter"][0]
    assert typ["file"] == "book/seiten/vergleichstyp/Ia"
    assert [s["file"] for s in typ["sections"]] == ["book/seiten/jc/seite-01001", "book/seiten/jc/seite-09278"]
    assert not any(f.startswith("book/seiten/jobcenter/") for f in book.toc_files(toc))
    # the generated overview pages link the moved files
    az = (root / "book/generated/jobcenter-a-z.md").read_text(encoding="utf-8")
    assert "(../seiten/jc/seite-01001.ipynb)" in az and "seiten/jobcenter/" not in az

    # the pages' own links go to the same documents the TOC lists
    monkeypatch.setattr(sitemodel, "laden", lambda root=None: model)
    files = set(book.toc_files(toc))
    von = "book/seiten/vergleichstyp/Ia"
    for href, ziel in ((pages.jobcenter_url("01001"), "book/seiten/jc/seite-01001"),
                       (pages.land_url("01"), "book/seiten/laender/01"),
                       (pages.bund_url(), "book/seiten/bund/DE"), (pages.typ_url("Ia"), von)):
        assert _resolve(von, href) == ziel and ziel in files, href
    # and the site's downloads find the unit pages of the moved set by their ids
    site = tmp_path / "site"
    _touch(site, "book/seiten/jc/seite-01001.html")
    _touch(site, "book/seiten/laender/01.html")
    assert downloads.seiten_einheiten(site) == {("jobcenter", "01001"), ("land", "01")}


@pytest.fixture(scope="module")
def m(demo_mart):
    return demo_mart


def test_page_html_links_follow_the_model(m, monkeypatch):
    model = sitemodel.aus_text(_scratch_yml())
    monkeypatch.setattr(sitemodel, "laden", lambda root=None: model)
    jid = sorted(m.jobcenter["jobcenter_id"])[0]
    vt = str(m.jobcenter_info(jid)["vergleichstyp"])
    html = pages.TypSeite(m, vt).mitglieder().data + pages.JobcenterSeite(m, jid).kopf().data
    hrefs = set(re.findall(r'href="([^"#]+\.html)', html))
    assert f"../jc/seite-{jid}.html" in hrefs and "../laender/" + str(m.jobcenter_info(jid)["land"]) + ".html" in hrefs
    assert not any(h.startswith(("../jobcenter/", "../land/")) for h in hrefs), hrefs


@pytest.mark.parametrize("change,message,line", [
    (("output: book/seiten/land/{id}.ipynb", "output: book/seiten/land/x/{id}.ipynb"), "genau einen Ordner", "output"),
    (("output: book/seiten/land/{id}.ipynb", "output: book/seiten/land/{land_name}-{id}.ipynb"),
     "nur den Platzhalter {id}", "output"),
    (("output: book/seiten/land/{id}.ipynb", "output: book/seiten/jobcenter/l{id}.ipynb"), "schon der Seitensatz", "output"),
    (("    saetze: [bund, land]", "    saetze: [bund]"), "'land' steht in keinem Teil", None),
    (("    saetze: [bund, land]", "    saetze: [bund, laender]"), "'land' steht in keinem Teil", None),
    (("    saetze: [vergleichstyp, jobcenter]", "    saetze: [jobcenter, vergleichstyp]"),
     "lässt sich nicht unter", "[jobcenter, vergleichstyp]"),
    (("    inhalt: hilfe", "    inhalt: hilfen"), "muss einer dieser Werte sein", "hilfen"),
    (("  - teil: Einstieg\n", "  - teil: Einstieg\n    saetze: [bund]\n"), "genau eines von", "teil: Einstieg"),
])
def test_bad_site_shape_is_refused_in_german_with_its_line(change, message, line):
    text = PAGES_YML.replace(*change)
    assert text != PAGES_YML
    with pytest.raises(sitemodel.ConfigError, match=re.escape(message)) as exc:
        sitemodel.aus_text(text)
    msg = str(exc.value)
    assert msg.startswith("parameters/pages.yml: Schlüssel '"), msg
    if line is not None:
        nr = int(re.search(r"\(Zeile (\d+)\)", msg).group(1))
        assert line in text.splitlines()[nr - 1], (msg, text.splitlines()[nr - 1])


def test_run_refuses_a_bad_site_shape_with_exit_2(tmp_path, capsys):
    from helpers.cli import main

    root = tmp_path / "projekt"
    (root / "parameters").mkdir(parents=True)
    (root / "notebooks").symlink_to(paths.NOTEBOOKS)
    (root / "parameters" / "pages.yml").write_text(PAGES_YML.replace("    saetze: [bund, land]", "    saetze: [bund]"),
                                                    encoding="utf-8")
    assert main(["run", "--root", str(root), "--mart", str(paths.MART_DIR), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "'land' steht in keinem Teil" in err and "keine Seite wurde ausgeführt" in err
    assert not (root / "book").exists()


def test_a_trimmed_pages_yml_keeps_the_toc_of_the_sets_it_declares():
    """Sets left out of 'sets' (a smaller site) drop out of the TOC; their parts go when empty."""
    import yaml

    spec = yaml.safe_load(PAGES_YML)
    spec["sets"] = {"bund": spec["sets"]["bund"]}
    model = sitemodel.aus_text(yaml.safe_dump(spec, allow_unicode=True))
    teile = {t.caption: t.saetze for t in model.teile if t.saetze}
    assert teile == {"Bund und Länder": ("bund",)}
    assert not model.hat("jobcenter")


def test_only_pages_yml_declares_the_toc(tmp_path):
    root = tmp_path / "projekt"
    (root / "parameters" / "eigene").mkdir(parents=True)
    (root / "notebooks").symlink_to(paths.NOTEBOOKS)
    (root / "parameters" / "pages.yml").write_text("sets: {}\n", encoding="utf-8")
    (root / "parameters" / "eigene" / "x.yml").write_text("inhaltsverzeichnis:\n  - {teil: X, inhalt: hilfe}\n",
                                                         encoding="utf-8")
    with pytest.raises(config.ConfigError, match="inhaltsverzeichnis.*nur in parameters/pages.yml erlaubt"):
        config.load_plan(root, config.entities_from_mart(paths.MART_DIR))


def test_no_page_path_literal_outside_the_model():
    """Where the pages of a set lie is written only in pages.yml and read through helpers.sitemodel:
    no 'seiten/<ordner>' path and no '../<set>/' link literal elsewhere in src/."""
    muster = re.compile(r"seiten/[A-Za-z{]|\.\./(?:jobcenter|vergleichstyp|land|bund|ring|eigene|hilfe)/"
                        r"|\.\./\.\./(?:hilfe|lesehilfe)|\.\./\.\./\.\./")
    treffer = []
    for f in sorted((paths.ROOT / "src" / "helpers").rglob("*.py")):
        if f.name == "sitemodel.py":
            continue
        for i, zeile in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if muster.search(zeile):
                treffer.append(f"{f.relative_to(paths.ROOT)}:{i}: {zeile.strip()}")
    assert not treffer, "\n".join(treffer)
    assert muster.search('f"book/seiten/jobcenter/{jid}"') and muster.search('"../land/01.html"')


def test_site_shape_is_part_of_every_page_key(tmp_path):
    """Moving one set changes the links on the pages of all sets: every page's key changes
    (pipeline: ``cache.with_site``), a comment in pages.yml changes none."""
    def plan(text: str):
        root = tmp_path / str(abs(hash(text)))
        (root / "parameters").mkdir(parents=True)
        (root / "notebooks").symlink_to(paths.NOTEBOOKS)
        (root / "parameters" / "pages.yml").write_text(text, encoding="utf-8")
        return config.load_plan(root, config.entities_from_mart(paths.MART_DIR))

    from helpers.pipeline import cache

    echt, kommentar, verschoben = plan(PAGES_YML), plan("# Kommentar\n" + PAGES_YML), plan(_scratch_yml())
    assert echt.site == kommentar.site != verschoben.site
    assert cache.with_site("a" * 64, echt.site) != cache.with_site("a" * 64, verschoben.site)


def test_links_to_a_kind_without_pages_are_text(m, monkeypatch):
    """A site without Land pages (pages.yml trimmed) shows Land names as text, not dead links."""
    import yaml

    spec = yaml.safe_load(PAGES_YML)
    del spec["sets"]["land"]
    model = sitemodel.aus_text(yaml.safe_dump(spec, allow_unicode=True))
    monkeypatch.setattr(sitemodel, "laden", lambda root=None: model)
    jid = sorted(m.jobcenter["jobcenter_id"])[0]
    kopf = pages.JobcenterSeite(m, jid).kopf().data
    land = pages.LAENDER[str(m.jobcenter_info(jid)["land"])]
    assert pages.land_url("01") is None and "../land/" not in kopf and f"<td>{land}</td>" in kopf
    assert 'href="../bund/DE.html"' in kopf
