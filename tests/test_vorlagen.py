"""The page fragments from Jinja2 templates (helpers.vorlagen, helpers/templates/)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2
import pytest

from helpers import pages, paths, vorlagen

TEMPLATES = paths.ROOT / "src" / "helpers" / "templates"
HOSTILE = "<script>alert(1)</script> & \"Zitat\" 'x' {{ 7*7 }}"


def test_every_template_compiles_and_none_marks_data_safe():
    names = sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))
    assert "teile/csv_link.html" in names
    for name in names:
        vorlagen.umgebung().get_template(name)
        assert not re.search(r"\|\s*safe\b|autoescape\s+false", (TEMPLATES / name).read_text(encoding="utf-8")), name


def test_data_is_escaped_as_html_escape_does():
    out = pages.csv_link(None, HOSTILE, HOSTILE, href=HOSTILE).data
    assert "<script>" not in out and out.count(html.escape(HOSTILE)) == 3
    assert "{{ 7*7 }}" in html.unescape(out) and "49" not in out      # data is never a template
    z = pages.zusammenfassung_html("frauen", [HOSTILE, "zweiter Satz"])
    assert f"<li>{html.escape(HOSTILE)}</li><li>zweiter Satz</li>" in z and "(Frauen)" in z
    fn = pages.Fussnoten("anm")
    fn.zelle("gesperrt", HOSTILE)
    assert html.escape(HOSTILE) in fn.html() and "<script>" not in fn.html()


def test_a_missing_value_is_an_error_not_an_empty_string():
    with pytest.raises(jinja2.UndefinedError):
        vorlagen.render("teile/csv_link.html", dateiname="a.csv", href="x")


def test_render_gives_text_that_joins_without_escaping():
    teil = vorlagen.render("teile/zeichenerklaerung.html", zeichen=[(".", "unbekannt")])
    assert type(teil) is str and ("<hr>" + teil).startswith('<hr><p class="zeichenerklaerung">')


def test_templates_are_package_data_of_a_built_wheel():
    """pip install (not editable) ships the templates: pyproject's package-data names them."""
    import tomllib

    data = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    muster = data["tool"]["setuptools"]["package-data"]["helpers"]
    for p in TEMPLATES.rglob("*.html"):
        rel = p.relative_to(paths.ROOT / "src" / "helpers").as_posix()
        assert any(Path(rel).full_match(m) if hasattr(Path, "full_match") else
                   re.fullmatch(m.replace(".", r"\.").replace("**/", "(?:.*/)?").replace("*", "[^/]*"), rel)
                   for m in muster), rel


def test_map_notes_table_is_text_only():
    out = vorlagen.render("teile/karte_hinweis.html", quelle="Q", spalten=["Art", HOSTILE],
                          zeilen=[[HOSTILE, ""], ["x", 3]])
    assert "<script>" not in out and out.count(html.escape(HOSTILE)) == 2
    assert "Hinweise zur Karte (2)" in out and "<td>3</td>" in out
    ohne = vorlagen.render("teile/karte_hinweis.html", quelle="Q", spalten=[], zeilen=[])
    assert "<details" not in ohne and ohne.endswith("Kartengrundlage: Q.</p>")


# --------------------------------------------------------------- hostile names through every table

BOESE = '<script>alert(1)</script> & "x"'


def _sauber(out: str, mindestens: int = 1) -> None:
    assert "<script>" not in out and 'alert(1)</script> & "x"' not in out
    assert out.count(html.escape(BOESE)) >= mindestens


def test_table_cells_attributes_and_caption_are_text():
    out = vorlagen.tabelle(BOESE, [vorlagen.zeile([vorlagen.th(BOESE, scope=BOESE)])],
                           [vorlagen.zeile([vorlagen.td(BOESE, vorlagen.BR, vorlagen.element("small", BOESE),
                                                        vorlagen.link(BOESE, BOESE, BOESE), klasse="zahl")],
                                           **{"data-kennzahl": BOESE})], BOESE)
    _sauber(out, 9)
    assert out.startswith(f'<table class="{html.escape(BOESE)}"><caption>')
    assert f'<td class="zahl">{html.escape(BOESE)}<br><small>{html.escape(BOESE)}</small><a href=' in out
    with pytest.raises(ValueError):
        vorlagen.element("script", "x")


@pytest.fixture(scope="module")
def boeser_mart(demo_mart):
    """A mart of its own (not the shared cached one) whose Jobcenter and Land names are hostile."""
    from helpers import mart

    m = mart.Mart(demo_mart.path)
    m._tables = demo_mart._tables            # the loaded tables (read-only; the names are in m.jobcenter)
    jc = m.jobcenter.copy()
    jc["name"] = BOESE + " " + jc["jobcenter_id"].astype(str)
    jc["land_name"] = BOESE
    m.jobcenter = jc
    return m


def _angezeigt(monkeypatch, f) -> str:
    """The HTML a section function shows with IPython's display (and returns)."""
    gezeigt = []
    from helpers import zielsteuerung

    monkeypatch.setattr(zielsteuerung, "display", lambda x: gezeigt.append(x))
    r = f()
    from IPython.display import HTML

    return "".join(x.data for x in gezeigt + [r] if isinstance(x, HTML))


def test_hostile_names_are_text_in_every_page_table(boeser_mart, monkeypatch):
    from helpers import berechnungsgrundlagen, zielsteuerung

    m = boeser_mart
    ziele = m.ziele()
    jid = str(ziele["jobcenter_id"].iloc[0]) if not ziele.empty else str(m.jobcenter["jobcenter_id"].iloc[0])
    ring = {"name": BOESE, "jobcenter_ids": list(m.jobcenter["jobcenter_id"].astype(str)[:4]) + [jid]}
    jc = pages.JobcenterSeite(m, jid, None, "insgesamt", ring)
    _sauber(jc.tabelle().data)                                         # kennzahlen_tabelle, caption
    _sauber(jc.vergleichsring().data, 3)                               # ring table, members, caption
    _sauber(_angezeigt(monkeypatch, lambda: zielsteuerung.abschnitt(jc)))   # JFW and targets tables
    _sauber(berechnungsgrundlagen.abschnitt(jc).data)                 # Berechnungsgrundlagen
    vt = str(m.jobcenter.loc[m.jobcenter["jobcenter_id"] == jid, "vergleichstyp"].iloc[0])
    typ = pages.TypSeite(m, vt, None, "insgesamt")
    _sauber(typ.mitglieder().data, 2 * len(typ.jc))                    # member table and all-15 block
    land = pages.LandSeite(m, str(m.jobcenter["land"].iloc[0]), None, "insgesamt")
    _sauber(land.jobcenter().data, len(land.jc))
    bund = pages.BundSeite(m, None, "insgesamt")
    for teil in (bund.laender(), bund.typen(), bund.traegervergleich()):   # overviews: no names, still well-formed
        assert "<script>" not in teil.data and teil.data.count("<table") == teil.data.count("</table>") >= 1
    eigene = pages.RingSeite(m, BOESE, ring["jobcenter_ids"], BOESE, None, "insgesamt", None, None)
    _sauber(eigene.mitglieder().data)


def test_edition_list_and_archive_stub_carry_names_as_text(tmp_path):
    import json

    from helpers.publish import site, store

    (tmp_path / site.AUSGABEN / "2026-08").mkdir(parents=True)
    arch = tmp_path / site.AUSGABEN / "2026-05"
    arch.mkdir()
    (arch / site.ARCHIVIERT).write_text(json.dumps({"ausgabe": "2026-05", "monat": "2026-05",
                                                    "archiv": f"archiv/{BOESE}.tar.gz"}), encoding="utf-8")
    out = site.render_index(tmp_path, redirect=True)
    _sauber(out)                                  # the href; the link text is the file name after the last "/"
    assert ">" + html.escape(BOESE.rsplit("/", 1)[1] + ".tar.gz") + "</a>" in out
    assert out.startswith("<!DOCTYPE html>\n") and out.endswith("</body>\n</html>\n")
    assert "Ausgabe 2026-08 – Datenstand August 2026" in out and 'http-equiv="refresh"' not in out   # no current edition
    stub = store.stub_html("2026-05", "Mai 2026", 24, BOESE, "1,0 MB")
    _sauber(stub, 2)
    assert "<title>Ausgabe 2026-05 – archiviert</title>" in stub and "Es werden immer die letzten 24 Ausgaben" in stub
