"""Signs of values without a number outside the page tables (Berechnungsgrundlagen, Zielsteuerung):
the same sign function as the page tables ('.' unknown or secret, 'x' not formed), never the dash
that the Zeichenerklärung reserves for "nichts vorhanden"."""

from __future__ import annotations

import re

import pandas as pd

from helpers import berechnungsgrundlagen, fmt, text, zielsteuerung

MONAT = "2026-06"


def _zeichen(html: str) -> list[tuple[str, str]]:
    """(sign, tooltip) of every value without a number in the HTML."""
    return re.findall(r'<span class="wert-fehlt" title="([^"]*)">([^<]*)</span>', html)


def _zeile(code, wert, grund, **extra):
    return {"monat": MONAT, "geschlecht": "insgesamt", "kennzahl": code, "wert": wert, "grund": grund,
            "zaehler": 1.0, "nenner": 2.0, "erfasst": 1, "mitglieder": 1, **extra}


def test_zeichen_html_is_the_sign_of_the_reason():
    assert text.zeichen_html("gesperrt") == f'<span class="wert-fehlt" title="gesperrt">{fmt.UNBEKANNT}</span>'
    assert ">x<" in text.zeichen_html("nenner_null", 'Nenner "0"')
    assert 'title="Nenner &quot;0&quot;"' in text.zeichen_html("nenner_null", 'Nenner "0"')


def test_berechnungsgrundlagen_signs():
    d = pd.DataFrame([_zeile("K2", float("nan"), "gesperrt"), _zeile("K3", float("nan"), "nenner_null"),
                      _zeile("K1", 12.345, "")])
    html = berechnungsgrundlagen.tabelle(d, MONAT, "insgesamt", "Test", gruppe=False)
    zeichen = dict((z, t) for t, z in _zeichen(html))
    assert set(zeichen) == {fmt.UNBEKANNT, fmt.NICHT_SINNVOLL}
    assert zeichen[fmt.UNBEKANNT] == text.grund_text("gesperrt")
    assert zeichen[fmt.NICHT_SINNVOLL] == text.grund_text("nenner_null")
    assert fmt.STRICH not in re.sub(r"<small>.*?</small>|<caption>.*?</caption>", "", html.split("<tbody>")[1])


def test_zielsteuerung_signs():
    s = pd.DataFrame([
        {"kennzahl": "JFW_INT", "monat": MONAT, "geschlecht": "insgesamt", "wert": float("nan"), "grund": "fehlt",
         "erfasst": 1, "mitglieder": 1},
        {"kennzahl": "JFW_K2", "monat": MONAT, "geschlecht": "insgesamt", "wert": float("nan"),
         "grund": "nenner_null", "erfasst": 1, "mitglieder": 1},
    ])
    html = zielsteuerung.jfw_tabelle(s, MONAT, "insgesamt", False, "Test")
    zeichen = [z for _, z in _zeichen(html)]
    assert fmt.STRICH not in zeichen and zeichen.count(fmt.NICHT_SINNVOLL) >= 3   # nenner_null + 2 not-defined cells
    assert fmt.UNBEKANNT in zeichen
    assert ('title="nicht festgelegt">x<' in html)
