"""Issue 15 on the built site (`make book`): the "Daten als Tabelle" rows of a time series with a
gender choice are built in the browser from the chart's own data (the page carries the numbers
once); they must read exactly as the rows helpers.charts formatted in Python (kept in the page
notebook's chart spec)."""

from __future__ import annotations

import json

import pytest

from helpers import mystnb_vega

CHART_DONE = "el => el.classList.contains('vega-fertig') || el.classList.contains('vega-fehler')"


def _tabellen(nb: dict) -> list[dict]:
    """usermeta.tabelle of every time-series chart with a gender choice, in page order."""
    out = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            spec = o.get("data", {}).get(mystnb_vega.VEGALITE_MIMES[0])
            meta = spec.get("usermeta", {}) if isinstance(spec, dict) else {}
            if "tabelle_param" in meta:
                out.append(meta["tabelle"])
    return out


@pytest.mark.browser
def test_time_series_tables_built_in_the_browser_read_as_in_python(browser_page, site_url, site_dir, seiten_dir):
    built = sorted(p.stem for p in (site_dir / "book/seiten/jobcenter").glob("*.html"))
    assert built
    page = browser_page.page
    geprueft = 0
    for jid in (built[0], built[len(built) // 2], built[-1]):        # spread over the Länder
        erwartet = _tabellen(json.loads((seiten_dir / "jobcenter" / f"{jid}.ipynb").read_text(encoding="utf-8")))
        assert len(erwartet) == 3, jid
        html_text = (site_dir / f"book/seiten/jobcenter/{jid}.html").read_text(encoding="utf-8")
        assert html_text.count("<tbody></tbody>") >= 3            # not in the HTML: built from the data
        page.goto(f"{site_url}/book/seiten/jobcenter/{jid}.html")
        charts = page.locator(".vega-chart").filter(has=page.locator("input[type=radio]"))
        assert charts.count() == 3
        for i, tabelle in enumerate(erwartet):
            chart = charts.nth(i)
            page.wait_for_function(CHART_DONE, arg=chart.element_handle(), timeout=30000)
            details = chart.locator("xpath=following-sibling::details[contains(@class,'hb-daten')][1]")
            rows = details.locator("tbody tr").evaluate_all(
                "trs => trs.map(tr => Array.from(tr.children).map(c => c.textContent))")
            assert rows == tabelle["zeilen"], (jid, i)
            assert details.locator("caption").text_content() == tabelle["titel"]
            geprueft += len(rows)
    assert geprueft > 3 * 3 * 100
    assert not browser_page.errors, browser_page.errors
