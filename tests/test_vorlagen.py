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
