"""Performance measures that must not change what a page shows."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell

from helpers import mystnb_vega


@pytest.fixture
def shell():
    sh = InteractiveShell.instance()
    mystnb_vega.enable_renderer("vl6json")
    yield sh


def _chart():
    df = pd.DataFrame({"m": ["2026-01", "2026-02"], "v": [1.5, 2.25]})
    return alt.Chart(df).mark_line().encode(x="m:T", y="v:Q").properties(description="Test")


def test_displayed_chart_bundle_is_altairs_own(shell, monkeypatch):
    """Without validation the displayed bundle is exactly what altair's validating path gives."""
    chart = _chart()
    monkeypatch.delenv(mystnb_vega.VALIDATE_ENV, raising=False)
    fast, _ = shell.display_formatter.format(chart)
    monkeypatch.setenv(mystnb_vega.VALIDATE_ENV, "1")
    checked, _ = shell.display_formatter.format(chart)
    assert fast == checked == chart._repr_mimebundle_()
    assert fast[mystnb_vega.VEGALITE_MIMES[0]]["description"] == "Test"


def test_schema_check_only_when_asked(shell, monkeypatch):
    bad = _chart()
    bad.width = "sehr breit"                 # not a number or "container": a schema error
    monkeypatch.delenv(mystnb_vega.VALIDATE_ENV, raising=False)
    assert not mystnb_vega.validate_on_display()
    assert mystnb_vega.display_bundle(bad)[mystnb_vega.VEGALITE_MIMES[0]]["width"] == "sehr breit"
    monkeypatch.setenv(mystnb_vega.VALIDATE_ENV, "1")
    with pytest.raises(Exception, match="sehr breit"):
        mystnb_vega.display_bundle(bad)


def test_other_renderers_keep_altairs_display(shell):
    alt.renderers.enable("json")
    try:
        bundle, _ = shell.display_formatter.format(_chart())
        assert "application/json" in bundle
    finally:
        mystnb_vega.enable_renderer("vl6json")


def _vergleich():
    import importlib.util

    from helpers import paths

    spec = importlib.util.spec_from_file_location("vergleich", paths.ROOT / "scripts" / "vergleich_hauptinhalt.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _page(main: str, nav: str = "<nav>a</nav>") -> str:
    return f"<html><head><script src='x.js?v=1'></script></head><body>{nav}<main id='m'>{main}</main></body></html>"


def test_main_content_comparison_ignores_navigation_and_stamps_only(tmp_path, capsys):
    v = _vergleich()
    before, after = tmp_path / "vorher", tmp_path / "nachher"
    for d, nav, stamp in ((before, "<nav>lang</nav>", "2026-09-03T05:17:00+02:00"),
                          (after, "<nav>kurz</nav>", "2026-10-03T05:18:12+02:00")):
        (d / "book" / "seiten").mkdir(parents=True)
        (d / "book" / "seiten" / "a.html").write_text(_page(f"<p>K1 12,3 %</p><p>gebaut {stamp}</p>", nav))
        (d / "book" / "intro.html").write_text(_page("<h1>Start</h1>"))
    assert v.run([str(before), str(after)]) == 0
    # one changed figure in the main content is found, with where it differs
    (after / "book" / "seiten" / "a.html").write_text(_page("<p>K1 12,4 %</p><p>gebaut 2026-10-03T05:18:12+02:00</p>"))
    assert v.run([str(before), str(after)]) == 1
    out = capsys.readouterr().out
    assert "book/seiten/a.html: Hauptinhalt verschieden" in out and "12,3" in out and "12,4" in out
    (after / "book" / "intro.html").unlink()
    assert v.run([str(before), str(after)]) == 1
    assert "book/intro.html: fehlt im neuen Build" in capsys.readouterr().out
