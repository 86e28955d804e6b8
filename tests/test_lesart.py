"""Reading rules (spec kennzahlen.md, "Reading directions") and generated sentences on real names."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from helpers import text
from helpers.kennzahlen import KENNZAHLEN
from helpers.pages import lesart, lesart_zelle

NAMEN_CSV = Path(__file__).resolve().parents[1] / "data" / "reference" / "jobcenter_list.csv"


def _namen() -> list[str]:
    with NAMEN_CSV.open(encoding="utf-8") as f:
        return [r["jc_name"] for r in csv.DictReader(f)]


NAMEN = _namen()


def test_only_k1_to_k3_are_rated():
    assert sorted(c for c, k in KENNZAHLEN.items() if k.wertend) == ["K1", "K2", "K3"]
    for c, k in KENNZAHLEN.items():
        if not k.wertend:
            assert "keine Wertung" in k.lesart, c


@pytest.mark.parametrize("code, alt, neu, erwartet", [
    ("K2", 2.3, 2.5, False),      # 0,2 Pp.: not "deutlich" (the example)
    ("K2", 2.3, 2.8, True),       # 0,5 Pp.
    ("K2", 2.3, 2.79, False),
    ("K1", -1.0, -0.1, False),    # change figure: 0,9 points
    ("K1", -1.0, 0.0, True),      # 1 point
    ("K2", None, 3.0, False),
])
def test_deutlich_thresholds(code, alt, neu, erwartet):
    assert KENNZAHLEN[code].deutlich(alt, neu) is erwartet


def test_lesart_neutral_for_ergaenzungsgroessen_and_bund():
    assert lesart(60.0, 50.0, "K2") == "besser"            # K2 higher is better, against the type
    assert lesart(60.0, 50.0, "K3") == "schlechter"        # K3 lower is better
    assert lesart(60.0, 50.0, "K2", wertend=False) == "kontext"   # against Bund/Land/Trägerart
    for c, k in KENNZAHLEN.items():
        if not k.wertend:
            assert lesart(60.0, 50.0, c) == "kontext", c
    zelle = lesart_zelle("kontext", "K2", "der Bund", True)
    assert "über dem Bund" in zelle and "günstig" not in zelle and "besser" not in zelle


def _befunde(score_vj: float = 0.9, wert_vj: float = 40.0) -> list[text.Befund]:
    out = []
    for i, c in enumerate(KENNZAHLEN):
        out.append(text.Befund(code=c, wert=42.0 + i, score=0.8 if i % 2 else -0.6, score_vj=score_vj,
                               wert_vj=wert_vj, bezug=41.0 + 2 * (i % 2), detail="Rang 2 von 20"))
    return out


@pytest.mark.parametrize("name", NAMEN)
def test_sentences_on_all_directory_names(name):
    s = " ".join(text.zusammenfassung(text.subjekt_jobcenter(name), "der Median des Vergleichstyps IIa",
                                      "2025-12", _befunde()))
    assert "Jobcenter Jobcenter" not in s and "Jobcenter Kommunales" not in s
    assert name in s
    assert not any(f"{art} {name}" in s for art in ("das", "der", "die", "dem", "des"))
    assert "bei 1 von 3 Kennzahlen günstiger" in s           # K2 rated better, K1 and K3 worse
    assert "bei 2 ungünstiger" in s
    n_e = sum(1 for k in KENNZAHLEN.values() if not k.wertend)
    assert f"von {3 + n_e} " not in s


def test_neutral_wording_against_bund():
    befunde = [text.Befund("K1", 1.5, bezug=0.5, wert_vj=1.4), text.Befund("K2", 20.0, bezug=25.0, wert_vj=19.0),
               text.Befund("K3", 30.0, bezug=25.0, wert_vj=30.1), text.Befund("K2E1", 3.0, bezug=1.0)]
    s = " ".join(text.zusammenfassung("Vergleichstyp IIa insgesamt", "dem Bund", "2025-12", befunde,
                                      wertend=False))
    assert "liegen 2 über dem Bund, 1 unter dem Bund" in s
    assert "K2 (Integrationsquote): 19,0" in s and "K3" not in s.split("Deutliche")[1]
    assert "günstig" not in s and "besser" not in s and "schlechter" not in s and "verbessert" not in s
    assert "über dem Bund" in s and "unter dem Bund" in s


def test_deutlich_needs_the_threshold():
    # rank moved a lot, but the value only 0,2 Pp.: not "deutlich"
    klein = " ".join(text.zusammenfassung("Jobcenter Kiel", "der Median", "2025-12",
                                          [text.Befund("K2", 2.5, score=0.9, score_vj=-0.9, wert_vj=2.3)]))
    assert "Deutliche" not in klein and "keine Kennzahl deutlich" in klein
    gross = " ".join(text.zusammenfassung("Jobcenter Kiel", "der Median", "2025-12",
                                          [text.Befund("K2", 2.8, score=0.9, score_vj=-0.9, wert_vj=2.3)]))
    assert "Deutliche Veränderungen" in gross and "verbessert" in gross
    # Ergänzungsgrößen never count as deutlich movements nor as rated figures
    e = " ".join(text.zusammenfassung("Jobcenter Kiel", "der Median", "2025-12",
                                      [text.Befund("K2E1", 9.0, score=0.9, score_vj=-0.9, wert_vj=2.0)]))
    assert "Deutliche" not in e and "günstiger" not in e
