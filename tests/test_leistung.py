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
