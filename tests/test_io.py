"""Input validation and the `compute` command of the data contract, run as users run it."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from cli_lauf import helpers_cli
from kennzahlen_factory import grunddaten_table, jobcenter_table, write

JC = jobcenter_table([("01001", "01", "gE", "Ia"), ("05315", "05", "zkT", "IIb"), ("13071-1", "13", "gE", "IIb")])


def _gd(n=14):
    lin = lambda a: [a + 7 * t for t in range(n)]  # noqa: E731
    series = {i: {"elb": lin(900), "integrationen": [12] * n, "llu": [float(v) for v in lin(5000)],
                  "lzb": lin(600), "ae": lin(100)} for i in JC.jobcenter_id}
    return grunddaten_table(series, n, genders=("insgesamt", "frauen", "maenner"))


def run_compute(tmp_path, jc, gd, fmt="csv"):
    jp, gp = write(tmp_path, jc, gd)
    if fmt == "parquet":
        jc.to_parquet(jp := tmp_path / "jobcenter.parquet")
        gd.to_parquet(gp := tmp_path / "grunddaten.parquet")
    elif fmt == "xlsx":
        jc.to_excel(jp := tmp_path / "jobcenter.xlsx", index=False)
        gd.to_excel(gp := tmp_path / "grunddaten.xlsx", index=False)
    out = tmp_path / "out" / "kennzahlen.csv"
    proc = helpers_cli("compute", "--jobcenter", str(jp), "--grunddaten", str(gp), "--out", str(out))
    return proc, out


def test_compute_writes_the_contract_table(tmp_path):
    proc, out = run_compute(tmp_path, JC, _gd())
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(out, dtype={"id": str, "monat": str})
    assert list(df.columns) == ["ebene", "id", "monat", "geschlecht", "kennzahl", "wert", "erfasst", "mitglieder",
                                "zaehler", "nenner"]
    assert set(df.ebene) == {"jobcenter", "vergleichstyp", "land", "traegerart", "land_traegerart", "bund"}
    assert {"01001", "05315", "13071-1", "IIb", "01", "13", "gE", "zkT", "DE"} <= set(df["id"])
    assert df["wert"].notna().any()
    # full precision, '.' decimals: a value parses back to the same float the mart holds
    assert df["wert"].dropna().map(lambda v: len(repr(v))).max() > 10


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_parquet_and_xlsx_give_the_same_result_as_csv(tmp_path, fmt):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    p1, o1 = run_compute(tmp_path / "a", JC, _gd())
    p2, o2 = run_compute(tmp_path / "b", JC, _gd(), fmt=fmt)
    assert p1.returncode == 0 and p2.returncode == 0, p2.stderr
    a = pd.read_csv(o1, dtype={"id": str})
    b = pd.read_csv(o2, dtype={"id": str})
    pd.testing.assert_frame_equal(a, b)
    assert "01001" in set(b["id"])          # leading zero survived the typed formats


def test_suppressed_and_empty_cells_are_not_available(tmp_path):
    gd = _gd()
    gd.loc[3, "elb"] = "*"
    gd.loc[4, "integrationen"] = ""
    proc, out = run_compute(tmp_path, JC, gd)
    assert proc.returncode == 0, proc.stderr


BAD = {
    # class: (mutate(jc, gd) -> (jc, gd), file, expected fragments of the message)
    "non_numeric": (lambda jc, gd: (jc, gd.assign(elb=gd["elb"].where(gd.index != 4, "zwölf"))),
                    "grunddaten.csv", ["Zeile 6", "Spalte 'elb'", "'zwölf'", "keine Zahl"]),
    "negative": (lambda jc, gd: (jc, gd.assign(lzb=gd["lzb"].where(gd.index != 0, "-3"))),
                 "grunddaten.csv", ["Zeile 2", "Spalte 'lzb'", "negative Zahl"]),
    "not_integer": (lambda jc, gd: (jc, gd.assign(ae=gd["ae"].where(gd.index != 2, "3.5"))),
                    "grunddaten.csv", ["Zeile 4", "Spalte 'ae'", "keine ganze Zahl"]),
    "duplicate_key": (lambda jc, gd: (jc, pd.concat([gd, gd.iloc[[7]]], ignore_index=True)),
                      "grunddaten.csv", ["doppelter Schlüssel", "Zeile"]),
    "bad_month": (lambda jc, gd: (jc, gd.assign(monat=gd["monat"].where(gd.index != 9, "2024-13"))),
                  "grunddaten.csv", ["Zeile 11", "Spalte 'monat'", "'2024-13'", "JJJJ-MM"]),
    "bad_gender": (lambda jc, gd: (jc, gd.assign(geschlecht=gd["geschlecht"].where(gd.index != 1, "divers"))),
                   "grunddaten.csv", ["Zeile 3", "Spalte 'geschlecht'", "'divers'"]),
    "unknown_jobcenter": (lambda jc, gd: (jc, gd.assign(jobcenter_id=gd["jobcenter_id"].where(gd.index != 5, "99999"))),
                          "grunddaten.csv", ["Zeile 7", "Spalte 'jobcenter_id'", "'99999'", "unbekannte jobcenter_id"]),
    "missing_column": (lambda jc, gd: (jc, gd.drop(columns=["kontinuierlich"])),
                       "grunddaten.csv", ["Spalte 'kontinuierlich'", "Pflichtspalte fehlt"]),
    "money_for_gender": (lambda jc, gd: (jc, gd.assign(kdu=gd["kdu"].where(gd.geschlecht == "insgesamt", "5.00"))),
                         "grunddaten.csv", ["Spalte 'kdu'", "nur für geschlecht 'insgesamt'"]),
    "bad_land": (lambda jc, gd: (jc.assign(land=["01", "17", "13"]), gd),
                 "jobcenter.csv", ["Zeile 3", "Spalte 'land'", "'17'"]),
    "duplicate_jobcenter": (lambda jc, gd: (pd.concat([jc, jc.iloc[[0]]], ignore_index=True), gd),
                            "jobcenter.csv", ["Zeile 5", "Spalte 'jobcenter_id'", "doppelter Wert '01001'"]),
    "bad_traegerart": (lambda jc, gd: (jc.assign(traegerart=["gE", "Option", "gE"]), gd),
                       "jobcenter.csv", ["Zeile 3", "Spalte 'traegerart'", "'Option'"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_exits_2_with_pointed_message_and_no_output(tmp_path, case):
    mutate, fname, fragments = BAD[case]
    jc, gd = mutate(JC.copy(), _gd())
    proc, out = run_compute(tmp_path, jc, gd)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert fname in proc.stderr
    for frag in fragments:
        assert frag in proc.stderr, f"{frag!r} not in:\n{proc.stderr}"
    assert not out.exists()
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_bad_input_does_not_touch_an_existing_output(tmp_path):
    proc, out = run_compute(tmp_path, JC, _gd())
    assert proc.returncode == 0
    before = out.read_bytes()
    gd = _gd()
    gd.loc[0, "elb"] = "x"
    proc2, out2 = run_compute(tmp_path, JC, gd)
    assert proc2.returncode == 2
    assert out2 == out and out.read_bytes() == before


def test_many_errors_are_summarised(tmp_path):
    gd = _gd()
    gd["elb"] = "x"
    proc, _ = run_compute(tmp_path, JC, gd)
    assert proc.returncode == 2
    assert "weitere Fehler" in proc.stderr


def test_wrong_field_count_names_the_line(tmp_path):
    jp, gp = write(tmp_path, JC, _gd())
    lines = gp.read_text().splitlines()
    lines[3] += ",1,2"
    gp.write_text("\n".join(lines) + "\n")
    out = tmp_path / "o.csv"
    proc = subprocess.run([sys.executable, "-m", "helpers", "compute", "--jobcenter", str(jp), "--grunddaten",
                           str(gp), "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 2 and "Zeile 4" in proc.stderr and not out.exists()


def test_missing_file(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "helpers", "compute", "--jobcenter", str(tmp_path / "no.csv"),
                           "--grunddaten", str(tmp_path / "no2.csv"), "--out", str(tmp_path / "o.csv")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "nicht gefunden" in proc.stderr
