"""Accessibility and print (issue 13): chart data as tables (unit tests) and, against the built
site, axe-core, the keyboard walk on the Bund page, print to A4, 390 px and the German theme."""

from __future__ import annotations

import pandas as pd

from helpers import charts, mystnb_vega


def test_chart_table_is_taken_out_of_the_payload_and_escaped():
    spec = {"description": "Text", "usermeta": {"tabelle": {"spalten": ["A<b>", "Wert"],
                                                           "zeilen": [["Bad <Ort> & Co", "1,5 %"]]}}}
    out = mystnb_vega.spec_to_html(spec, "vl-c1-o0")
    payload = out.split('data-target="vl-c1-o0">')[1].split("</script>")[0]
    assert "tabelle" not in payload and "Bad" not in payload
    assert "<summary>Daten als Tabelle</summary>" in out
    assert "<th scope=\"row\">Bad &lt;Ort&gt; &amp; Co</th>" in out and "A&lt;b&gt;" in out
    assert "<td class=\"zahl\">1,5 %</td>" in out


def test_time_series_table_uses_the_project_formatter():
    daten = pd.DataFrame({"k": ["K2", "K2"], "m": ["2024-01", "2024-02"], "w": [12.345, float("nan")],
                          "md": [10.0, 9.96]})
    t = charts.tabelle_zeitreihen(daten, {"w": "Jobcenter", "md": "Median"})
    assert t["spalten"] == ["Kennzahl, Monat", "Jobcenter", "Median"]
    assert t["zeilen"] == [["K2 Januar 2024", "12,3\u00a0%", "10,0\u00a0%"],
                           ["K2 Februar 2024", "–", "10,0\u00a0%"]]


def test_position_table_summarises_each_figure():
    daten = pd.DataFrame({"k": ["K2"] * 3, "i": ["1", "2", "3"], "v": [1.0, 4.0, 10.0]})
    t = charts.tabelle_position(daten, "3", "Flensburg")
    assert t["spalten"][-1] == "Flensburg"
    assert t["zeilen"] == [["K2", "3", "1,0\u00a0%", "4,0\u00a0%", "10,0\u00a0%", "10,0\u00a0%"]]
