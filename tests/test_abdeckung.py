"""Coverage notes of group values on the pages (rule of 2026-12): "ohne 1 von 407 Jobcentern"."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest

from helpers.abdeckung import hinweis_html, ohne_text


def _rows(*rows):
    return pd.DataFrame(rows, columns=["kennzahl", "geschlecht", "wert", "erfasst", "mitglieder"])


def test_ohne_text():
    assert ohne_text(406, 407) == "ohne 1 von 407 Jobcentern"
    assert ohne_text(1200, 1210) == "ohne 10 von 1.210 Jobcentern"
    assert ohne_text(407, 407) == ""
    assert ohne_text(math.nan, 407) == ""


def test_note_lists_only_defined_values_without_members():
    rows = _rows(("K2E4", "frauen", 17.2, 404, 407), ("K2E4", "maenner", 21.0, 404, 407),
                 ("K2", "insgesamt", 20.0, 407, 407),            # complete: not listed
                 ("K2E2", "frauen", math.nan, 360, 407))          # undefined (zu_wenige): its reason says it
    html = hinweis_html([("Bund", rows), ("Land <Test>", _rows(("K2", "insgesamt", 20.0, 10, 10)))])
    assert "K2E4 (Frauen), K2E4 (Männer): ohne 3 von 407 Jobcentern" in html
    assert "K2E2" not in html and "K2 (" not in html
    assert "Land" not in html                                     # the Land is complete
    assert hinweis_html([("Bund", rows.iloc[2:])]) == ""
    assert "&lt;x&gt;" in hinweis_html([("<x>", rows)])           # labels are escaped


def test_pages_show_the_note_and_csv_carries_the_counts(demo_mart):
    from helpers import pages

    bund = demo_mart.ergebnisse(ebene="bund", monat=demo_mart.meta["datenstand"])
    gap = bund[bund["wert"].notna() & (bund["erfasst"] < bund["mitglieder"])]
    assert not gap.empty        # demo: suppressed cells of the smallest Jobcenter (helpers.demo)
    r = gap.iloc[0]
    seite = pages.JobcenterSeite(demo_mart, "05315")
    html = seite.tabelle().data
    assert f"ohne {r.mitglieder - r.erfasst} von {r.mitglieder} Jobcentern" in html
    csv = seite.csv_daten()
    row = csv[(csv["Kennzahl"] == r.kennzahl) & (csv["Geschlecht"] == {"frauen": "Frauen", "maenner": "Männer",
                                                                        "insgesamt": "Insgesamt"}[r.geschlecht])]
    assert (row["Bund: erfasste Jobcenter"].iloc[0], row["Bund: Mitglieder"].iloc[0]) == (r.erfasst, r.mitglieder)


def _gaps(rows):
    """(kennzahl, geschlecht, erfasst, mitglieder) of the defined values formed without some members."""
    u = rows[rows["wert"].notna() & (rows["erfasst"] < rows["mitglieder"])]
    return list(zip(u["kennzahl"], u["geschlecht"], u["erfasst"], u["mitglieder"]))


def _assert_named(html_, label, rows):
    from helpers.kennzahlen import GESCHLECHT_LABEL

    start = html_.find(f"<strong>{label}</strong>")
    assert start >= 0, f"no coverage note for {label}"
    item = html_[start:html_.find("</li>", start)]
    for code, g, e, mg in _gaps(rows):
        part = next((t for t in item.split("; ") if f"{code} ({GESCHLECHT_LABEL[g]})" in t), "")
        assert part.endswith(f": ohne {mg - e} von {mg} Jobcentern"), (label, code, g, item)


def test_bund_page_names_every_group_value_formed_without_members(demo_mart):
    # The Bund page shows the Bund and the gE/zkT sums; the demo has Bund values without 3 of
    # 407 Jobcenter (suppressed cells). Every such value of the page's month is named with its
    # own count, for each gender (the page's table is by gender).
    from helpers import pages

    monat = demo_mart.meta["datenstand"]
    seite = pages.BundSeite(demo_mart, monat)
    html_ = seite.tabelle().data
    bund = demo_mart.ergebnisse(ebene="bund", monat=monat)
    assert _gaps(bund), "demo: the Bund has values without some members"
    _assert_named(html_, "Bund", bund)
    t = demo_mart.ergebnisse(ebene="traegerart", monat=monat)
    for ta in ("gE", "zkT"):
        rows = t[t["id"] == ta]
        if _gaps(rows):
            _assert_named(html_, f"{ta} (Summe)", rows)
        else:
            assert f"<strong>{ta} (Summe)</strong>" not in html_
    assert _gaps(t), "demo: a Trägerart sum without some members (shown in the Bund page's gE/zkT columns)"


def test_type_and_land_pages_name_their_values_formed_without_members(demo_mart):
    from helpers import pages

    monat = demo_mart.meta["datenstand"]
    for ebene, cls in (("vergleichstyp", pages.TypSeite), ("land", pages.LandSeite)):
        e = demo_mart.ergebnisse(ebene=ebene, monat=monat)
        ids = sorted({i for i, g in e.groupby("id") if _gaps(g)})
        assert ids, f"demo: some {ebene} with values formed without members"
        seite = cls(demo_mart, ids[0], monat)
        html_ = seite.tabelle().data
        _assert_named(html_, seite.name, e[e["id"] == ids[0]])
        _assert_named(html_, "Bund", demo_mart.ergebnisse(ebene="bund", monat=monat))


def _csv_counts(csv, zeile, kennung):
    """{(kennzahl, geschlecht): (erfasst, mitglieder)} of one group's coverage rows in a page CSV."""
    from helpers.kennzahlen import CODES, GESCHLECHT_LABEL

    g_of = {v: k for k, v in GESCHLECHT_LABEL.items()}
    out = {}
    for label, i in (("erfasste Jobcenter", 0), ("Mitglieder", 1)):
        rows = csv[(csv["Zeile"] == f"{zeile}: {label}") & (csv["Kennung"] == kennung)]
        for r in rows.to_dict("records"):
            for c in CODES:
                if not pd.isna(r[c]):
                    out.setdefault((c, g_of[r["Geschlecht"]]), [None, None])[i] = int(r[c])
    return {k: tuple(v) for k, v in out.items()}


def _mart_counts(rows):
    return {(r.kennzahl, r.geschlecht): (int(r.erfasst), int(r.mitglieder)) for r in rows.itertuples()}


def test_group_page_csvs_carry_erfasst_and_mitglieder_of_every_group_value(demo_mart):
    """The one-month CSV of the Vergleichstyp, Land and Bund pages: each group value in it (the
    page's own sum, the Bund beside it, on the Bund page every Land, Vergleichstyp and
    Trägerart) has its erfasst/mitglieder rows, equal to the mart – also where a value is
    formed without some members ("ohne N von M" on the page)."""
    from helpers import pages

    monat = demo_mart.meta["datenstand"]
    bund = demo_mart.ergebnisse(ebene="bund", monat=monat)
    for ebene, cls, zeile in (("vergleichstyp", pages.TypSeite, "Vergleichstyp"), ("land", pages.LandSeite, "Land")):
        e = demo_mart.ergebnisse(ebene=ebene, monat=monat)
        gid = sorted({i for i, g in e.groupby("id") if _gaps(g)})[0]
        csv = pages.csv_aus_bytes(cls(demo_mart, gid, monat).csv_bytes())
        own = _csv_counts(csv, zeile, gid)
        assert own == _mart_counts(e[e["id"] == gid])
        assert any(er < mg for er, mg in own.values())          # a value formed without members
        assert _csv_counts(csv, "Bund", "DE") == _mart_counts(bund)
    raw = pages.BundSeite(demo_mart, monat).csv_bytes()
    csv = pages.csv_aus_bytes(raw)
    text_ = pd.read_csv(io.StringIO(raw.decode("utf-8-sig")), sep=";", dtype=str, keep_default_na=False)
    zaehl = text_[text_["Zeile"].str.endswith((": erfasste Jobcenter", ": Mitglieder"))]
    from helpers.kennzahlen import CODES

    werte = zaehl[list(CODES)].stack()
    assert len(werte) and werte[werte != ""].str.fullmatch(r"\d+").all()     # whole numbers, never "36,0"
    assert _csv_counts(csv, "Bund", "DE") == _mart_counts(bund)
    for ebene, zeile in (("land", "Land (Summe)"), ("vergleichstyp", "Vergleichstyp (Summe)"),
                         ("traegerart", "Trägerart (Summe)")):
        e = demo_mart.ergebnisse(ebene=ebene, monat=monat)
        for gid, rows in e.groupby("id"):
            assert _csv_counts(csv, zeile, gid) == _mart_counts(rows), (ebene, gid)
